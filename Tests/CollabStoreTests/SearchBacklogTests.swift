@testable import CollabStore
import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

/// The search index kept in batches (`search_backlog`, migration v16): a commit records the entries it made
/// stale, the commit that fills a batch brings them all up to date, and every search sees the index as if
/// each commit had written it.
@Suite struct SearchBacklogTests {
    typealias W = Workplace

    /// A workplace on an SQLite file whose store brings its index up to date every `batch` stale entries.
    static func workplace(batch: Int) async throws -> Workplace {
        try await Workplace(storage: HarnessStorage { clock, folder in
            let path = folder.appendingPathComponent("collab.sqlite").path
            var configuration = SQLiteStore.Configuration()
            configuration.durability = .normal
            configuration.clock = clock
            configuration.searchIndexBatchSize = batch
            return HarnessStorage.Opening(store: try SQLiteStore(path: path, configuration: configuration), databasePath: path)
        })
    }

    static func count(_ sql: String, _ path: String) async throws -> Int {
        try await DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    static func waiting(_ path: String) async throws -> Int {
        try await count("SELECT count(*) FROM search_backlog", path)
    }

    @Test("commits leave their entries waiting until a batch is full, and every search first brings the index up to date")
    func backlogAndSearch() async throws {
        let w = try await Self.workplace(batch: 4)
        let path = try #require(w.harness.databasePath)
        let e = w.engine.workItems
        let budget = try await e.create(w.draft("Quarterly budget review"), by: W.initiator)
        _ = try await e.create(w.draft("Rollout of the 预算 tool"), by: W.initiator)
        _ = try await e.create(w.draft("Supplier audit"), by: W.initiator)
        #expect(try await Self.waiting(path) == 3)
        #expect(try await Self.count("SELECT count(*) FROM search_entries", path) == 0)

        // A search finds every item committed before it, and leaves nothing waiting.
        #expect(try await w.engine.search.find(SearchQuery("budget"), as: W.initiator).items.map(\.record)
            == [.workItem(budget.id)])
        #expect(try await w.engine.search.find(SearchQuery("预算"), as: W.initiator).items.count == 1)
        #expect(try await Self.waiting(path) == 0)
        #expect(try await Self.count("SELECT count(*) FROM search_entries", path) == 3)

        // A transition makes its item's entry stale, once however many follow; a progress report changes
        // nothing the index holds.
        _ = try await e.accept(budget.id, by: W.assignee)
        #expect(try await Self.waiting(path) == 1)
        _ = try await e.start(budget.id, by: W.assignee)
        #expect(try await Self.waiting(path) == 1, "the same entry waits once")
        _ = try await e.reportProgress(budget.id, by: W.assignee, text: "half the lines checked", percent: 40)
        #expect(try await Self.waiting(path) == 1)

        // The list's text search sees the state the last commit left, too.
        _ = try await e.create(w.draft("Budget for the fair"), by: W.initiator)
        #expect(try await Self.waiting(path) == 2)
        #expect(Set(try await e.search("budget", as: W.initiator).items.map(\.id)).count == 2)
        #expect(try await Self.waiting(path) == 0)
        #expect(try await w.engine.search.find(SearchQuery("budget", statuses: ["in_progress"]), as: W.initiator)
            .items.map(\.record) == [.workItem(budget.id)])

        // The commit that finds a full batch waiting brings it up to date in its own transaction.
        for title in ["Fair booth", "Fair travel", "Fair printing"] {
            _ = try await e.create(w.draft(title), by: W.initiator)
        }
        #expect(try await Self.waiting(path) == 3)
        _ = try await e.create(w.draft("Fair follow-up"), by: W.initiator)
        #expect(try await Self.waiting(path) == 0)
        #expect(try await Self.count("SELECT count(*) FROM search_entries", path) == 8)
    }

    /// Every row of the index, entry by entry: filter columns, text, grams and access keys (not rowids).
    static func index(_ path: String) async throws -> [String] {
        try await DatabaseQueue(path: path).read { db in
            let entries = try Row.fetchAll(db, sql: """
                SELECT e.entry, e.kind, e.record_id, e.organization_id, e.access_record, e.outside_visible, e.title,
                    e.status, e.people, e.departments, e.tags, e.occurred_at,
                    t.title, t.labels, t.body, t.internal, g.grams, g.internal_grams
                FROM search_entries e JOIN search_text t ON t.rowid = e.rowid
                LEFT JOIN search_grams g ON g.rowid = e.rowid ORDER BY e.entry
                """).map { row in row.databaseValues.map(\.description).joined(separator: " | ") }
            let access = try Row.fetchAll(db, sql: "SELECT record, key FROM search_access ORDER BY record, key")
                .map { "access \($0["record"] as String) \($0["key"] as String)" }
            // The text tables hold exactly the entries' rows.
            let orphans = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM search_text WHERE rowid NOT IN (SELECT rowid FROM search_entries))
                    + (SELECT count(*) FROM search_grams WHERE rowid NOT IN (SELECT rowid FROM search_entries))
                """) ?? -1
            return entries + access + ["orphan text rows: \(orphans)"]
        }
    }

    /// Items in every state, edited, reassigned, shared, cancelled and imported; announcements, one pinned later.
    static func play(_ w: Workplace) async throws {
        try await TodoRowsTests.populate(w)
        let e = w.engine.workItems
        let item = try await e.create(w.draft("Budget review", assignees: [W.assignee, W.coAssignee]), by: W.initiator)
        let request = try await e.requestAdjustment(item.id, by: W.assignee, change: .init(title: "Budget review, 预算 2027"),
            reason: "the year moved")
        _ = try await e.approveAdjustment(request.id, by: W.initiator)
        _ = try await e.reassign(item.id, from: W.coAssignee, to: W.spare, by: W.mobileHead)
        _ = try await e.share(item.id, with: "partnerco", by: W.initiator)
        _ = try await e.importItems([w.draft("Imported budget"), w.draft("Imported rollout", assignees: [W.peer])],
            by: W.initiator)
        let gone = try await e.create(w.draft("Cancelled budget"), by: W.initiator)
        _ = try await e.cancel(gone.id, by: W.initiator)
        let a = w.engine.announcements
        _ = try await a.publish(AnnouncementDraft(title: "Budget freeze", body: "No new 预算 lines.", audience: .organization),
            by: W.admin)
        let move = try await a.publish(AnnouncementDraft(title: "Office move", body: "Floor 3, budget approved.",
            audience: .department("eng")), by: W.admin)
        // A later change of a published announcement (its recipients are not in the change) keeps its keys.
        try await a.setPinned(true, on: move.id, by: W.admin)
    }

    @Test("the index kept in batches of any size is the index rebuilt from the stored records", arguments: [1, 3, 10_000])
    func batchesMatchTheRebuild(batch: Int) async throws {
        let w = try await Self.workplace(batch: batch)
        let path = try #require(w.harness.databasePath)
        try await Self.play(w)
        let store = try #require(w.harness.store as? SQLiteStore)
        let updated = try await store.updateSearchIndex()
        #expect(batch == 1 ? updated == 0 : updated > 0, "batch \(batch): \(updated) entries were waiting")
        #expect(try await Self.waiting(path) == 0)
        let kept = try await Self.index(path)
        #expect(kept.count > 20)
        #expect(kept.last == "orphan text rows: 0")

        #expect(try await store.rebuildSearchIndex() > 10)
        let rebuilt = try await Self.index(path)
        #expect(kept == rebuilt, "batch \(batch): \(Set(kept).symmetricDifference(rebuilt).sorted())")
    }

    @Test("a database written before v16 opens with an empty backlog and an index that is up to date")
    func migrationFromV15() async throws {
        let w = try await Self.workplace(batch: 1)
        let path = try #require(w.harness.databasePath)
        try await Self.play(w)
        let before = try await Self.index(path)
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                DROP TABLE search_backlog;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v16 %';
                """)
        }
        let reopened = try w.harness.reopenStore()
        #expect(try await Self.waiting(path) == 0)
        #expect(try await reopened.updateSearchIndex() == 0)
        #expect(try await Self.index(path) == before)
    }
}
