import Foundation

/// A day on the calendar, without a time or a zone (`2026-11-30`).
public struct CalendarDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The year (1...9999).
    public var year: Int
    /// The month (1...12).
    public var month: Int
    /// The day of the month (1...31).
    public var day: Int

    /// Creates a date; use ``isValid`` or ``init(iso:)`` to check it.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; `nil` when malformed or not a real day.
    public init?(iso text: String) {
        // Byte by byte: lists decode one of these per item, and splitting strings cost a quarter of it.
        var text = text
        guard let date = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = date
    }

    /// `YYYY-MM-DD` from its bytes, if it is a real day.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> CalendarDate? {
        guard bytes.count == 10 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for offset in from..<(from + count) {
                let byte = bytes[offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2)
        else { return nil }
        let date = CalendarDate(year: year, month: month, day: day)
        return date.isValid ? date : nil
    }

    /// Whether the date names a real day of the Gregorian calendar.
    public var isValid: Bool {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return false }
        let lengths = [31, isLeapYear ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    private var isLeapYear: Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    /// `YYYY-MM-DD`.
    public var description: String {
        let y = String(year), m = String(month), d = String(day)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-"
            + (m.count < 2 ? "0" + m : m) + "-" + (d.count < 2 ? "0" + d : d)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The instant at which this day starts in `timeZone` (midnight, or the first instant after a
    /// DST gap that swallows midnight).
    public func startOfDay(in timeZone: TimeZone) -> Date? {
        guard isValid else { return nil }
        if isBeforeGregorianReform {
            // Foundation would read the day as a Julian date. Zones then kept local mean time, an offset
            // without daylight saving, so midnight is the day's wall time less that offset.
            let wall = TimeInterval(dayNumber * 86_400)
            let offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: wall))
            return Date(timeIntervalSince1970: wall - TimeInterval(offset))
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)) else {
            return nil
        }
        return calendar.startOfDay(for: noon)
    }

    /// The calendar date of `instant` in `timeZone`, by the proleptic Gregorian calendar (as ``dayNumber``
    /// counts; Foundation's Gregorian calendar is Julian before 1582-10-15).
    public init(_ instant: Date, in timeZone: TimeZone) {
        let local = instant.timeIntervalSince1970 + TimeInterval(timeZone.secondsFromGMT(for: instant))
        let days = (local / 86_400).rounded(.down)
        // Far outside the years 1...9999 the date is invalid, but computing it must not overflow.
        self.init(dayNumber: days.isNaN ? 0 : Int(min(max(days, -4_000_000), 4_000_000)))
    }

    /// Whether Foundation's Gregorian calendar reads this date as a Julian one (before 1582-10-15), so
    /// that its components name another day than ``dayNumber``.
    package var isBeforeGregorianReform: Bool { (year, month, day) < (1582, 10, 15) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(iso: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text.clipped())' is not a YYYY-MM-DD date"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// When a work item is due.
///
/// A date-only deadline (``endOfDay(_:)``) ends at the end of that day in the organization's time zone:
/// an item due `2026-11-30` in `Asia/Shanghai` is overdue from `2026-12-01T00:00+08:00` on. An exact
/// instant (``instant(_:)``) is also accepted.
public enum Deadline: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Due by the end of this day, in the organization's time zone.
    case endOfDay(CalendarDate)
    /// Due at this instant.
    case instant(Date)

    /// The first instant at which the item is late, in `timeZone` for a date-only deadline.
    public func dueInstant(in timeZone: TimeZone) -> Date? {
        switch self {
        case .instant(let date):
            return date
        case .endOfDay(let date):
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            guard let start = date.startOfDay(in: timeZone),
                let noon = calendar.date(byAdding: .hour, value: 36, to: start)
            else { return nil }
            return calendar.startOfDay(for: noon)
        }
    }

    public var description: String {
        switch self {
        case .endOfDay(let date): return "end of \(date)"
        case .instant(let date): return date.formatted(.iso8601)
        }
    }
}

/// How urgent a work item is.
public enum Priority: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
    case high
    case medium
    case low

    private var rank: Int {
        switch self {
        case .high: 0
        case .medium: 1
        case .low: 2
        }
    }

    /// High sorts first.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
