import CollabModel
import CollabPermissions
import Foundation
import GRDB

// The search index: `search_entries` (one row per record: filters, access record), `search_text` (FTS5
// trigram: title, labels, body, internal), `search_grams` (FTS5 unicode61 over CJK grams, for terms of one or
// two CJK characters the trigram index cannot match) and `search_access` (record, key): who may find what.
// A commit does not write them: it records the entries it made stale in `search_backlog`, in its own
// transaction, and the commit that finds `searchIndexBatchSize` entries waiting re-derives them all from the
// stored records (`catchUpSearch`), in one batch that shares the index's pages. Every read of the index
// (`search`, `searchWorkItems`) first brings it up to date if anything is waiting, so no reader ever sees
// the lag.

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

    /// The entries whose index rows are stale (v16): written by the commit that made them so, emptied by
    /// the batch that re-derives them.
    static let searchBacklogSchema = """
        CREATE TABLE search_backlog (entry TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
        """

    /// The indexes a search starting from the reader's records needs (v13).
    static let searchReaderIndexes = """
        CREATE INDEX search_access_by_key ON search_access(key);
        CREATE INDEX search_entries_by_access ON search_entries(access_record, organization_id, outside_visible,
            occurred_at, entry);
        """

    // MARK: The backlog

    /// Records `entries` as stale, in the commit's transaction; when `batchSize` entries or more are waiting,
    /// brings them all up to date in this transaction.
    static func markSearchStale(_ entries: [String], batchSize: Int, _ db: Database) throws {
        guard !entries.isEmpty else { return }
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO search_backlog (entry) VALUES (?)")
        for entry in entries { try insert.execute(arguments: [entry]) }
        let waiting = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM search_backlog")) ?? 0
        if waiting >= max(1, batchSize) { try catchUpSearch(db) }
    }

    /// Whether any entry waits to be brought up to date.
    static func hasSearchBacklog(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM search_backlog)")) ?? false
    }

    /// How many entries a batch of ``catchUpSearch(_:)`` reads and re-derives at once.
    static let catchUpChunk = 512

    /// Re-derives every waiting entry from the stored records and empties the backlog; returns how many
    /// entries it brought up to date.
    @discardableResult
    static func catchUpSearch(_ db: Database) throws -> Int {
        var total = 0
        while true {
            let entries = try String.fetchAll(db.cachedStatement(sql: "SELECT entry FROM search_backlog LIMIT ?"),
                arguments: [catchUpChunk])
            if entries.isEmpty { return total }
            try applySearch(try searchChanges(reindexing: entries, db), db)
            try db.run("DELETE FROM search_backlog WHERE entry IN (SELECT value FROM json_each(?))", [jsonList(entries)])
            total += entries.count
        }
    }

    /// The index rows of `entries`, derived from the records as stored now, as the rebuild derives them; an
    /// entry whose record is gone, or deleted, is removed.
    static func searchChanges(reindexing entries: [String], _ db: Database) throws -> SearchIndexChanges {
        var ids: [String: [String]] = [:]
        for entry in entries {
            guard let colon = entry.firstIndex(of: ":") else { continue }
            ids[String(entry[..<colon]), default: []].append(String(entry[entry.index(after: colon)...]))
        }
        var changes = try storedSearchChanges(ids, db)
        let derived = Set(changes.entries.map(\.entry) + changes.removed + changes.access.map(\.record))
        changes.removed += entries.filter { !derived.contains($0) }
        return changes
    }

    /// The index rows of the stored records whose ids `wanted` lists by kind (`work_item`, `announcement`,
    /// …), or of every stored record when it is `nil` (the rebuild).
    private static func storedSearchChanges(_ wanted: [String: [String]]?, _ db: Database) throws -> SearchIndexChanges {
        /// The statement reading `columns` of `table`'s records of `kind`; `nil` when none is wanted.
        func statement(_ columns: String, _ table: String, _ kind: String) throws -> (Statement, StatementArguments)? {
            guard let wanted else { return (try db.makeStatement(sql: "SELECT \(columns) FROM \(table)"), []) }
            guard let ids = wanted[kind] else { return nil }
            return (try db.cachedStatement(sql: "SELECT \(columns) FROM \(table) WHERE id IN (SELECT value FROM json_each(?))"),
                [jsonList(ids)])
        }
        var changes = SearchIndexChanges()
        if let (items, arguments) = try statement("*", "work_items", "work_item") {
            try db.forEachRow(items, arguments) { row in SearchIndex.add(try workItem(from: row), to: &changes) }
        }
        func bodies<T: Decodable>(_ kind: String, _ table: String, _ type: T.Type, _ what: String) throws -> [T] {
            guard let (records, arguments) = try statement("id, body", table, kind) else { return [] }
            return try Row.fetchAll(records, arguments: arguments).map { try decodeBody(type, $0, what) }
        }
        for announcement in try bodies("announcement", "announcements", Announcement.self, "announcement") {
            let recipients = try String.fetchAll(db.cachedStatement(sql: """
                SELECT member_id FROM announcement_receipts WHERE announcement_id = ?
                """), arguments: [announcement.id.rawValue]).map { Member.ID($0) }
            SearchIndex.add(announcement, recipients: recipients, to: &changes)
        }
        for meeting in try bodies("meeting", "meetings", Meeting.self, "meeting") { SearchIndex.add(meeting, to: &changes) }
        for incident in try bodies("incident", "incidents", Incident.self, "incident") {
            changes.access.append(SearchAccessWrite(record: SearchIndex.entry("incident", incident.id.rawValue),
                keys: AccessControl.searchKeys(for: .incident(incident)), replace: true))
        }
        for ticket in try bodies("ticket", "tickets", Ticket.self, "ticket") { SearchIndex.add(ticket, to: &changes) }
        for order in try bodies("purchase_order", "purchase_orders", PurchaseOrder.self, "purchase order") {
            SearchIndex.add(order, to: &changes)
        }
        for document in try bodies("document", "documents", Document.self, "document") {
            SearchIndex.add(document, to: &changes)
        }
        return changes
    }

    /// Writes index rows: the access keys that changed, the entries removed, and each entry's filter
    /// columns and (if it changed) text.
    static func applySearch(_ changes: SearchIndexChanges, _ db: Database) throws {
        for write in changes.access {
            // Only the keys that changed are written: each key is in two indexes (by record, by key), and a
            // transition usually leaves them all as they were.
            var stored = Set<String>()
            try db.forEachRow(try db.cachedStatement(sql: "SELECT key FROM search_access WHERE record = ?"),
                [write.record]) { row in if let key = row.text(0) { stored.insert(key) } }
            let keys = Set(write.keys)
            if write.replace {
                for key in stored.subtracting(keys).sorted() {
                    try db.run("DELETE FROM search_access WHERE record = ? AND key = ?", [write.record, key])
                }
            }
            for key in keys.subtracting(stored).sorted() {
                try db.run("INSERT INTO search_access (record, key) VALUES (?, ?)", [write.record, key])
            }
        }
        for entry in changes.removed { try removeSearchEntry(entry, db) }
        for entry in changes.entries { try writeSearchEntry(entry, db) }
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
        let columns = ["kind", "record_id", "organization_id", "access_record", "outside_visible", "title", "status",
            "people", "departments", "tags", "occurred_at"]
        let values: [any SQLBindable] = [
            entry.kind.rawValue, entry.recordID, entry.organizationID.rawValue, entry.accessRecord,
            Int64(entry.outsideVisible ? 1 : 0), entry.title, entry.status, SearchIndex.joined(entry.people),
            SearchIndex.joined(entry.departments), SearchIndex.joined(entry.tags), entry.date.storedMilliseconds,
        ]
        var existing: (rowID: Int64, changed: [Int])?
        try db.forEachRow(try db.cachedStatement(sql: "SELECT rowid, " + columns.joined(separator: ", ")
            + " FROM search_entries WHERE entry = ?"), [entry.entry])
        { row in
            // Only the columns that changed are written: each index holding one is rewritten when it is set.
            // (The UPDATE's text depends on which changed: at most 2^11 shapes of a fixed list, a few in use.)
            let changed = values.indices.filter { index in
                let column = index + 1
                switch values[index].boundValue {
                case nil: return !row.isNull(column)
                case let text as String: return row.text(column) != text
                case let number as Int64: return row.int64(column) != number
                case let number as Int: return row.int64(column) != Int64(number)
                default: return true
                }
            }
            existing = (row.int64(0) ?? 0, changed)
        }
        let rowID: Int64
        if let existing {
            rowID = existing.rowID
            if !existing.changed.isEmpty {
                try db.run("UPDATE search_entries SET "
                    + existing.changed.map { "\(columns[$0]) = ?" }.joined(separator: ", ") + " WHERE rowid = ?",
                    existing.changed.map { values[$0] } + [rowID])
            }
            if entry.textUnchanged { return }
            // A text the index holds already (a state change, a new assignee) is not written again: the
            // trigram and gram rows are most of an entry's pages.
            var same = false
            try db.forEachRow(try db.cachedStatement(sql: """
                SELECT title, labels, body, internal FROM search_text WHERE rowid = ?
                """), [rowID]) { row in
                same = row.text(0) == entry.title && row.text(1) == entry.labels && row.text(2) == body
                    && row.text(3) == entry.internalText
            }
            if same { return }
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
        let changes = try storedSearchChanges(nil, db)
        try applySearch(changes, db)
        return changes.entries.count
    }

    public func rebuildSearchIndex() async throws(CollabError) -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM search_backlog")
            return try Self.rebuildSearch(db)
        }
    }

    /// Brings the search index up to date with every committed change now, and returns how many index
    /// entries it re-derived.
    ///
    /// Commits leave their index entries to be re-derived in batches (see
    /// ``Configuration/searchIndexBatchSize``), and every search does this first when an entry waits, so a
    /// search always finds what was committed before it began. A host calls this only to take the batch's
    /// work off a later command or search, for example after an import or from an idle timer.
    @discardableResult
    public func updateSearchIndex() async throws(CollabError) -> Int {
        // Only a backlog takes the write lock: a snapshot or a search while another process writes waits
        // for nothing when the index is up to date.
        guard try await read({ db in try Self.hasSearchBacklog(db) }) else { return 0 }
        return try await write { db in try Self.catchUpSearch(db) }
    }

    /// Runs `body`, a read of the search index, once the index holds every committed change.
    func readSearchIndex<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(CollabError) -> T {
        let current = try await read { db -> T? in try Self.hasSearchBacklog(db) ? nil : body(db) }
        if let current { return current }
        _ = try await write { db in try Self.catchUpSearch(db) }
        return try await read(body)
    }

    // MARK: Query

    public func search(_ query: SearchQuery, for reader: SearchReader, page: PageRequest) async throws(CollabError)
        -> Page<SearchHit>
    {
        let plan = try SearchPlan(query, reader: reader, page: page)
        if reader.keys.isEmpty { return Page(items: [], nextCursor: nil) }
        let forced = configuration.searchStart
        return try await readSearchIndex { db in try Self.search(plan, forcing: forced, db) }
    }

    /// The most records a reader may see for a search to start from them (else it starts from the text).
    static let readerStartLimit = 50_000
    /// How many text matches cost as much as reading one of the reader's records and comparing its text.
    static let matchesPerReaderRecord = 3

    /// Where a search starts.
    package enum SearchStart: Equatable, Sendable {
        /// The reader may see nothing indexed.
        case nothing
        /// From the records the reader may see (`search_access` by key), comparing their text: for readers
        /// who see few records, whatever the text matches.
        case readerRecords
        /// From the text index's matches, checking each one's keys: when the text matches few records, or
        /// the reader sees many.
        case text
    }

    static func search(_ plan: SearchPlan, forcing forced: SearchStart? = nil, _ db: Database) throws -> Page<SearchHit> {
        let keys = jsonList(plan.reader.keys)
        switch try forced ?? start(of: plan, keys: keys, db) {
        case .nothing: return Page(items: [], nextCursor: nil)
        case .readerRecords: return try searchFromReaderRecords(plan, keys: keys, db)
        case .text: return try searchFromText(plan, keys: keys, db)
        }
    }

    /// Chooses the smaller side: the reader's records (counted up to ``readerStartLimit``) or the text's
    /// matches (counted up to what reading the reader's records would cost).
    static func start(of plan: SearchPlan, keys: String, _ db: Database) throws -> SearchStart {
        let visible = try Int.fetchOne(db.cachedStatement(sql: """
            SELECT count(*) FROM (SELECT 1 FROM search_access WHERE key IN (SELECT value FROM json_each(?)) LIMIT ?)
            """), arguments: [keys, readerStartLimit]) ?? 0
        if visible == 0 { return .nothing }
        if visible >= readerStartLimit { return .text }
        let indexed = plan.terms.filter(\.isIndexed)
        if indexed.isEmpty { return .readerRecords }
        // The records' text is compared with SQLite's lower(), which folds ASCII letters only; a term with
        // other letters that have case is left to the index, which folds them all.
        if !indexed.allSatisfy({ foldsLikeLower($0.text) }) { return .text }
        let probe = textMatch(plan)
        let limit = visible * matchesPerReaderRecord
        let matches = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM (SELECT rowid FROM \(probe.table) WHERE \(probe.table) MATCH ? LIMIT ?)
            """, arguments: [probe.match, limit]) ?? 0
        return matches >= limit ? .readerRecords : .text
    }

    /// Whether SQLite's `lower()` (ASCII letters only) lowercases `text` as a full case folding would.
    static func foldsLikeLower(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.isASCII || !$0.properties.changesWhenCaseMapped }
    }

    /// The FTS5 table and MATCH expression of the plan's indexed terms: trigrams when there are any, else grams.
    private static func textMatch(_ plan: SearchPlan) -> (table: String, match: String) {
        let external = plan.reader.isExternal
        let textColumns = external ? "{title labels body}" : "{title labels body internal}"
        let gramColumns = external ? "{grams}" : "{grams internal_grams}"
        func phrase(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let trigrams = plan.terms.compactMap { if case .trigram(let t) = $0 { t } else { nil } }
        let grams = plan.terms.compactMap { if case .gram(let g) = $0 { g } else { nil } }
        if trigrams.isEmpty {
            return ("search_grams", grams.map { "\(gramColumns) : \(phrase($0))" }.joined(separator: " AND "))
        }
        return ("search_text", trigrams.map { "\(textColumns) : \(phrase($0))" }.joined(separator: " AND "))
    }

    /// The text columns a reader's search reads, with their weights in the ranking, named as in
    /// `search_text_content`: FTS5 keeps the text of `search_text`'s columns title, labels, body and internal
    /// in that table's columns c0 to c3, keyed by `id` (the rowid), where a rowid lookup costs a third of one
    /// through the virtual table.
    private static func scoredColumns(_ reader: SearchReader) -> [(name: String, weight: Double)] {
        let columns: [(name: String, weight: Double)] = [("c0", 10), ("c1", 4), ("c2", 1)]
        return reader.isExternal ? columns : columns + [("c3", 2)]
    }

    /// The conditions on `e` (`search_entries`) every start applies: organization, short terms, filters.
    /// `comparingGrams`: terms of one or two CJK characters are compared within the rows too (the trigram
    /// index found them), instead of looked up in `search_grams`, whose matches for a common word would be
    /// collected first.
    private static func filters(_ plan: SearchPlan, comparingGrams: Bool = false) throws
        -> (conditions: [String], arguments: StatementArguments)
    {
        let reader = plan.reader, query = plan.query
        var conditions: [String] = []
        var arguments: StatementArguments = []
        // Terms of one or two characters no index holds: compared within the rows the other terms found.
        let columns = scoredColumns(reader).map(\.name)
        for term in plan.terms {
            let compared: (text: String, folded: Bool)
            switch term {
            case .short(let text): compared = (text.lowercased(), true)
            case .gram(let text) where comparingGrams: compared = (text, false)  // CJK characters have no case
            case .gram, .trigram: continue
            }
            conditions.append("EXISTS (SELECT 1 FROM search_text_content s WHERE s.id = e.rowid AND ("
                + columns.map { compared.folded ? "instr(lower(s.\($0)), ?) > 0" : "instr(s.\($0), ?) > 0" }
                    .joined(separator: " OR ") + "))")
            for _ in columns { arguments += [compared.text] }
        }
        conditions.append("(e.outside_visible = 1 OR e.organization_id = ?)")
        arguments += [reader.organizationID.rawValue]
        if let kinds = query.kinds {
            conditions.append("e.kind IN (SELECT value FROM json_each(?))")
            arguments += [jsonList(kinds.map(\.rawValue).sorted())]
        }
        if !query.statuses.isEmpty {
            conditions.append("e.status IN (SELECT value FROM json_each(?))")
            arguments += [jsonList(query.statuses.sorted())]
        }
        for tag in query.tags.sorted() {
            conditions.append("instr(e.tags, ?) > 0")
            arguments += [SearchIndex.joined([tag])]
        }
        if !query.people.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM json_each(?) j WHERE instr(e.people, j.value) > 0)")
            arguments += [jsonList(query.people.map { SearchIndex.joined([$0.rawValue]) }.sorted())]
        }
        if !query.departments.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM json_each(?) j WHERE instr(e.departments, j.value) > 0)")
            arguments += [jsonList(query.departments.map { SearchIndex.joined([$0.rawValue]) }.sorted())]
        }
        if let from = query.from {
            conditions.append("e.occurred_at >= ?")
            arguments += [from.storedMilliseconds]
        }
        if let before = query.before {
            conditions.append("e.occurred_at < ?")
            arguments += [before.storedMilliseconds]
        }
        return (conditions, arguments)
    }

    /// How many of the newest matches a search starting from the text ranks: as deep as a cursor reaches.
    static let rankedMatches = SearchPaging.maximumOffset + SearchPaging.maximumLimit

    /// Starts from the text index's matches, newest first (index order), checks each one's keys and
    /// filters, and ranks the first ``rankedMatches`` the reader may see: a text matching more of them is
    /// ranked among the newest, which bounds its cost whatever the text matches. (FTS5's own `bm25()` counts
    /// every match of every term on its first call, which at 1,000,000 records costs what this avoids.)
    private static func searchFromText(_ plan: SearchPlan, keys: String, _ db: Database) throws -> Page<SearchHit> {
        let match = textMatch(plan)
        let filters = try filters(plan, comparingGrams: match.table == "search_text")
        let access = """
            EXISTS (SELECT 1 FROM search_access a WHERE a.record = e.access_record
                AND a.key IN (SELECT value FROM json_each(?)))
            """
        if !plan.terms.contains(where: \.isIndexed) {
            // Filters only: newest first, through the date index.
            let rows = try Row.fetchAll(db, sql: """
                SELECT e.kind, e.record_id, e.title, e.occurred_at, e.entry,
                    (SELECT c2 FROM search_text_content WHERE id = e.rowid) AS body
                FROM search_entries e
                WHERE \(([access] + filters.conditions).joined(separator: " AND "))
                ORDER BY e.occurred_at DESC, e.entry LIMIT ? OFFSET ?
                """, arguments: [keys] + filters.arguments + [plan.limit + 1, plan.offset])
            let hits = try rows.prefix(plan.limit).map { row throws(CollabError) in try hit(row, score: 0, plan: plan) }
            let next = rows.count > plan.limit ? SearchTerms.cursor(after: plan.offset + plan.limit) : nil
            return Page(items: hits, nextCursor: next)
        }
        return try ranked(plan, from: """
            \(match.table) x CROSS JOIN search_entries e ON e.rowid = x.rowid
            CROSS JOIN search_text_content t ON t.id = e.rowid
            WHERE \(match.table) MATCH ? AND \(access) AND \(filters.conditions.joined(separator: " AND "))
            ORDER BY x.rowid DESC LIMIT \(rankedMatches)
            """, arguments: [match.match, keys] + filters.arguments, holdingEveryTerm: false, db)
    }

    /// Starts from the records the reader may see (their keys, then their entries), compares their text with
    /// every term and ranks those holding them all.
    private static func searchFromReaderRecords(_ plan: SearchPlan, keys: String, _ db: Database) throws
        -> Page<SearchHit>
    {
        let filters = try filters(plan)
        return try ranked(plan, from: """
            (SELECT DISTINCT record FROM search_access WHERE key IN (SELECT value FROM json_each(?))) v
            CROSS JOIN search_entries e ON e.access_record = v.record
            CROSS JOIN search_text_content t ON t.id = e.rowid
            WHERE \(filters.conditions.joined(separator: " AND "))
            """, arguments: [keys] + filters.arguments, holdingEveryTerm: true, db)
    }

    /// Ranks the candidate rows `from` gives (`e`: `search_entries`, `t`: `search_text_content`) and returns
    /// the plan's page, for both starts.
    ///
    /// The score is BM25 (k1 = 1.2, b = 0.75) over the weighted columns (title 10, labels 4, body 1,
    /// internal 2): a term's frequency is how often it occurs in each column (SQL `instr`/`replace`, ASCII
    /// letters folded), a record's length is its characters, and a term's idf (Lucene's, never negative)
    /// comes from how many candidates hold it. `holdingEveryTerm`: keep only the candidates holding every
    /// indexed term (the text index did not choose them).
    private static func ranked(
        _ plan: SearchPlan, from: String, arguments fromArguments: StatementArguments, holdingEveryTerm: Bool,
        _ db: Database
    ) throws -> Page<SearchHit> {
        let columns = scoredColumns(plan.reader)
        let scored = plan.terms.filter(\.isIndexed)
        var select = "e.rowid, e.occurred_at, e.entry, " + columns.map { "length(t.\($0.name))" }.joined(separator: " + ")
        var arguments: StatementArguments = []
        for term in scored {
            let text = term.text.lowercased()
            let length = text.unicodeScalars.count
            // How often the term occurs in each column, weighted; counted only where LIKE (which folds ASCII
            // letters, as lower() does, without copying the column) finds it. A term without ASCII letters
            // (Chinese) is counted without lower().
            let folds = text.unicodeScalars.contains { $0.isASCII && $0.properties.isAlphabetic }
            select += ", " + columns.map { column in
                let value = folds ? "lower(t.\(column.name))" : "t.\(column.name)"
                return "CASE WHEN t.\(column.name) LIKE ? ESCAPE '\\' THEN \(column.weight) * "
                    + "((length(t.\(column.name)) - length(replace(\(value), ?, ''))) / \(length)) ELSE 0 END"
            }.joined(separator: " + ")
            for _ in columns { arguments += [SearchTerms.likePattern(containing: text), text] }
        }
        arguments += fromArguments
        struct Candidate {
            var rowID: Int64
            var date: Int64
            var entry: String
            var length: Double
            var score = 0.0
        }
        // Read through SQLite's C API: a reader who sees 25,000 records reads 25,000 rows here.
        var candidates: [Candidate] = []
        var frequencies: [Double] = []  // candidates.count × scored.count, row by row
        var totalLength = 0.0
        var holding = [Int](repeating: 0, count: scored.count)
        try db.forEachRow(try db.makeStatement(sql: "SELECT \(select) FROM \(from)"), arguments) { row in
            let candidate = Candidate(rowID: row.int64(0) ?? 0, date: row.int64(1) ?? 0, entry: row.text(2) ?? "",
                length: row.double(3))
            for index in scored.indices {
                let frequency = row.double(4 + index)
                if frequency > 0 { holding[index] += 1 }
                frequencies.append(frequency)
            }
            totalLength += candidate.length
            candidates.append(candidate)
        }
        let count = Double(candidates.count), average = max(totalLength / max(count, 1), 1)
        let idf = holding.map { held in Foundation.log(1 + (count - Double(held) + 0.5) / (Double(held) + 0.5)) }
        var hits: [Candidate] = []
        for (position, var candidate) in candidates.enumerated() {
            let row = frequencies[(position * scored.count)..<((position + 1) * scored.count)]
            if holdingEveryTerm && !row.allSatisfy({ $0 > 0 }) { continue }
            let norm = 1.2 * (0.25 + 0.75 * candidate.length / average)
            candidate.score = zip(row, idf).reduce(0) { sum, pair in sum + pair.1 * (pair.0 * 2.2) / (pair.0 + norm) }
            hits.append(candidate)
        }
        hits.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.date != b.date { return a.date > b.date }
            return a.entry < b.entry
        }
        let pageRows = hits.dropFirst(plan.offset).prefix(plan.limit)
        let details = try Row.fetchAll(db, sql: """
            SELECT e.rowid AS id, e.kind, e.record_id, e.title, e.occurred_at, e.entry, t.c2 AS body
            FROM search_entries e JOIN search_text_content t ON t.id = e.rowid
            WHERE e.rowid IN (SELECT value FROM json_each(?))
            """, arguments: [jsonList(pageRows.map { String($0.rowID) })])
        let byID = Dictionary(details.map { ($0["id"] as Int64, $0) }, uniquingKeysWith: { first, _ in first })
        let items = try pageRows.map { candidate throws(CollabError) in
            guard let row = byID[candidate.rowID] else {
                throw CollabError(.storageCorrupt, "search entry '\(candidate.entry)' vanished within one read")
            }
            return try hit(row, score: candidate.score, plan: plan)
        }
        let next = hits.count > plan.offset + plan.limit ? SearchTerms.cursor(after: plan.offset + plan.limit) : nil
        return Page(items: items, nextCursor: next)
    }

    private static func hit(_ row: Row, score: Double, plan: SearchPlan) throws(CollabError) -> SearchHit {
        let kindText: String = row["kind"]
        guard let kind = SearchKind(rawValue: kindText) else {
            throw CollabError(.storageCorrupt, "search entry '\(row["entry"] as String? ?? "?")' has kind '\(kindText)'")
        }
        let title: String = row["title"]
        return SearchHit(
            kind: kind, record: RecordReference(.init(rawValue: kind.rawValue), row["record_id"]), title: title,
            snippet: SearchTerms.snippet(row["body"] as String? ?? "", title: title, terms: plan.terms),
            score: score, date: Date(storedMilliseconds: row["occurred_at"]))
    }
}
