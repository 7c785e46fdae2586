import CollabModel
import CollabPermissions
import Foundation
import GRDB

extension SQLiteStore {
    public func assignmentCounts(for memberID: Member.ID, createdIn: DateInterval?, now: Date)
        async throws(CollabError) -> WorkItemCounts
    {
        let from = createdIn?.start.storedMilliseconds ?? Int64.min
        let until = createdIn?.end.storedMilliseconds ?? Int64.max
        let nowMS = now.storedMilliseconds
        return try await read { db in
            // An item is late once now (or its completion) reaches due_at, the first late instant.
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT count(*) AS total,
                    coalesce(sum(w.state NOT IN ('completed', 'cancelled')), 0) AS open,
                    coalesce(sum(w.state = 'completed'), 0) AS completed,
                    coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at), 0) AS on_time,
                    coalesce(sum(w.state = 'completed' AND w.closed_at >= w.due_at), 0) AS late,
                    coalesce(sum(w.state NOT IN ('completed', 'cancelled') AND w.due_at <= ?2), 0) AS overdue_open
                FROM work_item_access a JOIN work_items w ON w.id = a.item_id
                WHERE a.kind = 'assignee' AND a.key = ?1 AND w.state NOT IN ('draft', 'cancelled')
                    AND w.created_at >= ?3 AND w.created_at < ?4
                """), arguments: [memberID.rawValue, nowMS, from, until])
            guard let row else { return WorkItemCounts(total: 0, open: 0, completed: 0, completedOnTime: 0,
                completedLate: 0, overdueOpen: 0) }
            return WorkItemCounts(
                total: row["total"], open: row["open"], completed: row["completed"], completedOnTime: row["on_time"],
                completedLate: row["late"], overdueOpen: row["overdue_open"])
        }
    }
}

extension SQLiteStore {
    /// The lead department of `w` (the first of its departments; `''` when it has none).
    static let leadDepartmentSQL = "substr(w.department_ids, 1, instr(w.department_ids || char(31), char(31)) - 1)"

    /// The pieces of a report's statements: the source rows and their group key, and the condition they
    /// meet (visibility, filter, periods, lead departments), with the arguments in statement order.
    struct ReportSource {
        /// A `WITH` clause naming the periods (`b(k, s, e)`), or nothing.
        var with = ""
        var withArguments: StatementArguments = []
        /// Joined after `work_items w`.
        var joins = ""
        var key = "''"
        var condition: SQLCondition
    }

    static func reportSource(_ query: ReportQuery, in scope: VisibilityScope, ignoreOrganization: Bool) -> ReportSource {
        var condition = filterCondition(query.filter)
        if let lead = query.leadDepartments {
            let values = lead.map(\.rawValue).sorted()
            condition = condition && SQLCondition(
                sql: values.isEmpty ? "0" : "\(leadDepartmentSQL) IN (\(marks(values.count)))",
                arguments: StatementArguments(values))
        }
        var source = ReportSource(condition: condition)
        switch query.grouping {
        case .none: break
        case .department: source.key = leadDepartmentSQL
        case .assignee:
            source.joins = " JOIN work_item_access g ON g.item_id = w.id AND g.kind = 'assignee'"
            source.key = "g.key"
        case .period:
            if query.periods.isEmpty { source.condition = source.condition && .never }
            source.with = "WITH b(k, s, e) AS (VALUES " + Array(repeating: "(?, ?, ?)", count: max(query.periods.count, 1))
                .joined(separator: ", ") + ") "
            var arguments: StatementArguments = []
            for (index, period) in query.periods.enumerated() {
                arguments += [index, period.start.storedMilliseconds, period.end.storedMilliseconds]
            }
            if query.periods.isEmpty { arguments += [0, 0, 0] }
            source.withArguments = arguments
            source.joins = " JOIN b ON w.created_at >= b.s AND w.created_at < b.e"
            source.key = "b.k"
        }
        if query.grouping != .period && !query.periods.isEmpty {
            var arguments: StatementArguments = []
            for period in query.periods { arguments += [period.start.storedMilliseconds, period.end.storedMilliseconds] }
            source.condition = source.condition && SQLCondition(
                sql: Array(repeating: "(w.created_at >= ? AND w.created_at < ?)", count: query.periods.count)
                    .joined(separator: " OR "),
                arguments: arguments)
        }
        let (_, visible) = scopedSource(scope, filter: source.condition, ignoreOrganization: ignoreOrganization)
        source.condition = visible
        return source
    }

    public func report(_ query: ReportQuery, in scope: VisibilityScope, now: Date) async throws(CollabError)
        -> [ReportRow]
    {
        let ignore = configuration.isolationFaults.contains(.reportIgnoresOrganization)
        let source = Self.reportSource(query, in: scope, ignoreOrganization: ignore)
        let nowMS = now.storedMilliseconds
        return try await read { db in
            var rows: [String: ReportMetrics] = [:]
            var cycleSums: [String: Int64] = [:]
            for statement in Self.reportStatements(source) {
                let arguments = source.withArguments + (statement.usesNow ? [nowMS] : []) + source.condition.arguments
                let cursor = try Row.fetchCursor(db.cachedStatement(sql: statement.sql), arguments: arguments)
                while let row = try cursor.next() {
                    let key = Self.reportKey(row[0])
                    var metrics = rows[key] ?? ReportMetrics()
                    switch statement.part {
                    case .counts:
                        metrics.created = row["created"] ?? 0
                        metrics.cancelled = row["cancelled"] ?? 0
                        metrics.open = row["open"] ?? 0
                        metrics.completed = row["completed"] ?? 0
                        metrics.completedOnTime = row["on_time"] ?? 0
                        metrics.completedOnTimeAfterExtension = row["on_time_extended"] ?? 0
                        metrics.completedLate = row["late"] ?? 0
                        metrics.overdueOpen = row["overdue_open"] ?? 0
                        cycleSums[key] = row["cycle_sum"] ?? 0
                        metrics.adjustmentsRequested = row["requested"] ?? 0
                        metrics.adjustmentsApproved = row["approved"] ?? 0
                    case .percentiles:
                        let cycle = Duration.milliseconds(row["cycle"] as Int64? ?? 0)
                        let rank: Int = row["rn"] ?? 0, count: Int = row["n"] ?? 0
                        if rank == (count * 50 + 99) / 100 { metrics.cycleTimeMedian = cycle }
                        if rank == (count * 90 + 99) / 100 { metrics.cycleTimeP90 = cycle }
                    }
                    rows[key] = metrics
                }
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

    /// A group key as text (period indexes come back as integers).
    static func reportKey(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .int64(let number): return String(number)
        case .string(let text): return text
        default: return ""
        }
    }

    struct ReportStatement {
        enum Part { case counts, percentiles }
        var part: Part
        var sql: String
        var usesNow = false
    }

    /// The two statements of a report: the counts, and the cycle-time percentiles.
    static func reportStatements(_ source: ReportSource) -> [ReportStatement] {
        let open = "w.state NOT IN ('draft', 'cancelled', 'completed')"
        let counts = """
            \(source.with)SELECT \(source.key) AS k,
                coalesce(sum(w.state <> 'cancelled'), 0) AS created,
                coalesce(sum(w.state = 'cancelled'), 0) AS cancelled,
                coalesce(sum(\(open)), 0) AS open,
                coalesce(sum(w.state = 'completed'), 0) AS completed,
                coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions = 0), 0) AS on_time,
                coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions > 0), 0) AS on_time_extended,
                coalesce(sum(w.state = 'completed' AND w.closed_at >= w.due_at), 0) AS late,
                coalesce(sum(\(open) AND w.due_at <= ?), 0) AS overdue_open,
                coalesce(sum(CASE WHEN w.state = 'completed' THEN w.closed_at - w.created_at END), 0) AS cycle_sum,
                coalesce(sum(CASE WHEN w.state <> 'cancelled' THEN w.adjustments_requested END), 0) AS requested,
                coalesce(sum(CASE WHEN w.state <> 'cancelled' THEN w.adjustments_approved END), 0) AS approved
            FROM work_items w\(source.joins)
            WHERE w.state <> 'draft' AND (\(source.condition.sql))
            GROUP BY k
            """
        // Nearest rank: the p-th percentile of n sorted values is the ceil(p·n)-th.
        let percentiles = """
            \(source.with)SELECT k, cycle, rn, n FROM (
                SELECT \(source.key) AS k, w.closed_at - w.created_at AS cycle,
                    row_number() OVER (PARTITION BY \(source.key) ORDER BY w.closed_at - w.created_at) AS rn,
                    count(*) OVER (PARTITION BY \(source.key)) AS n
                FROM work_items w\(source.joins)
                WHERE w.state = 'completed' AND (\(source.condition.sql)))
            WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100
            """
        return [
            ReportStatement(part: .counts, sql: counts, usesNow: true),
            ReportStatement(part: .percentiles, sql: percentiles),
        ]
    }
}
