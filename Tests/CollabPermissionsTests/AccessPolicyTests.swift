import CollabModel
import CollabPermissions
import Testing

// Decision tables for `AccessPolicy.standard` and the `Authorizer` that applies it. Every expected value
// below is written by hand from Documentation/Permissions.md ("The default rules", "Relationships",
// "Outside organizations"), never computed by calling the code under test.

/// One row of the item table: who, on which item, holds which relationships and may do what.
struct ItemDecisionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var subject: Subject
    var item: WorkItem
    /// The relationships the subject holds to the item (Permissions.md, "Relationships").
    var relationships: Set<Relationship>
    /// The item actions allowed (Permissions.md, "The default rules").
    var allowed: Set<WorkItemAction>
    /// Why everything is denied, for the rows that may do nothing for a reason other than missing rules.
    var denial: AccessDecision.Denial? = nil
    var testDescription: String { name }
}

enum Items {
    /// An item of acme: created by `ini`, assigned to `asg`, reviewed by `rev`, followed by `wat`, for
    /// department `eng-mobile`, shared with `partnerco` and `custco`.
    static func item(reviewer: Member.ID? = "rev") -> WorkItem {
        WorkItem(
            id: "item-1", organizationID: "acme", title: "Ship the release", description: "", priority: .medium,
            initiatorID: "ini", assigneeIDs: ["asg"], reviewerID: reviewer, watcherIDs: ["wat"],
            departmentIDs: ["eng-mobile"], partnerOrganizationIDs: ["partnerco", "custco"], start: People.instant,
            deadline: .instant(People.instant.addingTimeInterval(86_400)), dueAt: People.instant.addingTimeInterval(86_400),
            attachments: [], tags: [], state: .assigned, createdAt: People.instant, updatedAt: People.instant)
    }
}

/// The item actions, without the surface actions `list`, `search` and `export` (decided per call).
private let itemActions = WorkItemAction.allCases.filter { !$0.isSurfaceAction }

// The documented grants, per relationship (read across the rows of "The default rules").
private let initiatorMay: Set<WorkItemAction> = [.view, .comment, .watch, .submit, .decideAdjustment, .cancel, .share,
    .waitExternal]
private let assigneeMay: Set<WorkItemAction> = [.view, .comment, .watch, .accept, .start, .reportProgress,
    .submitForReview, .requestAdjustment, .waitExternal]
private let reviewerMay: Set<WorkItemAction> = [.view, .comment, .watch, .review]
private let followerMay: Set<WorkItemAction> = [.view, .comment, .watch]  // watcher, department member
private let headMay: Set<WorkItemAction> = [.view, .comment, .watch, .reassign]
private let administratorMay: Set<WorkItemAction> = [.view, .comment, .watch, .reassign, .cancel, .share, .waitExternal]
private let auditorMay: Set<WorkItemAction> = [.view, .watch]
private let sharedOrganizationMay: Set<WorkItemAction> = [.view, .comment]

let itemDecisionCases: [ItemDecisionCase] = [
    .init(name: "initiator", subject: People.insider("ini"), item: Items.item(),
        relationships: [.initiator, .organizationMember], allowed: initiatorMay),
    .init(name: "initiator of an item without a named reviewer", subject: People.insider("ini"),
        item: Items.item(reviewer: nil), relationships: [.initiator, .reviewer, .organizationMember],
        allowed: initiatorMay.union(reviewerMay)),
    .init(name: "assignee", subject: People.insider("asg"), item: Items.item(),
        relationships: [.assignee, .organizationMember], allowed: assigneeMay),
    .init(name: "named reviewer", subject: People.insider("rev"), item: Items.item(),
        relationships: [.reviewer, .organizationMember], allowed: reviewerMay),
    .init(name: "watcher", subject: People.insider("wat"), item: Items.item(),
        relationships: [.watcher, .organizationMember], allowed: followerMay),
    .init(name: "member of the item's department", subject: People.mobileMember, item: Items.item(),
        relationships: [.departmentMember, .organizationMember], allowed: followerMay),
    .init(name: "head of a department above the item's", subject: People.engHead, item: Items.item(),
        relationships: [.departmentHead, .organizationMember], allowed: headMay),
    .init(name: "head of an unrelated department", subject: People.salesHead, item: Items.item(),
        relationships: [.organizationMember], allowed: []),
    .init(name: "member of an unrelated department", subject: People.salesMember, item: Items.item(),
        relationships: [.organizationMember], allowed: []),
    .init(name: "member with no relationship", subject: People.bystander, item: Items.item(),
        relationships: [.organizationMember], allowed: []),
    .init(name: "administrator", subject: People.administrator, item: Items.item(),
        relationships: [.administrator, .organizationMember], allowed: administratorMay),
    .init(name: "auditor", subject: People.auditor, item: Items.item(),
        relationships: [.auditor, .organizationMember], allowed: auditorMay),
    .init(name: "assignee who is also administrator", subject: People.insider("asg", roles: [.administrator]),
        item: Items.item(), relationships: [.assignee, .administrator, .organizationMember],
        allowed: assigneeMay.union(administratorMay)),
    .init(name: "partner member, item shared, collaboration on", subject: People.partner, item: Items.item(),
        relationships: [.sharedOrganization], allowed: sharedOrganizationMay),
    .init(name: "partner administrator (roles count for nothing outside)", subject: People.partnerAdministrator,
        item: Items.item(), relationships: [.sharedOrganization], allowed: sharedOrganizationMay),
    .init(name: "customer contact, item shared, collaboration on", subject: People.customer, item: Items.item(),
        relationships: [.sharedOrganization], allowed: sharedOrganizationMay),
    .init(name: "partner member, item shared, collaboration off",
        subject: People.outsider("partner-amy", of: "partnerco", kind: .partner, enabled: false), item: Items.item(),
        relationships: [], allowed: [], denial: .otherOrganization),
    .init(name: "partner member, item not shared with their organization", subject: People.partnerDisabled,
        item: Items.item(), relationships: [], allowed: [], denial: .otherOrganization),
    .init(name: "partner member of an organization not shared with",
        subject: People.outsider("other-amy", of: "partnerb", kind: .partner), item: Items.item(),
        relationships: [], allowed: [], denial: .otherOrganization),
    .init(name: "partner member whose id the item names as assignee",
        subject: People.outsider("asg", of: "partnerco", kind: .partner), item: Items.item(),
        relationships: [.sharedOrganization], allowed: sharedOrganizationMay),
    .init(name: "administrator of another company", subject: People.strangerAdministrator, item: Items.item(),
        relationships: [], allowed: [], denial: .otherOrganization),
    .init(name: "member of another company whose id the item names as initiator and assignee",
        subject: People.insider("asg", roles: [.administrator], organization: "globex"),
        item: { var item = Items.item(); item.initiatorID = "asg"; return item }(),
        relationships: [], allowed: [], denial: .otherOrganization),
    .init(name: "deactivated administrator", subject: People.deactivatedAdministrator, item: Items.item(),
        relationships: [.administrator, .organizationMember], allowed: [], denial: .inactiveMember),
    .init(name: "deactivated assignee", subject: People.insider("asg", active: false), item: Items.item(),
        relationships: [.assignee, .organizationMember], allowed: [], denial: .inactiveMember),
    .init(name: "deactivated partner member", subject: People.deactivatedPartner, item: Items.item(),
        relationships: [.sharedOrganization], allowed: [], denial: .inactiveMember),
]

/// One row of the surface table (`list`, `search`, `export`, decided once per call).
struct SurfaceCase: Sendable, CustomTestStringConvertible {
    var profile: Profile
    var allowed: Bool
    /// What the surface then shows: the whole organization, the subject's own grants, or nothing.
    var scope: Scope
    enum Scope: Sendable { case wholeOrganization, ownGrants, sharedWithOrganization, nothing }
    var testDescription: String { profile.name }
}

let surfaceCases: [SurfaceCase] = [
    .init(profile: .init(name: "administrator", subject: People.administrator), allowed: true, scope: .wholeOrganization),
    .init(profile: .init(name: "auditor", subject: People.auditor), allowed: true, scope: .wholeOrganization),
    .init(profile: .init(name: "department head", subject: People.engHead), allowed: true, scope: .ownGrants),
    .init(profile: .init(name: "department member", subject: People.mobileMember), allowed: true, scope: .ownGrants),
    .init(profile: .init(name: "member", subject: People.bystander), allowed: true, scope: .ownGrants),
    .init(profile: .init(name: "partner member", subject: People.partner), allowed: true,
        scope: .sharedWithOrganization),
    .init(profile: .init(name: "partner administrator", subject: People.partnerAdministrator), allowed: true,
        scope: .sharedWithOrganization),
    .init(profile: .init(name: "customer contact", subject: People.customer), allowed: true,
        scope: .sharedWithOrganization),
    .init(profile: .init(name: "partner member, collaboration off", subject: People.partnerDisabled), allowed: true,
        scope: .nothing),
    .init(profile: .init(name: "deactivated administrator", subject: People.deactivatedAdministrator), allowed: false,
        scope: .nothing),
    .init(profile: .init(name: "deactivated partner member", subject: People.deactivatedPartner), allowed: false,
        scope: .nothing),
]

@Suite struct AccessPolicyTests {
    /// "The default rules", row by row.
    static let documentedGrants: [WorkItemAction: Set<Relationship>] = [
        .view: [.initiator, .assignee, .reviewer, .watcher, .departmentMember, .departmentHead, .administrator, .auditor,
            .sharedOrganization],
        .list: [.organizationMember, .sharedOrganization],
        .search: [.organizationMember, .sharedOrganization],
        .export: [.organizationMember, .sharedOrganization],
        .comment: [.initiator, .assignee, .reviewer, .watcher, .departmentMember, .departmentHead, .administrator,
            .sharedOrganization],
        .watch: [.initiator, .assignee, .reviewer, .watcher, .departmentMember, .departmentHead, .administrator, .auditor],
        .submit: [.initiator],
        .accept: [.assignee], .start: [.assignee], .reportProgress: [.assignee], .submitForReview: [.assignee],
        .requestAdjustment: [.assignee],
        .review: [.reviewer],
        .decideAdjustment: [.initiator],
        .reassign: [.departmentHead, .administrator],
        .cancel: [.initiator, .administrator],
        .share: [.initiator, .administrator],
        .waitExternal: [.initiator, .assignee, .administrator],
    ]

    @Test("the standard policy grants each action to exactly the documented relationships",
        arguments: WorkItemAction.allCases)
    func standardGrants(action: WorkItemAction) throws {
        let documented = try #require(Self.documentedGrants[action], "Permissions.md has no row for \(action)")
        #expect(Set(AccessPolicy.standard.relationships(allowedTo: action)) == documented)
        for rule in AccessPolicy.standard.rules where rule.action == action {
            #expect(rule.name == "\(rule.relationship.rawValue)-may-\(action.rawValue)")
        }
    }

    @Test("every item action, for every kind of member, is allowed exactly as the table says",
        arguments: itemDecisionCases, WorkItemAction.allCases.filter { !$0.isSurfaceAction })
    func itemDecision(row: ItemDecisionCase, action: WorkItemAction) {
        let authorizer = Authorizer()
        let expected = row.allowed.contains(action)
        #expect(Set(authorizer.relationships(of: row.subject, to: row.item)) == row.relationships)
        #expect(authorizer.isAllowed(row.subject, action, on: row.item) == expected)
        let decision = authorizer.decide(row.subject, action, on: row.item)
        #expect(decision.isAllowed == expected, "\(decision)")
        if expected {
            #expect(decision.rule.map { row.relationships.contains($0.relationship) && $0.action == action } == true)
        } else {
            #expect(decision.denial == (row.denial ?? .noMatchingRule), "\(decision)")
        }
    }

    @Test("what an item row may do is the table's set, and nothing else", arguments: itemDecisionCases)
    func itemRow(row: ItemDecisionCase) {
        let authorizer = Authorizer()
        let allowed = Set(itemActions.filter { authorizer.isAllowed(row.subject, $0, on: row.item) })
        #expect(allowed == row.allowed)
        #expect(authorizer.isAllowed(row.subject, .view, on: row.item) == !row.allowed.isEmpty)
    }

    @Test("list, search and export are decided once per call, and show only what the subject may view",
        arguments: surfaceCases, [WorkItemAction.list, .search, .export])
    func surface(row: SurfaceCase, action: WorkItemAction) {
        let authorizer = Authorizer()
        let subject = row.profile.subject
        let decision = authorizer.decide(subject, action)
        #expect(decision.isAllowed == row.allowed, "\(decision)")
        if !row.allowed { #expect(decision.denial == .inactiveMember) }
        let scope = authorizer.visibilityScope(for: subject)
        #expect(scope.organizationID == subject.organizationID)
        switch row.scope {
        case .wholeOrganization:
            #expect(scope.wholeOrganization == subject.organizationID && !scope.isExternal)
        case .ownGrants:
            let me = subject.memberID.rawValue
            var expected: Set<VisibilityScope.Grant> = [.init(.initiator, me), .init(.assignee, me),
                .init(.reviewer, me), .init(.watcher, me)]
            for department in subject.departmentIDs.union(subject.headedDepartmentIDs) {
                expected.insert(.init(.department, department.rawValue))
            }
            #expect(scope.wholeOrganization == nil && scope.grants == expected && !scope.isExternal)
        case .sharedWithOrganization:
            #expect(scope.wholeOrganization == nil && scope.isExternal
                && scope.grants == [.init(.sharedOrganization, subject.organizationID.rawValue)])
        case .nothing:
            #expect(scope.isEmpty)
        }
    }

    @Test("surface actions held by nobody are denied: view, say, is never a surface decision")
    func nonSurfaceActionAtSurface() {
        let decision = Authorizer().decide(People.administrator, .view)
        #expect(!decision.isAllowed && decision.denial == .noMatchingRule)
    }
}
