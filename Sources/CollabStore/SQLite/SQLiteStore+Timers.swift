import CollabModel
import Foundation
import GRDB

extension SQLiteStore {
    static func applyTimerPlan(_ plan: TimerPlan, _ db: Database) throws {
        let ids = plan.timers.map(\.id)
        if ids.isEmpty {
            try db.run("DELETE FROM timers WHERE record = ? AND state = 'pending'", [plan.record.stored])
        } else {
            try db.run("""
                DELETE FROM timers WHERE record = ? AND state = 'pending' AND id NOT IN \(inJSONList)
                """, [plan.record.stored, jsonList(ids)])
        }
        for timer in plan.timers {
            // A timer moved to another instant loses its claim: the claimer's acknowledgement is refused.
            try db.run("""
                INSERT INTO timers (id, record, organization_id, kind, detail, fire_at, state)
                VALUES (?, ?, ?, ?, ?, ?, 'pending')
                ON CONFLICT(id) DO UPDATE SET fire_at = excluded.fire_at,
                    claim_token = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.claim_token END,
                    lease_until = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.lease_until END
                WHERE timers.state = 'pending'
                """, [
                    timer.id, plan.record.stored, plan.organizationID.rawValue, timer.kind.rawValue, timer.detail,
                    timer.fireAt.storedMilliseconds,
                ])
        }
    }

    /// Schedules timers that are not scheduled yet (``ScenarioChanges/timers``).
    static func scheduleTimers(_ timers: [ScheduledTimer], _ db: Database) throws {
        for timer in timers {
            try db.run("""
                INSERT OR IGNORE INTO timers (id, record, organization_id, kind, detail, fire_at, state)
                VALUES (?, ?, ?, ?, ?, ?, 'pending')
                """, [
                    timer.id, timer.record.stored, timer.organizationID.rawValue, timer.kind.rawValue, timer.detail,
                    timer.fireAt.storedMilliseconds,
                ])
        }
    }

    /// Marks a claimed timer fired, inside a commit: only while the claim holds on the store's clock.
    static func acknowledge(_ firing: TimerFiring, now storeNow: Date, _ db: Database) throws {
        let changed = try db.run("""
            UPDATE timers SET state = 'fired', fired_at = ?, claim_token = NULL, lease_until = NULL
            WHERE id = ? AND state = 'pending' AND claim_token = ? AND lease_until > ?
            """, [firing.firedAt.storedMilliseconds, firing.timerID, firing.claim.token, storeNow.storedMilliseconds])
        if changed == 0 {
            let row = try Row.fetchOne(db, sql: "SELECT state, claim_token FROM timers WHERE id = ?", arguments: [firing.timerID])
            throw firing.refused(state: row?["state"], token: row?["claim_token"])
        }
    }

    static func timer(from row: Row) throws -> ScheduledTimer {
        guard let kind = ScheduledTimer.Kind(rawValue: row["kind"]), let record = RecordReference(stored: row["record"])
        else {
            throw CollabError(.storageCorrupt, "timer '\(row["id"] as String)' is unreadable (kind '\(row["kind"] as String)')")
        }
        return ScheduledTimer(
            id: row["id"], record: record, organizationID: Organization.ID(row["organization_id"]), kind: kind,
            detail: row["detail"], fireAt: Date(storedMilliseconds: row["fire_at"]))
    }

    public func claimDueTimers(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError)
        -> [TimerClaim]
    {
        let nowMS = now.storedMilliseconds
        let storeNow = configuration.clock.now()
        let until = storeNow.addingTimeInterval(max(0.001, lease.timeInterval))
        let token = UUID().uuidString
        return try await write { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM timers WHERE state = 'pending' AND fire_at <= ?
                    AND (lease_until IS NULL OR lease_until <= ?) ORDER BY fire_at, id LIMIT ?
                """), arguments: [nowMS, storeNow.storedMilliseconds, max(1, limit)])
            var claims: [TimerClaim] = []
            for row in rows {
                let id: String = row["id"]
                let timer: ScheduledTimer
                do { timer = try Self.timer(from: row) } catch {
                    // A row no version of Collab wrote: leave it pending and unclaimed, and say so.
                    self.logger.error("timer skipped: unreadable", metadata: ["timer": "\(id)"])
                    continue
                }
                claims.append(TimerClaim(timer: timer, token: token, owner: owner, leaseExpiresAt: until))
            }
            if !claims.isEmpty {
                try db.run("UPDATE timers SET claim_token = ?, claim_owner = ?, lease_until = ? WHERE id IN \(Self.inJSONList)",
                    [token, owner, until.storedMilliseconds, Self.jsonList(claims.map(\.timer.id))])
            }
            return claims
        }
    }

    public func releaseTimerClaims(_ claims: [TimerClaim]) async throws(CollabError) {
        if claims.isEmpty { return }
        try await write { db in
            for claim in claims {
                try db.run("""
                    UPDATE timers SET claim_token = NULL, claim_owner = NULL, lease_until = NULL
                    WHERE id = ? AND state = 'pending' AND claim_token = ?
                    """, [claim.timer.id, claim.token])
            }
        }
    }

    public func nextTimerDue() async throws(CollabError) -> Date? {
        let storeNow = configuration.clock.now().storedMilliseconds
        return try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT min(fire_at) FROM timers WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
                """), arguments: [storeNow]).map(Date.init(storedMilliseconds:))
        }
    }

    public func pendingTimers(of record: RecordReference) async throws(CollabError) -> [ScheduledTimer] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM timers WHERE record = ? AND state = 'pending' ORDER BY fire_at, id
                """), arguments: [record.stored]).map(Self.timer(from:))
        }
    }

    public func openItemIDs(in organizationID: Organization.ID, after: WorkItem.ID?, limit: Int)
        async throws(CollabError) -> [WorkItem.ID]
    {
        try await read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM work_items WHERE organization_id = ? AND id > ?
                    AND state NOT IN ('completed', 'cancelled') ORDER BY id LIMIT ?
                """), arguments: [organizationID.rawValue, after?.rawValue ?? "", max(1, limit)]).map(WorkItem.ID.init(rawValue:))
        }
    }

    public func save(_ calendar: BusinessCalendar, for organizationID: Organization.ID, department: Department.ID?)
        async throws(CollabError)
    {
        try calendar.validate().throwIfInvalid()
        let definition: String
        do { definition = try StoredJSON.encode(calendar) } catch {
            throw CollabError(.invalidInput, "the calendar cannot be encoded: \(error)")
        }
        try await write { db in
            guard try Self.fetchOrganization(organizationID, db) != nil else {
                throw CollabError.invalid([ValidationProblem(field: "organizationID", kind: .unknownOrganization,
                    message: "no organization '\(organizationID)'")])
            }
            if let department {
                let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT organization_id FROM departments WHERE id = ?"),
                    arguments: [department.rawValue])
                guard owner == organizationID.rawValue else {
                    throw CollabError.invalid([ValidationProblem(field: "department", kind: .unknownDepartment,
                        message: "'\(department)' is not a department of '\(organizationID)'")])
                }
            }
            try db.cachedStatement(sql: """
                INSERT INTO business_calendars (organization_id, department_id, definition) VALUES (?, ?, ?)
                ON CONFLICT(organization_id, department_id) DO UPDATE SET definition = excluded.definition
                """).execute(arguments: [organizationID.rawValue, department?.rawValue ?? "", definition])
        }
    }

    public func calendar(for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError)
        -> BusinessCalendar?
    {
        try await readRecent { db in
            for key in [department?.rawValue, ""].compactMap({ $0 }) {
                if let text = try String.fetchOne(db.cachedStatement(sql: """
                    SELECT definition FROM business_calendars WHERE organization_id = ? AND department_id = ?
                    """), arguments: [organizationID.rawValue, key])
                {
                    return try StoredJSON.decode(BusinessCalendar.self, text)
                }
            }
            return nil
        }
    }

    public func heads(of departmentIDs: Set<Department.ID>) async throws(CollabError) -> [Member.ID] {
        if departmentIDs.isEmpty { return [] }
        return try await readRecent { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT m.member_id FROM department_memberships m JOIN members p ON p.id = m.member_id
                WHERE m.department_id IN \(Self.inJSONList) AND m.role = 'head' AND p.is_active
                ORDER BY m.member_id
                """), arguments: [Self.jsonList(departmentIDs.map(\.rawValue))]).map(Member.ID.init(rawValue:))
        }
    }
}
