import CollabModel
import Testing

/// The standard catalog has every text in both languages it ships, with the same placeholders.
@Suite struct StandardCatalogTests {
    let catalog = MessageCatalog.standard

    @Test("English and Simplified Chinese have the same keys")
    func sameKeys() throws {
        #expect(catalog.languages == ["en", "zh-Hans"])
        let english = try #require(catalog.tables["en"])
        let chinese = try #require(catalog.tables["zh-Hans"])
        #expect(Set(english.keys) == Set(chinese.keys),
            "only English: \(Set(english.keys).subtracting(chinese.keys).sorted()); only Chinese: \(Set(chinese.keys).subtracting(english.keys).sorted())")
        #expect(catalog.missingKeys(in: "zh-Hans").isEmpty && catalog.missingKeys(in: "en", comparedWith: "zh-Hans").isEmpty)
    }

    @Test("each key names the same placeholders in both languages, and no text is empty")
    func samePlaceholders() throws {
        let english = try #require(catalog.tables["en"])
        let chinese = try #require(catalog.tables["zh-Hans"])
        for (key, template) in english {
            guard let other = chinese[key] else { continue }
            #expect(MessageCatalog.placeholders(in: template) == MessageCatalog.placeholders(in: other),
                "\(key): '\(template)' and '\(other)'")
            #expect(!template.isEmpty && !other.isEmpty, "\(key) is empty")
        }
    }

    @Test("the report, export and chart texts are there, under their prefixes, in both languages")
    func reportKeys() throws {
        let english = try #require(catalog.tables["en"])
        let reportKeys = english.keys.filter { $0.hasPrefix("report.") || $0.hasPrefix("export.") || $0.hasPrefix("chart.") }
        #expect(reportKeys.count > 100)
        for key in ["export.sheet.items", "report.sheet.overview", "report.sheet.by_department", "report.sheet.by_week",
                    "report.no_department", "report.total", "chart.no_data", "chart.axis.week", "chart.series.overdue_rate",
                    "weekday.short.monday", "list.separator"] {
            #expect(english[key] != nil && catalog.tables["zh-Hans"]?[key] != nil, "\(key)")
        }
        let zh = MessageFormatter(locale: .simplifiedChinese)
        #expect(zh.string("export.recurrence.every_weeks", ["count": .integer(2), "days": "周一、周四"]) == "每2周（周一、周四）")
        #expect(MessageFormatter(locale: "en-GB").string("report.column.cycle_time_mean") == "Average cycle time (days)")
    }
}
