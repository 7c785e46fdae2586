// The demo's own words in English and Simplified Chinese: the lines it prints, the names of its company,
// departments and people, the report's sheet names and chart titles. The lines go through CollabModel's
// MessageFormatter with a catalog of the demo's keys (`demo.…`) layered over the standard one, so `{name}`
// placeholders, dates (`12月4日 周五`) and percentages are written the reader's way.

import CollabModel
import CollabReports
import Foundation

/// The demo's texts for one locale.
struct DemoText: Sendable {
    let locale: CollabLocale
    let formatter: MessageFormatter

    init(_ locale: CollabLocale, timeZone: TimeZone) {
        self.locale = locale
        formatter = MessageFormatter(catalog: DemoText.catalog, locale: locale, timeZone: timeZone)
    }

    /// Whether the demo writes Chinese (any `zh` locale).
    var isChinese: Bool { locale.languageCandidates.contains("zh-Hans") }

    /// The line of `key` with its placeholders filled.
    func callAsFunction(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> String {
        formatter.string("demo." + key, arguments)
    }

    /// English or Chinese, for the names the demo makes up (titles, reasons, comments).
    func pick(_ english: String, _ chinese: String) -> String { isChinese ? chinese : english }

    /// A day without its year, with its weekday: `12月4日 周五`, `Fri, Dec 4`.
    func day(_ date: CalendarDate) -> String {
        guard let start = date.startOfDay(in: .gmt) else { return date.description }
        let style = Date.FormatStyle(locale: locale.foundationLocale, timeZone: .gmt)
        return start.formatted(style.month(.abbreviated).day().weekday(.abbreviated))
    }

    /// An instant's day (as ``day(_:)``) and time, `12月4日 周五 09:30`.
    func dayTime(_ date: Date) -> String {
        let zone = formatter.timeZone
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return day(CalendarDate(date, in: zone)) + String(format: " %02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }

    /// A deadline: its day (`12月4日 周五`), or its day and time.
    func due(_ deadline: Deadline) -> String {
        switch deadline {
        case .endOfDay(let date): day(date)
        case .instant(let date): dayTime(date)
        }
    }

    /// A deadline as an audit event's details write it (`end of 2026-12-04`, or an ISO 8601 instant).
    func due(recorded: String) -> String {
        if recorded.hasPrefix("end of "), let date = CalendarDate(iso: String(recorded.dropFirst("end of ".count))) {
            return day(date)
        }
        if let date = try? Date(recorded, strategy: .iso8601) { return dayTime(date) }
        return recorded
    }

    /// The name of the company, a department or a person in this language; the id when the demo has none.
    func name(of id: String) -> String {
        guard let names = DemoText.names[id] else { return id }
        return isChinese ? names.chinese : names.english
    }

    /// An action of an audit trail (`approve` → `批准`).
    func action(_ action: String) -> String {
        formatter.catalog.template("demo.action." + action, for: locale) ?? action
    }

    // MARK: The tables

    /// The company, its departments and its people (ids as `seed(_:locale:)` saves them).
    static let names: [String: (english: String, chinese: String)] = [
        "acme": ("Acme Appliances", "艾克美电器"),
        "marketing": ("Marketing", "市场部"), "technology": ("Technology", "技术部"),
        "production": ("Production", "生产部"), "equipment": ("Equipment", "设备部"),
        "warehouse": ("Warehouse", "仓储部"), "purchasing": ("Purchasing", "采购部"), "sales": ("Sales", "销售部"),
        "after_sales": ("After-sales", "售后服务部"),
        "zhao.lei": ("Zhao Lei", "赵磊"), "chen.jing": ("Chen Jing", "陈静"), "huang.yan": ("Huang Yan", "黄燕"),
        "wang.fang": ("Wang Fang", "王芳"), "li.wei": ("Li Wei", "李伟"), "zhang.peng": ("Zhang Peng", "张鹏"),
        "liu.yang": ("Liu Yang", "刘洋"), "sun.hao": ("Sun Hao", "孙浩"), "yang.fan": ("Yang Fan", "杨帆"),
        "he.ping": ("He Ping", "何平"), "zhou.qiang": ("Zhou Qiang", "周强"), "wu.gang": ("Wu Gang", "吴刚"),
        "zheng.hui": ("Zheng Hui", "郑辉"), "feng.li": ("Feng Li", "冯丽"),
        "gao.min": ("Gao Min", "高敏"), "lin.na": ("Lin Na", "林娜"), "qian.yu": ("Qian Yu", "钱宇"),
        "song.jia": ("Song Jia", "宋佳"),
        "finance": ("Finance", "财务部"), "qin.yue": ("Qin Yue", "秦悦"), "tang.li": ("Tang Li", "唐莉"),
        "xu.lan": ("Xu Lan", "徐岚"), "gu.jun": ("Gu Jun", "顾军"),
    ]

    /// The lines the demo prints and the report's names, by language and key (without the `demo.` prefix).
    static let lines: [(key: String, english: String, chinese: String)] = [
        // The month
        ("month.title", "{company}: a month of work, {first} to {last} (Asia/Shanghai, virtual clock), round {round}",
            "{company}：一个月的工作，{first} 至 {last}（Asia/Shanghai，虚拟时钟），第 {round} 轮"),
        ("month.week", "Week of {day}", "{day} 这一周"),
        ("month.weekSummary",
            "  → this week: {created} created, {completed} completed; notifications delivered: {notices} (due-soon reminders {reminders}, overdue {overdue}, escalations {escalated})",
            "  → 本周：新建 {created} 项，完成 {completed} 项；送达通知 {notices} 条（到期提醒 {reminders}、逾期 {overdue}、升级 {escalated}）"),
        ("event.created", "{time}  {initiator} assigns \"{title}\" to {assignee}, due {due}",
            "{time}  {initiator} 把「{title}」派给 {assignee}，{due} 截止"),
        ("event.uploaded", "{time}  {member} uploads {file} ({type}, {size} bytes)",
            "{time}  {member} 上传 {file}（{type}，{size} 字节）"),
        ("event.rejected", "{time}  {reviewer} rejects \"{title}\": {reason}", "{time}  {reviewer} 驳回「{title}」：{reason}"),
        ("event.extensionRequested", "{time}  {member} asks for more time on \"{title}\" (to {due}): {reason}",
            "{time}  {member} 为「{title}」申请延期（至 {due}）：{reason}"),
        ("event.extensionApproved", "{time}  {initiator} approves the extension of \"{title}\"",
            "{time}  {initiator} 批准「{title}」延期"),
        ("event.completedOnTime", "{time}  \"{title}\" completed on time (due {due})", "{time}  「{title}」按期完成（{due} 截止）"),
        ("event.completedLate", "{time}  \"{title}\" completed late (due {due})", "{time}  「{title}」逾期完成（{due} 截止）"),
        ("event.cancelled", "{time}  {initiator} cancels \"{title}\": {reason}", "{time}  {initiator} 取消「{title}」：{reason}"),
        ("event.overdue", "{time}  timer: \"{title}\" is overdue — told {names}", "{time}  定时器：「{title}」已逾期，通知 {names}"),
        ("event.escalated", "{time}  timer: \"{title}\" escalated to {names}", "{time}  定时器：「{title}」升级给 {names}"),
        ("event.decisionReminder", "{time}  timer: {names} reminded to decide on \"{title}\"",
            "{time}  定时器：提醒 {names} 审批「{title}」"),
        ("month.end", "Where the month ends ({time}):", "月底情况（{time}）："),
        ("month.outcomes",
            "  this round's {total} items: {onTime} on time, {extended} on time after an extension, {late} late, {overdueOpen} overdue and open, {open} open and not yet due, {cancelled} cancelled ({rejected} rejected once before approval)",
            "  本轮 {total} 项：按期完成 {onTime}，延期后按期完成 {extended}，逾期完成 {late}，逾期未完成 {overdueOpen}，未到期进行中 {open}，已取消 {cancelled}（其中 {rejected} 项被驳回一次后通过）"),
        ("month.departments", "By department (as {reader} sees it, every round in the database):",
            "各部门（{reader} 的视角，含数据库中的所有轮次）："),
        ("table.department", "department", "部门"), ("table.created", "created", "新建"),
        ("table.completed", "completed", "完成"), ("table.onTime", "on time", "按期"),
        ("table.extended", "after extension", "延期后按期"), ("table.late", "late", "逾期完成"),
        ("table.overdueOpen", "overdue open", "逾期未完成"), ("table.rate", "completion", "完成率"),
        // Search
        ("search.title", "Finding the project's files:", "查找项目文件："),
        ("search.files", "  {member} searches \"{query}\": {count} file(s){names}", "  {member} 搜索「{query}」：{count} 个文件{names}"),
        ("search.records", "  {member} searches \"{query}\" across records: {found}", "  {member} 跨记录搜索「{query}」：{found}"),
        // After the month
        ("delivered", "Notifications delivered through the host's hooks this round: {count}",
            "本轮经宿主钩子送达的通知：{count} 条"),
        ("auditTrails", "Audit trails:", "审计记录："),
        ("auditItem", "  {title}  [{state}, version {version}, due {due}]", "  {title}  [{state}，版本 {version}，{due} 截止]"),
        ("auditReason", "reason: {reason}", "原因：{reason}"),
        ("auditDeadline", "new deadline: {deadline}", "新截止：{deadline}"),
        ("system", "system", "系统"),
        ("inboxes", "Inboxes of the department heads and the plant director (newest first):",
            "各部门负责人和厂长的收件箱（最新在前）："),
        ("inbox", "  {member} ({unread} unread)", "  {member}（未读 {unread} 条）"),
        ("outbox", "Outbox: {delivered} delivered, {pending} pending, {parked} parked.",
            "发件箱：已送达 {delivered}，待发送 {pending}，已搁置 {parked}。"),
        ("database", "Database: {database}", "数据库：{database}"),
        // The report
        ("report.title", "Report (as {reader} sees it):", "报表（{reader} 的视角）："),
        ("report.noDepartment", "(no department)", "（无部门）"),
        // Audit actions
        ("action.create", "create", "创建"), ("action.accept", "accept", "接受"), ("action.start", "start", "开始"),
        ("action.report_progress", "progress", "汇报进度"), ("action.submit_for_review", "submit for review", "提交审核"),
        ("action.approve", "approve", "批准"), ("action.reject", "reject", "驳回"),
        ("action.request_adjustment", "request adjustment", "申请调整"),
        ("action.approve_adjustment", "approve adjustment", "批准调整"),
        ("action.reject_adjustment", "reject adjustment", "拒绝调整"), ("action.comment", "comment", "评论"),
        ("action.cancel", "cancel", "取消"),
        ("action.upload_document", "upload a file", "上传文件"), ("action.overdue", "overdue", "逾期"), ("action.escalate", "escalate", "升级"),
        ("action.save_approval_flow", "save approval flow", "保存审批流程"),
        ("action.submit_approval", "submit", "提交审批"), ("action.approve_request", "approve", "同意"),
        ("action.reject_request", "reject", "驳回"), ("action.transfer_approval", "transfer", "转交"),
        ("action.add_signer", "add signer", "加签"), ("action.send_back_approval", "send back", "退回"),
        ("action.resubmit_approval", "resubmit", "重新提交"), ("action.withdraw_approval", "withdraw", "撤回"),
        ("action.remind_approval", "remind", "催办"), ("action.copy_approval", "copy", "抄送"),
    ]

    static let catalog: MessageCatalog = {
        var english: [String: String] = [:]
        var chinese: [String: String] = [:]
        for line in lines {
            english["demo." + line.key] = line.english
            chinese["demo." + line.key] = line.chinese
        }
        return MessageCatalog(["en": english, "zh-Hans": chinese])
    }()
}
