import CollabModel
import Foundation

/// Bytes a ``DocumentStore`` holds: their digest and size.
public struct StoredContent: Hashable, Sendable {
    /// The SHA-256 digest of the bytes, which is also their name in the store.
    public var digest: ContentDigest
    /// The size in bytes.
    public var size: Int64
    /// When the bytes were stored, or last stored again (a ``DocumentStore/put(_:maximumSize:)`` of bytes
    /// the store already holds refreshes it, so the orphan collection's grace period starts again).
    public var storedAt: Date

    /// Creates a description of stored bytes.
    public init(digest: ContentDigest, size: Int64, storedAt: Date) {
        self.digest = digest
        self.size = size
        self.storedAt = storedAt
    }
}

/// Where the bytes of documents live: content-addressed, streamed in and out, verified on the way out.
///
/// A document store knows nothing of documents, owners or rights: it keeps bytes under their SHA-256
/// digest. The engine decides who may read what before it asks the store for bytes, and records which
/// digests its document versions name; bytes no version names are orphans, which
/// the engine collects after a grace period (`DocumentDesk.collectOrphans`).
///
/// Collab ships two stores that pass the same conformance suite (`DocumentStoreConformance` in
/// CollabTesting): ``FileSystemDocumentStore``, the embedded default, and `PostgresDocumentStore` for
/// several instances sharing one database.
///
/// Every requirement streams: no implementation may hold a whole file in memory.
public protocol DocumentStore: Sendable {
    /// Stores the bytes `chunks` yields and returns their digest and size.
    ///
    /// Nothing is visible under the digest until every byte is durable: a put that fails, is cancelled or
    /// exceeds `maximumSize` leaves nothing behind (error `CollabError.Code.invalidInput` naming the
    /// limit, for the size). Storing bytes the store already holds writes nothing new and refreshes
    /// ``StoredContent/storedAt``.
    func put(_ chunks: some AsyncSequence<[UInt8], any Error>, maximumSize: Int64) async throws(CollabError)
        -> StoredContent

    /// The bytes stored under `digest`, streamed; `CollabError.Code.notFound` when there are none.
    ///
    /// The bytes are checked against the digest while they stream: a reader gets the final chunk only after
    /// every byte matched, and a `CollabError.Code.storageCorrupt` error instead when they did not.
    func get(_ digest: ContentDigest) async throws(CollabError) -> DocumentBytes

    /// What the store holds under `digest`, or `nil`.
    func content(_ digest: ContentDigest) async throws(CollabError) -> StoredContent?

    /// Removes the bytes under `digest`; removing bytes that are not there is not an error.
    func remove(_ digest: ContentDigest) async throws(CollabError)

    /// Up to `limit` stored contents with digests after `digest` (from the first when `nil`), in digest
    /// order: how the orphan collection walks the store.
    func contents(after digest: ContentDigest?, limit: Int) async throws(CollabError) -> [StoredContent]
}

/// Reads the next chunk of a stored content; `nil` at the end.
public protocol DocumentChunkReader: Sendable {
    /// The next chunk, `nil` after the last one (which is handed out only once all bytes matched the digest).
    func next() async throws(CollabError) -> [UInt8]?
}

/// The bytes of one stored content, as an `AsyncSequence` of chunks (pull-based: a slow reader holds
/// back the store, never buffers the file).
public struct DocumentBytes: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = CollabError

    /// The digest the bytes are checked against.
    public let digest: ContentDigest
    /// How many bytes the sequence yields.
    public let size: Int64
    private let open: @Sendable () -> any DocumentChunkReader

    /// Bytes of `size` under `digest`; `open` makes a fresh reader for each iteration.
    public init(digest: ContentDigest, size: Int64, open: @escaping @Sendable () -> any DocumentChunkReader) {
        self.digest = digest
        self.size = size
        self.open = open
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: any DocumentChunkReader

        public mutating func next() async throws(CollabError) -> [UInt8]? {
            try await reader.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(CollabError) -> [UInt8]? {
            try await reader.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: open()) }
}
