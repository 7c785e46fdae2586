import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// Schema step 2: item timers and record timers become one table keyed by the record
    /// (`work_item:<id>`, `announcement:<id>`, ...), with claims (`claim_token`, `claim_owner`, `lease_until`,
    /// in milliseconds of the database server's clock).
    static let schemaVersion2 = Migration(version: 2, name: "one timer table for every record, with claims", statements: [
        """
        CREATE TABLE timers_by_record (
            id TEXT COLLATE "C" PRIMARY KEY,
            record TEXT COLLATE "C" NOT NULL,
            organization_id TEXT COLLATE "C" NOT NULL,
            kind TEXT COLLATE "C" NOT NULL,
            detail TEXT COLLATE "C" NOT NULL DEFAULT '',
            fire_at BIGINT NOT NULL,
            state TEXT COLLATE "C" NOT NULL,
            fired_at BIGINT,
            claim_token TEXT COLLATE "C",
            claim_owner TEXT COLLATE "C",
            lease_until BIGINT
        )
        """,
        """
        INSERT INTO timers_by_record (id, record, organization_id, kind, detail, fire_at, state, fired_at)
        SELECT id, 'work_item:' || item_id, organization_id, kind, '', fire_at, state, fired_at FROM timers
        """,
        """
        INSERT INTO timers_by_record (id, record, organization_id, kind, detail, fire_at, state, fired_at)
        SELECT id, record, organization_id, kind, detail, fire_at, state, fired_at FROM record_timers
        ON CONFLICT (id) DO NOTHING
        """,
        "DROP TABLE timers",
        "DROP TABLE record_timers",
        "ALTER TABLE timers_by_record RENAME TO timers",
        "ALTER INDEX timers_by_record_pkey RENAME TO timers_pkey",
        "CREATE INDEX timers_due ON timers(fire_at, id) WHERE state = 'pending'",
        "CREATE INDEX timers_by_record ON timers(record, state)",
    ])

    /// The database server's clock in milliseconds since 1970: it decides leases, whatever the instances'
    /// clocks say. `clock_timestamp()`, not `now()`: a transaction that waited must not see the time it began.
    static let databaseNowMS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

    /// Replaces a record's pending timers by the plan's: pending timers not in the plan go, the plan's are
    /// written (a fired timer is never moved back to pending; a moved timer loses its claim).
    static func applyTimerPlan(_ plan: TimerPlan, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let ids = plan.timers.map(\.id)
        try await connection.execute("""
            DELETE FROM timers WHERE record = \(plan.record.stored) AND state = 'pending' AND NOT (id = ANY(\(ids)))
            """, logger)
        for timer in plan.timers {
            try await connection.execute("""
                INSERT INTO timers (id, record, organization_id, kind, detail, fire_at, state)
                VALUES (\(timer.id), \(plan.record.stored), \(plan.organizationID.rawValue), \(timer.kind.rawValue),
                    \(timer.detail), \(timer.fireAt.storedMilliseconds), 'pending')
                ON CONFLICT (id) DO UPDATE SET fire_at = excluded.fire_at,
                    claim_token = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.claim_token END,
                    lease_until = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.lease_until END
                WHERE timers.state = 'pending'
                """, logger)
        }
    }

    /// Schedules timers that are not scheduled yet (``ScenarioChanges/timers``).
    static func scheduleTimers(_ timers: [ScheduledTimer], _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        for timer in timers {
            try await connection.execute("""
                INSERT INTO timers (id, record, organization_id, kind, detail, fire_at, state)
                VALUES (\(timer.id), \(timer.record.stored), \(timer.organizationID.rawValue), \(timer.kind.rawValue),
                    \(timer.detail), \(timer.fireAt.storedMilliseconds), 'pending')
                ON CONFLICT (id) DO NOTHING
                """, logger)
        }
    }

    /// Marks a claimed timer fired, inside a commit: only while the claim holds on the database's clock.
    static func acknowledge(_ firing: TimerFiring, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let query: PostgresQuery = """
            UPDATE timers SET state = 'fired', fired_at = \(firing.firedAt.storedMilliseconds), claim_token = NULL,
                lease_until = NULL
            WHERE id = \(firing.timerID) AND state = 'pending' AND claim_token = \(firing.claim.token)
                AND lease_until > \(unescaped: databaseNowMS)
            """
        if try await connection.execute(query, logger) > 0 { return }
        let row = try await connection.rows(
            "SELECT state, claim_token FROM timers WHERE id = \(firing.timerID)", logger
        ).first
        throw firing.refused(
            state: try row?.value("state", as: String.self), token: try row?.value("claim_token", as: String?.self) ?? nil)
    }

    static func timer(from row: PostgresRandomAccessRow) throws -> ScheduledTimer {
        let id = try row.value("id", as: String.self)
        let kindText = try row.value("kind", as: String.self)
        guard let kind = ScheduledTimer.Kind(rawValue: kindText),
            let record = RecordReference(stored: try row.value("record", as: String.self))
        else {
            throw CollabError(.storageCorrupt, "timer '\(id)' is unreadable (kind '\(kindText)')")
        }
        return ScheduledTimer(
            id: id, record: record, organizationID: Organization.ID(try row.value("organization_id", as: String.self)),
            kind: kind, detail: try row.value("detail", as: String.self), fireAt: try row.requiredDate("fire_at"))
    }

    public func claimDueTimers(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError)
        -> [TimerClaim]
    {
        let nowMS = now.storedMilliseconds, limit = max(1, limit)
        let leaseMS = max(Int64(1), Int64((lease.timeInterval * 1000).rounded()))
        let token = UUID().uuidString
        let logger = self.logger
        return try await write(.readCommitted) { connection in
            // One statement: the due timers no live claim holds are locked (skipping those another claimer has
            // locked this instant) and leased on the database's clock.
            let rows = try await connection.rows("""
                WITH due AS (
                    SELECT id FROM timers
                    WHERE state = 'pending' AND fire_at <= \(nowMS)
                        AND (lease_until IS NULL OR lease_until <= \(unescaped: Self.databaseNowMS))
                    ORDER BY fire_at, id LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE timers t SET claim_token = \(token), claim_owner = \(owner),
                    lease_until = \(unescaped: Self.databaseNowMS) + \(leaseMS)
                FROM due WHERE t.id = due.id
                RETURNING t.*
                """, logger)
            var claims: [TimerClaim] = []
            for row in rows {
                let timer: ScheduledTimer
                do { timer = try Self.timer(from: row) } catch {
                    logger.error("timer skipped: unreadable", metadata: ["error": "\(error)"])
                    continue
                }
                let until = Date(storedMilliseconds: try row.value("lease_until", as: Int64.self))
                claims.append(TimerClaim(timer: timer, token: token, owner: owner, leaseExpiresAt: until))
            }
            return claims.sorted { ($0.timer.fireAt, $0.timer.id) < ($1.timer.fireAt, $1.timer.id) }
        }
    }

    public func releaseTimerClaims(_ claims: [TimerClaim]) async throws(CollabError) {
        if claims.isEmpty { return }
        let ids = claims.map(\.timer.id), tokens = claims.map(\.token)
        let logger = self.logger
        try await write(.readCommitted) { connection in
            _ = try await connection.execute("""
                UPDATE timers t SET claim_token = NULL, claim_owner = NULL, lease_until = NULL
                FROM unnest(\(ids)::text[], \(tokens)::text[]) AS c(id, token)
                WHERE t.id = c.id AND t.claim_token = c.token AND t.state = 'pending'
                """, logger)
        }
    }

    public func nextTimerDue() async throws(CollabError) -> Date? {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT min(fire_at) AS next FROM timers
                WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= \(unescaped: Self.databaseNowMS))
                """, logger)
                .first?.value("next", as: Int64?.self).map(Date.init(storedMilliseconds:))
        }
    }

    public func pendingTimers(of record: RecordReference) async throws(CollabError) -> [ScheduledTimer] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM timers WHERE record = \(record.stored) AND state = 'pending' ORDER BY fire_at, id
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
