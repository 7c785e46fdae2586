import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import PostgresNIO

// Lists, counts and search of work items, filtered by visibility IN SQL: a scope sees an item only through
// the whole organization it administers, or through one of its grants matching a row of
// `work_item_access` (initiator, assignee, reviewer, watcher, department, outside organization shared
// with). An outsider's scope holds only `shared_organization` grants: it sees only what is shared with it.
// The same conditions as SQLiteStore+Visibility.swift, so both stores return the same items in the same order.

extension PostgresStore {
    /// A scope's grants as two parallel arrays (kinds, keys), in a fixed order.
    static func grantArrays(_ scope: VisibilityScope) -> (kinds: [String], keys: [String]) {
        let sorted = scope.grants.sorted { ($0.kind.rawValue, $0.key) < ($1.kind.rawValue, $1.key) }
        return (sorted.map(\.kind.rawValue), sorted.map(\.key))
    }

    /// Appends the condition "work item `w` is visible in `scope`".
    static func addVisible(_ scope: VisibilityScope, to query: inout QueryText) {
        if let organization = scope.wholeOrganization {
            query.add("w.organization_id = ")
            query.bind(organization.rawValue)
            return
        }
        if scope.grants.isEmpty {
            query.add("FALSE")
            return
        }
        let (kinds, keys) = grantArrays(scope)
        query.add("EXISTS (SELECT 1 FROM work_item_access a JOIN unnest(")
        query.bind(kinds)
        query.add("::text[], ")
        query.bind(keys)
        query.add("::text[]) AS g(kind, key) ON a.kind = g.kind AND a.key = g.key WHERE a.item_id = w.id)")
    }

    /// Appends the condition "work item `w` matches `filter`" (and contains `search`, if given); `TRUE` when
    /// nothing narrows.
    static func addFilter(_ filter: WorkItemFilter, search: SearchPattern? = nil, to query: inout QueryText) {
        var any = false
        func and() {
            query.add(any ? " AND " : "(")
            any = true
        }
        if let states = filter.states {
            and()
            query.add("w.state = ANY(")
            query.bind(states.map(\.rawValue).sorted())
            query.add("::text[])")
        }
        if let priorities = filter.priorities {
            and()
            query.add("w.priority = ANY(")
            query.bind(priorities.map(\.rawValue).sorted())
            query.add("::text[])")
        }
        if let assignee = filter.assigneeID {
            and()
            query.add("EXISTS (SELECT 1 FROM work_item_access f WHERE f.item_id = w.id AND f.kind = 'assignee' AND f.key = ")
            query.bind(assignee.rawValue)
            query.add(")")
        }
        if let department = filter.departmentID {
            and()
            query.add(
                "EXISTS (SELECT 1 FROM work_item_access f WHERE f.item_id = w.id AND f.kind = 'department' AND f.key = ")
            query.bind(department.rawValue)
            query.add(")")
        }
        if let tag = filter.tag {
            and()
            query.add("strpos(chr(31) || w.tags || chr(31), chr(31) || ")
            query.bind(tag)
            query.add(" || chr(31)) > 0")
        }
        if let from = filter.dueFrom {
            and()
            query.add("w.due_at >= ")
            query.bind(from.millisecondsSince1970)
        }
        if let before = filter.dueBefore {
            and()
            query.add("w.due_at < ")
            query.bind(before.millisecondsSince1970)
        }
        if let search {
            and()
            search.add(to: &query)
        }
        query.add(any ? ")" : "TRUE")
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

    /// One page of items visible in `scope` that match `filter` (and `search`), in (due_at, id) order.
    ///
    /// For a scope of grants, each grant's rows are a range of `work_item_access`'s primary key (kind, key,
    /// due_at, item_id), already in deadline order: each range is cut at the page size (a LATERAL subquery)
    /// and the page is the merge, a bounded amount of work however many items the scope holds.
    func page(in scope: VisibilityScope, filter: WorkItemFilter, search: SearchPattern?, page request: PageRequest)
        async throws(CollabError) -> Page<WorkItem>
    {
        let (afterDue, afterID) = try Self.deadlineCursor(request.cursor, of: "list")
        let fetch = request.limit + 1
        if scope.isEmpty { return Page(items: [], nextCursor: nil) }
        var query = QueryText()
        if scope.wholeOrganization != nil {
            query.add("SELECT w.* FROM work_items w WHERE (w.due_at, w.id) > (")
            query.bind(afterDue)
            query.add(", ")
            query.bind(afterID)
            query.add(") AND ")
            Self.addVisible(scope, to: &query)
            query.add(" AND ")
            Self.addFilter(filter, search: search, to: &query)
            query.add(" ORDER BY w.due_at, w.id LIMIT ")
            query.bind(fetch)
        } else {
            let (kinds, keys) = Self.grantArrays(scope)
            // Without a filter each range is read from the index alone; items' rows are read for the page only.
            let filtered = search != nil || filter != .all
            query.add("""
                SELECT w.* FROM (
                    SELECT DISTINCT r.id, r.due FROM unnest(
                """)
            query.bind(kinds)
            query.add("::text[], ")
            query.bind(keys)
            query.add("""
                ::text[]) AS g(kind, key)
                    CROSS JOIN LATERAL (
                        SELECT a.item_id AS id, a.due_at AS due FROM work_item_access a
                """)
            if filtered { query.add(" JOIN work_items w ON w.id = a.item_id") }
            query.add(" WHERE a.kind = g.kind AND a.key = g.key AND (a.due_at, a.item_id) > (")
            query.bind(afterDue)
            query.add(", ")
            query.bind(afterID)
            query.add(")")
            if filtered {
                query.add(" AND ")
                Self.addFilter(filter, search: search, to: &query)
            }
            query.add(" ORDER BY a.due_at, a.item_id LIMIT ")
            query.bind(fetch)
            query.add(") r ORDER BY r.due, r.id LIMIT ")
            query.bind(fetch)
            query.add(") u JOIN work_items w ON w.id = u.id ORDER BY u.due, u.id")
        }
        let statement = query.query
        let logger = logger
        return try await read { connection in
            var items = try await connection.rows(statement, logger).map(Self.workItem(from:))
            let more = items.count > request.limit
            if more { items.removeLast(items.count - request.limit) }
            let next = more ? items.last.map { "\($0.dueAt.millisecondsSince1970)|\($0.id)" } : nil
            return Page(items: items, nextCursor: next)
        }
    }

    public func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page request: PageRequest)
        async throws(CollabError) -> Page<WorkItem>
    {
        try await page(in: scope, filter: filter, search: nil, page: request)
    }

    /// Appends "work item `w` is visible in `scope`" as a condition that reads only the scope's rows (an
    /// index range of the organization, or the grants' ranges of `work_item_access`).
    static func addScoped(_ scope: VisibilityScope, to query: inout QueryText) {
        if scope.wholeOrganization != nil || scope.grants.isEmpty {
            addVisible(scope, to: &query)
            return
        }
        let (kinds, keys) = grantArrays(scope)
        query.add("w.id IN (SELECT a.item_id FROM work_item_access a JOIN unnest(")
        query.bind(kinds)
        query.add("::text[], ")
        query.bind(keys)
        query.add("::text[]) AS g(kind, key) ON a.kind = g.kind AND a.key = g.key)")
    }

    public func countWorkItems(in scope: VisibilityScope, matching filter: WorkItemFilter) async throws(CollabError)
        -> Int
    {
        var query = QueryText("SELECT count(*) AS n FROM work_items w WHERE ")
        Self.addScoped(scope, to: &query)
        query.add(" AND ")
        Self.addFilter(filter, to: &query)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try await connection.rows(statement, logger).first?.value("n", as: Int.self) ?? 0
        }
    }

    public func searchWorkItems(_ text: String, in scope: VisibilityScope, page request: PageRequest)
        async throws(CollabError) -> Page<WorkItem>
    {
        try await page(in: scope, filter: .all, search: SearchPattern(text, includeTags: !scope.isExternal),
            page: request)
    }
}

/// Text to find in titles, descriptions and (for internal readers) tags: a case-insensitive substring, as
/// SQLiteStore finds it. Three characters or more are looked up in the search index (`search_entries`, its
/// pg_trgm indexes: the title and description in `public_text`, the tags joined by spaces in
/// `internal_text`); shorter text is compared within the reader's rows, tags as stored.
///
/// The pattern is a LIKE pattern with `\`, `%` and `_` escaped, so nothing in the text is interpreted.
struct SearchPattern {
    /// The trimmed text; empty matches nothing.
    let text: String
    let includeTags: Bool

    init(_ text: String, includeTags: Bool) {
        self.text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        self.includeTags = includeTags
    }


    func add(to query: inout QueryText) {
        if text.isEmpty {
            query.add("FALSE")
            return
        }
        let pattern = SearchTerms.likePattern(containing: text)
        if text.count >= 3 {
            query.add("w.id IN (SELECT e.record_id FROM search_entries e WHERE e.kind = 'work_item' AND (lower(e.public_text) LIKE lower(")
            query.bind(pattern)
            query.add(")")
            if includeTags {
                query.add(" OR lower(e.internal_text) LIKE lower(")
                query.bind(pattern)
                query.add(")")
            }
            query.add("))")
            return
        }
        query.add("(lower(w.title) LIKE lower(")
        query.bind(pattern)
        query.add(") OR lower(w.description) LIKE lower(")
        query.bind(pattern)
        query.add(")")
        if includeTags {
            query.add(" OR lower(w.tags) LIKE lower(")
            query.bind(pattern)
            query.add(")")
        }
        query.add(")")
    }
}
