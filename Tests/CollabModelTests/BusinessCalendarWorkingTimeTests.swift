import CollabModel
import Foundation
import Testing

// Working-time arithmetic in four zones (UTC, Asia/Shanghai, America/New_York, Pacific/Auckland, and
// America/Santiago for a DST change at midnight), across the 2026 DST days, month ends, the 2028 leap day,
// holidays and make-up days, lunch breaks, pauses, and calendars without any working time.

/// The first instant at which the wall clock in `zone` shows the given time.
private func wallClock(_ zone: String, _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone) ?? .gmt
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))
        ?? .distantPast
}

/// An instant written in UTC, `2026-03-08T07:00`; unambiguous on DST days, where wall-clock times are not.
private func utc(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text + ":00Z") ?? .distantPast
}

private func day(_ text: String) -> CalendarDate {
    CalendarDate(iso: text) ?? CalendarDate(year: 1, month: 1, day: 1)
}

private func hours(_ duration: Duration) -> Double { duration.timeInterval / 3600 }

/// A calendar that works every day of the week, so that the DST Sundays are working days.
private func everyDay(_ zone: String, _ periods: [BusinessCalendar.Period]) -> BusinessCalendar {
    BusinessCalendar(timeZoneIdentifier: zone, workingDays: Set(Weekday.allCases), periods: periods)
}

private let lunchDay: [BusinessCalendar.Period] = [.init(9, to: 12), .init(13, to: 18)]
private let nineToSix: [BusinessCalendar.Period] = [.init(9, to: 18)]

@Suite struct BusinessCalendarWorkingTimeTests {
    static let zones = ["UTC", "Asia/Shanghai", "America/New_York", "Pacific/Auckland"]

    /// The 2026 DST change days of the two zones that have them, and the days either side.
    static let dstDays: [(zone: String, date: CalendarDate)] = [
        ("America/New_York", "2026-03-07"), ("America/New_York", "2026-03-08"), ("America/New_York", "2026-03-09"),
        ("America/New_York", "2026-10-31"), ("America/New_York", "2026-11-01"), ("America/New_York", "2026-11-02"),
        ("Pacific/Auckland", "2026-04-04"), ("Pacific/Auckland", "2026-04-05"), ("Pacific/Auckland", "2026-04-06"),
        ("Pacific/Auckland", "2026-09-26"), ("Pacific/Auckland", "2026-09-27"), ("Pacific/Auckland", "2026-09-28"),
        ("America/Santiago", "2026-04-05"), ("America/Santiago", "2026-09-06"),
    ].map { ($0.0, day($0.1)) }

    // MARK: Shape

    @Test("the standard calendar is Monday to Friday, 09:00–12:00 and 13:00–18:00, and valid", arguments: zones)
    func standardShape(zone: String) {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: zone)
        #expect(calendar.timeZoneIdentifier == zone)
        #expect(calendar.workingDays == [.monday, .tuesday, .wednesday, .thursday, .friday])
        #expect(calendar.periods == [.init(start: 540, end: 720), .init(start: 780, end: 1080)])
        #expect(calendar.holidays.isEmpty && calendar.extraWorkingDays.isEmpty)
        #expect(calendar.validate().problems.isEmpty)
        #expect(calendar.timeZone.identifier == TimeZone(identifier: zone)?.identifier)
    }

    @Test("the always-open calendar is every minute of every day in UTC, and valid")
    func alwaysOpenShape() {
        let calendar = BusinessCalendar.alwaysOpen()
        #expect(calendar.timeZoneIdentifier == "UTC")
        #expect(calendar.workingDays == Set(Weekday.allCases))
        #expect(calendar.periods == [.init(start: 0, end: 1440)])
        #expect(calendar.validate().problems.isEmpty)
    }

    @Test("weekdays use ISO numbering, Monday 1 to Sunday 7, and dates know theirs")
    func weekdays() {
        #expect(Weekday.allCases.map(\.rawValue) == Array(1...7))
        #expect(Weekday.monday.rawValue == 1 && Weekday.sunday.rawValue == 7)
        #expect(day("2026-03-08").weekday == .sunday)
        #expect(day("2026-11-02").weekday == .monday)
        #expect(day("2028-02-29").weekday == .tuesday)
        #expect(day("2027-01-01").weekday == .friday)
        #expect(Weekday.weekdays == [.monday, .tuesday, .wednesday, .thursday, .friday])
    }

    @Test("a calendar survives a JSON round trip, dates as YYYY-MM-DD")
    func codable() throws {
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
        calendar.holidays = [day("2026-10-01")]
        calendar.extraWorkingDays = [day("2026-09-27")]
        let data = try JSONEncoder().encode(calendar)
        #expect(try JSONDecoder().decode(BusinessCalendar.self, from: data) == calendar)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"2026-10-01\"") && text.contains("\"2026-09-27\""))
    }

    // MARK: Validation

    @Test("validation names each problem", arguments: [
        (BusinessCalendar(timeZoneIdentifier: "Mars/Olympus_Mons", workingDays: Weekday.weekdays, periods: nineToSix),
         ["timeZoneIdentifier"]),
        (BusinessCalendar(timeZoneIdentifier: "", workingDays: Weekday.weekdays, periods: nineToSix), ["timeZoneIdentifier"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: [], periods: nineToSix), ["workingDays"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: []), ["periods"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: [.init(start: -1, end: 60)]),
         ["periods[0]"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: [.init(start: 60, end: 1441)]),
         ["periods[0]"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: [.init(start: 60, end: 60)]),
         ["periods[0]"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: [.init(9, to: 13), .init(12, to: 18)]),
         ["periods[1]"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: [.init(13, to: 18), .init(9, to: 12)]),
         ["periods[1]"]),
        (BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: nineToSix,
            holidays: [CalendarDate(year: 2026, month: 2, day: 30)]), ["holidays"]),
    ])
    func validationProblems(calendar: BusinessCalendar, fields: [String]) {
        #expect(calendar.validate().problems.map(\.field) == fields)
    }

    @Test("validation lists every problem at once, and accepts touching periods and the whole day")
    func validationListsAll() {
        let bad = BusinessCalendar(
            timeZoneIdentifier: "Nowhere/Atlantis", workingDays: [],
            periods: [.init(9, to: 12), .init(11, to: 14), .init(start: 1000, end: 2000)])
        #expect(bad.validate().problems.map(\.field) == ["timeZoneIdentifier", "workingDays", "periods[1]", "periods[2]"])
        #expect(bad.validate().problems.allSatisfy { !$0.message.isEmpty })
        let touching = everyDay("UTC", [.init(start: 0, end: 720), .init(start: 720, end: 1440)])
        #expect(touching.validate().problems.isEmpty)
        // Only make-up days and no working weekdays is still a calendar with working time.
        let makeUpOnly = BusinessCalendar(
            timeZoneIdentifier: "UTC", workingDays: [], periods: nineToSix, extraWorkingDays: [day("2026-09-27")])
        #expect(makeUpOnly.validate().problems.isEmpty)
    }

    // MARK: Working days

    @Test("holidays and make-up days decide which dates are working days")
    func workingDays() {
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
        calendar.holidays = Set((1...7).map { CalendarDate(year: 2026, month: 10, day: $0) })
        calendar.extraWorkingDays = [day("2026-09-27"), day("2026-10-10")]  // a Sunday and a Saturday
        #expect(calendar.isWorkingDay(day("2026-09-25")))  // Friday
        #expect(!calendar.isWorkingDay(day("2026-09-26")))  // Saturday
        #expect(calendar.isWorkingDay(day("2026-09-27")))  // make-up Sunday
        #expect(!calendar.isWorkingDay(day("2026-10-05")))  // holiday Monday
        #expect(calendar.isWorkingDay(day("2026-10-08")))  // Thursday after the week off
        #expect(calendar.isWorkingDay(day("2026-10-10")))  // make-up Saturday
        #expect(!calendar.isWorkingDay(day("2026-10-11")))
        #expect(calendar.nextWorkingDay(after: day("2026-09-25")) == day("2026-09-27"))
        #expect(calendar.nextWorkingDay(after: day("2026-09-30")) == day("2026-10-08"))
        #expect(calendar.nextWorkingDay(after: day("2026-10-09")) == day("2026-10-10"))
        #expect(calendar.nextWorkingDay(after: day("2026-10-10")) == day("2026-10-12"))
    }

    @Test("the last working day of a month skips weekends and holidays and takes make-up days", arguments: [
        (2026, 1, "2026-01-30"),  // the 31st is a Saturday
        (2026, 2, "2026-02-28"),  // a make-up Saturday
        (2026, 5, "2026-05-29"),  // the 31st is a Sunday
        (2026, 12, "2026-12-30"),  // the 31st is a holiday
        (2028, 2, "2028-02-29"),  // a leap day, Tuesday
        (2027, 2, "2027-02-26"),
    ])
    func lastWorkingDay(year: Int, month: Int, expected: String) {
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
        calendar.holidays = [day("2026-12-31")]
        calendar.extraWorkingDays = [day("2026-02-28")]
        #expect(calendar.lastWorkingDay(ofMonth: month, year: year) == day(expected))
    }

    @Test("a month outside 1...12 has no last working day, and a bad make-up day is reported under its own name")
    func outOfRangeInputs() {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: "UTC")
        #expect(calendar.lastWorkingDay(ofMonth: 13, year: 2026) == nil)
        #expect(calendar.lastWorkingDay(ofMonth: 0, year: 2026) == nil)
        var makeUp = calendar
        makeUp.extraWorkingDays = [CalendarDate(year: 2026, month: 13, day: 1)]
        #expect(makeUp.validate().problems.map(\.field) == ["extraWorkingDays"])
        var both = calendar
        both.holidays = [day("2026-10-01")]
        both.extraWorkingDays = [day("2026-10-01")]
        #expect(both.validate().problems.map(\.kind) == [.duplicate], "a day cannot be both a holiday and a make-up day")
    }

    // MARK: A working day's hours

    @Test("a working day is eight hours with lunch and nine without, on DST change days too", arguments: dstDays)
    func dayLength(zone: String, date: CalendarDate) throws {
        for (periods, expected) in [(lunchDay, 8.0), (nineToSix, 9.0)] {
            let calendar = everyDay(zone, periods)
            let start = try #require(date.startOfDay(in: calendar.timeZone))
            let end = try #require(date.adding(days: 1).startOfDay(in: calendar.timeZone))
            #expect(hours(calendar.workingTime(from: start, to: end)) == expected, "\(zone) \(date)")
            #expect(calendar.workingIntervals(on: date).map(\.duration).reduce(0, +) == expected * 3600)
        }
    }

    @Test("working periods start and end at the local wall-clock time, whatever the UTC offset that day")
    func wallClockBoundaries() {
        let cases: [(String, String, [String])] = [
            ("America/New_York", "2026-03-07", ["2026-03-07T14:00", "2026-03-07T17:00", "2026-03-07T18:00", "2026-03-07T23:00"]),
            ("America/New_York", "2026-03-08", ["2026-03-08T13:00", "2026-03-08T16:00", "2026-03-08T17:00", "2026-03-08T22:00"]),
            ("America/New_York", "2026-11-01", ["2026-11-01T14:00", "2026-11-01T17:00", "2026-11-01T18:00", "2026-11-01T23:00"]),
            ("Pacific/Auckland", "2026-04-04", ["2026-04-03T20:00", "2026-04-03T23:00", "2026-04-04T00:00", "2026-04-04T05:00"]),
            ("Pacific/Auckland", "2026-04-05", ["2026-04-04T21:00", "2026-04-05T00:00", "2026-04-05T01:00", "2026-04-05T06:00"]),
            ("Pacific/Auckland", "2026-09-27", ["2026-09-26T20:00", "2026-09-26T23:00", "2026-09-27T00:00", "2026-09-27T05:00"]),
            ("Asia/Shanghai", "2026-03-08", ["2026-03-08T01:00", "2026-03-08T04:00", "2026-03-08T05:00", "2026-03-08T10:00"]),
        ]
        for (zone, date, bounds) in cases {
            let intervals = everyDay(zone, lunchDay).workingIntervals(on: day(date))
            #expect(intervals.flatMap { [$0.start, $0.end] } == bounds.map(utc), "\(zone) \(date)")
        }
    }

    @Test("a night shift across the change is an hour shorter or longer, as the clock on the wall says", arguments: [
        ("America/New_York", "2026-03-07", 7.0), ("America/New_York", "2026-10-31", 9.0),
        ("Pacific/Auckland", "2026-04-04", 9.0), ("Pacific/Auckland", "2026-09-26", 7.0),
        ("Asia/Shanghai", "2026-03-07", 8.0), ("UTC", "2026-03-07", 8.0),
    ])
    func nightShift(zone: String, evening: String, expected: Double) {
        let calendar = everyDay(zone, [.init(0, to: 6), .init(22, to: 24)])
        let from = wallClock(zone, day(evening).year, day(evening).month, day(evening).day, 21)
        let to = from.addingTimeInterval(12 * 3600)
        #expect(hours(calendar.workingTime(from: from, to: to)) == expected)
    }

    @Test("an always-open calendar counts elapsed time, 23 and 25 hours on DST Sundays", arguments: dstDays)
    func alwaysOpenIsElapsedTime(zone: String, date: CalendarDate) throws {
        let calendar = BusinessCalendar.alwaysOpen(timeZoneIdentifier: zone)
        let start = try #require(date.startOfDay(in: calendar.timeZone))
        let end = try #require(date.adding(days: 1).startOfDay(in: calendar.timeZone))
        #expect(calendar.workingTime(from: start, to: end).timeInterval == end.timeIntervalSince(start))
        let later = start.addingTimeInterval(3 * 86_400 + 1234.5)
        #expect(calendar.workingTime(from: start, to: later).timeInterval == later.timeIntervalSince(start))
        #expect(calendar.addingWorkingTime(.seconds(100_000), to: start) == start.addingTimeInterval(100_000))
    }

    @Test("whether an instant is working time: edges, lunch, weekends, DST days", arguments: [
        ("Asia/Shanghai", "2026-01-05T00:59", false), ("Asia/Shanghai", "2026-01-05T01:00", true),  // Mon 09:00
        ("Asia/Shanghai", "2026-01-05T03:59", true), ("Asia/Shanghai", "2026-01-05T04:00", false),  // 12:00 lunch
        ("Asia/Shanghai", "2026-01-05T05:00", true), ("Asia/Shanghai", "2026-01-05T10:00", false),  // 18:00
        ("Asia/Shanghai", "2026-01-10T02:00", false),  // Saturday 10:00
        ("America/New_York", "2026-03-09T12:59", false), ("America/New_York", "2026-03-09T13:00", true),  // EDT
        ("America/New_York", "2026-03-06T13:30", false), ("America/New_York", "2026-03-06T14:00", true),  // EST
        ("America/New_York", "2026-11-02T14:00", true), ("America/New_York", "2026-11-02T13:30", false),
        ("Pacific/Auckland", "2026-04-05T21:00", true),  // Monday 2026-04-06 09:00 NZST
        ("Pacific/Auckland", "2026-09-27T20:00", true),  // Monday 2026-09-28 09:00 NZDT
        ("Pacific/Auckland", "2026-09-27T19:59", false),
    ])
    func workingInstant(zone: String, instant: String, expected: Bool) {
        #expect(BusinessCalendar.standard(timeZoneIdentifier: zone).isWorkingTime(utc(instant)) == expected)
    }

    // MARK: Measuring

    @Test("measuring from and to instants outside working hours counts only the hours inside", arguments: zones)
    func measuringOutsideHours(zone: String) {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: zone)
        func measure(_ from: (Int, Int, Int), _ to: (Int, Int, Int)) -> Double {
            hours(calendar.workingTime(
                from: wallClock(zone, 2026, 1, from.0, from.1, from.2), to: wallClock(zone, 2026, 1, to.0, to.1, to.2)))
        }
        #expect(measure((5, 7, 0), (5, 20, 0)) == 8)  // Monday, from before opening to after closing
        #expect(measure((5, 11, 30), (5, 13, 30)) == 1)  // across lunch
        #expect(measure((5, 12, 15), (5, 12, 45)) == 0)  // inside lunch
        #expect(measure((10, 8, 0), (11, 20, 0)) == 0)  // Saturday to Sunday
        #expect(measure((9, 17, 0), (12, 10, 0)) == 2)  // Friday 17:00 to Monday 10:00
        #expect(measure((5, 9, 0), (10, 0, 0)) == 40)  // a whole working week
        #expect(measure((5, 10, 0), (5, 10, 0)) == 0)
        #expect(measure((6, 10, 0), (5, 10, 0)) == 0)  // backwards
    }

    @Test("a month end, a year end with a holiday, and the 2028 leap day are crossed day by day")
    func monthAndYearEnds() {
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "America/New_York")
        calendar.holidays = [day("2027-01-01")]
        let z = "America/New_York"
        // Thursday 2026-12-31 17:00 plus 2 hours: 1 hour that day, New Year's Day off, the weekend, Monday 10:00.
        #expect(calendar.addingWorkingTime(.seconds(7200), to: wallClock(z, 2026, 12, 31, 17)) == wallClock(z, 2027, 1, 4, 10))
        // Monday 2028-02-28 17:00 plus 2 hours ends on the leap day.
        #expect(calendar.addingWorkingTime(.seconds(7200), to: wallClock(z, 2028, 2, 28, 17)) == wallClock(z, 2028, 2, 29, 10))
        #expect(hours(calendar.workingTime(from: wallClock(z, 2028, 2, 1, 0), to: wallClock(z, 2028, 3, 1, 0))) == 21 * 8)
        #expect(hours(calendar.workingTime(from: wallClock(z, 2027, 2, 1, 0), to: wallClock(z, 2027, 3, 1, 0))) == 20 * 8)
        // Friday 2026-01-30 16:00 plus 5 hours: 2 hours that day, 3 hours Monday 2026-02-02 morning.
        #expect(calendar.addingWorkingTime(.seconds(5 * 3600), to: wallClock(z, 2026, 1, 30, 16)) == wallClock(z, 2026, 2, 2, 12))
    }

    @Test("a week of holidays with make-up days counts only the make-up days and normal working days")
    func holidayWeek() {
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
        calendar.holidays = Set((1...7).map { CalendarDate(year: 2026, month: 10, day: $0) })
        calendar.extraWorkingDays = [day("2026-09-27"), day("2026-10-10")]
        let z = "Asia/Shanghai"
        // Monday 2026-09-28 to Sunday 2026-10-11: Mon–Wed, Thu–Fri after the break and the make-up Saturday.
        #expect(hours(calendar.workingTime(from: wallClock(z, 2026, 9, 28, 0), to: wallClock(z, 2026, 10, 12, 0))) == 6 * 8)
        // Friday 2026-09-25 17:00 plus 2 hours: 1 hour Friday, then the make-up Sunday 09:00–10:00.
        #expect(calendar.addingWorkingTime(.seconds(7200), to: wallClock(z, 2026, 9, 25, 17)) == wallClock(z, 2026, 9, 27, 10))
        // Wednesday 2026-09-30 17:00 plus 9 hours: 1 hour, the week off, then Thursday 2026-10-08 until 18:00.
        #expect(calendar.addingWorkingTime(.seconds(9 * 3600), to: wallClock(z, 2026, 9, 30, 17)) == wallClock(z, 2026, 10, 8, 18))
    }

    // MARK: Adding

    @Test("adding working time from inside, at the edges of, and outside working hours", arguments: zones)
    func adding(zone: String) {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: zone)
        func add(_ seconds: Int64, _ from: (Int, Int, Int)) -> Date? {
            calendar.addingWorkingTime(.seconds(seconds), to: wallClock(zone, 2026, 1, from.0, from.1, from.2))
        }
        func at(_ d: Int, _ h: Int, _ m: Int = 0) -> Date { wallClock(zone, 2026, 1, d, h, m) }
        #expect(add(0, (10, 11, 0)) == at(10, 11))  // zero on a Saturday stays where it is
        #expect(add(0, (5, 12, 30)) == at(5, 12, 30))  // zero during lunch too
        #expect(add(-60, (5, 10, 0)) == at(5, 10))
        #expect(add(1, (10, 11, 0)) == wallClock(zone, 2026, 1, 12, 9, 0).addingTimeInterval(1))
        #expect(add(3 * 3600, (5, 9, 0)) == at(5, 12))  // the first instant at which 3 hours have passed
        #expect(add(3 * 3600 + 1, (5, 9, 0)) == at(5, 13).addingTimeInterval(1))
        #expect(add(1800, (5, 11, 45)) == at(5, 13, 15))  // across lunch
        #expect(add(1800, (5, 7, 0)) == at(5, 9, 30))  // before opening
        #expect(add(1800, (5, 18, 0)) == at(6, 9, 30))  // at closing
        #expect(add(8 * 3600, (9, 16, 0)) == at(12, 16))  // Friday 16:00 plus a working day
        #expect(add(40 * 3600, (5, 9, 0)) == at(9, 18))  // a whole week ends Friday 18:00
        let fraction = calendar.addingWorkingTime(.milliseconds(1500), to: at(5, 9))
        #expect(fraction == at(5, 9).addingTimeInterval(1.5))
    }

    @Test("eight working hours after a deadline land on the same local time across a DST weekend", arguments: [
        ("America/New_York", 2026, 3, 6), ("America/New_York", 2026, 10, 30),
        ("Pacific/Auckland", 2026, 4, 3), ("Pacific/Auckland", 2026, 9, 25),
    ])
    func escalationAcrossDST(zone: String, year: Int, month: Int, friday: Int) {
        // A Friday 16:00 deadline escalates after 8 working hours: 2 hours that Friday, 6 on Monday, 16:00.
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: zone)
        let due = wallClock(zone, year, month, friday, 16)
        let escalateAt = calendar.addingWorkingTime(.seconds(8 * 3600), to: due)
        #expect(escalateAt == wallClock(zone, year, month, friday + 3, 16))
        #expect(escalateAt.map { calendar.workingTime(from: due, to: $0) } == .seconds(8 * 3600))
        // The wall time elapsed is 72 hours plus or minus the hour the clocks moved.
        #expect(escalateAt.map { abs($0.timeIntervalSince(due) - 72 * 3600) } == 3600)
    }

    // MARK: Pauses

    @Test("pauses that overlap each other and the interval's edges are left out once")
    func pauses() {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: "America/New_York")
        let z = "America/New_York"
        func at(_ d: Int, _ h: Int, _ m: Int = 0) -> Date { wallClock(z, 2026, 3, d, h, m) }
        func pause(_ a: Date, _ b: Date) -> DateInterval { DateInterval(start: a, end: b) }
        let from = at(6, 9), to = at(9, 18)  // Friday 09:00 to Monday 18:00 across the DST weekend: 16 hours
        #expect(hours(calendar.workingTime(from: from, to: to)) == 16)
        let cases: [([DateInterval], Double)] = [
            ([], 16),
            ([pause(at(6, 8), at(6, 10))], 15),  // over the start
            ([pause(at(9, 17), at(9, 20))], 15),  // over the end
            ([pause(at(6, 8), at(6, 10)), pause(at(6, 9, 30), at(6, 11))], 14),  // overlapping each other
            ([pause(at(6, 9, 30), at(6, 11)), pause(at(6, 8), at(6, 10))], 14),  // unsorted
            ([pause(at(6, 10), at(6, 11)), pause(at(6, 10), at(6, 11))], 15),  // the same pause twice
            ([pause(at(6, 9), at(6, 17)), pause(at(6, 10), at(6, 11))], 9),  // nested (09–12, 13–17: 7 hours)
            ([pause(at(6, 12), at(6, 13))], 16),  // over lunch only
            ([pause(at(7, 0), at(9, 0))], 16),  // over the weekend only
            ([pause(at(6, 17), at(9, 10))], 14),  // Friday 17:00 to Monday 10:00
            ([pause(at(1, 0), at(20, 0))], 0),  // over everything
            ([pause(at(6, 10), at(6, 10))], 16),  // empty
        ]
        for (pauses, expected) in cases {
            #expect(hours(calendar.workingTime(from: from, to: to, excluding: pauses)) == expected, "\(pauses)")
        }
    }

    @Test("adding working time skips pauses, including one that covers the start")
    func addingWithPauses() {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: "UTC")
        func at(_ d: Int, _ h: Int, _ m: Int = 0) -> Date { wallClock("UTC", 2026, 1, d, h, m) }
        let pauses = [DateInterval(start: at(5, 8), end: at(5, 10)), DateInterval(start: at(5, 9, 30), end: at(5, 11))]
        #expect(calendar.addingWorkingTime(.seconds(3600), to: at(5, 9), excluding: pauses) == at(5, 12))
        #expect(calendar.addingWorkingTime(.seconds(3 * 3600), to: at(5, 9), excluding: pauses) == at(5, 15))
        #expect(calendar.addingWorkingTime(.zero, to: at(5, 9, 45), excluding: pauses) == at(5, 9, 45))
        // A pause reaching past the week: the clock resumes on Monday 2026-01-12 at 10:00.
        let long = [DateInterval(start: at(5, 0), end: at(12, 10))]
        #expect(calendar.addingWorkingTime(.seconds(1800), to: at(5, 9), excluding: long) == at(12, 10, 30))
        // A pause on Sunday changes nothing.
        let sunday = [DateInterval(start: at(11, 0), end: at(12, 0))]
        #expect(calendar.addingWorkingTime(.seconds(3600), to: at(9, 17, 30), excluding: sunday) == at(12, 9, 30))
    }

    // MARK: No working time

    static let closedCalendars: [String: BusinessCalendar] = [
        "no working weekday": BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: [], periods: nineToSix),
        "no period": BusinessCalendar(timeZoneIdentifier: "Pacific/Auckland", workingDays: Weekday.weekdays, periods: []),
        "an empty period": BusinessCalendar(
            timeZoneIdentifier: "UTC", workingDays: Weekday.weekdays, periods: [.init(start: 600, end: 600)]),
        "every working Sunday a holiday for 76 years": BusinessCalendar(
            timeZoneIdentifier: "America/New_York", workingDays: [.sunday], periods: nineToSix,
            holidays: Set((0..<4000).map { day("2026-01-04").adding(days: 7 * $0) })),
    ]

    @Test("calendars without working time answer nil or zero at once, never hang", arguments: closedCalendars.keys.sorted())
    func noWorkingTime(name: String) throws {
        let calendar = try #require(Self.closedCalendars[name])
        let start = utc("2026-01-01T00:00")
        // The work is counted in days visited, not timed: each answer looks at no more days than its span.
        let (added, addingDays) = CalendarWork.countingDays { calendar.addingWorkingTime(.seconds(1), to: start) }
        #expect(added == nil)
        #expect(addingDays <= 3_660, "adding one second visited \(addingDays) days, at most ten years' 3,660")
        let (zero, zeroDays) = CalendarWork.countingDays { calendar.addingWorkingTime(.zero, to: start) }
        #expect(zero == start && zeroDays == 0)
        let (measured, measuringDays) = CalendarWork.countingDays {
            calendar.workingTime(from: start, to: start.addingTimeInterval(50 * 365 * 86_400))
        }
        #expect(measured == .zero)
        #expect(measuringDays <= 50 * 365 + 1, "50 years visited \(measuringDays) days")
        let (working, workingDays) = CalendarWork.countingDays { calendar.isWorkingTime(utc("2026-01-05T14:00")) }
        #expect(!working && workingDays == 1)
        if calendar.workingDays.isEmpty || !calendar.holidays.isEmpty {
            #expect(calendar.nextWorkingDay(after: day("2026-01-01")) == nil)
            #expect(calendar.lastWorkingDay(ofMonth: 1, year: 2026) == nil)
        }
    }

    @Test("a single make-up day is the only working time there is")
    func singleMakeUpDay() {
        let calendar = BusinessCalendar(
            timeZoneIdentifier: "Asia/Shanghai", workingDays: [], periods: lunchDay, extraWorkingDays: [day("2026-09-27")])
        let z = "Asia/Shanghai"
        #expect(calendar.addingWorkingTime(.seconds(8 * 3600), to: wallClock(z, 2026, 9, 1, 0)) == wallClock(z, 2026, 9, 27, 18))
        #expect(calendar.addingWorkingTime(.seconds(8 * 3600 + 1), to: wallClock(z, 2026, 9, 1, 0)) == nil)
        #expect(calendar.lastWorkingDay(ofMonth: 9, year: 2026) == day("2026-09-27"))
        #expect(calendar.lastWorkingDay(ofMonth: 10, year: 2026) == nil)
        #expect(calendar.nextWorkingDay(after: day("2026-09-27")) == nil)
    }

    // MARK: A year

    @Test("a year's working time with 50 pauses is measured and added back to the same instant's worth")
    func yearRoundTrip() throws {
        // How long this takes is a benchmark figure (`collab-bench`, `working_time_year_us`), not a bound here.
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "America/New_York")
        calendar.holidays = [day("2026-07-03"), day("2026-12-25")]
        let start = utc("2026-01-01T00:00"), end = utc("2027-01-01T00:00")
        let pauses = (0..<50).map { DateInterval(start: start.addingTimeInterval(Double($0) * 7 * 86_400), duration: 3600) }
        let measured = calendar.workingTime(from: start, to: end, excluding: pauses)
        // 2026 has 261 weekdays, two of them holidays; the pauses (00:00 UTC, 19:00 in New York) take nothing.
        #expect(measured == .seconds(259 * 8 * 3600))
        let reached = try #require(calendar.addingWorkingTime(measured, to: start, excluding: pauses))
        #expect(reached <= end)
        #expect(calendar.workingTime(from: start, to: reached, excluding: pauses) == measured)
    }

    // MARK: Inverse property

    @Test("adding working time and measuring it are inverse, on random calendars, pauses and DST weeks")
    func inverseProperty() throws {
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_260_308
        var random = SplitMix64(seed: seed)
        let zones = Self.zones + ["America/Santiago"]
        let transitions = [
            "2026-03-08T07:00", "2026-11-01T06:00", "2026-04-04T14:00", "2026-09-26T14:00", "2026-09-06T04:00",
            "2026-04-05T03:00", "2028-02-29T00:00", "2026-12-31T12:00",
        ].map(utc)
        let cases = 2000
        for index in 0..<cases {
            let zone = zones[random.below(zones.count)]
            var calendar = BusinessCalendar(
                timeZoneIdentifier: zone, workingDays: Set(Weekday.allCases.filter { _ in random.below(10) < 7 }),
                periods: Self.randomPeriods(&random))
            if calendar.workingDays.isEmpty { calendar.workingDays = [.wednesday] }
            let start = random.below(2) == 0
                ? transitions[random.below(transitions.count)].addingTimeInterval(Double(random.below(5 * 86_400)) - 3 * 86_400)
                : utc("2026-01-01T00:00").addingTimeInterval(Double(random.below(3 * 365 * 86_400)))
            let startDay = CalendarDate(start, in: calendar.timeZone)
            for _ in 0..<random.below(3) { calendar.holidays.insert(startDay.adding(days: random.below(10))) }
            for _ in 0..<random.below(3) { calendar.extraWorkingDays.insert(startDay.adding(days: random.below(10))) }
            let pauses = (0..<random.below(4)).map { _ in
                DateInterval(
                    start: start.addingTimeInterval(Double(random.below(6 * 86_400)) - 86_400),
                    duration: Double(random.below(2 * 86_400)))
            }
            let amount = Duration.seconds(random.below(3) == 0 ? random.below(120) : random.below(60 * 3600))
            let context = "case \(index), seed \(seed): \(zone) \(calendar.workingDays.sorted()) \(calendar.periods) from \(start) + \(amount) pauses \(pauses)"

            let end = try #require(calendar.addingWorkingTime(amount, to: start, excluding: pauses), "\(context)")
            #expect(end >= start, "\(context)")
            #expect(calendar.workingTime(from: start, to: end, excluding: pauses) == amount, "\(context)")
            if amount > .zero {
                // The first such instant: a moment earlier, less has passed, and that moment was working time.
                #expect(calendar.workingTime(from: start, to: end.addingTimeInterval(-1), excluding: pauses) < amount, "\(context)")
                #expect(calendar.isWorkingTime(end.addingTimeInterval(-0.001)), "\(context)")
                let justBefore = end.addingTimeInterval(-0.001)
                #expect(!pauses.contains { $0.start <= justBefore && justBefore < $0.end }, "\(context)")
            }
            // Splitting the interval anywhere adds up.
            let middle = start.addingTimeInterval(Double(random.below(max(1, Int(end.timeIntervalSince(start))))))
            let parts = calendar.workingTime(from: start, to: middle, excluding: pauses)
                + calendar.workingTime(from: middle, to: end, excluding: pauses)
            #expect(parts == amount, "\(context) split at \(middle)")
        }
        print("calendar property: \(cases) cases, seed \(seed)")
    }

    /// One to three sorted, non-overlapping periods on quarter hours. Boundaries strictly inside the
    /// 02:00–03:00 hour that New York and Auckland skip are left to ``BusinessCalendarSkippedHourTests``.
    static func randomPeriods(_ random: inout SplitMix64) -> [BusinessCalendar.Period] {
        var bounds = Set<Int>()
        let count = 2 * (1 + random.below(3))
        while bounds.count < count {
            let minute = 15 * random.below(97)
            if !(121..<180).contains(minute) { bounds.insert(minute) }
        }
        let sorted = bounds.sorted()
        return stride(from: 0, to: sorted.count, by: 2).map { BusinessCalendar.Period(start: sorted[$0], end: sorted[$0 + 1]) }
    }
}

/// Periods that begin or end inside an hour the clocks skip. The wall clock never shows those minutes, so a
/// period counts from (or until) the instant the clocks jump, as the wall clock reads it.
@Suite struct BusinessCalendarSkippedHourTests {
    typealias Case = (zone: String, date: String, periods: [BusinessCalendar.Period], hours: Double)

    static func measure(_ zone: String, _ date: String, _ periods: [BusinessCalendar.Period]) throws
        -> (hours: Double, ordered: Bool)
    {
        let calendar = everyDay(zone, periods)
        let start = try #require(day(date).startOfDay(in: calendar.timeZone))
        let end = try #require(day(date).adding(days: 1).startOfDay(in: calendar.timeZone))
        let intervals = calendar.workingIntervals(on: day(date))
        return (
            hours(calendar.workingTime(from: start, to: end)),
            zip(intervals, intervals.dropFirst()).allSatisfy { $0.end <= $1.start }
        )
    }

    @Test("periods whose edges are the jump itself, or lie outside it, count the hours the clock shows", arguments: [
        // New York, 2026-03-08: 02:00 EST is followed by 03:00 EDT (07:00 UTC).
        ("America/New_York", "2026-03-08", [BusinessCalendar.Period(2, 0, to: 3, 0)], 0.0),
        ("America/New_York", "2026-03-08", [.init(1, 0, to: 4, 0)], 2.0),
        ("America/New_York", "2026-03-08", [.init(0, 0, to: 2, 0), .init(3, 0, to: 5, 0)], 4.0),
        ("Pacific/Auckland", "2026-09-27", [.init(1, 0, to: 4, 0)], 2.0),
        // Santiago, 2026-09-06: midnight is skipped, the day starts at 01:00.
        ("America/Santiago", "2026-09-06", [.init(0, 0, to: 8, 0)], 7.0),
        ("America/Santiago", "2026-09-05", [.init(20, 0, to: 24, 0)], 4.0),
    ] as [Case])
    func jumpEdges(zone: String, date: String, periods: [BusinessCalendar.Period], expected: Double) throws {
        let measured = try Self.measure(zone, date, periods)
        #expect(measured.hours == expected)
        #expect(measured.ordered)
    }

    @Test("a period wholly or partly inside the skipped hour counts only the minutes the clock shows", arguments: [
        ("America/New_York", "2026-03-08", [BusinessCalendar.Period(2, 15, to: 2, 45)], 0.0),
        ("America/New_York", "2026-03-08", [.init(1, 30, to: 2, 30)], 0.5),
        ("America/New_York", "2026-03-08", [.init(2, 30, to: 4, 0)], 1.0),
        ("America/New_York", "2026-03-08", [.init(1, 0, to: 2, 30), .init(3, 0, to: 5, 0)], 3.0),
        ("Pacific/Auckland", "2026-09-27", [.init(2, 15, to: 2, 45)], 0.0),
        ("Pacific/Auckland", "2026-09-27", [.init(1, 0, to: 2, 30), .init(3, 0, to: 5, 0)], 3.0),
        ("America/Santiago", "2026-09-06", [.init(0, 30, to: 8, 0)], 7.0),
    ] as [Case])
    func insideTheJump(zone: String, date: String, periods: [BusinessCalendar.Period], expected: Double) throws {
        let measured = try Self.measure(zone, date, periods)
        #expect(measured.hours == expected)
        #expect(measured.ordered)
    }

    @Test("an instant in the skipped hour's shadow is not working time, and nothing loops")
    func skippedPeriodIsNeverWorkingTime() throws {
        let calendar = everyDay("America/New_York", [.init(2, 15, to: 2, 45)])
        // 03:20 EDT: Foundation reads 02:15–02:45 on the 8th as 03:15–03:45 EDT, but the clock shows 03:20.
        #expect(!calendar.isWorkingTime(utc("2026-03-08T07:20")))
        // Half an hour on the 7th and half an hour on the 9th; never a hang.
        let from = wallClock("America/New_York", 2026, 3, 7, 0)
        let end = try #require(calendar.addingWorkingTime(.seconds(3600), to: from))
        #expect(end <= wallClock("America/New_York", 2026, 3, 9, 2, 45))
        #expect(calendar.workingTime(from: from, to: end) == .seconds(3600))
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, well-mixed generator, so a printed seed replays a run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int.random(in: 0..<max(1, bound), using: &self) }
}
