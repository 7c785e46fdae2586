/// How a work item repeats: daily, weekly on chosen weekdays, or monthly on a day of the month or the
/// last working day.
///
/// Occurrences are calendar dates in the organization's zone, so they never drift across DST changes.
///
/// ```swift
/// let standup = RecurrenceRule(.weekly([.monday, .thursday]))
/// let report = RecurrenceRule(.monthly(.lastWorkingDay))
/// let next = report.nextOccurrence(after: CalendarDate(year: 2026, month: 1, day: 30), calendar: calendar)
/// ```
public struct RecurrenceRule: Hashable, Sendable, Codable {
    /// Which day of the month a monthly rule falls on.
    public enum MonthlyDay: Hashable, Sendable, Codable {
        /// This day of the month (1...31), clamped to the month's length: the 31st is Feb 28 or 29.
        case day(Int)
        /// The last working day of the month, by the business calendar.
        case lastWorkingDay
    }

    /// How often.
    public enum Frequency: Hashable, Sendable, Codable {
        /// Every ``RecurrenceRule/interval`` days.
        case daily
        /// On these weekdays, every ``RecurrenceRule/interval`` weeks (weeks start on Monday).
        case weekly(Set<Weekday>)
        /// On this day, every ``RecurrenceRule/interval`` months.
        case monthly(MonthlyDay)
    }

    /// How often.
    public var frequency: Frequency
    /// Every how many days, weeks or months (at least 1).
    public var interval: Int

    /// Creates a rule.
    public init(_ frequency: Frequency, interval: Int = 1) {
        self.frequency = frequency
        self.interval = interval
    }

    /// Lists every problem with the rule.
    public func validate() -> ValidationReport {
        var report = ValidationReport()
        if interval < 1 || interval > 1000 { report.add("interval", .outOfRange, "\(interval) is not within 1...1000") }
        switch frequency {
        case .daily: break
        case .weekly(let days):
            if days.isEmpty { report.add("frequency", .empty, "a weekly rule needs at least one weekday") }
        case .monthly(.day(let day)):
            if !(1...31).contains(day) { report.add("frequency", .outOfRange, "day \(day) is not within 1...31") }
        case .monthly(.lastWorkingDay): break
        }
        return report
    }

    /// The first occurrence strictly after `date`, or `nil` if the rule is invalid or the calendar has no
    /// working day where one is needed.
    /// An occurrence after the year 9999 is `nil` too.
    public func nextOccurrence(after date: CalendarDate, calendar: BusinessCalendar) -> CalendarDate? {
        guard validate().problems.isEmpty, date.isValid else { return nil }
        guard let next = unvalidatedNext(after: date, calendar: calendar), next.isValid, next > date else { return nil }
        return next
    }

    /// The next occurrence of a valid rule (interval within 1...1000, so no arithmetic can overflow).
    private func unvalidatedNext(after date: CalendarDate, calendar: BusinessCalendar) -> CalendarDate? {
        switch frequency {
        case .daily:
            return date.adding(days: interval)
        case .weekly(let days):
            guard !days.isEmpty else { return nil }
            let weekStart = date.adding(days: -(date.weekday.rawValue - 1))
            if let later = days.filter({ $0 > date.weekday }).min() {
                return weekStart.adding(days: later.rawValue - 1)
            }
            let first = days.min() ?? .monday
            return weekStart.adding(days: 7 * interval + first.rawValue - 1)
        case .monthly(.day(let day)):
            guard (1...31).contains(day) else { return nil }
            let thisMonth = date.adding(months: 0, day: day)
            if thisMonth > date { return thisMonth }
            return date.adding(months: interval, day: day)
        case .monthly(.lastWorkingDay):
            if let thisMonth = calendar.lastWorkingDay(ofMonth: date.month, year: date.year), thisMonth > date {
                return thisMonth
            }
            var month = date.adding(months: interval, day: 1)
            for _ in 0..<120 where month.year <= 9999 {
                if let last = calendar.lastWorkingDay(ofMonth: month.month, year: month.year) { return last }
                month = month.adding(months: interval, day: 1)
            }
            return nil
        }
    }
}
