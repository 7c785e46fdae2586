import Foundation

/// What a caller supplies to create a work item.
public struct WorkItemDraft: Hashable, Sendable, Codable {
    /// A short title (required).
    public var title: String
    /// What is to be done.
    public var description: String
    /// High, medium (default) or low.
    public var priority: Priority
    /// Who does the work (at least one).
    public var assigneeIDs: [Member.ID]
    /// Who decides reviews; `nil` means the initiator.
    public var reviewerID: Member.ID?
    /// Members who follow the item.
    public var watcherIDs: [Member.ID]
    /// Departments taking part.
    public var departmentIDs: [Department.ID]
    /// Outside organizations to share with (each must have external collaboration enabled).
    public var partnerOrganizationIDs: [Organization.ID]
    /// When work may start; `nil` means now.
    public var start: Date?
    /// When the item is due (required).
    public var deadline: Deadline
    /// Attached files' metadata.
    public var attachments: [FileAttachment]
    /// Free tags.
    public var tags: [String]
    /// How the item repeats, if it does.
    public var recurrence: RecurrenceRule?

    /// Creates a draft; only the title, the assignees and the deadline are required.
    public init(
        title: String, description: String = "", priority: Priority = .medium, assigneeIDs: [Member.ID],
        reviewerID: Member.ID? = nil, watcherIDs: [Member.ID] = [], departmentIDs: [Department.ID] = [],
        partnerOrganizationIDs: [Organization.ID] = [], start: Date? = nil, deadline: Deadline,
        attachments: [FileAttachment] = [], tags: [String] = [], recurrence: RecurrenceRule? = nil
    ) {
        self.title = title
        self.description = description
        self.priority = priority
        self.assigneeIDs = assigneeIDs
        self.reviewerID = reviewerID
        self.watcherIDs = watcherIDs
        self.departmentIDs = departmentIDs
        self.partnerOrganizationIDs = partnerOrganizationIDs
        self.start = start
        self.deadline = deadline
        self.attachments = attachments
        self.tags = tags
        self.recurrence = recurrence
    }

    /// Lists every problem with the draft at once.
    ///
    /// - Parameters:
    ///   - context: what the draft's references resolve to (the directory entries it names).
    ///   - now: the instant used when ``start`` is `nil`.
    public func validate(in context: ValidationContext, now: Date) -> ValidationReport {
        var report = ValidationReport()
        let limits = context.limits
        report.checkText(title, field: "title", maxLength: limits.titleLength)
        report.checkText(description, field: "description", maxLength: limits.descriptionLength, required: false,
            allowNewlines: true)

        if assigneeIDs.isEmpty {
            report.add("assigneeIDs", .missing, "at least one assignee is required")
        } else if assigneeIDs.count > limits.assigneeCount {
            report.add("assigneeIDs", .tooLong, "has \(assigneeIDs.count) assignees, at most \(limits.assigneeCount)")
        }
        var seenAssignees = Set<Member.ID>()
        for (index, id) in assigneeIDs.enumerated() {
            if !seenAssignees.insert(id).inserted {
                report.add("assigneeIDs[\(index)]", .duplicate, "member '\(id.rawValue.clipped())' is listed twice")
            } else if !context.activeMemberIDs.contains(id) {
                report.add("assigneeIDs[\(index)]", .unknownMember,
                    "'\(id.rawValue.clipped())' is not an active member of the organization")
            }
        }
        if let reviewerID, !context.activeMemberIDs.contains(reviewerID) {
            report.add("reviewerID", .unknownMember,
                "'\(reviewerID.rawValue.clipped())' is not an active member of the organization")
        }
        if watcherIDs.count > limits.assigneeCount {
            report.add("watcherIDs", .tooLong, "has \(watcherIDs.count) watchers, at most \(limits.assigneeCount)")
        }
        var seenWatchers = Set<Member.ID>()
        for (index, id) in watcherIDs.enumerated() {
            if !seenWatchers.insert(id).inserted {
                report.add("watcherIDs[\(index)]", .duplicate, "member '\(id.rawValue.clipped())' is listed twice")
            } else if !context.activeMemberIDs.contains(id) {
                report.add("watcherIDs[\(index)]", .unknownMember,
                    "'\(id.rawValue.clipped())' is not an active member of the organization")
            }
        }
        if departmentIDs.count > limits.departmentCount {
            report.add("departmentIDs", .tooLong, "has \(departmentIDs.count) departments, at most \(limits.departmentCount)")
        }
        var seenDepartments = Set<Department.ID>()
        for (index, id) in departmentIDs.enumerated() {
            if !seenDepartments.insert(id).inserted {
                report.add("departmentIDs[\(index)]", .duplicate, "department '\(id.rawValue.clipped())' is listed twice")
            } else if !context.departmentIDs.contains(id) {
                report.add("departmentIDs[\(index)]", .unknownDepartment,
                    "'\(id.rawValue.clipped())' is not a department of the organization")
            }
        }
        if partnerOrganizationIDs.count > limits.departmentCount {
            report.add("partnerOrganizationIDs", .tooLong,
                "has \(partnerOrganizationIDs.count) organizations, at most \(limits.departmentCount)")
        }
        var seenPartners = Set<Organization.ID>()
        for (index, id) in partnerOrganizationIDs.enumerated() {
            let field = "partnerOrganizationIDs[\(index)]"
            if !seenPartners.insert(id).inserted {
                report.add(field, .duplicate, "organization '\(id.rawValue.clipped())' is listed twice")
            } else if let partner = context.outsideOrganizations[id] {
                if !partner.externalCollaborationEnabled {
                    report.add(field, .externalCollaborationDisabled,
                        "an administrator has not enabled external collaboration with '\(id.rawValue.clipped())'")
                }
            } else {
                report.add(field, .unknownOrganization,
                    "'\(id.rawValue.clipped())' is not a partner or customer organization")
            }
        }

        let effectiveStart = start ?? now
        report.checkInstant(start, field: "start")
        if case .instant(let instant) = deadline { report.checkInstant(instant, field: "deadline") }
        if let zone = context.timeZone {
            if case .endOfDay(let date) = deadline, !date.isValid {
                report.add("deadline", .malformed, "'\(date)' is not a real day")
            } else if let due = deadline.dueInstant(in: zone), due <= effectiveStart {
                report.add("deadline", .deadlineBeforeStart,
                    "\(deadline) is not after the start \(effectiveStart.formatted(.iso8601))")
            }
        }

        if attachments.count > limits.attachmentCount {
            report.add("attachments", .tooLong, "has \(attachments.count) attachments, at most \(limits.attachmentCount)")
        }
        for (index, attachment) in attachments.enumerated() {
            report.merge(attachment.validate(policy: context.attachmentPolicy, field: "attachments[\(index)]"))
        }
        if tags.count > limits.tagCount {
            report.add("tags", .tooLong, "has \(tags.count) tags, at most \(limits.tagCount)")
        }
        for (index, tag) in tags.enumerated() {
            report.checkText(tag, field: "tags[\(index)]", maxLength: limits.tagLength)
        }
        if let recurrence { report.merge(recurrence.validate(), prefix: "recurrence") }
        return report
    }
}

/// What validation needs to know about the directory: the entries a command names, resolved.
public struct ValidationContext: Sendable {
    /// The organization's time zone; `nil` if its identifier is unknown.
    public var timeZone: TimeZone?
    /// The active members of the organization among those named.
    public var activeMemberIDs: Set<Member.ID>
    /// The departments of the organization among those named.
    public var departmentIDs: Set<Department.ID>
    /// Partner and customer organizations among those named.
    public var outsideOrganizations: [Organization.ID: Organization]
    /// Which attachments are accepted.
    public var attachmentPolicy: AttachmentPolicy
    /// Size limits.
    public var limits: ValidationLimits

    /// Creates a context.
    public init(
        timeZone: TimeZone?, activeMemberIDs: Set<Member.ID> = [], departmentIDs: Set<Department.ID> = [],
        outsideOrganizations: [Organization.ID: Organization] = [:], attachmentPolicy: AttachmentPolicy = .default,
        limits: ValidationLimits = .default
    ) {
        self.timeZone = timeZone
        self.activeMemberIDs = activeMemberIDs
        self.departmentIDs = departmentIDs
        self.outsideOrganizations = outsideOrganizations
        self.attachmentPolicy = attachmentPolicy
        self.limits = limits
    }
}
