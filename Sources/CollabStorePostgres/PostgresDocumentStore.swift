import CollabModel
import CollabStore
import Crypto
import Foundation
import Logging
import PostgresNIO

/// A `CollabStore.DocumentStore` in the PostgreSQL database of a ``PostgresStore``, for several instances
/// sharing one database.
///
/// The bytes live in `document_chunks`, in chunks of `chunkSize` bytes, under the id of the upload that wrote
/// them; `document_contents` has one row per content, naming its digest, size and upload (schema version 3).
/// A put writes each chunk in a short transaction of its own while it hashes and counts the bytes, then, in
/// one transaction, inserts the content row, so nothing is visible under the digest before every byte is
/// durable. When the content is already there (stored earlier, or by another instance at the same moment),
/// that transaction only moves `stored_at` on and deletes the chunks just written. A put that fails, is
/// cancelled or exceeds its limit deletes its chunks; chunks no content names that are older than an hour
/// (a crash mid-put) are deleted whenever ``contents(after:limit:)`` starts a walk from the beginning.
///
/// A get reads one chunk per query and checks the bytes against the digest as they stream, like
/// `CollabStore.FileSystemDocumentStore`.
public final class PostgresDocumentStore: DocumentStore {
    /// The store whose connection pool and schema hold the bytes.
    public let store: PostgresStore
    /// How many bytes each stored chunk (and each chunk a get hands out) holds.
    public let chunkSize: Int
    private let clock: any CollabClock

    /// How old chunks that no content names must be before they count as a crash's leftovers (an hour).
    public static let staleUploadAge: TimeInterval = 3600

    /// A document store in the database of `store`.
    ///
    /// - Parameters:
    ///   - store: Its pool, schema (migrated to version 3 or newer) and logger are used.
    ///   - clock: Sets `stored_at` and judges the age of leftover chunks.
    ///   - chunkSize: How many bytes each stored chunk holds (1 to 64 MiB; clamped).
    public init(store: PostgresStore, clock: any CollabClock = SystemClock(), chunkSize: Int = 1 << 20) {
        self.store = store
        self.clock = clock
        self.chunkSize = min(max(chunkSize, 1), 64 << 20)
    }

    private var logger: Logger { store.logger }

    // MARK: Put

    /// Writes `chunks` as chunk rows, then the content row in one transaction; see
    /// `CollabStore.DocumentStore.put(_:maximumSize:)`.
    public func put(_ chunks: some AsyncSequence<[UInt8], any Error>, maximumSize: Int64) async throws(CollabError)
        -> StoredContent
    {
        var content = try ContentReader(chunks, maximumSize: maximumSize)
        let upload = UUID()
        var hasher = SHA256()
        var count: Int32 = 0
        do throws(CollabError) {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(chunkSize)
            while let piece = try await content.next() {
                hasher.update(data: piece)
                var offset = 0
                while offset < piece.count {
                    let take = min(chunkSize - buffer.count, piece.count - offset)
                    buffer.append(contentsOf: piece[offset..<(offset + take)])
                    offset += take
                    if buffer.count == chunkSize {
                        try await writeChunk(upload, count, buffer)
                        count += 1
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !buffer.isEmpty {
                try await writeChunk(upload, count, buffer)
                count += 1
            }
            guard let digest = ContentDigest(bytes: Array(hasher.finalize())) else {
                throw CollabError(.storageFailure, "SHA-256 gave no 32-byte digest")
            }
            let now = clock.now().storedMilliseconds
            let (chunkCount, finalSize) = (count, content.size)
            let owner = try await store.write(.readCommitted) { connection in
                let logger = self.logger
                let rows = try await connection.rows("""
                    INSERT INTO document_contents (digest, size, chunk_count, upload_id, stored_at)
                    VALUES (\(digest.hex), \(finalSize), \(chunkCount), \(upload), \(now))
                    ON CONFLICT (digest) DO UPDATE SET stored_at = EXCLUDED.stored_at
                    RETURNING upload_id, size
                    """, logger)
                let owner = try rows.first?.value("upload_id", as: UUID.self) ?? upload
                if owner != upload {
                    try await connection.execute("DELETE FROM document_chunks WHERE upload_id = \(upload)", logger)
                }
                return owner
            }
            if owner != upload { logger.debug("content already stored", metadata: ["digest": "\(digest.hex)"]) }
            return StoredContent(digest: digest, size: finalSize, storedAt: Date(storedMilliseconds: now))
        } catch {
            await discard(upload)
            throw error
        }
    }

    private func writeChunk(_ upload: UUID, _ seq: Int32, _ bytes: [UInt8]) async throws(CollabError) {
        let created = clock.now().storedMilliseconds
        let buffer = ByteBuffer(bytes: bytes)
        _ = try await store.write(.readCommitted) { connection in
            try await connection.execute("""
                INSERT INTO document_chunks (upload_id, seq, bytes, created_at)
                VALUES (\(upload), \(seq), \(buffer), \(created))
                """, self.logger)
        }
    }

    /// Deletes the chunks of a failed upload; a failure is logged (the hourly collection deletes them later).
    private func discard(_ upload: UUID) async {
        do {
            _ = try await store.write(.readCommitted) { connection in
                try await connection.execute("DELETE FROM document_chunks WHERE upload_id = \(upload)", self.logger)
            }
        } catch {
            logger.warning("could not delete the chunks of a failed upload",
                metadata: ["upload": "\(upload)", "error": "\(error)"])
        }
    }

    // MARK: Reads

    private struct Row: Sendable {
        var size: Int64
        var chunkCount: Int32
        var upload: UUID
        var storedAt: Int64
    }

    private func row(_ digest: ContentDigest) async throws(CollabError) -> Row? {
        try await store.readStatement { connection in
            let rows = try await connection.rows("""
                SELECT size, chunk_count, upload_id, stored_at FROM document_contents WHERE digest = \(digest.hex)
                """, self.logger)
            guard let row = rows.first else { return nil }
            return Row(size: try row.value("size"), chunkCount: try row.value("chunk_count"),
                upload: try row.value("upload_id"), storedAt: try row.value("stored_at"))
        }
    }

    /// The bytes under `digest`, one chunk per query, verified as they stream; see
    /// `CollabStore.DocumentStore.get(_:)`.
    public func get(_ digest: ContentDigest) async throws(CollabError) -> DocumentBytes {
        guard let row = try await row(digest) else {
            throw CollabError(.notFound, "no document content with digest '\(digest.hex)'")
        }
        return DocumentBytes(digest: digest, size: row.size) {
            PostgresChunkReader(store: self.store, digest: digest, upload: row.upload, chunkCount: row.chunkCount)
        }
    }

    /// The size and date of the bytes under `digest`, or `nil`; see `CollabStore.DocumentStore.content(_:)`.
    public func content(_ digest: ContentDigest) async throws(CollabError) -> StoredContent? {
        try await row(digest).map {
            StoredContent(digest: digest, size: $0.size, storedAt: Date(storedMilliseconds: $0.storedAt))
        }
    }

    /// Deletes the content row and its chunks (nothing when absent); see `CollabStore.DocumentStore.remove(_:)`.
    public func remove(_ digest: ContentDigest) async throws(CollabError) {
        try await store.write(.readCommitted) { connection in
            let rows = try await connection.rows(
                "DELETE FROM document_contents WHERE digest = \(digest.hex) RETURNING upload_id", self.logger)
            for row in rows {
                let upload = try row.value("upload_id", as: UUID.self)
                try await connection.execute("DELETE FROM document_chunks WHERE upload_id = \(upload)", self.logger)
            }
        }
    }

    /// Up to `limit` contents in digest order. A walk from the beginning (`digest == nil`) also deletes
    /// chunks no content names that are older than ``staleUploadAge``.
    public func contents(after digest: ContentDigest?, limit: Int) async throws(CollabError) -> [StoredContent] {
        guard limit > 0 else { return [] }
        if digest == nil { await collectStaleUploads() }
        let after = digest?.hex ?? ""
        return try await store.readStatement { connection in
            let rows = try await connection.rows("""
                SELECT digest, size, stored_at FROM document_contents WHERE digest > \(after)
                ORDER BY digest LIMIT \(limit)
                """, self.logger)
            return try rows.compactMap { row -> StoredContent? in
                guard let digest = ContentDigest(hex: try row.value("digest", as: String.self)) else { return nil }
                return StoredContent(digest: digest, size: try row.value("size"),
                    storedAt: Date(storedMilliseconds: try row.value("stored_at")))
            }
        }
    }

    private func collectStaleUploads() async {
        let cutoff = clock.now().addingTimeInterval(-Self.staleUploadAge).storedMilliseconds
        do {
            let deleted = try await store.write(.readCommitted) { connection in
                try await connection.execute("""
                    DELETE FROM document_chunks c WHERE c.created_at < \(cutoff)
                    AND NOT EXISTS (SELECT 1 FROM document_contents d WHERE d.upload_id = c.upload_id)
                    """, self.logger)
            }
            if deleted > 0 { logger.notice("deleted chunks of abandoned uploads", metadata: ["chunks": "\(deleted)"]) }
        } catch {
            logger.warning("could not delete the chunks of abandoned uploads", metadata: ["error": "\(error)"])
        }
    }
}

/// Reads one chunk per query, hashing; the last chunk is handed out only once the digest matched.
actor PostgresChunkReader: DocumentChunkReader {
    private let store: PostgresStore
    private let digest: ContentDigest
    private let upload: UUID
    private let chunkCount: Int32
    private var seq: Int32 = 0
    private var hasher = SHA256()
    private var finished = false

    init(store: PostgresStore, digest: ContentDigest, upload: UUID, chunkCount: Int32) {
        self.store = store
        self.digest = digest
        self.upload = upload
        self.chunkCount = chunkCount
    }

    func next() async throws(CollabError) -> [UInt8]? {
        if finished { return nil }
        do throws(CollabError) {
            if seq == chunkCount {
                try verify()
                return nil
            }
            let (upload, seq) = (self.upload, self.seq)
            let logger = store.logger
            let chunk = try await store.readStatement { connection -> [UInt8]? in
                let rows = try await connection.rows(
                    "SELECT bytes FROM document_chunks WHERE upload_id = \(upload) AND seq = \(seq)", logger)
                guard let row = rows.first else { return nil }
                var buffer = try row.value("bytes", as: ByteBuffer.self)
                return buffer.readBytes(length: buffer.readableBytes) ?? []
            }
            guard let chunk else {
                throw CollabError(.notFound,
                    "no document content with digest '\(digest.hex)' (removed while it was read, at chunk \(seq))")
            }
            hasher.update(data: chunk)
            self.seq += 1
            if self.seq == chunkCount { try verify() }
            return chunk
        } catch {
            finished = true
            throw error
        }
    }

    private func verify() throws(CollabError) {
        finished = true
        let found = ContentDigest(bytes: Array(hasher.finalize()))
        guard found == digest else {
            throw CollabError(.storageCorrupt,
                "the stored bytes of '\(digest.hex)' do not match their digest (they hash to '\(found?.hex ?? "?")')")
        }
    }
}
