import CollabModel
import CollabPermissions
import Foundation
import Logging
import PostgresNIO

/// postgres-nio directly, on one connection: the limit the PostgreSQL store's figures are compared with.
///
/// Replays the write transactions `PostgresStore.commit` runs for a create and for each lifecycle command,
/// statement for statement (see `PostgresStore+WorkItems.swift` and `+Timers.swift`): the same isolation
/// (SERIALIZABLE), the directory and settings revision checks, the item's row with every column, its access
/// rows in one `unnest` insert, the search index's rows (the entry with its text, the keys of who may find
/// it; a transition updates the entry's status), the timer plan (delete the pending timers not planned,
/// upsert the planned), the audit event, the notification. Every value is bound as a parameter, as the store binds them.
struct RawPostgresWorkload: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    /// Opens one connection to the database of `client` with `schema` as its search path.
    static func connect(_ client: PostgresClient.Configuration, schema: String?, logger: Logger) async throws
        -> PostgresConnection
    {
        var configuration = PostgresConnection.Configuration(
            host: client.host ?? "127.0.0.1", port: client.port ?? 5432, username: client.username,
            password: client.password, database: client.database, tls: .disable)
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    @discardableResult
    func run(_ query: PostgresQuery) async throws -> Int {
        try await connection.query(query, logger: logger).get().metadata.rows ?? 0
    }

    /// The transactions committed or rolled back in the database so far (this query's included), after a
    /// pause: PostgreSQL publishes a backend's counts at most once a second.
    func transactionCount() async throws -> Double {
        try await Task.sleep(for: .milliseconds(1_500))
        let rows = try await connection.query(
            "SELECT (xact_commit + xact_rollback)::float8 FROM pg_stat_database WHERE datname = current_database()",
            logger: logger).get().rows
        return try rows.first?.decode(Double.self) ?? 0
    }

    /// The transactions rolled back in the database so far (serialization failures, deadlocks, errors), after
    /// the same pause.
    func rollbackCount() async throws -> Double {
        try await Task.sleep(for: .milliseconds(1_500))
        let rows = try await connection.query(
            "SELECT xact_rollback::float8 FROM pg_stat_database WHERE datname = current_database()",
            logger: logger).get().rows
        return try rows.first?.decode(Double.self) ?? 0
    }

    /// The columns of `work_items` the store writes an item to, in its order.
    static let itemColumns = [
        "id", "organization_id", "title", "description", "priority", "initiator_id", "reviewer_id", "review_by",
        "assignee_ids", "watcher_ids", "department_ids", "partner_ids", "start_at", "deadline_date", "deadline_at",
        "due_at", "attachments", "tags", "state", "progress", "pending_adjustment_id", "version", "created_at",
        "updated_at", "closed_at", "state_changed_at", "waiting_since", "external_waits", "recurrence", "series_id",
    ]
    static let insertItem = "INSERT INTO work_items (\(itemColumns.joined(separator: ", "))) VALUES ("
        + (1...itemColumns.count).map { "$\($0)" }.joined(separator: ", ") + ")"
    static let updateItem = "UPDATE work_items SET "
        + itemColumns.enumerated().dropFirst().map { "\($0.element) = $\($0.offset + 1)" }.joined(separator: ", ")
        + " WHERE id = $1 AND version = $\(itemColumns.count + 1)"

    func itemBindings(_ id: String, assignee: String, department: String, due: Int64, now: Int64, state: String,
        progress: Int?, version: Int, closedAt: Int64?) -> PostgresBindings
    {
        var binds = PostgresBindings(capacity: Self.itemColumns.count + 1)
        binds.append(id)
        binds.append("acme")
        binds.append("Raw item \(id)")
        binds.append("Benchmark item")
        binds.append("medium")
        binds.append("m1")
        binds.append(String?.none)
        binds.append("m1")
        binds.append(assignee)
        binds.append("")
        binds.append(department)
        binds.append("")
        binds.append(now)
        binds.append("2030-01-01")
        binds.append(Int64?.none)
        binds.append(due)
        binds.append(String?.none)
        binds.append("")
        binds.append(state)
        binds.append(progress)
        binds.append(String?.none)
        binds.append(version)
        binds.append(now)
        binds.append(now)
        binds.append(closedAt)
        binds.append(now)
        binds.append(Int64?.none)
        binds.append(0)
        binds.append(String?.none)
        binds.append(String?.none)
        return binds
    }

    /// The revision checks every command's commit starts with.
    func checkRevisions() async throws {
        _ = try await connection.query("SELECT value FROM directory_revision WHERE id = 1", logger: logger).get()
        _ = try await connection.query("SELECT value FROM settings_revision WHERE id = 1", logger: logger).get()
    }

    func timers(_ id: String, due: Int64, count: Int) async throws {
        let ids = (0..<count).map { "\(id)|t\($0)|\(due)" }
        let record = "work_item:" + id
        try await run("""
            DELETE FROM timers WHERE record = \(record) AND state = 'pending' AND NOT (id = ANY(\(ids)))
            """)
        for timer in ids {
            try await run("""
                INSERT INTO timers (id, record, organization_id, kind, detail, fire_at, state)
                VALUES (\(timer), \(record), \("acme"), \("overdue"), '', \(due), 'pending')
                ON CONFLICT (id) DO UPDATE SET fire_at = excluded.fire_at,
                    claim_token = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.claim_token END,
                    lease_until = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.lease_until END
                WHERE timers.state = 'pending'
                """)
        }
    }

    func audit(_ id: String, _ action: String, now: Int64) async throws {
        try await run("""
            INSERT INTO audit_events (id, organization_id, item_id, actor_id, action, from_state, to_state,
                details, occurred_at, record)
            VALUES (\("a-\(id)-\(action)"), \("acme"), \(id), \("m1"), \(action), \("assigned"), \("accepted"),
                \("{\"assignees\":\"m2\"}"), \(now), \(String?.none))
            """)
    }

    func notify(_ id: String, _ kind: String, to recipient: String, now: Int64) async throws {
        try await run("""
            INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, item_id, actor_id,
                title, body, created_at, read_at, delivery_state, attempts, next_attempt_at, record)
            VALUES (\("n-\(id)-\(kind)"), \("acme"), \(recipient), \(kind), \("normal"), \(id), \("m1"),
                \("New assignment: Raw item"), \("Member 1 assigned you \"Raw item\", due end of 2030-01-01."),
                \(now), \(Int64?.none), 'pending', 0, \(now), \(String?.none))
            """)
    }

    /// One serializable transaction, rolled back if `body` throws.
    func transaction(_ body: () async throws -> Void) async throws {
        try await run("BEGIN ISOLATION LEVEL SERIALIZABLE")
        do {
            try await body()
            try await run("COMMIT")
        } catch {
            _ = try? await run("ROLLBACK")
            throw error
        }
    }

    func create(_ id: String, assignee: String, department: String, due: Int64, now: Int64) async throws {
        try await transaction {
            try await checkRevisions()
            try await run(PostgresQuery(unsafeSQL: Self.insertItem, binds: itemBindings(id, assignee: assignee,
                department: department, due: due, now: now, state: "assigned", progress: nil, version: 1, closedAt: nil)))
            let kinds = ["initiator", "reviewer", "assignee", "department"], keys = ["m1", "m1", assignee, department]
            try await run("""
                INSERT INTO work_item_access (kind, key, due_at, item_id)
                SELECT g.kind, g.key, \(due), \(id)
                FROM unnest(\(kinds)::text[], \(keys)::text[]) AS g(kind, key)
                ON CONFLICT DO NOTHING
                """)
            try await searchRows(id, assignee: assignee, department: department, now: now)
            try await timers(id, due: due, count: 4)
            try await audit(id, "create", now: now)
            try await notify(id, "assigned", to: assignee, now: now)
        }
    }

    /// The search index's rows of a new item: its entry (text in `public_text`, trigram-indexed) and who may
    /// find it.
    func searchRows(_ id: String, assignee: String, department: String, now: Int64) async throws {
        let entry = "work_item:" + id
        let title = "Raw item \(id)", description = "Benchmark item"
        try await run("""
            INSERT INTO search_entries (entry, kind, record_id, organization_id, access_record, outside_visible, title,
                body, public_text, internal_text, status, people, departments, tags, grams, internal_grams, occurred_at)
            VALUES (\(entry), 'work_item', \(id), 'acme', \(entry), TRUE, \(title), \(description),
                \(title + "\n\n" + description), '', 'assigned', \(["m1", assignee])::text[], \([department])::text[],
                '{}'::text[], '{}'::text[], '{}'::text[], \(now))
            """)
        let organization: Organization.ID = "acme"
        let keys = Array(Set([SearchKey.allWorkItems(of: organization)] + [
            VisibilityScope.Grant(.initiator, "m1"), VisibilityScope.Grant(.reviewer, "m1"),
            VisibilityScope.Grant(.assignee, assignee), VisibilityScope.Grant(.department, department),
        ].map { SearchKey.workItem($0, in: organization) })).sorted()
        try await run("""
            INSERT INTO search_access (record, key) SELECT \(entry), k FROM unnest(\(keys)::text[]) AS k
            ON CONFLICT DO NOTHING
            """)
    }

    /// Moves an item from assigned to accepted (the set-up of a lifecycle run).
    func accept(_ id: String, assignee: String, department: String, due: Int64, now: Int64) async throws {
        try await transaction {
            var binds = itemBindings(id, assignee: assignee, department: department, due: due, now: now,
                state: "accepted", progress: nil, version: 2, closedAt: nil)
            binds.append(1)
            try await run(PostgresQuery(unsafeSQL: Self.updateItem, binds: binds))
            try await run("UPDATE search_entries SET status = 'accepted' WHERE entry = \("work_item:" + id)")
            // The store audits the accept and tells the initiator, as it does every transition.
            try await audit(id, "accept", now: now)
            try await notify(id, "accepted", to: "m1", now: now)
        }
    }

    /// start, report progress, submit for review, approve: each a transaction as the store commits it.
    func lifecycle(_ id: String, assignee: String, department: String, due: Int64, now: Int64) async throws {
        let steps: [(String, String, Int, Int)] = [
            ("start", "in_progress", 3, 4), ("report_progress", "in_progress", 4, 4),
            ("submit_for_review", "in_review", 5, 5), ("approve", "completed", 6, 0),
        ]
        for (action, state, version, timerCount) in steps {
            try await transaction {
                try await checkRevisions()
                var binds = itemBindings(id, assignee: assignee, department: department, due: due, now: now,
                    state: state, progress: action == "start" ? nil : 50, version: version,
                    closedAt: action == "approve" ? now : nil)
                binds.append(version - 1)
                let changed = try await run(PostgresQuery(unsafeSQL: Self.updateItem, binds: binds))
                guard changed == 1 else { throw BenchError("raw update of \(id) changed \(changed) rows") }
                try await run("UPDATE search_entries SET status = \(state) WHERE entry = \("work_item:" + id)")
                try await timers(id, due: due, count: timerCount)
                if action == "report_progress" {
                    try await run("""
                        INSERT INTO progress_updates (id, item_id, author_id, text, percent, attachments, created_at)
                        VALUES (\("p-\(id)"), \(id), \(assignee), \("Half way"), \(50), \(String?.none), \(now))
                        """)
                }
                if action == "approve" {
                    try await run("""
                        INSERT INTO review_decisions (id, item_id, reviewer_id, outcome, reason, decided_at)
                        VALUES (\("r-\(id)"), \(id), \("m1"), \("approved"), \(String?.none), \(now))
                        """)
                }
                try await audit(id, action, now: now)
                if action != "start" { try await notify(id, action, to: action == "approve" ? assignee : "m1", now: now) }
            }
        }
    }
}
