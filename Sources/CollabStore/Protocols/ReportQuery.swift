import CollabModel
import Foundation

/// What a report counts and how it groups, as the store computes it (``ReportStore/report(_:in:now:)``).
///
/// A report counts the work items *created* in its periods (all time when there are none) that match
/// its filter and that the reader may see. Hosts build these through `ReportGenerator` (CollabReports),
/// which resolves calendar periods in the organization's time zone.
public struct ReportQuery: Hashable, Sendable {
    /// How rows are grouped.
    public enum Grouping: String, Hashable, Sendable, Codable, CaseIterable {
        /// One row for everything counted (key `""`).
        case none
        /// One row per period of ``ReportQuery/periods`` (key: the period's index, `"0"`, `"1"`, ...).
        case period
        /// One row per lead department (the first of an item's departments; key `""` for items without).
        case department
        /// One row per assignee (key: the member id); an item with two assignees counts for each.
        case assignee
        /// One row per tag (key: the tag; `""` for items without one); an item with two tags counts for
        /// each. Tags are read from each item's row, not from an index.
        case tag
    }

    /// Creation-time windows; an item counts when created in one of them (half-open: start ≤ t < end).
    /// Empty: all time.
    public var periods: [DateInterval]
    /// Items must match this filter too (state, priority, assignee, department, tag, due range).
    public var filter: WorkItemFilter
    /// When set, only items whose lead department is one of these (a department report, with or without
    /// its sub-departments).
    public var leadDepartments: Set<Department.ID>?
    /// How rows are grouped.
    public var grouping: Grouping

    /// Creates a query.
    public init(
        periods: [DateInterval] = [], filter: WorkItemFilter = .all, leadDepartments: Set<Department.ID>? = nil,
        grouping: Grouping = .none
    ) {
        self.periods = periods
        self.filter = filter
        self.leadDepartments = leadDepartments
        self.grouping = grouping
    }
}

/// One row of a report: the group's key and its figures.
public struct ReportRow: Hashable, Sendable, Codable {
    /// The group (see ``ReportQuery/Grouping``).
    public var key: String
    /// The figures.
    public var metrics: ReportMetrics

    /// Creates a row.
    public init(key: String, metrics: ReportMetrics) {
        self.key = key
        self.metrics = metrics
    }
}

/// The figures of a report, defined in `Documentation/Reports.md`.
///
/// Items *counted* are those submitted and not cancelled (drafts and cancelled items are left out, and
/// cancelled ones are reported apart). An item is late from its due instant on (the end of its deadline
/// day in the organization's zone, or its exact deadline).
public struct ReportMetrics: Hashable, Sendable, Codable {
    /// Items counted: created in the period, submitted, not cancelled.
    public var created: Int
    /// Items cancelled (not counted anywhere else).
    public var cancelled: Int
    /// Counted items still open.
    public var open: Int
    /// Counted items completed.
    public var completed: Int
    /// Completed before their due instant, which no approved adjustment had moved later.
    public var completedOnTime: Int
    /// Completed before their due instant, after an approved adjustment had moved it later.
    public var completedOnTimeAfterExtension: Int
    /// Completed at or after their due instant.
    public var completedLate: Int
    /// Open at or past their due instant, at the report's "now".
    public var overdueOpen: Int
    /// Mean time from creation to completion of the completed items; `nil` when none completed.
    public var cycleTimeMean: Duration?
    /// Median (nearest rank) of the same.
    public var cycleTimeMedian: Duration?
    /// 90th percentile (nearest rank) of the same.
    public var cycleTimeP90: Duration?
    /// Adjustment requests (deadline or scope changes) made on the counted items.
    public var adjustmentsRequested: Int
    /// Of those, the ones approved.
    public var adjustmentsApproved: Int

    /// Creates figures.
    public init(
        created: Int = 0, cancelled: Int = 0, open: Int = 0, completed: Int = 0, completedOnTime: Int = 0,
        completedOnTimeAfterExtension: Int = 0, completedLate: Int = 0, overdueOpen: Int = 0,
        cycleTimeMean: Duration? = nil, cycleTimeMedian: Duration? = nil, cycleTimeP90: Duration? = nil,
        adjustmentsRequested: Int = 0, adjustmentsApproved: Int = 0
    ) {
        self.created = created
        self.cancelled = cancelled
        self.open = open
        self.completed = completed
        self.completedOnTime = completedOnTime
        self.completedOnTimeAfterExtension = completedOnTimeAfterExtension
        self.completedLate = completedLate
        self.overdueOpen = overdueOpen
        self.cycleTimeMean = cycleTimeMean
        self.cycleTimeMedian = cycleTimeMedian
        self.cycleTimeP90 = cycleTimeP90
        self.adjustmentsRequested = adjustmentsRequested
        self.adjustmentsApproved = adjustmentsApproved
    }

    /// Overdue items: open past their due instant, or completed late.
    public var overdue: Int { overdueOpen + completedLate }
    /// Completed ÷ created, 0...1 (0 when nothing was created: ``rates`` tells that apart from 0%).
    public var completionRate: Double { Self.ratio(completed, created) }
    /// Overdue ÷ created, 0...1 (0 when nothing was created: ``rates`` tells that apart from 0%).
    public var overdueRate: Double { Self.ratio(overdue, created) }
    /// Completed on time (with or without an extension) ÷ completed, 0...1 (0 when nothing was completed:
    /// ``rates`` tells that apart from 0%).
    public var onTimeRate: Double { Self.ratio(completedOnTime + completedOnTimeAfterExtension, completed) }

    /// Whether the group has data: something was created in it. A week in which nothing was created has no
    /// completion rate — not a rate of 0% — and exports and charts show it as such (an empty cell, a gap).
    public var hasData: Bool { created > 0 }

    /// The rates where they are defined: `nil` where their whole is 0 (no data, which is not 0%).
    public var rates: Rates {
        Rates(
            completion: created > 0 ? completionRate : nil, overdue: created > 0 ? overdueRate : nil,
            onTime: completed > 0 ? onTimeRate : nil)
    }

    /// The rates of a group, each `nil` when there is nothing to divide by.
    public struct Rates: Hashable, Sendable {
        /// Completed ÷ created, 0...1; `nil` when nothing was created.
        public var completion: Double?
        /// Overdue ÷ created, 0...1; `nil` when nothing was created.
        public var overdue: Double?
        /// Completed on time (with or without an extension) ÷ completed, 0...1; `nil` when nothing was
        /// completed.
        public var onTime: Double?

        /// Creates rates.
        public init(completion: Double?, overdue: Double?, onTime: Double?) {
            self.completion = completion
            self.overdue = overdue
            self.onTime = onTime
        }
    }

    static func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
}
