import CollabModel
import Foundation
import Testing

@testable import CollabWorkflow

/// Builders for the files the document inspection tests feed in: ZIP archives (honest or lying), a
/// fixed-Huffman DEFLATE encoder, minimal Office, PDF, image and OLE files.
enum DocFixtures {
    // MARK: Files on disk

    /// A fresh folder under the temporary directory, removed by the caller.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("collab-inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `bytes` to a staged file and inspects it under `name`.
    static func inspect(
        _ bytes: [UInt8], name: String, policy: DocumentPolicy = .default,
        extractors: [any DocumentTextExtractor] = []
    ) async throws(CollabError) -> DocumentInspection {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("collab-staged-\(UUID().uuidString)")
        do {
            try Data(bytes).write(to: url)
        } catch {
            throw CollabError(.storageFailure, "could not stage the test file: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        return try await DocumentInspector(policy: policy, extractors: extractors).inspect(fileAt: url, name: name)
    }

    /// The problem of a refusal (there must be exactly one).
    static func problem(of error: CollabError) -> ValidationProblem? {
        guard error.code == .invalidInput, error.problems.count == 1 else { return nil }
        return error.problems.first
    }

    // MARK: ZIP

    /// One entry of a test archive.
    struct ZipEntry {
        var name: String
        var content: [UInt8]
        /// Compress with the test DEFLATE encoder (method 8), or store (method 0).
        var deflate = false
        /// Declare this uncompressed size instead of the true one (a lying archive).
        var declaredSize: UInt32?
        /// Declare this CRC instead of the true one.
        var declaredCRC: UInt32?

        init(_ name: String, _ content: [UInt8], deflate: Bool = false, declaredSize: UInt32? = nil, declaredCRC: UInt32? = nil) {
            self.name = name
            self.content = content
            self.deflate = deflate
            self.declaredSize = declaredSize
            self.declaredCRC = declaredCRC
        }

        init(_ name: String, _ text: String, deflate: Bool = false) {
            self.init(name, Array(text.utf8), deflate: deflate)
        }
    }

    /// A ZIP archive of `entries`, in order.
    static func zip(_ entries: [ZipEntry]) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for entry in entries {
            let (local, record) = localRecord(entry, offset: UInt32(out.count))
            out += local
            central += record
        }
        return out + endRecords(central: central, count: entries.count, directoryOffset: UInt32(out.count))
    }

    /// The overlapping-entries bomb: entry `xl/a.xml`'s stored data is itself the local header and data of
    /// `xl/b.xml`, and the central directory lists both, so `b`'s bytes are counted twice.
    static func overlappingZip() -> [UInt8] {
        let inner = ZipEntry("xl/b.xml", Array(repeating: UInt8(ascii: "b"), count: 100))
        let outerName = "xl/a.xml"
        let (innerLocal, _) = localRecord(inner, offset: 0)
        let outer = ZipEntry(outerName, innerLocal)
        let (outerLocal, outerRecord) = localRecord(outer, offset: 0)
        let innerOffset = UInt32(30 + outerName.utf8.count)
        let (_, innerRecord) = localRecord(inner, offset: innerOffset)
        let contentTypes = ZipEntry("[Content_Types].xml", Self.contentTypes)
        let (typesLocal, typesRecord) = localRecord(contentTypes, offset: UInt32(outerLocal.count))
        let out = outerLocal + typesLocal
        let central = outerRecord + innerRecord + typesRecord
        return out + endRecords(central: central, count: 3, directoryOffset: UInt32(out.count))
    }

    /// The local header and data of `entry` at `offset`, and its central record.
    static func localRecord(_ entry: ZipEntry, offset: UInt32) -> (local: [UInt8], central: [UInt8]) {
        var crc = CRC32()
        crc.update(entry.content[...])
        let data = entry.deflate ? deflate(entry.content) : entry.content
        let method: UInt16 = entry.deflate ? 8 : 0
        let size = entry.declaredSize ?? UInt32(entry.content.count)
        let crcValue = entry.declaredCRC ?? crc.value
        let name = Array(entry.name.utf8)
        var out: [UInt8] = []
        out.add32(0x0403_4B50)
        out.add16(20); out.add16(0); out.add16(method); out.add16(0); out.add16(0x21)
        out.add32(crcValue); out.add32(UInt32(data.count)); out.add32(size)
        out.add16(UInt16(name.count)); out.add16(0)
        out += name
        out += data
        let record = centralRecord(
            name: name, crc: crcValue, compressed: UInt32(data.count), size: size, method: method, offset: offset)
        return (out, record)
    }

    static func endRecords(central: [UInt8], count: Int, directoryOffset: UInt32) -> [UInt8] {
        var out = central
        out.add32(0x0605_4B50)
        out.add16(0); out.add16(0); out.add16(UInt16(count)); out.add16(UInt16(count))
        out.add32(UInt32(central.count)); out.add32(directoryOffset); out.add16(0)
        return out
    }

    private static func centralRecord(name: [UInt8], crc: UInt32, compressed: UInt32, size: UInt32, method: UInt16, offset: UInt32) -> [UInt8] {
        var record: [UInt8] = []
        record.add32(0x0201_4B50)
        record.add16(20); record.add16(20); record.add16(0); record.add16(method); record.add16(0); record.add16(0x21)
        record.add32(crc); record.add32(compressed); record.add32(size)
        record.add16(UInt16(name.count)); record.add16(0); record.add16(0); record.add16(0); record.add16(0)
        record.add32(0); record.add32(offset)
        return record + name
    }

    /// A minimal Word document whose body holds `paragraphs`.
    static func docx(_ paragraphs: [String], deflate: Bool = true, extra: [ZipEntry] = []) -> [UInt8] {
        let body = paragraphs.map { "<w:p><w:r><w:t xml:space=\"preserve\">\(xmlEscaped($0))</w:t></w:r></w:p>" }.joined()
        let document = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)\
            <w:sectPr/></w:body></w:document>
            """
        return zip([
            ZipEntry("[Content_Types].xml", contentTypes, deflate: deflate),
            ZipEntry("_rels/.rels", rels, deflate: deflate),
            ZipEntry("word/document.xml", document, deflate: deflate),
        ] + extra)
    }

    static let contentTypes = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/word/document.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
        """

    static let rels = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
        Target="word/document.xml"/></Relationships>
        """

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    // MARK: Other formats

    /// A minimal valid PDF.
    static let pdf = Array("""
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj
        xref
        0 4
        0000000000 65535 f 
        0000000009 00000 n 
        0000000058 00000 n 
        0000000115 00000 n 
        trailer << /Size 4 /Root 1 0 R >>
        startxref
        186
        %%EOF

        """.utf8)

    /// A PNG signature and IHDR chunk.
    static let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89,
    ]

    /// The start of an ELF executable.
    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00] + [UInt8](repeating: 0, count: 56)

    /// The start of a Windows program: `MZ`, a DOS header with NUL bytes, and the `PE` signature.
    static let windowsProgram: [UInt8] = {
        var bytes = [UInt8](repeating: 0, count: 256)
        bytes[0] = 0x4D
        bytes[1] = 0x5A
        bytes[0x3C] = 0x80
        bytes[0x80] = 0x50
        bytes[0x81] = 0x45
        return bytes
    }()

    /// A minimal OLE compound file (version 3, 512-byte sectors): a header, one FAT sector and one
    /// directory sector holding the root entry and streams named `streams`.
    static func compoundFile(streams: [String]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 512)
        let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        header.replaceSubrange(0..<8, with: signature)
        header.put16(0x3E, at: 24)  // minor version
        header.put16(3, at: 26)  // major version
        header.put16(0xFFFE, at: 28)  // byte order
        header.put16(9, at: 30)  // sector shift: 512
        header.put16(6, at: 32)  // mini sector shift
        header.put32(1, at: 44)  // FAT sectors
        header.put32(1, at: 48)  // first directory sector
        header.put32(4096, at: 56)  // mini stream cutoff
        header.put32(0xFFFF_FFFE, at: 60)  // first mini FAT sector
        header.put32(0xFFFF_FFFE, at: 68)  // first DIFAT sector
        for index in 0..<109 { header.put32(0xFFFF_FFFF, at: 76 + index * 4) }
        header.put32(0, at: 76)  // FAT sector 0 is sector 0
        // Sector 0: the FAT. Sector 0 is a FAT sector, sector 1 (the directory) ends its chain.
        var fat = [UInt8](repeating: 0xFF, count: 512)
        fat.put32(0xFFFF_FFFD, at: 0)
        fat.put32(0xFFFF_FFFE, at: 4)
        // Sector 1: the directory, four 128-byte entries.
        var directory = [UInt8](repeating: 0, count: 512)
        let names = ["Root Entry"] + streams.prefix(3)
        for (index, name) in names.enumerated() {
            let base = index * 128
            let units = Array(name.utf16) + [0]
            for (at, unit) in units.enumerated() where at < 32 { directory.put16(unit, at: base + at * 2) }
            directory.put16(UInt16(min(64, units.count * 2)), at: base + 64)
            directory[base + 66] = index == 0 ? 5 : 2
            directory.put32(0xFFFF_FFFF, at: base + 68)
            directory.put32(0xFFFF_FFFF, at: base + 72)
            directory.put32(index == 0 && names.count > 1 ? 1 : 0xFFFF_FFFF, at: base + 76)
            directory.put32(0xFFFF_FFFE, at: base + 116)
        }
        return header + fat + directory
    }

    // MARK: DEFLATE (fixed Huffman), for building streams the inflater must read

    /// `input` as a raw DEFLATE stream of one fixed-Huffman block: runs become matches at distance 1
    /// (up to 258 bytes each), everything else literals.
    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var writer = BitWriter()
        writer.write(1, bits: 1)  // final block
        writer.write(1, bits: 2)  // fixed Huffman
        var index = 0
        while index < input.count {
            var run = 0
            if index > 0 {
                while index + run < input.count, run < 258, input[index + run] == input[index - 1] { run += 1 }
            }
            if run >= 3 {
                writer.writeLength(run)
                writer.writeCode(0, length: 5)  // distance 1
                index += run
            } else {
                writer.writeLiteral(Int(input[index]))
                index += 1
            }
        }
        writer.writeLiteral(256)
        return writer.finish()
    }

    struct BitWriter {
        private var bytes: [UInt8] = []
        private var buffer: UInt32 = 0
        private var count = 0

        mutating func write(_ value: Int, bits: Int) {
            for bit in 0..<bits {
                buffer |= UInt32((value >> bit) & 1) << UInt32(count)
                count += 1
                if count == 8 {
                    bytes.append(UInt8(buffer & 0xFF))
                    buffer = 0
                    count = 0
                }
            }
        }

        /// A Huffman code, most significant bit first.
        mutating func writeCode(_ code: Int, length: Int) {
            for bit in stride(from: length - 1, through: 0, by: -1) { write((code >> bit) & 1, bits: 1) }
        }

        mutating func writeLiteral(_ symbol: Int) {
            switch symbol {
            case 0...143: writeCode(0x30 + symbol, length: 8)
            case 144...255: writeCode(0x190 + symbol - 144, length: 9)
            case 256...279: writeCode(symbol - 256, length: 7)
            default: writeCode(0xC0 + symbol - 280, length: 8)
            }
        }

        static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]

        mutating func writeLength(_ length: Int) {
            var code = Self.lengthBase.count - 1
            while Self.lengthBase[code] > length { code -= 1 }
            writeLiteral(257 + code)
            write(length - Self.lengthBase[code], bits: Self.lengthExtra[code])
        }

        /// Pads with zero bits to the next byte boundary.
        mutating func alignToByte() {
            while count != 0 { write(0, bits: 1) }
        }

        mutating func finish() -> [UInt8] {
            if count > 0 { bytes.append(UInt8(buffer & 0xFF)) }
            buffer = 0
            count = 0
            return bytes
        }
    }

    // MARK: Hex

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var high: UInt8?
        for character in hex {
            guard let value = character.hexDigitValue else { continue }
            if let h = high {
                out.append(h << 4 | UInt8(value))
                high = nil
            } else {
                high = UInt8(value)
            }
        }
        return out
    }
}

extension [UInt8] {
    fileprivate mutating func add16(_ value: UInt16) {
        append(UInt8(value & 0xFF))
        append(UInt8(value >> 8))
    }

    fileprivate mutating func add32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    fileprivate mutating func put16(_ value: UInt16, at offset: Int) {
        self[offset] = UInt8(value & 0xFF)
        self[offset + 1] = UInt8(value >> 8)
    }

    fileprivate mutating func put32(_ value: UInt32, at offset: Int) {
        for index in 0..<4 { self[offset + index] = UInt8((value >> UInt32(index * 8)) & 0xFF) }
    }
}
