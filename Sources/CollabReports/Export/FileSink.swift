import CollabModel
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written through a temporary sibling and moved into place only when complete.
///
/// The bytes go to `.<name>.<uuid>.partial` in the destination's folder; ``commit()`` flushes it to disk and
/// renames it over the destination (replacing an existing file), so a reader never sees a half-written
/// export. ``discard()`` — and `deinit` without a commit — removes the temporary file.
///
/// Not `Sendable`: one task writes through it.
final class FileSink {
    /// The file the export ends up in.
    let destination: URL
    private let temporaryPath: String
    private var descriptor: Int32
    /// Bytes written so far (the offset of the next write).
    private(set) var offset: UInt64 = 0
    private var isClosed = false

    init(destination: URL) throws(CollabError) {
        guard destination.isFileURL, !destination.path.isEmpty, !destination.hasDirectoryPath else {
            throw CollabError.invalid([ValidationProblem(field: "url", kind: .malformed,
                message: "an export goes to a file URL naming a file, not '\(destination.absoluteString)'")])
        }
        self.destination = destination.standardizedFileURL
        let folder = self.destination.deletingLastPathComponent()
        let name = ".\(self.destination.lastPathComponent).\(UUID().uuidString).partial"
        self.temporaryPath = folder.appendingPathComponent(name).path
        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Self.ioError(errno, "could not create a file in '\(folder.path)'")
        }
        self.descriptor = fd
    }

    deinit {
        if !isClosed {
            _ = close(descriptor)
            _ = unlink(temporaryPath)
        }
    }

    /// Appends `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(CollabError) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = systemWrite(descriptor, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.ioError(errno, "could not write '\(destination.lastPathComponent)'")
            }
            remaining -= written
            base += written
            offset += UInt64(written)
        }
    }

    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) throws(CollabError) {
        try withRawBytes(bytes) { (raw) throws(CollabError) in try write(raw) }
    }

    /// Overwrites already written bytes at `position` (ZIP header fields known only after the data).
    func overwrite(_ bytes: [UInt8], at position: UInt64) throws(CollabError) {
        try withRawBytes(bytes) { (raw) throws(CollabError) in
            guard var base = raw.baseAddress else { return }
            var remaining = raw.count
            var at = off_t(position)
            while remaining > 0 {
                let written = pwrite(descriptor, base, remaining, at)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Self.ioError(errno, "could not write '\(destination.lastPathComponent)'")
                }
                remaining -= written
                base += written
                at += off_t(written)
            }
        }
    }

    /// Flushes the file to disk and moves it to ``destination``.
    func commit() throws(CollabError) {
        guard !isClosed else { return }
        if fsync(descriptor) != 0 {
            let code = errno
            discard()
            throw Self.ioError(code, "could not flush '\(destination.lastPathComponent)' to disk")
        }
        if close(descriptor) != 0 {
            let code = errno
            isClosed = true
            _ = unlink(temporaryPath)
            throw Self.ioError(code, "could not close '\(destination.lastPathComponent)'")
        }
        isClosed = true
        if rename(temporaryPath, destination.path) != 0 {
            let code = errno
            _ = unlink(temporaryPath)
            throw Self.ioError(code, "could not move the export to '\(destination.path)'")
        }
    }

    /// Closes and removes the temporary file; the destination is left as it was.
    func discard() {
        guard !isClosed else { return }
        isClosed = true
        _ = close(descriptor)
        _ = unlink(temporaryPath)
    }

    /// `storageFull` for a full disk or quota, `storageFailure` for any other I/O error.
    static func ioError(_ code: Int32, _ what: String) -> CollabError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT {
            return CollabError(.storageFull, "\(what): \(reason)")
        }
        return CollabError(.storageFailure, "\(what): \(reason)")
    }
}

/// `write(2)`, named apart from the sink's own `write` methods.
private func systemWrite(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, base, count)
}

/// `bytes.withUnsafeBytes(body)`, keeping `body`'s typed error (the standard library's version rethrows
/// `any Error`).
func withRawBytes<Result>(
    _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(CollabError) -> Result
) throws(CollabError) -> Result {
    let outcome: Swift.Result<Result, CollabError> = bytes.withUnsafeBytes { raw in
        do throws(CollabError) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try outcome.get()
}
