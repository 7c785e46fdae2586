import CollabModel

/// The central directory of a ZIP archive, read from the end of a staged upload and checked against the
/// policy's limits before any entry is inflated.
///
/// Refused (`CollabError.Code.invalidInput`, field `content`): a missing, truncated or inconsistent end
/// record or central directory; ZIP64 and multi-disk archives; encrypted entries and compression methods
/// other than STORED and DEFLATE; more entries than ``DocumentPolicy/maximumArchiveEntries``; declared
/// uncompressed sizes summing beyond ``DocumentPolicy/maximumExpandedSize``; an entry of more than 64 KiB
/// compressed more than ``DocumentPolicy/maximumCompressionRatio`` times; two entries of the same name; a
/// local header that disagrees with its central record; and entries whose bytes overlap each other or the
/// central directory (the overlapping-files bomb, where many entries share one compressed stream).
struct ZipDirectory {
    /// One entry as the central directory describes it, checked against its local header.
    struct Entry {
        var name: String
        /// The name as stored, which the local header must repeat byte for byte.
        var nameBytes: [UInt8]
        var method: UInt16
        var flags: UInt16
        var crc: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var headerOffset: UInt64
        /// Where the entry's (compressed) bytes start: after its local header.
        var dataOffset: UInt64 = 0
    }

    /// The entries in central-directory order.
    var entries: [Entry]
    /// The sum of the declared uncompressed sizes.
    var expandedSize: UInt64
    /// Entry names, for lookups.
    private var byName: [String: Int]

    /// Entries smaller than this (uncompressed) are not held to the compression ratio: short XML parts
    /// compress very well and cannot add up to much.
    static let ratioExemptSize: UInt64 = 64 * 1024
    static let endRecordSize = 22
    static let centralHeaderSize = 46
    static let localHeaderSize = 30

    /// The entry named `name`, if any.
    func entry(_ name: String) -> Entry? { byName[name].map { entries[$0] } }

    /// Whether an entry is named `name`.
    func contains(_ name: String) -> Bool { byName[name] != nil }

    /// Reads and checks the central directory of `file`.
    static func read(_ file: StagedFile, policy: DocumentPolicy) throws(CollabError) -> ZipDirectory {
        let end = try findEndRecord(file)
        let record = end.bytes
        let disk = record.le16(4)
        let directoryDisk = record.le16(6)
        let entriesOnDisk = record.le16(8)
        let entryCount = record.le16(10)
        let directorySize = record.le32(12)
        let directoryOffset = record.le32(16)
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF
            || hasZip64Locator(file, endOffset: end.offset)
        {
            throw InspectionFailure.refused("'\(file.displayName.clipped())' is a ZIP64 archive, which is not accepted")
        }
        guard disk == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
            throw InspectionFailure.refused("'\(file.displayName.clipped())' is a multi-part (spanned) ZIP archive, which is not accepted")
        }
        guard Int(entryCount) <= policy.maximumArchiveEntries else {
            throw InspectionFailure.tooLarge(
                "the archive holds \(entryCount) entries, more than the limit of \(policy.maximumArchiveEntries)")
        }
        let directoryEnd = UInt64(directoryOffset) + UInt64(directorySize)
        guard directoryEnd <= end.offset else {
            throw InspectionFailure.malformed(
                "the ZIP central directory (\(directorySize) bytes at \(directoryOffset)) runs past its end record at \(end.offset): the file is truncated or malformed")
        }
        guard UInt64(directorySize) >= UInt64(entryCount) * UInt64(centralHeaderSize) else {
            throw InspectionFailure.malformed(
                "the ZIP central directory of \(directorySize) bytes is too short for its \(entryCount) entries")
        }

        var reader = ChunkedReader(file: file, start: UInt64(directoryOffset), end: directoryEnd)
        var entries: [Entry] = []
        var byName: [String: Int] = [:]
        var expanded: UInt64 = 0
        entries.reserveCapacity(Int(entryCount))
        for index in 0..<Int(entryCount) {
            let header = try reader.take(centralHeaderSize, what: "the central record of entry \(index + 1)")
            guard header.le32(0) == 0x0201_4B50 else {
                throw InspectionFailure.malformed("the ZIP central record of entry \(index + 1) has a bad signature")
            }
            let flags = header.le16(8)
            let method = header.le16(10)
            let crc = header.le32(16)
            let compressed = header.le32(20)
            let uncompressed = header.le32(24)
            let nameLength = Int(header.le16(28))
            let extraLength = Int(header.le16(30))
            let commentLength = Int(header.le16(32))
            let startDisk = header.le16(34)
            let offset = header.le32(42)
            let nameBytes = try reader.take(nameLength, what: "the name of entry \(index + 1)")
            try reader.skip(extraLength + commentLength, what: "the extra fields of entry \(index + 1)")
            let name = String(decoding: nameBytes, as: UTF8.self)
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || offset == 0xFFFF_FFFF || startDisk == 0xFFFF {
                throw InspectionFailure.refused(
                    "'\(file.displayName.clipped())' is a ZIP64 archive (entry '\(name.clipped())'), which is not accepted")
            }
            guard startDisk == 0 else {
                throw InspectionFailure.refused("'\(file.displayName.clipped())' is a multi-part (spanned) ZIP archive, which is not accepted")
            }
            if flags & 0x0001 != 0 || flags & 0x0040 != 0 {
                throw InspectionFailure.refused("the archive entry '\(name.clipped())' is encrypted; encrypted archives are not accepted")
            }
            guard method == 0 || method == 8 else {
                throw InspectionFailure.refused(
                    "the archive entry '\(name.clipped())' uses compression method \(method); only STORED and DEFLATE are accepted")
            }
            if method == 0 && compressed != uncompressed {
                throw InspectionFailure.malformed(
                    "the stored (uncompressed) entry '\(name.clipped())' declares \(compressed) bytes stored but \(uncompressed) bytes of content")
            }
            guard byName[name] == nil else {
                throw InspectionFailure.malformed("the archive holds two entries named '\(name.clipped())'")
            }
            expanded += UInt64(uncompressed)
            guard expanded <= UInt64(max(0, policy.maximumExpandedSize)) else {
                throw InspectionFailure.tooLarge(
                    "the archive's entries expand to more than the limit of \(policy.maximumExpandedSize) bytes (a ZIP bomb?)")
            }
            let ratioLimit = UInt64(max(1, policy.maximumCompressionRatio))
            if UInt64(uncompressed) > ratioExemptSize && UInt64(uncompressed) > UInt64(compressed) * ratioLimit {
                throw InspectionFailure.tooLarge(
                    "the archive entry '\(name.clipped())' expands \(compressed) bytes to \(uncompressed), more than \(ratioLimit) times (a ZIP bomb?)")
            }
            byName[name] = entries.count
            entries.append(Entry(
                name: name, nameBytes: nameBytes, method: method, flags: flags, crc: crc, compressedSize: UInt64(compressed),
                uncompressedSize: UInt64(uncompressed), headerOffset: UInt64(offset)))
        }
        guard reader.remaining == 0 else {
            throw InspectionFailure.malformed(
                "the ZIP central directory holds \(reader.remaining) bytes after its \(entryCount) declared entries")
        }
        var directory = ZipDirectory(entries: entries, expandedSize: expanded, byName: byName)
        try directory.checkLocalHeaders(file, directoryOffset: UInt64(directoryOffset))
        return directory
    }

    /// Reads every local header, checks it agrees with the central record, and checks that no two
    /// entries' bytes overlap and none reaches into the central directory.
    private mutating func checkLocalHeaders(_ file: StagedFile, directoryOffset: UInt64) throws(CollabError) {
        let order = entries.indices.sorted { entries[$0].headerOffset < entries[$1].headerOffset }
        var previousEnd: UInt64 = 0
        var previousName = ""
        for index in order {
            let entry = entries[index]
            let nameBytes = entry.nameBytes
            let header = try file.read(
                at: entry.headerOffset, exactly: Self.localHeaderSize + nameBytes.count,
                what: "the local header of the archive entry '\(entry.name.clipped())'")
            guard header.le32(0) == 0x0403_4B50 else {
                throw InspectionFailure.malformed("the archive entry '\(entry.name.clipped())' has no local header where the central directory says")
            }
            let localMethod = header.le16(8)
            let localFlags = header.le16(6)
            let localCRC = header.le32(14)
            let localCompressed = header.le32(18)
            let localUncompressed = header.le32(22)
            let localNameLength = Int(header.le16(26))
            let localExtraLength = Int(header.le16(28))
            let localName = Array(header[Self.localHeaderSize...])
            guard localMethod == entry.method, localNameLength == nameBytes.count, localName == nameBytes else {
                throw InspectionFailure.malformed(
                    "the local header of the archive entry '\(entry.name.clipped())' disagrees with the central directory")
            }
            if localFlags & 0x0008 == 0 {
                guard localCRC == entry.crc, UInt64(localCompressed) == entry.compressedSize,
                    UInt64(localUncompressed) == entry.uncompressedSize
                else {
                    throw InspectionFailure.malformed(
                        "the local header of the archive entry '\(entry.name.clipped())' declares other sizes than the central directory")
                }
            }
            guard entry.headerOffset >= previousEnd else {
                throw InspectionFailure.malformed(
                    "the archive entries '\(previousName.clipped())' and '\(entry.name.clipped())' overlap (an overlapping-entries ZIP bomb?)")
            }
            let dataOffset = entry.headerOffset + UInt64(Self.localHeaderSize + localNameLength + localExtraLength)
            // A data descriptor (flag bit 3) follows the data: 12 to 24 bytes; count the smallest.
            let descriptor: UInt64 = localFlags & 0x0008 != 0 ? 12 : 0
            let dataEnd = dataOffset + entry.compressedSize + descriptor
            guard dataEnd <= directoryOffset else {
                throw InspectionFailure.malformed(
                    "the archive entry '\(entry.name.clipped())' runs into the central directory: the file is truncated or malformed")
            }
            entries[index].dataOffset = dataOffset
            previousEnd = dataEnd
            previousName = entry.name
        }
    }

    /// The offset and the 22 bytes of the end-of-central-directory record, searched backwards from the end
    /// over at most the largest comment (64 KiB).
    private static func findEndRecord(_ file: StagedFile) throws(CollabError) -> (offset: UInt64, bytes: [UInt8]) {
        guard file.size >= UInt64(endRecordSize) else {
            throw InspectionFailure.malformed("'\(file.displayName.clipped())' is too short to be a ZIP archive: the file is truncated")
        }
        let span = min(file.size, UInt64(endRecordSize + 0xFFFF))
        let tailStart = file.size - span
        let tail = try file.read(at: tailStart, upTo: Int(span))
        var at = tail.count - endRecordSize
        while at >= 0 {
            if tail[at] == 0x50, tail.le32(at) == 0x0605_4B50 {
                let commentLength = Int(tail.le16(at + 20))
                if at + endRecordSize + commentLength <= tail.count {
                    return (tailStart + UInt64(at), Array(tail[at..<(at + endRecordSize)]))
                }
            }
            at -= 1
        }
        throw InspectionFailure.malformed(
            "'\(file.displayName.clipped())' has no ZIP end record: the archive is truncated or malformed")
    }

    private static func hasZip64Locator(_ file: StagedFile, endOffset: UInt64) -> Bool {
        guard endOffset >= 20, let bytes = try? file.read(at: endOffset - 20, upTo: 4) else { return false }
        return bytes.le32(0) == 0x0706_4B50
    }

    // MARK: Reading entries

    /// Streams the uncompressed bytes of `entry` to `sink` (which returns `false` to stop), never producing
    /// more than the entry declares; a stream that would, or that ends short, or whose CRC-32 differs, is
    /// refused.
    static func stream(
        _ entry: Entry, from file: StagedFile, sink: @escaping (ArraySlice<UInt8>) -> Bool
    ) throws(CollabError) {
        let context = "the archive entry '\(entry.name.clipped())'"
        var reader = ChunkedReader(file: file, start: entry.dataOffset, end: entry.dataOffset + entry.compressedSize)
        var crc = CRC32()
        var produced: UInt64 = 0
        if entry.method == 0 {
            while true {
                let chunk = try reader.next(what: context)
                if chunk.isEmpty { break }
                crc.update(chunk[...])
                produced += UInt64(chunk.count)
                if !sink(chunk[...]) { return }
            }
        } else {
            let box = ReaderBox(reader)
            var inflater = Inflater(
                context: context, maximumOutput: Int64(entry.uncompressedSize),
                source: { () throws(CollabError) -> [UInt8] in try box.reader.next(what: context) },
                sink: { bytes in
                    crc.update(bytes)
                    return sink(bytes)
                })
            let ending = try inflater.run()
            if ending == .stopped { return }
            produced = UInt64(inflater.produced)
        }
        guard produced == entry.uncompressedSize else {
            throw InspectionFailure.malformed(
                "\(context) holds \(produced) bytes, not the \(entry.uncompressedSize) it declares")
        }
        guard crc.value == entry.crc else {
            throw InspectionFailure.malformed("\(context) fails its CRC-32 check: the file is damaged")
        }
    }
}

/// A reference to a reader, so the inflater's source closure can advance it.
private final class ReaderBox {
    var reader: ChunkedReader
    init(_ reader: ChunkedReader) { self.reader = reader }
}

/// Reads a range of a staged file in chunks of 64 KiB.
struct ChunkedReader {
    let file: StagedFile
    private var offset: UInt64
    private let end: UInt64
    private var buffer: [UInt8] = []
    private var bufferPosition = 0
    static let chunkSize = 64 * 1024

    init(file: StagedFile, start: UInt64, end: UInt64) {
        self.file = file
        self.offset = start
        self.end = max(start, end)
    }

    /// Bytes left in the range, buffered or not.
    var remaining: UInt64 { end - offset + UInt64(buffer.count - bufferPosition) }

    /// The next chunk of the range; empty at its end.
    mutating func next(what: @autoclosure () -> String) throws(CollabError) -> [UInt8] {
        if bufferPosition < buffer.count {
            let rest = Array(buffer[bufferPosition...])
            buffer = []
            bufferPosition = 0
            return rest
        }
        guard offset < end else { return [] }
        let count = Int(min(UInt64(Self.chunkSize), end - offset))
        let chunk = try file.read(at: offset, exactly: count, what: what())
        offset += UInt64(count)
        return chunk
    }

    /// Exactly `count` bytes, or a refusal when the range ends first.
    mutating func take(_ count: Int, what: @autoclosure () -> String) throws(CollabError) -> [UInt8] {
        guard count > 0 else { return [] }
        guard UInt64(count) <= remaining else {
            throw InspectionFailure.malformed("\(what()) runs past the end of the ZIP central directory")
        }
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if bufferPosition >= buffer.count {
                let size = Int(min(UInt64(Self.chunkSize), end - offset))
                buffer = try file.read(at: offset, exactly: size, what: what())
                offset += UInt64(size)
                bufferPosition = 0
            }
            let take = min(count - out.count, buffer.count - bufferPosition)
            out.append(contentsOf: buffer[bufferPosition..<(bufferPosition + take)])
            bufferPosition += take
        }
        return out
    }

    /// Skips `count` bytes, or refuses when the range ends first.
    mutating func skip(_ count: Int, what: @autoclosure () -> String) throws(CollabError) {
        guard count > 0 else { return }
        guard UInt64(count) <= remaining else {
            throw InspectionFailure.malformed("\(what()) runs past the end of the ZIP central directory")
        }
        let buffered = buffer.count - bufferPosition
        if count <= buffered {
            bufferPosition += count
        } else {
            offset += UInt64(count - buffered)
            buffer = []
            bufferPosition = 0
        }
    }
}

/// CRC-32 (IEEE 802.3, the ZIP checksum).
struct CRC32 {
    private(set) var value: UInt32 = 0

    private static let table: [UInt32] = (0..<256).map { index -> UInt32 in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        return crc
    }

    mutating func update(_ bytes: ArraySlice<UInt8>) {
        var crc = ~value
        for byte in bytes { crc = Self.table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        value = ~crc
    }
}
