import CollabModel
import CollabPermissions
import Foundation
import GRDB

// The search index: `search_entries` (one row per record: filters, access record), `search_text` (FTS5
// trigram: title, labels, body, internal), `search_grams` (FTS5 unicode61 over CJK grams, for terms of one or
// two CJK characters the trigram index cannot match) and `search_access` (record, key): who may find what.
// Written by `applySearch` in the transaction of every commit, from `SearchIndex.changes(of:)`.

extension SQLiteStore {
    static let searchSchema = """
        CREATE TABLE search_entries (
            rowid INTEGER PRIMARY KEY,
            entry TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            record_id TEXT NOT NULL,
            organization_id TEXT NOT NULL,
            access_record TEXT NOT NULL,
            outside_visible INTEGER NOT NULL,
            title TEXT NOT NULL,
            status TEXT,
            people TEXT NOT NULL,
            departments TEXT NOT NULL,
            tags TEXT NOT NULL,
            occurred_at INTEGER NOT NULL
        );
        CREATE INDEX search_entries_by_date ON search_entries(occurred_at, entry);
        CREATE VIRTUAL TABLE search_text USING fts5(title, labels, body, internal, tokenize = 'trigram');
        CREATE VIRTUAL TABLE search_grams USING fts5(grams, internal_grams, tokenize = 'unicode61');
        CREATE TABLE search_access (
            record TEXT NOT NULL,
            key TEXT NOT NULL,
            PRIMARY KEY (record, key)
        ) WITHOUT ROWID;
        """

    /// Writes the index rows of one commit.
    static func applySearch(_ changes: SearchIndexChanges, _ db: Database) throws {
        for write in changes.access {
            if write.replace { try db.run("DELETE FROM search_access WHERE record = ?", [write.record]) }
            for key in write.keys {
                try db.run("INSERT OR IGNORE INTO search_access (record, key) VALUES (?, ?)", [write.record, key])
            }
        }
        for entry in changes.removed { try removeSearchEntry(entry, db) }
        let written = Set(changes.entries.map(\.entry))
        for entry in changes.entries { try writeSearchEntry(entry, db) }
        for (entry, text) in changes.documentTexts where !written.contains(entry) {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT t.rowid AS id, t.title, t.labels, t.internal FROM search_entries e
                JOIN search_text t ON t.rowid = e.rowid WHERE e.entry = ?
                """), arguments: [entry])
            else { continue }
            let rowID: Int64 = row["id"], title: String = row["title"], labels: String = row["labels"]
            let internalText: String = row["internal"]
            try db.run("DELETE FROM search_text WHERE rowid = ?", [rowID])
            try db.run("DELETE FROM search_grams WHERE rowid = ?", [rowID])
            try insertSearchText(rowID: rowID, title: title, labels: labels, body: text, internalText: internalText, db)
        }
    }

    private static func removeSearchEntry(_ entry: String, _ db: Database) throws {
        guard let rowID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM search_entries WHERE entry = ?"),
            arguments: [entry])
        else { return }
        try db.run("DELETE FROM search_text WHERE rowid = ?", [rowID])
        try db.run("DELETE FROM search_grams WHERE rowid = ?", [rowID])
        try db.run("DELETE FROM search_entries WHERE rowid = ?", [rowID])
    }

    private static func writeSearchEntry(_ entry: SearchIndexEntry, _ db: Database) throws {
        var body = entry.body
        if entry.bodyIsDocumentText {
            body = try String.fetchOne(db.cachedStatement(sql: "SELECT text FROM document_texts WHERE document_id = ?"),
                arguments: [entry.recordID]) ?? ""
        }
        let values: [any SQLBindable] = [
            entry.kind.rawValue, entry.recordID, entry.organizationID.rawValue, entry.accessRecord,
            entry.outsideVisible ? 1 : 0, entry.title, entry.status, SearchIndex.joined(entry.people),
            SearchIndex.joined(entry.departments), SearchIndex.joined(entry.tags), entry.date.storedMilliseconds,
        ]
        let rowID: Int64
        if let existing = try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM search_entries WHERE entry = ?"),
            arguments: [entry.entry])
        {
            rowID = existing
            try db.run("""
                UPDATE search_entries SET kind = ?, record_id = ?, organization_id = ?, access_record = ?,
                    outside_visible = ?, title = ?, status = ?, people = ?, departments = ?, tags = ?, occurred_at = ?
                WHERE rowid = ?
                """, values + [rowID])
            if entry.textUnchanged { return }
            try db.run("DELETE FROM search_text WHERE rowid = ?", [rowID])
            try db.run("DELETE FROM search_grams WHERE rowid = ?", [rowID])
        } else {
            try db.run("""
                INSERT INTO search_entries (entry, kind, record_id, organization_id, access_record, outside_visible,
                    title, status, people, departments, tags, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [entry.entry] + values)
            rowID = db.lastInsertedRowID
        }
        try insertSearchText(rowID: rowID, title: entry.title, labels: entry.labels, body: body,
            internalText: entry.internalText, db)
    }

    private static func insertSearchText(
        rowID: Int64, title: String, labels: String, body: String, internalText: String, _ db: Database
    ) throws {
        try db.run("INSERT INTO search_text (rowid, title, labels, body, internal) VALUES (?, ?, ?, ?, ?)",
            [rowID, title, labels, body, internalText])
        let grams = SearchTerms.grams(of: title + "\n" + labels + "\n" + body).joined(separator: " ")
        let internalGrams = SearchTerms.grams(of: internalText).joined(separator: " ")
        if !grams.isEmpty || !internalGrams.isEmpty {
            try db.run("INSERT INTO search_grams (rowid, grams, internal_grams) VALUES (?, ?, ?)",
                [rowID, grams, internalGrams])
        }
    }

    // MARK: Rebuild

    /// Empties the index and indexes every stored record again; returns how many records it indexed.
    static func rebuildSearch(_ db: Database) throws -> Int {
        try db.execute(sql: """
            DELETE FROM search_text; DELETE FROM search_grams; DELETE FROM search_entries; DELETE FROM search_access;
            """)
        var changes = SearchIndexChanges()
        let statement = try db.makeStatement(sql: "SELECT * FROM work_items")
        var items: [WorkItem] = []
        try db.forEachRow(statement, []) { row in items.append(try workItem(from: row)) }
        for item in items { SearchIndex.add(item, to: &changes) }
        func bodies<T: Decodable>(_ table: String, _ type: T.Type, _ what: String) throws -> [T] {
            try Row.fetchAll(db, sql: "SELECT id, body FROM \(table)").map { try decodeBody(type, $0, what) }
        }
        for announcement in try bodies("announcements", Announcement.self, "announcement") {
            let recipients = try String.fetchAll(db, sql: "SELECT member_id FROM announcement_receipts WHERE announcement_id = ?",
                arguments: [announcement.id.rawValue]).map { Member.ID($0) }
            SearchIndex.add(announcement, recipients: recipients, to: &changes)
        }
        for meeting in try bodies("meetings", Meeting.self, "meeting") { SearchIndex.add(meeting, to: &changes) }
        for incident in try bodies("incidents", Incident.self, "incident") {
            changes.access.append(SearchAccessWrite(record: SearchIndex.entry("incident", incident.id.rawValue),
                keys: AccessControl.searchKeys(for: .incident(incident)), replace: true))
        }
        for ticket in try bodies("tickets", Ticket.self, "ticket") { SearchIndex.add(ticket, to: &changes) }
        for order in try bodies("purchase_orders", PurchaseOrder.self, "purchase order") { SearchIndex.add(order, to: &changes) }
        for document in try bodies("documents", Document.self, "document") { SearchIndex.add(document, to: &changes) }
        try applySearch(changes, db)
        return changes.entries.count
    }

    public func rebuildSearchIndex() async throws(CollabError) -> Int {
        try await write { db in try Self.rebuildSearch(db) }
    }

    // MARK: Query

    public func search(_ query: SearchQuery, for reader: SearchReader, page: PageRequest) async throws(CollabError)
        -> Page<SearchHit>
    {
        let plan = try SearchPlan(query, reader: reader, page: page)
        if reader.keys.isEmpty { return Page(items: [], nextCursor: nil) }
        return try await read { db in try Self.search(plan, db) }
    }

    static func search(_ plan: SearchPlan, _ db: Database) throws -> Page<SearchHit> {
        let reader = plan.reader, query = plan.query
        var conditions: [String] = []
        var arguments: StatementArguments = []
        let textColumns = reader.isExternal ? "{title labels body}" : "{title labels body internal}"
        let gramColumns = reader.isExternal ? "{grams}" : "{grams internal_grams}"
        func phrase(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let trigrams = plan.terms.compactMap { if case .trigram(let t) = $0 { t } else { nil } }
        let grams = plan.terms.compactMap { if case .gram(let g) = $0 { g } else { nil } }
        let trigramMatch = trigrams.map { "\(textColumns) : \(phrase($0))" }.joined(separator: " AND ")
        let gramMatch = grams.map { "\(gramColumns) : \(phrase($0))" }.joined(separator: " AND ")
        let from: String, score: String, body: String
        if !trigrams.isEmpty {
            from = "search_text t JOIN search_entries e ON e.rowid = t.rowid"
            conditions.append("search_text MATCH ?")
            arguments += [trigramMatch]
            if !grams.isEmpty {
                conditions.append("e.rowid IN (SELECT rowid FROM search_grams WHERE search_grams MATCH ?)")
                arguments += [gramMatch]
            }
            score = "-bm25(search_text, 10.0, 4.0, 1.0, 2.0)"
            body = "t.body"
        } else if !grams.isEmpty {
            from = "search_grams g JOIN search_entries e ON e.rowid = g.rowid"
            conditions.append("search_grams MATCH ?")
            arguments += [gramMatch]
            score = "-bm25(search_grams)"
            body = "(SELECT body FROM search_text WHERE rowid = e.rowid)"
        } else {
            from = "search_entries e"
            score = "0.0"
            body = "(SELECT body FROM search_text WHERE rowid = e.rowid)"
        }
        // Terms of one or two characters no index holds: compared within the rows the other terms found.
        for term in plan.terms {
            guard case .short(let text) = term else { continue }
            let columns = reader.isExternal ? ["title", "labels", "body"] : ["title", "labels", "body", "internal"]
            conditions.append("EXISTS (SELECT 1 FROM search_text s WHERE s.rowid = e.rowid AND ("
                + columns.map { "instr(lower(s.\($0)), ?) > 0" }.joined(separator: " OR ") + "))")
            for _ in columns { arguments += [text.lowercased()] }
        }
        conditions.append("""
            EXISTS (SELECT 1 FROM search_access a WHERE a.record = e.access_record
                AND a.key IN (SELECT value FROM json_each(?)))
            """)
        arguments += [try jsonList(reader.keys)]
        conditions.append("(e.outside_visible = 1 OR e.organization_id = ?)")
        arguments += [reader.organizationID.rawValue]
        if let kinds = query.kinds {
            conditions.append("e.kind IN (SELECT value FROM json_each(?))")
            arguments += [try jsonList(kinds.map(\.rawValue).sorted())]
        }
        if !query.statuses.isEmpty {
            conditions.append("e.status IN (SELECT value FROM json_each(?))")
            arguments += [try jsonList(query.statuses.sorted())]
        }
        for tag in query.tags.sorted() {
            conditions.append("instr(e.tags, ?) > 0")
            arguments += [SearchIndex.joined([tag])]
        }
        if !query.people.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM json_each(?) j WHERE instr(e.people, j.value) > 0)")
            arguments += [try jsonList(query.people.map { SearchIndex.joined([$0.rawValue]) }.sorted())]
        }
        if !query.departments.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM json_each(?) j WHERE instr(e.departments, j.value) > 0)")
            arguments += [try jsonList(query.departments.map { SearchIndex.joined([$0.rawValue]) }.sorted())]
        }
        if let from = query.from {
            conditions.append("e.occurred_at >= ?")
            arguments += [from.storedMilliseconds]
        }
        if let before = query.before {
            conditions.append("e.occurred_at < ?")
            arguments += [before.storedMilliseconds]
        }
        let sql = """
            SELECT e.kind, e.record_id, e.title, e.occurred_at, e.entry, \(score) AS score, \(body) AS body
            FROM \(from)
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY score DESC, e.occurred_at DESC, e.entry
            LIMIT ? OFFSET ?
            """
        arguments += [plan.limit + 1, plan.offset]
        let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
        var hits: [SearchHit] = []
        for row in rows.prefix(plan.limit) {
            let kindText: String = row["kind"]
            guard let kind = SearchKind(rawValue: kindText) else {
                throw CollabError(.storageCorrupt, "search entry '\(row["entry"] as String? ?? "?")' has kind '\(kindText)'")
            }
            let title: String = row["title"]
            hits.append(SearchHit(
                kind: kind, record: RecordReference(.init(rawValue: kind.rawValue), row["record_id"]), title: title,
                snippet: SearchTerms.snippet(row["body"] as String? ?? "", title: title, terms: plan.terms),
                score: row["score"] as Double? ?? 0, date: Date(storedMilliseconds: row["occurred_at"])))
        }
        let next = rows.count > plan.limit ? SearchTerms.cursor(after: plan.offset + plan.limit) : nil
        return Page(items: hits, nextCursor: next)
    }

    private static func jsonList(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }
}
