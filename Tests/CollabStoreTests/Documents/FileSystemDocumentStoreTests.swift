import CollabModel
import CollabStore
import CollabTesting
import Foundation
import Testing

/// Makes file-system document stores in temporary directories; a peer is a second store on the same directory.
struct FileSystemDocumentStoreFactory: DocumentStoreConformanceFactory {
    /// Wraps each store made (the mutants); identity by default.
    var wrap: @Sendable (FileSystemDocumentStore) -> any DocumentStore = { $0 }

    /// Small chunks, so that multi-chunk contents stay small.
    var chunkSize: Int { 64 * 1024 }

    static func freshDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("collab-documents-\(UUID().uuidString)")
    }

    func makeStore(clock: ManualClock) async throws -> any DocumentStore {
        wrap(try FileSystemDocumentStore(directory: Self.freshDirectory(), clock: clock, chunkSize: chunkSize))
    }

    func makePeer(of store: any DocumentStore, clock: ManualClock) async throws -> any DocumentStore {
        wrap(try FileSystemDocumentStore(directory: try Self.directory(of: store), clock: clock, chunkSize: chunkSize))
    }

    func corrupt(_ digest: ContentDigest, in store: any DocumentStore) async throws {
        try Self.flipByte(of: digest, in: try Self.inner(store))
    }

    func release(_ store: any DocumentStore) async {
        if let directory = try? Self.directory(of: store) { try? FileManager.default.removeItem(at: directory) }
    }

    static func inner(_ store: any DocumentStore) throws -> FileSystemDocumentStore {
        if let store = store as? FileSystemDocumentStore { return store }
        if let store = store as? MutantDocumentStore { return store.inner }
        throw CollabError(.invalidInput, "\(type(of: store)) is not a store of this factory")
    }

    static func directory(of store: any DocumentStore) throws -> URL { try inner(store).directory }

    /// Flips the middle byte of the file of `digest`.
    static func flipByte(of digest: ContentDigest, in store: FileSystemDocumentStore) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: store.path(of: digest)))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        let middle = size / 2
        try handle.seek(toOffset: middle)
        let byte = try handle.read(upToCount: 1) ?? Data([0])
        try handle.seek(toOffset: middle)
        try handle.write(contentsOf: Data([(byte.first ?? 0) ^ 0x5A]))
    }
}

/// A store that breaks one rule of the contract: the suite must notice.
struct MutantDocumentStore: DocumentStore {
    enum Mutation: String, CaseIterable, Sendable {
        /// Ends a read quietly instead of reporting corruption.
        case swallowsCorruption
        /// Lists contents in reverse digest order.
        case unorderedContents
    }

    let inner: FileSystemDocumentStore
    let mutation: Mutation

    func put(_ chunks: some AsyncSequence<[UInt8], any Error>, maximumSize: Int64) async throws(CollabError) -> StoredContent {
        try await inner.put(chunks, maximumSize: maximumSize)
    }

    func get(_ digest: ContentDigest) async throws(CollabError) -> DocumentBytes {
        let bytes = try await inner.get(digest)
        guard mutation == .swallowsCorruption else { return bytes }
        return DocumentBytes(digest: digest, size: bytes.size) { QuietReader(iterator: bytes.makeAsyncIterator()) }
    }

    func content(_ digest: ContentDigest) async throws(CollabError) -> StoredContent? { try await inner.content(digest) }

    func remove(_ digest: ContentDigest) async throws(CollabError) { try await inner.remove(digest) }

    func contents(after digest: ContentDigest?, limit: Int) async throws(CollabError) -> [StoredContent] {
        guard mutation == .unorderedContents else { return try await inner.contents(after: digest, limit: limit) }
        return try await inner.contents(after: digest, limit: limit).reversed()
    }

    actor QuietReader: DocumentChunkReader {
        var iterator: DocumentBytes.AsyncIterator
        init(iterator: DocumentBytes.AsyncIterator) { self.iterator = iterator }
        func next() async throws(CollabError) -> [UInt8]? {
            var current = iterator
            defer { iterator = current }
            do throws(CollabError) {
                return try await current.next(isolation: self)
            } catch where error.code == .storageCorrupt {
                return nil
            }
        }
    }
}

@Suite(.timeLimit(.minutes(10)))
struct FileSystemDocumentStoreTests {
    @Test(arguments: DocumentStoreConformance.checks)
    func conformance(_ check: DocumentStoreConformance.Check) async throws {
        try await check.run(on: FileSystemDocumentStoreFactory())
    }

    @Test("the suite catches a store that breaks the contract", arguments: MutantDocumentStore.Mutation.allCases)
    func mutantIsCaught(_ mutation: MutantDocumentStore.Mutation) async throws {
        let factory = FileSystemDocumentStoreFactory(wrap: { MutantDocumentStore(inner: $0, mutation: mutation) })
        var failures: [String] = []
        for check in DocumentStoreConformance.checks {
            do {
                try await check.run(on: factory)
            } catch let failure as StoreConformanceFailure {
                failures.append(failure.check)
            }
        }
        let expected = switch mutation {
        case .swallowsCorruption: "documents.corruption-detected"
        case .unorderedContents: "documents.contents-paging"
        }
        #expect(failures.contains(expected), "\(mutation) was not caught; failed checks: \(failures)")
    }

    @Test("bytes live at <dir>/ab/cd/<digest>, owner-only, dated by the clock; nothing is left in tmp/")
    func layoutOnDisk() async throws {
        let directory = FileSystemDocumentStoreFactory.freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualClock()
        let store = try FileSystemDocumentStore(directory: directory, clock: clock, chunkSize: 1000)
        let bytes = Array("hello, documents".utf8)
        let stored = try await store.put(ByteChunkSequence(bytes, pieceSize: 3), maximumSize: 100)
        let hex = stored.digest.hex
        #expect(hex == "443dc6eac93069f706c7f57b7e07dbd74664ae2163ada891fda67237009d9071")  // sha256sum of the text
        let path = directory.path + "/" + hex.prefix(2) + "/" + hex.dropFirst(2).prefix(2) + "/" + hex
        #expect(store.path(of: stored.digest) == path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(bytes))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let permissions = try #require(attributes[.posixPermissions] as? Int)
        #expect(permissions & 0o077 == 0, "permissions \(String(permissions, radix: 8))")
        for shard in [directory.path + "/" + hex.prefix(2), (path as NSString).deletingLastPathComponent] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: shard)[.posixPermissions] as? Int)
            #expect(mode & 0o022 == 0, "\(shard) is writable by others: \(String(mode, radix: 8))")
        }
        let modified = try #require(attributes[.modificationDate] as? Date)
        #expect(modified == clock.now())
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/tmp").isEmpty)
    }

    @Test("a refused or failed put leaves no temporary file")
    func noTemporaryLeftovers() async throws {
        let directory = FileSystemDocumentStoreFactory.freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FileSystemDocumentStore(directory: directory, clock: ManualClock(), chunkSize: 1000)
        let bytes = [UInt8](repeating: 7, count: 5000)
        let refused = await #expect(throws: CollabError.self) {
            try await store.put(ByteChunkSequence(bytes, pieceSize: 700), maximumSize: 4096)
        }
        #expect(refused?.code == .invalidInput)
        #expect(refused?.message.contains("4096") == true)
        #expect(refused?.message.contains("4200") == true, "the size reached: \(refused?.message ?? "")")
        await #expect(throws: CollabError.self) {
            try await store.put(ByteChunkSequence(bytes, pieceSize: 700, failingAfter: 2000), maximumSize: 1 << 20)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/tmp").isEmpty)
        #expect(try await store.contents(after: nil, limit: 10).isEmpty)
    }

    @Test("temporary files a crash left are removed once an hour old, at open and on a walk from the start")
    func crashLeftoversCollected() async throws {
        let directory = FileSystemDocumentStoreFactory.freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualClock()
        _ = try FileSystemDocumentStore(directory: directory, clock: clock)
        let tmp = directory.path + "/tmp/"
        func leave(_ name: String, at date: Date) throws {
            _ = FileManager.default.createFile(atPath: tmp + name, contents: Data([1, 2, 3]))
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: tmp + name)
        }
        try leave("old.partial", at: clock.now().addingTimeInterval(-3601))
        try leave("recent.partial", at: clock.now().addingTimeInterval(-60))
        let store = try FileSystemDocumentStore(directory: directory, clock: clock)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp) == ["recent.partial"])
        clock.advance(by: .seconds(3600))
        _ = try await store.contents(after: nil, limit: 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty)
    }

    @Test("files that are not digests, and tmp/, are not listed")
    func strangersIgnored() async throws {
        let directory = FileSystemDocumentStoreFactory.freshDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FileSystemDocumentStore(directory: directory, clock: ManualClock())
        let stored = try await store.put(ByteChunkSequence([1, 2, 3], pieceSize: 1), maximumSize: 3)
        let shard = (store.path(of: stored.digest) as NSString).deletingLastPathComponent
        _ = FileManager.default.createFile(atPath: shard + "/notes.txt", contents: Data())
        _ = FileManager.default.createFile(atPath: shard + "/" + stored.digest.hex + ".bak", contents: Data())
        try FileManager.default.createDirectory(atPath: directory.path + "/zz/00", withIntermediateDirectories: true)
        #expect(try await store.contents(after: nil, limit: 10) == [stored])
    }

    @Test("a directory that cannot be created fails with a storage error naming it")
    func unusableDirectory() throws {
        let file = FileSystemDocumentStoreFactory.freshDirectory()
        _ = FileManager.default.createFile(atPath: file.path, contents: Data())
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: CollabError.self) {
            try FileSystemDocumentStore(directory: file.appendingPathComponent("inner"))
        }
        #expect(error.code == .storageFailure)
        #expect(error.message.contains(file.path))
    }
}
