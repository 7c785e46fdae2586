import CollabModel
import Foundation
import Testing

// Recurrence series: daily, weekly and monthly rules across DST changes, month ends and leap years, the
// last working day by a business calendar with holidays and make-up days, validation, and bounds.

private func day(_ text: String) -> CalendarDate {
    CalendarDate(iso: text) ?? CalendarDate(year: 1, month: 1, day: 1)
}

/// The next `count` occurrences after `start`, each found from the one before, as the engine does.
private func series(_ rule: RecurrenceRule, after start: String, count: Int, calendar: BusinessCalendar = .alwaysOpen())
    -> [String]
{
    var dates: [String] = []
    var date = day(start)
    for _ in 0..<count {
        guard let next = rule.nextOccurrence(after: date, calendar: calendar) else { break }
        dates.append(next.description)
        date = next
    }
    return dates
}

@Suite struct RecurrenceRuleSeriesTests {
    /// Shanghai, with New Year's Eve off and a make-up Saturday at the end of February.
    static let shanghai: BusinessCalendar = {
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
        calendar.holidays = [day("2026-12-31"), day("2026-04-30")]
        calendar.extraWorkingDays = [day("2026-02-28")]
        return calendar
    }()

    @Test("daily rules step N calendar days through DST changes, month ends and the leap day", arguments: [
        (1, "2026-03-06", ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]),
        (1, "2026-10-31", ["2026-11-01", "2026-11-02"]),
        (3, "2026-02-25", ["2026-02-28", "2026-03-03", "2026-03-06"]),
        (7, "2028-02-15", ["2028-02-22", "2028-02-29", "2028-03-07"]),
        (1, "2026-12-30", ["2026-12-31", "2027-01-01"]),
        (365, "2027-03-01", ["2028-02-29", "2029-02-28"]),
    ])
    func daily(interval: Int, start: String, expected: [String]) {
        #expect(series(RecurrenceRule(.daily, interval: interval), after: start, count: expected.count) == expected)
    }

    @Test("weekly rules fall on the chosen weekdays of every Nth week, weeks starting on Monday", arguments: [
        ([Weekday.monday, .thursday], 1, "2026-01-29", ["2026-02-02", "2026-02-05", "2026-02-09", "2026-02-12"]),
        ([.sunday], 1, "2026-03-01", ["2026-03-08", "2026-03-15"]),
        ([.monday, .sunday], 2, "2026-03-02", ["2026-03-08", "2026-03-16", "2026-03-22", "2026-03-30"]),
        ([.tuesday], 2, "2026-01-29", ["2026-02-10", "2026-02-24", "2026-03-10"]),
        ([.friday], 3, "2026-12-18", ["2027-01-08", "2027-01-29"]),
        ([.wednesday], 1, "2026-03-02", ["2026-03-04", "2026-03-11"]),  // from a day that is not an occurrence
        (Weekday.allCases, 1, "2026-10-30", ["2026-10-31", "2026-11-01", "2026-11-02"]),
        ([.tuesday], 1, "2028-02-22", ["2028-02-29", "2028-03-07"]),
    ])
    func weekly(days: [Weekday], interval: Int, start: String, expected: [String]) {
        let rule = RecurrenceRule(.weekly(Set(days)), interval: interval)
        #expect(series(rule, after: start, count: expected.count) == expected)
    }

    @Test("monthly rules keep their day, clamped to short months, without drifting after February", arguments: [
        (31, 1, "2027-12-31", ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31", "2028-06-30"]),
        (29, 1, "2027-01-29", ["2027-02-28", "2027-03-29"]),
        (30, 3, "2026-11-30", ["2027-02-28", "2027-05-30", "2027-08-30"]),
        (29, 12, "2028-02-29", ["2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"]),
        (1, 1, "2026-12-15", ["2027-01-01", "2027-02-01"]),
        (15, 1, "2026-01-10", ["2026-01-15", "2026-02-15"]),  // still ahead this month
        (15, 2, "2026-01-15", ["2026-03-15", "2026-05-15"]),
        (31, 1, "2026-01-30", ["2026-01-31", "2026-02-28", "2026-03-31"]),
    ])
    func monthlyDay(dayOfMonth: Int, interval: Int, start: String, expected: [String]) {
        let rule = RecurrenceRule(.monthly(.day(dayOfMonth)), interval: interval)
        #expect(series(rule, after: start, count: expected.count) == expected)
    }

    @Test("the last working day of the month follows the calendar's weekends, holidays and make-up days")
    func lastWorkingDay() {
        let rule = RecurrenceRule(.monthly(.lastWorkingDay))
        // 02-28 is a make-up Saturday, 04-30 a holiday Thursday, 05-31 a Sunday, 12-31 a holiday.
        #expect(series(rule, after: "2026-01-30", count: 4, calendar: Self.shanghai)
            == ["2026-02-28", "2026-03-31", "2026-04-29", "2026-05-29"])
        #expect(series(rule, after: "2026-12-01", count: 2, calendar: Self.shanghai) == ["2026-12-30", "2027-01-29"])
        #expect(series(rule, after: "2026-01-10", count: 1, calendar: Self.shanghai) == ["2026-01-30"])
        #expect(series(RecurrenceRule(.monthly(.lastWorkingDay), interval: 2), after: "2026-01-30", count: 3, calendar: Self.shanghai)
            == ["2026-03-31", "2026-05-29", "2026-07-31"])
        // Every day a working day: the month's last day, weekend or not.
        #expect(series(rule, after: "2026-01-31", count: 4) == ["2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"])
        #expect(series(rule, after: "2028-01-31", count: 1) == ["2028-02-29"])
    }

    @Test("occurrences are calendar dates, so a Friday 17:00 stays 17:00 local time across DST", arguments: [
        ("America/New_York", "2026-02-27", 22, 21), ("America/New_York", "2026-10-23", 21, 22),
        ("Pacific/Auckland", "2026-03-27", 4, 5), ("Pacific/Auckland", "2026-09-18", 5, 4),
        ("Asia/Shanghai", "2026-03-06", 9, 9),
    ])
    func noDriftAcrossDST(zone: String, start: String, utcHourBefore: Int, utcHourAfter: Int) throws {
        let rule = RecurrenceRule(.weekly([.friday]))
        let dates = series(rule, after: start, count: 2).map(day)
        var local = Calendar(identifier: .gregorian)
        local.timeZone = try #require(TimeZone(identifier: zone))
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = .gmt
        let instants = try ([day(start)] + dates).map { date in
            try #require(local.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 17)))
        }
        #expect(instants.allSatisfy { local.component(.hour, from: $0) == 17 })
        #expect(instants.map { utc.component(.hour, from: $0) } == [utcHourBefore, utcHourBefore, utcHourAfter])
    }

    // MARK: Validation and bounds

    @Test("validation names each problem", arguments: [
        (RecurrenceRule(.daily), [String]()),
        (RecurrenceRule(.daily, interval: 1000), []),
        (RecurrenceRule(.daily, interval: 0), ["interval"]),
        (RecurrenceRule(.daily, interval: -3), ["interval"]),
        (RecurrenceRule(.daily, interval: 1001), ["interval"]),
        (RecurrenceRule(.weekly([])), ["frequency"]),
        (RecurrenceRule(.weekly([.monday])), []),
        (RecurrenceRule(.monthly(.day(0))), ["frequency"]),
        (RecurrenceRule(.monthly(.day(32))), ["frequency"]),
        (RecurrenceRule(.monthly(.day(31))), []),
        (RecurrenceRule(.monthly(.day(1))), []),
        (RecurrenceRule(.monthly(.lastWorkingDay)), []),
        (RecurrenceRule(.monthly(.day(-1)), interval: 0), ["interval", "frequency"]),
    ])
    func validation(rule: RecurrenceRule, fields: [String]) {
        #expect(rule.validate().problems.map(\.field) == fields)
    }

    @Test("an invalid rule or start date has no next occurrence", arguments: [
        RecurrenceRule(.daily, interval: 0), RecurrenceRule(.daily, interval: -1), RecurrenceRule(.weekly([])),
        RecurrenceRule(.weekly([.monday]), interval: 0), RecurrenceRule(.monthly(.day(0))),
        RecurrenceRule(.monthly(.day(32))), RecurrenceRule(.monthly(.lastWorkingDay), interval: 0),
    ])
    func invalidRules(rule: RecurrenceRule) {
        #expect(rule.nextOccurrence(after: day("2026-01-15"), calendar: .alwaysOpen()) == nil)
    }

    @Test("a start that is not a real day has no next occurrence")
    func invalidStart() {
        let february30 = CalendarDate(year: 2026, month: 2, day: 30)
        for rule in [RecurrenceRule(.daily), RecurrenceRule(.weekly([.monday])), RecurrenceRule(.monthly(.day(1)))] {
            #expect(rule.nextOccurrence(after: february30, calendar: .alwaysOpen()) == nil)
        }
    }

    @Test("the last working day under a calendar with no working day answers nil at once")
    func closedCalendar() {
        let closed = BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: [], periods: [.init(9, to: 17)])
        // The work is counted in days visited, not timed: this month, then at most 120 months of 31 days.
        for interval in [1, 7, 1000] {
            let (next, days) = CalendarWork.countingDays {
                RecurrenceRule(.monthly(.lastWorkingDay), interval: interval)
                    .nextOccurrence(after: day("2026-01-01"), calendar: closed)
            }
            #expect(next == nil)
            #expect(days <= 31 + 120 * 31, "interval \(interval): \(days) days visited")
        }
    }

    @Test("ten thousand successive occurrences are real, increasing, on their rule, and repeat identically")
    func longSeries() throws {
        let rules = [
            RecurrenceRule(.daily, interval: 2), RecurrenceRule(.weekly([.tuesday, .saturday]), interval: 3),
            RecurrenceRule(.monthly(.day(31))), RecurrenceRule(.monthly(.day(29)), interval: 5),
            RecurrenceRule(.monthly(.lastWorkingDay)),
        ]
        for rule in rules {
            let first = series(rule, after: "2026-01-01", count: 10_000, calendar: Self.shanghai).map(day)
            #expect(first.count == 10_000)
            #expect(zip(first, first.dropFirst()).allSatisfy { $0 < $1 })
            #expect(first.allSatisfy { $0.isValid })
            #expect(series(rule, after: "2026-01-01", count: 10_000, calendar: Self.shanghai) == first.map(\.description))
            switch rule.frequency {
            case .daily:
                #expect(zip(first, first.dropFirst()).allSatisfy { $1.dayNumber - $0.dayNumber == rule.interval })
            case .weekly(let days):
                #expect(first.allSatisfy { days.contains($0.weekday) })
                let mondays = first.map { $0.adding(days: 1 - $0.weekday.rawValue).dayNumber }
                #expect(zip(mondays, mondays.dropFirst()).allSatisfy { [0, 7 * rule.interval].contains($1 - $0) })
            case .monthly(.day(let wanted)):
                #expect(first.allSatisfy { $0.day == min(wanted, $0.daysInMonth) })
                let months = first.map { $0.year * 12 + $0.month }
                #expect(zip(months, months.dropFirst()).allSatisfy { $1 - $0 == rule.interval })
            case .monthly(.lastWorkingDay):
                #expect(first.allSatisfy { Self.shanghai.lastWorkingDay(ofMonth: $0.month, year: $0.year) == $0 })
            }
        }
    }

    @Test("rules with random weekdays and intervals keep their rhythm (seeded)")
    func randomWeeklyRhythm() {
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_260_308
        var random = SplitMix64(seed: seed)
        for _ in 0..<200 {
            var days = Set(Weekday.allCases.filter { _ in random.below(3) == 0 })
            if days.isEmpty { days = [.sunday] }
            let rule = RecurrenceRule(.weekly(days), interval: 1 + random.below(5))
            let start = day("2026-01-01").adding(days: random.below(1000))
            var date = start
            var weeksWithOccurrences = Set<Int>()
            for _ in 0..<50 {
                guard let next = rule.nextOccurrence(after: date, calendar: .alwaysOpen()) else { break }
                #expect(next > date && days.contains(next.weekday), "seed \(seed): \(rule) after \(date)")
                weeksWithOccurrences.insert(next.adding(days: 1 - next.weekday.rawValue).dayNumber / 7)
                date = next
            }
            let weeks = weeksWithOccurrences.sorted()
            #expect(zip(weeks, weeks.dropFirst()).allSatisfy { $1 - $0 == rule.interval }, "seed \(seed): \(rule) from \(start)")
        }
    }

    @Test("a rule survives a JSON round trip", arguments: [
        RecurrenceRule(.daily, interval: 3), RecurrenceRule(.weekly([.monday, .sunday]), interval: 2),
        RecurrenceRule(.monthly(.day(31))), RecurrenceRule(.monthly(.lastWorkingDay), interval: 6),
    ])
    func codable(rule: RecurrenceRule) throws {
        let data = try JSONEncoder().encode(rule)
        #expect(try JSONDecoder().decode(RecurrenceRule.self, from: data) == rule)
    }

    // MARK: Edges

    @Test("an occurrence past the year 9999 is nil, not an invalid date")
    func pastTheLastYear() {
        #expect(RecurrenceRule(.daily, interval: 1000).nextOccurrence(after: day("9999-06-01"), calendar: .alwaysOpen()) == nil)
    }

    @Test("a huge interval, which validation rejects, answers nil instead of trapping")
    func hugeInterval() async {
        await #expect(processExitsWith: .success) {
            let start = CalendarDate(year: 2026, month: 1, day: 1)
            for rule in [
                RecurrenceRule(.daily, interval: .max), RecurrenceRule(.weekly([.monday]), interval: .max),
                RecurrenceRule(.monthly(.day(1)), interval: .max),
            ] {
                _ = rule.nextOccurrence(after: start, calendar: .alwaysOpen())
            }
        }
    }
}
