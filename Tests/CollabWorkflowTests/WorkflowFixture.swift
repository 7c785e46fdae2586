import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// A company for workflow tests, on a real SQLite file (`TestHarness`):
///
/// - `acme` (internal, Asia/Shanghai) with departments `eng` ⊃ `eng-mobile`, and `sales`;
/// - `globex`, another internal company;
/// - `partnerco`, a partner with external collaboration enabled.
///
/// Items made by ``item(_:assignees:reviewer:departments:)`` are created by ``initiator`` for
/// ``assignee`` in department `eng-mobile`.
struct Workplace {
    let h: TestHarness

    /// Creates the item; a member of `eng-mobile`.
    static let initiator: Member.ID = "zhang"
    /// Does the work; a member of `eng-mobile`.
    static let assignee: Member.ID = "li"
    /// A second assignee, in no department.
    static let coAssignee: Member.ID = "wang"
    /// Free to take work over, in no department.
    static let spare: Member.ID = "zhao"
    /// A named reviewer, in no department.
    static let reviewer: Member.ID = "chen"
    /// Head of `eng-mobile`, the participating department.
    static let mobileHead: Member.ID = "sun"
    /// Head of `eng`, the parent of `eng-mobile`.
    static let engHead: Member.ID = "zhou"
    /// Head of `sales`, a department unrelated to the items.
    static let salesHead: Member.ID = "wu"
    /// A plain member of `eng-mobile`.
    static let peer: Member.ID = "zheng"
    /// An administrator of acme.
    static let admin: Member.ID = "admin"
    /// An auditor of acme: sees everything, may do nothing.
    static let auditor: Member.ID = "auditor"
    /// A member of acme with no relation to any item.
    static let bystander: Member.ID = "qian"
    /// A member of globex.
    static let stranger: Member.ID = "bob"
    /// A member of partnerco.
    static let partner: Member.ID = "amy"

    init(configuration: WorkflowEngine.Configuration = WorkflowEngine.Configuration()) async throws {
        h = try TestHarness(engineConfiguration: configuration)
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addOrganization("globex")
        try await h.addOrganization("partnerco", kind: .partner, externalCollaboration: true, partnerOf: "acme")
        try await h.addDepartment("eng", in: "acme")
        try await h.addDepartment("eng-mobile", in: "acme", parent: "eng")
        try await h.addDepartment("sales", in: "acme")
        try await h.addMember(Self.initiator, in: "acme", departments: [DepartmentMembership("eng-mobile")],
            name: "Zhang Min")
        try await h.addMember(Self.assignee, in: "acme", departments: [DepartmentMembership("eng-mobile")],
            name: "Li Wei")
        try await h.addMember(Self.coAssignee, in: "acme", name: "Wang Fang")
        try await h.addMember(Self.spare, in: "acme", name: "Zhao Lei")
        try await h.addMember(Self.reviewer, in: "acme", name: "Chen Jie")
        try await h.addMember(Self.mobileHead, in: "acme", departments: [DepartmentMembership("eng-mobile", role: .head)])
        try await h.addMember(Self.engHead, in: "acme", departments: [DepartmentMembership("eng", role: .head)])
        try await h.addMember(Self.salesHead, in: "acme", departments: [DepartmentMembership("sales", role: .head)])
        try await h.addMember(Self.peer, in: "acme", departments: [DepartmentMembership("eng-mobile")])
        try await h.addMember(Self.admin, in: "acme", administrator: true)
        try await h.store.save(Member(
            id: Self.auditor, organizationID: "acme", displayName: "Auditor", handle: Self.auditor.rawValue,
            roles: [.auditor]))
        try await h.addMember(Self.bystander, in: "acme")
        try await h.addMember(Self.stranger, in: "globex")
        try await h.addMember(Self.partner, in: "partnerco")
    }

    var engine: WorkflowEngine { h.engine }
    var now: Date { h.clock.now() }

    /// A draft by the harness's defaults (due at the end of 2026-01-08), for `eng-mobile`.
    func draft(
        _ title: String = "Ship the mobile release notes", assignees: [Member.ID] = [Self.assignee],
        reviewer: Member.ID? = nil, departments: [Department.ID] = ["eng-mobile"], priority: Priority = .medium
    ) -> WorkItemDraft {
        h.draft(title: title, assignees: assignees, reviewer: reviewer, departments: departments, priority: priority)
    }

    /// An item created by ``initiator`` and moved to `state` by the people allowed to move it.
    func item(
        _ state: WorkItemState, assignees: [Member.ID] = [Self.assignee], reviewer: Member.ID? = nil,
        departments: [Department.ID] = ["eng-mobile"]
    ) async throws -> WorkItem {
        let worker = assignees[0]
        var item = try await engine.workItems.create(
            draft(assignees: assignees, reviewer: reviewer, departments: departments), by: Self.initiator,
            submit: state != .draft)
        switch state {
        case .draft, .assigned:
            return item
        case .cancelled:
            return try await engine.workItems.cancel(item.id, by: Self.initiator, reason: "not needed")
        case .accepted, .inProgress, .inReview, .completed:
            item = try await engine.workItems.accept(item.id, by: worker)
            if state == .accepted { return item }
            item = try await engine.workItems.start(item.id, by: worker)
            if state == .inProgress { return item }
            item = try await engine.workItems.submitForReview(item.id, by: worker)
            if state == .inReview { return item }
            return try await engine.workItems.approve(item.id, by: reviewer ?? Self.initiator)
        }
    }

    /// The item as stored.
    func stored(_ id: WorkItem.ID) async throws -> WorkItem {
        try #require(try await h.store.workItem(id))
    }

    /// The audit trail as stored, oldest first.
    func trail(_ id: WorkItem.ID) async throws -> [AuditEvent] {
        try await h.store.auditTrail(of: id)
    }

    /// The audit actions, oldest first.
    func actions(_ id: WorkItem.ID) async throws -> [String] {
        try await trail(id).map(\.action)
    }

    /// A member's inbox, newest first.
    func inbox(_ member: Member.ID) async throws -> [Notice] {
        try await engine.inbox.notices(of: member, page: PageRequest(limit: 500)).items
    }

    /// The kinds of a member's notifications, newest first.
    func kinds(_ member: Member.ID) async throws -> [Notice.Kind] {
        try await inbox(member).map(\.kind)
    }

    /// A member's to-do list (first page of 500).
    func todo(_ member: Member.ID) async throws -> [TodoEntry] {
        try await engine.inbox.todo(of: member, page: PageRequest(limit: 500)).items
    }

    /// Everything a command on `id` could have written.
    func footprint(_ id: WorkItem.ID) async throws -> Footprint {
        let outbox = try await h.store.outboxCounts()
        return Footprint(
            item: try await h.store.workItem(id), audit: try await trail(id),
            notifications: outbox.pending + outbox.delivered + outbox.parked + outbox.suppressed,
            comments: try await h.store.comments(on: id).count,
            progressUpdates: try await h.store.progressUpdates(on: id).count,
            reviewDecisions: try await h.store.reviewDecisions(on: id).count,
            adjustmentRequests: try await h.store.adjustmentRequests(on: id))
    }

    /// Makes a member inactive.
    func deactivate(_ id: Member.ID) async throws {
        var member = try #require(try await h.store.member(id))
        member.isActive = false
        try await h.store.save(member)
    }
}

/// What a command on an item could write: equal before and after means nothing was written.
struct Footprint: Equatable {
    var item: WorkItem?
    var audit: [AuditEvent]
    var notifications: Int
    var comments: Int
    var progressUpdates: Int
    var reviewDecisions: Int
    var adjustmentRequests: [AdjustmentRequest]
}

/// Runs `body`, which must fail with a `CollabError` of `code`; returns the error for further checks.
@discardableResult
func expectFailure(
    _ code: CollabError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> CollabError? {
    do {
        try await body()
        let context = comment.map { ": \($0)" } ?? ""
        Issue.record("expected \(code), but the call succeeded\(context)", sourceLocation: sourceLocation)
        return nil
    } catch let error as CollabError {
        let context = comment.map { "\($0): " } ?? ""
        #expect(error.code == code, "\(context)\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a CollabError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension TestHarness {
    /// A company where `count` items were assigned to `worker` by `boss`: `count` notifications wait in the
    /// outbox (the dispatcher and outbox tests start from it).
    static func outbox(_ count: Int) async throws -> TestHarness {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        for n in 0..<count {
            try await h.engine.workItems.create(h.draft(title: "Task \(n)", assignees: ["worker"]), by: "boss")
        }
        return h
    }
}
