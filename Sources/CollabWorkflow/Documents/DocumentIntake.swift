import CollabModel
import CollabStore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An upload staged in a local file while it is inspected and scanned; removed when dropped.
final class StagedUpload: Sendable {
    let url: URL
    let size: Int64

    private init(url: URL, size: Int64) {
        self.url = url
        self.size = size
    }

    deinit { unlink(url.path) }

    /// Streams `chunks` into a new file in `directory`, refusing more than `maximumSize` bytes; nothing is left
    /// behind on failure.
    static func stage(
        _ chunks: some AsyncSequence<[UInt8], any Error>, in directory: URL, maximumSize: Int64
    ) async throws(CollabError) -> StagedUpload {
        let url = directory.appending(path: "collab-upload-\(UUID().uuidString.lowercased())")
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CollabError(.storageFailure,
                "cannot stage an upload in '\(directory.path)': \(String(cString: strerror(errno)))")
        }
        do throws(CollabError) {
            var content = try ContentReader(chunks, maximumSize: maximumSize, tooLarge: { size in
                CollabError.invalid([ValidationProblem(field: "content", kind: .outOfRange,
                    message: "the file is larger than the limit of \(maximumSize) bytes (\(size) bytes read so far)")])
            }, sourceFailed: { error, _ in
                if let error = error as? CollabError { return error }
                if error is CancellationError {
                    return CollabError(.storageInterrupted, "the upload was cancelled; nothing was kept")
                }
                return CollabError(.invalidInput, "the upload's bytes could not be read: \(error)")
            })
            while let chunk = try await content.next() {
                let failure: Int32? = chunk.withUnsafeBytes { buffer in
                    guard let base = buffer.baseAddress else { return nil }
                    var offset = 0
                    while offset < buffer.count {
                        let written = write(descriptor, base + offset, buffer.count - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            return errno
                        }
                        offset += written
                    }
                    return nil
                }
                if let failure {
                    throw CollabError(failure == ENOSPC ? .storageFull : .storageFailure,
                        "cannot stage an upload in '\(directory.path)': \(String(cString: strerror(failure)))")
                }
            }
            close(descriptor)
            return StagedUpload(url: url, size: content.size)
        } catch {
            close(descriptor)
            unlink(url.path)
            throw error
        }
    }

    /// The staged bytes, streamed back in chunks of 1 MiB.
    var chunks: StagedChunks { StagedChunks(url: url) }
}

/// A staged file's bytes as an `AsyncSequence` (what the document store's put reads).
struct StagedChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let url: URL

    final class AsyncIterator: AsyncIteratorProtocol {
        let descriptor: Int32
        let path: String

        init(url: URL) {
            path = url.path
            descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        }

        deinit { if descriptor >= 0 { close(descriptor) } }

        func next() async throws -> [UInt8]? {
            guard descriptor >= 0 else {
                throw CollabError(.storageFailure, "cannot read the staged upload '\(path)'")
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            var filled = 0
            while filled < chunk.count {
                let count = chunk.withUnsafeMutableBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return read(descriptor, base + filled, buffer.count - filled)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw CollabError(.storageFailure,
                        "cannot read the staged upload '\(path)': \(String(cString: strerror(errno)))")
                }
                if count == 0 { break }
                filled += count
            }
            guard filled > 0 else { return nil }
            chunk.removeLast(chunk.count - filled)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(url: url) }
}
