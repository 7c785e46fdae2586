import CollabModel
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import Foundation
import Testing

/// Makes PostgreSQL stores, each on a schema of its own; a peer is a second `PostgresStore` on the same
/// schema, as another machine would open it. A schema is dropped with the last store on it.
final class PostgresStoreFactory: StoreConformanceFactory, @unchecked Sendable {
    private let lock = NSLock()
    private var stores: [ObjectIdentifier: PostgresStore] = [:]

    var capabilities: StoreCapabilities { [.sharedDatabase, .concurrentWriters] }

    private func keep(_ store: PostgresStore) -> PostgresStore {
        lock.withLock { stores[ObjectIdentifier(store)] = store }
        return store
    }

    func makeStore() async throws -> any CollabStorage {
        keep(try await PostgresTestServer.makeStore())
    }

    func makePeer(of store: any CollabStorage) async throws -> any CollabStorage {
        guard let original = store as? PostgresStore else {
            throw CollabError(.notFound, "not a store of this factory")
        }
        return keep(try await PostgresTestServer.makePeer(of: original))
    }

    func release(_ store: any CollabStorage) async {
        guard let store = store as? PostgresStore else { return }
        let (found, others) = lock.withLock { () -> (PostgresStore?, Bool) in
            let found = stores.removeValue(forKey: ObjectIdentifier(store))
            let others = stores.values.contains { $0.configuration.schema == store.configuration.schema }
            return (found, others)
        }
        guard let found else { return }
        if others {
            await found.shutdown()
        } else {
            await PostgresTestServer.release(found)
        }
    }
}

// One check at a time: each opens its own pool and migrates its own schema, and 130 at once would exceed
// the server's connections.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)), .serialized)
struct PostgresStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: StoreConformance.Check) async throws {
        let outcome = try await check.run(on: PostgresStoreFactory())
        #expect(outcome == .passed, "\(check.name) was skipped on PostgreSQL")
    }
}
