import CollabModel
import CollabPermissions
import Foundation

/// Aggregates over work items, computed in the database (never by loading items into memory).
public protocol ReportStore: Sendable {
    /// Counts the items where `memberID` is an assignee, created in `createdIn` (all time when `nil`),
    /// judged at `now`. Drafts and cancelled items are left out.
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
public struct WorkItemCounts: Hashable, Sendable, Codable {
    /// Items counted (submitted, not cancelled).
    public var total: Int
    /// Items still open.
    public var open: Int
    /// Items completed (approved).
    public var completed: Int
    /// Completed before their deadline.
    public var completedOnTime: Int
    /// Completed at or after their deadline.
    public var completedLate: Int
    /// Open at or past their deadline.
    public var overdueOpen: Int

    /// Creates counts.
    public init(total: Int, open: Int, completed: Int, completedOnTime: Int, completedLate: Int, overdueOpen: Int) {
        self.total = total
        self.open = open
        self.completed = completed
        self.completedOnTime = completedOnTime
        self.completedLate = completedLate
        self.overdueOpen = overdueOpen
    }
}
