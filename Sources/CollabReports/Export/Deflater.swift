import CCollabZlib
import CollabModel

/// A raw DEFLATE stream (RFC 1951, no zlib or gzip wrapper: what a ZIP entry of method 8 holds) through the
/// system's zlib, fed chunk by chunk; each filled output chunk is handed on as soon as zlib produces it.
///
/// Holds zlib's state (about 256 KiB at the default memory level) and a 64 KiB output buffer, however much
/// passes through. One entry per deflater; not `Sendable`.
final class Deflater {
    /// zlib's fastest level (1). On a 62.5 MB sheet of 100,000 rows it writes 8.5 MB in about 0.12 s more
    /// than storing it; zlib's default level (6) writes 6.4 MB but takes about 0.6 s more, and over 5 s with
    /// another build on the same cores, past the export's budget of 2 s (Documentation/Performance.md).
    static let defaultLevel = Z_BEST_SPEED
    private static let outputCapacity = 64 * 1024
    /// The most handed to zlib at once (its counts are 32-bit).
    private static let maximumInput = 1 << 30

    /// `z_stream` must not move while zlib holds it, so it lives in its own allocation.
    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutablePointer<UInt8>
    private var isOpen = false
    /// The CRC-32 of the uncompressed bytes fed so far.
    private(set) var crc: UInt32 = 0
    /// Uncompressed bytes fed so far.
    private(set) var inputCount: UInt64 = 0
    /// Compressed bytes handed on so far.
    private(set) var outputCount: UInt64 = 0

    init(level: Int32 = Deflater.defaultLevel) throws(CollabError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = .allocate(capacity: Self.outputCapacity)
        // windowBits -15: a 32 KiB window and no zlib header or trailer.
        let status = deflateInit2_(stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Self.failure(status, stream) }
        isOpen = true
    }

    deinit {
        if isOpen { _ = deflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Compresses `bytes`, handing each filled output chunk to `emit` (zlib keeps what does not fill one).
    func compress(
        _ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws(CollabError) -> Void
    ) throws(CollabError) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var start = 0
        while start < bytes.count {
            let count = min(bytes.count - start, Self.maximumInput)
            let piece = (base + start).assumingMemoryBound(to: UInt8.self)
            crc = UInt32(truncatingIfNeeded: crc32(UInt(crc), piece, UInt32(count)))
            stream.pointee.next_in = piece
            stream.pointee.avail_in = UInt32(count)
            try run(Z_NO_FLUSH, emit: emit)
            inputCount += UInt64(count)
            start += count
        }
    }

    /// Ends the stream, handing the rest of the output to `emit`; the deflater takes no more bytes.
    func finish(emit: (UnsafeRawBufferPointer) throws(CollabError) -> Void) throws(CollabError) {
        guard isOpen else { throw CollabError(.invalidTransition, "the DEFLATE stream is already finished") }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try run(Z_FINISH, emit: emit)
        isOpen = false
        _ = deflateEnd(stream)
    }

    /// Runs `deflate` until the input is taken (`Z_NO_FLUSH`) or the stream has ended (`Z_FINISH`).
    private func run(_ flush: Int32, emit: (UnsafeRawBufferPointer) throws(CollabError) -> Void) throws(CollabError) {
        guard isOpen else { throw CollabError(.invalidTransition, "the DEFLATE stream is already finished") }
        while true {
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(Self.outputCapacity)
            let status = deflate(stream, flush)
            // Z_BUF_ERROR only says no progress was possible this call, which the loop's ends rule out.
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw Self.failure(status, stream)
            }
            let produced = Self.outputCapacity - Int(stream.pointee.avail_out)
            if produced > 0 {
                outputCount += UInt64(produced)
                try emit(UnsafeRawBufferPointer(start: output, count: produced))
            }
            if flush == Z_FINISH {
                if status == Z_STREAM_END { return }
            } else if stream.pointee.avail_out != 0 {
                return  // zlib took all the input and had room to spare
            }
        }
    }

    private static func failure(_ status: Int32, _ stream: UnsafeMutablePointer<z_stream>) -> CollabError {
        let reason = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
        return CollabError(.storageFailure, "zlib could not compress the export: \(reason)")
    }
}
