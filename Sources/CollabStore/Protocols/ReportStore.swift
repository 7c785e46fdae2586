import CollabModel
import CollabPermissions
import Foundation

/// Aggregates over work items, computed in the database (never by loading items into memory).
///
/// Used by CollabReports (`PersonalReport` and the report exports), which pass the reader's
/// `VisibilityScope`. Each requirement runs in one read transaction (its figures agree with each
/// other), writes nothing and throws only storage codes; an unknown member or a scope that grants nothing
/// gives zero counts (or no rows), not an error.
public protocol ReportStore: Sendable {
    /// Counts the items where `memberID` is an assignee, created in `createdIn` (all time when `nil`),
    /// judged at `now`. Drafts and cancelled items are left out. Not scoped: the caller checks that the
    /// reader may see the member's figures.
    func assignmentCounts(for memberID: Member.ID, createdIn: DateInterval?, now: Date) async throws(CollabError)
        -> WorkItemCounts

    /// Counts the items visible in `scope` that match `filter`, judged at `now`. Drafts and cancelled
    /// items are left out.
    func workItemCounts(in scope: VisibilityScope, matching filter: WorkItemFilter, now: Date)
        async throws(CollabError) -> WorkItemCounts

    /// The figures of `query` over the items visible in `scope`, judged at `now`, one row per group in key
    /// order (groups with no item are left out). Computed in the database, never by loading items.
    func report(_ query: ReportQuery, in scope: VisibilityScope, now: Date) async throws(CollabError) -> [ReportRow]
}

/// Counts of work items by outcome.
///
/// "On time" means what it means in ``ReportMetrics``: completed before the deadline in force (the due
/// instant after any approved extension). An item that made it only because an approved adjustment moved
/// its deadline later counts in ``completedOnTimeAfterExtension``, not in ``completedOnTime``; together
/// with ``completedLate`` the three add up to ``completed``.
public struct WorkItemCounts: Hashable, Sendable, Codable {
    /// Items counted (submitted, not cancelled).
    public var total: Int
    /// Items still open.
    public var open: Int
    /// Items completed (approved).
    public var completed: Int
    /// Completed before their deadline, which no approved adjustment had moved later.
    public var completedOnTime: Int
    /// Completed before their deadline, after an approved adjustment moved it later.
    public var completedOnTimeAfterExtension: Int
    /// Completed at or after their deadline.
    public var completedLate: Int
    /// Open at or past their deadline.
    public var overdueOpen: Int

    /// Creates counts.
    public init(
        total: Int, open: Int, completed: Int, completedOnTime: Int, completedOnTimeAfterExtension: Int = 0,
        completedLate: Int, overdueOpen: Int
    ) {
        self.total = total
        self.open = open
        self.completed = completed
        self.completedOnTime = completedOnTime
        self.completedOnTimeAfterExtension = completedOnTimeAfterExtension
        self.completedLate = completedLate
        self.overdueOpen = overdueOpen
    }

    private enum CodingKeys: String, CodingKey {
        case total, open, completed, completedOnTime, completedOnTimeAfterExtension, completedLate, overdueOpen
    }

    /// Decodes counts; JSON written before ``completedOnTimeAfterExtension`` existed reads it as 0.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        total = try container.decode(Int.self, forKey: .total)
        open = try container.decode(Int.self, forKey: .open)
        completed = try container.decode(Int.self, forKey: .completed)
        completedOnTime = try container.decode(Int.self, forKey: .completedOnTime)
        completedOnTimeAfterExtension = try container.decodeIfPresent(Int.self, forKey: .completedOnTimeAfterExtension) ?? 0
        completedLate = try container.decode(Int.self, forKey: .completedLate)
        overdueOpen = try container.decode(Int.self, forKey: .overdueOpen)
    }
}
