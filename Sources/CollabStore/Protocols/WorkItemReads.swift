import CollabModel
import CollabPermissions
import Foundation

/// The reads of work items and their activity, by id and per desk: the item and its comments, progress,
/// reviews and adjustments, a member's to-do list, and the visibility-scoped lists, counts and search.
///
/// Used by the engine's command planning (the item a command changes, an adjustment request), by
/// `WorkItemDesk` (an item's activity, the lists, counts and search, which pass the caller's
/// `VisibilityScope`), by `InboxDesk` (the to-do list), by `TimerDesk` (``openItemIDs(in:after:limit:)``
/// when rescheduling), by the notification dispatcher (re-checking an item before delivery) and by
/// CollabReports (the items behind a report).
///
/// Every requirement reads in one read transaction (a consistent snapshot) and writes nothing. Point reads
/// (by id) do not check who may see the record: the caller does. The scoped reads apply the scope in the
/// query. A malformed page cursor throws `CollabError.Code.invalidInput` (problem `cursor`, kind
/// `malformed`); otherwise only storage codes are thrown (`storageUnavailable`, `storageInterrupted`,
/// `storageCorrupt` for a row that cannot be read back, `storageFailure`).
public protocol WorkItemReads: Sendable {
    /// The item with `id`, or `nil` when there is none. Not scoped: the caller checks visibility.
    func workItem(_ id: WorkItem.ID) async throws(CollabError) -> WorkItem?

    /// The comments on an item, oldest first (by creation time, then in insertion order), internal ones
    /// included (the caller filters them); empty when the item has none or does not exist.
    func comments(on itemID: WorkItem.ID) async throws(CollabError) -> [ItemComment]

    /// The progress updates on an item, oldest first (by creation time, then in insertion order); empty when
    /// there are none or the item does not exist.
    func progressUpdates(on itemID: WorkItem.ID) async throws(CollabError) -> [ProgressUpdate]

    /// The review decisions on an item, oldest first (by decision time, then in insertion order); empty when
    /// there are none or the item does not exist.
    func reviewDecisions(on itemID: WorkItem.ID) async throws(CollabError) -> [ReviewDecision]

    /// The adjustment requests on an item, oldest first (by creation time, then in insertion order), in
    /// every status; empty when there are none or the item does not exist.
    func adjustmentRequests(on itemID: WorkItem.ID) async throws(CollabError) -> [AdjustmentRequest]

    /// The adjustment request with `id`, or `nil` when there is none. Not scoped.
    func adjustmentRequest(_ id: AdjustmentRequest.ID) async throws(CollabError) -> AdjustmentRequest?

    /// The items where `memberID` must act now, soonest deadline first (then by id), each with every reason
    /// the member must act, paged by the (deadline, id) of the last entry; an unknown member has an empty
    /// list. A page costs the same however many items the member has.
    func todo(for memberID: Member.ID, page: PageRequest) async throws(CollabError) -> Page<TodoEntry>

    /// The ids of the open items (neither completed nor cancelled) of an organization whose id sorts after
    /// `after` (from the first when `nil`), by id, at most `limit` (at least 1): the timer runner pages
    /// through them when rescheduling timers. An empty list means there are no more.
    func openItemIDs(in organizationID: Organization.ID, after: WorkItem.ID?, limit: Int) async throws(CollabError)
        -> [WorkItem.ID]

    /// The items visible in `scope` that match `filter`, soonest deadline first (then by id), paged by the
    /// (deadline, id) of the last item.
    ///
    /// The scope is applied in the query: a store never loads items it then throws away. A scope that grants
    /// nothing returns an empty page.
    func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page: PageRequest)
        async throws(CollabError) -> Page<WorkItem>

    /// How many items visible in `scope` match `filter`, counted in the database (one query, not paged);
    /// 0 for a scope that grants nothing.
    func countWorkItems(in scope: VisibilityScope, matching filter: WorkItemFilter) async throws(CollabError) -> Int

    /// The items visible in `scope` whose title, description or (for internal scopes) tags contain `text`,
    /// soonest deadline first (then by id), paged as ``workItems(in:matching:page:)``. Matching is
    /// case-insensitive substring matching.
    func searchWorkItems(_ text: String, in scope: VisibilityScope, page: PageRequest) async throws(CollabError)
        -> Page<WorkItem>
}

/// One entry of a member's to-do list: an item and why the member must act on it.
public struct TodoEntry: Hashable, Sendable {
    /// Why the member must act.
    public enum Reason: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
        /// Submit your draft.
        case submitDraft = "submit_draft"
        /// Accept an item assigned to you.
        case accept
        /// Start an item you accepted.
        case start
        /// Work on the item and submit it for review.
        case work
        /// Review submitted work.
        case review
        /// Decide an adjustment request.
        case decideAdjustment = "decide_adjustment"

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// The item.
    public var item: WorkItem
    /// Why the member must act (an item can need several actions of one member).
    public var reasons: [Reason]

    /// Creates an entry.
    public init(item: WorkItem, reasons: [Reason]) {
        self.item = item
        self.reasons = reasons
    }
}
