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
                    coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions = 0), 0) AS on_time,
                    coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at AND w.extensions > 0), 0) AS extended,
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
                completedOnTimeAfterExtension: row["extended"], completedLate: row["late"], overdueOpen: row["overdue_open"])
        }
    }
}

extension SQLiteStore {
    /// The lead department of `w` (the first of its departments; `''` when it has none).
    static let leadDepartmentSQL = "substr(w.department_ids, 1, instr(w.department_ids || char(31), char(31)) - 1)"

    /// The pieces of a report's statements: the source rows and their group key, and the condition they
    /// meet (visibility, filter, periods, lead departments), with the arguments in statement order.
    package struct ReportSource {
        /// A `WITH` clause naming the periods (`b(k, s, e)`), or nothing.
        package var with = ""
        var withArguments: StatementArguments = []
        /// Joined after `work_items w`.
        var joins = ""
        var key = "''"
        var condition: SQLCondition
        /// How many terms of the statements' text the input built (the scope's grants, the periods), for
        /// ``Database/statement(sql:terms:)``.
        var terms = 0
    }

    package static func reportSource(_ query: ReportQuery, in scope: VisibilityScope, ignoreOrganization: Bool) -> ReportSource {
        var condition = filterCondition(query.filter)
        if let lead = query.leadDepartments {
            let values = lead.map(\.rawValue).sorted()
            condition = condition && SQLCondition(
                sql: values.isEmpty ? "0" : "\(leadDepartmentSQL) IN \(inJSONList)", arguments: [jsonList(values)])
        }
        var source = ReportSource(condition: condition)
        source.terms = max(scope.grants.count, query.periods.count)
        switch query.grouping {
        case .none: break
        case .department: source.key = leadDepartmentSQL
        case .assignee:
            source.joins = " JOIN work_item_access g ON g.item_id = w.id AND g.kind = 'assignee'"
            source.key = "g.key"
        case .tag:
            // The tags as a JSON array (backslashes and quotes escaped; tags hold no control characters),
            // one row per tag; an item without tags gives the one tag "".
            source.joins = " JOIN json_each('[\"' || replace(replace(replace(w.tags, '\\', '\\\\'), '\"', '\\\"'), "
                + "char(31), '\",\"') || '\"]') g"
            source.key = "g.value"
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
        let byDepartment = query.grouping == .department
        return try await read { db in
            var rows: [String: ReportMetrics] = [:]
            var cycleSums: [String: Int64] = [:]
            let counts = try Row.fetchCursor(
                db.statement(sql: Self.reportCountsSQL(source), terms: source.terms),
                arguments: source.withArguments + [nowMS] + source.condition.arguments)
            while let row = try counts.next() {
                let key = Self.reportKey(row[0])
                var metrics = rows[key] ?? ReportMetrics()
                Self.add(ReportCounts(row), to: &metrics, cycleSum: &cycleSums[key, default: 0])
                rows[key] = metrics
            }
            if byDepartment {
                // Each department's completed items lie in cycle-time order in the department index: the
                // nearest-rank item is found by stepping to it, without sorting.
                let statement = try db.statement(sql: Self.departmentPercentileSQL(source), terms: source.terms)
                for (key, metrics) in rows where metrics.completed > 0 {
                    var found = metrics
                    for percent in [50, 90] {
                        let offset = (metrics.completed * percent + 99) / 100 - 1
                        let cycle = try Int64.fetchOne(statement,
                            arguments: source.withArguments + [key] + source.condition.arguments + [offset])
                        if percent == 50 { found.cycleTimeMedian = cycle.map { .milliseconds($0) } }
                        else { found.cycleTimeP90 = cycle.map { .milliseconds($0) } }
                    }
                    rows[key] = found
                }
            } else {
                let ranked = try Row.fetchCursor(
                    db.statement(sql: Self.reportPercentilesSQL(source), terms: source.terms),
                    arguments: source.withArguments + source.condition.arguments)
                while let row = try ranked.next() {
                    let key = Self.reportKey(row[0])
                    guard var metrics = rows[key] else { continue }
                    let cycle = Duration.milliseconds(row["cycle"] as Int64? ?? 0)
                    let rank: Int = row["rn"] ?? 0, count: Int = row["n"] ?? 0
                    if rank == (count * 50 + 99) / 100 { metrics.cycleTimeMedian = cycle }
                    if rank == (count * 90 + 99) / 100 { metrics.cycleTimeP90 = cycle }
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

    /// One row of the counts statement: the items of one group in one state.
    package struct ReportCounts {
        package var state: String
        package var count: Int
        package var late: Int
        package var extended: Int
        package var due: Int
        package var cycleSum: Int64
        package var requested: Int
        package var approved: Int

        init(_ row: Row) {
            state = row["item_state"] ?? ""
            count = row["n"] ?? 0
            late = row["late"] ?? 0
            extended = row["extended"] ?? 0
            due = row["due"] ?? 0
            cycleSum = row["cycle_sum"] ?? 0
            requested = row["requested"] ?? 0
            approved = row["approved"] ?? 0
        }

        package init(state: String, count: Int, late: Int, extended: Int, due: Int, cycleSum: Int64, requested: Int,
                     approved: Int) {
            self.state = state
            self.count = count
            self.late = late
            self.extended = extended
            self.due = due
            self.cycleSum = cycleSum
            self.requested = requested
            self.approved = approved
        }
    }

    /// Folds one state's counts into a group's figures.
    package static func add(_ counts: ReportCounts, to metrics: inout ReportMetrics, cycleSum: inout Int64) {
        if counts.state == WorkItemState.cancelled.rawValue {
            metrics.cancelled += counts.count
            return
        }
        metrics.created += counts.count
        metrics.adjustmentsRequested += counts.requested
        metrics.adjustmentsApproved += counts.approved
        if counts.state == WorkItemState.completed.rawValue {
            metrics.completed += counts.count
            metrics.completedLate += counts.late
            metrics.completedOnTimeAfterExtension += counts.extended
            metrics.completedOnTime += counts.count - counts.late - counts.extended
            cycleSum += counts.cycleSum
        } else {
            metrics.open += counts.count
            metrics.overdueOpen += counts.due
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

    /// The counts of a report, per group and state: few aggregates per row, and for the organization's
    /// departments the rows come in index order (no sorting). Bound: the periods, "now", the condition.
    /// (Grouped by `w.state` itself: the periods' table has a column `s` that an alias would collide with.)
    package static func reportCountsSQL(_ source: ReportSource) -> String {
        """
        \(source.with)SELECT \(source.key) AS k, w.state AS item_state, count(*) AS n,
            coalesce(sum(w.closed_at >= w.due_at), 0) AS late,
            coalesce(sum(w.extensions > 0 AND w.closed_at < w.due_at), 0) AS extended,
            coalesce(sum(w.due_at <= ?), 0) AS due,
            coalesce(sum(w.closed_at - w.created_at), 0) AS cycle_sum,
            coalesce(sum(w.adjustments_requested), 0) AS requested,
            coalesce(sum(w.adjustments_approved), 0) AS approved
        FROM work_items w\(source.joins)
        WHERE w.state <> 'draft' AND (\(source.condition.sql))
        GROUP BY k, w.state
        """
    }

    /// Nearest-rank cycle-time percentiles of every group by window functions (the p-th percentile of n
    /// sorted values is the ceil(p·n)-th). Bound: the periods, the condition.
    package static func reportPercentilesSQL(_ source: ReportSource) -> String {
        """
        \(source.with)SELECT k, cycle, rn, n FROM (
            SELECT \(source.key) AS k, w.closed_at - w.created_at AS cycle,
                row_number() OVER (PARTITION BY \(source.key) ORDER BY w.closed_at - w.created_at) AS rn,
                count(*) OVER (PARTITION BY \(source.key)) AS n
            FROM work_items w\(source.joins)
            WHERE w.state = 'completed' AND (\(source.condition.sql)))
        WHERE rn = (n * 50 + 99) / 100 OR rn = (n * 90 + 99) / 100
        """
    }

    /// The cycle time at a rank of one lead department's completed items, read in index order. Bound: the
    /// periods, the department, the condition, the offset (rank − 1).
    package static func departmentPercentileSQL(_ source: ReportSource) -> String {
        """
        \(source.with)SELECT w.closed_at - w.created_at FROM work_items w\(source.joins)
        WHERE w.state = 'completed' AND \(leadDepartmentSQL) = ? AND (\(source.condition.sql))
        ORDER BY w.closed_at - w.created_at LIMIT 1 OFFSET ?
        """
    }
}
