import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import PostgresNIO

// Counts and reports over the work items visible in a scope, with the figures SQLiteStore+Reports.swift
// computes: the same groups, the same nearest-rank percentiles.

extension PostgresStore: ReportStore {
    public func assignmentCounts(for memberID: Member.ID, createdIn: DateInterval?, now: Date)
        async throws(CollabError) -> WorkItemCounts
    {
        let from = createdIn?.start.millisecondsSince1970 ?? Int64.min
        let until = createdIn?.end.millisecondsSince1970 ?? Int64.max
        let nowMS = now.millisecondsSince1970
        let logger = logger
        return try await read { connection in
            // An item is late once now (or its completion) reaches due_at, the first late instant.
            guard let row = try await connection.rows("""
                SELECT count(*) AS total,
                    count(*) FILTER (WHERE w.state NOT IN ('completed', 'cancelled')) AS open,
                    count(*) FILTER (WHERE w.state = 'completed') AS completed,
                    count(*) FILTER (WHERE w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions = 0) AS on_time,
                    count(*) FILTER (WHERE w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions > 0) AS extended,
                    count(*) FILTER (WHERE w.state = 'completed' AND w.closed_at >= w.due_at) AS late,
                    count(*) FILTER (WHERE w.state NOT IN ('completed', 'cancelled') AND w.due_at <= \(nowMS)) AS overdue_open
                FROM work_item_access a JOIN work_items w ON w.id = a.item_id
                WHERE a.kind = 'assignee' AND a.key = \(memberID.rawValue) AND w.state NOT IN ('draft', 'cancelled')
                    AND w.created_at >= \(from) AND w.created_at < \(until)
                """, logger).first
            else {
                return WorkItemCounts(total: 0, open: 0, completed: 0, completedOnTime: 0, completedLate: 0, overdueOpen: 0)
            }
            return try Self.counts(from: row)
        }
    }

    public func workItemCounts(in scope: VisibilityScope, matching filter: WorkItemFilter, now: Date)
        async throws(CollabError) -> WorkItemCounts
    {
        var query = QueryText("""
            SELECT count(*) AS total,
                count(*) FILTER (WHERE w.state <> 'completed') AS open,
                count(*) FILTER (WHERE w.state = 'completed') AS completed,
                count(*) FILTER (WHERE w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions = 0) AS on_time,
                count(*) FILTER (WHERE w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions > 0) AS extended,
                count(*) FILTER (WHERE w.state = 'completed' AND w.closed_at >= w.due_at) AS late,
                count(*) FILTER (WHERE w.state <> 'completed' AND w.due_at <=
            """)
        query.add(" ")
        query.bind(now.millisecondsSince1970)
        query.add(") AS overdue_open FROM work_items w WHERE ")
        Self.addScoped(scope, to: &query)
        query.add(" AND ")
        Self.addFilter(filter, to: &query)
        query.add(" AND w.state NOT IN ('draft', 'cancelled')")
        let statement = query.query
        let logger = logger
        return try await read { connection in
            guard let row = try await connection.rows(statement, logger).first else {
                return WorkItemCounts(total: 0, open: 0, completed: 0, completedOnTime: 0, completedLate: 0, overdueOpen: 0)
            }
            return try Self.counts(from: row)
        }
    }

    private static func counts(from row: PostgresRandomAccessRow) throws -> WorkItemCounts {
        WorkItemCounts(
            total: try row.value("total", as: Int.self), open: try row.value("open", as: Int.self),
            completed: try row.value("completed", as: Int.self), completedOnTime: try row.value("on_time", as: Int.self),
            completedOnTimeAfterExtension: try row.value("extended", as: Int.self),
            completedLate: try row.value("late", as: Int.self), overdueOpen: try row.value("overdue_open", as: Int.self))
    }

    /// The lead department of `w` (the first of its departments; `''` when it has none).
    static let leadDepartmentSQL = "split_part(w.department_ids, E'\\x1F', 1)"

    /// Appends a report's source after `SELECT …`: `FROM work_items w` with the grouping's joins, and the
    /// condition (visibility, filter, lead departments, periods). The group key is ``reportKeySQL(_:)``.
    static func addReportSource(_ report: ReportQuery, in scope: VisibilityScope, to query: inout QueryText) {
        query.add(" FROM work_items w")
        switch report.grouping {
        case .none, .department: break
        case .assignee:
            query.add(" JOIN work_item_access g ON g.item_id = w.id AND g.kind = 'assignee'")
        case .tag:
            // One row per tag; an item without tags gives the one tag "" (as SQLite's json_each of the list).
            query.add(" CROSS JOIN LATERAL unnest(CASE WHEN w.tags = '' THEN ARRAY[''] ELSE string_to_array(w.tags, chr(31)) END) AS g(value)")
        case .period:
            query.add(" JOIN unnest(")
            query.bind(report.periods.indices.map { Int64($0) })
            query.add("::bigint[], ")
            query.bind(report.periods.map(\.start.millisecondsSince1970))
            query.add("::bigint[], ")
            query.bind(report.periods.map(\.end.millisecondsSince1970))
            query.add("::bigint[]) AS b(k, s, e) ON w.created_at >= b.s AND w.created_at < b.e")
        }
        query.add(" WHERE ")
        addScoped(scope, to: &query)
        query.add(" AND ")
        addFilter(report.filter, to: &query)
        if let lead = report.leadDepartments {
            query.add(" AND \(leadDepartmentSQL) = ANY(")
            query.bind(lead.map(\.rawValue).sorted())
            query.add("::text[])")
        }
        if report.grouping != .period && !report.periods.isEmpty {
            query.add(" AND EXISTS (SELECT 1 FROM unnest(")
            query.bind(report.periods.map(\.start.millisecondsSince1970))
            query.add("::bigint[], ")
            query.bind(report.periods.map(\.end.millisecondsSince1970))
            query.add("::bigint[]) AS p(s, e) WHERE w.created_at >= p.s AND w.created_at < p.e)")
        }
    }

    public func report(_ query: ReportQuery, in scope: VisibilityScope, now: Date) async throws(CollabError)
        -> [ReportRow]
    {
        // The counts per group and state. (A period grouping with no periods joins an empty list: no rows.)
        var countsQuery = QueryText("SELECT ")
        let key = Self.reportKeySQL(query.grouping)
        countsQuery.add("""
            \(key) AS k, w.state AS item_state, count(*) AS n,
                count(*) FILTER (WHERE w.closed_at >= w.due_at) AS late,
                count(*) FILTER (WHERE w.extensions > 0 AND w.closed_at < w.due_at) AS extended,
                count(*) FILTER (WHERE w.due_at <=
            """)
        countsQuery.add(" ")
        countsQuery.bind(now.millisecondsSince1970)
        countsQuery.add("""
            ) AS due,
                coalesce(sum(w.closed_at - w.created_at), 0)::bigint AS cycle_sum,
                coalesce(sum(w.adjustments_requested), 0)::bigint AS requested,
                coalesce(sum(w.adjustments_approved), 0)::bigint AS approved
            """)
        Self.addReportSource(query, in: scope, to: &countsQuery)
        countsQuery.add(" AND w.state <> 'draft' GROUP BY 1, w.state")

        var ranksQuery = QueryText("SELECT k, cycle, rn, n FROM (SELECT \(key) AS k, w.closed_at - w.created_at AS cycle,")
        ranksQuery.add("""
             row_number() OVER (PARTITION BY \(key) ORDER BY w.closed_at - w.created_at NULLS FIRST) AS rn,
                count(*) OVER (PARTITION BY \(key)) AS n
            """)
        Self.addReportSource(query, in: scope, to: &ranksQuery)
        ranksQuery.add(" AND w.state = 'completed') ranked WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100")

        let countsStatement = countsQuery.query, ranksStatement = ranksQuery.query
        let logger = logger
        return try await read { connection in
            var rows: [String: ReportMetrics] = [:]
            var cycleSums: [String: Int64] = [:]
            for row in try await connection.rows(countsStatement, logger) {
                let key = try row.value("k", as: String?.self) ?? ""
                var metrics = rows[key] ?? ReportMetrics()
                let state = try row.value("item_state", as: String.self)
                let count = try row.value("n", as: Int.self)
                if state == WorkItemState.cancelled.rawValue {
                    metrics.cancelled += count
                } else {
                    metrics.created += count
                    metrics.adjustmentsRequested += try row.value("requested", as: Int.self)
                    metrics.adjustmentsApproved += try row.value("approved", as: Int.self)
                    if state == WorkItemState.completed.rawValue {
                        let late = try row.value("late", as: Int.self), extended = try row.value("extended", as: Int.self)
                        metrics.completed += count
                        metrics.completedLate += late
                        metrics.completedOnTimeAfterExtension += extended
                        metrics.completedOnTime += count - late - extended
                        cycleSums[key, default: 0] += try row.value("cycle_sum", as: Int64.self)
                    } else {
                        metrics.open += count
                        metrics.overdueOpen += try row.value("due", as: Int.self)
                    }
                }
                rows[key] = metrics
            }
            // Nearest rank: the p-th percentile of n sorted values is the ceil(p·n)-th.
            for row in try await connection.rows(ranksStatement, logger) {
                let key = try row.value("k", as: String?.self) ?? ""
                guard var metrics = rows[key] else { continue }
                let cycle = Duration.milliseconds(try row.value("cycle", as: Int64?.self) ?? 0)
                let rank = try row.value("rn", as: Int.self), count = try row.value("n", as: Int.self)
                if rank == (count * 50 + 99) / 100 { metrics.cycleTimeMedian = cycle }
                if rank == (count * 90 + 99) / 100 { metrics.cycleTimeP90 = cycle }
                rows[key] = metrics
            }
            for (key, sum) in cycleSums {
                guard var metrics = rows[key], metrics.completed > 0 else { continue }
                metrics.cycleTimeMean = .milliseconds(sum / Int64(metrics.completed))
                rows[key] = metrics
            }
            return rows.filter { $0.value.created + $0.value.cancelled > 0 }
                .map { ReportRow(key: $0.key, metrics: $0.value) }
                .sorted { $0.key < $1.key }
        }
    }

    /// The SQL of a grouping's key (the names its source's joins give).
    static func reportKeySQL(_ grouping: ReportQuery.Grouping) -> String {
        switch grouping {
        case .none: "''"
        case .department: leadDepartmentSQL
        case .assignee: "g.key"
        case .tag: "g.value"
        case .period: "b.k::text"
        }
    }
}
