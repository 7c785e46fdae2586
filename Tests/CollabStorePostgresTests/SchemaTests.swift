import CollabModel
import CollabStore
@testable import CollabStorePostgres
import Foundation
import PostgresNIO
import Testing

@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct SchemaTests {
    /// Every directory write moves the revision, through whichever instance, like SQLite's triggers.
    @Test func everyDirectoryWriteMovesTheRevision() async throws {
        try await PostgresTestServer.withStore { store in
            let peer = try await PostgresTestServer.makePeer(of: store)
            try await store.save(Organization(id: "acme", name: "Acme", kind: .internal, timeZoneIdentifier: "UTC"))
            #expect(try await peer.directoryRevision() == 1)
            try await peer.save(Department(id: "eng", organizationID: "acme", name: "Eng"))
            try await store.save(Member(id: "li", organizationID: "acme", displayName: "Li", handle: "li",
                departments: [DepartmentMembership("eng")]))
            let afterMember = try await peer.directoryRevision()
            #expect(afterMember == 4)  // the organization, the department, the member and its membership
            try await store.save(Member(id: "li", organizationID: "acme", displayName: "Li Wei", handle: "li",
                departments: [DepartmentMembership("eng", role: .head)]))
            #expect(try await peer.directoryRevision() > afterMember)
            #expect(try await peer.heads(of: ["eng"]) == ["li"])
            // A handle taken by another member is refused, nothing moves.
            let revision = try await store.directoryRevision()
            let error = await #expect(throws: CollabError.self) {
                try await peer.save(Member(id: "wang", organizationID: "acme", displayName: "Wang", handle: "li"))
            }
            #expect(error?.code == .invalidInput)
            #expect(try await store.directoryRevision() == revision)
            // An internal organization does not become a partner.
            let kind = await #expect(throws: CollabError.self) {
                try await store.save(Organization(id: "acme", name: "Acme", kind: .partner, timeZoneIdentifier: "UTC"))
            }
            #expect(kind?.code == .invalidInput)
            // A department cycle is refused.
            try await store.save(Department(id: "mobile", organizationID: "acme", name: "Mobile", parentID: "eng"))
            let cycle = await #expect(throws: CollabError.self) {
                try await store.save(Department(id: "eng", organizationID: "acme", name: "Eng", parentID: "mobile"))
            }
            #expect(cycle?.code == .invalidInput)
            #expect(try await peer.subject(for: "li")?.headedDepartmentIDs == ["eng", "mobile"])
            await peer.shutdown()
        }
    }
}
