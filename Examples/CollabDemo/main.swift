// collab-demo: plays the cross-department "new product development" scenario of the platform guide
// against an SQLite file, then prints each item's audit trail and each participant's inbox. With
// --report or --report-dir it also writes the company's report workbook and two SVG charts; the `report`
// subcommand writes only those, from what the database holds. The `emergency` subcommand plays the
// equipment-failure scenario instead (EquipmentFailure.swift): an announcement with acknowledgements, an
// emergency plan triggered and closed with its summary, and a review meeting with an action item. The
// `portal` subcommand plays the outward-facing scenarios (PartnerPortal.swift): a supplier agreeing
// delivery dates on a purchase order, and a customer's ticket from the signed contract to the rating.
//
//     swift run collab-demo [--database PATH] [--report] [--report-dir DIR]
//     swift run collab-demo report [--database PATH] [--report-dir DIR]
//     swift run collab-demo emergency [--database PATH] [--report] [--report-dir DIR]
//     swift run collab-demo portal [--database PATH]
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
    /// Write the report files (`--report`, `--report-dir` or the `report` subcommand).
    var writesReport = false
    /// Where the report files go; `nil`: the database's folder.
    var reportDirectory: String?

    static let usage = """
        usage: collab-demo [--database PATH] [--report] [--report-dir DIR]
               collab-demo report [--database PATH] [--report-dir DIR]
               collab-demo emergency [--database PATH] [--report] [--report-dir DIR]
               collab-demo portal [--database PATH]
          --database PATH   the SQLite file (default: ./collab-demo.sqlite); uploaded documents are kept in
                            collab-demo-documents/ beside it
          --postgres URL    play on PostgreSQL instead (postgres://USER[:PASSWORD]@HOST[:PORT]/DB)
          --report          after the round, write collab-report.xlsx, collab-departments.svg and
                            collab-trend.svg next to the database
          --report-dir DIR  the same, into DIR (created if missing)
          report            write only the report files, from what the database holds
          emergency         play the equipment-failure scenario (announcement, emergency plan,
                            incident summary, review meeting) on a virtual clock from 08:30 today
          portal            play a supplier agreeing delivery dates on a purchase order, and a
                            customer's ticket from the signed contract to the rating, on a virtual
                            clock over the last two working days
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
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--database", "-d":
                guard let path = rest.popFirst(), !path.isEmpty else { throw UsageError("--database needs a path") }
                databasePath = path
            case "--postgres":
                guard let url = rest.popFirst(), !url.isEmpty else { throw UsageError("--postgres needs a URL") }
                postgresURL = url
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

/// A notification hook that "sends" by printing, as an e-mail or IM hook would send.
struct ConsoleHook: NotificationHook {
    let name = "console"
    func deliver(_ delivery: NoticeDelivery) async throws {
        print("    → \(delivery.notice.recipientID): \(delivery.notice.title)")
    }
}

let company: Organization.ID = "acme"
let marketing: Department.ID = "marketing"
let technology: Department.ID = "technology"
let production: Department.ID = "production"

// The marketing head drives the project; each department has a head and a member who does the work.
let zhaoLei: Member.ID = "zhao.lei"  // marketing head, initiator
let chenJing: Member.ID = "chen.jing"  // marketing analyst
let wangFang: Member.ID = "wang.fang"  // technology head, reviews the design
let liWei: Member.ID = "li.wei"  // technology engineer
let liuYang: Member.ID = "liu.yang"  // production head
let sunHao: Member.ID = "sun.hao"  // production planner

func seed(_ store: any CollabStorage) async throws {
    // Saves are upserts: a second run finds the same company and changes nothing.
    try await store.save(Organization(
        id: company, name: "Acme Appliances", kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
    for (id, name) in [(marketing, "Marketing"), (technology, "Technology"), (production, "Production")] {
        try await store.save(Department(id: id, organizationID: company, name: name))
    }
    let people: [(Member.ID, String, Department.ID, DepartmentMembership.Role)] = [
        (zhaoLei, "Zhao Lei", marketing, .head), (chenJing, "Chen Jing", marketing, .member),
        (wangFang, "Wang Fang", technology, .head), (liWei, "Li Wei", technology, .member),
        (liuYang, "Liu Yang", production, .head), (sunHao, "Sun Hao", production, .member),
    ]
    for (id, name, department, role) in people {
        try await store.save(Member(
            id: id, organizationID: company, displayName: name, handle: id.rawValue,
            departments: [DepartmentMembership(department, role: role)]))
    }
}

/// A one-page PDF whose page shows `title` (a stand-in for a real design document).
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

func play(_ engine: WorkflowEngine, round: String) async throws -> [WorkItem.ID] {
    let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    let today = CalendarDate(engine.clock.now(), in: zone)
    func due(inDays days: Int) -> Deadline {
        .endOfDay(CalendarDate(engine.clock.now().addingTimeInterval(Double(days) * 86_400), in: zone))
    }
    print("Round \(round), \(today) in Asia/Shanghai")

    // 1. Marketing's requirement.
    print("\n1. Marketing collects the user requirements")
    let requirement = try await engine.workItems.create(
        WorkItemDraft(
            title: "X1 smart kettle: user requirements", description: "Survey 2,000 target users; deliver a ranked list.",
            priority: .high, assigneeIDs: [chenJing], departmentIDs: [marketing], deadline: due(inDays: 10),
            tags: ["new-product", "market-research"]),
        by: zhaoLei, idempotencyKey: "\(round)-requirement")
    try await engine.workItems.accept(requirement.id, by: chenJing)
    try await engine.workItems.start(requirement.id, by: chenJing)
    let survey = try await attach("survey-results.xlsx", try surveyWorkbook(), to: requirement.id, by: chenJing,
        on: engine)
    if let document = survey.documentID {
        let kept = try await engine.documents.document(document, as: zhaoLei)
        print("   stored \(kept.name) (\(kept.versions[0].mediaType), \(kept.versions[0].size) bytes)")
    }
    try await engine.workItems.reportProgress(
        requirement.id, by: chenJing, text: "Survey closed: 2,143 answers.", percent: 80, attachments: [survey])
    try await engine.workItems.comment(on: requirement.id, by: chenJing,
        "@zhao.lei users want a keep-warm mode at 45–90 °C; worth a line in the brief?")
    try await engine.workItems.submitForReview(requirement.id, by: chenJing)
    try await engine.workItems.approve(requirement.id, by: zhaoLei, note: "Clear and well argued.")

    // 2. Technology's design: reviewed, rejected once, then approved.
    print("2. Technology designs the solution (rejected once, then approved)")
    let design = try await engine.workItems.create(
        WorkItemDraft(
            title: "X1 smart kettle: technical design", description: "Design to the approved requirements.",
            assigneeIDs: [liWei], reviewerID: wangFang, departmentIDs: [technology, marketing],
            deadline: due(inDays: 20), tags: ["new-product", "design"]),
        by: zhaoLei, idempotencyKey: "\(round)-design")
    try await engine.workItems.accept(design.id, by: liWei)
    try await engine.workItems.start(design.id, by: liWei)
    try await engine.workItems.reportProgress(
        design.id, by: liWei, text: "First design with a 1.8 kW element.", percent: 90,
        attachments: [try await attach("design-v1.pdf", demoPDF("X1 design v1: 1.8 kW element"), to: design.id,
            by: liWei, on: engine)])
    try await engine.workItems.submitForReview(design.id, by: liWei)
    try await engine.workItems.reject(design.id, by: wangFang,
        reason: "Thermal margin of the keep-warm circuit is too small; add a second sensor.")
    try await engine.workItems.reportProgress(
        design.id, by: liWei, text: "Second sensor added; margin now 12 K.", percent: 100,
        attachments: [try await attach("design-v2.pdf", demoPDF("X1 design v2: second sensor, 12 K margin"),
            to: design.id, by: liWei, on: engine)])
    try await engine.workItems.submitForReview(design.id, by: liWei, note: "Addresses the thermal margin.")
    try await engine.workItems.approve(design.id, by: wangFang)

    // 3. Production's schedule, with an approved deadline extension.
    print("3. Production schedules the pilot run (deadline extended)")
    let schedule = try await engine.workItems.create(
        WorkItemDraft(
            title: "X1 smart kettle: pilot production schedule", description: "Schedule a pilot run of 500 units.",
            assigneeIDs: [sunHao], departmentIDs: [production], deadline: due(inDays: 30),
            tags: ["new-product", "production"]),
        by: zhaoLei, idempotencyKey: "\(round)-schedule")
    try await engine.workItems.accept(schedule.id, by: sunHao)
    try await engine.workItems.start(schedule.id, by: sunHao)
    let extension_ = try await engine.workItems.requestAdjustment(
        schedule.id, by: sunHao, change: AdjustmentRequest.Change(deadline: due(inDays: 37)),
        reason: "The tooling supplier needs one more week for the new mould.")
    try await engine.workItems.approveAdjustment(extension_.id, by: zhaoLei, note: "Agreed; keep me posted on the mould.")
    try await engine.workItems.comment(on: schedule.id, by: liuYang, "@sun.hao book line 3 for the pilot week.")
    try await engine.workItems.reportProgress(schedule.id, by: sunHao, text: "Line 3 booked; materials ordered.", percent: 100)
    try await engine.workItems.submitForReview(schedule.id, by: sunHao)
    try await engine.workItems.approve(schedule.id, by: zhaoLei)

    // 4. The project's files, found by search: by the words inside the workbook (Chinese too), and by name;
    // each reader finds only what they may see.
    print("4. Finding the project's files")
    let documentsOnly: Set<SearchKind> = [.document]
    for (query, reader, name) in [("保温模式", zhaoLei, "Zhao Lei"), ("keep-warm", chenJing, "Chen Jing"),
                                  ("design", wangFang, "Wang Fang"), ("保温模式", sunHao, "Sun Hao")] {
        let hits = try await engine.search.find(SearchQuery(query, kinds: documentsOnly), as: reader)
        let names = Set(hits.items.map(\.title)).sorted()
        print("   \(name) searches \"\(query)\": \(hits.items.count) file(s)"
            + (names.isEmpty ? "" : " — " + names.joined(separator: ", ")))
    }
    let everything = try await engine.search.find(SearchQuery("X1 kettle"), as: zhaoLei)
    print("   Zhao Lei searches \"X1 kettle\" across records: "
        + Dictionary(grouping: everything.items, by: \.kind).map { "\($0.value.count) \($0.key.rawValue)" }
            .sorted().joined(separator: ", "))

    return [requirement.id, design.id, schedule.id]
}

func describe(_ event: AuditEvent, names: [Member.ID: String]) -> String {
    let time = event.occurredAt.formatted(.iso8601)
    var states = event.toState?.rawValue ?? ""
    if let from = event.fromState, from != event.toState { states = "\(from.rawValue) → \(states)" }
    let reason = event.details["reason"].map { "  reason: \($0)" } ?? ""
    let deadline = event.details["new_deadline"].map { "  new deadline: \($0)" } ?? ""
    return "    \(time)  \(names[event.actorID] ?? event.actorID.rawValue)  \(event.action)  \(states)\(reason)\(deadline)"
}

/// Writes the company's report as `zhao.lei` (who started every item of the scenario) sees it: a workbook
/// by department, by week (the last eight weeks) and of every item, and two charts. Returns the lines to
/// print.
func writeReport(_ store: any CollabStorage, to folder: URL) async throws -> [String] {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let reports = ReportGenerator(store: store)
    let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    let today = CalendarDate(SystemClock().now(), in: zone)
    let weeks = today.adding(days: -7 * 7)...today
    let workbook = ReportWorkbook(
        sections: [
            .init("By department", ReportSpec(grouping: .department)),
            .init("By week", ReportSpec(period: weeks, grouping: .week)),
        ],
        items: .all(.all), overview: .named("Overview"))
    let xlsx = folder.appendingPathComponent("collab-report.xlsx")
    let summary = try await reports.exportReport(workbook, as: zhaoLei, to: xlsx)

    // The charts come from the same reports the workbook holds, in Zhao Lei's language.
    let charts = try await reports.charts(for: zhaoLei)
    let byDepartment = try await reports.report(ReportSpec(grouping: .department), as: zhaoLei)
    let departments = charts.completionByDepartment(byDepartment)
    let byWeek = try await reports.report(ReportSpec(period: weeks, grouping: .week), as: zhaoLei)
    let trend = charts.completionTrend(byWeek)
    let departmentsSVG = folder.appendingPathComponent("collab-departments.svg")
    let trendSVG = folder.appendingPathComponent("collab-trend.svg")
    try Data(departments.utf8).write(to: departmentsSVG, options: .atomic)
    try Data(trend.utf8).write(to: trendSVG, options: .atomic)

    let sheets = summary.sheets.map { "\($0.name) (\($0.rows) rows)" }.joined(separator: ", ")
    return [
        "Report (as Zhao Lei sees it):",
        "  \(xlsx.path)  [\(sheets)]",
        "  \(departmentsSVG.path)",
        "  \(trendSVG.path)",
    ]
}

do {
    let options = try Options(arguments: CommandLine.arguments)
    let store: any CollabStorage
    if let url = options.postgresURL {
        var configuration = try PostgresStore.Configuration(url: url)
        configuration.logger.logLevel = .warning
        store = try await PostgresStore.start(configuration)
    } else {
        store = try SQLiteStore(path: options.databasePath)
    }
    try await seed(store)
    if options.reportOnly {
        for line in try await writeReport(store, to: options.reportFolder) { print(line) }
        print("Database: \(options.databaseDescription)")
        exit(0)
    }
    if options.emergency {
        try await playEquipmentFailure(store, round: String(UUID().uuidString.prefix(8)).lowercased())
        print("\nDatabase: \(options.databaseDescription)")
        if options.writesReport {
            print("")
            for line in try await writeReport(store, to: options.reportFolder) { print(line) }
        }
        exit(0)
    }
    if options.portal {
        try await playPartnerPortal(store, round: String(UUID().uuidString.prefix(8)).lowercased())
        print("\nDatabase: \(options.databaseDescription)")
        exit(0)
    }
    // The documents' bytes are kept in a folder next to the database.
    var configuration = WorkflowEngine.Configuration()
    configuration.documents.store = try FileSystemDocumentStore(directory: options.documentsFolder)
    let engine = WorkflowEngine(store: store, configuration: configuration)
    let round = String(UUID().uuidString.prefix(8)).lowercased()
    let items = try await play(engine, round: round)

    print("\nDelivering notifications through the host's hooks:")
    let dispatcher = try NotificationDispatcher(store: store, hooks: [ConsoleHook()])
    let delivery = try await dispatcher.deliverDue()
    print("  delivered \(delivery.delivered), to retry \(delivery.retried), parked \(delivery.parked)")

    let members = try await store.members(in: company)
    let names = Dictionary(uniqueKeysWithValues: members.map { ($0.id, $0.displayName) })
    print("\nAudit trails:")
    for id in items {
        let item = try await engine.workItems.workItem(id, as: zhaoLei)
        print("  \(item.title)  [\(item.state.rawValue), version \(item.version), due \(item.deadline)]")
        for event in try await engine.workItems.auditTrail(of: id, as: zhaoLei) { print(describe(event, names: names)) }
    }

    print("\nInboxes (newest first):")
    let reports = ReportGenerator(store: store)
    for member in members {
        let inbox = try await engine.inbox.notices(of: member.id, page: PageRequest(limit: 8))
        let unread = try await engine.inbox.unreadCount(of: member.id)
        let report = try await reports.personalReport(for: member.id, as: member.id)
        print("  \(member.displayName) (\(unread) unread; completion rate \(Int(report.completionRate * 100))% "
            + "of \(report.counts.total) assigned)")
        for notice in inbox.items { print("    [\(notice.kind)] \(notice.title)") }
    }
    let counts = try await store.outboxCounts()
    print("\nOutbox: \(counts.delivered) delivered, \(counts.pending) pending, \(counts.parked) parked.")
    print("Database: \(options.databaseDescription)")
    if options.writesReport {
        print("")
        for line in try await writeReport(store, to: options.reportFolder) { print(line) }
    }
} catch {
    FileHandle.standardError.write(Data("collab-demo: \(error)\n".utf8))
    exit(1)
}
