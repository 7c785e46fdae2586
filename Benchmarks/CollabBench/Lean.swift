import Foundation

/// The lean limit (issue 20): the fewest rows and indexes a create and a transition need for the platform's
/// features, written through SQLite's C API on its own small schema — the item, one row per assignee, an
/// audit event, an outbox row, and six secondary indexes (to-do by assignee, state and deadline; items by
/// department, by deadline and by initiator; audit by record; undelivered outbox by due time). No search
/// index, no timers (the deadline index stands for them), no access rows beyond the assignee rows, no
/// activity rows, audit events without details.
struct LeanWorkload {
    let db: RawSQLite

    static let schema = """
        CREATE TABLE items (
            id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL,
            priority TEXT NOT NULL, initiator_id TEXT NOT NULL, department_id TEXT NOT NULL, state TEXT NOT NULL,
            deadline_at INTEGER, version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        CREATE TABLE item_assignees (
            item_id TEXT NOT NULL REFERENCES items(id), member_id TEXT NOT NULL, state TEXT NOT NULL,
            deadline_at INTEGER, PRIMARY KEY (item_id, member_id)) WITHOUT ROWID;
        CREATE TABLE audit_events (
            id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, actor_id TEXT NOT NULL, action TEXT NOT NULL,
            from_state TEXT, to_state TEXT, occurred_at INTEGER NOT NULL);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY, recipient_id TEXT NOT NULL, kind TEXT NOT NULL, item_id TEXT NOT NULL,
            payload TEXT NOT NULL, due_at INTEGER NOT NULL, delivered_at INTEGER);
        CREATE INDEX lean_todo ON item_assignees (member_id, state, deadline_at);
        CREATE INDEX lean_items_department ON items (department_id, deadline_at);
        CREATE INDEX lean_items_deadline ON items (deadline_at);
        CREATE INDEX lean_items_initiator ON items (initiator_id, created_at);
        CREATE INDEX lean_audit_record ON audit_events (item_id, occurred_at);
        CREATE INDEX lean_outbox_due ON outbox (due_at) WHERE delivered_at IS NULL;
        """

    /// Opens a new lean database at `path` with the raw workload's pragmas.
    static func open(_ path: String, synchronous: String, walAutocheckpoint: Int? = nil) throws -> LeanWorkload {
        let db = try RawSQLite(path: path, synchronous: synchronous)
        try db.exec(schema)
        if let pages = walAutocheckpoint { try db.exec("PRAGMA wal_autocheckpoint = \(pages)") }
        try db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        return LeanWorkload(db: db)
    }

    /// The rows of one create, inside the caller's transaction.
    func createRows(_ id: String, assignee: String, department: String, due: Int64, now: Int64) throws {
        try db.run("""
            INSERT INTO items (id, organization_id, title, description, priority, initiator_id, department_id, state,
                deadline_at, version, created_at, updated_at) VALUES (?, 'acme', ?, ?, 'medium', 'm1', ?, 'assigned', ?, 1, ?, ?)
            """, [.text(id), .text("Lean item \(id)"), .text("Benchmark item"), .text(department), .int(due), .int(now), .int(now)])
        try db.run("INSERT INTO item_assignees (item_id, member_id, state, deadline_at) VALUES (?, ?, 'assigned', ?)",
            [.text(id), .text(assignee), .int(due)])
        try event(id, "create", from: nil, to: "assigned", now: now)
        try outbox(id, "assigned", to: assignee, now: now)
    }

    func event(_ id: String, _ action: String, from: String?, to: String, now: Int64) throws {
        try db.run("""
            INSERT INTO audit_events (item_id, actor_id, action, from_state, to_state, occurred_at) VALUES (?, 'm1', ?, ?, ?, ?)
            """, [.text(id), .text(action), from.map { .text($0) } ?? .null, .text(to), .int(now)])
    }

    func outbox(_ id: String, _ kind: String, to recipient: String, now: Int64) throws {
        try db.run("INSERT INTO outbox (recipient_id, kind, item_id, payload, due_at) VALUES (?, ?, ?, ?, ?)",
            [.text(recipient), .text(kind), .text(id), .text("{\"kind\":\"\(kind)\",\"item\":\"\(id)\"}"), .int(now)])
    }

    /// One create, one transaction.
    func create(_ id: String, assignee: String, department: String, due: Int64, now: Int64) throws {
        try db.exec("BEGIN IMMEDIATE")
        try createRows(id, assignee: assignee, department: department, due: due, now: now)
        try db.exec("COMMIT")
    }

    /// Creates in transactions of `batch` (the placements' order).
    func createBatched(_ items: [(id: String, assignee: String, department: String, due: Int64)], batch: Int, now: Int64) throws {
        var start = 0
        while start < items.count {
            try db.exec("BEGIN IMMEDIATE")
            for item in items[start..<min(items.count, start + batch)] {
                try createRows(item.id, assignee: item.assignee, department: item.department, due: item.due, now: now)
            }
            try db.exec("COMMIT")
            start += batch
        }
    }

    /// The steps of Collab's transition workload (after accept): start, progress, submit, approve.
    static let steps: [(action: String, from: String, to: String, version: Int64)] = [
        ("start", "accepted", "in_progress", 3), ("report_progress", "in_progress", "in_progress", 4),
        ("submit_for_review", "in_progress", "in_review", 5), ("approve", "in_review", "completed", 6),
    ]

    /// One transition's rows inside the caller's transaction: the item's state, version and time (and the
    /// assignee rows' state, which the to-do index holds, when it changes), one audit event, one outbox row.
    func transitionRows(_ id: String, assignee: String, action: String, from: String, to: String, version: Int64, now: Int64) throws {
        let changed = try db.run("UPDATE items SET state = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
            [.text(to), .int(version), .int(now), .text(id), .int(version - 1)])
        guard changed == 1 else { throw BenchError("lean update of \(id) changed \(changed) rows") }
        if from != to {
            try db.run("UPDATE item_assignees SET state = ? WHERE item_id = ?", [.text(to), .text(id)])
        }
        try event(id, action, from: from, to: to, now: now)
        try outbox(id, action, to: action == "approve" ? assignee : "m1", now: now)
    }

    /// Start, progress, submit, approve: one transaction each.
    func lifecycle(_ id: String, assignee: String, now: Int64) throws {
        for step in Self.steps {
            try db.exec("BEGIN IMMEDIATE")
            try transitionRows(id, assignee: assignee, action: step.action, from: step.from, to: step.to,
                version: step.version, now: now)
            try db.exec("COMMIT")
        }
    }

    /// Each step for every item, `batch` transitions per transaction.
    func lifecycleBatched(_ items: [(id: String, assignee: String)], batch: Int, now: Int64) throws {
        for step in Self.steps {
            var start = 0
            while start < items.count {
                try db.exec("BEGIN IMMEDIATE")
                for item in items[start..<min(items.count, start + batch)] {
                    try transitionRows(item.id, assignee: item.assignee, action: step.action, from: step.from, to: step.to,
                        version: step.version, now: now)
                }
                try db.exec("COMMIT")
                start += batch
            }
        }
    }

    /// Moves items from assigned to accepted (version 2; the set-up of a lifecycle run), `batch` per transaction.
    func accept(_ ids: [String], batch: Int = 1, now: Int64) throws {
        var start = 0
        while start < ids.count {
            try db.exec("BEGIN IMMEDIATE")
            for id in ids[start..<min(ids.count, start + batch)] {
                try transitionRows(id, assignee: "m1", action: "accept", from: "assigned", to: "accepted", version: 2, now: now)
            }
            try db.exec("COMMIT")
            start += batch
        }
    }
}
