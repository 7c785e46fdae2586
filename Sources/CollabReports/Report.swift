import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// What a report covers and how it is broken down (``ReportGenerator/report(_:as:)``).
public struct ReportSpec: Hashable, Sendable {
    /// Whose work the report counts.
    public enum Scope: Hashable, Sendable {
        /// The whole organization of the reader.
        case organization
        /// Items led by a department (the first of an item's departments), and by its sub-departments
        /// when `includingSubdepartments`.
        case department(Department.ID, includingSubdepartments: Bool)
        /// Items assigned to a member.
        case member(Member.ID)
    }

    /// How the report's rows are grouped.
    public enum Grouping: String, Hashable, Sendable, Codable, CaseIterable {
        /// One row: the total.
        case none
        /// One row per day of the period, in the organization's time zone.
        case day
        /// One row per week (Monday to Sunday) of the period.
        case week
        /// One row per calendar month of the period.
        case month
        /// One row per lead department.
        case department
        /// One row per assignee (an item with two assignees counts for each).
        case assignee
        /// One row per tag, the source's task types (an item with two tags counts for each; `""`: no tag).
        case tag
    }

    /// Whose work.
    public var scope: Scope
    /// Items created on these days, from the first through the last, in the organization's time zone;
    /// `nil`: all time (not with day, week or month grouping).
    public var period: ClosedRange<CalendarDate>?
    /// Further conditions: priorities, a tag, an assignee, a participating department, states, due range.
    public var filter: WorkItemFilter
    /// The breakdown.
    public var grouping: Grouping

    /// Creates a specification.
    public init(
        scope: Scope = .organization, period: ClosedRange<CalendarDate>? = nil, filter: WorkItemFilter = .all,
        grouping: Grouping = .none
    ) {
        self.scope = scope
        self.period = period
        self.filter = filter
        self.grouping = grouping
    }
}

/// A computed report: its rows and their total, as the reader may see them.
public struct Report: Hashable, Sendable, Codable {
    /// One group of the report.
    public struct Group: Hashable, Sendable, Codable {
        /// The group's key: a date (`2026-03-02`, the first day of a week or month), a department or
        /// member id, or `""` (no department; the total).
        public var key: String
        /// A readable label: `2026-03-02`, `2026-03`, a department's or member's name.
        public var label: String
        /// The figures.
        public var metrics: ReportMetrics

        /// Creates a group (for a chart of figures the host computed itself).
        public init(key: String, label: String, metrics: ReportMetrics) {
            self.key = key
            self.label = label
            self.metrics = metrics
        }
    }

    /// The organization reported on.
    public var organizationID: Organization.ID
    /// The time zone the periods were read in.
    public var timeZoneIdentifier: String
    /// When it was computed (the "now" that decides what is overdue).
    public var generatedAt: Date
    /// The rows, in order: periods by time, other groups by key.
    public var groups: [Group]
    /// Everything counted, once per item.
    public var total: ReportMetrics

    /// Creates a report (for a chart of figures the host computed itself; ``ReportGenerator/report(_:as:)``
    /// computes one from the store).
    public init(
        organizationID: Organization.ID, timeZoneIdentifier: String, generatedAt: Date, groups: [Group],
        total: ReportMetrics
    ) {
        self.organizationID = organizationID
        self.timeZoneIdentifier = timeZoneIdentifier
        self.generatedAt = generatedAt
        self.groups = groups
        self.total = total
    }
}

extension ReportGenerator {
    /// Computes a report for `reader`: it counts only the items `reader` may see (an administrator's cover
    /// the organization, a department head's their departments, an outside member's only what is shared
    /// with them). Aggregation runs in the database.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader, department or member;
    ///   `CollabError.Code.forbidden` when the reader may not read reports
    ///   (`CollabPermissions.RecordAction.readReport`, granted by the policy's `list` rules); `CollabError.Code.invalidInput`
    ///   for a period of invalid dates or of more than 3,660 days, day/week/month grouping without a
    ///   period, a member report whose filter names another assignee, or an outside reader grouping by
    ///   department, assignee or tag or filtering by internal fields.
    public func report(_ spec: ReportSpec, as reader: Member.ID) async throws(CollabError) -> Report {
        guard let subject = try await store.subject(for: reader) else {
            throw CollabError.notFound("member", reader.rawValue)
        }
        let scope = try accessControl.surface(
            .readReport, for: subject, usesInternalFields: spec.filter.usesInternalFields)
        if subject.isExternal && [.department, .assignee, .tag].contains(spec.grouping) {
            throw CollabError.invalid([ValidationProblem(field: "spec.grouping", kind: .malformed,
                message: "members of outside organizations may group by time only, not by \(spec.grouping.rawValue)")])
        }
        guard let organization = try await store.organization(subject.organizationID) else {
            throw CollabError.notFound("organization", subject.organizationID.rawValue)
        }
        let zone = organization.timeZone ?? .gmt
        var query = ReportQuery(filter: spec.filter)
        var labels: [String: String] = [:]

        switch spec.scope {
        case .organization: break
        case .member(let member):
            // A member of another organization is "not found", as one who does not exist: a report must
            // not tell which ids exist elsewhere.
            guard let found = try await store.member(member), found.organizationID == organization.id else {
                throw CollabError.notFound("member", member.rawValue)
            }
            if let other = query.filter.assigneeID, other != member {
                throw CollabError.invalid([ValidationProblem(field: "filter.assigneeID", kind: .malformed,
                    message: "'\(other)' is not the member reported on, '\(member)'")])
            }
            query.filter.assigneeID = member
        case .department(let department, let includingSubdepartments):
            guard let found = try await store.department(department), found.organizationID == organization.id else {
                throw CollabError.notFound("department", department.rawValue)
            }
            query.leadDepartments = includingSubdepartments
                ? try await subtree(of: department, in: organization.id) : [department]
        }

        var periods: [(DateInterval, key: String, label: String)] = []
        if let period = spec.period {
            periods = try Self.periods(period, grouping: spec.grouping, in: zone)
            query.periods = periods.map(\.0)
        } else if spec.grouping.isTime {
            throw CollabError.invalid([ValidationProblem(field: "period", kind: .missing,
                message: "grouping by \(spec.grouping.rawValue) needs a period")])
        }

        let now = clock.now()
        var totalQuery = query
        totalQuery.grouping = .none
        let total = try await store.report(totalQuery, in: scope, now: now).first?.metrics ?? ReportMetrics()

        var groups: [Report.Group] = []
        switch spec.grouping {
        case .none:
            groups = [Report.Group(key: "", label: "", metrics: total)]
        case .day, .week, .month:
            query.grouping = .period
            let rows = Dictionary(uniqueKeysWithValues: try await store.report(query, in: scope, now: now)
                .map { ($0.key, $0.metrics) })
            for (index, period) in periods.enumerated() {
                groups.append(Report.Group(key: period.key, label: period.label, metrics: rows[String(index)] ?? ReportMetrics()))
            }
        case .department:
            query.grouping = .department
            let rows = try await store.report(query, in: scope, now: now)
            for department in try await store.departments(Set(rows.map { Department.ID($0.key) })) {
                labels[department.id.rawValue] = department.name
            }
            groups = rows.map { Report.Group(key: $0.key, label: labels[$0.key] ?? $0.key, metrics: $0.metrics) }
        case .tag:
            query.grouping = .tag
            groups = try await store.report(query, in: scope, now: now)
                .map { Report.Group(key: $0.key, label: $0.key, metrics: $0.metrics) }
        case .assignee:
            query.grouping = .assignee
            let rows = try await store.report(query, in: scope, now: now)
            for row in rows {
                labels[row.key] = try await store.member(Member.ID(row.key))?.displayName ?? row.key
            }
            groups = rows.map { Report.Group(key: $0.key, label: labels[$0.key] ?? $0.key, metrics: $0.metrics) }
        }
        return Report(
            organizationID: organization.id, timeZoneIdentifier: zone.identifier, generatedAt: now, groups: groups,
            total: total)
    }

    /// `department` and every department below it.
    func subtree(of department: Department.ID, in organization: Organization.ID) async throws(CollabError)
        -> Set<Department.ID>
    {
        let all = try await store.departments(in: organization)
        var led: Set<Department.ID> = [department]
        var grew = true
        while grew {
            let children = all.filter { $0.parentID.map(led.contains) ?? false }.map(\.id)
            grew = !Set(children).isSubset(of: led)
            led.formUnion(children)
        }
        return led
    }

    /// The periods of `range` for `grouping`, as instants in `zone`: one per day, week or month (cut to the
    /// range), or the whole range as one.
    static func periods(_ range: ClosedRange<CalendarDate>, grouping: ReportSpec.Grouping, in zone: TimeZone)
        throws(CollabError) -> [(DateInterval, key: String, label: String)]
    {
        let first = range.lowerBound, last = range.upperBound
        guard first.isValid, last.isValid, last.dayNumber - first.dayNumber < 3_660 else {
            throw CollabError.invalid([ValidationProblem(field: "period", kind: .outOfRange,
                message: "\(first)...\(last) must be real days, at most 3,660 of them")])
        }
        func interval(_ start: CalendarDate, _ end: CalendarDate) throws(CollabError) -> DateInterval {
            guard let from = start.startOfDay(in: zone), let until = end.adding(days: 1).startOfDay(in: zone),
                from < until
            else {
                throw CollabError.invalid([ValidationProblem(field: "period", kind: .outOfRange,
                    message: "\(start)...\(end) has no start of day in \(zone.identifier)")])
            }
            return DateInterval(start: from, end: until)
        }
        var result: [(DateInterval, key: String, label: String)] = []
        var start = first
        while start <= last {
            var end: CalendarDate
            var key = start
            var label = start.description
            switch grouping {
            case .day:
                end = start
            case .week:
                key = start.adding(days: 1 - start.weekday.rawValue)  // the Monday
                end = key.adding(days: 6)
                label = key.description
            case .month:
                key = CalendarDate(year: start.year, month: start.month, day: 1)
                end = CalendarDate(year: start.year, month: start.month, day: start.daysInMonth)
                label = String(key.description.prefix(7))
            default:
                end = last
                label = "\(first)...\(last)"
            }
            if end > last { end = last }
            result.append((try interval(start, end), key: key.description, label: label))
            start = end.adding(days: 1)
        }
        return result
    }
}

extension ReportSpec.Grouping {
    /// Day, week or month.
    var isTime: Bool { self == .day || self == .week || self == .month }
}
