@testable import CollabStore
import CollabModel
import Foundation
import GRDB
import Testing

/// The approval tables (migration v17) on a database written before them.
@Suite struct ApprovalMigrationTests {
    static let v17 = "v17 approval flows and requests"

    /// The migrations recorded in the database at `path`.
    static func applied(_ path: String) async throws -> Set<String> {
        try await DatabaseQueue(path: path).read { db in
            Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        }
    }

    @Test("a database written before v17 opens, keeps its records, and stores approval flows and requests")
    func migrationFromV16() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-v17-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("collab.sqlite").path
        var configuration = SQLiteStore.Configuration()
        configuration.durability = .normal

        // A database at v16: written by the current store, then stripped of everything v17 added.
        let organization = Organization(id: "acme", name: "Acme", kind: .internal)
        let member = Member(id: "m-zhang", organizationID: "acme", displayName: "张伟", handle: "zhang")
        do {
            let store = try SQLiteStore(path: path, configuration: configuration)
            try await store.save(organization)
            try await store.save(member)
        }
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                DROP TABLE approval_request_members;
                DROP TABLE approval_requests;
                DROP TABLE approval_flows;
                DELETE FROM grdb_migrations WHERE identifier = '\(Self.v17)';
                """)
        }
        let before = try await Self.applied(path)
        #expect(before.contains { $0.hasPrefix("v16 ") } && !before.contains { $0.hasPrefix("v17 ") }, "\(before)")

        let store = try SQLiteStore(path: path, configuration: configuration)
        #expect(try await Self.applied(path) == before.union([Self.v17]))
        #expect(try await store.organization("acme") == organization)
        #expect(try await store.member("m-zhang") == member)
        #expect(try await store.approvalFlows(in: "acme") == [])
        #expect(try await store.approvalRequests(in: "acme", matching: .all, page: .first).items == [])

        let resolver = ResolvedApprovers(byStep: ["head": ["m-wang"]])
        let flow = try ApprovalFlow(
            id: "leave", organizationID: "acme", version: 1,
            draft: ApprovalFlowDraft(name: "请假", steps: [
                ApprovalStep(key: "head", name: "部门负责人审批", approvers: [.members(ids: ["m-wang"])]),
            ]),
            savedBy: "m-admin", savedAt: Date(timeIntervalSince1970: 1_767_225_600))
        let run = try ApprovalRun.start(flow: flow, applicant: "m-zhang", values: [:], resolver: resolver)
        let request = ApprovalRequest(
            id: "ar-1", organizationID: "acme", title: "请假 · 2 天", flowName: flow.name, subject: .standalone,
            departmentID: nil, run: run, ccIDs: ["m-li"],
            events: [.init(at: flow.savedAt, actorID: "m-zhang", action: .submitted)], createdAt: flow.savedAt)
        var change = ChangeSet()
        change.approvals.flows = [flow]
        change.approvals.requests = [request]
        _ = try await store.commit(change)
        #expect(try await store.approvalFlow("leave", version: nil) == flow)
        #expect(try await store.approvalRequest("ar-1") == request)
        #expect(try await store.approvalRequests(in: "acme", matching: .init(awaiting: "m-wang"), page: .first).items
            == [request])
        #expect(try await store.approvalRequests(in: "acme", matching: .init(involving: "m-li"), page: .first).items
            == [request])
    }
}
