import Foundation

/// One cell of an exported table: a typed value that ``XLSXWriter`` writes as a typed cell and
/// ``CSVWriter`` as a field.
///
/// Dates are instants; the writer turns them into a calendar date (or date and time) in the time zone it
/// was created with. Text is always text: neither writer ever turns it into a number or a formula.
///
/// The literal conformances let a row be written as `["张三", 3, 0.75, true]`.
public enum ExportValue: Sendable, Hashable {
    /// Text. In an `.xlsx` a text cell (never a formula, even when it starts with `=`); characters that
    /// XML 1.0 forbids (most control characters, U+FFFE, U+FFFF) are left out, and text longer than
    /// Excel's 32,767 characters per cell is cut there.
    case text(String)
    /// A number, which must be finite. Shown with the column's ``ExportColumn/NumberFormat``.
    case number(Double)
    /// A whole number. Spreadsheets hold numbers as doubles: beyond ±2⁵³ Excel shows it rounded.
    case integer(Int)
    /// The calendar day of an instant in the writer's time zone, shown as `yyyy-mm-dd`.
    case date(Date)
    /// The date and time of an instant in the writer's time zone, shown as `yyyy-mm-dd hh:mm:ss`.
    case dateTime(Date)
    /// A truth value: a Boolean cell, `TRUE` or `FALSE` in CSV.
    case bool(Bool)
    /// No value: no cell in an `.xlsx`, an empty field in CSV.
    case empty
}

extension ExportValue: ExpressibleByStringLiteral {
    /// A ``text(_:)`` value.
    public init(stringLiteral value: String) { self = .text(value) }
}

extension ExportValue: ExpressibleByIntegerLiteral {
    /// An ``integer(_:)`` value.
    public init(integerLiteral value: Int) { self = .integer(value) }
}

extension ExportValue: ExpressibleByFloatLiteral {
    /// A ``number(_:)`` value.
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension ExportValue: ExpressibleByBooleanLiteral {
    /// A ``bool(_:)`` value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A column of an exported table: its header, its width in a spreadsheet, and how its numbers are shown.
public struct ExportColumn: Sendable, Hashable {
    /// How the numbers of a column are shown in an `.xlsx`. CSV always writes the plain value.
    public enum NumberFormat: Sendable, Hashable {
        /// Excel's "General": as many digits as needed.
        case general
        /// A fixed number of decimal places (0...10), e.g. `0.00`.
        case decimal(places: Int)
        /// A percentage with a fixed number of decimal places (0...10): `0.25` shows as `25.0%`.
        case percent(places: Int)
    }

    /// The header of the column.
    public var title: String
    /// The width in characters of the default font (0 < width ≤ 255); `nil` estimates it from the header
    /// and the first 100 rows. Ignored by CSV.
    public var width: Double?
    /// How the column's ``ExportValue/number(_:)`` and ``ExportValue/integer(_:)`` values are shown.
    /// Dates keep their date format.
    public var format: NumberFormat

    /// Creates a column titled `title`.
    public init(_ title: String, width: Double? = nil, format: NumberFormat = .general) {
        self.title = title
        self.width = width
        self.format = format
    }
}
