import CollabModel
import CollabPermissions
import Foundation

/// Members' inboxes, and the outbox that delivers the same notifications to the host's hooks.
public protocol MessageStore: Sendable {
    /// A member's notifications, newest first; notifications about items no longer visible in `scope`
    /// (the member's own) are left out.
    func inbox(for memberID: Member.ID, visibleIn scope: VisibilityScope, unreadOnly: Bool, page: PageRequest)
        async throws(CollabError) -> Page<Notice>

    /// How many of a member's notifications about items visible in `scope` are unread.
    func unreadCount(for memberID: Member.ID, visibleIn scope: VisibilityScope) async throws(CollabError) -> Int

    /// A member's unread notifications that name a record other than a work item (``Notice/record``), oldest
    /// first: the engine re-checks them against the record's rules.
    func unreadRecordNotices(for memberID: Member.ID) async throws(CollabError) -> [Notice]

    /// Marks notifications of `memberID` read at `date`; ids of other members' notifications are ignored.
    ///
    /// - Returns: how many notifications changed from unread to read.
    func markRead(_ ids: [Notice.ID], of memberID: Member.ID, at date: Date)
        async throws(CollabError) -> Int

    /// Marks every notification of `memberID` read.
    ///
    /// - Returns: how many changed.
    func markAllRead(of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int

    /// Leases up to `limit` notifications whose delivery is due at `now` (not delivered, not parked, not
    /// leased by another dispatcher) until `leaseUntil`, oldest first.
    func claimDeliveries(now: Date, limit: Int, leaseUntil: Date) async throws(CollabError) -> [OutboxEntry]

    /// Records the outcome of one delivery attempt of a claimed notification, and releases its lease.
    func recordDelivery(_ outcome: DeliveryOutcome) async throws(CollabError)

    /// The earliest instant at which a pending delivery becomes due, if any.
    func nextDeliveryDue() async throws(CollabError) -> Date?

    /// Counts of the outbox by state.
    func outboxCounts() async throws(CollabError) -> OutboxCounts

    /// Parked notifications (those that failed too often), oldest first.
    func parkedDeliveries(limit: Int) async throws(CollabError) -> [OutboxEntry]

    /// Puts parked notifications back in the queue, due at `now`, with their attempt count reset.
    ///
    /// - Returns: how many were requeued.
    func requeueParked(_ ids: [Notice.ID], now: Date) async throws(CollabError) -> Int
}

/// A notification waiting for delivery, with its delivery state.
public struct OutboxEntry: Hashable, Sendable {
    /// The notification.
    public var notification: Notice
    /// How many attempts were made so far.
    public var attempts: Int
    /// The hooks that already accepted it (they are not called again).
    public var deliveredHooks: Set<String>
    /// The last error, if an attempt failed.
    public var lastError: String?

    /// Creates an entry.
    public init(
        notification: Notice, attempts: Int, deliveredHooks: Set<String>, lastError: String?
    ) {
        self.notification = notification
        self.attempts = attempts
        self.deliveredHooks = deliveredHooks
        self.lastError = lastError
    }
}

/// The outcome of one delivery attempt.
public struct DeliveryOutcome: Hashable, Sendable {
    /// What happens next.
    public enum Next: Hashable, Sendable {
        /// Every hook accepted it: done.
        case delivered(at: Date)
        /// Some hook failed: try again at this instant.
        case retry(at: Date)
        /// Failed too often: parked until someone requeues it.
        case parked(at: Date)
        /// Not delivered, on purpose: the recipient may no longer see it (removed, moved, access revoked).
        case suppressed(at: Date)
    }

    /// The notification.
    public var notificationID: Notice.ID
    /// Hooks that accepted it in this attempt.
    public var acceptedBy: [String]
    /// The attempt count after this attempt.
    public var attempts: Int
    /// What happens next.
    public var next: Next
    /// The error of a failed hook (`hook: message`), if any.
    public var error: String?

    /// Creates an outcome.
    public init(
        notificationID: Notice.ID, acceptedBy: [String], attempts: Int, next: Next, error: String?
    ) {
        self.notificationID = notificationID
        self.acceptedBy = acceptedBy
        self.attempts = attempts
        self.next = next
        self.error = error
    }
}

/// How many notifications are in each delivery state.
public struct OutboxCounts: Hashable, Sendable, Codable {
    /// Waiting for (another) attempt.
    public var pending: Int
    /// Accepted by every hook.
    public var delivered: Int
    /// Failed too often; waiting to be requeued.
    public var parked: Int
    /// Withheld because the recipient lost access before delivery.
    public var suppressed: Int

    /// Creates counts.
    public init(pending: Int, delivered: Int, parked: Int, suppressed: Int = 0) {
        self.pending = pending
        self.delivered = delivered
        self.parked = parked
        self.suppressed = suppressed
    }
}

/// Everything Collab stores: the directory, work items, messages.
///
/// ``SQLiteStore`` is the default implementation; a host can implement its own (see the article
/// "Implementing a storage backend").
public protocol CollabStorage: DirectoryStore, WorkItemStore, MessageStore, ReportStore, ScenarioStore,
    ExternalStore {}
