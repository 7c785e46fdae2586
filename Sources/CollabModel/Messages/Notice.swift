import Foundation

/// A notification: a message to one member, shown in their inbox and delivered through the host's notification hooks.
public struct Notice: Identifiable, Hashable, Sendable, Codable {
    /// A notification's identifier; also the idempotency key of its deliveries.
    public typealias ID = Identifier<Notice>

    /// Why the member is told.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// You were assigned a new item.
        public static let assigned = Kind(rawValue: "assigned")
        /// An assignee accepted your item.
        public static let accepted = Kind(rawValue: "accepted")
        /// An item waits for your review.
        public static let reviewRequested = Kind(rawValue: "review_requested")
        /// Your submitted work was approved or rejected (with the reason).
        public static let reviewResult = Kind(rawValue: "review_result")
        /// An assignee asks you to change an item's deadline or scope.
        public static let adjustmentRequested = Kind(rawValue: "adjustment_requested")
        /// Your adjustment request was approved or rejected.
        public static let adjustmentDecided = Kind(rawValue: "adjustment_decided")
        /// Someone mentioned you in a comment.
        public static let mentioned = Kind(rawValue: "mentioned")
        /// Someone commented on an item you take part in.
        public static let commented = Kind(rawValue: "commented")
        /// An item was reassigned to you, or away from you.
        public static let reassigned = Kind(rawValue: "reassigned")
        /// An item you take part in was cancelled.
        public static let cancelled = Kind(rawValue: "cancelled")
        /// An assignee reported progress on your item.
        public static let progressReported = Kind(rawValue: "progress_reported")
        /// An item you work on is due soon.
        public static let deadlineReminder = Kind(rawValue: "deadline_reminder")
        /// An item you work on, or created, is past its deadline.
        public static let overdue = Kind(rawValue: "overdue")
        /// An item of your department is overdue beyond the escalation delay.
        public static let escalated = Kind(rawValue: "escalated")
        /// A review or an adjustment request has been waiting for your decision.
        public static let decisionReminder = Kind(rawValue: "decision_reminder")
        /// An announcement was published to you.
        public static let announcement = Kind(rawValue: "announcement")
        /// An announcement you have not acknowledged is due soon.
        public static let acknowledgementReminder = Kind(rawValue: "acknowledgement_reminder")
        /// Members of your department missed an acknowledgement deadline (an announcement's, an incident task's).
        public static let acknowledgementMissed = Kind(rawValue: "acknowledgement_missed")
        /// An emergency plan was triggered: you respond, or you are informed.
        public static let incident = Kind(rawValue: "incident")
        /// An update was posted to an incident's timeline.
        public static let incidentUpdate = Kind(rawValue: "incident_update")
        /// Your department is asked for a resource during an incident.
        public static let resourceRequested = Kind(rawValue: "resource_requested")
        /// Your resource request was fulfilled or declined.
        public static let resourceDecided = Kind(rawValue: "resource_decided")
        /// An incident you took part in was closed.
        public static let incidentClosed = Kind(rawValue: "incident_closed")
        /// A purchase order was shared with your organization.
        public static let orderShared = Kind(rawValue: "order_shared")
        /// The requirements of a purchase order changed, or it was cancelled.
        public static let orderChanged = Kind(rawValue: "order_changed")
        /// Delivery dates were proposed or counter-proposed.
        public static let deliveryProposed = Kind(rawValue: "delivery_proposed")
        /// Delivery dates were confirmed.
        public static let deliveryConfirmed = Kind(rawValue: "delivery_confirmed")
        /// A ticket reached your department, or a customer wrote on it.
        public static let ticketUpdate = Kind(rawValue: "ticket_update")
        /// A reply on your ticket, or its progress (resolved, closed).
        public static let ticketReply = Kind(rawValue: "ticket_reply")
        /// A ticket missed a service target.
        public static let serviceTargetMissed = Kind(rawValue: "service_target_missed")
        /// An approval request waits for the recipient's decision (a step reached them, a place was
        /// transferred to them, a signer was added before them).
        public static let approvalRequested = Kind(rawValue: "approval_requested")
        /// An approval request the recipient submitted or is copied on was approved, rejected, withdrawn, or
        /// sent back to its applicant.
        public static let approvalResult = Kind(rawValue: "approval_result")
        /// The recipient was copied (抄送) on an approval request.
        public static let approvalCopied = Kind(rawValue: "approval_copied")
    }

    /// How urgently a hook should deliver.
    public enum Urgency: String, Hashable, Sendable, Codable, CaseIterable {
        /// Ordinary: e-mail, IM.
        case normal
        /// Urgent: a host may map it to SMS or a call.
        case urgent
    }

    /// The notification's identifier.
    public var id: ID
    /// The organization of the recipient.
    public var organizationID: Organization.ID
    /// Who is told.
    public var recipientID: Member.ID
    /// Why.
    public var kind: Kind
    /// How urgently.
    public var urgency: Urgency
    /// The item concerned, if any.
    public var itemID: WorkItem.ID?
    /// The other record concerned (an announcement, an incident), if any.
    public var record: RecordReference?
    /// Who caused it.
    public var actorID: Member.ID?
    /// A one-line summary, in the recipient's language (their ``Member/locale``, else their organization's).
    public var title: String
    /// The message (with the reason where there is one), in the recipient's language.
    public var body: String
    /// What the notice says as data: the catalog key of its ``title`` and ``body`` (`<key>.title`,
    /// `<key>.body`) and the values they name, so a host can render it its own way. `nil` only for a notice
    /// written with fixed text.
    public var message: LocalizedMessage?
    /// When it was created.
    public var createdAt: Date
    /// When the recipient read it in their inbox.
    public var readAt: Date?

    /// Creates a notification.
    public init(
        id: ID, organizationID: Organization.ID, recipientID: Member.ID, kind: Kind, urgency: Urgency = .normal,
        itemID: WorkItem.ID?, actorID: Member.ID?, title: String, body: String, createdAt: Date,
        readAt: Date? = nil, record: RecordReference? = nil, message: LocalizedMessage? = nil
    ) {
        self.message = message
        self.record = record
        self.id = id
        self.organizationID = organizationID
        self.recipientID = recipientID
        self.kind = kind
        self.urgency = urgency
        self.itemID = itemID
        self.actorID = actorID
        self.title = title
        self.body = body
        self.createdAt = createdAt
        self.readAt = readAt
    }

    /// Creates a notification whose title and body the engine writes from `message` in the recipient's language
    /// when the change commits.
    public init(
        id: ID, organizationID: Organization.ID, recipientID: Member.ID, kind: Kind, urgency: Urgency = .normal,
        itemID: WorkItem.ID?, actorID: Member.ID?, message: LocalizedMessage, createdAt: Date,
        record: RecordReference? = nil
    ) {
        self.init(id: id, organizationID: organizationID, recipientID: recipientID, kind: kind, urgency: urgency,
            itemID: itemID, actorID: actorID, title: "", body: "", createdAt: createdAt, record: record, message: message)
    }

    /// The catalog key of the title of a notice saying `message`.
    public static func titleKey(of message: LocalizedMessage) -> String { message.key + ".title" }
    /// The catalog key of the body of a notice saying `message`.
    public static func bodyKey(of message: LocalizedMessage) -> String { message.key + ".body" }

    /// Whether the recipient has read it.
    public var isRead: Bool { readAt != nil }
}
