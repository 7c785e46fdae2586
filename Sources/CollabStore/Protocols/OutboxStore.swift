import CollabModel
import Foundation

/// The outbox: delivery of the notifications committed with changes (``ChangeSet/notifications``) to the
/// host's hooks, under leases, with retries, parking and requeueing.
///
/// Used by the notification dispatcher (`NotificationDispatcher` in CollabWorkflow: claims, renews,
/// records outcomes), by `CollabRunner` (sleeps until ``nextDeliveryDue()``) and by operators' tools
/// (``outboxCounts()``, ``parkedDeliveries(limit:)``, ``requeueParked(_:now:)``, ``deliveryState(of:)``).
/// The member-facing side of the same notifications is ``InboxStore``.
///
/// The writes (claim, renew, record, requeue) each run in one write transaction; the reads in one read
/// transaction. None of them throws `CollabError.Code.conflict`: losing a race shows in the result (a
/// claim that hands out fewer entries, `nil` from ``renewLease(_:_:until:)``, `false` from
/// ``recordDelivery(_:lease:)``). Only storage codes are thrown.
public protocol OutboxStore: Sendable {
    /// Leases up to `limit` notifications whose delivery is due at `now` (not delivered, not parked, not
    /// leased by another dispatcher: a lease that ran out by `now` no longer counts) until `leaseUntil` for the
    /// dispatcher `owner`, earliest due first (a new notification is due at its `createdAt`, a retried one at its
    /// retry instant, a requeued one at the requeue's `now`), then in commit order. Each entry carries its
    /// ``OutboxEntry/lease``; no two claims, from this store or another instance on the database, get the same
    /// notification while its lease runs.
    ///
    /// A notification that cannot be read back (a row no version of Collab wrote, or one damaged) is not
    /// handed out and does not fail the claim: it is parked with the reason as its last error, and the claim
    /// goes on with the others.
    ///
    /// One write transaction; `limit` is taken as at least 1. An empty list means nothing is due.
    func claimDeliveries(now: Date, limit: Int, leaseUntil: Date, owner: String)
        async throws(CollabError) -> [OutboxEntry]

    /// Extends a lease the notification still holds (same owner, same expiry) to `until`, in one write
    /// transaction, while the notification is pending.
    ///
    /// - Returns: the new lease, or `nil` when the notification no longer holds `lease` (another dispatcher
    ///   took it over, or its delivery is finished): the caller must leave it alone.
    func renewLease(_ id: Notice.ID, _ lease: OutboxLease, until: Date) async throws(CollabError) -> OutboxLease?

    /// Records the outcome of one delivery attempt of a claimed notification, and releases its lease, in one
    /// write transaction (the state, the attempt count, the error and the hooks that accepted it together).
    ///
    /// The outcome is recorded only if the notification is still pending and still holds `lease` (same
    /// owner, same expiry); otherwise nothing is written, not even the hooks that accepted it, so a
    /// dispatcher whose lease ran out cannot overwrite what another did, and a delivered, withheld or
    /// parked notification never goes back.
    ///
    /// - Returns: whether the outcome was recorded.
    @discardableResult
    func recordDelivery(_ outcome: DeliveryOutcome, lease: OutboxLease) async throws(CollabError) -> Bool

    /// One notification's delivery state, or `nil` when there is no such notification (one read
    /// transaction).
    ///
    /// A store read for operators and tests: it does not check who may see the notification.
    func deliveryState(of id: Notice.ID) async throws(CollabError) -> NotificationDeliveryState?

    /// The earliest instant at which a pending delivery becomes due (its next attempt, or the end of the lease
    /// another dispatcher holds on it, whichever is later); `nil` when nothing is pending.
    func nextDeliveryDue() async throws(CollabError) -> Date?

    /// Counts of the outbox by state, in one read transaction (a consistent snapshot).
    func outboxCounts() async throws(CollabError) -> OutboxCounts

    /// Parked notifications (those that failed too often), oldest first (in commit order), at most `limit`
    /// (at least 1), without leases. A parked row that cannot be read
    /// back is left out of the list (it is counted by ``outboxCounts()`` and read by ``deliveryState(of:)``).
    func parkedDeliveries(limit: Int) async throws(CollabError) -> [OutboxEntry]

    /// Puts parked notifications back in the queue, due at `now`, with their attempt count reset, in one
    /// write transaction. Ids that are not parked (pending, finished, unknown) are ignored; duplicates count
    /// once.
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
    /// The lease under which it was handed out (``OutboxStore/claimDeliveries(now:limit:leaseUntil:owner:)``);
    /// `nil` in other lists.
    public var lease: OutboxLease?

    /// Creates an entry.
    public init(
        notification: Notice, attempts: Int, deliveredHooks: Set<String>, lastError: String?,
        lease: OutboxLease? = nil
    ) {
        self.notification = notification
        self.attempts = attempts
        self.deliveredHooks = deliveredHooks
        self.lastError = lastError
        self.lease = lease
    }
}

/// A dispatcher's hold on a notification: who holds it, until when.
public struct OutboxLease: Hashable, Sendable {
    /// The dispatcher's token (`NotificationDispatcher.ownerToken` in CollabWorkflow).
    public var owner: String
    /// When the lease runs out, to the millisecond as stored.
    public var until: Date

    /// Creates a lease.
    public init(owner: String, until: Date) {
        self.owner = owner
        self.until = until
    }
}

/// Where one notification stands in the outbox.
public struct NotificationDeliveryState: Hashable, Sendable {
    /// The stages of delivery.
    public enum Status: String, Hashable, Sendable, Codable {
        /// Waiting for (another) attempt.
        case pending
        /// Accepted by every hook.
        case delivered
        /// Failed too often (or could not be read back); waiting to be requeued.
        case parked
        /// Withheld because the recipient lost access before delivery.
        case suppressed
    }

    /// The stage.
    public var status: Status
    /// Attempts made so far (a failed re-authorization counts as one).
    public var attempts: Int
    /// The last error, if an attempt failed (or why it was withheld or parked).
    public var lastError: String?
    /// The hooks that accepted it.
    public var deliveredHooks: Set<String>
    /// When the next attempt is due, while pending.
    public var nextAttemptAt: Date?
    /// When it was delivered or withheld.
    public var finishedAt: Date?
    /// The lease a dispatcher holds on it, if any (it may have run out).
    public var lease: OutboxLease?

    /// Creates a state.
    public init(
        status: Status, attempts: Int, lastError: String?, deliveredHooks: Set<String>, nextAttemptAt: Date? = nil,
        finishedAt: Date? = nil, lease: OutboxLease? = nil
    ) {
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.deliveredHooks = deliveredHooks
        self.nextAttemptAt = nextAttemptAt
        self.finishedAt = finishedAt
        self.lease = lease
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
