import CollabModel
import Foundation

/// Writes an Excel workbook (`.xlsx`, Office Open XML SpreadsheetML) row by row, straight to a file.
///
/// Each sheet has a bold header row that stays in place when scrolling (a frozen pane), an autofilter over
/// the header and the data, and column widths given by the caller or estimated from the header and the
/// first 100 rows: as wide as the data, at most 50 characters; text wider than that wraps within its
/// column, and so does a header wider than its column. Each sheet prints landscape on A4, scaled to one
/// page wide (as many pages long as it takes), with the header row repeated on every page. Numbers are number cells, dates are date cells (Excel serial numbers in the 1900 date
/// system shown with a `yyyy-mm-dd` or `yyyy-mm-dd hh:mm:ss` format), and text is always a text cell —
/// never a formula, even when it starts with `=`, `+`, `-` or `@`.
///
/// ```swift
/// let writer = try XLSXWriter(url: folder.appending(path: "任务.xlsx"), timeZone: shanghai)
/// try writer.beginSheet(named: "任务", columns: [
///     ExportColumn("标题"), ExportColumn("截止日期"), ExportColumn("完成率", format: .percent(places: 1)),
/// ])
/// for item in items {
///     try writer.appendRow([.text(item.title), .date(item.deadline), .number(item.rate)])
/// }
/// try writer.finish()
/// ```
///
/// Rows are streamed: only the row being written, a 256 KiB output buffer, the compressor's state (about
/// 330 KiB) and, until a sheet's column widths are known, its first 100 rows are held in memory, so a sheet
/// of a million rows takes no more memory than one of a hundred. The workbook is written to a temporary
/// file beside `url` and moved there by ``finish()``; if writing fails, or the writer is cancelled or
/// released unfinished, the temporary file is removed and `url` is left as it was.
///
/// The file is a ZIP archive of DEFLATE-compressed entries (the system's zlib, at its fastest level)
/// without ZIP64, so each sheet's XML and the whole file must stay under 4 GiB; the writer throws before
/// passing that limit. A workbook is usually 4 to 8 times smaller than its XML. The same calls with the
/// same values give a byte-identical file with the same zlib: ZIP timestamps are fixed at 1980-01-01 and no
/// creation dates are written.
///
/// An `XLSXWriter` is not `Sendable`: it is a synchronous writer owned by one task, which calls it in
/// order. It may be handed to another task between calls.
public final class XLSXWriter {
    /// Where the workbook ends up.
    public let url: URL
    /// The time zone in which ``ExportValue/date(_:)`` and ``ExportValue/dateTime(_:)`` values are turned
    /// into calendar dates and wall-clock times.
    public let timeZone: TimeZone
    /// The sheets begun so far, in order.
    public private(set) var sheetNames: [String] = []

    private enum Phase { case writing, finished, failed }

    /// One sheet being written.
    private final class OpenSheet {
        let index: Int
        let name: String
        let columns: [ExportColumn]
        /// `A`, `B`, ... as bytes.
        let letters: [[UInt8]]
        /// ` s="N"` for the column's numbers, or nothing for the General format.
        let numberStyles: [[UInt8]]
        /// Whether the column's text wraps (set when its widths are known).
        var wraps: [Bool]
        /// ` s="N"` for wrapped text, once a column wraps.
        var wrappedStyle: [UInt8] = []
        /// The number of the last row written (1: the header only).
        var lastRow = 1
        /// The first rows, held until the column widths are known; `nil` once the sheet data has begun.
        var pending: [[ExportValue]]?

        init(index: Int, name: String, columns: [ExportColumn], numberStyles: [[UInt8]]) {
            self.index = index
            self.name = name
            self.columns = columns
            self.letters = columns.indices.map { Array(ExportEncoding.columnLetters($0 + 1).utf8) }
            self.numberStyles = numberStyles
            self.wraps = Array(repeating: false, count: columns.count)
        }
    }

    private var phase = Phase.writing
    private let sink: FileSink
    private let zip: ZipArchiveWriter
    private var styles = StyleTable()
    private var sheet: OpenSheet?
    /// The last column (`L`) and row of each finished sheet, the corner of its autofilter range.
    private var filterCorners: [(column: String, row: Int)] = []
    private var buffer: [UInt8] = []

    static let flushThreshold = 256 * 1024
    static let sampleRowCount = 100
    /// Excel's limits of rows and columns per sheet.
    static let maxRows = 1_048_576
    static let maxColumns = 16_384

    /// Starts a workbook that ``finish()`` will write to `url`, replacing any file there.
    ///
    /// - Parameters:
    ///   - url: A file URL; its folder must exist and be writable.
    ///   - timeZone: The time zone in which dates become calendar days and wall-clock times, usually the
    ///     organization's.
    /// - Throws: `CollabError.Code.invalidInput` when `url` is not a file URL; `CollabError.Code.storageFull`
    ///   or `CollabError.Code.storageFailure` when the temporary file cannot be created.
    public convenience init(url: URL, timeZone: TimeZone) throws(CollabError) {
        try self.init(url: url, timeZone: timeZone, sizeLimit: UInt64(UInt32.max))
    }

    /// As the public initializer, with a lower ZIP size limit for tests.
    init(url: URL, timeZone: TimeZone, sizeLimit: UInt64) throws(CollabError) {
        self.url = url
        self.timeZone = timeZone
        self.sink = try FileSink(destination: url)
        self.zip = ZipArchiveWriter(sink: sink, sizeLimit: sizeLimit)
        buffer.reserveCapacity(Self.flushThreshold + 64 * 1024)
    }

    /// Ends the current sheet, if any, and begins a new one with a header row of `columns`' titles.
    ///
    /// - Parameters:
    ///   - name: The sheet's tab name: 1 to 31 characters, none of `[ ] : * ? / \`, not starting or ending
    ///     with `'`, not `History`, and different from the other sheets' names ignoring case.
    ///   - columns: 1 to 16,384 columns; every row of the sheet has one value per column.
    /// - Throws: `CollabError.Code.invalidInput` listing every problem with the name and the columns (the
    ///   writer stays usable); `CollabError.Code.invalidTransition` after ``finish()`` or ``cancel()``;
    ///   `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when writing fails.
    public func beginSheet(named name: String, columns: [ExportColumn]) throws(CollabError) {
        try checkWriting()
        var report = ValidationReport()
        SheetName.check(name, existing: sheetNames, into: &report)
        Self.check(columns, into: &report)
        try report.throwIfInvalid()

        try guarded { () throws(CollabError) in
            try closeSheet()
            let index = sheetNames.count + 1
            let numberStyles = columns.map { column -> [UInt8] in
                let style = styles.numberStyle(for: column.format)
                return style == 0 ? [] : Array(" s=\"\(style)\"".utf8)
            }
            let sheet = OpenSheet(index: index, name: name, columns: columns, numberStyles: numberStyles)
            sheetNames.append(name)
            self.sheet = sheet
            try zip.beginEntry("xl/worksheets/sheet\(index).xml")
            if columns.allSatisfy({ $0.width != nil }) {
                try startSheetData(sheet)
            } else {
                sheet.pending = []
            }
        }
    }

    /// Appends a row to the current sheet.
    ///
    /// - Parameter values: One value per column of the sheet.
    /// - Throws: `CollabError.Code.invalidInput` when the row has the wrong number of values, holds a
    ///   number that is not finite or a date outside 1900-03-01...9999-12-31, or the sheet already has
    ///   Excel's 1,048,576 rows — the row is not written and the writer stays usable — or when the file
    ///   would pass 4 GiB (fatal); `CollabError.Code.invalidTransition` before ``beginSheet(named:columns:)``
    ///   or after ``finish()``; `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when
    ///   writing fails.
    public func appendRow(_ values: [ExportValue]) throws(CollabError) {
        try checkWriting()
        guard let sheet else {
            throw CollabError(.invalidTransition, "begin a sheet before appending rows")
        }
        guard values.count == sheet.columns.count else {
            throw CollabError.invalid([ValidationProblem(field: "values", kind: .malformed,
                message: "sheet '\(sheet.name)' has \(sheet.columns.count) columns, the row has \(values.count) values")])
        }
        guard sheet.lastRow < Self.maxRows else {
            throw CollabError.invalid([ValidationProblem(field: "values", kind: .tooLong,
                message: "sheet '\(sheet.name)' already has Excel's \(Self.maxRows) rows")])
        }
        let rowNumber = sheet.lastRow + 1
        if var pending = sheet.pending {
            var scratch: [UInt8] = []
            try encodeRow(values, number: rowNumber, of: sheet, into: &scratch)  // validates the row
            sheet.pending = nil  // so that the append below does not copy the held rows
            pending.append(values)
            sheet.pending = pending
            sheet.lastRow = rowNumber
            if pending.count >= Self.sampleRowCount {
                try guarded { () throws(CollabError) in try startSheetData(sheet) }
            }
            return
        }
        let mark = buffer.count
        do {
            try encodeRow(values, number: rowNumber, of: sheet, into: &buffer)
        } catch {
            buffer.removeSubrange(mark...)
            throw error
        }
        sheet.lastRow = rowNumber
        if buffer.count >= Self.flushThreshold {
            try guarded { () throws(CollabError) in try flush() }
        }
    }

    /// Ends the current sheet, writes the workbook's remaining parts and moves the file to ``url``.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when no sheet was begun (the writer stays usable);
    ///   `CollabError.Code.invalidTransition` when already finished or cancelled;
    ///   `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when writing or moving the
    ///   file fails (the temporary file is removed).
    public func finish() throws(CollabError) {
        try checkWriting()
        guard !sheetNames.isEmpty else {
            throw CollabError.invalid([ValidationProblem(field: "sheets", kind: .missing,
                message: "a workbook needs at least one sheet")])
        }
        try guarded { () throws(CollabError) in
            try closeSheet()
            try zip.addEntry("[Content_Types].xml", contentTypes())
            try zip.addEntry("_rels/.rels", Array(Self.packageRelationships.utf8))
            try zip.addEntry("xl/workbook.xml", workbook())
            try zip.addEntry("xl/_rels/workbook.xml.rels", workbookRelationships())
            try zip.addEntry("xl/styles.xml", styles.xml())
            try zip.finish()
        }
        phase = .finished
    }

    /// Abandons the workbook: removes the temporary file and leaves ``url`` as it was. Later calls throw.
    public func cancel() {
        guard phase == .writing else { return }
        phase = .failed
        sink.discard()
    }

    // MARK: Writing

    private func checkWriting() throws(CollabError) {
        switch phase {
        case .writing: return
        case .finished: throw CollabError(.invalidTransition, "the workbook is already finished")
        case .failed: throw CollabError(.invalidTransition, "the workbook was cancelled or failed earlier")
        }
    }

    /// Runs `body`; if it throws, the workbook is abandoned (its output is no longer consistent).
    private func guarded(_ body: () throws(CollabError) -> Void) throws(CollabError) {
        do {
            try body()
        } catch {
            phase = .failed
            sink.discard()
            throw error
        }
    }

    private func flush() throws(CollabError) {
        guard !buffer.isEmpty else { return }
        try zip.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the sheet's opening XML, its column widths, the header row and the held rows.
    private func startSheetData(_ sheet: OpenSheet) throws(CollabError) {
        let pending = sheet.pending ?? []
        sheet.pending = nil
        buffer.append(contentsOf: Self.xmlDeclaration.utf8)
        buffer.append(contentsOf: "<worksheet xmlns=\"\(Self.mainNamespace)\" xmlns:r=\"\(Self.relationshipNamespace)\">".utf8)
        // Printing scales the sheet to the page's width (pageSetup's fitToWidth, written after the data).
        buffer.append(contentsOf: "<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>".utf8)
        buffer.append(contentsOf: "<sheetViews><sheetView workbookViewId=\"0\"".utf8)
        if sheet.index == 1 { buffer.append(contentsOf: " tabSelected=\"1\"".utf8) }
        buffer.append(contentsOf: "><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>".utf8)
        buffer.append(contentsOf: "<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>".utf8)
        buffer.append(contentsOf: "<sheetFormatPr defaultRowHeight=\"15\"/><cols>".utf8)
        for (index, column) in sheet.columns.enumerated() {
            var width: Double
            if let given = column.width {
                width = given
            } else {
                let natural = Self.naturalWidth(of: column, index: index, rows: pending)
                width = min(max(natural.rounded(), 6), Self.maxEstimatedWidth)
                // Text wider than the widest column wraps rather than running into the next cell.
                sheet.wraps[index] = natural > Self.maxEstimatedWidth
                if sheet.wraps[index], sheet.wrappedStyle.isEmpty {
                    sheet.wrappedStyle = Array(" s=\"\(styles.wrappedTextStyle())\"".utf8)
                }
            }
            buffer.append(contentsOf: "<col min=\"\(index + 1)\" max=\"\(index + 1)\" width=\"".utf8)
            ExportEncoding.appendNumber((width * 100).rounded() / 100, to: &buffer)
            buffer.append(contentsOf: "\" customWidth=\"1\"/>".utf8)
        }
        buffer.append(contentsOf: "</cols><sheetData><row r=\"1\">".utf8)
        for (index, column) in sheet.columns.enumerated() {
            buffer.append(contentsOf: "<c r=\"".utf8)
            buffer.append(contentsOf: sheet.letters[index])
            buffer.append(contentsOf: "1\" s=\"\(StyleTable.header)\" t=\"inlineStr\"><is>".utf8)
            appendTextElement(column.title, to: &buffer)
            buffer.append(contentsOf: "</is></c>".utf8)
        }
        buffer.append(contentsOf: "</row>".utf8)
        for (offset, row) in pending.enumerated() {
            // Validated when appended.
            try encodeRow(row, number: offset + 2, of: sheet, into: &buffer)
        }
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Ends the open sheet's XML and its ZIP entry.
    private func closeSheet() throws(CollabError) {
        guard let sheet else { return }
        if sheet.pending != nil { try startSheetData(sheet) }
        let lastColumn = ExportEncoding.columnLetters(sheet.columns.count)
        buffer.append(contentsOf: "</sheetData><autoFilter ref=\"A1:\(lastColumn)\(sheet.lastRow)\"/>".utf8)
        buffer.append(contentsOf:
            "<pageMargins left=\"0.5\" right=\"0.5\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/>".utf8)
        // Landscape A4 (paperSize 9), one page wide, as many pages long as needed.
        buffer.append(contentsOf:
            "<pageSetup paperSize=\"9\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/></worksheet>".utf8)
        try flush()
        try zip.endEntry()
        filterCorners.append((lastColumn, sheet.lastRow))
        self.sheet = nil
    }

    /// Appends `<t>text</t>`, keeping leading and trailing white space.
    private func appendTextElement(_ text: String, to out: inout [UInt8]) {
        let text = ExportEncoding.truncatedForCell(text)
        out.append(contentsOf: ExportEncoding.needsSpacePreserve(text) ? "<t xml:space=\"preserve\">".utf8 : "<t>".utf8)
        ExportEncoding.appendXMLText(text, to: &out)
        out.append(contentsOf: "</t>".utf8)
    }

    /// Appends one `<row>`; throws (having appended part of it) for a value that cannot be written.
    private func encodeRow(_ values: [ExportValue], number: Int, of sheet: OpenSheet, into out: inout [UInt8])
        throws(CollabError)
    {
        var rowDigits: [UInt8] = []
        ExportEncoding.appendInteger(number, to: &rowDigits)
        out.append(contentsOf: "<row r=\"".utf8)
        out.append(contentsOf: rowDigits)
        out.append(contentsOf: "\">".utf8)
        for (index, value) in values.enumerated() {
            if case .empty = value { continue }
            out.append(contentsOf: "<c r=\"".utf8)
            out.append(contentsOf: sheet.letters[index])
            out.append(contentsOf: rowDigits)
            out.append(UInt8(ascii: "\""))
            switch value {
            case .text(let text):
                if sheet.wraps[index] { out.append(contentsOf: sheet.wrappedStyle) }
                out.append(contentsOf: " t=\"inlineStr\"><is>".utf8)
                appendTextElement(text, to: &out)
                out.append(contentsOf: "</is></c>".utf8)
            case .number(let number):
                try ExportEncoding.checkFinite(number) { "values[\(index)]" }
                out.append(contentsOf: sheet.numberStyles[index])
                out.append(contentsOf: "><v>".utf8)
                ExportEncoding.appendNumber(number, to: &out)
                out.append(contentsOf: "</v></c>".utf8)
            case .integer(let integer):
                out.append(contentsOf: sheet.numberStyles[index])
                out.append(contentsOf: "><v>".utf8)
                ExportEncoding.appendInteger(integer, to: &out)
                out.append(contentsOf: "</v></c>".utf8)
            case .date(let date), .dateTime(let date):
                let dateOnly = if case .date = value { true } else { false }
                let serial = try ExportEncoding.excelSerial(date, timeZone, dateOnly: dateOnly) { "values[\(index)]" }
                out.append(contentsOf: (dateOnly ? " s=\"2\"><v>" : " s=\"3\"><v>").utf8)
                ExportEncoding.appendNumber(serial, to: &out)
                out.append(contentsOf: "</v></c>".utf8)
            case .bool(let flag):
                out.append(contentsOf: (flag ? " t=\"b\"><v>1</v></c>" : " t=\"b\"><v>0</v></c>").utf8)
            case .empty:
                break
            }
        }
        out.append(contentsOf: "</row>".utf8)
    }

    // MARK: Validation and widths

    private static func check(_ columns: [ExportColumn], into report: inout ValidationReport) {
        if columns.isEmpty {
            report.add("columns", .empty, "a sheet needs at least one column")
        } else if columns.count > maxColumns {
            report.add("columns", .tooLong, "a sheet has at most \(maxColumns) columns, not \(columns.count)")
        }
        for (index, column) in columns.enumerated() {
            if let width = column.width, !(width > 0 && width <= 255) {
                report.add("columns[\(index)].width", .outOfRange, "a column width lies in 0 < width ≤ 255, not \(width)")
            }
            switch column.format {
            case .general: break
            case .decimal(let places), .percent(let places):
                if !(0...10).contains(places) {
                    report.add("columns[\(index)].format", .outOfRange, "decimal places lie in 0...10, not \(places)")
                }
            }
        }
    }

    /// The widest a column is made from its data (in characters of the default font); wider text wraps.
    static let maxEstimatedWidth = 50.0
    /// The widest a header makes its column; a longer header wraps onto more lines.
    static let maxHeaderWidth = 24.0

    /// The width the header and the held rows ask for, before the 6...50 bounds: the widest value plus
    /// padding, the header counting up to ``maxHeaderWidth``.
    private static func naturalWidth(of column: ExportColumn, index: Int, rows: [[ExportValue]]) -> Double {
        // The header is bold and carries the autofilter button; a long one wraps.
        var widest = min(Double(ExportEncoding.displayWidth(column.title)) * 1.1, maxHeaderWidth) + 3
        var scratch: [UInt8] = []
        for row in rows {
            let width: Int
            switch row[index] {
            case .text(let text): width = ExportEncoding.displayWidth(text)
            case .number(let number):
                scratch.removeAll(keepingCapacity: true)
                ExportEncoding.appendNumber(number, to: &scratch)
                width = min(scratch.count, 12)
            case .integer(let integer):
                scratch.removeAll(keepingCapacity: true)
                ExportEncoding.appendInteger(integer, to: &scratch)
                width = scratch.count
            case .date: width = 10
            case .dateTime: width = 19
            case .bool: width = 5
            case .empty: width = 0
            }
            widest = max(widest, Double(width) + extraWidth(column.format))
        }
        return widest + 2
    }

    private static func extraWidth(_ format: ExportColumn.NumberFormat) -> Double {
        switch format {
        case .general: 0
        case .decimal(let places): Double(places + 1)
        case .percent(let places): Double(places + 2)
        }
    }

    // MARK: Package parts

    static let xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    private static let packageRelationshipNamespace = "http://schemas.openxmlformats.org/package/2006/relationships"

    private static let packageRelationships = xmlDeclaration
        + "<Relationships xmlns=\"\(packageRelationshipNamespace)\">"
        + "<Relationship Id=\"rId1\" Type=\"\(relationshipNamespace)/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "</Relationships>"

    private func contentTypes() -> [UInt8] {
        var xml = Self.xmlDeclaration
            + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        for index in sheetNames.indices {
            xml += "<Override PartName=\"/xl/worksheets/sheet\(index + 1).xml\" "
                + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        xml += "<Override PartName=\"/xl/styles.xml\" "
            + "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/></Types>"
        return Array(xml.utf8)
    }

    private func workbook() -> [UInt8] {
        var xml = Self.xmlDeclaration
            + "<workbook xmlns=\"\(Self.mainNamespace)\" xmlns:r=\"\(Self.relationshipNamespace)\">"
            + "<bookViews><workbookView activeTab=\"0\"/></bookViews><sheets>"
        for (index, name) in sheetNames.enumerated() {
            xml += "<sheet name=\"\(ExportEncoding.xmlAttribute(name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        xml += "</sheets><definedNames>"
        for (index, name) in sheetNames.enumerated() {
            // 'Sheet name'!$A$1:$L$100, the range Excel's filter uses.
            let quoted = "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
            let corner = filterCorners[index]
            var text: [UInt8] = []
            ExportEncoding.appendXMLText("\(quoted)!$A$1:$\(corner.column)$\(corner.row)", to: &text)
            xml += "<definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"\(index)\" hidden=\"1\">"
                + String(decoding: text, as: UTF8.self) + "</definedName>"
            // The header row is printed at the top of every page.
            var titles: [UInt8] = []
            ExportEncoding.appendXMLText("\(quoted)!$1:$1", to: &titles)
            xml += "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(index)\">"
                + String(decoding: titles, as: UTF8.self) + "</definedName>"
        }
        xml += "</definedNames></workbook>"
        return Array(xml.utf8)
    }

    private func workbookRelationships() -> [UInt8] {
        var xml = Self.xmlDeclaration + "<Relationships xmlns=\"\(Self.packageRelationshipNamespace)\">"
        for index in sheetNames.indices {
            xml += "<Relationship Id=\"rId\(index + 1)\" Type=\"\(Self.relationshipNamespace)/worksheet\" "
                + "Target=\"worksheets/sheet\(index + 1).xml\"/>"
        }
        xml += "<Relationship Id=\"rId\(sheetNames.count + 1)\" Type=\"\(Self.relationshipNamespace)/styles\" "
            + "Target=\"styles.xml\"/></Relationships>"
        return Array(xml.utf8)
    }
}

/// A writer belongs to one task at a time; it holds an open file and mutable state without locks.
@available(*, unavailable)
extension XLSXWriter: Sendable {}

/// The cell formats of a workbook: fixed ones for the header and dates, and one per number format used.
struct StyleTable {
    /// The bold header, wrapped when wider than its column.
    static let header = 1
    /// `yyyy-mm-dd`.
    static let date = 2
    /// `yyyy-mm-dd hh:mm:ss`.
    static let dateTime = 3

    /// Custom number formats (id, format code).
    private var formats: [(id: Int, code: String)] = [(164, "yyyy-mm-dd"), (165, "yyyy-mm-dd hh:mm:ss")]
    /// Cell formats (number format id, bold, wrapped), indexed by style id.
    private var cellFormats: [(format: Int, bold: Bool, wraps: Bool)] = [
        (0, false, false), (0, true, true), (164, false, false), (165, false, false),
    ]

    /// The style id of text wrapped within its column, from the cell's top (added when first needed).
    mutating func wrappedTextStyle() -> Int {
        if let style = cellFormats.firstIndex(where: { $0.format == 0 && !$0.bold && $0.wraps }) { return style }
        cellFormats.append((0, false, true))
        return cellFormats.count - 1
    }

    /// The style id showing numbers in `format`; 0 for General.
    mutating func numberStyle(for format: ExportColumn.NumberFormat) -> Int {
        let code: String
        switch format {
        case .general: return 0
        case .decimal(let places): code = places == 0 ? "0" : "0." + String(repeating: "0", count: places)
        case .percent(let places): code = (places == 0 ? "0" : "0." + String(repeating: "0", count: places)) + "%"
        }
        let formatID: Int
        if let existing = formats.first(where: { $0.code == code }) {
            formatID = existing.id
        } else {
            formatID = 164 + formats.count
            formats.append((formatID, code))
        }
        if let style = cellFormats.firstIndex(where: { $0.format == formatID && !$0.bold && !$0.wraps }) { return style }
        cellFormats.append((formatID, false, false))
        return cellFormats.count - 1
    }

    func xml() -> [UInt8] {
        var xml = XLSXWriter.xmlDeclaration + "<styleSheet xmlns=\"\(XLSXWriter.mainNamespace)\">"
        xml += "<numFmts count=\"\(formats.count)\">"
        for format in formats {
            xml += "<numFmt numFmtId=\"\(format.id)\" formatCode=\"\(ExportEncoding.xmlAttribute(format.code))\"/>"
        }
        xml += "</numFmts>"
        xml += "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
            + "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
            + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
            + "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
            + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        xml += "<cellXfs count=\"\(cellFormats.count)\">"
        for format in cellFormats {
            xml += "<xf numFmtId=\"\(format.format)\" fontId=\"\(format.bold ? 1 : 0)\" fillId=\"0\" borderId=\"0\" xfId=\"0\""
            if format.format != 0 { xml += " applyNumberFormat=\"1\"" }
            if format.bold { xml += " applyFont=\"1\"" }
            if format.wraps {
                xml += " applyAlignment=\"1\"><alignment vertical=\"top\" wrapText=\"1\"/></xf>"
            } else {
                xml += "/>"
            }
        }
        xml += "</cellXfs><cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
            + "<dxfs count=\"0\"/><tableStyles count=\"0\"/></styleSheet>"
        return Array(xml.utf8)
    }
}

/// The rules Excel sets for sheet names.
enum SheetName {
    static let maxLength = 31
    static let forbidden: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]

    /// Records every problem of `name` (field `name`).
    static func check(_ name: String, existing: [String], into report: inout ValidationReport) {
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            report.add("name", .empty, "a sheet name must not be empty")
        }
        if name.utf16.count > maxLength {
            report.add("name", .tooLong, "a sheet name has at most \(maxLength) characters, not \(name.utf16.count)")
        }
        let bad = name.filter { forbidden.contains($0) }
        if !bad.isEmpty {
            report.add("name", .malformed, "a sheet name must not contain any of [ ] : * ? / \\")
        }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0xFFFE || $0.value == 0xFFFF }) {
            report.add("name", .malformed, "a sheet name must not contain control characters")
        }
        if name.hasPrefix("'") || name.hasSuffix("'") {
            report.add("name", .malformed, "a sheet name must not start or end with an apostrophe")
        }
        if name.lowercased() == "history" {
            report.add("name", .malformed, "'History' is reserved by Excel")
        }
        if existing.contains(where: { $0.lowercased() == name.lowercased() }) {
            report.add("name", .duplicate, "the workbook already has a sheet named '\(name)' (names ignore case)")
        }
    }
}
