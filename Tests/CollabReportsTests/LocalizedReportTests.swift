import CollabModel
import CollabPermissions
import CollabReports
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reports in the reader's language: the organization's locale, a member's own, a host's catalog.
@Suite struct LocalizedReportTests {
    static let day: TimeInterval = 86_400
    /// Four weeks, the third without a created item.
    static let weeks = ReportSpec(
        period: CalendarDate(year: 2025, month: 12, day: 29)...CalendarDate(year: 2026, month: 1, day: 25), grouping: .week)

    struct World {
        let h: TestHarness
        var store: any CollabStorage { h.store }
        func generator(messages: MessageCatalog? = nil) -> ReportGenerator {
            ReportGenerator(store: store, clock: h.clock, messages: messages)
        }
    }

    func world(_ locale: CollabLocale, members: [Member.ID: CollabLocale] = [:]) async throws -> World {
        let h = try TestHarness()
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai", locale: locale)
        try await h.addDepartment("prod", in: "acme", name: "生产部")
        try await h.addDepartment("sales", in: "acme", name: "销售部")
        try await h.addMember("boss", in: "acme", administrator: true, name: "老板")
        try await h.addMember("li", in: "acme", departments: [DepartmentMembership("prod")], name: "李伟")
        let start = h.clock.now()  // 2026-01-01
        func make(_ title: String, _ department: Department.ID, dueIn days: Double) async throws -> WorkItem.ID {
            let deadline = Deadline.instant(h.clock.now().addingTimeInterval(days * Self.day))
            var draft = h.draft(title: title, assignees: ["li"], departments: [department], deadline: deadline)
            draft.description = String(repeating: "这是一段很长的任务说明，", count: 12)
            // Completing a recurring item starts its next occurrence: only the items left open repeat.
            if title != "季度总结" { draft.recurrence = RecurrenceRule(.weekly([.thursday, .monday])) }
            return try await h.engine.workItems.create(draft, by: "boss", submit: true).id
        }
        let first = try await make("季度总结", "prod", dueIn: 5)
        _ = try await make("采购计划", "sales", dueIn: 1)
        h.clock.advance(to: start.addingTimeInterval(1 * Self.day))
        try await h.engine.workItems.accept(first, by: "li")
        try await h.engine.workItems.start(first, by: "li")
        try await h.engine.workItems.submitForReview(first, by: "li")
        try await h.engine.workItems.approve(first, by: "boss")
        h.clock.advance(to: start.addingTimeInterval(6 * Self.day))  // week of 2026-01-05
        _ = try await make("设备检修", "prod", dueIn: 3)
        h.clock.advance(to: start.addingTimeInterval(20 * Self.day))  // week of 2026-01-19
        _ = try await make("客户回访", "sales", dueIn: 3)
        h.clock.advance(to: start.addingTimeInterval(22 * Self.day))
        for (id, locale) in members {
            guard var member = try await h.store.member(id) else { continue }
            member.locale = locale
            try await h.store.save(member)
        }
        return World(h: h)
    }

    /// Every text cell of every sheet, and the sheets' names.
    func texts(_ book: XLSXBook) throws -> [String] {
        var texts = book.sheetNames
        for index in book.sheetNames.indices {
            texts += try book.sheet(index + 1).cells.values.compactMap(\.text)
        }
        return texts
    }

    // MARK: Language

    @Test("a Chinese organization's workbook and item export are Chinese without the caller passing any text")
    func chineseByDefault() async throws {
        let w = try await world(.simplifiedChinese)
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("report.xlsx")
        let workbook = ReportWorkbook(
            sections: [.init(ReportSpec(grouping: .department)), .init(Self.weeks), .init(ReportSpec())],
            items: .all(.all), overview: .standard)
        let summary = try await w.generator().exportReport(workbook, as: "boss", to: url)
        #expect(summary.sheets.map(\.name) == ["概览", "按部门", "按周", "汇总", "任务"])
        let book = try XLSXBook(url)
        #expect(book.sheetNames == ["概览", "按部门", "按周", "汇总", "任务"])
        let overview = try book.sheet(1)
        #expect(overview.cells["A1"]?.text == "项目" && overview.cells["A4"]?.text == "生成时间")
        let byDepartment = try book.sheet(2)
        #expect(byDepartment.cells["A1"]?.text == "部门" && byDepartment.cells["E1"]?.text == "完成率")
        #expect(byDepartment.cells["M1"]?.text == "平均处理时长（天）")
        #expect(byDepartment.cells["A\(byDepartment.lastRow)"]?.text == "合计")
        let items = try book.sheet(5)
        #expect(items.cells["A1"]?.text == "编号" && items.cells["E1"]?.text == "状态")
        let states = Set((2...items.lastRow).compactMap { items.cells["E\($0)"]?.text })
        #expect(states == ["已完成", "已指派"])
        #expect((2...items.lastRow).contains { items.cells["AB\($0)"]?.text == "每周（周一、周四）" })

        let all = try texts(book)
        #expect(!all.contains { $0.hasPrefix("report.") || $0.hasPrefix("export.") || $0.hasPrefix("state.") },
            "every text comes from the catalog: \(all.filter { $0.contains(".") })")

        let csv = folder.file("items.csv")
        try await w.generator().exportItems(as: "boss", to: csv, format: .csv(.excel), options: ItemExportOptions(columns: [.title, .state]))
        let text = String(decoding: try Data(contentsOf: csv).dropFirst(3), as: UTF8.self)
        #expect(text.hasPrefix("标题,状态\r\n"))
    }

    @Test("an English organization's workbook is English")
    func englishByDefault() async throws {
        let w = try await world(.english)
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("report.xlsx")
        let workbook = ReportWorkbook(
            sections: [.init(ReportSpec(grouping: .department)), .init(Self.weeks)], items: .all(.all), overview: .standard)
        try await w.generator().exportReport(workbook, as: "boss", to: url)
        let book = try XLSXBook(url)
        #expect(book.sheetNames == ["Overview", "By department", "By week", "Items"])
        let byDepartment = try book.sheet(2)
        #expect(byDepartment.cells["A1"]?.text == "Department" && byDepartment.cells["E1"]?.text == "Completion rate")
        #expect(byDepartment.cells["M1"]?.text == "Average cycle time (days)")
        #expect(byDepartment.cells["A\(byDepartment.lastRow)"]?.text == "Total")
        let items = try book.sheet(4)
        #expect(items.cells["A1"]?.text == "ID")
        #expect((2...items.lastRow).contains { items.cells["AB\($0)"]?.text == "weekly on Mon, Thu" })
        #expect(Set((2...items.lastRow).compactMap { items.cells["E\($0)"]?.text }) == ["completed", "assigned"])
    }

    @Test("a member's own locale wins over the organization's; an explicit locale wins over both")
    func memberOverride() async throws {
        let w = try await world(.simplifiedChinese, members: ["li": .english])
        let folder = try ExportFolder()
        defer { folder.remove() }
        let options = ItemExportOptions(columns: [.title, .state])
        try await w.generator().exportItems(as: "li", to: folder.file("li.xlsx"), options: options)
        let li = try XLSXBook(folder.file("li.xlsx"))
        let liSheet = try li.sheet(1)
        #expect(li.sheetNames == ["Items"] && liSheet.cells["A1"]?.text == "Title")
        try await w.generator().exportItems(as: "boss", to: folder.file("boss.xlsx"), options: options)
        let boss = try XLSXBook(folder.file("boss.xlsx"))
        let bossSheet = try boss.sheet(1)
        #expect(boss.sheetNames == ["任务"] && bossSheet.cells["A1"]?.text == "标题")
        var chosen = options
        chosen.locale = .simplifiedChinese
        try await w.generator().exportItems(as: "li", to: folder.file("chosen.xlsx"), options: chosen)
        let chosenSheet = try XLSXBook(folder.file("chosen.xlsx")).sheet(1)
        #expect(chosenSheet.cells["A1"]?.text == "标题")
        let charts = try await w.generator().charts(for: "li")
        #expect(charts.text.locale == .english)
    }

    @Test("a host catalog overrides one header and leaves the rest standard")
    func hostCatalog() async throws {
        let w = try await world(.simplifiedChinese)
        let folder = try ExportFolder()
        defer { folder.remove() }
        let ours = MessageCatalog(["zh-Hans": ["export.column.title": "任务名称", "report.column.completion_rate": "完成比例"]])
        let generator = w.generator(messages: ours)
        try await generator.exportItems(
            as: "boss", to: folder.file("items.xlsx"), options: ItemExportOptions(columns: [.id, .title, .state]))
        let sheet = try XLSXBook(folder.file("items.xlsx")).sheet(1)
        #expect(sheet.cells["A1"]?.text == "编号" && sheet.cells["B1"]?.text == "任务名称" && sheet.cells["C1"]?.text == "状态")
        try await generator.exportReport(
            ReportWorkbook(sections: [.init(ReportSpec(grouping: .department))]), as: "boss", to: folder.file("r.xlsx"))
        let report = try XLSXBook(folder.file("r.xlsx")).sheet(1)
        #expect(report.cells["E1"]?.text == "完成比例" && report.cells["D1"]?.text == "已完成")
        #expect(ItemExportColumn.title.title(for: .simplifiedChinese, messages: generator.messages) == "任务名称")
        #expect(ItemExportColumn.title.title(for: .english) == "Title")
        // The host's catalog alone: its header where it has one, Collab's where it has none.
        #expect(ItemExportColumn.title.title(for: .simplifiedChinese, messages: ours) == "任务名称")
        #expect(ItemExportColumn.state.title(for: .simplifiedChinese, messages: ours) == "状态")
    }

    // MARK: What a person can use

    @Test("a week in which nothing was created is empty cells in the workbook, never 0%")
    func emptyWeek() async throws {
        let w = try await world(.english)
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("weeks.xlsx")
        try await w.generator().exportReport(ReportWorkbook(sections: [.init(Self.weeks)]), as: "boss", to: url)
        let sheet = try XLSXBook(url).sheet(1)
        #expect(sheet.lastRow == 6, "four weeks and the total")
        // Row 4: the week of 2026-01-12.
        #expect(sheet.cells["A4"]?.value.flatMap(Double.init) == SheetXML.serial("2026-01-12T00:00:00"))
        #expect(sheet.cells["B4"]?.value == "0", "a count of 0 is a count")
        for column in ["E", "K", "L", "M", "N", "O"] {
            #expect(sheet.cells["\(column)4"] == nil, "column \(column) of an empty week")
        }
        #expect(sheet.cells["E2"]?.value == "0.5", "the first week: one of two completed")
        #expect(sheet.cells["E3"]?.value == "0", "the second week: 0% is data")
        let report = try await w.generator().report(Self.weeks, as: "boss")
        #expect(report.groups[2].metrics.hasData == false && report.groups[2].metrics.rates.completion == nil)
        #expect(report.groups[1].metrics.rates.completion == 0)
    }

    @Test("rates show as 0.0% and cycle times in days as 0.0, by the workbook's number formats")
    func numberFormats() async throws {
        let w = try await world(.simplifiedChinese)
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("formats.xlsx")
        try await w.generator().exportReport(ReportWorkbook(sections: [.init(ReportSpec(grouping: .department))]),
            as: "boss", to: url)
        let book = try XLSXBook(url)
        let styles = try book.text("xl/styles.xml")
        var codes: [Int: String] = [0: "General"]
        for match in styles.matches(of: #/<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"/>/#) {
            codes[Int(match.output.1) ?? -1] = String(match.output.2)
        }
        let cellXfs = try #require(styles.firstMatch(of: #/<cellXfs[^>]*>(.*?)</cellXfs>/#)).output.1
        let formats = cellXfs.matches(of: #/<xf numFmtId="([0-9]+)"/#).map { codes[Int($0.output.1) ?? -1] ?? "?" }
        #expect(formats.contains("0.0%") && formats.contains("0.0"))
        let sheet = try book.sheet(1)
        let rows = sheet.rowsByLabel()
        let prod = try #require(rows["生产部"])
        #expect(prod["E"]?.style.map { formats[$0] } == "0.0%" && prod["E"]?.value == "0.5")
        #expect(prod["M"]?.style.map { formats[$0] } == "0.0", "one completed item: a cycle time in days")
        #expect(abs((prod["M"]?.value.flatMap(Double.init) ?? 0) - 1) < 1e-9, "completed a day after creation")
    }

    @Test("every table sheet: frozen header row, autofilter, landscape fit to one page wide, header printed on each page, widths")
    func sheetLayout() async throws {
        let w = try await world(.simplifiedChinese)
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("layout.xlsx")
        let workbook = ReportWorkbook(
            sections: [.init(ReportSpec(grouping: .department)), .init(Self.weeks)], items: .all(.all), overview: .standard)
        try await w.generator().exportReport(workbook, as: "boss", to: url)
        let book = try XLSXBook(url)
        let definedNames = try book.text("xl/workbook.xml")
        for (index, name) in book.sheetNames.enumerated() {
            let xml = try book.sheet(index + 1).xml
            #expect(xml.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#), "\(name)")
            #expect(xml.contains("<autoFilter ref=\"A1:"), "\(name)")
            #expect(xml.contains(#"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#), "\(name)")
            #expect(xml.contains(#"<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>"#), "\(name)")
            #expect(definedNames.contains(
                "<definedName name=\"_xlnm.Print_Titles\" localSheetId=\"\(index)\">'\(name)'!$1:$1</definedName>"), "\(name)")
            let widths = xml.matches(of: #/<col min="[0-9]+" max="[0-9]+" width="([0-9.]+)"/#).compactMap { Double($0.output.1) }
            #expect(!widths.isEmpty && widths.allSatisfy { $0 <= 50 }, "\(name): \(widths)")
        }
        // The overview's values and the items' descriptions are long: capped, and wrapped.
        let items = try book.sheet(4)
        #expect(items.cells["D2"]?.style == 4, "a long description wraps")
        #expect(try book.text("xl/styles.xml").contains(#"<alignment vertical="top" wrapText="1"/>"#))
        #expect(items.cells["C2"]?.style == nil, "a short title does not")
    }

    // MARK: Charts

    /// The texts, lines and dots of an SVG, read with an XML parser (so it is well-formed).
    final class SVGReader: NSObject, XMLParserDelegate {
        var texts: [String] = []
        var polylines: [String] = []
        var circles: [String] = []
        var fontFamily: String?
        var bars = 0
        private var element = ""
        private var inCircle = false
        func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            self.element = element
            if element == "svg" { fontFamily = attributes["font-family"] }
            if element == "text" { texts.append("") }
            if element == "rect", attributes["fill"] == "#3B82F6" { bars += 1 }
            if element == "polyline" { polylines.append(attributes["points"] ?? "") }
            if element == "circle" { inCircle = true; circles.append("") }
        }
        func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
            if element == "circle" { inCircle = false }
            self.element = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if element == "text", !texts.isEmpty { texts[texts.count - 1] += string }
            if inCircle, !circles.isEmpty { circles[circles.count - 1] += string }
        }
    }

    func read(_ svg: String) throws -> SVGReader {
        let parser = XMLParser(data: Data(svg.utf8))
        let reader = SVGReader()
        parser.delegate = reader
        #expect(parser.parse(), "well-formed SVG")
        return reader
    }

    @Test("the trend chart: localized title, axis titles and a legend of two series; an empty week is a gap")
    func trendChart() async throws {
        let w = try await world(.simplifiedChinese)
        let charts = try await w.generator().charts(for: "boss")
        let report = try await w.generator().report(Self.weeks, as: "boss")
        let svg = try read(charts.completionTrend(report))
        #expect(svg.texts.contains("每周完成率与逾期率"))
        #expect(svg.texts.contains("周（自周一起）") && svg.texts.contains("占当周创建任务的比例"), "axis titles")
        #expect(svg.texts.contains("完成率") && svg.texts.contains("逾期率"), "a legend of the two series")
        // Weeks 1 and 2 have data, week 3 none, week 4 data: per series a line of two points, then a lone dot.
        #expect(svg.polylines.count == 2 && svg.polylines.allSatisfy { $0.split(separator: " ").count == 2 })
        #expect(svg.circles.count == 6)
        #expect(!svg.circles.contains { $0.contains("2026-01-12") }, "no dot, no 0%, in the empty week")
        let fonts = try #require(svg.fontFamily)
        for font in ["'Noto Sans CJK SC'", "'PingFang SC'", "'Microsoft YaHei'"] { #expect(fonts.contains(font)) }
        #expect(fonts.hasSuffix(",sans-serif"))

        let english = ReportCharts(locale: .english)
        let empty = try read(english.completionTrend(try await w.generator().report(
            ReportSpec(period: CalendarDate(year: 2026, month: 2, day: 2)...CalendarDate(year: 2026, month: 2, day: 15), grouping: .week),
            as: "boss")))
        #expect(empty.texts.contains("No data") && empty.circles.isEmpty && empty.polylines.isEmpty)
        let chinese = try read(charts.completionTrend(Report(
            organizationID: "acme", timeZoneIdentifier: "Asia/Shanghai", generatedAt: Date(), groups: [], total: ReportMetrics())))
        #expect(chinese.texts.contains("暂无数据"))
    }

    @Test("the department chart: localized title, axes and no-department label; no bar for a group without data")
    func departmentChart() async throws {
        let w = try await world(.simplifiedChinese)
        let charts = try await w.generator().charts(for: "boss")
        let report = try await w.generator().report(ReportSpec(grouping: .department), as: "boss")
        let groups = report.groups + [Report.Group(key: "", label: "", metrics: ReportMetrics(cancelled: 1))]
        let svg = try read(charts.completionByDepartment(Report(
            organizationID: report.organizationID, timeZoneIdentifier: report.timeZoneIdentifier,
            generatedAt: report.generatedAt, groups: groups, total: report.total)))
        #expect(svg.texts.contains("各部门完成率") && svg.texts.contains("部门") && svg.texts.contains("完成率（占创建任务）"))
        #expect(svg.texts.contains("生产部") && svg.texts.contains("（无部门）"))
        #expect(svg.texts.contains("–") && svg.bars == report.groups.count, "no data is no bar, not a bar at 0%")
        #expect(svg.texts.contains("0%"), "销售部 completed nothing of what it was given: that is 0%")
    }
}
