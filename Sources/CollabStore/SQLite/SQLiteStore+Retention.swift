import CollabModel
import Foundation
import GRDB

extension SQLiteStore {
    public func deleteExpired(_ kind: RetainedRecords, before cutoff: Date, now: Date, limit: Int)
        async throws(CollabError) -> RetentionBatch
    {
        let cutoffMS = cutoff.storedMilliseconds, nowMS = now.storedMilliseconds, limit = max(1, limit)
        return try await write { db in
            switch kind {
            case .idempotencyKeys:
                // Keys recorded before the schema kept their time get `now` first, within the same bound.
                try db.cachedStatement(sql: """
                    UPDATE idempotency_keys SET recorded_at = ?1 WHERE (actor_id, key) IN
                        (SELECT actor_id, key FROM idempotency_keys WHERE recorded_at IS NULL LIMIT ?2)
                    """).execute(arguments: [nowMS, limit])
                let stamped = db.changesCount
                guard stamped < limit else { return RetentionBatch(deleted: 0, stamped: stamped) }
                try db.cachedStatement(sql: """
                    DELETE FROM idempotency_keys WHERE (actor_id, key) IN
                        (SELECT actor_id, key FROM idempotency_keys WHERE recorded_at <= ?1 LIMIT ?2)
                    """).execute(arguments: [cutoffMS, limit - stamped])
                return RetentionBatch(deleted: db.changesCount, stamped: stamped)
            case .hookDeliveries:
                // Only a finished notification's rows: a pending or parked one needs them not to call a hook
                // that accepted it again.
                try db.cachedStatement(sql: """
                    DELETE FROM notification_hook_deliveries WHERE (notification_id, hook) IN
                        (SELECT d.notification_id, d.hook FROM notification_hook_deliveries d
                         JOIN notifications n ON n.id = d.notification_id
                         WHERE d.delivered_at <= ?1 AND n.delivery_state IN ('delivered', 'suppressed')
                            AND n.delivered_at <= ?1
                         LIMIT ?2)
                    """).execute(arguments: [cutoffMS, limit])
                return RetentionBatch(deleted: db.changesCount)
            case .readNotices:
                let ids = try String.fetchAll(db.cachedStatement(sql: """
                    SELECT id FROM notifications INDEXED BY notifications_read
                    WHERE read_at IS NOT NULL AND created_at <= ?1 AND delivery_state IN ('delivered', 'suppressed')
                    LIMIT ?2
                    """), arguments: [cutoffMS, limit])
                let hooks = try db.cachedStatement(sql: "DELETE FROM notification_hook_deliveries WHERE notification_id = ?")
                let notice = try db.cachedStatement(sql: "DELETE FROM notifications WHERE id = ?")
                var deleted = 0
                for id in ids {
                    try hooks.execute(arguments: [id])
                    deleted += db.changesCount
                    try notice.execute(arguments: [id])
                    deleted += db.changesCount
                }
                return RetentionBatch(deleted: deleted)
            }
        }
    }
}
