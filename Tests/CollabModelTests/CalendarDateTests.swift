import CollabModel
import Foundation
import Testing

@Suite struct CalendarDateTests {
    @Test("a date-only deadline ends at the end of that day in the organization's zone")
    func endOfDayInShanghai() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let deadline = Deadline.endOfDay(CalendarDate(year: 2026, month: 11, day: 30))
        let due = try #require(deadline.dueInstant(in: shanghai))
        // 2026-12-01T00:00+08:00 is 2026-11-30T16:00Z.
        #expect(due == Date(timeIntervalSince1970: 1_796_054_400))
    }

    @Test("ISO dates parse only when they name a real day", arguments: [
        ("2026-02-28", true), ("2028-02-29", true), ("2026-02-29", false), ("2026-13-01", false),
        ("2026-1-01", false), ("abcd-ef-gh", false), ("", false), ("2026-02-2８", false), ("+026-02-28", false),
        ("2026/02/28", false), ("0000-01-01", false), ("9999-12-31", true), ("2026-02-28 ", false),
    ])
    func parsing(text: String, valid: Bool) {
        #expect((CalendarDate(iso: text) != nil) == valid)
        if valid { #expect(CalendarDate(iso: text)?.description == text) }
    }
}
