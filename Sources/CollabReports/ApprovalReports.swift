import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// One table of the approval statistics, as a sheet of a report workbook (``ReportWorkbook/approvals``) or
/// the table of an approval export (``ReportGenerator/exportApprovals(_:of:period:as:to:format:locale:)``).
public enum ApprovalTable: String, Hashable, Sendable, Codable, CaseIterable {
    /// One row per flow (``ApprovalStatistics/Flow``), then a total row: requests, open, approved, rejected,
    /// withdrawn, average and median cycle time in hours, requests sent back and their share.
    case flows
    /// One row per step of a flow (``ApprovalStatistics/Step``): the flow, the step's name and key,
    /// attempts, finished attempts, attempts sent back and their share, timeouts, average attempt duration
    /// in hours.
    case steps
    /// One row per approver (``ApprovalStatistics/Approver``): decisions, approvals, rejections, average and
    /// longest waiting time in hours, requests waiting for them now, since when the oldest waits and for how
    /// many hours.
    case approvers

    /// The catalog key of the table's default sheet name: `report.sheet.approval_flows` (`Approval flows`,
    /// `审批流程`), `report.sheet.approval_steps` (`Approval steps`, `审批节点`), `report.sheet.approvers`
    /// (`Approvers`, `审批人`).
    public var sheetKey: String {
        switch self {
        case .flows: "report.sheet.approval_flows"
        case .steps: "report.sheet.approval_steps"
        case .approvers: "report.sheet.approvers"
        }
    }
}

extension ReportWorkbook {
    /// The approval sheets of a workbook: a flow sheet, a step sheet and an approver sheet
    /// (``ApprovalTable``) of the statistics ``ReportGenerator/approvalStatistics(of:period:as:)`` computes.
    public struct Approvals: Hashable, Sendable {
        /// The department whose requests count (its applicants' department, with the departments below it);
        /// `nil`: the whole organization.
        public var department: Department.ID?
        /// Requests created on these days, in the organization's time zone; `nil`: all time.
        public var period: ClosedRange<CalendarDate>?
        /// Sheet names chosen by the caller (Excel's rules); a table left out is named by the catalog
        /// (``ApprovalTable/sheetKey``).
        public var sheetNames: [ApprovalTable: String]

        /// Creates the approval sheets of `department` (the whole organization when `nil`) for `period`.
        public init(
            of department: Department.ID? = nil, period: ClosedRange<CalendarDate>? = nil,
            sheetNames: [ApprovalTable: String] = [:]
        ) {
            self.department = department
            self.period = period
            self.sheetNames = sheetNames
        }
    }
}

/// Who reads approval statistics, and what they may see of them.
struct ApprovalReadAccess {
    let subject: Subject
    let organization: Organization
    let scope: VisibilityScope

    var zone: TimeZone { organization.timeZone ?? .gmt }

    /// Whether the reader may count `request`: every request when their scope covers the organization,
    /// else the requests they are on and those whose applicant's department their scope grants.
    func counts(_ request: ApprovalRequest) -> Bool {
        guard request.organizationID == organization.id else { return false }
        if scope.wholeOrganization == organization.id { return true }
        if request.involvedMemberIDs.contains(subject.memberID) { return true }
        guard let department = request.departmentID else { return false }
        return scope.grants.contains(VisibilityScope.Grant(.department, department.rawValue))
    }
}

extension ReportGenerator {
    /// The approval statistics of `department` (the requests whose `CollabModel.ApprovalRequest.departmentID`
    /// — the applicant's department when they submitted — is it or one below it), or of the whole
    /// organization when `nil`, for the requests created in `period` (days in the organization's time zone;
    /// `nil`: all time), as `reader` may see them. See ``ApprovalStatistics`` for what each figure measures:
    /// wall-clock time, open waits measured at the generator's clock.
    ///
    /// The reader needs what a department board needs: `CollabPermissions.RecordAction.readDashboard`
    /// (refused to members of outside organizations and by host rules) and
    /// `CollabPermissions.RecordAction.readReport`. A reader whose visibility covers the organization
    /// (administrators, auditors) counts every request; any other reader counts the requests they are on
    /// (applicant, approver, copied) and those whose department their visibility grants (the departments
    /// they belong to or head, with those below).
    ///
    /// Every request of the period is read, page by page, and counted in memory. Steps are named and
    /// ordered by their flow's latest version; approvers are named by their display names.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader, or a department not of the reader's
    ///   organization; `CollabError.Code.forbidden` when either right is denied;
    ///   `CollabError.Code.invalidInput` for a period of invalid dates or of more than 3,660 days; the
    ///   store's codes when reading fails.
    public func approvalStatistics(
        of department: Department.ID?, period: ClosedRange<CalendarDate>? = nil, as reader: Member.ID
    ) async throws(CollabError) -> ApprovalStatistics {
        let access = try await approvalReadAccess(for: reader)
        return try await approvalStatistics(of: department, period: period, access: access, now: clock.now())
    }

    /// The reader's subject, organization and scope, after the checks of ``approvalStatistics(of:period:as:)``.
    func approvalReadAccess(for reader: Member.ID) async throws(CollabError) -> ApprovalReadAccess {
        guard let subject = try await store.subject(for: reader) else {
            throw CollabError.notFound("member", reader.rawValue)
        }
        let decision = accessControl.decide(subject, .readDashboard, on: .organization(subject.organizationID))
        guard decision.isAllowed else {
            throw CollabError(.forbidden, "member '\(reader)' may not read approval reports: \(decision)")
        }
        let scope = try accessControl.surface(.readReport, for: subject)
        // The board's rule refuses outsiders already; approval figures are never theirs, whatever a host rule says.
        guard !subject.isExternal else {
            throw CollabError(.forbidden, "member '\(reader)' of an outside organization may not read approval reports")
        }
        guard let organization = try await store.organization(subject.organizationID) else {
            throw CollabError.notFound("organization", subject.organizationID.rawValue)
        }
        return ApprovalReadAccess(subject: subject, organization: organization, scope: scope)
    }

    /// The statistics for an authorized reader, measured at `now`.
    func approvalStatistics(
        of department: Department.ID?, period: ClosedRange<CalendarDate>?, access: ApprovalReadAccess, now: Date
    ) async throws(CollabError) -> ApprovalStatistics {
        let organization = access.organization
        var filter = ApprovalRequestFilter()
        if let period, let interval = try Self.periods(period, grouping: .none, in: access.zone).first?.0 {
            filter.createdFrom = interval.start
            filter.createdBefore = interval.end
        }
        var departments: Set<Department.ID>?
        if let department {
            guard let found = try await store.department(department), found.organizationID == organization.id else {
                throw CollabError.notFound("department", department.rawValue)
            }
            departments = try await subtree(of: department, in: organization.id)
        }

        var requests: [ApprovalRequest] = []
        var cursor: String?
        repeat {
            let page = try await store.approvalRequests(
                in: organization.id, matching: filter, page: PageRequest(limit: Self.exportPageSize, cursor: cursor))
            requests += page.items.filter { request in
                guard access.counts(request) else { return false }
                guard let departments else { return true }
                return request.departmentID.map(departments.contains) ?? false
            }
            cursor = page.nextCursor
        } while cursor != nil

        var statistics = ApprovalStatistics(requests: requests, now: now)
        // Steps named and ordered as the flow's latest version has them.
        for index in statistics.flows.indices {
            guard let flow = try await store.approvalFlow(statistics.flows[index].flowID, version: nil) else { continue }
            let order = Dictionary(flow.steps.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { first, _ in first })
            var steps = statistics.flows[index].steps
            for step in steps.indices { steps[step].stepName = flow.step(steps[step].stepKey)?.name }
            steps = steps.enumerated().sorted { lhs, rhs in
                (order[lhs.element.stepKey] ?? Int.max, lhs.offset) < (order[rhs.element.stepKey] ?? Int.max, rhs.offset)
            }.map(\.element)
            statistics.flows[index].steps = steps
        }
        let ids = Set(statistics.approvers.map(\.memberID))
        if !ids.isEmpty {
            var names: [Member.ID: String] = [:]
            for member in try await store.members(ids) where member.organizationID == organization.id {
                names[member.id] = member.displayName
            }
            for index in statistics.approvers.indices {
                statistics.approvers[index].name = names[statistics.approvers[index].memberID]
            }
        }
        return statistics
    }

    /// Writes one table of the approval statistics of `department` (the whole organization when `nil`) for
    /// `period` to `url`: an `.xlsx` of one sheet (named by the catalog, ``ApprovalTable/sheetKey``) or a
    /// CSV file. The columns and rows are those of the workbook's approval sheets (``ReportWorkbook/approvals``);
    /// headers in `locale`, by default the reader's own; durations as number cells in hours with one decimal,
    /// shares as percentages, the oldest wait's start as a date-time cell in the organization's time zone.
    ///
    /// The file is written beside `url` under a temporary name and moved into place only when complete.
    ///
    /// - Throws: the errors of ``approvalStatistics(of:period:as:)``; `CollabError.Code.forbidden` when the
    ///   reader may not export reports (`CollabPermissions.RecordAction.exportReport`);
    ///   `CollabError.Code.storageFull` or `CollabError.Code.storageFailure` when writing fails.
    @discardableResult
    public func exportApprovals(
        _ table: ApprovalTable, of department: Department.ID?, period: ClosedRange<CalendarDate>? = nil,
        as reader: Member.ID, to url: URL, format: ItemExportFormat = .xlsx, locale: CollabLocale? = nil
    ) async throws(CollabError) -> ExportSummary {
        let context = try await exportContext(for: reader, filter: .all, action: .exportReport)
        let access = try await approvalReadAccess(for: reader)
        let now = clock.now()
        let statistics = try await approvalStatistics(of: department, period: period, access: access, now: now)
        let text = formatter(locale ?? context.locale, zone: context.zone)
        let sheetName = text.string(table.sheetKey)
        let columns = ApprovalSheet.columns(table, text)
        let rows = ApprovalSheet.rows(table, statistics, text)

        let (sink, writtenName) = try Self.tableSink(format, url: url, zone: context.zone, sheetName: sheetName,
            columns: columns)
        do throws(CollabError) {
            for row in rows { try sink.appendRow(row) }
            try sink.finish()
        } catch {
            sink.cancel()
            throw error
        }
        return ExportSummary(
            url: url, sheets: [ExportSummary.Sheet(name: writtenName, rows: rows.count)], itemCount: 0, generatedAt: now)
    }
}

/// The columns and rows of the approval sheets.
enum ApprovalSheet {
    /// Hours: `12.5`.
    static let hourFormat = ExportColumn.NumberFormat.decimal(places: 1)

    static func columns(_ table: ApprovalTable, _ text: MessageFormatter) -> [ExportColumn] {
        func column(_ key: String, _ format: ExportColumn.NumberFormat = .general, width: Double? = nil) -> ExportColumn {
            ExportColumn(text.string("report.approvals.column." + key), width: width, format: format)
        }
        switch table {
        case .flows:
            return [
                column("flow"), column("requests"), column("open"), column("approved"), column("rejected"),
                column("withdrawn"), column("cycle_time_mean", hourFormat), column("cycle_time_median", hourFormat),
                column("sent_back"), column("sent_back_share", ReportSheet.percentFormat),
            ]
        case .steps:
            return [
                column("flow"), column("step"), column("step_key"), column("attempts"), column("finished_attempts"),
                column("attempts_sent_back"), column("attempts_sent_back_share", ReportSheet.percentFormat),
                column("timeouts"), column("attempt_duration_mean", hourFormat),
            ]
        case .approvers:
            return [
                column("approver"), column("decisions"), column("approvals"), column("rejections"),
                column("waiting_mean", hourFormat), column("waiting_longest", hourFormat), column("open_waits"),
                column("oldest_open_wait_since", width: 20), column("oldest_open_wait", hourFormat),
            ]
        }
    }

    static func rows(_ table: ApprovalTable, _ statistics: ApprovalStatistics, _ text: MessageFormatter)
        -> [[ExportValue]]
    {
        switch table {
        case .flows:
            return statistics.flows.map { flowRow(.text($0.flowName), $0.figures) }
                + [flowRow(.text(text.string("report.total")), statistics.total)]
        case .steps:
            return statistics.flows.flatMap { flow in
                flow.steps.map { step in
                    [
                        .text(flow.flowName), .text(step.stepName ?? step.stepKey), .text(step.stepKey),
                        .integer(step.attempts), .integer(step.finishedAttempts), .integer(step.sentBack),
                        ReportSheet.rate(step.sentBackShare), .integer(step.timeouts), hours(step.attemptDurationMean),
                    ]
                }
            }
        case .approvers:
            return statistics.approvers.map { approver in
                [
                    .text(approver.name ?? approver.memberID.rawValue), .integer(approver.decisions),
                    .integer(approver.approvals), .integer(approver.rejections), hours(approver.waitingMean),
                    hours(approver.waitingLongest), .integer(approver.openWaits),
                    approver.oldestOpenWaitSince.map { ItemRowBuilder.writable($0) ? .dateTime($0) : .text($0.formatted(.iso8601)) }
                        ?? .empty,
                    hours(approver.oldestOpenWait),
                ]
            }
        }
    }

    private static func flowRow(_ label: ExportValue, _ figures: ApprovalStatistics.Figures) -> [ExportValue] {
        [
            label, .integer(figures.requests), .integer(figures.open), .integer(figures.approved),
            .integer(figures.rejected), .integer(figures.withdrawn), hours(figures.cycleTimeMean),
            hours(figures.cycleTimeMedian), .integer(figures.sentBack), ReportSheet.rate(figures.sentBackShare),
        ]
    }

    /// A duration in hours, or no value.
    static func hours(_ duration: Duration?) -> ExportValue {
        guard let duration else { return .empty }
        let (seconds, attoseconds) = duration.components
        return .number((Double(seconds) + Double(attoseconds) / 1e18) / 3_600)
    }
}
