// collab-demo: plays a month of work in the company's departments against an SQLite file (Month.swift):
// on a virtual clock over the five weeks up to today, tasks are assigned, accepted, worked, reviewed,
// rejected, extended, completed on time or late, cancelled, or left open past their deadline, while the
// engine's timers send reminders, overdue notices and escalations. It then finds the project's files, and
// prints a few audit trails, the department heads' inboxes and the figures by department. It speaks
// Simplified Chinese by default (`--locale en` for English): its lines, the names of the company, departments
// and people, and the report. With --report or --report-dir it also writes the company's report workbook and
// two SVG charts; the `report` subcommand writes only those, from what the database holds. The `emergency`
// subcommand plays the equipment-failure scenario instead (EquipmentFailure.swift): an announcement with
// acknowledgements, an emergency plan triggered and closed with its summary, and a review meeting with an
// action item. The `portal` subcommand plays the outward-facing scenarios (PartnerPortal.swift): a supplier
// agreeing delivery dates on a purchase order, and a customer's ticket from the signed contract to the rating.
// Those two print in English (their `--locale` names the people). The `approval` subcommand plays a purchase
// request through a multi-step approval flow (PurchaseApproval.swift), in the demo's language.
//
//     swift run collab-demo [--database PATH] [--locale LOCALE] [--report] [--report-dir DIR]
//     swift run collab-demo report [--database PATH] [--locale LOCALE] [--report-dir DIR]
//     swift run collab-demo emergency [--database PATH] [--report] [--report-dir DIR]
//     swift run collab-demo portal [--database PATH]
//     swift run collab-demo approval [--database PATH] [--locale LOCALE]
//
// Every mode plays on PostgreSQL instead with `--postgres URL` (e.g. postgres://user@host/db).

import CollabModel
import CollabReports
import CollabStore
import CollabStorePostgres
import CollabWorkflow
import Foundation

struct Options {
    var databasePath = "collab-demo.sqlite"
    /// Play on PostgreSQL at this URL instead of the SQLite file.
    var postgresURL: String?

    /// Where the round was played, for the last line (the URL without its password).
    var databaseDescription: String {
        guard let postgresURL else { return databasePath }
        guard var components = URLComponents(string: postgresURL), components.password != nil else { return postgresURL }
        components.password = "***"
        return components.string ?? "PostgreSQL"
    }
    /// Only write the report files (the `report` subcommand), without playing a round.
    var reportOnly = false
    /// Play the equipment-failure scenario (the `emergency` subcommand) instead of a product round.
    var emergency = false
    /// Play the supplier portal and the customer ticket (the `portal` subcommand) instead of a product round.
    var portal = false
    /// Play the purchase approval (the `approval` subcommand) instead of a product round.
    var approval = false
    /// Write the report files (`--report`, `--report-dir` or the `report` subcommand).
    var writesReport = false
    /// Where the report files go; `nil`: the database's folder.
    var reportDirectory: String?
    /// The language of the lines, the names and the report (`--locale`); `nil`: Simplified Chinese for the
    /// month and the report, English for `emergency` and `portal`, whose lines are English.
    var locale: CollabLocale?

    /// The locale the mode plays in.
    var resolvedLocale: CollabLocale {
        locale ?? (emergency || portal ? .english : .simplifiedChinese)
    }

    static let usage = """
        usage: collab-demo [--database PATH] [--locale LOCALE] [--report] [--report-dir DIR]
               collab-demo report [--database PATH] [--locale LOCALE] [--report-dir DIR]
               collab-demo emergency [--database PATH] [--report] [--report-dir DIR]
               collab-demo portal [--database PATH]
               collab-demo approval [--database PATH] [--locale LOCALE]
          --database PATH   the SQLite file (default: ./collab-demo.sqlite); uploaded documents are kept in
                            collab-demo-documents/ beside it
          --postgres URL    play on PostgreSQL instead (postgres://USER[:PASSWORD]@HOST[:PORT]/DB)
          --locale LOCALE   the language of the lines, names and report: zh-Hans-CN (the default) or
                            en; emergency and portal print English and take it for the names only
          --report          after the round, write collab-report.xlsx, collab-departments.svg and
                            collab-trend.svg next to the database
          --report-dir DIR  the same, into DIR (created if missing)
          report            write only the report files, from what the database holds (as of the
                            month's last evening, or now if later)
          emergency         play the equipment-failure scenario (announcement, emergency plan,
                            incident summary, review meeting) on a virtual clock from 08:30 today
          portal            play a supplier agreeing delivery dates on a purchase order, and a
                            customer's ticket from the signed contract to the rating, on a virtual
                            clock over the last two working days
          approval          play a purchase request through the approval flow (head, finance with a
                            transfer, the general manager's send-back) on a virtual clock from 09:00
        """

    init(arguments: [String]) throws {
        var rest = arguments.dropFirst()
        if rest.first == "report" {
            rest.removeFirst()
            reportOnly = true
            writesReport = true
        } else if rest.first == "emergency" {
            rest.removeFirst()
            emergency = true
        } else if rest.first == "portal" {
            rest.removeFirst()
            portal = true
        } else if rest.first == "approval" {
            rest.removeFirst()
            approval = true
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--database", "-d":
                guard let path = rest.popFirst(), !path.isEmpty else { throw UsageError("--database needs a path") }
                databasePath = path
            case "--postgres":
                guard let url = rest.popFirst(), !url.isEmpty else { throw UsageError("--postgres needs a URL") }
                postgresURL = url
            case "--locale":
                guard let identifier = rest.popFirst(), !identifier.isEmpty else { throw UsageError("--locale needs a locale") }
                let locale = CollabLocale(identifier)
                if !locale.validate().problems.isEmpty {
                    throw UsageError("--locale: '\(identifier)' is not a locale such as zh-Hans-CN or en")
                }
                self.locale = locale
            case "--report":
                writesReport = true
            case "--report-dir":
                guard let path = rest.popFirst(), !path.isEmpty else { throw UsageError("--report-dir needs a folder") }
                reportDirectory = path
                writesReport = true
            case "--help", "-h":
                print(Self.usage)
                exit(0)
            default:
                throw UsageError("unknown argument '\(argument)'\n\(Self.usage)")
            }
        }
    }

    /// The folder the report files go to.
    /// Where the documents' bytes are kept: `collab-demo-documents` next to the database file (in the current
    /// folder when playing on PostgreSQL).
    var documentsFolder: URL {
        let folder = postgresURL == nil ? URL(fileURLWithPath: databasePath).deletingLastPathComponent()
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        return folder.appendingPathComponent("collab-demo-documents", isDirectory: true)
    }
    var reportFolder: URL {
        if let reportDirectory { return URL(fileURLWithPath: reportDirectory, isDirectory: true) }
        return URL(fileURLWithPath: databasePath).deletingLastPathComponent()
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

let company: Organization.ID = "acme"
let marketing: Department.ID = "marketing"
let technology: Department.ID = "technology"
let production: Department.ID = "production"

// The marketing head drives the new-product project; each department has a head and members who do the work.
let zhaoLei: Member.ID = "zhao.lei"  // marketing head, initiator
let chenJing: Member.ID = "chen.jing"  // marketing analyst
let wangFang: Member.ID = "wang.fang"  // technology head, reviews the design
let liWei: Member.ID = "li.wei"  // technology engineer
let liuYang: Member.ID = "liu.yang"  // production head
let sunHao: Member.ID = "sun.hao"  // production planner

/// Saves the company, its departments and people with their names in `text`'s language, and the company's
/// locale. Saves are upserts: a second run finds the same company (renamed if the locale changed).
func seed(_ store: any CollabStorage, _ text: DemoText) async throws {
    try await store.save(Organization(
        id: company, name: text.name(of: company.rawValue), kind: .internal, timeZoneIdentifier: "Asia/Shanghai",
        locale: text.locale))
    for id in [marketing, technology, production] {
        try await store.save(Department(id: id, organizationID: company, name: text.name(of: id.rawValue)))
    }
    let people: [(Member.ID, Department.ID, DepartmentMembership.Role)] = [
        (zhaoLei, marketing, .head), (chenJing, marketing, .member), (huangYan, marketing, .member),
        (wangFang, technology, .head), (liWei, technology, .member), (zhangPeng, technology, .member),
        (liuYang, production, .head), (sunHao, production, .member), (yangFan, production, .member),
    ]
    for (id, department, role) in people {
        try await store.save(Member(
            id: id, organizationID: company, displayName: text.name(of: id.rawValue), handle: id.rawValue,
            departments: [DepartmentMembership(department, role: role)]))
    }
    try await seedPlant(store, text)  // equipment, the warehouse and the plant director
}

/// The working hours of the month's departments (Monday to Friday, 09:00–12:00 and 13:00–18:00): escalations
/// and decision reminders count working time.
func seedWorkingHours(_ store: any CollabStorage) async throws {
    for department in [marketing, technology, production, equipment, warehouse] {
        try await store.save(.standard(timeZoneIdentifier: "Asia/Shanghai"), for: company, department: department)
    }
}

func demoPDF(_ title: String) -> [UInt8] {
    let text = title.replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "(", with: "")
        .replacingOccurrences(of: ")", with: "")
    let content = "BT /F1 18 Tf 72 770 Td (\(text)) Tj ET"
    return Array("""
        %PDF-1.4
        1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj
        4 0 obj << /Length \(content.utf8.count) >> stream
        \(content)
        endstream endobj
        trailer << /Root 1 0 R >>
        %%EOF

        """.utf8)
}

/// Uploads `bytes` as `name` to the item, as `member`, and returns the attachment naming the stored document:
/// the engine inspects the bytes and keeps them in its document store; a command then attaches the document.
func attach(
    _ name: String, _ bytes: [UInt8], to item: WorkItem.ID, by member: Member.ID, on engine: WorkflowEngine
) async throws -> FileAttachment {
    let chunks = AsyncThrowingStream<[UInt8], any Error> { continuation in
        continuation.yield(bytes)
        continuation.finish()
    }
    let document = try await engine.documents.upload(chunks, named: name, to: .workItem(item), by: member)
    return FileAttachment(document: document.id)
}

/// The survey's results as a real Excel workbook (CollabReports' XLSX writer), with a Chinese sheet title and
/// text the search finds.
func surveyWorkbook() throws -> [UInt8] {
    let url = FileManager.default.temporaryDirectory.appending(path: "collab-demo-survey-\(UUID().uuidString).xlsx")
    defer { try? FileManager.default.removeItem(at: url) }
    let writer = try XLSXWriter(url: url, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)
    try writer.beginSheet(named: "用户调研", columns: [ExportColumn("功能 feature"), ExportColumn("share", format: .percent(places: 0))])
    for (feature, share) in [("保温模式 keep-warm mode", 0.62), ("静音烧水 quiet boil", 0.41), ("app control", 0.18)] {
        try writer.appendRow([.text(feature), .number(share)])
    }
    try writer.finish()
    return Array(try Data(contentsOf: url))
}


/// An audit event as a line: time, actor, action, states and the reason or new deadline.
func describe(_ event: AuditEvent, _ text: DemoText) -> String {
    let actor = event.actorID == AuditEvent.systemActor ? text("system") : text.name(of: event.actorID.rawValue)
    var states = event.toState.map { text.formatter.string("state." + $0.rawValue) } ?? ""
    if let from = event.fromState, from != event.toState {
        states = "\(text.formatter.string("state." + from.rawValue)) → \(states)"
    }
    let reason = event.details["reason"].map { "  " + text("auditReason", ["reason": .text($0)]) } ?? ""
    let deadline = event.details["new_deadline"].map { "  " + text("auditDeadline", ["deadline": .text(text.due(recorded: $0))]) } ?? ""
    return "    \(text.dayTime(event.occurredAt))  \(actor)  \(text.action(event.action))  \(states)\(reason)\(deadline)"
}

/// The report's reader: the plant director, an administrator, who sees every department.
let reportReader = hePing

/// Writes the company's report as the plant director sees it, as of `month`'s report time: a workbook (an
/// overview, by department, by week over the month's weeks, every item) and two charts. The library writes
/// sheet names, headers and chart titles from its catalog in the reader's language (the organization's
/// locale, which `--locale` sets); `text` only writes the lines printed here. Returns those lines.
func writeReport(_ store: any CollabStorage, _ text: DemoText, month: MonthCalendar, to folder: URL) async throws
    -> [String]
{
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let reports = ReportGenerator(store: store, clock: DemoClock(month.reportTime))
    // The month's weeks, from the Monday of its first day to the report's day.
    let weeks = month.monday(of: month.firstDay)...CalendarDate(month.reportTime, in: month.zone)
    let workbook = ReportWorkbook(
        sections: [
            // Sheet names, headers and words come from the library's catalog in the reader's language.
            ReportWorkbook.Section(ReportSpec(grouping: .department)),
            ReportWorkbook.Section(ReportSpec(period: weeks, grouping: .week)),
        ],
        items: .all(.all), overview: .standard)
    let xlsx = folder.appendingPathComponent("collab-report.xlsx")
    let summary = try await reports.exportReport(workbook, as: reportReader, to: xlsx)

    // The charts come from the same reports the workbook holds, in the reader's language.
    let charts = try await reports.charts(for: reportReader)
    let byDepartment = try await reports.report(ReportSpec(grouping: .department), as: reportReader)
    let departments = charts.completionByDepartment(byDepartment)
    let byWeek = try await reports.report(ReportSpec(period: weeks, grouping: .week), as: reportReader)
    let trend = charts.completionTrend(byWeek)
    let departmentsSVG = folder.appendingPathComponent("collab-departments.svg")
    let trendSVG = folder.appendingPathComponent("collab-trend.svg")
    try Data(departments.utf8).write(to: departmentsSVG, options: .atomic)
    try Data(trend.utf8).write(to: trendSVG, options: .atomic)

    let sheets = summary.sheets.map { "\($0.name) (\($0.rows))" }.joined(separator: ", ")
    return [
        text("report.title", ["reader": .text(text.name(of: reportReader.rawValue))]),
        "  \(xlsx.path)  [\(sheets)]",
        "  \(departmentsSVG.path)",
        "  \(trendSVG.path)",
    ]
}

/// The lines after the month: this round's outcomes, the figures by department, the project's files found
/// by search, three audit trails, the heads' inboxes and the outbox.
func printMonthEnd(
    _ engine: WorkflowEngine, _ played: PlayedMonth, month: MonthCalendar, text: DemoText
) async throws {
    let store = engine.store
    // This round's items as they stand.
    var onTime = 0, extended = 0, late = 0, overdueOpen = 0, open = 0, cancelled = 0, rejected = 0
    for (_, id) in played.items {
        let item = try await engine.workItems.workItem(id, as: reportReader)
        let trail = try await engine.workItems.auditTrail(of: id, as: reportReader)
        if trail.contains(where: { $0.action == "reject" }) { rejected += 1 }
        switch item.state {
        case .completed:
            if (item.closedAt ?? month.end) >= item.dueAt {
                late += 1
            } else if trail.contains(where: { $0.action == "approve_adjustment" }) {
                extended += 1
            } else {
                onTime += 1
            }
        case .cancelled: cancelled += 1
        default:
            if item.isOverdue(at: month.end) { overdueOpen += 1 } else { open += 1 }
        }
    }
    print("\n" + text("month.end", ["time": .text(text.dayTime(month.end))]))
    print(text("month.outcomes", [
        "total": .integer(played.items.count), "onTime": .integer(onTime), "extended": .integer(extended),
        "late": .integer(late), "overdueOpen": .integer(overdueOpen), "open": .integer(open),
        "cancelled": .integer(cancelled), "rejected": .integer(rejected),
    ]))

    // What the plant director sees by department: the report's figures.
    let reports = ReportGenerator(store: store, clock: DemoClock(month.end))
    let byDepartment = try await reports.report(ReportSpec(grouping: .department), as: reportReader)
    print("\n" + text("month.departments", ["reader": .text(text.name(of: reportReader.rawValue))]))
    // A table in the terminal: East Asian characters take two columns.
    func width(_ string: String) -> Int { string.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 ? 2 : 1) } }
    func padded(_ string: String, to columns: Int, right: Bool) -> String {
        let padding = String(repeating: " ", count: max(columns - width(string), 0))
        return right ? padding + string : string + padding
    }
    let headers = ["table.created", "table.completed", "table.onTime", "table.extended", "table.late",
                   "table.overdueOpen", "table.rate"].map { text($0) }
    let labels = byDepartment.groups.map { $0.label.isEmpty ? text("report.noDepartment") : $0.label }
    let labelWidth = ([text("table.department")] + labels).map(width).max() ?? 0
    print("  " + ([padded(text("table.department"), to: labelWidth, right: false)] + headers).joined(separator: "  "))
    for (label, group) in zip(labels, byDepartment.groups) {
        let metrics = group.metrics
        let values = [metrics.created, metrics.completed, metrics.completedOnTime, metrics.completedOnTimeAfterExtension,
                      metrics.completedLate, metrics.overdueOpen].map { text.formatter.integer($0) }
            + [text.formatter.percent(metrics.completionRate)]
        let cells = zip(values, headers).map { padded($0, to: width($1), right: true) }
        print("  " + ([padded(label, to: labelWidth, right: false)] + cells).joined(separator: "  "))
    }

    // The project's files, found by search: by the words inside the workbook (Chinese too), and by name; each
    // reader finds only what they may see.
    print("\n" + text("search.title"))
    let documentsOnly: Set<SearchKind> = [.document]
    for (query, reader) in [("保温模式", zhaoLei), ("keep-warm", chenJing), ("design", wangFang), ("保温模式", sunHao)] {
        let hits = try await engine.search.find(SearchQuery(query, kinds: documentsOnly), as: reader)
        let names = Set(hits.items.map(\.title)).sorted()
        print(text("search.files", [
            "member": .text(text.name(of: reader.rawValue)), "query": .text(query), "count": .integer(hits.items.count),
            "names": .text(names.isEmpty ? "" : " — " + names.joined(separator: ", ")),
        ]))
    }
    let kettle = text.pick("X1 kettle", "X1 智能水壶")
    let everything = try await engine.search.find(SearchQuery(kettle), as: zhaoLei)
    print(text("search.records", [
        "member": .text(text.name(of: zhaoLei.rawValue)), "query": .text(kettle),
        "found": .text(Dictionary(grouping: everything.items, by: \.kind).map { "\($0.value.count) \($0.key.rawValue)" }
            .sorted().joined(separator: ", ")),
    ]))

    print("\n" + text("delivered", ["count": .integer(played.delivered)]))

    // Three items whose trails tell the month: rejected once, extended, and overdue with an escalation.
    print("\n" + text("auditTrails"))
    for key in ["design", "schedule", "e3"] {
        guard let id = played.items.first(where: { $0.key == key })?.id else { continue }
        let item = try await engine.workItems.workItem(id, as: reportReader)
        print(text("auditItem", [
            "title": .text(item.title), "state": .term("state." + item.state.rawValue), "version": .integer(item.version),
            "due": .text(text.due(item.deadline)),
        ]))
        for event in try await engine.workItems.auditTrail(of: id, as: reportReader) { print(describe(event, text)) }
    }

    print("\n" + text("inboxes"))
    for member in [zhaoLei, wangFang, liuYang, zhouQiang, zhengHui, hePing] {
        let inbox = try await engine.inbox.notices(of: member, page: PageRequest(limit: 3))
        let unread = try await engine.inbox.unreadCount(of: member)
        print(text("inbox", [
            "member": .text(text.name(of: member.rawValue)), "unread": .integer(unread),
        ]))
        for notice in inbox.items { print("    [\(notice.kind)] \(notice.title)") }
    }
    let counts = try await store.outboxCounts()
    print("\n" + text("outbox", [
        "delivered": .integer(counts.delivered), "pending": .integer(counts.pending), "parked": .integer(counts.parked),
    ]))
}

do {
    let options = try Options(arguments: CommandLine.arguments)
    let month = MonthCalendar()
    let text = DemoText(options.resolvedLocale, timeZone: month.zone)
    let store: any CollabStorage
    if let url = options.postgresURL {
        var configuration = try PostgresStore.Configuration(url: url)
        configuration.logger.logLevel = .warning
        store = try await PostgresStore.start(configuration)
    } else {
        store = try SQLiteStore(path: options.databasePath)
    }
    try await seed(store, text)
    let round = String(UUID().uuidString.prefix(8)).lowercased()
    if options.reportOnly {
        for line in try await writeReport(store, text, month: month, to: options.reportFolder) { print(line) }
        print(text("database", ["database": .text(options.databaseDescription)]))
        exit(0)
    }
    if options.emergency {
        try await playEquipmentFailure(store, round: round, text: text)
        print("\nDatabase: \(options.databaseDescription)")
        if options.writesReport {
            print("")
            for line in try await writeReport(store, text, month: month, to: options.reportFolder) { print(line) }
        }
        exit(0)
    }
    if options.portal {
        try await playPartnerPortal(store, round: round, text: text)
        print("\nDatabase: \(options.databaseDescription)")
        exit(0)
    }
    if options.approval {
        try await playPurchaseApproval(store, round: round, text: text)
        print("\n" + text("database", ["database": .text(options.databaseDescription)]))
        exit(0)
    }
    try await seedWorkingHours(store)
    // The month runs on a virtual clock; the documents' bytes are kept in a folder next to the database.
    let clock = DemoClock(month.start)
    var configuration = WorkflowEngine.Configuration()
    configuration.logger.logLevel = .warning  // the month prints what happens; the engine's notices would repeat it
    configuration.documents.store = try FileSystemDocumentStore(directory: options.documentsFolder)
    let engine = WorkflowEngine(store: store, clock: clock, configuration: configuration)
    let played = try await playMonth(engine, clock: clock, month: month, round: round, text: text)
    try await printMonthEnd(engine, played, month: month, text: text)
    print(text("database", ["database": .text(options.databaseDescription)]))
    if options.writesReport {
        print("")
        for line in try await writeReport(store, text, month: month, to: options.reportFolder) { print(line) }
    }
} catch {
    FileHandle.standardError.write(Data("collab-demo: \(error)\n".utf8))
    exit(1)
}
