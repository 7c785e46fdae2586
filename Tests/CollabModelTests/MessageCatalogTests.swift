import CollabModel
import Foundation
import Testing

/// Locales, the catalog's layers and look-ups, and how values are written for each reader.
@Suite struct MessageCatalogTests {
    let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? .gmt

    @Test("a locale reads its most specific language first; Chinese without a script reads Simplified or Traditional")
    func candidates() {
        #expect(CollabLocale("zh-Hans-CN").languageCandidates == ["zh-Hans-CN", "zh-Hans", "zh"])
        #expect(CollabLocale("zh_CN").languageCandidates == ["zh-CN", "zh-Hans", "zh"])
        #expect(CollabLocale("zh-TW").languageCandidates == ["zh-TW", "zh-Hant", "zh"])
        #expect(CollabLocale("en-GB").languageCandidates == ["en-GB", "en"])
        #expect(CollabLocale("").languageCandidates.isEmpty)
    }

    @Test("a malformed locale identifier is refused, naming the field and the value")
    func validation() {
        #expect(CollabLocale("zh-Hans-CN").validate().problems.isEmpty)
        #expect(CollabLocale("en").validate().problems.isEmpty)
        for bad in ["", "e", "zh--CN", "中文", "en GB", String(repeating: "a", count: 40)] {
            let report = CollabLocale(bad).validate()
            #expect(!report.problems.isEmpty, "\(bad)")
            #expect(report.problems.first?.field == "locale")
        }
        let organization = Organization(id: "acme", name: "Acme", kind: .internal, locale: "??")
        #expect(organization.validate().problems.map(\.field) == ["locale"])
        let member = Member(id: "li", organizationID: "acme", displayName: "Li", handle: "li", locale: "x")
        #expect(member.validate().problems.map(\.field) == ["locale"])
    }

    @Test("dates, times, numbers, percentages and durations are written for the reader's locale")
    func formats() {
        let chinese = MessageFormatter(locale: .simplifiedChinese, timeZone: shanghai)
        let english = MessageFormatter(locale: "en-GB", timeZone: shanghai)
        let day = CalendarDate(year: 2026, month: 12, day: 3)
        #expect(chinese.date(day) == "2026年12月3日 周四")
        #expect(english.date(day) == "Thu, 3 Dec 2026")
        #expect(MessageFormatter(locale: .english).date(day) == "Thu, Dec 3, 2026")
        let instant = Date(timeIntervalSince1970: 1_796_284_800)  // 2026-12-03T08:00Z = 16:00 in Shanghai
        #expect(chinese.dateTime(instant) == "2026年12月3日 周四 16:00")
        #expect(english.dateTime(instant).contains("16:00"))
        #expect(chinese.percent(0.457) == "45.7%")
        #expect(chinese.percent(.nan) == "–")
        #expect(english.integer(12_345) == "12,345")
        #expect(chinese.duration(.seconds(45 * 60)) == "45 分钟")
        #expect(chinese.duration(.seconds(9_000)) == "2.5 小时")
        #expect(english.duration(.seconds(3 * 86_400)) == "3.0 days")
        #expect(chinese.list(["甲", "乙", "丙"]) == "甲、乙和丙")
        #expect(english.list(["a", "b", "c"]) == "a, b and c")
    }

    @Test("the host's catalog wins where it has a key; a missing key falls back to English, then to the key")
    func layers() {
        let host = MessageCatalog(["zh-Hans": ["state.completed": "完结"], "ja": ["state.completed": "完了"]])
        let chinese = MessageFormatter(catalog: host, locale: .simplifiedChinese)
        #expect(chinese.string("state.completed") == "完结")
        #expect(chinese.string("state.cancelled") == "已取消")
        #expect(MessageFormatter(catalog: host, locale: "ja").string("state.completed") == "完了")
        #expect(MessageFormatter(catalog: host, locale: "ja").string("state.cancelled") == "cancelled")
        #expect(chinese.string("no.such.key") == "no.such.key")
        let full = MessageCatalog.standard.merging(host)
        #expect(full.missingKeys(in: "ja").contains("state.cancelled"))
        #expect(!full.missingKeys(in: "ja").contains("state.completed"))
    }

    @Test("templates fill named values; other braces and unknown names are written as they are")
    func templates() {
        let catalog = MessageCatalog(["en": ["t": "{a} {b} {} {not a name} {{a}} {missing}"]])
        let text = MessageFormatter(layered: catalog, locale: .english)
            .string("t", ["a": "1", "b": .integer(2_000)])
        #expect(text == "1 2,000 {} {not a name} {1} {missing}")
        #expect(MessageCatalog.placeholders(in: "{x} and {y_2} but not {z z}") == ["x", "y_2"])
    }

    @Test("a message keeps its values as data through JSON, nested phrases and lists included")
    func codable() throws {
        let message = LocalizedMessage("notice.adjustment_requested", [
            "title": "周报", "count": .integer(3), "rate": .percent(0.5), "share": .decimal(1.25, fractionDigits: 2),
            "day": .date(CalendarDate(year: 2026, month: 1, day: 9)), "at": .dateTime(Date(timeIntervalSince1970: 1_000)),
            "deadline": .deadline(.endOfDay(CalendarDate(year: 2026, month: 1, day: 9))), "took": .duration(.seconds(90)),
            "state": .term("state.completed"),
            "change": .list([.message(LocalizedMessage("adjustment.title", ["title": "新"])), .term("adjustment.description")]),
        ])
        let data = try JSONEncoder().encode(message)
        #expect(try JSONDecoder().decode(LocalizedMessage.self, from: data) == message)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"durationSeconds\":90"))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(MessageArgument.self, from: Data("{\"unknown\":1}".utf8))
        }
        let text = MessageFormatter(locale: .simplifiedChinese).string(
            LocalizedMessage("notice.adjustment_requested.body", message.arguments.merging(["actor": "李伟", "reason": "数据未到"]) { a, _ in a }))
        #expect(text == "李伟申请将标题改为“新”和修改描述：数据未到")
    }

    @Test("a message's stored JSON is what JSONEncoder writes, reads back equal, and refuses numbers JSON cannot hold")
    func storedJSON() throws {
        let message = LocalizedMessage("notice.adjustment_requested", [
            "title": "周报 \"a/b\"\n\t\u{1}", "count": .integer(-3), "rate": .percent(0.125), "share": .decimal(1.25, fractionDigits: 2),
            "whole": .decimal(3, fractionDigits: 0), "big": .percent(1e300), "tiny": .percent(-2.5e-9),
            "day": .date(CalendarDate(year: 2026, month: 1, day: 9)), "at": .dateTime(Date(timeIntervalSince1970: 1_000.375)),
            "due": .deadline(.endOfDay(CalendarDate(year: 2026, month: 1, day: 9))),
            "exact": .deadline(.instant(Date(timeIntervalSince1970: 1_796_000_000.5))),
            "took": .duration(.milliseconds(90_125)), "state": .term("state.completed"),
            "change": .list([.message(LocalizedMessage("adjustment.title", ["title": "新"])), .term("adjustment.description"), .list([])]),
            "empty": .message(LocalizedMessage("x", [:])),
        ])
        let stored = try #require(message.storedJSON)
        #expect(LocalizedMessage(storedJSON: stored) == message)
        // The same JSON value JSONEncoder writes (numbers may be spelled differently).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let reference = try JSONSerialization.jsonObject(with: encoder.encode(message)) as? NSDictionary
        let ours = try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? NSDictionary
        #expect(ours != nil && ours == reference)
        #expect(stored.hasPrefix("{\"arguments\":{\"at\":{\"dateTime\":1000.375},\"big\":"))
        #expect(stored.hasSuffix("},\"key\":\"notice.adjustment_requested\"}"))
        #expect(LocalizedMessage("k", ["n": .percent(.nan)]).storedJSON == nil)
        #expect(LocalizedMessage("k", ["n": .list([.decimal(.infinity, fractionDigits: 1)])]).storedJSON == nil)
    }

    @Test("every standard text exists in English and Simplified Chinese, naming the same values")
    func standardCatalogComplete() {
        let catalog = MessageCatalog.standard
        let english = catalog.tables["en"] ?? [:]
        let chinese = catalog.tables["zh-Hans"] ?? [:]
        #expect(english.count > 100)
        #expect(Set(english.keys) == Set(chinese.keys))
        #expect(catalog.missingKeys(in: "zh-Hans").isEmpty && catalog.missingKeys(in: "en", comparedWith: "zh-Hans").isEmpty)
        for (key, template) in english {
            let other = chinese[key] ?? ""
            #expect(!template.isEmpty && !other.isEmpty, "\(key) is empty in a language")
            #expect(MessageCatalog.placeholders(in: template) == MessageCatalog.placeholders(in: other),
                "\(key) names different values in English and Chinese")
        }
        // A notice's title and body come in pairs.
        for key in english.keys where key.hasPrefix("notice.") {
            let base = key.hasSuffix(".title") ? String(key.dropLast(6)) : key.hasSuffix(".body") ? String(key.dropLast(5)) : nil
            guard let base else { Issue.record("\(key) is neither a title nor a body"); continue }
            #expect(english[base + ".title"] != nil && english[base + ".body"] != nil, "\(base) lacks its title or body")
        }
    }
}
