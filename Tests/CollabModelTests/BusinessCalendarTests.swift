import CollabModel
import CollabTesting
import Foundation
import Testing

/// An instant from local wall-clock parts in `zone`.
func at(_ zone: String, _ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone) ?? .gmt
    return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi)) ?? .distantPast
}

@Suite struct BusinessCalendarTests {
    static let zones = ["UTC", "Asia/Shanghai", "America/New_York", "Pacific/Auckland"]

    @Test("a 09:00–18:00 day with lunch is eight working hours, also on DST change days", arguments: [
        ("America/New_York", CalendarDate(year: 2026, month: 3, day: 9)),   // Monday after spring-forward Sunday
        ("America/New_York", CalendarDate(year: 2026, month: 11, day: 2)),
        ("Pacific/Auckland", CalendarDate(year: 2026, month: 4, day: 6)),
        ("Pacific/Auckland", CalendarDate(year: 2026, month: 9, day: 28)),
        ("Asia/Shanghai", CalendarDate(year: 2026, month: 6, day: 1)),
        ("UTC", CalendarDate(year: 2026, month: 6, day: 1)),
    ])
    func workingDay(zone: String, date: CalendarDate) {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: zone)
        let dayStart = date.startOfDay(in: calendar.timeZone)!
        let hours = calendar.workingTime(from: dayStart, to: dayStart.addingTimeInterval(30 * 3600)).timeInterval / 3600
        #expect(hours == 8)
    }

    @Test("on the DST Sunday itself a 24/7 calendar counts the real elapsed hours (23 and 25)")
    func dstSundays() {
        for (zone, date, hours) in [
            ("America/New_York", CalendarDate(year: 2026, month: 3, day: 8), 23.0),
            ("America/New_York", CalendarDate(year: 2026, month: 11, day: 1), 25.0),
            ("Pacific/Auckland", CalendarDate(year: 2026, month: 4, day: 5), 25.0),
            ("Pacific/Auckland", CalendarDate(year: 2026, month: 9, day: 27), 23.0),
        ] {
            let calendar = BusinessCalendar.alwaysOpen(timeZoneIdentifier: zone)
            let start = date.startOfDay(in: calendar.timeZone)!
            let end = date.adding(days: 1).startOfDay(in: calendar.timeZone)!
            #expect(calendar.workingTime(from: start, to: end).timeInterval / 3600 == hours, "\(zone) \(date)")
            #expect(calendar.workingIntervals(on: date).count == 1)
        }
    }

    @Test("a period inside the skipped hour neither crashes nor loops")
    func skippedHour() {
        var calendar = BusinessCalendar.alwaysOpen(timeZoneIdentifier: "America/New_York")
        calendar.periods = [.init(2, 15, to: 2, 45)]
        let sunday = CalendarDate(year: 2026, month: 3, day: 8)
        #expect(calendar.workingIntervals(on: sunday).allSatisfy { $0.duration <= 1800 })
        #expect(calendar.addingWorkingTime(.seconds(3600), to: at("America/New_York", 2026, 3, 8, 0)) != nil)
    }

    @Test("eight working hours from Friday 16:00 end Monday 16:00 (2 h Friday, 3 h before lunch, 3 h after)")
    func addAcrossWeekend() {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
        let friday = at("Asia/Shanghai", 2026, 1, 9, 16)
        let end = calendar.addingWorkingTime(.seconds(8 * 3600), to: friday)
        #expect(end == at("Asia/Shanghai", 2026, 1, 12, 16))
        #expect(calendar.addingWorkingTime(.zero, to: friday) == friday)
        // From outside working hours, time starts counting at the next opening.
        #expect(calendar.addingWorkingTime(.seconds(3600), to: at("Asia/Shanghai", 2026, 1, 10, 11))
            == at("Asia/Shanghai", 2026, 1, 12, 10))
    }

    @Test("holidays are skipped and make-up working days count")
    func holidaysAndMakeUpDays() {
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
        calendar.holidays = [CalendarDate(year: 2026, month: 10, day: 1), CalendarDate(year: 2026, month: 10, day: 2)]
        calendar.extraWorkingDays = [CalendarDate(year: 2026, month: 9, day: 27)]  // a Sunday
        #expect(calendar.isWorkingDay(CalendarDate(year: 2026, month: 9, day: 27)))
        #expect(!calendar.isWorkingDay(CalendarDate(year: 2026, month: 10, day: 1)))
        // Wednesday 2026-09-30 17:00 plus 2 working hours: 1 hour that day, the holidays skipped, Monday 10:00.
        #expect(calendar.addingWorkingTime(.seconds(7200), to: at("Asia/Shanghai", 2026, 9, 30, 17))
            == at("Asia/Shanghai", 2026, 10, 5, 10))
        #expect(calendar.nextWorkingDay(after: CalendarDate(year: 2026, month: 9, day: 30))
            == CalendarDate(year: 2026, month: 10, day: 5))
    }

    @Test("paused intervals do not count, even when they overlap each other and the edges")
    func pauses() {
        let calendar = BusinessCalendar.standard(timeZoneIdentifier: "UTC")
        let monday9 = at("UTC", 2026, 1, 5, 9)
        let pauses = [
            DateInterval(start: at("UTC", 2026, 1, 5, 8), end: at("UTC", 2026, 1, 5, 10)),
            DateInterval(start: at("UTC", 2026, 1, 5, 9, 30), end: at("UTC", 2026, 1, 5, 11)),
        ]
        // 09:00–18:00 with lunch is 8 hours; 09:00–11:00 is paused: 6 hours remain.
        #expect(calendar.workingTime(from: monday9, to: at("UTC", 2026, 1, 5, 18), excluding: pauses).timeInterval == 6 * 3600)
        #expect(calendar.addingWorkingTime(.seconds(3600), to: monday9, excluding: pauses) == at("UTC", 2026, 1, 5, 12))
    }

    @Test("a calendar without working time answers nil quickly instead of hanging")
    func noWorkingTime() {
        let closed = BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: [], periods: [.init(9, to: 17)])
        #expect(closed.addingWorkingTime(.seconds(60), to: Date(timeIntervalSince1970: 0)) == nil)
        #expect(closed.workingTime(from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 86_400 * 365)) == .zero)
        #expect(closed.validate().problems.map(\.field) == ["workingDays"])
        let bad = BusinessCalendar(timeZoneIdentifier: "Mars/Base", workingDays: Weekday.weekdays,
            periods: [.init(9, to: 12), .init(11, to: 10)])
        #expect(Set(bad.validate().problems.map(\.field)) == ["timeZoneIdentifier", "periods[1]"])
    }

    @Test("adding working time and measuring it are inverse (randomized)")
    func inverseProperty() {
        // `COLLAB_SEED`, else the documented default 20261201 (Documentation/Reliability.md).
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap(UInt64.init) ?? 20_261_201
        var rng = SeededRandomNumberGenerator(seed: seed)
        var cases = 0
        for _ in 0..<400 {
            let zone = Self.zones.randomElement(using: &rng) ?? "UTC"
            var calendar = BusinessCalendar.standard(timeZoneIdentifier: zone)
            if Bool.random(using: &rng) { calendar.holidays = [CalendarDate(year: 2026, month: 3, day: 9)] }
            let start = Date(timeIntervalSince1970: 1_767_225_600 + Double(Int.random(in: 0..<(300 * 86_400), using: &rng)))
            let minutes = Int.random(in: 1...(60 * 60), using: &rng)
            let end = calendar.addingWorkingTime(.seconds(minutes * 60), to: start)
            #expect(end != nil)
            if let end {
                let measured = calendar.workingTime(from: start, to: end).timeInterval
                #expect(abs(measured - Double(minutes * 60)) < 0.01, "seed \(seed): \(zone) \(start) +\(minutes) min")
            }
            cases += 1
        }
        print("calendar property: \(cases) cases, seed \(seed)")
    }
}

@Suite struct RecurrenceRuleTests {
    let calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")

    func series(_ rule: RecurrenceRule, from start: CalendarDate, count: Int) -> [String] {
        var dates: [String] = []
        var date = start
        for _ in 0..<count {
            guard let next = rule.nextOccurrence(after: date, calendar: calendar) else { break }
            dates.append(next.description)
            date = next
        }
        return dates
    }

    @Test("daily, weekly and monthly series")
    func series() {
        let start = CalendarDate(year: 2026, month: 1, day: 29)  // a Thursday
        #expect(series(RecurrenceRule(.daily, interval: 2), from: start, count: 3) == ["2026-01-31", "2026-02-02", "2026-02-04"])
        #expect(series(RecurrenceRule(.weekly([.monday, .thursday])), from: start, count: 4)
            == ["2026-02-02", "2026-02-05", "2026-02-09", "2026-02-12"])
        #expect(series(RecurrenceRule(.weekly([.tuesday]), interval: 2), from: start, count: 2) == ["2026-02-10", "2026-02-24"])
        #expect(series(RecurrenceRule(.monthly(.day(31))), from: start, count: 4)
            == ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"])
        #expect(series(RecurrenceRule(.monthly(.day(29))), from: CalendarDate(year: 2028, month: 1, day: 30), count: 1)
            == ["2028-02-29"])
        // The last working day: 2026-01-30 is a Friday, 2026-02-27 a Friday, 2026-05-29 a Friday.
        #expect(series(RecurrenceRule(.monthly(.lastWorkingDay)), from: CalendarDate(year: 2026, month: 1, day: 2), count: 3)
            == ["2026-01-30", "2026-02-27", "2026-03-31"])
    }

    @Test("invalid rules are reported, and never loop")
    func invalid() {
        #expect(RecurrenceRule(.weekly([])).validate().problems.count == 1)
        #expect(RecurrenceRule(.monthly(.day(32)), interval: 0).validate().problems.count == 2)
        #expect(RecurrenceRule(.weekly([])).nextOccurrence(after: CalendarDate(year: 2026, month: 1, day: 1), calendar: calendar) == nil)
        let closed = BusinessCalendar(timeZoneIdentifier: "UTC", workingDays: [], periods: [.init(9, to: 17)])
        #expect(RecurrenceRule(.monthly(.lastWorkingDay)).nextOccurrence(
            after: CalendarDate(year: 2026, month: 1, day: 1), calendar: closed) == nil)
    }

    @Test("day arithmetic agrees with Foundation's calendar from 1614 to 2517 (Foundation is Julian before 1582)")
    func dayNumbers() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        for dayNumber in stride(from: -130_000, to: 200_000, by: 997) {
            let date = CalendarDate(dayNumber: dayNumber)
            #expect(date.dayNumber == dayNumber)
            let foundation = CalendarDate(Date(timeIntervalSince1970: Double(dayNumber) * 86_400), in: .gmt)
            #expect(date == foundation)
            let weekday = calendar.component(.weekday, from: Date(timeIntervalSince1970: Double(dayNumber) * 86_400))
            #expect(date.weekday.rawValue == (weekday + 5) % 7 + 1)
        }
    }
}
