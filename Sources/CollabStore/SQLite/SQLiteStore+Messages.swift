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

    public func claimDeliveries(now: Date, limit: Int, lease: Duration, owner: String)
        async throws(CollabError) -> [OutboxEntry]
    {
        let nowMS = now.storedMilliseconds, leaseMS = lease.leaseMilliseconds, limit = max(1, limit)
        let logger = logger, clock = configuration.clock
        return try await write { db in
            // The store's clock, read inside the transaction, decides which leases ran out and when the new
            // ones end; `now` (the caller's business time) decides only what is due.
            let storeMS = clock.now().storedMilliseconds
            let untilMS = storeMS + leaseMS
            let granted = OutboxLease(owner: owner, until: Date(storedMilliseconds: untilMS))
            let due = try db.cachedStatement(sql: """
                SELECT * FROM notifications
                WHERE delivery_state = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?3)
                ORDER BY next_attempt_at, sequence LIMIT ?2
                """)
            let take = try db.cachedStatement(sql: "UPDATE notifications SET lease_until = ?, lease_owner = ? WHERE id = ?")
            let park = try db.cachedStatement(sql: """
                UPDATE notifications SET delivery_state = 'parked', next_attempt_at = NULL, lease_until = NULL,
                    lease_owner = NULL, last_error = ? WHERE id = ?
                """)
            let hooks = try db.cachedStatement(sql: "SELECT hook FROM notification_hook_deliveries WHERE notification_id = ?")
            var entries: [OutboxEntry] = []
            // A row that cannot be read back is parked with the reason; the claim goes on with the others
            // (parked rows no longer match, so the next pass fills the batch).
            var parkedAny = true
            while parkedAny && entries.count < limit {
                parkedAny = false
                for row in try Row.fetchAll(due, arguments: [nowMS, limit - entries.count, storeMS]) {
                    // The id column is TEXT NOT NULL UNIQUE; park by whatever value it holds.
                    let id: DatabaseValue = row["id"]
                    let notice: Notice, attempts: Int
                    do {
                        notice = try Self.notice(from: row)
                        attempts = try Self.attempts(of: row)
                    } catch {
                        let reason = "undecodable notification parked: \(error)"
                        try park.execute(arguments: [String(reason.prefix(2000)), id])
                        logger.error("undecodable notification parked", metadata: [
                            "notification": "\(String(describing: id).clipped())", "error": "\(error)",
                        ])
                        parkedAny = true
                        continue
                    }
                    try take.execute(arguments: [untilMS, owner, id])
                    let delivered = try String.fetchSet(hooks, arguments: [id])
                    entries.append(OutboxEntry(notification: notice, attempts: attempts, deliveredHooks: delivered,
                        lastError: row.storedText("last_error"), lease: granted))
                }
            }
            return entries
        }
    }

    public func renewLease(_ id: Notice.ID, _ lease: OutboxLease, for duration: Duration) async throws(CollabError)
        -> OutboxLease?
    {
        let leaseMS = duration.leaseMilliseconds, clock = configuration.clock
        return try await write { db in
            // Renewed while nobody took the lease over, even if it ran out: then it is the same as claiming the
            // notification again. The new end is on the store's clock.
            let untilMS = clock.now().storedMilliseconds + leaseMS
            try db.cachedStatement(sql: """
                UPDATE notifications SET lease_until = ? WHERE id = ? AND delivery_state = 'pending'
                    AND lease_owner = ? AND lease_until = ?
                """).execute(arguments: [untilMS, id.rawValue, lease.owner, lease.until.storedMilliseconds])
            return db.changesCount == 1 ? OutboxLease(owner: lease.owner, until: Date(storedMilliseconds: untilMS)) : nil
        }
    }

    public func recordDelivery(_ outcome: DeliveryOutcome, lease: OutboxLease) async throws(CollabError) -> Bool {
        let clock = configuration.clock
        return try await write { db in
            let id = outcome.notificationID.rawValue
            // Every update holds only while the notification is pending and this very lease still holds on the
            // store's clock (read inside the transaction): a dispatcher whose lease ran out cannot overwrite what
            // another did, even before anyone took the notification over, and a final state never goes back.
            let storeMS = clock.now().storedMilliseconds
            let held = "id = ? AND delivery_state = 'pending' AND lease_owner = ? AND lease_until = ? AND lease_until > ?"
            let holder: StatementArguments = [id, lease.owner, lease.until.storedMilliseconds, storeMS]
            let at: Date
            switch outcome.next {
            case .delivered(let date), .retry(let date), .parked(let date), .suppressed(let date): at = date
            }
            switch outcome.next {
            case .delivered(let at):
                try db.cachedStatement(sql: """
                    UPDATE notifications SET delivery_state = 'delivered', attempts = ?, delivered_at = ?,
                        next_attempt_at = NULL, lease_until = NULL, lease_owner = NULL, last_error = ? WHERE \(held)
                    """).execute(arguments: [outcome.attempts, at.storedMilliseconds, outcome.error] + holder)
            case .retry(let at):
                try db.cachedStatement(sql: """
                    UPDATE notifications SET attempts = ?, next_attempt_at = ?, lease_until = NULL, lease_owner = NULL,
                        last_error = ? WHERE \(held)
                    """).execute(arguments: [outcome.attempts, at.storedMilliseconds, outcome.error] + holder)
            case .suppressed(let at):
                try db.cachedStatement(sql: """
                    UPDATE notifications SET delivery_state = 'suppressed', attempts = ?, delivered_at = ?,
                        next_attempt_at = NULL, lease_until = NULL, lease_owner = NULL, last_error = ? WHERE \(held)
                    """).execute(arguments: [outcome.attempts, at.storedMilliseconds, outcome.error] + holder)
            case .parked:
                try db.cachedStatement(sql: """
                    UPDATE notifications SET delivery_state = 'parked', attempts = ?, next_attempt_at = NULL,
                        lease_until = NULL, lease_owner = NULL, last_error = ? WHERE \(held)
                    """).execute(arguments: [outcome.attempts, outcome.error] + holder)
            }
            guard db.changesCount == 1 else { return false }
            let accept = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO notification_hook_deliveries (notification_id, hook, delivered_at) VALUES (?, ?, ?)
                """)
            for hook in outcome.acceptedBy {
                try accept.execute(arguments: [id, hook, at.storedMilliseconds])
            }
            return true
        }
    }

    public func deliveryState(of id: Notice.ID) async throws(CollabError) -> NotificationDeliveryState? {
        try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT delivery_state, attempts, last_error, next_attempt_at, delivered_at, lease_owner, lease_until
                FROM notifications WHERE id = ?
                """), arguments: [id.rawValue])
            else { return nil }
            let stored: String = row["delivery_state"]
            guard let status = NotificationDeliveryState.Status(rawValue: stored) else {
                throw CollabError(.storageCorrupt,
                    "notification '\(id.rawValue.clipped())' has an unknown delivery state '\(stored.clipped())'")
            }
            let hooks = try String.fetchSet(db.cachedStatement(sql:
                "SELECT hook FROM notification_hook_deliveries WHERE notification_id = ?"), arguments: [id.rawValue])
            var lease: OutboxLease?
            if let owner = row["lease_owner"] as String?, let until = row["lease_until"] as Int64? {
                lease = OutboxLease(owner: owner, until: Date(storedMilliseconds: until))
            }
            return NotificationDeliveryState(
                status: status, attempts: row["attempts"], lastError: row["last_error"], deliveredHooks: hooks,
                nextAttemptAt: (row["next_attempt_at"] as Int64?).map(Date.init(storedMilliseconds:)),
                finishedAt: (row["delivered_at"] as Int64?).map(Date.init(storedMilliseconds:)), lease: lease)
        }
    }

    public func nextDeliveryDue() async throws(CollabError) -> Date? {
        let clock = configuration.clock
        return try await read { db in
            // Business time only: a notification under a live lease (judged on the store's clock) is left out.
            try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT min(next_attempt_at) FROM notifications
                WHERE delivery_state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
                """), arguments: [clock.now().storedMilliseconds]).map(Date.init(storedMilliseconds:))
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
            return try rows.compactMap { row in
                // A row that could not be read back was parked for that reason: see deliveryState(of:).
                guard let notice = try? Self.notice(from: row) else { return nil }
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
                        lease_until = NULL, lease_owner = NULL WHERE id = ? AND delivery_state = 'parked'
                    """).execute(arguments: [now.storedMilliseconds, id.rawValue])
                changed += db.changesCount
            }
            return changed
        }
    }

    public func unreadNoticeIDs(_ ids: [Notice.ID]?, of memberID: Member.ID) async throws(CollabError) -> [Notice.ID] {
        try await read { db in
            let unread = try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM notifications INDEXED BY notifications_unread
                WHERE recipient_id = ? AND read_at IS NULL ORDER BY sequence
                """), arguments: [memberID.rawValue]).map { Notice.ID($0) }
            guard let ids else { return unread }
            let wanted = Set(ids)
            return unread.filter { wanted.contains($0) }
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

    /// Every notification stored for `memberID`, oldest first, whatever the member may see now (a
    /// deactivated member's too): for tests and operators' tools, never to show to the member.
    public func storedNotices(of memberID: Member.ID) async throws(CollabError) -> [Notice] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM notifications INDEXED BY notifications_by_recipient WHERE recipient_id = ? ORDER BY sequence
                """), arguments: [memberID.rawValue]).map(Self.notice(from:))
        }
    }

    /// Reads a notification's row; a row that cannot be read (a column of the wrong type, an unknown
    /// urgency) is `CollabError.Code.storageCorrupt` naming the column and value, never a trap.
    static func notice(from row: Row) throws -> Notice {
        let id = row.storedText("id") ?? "?"
        func text(_ column: String) throws -> String {
            guard let value = row.storedText(column) else {
                throw CollabError(.storageCorrupt, "notification '\(id.clipped())' has no readable \(column)")
            }
            return value
        }
        func optionalText(_ column: String) throws -> String? {
            if row.isNull(column) { return nil }
            return try text(column)
        }
        func time(_ column: String) throws -> Date? {
            if row.isNull(column) { return nil }
            guard let value = row.storedInteger(column) else {
                throw CollabError(.storageCorrupt, "notification '\(id.clipped())' has no readable \(column)")
            }
            return Date(storedMilliseconds: value)
        }
        let storedUrgency = try text("urgency")
        guard let urgency = Notice.Urgency(rawValue: storedUrgency) else {
            throw CollabError(.storageCorrupt,
                "notification '\(id.clipped())' has an unknown urgency '\(storedUrgency.clipped())'")
        }
        guard let createdAt = try time("created_at") else {
            throw CollabError(.storageCorrupt, "notification '\(id.clipped())' has no readable created_at")
        }
        return Notice(
            id: Notice.ID(rawValue: try text("id")), organizationID: Organization.ID(rawValue: try text("organization_id")),
            recipientID: Member.ID(rawValue: try text("recipient_id")), kind: Notice.Kind(rawValue: try text("kind")),
            urgency: urgency, itemID: try optionalText("item_id").map(WorkItem.ID.init(rawValue:)),
            actorID: try optionalText("actor_id").map(Member.ID.init(rawValue:)), title: try text("title"),
            body: try text("body"), createdAt: createdAt, readAt: try time("read_at"),
            record: try optionalText("record").flatMap(RecordReference.init(stored:)),
            message: try optionalText("message").flatMap(LocalizedMessage.init(storedJSON:)))
    }

    /// A claimed row's attempt count; a row where it is not a number is `storageCorrupt`.
    static func attempts(of row: Row) throws -> Int {
        guard let value = row.storedInteger("attempts"), let attempts = Int(exactly: value) else {
            throw CollabError(.storageCorrupt,
                "notification '\((row.storedText("id") ?? "?").clipped())' has no readable attempts")
        }
        return attempts
    }
}

extension Row {
    /// The column's text, or `nil` when it is NULL or not text: never traps on what a file holds.
    fileprivate func storedText(_ column: String) -> String? {
        let value: DatabaseValue = self[column]
        if case .string(let text) = value.storage { return text }
        return nil
    }

    /// The column's integer, or `nil` when it is NULL or not an integer.
    fileprivate func storedInteger(_ column: String) -> Int64? {
        let value: DatabaseValue = self[column]
        if case .int64(let number) = value.storage { return number }
        return nil
    }

    /// Whether the column is NULL.
    fileprivate func isNull(_ column: String) -> Bool {
        (self[column] as DatabaseValue).isNull
    }
}
