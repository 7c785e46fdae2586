import Foundation

/// When Collab reminds, declares overdue and escalates work items: part of an organization's run-time
/// ``OrganizationSettings``.
public struct TimerPolicy: Hashable, Sendable, Codable {
    /// How long before the deadline the assignees are reminded (once per offset).
    public var reminderOffsets: [Duration] = [.seconds(86_400), .seconds(7_200)]
    /// How much working time after the deadline an overdue item is escalated to the heads of its
    /// departments (an item without a head who may see it: to its initiator and the organization's
    /// administrators); `nil` never escalates. Time the item waits on an outside party does not count.
    public var escalationDelay: Duration? = .seconds(8 * 3600)
    /// How much working time a review or an adjustment request may wait before the decider is reminded;
    /// `nil` never reminds.
    public var decisionReminderDelay: Duration? = .seconds(8 * 3600)

    /// Creates a policy; every value has a default.
    public init() {}

    /// The most reminder offsets a policy may have.
    public static let maximumReminderOffsets = 10

    /// Lists every problem with the policy: offsets and delays must be positive and at most ten years, the
    /// offsets distinct and at most ``maximumReminderOffsets``.
    public func validate() -> ValidationReport {
        var report = ValidationReport()
        if reminderOffsets.count > Self.maximumReminderOffsets {
            report.add("reminderOffsets", .tooLong,
                "has \(reminderOffsets.count) offsets, at most \(Self.maximumReminderOffsets) are allowed")
        }
        var seen = Set<Duration>()
        for (index, offset) in reminderOffsets.enumerated() {
            report.checkDelay(offset, field: "reminderOffsets[\(index)]")
            if !seen.insert(offset).inserted {
                report.add("reminderOffsets[\(index)]", .duplicate, "\(offset) is listed twice")
            }
        }
        report.checkDelay(escalationDelay, field: "escalationDelay")
        report.checkDelay(decisionReminderDelay, field: "decisionReminderDelay")
        return report
    }
}

/// The business settings an administrator changes while the system runs, one record per organization:
/// how tickets route, their service targets, and when work items are reminded and escalated.
///
/// Stored as a versioned record (``StoredSettings``) and read by every engine on the database, so two
/// engines never act on different routing; an organization with none stored uses the engine's initial
/// defaults. The library defaults (``init(ticketRouting:ticketServiceTargets:timers:approvalFlows:)`` with no arguments)
/// are: no routing rule, the default ``TicketServiceTargets``, and the default ``TimerPolicy`` (reminders
/// one day and two hours before a deadline, escalation and decision reminders after eight working hours).
///
/// Decoding is forward compatible: a field missing from stored JSON takes its library default, so a
/// settings field added later needs no migration of stored rows.
public struct OrganizationSettings: Codable, Hashable, Sendable {
    /// How customer tickets route between departments.
    public var ticketRouting: TicketRouting
    /// The service targets of tickets, in working time.
    public var ticketServiceTargets: TicketServiceTargets
    /// Reminders, escalations and decision reminders of work items.
    public var timers: TimerPolicy
    /// The approval flows work items' reviews and adjustment requests go through (none by default: the
    /// reviewer, or the initiator, decides alone).
    public var approvalFlows: ApprovalFlowBindings

    /// Creates settings; every value has the library default.
    public init(
        ticketRouting: TicketRouting = TicketRouting(), ticketServiceTargets: TicketServiceTargets = TicketServiceTargets(),
        timers: TimerPolicy = TimerPolicy(), approvalFlows: ApprovalFlowBindings = ApprovalFlowBindings()
    ) {
        self.ticketRouting = ticketRouting
        self.ticketServiceTargets = ticketServiceTargets
        self.timers = timers
        self.approvalFlows = approvalFlows
    }

    /// The library defaults.
    public static let `default` = OrganizationSettings()

    /// The most routes a routing may have.
    public static let maximumRoutes = 100
    /// The most categories one route may take.
    public static let maximumCategoriesPerRoute = 100

    private enum CodingKeys: String, CodingKey {
        case ticketRouting, ticketServiceTargets, timers, approvalFlows
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ticketRouting = try container.decodeIfPresent(TicketRouting.self, forKey: .ticketRouting) ?? TicketRouting()
        ticketServiceTargets = try container.decodeIfPresent(TicketServiceTargets.self, forKey: .ticketServiceTargets)
            ?? TicketServiceTargets()
        timers = try container.decodeIfPresent(TimerPolicy.self, forKey: .timers) ?? TimerPolicy()
        approvalFlows = try container.decodeIfPresent(ApprovalFlowBindings.self, forKey: .approvalFlows)
            ?? ApprovalFlowBindings()
    }

    /// Lists every problem with the settings, each naming its field (`ticketRouting.routes[1].departmentIDs[0]`)
    /// and the offending value:
    ///
    /// - routing: at most ``maximumRoutes`` routes, each with a distinct non-empty name, at most
    ///   ``maximumCategoriesPerRoute`` valid categories, and one to `limits.departmentCount` distinct
    ///   departments — which, when `departmentIDs` is given, must be among them (the organization's
    ///   departments);
    /// - service targets: positive, at most ten years, and the first response no later than the resolution;
    /// - timers: as ``TimerPolicy/validate()``.
    public func validate(limits: ValidationLimits = .default, departmentIDs: Set<Department.ID>? = nil)
        -> ValidationReport
    {
        var report = ValidationReport()
        let routes = ticketRouting.routes
        if routes.count > Self.maximumRoutes {
            report.add("ticketRouting.routes", .tooLong,
                "has \(routes.count) routes, at most \(Self.maximumRoutes) are allowed")
        }
        var names = Set<String>()
        for (index, route) in routes.enumerated() {
            let field = "ticketRouting.routes[\(index)]"
            report.checkText(route.name, field: "\(field).name", maxLength: limits.nameLength)
            if !names.insert(route.name).inserted {
                report.add("\(field).name", .duplicate, "the route name '\(route.name.clipped())' is used twice")
            }
            if route.categories.count > Self.maximumCategoriesPerRoute {
                report.add("\(field).categories", .tooLong,
                    "has \(route.categories.count) categories, at most \(Self.maximumCategoriesPerRoute) are allowed")
            }
            for category in route.categories.sorted() {
                var categoryReport = ValidationReport()
                categoryReport.checkText(category, field: "categories['\(category.clipped())']", maxLength: limits.tagLength)
                report.merge(categoryReport, prefix: field)
            }
            if route.departmentIDs.isEmpty {
                report.add("\(field).departmentIDs", .missing, "route '\(route.name.clipped())' names no department")
            } else if route.departmentIDs.count > limits.departmentCount {
                report.add("\(field).departmentIDs", .tooLong,
                    "has \(route.departmentIDs.count) departments, at most \(limits.departmentCount) are allowed")
            }
            var departments = Set<Department.ID>()
            for (position, department) in route.departmentIDs.enumerated() {
                let departmentField = "\(field).departmentIDs[\(position)]"
                report.checkText(department.rawValue, field: departmentField, maxLength: limits.identifierLength)
                if !departments.insert(department).inserted {
                    report.add(departmentField, .duplicate, "department '\(department.rawValue.clipped())' is named twice")
                } else if let departmentIDs, !departmentIDs.contains(department) {
                    report.add(departmentField, .unknownDepartment,
                        "department '\(department.rawValue.clipped())' does not exist in the organization")
                }
            }
        }
        for priority in Priority.allCases {
            let field = "ticketServiceTargets.\(priority.rawValue)"
            let targets = ticketServiceTargets[priority]
            report.checkDelay(targets.firstResponse, field: "\(field).firstResponse")
            report.checkDelay(targets.resolution, field: "\(field).resolution")
            if targets.firstResponse > targets.resolution {
                report.add("\(field).firstResponse", .outOfRange,
                    "\(targets.firstResponse) is later than the resolution target \(targets.resolution)")
            }
        }
        report.merge(timers.validate(), prefix: "timers")
        return report
    }

    /// The fields that differ from `previous`, each with its new value in words: what a settings change
    /// records in its audit event (`timers.escalationDelay` → `14400 s`).
    public func changes(from previous: OrganizationSettings) -> [String: String] {
        var changes: [String: String] = [:]
        if ticketRouting != previous.ticketRouting {
            changes["ticketRouting"] = ticketRouting.routes.isEmpty ? "no routes" : ticketRouting.routes.map { route in
                let categories = route.categories.isEmpty ? "" : " [\(route.categories.sorted().joined(separator: ", "))]"
                return "\(route.name)\(categories): \(route.departmentIDs.map(\.rawValue).joined(separator: " > "))"
            }.joined(separator: "; ").clipped(2000)
        }
        for priority in Priority.allCases where ticketServiceTargets[priority] != previous.ticketServiceTargets[priority] {
            let targets = ticketServiceTargets[priority]
            changes["ticketServiceTargets.\(priority.rawValue)"] =
                "first response \(Self.words(targets.firstResponse)), resolution \(Self.words(targets.resolution))"
        }
        if timers.reminderOffsets != previous.timers.reminderOffsets {
            changes["timers.reminderOffsets"] = timers.reminderOffsets.isEmpty
                ? "none" : timers.reminderOffsets.map(Self.words).joined(separator: ", ")
        }
        if timers.escalationDelay != previous.timers.escalationDelay {
            changes["timers.escalationDelay"] = timers.escalationDelay.map(Self.words) ?? "never"
        }
        if timers.decisionReminderDelay != previous.timers.decisionReminderDelay {
            changes["timers.decisionReminderDelay"] = timers.decisionReminderDelay.map(Self.words) ?? "never"
        }
        if approvalFlows.review != previous.approvalFlows.review {
            changes["approvalFlows.review"] = approvalFlows.review?.rawValue ?? "none"
        }
        if approvalFlows.adjustment != previous.approvalFlows.adjustment {
            changes["approvalFlows.adjustment"] = approvalFlows.adjustment?.rawValue ?? "none"
        }
        return changes
    }

    /// A duration as whole seconds (`7200 s`), or with fractions when it has them.
    private static func words(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        return "\(Double(seconds) + Double(attoseconds) / 1e18) s"
    }
}

/// An organization's settings as stored: the record with its version and who saved it last.
///
/// Version 0 means nothing was saved yet: ``settings`` are then the engine's initial defaults, and
/// ``updatedAt`` and ``updatedBy`` are `nil`. Every save makes the next version, so a caller who read
/// version `n` saves with `expectedVersion: n` and gets `CollabError.Code.conflict` if someone saved in
/// between.
public struct StoredSettings: Codable, Hashable, Sendable {
    /// The organization the settings belong to.
    public var organizationID: Organization.ID
    /// The settings.
    public var settings: OrganizationSettings
    /// 1 for the first save, one more for each later save; 0 when nothing was saved.
    public var version: Int
    /// When the settings were saved; `nil` for version 0.
    public var updatedAt: Date?
    /// Who saved them; `nil` for version 0.
    public var updatedBy: Member.ID?

    /// Creates stored settings.
    public init(
        organizationID: Organization.ID, settings: OrganizationSettings, version: Int, updatedAt: Date?,
        updatedBy: Member.ID?
    ) {
        self.organizationID = organizationID
        self.settings = settings
        self.version = version
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

/// Which approval flows (``ApprovalFlow``) the decisions on work items go through, in an organization's
/// ``OrganizationSettings``.
///
/// With a flow bound, submitting work for review (or asking for an adjustment) starts an
/// ``ApprovalRequest`` on the flow's latest version, whose subject is the review (or the adjustment
/// request); the item is approved or rejected (the adjustment decided) by the commit that finishes the
/// request, never apart from it. The flow's form may declare fields the engine fills from the item: see
/// `Documentation/Approvals.md`, "Reviews and adjustments through a flow".
public struct ApprovalFlowBindings: Codable, Hashable, Sendable {
    /// The flow reviews of submitted work go through.
    public var review: ApprovalFlow.ID?
    /// The flow adjustment requests (a new deadline, a changed scope) go through.
    public var adjustment: ApprovalFlow.ID?

    /// Binds the flows given; `nil` leaves that decision to one person.
    public init(review: ApprovalFlow.ID? = nil, adjustment: ApprovalFlow.ID? = nil) {
        self.review = review
        self.adjustment = adjustment
    }
}
