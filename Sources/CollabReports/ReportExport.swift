import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// MARK: - Public types

/// The language of an export's headers and labels (states, priorities, recurrence, total rows).
public enum ExportLanguage: String, Hashable, Sendable, Codable, CaseIterable {
    /// English headers; states and priorities as their stable raw values (`in_progress`, `high`).
    case english = "en"
    /// Simplified Chinese headers and labels (`进行中`, `高`).
    case chinese = "zh-Hans"
}

/// One field of a work item, as a column of an item export
/// (``ReportGenerator/exportItems(as:filter:to:format:options:)``).
///
/// Together the cases cover every field of `WorkItem`. Dates are date-time cells in the organization's
/// time zone, except a date-only deadline, which is a date cell; lists of people, departments, tags and
/// attachments are joined with `", "`. A field without a value (no reviewer, an empty list) is an empty
/// cell.
public enum ItemExportColumn: String, Hashable, Sendable, Codable, CaseIterable {
    /// The item's id (text).
    case id
    /// The owning organization (its name; text).
    case organization
    /// The title (text).
    case title
    /// The description (text).
    case description
    /// The state (text).
    case state
    /// The priority (text).
    case priority
    /// Who created the item (text).
    case initiator
    /// Who does the work, joined with `", "` (text).
    case assignees
    /// The named reviewer, if any (text).
    case reviewer
    /// The watchers (text).
    case watchers
    /// The departments taking part (text).
    case departments
    /// The outside organizations the item is shared with (text).
    case partnerOrganizations
    /// When work may start (date-time).
    case start
    /// The deadline: a date cell for a date-only deadline, a date-time cell for an exact one.
    case deadline
    /// The first instant at which the item is late (date-time).
    case dueAt
    /// The tags (text).
    case tags
    /// The last reported progress, 0...1 shown as a percentage (number).
    case progress
    /// The id of the adjustment request awaiting a decision, if any (text).
    case pendingAdjustment
    /// The version (number).
    case version
    /// When the item was created (date-time).
    case createdAt
    /// When it last changed (date-time).
    case updatedAt
    /// When it was completed or cancelled (date-time).
    case closedAt
    /// When it entered its current state (date-time).
    case stateChangedAt
    /// Since when it waits on an outside party, if it does (date-time).
    case waitingOnExternalSince
    /// How many times it has waited on an outside party (number).
    case externalWaitCount
    /// How many files are attached (number).
    case attachmentCount
    /// The attached files' names (text).
    case attachmentNames
    /// How the item repeats, in words (text).
    case recurrence
    /// The first item of its series, if it is an occurrence of a recurring item (text).
    case seriesID

    /// The column's header in `language`.
    public func title(in language: ExportLanguage) -> String {
        let (english, chinese) = titles
        return language == .chinese ? chinese : english
    }

    private var titles: (String, String) {
        switch self {
        case .id: ("ID", "编号")
        case .organization: ("Organization", "组织")
        case .title: ("Title", "标题")
        case .description: ("Description", "描述")
        case .state: ("State", "状态")
        case .priority: ("Priority", "优先级")
        case .initiator: ("Initiator", "发起人")
        case .assignees: ("Assignees", "执行人")
        case .reviewer: ("Reviewer", "审核人")
        case .watchers: ("Watchers", "关注人")
        case .departments: ("Departments", "部门")
        case .partnerOrganizations: ("Partner organizations", "协作组织")
        case .start: ("Start", "开始时间")
        case .deadline: ("Deadline", "截止时间")
        case .dueAt: ("Due at", "到期时刻")
        case .tags: ("Tags", "标签")
        case .progress: ("Progress", "进度")
        case .pendingAdjustment: ("Pending adjustment", "待审调整")
        case .version: ("Version", "版本")
        case .createdAt: ("Created", "创建时间")
        case .updatedAt: ("Updated", "更新时间")
        case .closedAt: ("Closed", "关闭时间")
        case .stateChangedAt: ("State changed", "状态变更时间")
        case .waitingOnExternalSince: ("Waiting on outside party since", "等待外部起始时间")
        case .externalWaitCount: ("Outside waits", "外部等待次数")
        case .attachmentCount: ("Attachments", "附件数")
        case .attachmentNames: ("Attachment names", "附件名称")
        case .recurrence: ("Recurrence", "重复规则")
        case .seriesID: ("Series", "系列")
        }
    }

    /// The spreadsheet column: header, fixed width for dates, percent format for progress.
    func exportColumn(in language: ExportLanguage) -> ExportColumn {
        switch self {
        case .progress: ExportColumn(title(in: language), format: .percent(places: 0))
        case .start, .dueAt, .createdAt, .updatedAt, .closedAt, .stateChangedAt, .waitingOnExternalSince:
            ExportColumn(title(in: language), width: 20)
        default: ExportColumn(title(in: language))
        }
    }
}

/// How an item export is written (``ReportGenerator/exportItems(as:filter:to:format:options:)``).
public enum ItemExportFormat: Hashable, Sendable {
    /// An Excel workbook with one sheet (``ItemExportOptions/sheetName``).
    case xlsx
    /// A CSV file written with these options (``CSVWriter/Options/excel`` for Excel).
    case csv(CSVWriter.Options)
}

/// Which columns an item export has and how its values read.
public struct ItemExportOptions: Hashable, Sendable {
    /// The columns, in order (1 or more, each at most once); all fields by default.
    public var columns: [ItemExportColumn]
    /// The language of the headers and of states, priorities and recurrence rules.
    public var language: ExportLanguage
    /// Writes people, departments and organizations by name (display name) rather than by id. Outside
    /// readers always get member ids: the names in the directory are not theirs to read.
    public var usesNames: Bool
    /// The sheet's name in an `.xlsx` (see ``XLSXWriter/beginSheet(named:columns:)`` for the rules);
    /// `nil`: `Items` or `任务`.
    public var sheetName: String?

    /// Creates options; the defaults export every field with English headers and names.
    public init(
        columns: [ItemExportColumn] = ItemExportColumn.allCases, language: ExportLanguage = .english,
        usesNames: Bool = true, sheetName: String? = nil
    ) {
        self.columns = columns
        self.language = language
        self.usesNames = usesNames
        self.sheetName = sheetName
    }

    /// The sheet name used: ``sheetName`` or the language's default.
    var resolvedSheetName: String { sheetName ?? (language == .chinese ? "任务" : "Items") }
}

/// A workbook of reports: one sheet per section, optionally an overview first and a sheet of items last
/// (``ReportGenerator/exportReport(_:as:to:)``).
public struct ReportWorkbook: Hashable, Sendable {
    /// One sheet: a report, one row per group and a total row.
    public struct Section: Hashable, Sendable {
        /// The sheet's name (Excel's rules: 1 to 31 characters, none of `[ ] : * ? / \`; Chinese is fine).
        public var title: String
        /// The report.
        public var spec: ReportSpec

        /// Creates a section.
        public init(_ title: String, _ spec: ReportSpec) {
            self.title = title
            self.spec = spec
        }
    }

    /// Which items the last sheet lists.
    public enum ItemSheet: Hashable, Sendable {
        /// No item sheet.
        case none
        /// The items matching the filter that are overdue at the report's time: open at or past their due
        /// instant, or completed at or after it (drafts and cancelled items are left out).
        case overdue(WorkItemFilter)
        /// Every item matching the filter.
        case all(WorkItemFilter)
    }

    /// The report sheets, in order.
    public var sections: [Section]
    /// The item sheet, named by ``itemOptions``' ``ItemExportOptions/sheetName``.
    public var items: ItemSheet
    /// The columns, names and sheet name of the item sheet, and the language of every sheet's headers.
    public var itemOptions: ItemExportOptions
    /// When set, a first sheet of this name describes the workbook: the organization, its time zone, the
    /// report's time (``Report/generatedAt``, from the generator's clock) and each section's scope, period
    /// and grouping. Without it the file holds no time but the data's own.
    public var overviewSheetName: String?

    /// Creates a workbook description.
    public init(
        sections: [Section], items: ItemSheet = .none, itemOptions: ItemExportOptions = ItemExportOptions(),
        overviewSheetName: String? = nil
    ) {
        self.sections = sections
        self.items = items
        self.itemOptions = itemOptions
        self.overviewSheetName = overviewSheetName
    }
}

/// What an export wrote.
public struct ExportSummary: Hashable, Sendable {
    /// One sheet written (a CSV file is one sheet, named after the file).
    public struct Sheet: Hashable, Sendable {
        /// The sheet's name.
        public var name: String
        /// Its data rows, the header not counted.
        public var rows: Int
    }

    /// The file written.
    public var url: URL
    /// The sheets, in order.
    public var sheets: [Sheet]
    /// The work items written (rows of the item sheet).
    public var itemCount: Int
    /// The "now" of the export, from the generator's clock: what was overdue was decided at this instant.
    public var generatedAt: Date
}

// MARK: - Exports

extension ReportGenerator {
    /// Writes the items `reader` may see that match `filter` to `url`, one row per item, soonest deadline
    /// first (then by id).
    ///
    /// Items are read from the store in pages of 500 and written as they arrive, so the export's memory
    /// stays bounded however many items there are. An administrator's export covers the organization, a
    /// department head's their departments; an outside member gets only the items shared with their
    /// organization, redacted as `Authorizer.redacted(_:for:)` does (no assignees, departments, tags or
    /// internal attachments). Like the engine's item list, the export includes the drafts and cancelled
    /// items the reader may see; filter by state to leave them out. Dates are written in the reader's
    /// organization's time zone. The same data gives a byte-identical file.
    ///
    /// Pages are read one after another, not from one snapshot: an item whose deadline changes while a
    /// long export runs may be missed or written twice.
    ///
    /// The file is written beside `url` under a temporary name and moved into place only when complete; on
    /// any error `url` is left as it was.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader; `CollabError.Code.forbidden` when the
    ///   reader may not export (``CollabPermissions/RecordAction/exportWorkItems``, granted by the policy's
    ///   `export` rules: a host rule can deny it to a member who may still list); `CollabError.Code.invalidInput` for no or repeated columns, a bad sheet
    ///   name, a URL that is not a file URL, or an outside reader filtering by internal fields;
    ///   `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when writing fails; the
    ///   store's codes when reading fails.
    @discardableResult
    public func exportItems(
        as reader: Member.ID, filter: WorkItemFilter = .all, to url: URL, format: ItemExportFormat = .xlsx,
        options: ItemExportOptions = ItemExportOptions()
    ) async throws(CollabError) -> ExportSummary {
        var problems = ValidationReport()
        Self.check(options.columns, field: "options.columns", into: &problems)
        if case .xlsx = format {
            SheetName.check(options.resolvedSheetName, existing: [], into: &problems)
        }
        try problems.throwIfInvalid()
        let context = try await exportContext(for: reader, filter: filter, action: .exportWorkItems)
        let now = clock.now()
        var builder = ItemRowBuilder(context: context, options: options)
        let columns = options.columns.map { $0.exportColumn(in: options.language) }

        let sink: any ExportRowSink
        let sheetName: String
        switch format {
        case .xlsx:
            let writer = try XLSXWriter(url: url, timeZone: context.zone)
            do throws(CollabError) {
                try writer.beginSheet(named: options.resolvedSheetName, columns: columns)
            } catch {
                writer.cancel()
                throw error
            }
            sink = writer
            sheetName = options.resolvedSheetName
        case .csv(let csvOptions):
            sink = try CSVWriter(url: url, columns: columns, timeZone: context.zone, options: csvOptions)
            sheetName = url.lastPathComponent
        }
        do throws(CollabError) {
            let count = try await streamItems(
                context: context, filter: filter, builder: &builder, into: sink, where: { _ in true })
            try sink.finish()
            return ExportSummary(
                url: url, sheets: [ExportSummary.Sheet(name: sheetName, rows: count)], itemCount: count,
                generatedAt: now)
        } catch {
            sink.cancel()
            throw error
        }
    }

    /// Writes a workbook of reports for `reader` to `url`: an optional overview sheet, one sheet per
    /// section (one row per group of the report, then a total row), and an optional sheet of items built
    /// as ``exportItems(as:filter:to:format:options:)`` builds its rows.
    ///
    /// Each section's sheet has the group's label, then the figures of `ReportMetrics`: created, open,
    /// completed, completion rate, completed on time, on time after an extension, late, overdue open,
    /// overdue, overdue rate, on-time rate, cycle time mean, median and 90th percentile in days,
    /// adjustments requested and approved, and cancelled. Rates are number cells shown as percentages,
    /// cycle times number cells with two decimals (empty when nothing was completed).
    ///
    /// Every report is computed, and every sheet name checked, before the file is begun. Reports count
    /// what the reader may see (``report(_:as:)``). The same data gives a byte-identical file: the only
    /// time written is the report's ``Report/generatedAt``, on the overview sheet when one is asked for.
    ///
    /// The reader needs the right to export reports (``CollabPermissions/RecordAction/exportReport``, granted
    /// by the policy's `export` rules), checked before any report is computed, as well as the right to read
    /// reports (``CollabPermissions/RecordAction/readReport``, the policy's `list` rules).
    ///
    /// - Throws: the errors of ``report(_:as:)`` and ``exportItems(as:filter:to:format:options:)``;
    ///   `CollabError.Code.invalidInput` when the workbook would have no sheet or a sheet name breaks
    ///   Excel's rules or repeats another (every problem is listed).
    @discardableResult
    public func exportReport(_ workbook: ReportWorkbook, as reader: Member.ID, to url: URL)
        async throws(CollabError) -> ExportSummary
    {
        let language = workbook.itemOptions.language
        var problems = ValidationReport()
        var names: [String] = []
        func claim(_ name: String, field: String) {
            var own = ValidationReport()
            SheetName.check(name, existing: names, into: &own)
            for problem in own.problems {
                problems.add(field, problem.kind, problem.message)
            }
            names.append(name)
        }
        if let overview = workbook.overviewSheetName { claim(overview, field: "overviewSheetName") }
        for (index, section) in workbook.sections.enumerated() {
            claim(section.title, field: "sections[\(index)].title")
        }
        let itemFilter: WorkItemFilter?
        switch workbook.items {
        case .none: itemFilter = nil
        case .overdue(let filter), .all(let filter): itemFilter = filter
        }
        if itemFilter != nil {
            claim(workbook.itemOptions.resolvedSheetName, field: "itemOptions.sheetName")
            Self.check(workbook.itemOptions.columns, field: "itemOptions.columns", into: &problems)
        }
        if names.isEmpty { problems.add("sections", .empty, "a workbook needs at least one sheet") }
        try problems.throwIfInvalid()

        // Everything that can fail for a reason other than writing fails before the file is begun; the
        // right to export is checked before any report is computed.
        let context = try await exportContext(for: reader, filter: itemFilter ?? .all, action: .exportReport)
        var reports: [Report] = []
        for section in workbook.sections { reports.append(try await report(section.spec, as: reader)) }
        let now = reports.first?.generatedAt ?? clock.now()
        var labels = ReportLabels(language: language)
        if workbook.overviewSheetName != nil {
            try await labels.resolve(workbook.sections.map(\.spec), store: store)
        }

        let writer = try XLSXWriter(url: url, timeZone: context.zone)
        var sheets: [ExportSummary.Sheet] = []
        var itemCount = 0
        do throws(CollabError) {
            if let overview = workbook.overviewSheetName {
                try writer.beginSheet(named: overview, columns: [
                    ExportColumn(labels.text(.field), width: 24), ExportColumn(labels.text(.value), width: 60),
                ])
                var rows: [[ExportValue]] = [
                    [.text(labels.text(.organization)), .text(context.organization.name)],
                    [.text(labels.text(.timeZone)), .text(context.zone.identifier)],
                    [.text(labels.text(.generatedAt)), .dateTime(now)],
                ]
                for section in workbook.sections {
                    rows.append([.text(section.title), .text(labels.describe(section.spec))])
                }
                for row in rows { try writer.appendRow(row) }
                sheets.append(ExportSummary.Sheet(name: overview, rows: rows.count))
            }
            for (section, report) in zip(workbook.sections, reports) {
                try writer.beginSheet(named: section.title, columns: ReportSheet.columns(
                    grouping: section.spec.grouping, labels: labels))
                var rows = 0
                if section.spec.grouping != .none {
                    for group in report.groups {
                        try writer.appendRow(ReportSheet.row(label: labels.groupLabel(group, section.spec.grouping),
                            group.metrics))
                        rows += 1
                    }
                }
                try writer.appendRow(ReportSheet.row(label: labels.text(.total), report.total))
                sheets.append(ExportSummary.Sheet(name: section.title, rows: rows + 1))
            }
            if let itemFilter {
                let options = workbook.itemOptions
                try writer.beginSheet(
                    named: options.resolvedSheetName, columns: options.columns.map { $0.exportColumn(in: language) })
                var builder = ItemRowBuilder(context: context, options: options)
                var filter = itemFilter
                var include: (WorkItem) -> Bool = { _ in true }
                if case .overdue = workbook.items {
                    let counted: Set<WorkItemState> = [.assigned, .accepted, .inProgress, .inReview, .completed]
                    filter.states = filter.states.map { $0.intersection(counted) } ?? counted
                    // Overdue at `now` means due at or before it; the store's bound is exclusive.
                    let bound = now.addingTimeInterval(0.001)
                    filter.dueBefore = filter.dueBefore.map { min($0, bound) } ?? bound
                    include = { item in
                        item.isOverdue(at: now) || (item.state == .completed && (item.closedAt ?? now) >= item.dueAt)
                    }
                }
                if filter.states?.isEmpty != true {
                    itemCount = try await streamItems(
                        context: context, filter: filter, builder: &builder, into: writer, where: include)
                }
                sheets.append(ExportSummary.Sheet(name: options.resolvedSheetName, rows: itemCount))
            }
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        return ExportSummary(url: url, sheets: sheets, itemCount: itemCount, generatedAt: now)
    }

    // MARK: Shared steps

    /// The reader, their scope and their organization's zone, after the checks every listing makes.
    private func exportContext(for reader: Member.ID, filter: WorkItemFilter, action: RecordAction)
        async throws(CollabError) -> ExportContext
    {
        guard let subject = try await store.subject(for: reader) else {
            throw CollabError.notFound("member", reader.rawValue)
        }
        // Exporting is its own action: a host rule may deny it to a member who still lists and reads reports.
        let scope = try accessControl.surface(action, for: subject, usesInternalFields: filter.usesInternalFields)
        guard let organization = try await store.organization(subject.organizationID) else {
            throw CollabError.notFound("organization", subject.organizationID.rawValue)
        }
        return ExportContext(
            subject: subject, scope: scope, organization: organization,
            zone: organization.timeZone ?? .gmt)
    }

    /// Reads the visible items matching `filter` page by page and appends a row for each that `include`
    /// keeps (after redaction); returns how many rows were written.
    private func streamItems(
        context: ExportContext, filter: WorkItemFilter, builder: inout ItemRowBuilder, into sink: any ExportRowSink,
        where include: (WorkItem) -> Bool
    ) async throws(CollabError) -> Int {
        var count = 0
        var cursor: String?
        repeat {
            let page = try await store.workItems(
                in: context.scope, matching: filter, page: PageRequest(limit: Self.exportPageSize, cursor: cursor))
            let items = page.items.map { authorizer.redacted($0, for: context.subject) }.filter(include)
            try await builder.resolveNames(of: items, store: store)
            for item in items {
                try sink.appendRow(builder.row(item))
                count += 1
            }
            cursor = page.nextCursor
        } while cursor != nil
        return count
    }

    /// Items read per page: the most a store returns.
    static var exportPageSize: Int { 500 }

    private static func check(_ columns: [ItemExportColumn], field: String, into report: inout ValidationReport) {
        if columns.isEmpty { report.add(field, .empty, "an item export needs at least one column") }
        var seen = Set<ItemExportColumn>()
        for column in columns where !seen.insert(column).inserted {
            report.add(field, .duplicate, "column '\(column.rawValue)' is listed twice")
        }
    }
}

// MARK: - Internals

/// Who exports, what they may see, and the zone their dates are written in.
struct ExportContext {
    let subject: Subject
    let scope: VisibilityScope
    let organization: Organization
    let zone: TimeZone
}

/// The writers an export streams rows into.
protocol ExportRowSink: AnyObject {
    func appendRow(_ values: [ExportValue]) throws(CollabError)
    func finish() throws(CollabError)
    func cancel()
}

extension XLSXWriter: ExportRowSink {}
extension CSVWriter: ExportRowSink {}

/// Builds an item's row; remembers the names it looked up (a directory's worth at most).
struct ItemRowBuilder {
    let columns: [ItemExportColumn]
    let language: ExportLanguage
    let zone: TimeZone
    /// Members by name (internal readers asking for names).
    let namesMembers: Bool
    /// Departments and organizations by name.
    let namesOthers: Bool
    private var members: [Member.ID: String] = [:]
    private var departments: [Department.ID: String] = [:]
    private var organizations: [Organization.ID: String] = [:]

    init(context: ExportContext, options: ItemExportOptions) {
        columns = options.columns
        language = options.language
        zone = context.zone
        namesMembers = options.usesNames && !context.subject.isExternal
        namesOthers = options.usesNames
        if options.usesNames { organizations[context.organization.id] = context.organization.name }
    }

    /// Looks up the names of the people, departments and organizations of `items` not yet known.
    mutating func resolveNames(of items: [WorkItem], store: any DirectoryStore) async throws(CollabError) {
        let wanted = Set(columns)
        if namesMembers {
            var ids = Set<Member.ID>()
            for item in items {
                if wanted.contains(.initiator) { ids.insert(item.initiatorID) }
                if wanted.contains(.assignees) { ids.formUnion(item.assigneeIDs) }
                if wanted.contains(.reviewer), let reviewer = item.reviewerID { ids.insert(reviewer) }
                if wanted.contains(.watchers) { ids.formUnion(item.watcherIDs) }
            }
            ids = ids.filter { members[$0] == nil }
            if !ids.isEmpty {
                for member in try await store.members(ids) { members[member.id] = member.displayName }
                for id in ids where members[id] == nil { members[id] = id.rawValue }
            }
        }
        guard namesOthers else { return }
        if wanted.contains(.departments) {
            let ids = Set(items.flatMap(\.departmentIDs)).filter { departments[$0] == nil }
            if !ids.isEmpty {
                for department in try await store.departments(ids) { departments[department.id] = department.name }
                for id in ids where departments[id] == nil { departments[id] = id.rawValue }
            }
        }
        if wanted.contains(.organization) || wanted.contains(.partnerOrganizations) {
            var ids = Set<Organization.ID>()
            for item in items {
                if wanted.contains(.organization) { ids.insert(item.organizationID) }
                if wanted.contains(.partnerOrganizations) { ids.formUnion(item.partnerOrganizationIDs) }
            }
            for id in ids where organizations[id] == nil {
                organizations[id] = try await store.organization(id)?.name ?? id.rawValue
            }
        }
    }

    func row(_ item: WorkItem) -> [ExportValue] {
        columns.map { value(of: $0, item) }
    }

    private func value(of column: ItemExportColumn, _ item: WorkItem) -> ExportValue {
        switch column {
        case .id: .text(item.id.rawValue)
        case .organization: text(organizationName(item.organizationID))
        case .title: text(item.title)
        case .description: text(item.description)
        case .state: .text(ExportLabels.state(item.state, language))
        case .priority: .text(ExportLabels.priority(item.priority, language))
        case .initiator: .text(memberName(item.initiatorID))
        case .assignees: text(item.assigneeIDs.map(memberName).joined(separator: ", "))
        case .reviewer: item.reviewerID.map { .text(memberName($0)) } ?? .empty
        case .watchers: text(item.watcherIDs.map(memberName).joined(separator: ", "))
        case .departments:
            text(item.departmentIDs.map { namesOthers ? departments[$0] ?? $0.rawValue : $0.rawValue }
                .joined(separator: ", "))
        case .partnerOrganizations: text(item.partnerOrganizationIDs.map(organizationName).joined(separator: ", "))
        case .start: instant(item.start)
        case .deadline:
            switch item.deadline {
            case .instant(let date): instant(date)
            case .endOfDay(let day):
                // Any instant of that day in the writer's zone makes a date cell of that day.
                if let start = day.startOfDay(in: zone), Self.writable(start) {
                    .date(start)
                } else {
                    .text(day.description)
                }
            }
        case .dueAt: instant(item.dueAt)
        case .tags: text(item.tags.joined(separator: ", "))
        case .progress: item.progressPercent.map { .number(Double($0) / 100) } ?? .empty
        case .pendingAdjustment: item.pendingAdjustmentID.map { .text($0.rawValue) } ?? .empty
        case .version: .integer(item.version)
        case .createdAt: instant(item.createdAt)
        case .updatedAt: instant(item.updatedAt)
        case .closedAt: item.closedAt.map(instant) ?? .empty
        case .stateChangedAt: instant(item.stateChangedAt)
        case .waitingOnExternalSince: item.waitingOnExternalSince.map(instant) ?? .empty
        case .externalWaitCount: .integer(item.externalWaitCount)
        case .attachmentCount: .integer(item.attachments.count)
        case .attachmentNames: text(item.attachments.map(\.fileName).joined(separator: ", "))
        case .recurrence: item.recurrence.map { .text(ExportLabels.recurrence($0, language)) } ?? .empty
        case .seriesID: item.seriesID.map { .text($0.rawValue) } ?? .empty
        }
    }

    /// Text, or no value for empty text (an empty list).
    private func text(_ text: String) -> ExportValue { text.isEmpty ? .empty : .text(text) }

    private func memberName(_ id: Member.ID) -> String { namesMembers ? members[id] ?? id.rawValue : id.rawValue }

    private func organizationName(_ id: Organization.ID) -> String {
        namesOthers ? organizations[id] ?? id.rawValue : id.rawValue
    }

    /// A date-time cell, or ISO 8601 text for an instant a spreadsheet cannot hold (before March 1900).
    private func instant(_ date: Date) -> ExportValue {
        Self.writable(date) ? .dateTime(date) : .text(date.formatted(.iso8601))
    }

    /// Within 1900-03-02...9999-12-30 UTC, so a date cell in any zone stays in Excel's range.
    static func writable(_ date: Date) -> Bool {
        let seconds = date.timeIntervalSince1970
        return seconds >= -2_203_804_800 && seconds <= 253_402_128_000
    }
}

/// Words for states, priorities and recurrence rules.
enum ExportLabels {
    static func state(_ state: WorkItemState, _ language: ExportLanguage) -> String {
        guard language == .chinese else { return state.rawValue }
        switch state {
        case .draft: return "草稿"
        case .assigned: return "已指派"
        case .accepted: return "已接受"
        case .inProgress: return "进行中"
        case .inReview: return "待审核"
        case .completed: return "已完成"
        case .cancelled: return "已取消"
        }
    }

    static func priority(_ priority: Priority, _ language: ExportLanguage) -> String {
        guard language == .chinese else { return priority.rawValue }
        switch priority {
        case .high: return "高"
        case .medium: return "中"
        case .low: return "低"
        }
    }

    /// `every 2 weeks on Mon, Thu`, `每2周（周一、周四）`.
    static func recurrence(_ rule: RecurrenceRule, _ language: ExportLanguage) -> String {
        let n = rule.interval
        let chinese = language == .chinese
        switch rule.frequency {
        case .daily:
            if chinese { return n == 1 ? "每天" : "每\(n)天" }
            return n == 1 ? "daily" : "every \(n) days"
        case .weekly(let days):
            let sorted = days.sorted()
            if chinese {
                let names = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
                let list = sorted.map { names[$0.rawValue - 1] }.joined(separator: "、")
                return (n == 1 ? "每周" : "每\(n)周") + "（\(list)）"
            }
            let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            let list = sorted.map { names[$0.rawValue - 1] }.joined(separator: ", ")
            return (n == 1 ? "weekly" : "every \(n) weeks") + " on \(list)"
        case .monthly(let day):
            if chinese {
                let every = n == 1 ? "每月" : "每\(n)个月"
                switch day {
                case .day(let d): return every + "\(d)日"
                case .lastWorkingDay: return every + "最后一个工作日"
                }
            }
            let every = n == 1 ? "monthly" : "every \(n) months"
            switch day {
            case .day(let d): return every + " on day \(d)"
            case .lastWorkingDay: return every + " on the last working day"
            }
        }
    }
}

/// The columns and rows of a report section's sheet.
enum ReportSheet {
    static func columns(grouping: ReportSpec.Grouping, labels: ReportLabels) -> [ExportColumn] {
        let percent = ExportColumn.NumberFormat.percent(places: 1)
        let days = ExportColumn.NumberFormat.decimal(places: 2)
        let keys: [(ReportLabels.Key, ExportColumn.NumberFormat)] = [
            (.created, .general), (.open, .general), (.completed, .general), (.completionRate, percent),
            (.onTime, .general), (.onTimeAfterExtension, .general), (.late, .general), (.overdueOpen, .general),
            (.overdue, .general), (.overdueRate, percent), (.onTimeRate, percent), (.cycleMean, days),
            (.cycleMedian, days), (.cycleP90, days), (.adjustmentsRequested, .general),
            (.adjustmentsApproved, .general), (.cancelled, .general),
        ]
        return [ExportColumn(labels.groupHeader(grouping))]
            + keys.map { ExportColumn(labels.text($0.0), format: $0.1) }
    }

    static func row(label: String, _ m: ReportMetrics) -> [ExportValue] {
        [
            .text(label), .integer(m.created), .integer(m.open), .integer(m.completed), .number(m.completionRate),
            .integer(m.completedOnTime), .integer(m.completedOnTimeAfterExtension), .integer(m.completedLate),
            .integer(m.overdueOpen), .integer(m.overdue), .number(m.overdueRate), .number(m.onTimeRate),
            days(m.cycleTimeMean), days(m.cycleTimeMedian), days(m.cycleTimeP90), .integer(m.adjustmentsRequested),
            .integer(m.adjustmentsApproved), .integer(m.cancelled),
        ]
    }

    /// A duration in days, or no value.
    static func days(_ duration: Duration?) -> ExportValue {
        guard let duration else { return .empty }
        let (seconds, attoseconds) = duration.components
        return .number((Double(seconds) + Double(attoseconds) / 1e18) / 86_400)
    }
}

/// The headers and labels of report sheets in one language, with the names an overview needs.
struct ReportLabels {
    enum Key {
        case created, open, completed, completionRate, onTime, onTimeAfterExtension, late, overdueOpen, overdue
        case overdueRate, onTimeRate, cycleMean, cycleMedian, cycleP90, adjustmentsRequested, adjustmentsApproved
        case cancelled, total, all, noDepartment, field, value, organization, timeZone, generatedAt
    }

    let language: ExportLanguage
    private var departments: [Department.ID: String] = [:]
    private var members: [Member.ID: String] = [:]

    init(language: ExportLanguage) { self.language = language }

    func text(_ key: Key) -> String {
        let (english, chinese): (String, String) = switch key {
        case .created: ("Created", "创建数")
        case .open: ("Open", "进行中")
        case .completed: ("Completed", "已完成")
        case .completionRate: ("Completion rate", "完成率")
        case .onTime: ("On time", "按期完成")
        case .onTimeAfterExtension: ("On time after extension", "延期后按期完成")
        case .late: ("Late", "逾期完成")
        case .overdueOpen: ("Overdue open", "逾期未完成")
        case .overdue: ("Overdue", "逾期合计")
        case .overdueRate: ("Overdue rate", "逾期率")
        case .onTimeRate: ("On-time rate", "按期率")
        case .cycleMean: ("Cycle time mean (days)", "平均周期（天）")
        case .cycleMedian: ("Cycle time median (days)", "周期中位数（天）")
        case .cycleP90: ("Cycle time p90 (days)", "周期90分位（天）")
        case .adjustmentsRequested: ("Adjustments requested", "调整申请数")
        case .adjustmentsApproved: ("Adjustments approved", "调整批准数")
        case .cancelled: ("Cancelled", "已取消")
        case .total: ("Total", "合计")
        case .all: ("All", "全部")
        case .noDepartment: ("(no department)", "（无部门）")
        case .field: ("Field", "项目")
        case .value: ("Value", "内容")
        case .organization: ("Organization", "组织")
        case .timeZone: ("Time zone", "时区")
        case .generatedAt: ("Generated at", "生成时间")
        }
        return language == .chinese ? chinese : english
    }

    func groupHeader(_ grouping: ReportSpec.Grouping) -> String {
        let chinese = language == .chinese
        switch grouping {
        case .none: return chinese ? "范围" : "Scope"
        case .day: return chinese ? "日期" : "Day"
        case .week: return chinese ? "周（周一）" : "Week (Monday)"
        case .month: return chinese ? "月份" : "Month"
        case .department: return chinese ? "部门" : "Department"
        case .assignee: return chinese ? "执行人" : "Assignee"
        case .tag: return chinese ? "标签" : "Tag"
        }
    }

    func groupLabel(_ group: Report.Group, _ grouping: ReportSpec.Grouping) -> String {
        if group.label.isEmpty {
            switch grouping {
            case .department: return text(.noDepartment)
            case .tag: return language == .chinese ? "（无标签）" : "(no tag)"
            default: return text(.all)
            }
        }
        return group.label
    }

    /// Looks up the departments and members the specs name.
    mutating func resolve(_ specs: [ReportSpec], store: any DirectoryStore) async throws(CollabError) {
        for spec in specs {
            switch spec.scope {
            case .organization: break
            case .department(let id, _):
                if departments[id] == nil { departments[id] = try await store.department(id)?.name ?? id.rawValue }
            case .member(let id):
                if members[id] == nil { members[id] = try await store.member(id)?.displayName ?? id.rawValue }
            }
        }
    }

    /// `Department 运营中心 with sub-departments; 2026-01-01...2026-01-31; by week`.
    func describe(_ spec: ReportSpec) -> String {
        let chinese = language == .chinese
        var parts: [String] = []
        switch spec.scope {
        case .organization: parts.append(chinese ? "全组织" : "Whole organization")
        case .department(let id, let sub):
            let name = departments[id] ?? id.rawValue
            if chinese {
                parts.append("部门 \(name)" + (sub ? "（含下级部门）" : ""))
            } else {
                parts.append("Department \(name)" + (sub ? " with sub-departments" : ""))
            }
        case .member(let id):
            let name = members[id] ?? id.rawValue
            parts.append(chinese ? "成员 \(name)" : "Member \(name)")
        }
        if let period = spec.period {
            parts.append("\(period.lowerBound)...\(period.upperBound)")
        } else {
            parts.append(chinese ? "全部时间" : "all time")
        }
        switch spec.grouping {
        case .none: break
        case .day: parts.append(chinese ? "按日" : "by day")
        case .week: parts.append(chinese ? "按周" : "by week")
        case .month: parts.append(chinese ? "按月" : "by month")
        case .department: parts.append(chinese ? "按部门" : "by department")
        case .assignee: parts.append(chinese ? "按执行人" : "by assignee")
        case .tag: parts.append(chinese ? "按标签" : "by tag")
        }
        if spec.filter != .all { parts.append(chinese ? "已筛选" : "filtered") }
        return parts.joined(separator: chinese ? "；" : "; ")
    }
}
