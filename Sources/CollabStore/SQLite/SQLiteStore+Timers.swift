import CollabModel
import Foundation
import GRDB

extension SQLiteStore {
    static func applyTimerPlan(_ plan: TimerPlan, _ db: Database) throws {
        let ids = plan.timers.map(\.id)
        if ids.isEmpty {
            try db.run("DELETE FROM timers WHERE item_id = ? AND state = 'pending'", [plan.itemID.rawValue])
        } else {
            try db.run("""
                DELETE FROM timers WHERE item_id = ? AND state = 'pending' AND id NOT IN \(inJSONList)
                """, [plan.itemID.rawValue, jsonList(ids)])
        }
        for timer in plan.timers {
            try db.run("""
                INSERT INTO timers (id, item_id, organization_id, kind, fire_at, state) VALUES (?, ?, ?, ?, ?, 'pending')
                ON CONFLICT(id) DO UPDATE SET fire_at = excluded.fire_at WHERE timers.state = 'pending'
                """, [
                    timer.id, plan.itemID.rawValue, plan.organizationID.rawValue, timer.kind.rawValue,
                    timer.fireAt.storedMilliseconds,
                ])
        }
    }

    static func timer(from row: Row) throws -> ScheduledTimer {
        guard let kind = ScheduledTimer.Kind(rawValue: row["kind"]) else {
            throw CollabError(.storageCorrupt, "timer '\(row["id"] as String)' has an unknown kind")
        }
        return ScheduledTimer(
            id: row["id"], itemID: WorkItem.ID(row["item_id"]), kind: kind,
            fireAt: Date(storedMilliseconds: row["fire_at"]))
    }

    public func dueTimers(now: Date, limit: Int) async throws(CollabError) -> [ScheduledTimer] {
        let nowMS = now.storedMilliseconds
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM timers WHERE state = 'pending' AND fire_at <= ? ORDER BY fire_at, id LIMIT ?
                """), arguments: [nowMS, max(1, limit)]).map(Self.timer(from:))
        }
    }

    public func nextTimerDue() async throws(CollabError) -> Date? {
        try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(fire_at) FROM timers WHERE state = 'pending'"))
                .map(Date.init(storedMilliseconds:))
        }
    }

    public func pendingTimers(of itemID: WorkItem.ID) async throws(CollabError) -> [ScheduledTimer] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM timers WHERE item_id = ? AND state = 'pending' ORDER BY fire_at, id
                """), arguments: [itemID.rawValue]).map(Self.timer(from:))
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
