import CollabModel
import Foundation

/// The timer reads of work items: what the timer runner (`CollabRunner`) polls for due timers, and what
/// rescheduling reads. Temporary: these requirements and ``ScheduledTimer`` / ``TimerPlan`` are being replaced
/// by one timer type and a `TimerStore` protocol; until then they stay as they were in `WorkItemStore`.
public protocol ItemTimerReads: Sendable {
    /// Pending timers due at or before `now`, earliest first (then by id).
    func dueTimers(now: Date, limit: Int) async throws(CollabError) -> [ScheduledTimer]

    /// The earliest instant at which a pending timer is due, if any.
    func nextTimerDue() async throws(CollabError) -> Date?

    /// The pending timers of an item, earliest first.
    func pendingTimers(of itemID: WorkItem.ID) async throws(CollabError) -> [ScheduledTimer]
}

/// The pending timers an item should have.
public struct TimerPlan: Hashable, Sendable {
    /// The item.
    public var itemID: WorkItem.ID
    /// Its organization.
    public var organizationID: Organization.ID
    /// The timers; an empty list cancels every pending timer of the item.
    public var timers: [ScheduledTimer]

    /// Creates a plan.
    public init(itemID: WorkItem.ID, organizationID: Organization.ID, timers: [ScheduledTimer]) {
        self.itemID = itemID
        self.organizationID = organizationID
        self.timers = timers
    }
}

/// A durable timer: something that must happen to an item at an instant.
public struct ScheduledTimer: Hashable, Sendable, Codable {
    /// What the timer does.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Remind the assignees that the deadline approaches.
        case reminder
        /// The deadline passed: audit it and tell the assignees and the initiator.
        case overdue
        /// The item is overdue beyond the escalation delay: tell the department heads.
        case escalation
        /// A review has waited for a decision: remind the reviewer.
        case reviewReminder = "review_reminder"
        /// An adjustment request has waited for a decision: remind the initiator.
        case adjustmentReminder = "adjustment_reminder"
    }

    /// A stable identity: the same timer planned again keeps its id, so it never fires twice.
    public var id: String
    /// The item.
    public var itemID: WorkItem.ID
    /// What it does.
    public var kind: Kind
    /// When it is due.
    public var fireAt: Date

    /// Creates a timer.
    public init(id: String, itemID: WorkItem.ID, kind: Kind, fireAt: Date) {
        self.id = id
        self.itemID = itemID
        self.kind = kind
        self.fireAt = fireAt
    }
}
