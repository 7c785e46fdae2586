import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// MARK: - Public types

/// The language of an export's headers and labels, from before exports read the shared catalog.
@available(*, deprecated, message: "use a CollabLocale (ItemExportOptions.locale, ReportWorkbook.locale), or nil for the reader's own")
public enum ExportLanguage: String, Hashable, Sendable, Codable, CaseIterable {
    /// English: `CollabModel.CollabLocale.english`.
    case english = "en"
    /// Simplified Chinese: `CollabModel.CollabLocale.simplifiedChinese`.
    case chinese = "zh-Hans"

    /// The locale the language stands for.
    public var locale: CollabLocale { self == .chinese ? .simplifiedChinese : .english }
}

/// One field of a work item, as a column of an item export
/// (``ReportGenerator/exportItems(as:filter:to:format:options:)``).
///
/// Together the cases cover every field of `WorkItem`. Dates are date-time cells in the organization's
/// time zone, except a date-only deadline, which is a date cell; lists of people, departments, tags and
/// attachments are joined with `", "`. A field without a value (no reviewer, an empty list) is an empty
/// cell. States, priorities and recurrence rules are words of the reader's language (`in progress`,
/// `进行中`; `weekly on Mon, Thu`, `每周（周一、周四）`).
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

    /// The catalog key of the column's header: `export.column.` and the case's name in snake case
    /// (`export.column.due_at`).
    public var messageKey: String {
        var key = "export.column."
        for character in rawValue.replacingOccurrences(of: "ID", with: "Id") {
            if character.isUppercase {
                key += "_" + character.lowercased()
            } else {
                key.append(character)
            }
        }
        return key
    }

    /// The column's header for a reader of `locale`: from `messages` layered over the standard texts, as a
    /// `ReportGenerator` layers its catalog (a header `messages` lacks is Collab's).
    public func title(for locale: CollabLocale, messages: MessageCatalog? = nil) -> String {
        MessageFormatter(catalog: messages, locale: locale).string(messageKey)
    }

    /// The column's header in `language`.
    @available(*, deprecated, message: "use title(for:messages:) with a CollabLocale")
    public func title(in language: ExportLanguage) -> String {
        title(for: language.locale)
    }

    /// The spreadsheet column: header, fixed width for dates, percent format for progress.
    func exportColumn(_ text: MessageFormatter) -> ExportColumn {
        let title = text.string(messageKey)
        return switch self {
        case .progress: ExportColumn(title, format: .percent(places: 0))
        case .start, .dueAt, .createdAt, .updatedAt, .closedAt, .stateChangedAt, .waitingOnExternalSince:
            ExportColumn(title, width: 20)
        default: ExportColumn(title)
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
    /// The locale of the headers, of the sheet's default name and of states, priorities and recurrence
    /// rules; `nil` (the default): the reader's own (`CollabModel.Member.readingLocale(in:)`: the
    /// member's choice, else their organization's).
    public var locale: CollabLocale?
    /// Writes people, departments and organizations by name (display name) rather than by id. Outside
    /// readers always get member ids: the names in the directory are not theirs to read.
    public var usesNames: Bool
    /// The sheet's name in an `.xlsx` (see ``XLSXWriter/beginSheet(named:columns:)`` for the rules);
    /// `nil`: the catalog's `export.sheet.items` (`Items`, `任务`).
    public var sheetName: String?

    /// Creates options; the defaults export every field, by name, in the reader's language.
    public init(
        columns: [ItemExportColumn] = ItemExportColumn.allCases, locale: CollabLocale? = nil,
        usesNames: Bool = true, sheetName: String? = nil
    ) {
        self.columns = columns
        self.locale = locale
        self.usesNames = usesNames
        self.sheetName = sheetName
    }

    /// Creates options with headers and labels in `language`.
    @available(*, deprecated, message: "pass locale: (a CollabLocale), or nil for the reader's own")
    public init(
        columns: [ItemExportColumn] = ItemExportColumn.allCases, language: ExportLanguage,
        usesNames: Bool = true, sheetName: String? = nil
    ) {
        self.init(columns: columns, locale: language.locale, usesNames: usesNames, sheetName: sheetName)
    }

    /// The language of the headers and labels, as the locale's language (Chinese for any `zh` locale).
    @available(*, deprecated, message: "use locale")
    public var language: ExportLanguage {
        get { locale?.languageCandidates.last == "zh" ? .chinese : .english }
        set { locale = newValue.locale }
    }

    /// The sheet name used: ``sheetName`` or the catalog's.
    func resolvedSheetName(_ text: MessageFormatter) -> String { sheetName ?? text.string("export.sheet.items") }
}

/// A workbook of reports: one sheet per section, optionally an overview first and a sheet of items last
/// (``ReportGenerator/exportReport(_:as:to:)``).
///
/// Every text of the workbook — sheet names left to the catalog, headers, labels, the overview — is in
/// ``locale``, by default the reader's own: a Chinese organization's workbook reads `概览`, `按部门`, `完成率`
/// without the caller passing any text.
public struct ReportWorkbook: Hashable, Sendable {
    /// One sheet: a report, one row per group and a total row.
    public struct Section: Hashable, Sendable {
        /// The sheet's name (Excel's rules: 1 to 31 characters, none of `[ ] : * ? / \`; Chinese is fine);
        /// `nil`: the catalog's name for the grouping (`report.sheet.by_week`: `By week`, `按周`;
        /// `report.sheet.summary` without grouping).
        public var title: String?
        /// The report.
        public var spec: ReportSpec

        /// Creates a section on a sheet named `title`.
        public init(_ title: String, _ spec: ReportSpec) {
            self.title = title
            self.spec = spec
        }

        /// Creates a section on a sheet named for its grouping in the workbook's language.
        public init(_ spec: ReportSpec) {
            self.title = nil
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

    /// Whether a first sheet describes the workbook: the organization, its time zone, the report's time
    /// (``Report/generatedAt``, from the generator's clock), each section's scope, period and grouping, and
    /// what an empty cell means. Without one the file holds no time but the data's own.
    public enum Overview: Hashable, Sendable {
        /// No overview sheet.
        case none
        /// An overview named by the catalog (`report.sheet.overview`: `Overview`, `概览`).
        case standard
        /// An overview of this name.
        case named(String)
    }

    /// The report sheets, in order.
    public var sections: [Section]
    /// The item sheet, named by ``itemOptions``' ``ItemExportOptions/sheetName``.
    public var items: ItemSheet
    /// The columns, names and sheet name of the item sheet.
    public var itemOptions: ItemExportOptions
    /// The overview sheet, if any.
    public var overview: Overview
    /// The locale of every text of the workbook; `nil` (the default): ``itemOptions``' locale if it has
    /// one, else the reader's own (`CollabModel.Member.readingLocale(in:)`).
    public var locale: CollabLocale?
    /// The approval sheets — flows, steps, approvers (``ApprovalTable``) — after the report sheets and before
    /// the item sheet; `nil` (the default): none.
    public var approvals: Approvals?

    /// Creates a workbook description.
    public init(
        sections: [Section], items: ItemSheet = .none, itemOptions: ItemExportOptions = ItemExportOptions(),
        overview: Overview = .none, locale: CollabLocale? = nil, approvals: Approvals? = nil
    ) {
        self.sections = sections
        self.items = items
        self.itemOptions = itemOptions
        self.overview = overview
        self.locale = locale
        self.approvals = approvals
    }

    /// Creates a workbook description with an overview sheet of this name (none when `nil`).
    @available(*, deprecated, message: "pass overview: .named(name) (or .standard for the catalog's name)")
    public init(
        sections: [Section], items: ItemSheet = .none, itemOptions: ItemExportOptions = ItemExportOptions(),
        overviewSheetName: String?
    ) {
        self.init(
            sections: sections, items: items, itemOptions: itemOptions,
            overview: overviewSheetName.map(Overview.named) ?? .none)
    }

    /// The overview sheet's name when it was given one; `nil` for none or the catalog's.
    @available(*, deprecated, message: "use overview")
    public var overviewSheetName: String? {
        get { if case .named(let name) = overview { name } else { nil } }
        set { overview = newValue.map(Overview.named) ?? .none }
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
    /// organization's time zone; headers, the sheet's default name, states, priorities and recurrence rules
    /// in ``ItemExportOptions/locale``, by default the reader's own. The same data gives a byte-identical
    /// file.
    ///
    /// Pages are read one after another, not from one snapshot: an item whose deadline changes while a
    /// long export runs may be missed or written twice.
    ///
    /// The file is written beside `url` under a temporary name and moved into place only when complete; on
    /// any error `url` is left as it was.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader; `CollabError.Code.forbidden` when the
    ///   reader may not export (`CollabPermissions.RecordAction.exportWorkItems`, granted by the policy's
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
        if case .xlsx = format, let name = options.sheetName {
            SheetName.check(name, existing: [], into: &problems)
        }
        try problems.throwIfInvalid()
        let context = try await exportContext(for: reader, filter: filter, action: .exportWorkItems)
        let text = formatter(options.locale ?? context.locale, zone: context.zone)
        let sheetName = options.resolvedSheetName(text)
        if case .xlsx = format, options.sheetName == nil {
            SheetName.check(sheetName, existing: [], into: &problems)
            try problems.throwIfInvalid()
        }
        let now = clock.now()
        var builder = ItemRowBuilder(context: context, options: options, text: text)
        let columns = options.columns.map { $0.exportColumn(text) }

        let (sink, writtenName) = try Self.tableSink(format, url: url, zone: context.zone, sheetName: sheetName,
            columns: columns)
        do throws(CollabError) {
            let count = try await streamItems(
                context: context, filter: filter, builder: &builder, into: sink, where: { _ in true })
            try sink.finish()
            return ExportSummary(
                url: url, sheets: [ExportSummary.Sheet(name: writtenName, rows: count)], itemCount: count,
                generatedAt: now)
        } catch {
            sink.cancel()
            throw error
        }
    }

    /// Writes a workbook of reports for `reader` to `url`: an optional overview sheet, one sheet per
    /// section (one row per group of the report, then a total row), the approval sheets when
    /// ``ReportWorkbook/approvals`` asks for them (a flow sheet with a total row, a step sheet, an approver
    /// sheet: ``ApprovalTable``, from ``approvalStatistics(of:period:as:)`` at the report's time), and an
    /// optional sheet of items built as ``exportItems(as:filter:to:format:options:)`` builds its rows.
    ///
    /// Each section's sheet has the group's label — a date cell for days and weeks (the week's Monday),
    /// `2026-03` for months, a name otherwise — then the figures of `ReportMetrics`: created, open,
    /// completed, completion rate, completed on time, on time after an extension, late, overdue open,
    /// overdue, overdue rate, on-time rate, average, median and 90th percentile cycle time in days,
    /// adjustments requested and approved, and cancelled. Rates are number cells shown as percentages with
    /// one decimal (`0.0%`: 0.457 shows as `45.7%`), cycle times number cells in days shown with one
    /// decimal (`0.0`).
    ///
    /// A group without data is not a group at 0%: in a week in which nothing was created the completion
    /// and overdue rates are empty cells (`ReportMetrics.rates`), and so are the on-time rate and the
    /// cycle times of a group in which nothing was completed. Counts are always written (0 items created
    /// is a count).
    ///
    /// Every text — the sheet names the caller leaves to the catalog, headers, group labels such as
    /// `(no department)`, the total row, the overview — is in ``ReportWorkbook/locale``, by default the
    /// reader's own, from the generator's ``messages``. Each sheet has its header row frozen, an autofilter
    /// over its table, and prints landscape, one page wide, repeating the header row (``XLSXWriter``).
    ///
    /// Every report is computed, and every sheet name checked, before the file is begun. Reports count
    /// what the reader may see (``report(_:as:)``). The same data gives a byte-identical file: the only
    /// time written is the report's ``Report/generatedAt``, on the overview sheet when one is asked for.
    ///
    /// The reader needs the right to export reports (`CollabPermissions.RecordAction.exportReport`, granted
    /// by the policy's `export` rules), checked before any report is computed, as well as the right to read
    /// reports (`CollabPermissions.RecordAction.readReport`, the policy's `list` rules); approval sheets
    /// also the right to read department boards (`CollabPermissions.RecordAction.readDashboard`).
    ///
    /// - Throws: the errors of ``report(_:as:)``, ``approvalStatistics(of:period:as:)`` and
    ///   ``exportItems(as:filter:to:format:options:)``;
    ///   `CollabError.Code.invalidInput` when the workbook would have no sheet or a sheet name breaks
    ///   Excel's rules or repeats another (every problem is listed).
    @discardableResult
    public func exportReport(_ workbook: ReportWorkbook, as reader: Member.ID, to url: URL)
        async throws(CollabError) -> ExportSummary
    {
        var problems = ValidationReport()
        let itemFilter: WorkItemFilter?
        switch workbook.items {
        case .none: itemFilter = nil
        case .overdue(let filter), .all(let filter): itemFilter = filter
        }
        if itemFilter != nil {
            Self.check(workbook.itemOptions.columns, field: "itemOptions.columns", into: &problems)
        }
        if workbook.sections.isEmpty && workbook.overview == .none && itemFilter == nil && workbook.approvals == nil {
            problems.add("sections", .empty, "a workbook needs at least one sheet")
        }
        try problems.throwIfInvalid()

        // Everything that can fail for a reason other than writing fails before the file is begun; the
        // right to export is checked before any report is computed.
        let context = try await exportContext(for: reader, filter: itemFilter ?? .all, action: .exportReport)
        let text = formatter(workbook.locale ?? workbook.itemOptions.locale ?? context.locale, zone: context.zone)
        var names: [String] = []
        func claim(_ name: String, field: String) -> String {
            var own = ValidationReport()
            SheetName.check(name, existing: names, into: &own)
            for problem in own.problems {
                problems.add(field, problem.kind, problem.message)
            }
            names.append(name)
            return name
        }
        let overviewName: String? = switch workbook.overview {
        case .none: nil
        case .standard: claim(text.string("report.sheet.overview"), field: "overview")
        case .named(let name): claim(name, field: "overview")
        }
        var sectionNames: [String] = []
        for (index, section) in workbook.sections.enumerated() {
            let name = section.title ?? text.string(ReportLabels.sheetKey(section.spec.grouping))
            sectionNames.append(claim(name, field: "sections[\(index)].title"))
        }
        var approvalSheets: [(table: ApprovalTable, name: String)] = []
        if let approvals = workbook.approvals {
            for table in ApprovalTable.allCases {
                let name = approvals.sheetNames[table] ?? text.string(table.sheetKey)
                approvalSheets.append((table, claim(name, field: "approvals.sheetNames[\(table.rawValue)]")))
            }
        }
        var itemOptions = workbook.itemOptions
        itemOptions.locale = text.locale
        let itemSheetName = itemFilter == nil
            ? nil : claim(itemOptions.resolvedSheetName(text), field: "itemOptions.sheetName")
        try problems.throwIfInvalid()

        var reports: [Report] = []
        for section in workbook.sections { reports.append(try await report(section.spec, as: reader)) }
        let now = reports.first?.generatedAt ?? clock.now()
        var statistics: ApprovalStatistics?
        var approvalSpec: ReportSpec?
        if let approvals = workbook.approvals {
            let access = try await approvalReadAccess(for: reader)
            statistics = try await approvalStatistics(
                of: approvals.department, period: approvals.period, access: access, now: now)
            approvalSpec = ReportSpec(
                scope: approvals.department.map { .department($0, includingSubdepartments: true) } ?? .organization,
                period: approvals.period)
        }
        var labels = ReportLabels(text: text, zone: context.zone)
        if overviewName != nil {
            try await labels.resolve(workbook.sections.map(\.spec) + (approvalSpec.map { [$0] } ?? []), store: store)
        }

        let writer = try XLSXWriter(url: url, timeZone: context.zone)
        var sheets: [ExportSummary.Sheet] = []
        var itemCount = 0
        do throws(CollabError) {
            if let overviewName {
                try writer.beginSheet(named: overviewName, columns: [
                    ExportColumn(labels.text("report.overview.field")), ExportColumn(labels.text("report.overview.value")),
                ])
                var rows: [[ExportValue]] = [
                    [.text(labels.text("report.overview.organization")), .text(context.organization.name)],
                    [.text(labels.text("report.overview.time_zone")), .text(context.zone.identifier)],
                    [.text(labels.text("report.overview.generated_at")), .dateTime(now)],
                ]
                for (name, section) in zip(sectionNames, workbook.sections) {
                    rows.append([.text(name), .text(labels.describe(section.spec))])
                }
                if let approvalSpec {
                    for sheet in approvalSheets { rows.append([.text(sheet.name), .text(labels.describe(approvalSpec))]) }
                }
                rows.append([.text(labels.text("report.overview.no_data_note")),
                    .text(labels.text("report.overview.no_data_text"))])
                if approvalSpec != nil {
                    rows.append([.text(labels.text("report.overview.approvals_note")),
                        .text(labels.text("report.overview.approvals_text"))])
                }
                for row in rows { try writer.appendRow(row) }
                sheets.append(ExportSummary.Sheet(name: overviewName, rows: rows.count))
            }
            for ((name, section), report) in zip(zip(sectionNames, workbook.sections), reports) {
                let grouping = section.spec.grouping
                try writer.beginSheet(named: name, columns: ReportSheet.columns(grouping: grouping, labels: labels))
                var rows = 0
                if grouping != .none {
                    for group in report.groups {
                        try writer.appendRow(ReportSheet.row(labels.groupCell(group, grouping), group.metrics))
                        rows += 1
                    }
                }
                try writer.appendRow(ReportSheet.row(.text(labels.text("report.total")), report.total))
                sheets.append(ExportSummary.Sheet(name: name, rows: rows + 1))
            }
            if let statistics {
                for sheet in approvalSheets {
                    try writer.beginSheet(named: sheet.name, columns: ApprovalSheet.columns(sheet.table, text))
                    let rows = ApprovalSheet.rows(sheet.table, statistics, text)
                    for row in rows { try writer.appendRow(row) }
                    sheets.append(ExportSummary.Sheet(name: sheet.name, rows: rows.count))
                }
            }
            if let itemFilter, let itemSheetName {
                try writer.beginSheet(named: itemSheetName, columns: itemOptions.columns.map { $0.exportColumn(text) })
                var builder = ItemRowBuilder(context: context, options: itemOptions, text: text)
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
                sheets.append(ExportSummary.Sheet(name: itemSheetName, rows: itemCount))
            }
            try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
        return ExportSummary(url: url, sheets: sheets, itemCount: itemCount, generatedAt: now)
    }

    /// The texts for a reader of `locale`: the generator's catalog, dates in `zone`.
    func formatter(_ locale: CollabLocale, zone: TimeZone) -> MessageFormatter {
        MessageFormatter(layered: messages, locale: locale, timeZone: zone)
    }

    // MARK: Shared steps

    /// The reader, their scope and their organization's zone, after the checks every listing makes.
    func exportContext(for reader: Member.ID, filter: WorkItemFilter, action: RecordAction)
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
        let member = try await store.member(reader)
        return ExportContext(
            subject: subject, scope: scope, organization: organization,
            zone: organization.timeZone ?? .gmt, locale: member?.readingLocale(in: organization) ?? organization.locale)
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

/// Who exports, what they may see, the zone their dates are written in and the language they read.
struct ExportContext {
    let subject: Subject
    let scope: VisibilityScope
    let organization: Organization
    let zone: TimeZone
    /// The reader's own locale: their choice, else their organization's.
    let locale: CollabLocale
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
    let text: MessageFormatter
    let zone: TimeZone
    /// Members by name (internal readers asking for names).
    let namesMembers: Bool
    /// Departments and organizations by name.
    let namesOthers: Bool
    private var members: [Member.ID: String] = [:]
    private var departments: [Department.ID: String] = [:]
    private var organizations: [Organization.ID: String] = [:]

    init(context: ExportContext, options: ItemExportOptions, text: MessageFormatter) {
        columns = options.columns
        self.text = text
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
        case .state: .text(ExportLabels.state(item.state, text))
        case .priority: .text(ExportLabels.priority(item.priority, text))
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
        case .recurrence: item.recurrence.map { .text(ExportLabels.recurrence($0, text)) } ?? .empty
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

/// Words for states, priorities and recurrence rules, from the catalog.
enum ExportLabels {
    /// `state.in_progress`: `in progress`, `进行中`.
    static func state(_ state: WorkItemState, _ text: MessageFormatter) -> String {
        text.string("state." + state.rawValue)
    }

    /// `priority.high`: `high`, `高`.
    static func priority(_ priority: Priority, _ text: MessageFormatter) -> String {
        text.string("priority." + priority.rawValue)
    }

    /// `every 2 weeks on Mon, Thu`, `每2周（周一、周四）`.
    static func recurrence(_ rule: RecurrenceRule, _ text: MessageFormatter) -> String {
        let count: MessageArgument = .integer(rule.interval)
        let once = rule.interval == 1
        switch rule.frequency {
        case .daily:
            return once ? text.string("export.recurrence.daily") : text.string("export.recurrence.every_days", ["count": count])
        case .weekly(let days):
            let names = days.sorted().map { text.string("weekday.short." + weekdayName($0)) }
            let list: MessageArgument = .text(names.joined(separator: text.string("list.separator")))
            return once
                ? text.string("export.recurrence.weekly", ["days": list])
                : text.string("export.recurrence.every_weeks", ["count": count, "days": list])
        case .monthly(.day(let day)):
            return once
                ? text.string("export.recurrence.monthly_on_day", ["day": .integer(day)])
                : text.string("export.recurrence.every_months_on_day", ["count": count, "day": .integer(day)])
        case .monthly(.lastWorkingDay):
            return once
                ? text.string("export.recurrence.monthly_last_working_day")
                : text.string("export.recurrence.every_months_last_working_day", ["count": count])
        }
    }

    /// The weekday's part of its catalog key (`weekday.short.monday`).
    static func weekdayName(_ day: Weekday) -> String {
        switch day {
        case .monday: "monday"
        case .tuesday: "tuesday"
        case .wednesday: "wednesday"
        case .thursday: "thursday"
        case .friday: "friday"
        case .saturday: "saturday"
        case .sunday: "sunday"
        }
    }
}

/// The columns and rows of a report section's sheet.
enum ReportSheet {
    /// The figures after the group's label: catalog key, number format, value.
    static let figures: [(key: String, format: ExportColumn.NumberFormat, value: @Sendable (ReportMetrics) -> ExportValue)] = [
        ("report.column.created", .general, { .integer($0.created) }),
        ("report.column.open", .general, { .integer($0.open) }),
        ("report.column.completed", .general, { .integer($0.completed) }),
        ("report.column.completion_rate", percentFormat, { ReportSheet.rate($0.rates.completion) }),
        ("report.column.completed_on_time", .general, { .integer($0.completedOnTime) }),
        ("report.column.completed_on_time_after_extension", .general, { .integer($0.completedOnTimeAfterExtension) }),
        ("report.column.completed_late", .general, { .integer($0.completedLate) }),
        ("report.column.overdue_open", .general, { .integer($0.overdueOpen) }),
        ("report.column.overdue", .general, { .integer($0.overdue) }),
        ("report.column.overdue_rate", percentFormat, { ReportSheet.rate($0.rates.overdue) }),
        ("report.column.on_time_rate", percentFormat, { ReportSheet.rate($0.rates.onTime) }),
        ("report.column.cycle_time_mean", dayFormat, { ReportSheet.days($0.cycleTimeMean) }),
        ("report.column.cycle_time_median", dayFormat, { ReportSheet.days($0.cycleTimeMedian) }),
        ("report.column.cycle_time_p90", dayFormat, { ReportSheet.days($0.cycleTimeP90) }),
        ("report.column.adjustments_requested", .general, { .integer($0.adjustmentsRequested) }),
        ("report.column.adjustments_approved", .general, { .integer($0.adjustmentsApproved) }),
        ("report.column.cancelled", .general, { .integer($0.cancelled) }),
    ]
    /// Rates: `45.7%`.
    static let percentFormat = ExportColumn.NumberFormat.percent(places: 1)
    /// Cycle times in days: `2.3`.
    static let dayFormat = ExportColumn.NumberFormat.decimal(places: 1)

    static func columns(grouping: ReportSpec.Grouping, labels: ReportLabels) -> [ExportColumn] {
        let first: ExportColumn = switch grouping {
        case .day, .week: ExportColumn(labels.text(ReportLabels.groupKey(grouping)), width: 16)
        default: ExportColumn(labels.text(ReportLabels.groupKey(grouping)))
        }
        return [first] + figures.map { ExportColumn(labels.text($0.key), format: $0.format) }
    }

    static func row(_ label: ExportValue, _ metrics: ReportMetrics) -> [ExportValue] {
        [label] + figures.map { $0.value(metrics) }
    }

    /// A rate, or no value when it has no data.
    static func rate(_ rate: Double?) -> ExportValue { rate.map(ExportValue.number) ?? .empty }

    /// A duration in days, or no value.
    static func days(_ duration: Duration?) -> ExportValue {
        guard let duration else { return .empty }
        let (seconds, attoseconds) = duration.components
        return .number((Double(seconds) + Double(attoseconds) / 1e18) / 86_400)
    }
}

/// The headers and labels of report sheets in one language, with the names an overview needs.
struct ReportLabels {
    let text: MessageFormatter
    let zone: TimeZone
    private var departments: [Department.ID: String] = [:]
    private var members: [Member.ID: String] = [:]

    init(text: MessageFormatter, zone: TimeZone) {
        self.text = text
        self.zone = zone
    }

    func text(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> String { text.string(key, arguments) }

    /// The catalog key of a section's default sheet name.
    static func sheetKey(_ grouping: ReportSpec.Grouping) -> String {
        switch grouping {
        case .none: "report.sheet.summary"
        case .day: "report.sheet.by_day"
        case .week: "report.sheet.by_week"
        case .month: "report.sheet.by_month"
        case .department: "report.sheet.by_department"
        case .assignee: "report.sheet.by_assignee"
        case .tag: "report.sheet.by_tag"
        }
    }

    /// The catalog key of the first column's header.
    static func groupKey(_ grouping: ReportSpec.Grouping) -> String { "report.group." + grouping.rawValue }

    /// The group's first cell: a date cell for a day or week (its first day), else its label; the catalog's
    /// words for no department, no tag, and the whole scope.
    func groupCell(_ group: Report.Group, _ grouping: ReportSpec.Grouping) -> ExportValue {
        if grouping == .day || grouping == .week, let day = CalendarDate(iso: group.key),
            let start = day.startOfDay(in: zone), ItemRowBuilder.writable(start)
        {
            return .date(start)
        }
        if group.label.isEmpty {
            switch grouping {
            case .department: return .text(text("report.no_department"))
            case .tag: return .text(text("report.no_tag"))
            default: return .text(text("report.all"))
            }
        }
        return .text(group.label)
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

    /// `Department 运营中心 with sub-departments; Thu, Jan 1, 2026 – Sat, Jan 31, 2026; by week`.
    func describe(_ spec: ReportSpec) -> String {
        var parts: [String] = []
        switch spec.scope {
        case .organization:
            parts.append(text("report.scope.organization"))
        case .department(let id, let below):
            let name = MessageArgument.text(departments[id] ?? id.rawValue)
            parts.append(text(below ? "report.scope.department_and_below" : "report.scope.department", ["name": name]))
        case .member(let id):
            parts.append(text("report.scope.member", ["name": .text(members[id] ?? id.rawValue)]))
        }
        if let period = spec.period {
            parts.append(text("report.period.range", ["from": .date(period.lowerBound), "to": .date(period.upperBound)]))
        } else {
            parts.append(text("report.period.all_time"))
        }
        if spec.grouping != .none { parts.append(text("report.grouping." + spec.grouping.rawValue)) }
        if spec.filter != .all { parts.append(text("report.filtered")) }
        return parts.joined(separator: text("report.description.separator"))
    }
}

extension ReportGenerator {
    /// Opens the one-table file of an export: an .xlsx with one sheet named `sheetName`, or a CSV file.
    /// Returns the sink to append rows to and the name written (the sheet's, or the file's).
    static func tableSink(
        _ format: ItemExportFormat, url: URL, zone: TimeZone, sheetName: String, columns: [ExportColumn]
    ) throws(CollabError) -> (any ExportRowSink, String) {
        switch format {
        case .xlsx:
            let writer = try XLSXWriter(url: url, timeZone: zone)
            do throws(CollabError) {
                try writer.beginSheet(named: sheetName, columns: columns)
            } catch {
                writer.cancel()
                throw error
            }
            return (writer, sheetName)
        case .csv(let options):
            return (try CSVWriter(url: url, columns: columns, timeZone: zone, options: options), url.lastPathComponent)
        }
    }
}
