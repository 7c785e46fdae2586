import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// Replaces an item's pending timers by the plan's: pending timers not in the plan go, the plan's are
    /// written (a fired timer is never moved back to pending).
    static func applyTimerPlan(_ plan: TimerPlan, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let ids = plan.timers.map(\.id)
        try await connection.execute("""
            DELETE FROM timers WHERE item_id = \(plan.itemID.rawValue) AND state = 'pending' AND NOT (id = ANY(\(ids)))
            """, logger)
        for timer in plan.timers {
            try await connection.execute("""
                INSERT INTO timers (id, item_id, organization_id, kind, fire_at, state)
                VALUES (\(timer.id), \(plan.itemID.rawValue), \(plan.organizationID.rawValue), \(timer.kind.rawValue),
                    \(timer.fireAt.storedMilliseconds), 'pending')
                ON CONFLICT (id) DO UPDATE SET fire_at = excluded.fire_at WHERE timers.state = 'pending'
                """, logger)
        }
    }

    static func timer(from row: PostgresRandomAccessRow) throws -> ScheduledTimer {
        let id = try row.value("id", as: String.self)
        guard let kind = ScheduledTimer.Kind(rawValue: try row.value("kind", as: String.self)) else {
            throw CollabError(.storageCorrupt, "timer '\(id)' has an unknown kind")
        }
        return ScheduledTimer(
            id: id, itemID: WorkItem.ID(try row.value("item_id", as: String.self)), kind: kind,
            fireAt: try row.requiredDate("fire_at"))
    }

    public func dueTimers(now: Date, limit: Int) async throws(CollabError) -> [ScheduledTimer] {
        let nowMS = now.storedMilliseconds, limit = max(1, limit)
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT id, item_id, kind, fire_at FROM timers WHERE state = 'pending' AND fire_at <= \(nowMS)
                ORDER BY fire_at, id LIMIT \(limit)
                """, logger).map(Self.timer(from:))
        }
    }

    public func nextTimerDue() async throws(CollabError) -> Date? {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT min(fire_at) AS next FROM timers WHERE state = 'pending'", logger)
                .first?.value("next", as: Int64?.self).map(Date.init(storedMilliseconds:))
        }
    }

    public func pendingTimers(of itemID: WorkItem.ID) async throws(CollabError) -> [ScheduledTimer] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT id, item_id, kind, fire_at FROM timers WHERE item_id = \(itemID.rawValue) AND state = 'pending'
                ORDER BY fire_at, id
                """, logger).map(Self.timer(from:))
        }
    }

    public func openItemIDs(in organizationID: Organization.ID, after: WorkItem.ID?, limit: Int)
        async throws(CollabError) -> [WorkItem.ID]
    {
        let logger = self.logger
        let after = after?.rawValue ?? "", limit = max(1, limit)
        return try await read { connection in
            try await connection.rows("""
                SELECT id FROM work_items WHERE organization_id = \(organizationID.rawValue) AND id > \(after)
                    AND state NOT IN ('completed', 'cancelled') ORDER BY id LIMIT \(limit)
                """, logger).map { WorkItem.ID(try $0.value("id", as: String.self)) }
        }
    }
}
