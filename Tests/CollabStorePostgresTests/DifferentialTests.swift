import CollabModel
import CollabPermissions
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// One engine runs a script of work-item commands on a `TeeStore`: every commit and directory save goes to
/// an SQLiteStore and, unchanged, to a PostgresStore. Both must answer every write alike, and every read
/// ported so far must return the same values in the same order from both.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct DifferentialTests {
    static let initiator: Member.ID = "zhang", assignee: Member.ID = "li", coAssignee: Member.ID = "wang"
    static let reviewer: Member.ID = "chen", mobileHead: Member.ID = "sun", engHead: Member.ID = "zhou"
    static let admin: Member.ID = "admin", bystander: Member.ID = "qian", stranger: Member.ID = "bob"
    static let everyone = [initiator, assignee, coAssignee, reviewer, mobileHead, engHead, admin, bystander, stranger]

    /// The world both stores hold, and the engine on them.
    struct World {
        let tee: TeeStore
        let clock: ManualClock
        let engine: WorkflowEngine
        var items: [WorkItem.ID] = []
        var adjustments: [AdjustmentRequest.ID] = []

        var primary: SQLiteStore { tee.primary }
        var mirror: PostgresStore { tee.mirror }

        /// Moves the clock to `date`, firing every item timer due on the way at its own time; returns how
        /// many fired.
        @discardableResult
        func advance(to date: Date) async throws -> Int {
            var fired = 0
            while let next = try await primary.nextTimerDue(), next <= date {
                if next > clock.now() { clock.advance(to: next) }
                fired += try await engine.timers.fireDue().count
            }
            clock.advance(to: date)
            return fired + (try await engine.timers.fireDue().count)
        }

        func draft(_ title: String, assignees: [Member.ID], reviewer: Member.ID? = nil, days: Int,
            instant: Bool = false, tags: [String] = []) -> WorkItemDraft
        {
            let due = clock.now().addingTimeInterval(TimeInterval(days) * 86_400)
            var draft = WorkItemDraft(
                title: title, description: "Details of \(title)", priority: days < 3 ? .high : .medium,
                assigneeIDs: assignees, reviewerID: reviewer, departmentIDs: ["eng-mobile"],
                deadline: instant ? .instant(due) : .endOfDay(CalendarDate(due, in: .gmt)))
            draft.tags = tags
            return draft
        }
    }

    static func makeWorld(_ mirror: PostgresStore) async throws -> World {
        let tee = TeeStore(primary: try SQLiteStore(inMemoryWith: SQLiteStore.Configuration()), mirror: mirror)
        let clock = ManualClock(now: Date(timeIntervalSince1970: 1_767_225_600))
        let engine = WorkflowEngine(store: tee, clock: clock, identifiers: SequentialIdentifierGenerator())
        try await tee.save(Organization(id: "acme", name: "Acme", kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
        try await tee.save(Organization(id: "globex", name: "Globex", kind: .internal, timeZoneIdentifier: "UTC"))
        try await tee.save(Department(id: "eng", organizationID: "acme", name: "Engineering"))
        try await tee.save(Department(id: "eng-mobile", organizationID: "acme", name: "Mobile", parentID: "eng"))
        try await tee.save(Department(id: "sales", organizationID: "acme", name: "Sales"))
        func member(_ id: Member.ID, _ name: String, in organization: Organization.ID = "acme",
            _ departments: [DepartmentMembership] = [], roles: Set<Member.OrganizationRole> = []) -> Member
        {
            Member(id: id, organizationID: organization, displayName: name, handle: id.rawValue, roles: roles,
                departments: departments)
        }
        try await tee.save(member(initiator, "Zhang Min", [DepartmentMembership("eng-mobile")]))
        try await tee.save(member(assignee, "Li Wei", [DepartmentMembership("eng-mobile"), DepartmentMembership("sales")]))
        try await tee.save(member(coAssignee, "Wang Fang"))
        try await tee.save(member(reviewer, "Chen Jie"))
        try await tee.save(member(mobileHead, "Sun Li", [DepartmentMembership("eng-mobile", role: .head)]))
        try await tee.save(member(engHead, "Zhou Yu", [DepartmentMembership("eng", role: .head)]))
        try await tee.save(member(admin, "Admin", roles: [.administrator]))
        try await tee.save(member(bystander, "qian"))
        try await tee.save(member(stranger, "Bob", in: "globex"))
        try await tee.save(BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai"), for: "acme", department: nil)
        return World(tee: tee, clock: clock, engine: engine)
    }

    /// The script: every kind of work-item command, timers firing, a replay and refused writes.
    static func runScript(_ w: inout World) async throws {
        let desk = w.engine.workItems
        // Settings saved twice (the second at the version read), once refused as stale.
        var settings = OrganizationSettings()
        settings.timers.reminderOffsets = [.seconds(86_400), .seconds(3_600)]
        try await w.engine.settings.save(settings, for: "acme", by: admin)
        settings.timers.escalationDelay = .seconds(4 * 3600)
        try await w.engine.settings.save(settings, for: "acme", by: admin, expectedVersion: 1)
        await #expect(throws: CollabError.self) {
            try await w.engine.settings.save(settings, for: "acme", by: admin, expectedVersion: 1)
        }
        // A: the full cycle with a rejection.
        let a = try await desk.create(w.draft("Ship the release notes", assignees: [assignee], reviewer: reviewer, days: 7,
            tags: ["release", "docs"]), by: initiator)
        try await desk.accept(a.id, by: assignee)
        try await desk.start(a.id, by: assignee)
        try await desk.reportProgress(a.id, by: assignee, text: "Half done", percent: 50)
        try await desk.comment(on: a.id, by: initiator, "Please add the @li screenshots")
        try await desk.submitForReview(a.id, by: assignee, note: "ready")
        try await desk.reject(a.id, by: reviewer, reason: "Missing screenshots")
        try await desk.reportProgress(a.id, by: assignee, text: "Screenshots added", percent: 90)
        try await desk.submitForReview(a.id, by: assignee)
        try await desk.approve(a.id, by: reviewer, note: "Good")
        // B: two assignees, an instant deadline, an approved extension, a rejected adjustment.
        let b = try await desk.create(w.draft("Fix login crash", assignees: [assignee, coAssignee], days: 3, instant: true),
            by: initiator)
        try await desk.accept(b.id, by: assignee)
        let later = Deadline.instant(w.clock.now().addingTimeInterval(10 * 86_400))
        let extend = try await desk.requestAdjustment(b.id, by: coAssignee, change: .init(deadline: later), reason: "Too much")
        try await desk.approveAdjustment(extend.id, by: initiator, note: "OK")
        let rename = try await desk.requestAdjustment(b.id, by: assignee, change: .init(title: "Fix all crashes"),
            reason: "Scope")
        try await desk.rejectAdjustment(rename.id, by: initiator, reason: "No")
        let pending = try await desk.requestAdjustment(b.id, by: assignee, change: .init(description: "More"),
            reason: "Clarity")
        // C: a draft; D: cancelled; E: due tomorrow, left to go overdue.
        let c = try await desk.create(w.draft("Plan the offsite", assignees: [coAssignee], days: 20), by: initiator,
            submit: false)
        let d = try await desk.create(w.draft("Old idea", assignees: [assignee], days: 5), by: initiator)
        try await desk.cancel(d.id, by: initiator, reason: "not needed")
        let e = try await desk.create(w.draft("Renew certificates", assignees: [coAssignee], days: 1, instant: true),
            by: initiator)
        // A replayed create: one item, the same answer.
        let keyed = try await desk.create(w.draft("Keyed item", assignees: [assignee], days: 4), by: initiator,
            idempotencyKey: "create-1")
        let replayed = try await desk.create(w.draft("Keyed item", assignees: [assignee], days: 4), by: initiator,
            idempotencyKey: "create-1")
        #expect(replayed.id == keyed.id)
        // Many items for paging, some with equal deadlines (ties broken by id).
        var more: [WorkItem.ID] = []
        for index in 0..<7 {
            let item = try await desk.create(w.draft("Batch task \(index)", assignees: [assignee], days: 2 + index % 3),
                by: initiator)
            more.append(item.id)
        }
        try await desk.accept(more[0], by: assignee)
        try await desk.accept(more[1], by: assignee)
        try await desk.start(more[1], by: assignee)
        try await desk.reassign(more[2], from: assignee, to: coAssignee, by: mobileHead, reason: "balance")
        try await desk.watch(more[3], by: engHead)
        // Refused writes: a stale version, and a stale command from another writer.
        await #expect(throws: CollabError.self) {
            try await desk.accept(more[4], by: assignee, expectedVersion: 99)
        }
        // Time passes: reminders, overdue notices, escalations fire on both stores.
        var fired = try await w.advance(to: w.clock.now().addingTimeInterval(4 * 86_400))
        try await desk.comment(on: e.id, by: coAssignee, "Late, sorry")
        fired += try await w.advance(to: w.clock.now().addingTimeInterval(3 * 86_400))
        #expect(fired >= 5)
        w.items = [a.id, b.id, c.id, d.id, e.id, keyed.id] + more
        w.adjustments = [extend.id, rename.id, pending.id]
    }

    @Test func workItemScriptReadsTheSameOnBothStores() async throws {
        try await PostgresTestServer.withStore { store in
            var w = try await Self.makeWorld(store)
            try await Self.runScript(&w)
            #expect(w.tee.divergences == [])
            #expect(w.tee.commitCount > 40)
            try await Self.compareReads(w)
        }
    }

    @Test func refusedCommitsFailWithTheSameCodeOnBothStores() async throws {
        try await PostgresTestServer.withStore { store in
            let w = try await Self.makeWorld(store)
            let item = try await w.engine.workItems.create(w.draft("Item", assignees: [Self.assignee], days: 3), by: Self.initiator)
            let now = w.clock.now()
            // A comment on an item that does not exist; an audit event id used twice; a stale item version;
            // a settings version skipped; an unknown organization switched.
            var orphan = ChangeSet()
            orphan.comments = [ItemComment(id: "c-orphan", itemID: "no-such-item", authorID: Self.initiator, body: "?",
                mentionedIDs: [], createdAt: now, visibility: .internal)]
            var duplicate = ChangeSet()
            let event = AuditEvent(id: "dup-event", organizationID: "acme", itemID: item.id, actorID: Self.initiator,
                action: "noted", fromState: nil, toState: nil, occurredAt: now)
            duplicate.auditEvents = [event, event]
            var stale = item
            stale.version += 5
            var skipped = ChangeSet()
            skipped.settings = StoredSettings(organizationID: "acme", settings: OrganizationSettings(), version: 3,
                updatedAt: now, updatedBy: Self.admin)
            var unknown = ChangeSet()
            unknown.externalCollaboration = (organizationID: "nowhere", enabled: true)
            var unchanged = ChangeSet()
            unchanged.unchangedItem = (id: item.id, version: item.version + 1)
            for change in [orphan, duplicate, ChangeSet(item: .update(item, previous: stale)), skipped, unknown, unchanged] {
                await #expect(throws: CollabError.self) { _ = try await w.tee.commit(change) }
            }
            #expect(w.tee.divergences == [])
            #expect(try await store.comments(on: "no-such-item") == [])
            #expect(try await store.auditTrail(of: item.id) == (try await w.primary.auditTrail(of: item.id)))
        }
    }

    static func compareReads(_ w: World) async throws {
        let (s, p) = (w.primary, w.mirror)
        for id in w.items {
            let item = try await p.workItem(id)
            #expect(item != nil)
            #expect(item == (try await s.workItem(id)), "item \(id)")
            #expect(try await p.comments(on: id) == (try await s.comments(on: id)), "comments of \(id)")
            #expect(try await p.progressUpdates(on: id) == (try await s.progressUpdates(on: id)), "progress of \(id)")
            #expect(try await p.reviewDecisions(on: id) == (try await s.reviewDecisions(on: id)), "reviews of \(id)")
            #expect(try await p.adjustmentRequests(on: id) == (try await s.adjustmentRequests(on: id)), "adjustments of \(id)")
            #expect(try await p.auditTrail(of: id) == (try await s.auditTrail(of: id)), "audit of \(id)")
            #expect(try await p.pendingTimers(of: id) == (try await s.pendingTimers(of: id)), "timers of \(id)")
        }
        for id in w.adjustments + ["no-such-request"] {
            #expect(try await p.adjustmentRequest(id) == (try await s.adjustmentRequest(id)), "adjustment \(id)")
        }
        #expect(try await p.workItem("no-such-item") == nil)
        #expect(!(try await s.comments(on: w.items[0])).isEmpty)
        #expect(try await s.reviewDecisions(on: w.items[0]).count == 2)
        #expect(try await s.adjustmentRequests(on: w.items[1]).count == 3)
        // To-do lists, page by page.
        for member in everyone {
            let first = try await todoPages { try await p.todo(for: member, page: $0) }
            let second = try await todoPages { try await s.todo(for: member, page: $0) }
            #expect(first == second, "to-do of \(member)")
        }
        #expect(try await todoPages { try await s.todo(for: assignee, page: $0) }.count > 2)
        let malformed = await #expect(throws: CollabError.self) {
            _ = try await p.todo(for: assignee, page: PageRequest(limit: 3, cursor: "nonsense"))
        }
        #expect(malformed?.code == .invalidInput)
        // Timers.
        let far = w.clock.now().addingTimeInterval(400 * 86_400)
        #expect(try await p.nextTimerDue() == (try await s.nextTimerDue()))
        #expect(try await p.nextTimerDue() != nil)
        #expect(try await p.claimDueTimers(now: w.clock.now(), limit: 50, lease: .seconds(60), owner: "x") == [])
        let fromPostgres = try await p.claimDueTimers(now: far, limit: 3, lease: .seconds(60), owner: "x")
        let fromSQLite = try await s.claimDueTimers(now: far, limit: 3, lease: .seconds(60), owner: "x")
        #expect(fromPostgres.map(\.timer) == fromSQLite.map(\.timer))
        #expect(fromPostgres.count == 3)
        #expect(try await p.claimDueTimers(now: far, limit: 500, lease: .seconds(60), owner: "x").map(\.timer)
            == (try await s.claimDueTimers(now: far, limit: 500, lease: .seconds(60), owner: "x")).map(\.timer))
        var (after, pAll, sAll): (WorkItem.ID?, [WorkItem.ID], [WorkItem.ID]) = (nil, [], [])
        repeat {
            let page = try await p.openItemIDs(in: "acme", after: after, limit: 4)
            pAll += page
            after = page.count == 4 ? page.last : nil
        } while after != nil
        sAll = try await s.openItemIDs(in: "acme", after: nil, limit: 500)
        #expect(pAll == sAll)
        #expect(try await p.openItemIDs(in: "globex", after: nil, limit: 10) == [])
        // Idempotency.
        let key = IdempotencyKey(actorID: initiator, key: "create-1")
        #expect(try await p.recordedResult(for: key) == (try await s.recordedResult(for: key)))
        #expect(try await p.recordedResult(for: key) != nil)
        // Directory and settings.
        try await compareDirectory(s, p)
        #expect(try await p.settings(of: "acme")?.version == 2)
        // Retention, batch by batch: the same batches from both stores.
        let now = w.clock.now()
        for kind in RetainedRecords.allCases {
            for _ in 0..<3 {
                let (first, second) = (try await p.deleteExpired(kind, before: now, now: now, limit: 1),
                    try await s.deleteExpired(kind, before: now, now: now, limit: 1))
                #expect(first == second, "retention of \(kind)")
            }
        }
        #expect(try await p.recordedResult(for: key) == nil)
    }

    /// Every page of a to-do list of 3 entries a page: ids, versions, reasons, then the cursor.
    static func todoPages(_ todo: (PageRequest) async throws -> Page<TodoEntry>) async throws -> [[String]] {
        var pages: [[String]] = []
        var cursor: String?
        repeat {
            let page = try await todo(PageRequest(limit: 3, cursor: cursor))
            pages.append(page.items.map { "\($0.item.id):\($0.item.version):\($0.reasons.map(\.rawValue))" }
                + [page.nextCursor ?? "end"])
            cursor = page.nextCursor
        } while cursor != nil
        return pages
    }

    static func compareDirectory(_ s: SQLiteStore, _ p: PostgresStore) async throws {
        #expect(try await p.organizations() == (try await s.organizations()))
        #expect(try await p.organization("acme") == (try await s.organization("acme")))
        #expect(try await p.organization("nobody") == nil)
        #expect(try await p.departments(in: "acme") == (try await s.departments(in: "acme")))
        #expect(try await p.department("eng-mobile") == (try await s.department("eng-mobile")))
        #expect(Set(try await p.departments(["eng", "sales", "none"])) == Set(try await s.departments(["eng", "sales", "none"])))
        #expect(try await p.members(in: "acme") == (try await s.members(in: "acme")))
        #expect(Set(try await p.members(Set(everyone))) == Set(try await s.members(Set(everyone))))
        #expect(Set(try await p.members(handles: ["li", "chen", "bob"], in: "acme"))
            == Set(try await s.members(handles: ["li", "chen", "bob"], in: "acme")))
        for member in everyone + ["nobody"] {
            #expect(try await p.member(member) == (try await s.member(member)))
            #expect(try await p.subject(for: member) == (try await s.subject(for: member)), "subject of \(member)")
        }
        #expect(try await p.subject(for: engHead)?.headedDepartmentIDs == ["eng", "eng-mobile"])
        #expect(try await p.heads(of: ["eng", "eng-mobile", "sales"]) == (try await s.heads(of: ["eng", "eng-mobile", "sales"])))
        #expect(try await p.calendar(for: "acme", department: "eng") == (try await s.calendar(for: "acme", department: "eng")))
        #expect(try await p.calendar(for: "acme", department: "eng") != nil)
        #expect(try await p.calendar(for: "globex", department: nil) == nil)
        #expect(try await p.directoryRevision() == (try await s.directoryRevision()))
        #expect(try await p.settingsRevision() == (try await s.settingsRevision()))
        #expect(try await p.settings(of: "acme") == (try await s.settings(of: "acme")))
    }
}
