import CollabModel
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import Foundation
import PostgresNIO
import Testing

/// Makes PostgreSQL document stores, each on a schema of its own; a peer is a document store on a second
/// `PostgresStore` on the same schema, as another machine would open it.
final class PostgresDocumentStoreFactory: DocumentStoreConformanceFactory, @unchecked Sendable {
    private let lock = NSLock()
    private var stores: [ObjectIdentifier: PostgresStore] = [:]

    /// Small chunks, so that multi-chunk contents stay small.
    var chunkSize: Int { 64 * 1024 }

    private func keep(_ store: PostgresStore, _ clock: ManualClock) -> any DocumentStore {
        let documents = PostgresDocumentStore(store: store, clock: clock, chunkSize: chunkSize)
        lock.withLock { stores[ObjectIdentifier(documents)] = store }
        return documents
    }

    func makeStore(clock: ManualClock) async throws -> any DocumentStore {
        keep(try await PostgresTestServer.makeStore(), clock)
    }

    func makePeer(of store: any DocumentStore, clock: ManualClock) async throws -> any DocumentStore {
        guard let original = store as? PostgresDocumentStore else {
            throw CollabError(.invalidInput, "not a store of this factory")
        }
        return keep(try await PostgresTestServer.makePeer(of: original.store), clock)
    }

    func corrupt(_ digest: ContentDigest, in store: any DocumentStore) async throws {
        guard let documents = store as? PostgresDocumentStore else {
            throw CollabError(.invalidInput, "not a store of this factory")
        }
        // Flip the first byte of the last chunk.
        try await documents.store.client.query("""
            UPDATE document_chunks SET bytes = set_byte(bytes, 0, get_byte(bytes, 0) # 90)
            WHERE (upload_id, seq) = (SELECT upload_id, chunk_count - 1 FROM document_contents WHERE digest = \(digest.hex))
            """)
    }

    func release(_ store: any DocumentStore) async {
        guard let documents = store as? PostgresDocumentStore else { return }
        let (found, others) = lock.withLock { () -> (PostgresStore?, Bool) in
            let found = stores.removeValue(forKey: ObjectIdentifier(documents))
            let others = stores.values.contains { $0.configuration.schema == documents.store.configuration.schema }
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

// One check at a time: each opens its own pools.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)), .serialized)
struct PostgresDocumentStoreTests {
    @Test(arguments: DocumentStoreConformance.checks)
    func conformance(_ check: DocumentStoreConformance.Check) async throws {
        try await check.run(on: PostgresDocumentStoreFactory())
    }

    @Test("two instances putting the same bytes at once both succeed; one content row, one set of chunks")
    func twoInstancesPutTheSameBytes() async throws {
        try await PostgresTestServer.withStore { first in
            let second = try await PostgresTestServer.makePeer(of: first)
            defer { Task { await second.shutdown() } }
            let clock = ManualClock()
            let stores = [first, second].map { PostgresDocumentStore(store: $0, clock: clock, chunkSize: 1000) }
            var generator = SeededRandomNumberGenerator(seed: 42)
            let bytes = (0..<10_500).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for round in 0..<5 {
                let results = try await withThrowingTaskGroup(of: StoredContent.self) { group in
                    for index in 0..<6 {
                        let store = stores[index % 2]
                        let piece = 100 + 37 * index + round
                        group.addTask { try await store.put(ByteChunkSequence(bytes, pieceSize: piece), maximumSize: 20_000) }
                    }
                    var results: [StoredContent] = []
                    for try await result in group { results.append(result) }
                    return results
                }
                #expect(Set(results.map(\.digest)).count == 1)
            }
            let counts = try await first.client.query("""
                SELECT (SELECT count(*)::INT FROM document_contents), (SELECT count(*)::INT FROM document_chunks)
                """)
            for try await (contents, chunks) in counts.decode((Int, Int).self) {
                #expect(contents == 1)
                #expect(chunks == 11)
            }
            var read: [UInt8] = []
            let digest = try #require(try await stores[1].contents(after: nil, limit: 1).first?.digest)
            for try await chunk in try await stores[0].get(digest) { read += chunk }
            #expect(read == bytes)
        }
    }

    @Test("chunks of an abandoned upload are deleted once an hour old, on a walk from the start")
    func abandonedUploadsCollected() async throws {
        try await PostgresTestServer.withStore { store in
            let clock = ManualClock()
            let documents = PostgresDocumentStore(store: store, clock: clock, chunkSize: 1000)
            let then = clock.now().addingTimeInterval(-3601).storedMilliseconds
            let recent = clock.now().storedMilliseconds
            try await store.client.query("""
                INSERT INTO document_chunks (upload_id, seq, bytes, created_at)
                VALUES (\(UUID()), 0, '\\x01'::bytea, \(then)), (\(UUID()), 0, '\\x02'::bytea, \(recent))
                """)
            let kept = try await documents.put(ByteChunkSequence([1, 2, 3], pieceSize: 2), maximumSize: 3)
            #expect(try await documents.contents(after: nil, limit: 10) == [kept])
            let counts = try await store.client.query("SELECT count(*)::INT FROM document_chunks")
            for try await count in counts.decode(Int.self) { #expect(count == 2) }
        }
    }
}
