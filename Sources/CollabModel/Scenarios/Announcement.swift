import Foundation

/// An announcement published to an audience of an organization: leadership to everyone, a department to
/// its members, a notice to the department heads.
///
/// The audience is resolved to members when it is published (each gets an ``AnnouncementReceipt``); later
/// moves in the directory do not change who received it.
public struct Announcement: Identifiable, Hashable, Sendable, Codable {
    /// An announcement's identifier.
    public typealias ID = Identifier<Announcement>

    /// The identifier.
    public var id: ID
    /// The publishing organization.
    public var organizationID: Organization.ID
    /// Who published it.
    public var authorID: Member.ID
    /// The department it is published on behalf of; `nil` for the organization's leadership.
    public var publisherDepartmentID: Department.ID?
    /// The headline.
    public var title: String
    /// The text.
    public var body: String
    /// Who receives it.
    public var audience: AnnouncementAudience
    /// ``Notice/Urgency/urgent`` notifies at once with an urgency a host can map to SMS or a call.
    public var urgency: Notice.Urgency
    /// The acknowledgement asked of every recipient, if any.
    public var acknowledgement: AcknowledgementRequirement?
    /// Files attached (metadata only).
    public var attachments: [FileAttachment]
    /// Pinned announcements come first in a member's list.
    public var isPinned: Bool
    /// After this instant the announcement leaves members' lists (its figures stay).
    public var expiresAt: Date?
    /// When it was published.
    public var publishedAt: Date
    /// When the acknowledgement reminder went out, if it has.
    public var remindedAt: Date?
    /// When the missing acknowledgements were escalated to the department heads, if they were.
    public var escalatedAt: Date?
    /// Moves on every change (pinning, expiry); a change based on an older version is a conflict.
    public var version: Int

    /// Creates an announcement.
    public init(
        id: ID, organizationID: Organization.ID, authorID: Member.ID, publisherDepartmentID: Department.ID?,
        title: String, body: String, audience: AnnouncementAudience, urgency: Notice.Urgency,
        acknowledgement: AcknowledgementRequirement?, attachments: [FileAttachment] = [], isPinned: Bool,
        expiresAt: Date?, publishedAt: Date, remindedAt: Date? = nil, escalatedAt: Date? = nil, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.authorID = authorID
        self.publisherDepartmentID = publisherDepartmentID
        self.title = title
        self.body = body
        self.audience = audience
        self.urgency = urgency
        self.acknowledgement = acknowledgement
        self.attachments = attachments
        self.isPinned = isPinned
        self.expiresAt = expiresAt
        self.publishedAt = publishedAt
        self.remindedAt = remindedAt
        self.escalatedAt = escalatedAt
        self.version = version
    }

    /// Whether it has expired at `now`.
    public func isExpired(at now: Date) -> Bool { expiresAt.map { now >= $0 } ?? false }
}

/// Who receives an announcement: the union of its parts.
public struct AnnouncementAudience: Hashable, Sendable, Codable {
    /// A department of the audience.
    public struct DepartmentTarget: Hashable, Sendable, Codable {
        /// The department.
        public var departmentID: Department.ID
        /// Whether the members of its sub-departments (at any depth) are included.
        public var includesSubdepartments: Bool

        /// Creates a target.
        public init(_ departmentID: Department.ID, includesSubdepartments: Bool = true) {
            self.departmentID = departmentID
            self.includesSubdepartments = includesSubdepartments
        }
    }

    /// A role of the audience.
    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        /// The organization's administrators.
        case administrators
        /// The organization's auditors.
        case auditors
        /// The heads of any department.
        case departmentHeads = "department_heads"
    }

    /// Every active member of the organization.
    public var wholeOrganization: Bool
    /// Departments, with or without their sub-departments.
    public var departments: [DepartmentTarget]
    /// Roles.
    public var roles: [Role]
    /// Named members.
    public var memberIDs: [Member.ID]

    /// Creates an audience.
    public init(
        wholeOrganization: Bool = false, departments: [DepartmentTarget] = [], roles: [Role] = [],
        memberIDs: [Member.ID] = []
    ) {
        self.wholeOrganization = wholeOrganization
        self.departments = departments
        self.roles = roles
        self.memberIDs = memberIDs
    }

    /// Every active member of the organization.
    public static let organization = AnnouncementAudience(wholeOrganization: true)

    /// The members of `department` (and of its sub-departments unless `includingSubdepartments` is `false`).
    public static func department(_ department: Department.ID, includingSubdepartments: Bool = true) -> Self {
        AnnouncementAudience(departments: [DepartmentTarget(department, includesSubdepartments: includingSubdepartments)])
    }

    /// Whether the audience names nobody.
    public var isEmpty: Bool { !wholeOrganization && departments.isEmpty && roles.isEmpty && memberIDs.isEmpty }
}

/// An acknowledgement asked of every recipient of an announcement.
public struct AcknowledgementRequirement: Hashable, Sendable, Codable {
    /// Recipients acknowledge by this instant; after it, those who have not are escalated to their
    /// department heads.
    public var deadline: Date
    /// How long before the deadline those who have not acknowledged are reminded (`nil`: no reminder).
    public var reminderLead: Duration?

    /// Creates a requirement.
    public init(deadline: Date, reminderLead: Duration? = .seconds(3600)) {
        self.deadline = deadline
        self.reminderLead = reminderLead
    }

    /// When the reminder goes out, if there is one.
    public var reminderAt: Date? {
        guard let lead = reminderLead, lead > .zero else { return nil }
        let seconds = Double(lead.components.seconds) + Double(lead.components.attoseconds) / 1e18
        return deadline.addingTimeInterval(-seconds)
    }
}

/// What a member publishes: the announcement before it has an identifier and recipients.
public struct AnnouncementDraft: Hashable, Sendable, Codable {
    /// The headline.
    public var title: String
    /// The text.
    public var body: String
    /// Who receives it.
    public var audience: AnnouncementAudience
    /// Normal or urgent.
    public var urgency: Notice.Urgency
    /// The department it is published on behalf of; `nil` for the organization's leadership (administrators).
    public var publisherDepartmentID: Department.ID?
    /// The acknowledgement asked of every recipient, if any.
    public var acknowledgement: AcknowledgementRequirement?
    /// Files attached (metadata only).
    public var attachments: [FileAttachment]
    /// Whether it is pinned.
    public var isPinned: Bool
    /// When it expires, if ever.
    public var expiresAt: Date?

    /// Creates a draft.
    public init(
        title: String, body: String, audience: AnnouncementAudience, urgency: Notice.Urgency = .normal,
        publisherDepartmentID: Department.ID? = nil, acknowledgement: AcknowledgementRequirement? = nil,
        attachments: [FileAttachment] = [], isPinned: Bool = false, expiresAt: Date? = nil
    ) {
        self.title = title
        self.body = body
        self.audience = audience
        self.urgency = urgency
        self.publisherDepartmentID = publisherDepartmentID
        self.acknowledgement = acknowledgement
        self.attachments = attachments
        self.isPinned = isPinned
        self.expiresAt = expiresAt
    }

    /// Checks the draft's own values (the audience's members and departments are checked by the engine).
    public func validate(now: Date, limits: ValidationLimits = .default, attachmentPolicy: AttachmentPolicy = .default)
        -> ValidationReport
    {
        var report = ValidationReport()
        report.checkText(title, field: "title", maxLength: limits.titleLength)
        report.checkText(body, field: "body", maxLength: limits.textLength, allowNewlines: true)
        if audience.isEmpty { report.add("audience", .empty, "names nobody") }
        if audience.memberIDs.count > limits.memberListLength {
            report.add("audience.memberIDs", .tooLong,
                "names \(audience.memberIDs.count) members, at most \(limits.memberListLength) are allowed")
        }
        report.checkInstant(acknowledgement?.deadline, field: "acknowledgement.deadline")
        report.checkInstant(expiresAt, field: "expiresAt")
        report.checkDelay(acknowledgement?.reminderLead, field: "acknowledgement.reminderLead", allowsZero: true)
        if let acknowledgement {
            if acknowledgement.deadline <= now {
                report.add("acknowledgement.deadline", .outOfRange, "\(acknowledgement.deadline) is not in the future")
            }
        }
        if let expiresAt {
            if expiresAt <= now { report.add("expiresAt", .outOfRange, "\(expiresAt) is not in the future") }
            if let deadline = acknowledgement?.deadline, expiresAt < deadline {
                report.add("expiresAt", .outOfRange, "\(expiresAt) is before the acknowledgement deadline \(deadline)")
            }
        }
        if attachments.count > limits.attachmentCount {
            report.add("attachments", .tooLong, "has \(attachments.count) attachments, at most \(limits.attachmentCount)")
        }
        for (index, attachment) in attachments.enumerated() {
            report.merge(attachment.validate(policy: attachmentPolicy, field: "attachments[\(index)]"))
        }
        return report
    }
}

/// One recipient's copy of an announcement: when it was read and acknowledged.
public struct AnnouncementReceipt: Hashable, Sendable, Codable {
    /// The announcement.
    public var announcementID: Announcement.ID
    /// The recipient.
    public var memberID: Member.ID
    /// The recipient's first department when it was published (reach figures are grouped by it).
    public var departmentID: Department.ID?
    /// The notification that told the recipient (its delivery state is the "delivered" figure).
    public var noticeID: Notice.ID
    /// When the recipient opened it.
    public var readAt: Date?
    /// When the recipient acknowledged it.
    public var acknowledgedAt: Date?

    /// Creates a receipt.
    public init(
        announcementID: Announcement.ID, memberID: Member.ID, departmentID: Department.ID?, noticeID: Notice.ID,
        readAt: Date? = nil, acknowledgedAt: Date? = nil
    ) {
        self.announcementID = announcementID
        self.memberID = memberID
        self.departmentID = departmentID
        self.noticeID = noticeID
        self.readAt = readAt
        self.acknowledgedAt = acknowledgedAt
    }
}

/// How far an announcement reached: overall and per department, with who is missing.
public struct AnnouncementReach: Hashable, Sendable, Codable {
    /// Figures of one group of recipients.
    public struct Figures: Hashable, Sendable, Codable {
        /// Recipients.
        public var recipients: Int
        /// Recipients whose notification every hook accepted.
        public var delivered: Int
        /// Recipients who opened it.
        public var read: Int
        /// Recipients who acknowledged it.
        public var acknowledged: Int

        /// Creates figures.
        public init(recipients: Int = 0, delivered: Int = 0, read: Int = 0, acknowledged: Int = 0) {
            self.recipients = recipients
            self.delivered = delivered
            self.read = read
            self.acknowledged = acknowledged
        }
    }

    /// The figures of one department (by the recipients' first department; `nil`: no department).
    public struct DepartmentFigures: Hashable, Sendable, Codable {
        /// The department.
        public var departmentID: Department.ID?
        /// Its figures.
        public var figures: Figures

        /// Creates department figures.
        public init(departmentID: Department.ID?, figures: Figures) {
            self.departmentID = departmentID
            self.figures = figures
        }
    }

    /// The announcement.
    public var announcementID: Announcement.ID
    /// Every recipient.
    public var total: Figures
    /// Per department, by department id (recipients without a department last).
    public var departments: [DepartmentFigures]
    /// Recipients who have not read it, by id.
    public var unread: [Member.ID]
    /// Recipients who have not acknowledged it (empty when no acknowledgement is asked), by id.
    public var unacknowledged: [Member.ID]

    /// Creates reach figures.
    public init(
        announcementID: Announcement.ID, total: Figures, departments: [DepartmentFigures], unread: [Member.ID],
        unacknowledged: [Member.ID]
    ) {
        self.announcementID = announcementID
        self.total = total
        self.departments = departments
        self.unread = unread
        self.unacknowledged = unacknowledged
    }
}
