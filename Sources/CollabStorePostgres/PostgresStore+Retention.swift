import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore: RetentionStore {
    /// Deletes one batch of expired records, like SQLiteStore. Each batch is one read-committed transaction;
    /// rows another instance's batch is deleting at the same moment are skipped (`FOR UPDATE SKIP LOCKED`), so
    /// instances running retention together neither wait for nor fail on each other.
    public func deleteExpired(_ kind: RetainedRecords, before cutoff: Date, now: Date, limit: Int)
        async throws(CollabError) -> RetentionBatch
    {
        let cutoffMS = cutoff.storedMilliseconds, nowMS = now.storedMilliseconds, limit = max(1, limit)
        let logger = self.logger
        return try await write(.readCommitted) { connection in
            switch kind {
            case .idempotencyKeys:
                // Keys recorded without a time get `now` first, within the same bound.
                let stamped = try await connection.execute("""
                    UPDATE idempotency_keys SET recorded_at = \(nowMS) WHERE (actor_id, key) IN
                        (SELECT actor_id, key FROM idempotency_keys WHERE recorded_at IS NULL
                         LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                    """, logger)
                guard stamped < limit else { return RetentionBatch(deleted: 0, stamped: stamped) }
                let deleted = try await connection.execute("""
                    DELETE FROM idempotency_keys WHERE (actor_id, key) IN
                        (SELECT actor_id, key FROM idempotency_keys WHERE recorded_at <= \(cutoffMS)
                         LIMIT \(limit - stamped) FOR UPDATE SKIP LOCKED)
                    """, logger)
                return RetentionBatch(deleted: deleted, stamped: stamped)
            case .hookDeliveries:
                // Only a finished notification's rows: a pending or parked one needs them not to call a hook
                // that accepted it again.
                let deleted = try await connection.execute("""
                    DELETE FROM notification_hook_deliveries WHERE (notification_id, hook) IN
                        (SELECT d.notification_id, d.hook FROM notification_hook_deliveries d
                         JOIN notifications n ON n.id = d.notification_id
                         WHERE d.delivered_at <= \(cutoffMS) AND n.delivery_state IN ('delivered', 'suppressed')
                            AND n.delivered_at <= \(cutoffMS)
                         LIMIT \(limit) FOR UPDATE OF d SKIP LOCKED)
                    """, logger)
                return RetentionBatch(deleted: deleted)
            case .readNotices:
                let ids = try await connection.rows("""
                    SELECT id FROM notifications
                    WHERE read_at IS NOT NULL AND created_at <= \(cutoffMS) AND delivery_state IN ('delivered', 'suppressed')
                    LIMIT \(limit) FOR UPDATE SKIP LOCKED
                    """, logger).map { try $0.value("id", as: String.self) }
                guard !ids.isEmpty else { return RetentionBatch(deleted: 0) }
                let hooks = try await connection.execute(
                    "DELETE FROM notification_hook_deliveries WHERE notification_id = ANY(\(ids))", logger)
                let notices = try await connection.execute("DELETE FROM notifications WHERE id = ANY(\(ids))", logger)
                return RetentionBatch(deleted: hooks + notices)
            }
        }
    }
}
