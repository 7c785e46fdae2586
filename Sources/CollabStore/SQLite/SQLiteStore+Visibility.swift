import CollabModel
import CollabPermissions
import Foundation
import GRDB

/// Faults a test can switch on to prove the isolation tests catch a missing organization condition.
struct IsolationFaults: OptionSet, Sendable {
    let rawValue: Int
    /// Lists and counts forget which organization the scope belongs to.
    static let listIgnoresOrganization = IsolationFaults(rawValue: 1)
    /// Search forgets which organization the scope belongs to.
    static let searchIgnoresOrganization = IsolationFaults(rawValue: 2)
    /// Report aggregates forget which organization the scope belongs to.
    static let reportIgnoresOrganization = IsolationFaults(rawValue: 4)
}

/// A SQL condition and its arguments.
struct SQLCondition {
    var sql: String
    var arguments: StatementArguments

    static let always = SQLCondition(sql: "1", arguments: [])
    static let never = SQLCondition(sql: "0", arguments: [])

    /// Whether the condition holds for every row (no filter was given).
    var isAlways: Bool { sql == Self.always.sql }

    static func && (lhs: SQLCondition, rhs: SQLCondition) -> SQLCondition {
        SQLCondition(sql: "(\(lhs.sql)) AND (\(rhs.sql))", arguments: lhs.arguments + rhs.arguments)
    }
}

extension SQLiteStore {
    /// Beyond this many grants a scope is filtered per row instead of merged range by range.
    static let maximumMergedGrants = 200

    /// "(kind = ? AND key = ?) OR ..." over `work_item_access` rows, one term per grant of `scope`.
    static func grantCondition(_ scope: VisibilityScope, column prefix: String, ignoreOrganization: Bool) -> SQLCondition {
        var parts: [String] = []
        var arguments: StatementArguments = []
        for grant in scope.grants.sorted(by: { ($0.kind.rawValue, $0.key) < ($1.kind.rawValue, $1.key) }) {
            if ignoreOrganization && grant.kind == .sharedOrganization {
                parts.append("(\(prefix)kind = ?)")
                arguments += [grant.kind.rawValue]
            } else {
                parts.append("(\(prefix)kind = ? AND \(prefix)key = ?)")
                arguments += [grant.kind.rawValue, grant.key]
            }
        }
        return SQLCondition(sql: parts.joined(separator: " OR "), arguments: arguments)
    }

    /// The condition "work item `w` is visible in `scope`".
    static func visibleCondition(_ scope: VisibilityScope, ignoreOrganization: Bool = false) -> SQLCondition {
        if let organization = scope.wholeOrganization {
            return ignoreOrganization ? .always : SQLCondition(sql: "w.organization_id = ?", arguments: [organization.rawValue])
        }
        if scope.grants.isEmpty { return .never }
        let grants = grantCondition(scope, column: "a.", ignoreOrganization: ignoreOrganization)
        return SQLCondition(
            sql: "EXISTS (SELECT 1 FROM work_item_access a WHERE a.item_id = w.id AND (\(grants.sql)))",
            arguments: grants.arguments)
    }

    /// The condition "work item `w` matches `filter`" (and, if given, contains `text`).
    static func filterCondition(_ filter: WorkItemFilter, text: SearchText? = nil) -> SQLCondition {
        var condition = SQLCondition.always
        if let states = filter.states {
            let values = states.map(\.rawValue).sorted()
            condition = condition && SQLCondition(
                sql: values.isEmpty ? "0" : "w.state IN (\(marks(values.count)))", arguments: StatementArguments(values))
        }
        if let priorities = filter.priorities {
            let values = priorities.map(\.rawValue).sorted()
            condition = condition && SQLCondition(
                sql: values.isEmpty ? "0" : "w.priority IN (\(marks(values.count)))",
                arguments: StatementArguments(values))
        }
        if let assignee = filter.assigneeID {
            condition = condition && SQLCondition(
                sql: "EXISTS (SELECT 1 FROM work_item_access f WHERE f.item_id = w.id AND f.kind = 'assignee' AND f.key = ?)",
                arguments: [assignee.rawValue])
        }
        if let department = filter.departmentID {
            condition = condition && SQLCondition(
                sql: "EXISTS (SELECT 1 FROM work_item_access f WHERE f.item_id = w.id AND f.kind = 'department' AND f.key = ?)",
                arguments: [department.rawValue])
        }
        if let tag = filter.tag {
            condition = condition && SQLCondition(
                sql: "instr(char(31) || w.tags || char(31), char(31) || ? || char(31)) > 0", arguments: [tag])
        }
        if let from = filter.dueFrom {
            condition = condition && SQLCondition(sql: "w.due_at >= ?", arguments: [from.storedMilliseconds])
        }
        if let before = filter.dueBefore {
            condition = condition && SQLCondition(sql: "w.due_at < ?", arguments: [before.storedMilliseconds])
        }
        if let text {
            condition = condition && text.condition
        }
        return condition
    }

    /// Reads a keyset cursor "(due, id)" written by a deadline-ordered page; `nil` means the first page.
    static func deadlineCursor(_ cursor: String?, of list: String) throws(CollabError) -> (Int64, String) {
        guard let cursor else { return (Int64.min, "") }
        let parts = cursor.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let due = Int64(parts[0]) else {
            throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                message: "'\(cursor.clipped())' is not a \(list) cursor")])
        }
        return (due, parts[1])
    }

    /// `?,?,…`: only for a count the code fixes (a table's columns, an enumeration's cases), never one
    /// that input sets; lists from input are bound with ``inJSONList``.
    static func marks(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ",") }

    /// Reads one page of items visible in `scope` that satisfy `filter`, in (due_at, id) order.
    ///
    /// Each grant's rows are a range of `work_item_access` already in deadline order, so the page is the
    /// union of each range's first `limit` matching rows: a bounded amount of work however many items
    /// the scope holds.
    static func page(
        in scope: VisibilityScope, filter: SQLCondition, page: PageRequest, ignoreOrganization: Bool, _ db: Database
    ) throws -> Page<WorkItem> {
        try pageAndRowids(in: scope, filter: filter, page: page, ignoreOrganization: ignoreOrganization, db).page
    }

    /// ``page(in:filter:page:ignoreOrganization:_:)``, and whether the access rows' item rowids held (when
    /// they did not, the page was read again through the items' ids).
    static func pageAndRowids(
        in scope: VisibilityScope, filter: SQLCondition, page: PageRequest, ignoreOrganization: Bool, _ db: Database
    ) throws -> (page: Page<WorkItem>, rowidsHeld: Bool) {
        var rowidsHeld = true
        let (afterDue, afterID) = try deadlineCursor(page.cursor, of: "list")
        let fetch = page.limit + 1
        var items: [WorkItem] = []
        // Rows are decoded straight from the cursor: no copy of each row first.
        func decode(_ statement: Statement, _ arguments: StatementArguments) throws {
            try db.forEachRow(statement, arguments) { row in items.append(try workItem(from: row)) }
        }
        if scope.wholeOrganization != nil || scope.grants.count > maximumMergedGrants {
            let visible = visibleCondition(scope, ignoreOrganization: ignoreOrganization)
            let condition = visible && filter
            try decode(db.statement(sql: """
                SELECT w.* FROM work_items w
                WHERE (w.due_at, w.id) > (?, ?) AND \(condition.sql)
                ORDER BY w.due_at, w.id LIMIT ?
                """, terms: scope.grants.count), [afterDue, afterID] + condition.arguments + [fetch])
        } else if !scope.grants.isEmpty {
            var parts: [String] = []
            var arguments: StatementArguments = []
            // Without a filter each range is read from the covering index alone; the items' rows are read
            // only for the page that survives the merge.
            let filtered = !filter.isAlways
            for grant in scope.grants.sorted(by: { ($0.kind.rawValue, $0.key) < ($1.kind.rawValue, $1.key) }) {
                let ignoreKey = ignoreOrganization && grant.kind == .sharedOrganization
                parts.append("""
                    SELECT * FROM (SELECT a.item_id AS id, a.due_at AS due, a.item_rowid AS rid FROM work_item_access a
                    \(filtered ? "JOIN work_items w ON w.id = a.item_id" : "")
                    WHERE a.kind = ? \(ignoreKey ? "" : "AND a.key = ?") AND (a.due_at, a.item_id) > (?, ?)
                        AND \(filter.sql)
                    ORDER BY a.due_at, a.item_id LIMIT ?)
                    """)
                arguments += [grant.kind.rawValue]
                if !ignoreKey { arguments += [grant.key] }
                arguments += [afterDue, afterID]
                arguments += filter.arguments
                arguments += [fetch]
            }
            // The page's rows are read by the rowid the access rows carry, each checked against the id the
            // access row names; if any differs (VACUUM may renumber rowids), the page is read by id.
            for byRowid in filtered ? [false] : [true, false] {
                items.removeAll()
                var mismatch = false
                try db.forEachRow(db.statement(sql: """
                    SELECT w.*, u.id FROM (SELECT id, due, rid FROM (\(parts.joined(separator: " UNION ")))
                        ORDER BY due, id LIMIT ?) u
                    LEFT JOIN work_items w ON \(byRowid ? "w.rowid = u.rid" : "w.id = u.id")
                    """, terms: scope.grants.count), arguments + [fetch]) { row in
                    guard !mismatch else { return }
                    guard let id = row.text(0), id == row.text(columnAfterItem) else {
                        // By id, a missing item is left out, as an inner join leaves it.
                        if byRowid { mismatch = true }
                        return
                    }
                    items.append(try workItem(from: row))
                }
                // Sorted here rather than by SQLite, which would copy every row of the page into a sorter.
                items.sort(by: deadlineOrder)
                if !mismatch { break }
                rowidsHeld = false
            }
        }
        let more = items.count > page.limit
        if more { items.removeLast(items.count - page.limit) }
        let next = more ? items.last.map { "\($0.dueAt.storedMilliseconds)|\($0.id)" } : nil
        return (Page(items: items, nextCursor: next), rowidsHeld)
    }

    /// The order of deadline-ordered pages: due instant, then id as SQLite compares text (bytes of UTF-8).
    static func deadlineOrder(_ a: WorkItem, _ b: WorkItem) -> Bool {
        let (dueA, dueB) = (a.dueAt.storedMilliseconds, b.dueAt.storedMilliseconds)
        if dueA != dueB { return dueA < dueB }
        return a.id.rawValue.utf8.lexicographicallyPrecedes(b.id.rawValue.utf8)
    }

    /// Warns that the rowids kept in `work_item_access` and `work_item_todo` no longer name the items' rows
    /// (a read found one that differs and read by id instead): correct, but slower.
    func rowidMismatch() {
        logger.warning("item rowids in work_item_access or work_item_todo do not match work_items (was the file vacuumed?); reading by id")
    }

    public func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page request: PageRequest)
        async throws(CollabError) -> Page<WorkItem>
    {
        let ignore = configuration.isolationFaults.contains(.listIgnoresOrganization)
        let (page, rowidsHeld) = try await read { db in
            try Self.pageAndRowids(
                in: scope, filter: Self.filterCondition(filter), page: request, ignoreOrganization: ignore, db)
        }
        if !rowidsHeld { rowidMismatch() }
        return page
    }

    public func countWorkItems(in scope: VisibilityScope, matching filter: WorkItemFilter) async throws(CollabError)
        -> Int
    {
        let ignore = configuration.isolationFaults.contains(.listIgnoresOrganization)
        return try await read { db in
            let (from, condition) = Self.scopedSource(scope, filter: Self.filterCondition(filter), ignoreOrganization: ignore)
            return try Int.fetchOne(
                db.statement(sql: "SELECT count(*) FROM \(from) WHERE \(condition.sql)", terms: scope.grants.count),
                arguments: condition.arguments) ?? 0
        }
    }

    /// The rows of `work_items w` visible in `scope`, as a FROM clause and a WHERE condition that read
    /// only the scope's rows (an index range for a whole organization, the grants' ranges otherwise).
    static func scopedSource(_ scope: VisibilityScope, filter: SQLCondition, ignoreOrganization: Bool)
        -> (String, SQLCondition)
    {
        if scope.wholeOrganization != nil || scope.grants.isEmpty {
            return ("work_items w", visibleCondition(scope, ignoreOrganization: ignoreOrganization) && filter)
        }
        let grants = grantCondition(scope, column: "", ignoreOrganization: ignoreOrganization)
        let visible = SQLCondition(
            sql: "w.id IN (SELECT item_id FROM work_item_access WHERE \(grants.sql))", arguments: grants.arguments)
        return ("work_items w", visible && filter)
    }

    public func searchWorkItems(_ text: String, in scope: VisibilityScope, page request: PageRequest)
        async throws(CollabError) -> Page<WorkItem>
    {
        let ignore = configuration.isolationFaults.contains(.searchIgnoresOrganization)
        let search = SearchText(text, includeTags: !scope.isExternal)
        return try await readSearchIndex { db in
            try Self.page(
                in: scope, filter: Self.filterCondition(.all, text: search), page: request, ignoreOrganization: ignore, db)
        }
    }

    public func workItemCounts(in scope: VisibilityScope, matching filter: WorkItemFilter, now: Date)
        async throws(CollabError) -> WorkItemCounts
    {
        let ignore = configuration.isolationFaults.contains(.reportIgnoresOrganization)
        let nowMS = now.storedMilliseconds
        return try await read { db in
            let counted = Self.filterCondition(filter) && SQLCondition(sql: "w.state NOT IN ('draft', 'cancelled')", arguments: [])
            let (from, condition) = Self.scopedSource(scope, filter: counted, ignoreOrganization: ignore)
            let row = try Row.fetchOne(db.statement(sql: """
                SELECT count(*) AS total,
                    coalesce(sum(w.state <> 'completed'), 0) AS open,
                    coalesce(sum(w.state = 'completed'), 0) AS completed,
                    coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions = 0), 0) AS on_time,
                    coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions > 0), 0) AS extended,
                    coalesce(sum(w.state = 'completed' AND w.closed_at >= w.due_at), 0) AS late,
                    coalesce(sum(w.state <> 'completed' AND w.due_at <= ?), 0) AS overdue_open
                FROM \(from) WHERE \(condition.sql)
                """, terms: scope.grants.count), arguments: [nowMS] + condition.arguments)
            guard let row else {
                return WorkItemCounts(total: 0, open: 0, completed: 0, completedOnTime: 0, completedLate: 0, overdueOpen: 0)
            }
            return WorkItemCounts(
                total: row["total"], open: row["open"], completed: row["completed"], completedOnTime: row["on_time"],
                completedOnTimeAfterExtension: row["extended"], completedLate: row["late"], overdueOpen: row["overdue_open"])
        }
    }
}

/// Text to find in titles, descriptions and (for internal readers) tags.
struct SearchText {
    let condition: SQLCondition

    init(_ text: String, includeTags: Bool) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count >= 3 {
            // The search index's trigrams find substrings of three characters or more (a work item's title,
            // its description as the body, its tags as internal text); the text is one quoted phrase, so no
            // FTS5 syntax in it is ever interpreted.
            let phrase = "\"" + trimmed.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let columns = includeTags ? "{title body internal}" : "{title body}"
            condition = SQLCondition(
                sql: """
                    w.id IN (SELECT e.record_id FROM search_text t JOIN search_entries e ON e.rowid = t.rowid
                        WHERE search_text MATCH ? AND e.kind = 'work_item')
                    """,
                arguments: ["\(columns) : \(phrase)"])
        } else if trimmed.isEmpty {
            condition = .never
        } else {
            // Too short for the trigram index: compare within the scope's rows.
            condition = SQLCondition(
                sql: "instr(lower(w.title), lower(?)) > 0 OR instr(lower(w.description), lower(?)) > 0"
                    + (includeTags ? " OR instr(lower(w.tags), lower(?)) > 0" : ""),
                arguments: includeTags ? [trimmed, trimmed, trimmed] : [trimmed, trimmed])
        }
    }
}
