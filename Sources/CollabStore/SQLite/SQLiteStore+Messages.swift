import CollabModel
import CollabPermissions
import Foundation
import GRDB

extension SQLiteStore {
    public func inbox(for memberID: Member.ID, visibleIn scope: VisibilityScope, unreadOnly: Bool, page: PageRequest)
        async throws(CollabError) -> Page<Notice>
    {
        var before = Int64.max
        if let cursor = page.cursor {
            guard let value = Int64(cursor) else {
                throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                    message: "'\(cursor.clipped())' is not an inbox cursor")])
            }
            before = value
        }
        let limit = page.limit
        let beforeSequence = before
        let visible = Self.noticeVisibleCondition(scope)
        return try await read { db in
            let sql = """
                SELECT n.* FROM notifications n WHERE n.recipient_id = ? AND n.sequence < ?
                \(unreadOnly ? "AND n.read_at IS NULL" : "") AND \(visible.sql) ORDER BY n.sequence DESC LIMIT ?
                """
            let rows = try Row.fetchAll(db.statement(sql: sql, terms: scope.grants.count),
                arguments: [memberID.rawValue, beforeSequence] + visible.arguments + [limit + 1])
            let notices = try rows.prefix(limit).map(Self.notice(from:))
            let next: String? = rows.count > limit ? (rows[limit - 1]["sequence"] as Int64).description : nil
            return Page(items: notices, nextCursor: next)
        }
    }

    public func unreadCount(for memberID: Member.ID, visibleIn scope: VisibilityScope) async throws(CollabError) -> Int {
        let visible = Self.noticeVisibleCondition(scope)
        return try await read { db in
            try Int.fetchOne(db.statement(sql: """
                SELECT count(*) FROM notifications n WHERE n.recipient_id = ? AND n.read_at IS NULL AND \(visible.sql)
                """, terms: scope.grants.count), arguments: [memberID.rawValue] + visible.arguments) ?? 0
        }
    }

    /// The condition "notification `n` concerns no item, or an item visible in `scope`".
    static func noticeVisibleCondition(_ scope: VisibilityScope) -> SQLCondition {
        let item = visibleCondition(scope)
        return SQLCondition(
            sql: "(n.item_id IS NULL OR EXISTS (SELECT 1 FROM work_items w WHERE w.id = n.item_id AND \(item.sql)))",
            arguments: item.arguments)
    }

    public func markRead(_ ids: [Notice.ID], of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        if ids.isEmpty { return 0 }
        return try await write { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE notifications SET read_at = ? WHERE id = ? AND recipient_id = ? AND read_at IS NULL
                """)
            var changed = 0
            for id in Set(ids) {
                try statement.execute(arguments: [date.storedMilliseconds, id.rawValue, memberID.rawValue])
                changed += db.changesCount
            }
            return changed
        }
    }

    public func markAllRead(of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        try await write { db in
            try db.cachedStatement(sql: "UPDATE notifications SET read_at = ? WHERE recipient_id = ? AND read_at IS NULL").execute(
                arguments: [date.storedMilliseconds, memberID.rawValue])
            return db.changesCount
        }
    }

    public func claimDeliveries(now: Date, limit: Int, leaseUntil: Date) async throws(CollabError) -> [OutboxEntry] {
        let nowMS = now.storedMilliseconds
        return try await write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM notifications
                WHERE delivery_state = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)
                ORDER BY next_attempt_at, sequence LIMIT ?2
                """), arguments: [nowMS, max(1, limit)])
            let lease = try db.cachedStatement(sql: "UPDATE notifications SET lease_until = ? WHERE id = ?")
            let hooks = try db.cachedStatement(sql: "SELECT hook FROM notification_hook_deliveries WHERE notification_id = ?")
            var entries: [OutboxEntry] = []
            for row in rows {
                let notice = try Self.notice(from: row)
                try lease.execute(arguments: [leaseUntil.storedMilliseconds, notice.id.rawValue])
                let delivered = try String.fetchSet(hooks, arguments: [notice.id.rawValue])
                entries.append(OutboxEntry(notification: notice, attempts: row["attempts"], deliveredHooks: delivered,
                    lastError: row["last_error"]))
            }
            return entries
        }
    }

    public func recordDelivery(_ outcome: DeliveryOutcome) async throws(CollabError) {
        try await write { db in
            let id = outcome.notificationID.rawValue
            for hook in outcome.acceptedBy {
                let at: Date
                switch outcome.next {
                case .delivered(let date), .retry(let date), .parked(let date), .suppressed(let date): at = date
                }
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO notification_hook_deliveries (notification_id, hook, delivered_at) VALUES (?, ?, ?)
                    """).execute(arguments: [id, hook, at.storedMilliseconds])
            }
            switch outcome.next {
            case .delivered(let at):
                try db.cachedStatement(sql: """
                    UPDATE notifications SET delivery_state = 'delivered', attempts = ?, delivered_at = ?,
                        next_attempt_at = NULL, lease_until = NULL, last_error = ? WHERE id = ?
                    """).execute(arguments: [outcome.attempts, at.storedMilliseconds, outcome.error, id])
            case .retry(let at):
                try db.cachedStatement(sql: """
                    UPDATE notifications SET attempts = ?, next_attempt_at = ?, lease_until = NULL, last_error = ?
                    WHERE id = ? AND delivery_state = 'pending'
                    """).execute(arguments: [outcome.attempts, at.storedMilliseconds, outcome.error, id])
            case .suppressed(let at):
                try db.cachedStatement(sql: """
                    UPDATE notifications SET delivery_state = 'suppressed', attempts = ?, delivered_at = ?,
                        next_attempt_at = NULL, lease_until = NULL, last_error = ? WHERE id = ?
                    """).execute(arguments: [outcome.attempts, at.storedMilliseconds, outcome.error, id])
            case .parked:
                try db.cachedStatement(sql: """
                    UPDATE notifications SET delivery_state = 'parked', attempts = ?, next_attempt_at = NULL,
                        lease_until = NULL, last_error = ? WHERE id = ?
                    """).execute(arguments: [outcome.attempts, outcome.error, id])
            }
        }
    }

    public func nextDeliveryDue() async throws(CollabError) -> Date? {
        try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT min(max(next_attempt_at, coalesce(lease_until, 0))) FROM notifications
                WHERE delivery_state = 'pending'
                """)).map(Date.init(storedMilliseconds:))
        }
    }

    public func outboxCounts() async throws(CollabError) -> OutboxCounts {
        try await read { db in
            var counts = OutboxCounts(pending: 0, delivered: 0, parked: 0)
            for row in try Row.fetchAll(db, sql:
                "SELECT delivery_state, count(*) AS n FROM notifications GROUP BY delivery_state")
            {
                switch row["delivery_state"] as String {
                case "pending": counts.pending = row["n"]
                case "delivered": counts.delivered = row["n"]
                case "parked": counts.parked = row["n"]
                case "suppressed": counts.suppressed = row["n"]
                default: break
                }
            }
            return counts
        }
    }

    public func parkedDeliveries(limit: Int) async throws(CollabError) -> [OutboxEntry] {
        try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM notifications WHERE delivery_state = 'parked' ORDER BY sequence LIMIT ?
                """), arguments: [max(1, limit)])
            return try rows.map { row in
                let notice = try Self.notice(from: row)
                let delivered = try String.fetchSet(db, sql:
                    "SELECT hook FROM notification_hook_deliveries WHERE notification_id = ?",
                    arguments: [notice.id.rawValue])
                return OutboxEntry(notification: notice, attempts: row["attempts"], deliveredHooks: delivered,
                    lastError: row["last_error"])
            }
        }
    }

    public func requeueParked(_ ids: [Notice.ID], now: Date) async throws(CollabError) -> Int {
        try await write { db in
            var changed = 0
            for id in Set(ids) {
                try db.cachedStatement(sql: """
                    UPDATE notifications SET delivery_state = 'pending', attempts = 0, next_attempt_at = ?,
                        lease_until = NULL WHERE id = ? AND delivery_state = 'parked'
                    """).execute(arguments: [now.storedMilliseconds, id.rawValue])
                changed += db.changesCount
            }
            return changed
        }
    }

    public func unreadRecordNotices(for memberID: Member.ID) async throws(CollabError) -> [Notice] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM notifications INDEXED BY notifications_unread
                WHERE recipient_id = ? AND read_at IS NULL AND record IS NOT NULL ORDER BY sequence
                """), arguments: [memberID.rawValue]).map(Self.notice(from:))
        }
    }

    static func notice(from row: Row) throws -> Notice {
        guard let urgency = Notice.Urgency(rawValue: row["urgency"]) else {
            throw CollabError(.storageCorrupt, "notification '\(row["id"] as String)' has an unknown urgency")
        }
        return Notice(
            id: Notice.ID(row["id"]), organizationID: Organization.ID(row["organization_id"]),
            recipientID: Member.ID(row["recipient_id"]), kind: Notice.Kind(rawValue: row["kind"]), urgency: urgency,
            itemID: (row["item_id"] as String?).map(WorkItem.ID.init(rawValue:)),
            actorID: (row["actor_id"] as String?).map(Member.ID.init(rawValue:)), title: row["title"],
            body: row["body"], createdAt: Date(storedMilliseconds: row["created_at"]),
            readAt: (row["read_at"] as Int64?).map(Date.init(storedMilliseconds:)),
            record: (row["record"] as String?).flatMap(RecordReference.init(stored:)))
    }
}
