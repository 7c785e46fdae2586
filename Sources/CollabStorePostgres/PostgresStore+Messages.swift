import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Logging
import PostgresNIO

// Inboxes and the outbox. Several dispatchers on several machines claim deliveries at once: a claim locks
// the rows it takes (`FOR UPDATE SKIP LOCKED`) and leases them in the same statement, so no two claims
// ever hand out one notification; every later write holds only under the very lease it names, and only
// while that lease has not run out. Leases are judged and ended on the database server's clock
// (`clock_timestamp()`), never on a dispatcher's.

extension PostgresStore: MessageStore {
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
        var query = QueryText("SELECT n.* FROM notifications n WHERE n.recipient_id = ")
        query.bind(memberID.rawValue)
        query.add(" AND n.sequence < ")
        query.bind(before)
        if unreadOnly { query.add(" AND n.read_at IS NULL") }
        query.add(" AND ")
        Self.addNoticeVisible(scope, to: &query)
        query.add(" ORDER BY n.sequence DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            let rows = try await connection.rows(statement, logger)
            let notices = try rows.prefix(limit).map(Self.notice(from:))
            var next: String?
            if rows.count > limit { next = try rows[limit - 1].value("sequence", as: Int64.self).description }
            return Page(items: notices, nextCursor: next)
        }
    }

    public func unreadCount(for memberID: Member.ID, visibleIn scope: VisibilityScope) async throws(CollabError) -> Int {
        var query = QueryText("SELECT count(*) AS n FROM notifications n WHERE n.recipient_id = ")
        query.bind(memberID.rawValue)
        query.add(" AND n.read_at IS NULL AND ")
        Self.addNoticeVisible(scope, to: &query)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try await connection.rows(statement, logger).first?.value("n", as: Int.self) ?? 0
        }
    }

    /// The condition "notification `n` concerns no item, or an item visible in `scope`".
    static func addNoticeVisible(_ scope: VisibilityScope, to query: inout QueryText) {
        query.add("(n.item_id IS NULL OR EXISTS (SELECT 1 FROM work_items w WHERE w.id = n.item_id AND ")
        addVisible(scope, to: &query)
        query.add("))")
    }

    public func markRead(_ ids: [Notice.ID], of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        if ids.isEmpty { return 0 }
        let values = Array(Set(ids.map(\.rawValue))).sorted()
        let at = date.millisecondsSince1970
        let logger = logger
        return try await write(.readCommitted) { connection in
            try await connection.execute("""
                UPDATE notifications SET read_at = \(at)
                WHERE id = ANY(\(values)) AND recipient_id = \(memberID.rawValue) AND read_at IS NULL
                """, logger)
        }
    }

    public func markAllRead(of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        let at = date.millisecondsSince1970
        let logger = logger
        return try await write(.readCommitted) { connection in
            try await connection.execute("""
                UPDATE notifications SET read_at = \(at) WHERE recipient_id = \(memberID.rawValue) AND read_at IS NULL
                """, logger)
        }
    }

    public func claimDeliveries(now: Date, limit: Int, lease: Duration, owner: String)
        async throws(CollabError) -> [OutboxEntry]
    {
        let nowMS = now.millisecondsSince1970, leaseMS = lease.leaseMilliseconds, limit = max(1, limit)
        let logger = logger
        return try await write(.readCommitted) { connection in
            // The database's clock, read once for the whole claim, decides which leases ran out and when the new
            // ones end (every entry of a claim gets the same lease); `now` (the caller's business time) decides
            // only what is due.
            guard let storeMS = try await connection.rows(
                "SELECT \(unescaped: Self.databaseNowMS) AS now", logger
            ).first?.value("now", as: Int64.self) else {
                throw CollabError(.storageFailure, "the database did not tell its time")
            }
            let untilMS = storeMS + leaseMS
            let granted = OutboxLease(owner: owner, until: Date(storedMilliseconds: untilMS))
            var entries: [(due: Int64, sequence: Int64, entry: OutboxEntry)] = []
            // A row that cannot be read back is parked with the reason; the claim goes on with the others
            // (parked rows no longer match, so the next pass fills the batch).
            var parkedAny = true
            while parkedAny && entries.count < limit {
                parkedAny = false
                // One statement picks the due rows no other claim holds, locks them and leases them: rows
                // locked by a concurrent claim are skipped, rows it leased meanwhile no longer match.
                let rows = try await connection.rows("""
                    WITH due AS (
                        SELECT id FROM notifications
                        WHERE delivery_state = 'pending' AND next_attempt_at <= \(nowMS)
                            AND (lease_until IS NULL OR lease_until <= \(storeMS))
                        ORDER BY next_attempt_at, sequence
                        LIMIT \(limit - entries.count)
                        FOR UPDATE SKIP LOCKED)
                    UPDATE notifications n SET lease_until = \(untilMS), lease_owner = \(owner)
                    FROM due WHERE n.id = due.id
                    RETURNING n.*, ARRAY(SELECT h.hook FROM notification_hook_deliveries h
                        WHERE h.notification_id = n.id) AS delivered_hooks
                    """, logger)
                for row in rows {
                    let id = try row.value("id", as: String.self)
                    let notice: Notice, attempts: Int, due: Int64, sequence: Int64
                    do {
                        notice = try Self.notice(from: row)
                        attempts = try row.value("attempts", as: Int.self)
                        due = try row.value("next_attempt_at", as: Int64.self)
                        sequence = try row.value("sequence", as: Int64.self)
                    } catch {
                        let reason = String("undecodable notification parked: \(error)".prefix(2000))
                        try await connection.execute("""
                            UPDATE notifications SET delivery_state = 'parked', next_attempt_at = NULL,
                                lease_until = NULL, lease_owner = NULL, last_error = \(reason) WHERE id = \(id)
                            """, logger)
                        logger.error("undecodable notification parked", metadata: [
                            "notification": "\(id.clipped())", "error": "\(error)",
                        ])
                        parkedAny = true
                        continue
                    }
                    let delivered = try row.value("delivered_hooks", as: [String].self)
                    entries.append((due, sequence, OutboxEntry(
                        notification: notice, attempts: attempts, deliveredHooks: Set(delivered),
                        lastError: try row.value("last_error", as: String?.self), lease: granted)))
                }
            }
            // RETURNING follows no order: oldest first, as the claim picked them.
            return entries.sorted { ($0.due, $0.sequence) < ($1.due, $1.sequence) }.map(\.entry)
        }
    }

    public func renewLease(_ id: Notice.ID, _ lease: OutboxLease, for duration: Duration) async throws(CollabError)
        -> OutboxLease?
    {
        let leaseMS = duration.leaseMilliseconds, heldUntil = lease.until.millisecondsSince1970
        let logger = logger
        return try await write(.readCommitted) { connection in
            // Renewed while nobody took the lease over, even if it ran out: then it is the same as claiming the
            // notification again. The new end is on the database's clock.
            let row = try await connection.rows("""
                UPDATE notifications SET lease_until = \(unescaped: Self.databaseNowMS) + \(leaseMS)
                WHERE id = \(id.rawValue) AND delivery_state = 'pending' AND lease_owner = \(lease.owner)
                    AND lease_until = \(heldUntil)
                RETURNING lease_until
                """, logger).first
            guard let until = try row?.value("lease_until", as: Int64.self) else { return nil }
            return OutboxLease(owner: lease.owner, until: Date(storedMilliseconds: until))
        }
    }

    public func recordDelivery(_ outcome: DeliveryOutcome, lease: OutboxLease) async throws(CollabError) -> Bool {
        let id = outcome.notificationID.rawValue
        let owner = lease.owner, heldUntil = lease.until.millisecondsSince1970
        let attempts = outcome.attempts, error = outcome.error
        let at: Date
        switch outcome.next {
        case .delivered(let date), .retry(let date), .parked(let date), .suppressed(let date): at = date
        }
        let atMS = at.millisecondsSince1970
        // Every update holds only while the notification is pending and still holds this very lease: a
        // dispatcher whose lease ran out cannot overwrite what another did, and a final state never goes back.
        var query = QueryText("UPDATE notifications SET ")
        switch outcome.next {
        case .delivered:
            query.add("delivery_state = 'delivered', attempts = ")
            query.bind(attempts)
            query.add(", delivered_at = ")
            query.bind(atMS)
            query.add(", next_attempt_at = NULL, lease_until = NULL, lease_owner = NULL, last_error = ")
            query.bind(error)
        case .retry:
            query.add("attempts = ")
            query.bind(attempts)
            query.add(", next_attempt_at = ")
            query.bind(atMS)
            query.add(", lease_until = NULL, lease_owner = NULL, last_error = ")
            query.bind(error)
        case .suppressed:
            query.add("delivery_state = 'suppressed', attempts = ")
            query.bind(attempts)
            query.add(", delivered_at = ")
            query.bind(atMS)
            query.add(", next_attempt_at = NULL, lease_until = NULL, lease_owner = NULL, last_error = ")
            query.bind(error)
        case .parked:
            query.add("delivery_state = 'parked', attempts = ")
            query.bind(attempts)
            query.add(", next_attempt_at = NULL, lease_until = NULL, lease_owner = NULL, last_error = ")
            query.bind(error)
        }
        query.add(" WHERE id = ")
        query.bind(id)
        query.add(" AND delivery_state = 'pending' AND lease_owner = ")
        query.bind(owner)
        query.add(" AND lease_until = ")
        query.bind(heldUntil)
        // ... and only while that lease has not run out on the database's clock, even if nobody took it over.
        query.add(" AND lease_until > \(Self.databaseNowMS)")
        let update = query.query
        let hooks = Array(Set(outcome.acceptedBy)).sorted()
        let logger = logger
        return try await write(.readCommitted) { connection in
            guard try await connection.execute(update, logger) == 1 else { return false }
            if !hooks.isEmpty {
                try await connection.execute("""
                    INSERT INTO notification_hook_deliveries (notification_id, hook, delivered_at)
                    SELECT \(id), hook, \(atMS) FROM unnest(\(hooks)::text[]) AS hook
                    ON CONFLICT DO NOTHING
                    """, logger)
            }
            return true
        }
    }

    public func deliveryState(of id: Notice.ID) async throws(CollabError) -> NotificationDeliveryState? {
        let logger = logger
        return try await read { connection in
            guard let row = try await connection.rows("""
                SELECT delivery_state, attempts, last_error, next_attempt_at, delivered_at, lease_owner, lease_until,
                    ARRAY(SELECT h.hook FROM notification_hook_deliveries h WHERE h.notification_id = n.id) AS hooks
                FROM notifications n WHERE id = \(id.rawValue)
                """, logger).first
            else { return nil }
            let stored = try row.value("delivery_state", as: String.self)
            guard let status = NotificationDeliveryState.Status(rawValue: stored) else {
                throw CollabError(.storageCorrupt,
                    "notification '\(id.rawValue.clipped())' has an unknown delivery state '\(stored.clipped())'")
            }
            var lease: OutboxLease?
            if let owner = try row.value("lease_owner", as: String?.self),
                let until = try row.value("lease_until", as: Int64?.self)
            {
                lease = OutboxLease(owner: owner, until: Date(storedMilliseconds: until))
            }
            return NotificationDeliveryState(
                status: status, attempts: try row.value("attempts", as: Int.self),
                lastError: try row.value("last_error", as: String?.self),
                deliveredHooks: Set(try row.value("hooks", as: [String].self)),
                nextAttemptAt: try row.value("next_attempt_at", as: Int64?.self).map(Date.init(storedMilliseconds:)),
                finishedAt: try row.value("delivered_at", as: Int64?.self).map(Date.init(storedMilliseconds:)), lease: lease)
        }
    }

    public func nextDeliveryDue() async throws(CollabError) -> Date? {
        let logger = logger
        return try await read { connection in
            // Business time only: a notification under a live lease (judged on the database's clock) is left out.
            try await connection.rows("""
                SELECT min(next_attempt_at) AS due FROM notifications
                WHERE delivery_state = 'pending'
                    AND (lease_until IS NULL OR lease_until <= \(unescaped: Self.databaseNowMS))
                """, logger).first?.value("due", as: Int64?.self).map(Date.init(storedMilliseconds:))
        }
    }

    public func outboxCounts() async throws(CollabError) -> OutboxCounts {
        let logger = logger
        return try await read { connection in
            var counts = OutboxCounts(pending: 0, delivered: 0, parked: 0)
            for row in try await connection.rows(
                "SELECT delivery_state, count(*) AS n FROM notifications GROUP BY delivery_state", logger)
            {
                let n = try row.value("n", as: Int.self)
                switch try row.value("delivery_state", as: String.self) {
                case "pending": counts.pending = n
                case "delivered": counts.delivered = n
                case "parked": counts.parked = n
                case "suppressed": counts.suppressed = n
                default: break
                }
            }
            return counts
        }
    }

    public func parkedDeliveries(limit: Int) async throws(CollabError) -> [OutboxEntry] {
        let limit = max(1, limit)
        let logger = logger
        return try await read { connection in
            let rows = try await connection.rows("""
                SELECT n.*, ARRAY(SELECT h.hook FROM notification_hook_deliveries h WHERE h.notification_id = n.id)
                    AS delivered_hooks
                FROM notifications n WHERE delivery_state = 'parked' ORDER BY sequence LIMIT \(limit)
                """, logger)
            return try rows.compactMap { row in
                // A row that could not be read back was parked for that reason: see deliveryState(of:).
                guard let notice = try? Self.notice(from: row) else { return nil }
                return OutboxEntry(
                    notification: notice, attempts: try row.value("attempts", as: Int.self),
                    deliveredHooks: Set(try row.value("delivered_hooks", as: [String].self)),
                    lastError: try row.value("last_error", as: String?.self))
            }
        }
    }

    public func requeueParked(_ ids: [Notice.ID], now: Date) async throws(CollabError) -> Int {
        if ids.isEmpty { return 0 }
        let values = Array(Set(ids.map(\.rawValue))).sorted()
        let nowMS = now.millisecondsSince1970
        let logger = logger
        return try await write(.readCommitted) { connection in
            try await connection.execute("""
                UPDATE notifications SET delivery_state = 'pending', attempts = 0, next_attempt_at = \(nowMS),
                    lease_until = NULL, lease_owner = NULL WHERE id = ANY(\(values)) AND delivery_state = 'parked'
                """, logger)
        }
    }

    public func unreadNoticeIDs(_ ids: [Notice.ID]?, of memberID: Member.ID) async throws(CollabError) -> [Notice.ID] {
        let logger = logger
        return try await read { connection in
            let unread = try await connection.rows("""
                SELECT id FROM notifications WHERE recipient_id = \(memberID.rawValue) AND read_at IS NULL
                ORDER BY sequence
                """, logger).map { Notice.ID(try $0.value("id", as: String.self)) }
            guard let ids else { return unread }
            let wanted = Set(ids)
            return unread.filter { wanted.contains($0) }
        }
    }

    public func unreadRecordNotices(for memberID: Member.ID) async throws(CollabError) -> [Notice] {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM notifications
                WHERE recipient_id = \(memberID.rawValue) AND read_at IS NULL AND record IS NOT NULL ORDER BY sequence
                """, logger).map(Self.notice(from:))
        }
    }

    /// Every notification stored for `memberID`, oldest first, whatever the member may see now (a
    /// deactivated member's too): for tests and operators' tools, never to show to the member.
    public func storedNotices(of memberID: Member.ID) async throws(CollabError) -> [Notice] {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM notifications WHERE recipient_id = \(memberID.rawValue) ORDER BY sequence
                """, logger).map(Self.notice(from:))
        }
    }

    /// Reads a notification's row; a row that cannot be read (an unknown urgency, a missing value) is
    /// `CollabError.Code.storageCorrupt` naming the column, never a trap.
    static func notice(from row: PostgresRandomAccessRow) throws -> Notice {
        let id = (try? row.value("id", as: String.self)) ?? "?"
        func text(_ column: String) throws -> String {
            guard let value = try? row.value(column, as: String?.self) else {
                throw CollabError(.storageCorrupt, "notification '\(id.clipped())' has no readable \(column)")
            }
            return value
        }
        func optionalText(_ column: String) throws -> String? {
            do {
                return try row.value(column, as: String?.self)
            } catch {
                throw CollabError(.storageCorrupt, "notification '\(id.clipped())' has no readable \(column)")
            }
        }
        func time(_ column: String) throws -> Date? {
            do {
                return try row.value(column, as: Int64?.self).map(Date.init(storedMilliseconds:))
            } catch {
                throw CollabError(.storageCorrupt, "notification '\(id.clipped())' has no readable \(column)")
            }
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
}
