@testable import CollabStore
import CollabPermissions
import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Logging
import Synchronization
import Testing

/// Every statement the library runs is read through an index: the test records the SQL of a workload
/// that calls every store API, then asks SQLite for each statement's query plan.
@Suite struct QueryPlanTests {
    /// Tables that grow with use; a full scan of one of them is a missing index.
    static let largeTables = [
        "work_items", "work_item_assignees", "work_item_departments", "comments", "progress_updates",
        "review_decisions", "adjustment_requests", "audit_events", "notifications", "notification_hook_deliveries",
        "idempotency_keys", "members", "department_memberships",
    ]

    /// Statements allowed to scan, with the reason.
    static let allowedScans: [String: String] = [
        "SELECT delivery_state, count(*) AS n FROM notifications GROUP BY delivery_state":
            "operator statistics: counts the whole outbox by design",
        "UPDATE work_items SET state_changed_at = updated_at": "the v2 migration's one-time backfill",
        "SELECT * FROM work_items": "the search index's rebuild (the v11 migration, rebuildSearchIndex) reads every item",
    ]

    @Test("every statement of a full workload uses an index on the growing tables")
    func everyQueryIsIndexed() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let statements = Mutex(Set<String>())
        var configuration = SQLiteStore.Configuration()
        configuration.statementObserver = { sql in _ = statements.withLock { $0.insert(sql) } }
        let path = folder.appendingPathComponent("plan.sqlite").path
        let store = try SQLiteStore(path: path, configuration: configuration)
        let clock = ManualClock()
        let engine = WorkflowEngine(store: store, clock: clock, identifiers: SequentialIdentifierGenerator())

        try await store.save(Organization(id: "acme", name: "Acme", kind: .internal))
        try await store.save(Organization(id: "supplier", name: "Supplier", kind: .partner))
        var partnership = ChangeSet()  // acme's own supplier: acme may share items with it
        partnership.external.partnerships = [Partnership(organizationID: "acme", partnerID: "supplier", role: .supplier,
            invitedBy: "boss", invitedAt: clock.now())]
        _ = try await store.commit(partnership)
        try await store.save(Department(id: "root", organizationID: "acme", name: "Root"))
        try await store.save(Department(id: "sales", organizationID: "acme", name: "Sales", parentID: "root"))
        for id in ["boss", "worker", "other"] {
            try await store.save(Member(
                id: Member.ID(id), organizationID: "acme", displayName: id, handle: id,
                roles: id == "boss" ? [.administrator] : [],
                departments: [DepartmentMembership(id == "boss" ? "root" : "sales", role: id == "boss" ? .head : .member)]))
        }
        _ = try await store.organizations()
        _ = try await store.department("sales")
        _ = try await store.members(in: "acme")
        _ = try await engine.settings.setExternalCollaboration("supplier", enabled: true, by: "boss")

        let draft = WorkItemDraft(
            title: "Plan", assigneeIDs: ["worker"], departmentIDs: ["sales"], partnerOrganizationIDs: ["supplier"],
            deadline: .endOfDay(CalendarDate(year: 2026, month: 3, day: 1)))
        let item = try await engine.workItems.create(draft, by: "boss", idempotencyKey: "k1")
        _ = try await engine.workItems.create(draft, by: "boss", idempotencyKey: "k1")
        try await engine.workItems.accept(item.id, by: "worker")
        try await engine.workItems.start(item.id, by: "worker")
        let request = try await engine.workItems.requestAdjustment(
            item.id, by: "worker", change: .init(title: "Plan v2"), reason: "scope grew")
        try await engine.workItems.approveAdjustment(request.id, by: "boss")
        try await engine.workItems.reassign(item.id, from: "worker", to: "other", by: "boss")
        try await engine.workItems.comment(on: item.id, by: "boss", "@other welcome")
        try await engine.workItems.reportProgress(item.id, by: "other", text: "done", percent: 100)
        try await engine.workItems.submitForReview(item.id, by: "other")
        try await engine.workItems.reject(item.id, by: "boss", reason: "again")
        try await engine.workItems.submitForReview(item.id, by: "other")
        try await engine.workItems.approve(item.id, by: "boss")
        _ = try await engine.workItems.activity(of: item.id, as: "boss")
        _ = try await engine.workItems.auditTrail(of: item.id, as: "boss")
        _ = try await engine.explain(.view, on: item.id, for: "other")
        let first = try await engine.inbox.todo(of: "other", page: PageRequest(limit: 1))
        _ = try await engine.inbox.todo(of: "other", page: PageRequest(limit: 1, cursor: first.nextCursor ?? "0|x"))
        let inbox = try await engine.inbox.notices(of: "other", page: PageRequest(limit: 1))
        _ = try await engine.inbox.notices(of: "other", unreadOnly: true, page: PageRequest(limit: 1, cursor: inbox.nextCursor))
        _ = try await engine.inbox.unreadCount(of: "other")
        _ = try await engine.inbox.markRead(inbox.items.map(\.id), of: "other")
        _ = try await engine.inbox.markAllRead(of: "other")
        _ = try await store.assignmentCounts(for: "other", createdIn: nil, now: clock.now())
        let periods = [DateInterval(start: clock.now().addingTimeInterval(-86_400), duration: 86_400),
                       DateInterval(start: clock.now(), duration: 86_400)]
        for reader in ["boss", "other"] as [Member.ID] {
            let scope = try await engine.visibilityScope(of: reader)
            for grouping in ReportQuery.Grouping.allCases {
                _ = try await store.report(
                    ReportQuery(periods: periods, leadDepartments: grouping == .department ? ["sales"] : nil,
                                grouping: grouping),
                    in: scope, now: clock.now())
            }
        }
        let failing = RecordingNotificationHook(name: "failing", failures: 1_000)
        var dispatcherConfiguration = NotificationDispatcher.Configuration()
        dispatcherConfiguration.logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        dispatcherConfiguration.retry.maximumAttempts = 1
        let dispatcher = try NotificationDispatcher(
            store: store, hooks: [RecordingNotificationHook(), failing], clock: clock,
            configuration: dispatcherConfiguration)
        try await dispatcher.deliverDue()
        _ = try await store.nextDeliveryDue()
        _ = try await store.outboxCounts()
        let parked = try await store.parkedDeliveries(limit: 10)
        _ = try await store.requeueParked(parked.map(\.notification.id), now: clock.now())
        if let notice = parked.first?.notification {
            _ = try await store.deliveryState(of: notice.id)
            _ = try await store.storedNotices(of: notice.recipientID)
            _ = try await store.markRead([notice.id], of: notice.recipientID, at: clock.now())
        }
        let runner = try CollabRunner(
            engine: engine, hooks: [RecordingNotificationHook()], dispatcher: dispatcherConfiguration,
            retention: RetentionPolicy(readNotices: .seconds(0)))
        try await runner.applyRetention()

        try await store.save(BusinessCalendar.standard(timeZoneIdentifier: "UTC"), for: "acme", department: "sales")
        let timed = try await engine.workItems.create(draft, by: "boss")
        try await engine.workItems.accept(timed.id, by: "worker")
        try await engine.workItems.start(timed.id, by: "worker")
        try await engine.workItems.execute(.waitForExternal(timed.id, reason: "supplier"), by: "worker")
        try await engine.workItems.execute(.resumeFromExternal(timed.id), by: "worker")
        _ = try await store.pendingTimers(of: timed.id)
        _ = try await store.nextTimerDue()
        clock.advance(by: .seconds(90 * 86_400))
        _ = try await engine.timers.fireDue()
        _ = try await engine.timers.reschedule(in: "acme")

        let recorded = statements.withLock { $0 }
        #expect(recorded.count > 30)
        let queue = try DatabaseQueue(path: path)
        // The checker itself must see a scan when there is one.
        #expect(try await Self.fullScans(of: "SELECT * FROM comments WHERE body = ?", in: queue).count == 1)
        var problems: [String] = []
        // Statements on a table a later migration dropped ran only while migrating (FTS5's own statements on
        // work_items_search, which v12 replaced by the search index): there is no plan left to read.
        let dropped = ["work_items_search"]
        for sql in recorded.sorted() where Self.allowedScans[sql] == nil && !dropped.contains(where: sql.contains) {
            problems += try await Self.fullScans(of: sql, in: queue).map { "\($0)  ←  \(sql)" }
        }
        #expect(problems.isEmpty, "full scans:\n\(problems.joined(separator: "\n"))")
    }

    @Test("a search reads through the indexes of its start: the reader's keys and access records, or the text")
    func searchPlans() async throws {
        try await Self.withFreshDatabase { path, queue in try await Self.checkSearchPlans(path: path, queue: queue) }
    }

    static func checkSearchPlans(path: String, queue: DatabaseQueue) async throws {
        let reader = SearchReader(keys: ["wi.assignee:acme:m1", "wi.department:acme:d1"], organizationID: "acme",
            isExternal: false)
        let queries = [SearchQuery("budget"), SearchQuery("会议"), SearchQuery("季度预算 会议 X1"),
            SearchQuery("", kinds: [.workItem], tags: ["urgent"], statuses: ["open"])]
        for start in [SQLiteStore.SearchStart.readerRecords, .text] {
            let statements = Mutex(Set<String>())
            var configuration = SQLiteStore.Configuration()
            configuration.searchStart = start
            configuration.statementObserver = { sql in
                if sql.contains("search_entries") { _ = statements.withLock { $0.insert(sql) } }
            }
            let store = try SQLiteStore(path: path, configuration: configuration)
            for query in queries { _ = try await store.search(query, for: reader, page: PageRequest(limit: 10)) }
            let recorded = statements.withLock { $0 }
            #expect(recorded.count >= 2, "\(start)")
            var lines: [String] = []
            for sql in recorded { lines += try await plan(of: sql, in: queue) }
            // A full scan names a table (or alias) without an index; the subqueries (v, m), json_each and the
            // FTS5 tables (queried by MATCH) are not tables that grow.
            let scans = lines.filter { line in
                let words = line.split(separator: " ").map(String.init)
                return words.first == "SCAN" && !line.contains("USING") && !line.contains("VIRTUAL TABLE")
                    && !["v", "m", "json_each"].contains(words.count > 1 ? words[1] : "")
            }
            #expect(scans.isEmpty, "\(start): \(scans)")
            if start == .readerRecords {
                #expect(lines.contains { $0.contains("search_access_by_key") })
                #expect(lines.contains { $0.contains("COVERING INDEX search_entries_by_access") })
            }
        }
    }

    @Test("an organization's report reads its items from the covering report index alone, for every grouping")
    func reportUsesTheCoveringIndex() async throws {
        try await Self.withFreshDatabase { _, queue in try await Self.checkReportPlans(queue: queue) }
    }

    static func checkReportPlans(queue: DatabaseQueue) async throws {
        let scope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
        let periods = [DateInterval(start: Date(timeIntervalSince1970: 0), duration: 86_400)]
        for (grouping, periods) in [(ReportQuery.Grouping.none, periods), (.none, []), (.period, periods),
                                    (.department, periods), (.department, [])] {
            let query = ReportQuery(periods: periods, leadDepartments: ["sales", "ops"], grouping: grouping)
            let source = SQLiteStore.reportSource(query, in: scope, ignoreOrganization: false)
            let statements = [SQLiteStore.reportCountsSQL(source)] + (grouping == .department
                ? [SQLiteStore.departmentPercentileSQL(source)] : [SQLiteStore.reportPercentilesSQL(source)])
            for sql in statements {
                let plan = try await queue.read { db in
                    let explained = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
                    explained.setUncheckedArguments([])
                    return try Row.fetchAll(explained).map { $0["detail"] as String }
                }
                let items = plan.filter { $0.contains(" w ") || $0.hasSuffix(" w") }
                #expect(!items.isEmpty && items.allSatisfy { $0.contains("USING COVERING INDEX work_items_report") },
                    "\(grouping): \(plan) ← \(sql)")
                if grouping == .department && periods.isEmpty {
                    // The board of all time walks the department index in order: no sorting at all.
                    #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan) ← \(sql)")
                }
            }
        }
    }

    /// The plan lines of `sql` that scan a growing table without an index.
    static func fullScans(of sql: String, in queue: DatabaseQueue) async throws -> [String] {
        let upper = sql.uppercased()
        guard upper.hasPrefix("SELECT") || upper.hasPrefix("UPDATE") || upper.hasPrefix("DELETE")
            || upper.hasPrefix("WITH")
        else { return [] }
        return try await plan(of: sql, in: queue).filter { line in
            let words = line.split(separator: " ").map(String.init)
            // "SCAN t" is a full scan; "SCAN t USING (COVERING) INDEX" walks an index in order.
            return words.first == "SCAN" && words.count >= 2 && largeTables.contains(words[1]) && !line.contains("USING")
        }
    }

    /// The lines of SQLite's query plan for `sql`.
    static func plan(of sql: String, in queue: DatabaseQueue) async throws -> [String] {
        try await queue.read { db in
            // Parameters stay unbound (NULL): the plan does not depend on their values.
            let statement = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
            statement.setUncheckedArguments([])
            return try Row.fetchAll(statement).map { $0["detail"] as String }
        }
    }

    /// Runs `body` on a new database file with Collab's schema, in a folder removed afterwards.
    static func withFreshDatabase(_ body: (String, DatabaseQueue) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("plan.sqlite").path
        _ = try SQLiteStore(path: path)
        try await body(path, try DatabaseQueue(path: path))
    }
}
