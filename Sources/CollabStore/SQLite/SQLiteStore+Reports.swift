import CollabModel
import Foundation
import GRDB

extension SQLiteStore {
    public func assignmentCounts(for memberID: Member.ID, createdIn: DateInterval?, now: Date)
        async throws(CollabError) -> WorkItemCounts
    {
        let from = createdIn?.start.storedMilliseconds ?? Int64.min
        let until = createdIn?.end.storedMilliseconds ?? Int64.max
        let nowMS = now.storedMilliseconds
        return try await read { db in
            // An item is late once now (or its completion) reaches due_at, the first late instant.
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT count(*) AS total,
                    coalesce(sum(w.state NOT IN ('completed', 'cancelled')), 0) AS open,
                    coalesce(sum(w.state = 'completed'), 0) AS completed,
                    coalesce(sum(w.state = 'completed' AND w.closed_at < w.due_at), 0) AS on_time,
                    coalesce(sum(w.state = 'completed' AND w.closed_at >= w.due_at), 0) AS late,
                    coalesce(sum(w.state NOT IN ('completed', 'cancelled') AND w.due_at <= ?2), 0) AS overdue_open
                FROM work_item_access a JOIN work_items w ON w.id = a.item_id
                WHERE a.kind = 'assignee' AND a.key = ?1 AND w.state NOT IN ('draft', 'cancelled')
                    AND w.created_at >= ?3 AND w.created_at < ?4
                """), arguments: [memberID.rawValue, nowMS, from, until])
            guard let row else { return WorkItemCounts(total: 0, open: 0, completed: 0, completedOnTime: 0,
                completedLate: 0, overdueOpen: 0) }
            return WorkItemCounts(
                total: row["total"], open: row["open"], completed: row["completed"], completedOnTime: row["on_time"],
                completedLate: row["late"], overdueOpen: row["overdue_open"])
        }
    }
}
