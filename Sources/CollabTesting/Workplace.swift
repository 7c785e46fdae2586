import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

/// A small company on a ``TestHarness``, with people in every role a workflow test needs.
///
/// - `acme` (internal, Asia/Shanghai) with departments `eng` ⊃ `eng-mobile`, and `sales`;
/// - `globex`, another internal company;
/// - `partnerco`, a partner acme's administrator invited, with external collaboration enabled.
///
/// Each person has a static id named after their role (``initiator``, ``assignee``, ``reviewer``,
/// ``mobileHead``, ``admin``, ``auditor``, ``stranger``, ``partner``, …). Items made by
/// ``item(_:assignees:reviewer:departments:)`` are created by ``initiator`` for ``assignee`` in department
/// `eng-mobile` and moved to the state asked for by the people allowed to move them.
///
/// ```swift
/// let w = try await Workplace()
/// let item = try await w.item(.inReview)
/// let before = try await w.footprint(item.id)
/// try await requireFailure(.forbidden) { try await w.engine.approve(item.id, by: Workplace.bystander) }
/// #expect(try await w.footprint(item.id) == before)
/// ```
///
/// Add what a test needs on top with the harness's builders (``harness``): more departments, members,
/// partners. Each workplace has its own database file and clock, so tests that each build one run in parallel.
public struct Workplace: Sendable {
    /// The harness underneath: the store, the clock, the identifiers and the builders.
    public let harness: TestHarness

    /// Creates the item; a member of `eng-mobile`.
    public static let initiator: Member.ID = "zhang"
    /// Does the work; a member of `eng-mobile`.
    public static let assignee: Member.ID = "li"
    /// A second assignee, in no department.
    public static let coAssignee: Member.ID = "wang"
    /// Free to take work over, in no department.
    public static let spare: Member.ID = "zhao"
    /// A named reviewer, in no department.
    public static let reviewer: Member.ID = "chen"
    /// Head of `eng-mobile`, the participating department.
    public static let mobileHead: Member.ID = "sun"
    /// Head of `eng`, the parent of `eng-mobile`.
    public static let engHead: Member.ID = "zhou"
    /// Head of `sales`, a department unrelated to the items.
    public static let salesHead: Member.ID = "wu"
    /// A plain member of `eng-mobile`.
    public static let peer: Member.ID = "zheng"
    /// An administrator of acme.
    public static let admin: Member.ID = "admin"
    /// An auditor of acme: sees everything, may do nothing.
    public static let auditor: Member.ID = "auditor"
    /// A member of acme with no relation to any item.
    public static let bystander: Member.ID = "qian"
    /// A member of globex.
    public static let stranger: Member.ID = "bob"
    /// A member of partnerco.
    public static let partner: Member.ID = "amy"

    /// Builds the workplace on a new ``TestHarness`` on `storage` (an SQLite file by default) whose engine
    /// has `configuration`.
    ///
    /// - Throws: `CollabError.Code.storageUnavailable` naming the cause when the harness's temporary folder
    ///   or database cannot be created.
    public init(
        storage: HarnessStorage = .sqlite, configuration: WorkflowEngine.Configuration = WorkflowEngine.Configuration()
    ) async throws(CollabError) {
        do {
            harness = try await TestHarness(storage: storage, engineConfiguration: configuration)
            try await Self.populate(harness)
        } catch let error as CollabError {
            throw error
        } catch {
            throw CollabError(.storageUnavailable, "could not create the workplace's test database: \(error)")
        }
    }

    /// Adds the organizations, departments and people.
    private static func populate(_ h: TestHarness) async throws {
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addOrganization("globex")
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
        // Invited by acme's administrator, so added after them.
        try await h.addOrganization("partnerco", kind: .partner, externalCollaboration: true, partnerOf: "acme")
        try await h.addMember(Self.partner, in: "partnerco")
    }

    /// The harness's engine.
    public var engine: WorkflowEngine { harness.engine }
    /// The harness clock's time.
    public var now: Date { harness.clock.now() }

    /// A draft by the harness's defaults (due at the end of the day a week from the clock's time), for
    /// `eng-mobile`.
    public func draft(
        _ title: String = "Ship the mobile release notes", assignees: [Member.ID] = [Self.assignee],
        reviewer: Member.ID? = nil, departments: [Department.ID] = ["eng-mobile"], priority: Priority = .medium
    ) -> WorkItemDraft {
        harness.draft(title: title, assignees: assignees, reviewer: reviewer, departments: departments,
            priority: priority)
    }

    /// An item created by ``initiator`` and moved to `state` by the people allowed to move it: accepted,
    /// started and submitted by the first assignee, approved by `reviewer` (or the initiator), cancelled by
    /// the initiator.
    public func item(
        _ state: WorkItemState, assignees: [Member.ID] = [Self.assignee], reviewer: Member.ID? = nil,
        departments: [Department.ID] = ["eng-mobile"]
    ) async throws(CollabError) -> WorkItem {
        let worker = assignees.first ?? Self.assignee
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

    /// The item as stored, unredacted.
    ///
    /// - Throws: `CollabError.Code.notFound` naming the id when there is no such item.
    public func stored(_ id: WorkItem.ID) async throws(CollabError) -> WorkItem {
        guard let item = try await harness.store.workItem(id) else { throw CollabError.notFound("work item", id.rawValue) }
        return item
    }

    /// The item's audit trail as stored, oldest first.
    public func trail(_ id: WorkItem.ID) async throws(CollabError) -> [AuditEvent] {
        try await harness.store.auditTrail(of: id)
    }

    /// The item's audit actions, oldest first.
    public func actions(_ id: WorkItem.ID) async throws(CollabError) -> [String] {
        try await trail(id).map(\.action)
    }

    /// A member's inbox, newest first (first page of 500).
    public func inbox(_ member: Member.ID) async throws(CollabError) -> [Notice] {
        try await engine.inbox.notices(of: member, page: PageRequest(limit: 500)).items
    }

    /// The kinds of a member's notifications, newest first.
    public func kinds(_ member: Member.ID) async throws(CollabError) -> [Notice.Kind] {
        try await inbox(member).map(\.kind)
    }

    /// A member's to-do list (first page of 500).
    public func todo(_ member: Member.ID) async throws(CollabError) -> [TodoEntry] {
        try await engine.inbox.todo(of: member, page: PageRequest(limit: 500)).items
    }

    /// Everything a command on item `id` could have written: compare one taken before a call with one taken
    /// after it. (For any command on any record, compare ``TestHarness/tableSnapshot()`` instead.)
    public func footprint(_ id: WorkItem.ID) async throws(CollabError) -> Footprint {
        let store = harness.store
        let outbox = try await store.outboxCounts()
        return Footprint(
            item: try await store.workItem(id), audit: try await trail(id),
            notifications: outbox.pending + outbox.delivered + outbox.parked + outbox.suppressed,
            comments: try await store.comments(on: id).count,
            progressUpdates: try await store.progressUpdates(on: id).count,
            reviewDecisions: try await store.reviewDecisions(on: id).count,
            adjustmentRequests: try await store.adjustmentRequests(on: id))
    }

    /// Makes a member inactive, as a host's directory sync does when someone leaves.
    ///
    /// - Throws: `CollabError.Code.notFound` naming the id when there is no such member.
    public func deactivate(_ id: Member.ID) async throws(CollabError) {
        guard var member = try await harness.store.member(id) else { throw CollabError.notFound("member", id.rawValue) }
        member.isActive = false
        try await harness.store.save(member)
    }
}

/// What a command on one work item could write: the item, its audit trail, its comments, progress updates,
/// review decisions and adjustment requests, and the number of notifications in the outbox. Equal before and
/// after a call means the call wrote none of these.
///
/// Take it with ``Workplace/footprint(_:)``.
public struct Footprint: Equatable, Sendable {
    /// The item as stored, or `nil` when there is none.
    public var item: WorkItem?
    /// The item's audit trail, oldest first.
    public var audit: [AuditEvent]
    /// Every notification in the outbox, whatever its delivery state.
    public var notifications: Int
    /// The item's comments.
    public var comments: Int
    /// The item's progress updates.
    public var progressUpdates: Int
    /// The item's review decisions.
    public var reviewDecisions: Int
    /// The item's adjustment requests.
    public var adjustmentRequests: [AdjustmentRequest]

    /// Creates a footprint from its parts.
    public init(
        item: WorkItem?, audit: [AuditEvent], notifications: Int, comments: Int, progressUpdates: Int,
        reviewDecisions: Int, adjustmentRequests: [AdjustmentRequest]
    ) {
        self.item = item
        self.audit = audit
        self.notifications = notifications
        self.comments = comments
        self.progressUpdates = progressUpdates
        self.reviewDecisions = reviewDecisions
        self.adjustmentRequests = adjustmentRequests
    }
}

extension TestHarness {
    /// A harness where `count` items were assigned to `worker` by `boss` (both of organization `acme`), so
    /// that `count` notifications wait in the outbox: the starting point of dispatcher and hook tests. The
    /// harness runs on `storage` (an SQLite file by default).
    public static func outbox(_ count: Int, storage: HarnessStorage = .sqlite) async throws -> TestHarness {
        let h = try await TestHarness(storage: storage)
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        for n in 0..<count {
            try await h.engine.workItems.create(h.draft(title: "Task \(n)", assignees: ["worker"]), by: "boss")
        }
        return h
    }
}
