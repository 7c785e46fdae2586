import CollabModel
import Foundation
import GRDB

// Approval flows (every version) and approval requests, with the members each request involves or waits for.

extension SQLiteStore {
    /// The tables of approval flows and requests (migration v17).
    static let approvalSchema = """
        CREATE TABLE approval_flows (
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            organization_id TEXT NOT NULL,
            name TEXT NOT NULL,
            saved_at INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (id, version)
        ) WITHOUT ROWID;
        CREATE INDEX approval_flows_by_organization ON approval_flows(organization_id, id, version);
        CREATE TABLE approval_requests (
            id TEXT PRIMARY KEY NOT NULL,
            organization_id TEXT NOT NULL,
            flow_id TEXT NOT NULL,
            applicant_id TEXT NOT NULL,
            status TEXT NOT NULL,
            subject TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            version INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX approval_requests_by_organization ON approval_requests(organization_id, created_at, id);
        CREATE INDEX approval_requests_by_subject ON approval_requests(subject);
        -- Who is on each request: 'involved' (applicant, participant, copied) and 'awaiting' (whose turn it is).
        CREATE TABLE approval_request_members (
            member_id TEXT NOT NULL,
            role TEXT NOT NULL,
            request_id TEXT NOT NULL REFERENCES approval_requests(id),
            PRIMARY KEY (member_id, role, request_id)
        ) WITHOUT ROWID;
        CREATE INDEX approval_request_members_by_request ON approval_request_members(request_id);
        """

    // MARK: Writing

    static func applyApprovals(_ changes: ApprovalChanges, _ db: Database) throws {
        for flow in changes.flows {
            do {
                try db.run("""
                    INSERT INTO approval_flows (id, version, organization_id, name, saved_at, body)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, [
                        flow.id.rawValue, flow.version, flow.organizationID.rawValue, flow.name,
                        flow.savedAt.storedMilliseconds, try StoredJSON.encode(flow),
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw CollabError(.conflict,
                    "approval flow '\(flow.id)' already has a version \(flow.version): another save came first")
            }
        }
        for request in changes.requests {
            do {
                try writeVersioned(
                    "approval_requests", id: request.id.rawValue, version: request.version,
                    columns: ["organization_id", "flow_id", "applicant_id", "status", "subject", "created_at", "body"],
                    values: [
                        request.organizationID.rawValue, request.flowID.rawValue, request.applicantID.rawValue,
                        request.status.rawValue, request.subject.stored, request.createdAt.storedMilliseconds,
                        try StoredJSON.encode(request),
                    ], db)
            } catch let error as CollabError where error.code == .notFound {
                // ApprovalChanges: a request not stored at version - 1 is a conflict, whether or not it exists.
                throw CollabError(.conflict,
                    "approval request '\(request.id)' is not stored, the change was based on version \(request.version - 1)")
            }
            try db.run("DELETE FROM approval_request_members WHERE request_id = ?", [request.id.rawValue])
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO approval_request_members (member_id, role, request_id) VALUES (?, ?, ?)
                """)
            for member in request.involvedMemberIDs {
                try insert.execute(arguments: [member.rawValue, "involved", request.id.rawValue])
            }
            for member in Set(request.awaiting) {
                try insert.execute(arguments: [member.rawValue, "awaiting", request.id.rawValue])
            }
        }
    }

    // MARK: Reading

    public func approvalFlow(_ id: ApprovalFlow.ID, version: Int?) async throws(CollabError) -> ApprovalFlow? {
        try await definition(ApprovalFlow.self, in: "approval_flows", id: id.rawValue, version: version, what: "approval flow")
    }

    public func approvalFlows(in organizationID: Organization.ID) async throws(CollabError) -> [ApprovalFlow] {
        try await latestDefinitions(ApprovalFlow.self, in: "approval_flows", of: organizationID, what: "approval flow")
    }

    public func approvalFlowVersions(_ id: ApprovalFlow.ID) async throws(CollabError) -> [ApprovalFlow] {
        try await definitionVersions(ApprovalFlow.self, in: "approval_flows", id: id.rawValue, what: "approval flow")
    }

    public func approvalRequest(_ id: ApprovalRequest.ID) async throws(CollabError) -> ApprovalRequest? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM approval_requests WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(ApprovalRequest.self, $0, "approval request") }
        }
    }

    public func approvalRequests(
        in organizationID: Organization.ID, matching filter: ApprovalRequestFilter, page: PageRequest
    ) async throws(CollabError) -> Page<ApprovalRequest> {
        let cursor = try Self.newestCursor(page.cursor, of: "approval requests")
        let limit = page.limit
        var conditions = ["r.organization_id = ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [organizationID.rawValue]
        if let member = filter.involving {
            conditions.append("""
                EXISTS (SELECT 1 FROM approval_request_members m
                    WHERE m.member_id = ? AND m.role = 'involved' AND m.request_id = r.id)
                """)
            arguments.append(member.rawValue)
        }
        if let member = filter.awaiting {
            conditions.append("""
                EXISTS (SELECT 1 FROM approval_request_members m
                    WHERE m.member_id = ? AND m.role = 'awaiting' AND m.request_id = r.id)
                """)
            arguments.append(member.rawValue)
        }
        if let applicant = filter.applicant {
            conditions.append("r.applicant_id = ?")
            arguments.append(applicant.rawValue)
        }
        if let status = filter.status {
            conditions.append("r.status = ?")
            arguments.append(status.rawValue)
        }
        if let flowID = filter.flowID {
            conditions.append("r.flow_id = ?")
            arguments.append(flowID.rawValue)
        }
        if let subject = filter.subject {
            conditions.append("r.subject = ?")
            arguments.append(subject.stored)
        }
        if let from = filter.createdFrom {
            conditions.append("r.created_at >= ?")
            arguments.append(from.storedMilliseconds)
        }
        if let before = filter.createdBefore {
            conditions.append("r.created_at < ?")
            arguments.append(before.storedMilliseconds)
        }
        if let cursor {
            conditions.append("(r.created_at, r.id) < (?, ?)")
            arguments.append(cursor.0)
            arguments.append(cursor.1)
        }
        arguments.append(limit + 1)
        let sql = """
            SELECT r.id, r.body, r.created_at FROM approval_requests r WHERE \(conditions.joined(separator: " AND "))
            ORDER BY r.created_at DESC, r.id DESC LIMIT ?
            """
        let statementArguments = StatementArguments(arguments)
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: statementArguments)
            return try Self.newestPage(rows, limit: limit, key: "created_at") {
                try Self.decodeBody(ApprovalRequest.self, $0, "approval request")
            }
        }
    }
}
