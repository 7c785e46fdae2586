import CollabModel
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A staged upload opened for reading at given offsets (`pread`), so an inspection reads only the bytes
/// it needs: the head, a ZIP archive's central directory, an OLE file's directory, the entries it extracts.
///
/// Not `Sendable`: one inspection owns it and closes it when released.
final class StagedFile {
    /// The file's size in bytes when it was opened.
    let size: UInt64
    /// The name shown in messages (the normalized file name, never the staging path).
    let displayName: String
    private let descriptor: Int32
    private let path: String

    init(url: URL, displayName: String) throws(CollabError) {
        self.displayName = displayName
        self.path = url.path
        guard url.isFileURL else {
            throw CollabError(.storageFailure, "the staged upload of '\(displayName.clipped())' is not a file URL")
        }
        // O_NONBLOCK: a FIFO put where a file was expected must not block the open; a regular file ignores it.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw CollabError(.storageFailure,
                "could not open the staged upload '\(path.clipped(80))': \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            _ = close(fd)
            throw CollabError(.storageFailure, "could not read the size of '\(path.clipped(80))': \(message)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            _ = close(fd)
            throw CollabError(.storageFailure, "the staged upload '\(path.clipped(80))' is not a regular file")
        }
        self.descriptor = fd
        self.size = UInt64(max(0, info.st_size))
    }

    deinit {
        _ = close(descriptor)
    }

    /// Up to `count` bytes from `offset`: fewer only at the end of the file.
    func read(at offset: UInt64, upTo count: Int) throws(CollabError) -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var filled = 0
        while filled < wanted {
            let got = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(descriptor, base + filled, wanted - filled, off_t(offset + UInt64(filled)))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw CollabError(.storageFailure,
                    "could not read the staged upload '\(path.clipped(80))': \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            filled += got
        }
        if filled < wanted { bytes.removeLast(wanted - filled) }
        return bytes
    }

    /// Exactly `count` bytes from `offset`, or a refusal naming `what` when the file ends first.
    func read(at offset: UInt64, exactly count: Int, what: @autoclosure () -> String) throws(CollabError) -> [UInt8] {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(max(0, count)))
        guard !overflow, end <= size else {
            throw InspectionFailure.malformed("\(what()) lies beyond the end of the file (\(size) bytes): the file is truncated or malformed")
        }
        let bytes = try read(at: offset, upTo: count)
        guard bytes.count == count else {
            throw InspectionFailure.malformed("\(what()) could not be read whole: the file is truncated")
        }
        return bytes
    }
}

/// The refusals an inspection throws, in the form every Collab validation error takes.
enum InspectionFailure {
    /// The content is malformed or truncated (field `content`, `ValidationProblem.Kind.malformed`).
    static func malformed(_ message: String) -> CollabError {
        CollabError.invalid([ValidationProblem(field: "content", kind: .malformed, message: message)])
    }

    /// The content is of a refused kind (field `content`, `ValidationProblem.Kind.refusedAttachmentType`).
    static func refused(_ message: String, field: String = "content") -> CollabError {
        CollabError.invalid([ValidationProblem(field: field, kind: .refusedAttachmentType, message: message)])
    }

    /// The content passes a limit (field `content`, `ValidationProblem.Kind.outOfRange`).
    static func tooLarge(_ message: String, field: String = "content") -> CollabError {
        CollabError.invalid([ValidationProblem(field: field, kind: .outOfRange, message: message)])
    }
}

/// Little-endian reads from a byte array, bounds-checked: a read past the end gives 0, which the callers
/// then refuse as malformed through their own checks.
extension [UInt8] {
    func le16(_ at: Int) -> UInt16 {
        guard at >= 0, at + 2 <= count else { return 0 }
        return UInt16(self[at]) | UInt16(self[at + 1]) << 8
    }

    func le32(_ at: Int) -> UInt32 {
        guard at >= 0, at + 4 <= count else { return 0 }
        return UInt32(self[at]) | UInt32(self[at + 1]) << 8 | UInt32(self[at + 2]) << 16 | UInt32(self[at + 3]) << 24
    }

    func hasPrefix(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
        guard offset >= 0, offset + prefix.count <= count else { return false }
        for (index, byte) in prefix.enumerated() where self[offset + index] != byte { return false }
        return true
    }
}
