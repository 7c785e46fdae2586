// The main scenario: a month of work in five departments, on a virtual clock. It ends on the last working
// day up to today (Asia/Shanghai) at 18:00 and starts 24 working days earlier, so it covers five calendar
// weeks. Every step happens at a business-hour time; between steps the clock moves from one due timer to
// the next and the engine's runner fires the timers (deadline reminders, overdue notices, escalations to
// the department heads, decision reminders) and delivers the notifications, as a host's `CollabRunner`
// would. The items are defined as data (`monthPlan`): the new-product project of the platform guide (a
// requirement with a survey workbook, a design rejected once, a pilot schedule extended) and the
// departments' routine work, each with the outcome it is meant to have at the month's end.

import CollabModel
import CollabReports
import CollabStore
import CollabWorkflow
import Foundation

let huangYan: Member.ID = "huang.yan"  // marketing specialist
let zhangPeng: Member.ID = "zhang.peng"  // technology engineer
let yangFan: Member.ID = "yang.fan"  // production quality engineer

// MARK: The calendar

/// The month's days and times, in Asia/Shanghai: its last day is the last working day (Monday to Friday) up to
/// today, its first the working day 24 working days before that.
struct MonthCalendar: Sendable {
    let zone: TimeZone
    let firstDay: CalendarDate
    let lastDay: CalendarDate

    init(today: Date = SystemClock().now(), zone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt) {
        self.zone = zone
        var day = CalendarDate(today, in: zone)
        while !Weekday.weekdays.contains(day.weekday) { day = day.adding(days: -1) }
        lastDay = day
        firstDay = MonthCalendar.adding(workingDays: -24, to: day)
    }

    static func adding(workingDays count: Int, to day: CalendarDate) -> CalendarDate {
        var day = day
        var left = abs(count)
        while left > 0 {
            day = day.adding(days: count > 0 ? 1 : -1)
            if Weekday.weekdays.contains(day.weekday) { left -= 1 }
        }
        return day
    }

    func adding(workingDays count: Int, to day: CalendarDate) -> CalendarDate {
        Self.adding(workingDays: count, to: day)
    }

    /// The instant at `hour:minute` on `day`.
    func at(_ day: CalendarDate, _ hour: Int, _ minute: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let midnight = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
            ?? Date(timeIntervalSince1970: 0)
        return midnight.addingTimeInterval(Double(hour * 3600 + minute * 60))
    }

    /// 08:30 on the first day.
    var start: Date { at(firstDay, 8, 30) }
    /// 18:00 on the last day.
    var end: Date { at(lastDay, 18, 0) }
    /// The report's "now": the month's end, or the wall clock when that is later (so that `report`, run on
    /// the month's last evening or any time after, counts what is overdue as the scenario left it).
    var reportTime: Date { max(end, SystemClock().now()) }
    /// The Monday of `day`'s week.
    func monday(of day: CalendarDate) -> CalendarDate { day.adding(days: -(day.weekday.rawValue - Weekday.monday.rawValue)) }
}

// MARK: The plan

/// What an item's month is meant to look like at the end.
enum Outcome: Sendable {
    /// Completed `workDays` working days after it was created, before its deadline.
    case onTime(workDays: Int)
    /// Rejected once by its reviewer, then completed `workDays` working days after it was created, on time.
    case rejectedOnce(workDays: Int)
    /// A deadline extension of `extraDays` working days approved on the deadline day; completed `workDays`
    /// working days after creation, after the first deadline and before the new one.
    case extended(extraDays: Int, workDays: Int)
    /// Completed `daysLate` working days after its deadline.
    case late(daysLate: Int)
    /// Past its deadline and still in progress.
    case overdueOpen
    /// In progress, due after the month's end.
    case inProgress
    /// Submitted for review on the day before the month's end; waiting for the reviewer.
    case inReview
    /// Cancelled by its initiator `afterDays` working days after it was created.
    case cancelled(afterDays: Int, reason: String)
    /// Created on the last day; not yet accepted.
    case assigned
}

/// A file a step uploads.
enum DemoFile: Sendable {
    /// The survey's results as an Excel workbook.
    case survey
    /// A one-page PDF showing `title`.
    case pdf(name: String, title: String)
}

/// One thing a person does to an item.
enum Move: Sendable {
    case create(WorkItemDraft, by: Member.ID)
    case accept(by: Member.ID)
    case start(by: Member.ID)
    case progress(by: Member.ID, text: String, percent: Int, file: DemoFile? = nil)
    case comment(by: Member.ID, text: String)
    case submit(by: Member.ID, note: String? = nil)
    case approve(by: Member.ID, note: String? = nil)
    case reject(by: Member.ID, reason: String)
    case requestExtension(by: Member.ID, to: CalendarDate, reason: String)
    case approveExtension(by: Member.ID, note: String? = nil)
    case cancel(by: Member.ID, reason: String)
}

/// A move at a time, on the item of the plan with this key.
struct Step: Sendable {
    let at: Date
    let item: String
    let move: Move
}

/// An item of the month and the steps that make its story.
struct PlannedItem: Sendable {
    let key: String
    let title: String
    let steps: [Step]
}

/// A department's routine task: who gives it to whom, when, and what becomes of it.
struct Routine: Sendable {
    let key: String
    let english: String
    let chinese: String
    let departments: [Department.ID]
    let initiator: Member.ID
    let assignee: Member.ID
    var reviewer: Member.ID? = nil
    var priority: Priority = .medium
    /// Created this many working days before the month's last day.
    let createdBefore: Int
    /// Due this many working days after it was created.
    let dueAfter: Int
    let outcome: Outcome
}

/// The departments' routine work over the month (the project's three items are `projectPlan`'s).
func routines(_ text: DemoText) -> [Routine] {
    let t = text.pick
    return [
        // Marketing (Zhao Lei)
        Routine(key: "m1", english: "Competitor price watch", chinese: "竞品价格监测报告", departments: [marketing],
            initiator: zhaoLei, assignee: huangYan, createdBefore: 23, dueAfter: 4, outcome: .onTime(workDays: 3)),
        Routine(key: "m2", english: "Year-end promotion plan", chinese: "年终促销方案", departments: [marketing],
            initiator: zhaoLei, assignee: chenJing, priority: .high, createdBefore: 20, dueAfter: 5,
            outcome: .late(daysLate: 2)),
        Routine(key: "m3", english: "Dealer conference invitations", chinese: "经销商大会邀请函", departments: [marketing],
            initiator: zhaoLei, assignee: huangYan, createdBefore: 14, dueAfter: 3, outcome: .onTime(workDays: 2)),
        Routine(key: "m4", english: "Online shop product pages", chinese: "电商详情页改版", departments: [marketing],
            initiator: zhaoLei, assignee: chenJing, createdBefore: 13, dueAfter: 6, outcome: .overdueOpen),
        Routine(key: "m5", english: "Social media plan for next month", chinese: "下月社媒内容排期", departments: [marketing],
            initiator: zhaoLei, assignee: huangYan, priority: .low, createdBefore: 4, dueAfter: 5, outcome: .inReview),
        Routine(key: "m6", english: "Trade fair booth booking", chinese: "展会展位预订", departments: [marketing],
            initiator: zhaoLei, assignee: huangYan, createdBefore: 9, dueAfter: 5,
            outcome: .cancelled(afterDays: 2, reason: t("The fair was postponed to spring.", "展会推迟到明年春季。"))),
        // Technology (Wang Fang)
        Routine(key: "t1", english: "X0 kettle: keep-warm firmware fix", chinese: "X0 水壶保温固件修复",
            departments: [technology], initiator: wangFang, assignee: zhangPeng, reviewer: wangFang, priority: .high,
            createdBefore: 22, dueAfter: 5, outcome: .rejectedOnce(workDays: 4)),
        Routine(key: "t2", english: "CCC certification documents", chinese: "3C 认证资料整理", departments: [technology],
            initiator: wangFang, assignee: liWei, createdBefore: 19, dueAfter: 6, outcome: .extended(extraDays: 5, workDays: 8)),
        Routine(key: "t3", english: "BOM cost review", chinese: "BOM 成本核算", departments: [technology],
            initiator: hePing, assignee: zhangPeng, createdBefore: 15, dueAfter: 5, outcome: .onTime(workDays: 3)),
        Routine(key: "t4", english: "Patent search report", chinese: "专利检索报告", departments: [technology],
            initiator: wangFang, assignee: liWei, priority: .low, createdBefore: 12, dueAfter: 4, outcome: .late(daysLate: 3)),
        Routine(key: "t5", english: "Test fixture design", chinese: "测试治具设计", departments: [technology, production],
            initiator: liuYang, assignee: zhangPeng, reviewer: wangFang, createdBefore: 3, dueAfter: 8, outcome: .inProgress),
        Routine(key: "t6", english: "Supplier sample tests", chinese: "供应商样品检测", departments: [technology],
            initiator: wangFang, assignee: liWei, priority: .high, createdBefore: 9, dueAfter: 4, outcome: .overdueOpen),
        // Production (Liu Yang)
        Routine(key: "p1", english: "Production plan for the month", chinese: "月度生产排程", departments: [production],
            initiator: liuYang, assignee: sunHao, priority: .high, createdBefore: 24, dueAfter: 3, outcome: .onTime(workDays: 2)),
        Routine(key: "p2", english: "5S audit: moulding shop", chinese: "注塑车间 5S 检查", departments: [production],
            initiator: liuYang, assignee: yangFan, createdBefore: 21, dueAfter: 2, outcome: .onTime(workDays: 1)),
        Routine(key: "p3", english: "Yield analysis of last month", chinese: "上月良率分析", departments: [production],
            initiator: liuYang, assignee: yangFan, createdBefore: 18, dueAfter: 3, outcome: .late(daysLate: 1)),
        Routine(key: "p4", english: "Night shift roster", chinese: "夜班人员排班", departments: [production],
            initiator: liuYang, assignee: sunHao, createdBefore: 16, dueAfter: 2, outcome: .onTime(workDays: 2)),
        Routine(key: "p5", english: "Packaging line changeover check", chinese: "包装线换型验证", departments: [production],
            initiator: liuYang, assignee: yangFan, createdBefore: 11, dueAfter: 4, outcome: .extended(extraDays: 3, workDays: 5)),
        Routine(key: "p6", english: "Production plan for next month", chinese: "下月生产排程", departments: [production],
            initiator: liuYang, assignee: sunHao, priority: .high, createdBefore: 2, dueAfter: 4, outcome: .inProgress),
        Routine(key: "p7", english: "Incoming defects review", chinese: "来料不良复盘", departments: [production],
            initiator: liuYang, assignee: yangFan, createdBefore: 8, dueAfter: 4, outcome: .rejectedOnce(workDays: 3)),
        Routine(key: "p8", english: "Safety training sign-off", chinese: "安全培训签到", departments: [production],
            initiator: hePing, assignee: sunHao, priority: .low, createdBefore: 0, dueAfter: 5, outcome: .assigned),
        // Equipment (Zhou Qiang)
        Routine(key: "e1", english: "Monthly equipment inspection", chinese: "月度设备点检", departments: [equipment],
            initiator: zhouQiang, assignee: wuGang, createdBefore: 23, dueAfter: 5, outcome: .onTime(workDays: 3)),
        Routine(key: "e2", english: "Air compressor service", chinese: "空压机保养", departments: [equipment],
            initiator: zhouQiang, assignee: wuGang, createdBefore: 17, dueAfter: 3, outcome: .late(daysLate: 2)),
        Routine(key: "e3", english: "CNC-3 spindle replacement", chinese: "CNC-3 主轴更换", departments: [equipment, production],
            initiator: liuYang, assignee: wuGang, priority: .high, createdBefore: 10, dueAfter: 3, outcome: .overdueOpen),
        Routine(key: "e4", english: "Spare parts list update", chinese: "备件清单更新", departments: [equipment],
            initiator: zhouQiang, assignee: wuGang, priority: .low, createdBefore: 6, dueAfter: 3, outcome: .onTime(workDays: 2)),
        Routine(key: "e5", english: "Forklift annual inspection", chinese: "叉车年检", departments: [equipment, warehouse],
            initiator: zhouQiang, assignee: wuGang, createdBefore: 1, dueAfter: 6, outcome: .inProgress),
        Routine(key: "e6", english: "Old press: scrapping assessment", chinese: "旧冲床报废评估", departments: [equipment],
            initiator: hePing, assignee: wuGang, priority: .low, createdBefore: 15, dueAfter: 5,
            outcome: .cancelled(afterDays: 1, reason: t("Kept as a spare for now.", "暂作备用设备，不再评估。"))),
        // Warehouse (Zheng Hui)
        Routine(key: "w1", english: "Month-end stocktake", chinese: "月末盘点", departments: [warehouse],
            initiator: zhengHui, assignee: fengLi, priority: .high, createdBefore: 24, dueAfter: 2, outcome: .onTime(workDays: 2)),
        Routine(key: "w2", english: "Slow-moving stock clearance", chinese: "呆滞物料清理", departments: [warehouse],
            initiator: zhengHui, assignee: fengLi, createdBefore: 19, dueAfter: 5, outcome: .late(daysLate: 4)),
        Routine(key: "w3", english: "Bin relocation for the new line", chinese: "新产线库位调整", departments: [warehouse],
            initiator: zhengHui, assignee: fengLi, createdBefore: 13, dueAfter: 4, outcome: .onTime(workDays: 3)),
        Routine(key: "w4", english: "Packaging material replenishment", chinese: "包材补货", departments: [warehouse, production],
            initiator: liuYang, assignee: fengLi, priority: .high, createdBefore: 8, dueAfter: 2, outcome: .onTime(workDays: 1)),
        Routine(key: "w5", english: "Stocktake preparation", chinese: "盘点准备", departments: [warehouse],
            initiator: zhengHui, assignee: fengLi, createdBefore: 1, dueAfter: 3, outcome: .inProgress),
        Routine(key: "w6", english: "Hazardous goods ledger check", chinese: "危化品台账核对", departments: [warehouse],
            initiator: zhengHui, assignee: fengLi, priority: .high, createdBefore: 6, dueAfter: 2, outcome: .overdueOpen),
    ]
}

/// The month's items and their steps: the project's three, then the routine work.
func monthPlan(_ month: MonthCalendar, _ text: DemoText) -> [PlannedItem] {
    projectPlan(month, text) + routines(text).enumerated().map { index, routine in
        routinePlan(routine, index: index, month, text)
    }
}

/// The steps that give `routine` its outcome, at business-hour times that vary with `index`.
func routinePlan(_ routine: Routine, index: Int, _ month: MonthCalendar, _ text: DemoText) -> PlannedItem {
    let t = text.pick
    let title = t(routine.english, routine.chinese)
    let created = month.adding(workingDays: -routine.createdBefore, to: month.lastDay)
    let due = month.adding(workingDays: routine.dueAfter, to: created)
    func day(_ workingDays: Int, from base: CalendarDate = created) -> CalendarDate {
        month.adding(workingDays: workingDays, to: base)
    }
    let hour = 9 + index % 3
    let minute = 5 + (index * 13) % 50
    let reviewer = routine.reviewer ?? routine.initiator
    var steps: [Step] = []
    func add(_ date: CalendarDate, _ hour: Int, _ minute: Int, _ move: Move) {
        steps.append(Step(at: month.at(date, hour, minute), item: routine.key, move: move))
    }
    let draft = WorkItemDraft(
        title: title, priority: routine.priority, assigneeIDs: [routine.assignee], reviewerID: routine.reviewer,
        departmentIDs: routine.departments, deadline: .endOfDay(due), tags: ["routine"])
    add(created, hour, minute, .create(draft, by: routine.initiator))
    if case .assigned = routine.outcome { return PlannedItem(key: routine.key, title: title, steps: steps) }
    add(created, hour + 1, minute + 4, .accept(by: routine.assignee))
    add(day(1), 9, 15 + index % 30, .start(by: routine.assignee))
    let nudge = t("@\(routine.assignee.rawValue) this is past due: when will it be done?",
        "@\(routine.assignee.rawValue) 这项已经逾期，请给个完成时间。")
    switch routine.outcome {
    case .onTime(let workDays):
        let done = day(workDays)
        if workDays >= 2 {
            add(day(workDays - 1), 16, 10 + index % 40, .progress(by: routine.assignee, text: t("Mostly done.", "大部分已完成。"),
                percent: 70))
        }
        add(done, 10, index % 50, .submit(by: routine.assignee))
        add(done, 15, 5 + index % 50, .approve(by: reviewer))
    case .rejectedOnce(let workDays):
        let done = day(workDays)
        add(day(workDays - 1), 11, 0, .progress(by: routine.assignee, text: t("First version ready.", "初版完成。"), percent: 90))
        add(day(workDays - 1), 16, index % 20, .submit(by: routine.assignee))
        add(done, 9, 40, .reject(by: reviewer,
            reason: t("The test results are missing; attach them and check the limits.", "缺少测试记录，请补充并核对限值。")))
        add(done, 13, 30, .progress(by: routine.assignee, text: t("Test results attached.", "已补充测试记录。"), percent: 100))
        add(done, 14, 10, .submit(by: routine.assignee, note: t("With the test results.", "已附测试记录。")))
        add(done, 16, 45, .approve(by: reviewer))
    case .extended(let extraDays, let workDays):
        let done = day(workDays)
        add(due, 9, 50, .progress(by: routine.assignee, text: t("Waiting for an outside party.", "在等外部反馈。"), percent: 50))
        add(due, 10, 20, .requestExtension(by: routine.assignee, to: day(extraDays, from: due),
            reason: t("The test lab needs more days than planned.", "外部检测机构排期比预期长。")))
        add(due, 14, index % 50, .approveExtension(by: routine.initiator, note: t("Agreed.", "同意。")))
        add(done, 10, 30, .submit(by: routine.assignee))
        add(done, 16, 10, .approve(by: reviewer))
    case .late(let daysLate):
        let done = day(daysLate, from: due)
        add(due, 15, 0, .progress(by: routine.assignee, text: t("Behind: waiting for data.", "进度滞后：在等数据。"), percent: 60))
        add(day(1, from: due), 9, 30, .comment(by: routine.initiator, text: nudge))
        add(done, 11, 5 + index % 40, .submit(by: routine.assignee))
        add(done, 16, 20, .approve(by: reviewer))
    case .overdueOpen:
        add(day(1), 15, 0, .progress(by: routine.assignee, text: t("Started; parts on order.", "已开始，配件在订购中。"),
            percent: 30))
        add(day(1, from: due), 9, 30, .comment(by: routine.initiator, text: nudge))
    case .inProgress:
        if day(1) <= month.lastDay {
            add(day(1), 15, 30, .progress(by: routine.assignee, text: t("Under way.", "进行中。"), percent: 40))
        }
    case .inReview:
        add(day(1), 11, 0, .progress(by: routine.assignee, text: t("Draft done.", "初稿完成。"), percent: 100))
        add(month.adding(workingDays: -1, to: month.lastDay), 16, 30, .submit(by: routine.assignee))
    case .cancelled(let afterDays, let reason):
        add(day(afterDays), 11, 0, .cancel(by: routine.initiator, reason: reason))
    case .assigned:
        break
    }
    return PlannedItem(key: routine.key, title: title, steps: steps)
}

/// The platform guide's cross-department project: marketing's requirement (a survey workbook uploaded, on
/// time), technology's design (two PDFs, rejected once, approved by the technology head) and production's pilot
/// schedule (a deadline extension approved, completed after the first deadline and before the new one).
func projectPlan(_ month: MonthCalendar, _ text: DemoText) -> [PlannedItem] {
    let t = text.pick
    func day(_ workingDays: Int, from base: CalendarDate) -> CalendarDate { month.adding(workingDays: workingDays, to: base) }
    var plans: [PlannedItem] = []

    let requirementTitle = t("X1 smart kettle: user requirements", "X1 智能水壶：用户需求调研")
    let r = month.firstDay
    func requirement(_ date: CalendarDate, _ hour: Int, _ minute: Int, _ move: Move) -> Step {
        Step(at: month.at(date, hour, minute), item: "requirement", move: move)
    }
    plans.append(PlannedItem(key: "requirement", title: requirementTitle, steps: [
        requirement(r, 9, 20, .create(WorkItemDraft(
            title: requirementTitle,
            description: t("Survey 2,000 target users; deliver a ranked list.", "调研 2000 名目标用户，给出需求排序。"),
            priority: .high, assigneeIDs: [chenJing], departmentIDs: [marketing], deadline: .endOfDay(day(8, from: r)),
            tags: ["new-product", "market-research"]), by: zhaoLei)),
        requirement(r, 10, 5, .accept(by: chenJing)),
        requirement(day(1, from: r), 9, 30, .start(by: chenJing)),
        requirement(day(4, from: r), 15, 40, .progress(by: chenJing,
            text: t("Survey closed: 2,143 answers.", "问卷已截止：收回 2143 份。"), percent: 80, file: .survey)),
        requirement(day(4, from: r), 16, 10, .comment(by: chenJing,
            text: t("@zhao.lei users want a keep-warm mode at 45–90 °C; worth a line in the brief?",
                "@zhao.lei 用户希望有 45–90 °C 保温模式，要写进产品简报吗？"))),
        requirement(day(6, from: r), 10, 30, .submit(by: chenJing)),
        requirement(day(6, from: r), 15, 0, .approve(by: zhaoLei, note: t("Clear and well argued.", "清楚，论证充分。"))),
    ]))

    let designTitle = t("X1 smart kettle: technical design", "X1 智能水壶：技术方案")
    let d = day(7, from: month.firstDay)
    func design(_ date: CalendarDate, _ hour: Int, _ minute: Int, _ move: Move) -> Step {
        Step(at: month.at(date, hour, minute), item: "design", move: move)
    }
    plans.append(PlannedItem(key: "design", title: designTitle, steps: [
        design(d, 10, 0, .create(WorkItemDraft(
            title: designTitle, description: t("Design to the approved requirements.", "按已批准的需求做技术方案。"),
            assigneeIDs: [liWei], reviewerID: wangFang, departmentIDs: [technology, marketing],
            deadline: .endOfDay(day(10, from: d)), tags: ["new-product", "design"]), by: zhaoLei)),
        design(d, 11, 0, .accept(by: liWei)),
        design(day(1, from: d), 9, 20, .start(by: liWei)),
        design(day(4, from: d), 17, 0, .progress(by: liWei, text: t("First design with a 1.8 kW element.", "初版方案：1.8 kW 发热盘。"),
            percent: 90, file: .pdf(name: "design-v1.pdf", title: "X1 design v1: 1.8 kW element"))),
        design(day(5, from: d), 10, 0, .submit(by: liWei)),
        design(day(5, from: d), 15, 30, .reject(by: wangFang, reason: t(
            "Thermal margin of the keep-warm circuit is too small; add a second sensor.",
            "保温电路的热裕量太小，请增加第二个温度传感器。"))),
        design(day(8, from: d), 16, 0, .progress(by: liWei,
            text: t("Second sensor added; margin now 12 K.", "已增加第二个传感器，裕量 12 K。"), percent: 100,
            file: .pdf(name: "design-v2.pdf", title: "X1 design v2: second sensor, 12 K margin"))),
        design(day(8, from: d), 16, 30, .submit(by: liWei, note: t("Addresses the thermal margin.", "已解决热裕量问题。"))),
        design(day(9, from: d), 11, 0, .approve(by: wangFang)),
    ]))

    let scheduleTitle = t("X1 smart kettle: pilot production schedule", "X1 智能水壶：试产排程")
    let s = day(12, from: month.firstDay)
    let scheduleDue = day(7, from: s)
    func schedule(_ date: CalendarDate, _ hour: Int, _ minute: Int, _ move: Move) -> Step {
        Step(at: month.at(date, hour, minute), item: "schedule", move: move)
    }
    plans.append(PlannedItem(key: "schedule", title: scheduleTitle, steps: [
        schedule(s, 9, 40, .create(WorkItemDraft(
            title: scheduleTitle, description: t("Schedule a pilot run of 500 units.", "安排 500 台试产。"),
            assigneeIDs: [sunHao], departmentIDs: [production], deadline: .endOfDay(scheduleDue),
            tags: ["new-product", "production"]), by: zhaoLei)),
        schedule(s, 10, 30, .accept(by: sunHao)),
        schedule(day(1, from: s), 9, 10, .start(by: sunHao)),
        schedule(day(1, from: s), 14, 0, .comment(by: liuYang, text: t("@sun.hao book line 3 for the pilot week.",
            "@sun.hao 试产那周请预留 3 号线。"))),
        schedule(scheduleDue, 10, 0, .requestExtension(by: sunHao, to: day(5, from: scheduleDue),
            reason: t("The tooling supplier needs one more week for the new mould.", "模具供应商新模具需要多一周。"))),
        schedule(scheduleDue, 16, 20, .approveExtension(by: zhaoLei,
            note: t("Agreed; keep me posted on the mould.", "同意，模具进度随时告诉我。"))),
        schedule(day(10, from: s), 11, 0, .progress(by: sunHao,
            text: t("Line 3 booked; materials ordered.", "3 号线已预留，物料已下单。"), percent: 100)),
        schedule(day(10, from: s), 11, 30, .submit(by: sunHao)),
        schedule(day(10, from: s), 17, 10, .approve(by: zhaoLei)),
    ]))
    return plans
}

// MARK: Playing it

/// What the month left, for the lines printed after it.
struct PlayedMonth {
    /// The items by plan key, in plan order.
    var items: [(key: String, id: WorkItem.ID)] = []
    /// The notifications delivered.
    var delivered = 0
}

/// Plays the month on `engine` (whose clock is `clock`, at the month's start): every step in time order; before
/// each, the clock moves from one due timer to the next and the runner fires them and delivers what is due.
func playMonth(
    _ engine: WorkflowEngine, clock: DemoClock, month: MonthCalendar, round: String, text: DemoText
) async throws -> PlayedMonth {
    let tally = TallyHook()
    let runner = try CollabRunner(engine: engine, hooks: [tally])
    let plan = monthPlan(month, text)
    let titles = Dictionary(uniqueKeysWithValues: plan.map { ($0.key, $0.title) })
    // Stable order: by time, then as planned.
    let steps = plan.flatMap(\.steps).enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
        .map(\.element).filter { $0.at <= month.end }
    var played = PlayedMonth()
    var ids: [String: WorkItem.ID] = [:]
    var keys: [WorkItem.ID: String] = [:]
    var adjustments: [String: AdjustmentRequest.ID] = [:]
    func name(_ id: Member.ID) -> String { text.name(of: id.rawValue) }
    func names(_ ids: [Member.ID]) -> String { ids.map(name).joined(separator: text.isChinese ? "、" : ", ") }

    // The week's figures, printed when the next week begins and at the end.
    var week: CalendarDate?
    var created = 0, completed = 0, noticesAtWeekStart = 0
    func closeWeek() {
        guard week != nil else { return }
        let notices = tally.notices.dropFirst(noticesAtWeekStart).filter { $0.itemID.map { keys[$0] != nil } == true }
        func count(_ kind: Notice.Kind) -> MessageArgument { .integer(notices.filter { $0.kind == kind }.count) }
        print(text("month.weekSummary", [
            "created": .integer(created), "completed": .integer(completed), "notices": .integer(notices.count),
            "reminders": count(.deadlineReminder), "overdue": count(.overdue), "escalated": count(.escalated),
        ]))
        created = 0
        completed = 0
        noticesAtWeekStart = tally.notices.count
    }
    func enterWeek(of date: Date) {
        let monday = month.monday(of: CalendarDate(date, in: month.zone))
        guard monday != week else { return }
        closeWeek()
        week = monday
        print("\n" + text("month.week", ["day": .text(text.day(monday))]))
    }
    /// Moves the clock to `date`, stopping at every timer due on the way.
    func advance(to date: Date) async throws {
        while true {
            let next = try await engine.store.nextTimerDue()
            let stop = next.map { min(max($0, clock.now()), date) } ?? date
            clock.move(to: stop)
            let (fired, _) = try await runner.runOnce()
            for timer in fired {
                guard let id = timer.timer.itemID, let key = keys[id], let title = titles[key], !timer.notified.isEmpty
                else { continue }
                let line: String
                switch timer.timer.kind {
                case .overdue: line = "event.overdue"
                case .escalation: line = "event.escalated"
                case .reviewReminder, .adjustmentReminder: line = "event.decisionReminder"
                default: continue
                }
                enterWeek(of: timer.firedAt)
                print("  " + text(line, [
                    "time": .text(text.dayTime(timer.firedAt)), "title": .text(title), "names": .text(names(timer.notified)),
                ]))
            }
            if stop >= date || (fired.isEmpty && next.map { $0 <= clock.now() } == true) { break }
        }
    }

    print(text("month.title", [
        "company": .text(text.name(of: company.rawValue)), "first": .text(text.day(month.firstDay)),
        "last": .text(text.day(month.lastDay)), "round": .text(round),
    ]))
    for step in steps {
        try await advance(to: step.at)
        enterWeek(of: step.at)
        let time = text.dayTime(step.at)
        let key = step.item
        let title = titles[key] ?? key
        if case .create(let draft, let initiator) = step.move {
            let item = try await engine.workItems.create(draft, by: initiator, idempotencyKey: "\(round)-\(key)")
            ids[key] = item.id
            keys[item.id] = key
            played.items.append((key, item.id))
            created += 1
            print("  " + text("event.created", [
                "time": .text(time), "initiator": .text(name(initiator)), "title": .text(title),
                "assignee": .text(names(draft.assigneeIDs)), "due": .text(text.due(draft.deadline)),
            ]))
            continue
        }
        guard let id = ids[key] else { continue }
        let keyed = "\(round)-\(key)-\(step.at.timeIntervalSince1970)"
        switch step.move {
        case .create:
            break
        case .accept(let member):
            try await engine.workItems.accept(id, by: member, idempotencyKey: keyed)
        case .start(let member):
            try await engine.workItems.start(id, by: member, idempotencyKey: keyed)
        case .progress(let member, let progressText, let percent, let file):
            var attachments: [FileAttachment] = []
            if let file {
                let (fileName, bytes) = switch file {
                case .survey: ("survey-results.xlsx", try surveyWorkbook())
                case .pdf(let pdfName, let pdfTitle): (pdfName, demoPDF(pdfTitle))
                }
                let attachment = try await attach(fileName, bytes, to: id, by: member, on: engine)
                if let document = attachment.documentID {
                    let kept = try await engine.documents.document(document, as: member)
                    if let version = kept.versions.last {
                        print("  " + text("event.uploaded", [
                            "time": .text(time), "member": .text(name(member)), "file": .text(kept.name),
                            "type": .text(version.mediaType), "size": .integer(Int(version.size)),
                        ]))
                    }
                }
                attachments.append(attachment)
            }
            try await engine.workItems.reportProgress(
                id, by: member, text: progressText, percent: percent, attachments: attachments, idempotencyKey: keyed)
        case .comment(let member, let body):
            try await engine.workItems.comment(on: id, by: member, body, idempotencyKey: keyed)
        case .submit(let member, let note):
            try await engine.workItems.submitForReview(id, by: member, note: note, idempotencyKey: keyed)
        case .approve(let member, let note):
            let item = try await engine.workItems.approve(id, by: member, note: note, idempotencyKey: keyed)
            completed += 1
            let late = (item.closedAt ?? step.at) >= item.dueAt
            print("  " + text(late ? "event.completedLate" : "event.completedOnTime", [
                "time": .text(time), "title": .text(title), "due": .text(text.due(item.deadline)),
            ]))
        case .reject(let member, let reason):
            try await engine.workItems.reject(id, by: member, reason: reason, idempotencyKey: keyed)
            print("  " + text("event.rejected", [
                "time": .text(time), "reviewer": .text(name(member)), "title": .text(title), "reason": .text(reason),
            ]))
        case .requestExtension(let member, let newDay, let reason):
            let request = try await engine.workItems.requestAdjustment(
                id, by: member, change: AdjustmentRequest.Change(deadline: .endOfDay(newDay)), reason: reason,
                idempotencyKey: keyed)
            adjustments[key] = request.id
            print("  " + text("event.extensionRequested", [
                "time": .text(time), "member": .text(name(member)), "title": .text(title), "due": .text(text.day(newDay)),
                "reason": .text(reason),
            ]))
        case .approveExtension(let member, let note):
            guard let request = adjustments[key] else { continue }
            try await engine.workItems.approveAdjustment(request, by: member, note: note, idempotencyKey: keyed)
            print("  " + text("event.extensionApproved", [
                "time": .text(time), "initiator": .text(name(member)), "title": .text(title),
            ]))
        case .cancel(let member, let reason):
            try await engine.workItems.cancel(id, by: member, reason: reason, idempotencyKey: keyed)
            print("  " + text("event.cancelled", [
                "time": .text(time), "initiator": .text(name(member)), "title": .text(title), "reason": .text(reason),
            ]))
        }
    }
    try await advance(to: month.end)
    closeWeek()
    played.delivered = tally.notices.filter { $0.itemID.map { keys[$0] != nil } == true }.count
    return played
}
