import CollabModel
import CollabStore
import Crypto
import Foundation

/// Makes the stores ``DocumentStoreConformance`` checks run on, and corrupts their bytes on request.
///
/// ```swift
/// struct MyDocumentStoreFactory: DocumentStoreConformanceFactory {
///     var chunkSize: Int { 64 * 1024 }
///     func makeStore(clock: ManualClock) async throws -> any DocumentStore {
///         try MyDocumentStore(directory: freshDirectory(), clock: clock, chunkSize: chunkSize)
///     }
///     func corrupt(_ digest: ContentDigest, in store: any DocumentStore) async throws {
///         try flipOneByte(of: digest, in: store)
///     }
/// }
/// ```
public protocol DocumentStoreConformanceFactory: Sendable {
    /// The chunk size the stores hand bytes out in: the checks store contents of exactly that size and one
    /// byte more.
    var chunkSize: Int { get }

    /// A new, empty store that takes its time from `clock`.
    func makeStore(clock: ManualClock) async throws -> any DocumentStore

    /// Another instance on the bytes of `store` (as another process would open them), or `store` itself when
    /// the store cannot be opened twice. The default returns `store`.
    func makePeer(of store: any DocumentStore, clock: ManualClock) async throws -> any DocumentStore

    /// Changes one byte of the stored bytes of `digest` (not their size), as a failing disk would.
    func corrupt(_ digest: ContentDigest, in store: any DocumentStore) async throws

    /// Called once a check is done with a store it made (peers first; a peer that is the store itself is
    /// released twice). The default does nothing.
    func release(_ store: any DocumentStore) async
}

extension DocumentStoreConformanceFactory {
    /// Returns `store`: one instance only.
    public func makePeer(of store: any DocumentStore, clock: ManualClock) async throws -> any DocumentStore { store }

    /// Does nothing.
    public func release(_ store: any DocumentStore) async {}
}

/// The conformance suite of `CollabStore.DocumentStore`: streamed, content-addressed, verified bytes.
///
/// ```swift
/// @Test(arguments: DocumentStoreConformance.checks)
/// func conformance(_ check: DocumentStoreConformance.Check) async throws {
///     try await check.run(on: MyDocumentStoreFactory())
/// }
/// ```
///
/// Each check runs on a fresh store with a ``ManualClock`` at 2026-01-01 00:00 UTC and generates its
/// bytes from a fixed seed, so a failure replays. A failure throws a ``StoreConformanceFailure``.
public enum DocumentStoreConformance {
    /// One contract a document store must keep.
    public struct Check: Sendable, CustomStringConvertible, Hashable {
        /// A stable, unique name (`documents.round-trip`).
        public let name: String
        /// The contract, in one sentence.
        public let contract: String
        let body: @Sendable (DocumentConformanceContext) async throws -> Void

        init(_ name: String, _ contract: String, _ body: @escaping @Sendable (DocumentConformanceContext) async throws -> Void) {
            self.name = "documents.\(name)"
            self.contract = contract
            self.body = body
        }

        /// The check's name.
        public var description: String { name }

        /// Checks are equal when their names are.
        public static func == (lhs: Check, rhs: Check) -> Bool { lhs.name == rhs.name }

        /// Hashes the name.
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }

        /// Runs the check on a fresh store of `factory`, then releases every store it made.
        ///
        /// - Throws: ``StoreConformanceFailure`` when the store breaks the contract (an unexpected error is
        ///   reported as one too, naming it); whatever the factory throws.
        public func run(on factory: some DocumentStoreConformanceFactory) async throws {
            let context = try await DocumentConformanceContext(check: name, factory: factory)
            do {
                try await body(context)
            } catch let failure as StoreConformanceFailure {
                await context.releaseAll()
                throw failure
            } catch {
                await context.releaseAll()
                throw StoreConformanceFailure(check: name, expected: "no error", found: "the store threw \(error)")
            }
            await context.releaseAll()
        }
    }

    /// Every check, in a stable order.
    public static let checks: [Check] = [
        Check("round-trip", """
            empty, 1-byte, chunk-size, chunk-size + 1 and multi-megabyte contents come back byte for byte, named \
            by their SHA-256 and their size
            """) { context in
            let chunk = context.chunkSize
            for (index, size) in [0, 1, chunk, chunk + 1, 3 * (1 << 20) + 17].enumerated() {
                let bytes = DocumentConformanceContext.randomBytes(size, seed: UInt64(100 + index))
                let stored = try await context.put(bytes, pieceSize: 7_777)
                try context.equal(stored.digest, try context.sha256(bytes), "the digest of \(size) bytes")
                try context.equal(stored.size, Int64(size), "the size of \(size) bytes")
                try context.equal(stored.storedAt, context.clock.now(), "storedAt of \(size) bytes")
                let document = try await context.store.get(stored.digest)
                try context.equal(document.size, Int64(size), "the size get announces for \(size) bytes")
                let read = try await context.readAll(document)
                try context.expect(read.bytes == bytes, "the \(size) bytes back", found: "\(read.bytes.count) other bytes")
                try context.expect(read.largestChunk <= chunk, "chunks of at most \(chunk) bytes",
                    found: "a chunk of \(read.largestChunk)")
                let content = try context.some(try await context.store.content(stored.digest), "content(\(stored.digest))")
                try context.equal(content, stored, "content(digest) of \(size) bytes")
                // A second iteration reads again.
                try context.expect(try await context.readAll(document).bytes == bytes, "a second read of \(size) bytes",
                    found: "other bytes")
            }
        },
        Check("put-again-refreshes", """
            a second put of the same bytes returns the same digest, stores them once and refreshes storedAt
            """) { context in
            let bytes = DocumentConformanceContext.randomBytes(context.chunkSize * 2 + 5, seed: 7)
            let first = try await context.put(bytes, pieceSize: 1000)
            context.clock.advance(by: .seconds(90))
            let second = try await context.put(bytes, pieceSize: 4096)
            try context.equal(second.digest, first.digest, "the digest of the second put")
            try context.equal(second.storedAt, context.t0.addingTimeInterval(90), "storedAt of the second put")
            let listed = try await context.store.contents(after: nil, limit: 10)
            try context.equal(listed, [second], "the contents after two puts of the same bytes")
            try context.expect(try await context.readAll(try await context.store.get(first.digest)).bytes == bytes,
                "the bytes back after the second put", found: "other bytes")
        },
        Check("oversized-refused", """
            a put beyond maximumSize fails with invalidInput naming the limit and leaves nothing; exactly \
            maximumSize is accepted
            """) { context in
            let bytes = DocumentConformanceContext.randomBytes(context.chunkSize + 10, seed: 11)
            let limit = Int64(bytes.count - 1)
            do {
                let stored = try await context.store.put(ByteChunkSequence(bytes, pieceSize: 333), maximumSize: limit)
                throw context.failure("a put of \(bytes.count) bytes with a limit of \(limit) to fail", "it stored \(stored)")
            } catch let error as CollabError {
                try context.equal(error.code, .invalidInput, "the error of an oversized put")
                try context.expect(error.message.contains("\(limit)"), "the message to name the limit \(limit)",
                    found: error.message)
            }
            try context.equal(try await context.store.contents(after: nil, limit: 10), [], "the contents after a refused put")
            try context.equal(try await context.store.content(try context.sha256(bytes)), nil,
                "content() of the refused bytes")
            let exact = try await context.store.put(ByteChunkSequence(bytes, pieceSize: 333), maximumSize: Int64(bytes.count))
            try context.equal(exact.size, Int64(bytes.count), "the size of a put of exactly maximumSize")
        },
        Check("failed-source-leaves-nothing", """
            a put whose source fails half-way fails and leaves nothing listed or readable
            """) { context in
            let bytes = DocumentConformanceContext.randomBytes(context.chunkSize * 3, seed: 13)
            do {
                let stored = try await context.store.put(
                    ByteChunkSequence(bytes, pieceSize: context.chunkSize / 2 + 1, failingAfter: bytes.count / 2),
                    maximumSize: 1 << 40)
                throw context.failure("a put whose source fails to fail", "it stored \(stored)")
            } catch is CollabError {}
            try context.equal(try await context.store.contents(after: nil, limit: 10), [], "the contents after a failed put")
            try context.equal(try await context.store.content(try context.sha256(bytes)), nil,
                "content() of the bytes of a failed put")
            // The same bytes can be stored afterwards.
            let stored = try await context.put(bytes, pieceSize: 10_000)
            try context.equal(stored.digest, try context.sha256(bytes), "the digest after a failed put")
        },
        Check("unknown-not-found", "get of an unknown digest fails with notFound; content() is nil") { context in
            let unknown = try context.sha256(Array("never stored".utf8))
            try await context.expectError(.notFound, "get of an unknown digest") { try await context.store.get(unknown) }
            try context.equal(try await context.store.content(unknown), nil, "content() of an unknown digest")
        },
        Check("corruption-detected", """
            bytes that no longer match their digest fail with storageCorrupt, and the final chunk is never handed out
            """) { context in
            for (index, size) in [context.chunkSize * 3 + 100, 200].enumerated() {
                let bytes = DocumentConformanceContext.randomBytes(size, seed: UInt64(17 + index))
                let stored = try await context.put(bytes, pieceSize: 5000)
                try await context.factory.corrupt(stored.digest, in: context.store)
                var received = 0
                do {
                    for try await chunk in try await context.store.get(stored.digest) { received += chunk.count }
                    throw context.failure("reading corrupted bytes (\(size)) to fail with storage_corrupt",
                        "all \(received) bytes were handed out")
                } catch let error as CollabError {
                    try context.equal(error.code, .storageCorrupt, "the error reading corrupted bytes (\(size))")
                    try context.expect(error.message.contains(stored.digest.hex), "the message to name the digest",
                        found: error.message)
                }
                try context.expect(received < size, "the final chunk of corrupted bytes (\(size)) withheld",
                    found: "\(received) of \(size) bytes handed out")
            }
        },
        Check("remove-idempotent", "remove takes the bytes away; removing absent bytes is not an error") { context in
            let bytes = DocumentConformanceContext.randomBytes(context.chunkSize + 3, seed: 19)
            let kept = try await context.put(DocumentConformanceContext.randomBytes(10, seed: 20), pieceSize: 4)
            let stored = try await context.put(bytes, pieceSize: 999)
            try await context.store.remove(stored.digest)
            try context.equal(try await context.store.content(stored.digest), nil, "content() after remove")
            try await context.expectError(.notFound, "get after remove") { try await context.store.get(stored.digest) }
            try await context.store.remove(stored.digest)
            try await context.store.remove(try context.sha256([1, 2, 3]))
            try context.equal(try await context.store.contents(after: nil, limit: 10), [kept], "the contents after remove")
            let again = try await context.put(bytes, pieceSize: 999)
            try context.equal(again.digest, stored.digest, "the digest of bytes stored again after remove")
            try context.expect(try await context.readAll(try await context.store.get(again.digest)).bytes == bytes,
                "the bytes back after remove and put", found: "other bytes")
        },
        Check("contents-paging", """
            contents(after:limit:) walks every stored content once, in digest order, at most limit at a time
            """) { context in
            var expected: [StoredContent] = []
            for index in 0..<23 {
                expected.append(try await context.put(
                    DocumentConformanceContext.randomBytes(index * 37, seed: UInt64(1000 + index)), pieceSize: 64))
            }
            expected.sort { $0.digest < $1.digest }
            var walked: [StoredContent] = []
            var after: ContentDigest?
            while true {
                let page = try await context.store.contents(after: after, limit: 5)
                try context.expect(page.count <= 5, "pages of at most 5", found: "a page of \(page.count)")
                guard let last = page.last else { break }
                walked += page
                after = last.digest
            }
            try context.equal(walked, expected, "the walk of 23 contents in pages of 5")
            try context.equal(try await context.store.contents(after: expected[10].digest, limit: 3),
                Array(expected[11..<14]), "contents after the 11th digest")
            try context.equal(try await context.store.contents(after: nil, limit: 0), [], "contents with limit 0")
        },
        Check("concurrent-puts", """
            puts of the same and of different bytes, at once and from two instances, all succeed and store each \
            content once
            """) { context in
            let peer = try await context.peer()
            let same = DocumentConformanceContext.randomBytes(context.chunkSize * 2 + 1, seed: 23)
            let stores = [context.store, peer]
            let results = try await withThrowingTaskGroup(of: (Int, StoredContent).self) { group in
                for index in 0..<12 {
                    let bytes = index % 2 == 0 ? same
                        : DocumentConformanceContext.randomBytes(context.chunkSize + index, seed: UInt64(2000 + index))
                    let store = stores[index % 4 < 2 ? 0 : 1]
                    group.addTask {
                        (index, try await store.put(ByteChunkSequence(bytes, pieceSize: 3000), maximumSize: 1 << 30))
                    }
                }
                var results: [Int: StoredContent] = [:]
                for try await (index, stored) in group { results[index] = stored }
                return results
            }
            let sameDigest = try context.sha256(same)
            for index in stride(from: 0, to: 12, by: 2) {
                try context.equal(results[index]?.digest, sameDigest, "the digest of concurrent put \(index)")
            }
            let listed = try await context.store.contents(after: nil, limit: 100)
            try context.equal(listed.count, 7, "the number of contents after 12 puts of 7 different contents")
            try context.equal(Set(listed.map(\.digest)), Set(results.values.map(\.digest)), "the digests listed")
            for index in 0..<12 {
                let digest = try context.some(results[index]?.digest, "the result of put \(index)")
                let expected = index % 2 == 0 ? same
                    : DocumentConformanceContext.randomBytes(context.chunkSize + index, seed: UInt64(2000 + index))
                try context.expect(try await context.readAll(try await peer.get(digest)).bytes == expected,
                    "the bytes of put \(index) back", found: "other bytes")
            }
        },
        Check("early-stop-releases", """
            readers that stop early or read side by side do not keep the store from reading again
            """) { context in
            let bytes = DocumentConformanceContext.randomBytes(context.chunkSize * 3 + 1, seed: 29)
            let stored = try await context.put(bytes, pieceSize: 20_000)
            for _ in 0..<64 {
                let document = try await context.store.get(stored.digest)
                for try await _ in document { break }
            }
            let document = try await context.store.get(stored.digest)
            var first = document.makeAsyncIterator()
            var second = document.makeAsyncIterator()
            var fromFirst: [UInt8] = []
            var fromSecond: [UInt8] = []
            while let chunk = try await first.next() {
                fromFirst += chunk
                if let other = try await second.next() { fromSecond += other }
            }
            while let other = try await second.next() { fromSecond += other }
            try context.expect(fromFirst == bytes && fromSecond == bytes, "two interleaved readers to read the bytes",
                found: "\(fromFirst.count) and \(fromSecond.count) bytes")
            try context.expect(try await context.readAll(try await context.store.get(stored.digest)).bytes == bytes,
                "a read after 64 abandoned ones", found: "other bytes")
        },
    ]
}

/// What one running document check holds.
final class DocumentConformanceContext: @unchecked Sendable {
    let check: String
    let factory: any DocumentStoreConformanceFactory
    let clock: ManualClock
    let store: any DocumentStore
    private let lock = NSLock()
    private var made: [any DocumentStore] = []

    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    var t0: Date { Self.t0 }
    var chunkSize: Int { factory.chunkSize }

    init(check: String, factory: any DocumentStoreConformanceFactory) async throws {
        self.check = check
        self.factory = factory
        clock = ManualClock(now: Self.t0)
        store = try await factory.makeStore(clock: clock)
        made = [store]
    }

    func peer() async throws -> any DocumentStore {
        let peer = try await factory.makePeer(of: store, clock: clock)
        lock.withLock { made.append(peer) }
        return peer
    }

    func releaseAll() async {
        let stores = lock.withLock { () -> [any DocumentStore] in
            defer { made = [] }
            return made
        }
        for store in stores.reversed() { await factory.release(store) }
    }

    func put(_ bytes: [UInt8], pieceSize: Int) async throws -> StoredContent {
        try await store.put(ByteChunkSequence(bytes, pieceSize: pieceSize), maximumSize: Int64(bytes.count))
    }

    func readAll(_ document: DocumentBytes) async throws -> (bytes: [UInt8], largestChunk: Int) {
        var bytes: [UInt8] = []
        var largest = 0
        for try await chunk in document {
            bytes += chunk
            largest = max(largest, chunk.count)
        }
        return (bytes, largest)
    }

    static func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededRandomNumberGenerator(seed: seed)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// The SHA-256 of `bytes`, computed here to check the store's.
    func sha256(_ bytes: [UInt8]) throws(StoreConformanceFailure) -> ContentDigest {
        guard let digest = ContentDigest(bytes: Array(SHA256.hash(data: bytes))) else {
            throw failure("a 32-byte SHA-256 digest", "swift-crypto gave another length")
        }
        return digest
    }

    func failure(_ expected: String, _ found: String) -> StoreConformanceFailure {
        StoreConformanceFailure(check: check, expected: expected, found: found)
    }

    func expect(_ condition: Bool, _ expected: @autoclosure () -> String, found: @autoclosure () -> String) throws {
        if !condition { throw failure(expected(), found()) }
    }

    func equal<T: Equatable>(_ found: T, _ expected: T, _ what: String) throws {
        if found != expected { throw failure("\(what) to be \(expected)", "\(found)") }
    }

    func some<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw failure("\(what) to exist", "nil") }
        return value
    }

    /// Runs `body`, which must fail with `code`.
    func expectError<T>(_ code: CollabError.Code, _ what: String, _ body: () async throws -> T) async throws {
        do {
            let value = try await body()
            throw failure("\(what) to fail with \(code.rawValue)", "it succeeded with \(value)")
        } catch let error as CollabError {
            if error.code != code { throw failure("\(what) to fail with \(code.rawValue)", "\(error.code.rawValue): \(error)") }
        }
    }
}

/// A byte array as an `AsyncSequence` of pieces, optionally failing part-way: the source of test puts.
public struct ByteChunkSequence: AsyncSequence, Sendable {
    /// A piece of the bytes.
    public typealias Element = [UInt8]

    /// The error a ``ByteChunkSequence`` throws when told to fail.
    public struct SourceFailed: Error, CustomStringConvertible {
        /// How many bytes it had yielded.
        public var after: Int
        /// `the source failed after N bytes`.
        public var description: String { "the source failed after \(after) bytes" }
    }

    let bytes: [UInt8]
    let pieceSize: Int
    let failingAfter: Int?

    /// `bytes` in pieces of `pieceSize` (at least 1); throwing ``SourceFailed`` once at least `failingAfter`
    /// bytes were yielded, when given.
    public init(_ bytes: [UInt8], pieceSize: Int, failingAfter: Int? = nil) {
        self.bytes = bytes
        self.pieceSize = Swift.max(1, pieceSize)
        self.failingAfter = failingAfter
    }

    /// Iterates the pieces.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: ByteChunkSequence
        var offset = 0

        /// The next piece.
        public mutating func next() async throws -> [UInt8]? {
            if let limit = sequence.failingAfter, offset >= limit { throw SourceFailed(after: offset) }
            guard offset < sequence.bytes.count else { return nil }
            let end = Swift.min(offset + sequence.pieceSize, sequence.bytes.count)
            defer { offset = end }
            return Array(sequence.bytes[offset..<end])
        }
    }

    /// Iterates the pieces from the start.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }
}
