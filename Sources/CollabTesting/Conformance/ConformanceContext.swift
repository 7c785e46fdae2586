import CollabModel
import CollabPermissions
import CollabStore
import CollabWorkflow
import Foundation

/// What one running check holds: its store, the factory (for peers), and builders of small worlds.
final class ConformanceContext: @unchecked Sendable {
    let check: String
    let factory: any StoreConformanceFactory
    let store: any CollabStorage
    private let lock = NSLock()
    private var made: [any CollabStorage] = []
    private var counter = 0

    /// The instant every world starts at (2026-01-01 00:00 UTC).
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    var t0: Date { Self.t0 }

    init(check: String, factory: any StoreConformanceFactory) async throws {
        self.check = check
        self.factory = factory
        store = try await factory.makeStore()
        made = [store]
    }

    /// Another instance on the store's database.
    func peer() async throws -> any CollabStorage {
        let peer = try await factory.makePeer(of: store)
        lock.withLock { made.append(peer) }
        return peer
    }

    func releaseAll() async {
        let stores = lock.withLock { () -> [any CollabStorage] in
            let all = made
            made = []
            return all
        }
        for store in stores.reversed() { await factory.release(store) }
    }

    /// `prefix-1`, `prefix-2`, ... unique in the check.
    func id(_ prefix: String) -> String {
        lock.withLock {
            counter += 1
            return "\(prefix)-\(counter)"
        }
    }

    /// `t0` plus `seconds`.
    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    // MARK: Expectations

    func failure(_ expected: String, _ found: String) -> StoreConformanceFailure {
        StoreConformanceFailure(check: check, expected: expected, found: found)
    }

    func expect(_ condition: Bool, _ expected: @autoclosure () -> String, found: @autoclosure () -> String) throws {
        if !condition { throw failure(expected(), found()) }
    }

    func equal<T: Equatable>(_ found: T, _ expected: T, _ what: String) throws {
        if found != expected { throw failure("\(what) to be \(expected)", "\(found)") }
    }

    /// Unwraps a value the store must return.
    func some<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw failure("\(what) to exist", "nil") }
        return value
    }

    /// Runs `body`, which must fail with `code`.
    func expectError<T>(_ code: CollabError.Code, _ what: String, _ body: () async throws -> T) async throws {
        do {
            let value = try await body()
            throw failure("\(what) to fail with \(code.rawValue)", "it succeeded with \(value)")
        } catch let error as CollabError {
            if error.code != code { throw failure("\(what) to fail with \(code.rawValue)", "\(error.code.rawValue): \(error)") }
        }
    }

    /// Runs `body`, which must fail with a `CollabError` of one of `codes`.
    func expectError<T>(oneOf codes: [CollabError.Code], _ what: String, _ body: () async throws -> T) async throws {
        do {
            let value = try await body()
            throw failure("\(what) to fail with one of \(codes.map(\.rawValue))", "it succeeded with \(value)")
        } catch let error as CollabError {
            if !codes.contains(error.code) {
                throw failure("\(what) to fail with one of \(codes.map(\.rawValue))", "\(error.code.rawValue): \(error)")
            }
        }
    }

    // MARK: Directory

    @discardableResult
    func organization(_ id: Organization.ID, kind: Organization.Kind = .internal, name: String? = nil) async throws
        -> Organization
    {
        let organization = Organization(id: id, name: name ?? "Org \(id.rawValue)", kind: kind)
        try await store.save(organization)
        return organization
    }

    @discardableResult
    func department(_ id: Department.ID, in organization: Organization.ID = "acme", parent: Department.ID? = nil,
        name: String? = nil) async throws -> Department
    {
        let department = Department(id: id, organizationID: organization, name: name ?? "Dept \(id.rawValue)",
            parentID: parent)
        try await store.save(department)
        return department
    }

    @discardableResult
    func member(
        _ id: Member.ID, in organization: Organization.ID = "acme", departments: [DepartmentMembership] = [],
        administrator: Bool = false, name: String? = nil, handle: String? = nil, active: Bool = true
    ) async throws -> Member {
        let member = Member(
            id: id, organizationID: organization, displayName: name ?? "Name \(id.rawValue)",
            handle: handle ?? id.rawValue, roles: administrator ? [.administrator] : [], departments: departments,
            isActive: active)
        try await store.save(member)
        return member
    }

    /// `acme` (internal) with `boss` (administrator), `worker`, `rev`, and department `eng` (`worker` a member).
    func basicWorld() async throws {
        try await organization("acme")
        try await department("eng")
        try await member("boss", administrator: true)
        try await member("worker", departments: [DepartmentMembership("eng")])
        try await member("rev")
    }

    // MARK: Work items

    func makeItem(
        _ id: String? = nil, in organization: Organization.ID = "acme", title: String = "Prepare the plan",
        description: String? = nil, initiator: Member.ID = "boss", assignees: [Member.ID] = ["worker"],
        reviewer: Member.ID? = nil, watchers: [Member.ID] = [], departments: [Department.ID] = [],
        partners: [Organization.ID] = [], due: Date? = nil, state: WorkItemState = .assigned, tags: [String] = [],
        priority: Priority = .medium, created: Date? = nil
    ) -> WorkItem {
        let created = created ?? t0
        let due = due ?? t0.addingTimeInterval(7 * 86_400)
        return WorkItem(
            id: WorkItem.ID(id ?? self.id("item")), organizationID: organization, title: title,
            description: description ?? "About: \(title)", priority: priority, initiatorID: initiator,
            assigneeIDs: assignees, reviewerID: reviewer, watcherIDs: watchers, departmentIDs: departments,
            partnerOrganizationIDs: partners, start: created, deadline: .instant(due), dueAt: due, attachments: [],
            tags: tags, state: state, version: 1, createdAt: created, updatedAt: created,
            closedAt: state.isClosed ? created.addingTimeInterval(3600) : nil, stateChangedAt: created)
    }

    /// Inserts `item` alone.
    @discardableResult
    func insert(_ item: WorkItem) async throws -> WorkItem {
        _ = try await store.commit(ChangeSet(item: .insert(item)))
        return item
    }

    /// Inserts an item built by ``makeItem``.
    @discardableResult
    func item(
        _ id: String? = nil, title: String = "Prepare the plan", assignees: [Member.ID] = ["worker"],
        reviewer: Member.ID? = nil, due: Date? = nil, state: WorkItemState = .assigned, tags: [String] = [],
        created: Date? = nil
    ) async throws -> WorkItem {
        try await insert(makeItem(id, title: title, assignees: assignees, reviewer: reviewer, due: due, state: state,
            tags: tags, created: created))
    }

    /// The next version of `item` with `change` applied.
    func next(_ item: WorkItem, _ change: (inout WorkItem) -> Void = { _ in }) -> WorkItem {
        var next = item
        change(&next)
        next.version = item.version + 1
        next.updatedAt = item.updatedAt.addingTimeInterval(60)
        return next
    }

    func audit(_ item: WorkItem?, action: String = "touch", actor: Member.ID = "boss", at date: Date? = nil,
        record: RecordReference? = nil) -> AuditEvent
    {
        AuditEvent(id: AuditEvent.ID(id("audit")), organizationID: item?.organizationID ?? "acme", itemID: item?.id,
            actorID: actor, action: action, fromState: nil, toState: nil, occurredAt: date ?? t0, record: record)
    }

    func notice(_ item: WorkItem?, to recipient: Member.ID = "worker", kind: Notice.Kind = .assigned,
        at date: Date? = nil, id: String? = nil) -> Notice
    {
        Notice(id: Notice.ID(id ?? self.id("notice")), organizationID: item?.organizationID ?? "acme",
            recipientID: recipient, kind: kind, itemID: item?.id, actorID: "boss", title: "About \(item?.title ?? "")",
            body: "Body", createdAt: date ?? t0,
            message: LocalizedMessage("notice.assigned", [
                "title": .text(item?.title ?? ""), "deadline": .date(CalendarDate(year: 2026, month: 12, day: 3)),
                "names": .list(["甲", .integer(2)]),
            ]))
    }

    func timer(_ item: WorkItem, _ kind: ScheduledTimer.Kind = .reminder, at date: Date, id: String? = nil)
        -> ScheduledTimer
    {
        ScheduledTimer(id: id ?? "\(kind.rawValue):\(item.id.rawValue):\(Int(date.timeIntervalSince1970))",
            record: .workItem(item.id), organizationID: item.organizationID, kind: kind, fireAt: date)
    }

    /// Commits a plan of `item`'s pending timers.
    func plan(_ item: WorkItem, _ timers: [ScheduledTimer]) async throws {
        var change = ChangeSet()
        change.timerPlans = [TimerPlan(itemID: item.id, organizationID: item.organizationID, timers: timers)]
        _ = try await store.commit(change)
    }

    /// Claims the timers due at `now` (on `store`, this check's store by default) and returns the claim of `id`,
    /// failing the check when the claim does not hand it out.
    /// The default lease is an hour: long enough that no check but the lease checks ever sees it run out, even
    /// under the thread sanitizer on a loaded machine.
    func claim(_ id: String, now: Date, lease: Duration = .seconds(3_600), owner: String = "conformance",
        on other: (any CollabStorage)? = nil) async throws -> TimerClaim
    {
        let claims = try await (other ?? store).claimDueTimers(now: now, limit: 100, lease: lease, owner: owner)
        guard let claim = claims.first(where: { $0.timer.id == id }) else {
            throw failure("a claim of timer '\(id)' at \(now)", "claims of \(claims.map(\.timer.id))")
        }
        return claim
    }

    /// A change that fires `claim` and writes one audit event (about `item`, or about the timer's record).
    func firing(_ claim: TimerClaim, _ item: WorkItem?, action: String = "fired", at date: Date? = nil) -> ChangeSet {
        var change = ChangeSet()
        change.firedTimer = TimerFiring(claim: claim, firedAt: date ?? claim.timer.fireAt)
        change.auditEvents = [audit(item, action: action, record: item == nil ? claim.timer.record : nil)]
        return change
    }

    /// Waits `duration` of real time: lease checks let a lease run out on the store's clock.
    func wait(_ duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    /// Commits `notices` (each about `item` or none) with nothing else.
    func send(_ notices: [Notice]) async throws {
        var change = ChangeSet()
        change.notifications = notices
        _ = try await store.commit(change)
    }

    /// Commits an item with one notification per recipient, created at `date`; returns the notices.
    @discardableResult
    func itemWithNotices(_ recipients: [Member.ID] = ["worker"], at date: Date? = nil) async throws -> [Notice] {
        let item = makeItem(created: date)
        var change = ChangeSet(item: .insert(item))
        change.notifications = recipients.map { notice(item, to: $0, at: date) }
        _ = try await store.commit(change)
        return change.notifications
    }

    /// Every element of a paged read, walking pages of `limit`; fails on a page over the limit or a loop.
    func walk<T>(limit: Int, _ read: (PageRequest) async throws -> Page<T>) async throws -> [T] {
        var all: [T] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await read(PageRequest(limit: limit, cursor: cursor))
            try expect(page.items.count <= limit, "a page of at most \(limit)", found: "\(page.items.count) elements")
            try expect(page.nextCursor == nil || !page.items.isEmpty, "a page with a next cursor to hold elements",
                found: "an empty page with cursor \(page.nextCursor ?? "")")
            all += page.items
            cursor = page.nextCursor
            pages += 1
            try expect(pages < 10_000, "paging to end", found: "more than 10,000 pages")
        } while cursor != nil
        return all
    }

    /// The lease a claim must have handed out.
    func lease(_ entry: OutboxEntry) throws -> OutboxLease {
        try some(entry.lease, "the lease of claimed \(entry.notification.id)")
    }
}
