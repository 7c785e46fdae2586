import CCollabZlib
import CollabModel
import Foundation
import Testing

@testable import CollabReports

// MARK: - Reading the archives back

/// Inflates raw DEFLATE data (ZIP method 8) with the system's zlib, handing the output on a chunk at a time.
func inflateRaw(_ compressed: [UInt8], output: (UnsafeRawBufferPointer) -> Void) throws {
    // zlib checks that the stream stays at one address, so it gets an allocation of its own.
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    stream.initialize(to: z_stream())
    defer { stream.deinitialize(count: 1); stream.deallocate() }
    guard inflateInit2_(stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw ZipError("inflateInit2 failed")
    }
    defer { inflateEnd(stream) }
    let capacity = 64 * 1024
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    try compressed.withUnsafeBufferPointer { input in
        stream.pointee.next_in = input.baseAddress
        stream.pointee.avail_in = UInt32(input.count)
        var status = Z_OK
        repeat {
            stream.pointee.next_out = buffer
            stream.pointee.avail_out = UInt32(capacity)
            status = inflate(stream, Z_NO_FLUSH)
            guard status == Z_OK || status == Z_STREAM_END else {
                throw ZipError("inflate failed with status \(status)")
            }
            output(UnsafeRawBufferPointer(start: buffer, count: capacity - Int(stream.pointee.avail_out)))
        } while status != Z_STREAM_END
    }
    guard stream.pointee.avail_in == 0 else {
        throw ZipError("\(stream.pointee.avail_in) bytes after the end of the DEFLATE stream")
    }
}

/// Inflates raw DEFLATE data whole.
func inflateRaw(_ compressed: [UInt8]) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try inflateRaw(compressed) { bytes.append(contentsOf: $0) }
    return bytes
}

/// A minimal ZIP reader for the tests: walks the central directory, checks each local header against it,
/// inflates each entry (all must be DEFLATE, method 8) and checks its size and CRC-32 (computed bit by bit,
/// independently of zlib's).
struct ZipContents {
    /// One entry as the central directory describes it.
    struct Header {
        var method: Int
        var crc: UInt32
        var compressedSize: Int
        var size: Int
    }

    var names: [String] = []
    var entries: [String: [UInt8]] = [:]
    var headers: [String: Header] = [:]

    init(_ data: [UInt8]) throws {
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= data.count else { throw ZipError("read past the end at \(at)") }
            return Int(data[at]) | Int(data[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int {
            guard at >= 0, at + 4 <= data.count else { throw ZipError("read past the end at \(at)") }
            return Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24
        }
        let end = data.count - 22
        guard end >= 0, try u32(end) == 0x0605_4B50 else { throw ZipError("no end of central directory record") }
        let count = try u16(end + 10)
        guard try u16(end + 8) == count else { throw ZipError("entry counts differ") }
        let directorySize = try u32(end + 12)
        var at = try u32(end + 16)
        guard at + directorySize == end else { throw ZipError("central directory does not end at the end record") }
        for _ in 0..<count {
            guard try u32(at) == 0x0201_4B50 else { throw ZipError("bad central header at \(at)") }
            let flags = try u16(at + 8), method = try u16(at + 10)
            let time = try u16(at + 12), date = try u16(at + 14)
            let crc = try u32(at + 16), compressed = try u32(at + 20), size = try u32(at + 24)
            let nameLength = try u16(at + 28), extra = try u16(at + 30), comment = try u16(at + 32)
            let offset = try u32(at + 42)
            let name = String(decoding: data[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            guard flags == 0, method == 8, time == 0, date == 0x21, try u16(at + 6) == 20 else {
                throw ZipError("\(name): unexpected flags \(flags), method \(method), version or timestamp")
            }
            // The local header repeats the same fields.
            guard try u32(offset) == 0x0403_4B50, try u16(offset + 4) == 20, try u16(offset + 6) == flags,
                try u16(offset + 8) == method, try u32(offset + 14) == crc,
                try u32(offset + 18) == compressed, try u32(offset + 22) == size,
                try u16(offset + 26) == nameLength
            else { throw ZipError("\(name): local header disagrees with the central directory") }
            let dataStart = offset + 30 + nameLength + (try u16(offset + 28))
            guard dataStart + compressed <= end - directorySize else {
                throw ZipError("\(name): data runs past the central directory")
            }
            let bytes = try inflateRaw(Array(data[dataStart..<(dataStart + compressed)]))
            guard bytes.count == size else { throw ZipError("\(name): inflates to \(bytes.count) bytes, not \(size)") }
            guard Self.crc32(bytes) == UInt32(crc) else { throw ZipError("\(name): CRC mismatch") }
            names.append(name)
            entries[name] = bytes
            headers[name] = Header(method: method, crc: UInt32(crc), compressedSize: compressed, size: size)
            at += 46 + nameLength + extra + comment
        }
    }

    func text(_ name: String) -> String? { entries[name].map { String(decoding: $0, as: UTF8.self) } }

    /// CRC-32 bit by bit (the reflected polynomial 0xEDB88320).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// zlib's CRC-32, to check entries too large for the bitwise one.
struct CRC32Check {
    var value: UInt32 = 0

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        value = UInt32(truncatingIfNeeded: crc32(UInt(value), base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count)))
    }
}

struct ZipError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Tests

@Suite struct ZipArchiveWriterTests {
    private let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("collab-zip-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Bytes that barely compress (a linear congruential generator's high bytes).
    private func noise(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    @Test("entries are DEFLATE (method 8), inflate back to the bytes written and carry their CRC-32 and sizes")
    func deflatedEntries() throws {
        defer { remove() }
        let url = folder.appendingPathComponent("entries.zip")
        let sink = try FileSink(destination: url)
        let zip = ZipArchiveWriter(sink: sink)
        let repeated = Array(String(repeating: "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>任务</t></is></c></row>", count: 5_000).utf8)
        let mixed = noise(300_000) + repeated + noise(70_000, seed: 7)
        // Fed in pieces of many sizes, from 1 byte to more than zlib's 64 KiB output buffer.
        try zip.beginEntry("chunks.bin")
        var at = 0, step = 1
        while at < mixed.count {
            let end = min(at + step, mixed.count)
            try zip.write(Array(mixed[at..<end]))
            at = end
            step = step * 3 % 100_003 + 1
        }
        try zip.endEntry()
        try zip.addEntry("empty.txt", [])
        try zip.addEntry("small.txt", Array("123456789".utf8))
        try zip.addEntry("repeated.xml", repeated)
        try zip.finish()

        let archive = try ZipContents(Array(try Data(contentsOf: url)))
        #expect(archive.names == ["chunks.bin", "empty.txt", "small.txt", "repeated.xml"])
        #expect(archive.entries["chunks.bin"] == mixed)
        #expect(archive.entries["empty.txt"] == [])
        #expect(archive.entries["repeated.xml"] == repeated)
        // zlib's CRC-32 gives the standard check value.
        #expect(archive.headers["small.txt"]?.crc == 0xCBF4_3926)
        #expect(archive.headers.values.allSatisfy { $0.method == 8 })
        let repeatedHeader = try #require(archive.headers["repeated.xml"])
        #expect(repeatedHeader.compressedSize * 50 < repeatedHeader.size)
        // Noise does not compress, but DEFLATE's stored blocks keep it within a few bytes per 16 KiB.
        let chunksHeader = try #require(archive.headers["chunks.bin"])
        #expect(chunksHeader.compressedSize < 370_000 + 10_000)
    }

    @Test("the CRC-32 matches a bitwise computation at every length, fed whole or in parts")
    func crc() throws {
        let bytes = noise(10_000)
        for length in [0, 1, 7, 8, 9, 63, 1000, 10_000] {
            let deflater = try Deflater()
            try withRawBytes(Array(bytes.prefix(length))) { (raw) throws(CollabError) in
                try deflater.compress(raw) { _ in }
            }
            #expect(deflater.crc == ZipContents.crc32(Array(bytes.prefix(length))))
            #expect(deflater.inputCount == UInt64(length))
        }
        let deflater = try Deflater()
        var compressed: [UInt8] = []
        for part in [bytes[..<333], bytes[333...]] {
            try withRawBytes(Array(part)) { (raw) throws(CollabError) in
                try deflater.compress(raw) { compressed.append(contentsOf: $0) }
            }
        }
        try deflater.finish { compressed.append(contentsOf: $0) }
        #expect(deflater.crc == ZipContents.crc32(bytes))
        #expect(deflater.outputCount == UInt64(compressed.count))
        #expect(try inflateRaw(compressed) == bytes)
        #expect(throws: CollabError.self) { try deflater.finish { _ in } }
    }

    @Test("a workbook of Chinese text round-trips through DEFLATE")
    func chineseWorkbook() throws {
        defer { remove() }
        let url = folder.appendingPathComponent("中文.xlsx")
        let writer = try XLSXWriter(url: url, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)
        try writer.beginSheet(named: "任务清单", columns: [ExportColumn("标题"), ExportColumn("负责人"), ExportColumn("备注")])
        // Past the first 100 rows the sheet streams through zlib a buffer at a time.
        let texts = (0..<300).map { n in
            ["设备巡检与保养计划 第\(n)项", "王芳、李伟", n % 3 == 0 ? "𠀀𪚥 扩展汉字 & <标记> 😀" : "本季度目标已完成，下一步复盘与改进。"]
        }
        for row in texts { try writer.appendRow(row.map { ExportValue.text($0) }) }
        try writer.finish()

        let archive = try ZipContents(Array(try Data(contentsOf: url)))
        let sheet = try #require(archive.text("xl/worksheets/sheet1.xml"))
        #expect(sheet.contains("<t>设备巡检与保养计划 第0项</t>"))
        #expect(sheet.contains("<row r=\"301\"><c r=\"A301\" t=\"inlineStr\"><is><t>设备巡检与保养计划 第299项</t></is></c>"))
        #expect(sheet.contains("<t>𠀀𪚥 扩展汉字 &amp; &lt;标记&gt; 😀</t>"))
        #expect(archive.text("xl/workbook.xml")?.contains("<sheet name=\"任务清单\"") == true)
    }

    @Test("a realistic report is several times smaller than the same entries stored")
    func smallerThanStored() throws {
        defer { remove() }
        let url = folder.appendingPathComponent("report.xlsx")
        let writer = try XLSXWriter(url: url, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)
        try writer.beginSheet(named: "任务", columns: [
            ExportColumn("编号"), ExportColumn("标题"), ExportColumn("状态"), ExportColumn("负责人"), ExportColumn("部门"),
            ExportColumn("截止日期"), ExportColumn("进度", format: .percent(places: 0)), ExportColumn("逾期天数"),
        ])
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        let states = ["已派发", "进行中", "已完成", "已逾期"]
        for n in 0..<2_000 {
            try writer.appendRow([
                .text("item-\(n)"), .text("供应商样品检测 \(n % 37)"), .text(states[n % 4]), .text("员工 \(n % 40)"),
                .text(["生产部", "技术部", "仓储部", "市场部", "设备部"][n % 5]),
                .date(start.addingTimeInterval(Double(n % 90) * 86_400)), .number(Double(n % 101) / 100),
                .integer(n % 9),
            ])
        }
        try writer.finish()

        let file = Array(try Data(contentsOf: url))
        let archive = try ZipContents(file)
        // The same archive with STORED entries: each entry's header and bytes, and the central directory.
        let stored = archive.names.reduce(22) { total, name in
            total + 30 + 46 + 2 * name.utf8.count + (archive.entries[name]?.count ?? 0)
        }
        #expect(file.count * 5 < stored, "\(file.count) bytes deflated, \(stored) stored")
    }
}
