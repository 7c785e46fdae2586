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
/// claim that hands out fewer entries, `nil` from ``renewLease(_:_:for:)``, `false` from
/// ``recordDelivery(_:lease:)``). Only storage codes are thrown.
///
/// ## Two clocks
///
/// Whether a notification is *due* is business time, decided by the caller's clock, as for timers: the `now`
/// of ``claimDeliveries(now:limit:lease:owner:)`` is compared with the instant the notification became due
/// (its `createdAt`, a retry's instant, a requeue's `now`), all of them written from the callers' clocks.
///
/// Leases are decided by the store's clock — the database server's for a shared database, the
/// `SQLiteStore.Configuration/clock` for SQLite — never by the dispatcher's, so dispatchers whose clocks
/// disagree cannot steal each other's leases. A claim and a renewal take a lease *duration*; the store reads
/// its own clock inside the write transaction and leases until that instant plus the duration. A lease
/// *holds* while the notification is pending, its stored lease has the same owner and the same end, and that
/// end is still after the store's clock; it has *run out* once its end is at or before the store's clock.
/// A lease that ran out may be taken over by any claim; until one does, its holder may still renew it (which
/// is the same as claiming the notification again), but no longer record an outcome under it.
/// ``OutboxLease/until`` is therefore an instant of the store's clock: compare it with nothing else.
public protocol OutboxStore: Sendable {
    /// Leases up to `limit` notifications whose delivery is due at `now` (pending, not parked, its next attempt
    /// at or before `now`) and that no live lease holds, for the dispatcher `owner`, until `lease` has passed on
    /// the store's clock; earliest due first (a new notification is due at its `createdAt`, a retried one at its
    /// retry instant, a requeued one at the requeue's `now`), then in commit order.
    ///
    /// The store reads its clock once, inside the write transaction: a lease whose end is at or before that
    /// instant has run out, and its notification is claimed again (it is *rescued*; the former holder can no
    /// longer renew it or record an outcome under it). Every entry of one claim carries the same
    /// ``OutboxEntry/lease``: `owner`, until the store's instant plus `lease`, to the millisecond. No two
    /// claims, from this store or another instance on the database, get the same notification while its lease
    /// runs, whatever the claimers' clocks say.
    ///
    /// A notification that cannot be read back (a row no version of Collab wrote, or one damaged) is not
    /// handed out and does not fail the claim: it is parked with the reason as its last error, and the claim
    /// goes on with the others.
    ///
    /// - Parameters:
    ///   - now: the business time (the caller's clock): notifications due at or before it are handed out.
    ///     It plays no part in leases.
    ///   - limit: at most this many entries (taken as at least 1).
    ///   - lease: how long the leases hold, on the store's clock (taken as at least 1 ms).
    ///   - owner: the dispatcher's token, written with each lease.
    /// - Returns: the leased entries; an empty list means nothing is due that no live lease holds.
    func claimDeliveries(now: Date, limit: Int, lease: Duration, owner: String)
        async throws(CollabError) -> [OutboxEntry]

    /// Moves the end of a lease the notification still carries — it is pending and its stored lease has the
    /// same owner and the same end — to the store's clock plus `duration`, in one write transaction (the
    /// store's clock is read inside it).
    ///
    /// A lease that ran out on the store's clock but that no claim took over is renewed too: nobody else holds
    /// the notification, so renewing it is the same as claiming it again (a dispatcher renews an entry that
    /// waited in its batch before attempting it). Once another claim took it over, the renewal is refused.
    ///
    /// - Parameters:
    ///   - id: the notification.
    ///   - lease: the lease the caller holds, as its claim or last renewal returned it.
    ///   - duration: how long the renewed lease holds from now, on the store's clock (taken as at least 1 ms).
    /// - Returns: the new lease (same owner, a new end on the store's clock), or `nil` when the notification
    ///   no longer carries `lease` (another dispatcher took it over, or its delivery is finished): the caller
    ///   must leave it alone.
    func renewLease(_ id: Notice.ID, _ lease: OutboxLease, for duration: Duration) async throws(CollabError)
        -> OutboxLease?

    /// Records the outcome of one delivery attempt of a claimed notification, and releases its lease, in one
    /// write transaction (the state, the attempt count, the error and the hooks that accepted it together).
    ///
    /// The outcome is recorded only while `lease` holds: the notification is still pending, its stored lease
    /// has the same owner and the same end, and that end is still after the store's clock (read inside the
    /// transaction). Otherwise nothing is written, not even the hooks that accepted it: a dispatcher whose
    /// lease ran out cannot overwrite what another did, and a delivered, withheld or parked notification never
    /// goes back. An outcome that comes after the lease ran out is refused even when nobody took the
    /// notification over (as a timer's late acknowledgement is): the notification stays as it was, due again,
    /// and the next claim hands it out.
    ///
    /// The instants in `outcome` (delivered at, retry at, ...) are business time, from the dispatcher's clock.
    ///
    /// - Returns: whether the outcome was recorded.
    @discardableResult
    func recordDelivery(_ outcome: DeliveryOutcome, lease: OutboxLease) async throws(CollabError) -> Bool

    /// One notification's delivery state, or `nil` when there is no such notification (one read
    /// transaction).
    ///
    /// A store read for operators and tests: it does not check who may see the notification.
    func deliveryState(of id: Notice.ID) async throws(CollabError) -> NotificationDeliveryState?

    /// The earliest instant, in business time, at which a pending notification that no live lease holds is
    /// due (its `createdAt`, retry instant or requeue instant); `nil` when there is none: when a dispatcher
    /// should look again.
    ///
    /// As ``TimerStore/nextTimerDue()`` does, it judges leases on the store's clock (read in the same
    /// transaction) and leaves out the notifications under a live lease, whose holder delivers them; it never
    /// mixes a lease's end, an instant of the store's clock, with the business instants it returns. A
    /// notification under a lease counts again once its lease runs out: a poller that meets `nil` or a later
    /// instant still looks again after its poll interval, which is how it notices a lease that ran out.
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
    /// The lease under which it was handed out (``OutboxStore/claimDeliveries(now:limit:lease:owner:)``);
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

/// A dispatcher's hold on a notification: who holds it, until when on the store's clock.
///
/// Stores hand leases out (``OutboxStore/claimDeliveries(now:limit:lease:owner:)``,
/// ``OutboxStore/renewLease(_:_:for:)``); a dispatcher passes them back unchanged to prove it still holds the
/// notification.
public struct OutboxLease: Hashable, Sendable {
    /// The dispatcher's token (`NotificationDispatcher.ownerToken` in CollabWorkflow).
    public var owner: String
    /// When the lease runs out, on the store's clock, to the millisecond as stored. It identifies the lease
    /// (a renewal moves it); compare it with nothing but the store's clock: a dispatcher tells how long its
    /// lease has left by its own clock, from when it asked for the lease.
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
    /// The lease a dispatcher holds on it, if any (it may have run out: its end is on the store's clock).
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
