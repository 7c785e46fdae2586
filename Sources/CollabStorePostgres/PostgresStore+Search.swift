import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Logging
import PostgresNIO

// Search across records, as SQLiteStore keeps it: `search_entries` (one row per record: text, filters, CJK
// grams, the access record) and `search_access` (record, key). Terms of three characters or more are
// case-insensitive substrings (`lower(…) LIKE`, indexed by pg_trgm's GIN when the extension is installed);
// terms of one or two CJK characters are looked up in the GIN-indexed `grams` arrays. Written from
// `SearchIndex.changes(of:)` in the transaction of every commit.

extension PostgresStore {
    /// The search index; the records already stored are indexed when it is created.
    static let schemaVersion5 = Migration(version: 5, name: "search across records", statements: [
        """
        CREATE TABLE search_entries (
            entry TEXT COLLATE "C" PRIMARY KEY,
            kind TEXT COLLATE "C" NOT NULL,
            record_id TEXT COLLATE "C" NOT NULL,
            organization_id TEXT COLLATE "C" NOT NULL,
            access_record TEXT COLLATE "C" NOT NULL,
            outside_visible BOOLEAN NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            public_text TEXT NOT NULL,
            internal_text TEXT NOT NULL,
            status TEXT COLLATE "C",
            people TEXT[] NOT NULL,
            departments TEXT[] NOT NULL,
            tags TEXT[] NOT NULL,
            grams TEXT[] NOT NULL,
            internal_grams TEXT[] NOT NULL,
            occurred_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX search_entries_grams ON search_entries USING gin (grams)",
        "CREATE INDEX search_entries_internal_grams ON search_entries USING gin (internal_grams)",
        "CREATE INDEX search_entries_by_date ON search_entries (occurred_at, entry)",
        """
        CREATE TABLE search_access (
            record TEXT COLLATE "C" NOT NULL,
            key TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (record, key)
        )
        """,
        withTrigramIndexes(notice: "search runs without a trigram index", indexes: [
            "CREATE INDEX search_entries_public_text ON search_entries USING gin (lower(public_text) %I.gin_trgm_ops)",
            "CREATE INDEX search_entries_internal_text ON search_entries USING gin (lower(internal_text) %I.gin_trgm_ops)",
        ]),
    ], after: { connection, logger in _ = try await rebuildSearch(connection, logger) })

    /// Work items' text is found through the search index (`SearchPattern`); their own trigram indexes
    /// indexed it a second time on every write.
    static let schemaVersion6 = Migration(version: 6, name: "one text index", statements: [
        "DROP INDEX IF EXISTS work_items_search_title",
        "DROP INDEX IF EXISTS work_items_search_description",
        "DROP INDEX IF EXISTS work_items_search_tags",
    ])

    /// A reader who may see few records is searched from them: the planner can now start from the reader's
    /// keys, then their entries, instead of from every text match.
    static let schemaVersion7 = Migration(version: 7, name: "search from the reader's records", statements: [
        "CREATE INDEX IF NOT EXISTS search_access_by_key ON search_access (key, record)",
        "CREATE INDEX IF NOT EXISTS search_entries_by_access ON search_entries (access_record)",
    ])

    // MARK: Writing

    /// Writes the index rows of one commit.
    static func applySearch(_ changes: SearchIndexChanges, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        for write in changes.access {
            if write.replace {
                try await connection.execute("DELETE FROM search_access WHERE record = \(write.record)", logger)
            }
            if !write.keys.isEmpty {
                try await connection.execute("""
                    INSERT INTO search_access (record, key) SELECT \(write.record), k FROM unnest(\(write.keys)::text[]) AS k
                    ON CONFLICT DO NOTHING
                    """, logger)
            }
        }
        if !changes.removed.isEmpty {
            try await connection.execute("DELETE FROM search_entries WHERE entry = ANY(\(changes.removed)::text[])", logger)
        }
        let written = Set(changes.entries.map(\.entry))
        for entry in changes.entries {
            if entry.textUnchanged {
                let updated = try await connection.execute("""
                    UPDATE search_entries SET status = \(entry.status), people = \(entry.people)::text[],
                        departments = \(entry.departments)::text[], tags = \(entry.tags)::text[],
                        occurred_at = \(entry.date.millisecondsSince1970)
                    WHERE entry = \(entry.entry)
                    """, logger)
                if updated > 0 { continue }
            }
            var body = entry.body
            if entry.bodyIsDocumentText {
                body = try await connection.rows(
                    "SELECT text FROM document_texts WHERE document_id = \(entry.recordID)", logger
                ).first?.value("text", as: String.self) ?? ""
            }
            try await writeEntry(entry, body: body, connection, logger)
        }
        for (entry, text) in changes.documentTexts where !written.contains(entry) {
            guard let row = try await connection.rows(
                "SELECT public_text, body FROM search_entries WHERE entry = \(entry)", logger).first
            else { continue }
            let publicText = try row.value("public_text", as: String.self)
            let oldBody = try row.value("body", as: String.self)
            let head = String(publicText.dropLast(oldBody.count))
            let grams = SearchTerms.grams(of: head + text)
            try await connection.execute("""
                UPDATE search_entries SET body = \(text), public_text = \(head + text), grams = \(grams)::text[]
                WHERE entry = \(entry)
                """, logger)
        }
    }

    private static func writeEntry(_ entry: SearchIndexEntry, body: String, _ connection: PostgresConnection,
        _ logger: Logger) async throws
    {
        let publicText = entry.title + "\n" + entry.labels + "\n" + body
        let grams = SearchTerms.grams(of: publicText)
        let internalGrams = SearchTerms.grams(of: entry.internalText)
        try await connection.execute("""
            INSERT INTO search_entries (entry, kind, record_id, organization_id, access_record, outside_visible, title,
                body, public_text, internal_text, status, people, departments, tags, grams, internal_grams, occurred_at)
            VALUES (\(entry.entry), \(entry.kind.rawValue), \(entry.recordID), \(entry.organizationID.rawValue),
                \(entry.accessRecord), \(entry.outsideVisible), \(entry.title), \(body), \(publicText),
                \(entry.internalText), \(entry.status), \(entry.people)::text[], \(entry.departments)::text[],
                \(entry.tags)::text[], \(grams)::text[], \(internalGrams)::text[], \(entry.date.millisecondsSince1970))
            ON CONFLICT (entry) DO UPDATE SET kind = excluded.kind, record_id = excluded.record_id,
                organization_id = excluded.organization_id, access_record = excluded.access_record,
                outside_visible = excluded.outside_visible, title = excluded.title, body = excluded.body,
                public_text = excluded.public_text, internal_text = excluded.internal_text, status = excluded.status,
                people = excluded.people, departments = excluded.departments, tags = excluded.tags,
                grams = excluded.grams, internal_grams = excluded.internal_grams, occurred_at = excluded.occurred_at
            """, logger)
    }

    // MARK: Rebuild

    /// Empties the index and indexes every stored record again; returns how many records it indexed.
    static func rebuildSearch(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int {
        try await connection.execute("DELETE FROM search_entries", logger)
        try await connection.execute("DELETE FROM search_access", logger)
        var changes = SearchIndexChanges()
        for row in try await connection.rows("SELECT * FROM work_items", logger) {
            SearchIndex.add(try workItem(from: row), to: &changes)
        }
        func bodies<T: Decodable>(_ table: String, _ type: T.Type, _ what: String) async throws -> [T] {
            try await connection.rows(PostgresQuery(unsafeSQL: "SELECT id, body FROM \(table)"), logger)
                .map { try body(type, $0, what) }
        }
        for announcement in try await bodies("announcements", Announcement.self, "announcement") {
            let recipients = try await connection.rows("""
                SELECT member_id FROM announcement_receipts WHERE announcement_id = \(announcement.id.rawValue)
                """, logger).map { Member.ID(rawValue: try $0.value("member_id", as: String.self)) }
            SearchIndex.add(announcement, recipients: recipients, to: &changes)
        }
        for meeting in try await bodies("meetings", Meeting.self, "meeting") { SearchIndex.add(meeting, to: &changes) }
        for incident in try await bodies("incidents", Incident.self, "incident") {
            changes.access.append(SearchAccessWrite(record: SearchIndex.entry("incident", incident.id.rawValue),
                keys: AccessControl.searchKeys(for: .incident(incident)), replace: true))
        }
        for ticket in try await bodies("tickets", Ticket.self, "ticket") { SearchIndex.add(ticket, to: &changes) }
        for order in try await bodies("purchase_orders", PurchaseOrder.self, "purchase order") {
            SearchIndex.add(order, to: &changes)
        }
        for document in try await bodies("documents", Document.self, "document") {
            SearchIndex.add(document, to: &changes)
        }
        try await applySearch(changes, connection, logger)
        return changes.entries.count
    }
}

extension PostgresStore: SearchStore {
    public func rebuildSearchIndex() async throws(CollabError) -> Int {
        let logger = logger
        return try await write(.serializable) { connection in try await Self.rebuildSearch(connection, logger) }
    }

    /// The most records a reader may see for a search to start from them (else it starts from the text).
    static let readerStartLimit = 50_000
    /// How many text matches cost as much as reading one of the reader's records.
    static let matchesPerReaderRecord = 3

    public func search(_ query: SearchQuery, for reader: SearchReader, page: PageRequest) async throws(CollabError)
        -> Page<SearchHit>
    {
        try await search(query, for: reader, page: page, fromKeys: nil)
    }

    /// ``search(_:for:page:)``, starting from the reader's keys (`true`), from the entries (`false`) or from
    /// the smaller side (`nil`); tests compare both starts.
    package func search(_ query: SearchQuery, for reader: SearchReader, page: PageRequest, fromKeys forced: Bool?)
        async throws(CollabError) -> Page<SearchHit>
    {
        let plan = try SearchPlan(query, reader: reader, page: page)
        if reader.keys.isEmpty { return Page(items: [], nextCursor: nil) }
        let logger = logger
        return try await read { connection in
            // Like SQLiteStore: from the reader's records when they are few and the text matches many more
            // (each entry of theirs through the access-record index), else from the text and the filters
            // (PostgreSQL's planner, pg_trgm), each match checked against the reader's keys.
            var count = QueryText("SELECT count(*)::BIGINT AS n FROM (SELECT 1 FROM search_access WHERE key = ANY(")
            count.bind(reader.keys)
            count.add("::text[]) LIMIT ")
            count.bind(Self.readerStartLimit)
            count.add(") k")
            let visible = try await connection.rows(count.query, logger).first?.value("n", as: Int.self) ?? 0
            if visible == 0 { return Page(items: [], nextCursor: nil) }
            var fromKeys = false
            if let forced {
                fromKeys = forced
            } else if visible < Self.readerStartLimit {
                if plan.terms.contains(where: \.isIndexed) {
                    let limit = visible * Self.matchesPerReaderRecord
                    var probe = QueryText("SELECT count(*)::BIGINT AS n FROM (SELECT 1 FROM search_entries e WHERE TRUE")
                    Self.addSearchConditions(plan, to: &probe)
                    probe.add(" LIMIT ")
                    probe.bind(limit)
                    probe.add(") m")
                    fromKeys = (try await connection.rows(probe.query, logger).first?.value("n", as: Int.self) ?? 0) >= limit
                } else {
                    fromKeys = true
                }
            }
            let rows = try await connection.rows(Self.searchStatement(plan, fromKeys: fromKeys), logger)
            var hits: [SearchHit] = []
            for row in rows.prefix(plan.limit) {
                let kindText = try row.value("kind", as: String.self)
                guard let kind = SearchKind(rawValue: kindText) else {
                    throw CollabError(.storageCorrupt, "search entry has kind '\(kindText)'")
                }
                let title = try row.value("title", as: String.self)
                hits.append(SearchHit(
                    kind: kind, record: RecordReference(.init(rawValue: kind.rawValue), try row.value("record_id")),
                    title: title,
                    snippet: SearchTerms.snippet(try row.value("body", as: String.self), title: title, terms: plan.terms),
                    score: try row.value("score", as: Double.self),
                    date: Date(storedMilliseconds: try row.value("occurred_at", as: Int64.self))))
            }
            let next = rows.count > plan.limit ? SearchTerms.cursor(after: plan.offset + plan.limit) : nil
            return Page(items: hits, nextCursor: next)
        }
    }

    /// The LIKE patterns of the plan's trigram and short terms (grams are matched in the gram arrays).
    static func searchPatterns(_ plan: SearchPlan) -> [String] {
        plan.terms.compactMap { term in
            switch term {
            case .trigram(let value), .short(let value): SearchTerms.likePattern(containing: value)
            case .gram: nil
            }
        }
    }

    /// The search page's statement: from the reader's records (a materialized set of their access records,
    /// each one's entries through `search_entries_by_access`; `OFFSET 0` keeps the planner from flattening
    /// the lateral subquery into a join over every entry) or from the entries (the text and filters, each
    /// match checked against the keys).
    static func searchStatement(_ plan: SearchPlan, fromKeys: Bool) -> PostgresQuery {
        var sql = QueryText()
        if fromKeys {
            sql.add("WITH v AS MATERIALIZED (SELECT DISTINCT record FROM search_access WHERE key = ANY(")
            sql.bind(plan.reader.keys)
            sql.add("::text[])) SELECT e.* FROM v CROSS JOIN LATERAL (")
        }
        // The score: terms found in the title count twice, terms found elsewhere once.
        sql.add("SELECT e.kind, e.record_id, e.title, e.body, e.occurred_at, e.entry, (0.0")
        for pattern in searchPatterns(plan) {
            sql.add(" + CASE WHEN lower(e.title) LIKE lower(")
            sql.bind(pattern)
            sql.add(") THEN 2.0 ELSE 1.0 END")
        }
        sql.add(")::float8 AS score FROM search_entries e WHERE ")
        if fromKeys {
            sql.add("e.access_record = v.record")
        } else {
            sql.add("EXISTS (SELECT 1 FROM search_access a WHERE a.record = e.access_record AND a.key = ANY(")
            sql.bind(plan.reader.keys)
            sql.add("::text[]))")
        }
        addSearchConditions(plan, to: &sql)
        if fromKeys { sql.add(" OFFSET 0) e") }
        sql.add(" ORDER BY score DESC, e.occurred_at DESC, e.entry LIMIT ")
        sql.bind(plan.limit + 1)
        sql.add(" OFFSET ")
        sql.bind(plan.offset)
        return sql.query
    }

    /// ` AND …` for the reader's organization, every term and every filter, on `e` (`search_entries`).
    static func addSearchConditions(_ plan: SearchPlan, to sql: inout QueryText) {
        let reader = plan.reader, query = plan.query
        sql.add(" AND (e.outside_visible OR e.organization_id = ")
        sql.bind(reader.organizationID.rawValue)
        sql.add(")")
        // Trigram terms through the pg_trgm indexes; a term of one or two characters (`.short`) by the same
        // predicate, within the rows the other terms found.
        for pattern in searchPatterns(plan) {
            sql.add(" AND (lower(e.public_text) LIKE lower(")
            sql.bind(pattern)
            sql.add(")")
            if !reader.isExternal {
                sql.add(" OR lower(e.internal_text) LIKE lower(")
                sql.bind(pattern)
                sql.add(")")
            }
            sql.add(")")
        }
        for term in plan.terms {
            guard case .gram(let gram) = term else { continue }
            sql.add(" AND (e.grams @> ")
            sql.bind([gram])
            sql.add("::text[]")
            if !reader.isExternal {
                sql.add(" OR e.internal_grams @> ")
                sql.bind([gram])
                sql.add("::text[]")
            }
            sql.add(")")
        }
        if let kinds = query.kinds {
            sql.add(" AND e.kind = ANY(")
            sql.bind(kinds.map(\.rawValue).sorted())
            sql.add("::text[])")
        }
        if !query.statuses.isEmpty {
            sql.add(" AND e.status = ANY(")
            sql.bind(query.statuses.sorted())
            sql.add("::text[])")
        }
        if !query.tags.isEmpty {
            sql.add(" AND e.tags @> ")
            sql.bind(query.tags.sorted())
            sql.add("::text[]")
        }
        if !query.people.isEmpty {
            sql.add(" AND e.people && ")
            sql.bind(query.people.map(\.rawValue).sorted())
            sql.add("::text[]")
        }
        if !query.departments.isEmpty {
            sql.add(" AND e.departments && ")
            sql.bind(query.departments.map(\.rawValue).sorted())
            sql.add("::text[]")
        }
        if let from = query.from {
            sql.add(" AND e.occurred_at >= ")
            sql.bind(from.millisecondsSince1970)
        }
        if let before = query.before {
            sql.add(" AND e.occurred_at < ")
            sql.bind(before.millisecondsSince1970)
        }
    }
}
