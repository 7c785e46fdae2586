import CollabModel
import CollabPermissions
import CollabReports
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Item exports and report workbooks over a crafted world (the one of `ReportTests`, with every field of
/// an item filled somewhere), read back with a small ZIP and sheet reader of this file's own.
///
/// acme (Asia/Shanghai) has departments ops ⊃ {prod, equip}, and sales; created at 2026-01-01T00:00Z:
///
/// | item | title                  | lead dept | deadline        | what happens                               |
/// |------|------------------------|-----------|-----------------|--------------------------------------------|
/// | A    | 季度总结               | prod      | +5 days         | completed at +1 day                        |
/// | B    | 采购计划               | prod      | +2 days         | completed at +3 days (late)                |
/// | C    | 设备检修               | equip     | +2 days         | extended to +6 days, done at +3 days       |
/// | D    | -2                     | equip     | +2 days         | open, 40 % progress: overdue               |
/// | E    | =cmd|' /C calc'!A0     | sales     | end of Jan 11   | open; shared, tags, attachments, recurring |
/// | F    | 草稿任务               | prod      | +5 days         | a draft                                    |
/// | G    | @SUM(A1)               | none      | +5 days         | cancelled                                  |
/// | H    | +1                     | none      | +10 days        | reviewer, watcher, waits on outside party  |
///
/// Read at +4 days.
@Suite struct ReportExportTests {
    struct World {
        let h: TestHarness
        let items: [String: WorkItem.ID]
        var generator: ReportGenerator { ReportGenerator(store: h.store, clock: h.clock) }
    }

    static let day: TimeInterval = 86_400
    static let shanghai = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
    static let memberNames: [String: String] = ["boss": "老板", "li": "李伟", "wang": "王芳"]
    static let departmentNames: [String: String] = ["prod": "生产部", "equip": "设备部", "sales": "销售部", "ops": "运营中心"]

    func world() async throws -> World {
        let h = try TestHarness()
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addDepartment("ops", in: "acme", name: "运营中心")
        try await h.addDepartment("prod", in: "acme", parent: "ops", name: "生产部")
        try await h.addDepartment("equip", in: "acme", parent: "ops", name: "设备部")
        try await h.addDepartment("sales", in: "acme", name: "销售部")
        try await h.addMember("boss", in: "acme", administrator: true, name: "老板")
        try await h.addOrganization("partnerco", kind: .partner, externalCollaboration: true, partnerOf: "acme")
        try await h.addMember("li", in: "acme", departments: [DepartmentMembership("prod")], name: "李伟")
        try await h.addMember("wang", in: "acme", departments: [DepartmentMembership("equip")], name: "王芳")
        try await h.addMember("opshead", in: "acme", departments: [DepartmentMembership("ops", role: .head)])
        try await h.addMember("qian", in: "acme")
        try await h.addMember("amy", in: "partnerco")
        let start = h.clock.now()
        func deadline(_ days: Double) -> Deadline { .instant(start.addingTimeInterval(days * Self.day)) }
        func make(
            _ title: String, _ departments: [Department.ID], _ deadline: Deadline, assignees: [Member.ID] = ["li"],
            submit: Bool = true, configure: (inout WorkItemDraft) -> Void = { _ in }
        ) async throws -> WorkItem.ID {
            var draft = h.draft(title: title, assignees: assignees, departments: departments, deadline: deadline)
            configure(&draft)
            return try await h.engine.workItems.create(draft, by: "boss", submit: submit).id
        }
        var items: [String: WorkItem.ID] = [:]
        items["A"] = try await make("季度总结", ["prod"], deadline(5))
        items["B"] = try await make("采购计划", ["prod"], deadline(2))
        items["C"] = try await make("设备检修", ["equip"], deadline(2), assignees: ["wang"])
        items["D"] = try await make("-2", ["equip"], deadline(2), assignees: ["wang", "li"])
        // E's files are kept in sales' folder before E names them; the brief is external.
        let plan = try await h.attach("plan.pdf", to: .departmentFolder("sales"), by: "boss")
        let brief = try await h.attach("brief.pdf", to: .departmentFolder("sales"), by: "boss", visibility: .external)
        items["E"] = try await make(
            "=cmd|' /C calc'!A0", ["sales"], .endOfDay(CalendarDate(year: 2026, month: 1, day: 11))
        ) { draft in
            draft.tags = ["客户", "urgent"]
            draft.attachments = [plan, brief]
            draft.recurrence = RecurrenceRule(.weekly([.thursday, .monday]))
        }
        items["F"] = try await make("草稿任务", ["prod"], deadline(5), submit: false)
        items["G"] = try await make("@SUM(A1)", [], deadline(5))
        items["H"] = try await make("+1", [], deadline(10)) { draft in
            draft.reviewerID = "wang"
            draft.watcherIDs = ["qian"]
        }
        try await h.engine.workItems.cancel(items["G"]!, by: "boss")
        let extension_ = try await h.engine.workItems.requestAdjustment(
            items["C"]!, by: "wang", change: .init(deadline: deadline(6)), reason: "parts are late")
        try await h.engine.workItems.approveAdjustment(extension_.id, by: "boss")
        try await h.engine.workItems.share(items["E"]!, with: "partnerco", by: "boss")
        _ = try await h.engine.workItems.execute(.waitForExternal(items["H"]!, reason: "waiting for the supplier"), by: "li")

        func complete(_ id: WorkItem.ID, by worker: Member.ID) async throws {
            try await h.engine.workItems.accept(id, by: worker)
            try await h.engine.workItems.start(id, by: worker)
            try await h.engine.workItems.submitForReview(id, by: worker)
            try await h.engine.workItems.approve(id, by: "boss")
        }
        h.clock.advance(to: start.addingTimeInterval(1 * Self.day))
        try await complete(items["A"]!, by: "li")
        try await h.engine.workItems.accept(items["D"]!, by: "wang")
        try await h.engine.workItems.start(items["D"]!, by: "wang")
        try await h.engine.workItems.reportProgress(items["D"]!, by: "wang", text: "under way", percent: 40)
        h.clock.advance(to: start.addingTimeInterval(3 * Self.day))
        try await complete(items["B"]!, by: "li")
        try await complete(items["C"]!, by: "wang")
        h.clock.advance(to: start.addingTimeInterval(4 * Self.day))
        return World(h: h, items: items)
    }

    /// Every item of `world` as the store has it, in the export's order (soonest due, then id).
    func storedItems(_ w: World) async throws -> [WorkItem] {
        var items: [WorkItem] = []
        for id in w.items.values { items.append(try #require(try await w.h.store.workItem(id))) }
        return items.sorted { ($0.dueAt, $0.id.rawValue) < ($1.dueAt, $1.id.rawValue) }
    }

    /// The ids `viewer` may list through the engine, every page.
    func listed(_ w: World, as viewer: Member.ID) async throws -> [WorkItem.ID] {
        var ids: [WorkItem.ID] = []
        var cursor: String?
        repeat {
            let page = try await w.h.engine.workItems.list(as: viewer, page: PageRequest(limit: 500, cursor: cursor))
            ids += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }

    // MARK: Items

    @Test("every field of an item is a column, each cell of the right type and value")
    func everyField() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("items.xlsx")
        let summary = try await w.generator.exportItems(as: "boss", to: url)
        let stored = try await storedItems(w)
        #expect(summary.itemCount == stored.count && summary.sheets.map(\.name) == ["Items"])
        #expect(summary.sheets.first?.rows == stored.count)
        #expect(try folder.contents() == ["items.xlsx"])

        let book = try XLSXBook(url)
        #expect(book.sheetNames == ["Items"])
        let sheet = try book.sheet(1)
        #expect(!sheet.xml.contains("<f>") && !sheet.xml.contains("<f "))
        var expected = ItemColumns.header(chinese: false, row: 1)
        for (offset, item) in stored.enumerated() {
            expected += ItemColumns.cells(item, row: offset + 2, chinese: false, names: true)
        }
        sheet.expect(expected)
        #expect(sheet.lastRow == stored.count + 1)

        // Spot checks of the trickier fields, against the crafted world.
        let rows = sheet.rowsByID()
        let e = try #require(rows[w.items["E"]!.rawValue])
        #expect(e["deadline"]?.style == 2, "a date-only deadline is a date cell")
        #expect(e["tags"]?.text == "客户, urgent" && e["attachmentCount"]?.value == "2")
        #expect(e["attachmentNames"]?.text == "plan.pdf, brief.pdf")
        #expect(e["recurrence"]?.text == "weekly on Mon, Thu" && e["partnerOrganizations"]?.text == "partnerco")
        #expect(e["departments"]?.text == "销售部" && e["initiator"]?.text == "老板")
        let d = try #require(rows[w.items["D"]!.rawValue])
        #expect(d["assignees"]?.text == "王芳, 李伟" && d["progress"]?.value == "0.4" && d["state"]?.text == "in progress")
        #expect(d["deadline"]?.style == 3, "an exact deadline is a date-time cell")
        let h = try #require(rows[w.items["H"]!.rawValue])
        #expect(h["reviewer"]?.text == "王芳" && h["watchers"]?.text == "qian")
        #expect(h["waitingOnExternalSince"]?.style == 3 && h["externalWaitCount"]?.value == "1")
        let c = try #require(rows[w.items["C"]!.rawValue])
        #expect(c["closedAt"]?.style == 3 && c["state"]?.text == "completed")
        #expect(rows[w.items["A"]!.rawValue]?["reviewer"] == nil, "no reviewer: no cell")
    }

    @Test("a chosen subset of columns, in Chinese, by id")
    func subsetInChinese() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("任务.xlsx")
        let options = ItemExportOptions(
            columns: [.title, .state, .assignees, .deadline], locale: .simplifiedChinese, usesNames: false,
            sheetName: "任务清单")
        try await w.generator.exportItems(as: "boss", filter: WorkItemFilter(departmentID: "equip"), to: url, options: options)
        let book = try XLSXBook(url)
        #expect(book.sheetNames == ["任务清单"])
        let sheet = try book.sheet(1)
        #expect(sheet.cells["A1"]?.text == "标题" && sheet.cells["B1"]?.text == "状态" && sheet.cells["C1"]?.text == "执行人")
        #expect(sheet.lastRow == 3, "C and D take part in equip")
        let states = Set([sheet.cells["B2"]?.text, sheet.cells["B3"]?.text].compactMap { $0 })
        #expect(states == ["已完成", "进行中"])
        #expect(sheet.cells["C3"]?.text == "wang, li" || sheet.cells["C2"]?.text == "wang, li")
    }

    @Test("only the items the reader may see: a department head's, a watcher's, a partner's (redacted)")
    func visibility() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        func exported(_ reader: Member.ID) async throws -> [String: [String: SheetCell]] {
            let url = folder.file("\(reader).xlsx")
            try await w.generator.exportItems(as: reader, to: url)
            return try XLSXBook(url).sheet(1).rowsByID()
        }
        let head = try await exported("opshead")
        let headListed = try await listed(w, as: "opshead")
        #expect(Set(head.keys) == Set(headListed.map(\.rawValue)))
        #expect(Set(["A", "B", "C", "D"].map { w.items[$0]!.rawValue }).isSubset(of: Set(head.keys)))
        #expect(head[w.items["E"]!.rawValue] == nil && head[w.items["H"]!.rawValue] == nil)

        let watcher = try await exported("qian")
        #expect(Set(watcher.keys) == [w.items["H"]!.rawValue])

        let partner = try await exported("amy")
        #expect(Set(partner.keys) == [w.items["E"]!.rawValue])
        let e = try #require(partner[w.items["E"]!.rawValue])
        #expect(e["assignees"] == nil && e["departments"] == nil && e["tags"] == nil && e["watchers"] == nil)
        #expect(e["attachmentNames"]?.text == "brief.pdf" && e["attachmentCount"]?.value == "1")
        #expect(e["initiator"]?.text == "boss", "outside readers get member ids, not the directory's names")
        #expect(e["partnerOrganizations"]?.text == "partnerco")
        #expect(e["title"]?.text == "=cmd|' /C calc'!A0")

        await #expect(throws: CollabError.self) {
            try await w.generator.exportItems(
                as: "amy", filter: WorkItemFilter(departmentID: "sales"), to: folder.file("no.xlsx"))
        }
        await #expect(throws: CollabError.self) {
            try await w.generator.exportItems(as: "nobody", to: folder.file("no.xlsx"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("no.xlsx").path))
    }

    @Test("formula-like titles are text cells in .xlsx and quote-protected in CSV")
    func formulaLikeTitles() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        let titles = ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)"]
        let xlsx = folder.file("items.xlsx")
        try await w.generator.exportItems(as: "boss", to: xlsx, options: ItemExportOptions(columns: [.id, .title]))
        let sheet = try XLSXBook(xlsx).sheet(1)
        let cells = sheet.cells.values.filter { titles.contains($0.text ?? "") }
        #expect(cells.count == 4 && cells.allSatisfy { $0.type == "inlineStr" })
        #expect(!sheet.xml.contains("<f>") && !sheet.xml.contains("<f "))

        let csv = folder.file("items.csv")
        try await w.generator.exportItems(
            as: "boss", to: csv, format: .csv(.excel), options: ItemExportOptions(columns: [.id, .title, .version]))
        let bytes = try Data(contentsOf: csv)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let lines = String(decoding: bytes.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.first == "ID,Title,Version")
        let fields = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let written = Set(fields.map { $0[1] })
        for title in titles { #expect(written.contains("'" + title), "\(title) must be written as '\(title)") }
        #expect(fields.allSatisfy { Int($0[2]) != nil }, "numbers are not protected")
    }

    @Test("the same data gives byte-identical files")
    func deterministic() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        for name in ["one", "two"] {
            try await w.generator.exportItems(as: "boss", to: folder.file("\(name).xlsx"))
            try await w.generator.exportItems(as: "boss", to: folder.file("\(name).csv"), format: .csv(.excel))
            try await w.generator.exportReport(Self.chineseWorkbook(items: .all(.all)), as: "boss", to: folder.file("\(name)-report.xlsx"))
        }
        for suffix in [".xlsx", ".csv", "-report.xlsx"] {
            let one = try Data(contentsOf: folder.file("one\(suffix)"))
            let two = try Data(contentsOf: folder.file("two\(suffix)"))
            #expect(one == two, "\(suffix) differs")
        }
    }

    @Test("bad sheet names, repeated columns and empty workbooks are refused before a file is begun")
    func refusals() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("bad.xlsx")
        await expectInvalid {
            try await w.generator.exportItems(as: "boss", to: url, options: ItemExportOptions(sheetName: "a/b"))
        }
        await expectInvalid {
            try await w.generator.exportItems(as: "boss", to: url, options: ItemExportOptions(columns: [.id, .id]))
        }
        await expectInvalid {
            try await w.generator.exportItems(as: "boss", to: url, options: ItemExportOptions(columns: []))
        }
        await expectInvalid { try await w.generator.exportReport(ReportWorkbook(sections: []), as: "boss", to: url) }
        await expectInvalid {
            try await w.generator.exportReport(
                ReportWorkbook(sections: [.init("报表", ReportSpec()), .init("报表", ReportSpec(grouping: .department))]),
                as: "boss", to: url)
        }
        await expectInvalid {
            // Day grouping without a period: the report itself is refused.
            try await w.generator.exportReport(ReportWorkbook(sections: [.init("按日", ReportSpec(grouping: .day))]),
                as: "boss", to: url)
        }
        #expect(try folder.contents().isEmpty, "nothing written, no temporary file left")
    }

    /// The host rule of Documentation/Permissions.md and the `CollabPermissions` DocC, word for word.
    struct NoExportForContractors: AccessRuleExtension {
        let name = "no-export-for-contractors"
        let contractors: Set<Member.ID>
        func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
            request.action == .export && contractors.contains(request.subject.memberID)
                ? .deny("contractors may not export") : .abstain
        }
    }

    @Test("a host rule denying export refuses every export entry point and writes nothing; the member still lists and reads reports")
    func hostRuleDeniesExport() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        let rules: [any AccessRuleExtension] = [NoExportForContractors(contractors: ["li"])]
        let generator = ReportGenerator(store: w.h.store, clock: w.h.clock, accessControl: AccessControl(rules: rules))
        let attempts: [(String, () async throws -> Void)] = [
            ("items .xlsx", { try await generator.exportItems(as: "li", to: folder.file("items.xlsx")) }),
            ("items CSV", { try await generator.exportItems(as: "li", to: folder.file("items.csv"), format: .csv(.excel)) }),
            ("report workbook", {
                try await generator.exportReport(ReportWorkbook(sections: [.init("合计", ReportSpec())]), as: "li",
                    to: folder.file("report.xlsx"))
            }),
            ("report workbook with items", {
                try await generator.exportReport(Self.chineseWorkbook(items: .all(.all)), as: "li",
                    to: folder.file("report-items.xlsx"))
            }),
        ]
        for (name, attempt) in attempts {
            do {
                try await attempt()
                Issue.record("\(name): the export was allowed")
            } catch let error as CollabError {
                #expect(error.code == .forbidden, "\(name): \(error)")
                #expect(error.message.contains("contractors may not export"), "\(name): \(error.message)")
            }
        }
        #expect(try folder.contents().isEmpty, "nothing written, no temporary file left")

        // The same member still lists, counts and reads reports: only exporting is denied.
        var configuration = WorkflowEngine.Configuration()
        configuration.accessExtensions = rules
        let engine = WorkflowEngine(store: w.h.store, clock: w.h.clock, configuration: configuration)
        let listed = try await engine.workItems.list(as: "li", page: PageRequest(limit: 500))
        #expect(!listed.items.isEmpty)
        let summary = try await generator.summary(as: "li")
        #expect(summary.total > 0)
        let report = try await generator.report(ReportSpec(), as: "li")
        #expect(report.total.created == summary.total)
        // Another member exports under the same rule.
        let exported = try await generator.exportItems(as: "boss", to: folder.file("boss.xlsx"))
        #expect(exported.itemCount > 0)
    }

    func expectInvalid(_ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected invalid input", sourceLocation: sourceLocation)
        } catch let error as CollabError {
            #expect(error.code == .invalidInput, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a few thousand items stream through pages of 500 in order, each once")
    func streaming() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addDepartment("prod", in: "acme", name: "生产部")
        try await h.addMember("boss", in: "acme", administrator: true, name: "老板")
        try await h.addMember("li", in: "acme", departments: [DepartmentMembership("prod")], name: "李伟")
        let count = 2_345
        let start = h.clock.now()
        let drafts = (0..<count).map { index in
            h.draft(title: "批量任务 \(index)", assignees: ["li"], departments: ["prod"],
                deadline: .instant(start.addingTimeInterval(Double(index % 97 + 1) * 3_600)))
        }
        try await h.engine.workItems.importItems(drafts, by: "boss")
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        let folder = try ExportFolder()
        defer { folder.remove() }

        let xlsx = folder.file("many.xlsx")
        let summary = try await generator.exportItems(as: "boss", to: xlsx)
        #expect(summary.itemCount == count)
        let sheet = try XLSXBook(xlsx).sheet(1)
        #expect(sheet.lastRow == count + 1)
        let ids = (2...(count + 1)).compactMap { sheet.cells["A\($0)"]?.text }
        #expect(Set(ids).count == count, "every item once")
        let dues = (2...(count + 1)).compactMap { sheet.cells["O\($0)"]?.value }.compactMap(Double.init)
        #expect(dues.count == count && zip(dues, dues.dropFirst()).allSatisfy { $0 <= $1 }, "soonest due first")

        let csv = folder.file("many.csv")
        let csvSummary = try await generator.exportItems(as: "boss", to: csv, format: .csv(CSVWriter.Options()))
        #expect(csvSummary.itemCount == count)
        let text = try String(contentsOf: csv, encoding: .utf8)
        #expect(text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count == count + 1)
    }

    // MARK: Report workbooks

    static let departmentSpec = ReportSpec(grouping: .department)
    static let weekSpec = ReportSpec(
        period: CalendarDate(year: 2025, month: 12, day: 29)...CalendarDate(year: 2026, month: 1, day: 11), grouping: .week)

    static func chineseWorkbook(items: ReportWorkbook.ItemSheet) -> ReportWorkbook {
        ReportWorkbook(
            sections: [.init("按部门", departmentSpec), .init("按周", weekSpec), .init("合计", ReportSpec())],
            items: items, overview: .named("概览"), locale: .simplifiedChinese)
    }

    @Test("a report workbook: an overview, one sheet per section with a total row, and the overdue items")
    func reportWorkbook() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("report.xlsx")
        let summary = try await w.generator.exportReport(Self.chineseWorkbook(items: .overdue(.all)), as: "boss", to: url)
        #expect(summary.sheets.map(\.name) == ["概览", "按部门", "按周", "合计", "任务"])
        #expect(summary.itemCount == 2, "B completed late, D open past its deadline")
        #expect(summary.generatedAt == w.h.clock.now())

        let book = try XLSXBook(url)
        #expect(book.sheetNames == ["概览", "按部门", "按周", "合计", "任务"])
        let overview = try book.sheet(1)
        #expect(overview.cells["B2"]?.text == "acme" && overview.cells["B3"]?.text == "Asia/Shanghai")
        #expect(overview.cells["B4"]?.style == 3, "generated at: the clock's time, a date-time cell")
        let zh = MessageFormatter(locale: .simplifiedChinese)
        let weeks = "\(zh.date(CalendarDate(year: 2025, month: 12, day: 29))) 至 \(zh.date(CalendarDate(year: 2026, month: 1, day: 11)))"
        #expect(overview.cells["B6"]?.text == "全组织；\(weeks)；按周")
        #expect(overview.cells["A8"]?.text == "说明" && overview.lastRow == 8, "what an empty cell means")

        let byDepartment = try book.sheet(2)
        #expect(byDepartment.cells["A1"]?.text == "部门" && byDepartment.cells["E1"]?.text == "完成率")
        let rows = byDepartment.rowsByLabel()
        #expect(rows["生产部"]?["B"]?.value == "2" && rows["生产部"]?["E"]?.value == "1")
        #expect(rows["生产部"]?["H"]?.value == "1", "B was late")
        #expect(rows["设备部"]?["G"]?.value == "1" && rows["设备部"]?["I"]?.value == "1")
        #expect(rows["（无部门）"]?["R"]?.value == "1", "G was cancelled")
        #expect(rows["合计"]?["B"]?.value == "6" && rows["合计"]?["E"]?.value == "0.5")
        #expect(byDepartment.cells["A\(byDepartment.lastRow)"]?.text == "合计", "the total row comes last")

        let byWeek = try book.sheet(3)
        #expect(byWeek.cells["A1"]?.text == "周（自周一起）")
        #expect(byWeek.cells["A2"]?.style == 2
            && byWeek.cells["A2"]?.value.flatMap(Double.init) == SheetXML.serial("2025-12-29T00:00:00"))
        #expect(byWeek.cells["B2"]?.value == "6")
        for column in (2...18).map(ItemColumns.letters) {
            #expect(byWeek.cells["\(column)2"] == byWeek.cells["\(column)4"],
                "every item was created in the first week: its row equals the total (column \(column))")
        }
        #expect(byWeek.cells["A3"]?.style == 2 && byWeek.cells["B3"]?.value == "0", "the week of 2026-01-05: nothing created")
        for column in ["E", "K", "L", "M", "N", "O"] {
            #expect(byWeek.cells["\(column)3"] == nil, "no data is an empty cell, not 0% (column \(column))")
        }
        #expect(byWeek.cells["A4"]?.text == "合计" && byWeek.lastRow == 4)

        let total = try book.sheet(4)
        #expect(total.lastRow == 2 && total.cells["A2"]?.text == "合计")
        let mean = try #require(total.cells["M2"]?.value.flatMap(Double.init))
        #expect(abs(mean - 7.0 / 3) < 1e-9, "cycle time mean in days")
        #expect(total.cells["N2"]?.value == "3" && total.cells["O2"]?.value == "3")
        #expect(total.cells["K2"]?.value.flatMap(Double.init).map { abs($0 - 2.0 / 6) < 1e-12 } == true)

        let overdue = try book.sheet(5)
        #expect(overdue.cells["C1"]?.text == "标题")
        #expect(Set([overdue.cells["C2"]?.text, overdue.cells["C3"]?.text].compactMap { $0 }) == ["采购计划", "-2"])
        #expect(overdue.lastRow == 3)
    }

    @Test("CI sample: a report workbook and what openpyxl must read from it (COLLAB_XLSX_SAMPLE_DIR)")
    func sampleForPython() async throws {
        guard let directory = ProcessInfo.processInfo.environment["COLLAB_XLSX_SAMPLE_DIR"], !directory.isEmpty else {
            return
        }
        let w = try await world()
        let folder = URL(fileURLWithPath: directory, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("report.xlsx")
        let workbook = ReportWorkbook(
            sections: [.init("按部门", Self.departmentSpec), .init("按周 Weekly", Self.weekSpec)],
            items: .all(.all), itemOptions: ItemExportOptions(sheetName: "全部任务"), overview: .named("概览"),
            locale: .simplifiedChinese)
        try await w.generator.exportReport(workbook, as: "boss", to: url)

        var sheets: [SampleSheet] = []
        let zh = MessageFormatter(locale: .simplifiedChinese)
        let weeks = "\(zh.date(CalendarDate(year: 2025, month: 12, day: 29))) 至 \(zh.date(CalendarDate(year: 2026, month: 1, day: 11)))"
        sheets.append(SampleSheet(name: "概览", autofilter: "A1:B7", columns: 2, rows: 7, cells: [
            .text("A1", "项目"), .text("B1", "内容"), .text("A2", "组织"), .text("B2", "acme"),
            .text("A3", "时区"), .text("B3", "Asia/Shanghai"), .text("A4", "生成时间"),
            .date("B4", Self.local(w.h.clock.now()), format: "yyyy-mm-dd hh:mm:ss"),
            .text("A5", "按部门"), .text("B5", "全组织；全部时间；按部门"),
            .text("A6", "按周 Weekly"), .text("B6", "全组织；\(weeks)；按周"),
            .text("A7", "说明"), .text("B7", zh.string("report.overview.no_data_text")),
        ]))
        for (name, spec, header) in [("按部门", Self.departmentSpec, "部门"), ("按周 Weekly", Self.weekSpec, "周（自周一起）")] {
            let report = try await w.generator.report(spec, as: "boss")
            var cells = ReportColumns.header(first: header)
            var row = 2
            for group in report.groups {
                let label: SampleCell = if spec.grouping == .week {
                    .date("A\(row)", "\(group.key)T00:00:00", format: "yyyy-mm-dd")
                } else {
                    .text("A\(row)", group.label.isEmpty ? "（无部门）" : group.label)
                }
                cells += ReportColumns.cells(label: label, group.metrics, row: row)
                row += 1
            }
            cells += ReportColumns.cells(label: .text("A\(row)", "合计"), report.total, row: row)
            sheets.append(SampleSheet(name: name, autofilter: "A1:R\(row)", columns: 18, rows: row, cells: cells))
        }
        let stored = try await storedItems(w)
        var cells = ItemColumns.header(chinese: true, row: 1)
        for (offset, item) in stored.enumerated() {
            cells += ItemColumns.cells(item, row: offset + 2, chinese: true, names: true)
        }
        let last = ItemColumns.letters(ItemExportColumn.allCases.count)
        sheets.append(SampleSheet(
            name: "全部任务", autofilter: "A1:\(last)\(stored.count + 1)", columns: ItemExportColumn.allCases.count,
            rows: stored.count + 1, cells: cells))

        // The same expectation holds for this file's own reader.
        let book = try XLSXBook(url)
        #expect(book.sheetNames == sheets.map(\.name))
        for (index, sheet) in sheets.enumerated() { try book.sheet(index + 1).expect(sheet.cells) }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(SampleWorkbook(sheets: sheets)).write(to: folder.appendingPathComponent("report.expected.json"))
    }

    /// `2026-01-05T08:00:00`: the wall-clock time in Shanghai.
    static func local(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = shanghai
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}

// MARK: - Expected cells (the format Scripts/check_xlsx.py reads)

/// One cell the check expects: `type` is openpyxl's `s`, `n`, `d`, `b`, or `empty`.
private struct SampleCell: Encodable {
    var ref: String
    var type: String
    var text: String?
    var number: Double?
    var date: String?
    var numberFormat: String?

    enum CodingKeys: String, CodingKey {
        case ref, type, text, number, date
        case numberFormat = "number_format"
    }

    static func text(_ ref: String, _ text: String) -> SampleCell { SampleCell(ref: ref, type: "s", text: text) }
    static func number(_ ref: String, _ number: Double, format: String = "General") -> SampleCell {
        SampleCell(ref: ref, type: "n", number: number, numberFormat: format)
    }
    static func date(_ ref: String, _ local: String, format: String) -> SampleCell {
        SampleCell(ref: ref, type: "d", date: local, numberFormat: format)
    }
    static func empty(_ ref: String) -> SampleCell { SampleCell(ref: ref, type: "empty") }
}

private struct SampleSheet: Encodable {
    var name: String
    var frozen = "A2"
    var autofilter: String
    var columns: Int
    var rows: Int
    var cells: [SampleCell]
}

private struct SampleWorkbook: Encodable {
    var sheets: [SampleSheet]
}

/// What an item's row must hold, derived from the stored item independently of the exporter.
private enum ItemColumns {
    static let english = [
        "ID", "Organization", "Title", "Description", "State", "Priority", "Initiator", "Assignees", "Reviewer",
        "Watchers", "Departments", "Partner organizations", "Start", "Deadline", "Due at", "Tags", "Progress",
        "Pending adjustment", "Version", "Created", "Updated", "Closed", "State changed",
        "Waiting on outside party since", "Outside waits", "Attachments", "Attachment names", "Recurrence", "Series",
    ]
    static let chinese = [
        "编号", "组织", "标题", "描述", "状态", "优先级", "发起人", "执行人", "审核人", "关注人", "部门", "协作组织",
        "开始时间", "截止时间", "到期时刻", "标签", "进度", "待审调整", "版本", "创建时间", "更新时间", "关闭时间",
        "状态变更时间", "等待外部起始时间", "外部等待次数", "附件数", "附件名称", "重复规则", "系列",
    ]
    static let englishStates: [WorkItemState: String] = [
        .draft: "draft", .assigned: "assigned", .accepted: "accepted", .inProgress: "in progress", .inReview: "in review",
        .completed: "completed", .cancelled: "cancelled",
    ]
    static let chineseStates: [WorkItemState: String] = [
        .draft: "草稿", .assigned: "已指派", .accepted: "已接受", .inProgress: "进行中", .inReview: "待审核",
        .completed: "已完成", .cancelled: "已取消",
    ]

    static func letters(_ number: Int) -> String {
        var number = number
        var result = ""
        while number > 0 {
            let remainder = (number - 1) % 26
            result = String(UnicodeScalar(UInt8(65 + remainder))) + result
            number = (number - 1) / 26
        }
        return result
    }

    static func header(chinese zh: Bool, row: Int) -> [SampleCell] {
        let titles = zh ? chinese : english
        return titles.enumerated().map { .text("\(letters($0.offset + 1))\(row)", $0.element) }
    }

    static func cells(_ item: WorkItem, row: Int, chinese zh: Bool, names: Bool) -> [SampleCell] {
        func member(_ id: Member.ID) -> String { names ? ReportExportTests.memberNames[id.rawValue] ?? id.rawValue : id.rawValue }
        func department(_ id: Department.ID) -> String {
            names ? ReportExportTests.departmentNames[id.rawValue] ?? id.rawValue : id.rawValue
        }
        func text(_ ref: String, _ value: String?) -> SampleCell {
            guard let value, !value.isEmpty else { return .empty(ref) }
            return .text(ref, value)
        }
        func dateTime(_ ref: String, _ date: Date?) -> SampleCell {
            guard let date else { return .empty(ref) }
            return .date(ref, ReportExportTests.local(date), format: "yyyy-mm-dd hh:mm:ss")
        }
        var values: [(String) -> SampleCell] = []
        values.append { text($0, item.id.rawValue) }
        values.append { text($0, item.organizationID.rawValue) }  // org names equal their ids in the world
        values.append { text($0, item.title) }
        values.append { text($0, item.description) }
        values.append { text($0, zh ? chineseStates[item.state] : englishStates[item.state]) }
        values.append { text($0, zh ? ["high": "高", "medium": "中", "low": "低"][item.priority.rawValue] : item.priority.rawValue) }
        values.append { text($0, member(item.initiatorID)) }
        values.append { text($0, item.assigneeIDs.map(member).joined(separator: ", ")) }
        values.append { text($0, item.reviewerID.map(member)) }
        values.append { text($0, item.watcherIDs.map(member).joined(separator: ", ")) }
        values.append { text($0, item.departmentIDs.map(department).joined(separator: ", ")) }
        values.append { text($0, item.partnerOrganizationIDs.map(\.rawValue).joined(separator: ", ")) }
        values.append { dateTime($0, item.start) }
        values.append { ref in
            switch item.deadline {
            case .instant(let date): return dateTime(ref, date)
            case .endOfDay(let day): return .date(ref, "\(day)T00:00:00", format: "yyyy-mm-dd")
            }
        }
        values.append { dateTime($0, item.dueAt) }
        values.append { text($0, item.tags.joined(separator: ", ")) }
        values.append { ref in item.progressPercent.map { .number(ref, Double($0) / 100, format: "0%") } ?? .empty(ref) }
        values.append { text($0, item.pendingAdjustmentID?.rawValue) }
        values.append { .number($0, Double(item.version)) }
        values.append { dateTime($0, item.createdAt) }
        values.append { dateTime($0, item.updatedAt) }
        values.append { dateTime($0, item.closedAt) }
        values.append { dateTime($0, item.stateChangedAt) }
        values.append { dateTime($0, item.waitingOnExternalSince) }
        values.append { .number($0, Double(item.externalWaitCount)) }
        values.append { .number($0, Double(item.attachments.count)) }
        values.append { text($0, item.attachments.map(\.fileName).joined(separator: ", ")) }
        values.append { ref in
            // The world's only rule: weekly on Monday and Thursday.
            guard item.recurrence != nil else { return .empty(ref) }
            return .text(ref, zh ? "每周（周一、周四）" : "weekly on Mon, Thu")
        }
        values.append { text($0, item.seriesID?.rawValue) }
        return values.enumerated().map { $0.element("\(letters($0.offset + 1))\(row)") }
    }
}

/// What a report sheet's rows must hold (Chinese headers).
private enum ReportColumns {
    static let titles = [
        "创建数", "未完成", "已完成", "完成率", "按期完成", "延期后按期完成", "逾期完成", "逾期未完成", "逾期合计", "逾期率",
        "按期率", "平均处理时长（天）", "处理时长中位数（天）", "处理时长90分位（天）", "调整申请数", "调整批准数", "已取消",
    ]

    static func header(first: String) -> [SampleCell] {
        ([first] + titles).enumerated().map { .text("\(ItemColumns.letters($0.offset + 1))1", $0.element) }
    }

    static func cells(label: SampleCell, _ m: ReportMetrics, row: Int) -> [SampleCell] {
        func days(_ ref: String, _ duration: Duration?) -> SampleCell {
            guard let duration else { return .empty(ref) }
            return .number(ref, Double(duration.components.seconds) / 86_400, format: "0.0")
        }
        /// A rate, or an empty cell when there is nothing to divide by (no data, not 0%).
        func ratio(_ ref: String, _ part: Int, _ whole: Int) -> SampleCell {
            whole == 0 ? .empty(ref) : .number(ref, Double(part) / Double(whole), format: "0.0%")
        }
        let r = String(row)
        return [
            label, .number("B" + r, Double(m.created)), .number("C" + r, Double(m.open)),
            .number("D" + r, Double(m.completed)), ratio("E" + r, m.completed, m.created),
            .number("F" + r, Double(m.completedOnTime)), .number("G" + r, Double(m.completedOnTimeAfterExtension)),
            .number("H" + r, Double(m.completedLate)), .number("I" + r, Double(m.overdueOpen)),
            .number("J" + r, Double(m.overdueOpen + m.completedLate)),
            ratio("K" + r, m.overdueOpen + m.completedLate, m.created),
            ratio("L" + r, m.completedOnTime + m.completedOnTimeAfterExtension, m.completed),
            days("M" + r, m.cycleTimeMean), days("N" + r, m.cycleTimeMedian), days("O" + r, m.cycleTimeP90),
            .number("P" + r, Double(m.adjustmentsRequested)), .number("Q" + r, Double(m.adjustmentsApproved)),
            .number("R" + r, Double(m.cancelled)),
        ]
    }
}

// MARK: - Reading the files back

/// A fresh temporary folder.
struct ExportFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("collab-report-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
    func remove() { try? FileManager.default.removeItem(at: url) }
}

private struct ReadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An `.xlsx` of DEFLATE entries, read through its central directory and inflated (shared with
/// `LocalizedReportTests`).
struct XLSXBook {
    var entries: [String: [UInt8]] = [:]

    init(_ url: URL) throws {
        let data = Array(try Data(contentsOf: url))
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= data.count else { throw ReadError("read past the end at \(at)") }
            return Int(data[at]) | Int(data[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int {
            guard at >= 0, at + 4 <= data.count else { throw ReadError("read past the end at \(at)") }
            return try u16(at) | (try u16(at + 2)) << 16
        }
        let end = data.count - 22
        guard try u32(end) == 0x0605_4B50 else { throw ReadError("no end of central directory") }
        var at = try u32(end + 16)
        for _ in 0..<(try u16(end + 10)) {
            guard try u32(at) == 0x0201_4B50, try u16(at + 10) == 8 else { throw ReadError("bad central header") }
            let compressed = try u32(at + 20), size = try u32(at + 24), nameLength = try u16(at + 28)
            let offset = try u32(at + 42)
            let name = String(decoding: data[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            let start = offset + 30 + (try u16(offset + 26)) + (try u16(offset + 28))
            guard start + compressed <= data.count else { throw ReadError("\(name) runs past the end") }
            let bytes = try inflateRaw(Array(data[start..<(start + compressed)]))
            guard bytes.count == size else { throw ReadError("\(name) inflates to \(bytes.count) bytes, not \(size)") }
            entries[name] = bytes
            at += 46 + nameLength + (try u16(at + 30)) + (try u16(at + 32))
        }
    }

    func text(_ name: String) throws -> String {
        guard let bytes = entries[name] else { throw ReadError("no part \(name)") }
        return String(decoding: bytes, as: UTF8.self)
    }

    var sheetNames: [String] {
        guard let xml = try? text("xl/workbook.xml") else { return [] }
        return xml.matches(of: #/<sheet name="([^"]*)"/#).map { unescape(String($0.output.1)) }
    }

    func sheet(_ index: Int) throws -> SheetXML { SheetXML(xml: try text("xl/worksheets/sheet\(index).xml")) }
}

func unescape(_ text: String) -> String {
    text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#13;", with: "\r")
        .replacingOccurrences(of: "&amp;", with: "&")
}

/// One cell as written: its type attribute (`inlineStr`, `b`, none for numbers), style and raw value.
struct SheetCell: Equatable {
    var type: String?
    var style: Int?
    var value: String?
    /// The text of an inline string.
    var text: String? { type == "inlineStr" ? value : nil }
}

/// A worksheet's cells by reference (`B7`).
struct SheetXML {
    let xml: String
    var cells: [String: SheetCell] = [:]
    var lastRow = 0

    init(xml: String) {
        self.xml = xml
        let pattern = #/<c r="([A-Z]+)([0-9]+)"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?>(.*?)</c>/#
        for match in xml.matches(of: pattern) {
            let (_, column, row, style, type, body) = match.output
            var value: String?
            if let v = body.firstMatch(of: #/<v>(.*?)</v>/#) {
                value = String(v.output.1)
            } else if let t = body.firstMatch(of: #/<t(?: xml:space="preserve")?>(.*?)</t>/#) {
                value = unescape(String(t.output.1))
            }
            cells["\(column)\(row)"] = SheetCell(type: type.map(String.init), style: style.flatMap { Int($0) }, value: value)
            lastRow = max(lastRow, Int(row) ?? 0)
        }
    }

    /// Each data row's cells keyed by item column name, by the row's id (column A); for item sheets with
    /// all columns.
    func rowsByID() -> [String: [String: SheetCell]] {
        var result: [String: [String: SheetCell]] = [:]
        guard lastRow >= 2 else { return result }
        for row in 2...lastRow {
            guard let id = cells["A\(row)"]?.text else { continue }
            var fields: [String: SheetCell] = [:]
            for (index, column) in ItemExportColumn.allCases.enumerated() {
                fields[column.rawValue] = cells["\(ItemColumns.letters(index + 1))\(row)"]
            }
            result[id] = fields
        }
        return result
    }

    /// Each row's cells keyed by column letter, by the row's label (column A).
    func rowsByLabel() -> [String: [String: SheetCell]] {
        var result: [String: [String: SheetCell]] = [:]
        guard lastRow >= 2 else { return result }
        for row in 2...lastRow {
            guard let label = cells["A\(row)"]?.text else { continue }
            var fields: [String: SheetCell] = [:]
            for index in 1...18 {
                let letter = ItemColumns.letters(index)
                fields[letter] = cells["\(letter)\(row)"]
            }
            result[label] = fields
        }
        return result
    }

    /// Checks each expected cell against what was written: type, value and (for dates) style.
    fileprivate func expect(_ expected: [SampleCell], sourceLocation: SourceLocation = #_sourceLocation) {
        for spec in expected {
            let cell = cells[spec.ref]
            switch spec.type {
            case "empty":
                #expect(cell == nil, "\(spec.ref) should be empty, is \(String(describing: cell))", sourceLocation: sourceLocation)
            case "s":
                #expect(cell?.type == "inlineStr" && cell?.text == spec.text,
                    "\(spec.ref): \(String(describing: cell)), expected text \(spec.text ?? "")", sourceLocation: sourceLocation)
            case "n":
                let value = cell?.value.flatMap(Double.init)
                #expect(cell?.type == nil && value != nil && abs((value ?? .nan) - (spec.number ?? 0)) < 1e-9,
                    "\(spec.ref): \(String(describing: cell)), expected \(spec.number ?? 0)", sourceLocation: sourceLocation)
            case "d":
                let style = spec.numberFormat == "yyyy-mm-dd" ? 2 : 3
                let serial = spec.date.flatMap(Self.serial)
                let value = cell?.value.flatMap(Double.init)
                #expect(cell?.style == style && value != nil && serial != nil && abs(value! - serial!) < 1e-6,
                    "\(spec.ref): \(String(describing: cell)), expected \(spec.date ?? "")", sourceLocation: sourceLocation)
            default:
                Issue.record("unknown expected type \(spec.type)", sourceLocation: sourceLocation)
            }
        }
    }

    /// Excel's serial number of a wall-clock time `2026-01-05T08:00:00` (days since 1899-12-30).
    static func serial(_ local: String) -> Double? {
        let parts = local.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        guard let date = calendar.date(from: DateComponents(
            year: parts[0], month: parts[1], day: parts[2], hour: parts[3], minute: parts[4], second: parts[5]))
        else { return nil }
        return (date.timeIntervalSince1970 + 2_209_161_600) / 86_400
    }
}
