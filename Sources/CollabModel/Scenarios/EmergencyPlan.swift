import Foundation

/// An emergency plan: who responds in each department, the checklist each department works through, and
/// what everyone is told when the plan is triggered.
///
/// Plans are versioned: saving a plan again creates its next version, every version is kept, and an
/// ``Incident`` keeps the version it was triggered with.
public struct EmergencyPlan: Identifiable, Hashable, Sendable, Codable {
    /// A plan's identifier (the same across its versions).
    public typealias ID = Identifier<EmergencyPlan>

    /// How severe the emergencies the plan handles are.
    public enum Severity: String, Hashable, Sendable, Codable, CaseIterable {
        /// Limited impact.
        case minor
        /// Operations are disrupted.
        case major
        /// Safety or the whole site is at stake.
        case critical
    }

    /// Who responds in a department, besides the named members.
    public enum ResponderRole: String, Hashable, Sendable, Codable, CaseIterable {
        /// The department's heads.
        case departmentHeads = "department_heads"
        /// Every active member of the department.
        case departmentMembers = "department_members"
    }

    /// A task of a department's checklist.
    public struct ChecklistTask: Hashable, Sendable, Codable {
        /// The task's title.
        public var title: String
        /// What to do.
        public var description: String
        /// How long after the trigger it is due.
        public var dueAfter: Duration
        /// Its priority (``Priority/high`` by default).
        public var priority: Priority

        /// Creates a task.
        public init(_ title: String, description: String = "", dueAfter: Duration, priority: Priority = .high) {
            self.title = title
            self.description = description
            self.dueAfter = dueAfter
            self.priority = priority
        }
    }

    /// What one department does when the plan is triggered.
    public struct DepartmentResponse: Hashable, Sendable, Codable {
        /// The department.
        public var departmentID: Department.ID
        /// Named responders.
        public var responderIDs: [Member.ID]
        /// Responders by role.
        public var responderRoles: [ResponderRole]
        /// The department's checklist; each task is assigned to every responder.
        public var checklist: [ChecklistTask]
        /// How long after the trigger the responders must acknowledge (accept) their tasks before the
        /// department's heads and the incident's commander are alerted.
        public var acknowledgeWithin: Duration

        /// Creates a department's response.
        public init(
            _ departmentID: Department.ID, responders: [Member.ID] = [], roles: [ResponderRole] = [.departmentHeads],
            checklist: [ChecklistTask], acknowledgeWithin: Duration = .seconds(900)
        ) {
            self.departmentID = departmentID
            self.responderIDs = responders
            self.responderRoles = roles
            self.checklist = checklist
            self.acknowledgeWithin = acknowledgeWithin
        }
    }

    /// A notification text. `{plan}`, `{incident}`, `{severity}` and `{department}` are replaced when it is sent.
    public struct Message: Hashable, Sendable, Codable {
        /// The one-line summary.
        public var title: String
        /// The text.
        public var body: String

        /// Creates a message.
        public init(title: String, body: String) {
            self.title = title
            self.body = body
        }

        /// The message with its placeholders replaced.
        public func filled(_ values: [String: String]) -> Message {
            var title = title, body = body
            for (key, value) in values {
                title = title.replacingOccurrences(of: "{\(key)}", with: value)
                body = body.replacingOccurrences(of: "{\(key)}", with: value)
            }
            return Message(title: title, body: body)
        }
    }

    /// The identifier.
    public var id: ID
    /// The version: 1 for the first save, one more for each save after.
    public var version: Int
    /// The organization.
    public var organizationID: Organization.ID
    /// The name ("Equipment failure in a workshop").
    public var name: String
    /// How severe.
    public var severity: Severity
    /// What each department does.
    public var departments: [DepartmentResponse]
    /// What responders are told when it is triggered.
    public var alert: Message
    /// Members told of the trigger and the closing without tasks (leadership, safety officer).
    public var informedMemberIDs: [Member.ID]
    /// Who saved this version.
    public var savedBy: Member.ID
    /// When this version was saved.
    public var savedAt: Date

    /// Creates a plan version.
    public init(
        id: ID, version: Int, organizationID: Organization.ID, name: String, severity: Severity,
        departments: [DepartmentResponse], alert: Message, informedMemberIDs: [Member.ID] = [], savedBy: Member.ID,
        savedAt: Date
    ) {
        self.id = id
        self.version = version
        self.organizationID = organizationID
        self.name = name
        self.severity = severity
        self.departments = departments
        self.alert = alert
        self.informedMemberIDs = informedMemberIDs
        self.savedBy = savedBy
        self.savedAt = savedAt
    }
}

/// What an administrator saves as a plan's next version.
public struct EmergencyPlanDraft: Hashable, Sendable, Codable {
    /// The name.
    public var name: String
    /// How severe.
    public var severity: EmergencyPlan.Severity
    /// What each department does.
    public var departments: [EmergencyPlan.DepartmentResponse]
    /// What responders are told.
    public var alert: EmergencyPlan.Message
    /// Members told without tasks.
    public var informedMemberIDs: [Member.ID]

    /// Creates a draft.
    public init(
        name: String, severity: EmergencyPlan.Severity, departments: [EmergencyPlan.DepartmentResponse],
        alert: EmergencyPlan.Message, informedMemberIDs: [Member.ID] = []
    ) {
        self.name = name
        self.severity = severity
        self.departments = departments
        self.alert = alert
        self.informedMemberIDs = informedMemberIDs
    }

    /// Checks the draft's own values (departments and members are checked by the engine).
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(name, field: "name", maxLength: limits.titleLength)
        report.checkText(alert.title, field: "alert.title", maxLength: limits.titleLength)
        report.checkText(alert.body, field: "alert.body", maxLength: limits.textLength, allowNewlines: true)
        if departments.isEmpty { report.add("departments", .empty, "a plan needs at least one department") }
        if departments.count > limits.departmentCount {
            report.add("departments", .tooLong, "has \(departments.count) departments, at most \(limits.departmentCount)")
        }
        var seen = Set<Department.ID>()
        for (index, response) in departments.enumerated() {
            let field = "departments[\(index)]"
            if !seen.insert(response.departmentID).inserted {
                report.add(field, .duplicate, "department '\(response.departmentID)' is listed twice")
            }
            if response.responderIDs.isEmpty && response.responderRoles.isEmpty {
                report.add(field, .empty, "names no responder and no responder role")
            }
            if response.checklist.isEmpty { report.add("\(field).checklist", .empty, "has no task") }
            if response.checklist.count > limits.memberListLength {
                report.add("\(field).checklist", .tooLong,
                    "has \(response.checklist.count) tasks, at most \(limits.memberListLength)")
            }
            report.checkDelay(response.acknowledgeWithin, field: "\(field).acknowledgeWithin")
            for (taskIndex, task) in response.checklist.enumerated() {
                let taskField = "\(field).checklist[\(taskIndex)]"
                report.checkText(task.title, field: "\(taskField).title", maxLength: limits.titleLength)
                report.checkText(task.description, field: "\(taskField).description",
                    maxLength: limits.descriptionLength, required: false, allowNewlines: true)
                report.checkDelay(task.dueAfter, field: "\(taskField).dueAfter")
            }
        }
        if informedMemberIDs.count > limits.memberListLength {
            report.add("informedMemberIDs", .tooLong,
                "has \(informedMemberIDs.count) members, at most \(limits.memberListLength)")
        }
        return report
    }
}

/// A triggered emergency plan: the incident, its departments' tasks, timeline and resource requests.
public struct Incident: Identifiable, Hashable, Sendable, Codable {
    /// An incident's identifier.
    public typealias ID = Identifier<Incident>

    /// Open until closed.
    public enum State: String, Hashable, Sendable, Codable, CaseIterable {
        /// Being handled.
        case open
        /// Closed, with its summary.
        case closed
    }

    /// A task created for a department.
    public struct DepartmentTask: Hashable, Sendable, Codable {
        /// The department.
        public var departmentID: Department.ID
        /// The work item.
        public var itemID: WorkItem.ID
        /// By when its responders must accept it.
        public var acknowledgeBy: Date

        /// Creates a task reference.
        public init(departmentID: Department.ID, itemID: WorkItem.ID, acknowledgeBy: Date) {
            self.departmentID = departmentID
            self.itemID = itemID
            self.acknowledgeBy = acknowledgeBy
        }
    }

    /// The identifier.
    public var id: ID
    /// The organization.
    public var organizationID: Organization.ID
    /// The plan triggered.
    public var planID: EmergencyPlan.ID
    /// The plan's version at the trigger; later versions do not change the incident.
    public var planVersion: Int
    /// The title (the plan's name unless given).
    public var title: String
    /// What happened, as told by who triggered it.
    public var details: String
    /// The plan's severity.
    public var severity: EmergencyPlan.Severity
    /// Who triggered it (the commander).
    public var triggeredBy: Member.ID
    /// When.
    public var triggeredAt: Date
    /// The caller's key: triggering again with it returns this incident and creates nothing.
    public var triggerKey: String
    /// The tasks created, by department.
    public var tasks: [DepartmentTask]
    /// The departments involved, in the plan's order.
    public var departmentIDs: [Department.ID]
    /// Everyone who responds (the tasks' assignees).
    public var responderIDs: [Member.ID]
    /// Members told without tasks.
    public var informedMemberIDs: [Member.ID]
    /// Open or closed.
    public var state: State
    /// Who closed it.
    public var closedBy: Member.ID?
    /// When.
    public var closedAt: Date?
    /// How it was resolved.
    public var resolution: String?
    /// The summary made at closing.
    public var summary: IncidentSummary?
    /// Moves on every change.
    public var version: Int

    /// Creates an incident.
    public init(
        id: ID, organizationID: Organization.ID, planID: EmergencyPlan.ID, planVersion: Int, title: String,
        details: String, severity: EmergencyPlan.Severity, triggeredBy: Member.ID, triggeredAt: Date,
        triggerKey: String, tasks: [DepartmentTask], departmentIDs: [Department.ID], responderIDs: [Member.ID],
        informedMemberIDs: [Member.ID], state: State = .open, closedBy: Member.ID? = nil, closedAt: Date? = nil,
        resolution: String? = nil, summary: IncidentSummary? = nil, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.planID = planID
        self.planVersion = planVersion
        self.title = title
        self.details = details
        self.severity = severity
        self.triggeredBy = triggeredBy
        self.triggeredAt = triggeredAt
        self.triggerKey = triggerKey
        self.tasks = tasks
        self.departmentIDs = departmentIDs
        self.responderIDs = responderIDs
        self.informedMemberIDs = informedMemberIDs
        self.state = state
        self.closedBy = closedBy
        self.closedAt = closedAt
        self.resolution = resolution
        self.summary = summary
        self.version = version
    }
}

/// An entry of an incident's shared timeline: what someone saw or did, with live readings and photos.
public struct IncidentUpdate: Identifiable, Hashable, Sendable, Codable {
    /// An update's identifier.
    public typealias ID = Identifier<IncidentUpdate>

    /// The identifier.
    public var id: ID
    /// The incident.
    public var incidentID: Incident.ID
    /// Who posted it.
    public var authorID: Member.ID
    /// What they report.
    public var text: String
    /// Live readings, by name ("spindle temperature": "82 °C").
    public var readings: [String: String]
    /// Photos and files (metadata only).
    public var attachments: [FileAttachment]
    /// When.
    public var postedAt: Date

    /// Creates an update.
    public init(
        id: ID, incidentID: Incident.ID, authorID: Member.ID, text: String, readings: [String: String] = [:],
        attachments: [FileAttachment] = [], postedAt: Date
    ) {
        self.id = id
        self.incidentID = incidentID
        self.authorID = authorID
        self.text = text
        self.readings = readings
        self.attachments = attachments
        self.postedAt = postedAt
    }
}

/// A request, during an incident, for a resource a department holds (spare parts from the warehouse).
public struct ResourceRequest: Identifiable, Hashable, Sendable, Codable {
    /// A request's identifier.
    public typealias ID = Identifier<ResourceRequest>

    /// Where the request stands.
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// Waiting for the department.
        case open
        /// The department provided it.
        case fulfilled
        /// The department cannot provide it (with a reason).
        case declined
    }

    /// The identifier.
    public var id: ID
    /// The incident.
    public var incidentID: Incident.ID
    /// The organization.
    public var organizationID: Organization.ID
    /// Who asks.
    public var requesterID: Member.ID
    /// The department asked.
    public var departmentID: Department.ID
    /// What is needed ("spindle bearing 6205-2RS").
    public var resource: String
    /// How many.
    public var quantity: Int
    /// By when, if urgent.
    public var neededBy: Date?
    /// Where it stands.
    public var status: Status
    /// Who fulfilled or declined it.
    public var deciderID: Member.ID?
    /// The department's note (the reason of a decline).
    public var note: String?
    /// When it was asked.
    public var createdAt: Date
    /// When it was fulfilled or declined.
    public var decidedAt: Date?
    /// Moves on every change.
    public var version: Int

    /// Creates a request.
    public init(
        id: ID, incidentID: Incident.ID, organizationID: Organization.ID, requesterID: Member.ID,
        departmentID: Department.ID, resource: String, quantity: Int, neededBy: Date?, status: Status = .open,
        deciderID: Member.ID? = nil, note: String? = nil, createdAt: Date, decidedAt: Date? = nil, version: Int = 1
    ) {
        self.id = id
        self.incidentID = incidentID
        self.organizationID = organizationID
        self.requesterID = requesterID
        self.departmentID = departmentID
        self.resource = resource
        self.quantity = quantity
        self.neededBy = neededBy
        self.status = status
        self.deciderID = deciderID
        self.note = note
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.version = version
    }
}

/// What triggering a plan would create, without creating it.
public struct IncidentPreview: Hashable, Sendable {
    /// A task that would be created.
    public struct PlannedTask: Hashable, Sendable {
        /// The department.
        public var departmentID: Department.ID
        /// The title.
        public var title: String
        /// Who would be assigned.
        public var assigneeIDs: [Member.ID]
        /// When it would be due.
        public var dueAt: Date
        /// By when it would have to be accepted.
        public var acknowledgeBy: Date

        /// Creates a planned task.
        public init(departmentID: Department.ID, title: String, assigneeIDs: [Member.ID], dueAt: Date, acknowledgeBy: Date) {
            self.departmentID = departmentID
            self.title = title
            self.assigneeIDs = assigneeIDs
            self.dueAt = dueAt
            self.acknowledgeBy = acknowledgeBy
        }
    }

    /// A notification that would be sent.
    public struct PlannedNotice: Hashable, Sendable {
        /// Who.
        public var recipientID: Member.ID
        /// How urgently.
        public var urgency: Notice.Urgency
        /// The summary, in the recipient's language.
        public var title: String
        /// The text, in the recipient's language.
        public var body: String
        /// What the notice says as data (``Notice/message``).
        public var message: LocalizedMessage?

        /// Creates a planned notice.
        public init(
            recipientID: Member.ID, urgency: Notice.Urgency, title: String, body: String, message: LocalizedMessage? = nil
        ) {
            self.message = message
            self.recipientID = recipientID
            self.urgency = urgency
            self.title = title
            self.body = body
        }
    }

    /// The plan.
    public var planID: EmergencyPlan.ID
    /// The version that would be used.
    public var planVersion: Int
    /// The tasks.
    public var tasks: [PlannedTask]
    /// The notifications.
    public var notifications: [PlannedNotice]
    /// What would stop the trigger (a department with no active responder); empty when it would succeed.
    public var problems: [ValidationProblem]

    /// Creates a preview.
    public init(
        planID: EmergencyPlan.ID, planVersion: Int, tasks: [PlannedTask], notifications: [PlannedNotice],
        problems: [ValidationProblem]
    ) {
        self.planID = planID
        self.planVersion = planVersion
        self.tasks = tasks
        self.notifications = notifications
        self.problems = problems
    }
}

/// What happened during an incident, made from its audit trail when it is closed.
public struct IncidentSummary: Hashable, Sendable, Codable {
    /// One moment of the incident.
    public struct TimelineEntry: Hashable, Sendable, Codable {
        /// When.
        public var at: Date
        /// Who (``AuditEvent/systemActor`` for timers).
        public var actorID: Member.ID
        /// What (`trigger`, `accept`, `post_update`, `request_resource`, `fulfil_resource`, `escalate`, …).
        public var action: String
        /// The department concerned, if any.
        public var departmentID: Department.ID?
        /// The work item concerned, if any.
        public var itemID: WorkItem.ID?
        /// A readable line.
        public var text: String

        /// Creates an entry.
        public init(
            at: Date, actorID: Member.ID, action: String, departmentID: Department.ID?, itemID: WorkItem.ID?,
            text: String
        ) {
            self.at = at
            self.actorID = actorID
            self.action = action
            self.departmentID = departmentID
            self.itemID = itemID
            self.text = text
        }
    }

    /// How one department responded.
    public struct DepartmentResponse: Hashable, Sendable, Codable {
        /// The department.
        public var departmentID: Department.ID
        /// Its tasks.
        public var tasks: Int
        /// Of which accepted.
        public var acknowledged: Int
        /// Of which completed.
        public var completed: Int
        /// From the trigger to the first acceptance of one of its tasks.
        public var firstAcknowledgementAfter: Duration?
        /// From the trigger to the acceptance of its last task (when all were accepted).
        public var allAcknowledgedAfter: Duration?
        /// From the trigger to the completion of its last task (when all were completed).
        public var completedAfter: Duration?
        /// Whether a missed acknowledgement deadline was escalated.
        public var escalated: Bool
        /// Resource requests it received, and fulfilled.
        public var resourceRequests: Int, resourcesFulfilled: Int

        /// Creates a department's response.
        public init(
            departmentID: Department.ID, tasks: Int, acknowledged: Int, completed: Int,
            firstAcknowledgementAfter: Duration?, allAcknowledgedAfter: Duration?, completedAfter: Duration?,
            escalated: Bool, resourceRequests: Int, resourcesFulfilled: Int
        ) {
            self.departmentID = departmentID
            self.tasks = tasks
            self.acknowledged = acknowledged
            self.completed = completed
            self.firstAcknowledgementAfter = firstAcknowledgementAfter
            self.allAcknowledgedAfter = allAcknowledgedAfter
            self.completedAfter = completedAfter
            self.escalated = escalated
            self.resourceRequests = resourceRequests
            self.resourcesFulfilled = resourcesFulfilled
        }
    }

    /// The incident.
    public var incidentID: Incident.ID
    /// The plan and the version used.
    public var planID: EmergencyPlan.ID, planVersion: Int
    /// When it was triggered and closed.
    public var triggeredAt: Date, closedAt: Date
    /// Everything that happened, in order.
    public var timeline: [TimelineEntry]
    /// Each department's response, in the plan's order.
    public var departments: [DepartmentResponse]
    /// Tasks still open at the closing.
    public var openTasks: Int

    /// Creates a summary.
    public init(
        incidentID: Incident.ID, planID: EmergencyPlan.ID, planVersion: Int, triggeredAt: Date, closedAt: Date,
        timeline: [TimelineEntry], departments: [DepartmentResponse], openTasks: Int
    ) {
        self.incidentID = incidentID
        self.planID = planID
        self.planVersion = planVersion
        self.triggeredAt = triggeredAt
        self.closedAt = closedAt
        self.timeline = timeline
        self.departments = departments
        self.openTasks = openTasks
    }

    /// How long the incident lasted.
    public var duration: TimeInterval { closedAt.timeIntervalSince(triggeredAt) }
}
