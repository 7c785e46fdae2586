import CollabModel

/// Writes a ZIP archive of DEFLATE-compressed entries (method 8), streaming each entry through zlib
/// (``Deflater``) to a ``FileSink``.
///
/// An entry's local header is written with zero CRC and sizes, its data compressed as it comes, and the
/// header then patched in place — so no data descriptor is needed and only the bytes in flight (and zlib's
/// state) are held in memory. zlib computes the CRC-32. All timestamps are 1980-01-01 00:00 and no extra
/// fields are written, so the same entries always give the same bytes with the same zlib. No ZIP64: an
/// entry's uncompressed size, and the archive, must stay under 4 GiB.
final class ZipArchiveWriter {
    private struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var compressedSize: UInt32
        var size: UInt32
        var headerOffset: UInt32
    }

    /// The ZIP limit without ZIP64; lowered by tests to exercise the error.
    let sizeLimit: UInt64
    private let sink: FileSink
    private var entries: [Entry] = []
    private var open: (name: [UInt8], headerOffset: UInt64, deflater: Deflater)?

    /// MS-DOS date 1980-01-01 and time 00:00:00.
    private static let dosDate: UInt16 = (0 << 9) | (1 << 5) | 1
    private static let dosTime: UInt16 = 0
    /// Compression method 8, DEFLATE.
    static let deflated: UInt16 = 8

    init(sink: FileSink, sizeLimit: UInt64 = UInt64(UInt32.max)) {
        self.sink = sink
        self.sizeLimit = sizeLimit
    }

    /// Starts an entry named `name` (ASCII path inside the archive).
    func beginEntry(_ name: String) throws(CollabError) {
        guard open == nil else { throw CollabError(.invalidTransition, "a ZIP entry is still open") }
        let offset = sink.offset
        guard offset < sizeLimit else { throw Self.tooLarge() }
        let nameBytes = Array(name.utf8)
        var header: [UInt8] = []
        header.reserveCapacity(30 + nameBytes.count)
        header.appendLE32(0x0403_4B50)
        header.appendLE16(20)  // version needed: 2.0 (DEFLATE)
        header.appendLE16(0)  // flags: none (normal compression, sizes in this header)
        header.appendLE16(Self.deflated)
        header.appendLE16(Self.dosTime)
        header.appendLE16(Self.dosDate)
        header.appendLE32(0)  // CRC-32, patched by endEntry
        header.appendLE32(0)  // compressed size, patched
        header.appendLE32(0)  // uncompressed size, patched
        header.appendLE16(UInt16(nameBytes.count))
        header.appendLE16(0)  // extra field length
        header.append(contentsOf: nameBytes)
        let deflater = try Deflater()
        try sink.write(header)
        open = (nameBytes, offset, deflater)
    }

    /// Appends bytes to the open entry (compressed as they come).
    func write(_ bytes: UnsafeRawBufferPointer) throws(CollabError) {
        guard let entry = open else { throw CollabError(.invalidTransition, "no ZIP entry is open to write to") }
        guard entry.deflater.inputCount + UInt64(bytes.count) <= sizeLimit else { throw Self.tooLarge() }
        try entry.deflater.compress(bytes) { (chunk) throws(CollabError) in try emit(chunk) }
    }

    /// Appends bytes to the open entry.
    func write(_ bytes: [UInt8]) throws(CollabError) {
        try withRawBytes(bytes) { (raw) throws(CollabError) in try write(raw) }
    }

    /// Closes the open entry: ends its DEFLATE stream and patches its local header.
    func endEntry() throws(CollabError) {
        guard let entry = open else { throw CollabError(.invalidTransition, "no ZIP entry is open to end") }
        open = nil
        try entry.deflater.finish { (chunk) throws(CollabError) in try emit(chunk) }
        let crc = entry.deflater.crc
        let compressedSize = UInt32(entry.deflater.outputCount)  // below sizeLimit, checked by emit
        let size = UInt32(entry.deflater.inputCount)  // at most sizeLimit, checked by write
        var patch: [UInt8] = []
        patch.appendLE32(crc)
        patch.appendLE32(compressedSize)
        patch.appendLE32(size)
        try sink.overwrite(patch, at: entry.headerOffset + 14)
        entries.append(Entry(name: entry.name, crc: crc, compressedSize: compressedSize, size: size,
            headerOffset: UInt32(entry.headerOffset)))
    }

    /// Writes compressed bytes of the open entry to the file.
    private func emit(_ chunk: UnsafeRawBufferPointer) throws(CollabError) {
        guard sink.offset + UInt64(chunk.count) < sizeLimit else { throw Self.tooLarge() }
        try sink.write(chunk)
    }

    /// Writes a whole entry at once.
    func addEntry(_ name: String, _ bytes: [UInt8]) throws(CollabError) {
        try beginEntry(name)
        try write(bytes)
        try endEntry()
    }

    /// Writes the central directory and the end record, then commits the file.
    func finish() throws(CollabError) {
        guard open == nil else { throw CollabError(.invalidTransition, "a ZIP entry is still open") }
        let directoryOffset = sink.offset
        var directory: [UInt8] = []
        for entry in entries {
            directory.appendLE32(0x0201_4B50)
            directory.appendLE16(20)  // version made by: MS-DOS, 2.0
            directory.appendLE16(20)  // version needed
            directory.appendLE16(0)  // flags
            directory.appendLE16(Self.deflated)
            directory.appendLE16(Self.dosTime)
            directory.appendLE16(Self.dosDate)
            directory.appendLE32(entry.crc)
            directory.appendLE32(entry.compressedSize)
            directory.appendLE32(entry.size)
            directory.appendLE16(UInt16(entry.name.count))
            directory.appendLE16(0)  // extra
            directory.appendLE16(0)  // comment
            directory.appendLE16(0)  // disk number
            directory.appendLE16(0)  // internal attributes
            directory.appendLE32(0)  // external attributes
            directory.appendLE32(entry.headerOffset)
            directory.append(contentsOf: entry.name)
        }
        guard entries.count < 0xFFFF, directoryOffset + UInt64(directory.count) + 22 < sizeLimit else {
            throw Self.tooLarge()
        }
        let directorySize = UInt32(directory.count)
        directory.appendLE32(0x0605_4B50)
        directory.appendLE16(0)  // this disk
        directory.appendLE16(0)  // disk with the directory
        directory.appendLE16(UInt16(entries.count))
        directory.appendLE16(UInt16(entries.count))
        directory.appendLE32(directorySize)
        directory.appendLE32(UInt32(directoryOffset))
        directory.appendLE16(0)  // comment length
        try sink.write(directory)
        try sink.commit()
    }

    static func tooLarge() -> CollabError {
        CollabError.invalid([ValidationProblem(field: "rows", kind: .tooLong,
            message: "the export would pass the 4 GiB limit of a ZIP file without ZIP64; split it into several files")])
    }
}

extension [UInt8] {
    mutating func appendLE16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    mutating func appendLE32(_ value: UInt32) {
        append(UInt8(value & 0xFF))
        append(UInt8((value >> 8) & 0xFF))
        append(UInt8((value >> 16) & 0xFF))
        append(UInt8(value >> 24))
    }
}
