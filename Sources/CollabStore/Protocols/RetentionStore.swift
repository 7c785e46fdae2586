import CollabModel
import Foundation

/// Records the outbox and the command log keep only for a while, and how long.
///
/// Nothing is deleted unless a policy says so; `CollabRunner` applies its policy in the background, in
/// small batches (``batchSize`` rows per transaction), on the engine's clock. Audit events are never
/// deleted, and neither are pending or parked notifications.
public struct RetentionPolicy: Sendable, Hashable {
    /// How long the result of a command is kept under its idempotency key (30 days by default): a retry
    /// within that time returns the first result; after it, the same key runs the command again as a new
    /// one. `nil` keeps keys forever.
    public var idempotencyKeys: Duration?
    /// How long the record of which hooks accepted a finished notification (delivered or withheld) is kept
    /// (90 days by default). Only a finished notification's rows go: a pending or parked one keeps them, so
    /// a hook that accepted it is never called again. `nil` keeps them forever.
    public var hookDeliveries: Duration?
    /// How long a notification that was read and whose delivery is finished stays in its recipient's inbox
    /// (`nil` by default: notices people read are kept). Unread, pending and parked notifications are
    /// never deleted.
    public var readNotices: Duration?
    /// The most rows one transaction deletes (or stamps), so retention never holds the write lock long.
    public var batchSize: Int
    /// How often `CollabRunner.run(pollInterval:)` applies the policy (hourly by default).
    public var interval: Duration

    /// The default ages, in days.
    public static let defaultIdempotencyKeyDays = 30
    /// The default age of hook delivery rows, in days.
    public static let defaultHookDeliveryDays = 90

    /// Creates a policy; every value has a default.
    public init(
        idempotencyKeys: Duration? = .seconds(Int64(Self.defaultIdempotencyKeyDays) * 86_400),
        hookDeliveries: Duration? = .seconds(Int64(Self.defaultHookDeliveryDays) * 86_400),
        readNotices: Duration? = nil, batchSize: Int = 500, interval: Duration = .seconds(3600)
    ) {
        self.idempotencyKeys = idempotencyKeys
        self.hookDeliveries = hookDeliveries
        self.readNotices = readNotices
        self.batchSize = max(1, batchSize)
        self.interval = interval
    }

    /// A policy that deletes nothing.
    public static let keepEverything = RetentionPolicy(idempotencyKeys: nil, hookDeliveries: nil, readNotices: nil)
}

/// The kinds of rows a ``RetentionPolicy`` can delete.
public enum RetainedRecords: String, Sendable, Hashable, CaseIterable {
    /// Idempotency keys and the results recorded under them.
    case idempotencyKeys = "idempotency_keys"
    /// Which hooks accepted a finished (delivered or withheld) notification.
    case hookDeliveries = "hook_deliveries"
    /// Notifications that were read and whose delivery is finished, with their hook rows.
    case readNotices = "read_notices"
}

/// What one retention batch changed.
public struct RetentionBatch: Sendable, Hashable {
    /// Rows deleted.
    public var deleted: Int
    /// Rows written otherwise (an idempotency key recorded before it had a time gets `now`).
    public var stamped: Int

    /// Creates a batch result.
    public init(deleted: Int, stamped: Int = 0) {
        self.deleted = deleted
        self.stamped = stamped
    }

    /// Rows the batch touched: when less than the limit, nothing more is due.
    public var touched: Int { deleted + stamped }
}

/// Deletes what a ``RetentionPolicy`` no longer keeps, a bounded batch at a time.
///
/// Used by `CollabRunner`, which applies its policy in the background.
public protocol RetentionStore: Sendable {
    /// In one transaction, deletes up to `limit` (at least 1) rows of `kind` recorded at or before `cutoff`.
    /// Never deletes audit events, pending or parked notifications, or the hook rows of an unfinished
    /// notification. Throws only storage codes; a batch that touches fewer than `limit` rows means nothing
    /// more is due.
    ///
    /// For ``RetainedRecords/idempotencyKeys``, keys recorded without a time (before the schema kept one)
    /// first get `now`, within the same bound, so they expire one full age after the first batch sees them.
    func deleteExpired(_ kind: RetainedRecords, before cutoff: Date, now: Date, limit: Int)
        async throws(CollabError) -> RetentionBatch
}
