import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

// Announcements, meetings, emergency plans and incidents: JSON bodies with the columns their lists read,
// as SQLiteStore keeps them.

extension PostgresStore {
    // MARK: Writing

    /// Writes the scenario records of a change set, inside the commit's transaction.
    ///
    /// A statement that fails aborts PostgreSQL's transaction, so uniqueness is checked by the statements
    /// themselves (`ON CONFLICT DO NOTHING` and the rows changed) or a unique violation is turned into the
    /// error SQLiteStore gives; the commit then rolls back with nothing written.
    static func applyScenario(_ changes: ScenarioChanges, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        for announcement in changes.announcements {
            try await writeVersioned(
                "announcements", id: announcement.id.rawValue, version: announcement.version,
                columns: ["organization_id", "author_id", "pinned", "published_at", "expires_at", "body"],
                values: { query in
                    query.bind(announcement.organizationID.rawValue)
                    query.add(", ")
                    query.bind(announcement.authorID.rawValue)
                    query.add(", ")
                    query.bind(announcement.isPinned)
                    query.add(", ")
                    query.bind(announcement.publishedAt.millisecondsSince1970)
                    query.add(", ")
                    query.bind(announcement.expiresAt?.millisecondsSince1970)
                    query.add(", ")
                    query.bind(try StoredJSON.encode(announcement))
                }, connection, logger)
        }
        for receipt in changes.receipts {
            try await connection.execute("""
                INSERT INTO announcement_receipts (announcement_id, member_id, department_id, notice_id, read_at,
                    acknowledged_at)
                VALUES (\(receipt.announcementID.rawValue), \(receipt.memberID.rawValue),
                    \(receipt.departmentID?.rawValue), \(receipt.noticeID.rawValue),
                    \(receipt.readAt?.millisecondsSince1970), \(receipt.acknowledgedAt?.millisecondsSince1970))
                ON CONFLICT (announcement_id, member_id) DO UPDATE
                    SET read_at = COALESCE(announcement_receipts.read_at, excluded.read_at),
                    acknowledged_at = COALESCE(announcement_receipts.acknowledged_at, excluded.acknowledged_at)
                """, logger)
        }
        for meeting in changes.meetings {
            try await writeVersioned(
                "meetings", id: meeting.id.rawValue, version: meeting.version,
                columns: ["organization_id", "starts_at", "body"],
                values: { query in
                    query.bind(meeting.organizationID.rawValue)
                    query.add(", ")
                    query.bind(meeting.startsAt.millisecondsSince1970)
                    query.add(", ")
                    query.bind(try StoredJSON.encode(meeting))
                }, connection, logger)
            let participants = Set([meeting.organizerID] + meeting.attendeeIDs + meeting.decisions.compactMap(\.ownerID))
                .map(\.rawValue).sorted()
            try await connection.execute("""
                INSERT INTO meeting_participants (member_id, meeting_id)
                SELECT member, \(meeting.id.rawValue) FROM unnest(\(participants)::text[]) AS member
                ON CONFLICT DO NOTHING
                """, logger)
        }
        for plan in changes.emergencyPlans {
            let inserted = try await connection.execute("""
                INSERT INTO emergency_plans (id, version, organization_id, name, saved_at, body)
                VALUES (\(plan.id.rawValue), \(plan.version), \(plan.organizationID.rawValue), \(plan.name),
                    \(plan.savedAt.millisecondsSince1970), \(try StoredJSON.encode(plan)))
                ON CONFLICT (id, version) DO NOTHING
                """, logger)
            if inserted == 0 {
                throw CollabError(.conflict,
                    "emergency plan '\(plan.id)' already has a version \(plan.version): another save came first")
            }
        }
        for incident in changes.incidents {
            try await uniquely(CollabError(.conflict,
                "an incident was already triggered with the key '\(incident.triggerKey.clipped())'"))
            {
                try await writeVersioned(
                    "incidents", id: incident.id.rawValue, version: incident.version,
                    columns: ["organization_id", "plan_id", "trigger_key", "state", "triggered_at", "body"],
                    values: { query in
                        query.bind(incident.organizationID.rawValue)
                        query.add(", ")
                        query.bind(incident.planID.rawValue)
                        query.add(", ")
                        query.bind(incident.triggerKey)
                        query.add(", ")
                        query.bind(incident.state.rawValue)
                        query.add(", ")
                        query.bind(incident.triggeredAt.millisecondsSince1970)
                        query.add(", ")
                        query.bind(try StoredJSON.encode(incident))
                    }, connection, logger)
            }
        }
        for update in changes.incidentUpdates {
            try await connection.execute("""
                INSERT INTO incident_updates (id, incident_id, posted_at, body)
                VALUES (\(update.id.rawValue), \(update.incidentID.rawValue), \(update.postedAt.millisecondsSince1970),
                    \(try StoredJSON.encode(update)))
                """, logger)
        }
        for request in changes.resourceRequests {
            try await writeVersioned(
                "resource_requests", id: request.id.rawValue, version: request.version,
                columns: ["incident_id", "department_id", "status", "created_at", "body"],
                values: { query in
                    query.bind(request.incidentID.rawValue)
                    query.add(", ")
                    query.bind(request.departmentID.rawValue)
                    query.add(", ")
                    query.bind(request.status.rawValue)
                    query.add(", ")
                    query.bind(request.createdAt.millisecondsSince1970)
                    query.add(", ")
                    query.bind(try StoredJSON.encode(request))
                }, connection, logger)
        }
        try await scheduleTimers(changes.timers, connection, logger)
    }

    /// Runs `body`; a unique violation in it (SQLSTATE 23505, another key than the row's id) becomes `error`.
    static func uniquely(_ error: @autoclosure () -> CollabError, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure where sqlState(failure) == "23505" {
            throw error()
        }
    }

    /// Inserts version 1 of a record, or updates the row at `version - 1`; anything else is a conflict.
    ///
    /// `values` binds the `columns`' values, separated by ", ", in order. `table` and `columns` are fixed
    /// names from this module, never input.
    static func writeVersioned(
        _ table: String, id: String, version: Int, columns: [String], values: (inout QueryText) throws -> Void,
        _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        if version <= 1 {
            var query = QueryText("INSERT INTO \(table) (\((["id", "version"] + columns).joined(separator: ", "))) VALUES (")
            query.bind(id)
            query.add(", ")
            query.bind(version)
            query.add(", ")
            try values(&query)
            query.add(") ON CONFLICT (id) DO NOTHING")
            if try await connection.execute(query.query, logger) == 0 {
                throw CollabError(.conflict, "'\(id)' in \(table) already exists")
            }
            return
        }
        // SET (version, columns…) = ROW(…): the values bind in the same order as for an insert.
        var query = QueryText("UPDATE \(table) SET (\((["version"] + columns).joined(separator: ", "))) = ROW(")
        query.bind(version)
        query.add(", ")
        try values(&query)
        query.add(") WHERE id = ")
        query.bind(id)
        query.add(" AND version = ")
        query.bind(version - 1)
        if try await connection.execute(query.query, logger) == 0 {
            var lookup = QueryText("SELECT version FROM \(table) WHERE id = ")
            lookup.bind(id)
            guard let actual = try await connection.rows(lookup.query, logger).first?.value("version", as: Int.self)
            else { throw CollabError.notFound(String(table.dropLast()), id) }
            throw CollabError(.conflict,
                "'\(id)' in \(table) is at version \(actual), the change was based on version \(version - 1)")
        }
    }
}

extension PostgresStore: ScenarioStore {
    // MARK: Reading

    public func announcement(_ id: Announcement.ID) async throws(CollabError) -> Announcement? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM announcements WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(Announcement.self, $0, "announcement") }
        }
    }

    public func announcements(receivedBy memberID: Member.ID, now: Date, includeExpired: Bool, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>
    {
        // Pinned first: the sort key puts the pinned flag above the publication time.
        let cursor = try Self.newestCursor(page.cursor, of: "announcements")
        let limit = page.limit
        var query = QueryText("""
            SELECT a.id, a.body, (CASE WHEN a.pinned THEN 10000000000000 ELSE 0 END) + a.published_at AS sort_key
            FROM announcement_receipts r JOIN announcements a ON a.id = r.announcement_id
            WHERE r.member_id =
            """)
        query.add(" ")
        query.bind(memberID.rawValue)
        if !includeExpired {
            query.add(" AND (a.expires_at IS NULL OR a.expires_at > ")
            query.bind(now.millisecondsSince1970)
            query.add(")")
        }
        if let cursor {
            query.add(" AND ((CASE WHEN a.pinned THEN 10000000000000 ELSE 0 END) + a.published_at, a.id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY sort_key DESC, a.id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "sort_key") {
                try Self.body(Announcement.self, $0, "announcement")
            }
        }
    }

    public func announcements(in organizationID: Organization.ID, authorID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>
    {
        let cursor = try Self.newestCursor(page.cursor, of: "announcements")
        let limit = page.limit
        var query = QueryText("SELECT id, body, published_at FROM announcements WHERE organization_id = ")
        query.bind(organizationID.rawValue)
        if let authorID {
            query.add(" AND author_id = ")
            query.bind(authorID.rawValue)
        }
        if let cursor {
            query.add(" AND (published_at, id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY published_at DESC, id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "published_at") {
                try Self.body(Announcement.self, $0, "announcement")
            }
        }
    }

    private static func receipt(from row: PostgresRandomAccessRow) throws -> AnnouncementReceipt {
        AnnouncementReceipt(
            announcementID: Announcement.ID(try row.value("announcement_id", as: String.self)),
            memberID: Member.ID(try row.value("member_id", as: String.self)),
            departmentID: try row.value("department_id", as: String?.self).map(Department.ID.init(rawValue:)),
            noticeID: Notice.ID(try row.value("notice_id", as: String.self)),
            readAt: try row.value("read_at", as: Int64?.self).map(Date.init(storedMilliseconds:)),
            acknowledgedAt: try row.value("acknowledged_at", as: Int64?.self).map(Date.init(storedMilliseconds:)))
    }

    public func receipt(of announcementID: Announcement.ID, for memberID: Member.ID) async throws(CollabError)
        -> AnnouncementReceipt?
    {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM announcement_receipts
                WHERE announcement_id = \(announcementID.rawValue) AND member_id = \(memberID.rawValue)
                """, logger).first.map(Self.receipt(from:))
        }
    }

    public func receipts(of announcementID: Announcement.ID) async throws(CollabError)
        -> [(receipt: AnnouncementReceipt, delivered: Bool)]
    {
        let logger = logger
        let rows = try await read { connection in
            try await connection.rows("""
                SELECT r.*, coalesce(n.delivery_state = 'delivered', FALSE) AS delivered
                FROM announcement_receipts r LEFT JOIN notifications n ON n.id = r.notice_id
                WHERE r.announcement_id = \(announcementID.rawValue) ORDER BY r.member_id
                """, logger).map { ReceiptRow(receipt: try Self.receipt(from: $0), delivered: try $0.value("delivered", as: Bool.self)) }
        }
        return rows.map { ($0.receipt, $0.delivered) }
    }

    public func meeting(_ id: Meeting.ID) async throws(CollabError) -> Meeting? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM meetings WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(Meeting.self, $0, "meeting") }
        }
    }

    public func meetings(in organizationID: Organization.ID, involving memberID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Meeting>
    {
        let cursor = try Self.newestCursor(page.cursor, of: "meetings")
        let limit = page.limit
        var query = QueryText("SELECT m.id, m.body, m.starts_at FROM meetings m WHERE m.organization_id = ")
        query.bind(organizationID.rawValue)
        if let memberID {
            query.add(" AND m.id IN (SELECT meeting_id FROM meeting_participants WHERE member_id = ")
            query.bind(memberID.rawValue)
            query.add(")")
        }
        if let cursor {
            query.add(" AND (m.starts_at, m.id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY m.starts_at DESC, m.id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "starts_at") {
                try Self.body(Meeting.self, $0, "meeting")
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
    // table; these three reads serve every kind of definition. `table` is one of the store's own table names.

    /// A version of a definition (the latest when `version` is `nil`).
    func definition<T: Decodable & Sendable>(
        _ type: T.Type, in table: String, id: String, version: Int?, what: String
    ) async throws(CollabError) -> T? {
        var query = QueryText("SELECT id, body FROM \(table) WHERE id = ")
        query.bind(id)
        if let version {
            query.add(" AND version = ")
            query.bind(version)
        }
        query.add(" ORDER BY version DESC LIMIT 1")
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try await connection.rows(statement, logger).first.map { try Self.body(T.self, $0, what) }
        }
    }

    /// The latest version of each definition of an organization, by name, then id.
    func latestDefinitions<T: Decodable & Sendable>(
        _ type: T.Type, in table: String, of organizationID: Organization.ID, what: String
    ) async throws(CollabError) -> [T] {
        var query = QueryText("SELECT d.id, d.body FROM \(table) d WHERE d.organization_id = ")
        query.bind(organizationID.rawValue)
        query.add(" AND d.version = (SELECT max(version) FROM \(table) e WHERE e.id = d.id) ORDER BY d.name, d.id")
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try await connection.rows(statement, logger).map { try Self.body(T.self, $0, what) }
        }
    }

    /// Every version of a definition, oldest first.
    func definitionVersions<T: Decodable & Sendable>(
        _ type: T.Type, in table: String, id: String, what: String
    ) async throws(CollabError) -> [T] {
        var query = QueryText("SELECT id, body FROM \(table) WHERE id = ")
        query.bind(id)
        query.add(" ORDER BY version")
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try await connection.rows(statement, logger).map { try Self.body(T.self, $0, what) }
        }
    }

    public func incident(_ id: Incident.ID) async throws(CollabError) -> Incident? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM incidents WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(Incident.self, $0, "incident") }
        }
    }

    public func incident(triggerKey: String, in organizationID: Organization.ID) async throws(CollabError) -> Incident? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT id, body FROM incidents WHERE organization_id = \(organizationID.rawValue)
                    AND trigger_key = \(triggerKey)
                """, logger).first.map { try Self.body(Incident.self, $0, "incident") }
        }
    }

    public func incidents(in organizationID: Organization.ID, state: Incident.State?, page: PageRequest)
        async throws(CollabError) -> Page<Incident>
    {
        let cursor = try Self.newestCursor(page.cursor, of: "incidents")
        let limit = page.limit
        var query = QueryText("SELECT id, body, triggered_at FROM incidents WHERE organization_id = ")
        query.bind(organizationID.rawValue)
        if let state {
            query.add(" AND state = ")
            query.bind(state.rawValue)
        }
        if let cursor {
            query.add(" AND (triggered_at, id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY triggered_at DESC, id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "triggered_at") {
                try Self.body(Incident.self, $0, "incident")
            }
        }
    }

    public func incidentUpdates(of incidentID: Incident.ID) async throws(CollabError) -> [IncidentUpdate] {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT id, body FROM incident_updates WHERE incident_id = \(incidentID.rawValue) ORDER BY sequence
                """, logger).map { try Self.body(IncidentUpdate.self, $0, "incident update") }
        }
    }

    public func resourceRequest(_ id: ResourceRequest.ID) async throws(CollabError) -> ResourceRequest? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM resource_requests WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(ResourceRequest.self, $0, "resource request") }
        }
    }

    public func resourceRequests(of incidentID: Incident.ID) async throws(CollabError) -> [ResourceRequest] {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT id, body FROM resource_requests WHERE incident_id = \(incidentID.rawValue) ORDER BY created_at, id
                """, logger).map { try Self.body(ResourceRequest.self, $0, "resource request") }
        }
    }

    public func auditTrail(of record: RecordReference) async throws(CollabError) -> [AuditEvent] {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT * FROM audit_events WHERE record = \(record.stored) ORDER BY sequence",
                logger).map(Self.auditEvent(from:))
        }
    }
}

/// A receipt with whether its notification was delivered (a tuple is not `Sendable` out of a transaction).
private struct ReceiptRow: Sendable {
    var receipt: AnnouncementReceipt
    var delivered: Bool
}
