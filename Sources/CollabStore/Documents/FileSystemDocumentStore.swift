import CollabModel
import Crypto
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``DocumentStore`` on a local file system: the embedded default.
///
/// Bytes live in one file per content, named by its digest and sharded twice by its first four hex digits:
/// `<directory>/ab/cd/abcd…` (64 hex digits). A put streams into a temporary file in `<directory>/tmp/`
/// (on the same file system), hashing and counting as it goes, then flushes the file to disk (`fsync`),
/// renames it into place in one step and flushes the shard directory, so a content is either whole under its
/// digest or not there at all, even across a crash. ``StoredContent/storedAt`` is the file's modification
/// date, set from the store's clock at every put (a second put of the same bytes only sets it again).
///
/// A get streams the file in chunks of `chunkSize` bytes, hashing as it reads, and hands out the last chunk
/// only once the digest matched (`CollabError.Code.storageCorrupt` otherwise).
///
/// A put cut short by a crash leaves a temporary file behind; temporary files older than an hour are removed
/// when a store opens the directory and whenever ``contents(after:limit:)`` starts a walk from the beginning
/// (the orphan collection's walk), so leftovers never pile up. (An hour is far longer than any put takes; a
/// put still running is never disturbed.)
///
/// Every file and directory is created readable and writable by the owner only.
public struct FileSystemDocumentStore: DocumentStore {
    /// The directory holding the shards and `tmp/`.
    public let directory: URL
    /// How many bytes a get hands out at a time.
    public let chunkSize: Int
    private let clock: any CollabClock
    private let logger: Logger
    private let root: String
    private let temporaryRoot: String

    /// How old a temporary file must be before it counts as a crash's leftover (an hour).
    public static let staleTemporaryFileAge: TimeInterval = 3600

    /// Opens (creating it if needed) a store in `directory`, and removes temporary files older than
    /// ``staleTemporaryFileAge`` that a crash left there.
    ///
    /// - Parameters:
    ///   - directory: Where the bytes live; created with its parents when missing.
    ///   - clock: Sets ``StoredContent/storedAt`` and judges the age of temporary files.
    ///   - chunkSize: How many bytes a get hands out at a time (at least 1).
    ///   - logger: Where the store logs removed leftovers and failures.
    /// - Throws: `CollabError.Code.invalidInput` when `directory` is not a file URL or `chunkSize` is below
    ///   1; `CollabError.Code.storageFailure` (`CollabError.Code.storageFull`) naming the path when the
    ///   directory cannot be created.
    public init(
        directory: URL, clock: any CollabClock = SystemClock(), chunkSize: Int = 1 << 20,
        logger: Logger = Logger(label: "collab.documents.files")
    ) throws(CollabError) {
        guard directory.isFileURL else {
            throw CollabError(.invalidInput, "the document directory '\(directory)' is not a file URL")
        }
        guard chunkSize >= 1 else {
            throw CollabError(.invalidInput, "the chunk size \(chunkSize) must be at least 1 byte")
        }
        self.directory = directory
        self.clock = clock
        self.chunkSize = chunkSize
        self.logger = logger
        let path = directory.standardizedFileURL.path
        root = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        temporaryRoot = root + "/tmp"
        do {
            try FileManager.default.createDirectory(
                atPath: temporaryRoot, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            let code = (error as NSError).code == Int(ENOSPC) ? CollabError.Code.storageFull : .storageFailure
            throw CollabError(code, "could not create the document directory '\(temporaryRoot)': \(error)")
        }
        collectStaleTemporaryFiles()
    }

    // MARK: Paths

    /// `<root>/ab/cd`.
    private func shardPath(_ digest: ContentDigest) -> String {
        let hex = Array(digest.hex.utf8)
        return root + "/" + String(decoding: hex[0..<2], as: UTF8.self) + "/" + String(decoding: hex[2..<4], as: UTF8.self)
    }

    /// `<root>/ab/cd/abcd…`: where the bytes of `digest` live.
    public func path(of digest: ContentDigest) -> String {
        shardPath(digest) + "/" + digest.hex
    }

    // MARK: Put

    /// Streams `chunks` into a temporary file and renames it under the bytes' digest once it is on disk;
    /// see ``DocumentStore/put(_:maximumSize:)``.
    public func put(_ chunks: some AsyncSequence<[UInt8], any Error>, maximumSize: Int64) async throws(CollabError)
        -> StoredContent
    {
        var content = try ContentReader(chunks, maximumSize: maximumSize)
        let temporary = temporaryRoot + "/" + UUID().uuidString.lowercased() + ".partial"
        let file = try POSIXFile.create(temporary)
        var hasher = SHA256()
        do throws(CollabError) {
            while let chunk = try await content.next() {
                hasher.update(data: chunk)
                try file.writeAll(chunk)
            }
            try file.setModificationDate(clock.now())
            try file.synchronize()
        } catch {
            file.closeFile()
            unlink(temporary)
            logger.debug("put abandoned", metadata: ["bytes": "\(content.size)", "error": "\(error)"])
            throw error
        }
        file.closeFile()
        guard let digest = ContentDigest(bytes: Array(hasher.finalize())) else {
            unlink(temporary)
            throw CollabError(.storageFailure, "SHA-256 gave no 32-byte digest")
        }
        let target = path(of: digest)
        do throws(CollabError) {
            // Bytes already stored: keep them, set their date again (the orphan grace period restarts).
            if try refreshIfPresent(target) {
                unlink(temporary)
                return StoredContent(digest: digest, size: content.size, storedAt: Self.storedDate(clock.now()))
            }
            try makeShard(for: digest)
            guard rename(temporary, target) == 0 else {
                throw Self.error(errno, "could not move the stored content into '\(target)'")
            }
            try POSIXFile.synchronizeDirectory(shardPath(digest))
        } catch {
            unlink(temporary)
            throw error
        }
        return StoredContent(digest: digest, size: content.size, storedAt: Self.storedDate(clock.now()))
    }

    /// Sets the modification date of `target` to now; `false` when there is no such file.
    private func refreshIfPresent(_ target: String) throws(CollabError) -> Bool {
        var times = [Self.fileTime(clock.now()), Self.fileTime(clock.now())]
        if utimensat(AT_FDCWD, target, &times, 0) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        throw Self.error(code, "could not set the date of '\(target)'")
    }

    /// Creates `<root>/ab` and `<root>/ab/cd` when missing, flushing each parent a new directory appeared in.
    private func makeShard(for digest: ContentDigest) throws(CollabError) {
        let shard = shardPath(digest)
        let first = String(shard.dropLast(3))
        for (directory, parent) in [(first, root), (shard, first)] {
            if mkdir(directory, 0o700) == 0 {
                try POSIXFile.synchronizeDirectory(parent)
            } else if errno != EEXIST {
                throw Self.error(errno, "could not create the directory '\(directory)'")
            }
        }
    }

    // MARK: Reads

    /// The bytes under `digest`, read in chunks of ``chunkSize`` and verified as they stream;
    /// see ``DocumentStore/get(_:)``.
    public func get(_ digest: ContentDigest) async throws(CollabError) -> DocumentBytes {
        let target = path(of: digest)
        guard let status = try Self.status(target) else {
            throw CollabError(.notFound, "no document content with digest '\(digest.hex)'")
        }
        let chunkSize = self.chunkSize
        return DocumentBytes(digest: digest, size: Int64(status.st_size)) {
            FileChunkReader(path: target, digest: digest, chunkSize: chunkSize)
        }
    }

    /// The size and date of the bytes under `digest`, or `nil`; see ``DocumentStore/content(_:)``.
    public func content(_ digest: ContentDigest) async throws(CollabError) -> StoredContent? {
        guard let status = try Self.status(path(of: digest)) else { return nil }
        return StoredContent(digest: digest, size: Int64(status.st_size), storedAt: Self.modificationDate(status))
    }

    /// Removes the bytes under `digest` (nothing when absent); see ``DocumentStore/remove(_:)``.
    public func remove(_ digest: ContentDigest) async throws(CollabError) {
        let target = path(of: digest)
        if unlink(target) != 0 {
            let code = errno
            if code == ENOENT { return }
            throw Self.error(code, "could not remove '\(target)'")
        }
        try POSIXFile.synchronizeDirectory(shardPath(digest))
    }

    /// Walks the shards in digest order. A walk from the beginning (`digest == nil`) also removes temporary
    /// files older than ``staleTemporaryFileAge``.
    public func contents(after digest: ContentDigest?, limit: Int) async throws(CollabError) -> [StoredContent] {
        guard limit > 0 else { return [] }
        if digest == nil { collectStaleTemporaryFiles() }
        let after = digest?.hex ?? ""
        let afterFirst = String(after.prefix(2))
        let afterSecond = String(after.prefix(4))
        var found: [StoredContent] = []
        for first in try Self.names(in: root, where: Self.isShardName) where first >= afterFirst {
            let firstPath = root + "/" + first
            for second in try Self.names(in: firstPath, where: Self.isShardName) where first + second >= afterSecond {
                let secondPath = firstPath + "/" + second
                let files = try Self.names(in: secondPath) { name in
                    name.hasPrefix(first + second) && ContentDigest(hex: name)?.hex == name
                }
                for name in files where name > after {
                    guard let digest = ContentDigest(hex: name),
                        let status = try Self.status(secondPath + "/" + name)
                    else { continue }  // removed meanwhile
                    found.append(StoredContent(digest: digest, size: Int64(status.st_size),
                        storedAt: Self.modificationDate(status)))
                    if found.count == limit { return found }
                }
            }
        }
        return found
    }

    // MARK: Leftovers

    /// Removes temporary files older than ``staleTemporaryFileAge``; failures are logged, never thrown.
    private func collectStaleTemporaryFiles() {
        let names: [String]
        do {
            names = try Self.names(in: temporaryRoot) { _ in true }
        } catch {
            logger.warning("could not list the temporary files", metadata: ["error": "\(error)"])
            return
        }
        let cutoff = clock.now().addingTimeInterval(-Self.staleTemporaryFileAge)
        for name in names {
            let path = temporaryRoot + "/" + name
            guard let status = try? Self.status(path), Self.modificationDate(status) < cutoff else { continue }
            if unlink(path) == 0 {
                logger.notice("removed a temporary file a crashed put left", metadata: ["path": "\(path)"])
            }
        }
    }

    // MARK: POSIX

    private static func isShardName(_ name: String) -> Bool {
        name.utf8.count == 2 && name.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The names in `directory` that pass `include`, sorted; none when the directory is missing.
    private static func names(in directory: String, where include: (String) -> Bool) throws(CollabError) -> [String] {
        guard let stream = opendir(directory) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return [] }
            throw error(code, "could not list '\(directory)'")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != ".", name != "..", include(name) { names.append(name) }
        }
        return names.sorted()
    }

    /// The file's status; `nil` when it does not exist.
    static func status(_ path: String) throws(CollabError) -> stat? {
        var status = stat()
        if stat(path, &status) == 0 { return status }
        let code = errno
        if code == ENOENT || code == ENOTDIR { return nil }
        throw error(code, "could not read the status of '\(path)'")
    }

    static func modificationDate(_ status: stat) -> Date {
        #if canImport(Darwin)
        let time = status.st_mtimespec
        #else
        let time = status.st_mtim
        #endif
        return Date(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec / 1_000_000) / 1000)
    }

    /// `date` to the millisecond, as stored.
    static func storedDate(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    static func fileTime(_ date: Date) -> timespec {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        return timespec(tv_sec: Int(seconds), tv_nsec: Int((milliseconds - seconds * 1000) * 1_000_000))
    }

    /// ENOSPC (and EDQUOT) is ``CollabError/Code/storageFull``; anything else ``CollabError/Code/storageFailure``.
    static func error(_ code: Int32, _ what: String) -> CollabError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT {
            return CollabError(.storageFull, "\(what): the disk is full (\(reason))")
        }
        return CollabError(.storageFailure, "\(what): \(reason)")
    }
}

/// An open file descriptor, written in full or read in chunks.
struct POSIXFile: ~Copyable {
    let descriptor: Int32
    let path: String

    /// Creates `path`, which must not exist, for writing (owner-only permissions).
    static func create(_ path: String) throws(CollabError) -> POSIXFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileSystemDocumentStore.error(errno, "could not create '\(path)'") }
        return POSIXFile(descriptor: descriptor, path: path)
    }

    /// Writes every byte of `bytes`.
    func writeAll(_ bytes: [UInt8]) throws(CollabError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, bytes.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw FileSystemDocumentStore.error(errno, "could not write '\(path)'")
            }
            written += result
        }
    }

    func setModificationDate(_ date: Date) throws(CollabError) {
        var times = [FileSystemDocumentStore.fileTime(date), FileSystemDocumentStore.fileTime(date)]
        guard futimens(descriptor, &times) == 0 else {
            throw FileSystemDocumentStore.error(errno, "could not set the date of '\(path)'")
        }
    }

    /// Flushes the file to the disk.
    func synchronize() throws(CollabError) {
        guard fsync(descriptor) == 0 else { throw FileSystemDocumentStore.error(errno, "could not flush '\(path)'") }
    }

    consuming func closeFile() {
        _ = close(descriptor)
    }

    /// Flushes a directory's entries (a new name, a removed one) to the disk.
    static func synchronizeDirectory(_ path: String) throws(CollabError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileSystemDocumentStore.error(errno, "could not open '\(path)'") }
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileSystemDocumentStore.error(errno, "could not flush '\(path)'") }
    }
}

/// Reads a stored file in chunks, hashing; the last chunk is handed out only once the digest matched.
final class FileChunkReader: DocumentChunkReader, @unchecked Sendable {
    private let path: String
    private let digest: ContentDigest
    private let chunkSize: Int
    private let lock = NSLock()
    // Guarded by `lock`.
    private var descriptor: Int32 = -1
    private var hasher = SHA256()
    private var pending: [UInt8]?
    private var finished = false

    init(path: String, digest: ContentDigest, chunkSize: Int) {
        self.path = path
        self.digest = digest
        self.chunkSize = chunkSize
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
    }

    func next() async throws(CollabError) -> [UInt8]? {
        try lockedStep()
    }

    private func lockedStep() throws(CollabError) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        return try step()
    }

    private func step() throws(CollabError) -> [UInt8]? {
        if finished { return nil }
        do throws(CollabError) {
            if descriptor < 0 {
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
                if descriptor < 0 {
                    let code = errno
                    if code == ENOENT {
                        throw CollabError(.notFound, "no document content with digest '\(digest.hex)'")
                    }
                    throw FileSystemDocumentStore.error(code, "could not open '\(path)'")
                }
                pending = try readChunk()
            }
            let current = pending ?? []
            let following = try readChunk()
            if !following.isEmpty {
                pending = following
                return current
            }
            // `current` is the last chunk: hand it out only if every byte matched.
            finish()
            let found = ContentDigest(bytes: Array(hasher.finalize()))
            guard found == digest else {
                throw CollabError(.storageCorrupt,
                    "the stored bytes of '\(digest.hex)' do not match their digest (they hash to '\(found?.hex ?? "?")')")
            }
            return current.isEmpty ? nil : current
        } catch {
            finish()
            throw error
        }
    }

    private func finish() {
        finished = true
        pending = nil
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
    }

    /// Up to `chunkSize` bytes (fewer only at the end of the file), hashed.
    private func readChunk() throws(CollabError) -> [UInt8] {
        var failure: Int32 = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: chunkSize) { buffer, count in
            count = 0
            while count < chunkSize {
                let result = read(descriptor, buffer.baseAddress.map { $0 + count }, chunkSize - count)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if result == 0 { return }
                count += result
            }
        }
        if failure != 0 { throw FileSystemDocumentStore.error(failure, "could not read '\(path)'") }
        hasher.update(data: chunk)
        return chunk
    }
}
