import CollabModel
import Foundation
import GRDB

// Announcements, meetings, emergency plans and incidents: JSON bodies with the columns their lists read.

extension SQLiteStore {
    // MARK: Writing

    static func applyScenario(_ changes: ScenarioChanges, _ db: Database) throws {
        for announcement in changes.announcements {
            try writeVersioned(
                "announcements", id: announcement.id.rawValue, version: announcement.version,
                columns: ["organization_id", "author_id", "pinned", "published_at", "expires_at", "body"],
                values: [
                    announcement.organizationID.rawValue, announcement.authorID.rawValue, announcement.isPinned ? 1 : 0,
                    announcement.publishedAt.storedMilliseconds, announcement.expiresAt?.storedMilliseconds,
                    try StoredJSON.encode(announcement),
                ], db)
        }
        for receipt in changes.receipts {
            try db.run("""
                INSERT INTO announcement_receipts (announcement_id, member_id, department_id, notice_id, read_at,
                    acknowledged_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (announcement_id, member_id) DO UPDATE
                    SET read_at = COALESCE(announcement_receipts.read_at, excluded.read_at),
                    acknowledged_at = COALESCE(announcement_receipts.acknowledged_at, excluded.acknowledged_at)
                """, [
                    receipt.announcementID.rawValue, receipt.memberID.rawValue, receipt.departmentID?.rawValue,
                    receipt.noticeID.rawValue, receipt.readAt?.storedMilliseconds,
                    receipt.acknowledgedAt?.storedMilliseconds,
                ])
        }
        for meeting in changes.meetings {
            try writeVersioned(
                "meetings", id: meeting.id.rawValue, version: meeting.version,
                columns: ["organization_id", "starts_at", "body"],
                values: [meeting.organizationID.rawValue, meeting.startsAt.storedMilliseconds, try StoredJSON.encode(meeting)],
                db)
            let participants = Set([meeting.organizerID] + meeting.attendeeIDs + meeting.decisions.compactMap(\.ownerID))
            for member in participants.sorted() {
                try db.run("INSERT OR IGNORE INTO meeting_participants (member_id, meeting_id) VALUES (?, ?)",
                    [member.rawValue, meeting.id.rawValue])
            }
        }
        for plan in changes.emergencyPlans {
            do {
                try db.run("""
                    INSERT INTO emergency_plans (id, version, organization_id, name, saved_at, body)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, [
                        plan.id.rawValue, plan.version, plan.organizationID.rawValue, plan.name,
                        plan.savedAt.storedMilliseconds, try StoredJSON.encode(plan),
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw CollabError(.conflict,
                    "emergency plan '\(plan.id)' already has a version \(plan.version): another save came first")
            }
        }
        for incident in changes.incidents {
            do {
                try writeVersioned(
                    "incidents", id: incident.id.rawValue, version: incident.version,
                    columns: ["organization_id", "plan_id", "trigger_key", "state", "triggered_at", "body"],
                    values: [
                        incident.organizationID.rawValue, incident.planID.rawValue, incident.triggerKey,
                        incident.state.rawValue, incident.triggeredAt.storedMilliseconds, try StoredJSON.encode(incident),
                    ], db)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw CollabError(.conflict,
                    "an incident was already triggered with the key '\(incident.triggerKey.clipped())'")
            }
        }
        for update in changes.incidentUpdates {
            try db.run("INSERT INTO incident_updates (id, incident_id, posted_at, body) VALUES (?, ?, ?, ?)", [
                update.id.rawValue, update.incidentID.rawValue, update.postedAt.storedMilliseconds,
                try StoredJSON.encode(update),
            ])
        }
        for request in changes.resourceRequests {
            try writeVersioned(
                "resource_requests", id: request.id.rawValue, version: request.version,
                columns: ["incident_id", "department_id", "status", "created_at", "body"],
                values: [
                    request.incidentID.rawValue, request.departmentID.rawValue, request.status.rawValue,
                    request.createdAt.storedMilliseconds, try StoredJSON.encode(request),
                ], db)
        }
        try scheduleTimers(changes.timers, db)
    }

    /// Inserts version 1 of a record, or updates the row at `version - 1`; anything else is a conflict.
    static func writeVersioned(
        _ table: String, id: String, version: Int, columns: [String], values: [any SQLBindable], _ db: Database
    ) throws {
        if version <= 1 {
            let names = (["id", "version"] + columns).joined(separator: ", ")
            do {
                try db.run("INSERT INTO \(table) (\(names)) VALUES (\(marks(columns.count + 2)))",
                    [id, version] + values)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw CollabError(.conflict, "'\(id)' in \(table) already exists")
            }
            return
        }
        let assignments = (["version"] + columns).map { "\($0) = ?" }.joined(separator: ", ")
        let changed = try db.run("UPDATE \(table) SET \(assignments) WHERE id = ? AND version = ?",
            [version] + values + [id, version - 1])
        if changed == 0 {
            let actual = try Int.fetchOne(db, sql: "SELECT version FROM \(table) WHERE id = ?", arguments: [id])
            guard let actual else { throw CollabError.notFound(String(table.dropLast()), id) }
            throw CollabError(.conflict,
                "'\(id)' in \(table) is at version \(actual), the change was based on version \(version - 1)")
        }
    }

    // MARK: Reading

    static func decodeBody<T: Decodable>(_ type: T.Type, _ row: Row, _ what: String) throws -> T {
        do {
            guard let value = try StoredJSON.decode(type, row["body"]) else {
                throw CollabError(.storageCorrupt, "\(what) '\(row["id"] as String? ?? "?")' has no body")
            }
            return value
        } catch let error as CollabError {
            throw error
        } catch {
            throw CollabError(.storageCorrupt, "\(what) '\(row["id"] as String? ?? "?")' is unreadable: \(error)")
        }
    }

    /// A newest-first cursor: the sort key and id of the last row of the previous page.
    static func newestCursor(_ cursor: String?, of list: String) throws(CollabError) -> (Int64, String)? {
        guard let cursor else { return nil }
        let parts = cursor.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let key = Int64(parts[0]) else {
            throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                message: "'\(cursor.clipped())' is not a cursor of the \(list) list")])
        }
        return (key, String(parts[1]))
    }

    static func newestPage<T: Sendable>(
        _ rows: [Row], limit: Int, key: String, decode: (Row) throws -> T
    ) throws -> Page<T> {
        let items = try rows.prefix(limit).map(decode)
        var next: String?
        if rows.count > limit, let last = rows.prefix(limit).last {
            next = "\(last[key] as Int64)|\(last["id"] as String)"
        }
        return Page(items: items, nextCursor: next)
    }

    public func announcement(_ id: Announcement.ID) async throws(CollabError) -> Announcement? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM announcements WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(Announcement.self, $0, "announcement") }
        }
    }

    public func announcements(receivedBy memberID: Member.ID, now: Date, includeExpired: Bool, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>
    {
        // Pinned first: the sort key puts the pinned flag above the publication time.
        let cursor = try Self.newestCursor(page.cursor, of: "announcements")
        let nowMS = now.storedMilliseconds, limit = page.limit
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT a.id, a.body, a.pinned * 10000000000000 + a.published_at AS sort_key
                FROM announcement_receipts r JOIN announcements a ON a.id = r.announcement_id
                WHERE r.member_id = ? AND (? OR a.expires_at IS NULL OR a.expires_at > ?)
                    AND (? IS NULL OR (a.pinned * 10000000000000 + a.published_at, a.id) < (?, ?))
                ORDER BY sort_key DESC, a.id DESC LIMIT ?
                """), arguments: [
                    memberID.rawValue, includeExpired, nowMS, cursor?.0, cursor?.0, cursor?.1, limit + 1,
                ])
            return try Self.newestPage(rows, limit: limit, key: "sort_key") {
                try Self.decodeBody(Announcement.self, $0, "announcement")
            }
        }
    }

    public func announcements(in organizationID: Organization.ID, authorID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>
    {
        let cursor = try Self.newestCursor(page.cursor, of: "announcements")
        let limit = page.limit
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, body, published_at FROM announcements
                WHERE organization_id = ? AND (? IS NULL OR author_id = ?)
                    AND (? IS NULL OR (published_at, id) < (?, ?))
                ORDER BY published_at DESC, id DESC LIMIT ?
                """), arguments: [
                    organizationID.rawValue, authorID?.rawValue, authorID?.rawValue, cursor?.0, cursor?.0, cursor?.1,
                    limit + 1,
                ])
            return try Self.newestPage(rows, limit: limit, key: "published_at") {
                try Self.decodeBody(Announcement.self, $0, "announcement")
            }
        }
    }

    private static func receipt(from row: Row) -> AnnouncementReceipt {
        AnnouncementReceipt(
            announcementID: Announcement.ID(row["announcement_id"]), memberID: Member.ID(row["member_id"]),
            departmentID: (row["department_id"] as String?).map(Department.ID.init(rawValue:)),
            noticeID: Notice.ID(row["notice_id"]),
            readAt: (row["read_at"] as Int64?).map(Date.init(storedMilliseconds:)),
            acknowledgedAt: (row["acknowledged_at"] as Int64?).map(Date.init(storedMilliseconds:)))
    }

    public func receipt(of announcementID: Announcement.ID, for memberID: Member.ID) async throws(CollabError)
        -> AnnouncementReceipt?
    {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT * FROM announcement_receipts WHERE announcement_id = ? AND member_id = ?
                """), arguments: [announcementID.rawValue, memberID.rawValue]).map(Self.receipt(from:))
        }
    }

    public func receipts(of announcementID: Announcement.ID) async throws(CollabError)
        -> [(receipt: AnnouncementReceipt, delivered: Bool)]
    {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT r.*, n.delivery_state = 'delivered' AS delivered
                FROM announcement_receipts r LEFT JOIN notifications n ON n.id = r.notice_id
                WHERE r.announcement_id = ? ORDER BY r.member_id
                """), arguments: [announcementID.rawValue]).map { (Self.receipt(from: $0), ($0["delivered"] as Bool?) ?? false) }
        }
    }

    public func meeting(_ id: Meeting.ID) async throws(CollabError) -> Meeting? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM meetings WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(Meeting.self, $0, "meeting") }
        }
    }

    public func meetings(in organizationID: Organization.ID, involving memberID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Meeting>
    {
        let cursor = try Self.newestCursor(page.cursor, of: "meetings")
        let limit = page.limit
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT m.id, m.body, m.starts_at FROM meetings m
                WHERE m.organization_id = ?
                    AND (? IS NULL OR m.id IN (SELECT meeting_id FROM meeting_participants WHERE member_id = ?))
                    AND (? IS NULL OR (m.starts_at, m.id) < (?, ?))
                ORDER BY m.starts_at DESC, m.id DESC LIMIT ?
                """), arguments: [
                    organizationID.rawValue, memberID?.rawValue, memberID?.rawValue, cursor?.0, cursor?.0, cursor?.1,
                    limit + 1,
                ])
            return try Self.newestPage(rows, limit: limit, key: "starts_at") {
                try Self.decodeBody(Meeting.self, $0, "meeting")
            }
        }
    }

    public func emergencyPlan(_ id: EmergencyPlan.ID, version: Int?) async throws(CollabError) -> EmergencyPlan? {
        try await definition(EmergencyPlan.self, in: "emergency_plans", id: id.rawValue, version: version,
            what: "emergency plan")
    }

    public func emergencyPlans(in organizationID: Organization.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await latestDefinitions(EmergencyPlan.self, in: "emergency_plans", of: organizationID, what: "emergency plan")
    }

    public func emergencyPlanVersions(_ id: EmergencyPlan.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await definitionVersions(EmergencyPlan.self, in: "emergency_plans", id: id.rawValue, what: "emergency plan")
    }

    // MARK: Versioned definitions (emergency plans, approval flows)

    // A definition keeps every version as a row `(id, version, organization_id, name, saved_at, body)` of its
    // table; these three reads serve every kind of definition.

    /// A version of a definition (the latest when `version` is `nil`).
    func definition<T: Decodable & Sendable>(
        _ type: T.Type, in table: String, id: String, version: Int?, what: String
    ) async throws(CollabError) -> T? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, body FROM \(table) WHERE id = ? AND (? IS NULL OR version = ?)
                ORDER BY version DESC LIMIT 1
                """), arguments: [id, version, version])
                .map { try Self.decodeBody(T.self, $0, what) }
        }
    }

    /// The latest version of each definition of an organization, by name, then id.
    func latestDefinitions<T: Decodable & Sendable>(
        _ type: T.Type, in table: String, of organizationID: Organization.ID, what: String
    ) async throws(CollabError) -> [T] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT d.id, d.body FROM \(table) d
                WHERE d.organization_id = ?
                    AND d.version = (SELECT max(version) FROM \(table) e WHERE e.id = d.id)
                ORDER BY d.name, d.id
                """), arguments: [organizationID.rawValue])
                .map { try Self.decodeBody(T.self, $0, what) }
        }
    }

    /// Every version of a definition, oldest first.
    func definitionVersions<T: Decodable & Sendable>(
        _ type: T.Type, in table: String, id: String, what: String
    ) async throws(CollabError) -> [T] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, body FROM \(table) WHERE id = ? ORDER BY version"),
                arguments: [id]).map { try Self.decodeBody(T.self, $0, what) }
        }
    }

    public func incident(_ id: Incident.ID) async throws(CollabError) -> Incident? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM incidents WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(Incident.self, $0, "incident") }
        }
    }

    public func incident(triggerKey: String, in organizationID: Organization.ID) async throws(CollabError) -> Incident? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, body FROM incidents WHERE organization_id = ? AND trigger_key = ?
                """), arguments: [organizationID.rawValue, triggerKey])
                .map { try Self.decodeBody(Incident.self, $0, "incident") }
        }
    }

    public func incidents(in organizationID: Organization.ID, state: Incident.State?, page: PageRequest)
        async throws(CollabError) -> Page<Incident>
    {
        let cursor = try Self.newestCursor(page.cursor, of: "incidents")
        let limit = page.limit
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, body, triggered_at FROM incidents
                WHERE organization_id = ? AND (? IS NULL OR state = ?)
                    AND (? IS NULL OR (triggered_at, id) < (?, ?))
                ORDER BY triggered_at DESC, id DESC LIMIT ?
                """), arguments: [
                    organizationID.rawValue, state?.rawValue, state?.rawValue, cursor?.0, cursor?.0, cursor?.1,
                    limit + 1,
                ])
            return try Self.newestPage(rows, limit: limit, key: "triggered_at") {
                try Self.decodeBody(Incident.self, $0, "incident")
            }
        }
    }

    public func incidentUpdates(of incidentID: Incident.ID) async throws(CollabError) -> [IncidentUpdate] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, body FROM incident_updates WHERE incident_id = ? ORDER BY sequence
                """), arguments: [incidentID.rawValue]).map { try Self.decodeBody(IncidentUpdate.self, $0, "incident update") }
        }
    }

    public func resourceRequest(_ id: ResourceRequest.ID) async throws(CollabError) -> ResourceRequest? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM resource_requests WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(ResourceRequest.self, $0, "resource request") }
        }
    }

    public func resourceRequests(of incidentID: Incident.ID) async throws(CollabError) -> [ResourceRequest] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, body FROM resource_requests WHERE incident_id = ? ORDER BY created_at, id
                """), arguments: [incidentID.rawValue])
                .map { try Self.decodeBody(ResourceRequest.self, $0, "resource request") }
        }
    }

    public func auditTrail(of record: RecordReference) async throws(CollabError) -> [AuditEvent] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_events WHERE record = ? ORDER BY sequence"),
                arguments: [record.stored]).map(Self.auditEvent(from:))
        }
    }
}
