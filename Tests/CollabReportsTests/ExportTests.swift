import CollabModel
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

@testable import CollabReports

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Helpers

/// A fresh temporary folder, removed by `remove()`.
private struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("collab-export-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The names in the folder, temporary files included.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

private let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

/// `y-m-d h:m:s` in Shanghai.
private func shanghaiDate(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ min: Int = 0, _ s: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = shanghai
    return calendar.date(from: DateComponents(year: y, month: m, day: d, hour: h, minute: min, second: s))!
}

private func readBytes(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

/// The resident set size in bytes, from /proc/self/statm (Linux only).
private func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

private func expectCode(_ code: CollabError.Code, _ body: () throws(CollabError) -> Void) {
    do {
        try body()
        Issue.record("expected a \(code) error")
    } catch {
        #expect(error.code == code, "\(error)")
    }
}

// MARK: - The sample workbook (also checked by Scripts/check_xlsx.py in CI)

/// One cell the Python check expects: `type` is openpyxl's `s`, `n`, `d`, `b`, or `empty`.
private struct ExpectedCell: Encodable {
    var ref: String
    var type: String
    var text: String?
    var number: Double?
    var date: String?
    var bool: Bool?
    var numberFormat: String?

    enum CodingKeys: String, CodingKey {
        case ref, type, text, number, date, bool
        case numberFormat = "number_format"
    }
}

private struct ExpectedSheet: Encodable {
    var name: String
    var frozen = "A2"
    var autofilter: String
    var columns: Int
    var rows: Int
    var cells: [ExpectedCell]
}

private struct ExpectedWorkbook: Encodable {
    var sheets: [ExpectedSheet]
}

/// Texts that must survive: Chinese, XML specials, formula-like text, white space, line breaks, control
/// characters (dropped), and Excel's `_xHHHH_` escape pattern.
private let trickyTexts: [(written: String, read: String)] = [
    ("季度总结：完成率", "季度总结：完成率"),
    ("<a href=\"x\">&amp; 'q'</a>", "<a href=\"x\">&amp; 'q'</a>"),
    ("=SUM(A1:A9)", "=SUM(A1:A9)"),
    ("+86 138 0000 0000", "+86 138 0000 0000"),
    ("-42", "-42"),
    ("@cmd", "@cmd"),
    ("\tindented", "\tindented"),
    ("  two spaces  ", "  two spaces  "),
    ("line 1\r\nline 2\nline 3", "line 1\r\nline 2\nline 3"),
    ("bell\u{07}null\u{00}vt\u{0B}ff\u{0C}esc\u{1B}\u{FFFE}\u{FFFF}end", "bellnullvtffescend"),
    ("_x0041_ stays literal", "_x0041_ stays literal"),
    ("emoji 👩‍💻 and 𠀀", "emoji 👩‍💻 and 𠀀"),
    ("0012345", "0012345"),
]

/// Writes the sample workbook to `url` and returns what a reader should find.
private func writeSample(to url: URL) throws -> ExpectedWorkbook {
    let writer = try XLSXWriter(url: url, timeZone: shanghai)
    let columns = [
        ExportColumn("标题"), ExportColumn("完成率", format: .percent(places: 1)), ExportColumn("数量"),
        ExportColumn("截止日期"), ExportColumn("完成时间", width: 22), ExportColumn("逾期"),
        ExportColumn("金额", format: .decimal(places: 2)),
    ]
    try writer.beginSheet(named: "任务 & 报表", columns: columns)
    var cells: [ExpectedCell] = columns.enumerated().map { index, column in
        ExpectedCell(ref: "\(ExportEncoding.columnLetters(index + 1))1", type: "s", text: column.title)
    }
    let due = shanghaiDate(2024, 5, 1, 23, 30)  // 15:30 UTC: the date is May 1st in Shanghai
    let done = shanghaiDate(2024, 5, 2, 14, 30, 15)
    for (offset, tricky) in trickyTexts.enumerated() {
        let row = offset + 2
        let rate = Double(offset) / 8
        let amount = offset.isMultiple(of: 2) ? -1234.5 : 0.1
        try writer.appendRow([
            .text(tricky.written), .number(rate), .integer(offset * 1000 - 3), .date(due), .dateTime(done),
            .bool(offset.isMultiple(of: 3)), offset == 4 ? .empty : .number(amount),
        ])
        cells += [
            ExpectedCell(ref: "A\(row)", type: "s", text: tricky.read),
            ExpectedCell(ref: "B\(row)", type: "n", number: rate, numberFormat: "0.0%"),
            ExpectedCell(ref: "C\(row)", type: "n", number: Double(offset * 1000 - 3), numberFormat: "General"),
            ExpectedCell(ref: "D\(row)", type: "d", date: "2024-05-01T00:00:00", numberFormat: "yyyy-mm-dd"),
            ExpectedCell(ref: "E\(row)", type: "d", date: "2024-05-02T14:30:15", numberFormat: "yyyy-mm-dd hh:mm:ss"),
            ExpectedCell(ref: "F\(row)", type: "b", bool: offset.isMultiple(of: 3)),
            offset == 4
                ? ExpectedCell(ref: "G\(row)", type: "empty")
                : ExpectedCell(ref: "G\(row)", type: "n", number: amount, numberFormat: "0.00"),
        ]
    }
    let lastRow = trickyTexts.count + 1
    var sheets = [ExpectedSheet(name: "任务 & 报表", autofilter: "A1:G\(lastRow)", columns: 7, rows: lastRow, cells: cells)]

    try writer.beginSheet(named: "Members' list", columns: [ExportColumn("成员"), ExportColumn("Score")])
    try writer.appendRow(["张三", 98.5])
    try writer.appendRow(["李四", .empty])
    sheets.append(ExpectedSheet(name: "Members' list", autofilter: "A1:B3", columns: 2, rows: 3, cells: [
        ExpectedCell(ref: "A1", type: "s", text: "成员"), ExpectedCell(ref: "B1", type: "s", text: "Score"),
        ExpectedCell(ref: "A2", type: "s", text: "张三"), ExpectedCell(ref: "B2", type: "n", number: 98.5),
        ExpectedCell(ref: "A3", type: "s", text: "李四"), ExpectedCell(ref: "B3", type: "empty"),
    ]))
    try writer.finish()
    return ExpectedWorkbook(sheets: sheets)
}

// MARK: - XLSX

@Suite struct XLSXExportTests {
    @Test("the package holds typed cells, styles, a frozen bold header, an autofilter and escaped text")
    func typedCells() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("sample.xlsx")
        _ = try writeSample(to: url)
        #expect(try folder.contents() == ["sample.xlsx"])
        let zip = try ZipContents(try readBytes(url))
        #expect(zip.names == [
            "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "[Content_Types].xml", "_rels/.rels",
            "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
        ])
        let sheet = try #require(zip.text("xl/worksheets/sheet1.xml"))
        let styles = try #require(zip.text("xl/styles.xml"))
        let workbook = try #require(zip.text("xl/workbook.xml"))

        // Header: bold style 1, wrapped when wider than its column, inline strings.
        #expect(sheet.contains("<row r=\"1\"><c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t>标题</t></is></c>"))
        #expect(styles.contains("<font><b/>"))
        #expect(styles.contains("<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" "
            + "applyAlignment=\"1\"><alignment vertical=\"top\" wrapText=\"1\"/></xf>"))
        // Printing: landscape A4, one page wide, the header row on every page.
        #expect(sheet.contains("<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr><sheetViews>"))
        #expect(sheet.hasSuffix(
            "<pageSetup paperSize=\"9\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/></worksheet>"))
        #expect(workbook.contains(
            "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">'任务 &amp; 报表'!$1:$1</definedName>"))
        // Frozen pane and autofilter.
        #expect(sheet.contains("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        #expect(sheet.contains("<autoFilter ref=\"A1:G14\"/>"))
        #expect(workbook.contains(
            "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">'任务 &amp; 报表'!$A$1:$G$14</definedName>"))
        #expect(workbook.contains("<sheet name=\"任务 &amp; 报表\" sheetId=\"1\" r:id=\"rId1\"/>"))
        #expect(workbook.contains("'Members'' list'!$A$1:$B$3"))
        // Widths: given, and estimated (wider for the long Chinese/emoji texts than for a short column).
        #expect(sheet.contains("<col min=\"5\" max=\"5\" width=\"22\" customWidth=\"1\"/>"))
        #expect(sheet.contains("<col min=\"1\" max=\"1\" width=\"27\" customWidth=\"1\"/>"))
        #expect(sheet.contains("<col min=\"3\" max=\"3\" width=\"9\" customWidth=\"1\"/>"))
        // Typed cells.
        #expect(sheet.contains("<c r=\"A2\" t=\"inlineStr\"><is><t>季度总结：完成率</t></is></c>"))
        #expect(styles.contains("<numFmt numFmtId=\"166\" formatCode=\"0.0%\"/>"))
        #expect(styles.contains("<numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd\"/>"))
        #expect(styles.contains("<numFmt numFmtId=\"165\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/>"))
        #expect(sheet.contains("<c r=\"B3\" s=\"4\"><v>0.125</v></c>"))
        #expect(sheet.contains("<c r=\"C2\"><v>-3</v></c>"))
        #expect(sheet.contains("<c r=\"D2\" s=\"2\"><v>45413</v></c>"))  // 2024-05-01
        #expect(sheet.contains("<c r=\"E2\" s=\"3\"><v>45414.6043"))  // 2024-05-02 14:30:15
        #expect(sheet.contains("<c r=\"F2\" t=\"b\"><v>1</v></c>"))
        #expect(sheet.contains("<c r=\"F3\" t=\"b\"><v>0</v></c>"))
        #expect(sheet.contains("<c r=\"G2\" s=\"5\"><v>-1234.5</v></c>"))
        #expect(!sheet.contains("r=\"G6\""))  // .empty writes no cell
        // Escaping, formula-like text as strings, white space, control characters, Excel escapes.
        #expect(sheet.contains("<t>&lt;a href=\"x\"&gt;&amp;amp; 'q'&lt;/a&gt;</t>"))
        #expect(sheet.contains("<c r=\"A4\" t=\"inlineStr\"><is><t>=SUM(A1:A9)</t></is></c>"))
        #expect(sheet.contains("<c r=\"A5\" t=\"inlineStr\"><is><t>+86 138 0000 0000</t></is></c>"))
        #expect(sheet.contains("<c r=\"A6\" t=\"inlineStr\"><is><t>-42</t></is></c>"))
        #expect(sheet.contains("<c r=\"A7\" t=\"inlineStr\"><is><t>@cmd</t></is></c>"))
        #expect(sheet.contains("<t xml:space=\"preserve\">\tindented</t>"))
        #expect(sheet.contains("<t xml:space=\"preserve\">  two spaces  </t>"))
        #expect(sheet.contains("<t>line 1&#13;\nline 2\nline 3</t>"))
        #expect(sheet.contains("<t>bellnullvtffescend</t>"))
        #expect(sheet.contains("<t>_x005F_x0041_ stays literal</t>"))
        #expect(sheet.contains("<c r=\"A14\" t=\"inlineStr\"><is><t>0012345</t></is></c>"))
        #expect(!sheet.contains("<f>") && !sheet.contains("<f "))
        // Package parts.
        let types = try #require(zip.text("[Content_Types].xml"))
        #expect(types.contains("PartName=\"/xl/worksheets/sheet2.xml\""))
        #expect(try #require(zip.text("xl/_rels/workbook.xml.rels")).contains("Target=\"styles.xml\""))
        #expect(try #require(zip.text("_rels/.rels")).contains("Target=\"xl/workbook.xml\""))
        // Every part is well-formed XML.
        for name in zip.names {
            let data = Data(try #require(zip.entries[name]))
            let parser = XMLParser(data: data)
            #expect(parser.parse(), "\(name) is not well-formed: \(String(describing: parser.parserError))")
        }
    }

    @Test("the same data gives a byte-identical file")
    func deterministic() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        _ = try writeSample(to: folder.file("one.xlsx"))
        _ = try writeSample(to: folder.file("two.xlsx"))
        #expect(try readBytes(folder.file("one.xlsx")) == readBytes(folder.file("two.xlsx")))
    }

    @Test("CI sample: the workbook and what openpyxl must read from it (COLLAB_XLSX_SAMPLE_DIR)")
    func sampleForPython() throws {
        guard let directory = ProcessInfo.processInfo.environment["COLLAB_XLSX_SAMPLE_DIR"], !directory.isEmpty else {
            return
        }
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let expected = try writeSample(to: folder.appendingPathComponent("sample.xlsx"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(expected).write(to: folder.appendingPathComponent("sample.expected.json"))
    }

    @Test("sheet names follow Excel's rules; every problem is reported and the writer stays usable")
    func sheetNames() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let writer = try XLSXWriter(url: folder.file("names.xlsx"), timeZone: shanghai)
        let columns = [ExportColumn("A")]
        let bad: [(String, ValidationProblem.Kind)] = [
            ("", .empty), ("   ", .empty), (String(repeating: "表", count: 32), .tooLong), ("a[1]", .malformed),
            ("a:b", .malformed), ("a*", .malformed), ("why?", .malformed), ("a/b", .malformed),
            ("a\\b", .malformed), ("'quoted", .malformed), ("quoted'", .malformed), ("tab\there", .malformed),
            ("History", .malformed),
        ]
        for (name, kind) in bad {
            do {
                try writer.beginSheet(named: name, columns: columns)
                Issue.record("'\(name)' was accepted")
            } catch {
                #expect(error.code == .invalidInput)
                #expect(error.problems.contains { $0.field == "name" && $0.kind == kind }, "\(name): \(error)")
            }
        }
        do {
            try writer.beginSheet(named: "a/b:c*d?e[f]g\\h" + String(repeating: "x", count: 30), columns: [])
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.empty, .malformed, .tooLong])
        }
        try writer.beginSheet(named: String(repeating: "表", count: 31), columns: columns)
        try writer.beginSheet(named: "Report's sheet", columns: columns)
        expectCode(.invalidInput) { () throws(CollabError) in try writer.beginSheet(named: "REPORT'S SHEET", columns: columns) }
        expectCode(.invalidInput) { () throws(CollabError) in
            try writer.beginSheet(named: "widths", columns: [ExportColumn("a", width: 0)])
        }
        expectCode(.invalidInput) { () throws(CollabError) in
            try writer.beginSheet(named: "places", columns: [ExportColumn("a", format: .percent(places: 11))])
        }
        try writer.appendRow(["still usable"])
        try writer.finish()
        #expect(writer.sheetNames == [String(repeating: "表", count: 31), "Report's sheet"])
        let zip = try ZipContents(try readBytes(folder.file("names.xlsx")))
        #expect(zip.text("xl/workbook.xml")?.contains("<sheet name=\"Report's sheet\" sheetId=\"2\" r:id=\"rId2\"/>") == true)
    }

    @Test("bad rows are refused without spoiling the sheet; calls out of order throw invalidTransition")
    func badRows() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("rows.xlsx")
        let writer = try XLSXWriter(url: url, timeZone: shanghai)
        expectCode(.invalidTransition) { () throws(CollabError) in try writer.appendRow(["x"]) }
        expectCode(.invalidInput) { () throws(CollabError) in try writer.finish() }
        try writer.beginSheet(named: "S", columns: [ExportColumn("a"), ExportColumn("b")])
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["only one"]) }
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["a", "b", "c"]) }
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["nan", .number(.nan)]) }
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["inf", .number(.infinity)]) }
        expectCode(.invalidInput) { () throws(CollabError) in
            try writer.appendRow(["old", .date(shanghaiDate(1900, 2, 28))])
        }
        expectCode(.invalidInput) { () throws(CollabError) in
            try writer.appendRow(["far", .dateTime(Date(timeIntervalSince1970: 300_000_000_000))])
        }
        try writer.appendRow(["first", .date(shanghaiDate(1900, 3, 1))])
        // Past the first 100 rows the sheet streams; a bad row there must not leave half a row behind.
        for index in 0..<150 { try writer.appendRow([.integer(index), .empty]) }
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["partial", .number(.nan)]) }
        try writer.appendRow(["last", true])
        try writer.finish()
        expectCode(.invalidTransition) { () throws(CollabError) in try writer.appendRow(["late", 1]) }
        expectCode(.invalidTransition) { () throws(CollabError) in try writer.finish() }

        let sheet = try #require(try ZipContents(try readBytes(url)).text("xl/worksheets/sheet1.xml"))
        #expect(sheet.contains("<c r=\"B2\" s=\"2\"><v>61</v></c>"))  // 1900-03-01 is serial 61
        #expect(sheet.contains("<row r=\"153\"><c r=\"A153\" t=\"inlineStr\"><is><t>last</t></is></c>"))
        #expect(!sheet.contains("partial") && !sheet.contains("only one"))
        #expect(sheet.contains("<autoFilter ref=\"A1:B153\"/>"))
        #expect(try folder.contents() == ["rows.xlsx"])
    }

    @Test("a cancelled, failed or abandoned workbook leaves no file behind; finish replaces an old file")
    func noHalfWrittenFiles() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("out.xlsx")

        let cancelled = try XLSXWriter(url: url, timeZone: shanghai)
        try cancelled.beginSheet(named: "S", columns: [ExportColumn("a")])
        try cancelled.appendRow(["x"])
        cancelled.cancel()
        expectCode(.invalidTransition) { () throws(CollabError) in try cancelled.finish() }
        #expect(try folder.contents().isEmpty)

        do {
            let abandoned = try XLSXWriter(url: url, timeZone: shanghai)
            try abandoned.beginSheet(named: "S", columns: [ExportColumn("a")])
            try abandoned.appendRow(["x"])
        }
        #expect(try folder.contents().isEmpty)

        // The 4 GiB ZIP limit, lowered to 64 KiB: the error is fatal and the file is removed.
        let tooBig = try XLSXWriter(url: url, timeZone: shanghai, sizeLimit: 64 * 1024)
        try tooBig.beginSheet(named: "S", columns: [ExportColumn("a", width: 10)])
        do {
            for _ in 0..<100_000 { try tooBig.appendRow([.text(String(repeating: "x", count: 100))]) }
            try tooBig.finish()
            Issue.record("the size limit was not enforced")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.problems.first?.kind == .tooLong)
        }
        expectCode(.invalidTransition) { () throws(CollabError) in try tooBig.appendRow(["x"]) }
        #expect(try folder.contents().isEmpty)

        try Data("old".utf8).write(to: url)
        let writer = try XLSXWriter(url: url, timeZone: shanghai)
        try writer.beginSheet(named: "S", columns: [ExportColumn("a")])
        #expect(try readBytes(url) == Array("old".utf8))
        try writer.finish()
        #expect(try ZipContents(try readBytes(url)).names.count == 6)
        #expect(try folder.contents() == ["out.xlsx"])

        expectCode(.storageFailure) { () throws(CollabError) in
            _ = try XLSXWriter(url: folder.file("missing/out.xlsx"), timeZone: shanghai)
        }
        expectCode(.invalidInput) { () throws(CollabError) in
            _ = try XLSXWriter(url: URL(string: "https://example.com/x.xlsx")!, timeZone: shanghai)
        }
    }

    @Test("dates are converted in the writer's time zone")
    func timeZones() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // 2024-05-01 20:00 UTC is May 2nd, 04:00 in Shanghai.
        let instant = Date(timeIntervalSince1970: 1_714_593_600)
        for (zone, day, time) in [(TimeZone(identifier: "UTC")!, "45413", "45413.8333"), (shanghai, "45414", "45414.1666")] {
            let url = folder.file("\(zone.identifier.replacingOccurrences(of: "/", with: "-")).xlsx")
            let writer = try XLSXWriter(url: url, timeZone: zone)
            try writer.beginSheet(named: "S", columns: [ExportColumn("d"), ExportColumn("t")])
            try writer.appendRow([.date(instant), .dateTime(instant)])
            try writer.finish()
            let sheet = try #require(try ZipContents(try readBytes(url)).text("xl/worksheets/sheet1.xml"))
            #expect(sheet.contains("<c r=\"A2\" s=\"2\"><v>\(day)</v></c>"))
            #expect(sheet.contains("<c r=\"B2\" s=\"3\"><v>\(time)"))
        }
    }

    // The bound is on the whole test process's resident size: under the thread sanitizer (shadow memory, every
    // other suite running beside it) that measures the sanitizer, not the export. `swift test` checks it.
    @Test("200,000 rows stream to the file without memory growing with the rows",
          .disabled(if: ProcessInfo.processInfo.environment["COLLAB_SANITIZER"] == "thread",
                    "resident size is not the export's under the thread sanitizer"))
    func streaming() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("big.xlsx")
        let writer = try XLSXWriter(url: url, timeZone: shanghai)
        try writer.beginSheet(named: "Big", columns: [
            ExportColumn("编号"), ExportColumn("标题"), ExportColumn("负责人"), ExportColumn("完成率", format: .percent(places: 0)),
            ExportColumn("截止日期"), ExportColumn("更新时间"), ExportColumn("逾期"), ExportColumn("备注"),
            ExportColumn("说明", width: 40),
        ])
        let remark = String(repeating: "本季度目标已完成，下一步复盘与改进。", count: 12)  // 216 characters, 648 bytes
        let start = shanghaiDate(2024, 1, 1)
        let rows = 200_000
        var residentAtQuarter: Int?
        for index in 0..<rows {
            if index == rows / 4 { residentAtQuarter = residentBytes() }
            try writer.appendRow([
                .integer(index), .text("任务 \(index)：季度总结与复盘"), .text("member-\(index % 97)"),
                .number(Double(index % 101) / 100), .date(start.addingTimeInterval(Double(index) * 600)),
                .dateTime(start.addingTimeInterval(Double(index) * 60)), .bool(index % 7 == 0),
                .text("=HYPERLINK(\"http://evil\") row \(index)"), .text(remark),
            ])
        }
        let residentAtEnd = residentBytes()
        try writer.finish()

        // Over 200 MB of sheet XML went through, about 170 MB of it after the first measure; the writer holds a
        // few hundred KiB at a time. The margin leaves room for other tests running in the same process.
        if let before = residentAtQuarter, let after = residentAtEnd {
            #expect(after - before < 96 * 1024 * 1024, "resident memory grew by \((after - before) >> 20) MiB")
        }
        // The end of the file is a valid directory of the six parts; the sheet entry holds every row.
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size - 22)
        let end = Array(try #require(try handle.read(upToCount: 22)))
        #expect(end[0..<4] == [0x50, 0x4B, 0x05, 0x06])
        #expect(Int(end[10]) | Int(end[11]) << 8 == 6)
        try handle.seek(toOffset: 0)
        let header = Array(try #require(try handle.read(upToCount: 30)))
        func field(_ at: Int) -> Int {
            Int(header[at]) | Int(header[at + 1]) << 8 | Int(header[at + 2]) << 16 | Int(header[at + 3]) << 24
        }
        let compressedSize = field(18), sheetSize = field(22), crc = UInt32(field(14))
        #expect(header[8] == 8 && header[9] == 0)  // DEFLATE
        #expect(sheetSize > 200_000_000)
        #expect(compressedSize * 8 < sheetSize, "\(compressedSize) bytes deflated of \(sheetSize)")
        #expect(size > UInt64(compressedSize))
        // Inflated a chunk at a time: the CRC of every byte, and the sheet's last bytes.
        try handle.seek(toOffset: 30 + 24)  // name "xl/worksheets/sheet1.xml" is 24 bytes
        let compressed = Array(try #require(try handle.read(upToCount: compressedSize)))
        var inflated = 0
        var tail: [UInt8] = []
        var check = CRC32Check()
        try inflateRaw(compressed) { chunk in
            inflated += chunk.count
            check.update(chunk)
            tail.append(contentsOf: chunk)
            if tail.count > 8192 { tail.removeFirst(tail.count - 400) }
        }
        #expect(inflated == sheetSize)
        #expect(check.value == crc)
        let text = String(decoding: tail, as: UTF8.self)
        #expect(text.contains("<autoFilter ref=\"A1:I\(rows + 1)\"/>"))
        #expect(text.hasSuffix("</worksheet>"))
    }
}

// MARK: - CSV

@Suite struct CSVExportTests {
    private func csv(
        _ columns: [ExportColumn], _ rows: [[ExportValue]], options: CSVWriter.Options = .init(),
        timeZone: TimeZone = shanghai
    ) throws -> [UInt8] {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("out.csv")
        let writer = try CSVWriter(url: url, columns: columns, timeZone: timeZone, options: options)
        for row in rows { try writer.appendRow(row) }
        try writer.finish()
        #expect(try folder.contents() == ["out.csv"])
        return try readBytes(url)
    }

    @Test("RFC 4180: CRLF records, quotes around separators, quotes and line breaks, doubled quotes")
    func quoting() throws {
        let bytes = try csv([ExportColumn("标题"), ExportColumn("说明, 备注")], [
            ["plain", "a,b"],
            ["say \"hi\"", "line\nbreak"],
            ["cr\rhere", "中文"],
            [.empty, ""],
        ])
        #expect(String(decoding: bytes, as: UTF8.self) ==
            "标题,\"说明, 备注\"\r\nplain,\"a,b\"\r\n\"say \"\"hi\"\"\",\"line\nbreak\"\r\n\"cr\rhere\",中文\r\n,\r\n")
    }

    @Test("typed values: numbers in full, dates in the writer's time zone, TRUE and FALSE")
    func values() throws {
        let instant = Date(timeIntervalSince1970: 1_714_593_600.75)  // 2024-05-01 20:00:00.75 UTC
        let bytes = try csv(
            [ExportColumn("n"), ExportColumn("i"), ExportColumn("d"), ExportColumn("t"), ExportColumn("b")],
            [
                [3.0, -42, .date(instant), .dateTime(instant), true],
                [0.1, .integer(Int.min), .date(shanghaiDate(1900, 3, 1)), .dateTime(shanghaiDate(9999, 12, 31, 23, 59, 59)), false],
                [.number(1e-7), 0, .empty, .empty, .empty],
                [.number(-0.0), .integer(Int.max), .empty, .empty, .empty],
            ],
            options: .init(includeHeader: false))
        #expect(String(decoding: bytes, as: UTF8.self) ==
            "3,-42,2024-05-02,2024-05-02 04:00:00,TRUE\r\n"
            + "0.1,-9223372036854775808,1900-03-01,9999-12-31 23:59:59,FALSE\r\n"
            + "1e-07,0,,,\r\n"
            + "0,9223372036854775807,,,\r\n")
    }

    @Test("formula-like text gets a leading quote by default; numbers do not; the option turns it off")
    func formulaProtection() throws {
        let rows: [[ExportValue]] = [
            ["=1+2", "+cmd", "-x", "@SUM(A1)", "\ttab", "\rcr", .integer(-5), "safe=1"],
            ["=a,b", "=\"q\"", "", "'", "中", "-", .number(-0.5), "x"],
        ]
        let columns = (0..<8).map { ExportColumn("c\($0)") }
        let protected = try csv(columns, rows, options: .init(includeHeader: false))
        #expect(String(decoding: protected, as: UTF8.self) ==
            "'=1+2,'+cmd,'-x,'@SUM(A1),'\ttab,\"'\rcr\",-5,safe=1\r\n"
            + "\"'=a,b\",\"'=\"\"q\"\"\",,',中,'-,-0.5,x\r\n")
        let raw = try csv(columns, rows, options: .init(protectFormulas: false, includeHeader: false))
        #expect(String(decoding: raw, as: UTF8.self) ==
            "=1+2,+cmd,-x,@SUM(A1),\ttab,\"\rcr\",-5,safe=1\r\n"
            + "\"=a,b\",\"=\"\"q\"\"\",,',中,-,-0.5,x\r\n")
    }

    @Test("a byte order mark for Excel; another separator; a bad separator is refused")
    func options() throws {
        let excel = try csv([ExportColumn("名称"), ExportColumn("x")], [["a;b", 1.5]], options: .excel)
        #expect(Array(excel.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(String(decoding: excel.dropFirst(3), as: UTF8.self) == "名称,x\r\na;b,1.5\r\n")
        let plain = try csv([ExportColumn("名称")], [["a"]])
        #expect(plain.first == UInt8(ascii: "n") || plain.first == 0xE5)  // no BOM
        let semicolon = try csv([ExportColumn("a"), ExportColumn("b")], [["a;b", "c,d"]], options: .init(separator: ";"))
        #expect(String(decoding: semicolon, as: UTF8.self) == "a;b\r\n\"a;b\";c,d\r\n")
        let tabs = try csv([ExportColumn("a"), ExportColumn("b")], [["\tx", "y"]], options: .init(separator: "\t"))
        #expect(String(decoding: tabs, as: UTF8.self) == "a\tb\r\n\"'\tx\"\ty\r\n")

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for separator: Character in ["\"", "\n", "\r\n", "、"] {
            expectCode(.invalidInput) { () throws(CollabError) in
                _ = try CSVWriter(url: folder.file("x.csv"), columns: [ExportColumn("a")], timeZone: shanghai,
                                  options: .init(separator: separator))
            }
        }
        expectCode(.invalidInput) { () throws(CollabError) in
            _ = try CSVWriter(url: folder.file("x.csv"), columns: [], timeZone: shanghai)
        }
        #expect(try folder.contents().isEmpty)
    }

    @Test("bad rows are refused and leave no partial record; cancel leaves no file")
    func badRows() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let url = folder.file("rows.csv")
        let writer = try CSVWriter(url: url, columns: [ExportColumn("a"), ExportColumn("b")], timeZone: shanghai)
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["one"]) }
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["x", .number(.nan)]) }
        expectCode(.invalidInput) { () throws(CollabError) in try writer.appendRow(["x", .date(shanghaiDate(1899, 1, 1))]) }
        try writer.appendRow(["ok", 1])
        try writer.finish()
        #expect(String(decoding: try readBytes(url), as: UTF8.self) == "a,b\r\nok,1\r\n")
        expectCode(.invalidTransition) { () throws(CollabError) in try writer.appendRow(["x", 1]) }

        let cancelled = try CSVWriter(url: folder.file("cancelled.csv"), columns: [ExportColumn("a")], timeZone: shanghai)
        try cancelled.appendRow(["x"])
        cancelled.cancel()
        do {
            let abandoned = try CSVWriter(url: folder.file("abandoned.csv"), columns: [ExportColumn("a")], timeZone: shanghai)
            try abandoned.appendRow(["x"])
        }
        #expect(try folder.contents() == ["rows.csv"])
    }
}
