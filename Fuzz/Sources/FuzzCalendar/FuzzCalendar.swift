import CollabModel
import Foundation
import FuzzSupport

// Business calendars and recurrence rules: the input is read as a BusinessCalendar, a RecurrenceRule,
// a combined case ({"calendar": ..., "rule": ..., "after": "YYYY-MM-DD"}) and, as raw text, by
// CalendarDate(iso:). A valid calendar is asked for working time over a bounded window; a valid rule for
// a bounded series of occurrences, which must be real days, strictly increasing.

/// A calendar, a rule and a start day together, so that rules meet custom calendars.
struct CalendarCase: Codable {
    var calendar: BusinessCalendar?
    var rule: RecurrenceRule?
    var after: CalendarDate?
}

/// A day derived from the input, within 2026–2027, so that runs are reproducible.
func anchorDay(_ bytes: Data) -> CalendarDate {
    let offset = bytes.reduce(0) { ($0 &* 31 &+ Int($1)) % 730 }
    return CalendarDate(year: 2026, month: 1, day: 1).adding(days: offset)
}

func check(_ calendar: BusinessCalendar, anchor: CalendarDate) {
    FuzzCheck.roundTrip(calendar)
    guard calendar.validate().problems.isEmpty else { return }
    let zone = calendar.timeZone
    guard let start = anchor.startOfDay(in: zone) else {
        fatalError("\(anchor) has no start of day in \(zone.identifier)")
    }
    _ = calendar.isWorkingTime(start)
    if let next = calendar.nextWorkingDay(after: anchor) {
        FuzzCheck.require(next > anchor && calendar.isWorkingDay(next), "next working day after \(anchor) is \(next)")
    }
    for offset in 0..<14 {
        for interval in calendar.workingIntervals(on: anchor.adding(days: offset)) {
            FuzzCheck.require(interval.duration > 0 && interval.duration <= 86_400 + 3_600, "bad working interval \(interval)")
        }
    }
    let fortnight = start.addingTimeInterval(14 * 86_400)
    let worked = calendar.workingTime(from: start, to: fortnight)
    FuzzCheck.require(worked >= .zero && worked <= .seconds(14 * 86_400 + 3_600), "worked \(worked) in a fortnight")
    let eightHours = Duration.seconds(8 * 3_600)
    if let end = calendar.addingWorkingTime(eightHours, to: start) {
        FuzzCheck.require(end > start, "eight working hours after \(start) end at \(end)")
        let measured = calendar.workingTime(from: start, to: end)
        FuzzCheck.require(
            abs((measured - eightHours) / .milliseconds(1)) <= 1_000,
            "eight working hours after \(start) end at \(end), which measures \(measured) (\(calendar))")
    }
}

func check(_ rule: RecurrenceRule, calendar: BusinessCalendar, after start: CalendarDate) {
    FuzzCheck.roundTrip(rule)
    let valid = rule.validate().problems.isEmpty
    var date = start
    for _ in 0..<12 {
        guard let next = rule.nextOccurrence(after: date, calendar: calendar) else { break }
        FuzzCheck.require(valid, "an invalid rule \(rule) has an occurrence")
        FuzzCheck.require(next.isValid && next > date, "\(rule) after \(date) gives \(next)")
        date = next
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let anchor = anchorDay(bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    if let date = CalendarDate(iso: text) {
        FuzzCheck.require(date.isValid && date.description == text, "'\(text)' parses as \(date)")
        FuzzCheck.require(CalendarDate(dayNumber: date.dayNumber) == date, "\(date) does not survive its day number")
    }
    if let calendar = FuzzCheck.decode(BusinessCalendar.self, from: bytes) {
        check(calendar, anchor: anchor)
    }
    if let rule = FuzzCheck.decode(RecurrenceRule.self, from: bytes) {
        check(rule, calendar: .standard(timeZoneIdentifier: "Europe/Berlin"), after: anchor)
    }
    if let both = FuzzCheck.decode(CalendarCase.self, from: bytes) {
        let calendar = both.calendar ?? .alwaysOpen()
        if both.calendar != nil { check(calendar, anchor: both.after ?? anchor) }
        if let rule = both.rule { check(rule, calendar: calendar, after: both.after ?? anchor) }
    }
    return 0
}
