import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// A department's board for management: key figures, the weekly completion trend, how its sub-departments
/// compare, and the items most overdue — as the reader may see them (``ReportGenerator/dashboard(of:as:weeks:topOverdue:)``).
public struct Dashboard: Hashable, Sendable, Codable {
    /// The department, or `nil` for the whole organization.
    public var departmentID: Department.ID?
    /// Its name (the organization's for the whole organization).
    public var title: String
    /// When it was computed.
    public var generatedAt: Date
    /// All time, over the department and those below it.
    public var figures: ReportMetrics
    /// The last weeks, oldest first (the current week last, cut at today).
    public var trend: [Report.Group]
    /// The department and each department below it, by lead department.
    public var departments: [Report.Group]
    /// Open items past their due instant that the department or one below it takes part in (any of an
    /// item's departments), most overdue first.
    public var topOverdue: [WorkItem]
    /// All time, the approval requests of the department's applicants (with those below it), or of the
    /// whole organization, as ``ReportGenerator/approvalStatistics(of:period:as:)`` computes them at
    /// ``generatedAt``. A board encoded before approval reports decodes with ``ApprovalStatistics/empty``.
    public var approvals: ApprovalStatistics = .empty

    /// Completion rate by department as bars (SVG, see ``SVGChart``), titled in Chinese and English.
    @available(*, deprecated, message: "use ReportCharts.completionByDepartment(of:width:) (ReportGenerator.charts(for:)): texts in the reader's language")
    public func departmentChart(width: Int = 640) -> String {
        SVGChart.bars(
            title: "\(title) — 完成率 / completion",
            departments.map { SVGChart.Point($0.label.isEmpty ? "—" : $0.label, $0.metrics.completionRate) },
            format: .percent, width: width)
    }

    /// Weekly completion rate of the items created each week, as a line (SVG), titled in Chinese and English.
    @available(*, deprecated, message: "use ReportCharts.completionTrend(of:width:height:) (ReportGenerator.charts(for:)): texts in the reader's language")
    public func trendChart(width: Int = 640, height: Int = 320) -> String {
        SVGChart.trend(
            title: "\(title) — 每周完成率 / weekly completion",
            trend.map { SVGChart.Point($0.label, $0.metrics.completionRate) }, format: .percent, width: width,
            height: height)
    }
}

extension Dashboard {
    /// Decodes a board; one without ``approvals`` (encoded before approval reports) gets
    /// ``ApprovalStatistics/empty``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            departmentID: try container.decodeIfPresent(Department.ID.self, forKey: .departmentID),
            title: try container.decode(String.self, forKey: .title),
            generatedAt: try container.decode(Date.self, forKey: .generatedAt),
            figures: try container.decode(ReportMetrics.self, forKey: .figures),
            trend: try container.decode([Report.Group].self, forKey: .trend),
            departments: try container.decode([Report.Group].self, forKey: .departments),
            topOverdue: try container.decode([WorkItem].self, forKey: .topOverdue),
            approvals: try container.decodeIfPresent(ApprovalStatistics.self, forKey: .approvals) ?? .empty)
    }
}

extension ReportGenerator {
    /// The board of `department` (with the departments below it), or of the whole organization when
    /// `nil`, as `reader` may see it: all-time figures, the completion trend of the last `weeks` weeks
    /// (1...104), a row per department, up to `topOverdue` (0...100) of the most overdue open items, and
    /// the all-time approval statistics of the same scope (``Dashboard/approvals``, as
    /// ``approvalStatistics(of:period:as:)`` computes them).
    ///
    /// - Throws: as ``report(_:as:)``; `CollabError.Code.invalidInput` for `weeks` or `topOverdue` out of
    ///   range; `CollabError.Code.forbidden` when `CollabPermissions.RecordAction.readDashboard` is denied
    ///   (a member of an outside organization, or a host rule).
    public func dashboard(
        of department: Department.ID?, as reader: Member.ID, weeks: Int = 12, topOverdue: Int = 10
    ) async throws(CollabError) -> Dashboard {
        var problems: [ValidationProblem] = []
        if !(1...104).contains(weeks) {
            problems.append(ValidationProblem(field: "weeks", kind: .outOfRange, message: "\(weeks) is not in 1...104"))
        }
        if !(0...100).contains(topOverdue) {
            problems.append(ValidationProblem(
                field: "topOverdue", kind: .outOfRange, message: "\(topOverdue) is not in 0...100"))
        }
        if !problems.isEmpty { throw CollabError.invalid(problems) }
        guard let subject = try await store.subject(for: reader) else {
            throw CollabError.notFound("member", reader.rawValue)
        }
        let decision = accessControl.decide(subject, .readDashboard, on: .organization(subject.organizationID))
        guard decision.isAllowed else {
            throw CollabError(.forbidden, "member '\(reader)' may not read department boards: \(decision)")
        }
        guard let organization = try await store.organization(subject.organizationID) else {
            throw CollabError.notFound("organization", subject.organizationID.rawValue)
        }
        let scope: ReportSpec.Scope = department.map { .department($0, includingSubdepartments: true) } ?? .organization
        let figures = try await report(ReportSpec(scope: scope, grouping: .department), as: reader)
        let today = CalendarDate(figures.generatedAt, in: organization.timeZone ?? .gmt)
        let monday = today.adding(days: 1 - today.weekday.rawValue)
        let trend = try await report(
            ReportSpec(scope: scope, period: monday.adding(days: -7 * (weeks - 1))...today, grouping: .week), as: reader)
        var title = organization.name
        if let department {
            title = try await store.department(department)?.name ?? department.rawValue
        }

        var overdue: [WorkItem] = []
        if topOverdue > 0 {
            // Lists run in deadline order: each department's first page holds its most overdue items.
            let visible = authorizer.visibilityScope(for: subject)
            let departments: [Department.ID?] = if let department {
                try await subtree(of: department, in: organization.id).sorted().map { $0 }
            } else {
                [nil]
            }
            var seen = Set<WorkItem.ID>()
            for member in departments {
                let filter = WorkItemFilter(
                    states: [.assigned, .accepted, .inProgress, .inReview], departmentID: member,
                    dueBefore: figures.generatedAt.addingTimeInterval(0.001))
                let page = try await store.workItems(in: visible, matching: filter, page: PageRequest(limit: topOverdue))
                overdue += page.items.filter { seen.insert($0.id).inserted }
            }
            overdue = Array(overdue.sorted { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }.prefix(topOverdue))
                .map { authorizer.redacted($0, for: subject) }
        }
        let approvals = try await approvalStatistics(
            of: department, period: nil, access: approvalReadAccess(for: reader), now: figures.generatedAt)
        return Dashboard(
            departmentID: department, title: title, generatedAt: figures.generatedAt, figures: figures.total,
            trend: trend.groups, departments: figures.groups, topOverdue: overdue, approvals: approvals)
    }
}
