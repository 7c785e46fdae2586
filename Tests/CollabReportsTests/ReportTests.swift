import CollabModel
import CollabReports
import CollabStore
import CollabTesting
import Foundation
import Testing

/// Reports over crafted data whose every figure is known (Documentation/Reports.md defines them).
///
/// acme (Asia/Shanghai, UTC+8) has departments ops ⊃ {prod, equip}, and sales. Created at 2026-01-01T00:00Z:
///
/// | item | lead dept | deadline | what happens                                   | counts as            |
/// |------|-----------|----------|------------------------------------------------|----------------------|
/// | A    | prod      | +5 days  | completed at +1 day                            | on time, cycle 1 d   |
/// | B    | prod      | +2 days  | completed at +3 days                           | late, cycle 3 d      |
/// | C    | equip     | +2 days  | extended to +6 days (approved), done at +3 d   | on time after ext.   |
/// | D    | equip     | +2 days  | open                                           | overdue open         |
/// | E    | sales     | +10 days | open                                           | open                 |
/// | F    | prod      | +5 days  | a draft                                        | not counted          |
/// | G    | none      | +5 days  | cancelled                                      | cancelled            |
/// | H    | none      | +10 days | adjustment requested, rejected; open           | open                 |
///
/// The report is read at +4 days.
@Suite struct ReportTests {
    struct World {
        let h: TestHarness
        let items: [String: WorkItem.ID]
        var generator: ReportGenerator { ReportGenerator(store: h.store, clock: h.clock) }
    }

    static let day: TimeInterval = 86_400

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
        func make(_ title: String, _ departments: [Department.ID], _ days: Double, assignees: [Member.ID] = ["li"],
                  submit: Bool = true) async throws -> WorkItem.ID {
            try await h.engine.workItems.create(
                h.draft(title: title, assignees: assignees, departments: departments, deadline: deadline(days)),
                by: "boss", submit: submit
            ).id
        }
        var items: [String: WorkItem.ID] = [:]
        items["A"] = try await make("A", ["prod"], 5)
        items["B"] = try await make("B", ["prod"], 2)
        items["C"] = try await make("C", ["equip"], 2, assignees: ["wang"])
        items["D"] = try await make("D", ["equip"], 2, assignees: ["wang", "li"])
        items["E"] = try await make("E", ["sales"], 10)
        items["F"] = try await make("F", ["prod"], 5, submit: false)
        items["G"] = try await make("G", [], 5)
        items["H"] = try await make("H", [], 10)
        try await h.engine.workItems.cancel(items["G"]!, by: "boss")
        let extension_ = try await h.engine.workItems.requestAdjustment(
            items["C"]!, by: "wang", change: .init(deadline: deadline(6)), reason: "parts are late")
        try await h.engine.workItems.approveAdjustment(extension_.id, by: "boss")
        let refused = try await h.engine.workItems.requestAdjustment(
            items["H"]!, by: "li", change: .init(deadline: deadline(20)), reason: "busy")
        try await h.engine.workItems.rejectAdjustment(refused.id, by: "boss", reason: "no")
        try await h.engine.workItems.share(items["E"]!, with: "partnerco", by: "boss")

        func complete(_ id: WorkItem.ID, by worker: Member.ID) async throws {
            try await h.engine.workItems.accept(id, by: worker)
            try await h.engine.workItems.start(id, by: worker)
            try await h.engine.workItems.submitForReview(id, by: worker)
            try await h.engine.workItems.approve(id, by: "boss")
        }
        h.clock.advance(to: start.addingTimeInterval(1 * Self.day))
        try await complete(items["A"]!, by: "li")
        h.clock.advance(to: start.addingTimeInterval(3 * Self.day))
        try await complete(items["B"]!, by: "li")
        try await complete(items["C"]!, by: "wang")
        h.clock.advance(to: start.addingTimeInterval(4 * Self.day))
        return World(h: h, items: items)
    }

    @Test("the organization's figures, each with its known answer")
    func organizationFigures() async throws {
        let w = try await world()
        let report = try await w.generator.report(ReportSpec(), as: "boss")
        #expect(report.timeZoneIdentifier == "Asia/Shanghai")
        let m = report.total
        #expect(m.created == 6 && m.cancelled == 1 && m.open == 3 && m.completed == 3)
        #expect(m.completedOnTime == 1 && m.completedOnTimeAfterExtension == 1 && m.completedLate == 1)
        #expect(m.overdueOpen == 1 && m.overdue == 2)
        #expect(m.completionRate == 0.5 && abs(m.overdueRate - 2.0 / 6) < 1e-12 && abs(m.onTimeRate - 2.0 / 3) < 1e-12)
        #expect(m.cycleTimeMean == .milliseconds(Int64(7.0 / 3 * Self.day * 1000)))
        #expect(m.cycleTimeMedian == .seconds(3 * Self.day) && m.cycleTimeP90 == .seconds(3 * Self.day))
        #expect(m.adjustmentsRequested == 2 && m.adjustmentsApproved == 1)
        #expect(report.groups.count == 1 && report.groups[0].metrics == m)
    }

    @Test("by lead department, and a department report with and without its sub-departments")
    func departments() async throws {
        let w = try await world()
        let byDepartment = try await w.generator.report(ReportSpec(grouping: .department), as: "boss")
        let rows = Dictionary(uniqueKeysWithValues: byDepartment.groups.map { ($0.key, $0) })
        #expect(Set(rows.keys) == ["", "prod", "equip", "sales"])
        #expect(rows["prod"]?.label == "生产部" && rows["equip"]?.label == "设备部")
        #expect(rows["prod"]?.metrics.created == 2 && rows["prod"]?.metrics.completedLate == 1)
        #expect(rows["equip"]?.metrics.completedOnTimeAfterExtension == 1 && rows["equip"]?.metrics.overdueOpen == 1)
        #expect(rows[""]?.metrics.created == 1 && rows[""]?.metrics.cancelled == 1)
        #expect(byDepartment.groups.map(\.metrics.created).reduce(0, +) == byDepartment.total.created,
            "each item counts once, for its lead department")

        let ops = try await w.generator.report(
            ReportSpec(scope: .department("ops", includingSubdepartments: true)), as: "boss")
        #expect(ops.total.created == 4 && ops.total.completed == 3 && ops.total.overdueOpen == 1)
        let opsAlone = try await w.generator.report(
            ReportSpec(scope: .department("ops", includingSubdepartments: false)), as: "boss")
        #expect(opsAlone.total.created == 0)
        await #expect(throws: CollabError.self) {
            try await w.generator.report(ReportSpec(scope: .department("nowhere", includingSubdepartments: true)), as: "boss")
        }
    }

    @Test("by assignee: an item with two assignees counts for each, the total once; a personal report")
    func assignees() async throws {
        let w = try await world()
        let report = try await w.generator.report(ReportSpec(grouping: .assignee), as: "boss")
        let rows = Dictionary(uniqueKeysWithValues: report.groups.map { ($0.key, $0) })
        #expect(rows["li"]?.label == "李伟")
        #expect(rows["li"]?.metrics.created == 5, "A, B, D, E, H")
        #expect(rows["wang"]?.metrics.created == 2, "C, D")
        #expect(rows["li"]?.metrics.open == 3 && rows["wang"]?.metrics.open == 1, "open workload per person")
        #expect(report.total.created == 6)
        let personal = try await w.generator.report(ReportSpec(scope: .member("wang")), as: "boss")
        #expect(personal.total.created == 2 && personal.total.completedOnTimeAfterExtension == 1)
        // A member of another organization is not found, exactly like one who does not exist.
        let foreign = await #expect(throws: CollabError.self) {
            try await w.generator.report(ReportSpec(scope: .member("amy")), as: "boss")
        }
        let missing = await #expect(throws: CollabError.self) {
            try await w.generator.report(ReportSpec(scope: .member("nobody")), as: "boss")
        }
        #expect(foreign?.code == .notFound && foreign?.message == missing?.message.replacingOccurrences(
            of: "nobody", with: "amy"))
    }

    @Test("a report counts only what its reader may see")
    func permissionAware() async throws {
        let w = try await world()
        let head = try await w.generator.report(ReportSpec(), as: "opshead")
        #expect(head.total.created == 4, "the head of ops sees the items of ops and its sub-departments")
        let bystander = try await w.generator.report(ReportSpec(), as: "qian")
        #expect(bystander.total.created == 0 && bystander.total.cancelled == 0)
        let partner = try await w.generator.report(ReportSpec(), as: "amy")
        #expect(partner.total.created == 1, "only E is shared with partnerco")
        await #expect(throws: CollabError.self) {
            try await w.generator.report(ReportSpec(grouping: .department), as: "amy")
        }
    }

    @Test("days are the organization's: an item created at 23:59:59 and one at 00:00 in Shanghai fall on two days")
    func midnightInTheOrganizationsZone() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addMember("boss", in: "acme", administrator: true)
        try await h.addMember("li", in: "acme")
        let zero = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00Z, 08:00 in Shanghai
        h.clock.advance(to: zero.addingTimeInterval(16 * 3600 - 1))  // 23:59:59 on Jan 1 in Shanghai
        try await h.engine.workItems.create(h.draft(title: "late on the 1st", assignees: ["li"]), by: "boss")
        h.clock.advance(to: zero.addingTimeInterval(16 * 3600))  // 00:00 on Jan 2 in Shanghai
        try await h.engine.workItems.create(h.draft(title: "early on the 2nd", assignees: ["li"]), by: "boss")
        h.clock.advance(to: zero.addingTimeInterval(9 * Self.day))
        try await h.engine.workItems.create(h.draft(title: "on the 10th", assignees: ["li"]), by: "boss")
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        let jan1 = CalendarDate(year: 2026, month: 1, day: 1)
        let days = try await generator.report(
            ReportSpec(period: jan1...CalendarDate(year: 2026, month: 1, day: 3), grouping: .day), as: "boss")
        #expect(days.groups.map(\.key) == ["2026-01-01", "2026-01-02", "2026-01-03"])
        #expect(days.groups.map(\.metrics.created) == [1, 1, 0])
        #expect(days.total.created == 2)
        // 2026-01-01 is a Thursday: the first week is cut to Jan 1–4 and keyed by its Monday.
        let weeks = try await generator.report(
            ReportSpec(period: jan1...CalendarDate(year: 2026, month: 1, day: 11), grouping: .week), as: "boss")
        #expect(weeks.groups.map(\.key) == ["2025-12-29", "2026-01-05"])
        #expect(weeks.groups.map(\.metrics.created) == [2, 1])
        #expect(weeks.groups.map(\.metrics.open) == [2, 1] && weeks.groups.map(\.metrics.completed) == [0, 0])
        let months = try await generator.report(
            ReportSpec(period: CalendarDate(year: 2025, month: 12, day: 15)...jan1, grouping: .month), as: "boss")
        #expect(months.groups.map(\.label) == ["2025-12", "2026-01"])
        #expect(months.groups.map(\.metrics.created) == [0, 1])
        await #expect(throws: CollabError.self) { try await generator.report(ReportSpec(grouping: .day), as: "boss") }
    }

    @Test("filters: priority and a participating department")
    func filters() async throws {
        let w = try await world()
        let participating = try await w.generator.report(
            ReportSpec(filter: WorkItemFilter(departmentID: "equip")), as: "boss")
        #expect(participating.total.created == 2)
        let high = try await w.generator.report(
            ReportSpec(filter: WorkItemFilter(priorities: [.high])), as: "boss")
        #expect(high.total.created == 0)
        let medium = try await w.generator.report(
            ReportSpec(filter: WorkItemFilter(priorities: [.medium])), as: "boss")
        #expect(medium.total.created == 6)
    }

    @Test("by week, every figure of the week's items, and the weeks add up to the total")
    func weeklyFigures() async throws {
        let w = try await world()
        let period = CalendarDate(year: 2025, month: 12, day: 29)...CalendarDate(year: 2026, month: 1, day: 11)
        let weeks = try await w.generator.report(ReportSpec(period: period, grouping: .week), as: "boss")
        #expect(weeks.groups.map(\.key) == ["2025-12-29", "2026-01-05"])
        #expect(weeks.groups[0].metrics == weeks.total, "every item was created in the first week")
        #expect(weeks.total.completed == 3 && weeks.total.cancelled == 1 && weeks.total.open == 3)
        #expect(weeks.groups[1].metrics == ReportMetrics())
    }

    @Test("by tag: an item with two tags counts for each, untagged items under \"\", any tag text")
    func tags() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addMember("boss", in: "acme", administrator: true)
        try await h.addMember("li", in: "acme")
        for tags in [["安全", "季度"], ["安全"], [], [#"a"b\c,d"#]] {
            var draft = h.draft(title: "tagged", assignees: ["li"])
            draft.tags = tags
            try await h.engine.workItems.create(draft, by: "boss")
        }
        let report = try await ReportGenerator(store: h.store, clock: h.clock).report(ReportSpec(grouping: .tag), as: "boss")
        let rows = Dictionary(uniqueKeysWithValues: report.groups.map { ($0.key, $0.metrics.created) })
        #expect(rows == ["安全": 2, "季度": 1, "": 1, #"a"b\c,d"#: 1])
        #expect(report.total.created == 4)
    }

    @Test("a department board: figures, twelve weeks of trend, the sub-departments, the most overdue, two charts")
    func dashboard() async throws {
        let w = try await world()
        let board = try await w.generator.dashboard(of: "ops", as: "opshead")
        #expect(board.title == "运营中心")
        #expect(board.figures.created == 4 && board.figures.overdueOpen == 1)
        #expect(Set(board.departments.map(\.key)) == ["prod", "equip"])
        #expect(board.trend.count == 12)
        // Read on Monday 2026-01-05 in Shanghai: the items of Thursday 2026-01-01 are in the week before.
        #expect(board.trend.last?.key == "2026-01-05" && board.trend.last?.metrics.created == 0)
        #expect(board.trend[10].key == "2025-12-29" && board.trend[10].metrics.created == 4)
        #expect(board.topOverdue.map(\.id) == [w.items["D"]!])
        let charts = try await w.generator.charts(for: "opshead")
        let departments = charts.completionByDepartment(of: board)
        #expect(departments.contains("生产部") && departments.hasPrefix("<svg"))
        #expect(departments.contains("运营中心: completion rate by department"), "an English organization's reader")
        let trend = charts.completionTrend(of: board)
        #expect(trend.contains("2025-12-29") && trend.contains("Overdue rate"))
        await #expect(throws: CollabError.self) { try await w.generator.dashboard(of: nil, as: "amy") }
        await #expect(throws: CollabError.self) { try await w.generator.dashboard(of: "ops", as: "boss", weeks: 0) }
        let whole = try await w.generator.dashboard(of: nil, as: "boss", weeks: 4, topOverdue: 0)
        #expect(whole.title == "acme" && whole.figures.created == 6 && whole.topOverdue.isEmpty && whole.trend.count == 4)
    }
}
