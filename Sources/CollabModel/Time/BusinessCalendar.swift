import Foundation

/// When an organization (or a department) works: working weekdays, working hours, holidays and make-up
/// working days, in one time zone.
///
/// Durations such as "escalate after 8 working hours" are counted in working time with
/// ``addingWorkingTime(_:to:excluding:)`` and ``workingTime(from:to:excluding:)``. Working hours are local
/// times in ``timeZoneIdentifier``, so a 09:00–18:00 day is nine hours on DST days too.
///
/// ```swift
/// var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
/// calendar.holidays = [CalendarDate(year: 2026, month: 10, day: 1)]
/// calendar.extraWorkingDays = [CalendarDate(year: 2026, month: 9, day: 27)]   // 调休: a working Sunday
/// let escalateAt = calendar.addingWorkingTime(.seconds(8 * 3600), to: dueAt)
/// ```
public struct BusinessCalendar: Hashable, Sendable, Codable {
    /// A span of working time within a day, in minutes from local midnight (`9 * 60 ..< 12 * 60`).
    public struct Period: Hashable, Sendable, Codable {
        /// The first working minute.
        public var start: Int
        /// The minute work stops (exclusive); 1440 is midnight at the end of the day.
        public var end: Int

        /// Creates a period from `start` to `end` minutes after local midnight.
        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }

        /// Creates a period from hours and minutes: `Period(9, 0, to: 12, 0)`.
        public init(_ startHour: Int, _ startMinute: Int = 0, to endHour: Int, _ endMinute: Int = 0) {
            self.init(start: startHour * 60 + startMinute, end: endHour * 60 + endMinute)
        }
    }

    /// The IANA time zone in which working hours and dates are read.
    public var timeZoneIdentifier: String
    /// The weekdays that are working days (unless a holiday).
    public var workingDays: Set<Weekday>
    /// The working hours of a working day, sorted and not overlapping.
    public var periods: [Period]
    /// Days off, even on a working weekday.
    public var holidays: Set<CalendarDate>
    /// Working days even on a day off (the Chinese 调休 make-up days).
    public var extraWorkingDays: Set<CalendarDate>

    /// Creates a calendar.
    public init(
        timeZoneIdentifier: String, workingDays: Set<Weekday>, periods: [Period], holidays: Set<CalendarDate> = [],
        extraWorkingDays: Set<CalendarDate> = []
    ) {
        self.timeZoneIdentifier = timeZoneIdentifier
        self.workingDays = workingDays
        self.periods = periods
        self.holidays = holidays
        self.extraWorkingDays = extraWorkingDays
    }

    /// Monday to Friday, 09:00–12:00 and 13:00–18:00.
    public static func standard(timeZoneIdentifier: String) -> BusinessCalendar {
        BusinessCalendar(
            timeZoneIdentifier: timeZoneIdentifier, workingDays: Weekday.weekdays,
            periods: [Period(9, to: 12), Period(13, to: 18)])
    }

    /// Every hour of every day: working time equals elapsed time.
    public static func alwaysOpen(timeZoneIdentifier: String = "UTC") -> BusinessCalendar {
        BusinessCalendar(
            timeZoneIdentifier: timeZoneIdentifier, workingDays: Set(Weekday.allCases), periods: [Period(start: 0, end: 1440)])
    }

    /// The calendar's time zone (UTC when the identifier is unknown; ``validate()`` reports that).
    public var timeZone: TimeZone { TimeZone(identifier: timeZoneIdentifier) ?? .gmt }

    /// Lists every problem with the calendar.
    public func validate() -> ValidationReport {
        var report = ValidationReport()
        if TimeZone(identifier: timeZoneIdentifier) == nil {
            report.add("timeZoneIdentifier", .malformed, "'\(timeZoneIdentifier.clipped())' is not a known time zone")
        }
        if workingDays.isEmpty && extraWorkingDays.isEmpty {
            report.add("workingDays", .empty, "a calendar needs at least one working day")
        }
        if periods.isEmpty { report.add("periods", .empty, "a working day needs at least one period") }
        var previousEnd = -1
        for (index, period) in periods.enumerated() {
            if period.start < 0 || period.end > 1440 || period.start >= period.end {
                report.add("periods[\(index)]", .outOfRange,
                    "\(period.start)–\(period.end) must be increasing minutes within 0...1440")
            } else if period.start < previousEnd {
                report.add("periods[\(index)]", .malformed, "overlaps or precedes the period before it")
            }
            previousEnd = max(previousEnd, period.end)
        }
        for date in holidays.sorted() where !date.isValid {
            report.add("holidays", .malformed, "'\(date)' is not a real day")
        }
        for date in extraWorkingDays.sorted() where !date.isValid {
            report.add("extraWorkingDays", .malformed, "'\(date)' is not a real day")
        }
        for date in holidays.intersection(extraWorkingDays).sorted() {
            report.add("extraWorkingDays", .duplicate,
                "'\(date)' is both a holiday and a make-up working day; it counts as a working day")
        }
        return report
    }

    /// Whether `date` is a working day.
    public func isWorkingDay(_ date: CalendarDate) -> Bool {
        CalendarWork.visitedDays?.withLock { $0 += 1 }
        if extraWorkingDays.contains(date) { return true }
        if holidays.contains(date) { return false }
        return workingDays.contains(date.weekday)
    }

    /// Whether `instant` falls in working time.
    public func isWorkingTime(_ instant: Date) -> Bool {
        let date = CalendarDate(instant, in: timeZone)
        return workingIntervals(on: date).contains { $0.start <= instant && instant < $0.end }
    }

    /// The next working day after `date`, within ten years.
    public func nextWorkingDay(after date: CalendarDate) -> CalendarDate? {
        var day = date
        for _ in 0..<3660 {
            day = day.adding(days: 1)
            if isWorkingDay(day) { return day }
        }
        return nil
    }

    /// The last working day of a month, if it has one.
    public func lastWorkingDay(ofMonth month: Int, year: Int) -> CalendarDate? {
        guard (1...12).contains(month), (1...9999).contains(year) else { return nil }
        let length = CalendarDate.daysIn(month: month, year: year)
        for day in stride(from: length, through: 1, by: -1) {
            let date = CalendarDate(year: year, month: month, day: day)
            if isWorkingDay(date) { return date }
        }
        return nil
    }

    /// The working intervals of `date`, as instants (empty on a day off).
    public func workingIntervals(on date: CalendarDate) -> [DateInterval] {
        guard isWorkingDay(date) else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let zone = timeZone
        func instant(_ minute: Int) -> Date? {
            if minute >= 1440 { return date.adding(days: 1).startOfDay(in: zone) }
            // Before 1582-10-15 Foundation reads dates as Julian ones; zones had no daylight saving then.
            if date.isBeforeGregorianReform {
                return date.startOfDay(in: zone)?.addingTimeInterval(TimeInterval(minute * 60))
            }
            guard let read = calendar.date(from: DateComponents(
                year: date.year, month: date.month, day: date.day, hour: minute / 60, minute: minute % 60))
            else { return nil }
            return Self.firstInstant(showing: date.dayNumber * 86_400 + minute * 60, near: read, in: zone)
        }
        var intervals: [DateInterval] = []
        for period in periods where period.start < period.end {
            guard let start = instant(max(0, period.start)), let end = instant(min(1440, period.end)), end > start
            else { continue }
            intervals.append(DateInterval(start: start, end: end))
        }
        return intervals
    }

    /// The working time between two instants, leaving out `pauses` (which may overlap each other).
    public func workingTime(from start: Date, to end: Date, excluding pauses: [DateInterval] = []) -> Duration {
        guard end > start else { return .zero }
        let merged = Self.merge(pauses)
        var total: TimeInterval = 0
        var day = CalendarDate(start, in: timeZone)
        let last = CalendarDate(end, in: timeZone)
        var guardDays = 0
        while day <= last, guardDays < 366 * 200 {
            for interval in workingIntervals(on: day) {
                let from = max(interval.start, start)
                let to = min(interval.end, end)
                if to > from { total += Self.length(from: from, to: to, minus: merged) }
            }
            day = day.adding(days: 1)
            guardDays += 1
        }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// The instant at which `duration` of working time has passed since `start`, leaving out `pauses`;
    /// `nil` if the calendar has no working time within ten years. Adding zero returns `start`.
    public func addingWorkingTime(_ duration: Duration, to start: Date, excluding pauses: [DateInterval] = []) -> Date? {
        var remaining = duration.timeInterval
        if remaining <= 0 { return start }
        let merged = Self.merge(pauses)
        var day = CalendarDate(start, in: timeZone)
        for _ in 0..<3660 {
            for interval in workingIntervals(on: day) where interval.end > start {
                for segment in Self.segments(from: max(interval.start, start), to: interval.end, minus: merged) {
                    let length = segment.duration
                    if length >= remaining { return segment.start.addingTimeInterval(remaining) }
                    remaining -= length
                }
            }
            day = day.adding(days: 1)
        }
        return nil
    }

    /// The first instant at which the wall clock of `zone` shows `wall` (seconds since 1970-01-01 00:00 on
    /// the wall clock) or later, given Foundation's reading `read` of that wall time.
    ///
    /// Foundation reads a wall time that a daylight-saving jump skips as the instant an hour later, which
    /// would count minutes the clock never showed. Such a wall time is taken as the instant of the jump.
    static func firstInstant(showing wall: Int, near read: Date, in zone: TimeZone) -> Date {
        func shown(_ second: Int) -> Int { second + zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second))) }
        let readSecond = Int(read.timeIntervalSince1970.rounded(.down))
        let shownAtRead = shown(readSecond)
        guard shownAtRead > wall else { return read }
        // The clock jumped forward over `wall` somewhere in (read - gap, read]: find the jump.
        var low = readSecond - (shownAtRead - wall) - 1
        var high = readSecond
        guard shown(low) < wall else { return read }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if shown(middle) >= wall { high = middle } else { low = middle }
        }
        return Date(timeIntervalSince1970: TimeInterval(high))
    }

    static func merge(_ intervals: [DateInterval]) -> [DateInterval] {
        var merged: [DateInterval] = []
        for interval in intervals.sorted(by: { $0.start < $1.start }) {
            if let last = merged.last, interval.start <= last.end {
                merged[merged.count - 1] = DateInterval(start: last.start, end: max(last.end, interval.end))
            } else {
                merged.append(interval)
            }
        }
        return merged
    }

    static func segments(from start: Date, to end: Date, minus pauses: [DateInterval]) -> [DateInterval] {
        guard end > start else { return [] }
        var segments: [DateInterval] = []
        var cursor = start
        for pause in pauses where pause.end > cursor && pause.start < end {
            if pause.start > cursor { segments.append(DateInterval(start: cursor, end: pause.start)) }
            cursor = max(cursor, pause.end)
            if cursor >= end { break }
        }
        if cursor < end { segments.append(DateInterval(start: cursor, end: end)) }
        return segments
    }

    static func length(from start: Date, to end: Date, minus pauses: [DateInterval]) -> TimeInterval {
        segments(from: start, to: end, minus: pauses).reduce(0) { $0 + $1.duration }
    }
}

/// Counts the days the calendar's computations visit, so that tests bound their work (a number of days)
/// rather than their duration on a machine that may be busy.
///
/// Every computation looks at each day it visits through ``BusinessCalendar/isWorkingDay(_:)``, which
/// counts it while ``countingDays(_:)`` runs on the current task.
package enum CalendarWork {
    @TaskLocal package static var visitedDays: Locked<Int>?

    /// Runs `body` and returns its result with the number of days it visited.
    package static func countingDays<Result>(_ body: () throws -> Result) rethrows -> (Result, days: Int) {
        let counter = Locked(0)
        let result = try $visitedDays.withValue(counter) { try body() }
        return (result, counter.withLock { $0 })
    }
}
