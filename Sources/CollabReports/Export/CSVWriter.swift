import CollabModel
import Foundation

/// Writes a CSV file (RFC 4180) row by row, straight to a file.
///
/// Records end with CRLF; a field is quoted when it contains the separator, a quote, CR or LF, and its
/// quotes are doubled. The text is UTF-8, optionally after a byte order mark so that Excel reads Chinese
/// text correctly (``Options/excel``). Numbers are written in full (`0.25`, `1e-07`), dates as `yyyy-MM-dd`
/// and date-times as `yyyy-MM-dd HH:mm:ss` (whole seconds) in the writer's time zone, truth values as
/// `TRUE` and `FALSE`.
///
/// **Formula injection.** A spreadsheet opening a CSV file runs a field starting with `=`, `+`, `-` or `@`
/// (and, in some, a tab or carriage return) as a formula. With ``Options/protectFormulas`` (the default)
/// such a *text* field is written with a leading `'`, as OWASP recommends, so it shows as text; numbers
/// such as `-5` are written as they are.
///
/// ```swift
/// let csv = try CSVWriter(url: url, columns: [ExportColumn("标题"), ExportColumn("截止日期")],
///                         timeZone: shanghai, options: .excel)
/// try csv.appendRow([.text("季度总结"), .date(deadline)])
/// try csv.finish()
/// ```
///
/// Rows are streamed through a 256 KiB buffer. The file is written beside `url` under a temporary name
/// and moved there by ``finish()``; on failure, ``cancel()`` or release without finishing, the temporary
/// file is removed and `url` is left as it was.
///
/// A `CSVWriter` is not `Sendable`: it is a synchronous writer owned by one task, which calls it in
/// order. It may be handed to another task between calls.
public final class CSVWriter {
    /// How the file is written.
    public struct Options: Sendable, Hashable {
        /// Starts the file with a UTF-8 byte order mark (EF BB BF), which Excel needs to read UTF-8.
        public var byteOrderMark: Bool
        /// Prefixes `'` to text fields starting with `=`, `+`, `-`, `@`, a tab or a carriage return.
        public var protectFormulas: Bool
        /// The field separator: one ASCII character other than `"`, CR and LF (`,`, `;` or a tab).
        public var separator: Character
        /// Writes the columns' titles as the first record.
        public var includeHeader: Bool

        /// Creates options; the defaults give a plain RFC 4180 file with a header and formula protection.
        public init(
            byteOrderMark: Bool = false, protectFormulas: Bool = true, separator: Character = ",",
            includeHeader: Bool = true
        ) {
            self.byteOrderMark = byteOrderMark
            self.protectFormulas = protectFormulas
            self.separator = separator
            self.includeHeader = includeHeader
        }

        /// For Excel: with a byte order mark, so Excel reads the UTF-8 text (Chinese) correctly.
        public static let excel = Options(byteOrderMark: true)
    }

    /// Where the file ends up.
    public let url: URL
    /// The columns; every row has one value per column.
    public let columns: [ExportColumn]
    /// The time zone in which dates are written.
    public let timeZone: TimeZone
    /// How the file is written.
    public let options: Options

    private enum Phase { case writing, finished, failed }
    private var phase = Phase.writing
    private let sink: FileSink
    private let separator: UInt8
    private var buffer: [UInt8] = []

    static let flushThreshold = 256 * 1024

    /// Starts a CSV file that ``finish()`` will write to `url`, replacing any file there, and writes the
    /// header (unless ``Options/includeHeader`` is off).
    ///
    /// - Throws: `CollabError.Code.invalidInput` for no columns, an unusable separator or a URL that is not
    ///   a file URL; `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when the
    ///   temporary file cannot be created.
    public init(url: URL, columns: [ExportColumn], timeZone: TimeZone, options: Options = Options()) throws(CollabError) {
        var report = ValidationReport()
        if columns.isEmpty { report.add("columns", .empty, "a CSV file needs at least one column") }
        let separator = options.separator.asciiValue ?? 0
        if separator == 0 || separator == UInt8(ascii: "\"") || separator == 0x0D || separator == 0x0A {
            report.add("options.separator", .malformed, "the separator must be one ASCII character other than a quote, CR or LF")
        }
        try report.throwIfInvalid()
        self.url = url
        self.columns = columns
        self.timeZone = timeZone
        self.options = options
        self.separator = separator
        self.sink = try FileSink(destination: url)
        buffer.reserveCapacity(Self.flushThreshold + 64 * 1024)
        if options.byteOrderMark { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
        if options.includeHeader {
            for (index, column) in columns.enumerated() {
                if index > 0 { buffer.append(separator) }
                appendText(column.title)
            }
            buffer.append(contentsOf: [0x0D, 0x0A])
        }
    }

    /// Appends a record.
    ///
    /// - Parameter values: One value per column.
    /// - Throws: `CollabError.Code.invalidInput` when the row has the wrong number of values or holds a
    ///   number that is not finite or a date outside 1900-03-01...9999-12-31 (the row is not written, the
    ///   writer stays usable); `CollabError.Code.invalidTransition` after ``finish()`` or ``cancel()``;
    ///   `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when writing fails.
    public func appendRow(_ values: [ExportValue]) throws(CollabError) {
        try checkWriting()
        guard values.count == columns.count else {
            throw CollabError.invalid([ValidationProblem(field: "values", kind: .malformed,
                message: "the file has \(columns.count) columns, the row has \(values.count) values")])
        }
        let mark = buffer.count
        do {
            try encodeRow(values)
        } catch {
            buffer.removeSubrange(mark...)
            throw error
        }
        if buffer.count >= Self.flushThreshold {
            try guarded { () throws(CollabError) in try flush() }
        }
    }

    /// Writes the remaining rows and moves the file to ``url``.
    ///
    /// - Throws: `CollabError.Code.invalidTransition` when already finished or cancelled;
    ///   `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when writing or moving the
    ///   file fails (the temporary file is removed).
    public func finish() throws(CollabError) {
        try checkWriting()
        try guarded { () throws(CollabError) in
            try flush()
            try sink.commit()
        }
        phase = .finished
    }

    /// Abandons the file: removes the temporary file and leaves ``url`` as it was. Later calls throw.
    public func cancel() {
        guard phase == .writing else { return }
        phase = .failed
        sink.discard()
    }

    // MARK: Writing

    private func checkWriting() throws(CollabError) {
        switch phase {
        case .writing: return
        case .finished: throw CollabError(.invalidTransition, "the CSV file is already finished")
        case .failed: throw CollabError(.invalidTransition, "the CSV file was cancelled or failed earlier")
        }
    }

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
        try sink.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func encodeRow(_ values: [ExportValue]) throws(CollabError) {
        for (index, value) in values.enumerated() {
            if index > 0 { buffer.append(separator) }
            switch value {
            case .text(let text):
                appendText(text)
            case .number(let number):
                try ExportEncoding.checkFinite(number) { "values[\(index)]" }
                ExportEncoding.appendNumber(number, to: &buffer)
            case .integer(let integer):
                ExportEncoding.appendInteger(integer, to: &buffer)
            case .date(let date), .dateTime(let date):
                let days = try ExportEncoding.localDays(date, timeZone) { "values[\(index)]" }
                let withTime = if case .dateTime = value { true } else { false }
                ExportEncoding.appendCivil(days: days, withTime: withTime, to: &buffer)
            case .bool(let flag):
                buffer.append(contentsOf: (flag ? "TRUE" : "FALSE").utf8)
            case .empty:
                break
            }
        }
        buffer.append(contentsOf: [0x0D, 0x0A])
    }

    /// Appends a text field: protected against formulas if asked, quoted when needed.
    private func appendText(_ text: String) {
        let protect = options.protectFormulas && text.utf8.first.map(Self.startsFormula) == true
        var needsQuotes = false
        for byte in text.utf8 where byte == separator || byte == 0x22 || byte == 0x0D || byte == 0x0A {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            if protect { buffer.append(UInt8(ascii: "'")) }
            buffer.append(contentsOf: text.utf8)
            return
        }
        buffer.append(0x22)
        if protect { buffer.append(UInt8(ascii: "'")) }
        for byte in text.utf8 {
            if byte == 0x22 { buffer.append(0x22) }
            buffer.append(byte)
        }
        buffer.append(0x22)
    }

    /// `=`, `+`, `-`, `@`, tab, carriage return.
    private static func startsFormula(_ byte: UInt8) -> Bool {
        byte == 0x3D || byte == 0x2B || byte == 0x2D || byte == 0x40 || byte == 0x09 || byte == 0x0D
    }
}

/// A writer belongs to one task at a time; it holds an open file and mutable state without locks.
@available(*, unavailable)
extension CSVWriter: Sendable {}
