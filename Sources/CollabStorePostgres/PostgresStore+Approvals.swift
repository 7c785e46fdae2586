import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

// Approval flows (every version) and approval requests, with the members each request involves or waits for.

extension PostgresStore {
    /// The tables of approval flows and requests.
    static let schemaVersion9 = Migration(version: 9, name: "approval flows and requests", statements: [
        """
        CREATE TABLE IF NOT EXISTS approval_flows (
            id TEXT COLLATE "C" NOT NULL,
            version BIGINT NOT NULL,
            organization_id TEXT COLLATE "C" NOT NULL,
            name TEXT COLLATE "C" NOT NULL,
            saved_at BIGINT NOT NULL,
            body TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (id, version)
        )
        """,
        "CREATE INDEX IF NOT EXISTS approval_flows_by_organization ON approval_flows(organization_id, id, version)",
        """
        CREATE TABLE IF NOT EXISTS approval_requests (
            id TEXT COLLATE "C" PRIMARY KEY,
            organization_id TEXT COLLATE "C" NOT NULL,
            flow_id TEXT COLLATE "C" NOT NULL,
            applicant_id TEXT COLLATE "C" NOT NULL,
            status TEXT COLLATE "C" NOT NULL,
            subject TEXT COLLATE "C" NOT NULL,
            created_at BIGINT NOT NULL,
            version BIGINT NOT NULL,
            body TEXT COLLATE "C" NOT NULL
        )
        """,
        "CREATE INDEX IF NOT EXISTS approval_requests_by_organization ON approval_requests(organization_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS approval_requests_by_subject ON approval_requests(subject)",
        """
        CREATE TABLE IF NOT EXISTS approval_request_members (
            member_id TEXT COLLATE "C" NOT NULL,
            role TEXT COLLATE "C" NOT NULL,
            request_id TEXT COLLATE "C" NOT NULL REFERENCES approval_requests(id),
            PRIMARY KEY (member_id, role, request_id)
        )
        """,
        "CREATE INDEX IF NOT EXISTS approval_request_members_by_request ON approval_request_members(request_id)",
    ])

    // MARK: Writing

    static func applyApprovals(_ changes: ApprovalChanges, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        for flow in changes.flows {
            let inserted = try await connection.execute("""
                INSERT INTO approval_flows (id, version, organization_id, name, saved_at, body)
                VALUES (\(flow.id.rawValue), \(flow.version), \(flow.organizationID.rawValue), \(flow.name),
                    \(flow.savedAt.millisecondsSince1970), \(try StoredJSON.encode(flow)))
                ON CONFLICT (id, version) DO NOTHING
                """, logger)
            if inserted == 0 {
                throw CollabError(.conflict,
                    "approval flow '\(flow.id)' already has a version \(flow.version): another save came first")
            }
        }
        for request in changes.requests {
            do {
                try await writeVersioned(
                    "approval_requests", id: request.id.rawValue, version: request.version,
                    columns: ["organization_id", "flow_id", "applicant_id", "status", "subject", "created_at", "body"],
                    values: { query in
                        query.bind(request.organizationID.rawValue)
                        query.add(", ")
                        query.bind(request.flowID.rawValue)
                        query.add(", ")
                        query.bind(request.applicantID.rawValue)
                        query.add(", ")
                        query.bind(request.status.rawValue)
                        query.add(", ")
                        query.bind(request.subject.stored)
                        query.add(", ")
                        query.bind(request.createdAt.millisecondsSince1970)
                        query.add(", ")
                        query.bind(try StoredJSON.encode(request))
                    }, connection, logger)
            } catch let error as CollabError where error.code == .notFound {
                // ApprovalChanges: a request not stored at version - 1 is a conflict, whether or not it exists.
                throw CollabError(.conflict,
                    "approval request '\(request.id)' is not stored, the change was based on version \(request.version - 1)")
            }
            try await connection.execute(
                "DELETE FROM approval_request_members WHERE request_id = \(request.id.rawValue)", logger)
            let involved = request.involvedMemberIDs.map(\.rawValue).sorted()
            let awaiting = Set(request.awaiting).map(\.rawValue).sorted()
            try await connection.execute("""
                INSERT INTO approval_request_members (member_id, role, request_id)
                SELECT member, 'involved', \(request.id.rawValue) FROM unnest(\(involved)::text[]) AS member
                UNION ALL
                SELECT member, 'awaiting', \(request.id.rawValue) FROM unnest(\(awaiting)::text[]) AS member
                ON CONFLICT DO NOTHING
                """, logger)
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
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM approval_requests WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(ApprovalRequest.self, $0, "approval request") }
        }
    }

    public func approvalRequests(
        in organizationID: Organization.ID, matching filter: ApprovalRequestFilter, page: PageRequest
    ) async throws(CollabError) -> Page<ApprovalRequest> {
        let cursor = try Self.newestCursor(page.cursor, of: "approval requests")
        let limit = page.limit
        var query = QueryText("SELECT r.id, r.body, r.created_at FROM approval_requests r WHERE r.organization_id = ")
        query.bind(organizationID.rawValue)
        if let member = filter.involving {
            query.add(" AND EXISTS (SELECT 1 FROM approval_request_members m WHERE m.member_id = ")
            query.bind(member.rawValue)
            query.add(" AND m.role = 'involved' AND m.request_id = r.id)")
        }
        if let member = filter.awaiting {
            query.add(" AND EXISTS (SELECT 1 FROM approval_request_members m WHERE m.member_id = ")
            query.bind(member.rawValue)
            query.add(" AND m.role = 'awaiting' AND m.request_id = r.id)")
        }
        if let applicant = filter.applicant {
            query.add(" AND r.applicant_id = ")
            query.bind(applicant.rawValue)
        }
        if let status = filter.status {
            query.add(" AND r.status = ")
            query.bind(status.rawValue)
        }
        if let flowID = filter.flowID {
            query.add(" AND r.flow_id = ")
            query.bind(flowID.rawValue)
        }
        if let subject = filter.subject {
            query.add(" AND r.subject = ")
            query.bind(subject.stored)
        }
        if let from = filter.createdFrom {
            query.add(" AND r.created_at >= ")
            query.bind(from.millisecondsSince1970)
        }
        if let before = filter.createdBefore {
            query.add(" AND r.created_at < ")
            query.bind(before.millisecondsSince1970)
        }
        if let cursor {
            query.add(" AND (r.created_at, r.id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY r.created_at DESC, r.id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "created_at") {
                try Self.body(ApprovalRequest.self, $0, "approval request")
            }
        }
    }
}
