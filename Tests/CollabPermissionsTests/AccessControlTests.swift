import CollabModel
import CollabPermissions
import Testing

// Decision tables for `AccessControl`: every `RecordAction` in `RecordAction.all`, decided on acme's
// records of the other tables (`Items`, `ScenarioRecords`, `ExternalRecords`). Every expected value is
// written by hand from Documentation/Permissions.md ("One access control for every record"), never computed
// by calling the code under test.

/// One decision: who, which action, on what, and whether it is allowed by which rule set.
struct ControlCase: Sendable, CustomTestStringConvertible {
    var action: RecordAction
    var who: String
    var subject: Subject
    var target: AccessTarget
    var allowed: Bool
    var ruleSet: AccessDecision.RuleSet
    var testDescription: String { "\(action) \(allowed ? "allowed" : "denied") to \(who)" }
}

/// The records the table decides on.
enum ControlRecords {
    static let item = Items.item()
    static let acme: AccessTarget = .organization("acme")
    static let announcement = AccessTarget.announcement(ScenarioRecords.announcement, isRecipient: false)
    static let received = AccessTarget.announcement(ScenarioRecords.announcement, isRecipient: true)
    static let publication = AccessTarget.publication(
        in: "acme", onBehalfOf: "eng-mobile", to: .department("eng-mobile"), memberDepartments: [:])
    static let resourceRequest = AccessTarget.resourceRequest(ScenarioRecords.request, of: ScenarioRecords.incident)
    static let partner = AccessTarget.partner("partnerco", invitedBy: ["acme"])
    /// A document of `item-1`, uploaded by its assignee.
    static func document(
        _ visibility: Visibility, owner: DocumentOwner = .workItem("item-1"), deleted: Bool = false
    ) -> Document {
        Document(
            id: "doc-1", organizationID: "acme", owner: owner, name: "plan.pdf", visibility: visibility, versions: [],
            creatorID: "asg", createdAt: People.instant, updatedAt: People.instant,
            deletedAt: deleted ? People.instant : nil, deletedBy: deleted ? "asg" : nil)
    }
    static let internalDocument = AccessTarget.document(document(.internal), in: .workItem(item))
    static let externalDocument = AccessTarget.document(document(.external), in: .workItem(item))
    static let deletedDocument = AccessTarget.document(document(.external, deleted: true), in: .workItem(item))
    static let folderDocument = AccessTarget.document(
        document(.internal, owner: .departmentFolder("eng-mobile")), in: .department("eng-mobile", in: "acme"))
    /// An approval request of `asg` waiting for `rev` (step `head`), after `engHead` approved step `first`,
    /// copying `informed`; `nil` only if the model refuses the fixture (then `tableCoversEveryAction` fails).
    static let approvalRequest: ApprovalRequest? = {
        let draft = ApprovalFlowDraft(name: "采购申请", steps: [
            ApprovalStep(key: "first", name: "First", approvers: [.members(ids: ["eng-head"])]),
            ApprovalStep(key: "head", name: "Head", approvers: [.members(ids: ["rev"])]),
        ], policies: ApprovalPolicies(timeout: nil))
        guard let flow = try? ApprovalFlow(id: "flow-1", organizationID: "acme", version: 1, draft: draft,
            savedBy: "admin", savedAt: People.instant)
        else { return nil }
        let resolver = ResolvedApprovers(byStep: ["first": ["eng-head"], "head": ["rev"]])
        guard var run = try? ApprovalRun.start(flow: flow, applicant: "asg", values: [:], resolver: resolver),
            (try? run.approve(by: "eng-head", expectedVersion: run.version, flow: flow, resolver: resolver)) != nil
        else { return nil }
        return ApprovalRequest(id: "request-1", organizationID: "acme", title: "Laptops", flowName: flow.name,
            subject: .standalone, departmentID: "eng-mobile", run: run, ccIDs: ["informed"], createdAt: People.instant)
    }()
    /// `mobile-member`, of acme's `eng-mobile`.
    static let mobileMember = Member(
        id: "mobile-member", organizationID: "acme", displayName: "Mobile", handle: "mobile",
        departments: [DepartmentMembership("eng-mobile")])
}

private func rows(
    _ action: RecordAction, on target: AccessTarget, _ ruleSet: AccessDecision.RuleSet,
    allowed: [(String, Subject)], denied: [(String, Subject)]
) -> [ControlCase] {
    allowed.map { ControlCase(action: action, who: $0.0, subject: $0.1, target: target, allowed: true, ruleSet: ruleSet) }
        + denied.map {
            ControlCase(action: action, who: $0.0, subject: $0.1, target: target, allowed: false, ruleSet: ruleSet)
        }
}

private let ini = ("initiator", People.insider("ini"))
private let asg = ("assignee", People.insider("asg"))
private let rev = ("reviewer", People.insider("rev"))
private let administrator = ("administrator", People.administrator)
private let auditor = ("auditor", People.auditor)
private let engHead = ("head of eng", People.engHead)
private let salesHead = ("head of sales", People.salesHead)
private let mobileMember = ("member of eng-mobile", People.mobileMember)
private let salesMember = ("member of sales", People.salesMember)
private let bystander = ("member with no relationship", People.bystander)
private let partner = ("partner member", People.partner)
private let customer = ("customer contact", People.customer)
private let stranger = ("administrator of another company", People.strangerAdministrator)
private let author = ("author", People.insider("author"))
private let attendee = ("attendee", People.insider("attendee"))
private let responder = ("responder", People.insider("responder"))
private let informed = ("informed member", People.insider("informed"))
private let trigger = ("who triggered the incident", People.insider("trigger"))
private let buyer = ("buyer", People.insider("buyer"))
private let seller = ("sales owner", People.insider("seller"))

private let item = AccessTarget.workItem(ControlRecords.item)
private let acme = ControlRecords.acme

/// The approval rows (Permissions.md, "Approval flows and requests"), on `ControlRecords.approvalRequest`.
private func approvalRows() -> [[ControlCase]] {
    guard let request = ControlRecords.approvalRequest else { return [] }
    let target = AccessTarget.approvalRequest(request)
    var finished = request
    try? finished.run.withdraw(by: "asg", expectedVersion: request.run.version)
    let approver = ("approver of the step under way", People.insider("rev"))
    let decidedBefore = ("approver of an earlier step", People.engHead)
    return [
        rows(.defineApprovalFlow, on: acme, .approvalRules, allowed: [administrator], denied: [auditor, engHead, partner, stranger]),
        rows(.submitApproval, on: acme, .approvalRules, allowed: [bystander, auditor], denied: [partner, stranger]),
        rows(.viewApproval, on: target, .approvalRules, allowed: [asg, approver, decidedBefore, informed, administrator, auditor],
            denied: [bystander, mobileMember, salesHead, partner, stranger]),
        rows(.decideApproval, on: target, .approvalRules, allowed: [approver],
            denied: [asg, decidedBefore, informed, administrator, auditor, stranger]),
        rows(.decideApproval, on: .approvalRequest(finished), .approvalRules, allowed: [], denied: [approver]),
        rows(.remindApproval, on: target, .approvalRules, allowed: [asg, administrator],
            denied: [approver, informed, auditor, stranger]),
        rows(.remindApproval, on: .approvalRequest(finished), .approvalRules, allowed: [], denied: [asg]),
        rows(.copyApproval, on: target, .approvalRules, allowed: [asg, approver], denied: [informed, decidedBefore, auditor, stranger]),
        rows(.withdrawApproval, on: target, .approvalRules, allowed: [asg], denied: [approver, administrator, stranger]),
    ]
}

let controlCases: [ControlCase] = [
    // Work items: the policy (Permissions.md, "The default rules").
    rows(.viewWorkItem, on: item, .policy, allowed: [ini, auditor, partner], denied: [bystander, stranger]),
    rows(.listWorkItems, on: acme, .policy, allowed: [bystander], denied: [stranger, partner]),
    rows(.searchWorkItems, on: acme, .policy, allowed: [bystander], denied: [stranger]),
    rows(.exportWorkItems, on: acme, .policy, allowed: [bystander], denied: [stranger]),
    rows(.listWorkItems, on: .organization("partnerco"), .policy, allowed: [partner], denied: [bystander]),
    rows(.submitWorkItem, on: item, .policy, allowed: [ini], denied: [asg]),
    rows(.acceptWorkItem, on: item, .policy, allowed: [asg], denied: [ini]),
    rows(.startWorkItem, on: item, .policy, allowed: [asg], denied: [ini]),
    rows(.reportProgress, on: item, .policy, allowed: [asg], denied: [rev]),
    rows(.submitForReview, on: item, .policy, allowed: [asg], denied: [ini]),
    rows(.reviewWorkItem, on: item, .policy, allowed: [rev], denied: [asg]),
    rows(.requestAdjustment, on: item, .policy, allowed: [asg], denied: [ini]),
    rows(.decideAdjustment, on: item, .policy, allowed: [ini], denied: [asg]),
    rows(.reassignWorkItem, on: item, .policy, allowed: [engHead, administrator], denied: [asg]),
    rows(.cancelWorkItem, on: item, .policy, allowed: [ini, administrator], denied: [asg]),
    rows(.commentOnWorkItem, on: item, .policy, allowed: [asg, partner], denied: [bystander]),
    rows(.watchWorkItem, on: item, .policy, allowed: [asg, auditor], denied: [partner]),
    rows(.shareWorkItem, on: item, .policy, allowed: [ini], denied: [asg]),
    rows(.waitExternal, on: item, .policy, allowed: [asg], denied: [rev]),
    // Creating and importing: members of the organization itself.
    rows(.createWorkItem, on: acme, .accessControl, allowed: [bystander], denied: [partner, stranger]),
    rows(.importWorkItems, on: acme, .accessControl, allowed: [bystander], denied: [partner, stranger]),
    rows(.createWorkItem, on: .organization("partnerco"), .accessControl, allowed: [], denied: [partner]),

    // Announcements.
    rows(.publishAnnouncement, on: ControlRecords.publication, .scenarioRules, allowed: [engHead, administrator],
        denied: [mobileMember, salesHead, stranger]),
    rows(.viewAnnouncement, on: ControlRecords.announcement, .scenarioRules, allowed: [author, engHead],
        denied: [bystander, partner]),
    rows(.viewAnnouncement, on: ControlRecords.received, .scenarioRules, allowed: [bystander], denied: [partner]),
    rows(.openAnnouncement, on: ControlRecords.received, .scenarioRules, allowed: [bystander], denied: [partner]),
    rows(.openAnnouncement, on: ControlRecords.announcement, .scenarioRules, allowed: [], denied: [author]),
    rows(.acknowledgeAnnouncement, on: ControlRecords.received, .scenarioRules, allowed: [bystander],
        denied: [partner]),
    rows(.acknowledgeAnnouncement, on: ControlRecords.announcement, .scenarioRules, allowed: [],
        denied: [administrator]),
    rows(.viewAnnouncementReach, on: ControlRecords.announcement, .scenarioRules, allowed: [author, auditor],
        denied: [mobileMember]),
    rows(.pinAnnouncement, on: ControlRecords.announcement, .scenarioRules, allowed: [author, administrator],
        denied: [auditor]),
    rows(.setAnnouncementExpiry, on: ControlRecords.announcement, .scenarioRules, allowed: [author],
        denied: [engHead]),

    // Meetings.
    rows(.recordMeeting, on: acme, .scenarioRules, allowed: [bystander], denied: [partner, stranger]),
    rows(.viewMeeting, on: .meeting(ScenarioRecords.meeting), .scenarioRules, allowed: [attendee, auditor],
        denied: [bystander]),

    // Emergency plans and incidents.
    rows(.savePlan, on: acme, .scenarioRules, allowed: [administrator], denied: [engHead, stranger]),
    rows(.viewPlan, on: .emergencyPlan(ScenarioRecords.plan), .scenarioRules, allowed: [informed, mobileMember],
        denied: [salesMember]),
    rows(.triggerPlan, on: .emergencyPlan(ScenarioRecords.plan), .scenarioRules,
        allowed: [responder, engHead, administrator], denied: [informed, mobileMember]),
    rows(.viewIncident, on: .incident(ScenarioRecords.incident), .scenarioRules, allowed: [informed, trigger],
        denied: [salesMember]),
    rows(.postIncidentUpdate, on: .incident(ScenarioRecords.incident), .scenarioRules, allowed: [informed],
        denied: [auditor]),
    rows(.requestResource, on: .incident(ScenarioRecords.incident), .scenarioRules, allowed: [responder],
        denied: [auditor, salesMember]),
    rows(.viewResourceRequest, on: ControlRecords.resourceRequest, .scenarioRules, allowed: [mobileMember, trigger],
        denied: [salesMember]),
    rows(.decideResourceRequest, on: ControlRecords.resourceRequest, .scenarioRules,
        allowed: [mobileMember, administrator], denied: [trigger]),
    rows(.closeIncident, on: .incident(ScenarioRecords.incident), .scenarioRules, allowed: [trigger, administrator],
        denied: [responder]),

    // Partners.
    rows(.invitePartner, on: acme, .externalRules, allowed: [administrator], denied: [auditor, stranger]),
    rows(.viewPartner, on: ControlRecords.partner, .accessControl, allowed: [administrator, auditor],
        denied: [bystander, stranger, ("partner administrator", People.partnerAdministrator)]),
    rows(.switchExternalCollaboration, on: ControlRecords.partner, .accessControl, allowed: [administrator],
        denied: [auditor, stranger]),
    rows(.switchExternalCollaboration, on: .partner("lonely", invitedBy: []), .accessControl,
        allowed: [administrator, stranger], denied: [bystander]),

    // Purchase orders.
    rows(.shareOrder, on: .department("eng-mobile", in: "acme"), .externalRules,
        allowed: [mobileMember, administrator], denied: [salesMember, partner, stranger]),
    rows(.viewOrder, on: .purchaseOrder(ExternalRecords.order), .externalRules, allowed: [buyer, partner, auditor],
        denied: [salesMember]),
    rows(.changeRequirements, on: .purchaseOrder(ExternalRecords.order), .externalRules, allowed: [buyer],
        denied: [partner, auditor]),
    rows(.counterPropose, on: .purchaseOrder(ExternalRecords.order), .externalRules, allowed: [mobileMember],
        denied: [partner]),
    rows(.confirmProposal, on: .purchaseOrder(ExternalRecords.order), .externalRules, allowed: [buyer],
        denied: [partner]),
    rows(.cancelOrder, on: .purchaseOrder(ExternalRecords.order), .externalRules, allowed: [administrator],
        denied: [partner, salesMember]),
    rows(.proposeDeliveryDates, on: .purchaseOrder(ExternalRecords.order), .externalRules, allowed: [partner],
        denied: [buyer]),
    rows(.confirmCounterProposal, on: .purchaseOrder(ExternalRecords.order), .externalRules, allowed: [partner],
        denied: [buyer]),

    // Customers.
    rows(.recordContract, on: acme, .externalRules, allowed: [bystander], denied: [customer, stranger]),
    rows(.recordContract, on: .customer(ExternalRecords.customer), .externalRules, allowed: [seller, administrator],
        denied: [bystander, auditor]),
    rows(.viewCustomer, on: .customer(ExternalRecords.customer), .externalRules, allowed: [seller, auditor],
        denied: [bystander, customer]),

    // Tickets.
    rows(.openTicket, on: .organization("custco"), .externalRules, allowed: [customer], denied: [partner, bystander]),
    rows(.openTicket, on: acme, .externalRules, allowed: [bystander], denied: [customer]),
    rows(.viewTicket, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [customer, salesMember],
        denied: [bystander]),
    // On the organization: every ticket of it, for the ticket list (administrators and auditors).
    rows(.viewTicket, on: acme, .externalRules, allowed: [administrator, auditor], denied: [salesMember, customer]),
    // A ticket as the company sees it (its internal notes): members of the company who see it, never the customer.
    rows(.viewTicketInternals, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [salesMember, auditor],
        denied: [customer, bystander]),
    rows(.replyToTicket, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [customer, mobileMember],
        denied: [salesMember]),
    rows(.forwardTicket, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [mobileMember, administrator],
        denied: [customer, salesMember]),
    rows(.waitForCustomer, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [mobileMember],
        denied: [customer]),
    rows(.resolveTicket, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [mobileMember],
        denied: [auditor]),
    rows(.closeTicket, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [customer, mobileMember],
        denied: [salesMember]),
    rows(.rateTicket, on: .ticket(ExternalRecords.ticket), .externalRules, allowed: [customer],
        denied: [mobileMember]),

    // Documents: decided on the record they belong to.
    rows(.viewDocument, on: ControlRecords.internalDocument, .accessControl,
        allowed: [ini, asg, mobileMember, administrator, auditor], denied: [partner, stranger, bystander, salesMember]),
    rows(.viewDocument, on: ControlRecords.externalDocument, .accessControl,
        allowed: [asg, partner], denied: [stranger, bystander, ("deactivated partner", People.deactivatedPartner)]),
    rows(.viewDocument, on: ControlRecords.deletedDocument, .accessControl,
        allowed: [], denied: [administrator, asg, partner]),
    rows(.viewDocument, on: ControlRecords.folderDocument, .accessControl,
        allowed: [mobileMember, engHead, administrator, auditor], denied: [salesMember, bystander, partner, stranger]),
    rows(.uploadDocument, on: ControlRecords.internalDocument, .accessControl,
        allowed: [asg, ini, mobileMember, administrator], denied: [auditor, bystander, partner, stranger]),
    rows(.uploadDocument, on: ControlRecords.externalDocument, .accessControl,
        allowed: [partner, asg], denied: [auditor, stranger]),
    rows(.uploadDocument, on: ControlRecords.folderDocument, .accessControl,
        allowed: [mobileMember, engHead, administrator], denied: [auditor, salesMember, partner]),
    rows(.deleteDocument, on: ControlRecords.internalDocument, .accessControl,
        allowed: [asg, administrator], denied: [ini, auditor, stranger, partner]),
    rows(.decideQuarantine, on: ControlRecords.internalDocument, .accessControl,
        allowed: [administrator], denied: [asg, auditor, stranger]),

    // Settings.
    rows(.changeSettings, on: acme, .accessControl, allowed: [administrator], denied: [auditor, stranger]),

    // Reports.
    rows(.readReport, on: acme, .policy, allowed: [bystander], denied: [stranger]),
    rows(.readReport, on: .organization("partnerco"), .policy, allowed: [partner], denied: []),
    rows(.exportReport, on: acme, .policy, allowed: [bystander], denied: [stranger]),
    rows(.readDashboard, on: acme, .accessControl, allowed: [bystander], denied: [stranger]),
    rows(.readDashboard, on: .organization("partnerco"), .accessControl, allowed: [], denied: [partner]),
    rows(.readPersonalReport, on: .member(ControlRecords.mobileMember), .accessControl,
        allowed: [mobileMember, engHead, administrator, auditor], denied: [salesHead, bystander, stranger, partner]),
].flatMap { $0 } + approvalRows().flatMap { $0 }

/// A host rule refusing one action, to everybody.
struct Refuse: AccessRuleExtension {
    let action: RecordAction
    var name: String { "no-\(action.name)" }
    func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
        request.recordAction == action ? .deny("the host refuses \(action)") : .abstain
    }
}

@Suite struct AccessControlTests {
    @Test("every record action is decided as the table says, by the documented rule set", arguments: controlCases)
    func decision(row: ControlCase) {
        let access = AccessControl()
        let decision = access.decide(row.subject, row.action, on: row.target)
        #expect(decision.isAllowed == row.allowed, "\(decision)")
        #expect(access.isAllowed(row.subject, row.action, on: row.target) == row.allowed)
        #expect(decision.recordAction == row.action)
        #expect(decision.ruleSet == row.ruleSet, "\(decision)")
        if row.allowed {
            // An allowed decision names its rule, and its explanation says it.
            #expect(decision.ruleName.map { decision.description.contains($0) } == true, "\(decision)")
            #expect(decision.denial == nil)
        } else {
            #expect(decision.denial != nil && decision.denial != .deniedByExtension, "\(decision)")
        }
    }

    @Test("every action of RecordAction.all has at least one allowed and one denied row")
    func tableCoversEveryAction() {
        for action in RecordAction.all {
            let own = controlCases.filter { $0.action == action }
            #expect(own.contains { $0.allowed }, "no allowed row for \(action)")
            #expect(own.contains { !$0.allowed }, "no denied row for \(action)")
        }
    }

    @Test("a deactivated subject is denied every action", arguments: controlCases.filter(\.allowed))
    func deactivated(row: ControlCase) {
        var subject = row.subject
        subject.isActive = false
        let decision = AccessControl().decide(subject, row.action, on: row.target)
        #expect(!decision.isAllowed && decision.denial == .inactiveMember, "\(decision)")
    }

    @Test("a host rule naming an action refuses it; visibility ignores host rules",
        arguments: controlCases.filter(\.allowed))
    func hostRule(row: ControlCase) {
        let access = AccessControl(rules: [Refuse(action: row.action)])
        let decision = access.decide(row.subject, row.action, on: row.target)
        if row.action.isVisibility {
            #expect(decision.isAllowed, "a view decision is pushed into queries: \(decision)")
        } else {
            #expect(!decision.isAllowed && decision.denial == .deniedByExtension, "\(decision)")
            #expect(decision.extensionName == "no-\(row.action.name)")
            #expect(decision.extensionReason == "the host refuses \(row.action)")
            #expect(decision.description.contains("no-\(row.action.name)"), "\(decision)")
            #expect(decision.ruleSet == row.ruleSet)
            #expect(!access.isAllowed(row.subject, row.action, on: row.target))
        }
        // A host rule about another action leaves this one alone.
        let other = RecordAction.all.first { $0 != row.action } ?? .viewWorkItem
        #expect(AccessControl(rules: [Refuse(action: other)]).decide(row.subject, row.action, on: row.target).isAllowed)
    }

    @Test("the visibility actions are exactly the view actions")
    func visibilityActions() {
        let visibility: Set<RecordAction> = [.viewWorkItem, .viewAnnouncement, .viewMeeting, .viewPlan, .viewIncident,
            .viewPartner, .viewOrder, .viewCustomer, .viewTicket, .viewDocument, .viewApproval]
        #expect(Set(RecordAction.all.filter(\.isVisibility)) == visibility)
        #expect(!RecordAction.viewResourceRequest.isVisibility && !RecordAction.viewAnnouncementReach.isVisibility)
    }

    @Test("RecordAction.all has no duplicates and covers every work-item action")
    func allActions() {
        #expect(Set(RecordAction.all).count == RecordAction.all.count)
        #expect(Set(RecordAction.all.map(\.description)).count == RecordAction.all.count)
        for action in WorkItemAction.allCases {
            #expect(RecordAction.all.contains(.workItem(action)), "\(action)")
            #expect(RecordAction.workItem(action).policyAction == action)
        }
        #expect(Set(RecordAction.all.map(\.kind)) == Set(RecordKind.allCases))
        #expect(RecordAction.all.allSatisfy { $0.name.allSatisfy { $0.isLowercase || $0 == "_" } })
    }

    @Test("reads are not writes")
    func writes() {
        let reads: Set<RecordAction> = [.viewWorkItem, .listWorkItems, .searchWorkItems, .exportWorkItems,
            .viewAnnouncement, .viewAnnouncementReach, .viewMeeting, .viewPlan, .viewIncident, .viewResourceRequest,
            .viewPartner, .viewOrder, .viewCustomer, .viewTicket, .viewTicketInternals, .readReport, .readDashboard,
            .readPersonalReport, .exportReport, .viewDocument, .viewApproval]
        for action in RecordAction.all { #expect(action.isWrite == !reads.contains(action), "\(action)") }
    }

    @Test("an action asked about a target it is not decided on is denied, and says so")
    func wrongTarget() {
        let access = AccessControl()
        let cases: [(RecordAction, AccessTarget)] = [
            (.triggerPlan, .ticket(ExternalRecords.ticket)), (.forwardTicket, .meeting(ScenarioRecords.meeting)),
            (.readReport, item), (.createWorkItem, item), (.changeSettings, ControlRecords.partner),
            (RecordAction(.ticket, "teleport"), .ticket(ExternalRecords.ticket)),
        ]
        for (action, target) in cases {
            let decision = access.decide(People.administrator, action, on: target)
            #expect(!decision.isAllowed && decision.denial == .wrongTarget, "\(action): \(decision)")
        }
        #expect(access.decide(People.administrator, .readReport, on: item).description
            == "denied report.read: report.read is not decided on work items")
        // A work-item action asked about an organization is a surface decision: nobody holds `accept` there.
        let surface = access.decide(People.administrator, .acceptWorkItem, on: acme)
        #expect(!surface.isAllowed && surface.denial == .noMatchingRule)
    }

    @Test("a host rule sees the record action, the target and, for work items, the policy's action")
    func requestContents() {
        final class Seen: @unchecked Sendable { var requests: [AccessRequest] = [] }
        struct Spy: AccessRuleExtension {
            let name = "spy"
            let seen: Seen
            func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
                seen.requests.append(request)
                return .abstain
            }
        }
        let seen = Seen()
        let access = AccessControl(rules: [Spy(seen: seen)])
        _ = access.decide(People.insider("ini"), .cancelWorkItem, on: item)
        _ = access.decide(People.administrator, .triggerPlan, on: .emergencyPlan(ScenarioRecords.plan))
        _ = access.decide(People.bystander, .exportReport, on: acme)
        _ = access.decide(People.administrator, .viewPlan, on: .emergencyPlan(ScenarioRecords.plan))
        #expect(seen.requests.map(\.recordAction) == [.cancelWorkItem, .triggerPlan, .exportReport])
        #expect(seen.requests.map(\.action) == [.cancel, nil, .export])
        #expect(seen.requests[0].item?.id == "item-1" && seen.requests[0].relationships.contains(.initiator))
        if case .emergencyPlan(let plan) = seen.requests[1].target { #expect(plan.id == "plan-1") } else {
            Issue.record("the plan is the target")
        }
        #expect(seen.requests[1].item == nil)
    }

    @Test("explanations name the rule set and rule, the denial and the host rule")
    func explanations() {
        let access = AccessControl(rules: [Refuse(action: .triggerPlan)])
        let plan = AccessTarget.emergencyPlan(ScenarioRecords.plan)
        #expect(access.decide(People.insider("informed"), .triggerPlan, on: plan).description
            == "denied emergency_plan.trigger by scenario_rules rule ScenarioRules.canTrigger: only administrators, "
            + "its named responders and heads of its departments trigger it")
        #expect(access.decide(People.insider("responder"), .triggerPlan, on: plan).description
            == "denied emergency_plan.trigger by host rule no-trigger: the host refuses emergency_plan.trigger "
            + "(scenario_rules rule ScenarioRules.canTrigger would allow it)")
        #expect(AccessControl().decide(People.insider("responder"), .triggerPlan, on: plan).description
            == "allowed emergency_plan.trigger by scenario_rules rule ScenarioRules.canTrigger")
        let publish = AccessControl().decide(People.mobileMember, .publishAnnouncement, on: ControlRecords.publication)
        #expect(publish.reason == "only a head of department 'eng-mobile' publishes on its behalf")
        // Work items read as before.
        #expect(AccessControl().decide(People.insider("ini"), .cancelWorkItem, on: item).description
            == "allowed cancel by rule initiator-may-cancel (initiator may cancel)")
    }

    @Test("Authorizer and AccessControl give the same work-item decisions", arguments: itemDecisionCases)
    func authorizerAgrees(row: ItemDecisionCase) {
        let rules: [any AccessRuleExtension] = [Refuse(action: .cancelWorkItem)]
        let authorizer = Authorizer(extensions: rules)
        let access = AccessControl(rules: rules)
        for action in WorkItemAction.allCases {
            let decision = access.decide(row.subject, .workItem(action), on: .workItem(row.item))
            #expect(authorizer.decide(row.subject, action, on: row.item) == decision)
            #expect(authorizer.isAllowed(row.subject, action, on: row.item) == decision.isAllowed)
            #expect(access.isAllowed(row.subject, .workItem(action), on: .workItem(row.item)) == decision.isAllowed)
        }
    }

    @Test("a surface decides its action, refuses an outside member's internal filter once, and returns the scope")
    func surface() throws {
        let access = AccessControl(rules: [Refuse(action: .exportReport)])
        #expect(try access.surface(.listWorkItems, for: People.engHead) == access.visibilityScope(for: People.engHead))
        #expect(try access.surface(.readReport, for: People.partner, usesInternalFields: false)
            == access.visibilityScope(for: People.partner))
        // Internal members may filter by assignee, department and tag.
        _ = try access.surface(.exportWorkItems, for: People.bystander, usesInternalFields: true)
        do {
            _ = try access.surface(.listWorkItems, for: People.partner, usesInternalFields: true)
            Issue.record("an outside member filtered by an internal field")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.problems.map(\.field) == ["filter"])
            #expect(error.problems.map(\.message)
                == ["members of outside organizations may filter by state, priority and due date only"])
        }
        for (action, subject) in [(RecordAction.exportReport, People.bystander), (.listWorkItems, People.deactivatedAdministrator)] {
            do {
                _ = try access.surface(action, for: subject)
                Issue.record("\(action) was allowed")
            } catch {
                #expect(error.code == .forbidden, "\(error)")
                #expect(error.message.contains("may not \(action)"), "\(error.message)")
            }
        }
    }
}

/// `AccessControl.sameSearchKeys` lets the search index skip building a work item's keys when a command
/// changed none of what they are made of; it must never say "same" when the keys differ.
@Suite struct SameSearchKeysTests {
    @Test("two versions with the same relations have the same keys; any changed relation is noticed")
    func sameSearchKeysMatchesTheKeys() {
        let base = Items.item()
        let keys = { (item: WorkItem) in AccessControl.searchKeys(for: .workItem(item)) }
        // Changes that leave every relation as it was.
        var moved = base
        moved.state = .inProgress
        moved.title = "Another title"
        moved.description = "More text"
        moved.tags = ["urgent"]
        moved.version = 7
        moved.dueAt = base.dueAt.addingTimeInterval(3600)
        #expect(AccessControl.sameSearchKeys(base, moved))
        #expect(keys(base) == keys(moved))
        // Each relation changed on its own.
        let changes: [(String, (inout WorkItem) -> Void)] = [
            ("assignee", { $0.assigneeIDs = ["other"] }),
            ("another assignee", { $0.assigneeIDs.append("other") }),
            ("reviewer", { $0.reviewerID = "other" }),
            ("no named reviewer", { $0.reviewerID = nil }),
            ("initiator", { $0.initiatorID = "other" }),
            ("watcher", { $0.watcherIDs = [] }),
            ("department", { $0.departmentIDs = ["eng-web"] }),
            ("partner", { $0.partnerOrganizationIDs = ["partnerco"] }),
            ("organization", { $0.organizationID = "globex" }),
        ]
        for (name, change) in changes {
            var changed = base
            change(&changed)
            #expect(!AccessControl.sameSearchKeys(base, changed), "\(name)")
            #expect(keys(base) != keys(changed), "\(name): the keys do not depend on it")
        }
    }
}
