import Foundation

/// A customer's request, handled as a ticket that routes between departments (sales, then technology for
/// an assessment, then after-sales), with service targets measured in working time.
public struct Ticket: Identifiable, Hashable, Sendable, Codable {
    /// A ticket's identifier.
    public typealias ID = Identifier<Ticket>

    /// Where the ticket stands.
    public enum State: String, Hashable, Sendable, Codable, CaseIterable {
        /// Being handled by ``Ticket/departmentID``.
        case open
        /// Waiting for the customer's answer: the service clocks pause.
        case waitingForCustomer = "waiting_for_customer"
        /// Resolved; the customer may close it (and rate it) or answer to reopen it.
        case resolved
        /// Closed; the customer may rate it once.
        case closed
    }

    /// The customer's rating of a closed ticket.
    public struct Rating: Hashable, Sendable, Codable {
        /// 1 (poor) to 5 (excellent).
        public var score: Int
        /// What the customer says.
        public var comment: String?
        /// Who rated.
        public var ratedBy: Member.ID
        /// When.
        public var ratedAt: Date

        /// Creates a rating.
        public init(score: Int, comment: String?, ratedBy: Member.ID, ratedAt: Date) {
            self.score = score
            self.comment = comment
            self.ratedBy = ratedBy
            self.ratedAt = ratedAt
        }
    }

    /// The identifier.
    public var id: ID
    /// The company handling it.
    public var organizationID: Organization.ID
    /// The customer's organization.
    public var customerID: Organization.ID
    /// The customer contact who asked.
    public var requesterID: Member.ID
    /// The subject.
    public var subject: String
    /// The request.
    public var description: String
    /// Its category ("installation", "defect"): routing rules match it.
    public var category: String
    /// Its priority: it chooses the service targets.
    public var priority: Priority
    /// Where it stands.
    public var state: State
    /// The routing rule that applies.
    public var route: String
    /// The departments of the route, in order.
    public var routeDepartmentIDs: [Department.ID]
    /// The department handling it now.
    public var departmentID: Department.ID
    /// The member handling it, if one took it.
    public var handlerID: Member.ID?
    /// Every department that handled it, in order (their members keep seeing it).
    public var handledBy: [Department.ID]
    /// When it was opened.
    public var createdAt: Date
    /// The first reply to the customer.
    public var firstResponseAt: Date?
    /// When it was (last) resolved.
    public var resolvedAt: Date?
    /// When it was closed.
    public var closedAt: Date?
    /// Since when it waits for the customer, while it does.
    public var waitingSince: Date?
    /// The finished waits for the customer (the service clocks did not run).
    public var pauses: [DateInterval]
    /// The customer's rating.
    public var rating: Rating?
    /// When the department was told the first-response target was missed.
    public var firstResponseMissedAt: Date?
    /// When the department was told the resolution target was missed.
    public var resolutionMissedAt: Date?
    /// Moves on every change.
    public var version: Int

    /// Creates a ticket.
    public init(
        id: ID, organizationID: Organization.ID, customerID: Organization.ID, requesterID: Member.ID, subject: String,
        description: String, category: String, priority: Priority, state: State = .open, route: String,
        routeDepartmentIDs: [Department.ID], departmentID: Department.ID, handlerID: Member.ID? = nil,
        handledBy: [Department.ID], createdAt: Date, firstResponseAt: Date? = nil, resolvedAt: Date? = nil,
        closedAt: Date? = nil, waitingSince: Date? = nil, pauses: [DateInterval] = [], rating: Rating? = nil,
        version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.customerID = customerID
        self.requesterID = requesterID
        self.subject = subject
        self.description = description
        self.category = category
        self.priority = priority
        self.state = state
        self.route = route
        self.routeDepartmentIDs = routeDepartmentIDs
        self.departmentID = departmentID
        self.handlerID = handlerID
        self.handledBy = handledBy
        self.createdAt = createdAt
        self.firstResponseAt = firstResponseAt
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.waitingSince = waitingSince
        self.pauses = pauses
        self.rating = rating
        self.version = version
    }

    /// The pauses of the service clocks up to `now`, the running one included.
    public func pauses(until now: Date) -> [DateInterval] {
        guard let since = waitingSince, now > since else { return pauses }
        return pauses + [DateInterval(start: since, end: now)]
    }
}

/// What a customer (or a member on their behalf) asks.
public struct TicketDraft: Hashable, Sendable, Codable {
    /// The subject.
    public var subject: String
    /// The request.
    public var description: String
    /// The category routing rules match.
    public var category: String
    /// The priority.
    public var priority: Priority
    /// Files (metadata only), visible to the customer.
    public var attachments: [FileAttachment]

    /// Creates a draft.
    public init(
        subject: String, description: String, category: String, priority: Priority = .medium,
        attachments: [FileAttachment] = []
    ) {
        self.subject = subject
        self.description = description
        self.category = category
        self.priority = priority
        self.attachments = attachments
    }

    /// Checks the draft's own values.
    public func validate(limits: ValidationLimits = .default, attachmentPolicy: AttachmentPolicy = .default)
        -> ValidationReport
    {
        var report = ValidationReport()
        report.checkText(subject, field: "subject", maxLength: limits.titleLength)
        report.checkText(description, field: "description", maxLength: limits.descriptionLength, allowNewlines: true)
        report.checkText(category, field: "category", maxLength: limits.tagLength)
        if attachments.count > limits.attachmentCount {
            report.add("attachments", .tooLong, "has \(attachments.count) attachments, at most \(limits.attachmentCount)")
        }
        for (index, attachment) in attachments.enumerated() {
            report.merge(attachment.validate(policy: attachmentPolicy, field: "attachments[\(index)]"))
        }
        return report
    }
}

/// A message on a ticket: a reply the customer sees, or an internal note they never see.
public struct TicketMessage: Identifiable, Hashable, Sendable, Codable {
    /// A message's identifier.
    public typealias ID = Identifier<TicketMessage>

    /// Who sees it.
    public enum Audience: String, Hashable, Sendable, Codable, CaseIterable {
        /// The customer and the company: a reply.
        case customer
        /// The company only: a note.
        case `internal`
    }

    /// The identifier.
    public var id: ID
    /// The ticket.
    public var ticketID: Ticket.ID
    /// Who wrote it.
    public var authorID: Member.ID
    /// The text.
    public var body: String
    /// Who sees it.
    public var audience: Audience
    /// Files (metadata only).
    public var attachments: [FileAttachment]
    /// When.
    public var createdAt: Date

    /// Creates a message.
    public init(
        id: ID, ticketID: Ticket.ID, authorID: Member.ID, body: String, audience: Audience,
        attachments: [FileAttachment] = [], createdAt: Date
    ) {
        self.id = id
        self.ticketID = ticketID
        self.authorID = authorID
        self.body = body
        self.audience = audience
        self.attachments = attachments
        self.createdAt = createdAt
    }
}

/// A ticket as its customer sees it: its progress and the replies marked for them, never internal notes.
public struct CustomerTicketView: Hashable, Sendable, Codable {
    /// The ticket's identifier.
    public var id: Ticket.ID
    /// The subject.
    public var subject: String
    /// The request.
    public var description: String
    /// The category.
    public var category: String
    /// Where it stands.
    public var state: Ticket.State
    /// Which step of its route it is at (1-based), of how many.
    public var step: Int, steps: Int
    /// The name of the department handling it now.
    public var stage: String
    /// When it was opened, first answered, resolved and closed.
    public var createdAt: Date, firstResponseAt: Date?, resolvedAt: Date?, closedAt: Date?
    /// The replies for the customer, oldest first.
    public var replies: [TicketMessage]
    /// The customer's rating, once given.
    public var rating: Ticket.Rating?

    /// Creates a view.
    public init(
        id: Ticket.ID, subject: String, description: String, category: String, state: Ticket.State, step: Int,
        steps: Int, stage: String, createdAt: Date, firstResponseAt: Date?, resolvedAt: Date?, closedAt: Date?,
        replies: [TicketMessage], rating: Ticket.Rating?
    ) {
        self.id = id
        self.subject = subject
        self.description = description
        self.category = category
        self.state = state
        self.step = step
        self.steps = steps
        self.stage = stage
        self.createdAt = createdAt
        self.firstResponseAt = firstResponseAt
        self.resolvedAt = resolvedAt
        self.closedAt = closedAt
        self.replies = replies
        self.rating = rating
    }
}

/// How a ticket stands against its service targets, in working time with the waits for the customer left out.
public struct ServiceTargetStatus: Hashable, Sendable, Codable {
    /// One target.
    public struct Target: Hashable, Sendable, Codable {
        /// The working time allowed.
        public var allowed: Duration
        /// The working time used so far (until it was met).
        public var used: Duration
        /// When it is due, with the pauses so far (`nil` while the ticket waits for the customer).
        public var dueAt: Date?
        /// When it was met, if it was.
        public var metAt: Date?
        /// Whether it was (or is being) missed.
        public var isBreached: Bool

        /// Creates a target status.
        public init(allowed: Duration, used: Duration, dueAt: Date?, metAt: Date?, isBreached: Bool) {
            self.allowed = allowed
            self.used = used
            self.dueAt = dueAt
            self.metAt = metAt
            self.isBreached = isBreached
        }
    }

    /// The first reply to the customer.
    public var firstResponse: Target
    /// The resolution.
    public var resolution: Target
    /// Whether the clocks are paused now (waiting for the customer).
    public var isPaused: Bool

    /// Creates a status.
    public init(firstResponse: Target, resolution: Target, isPaused: Bool) {
        self.firstResponse = firstResponse
        self.resolution = resolution
        self.isPaused = isPaused
    }
}
