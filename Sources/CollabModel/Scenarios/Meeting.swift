import Foundation

/// A meeting: who attended, the minutes, and the decisions taken. A decision with an owner and a due date
/// becomes an action item (a ``WorkItem`` assigned to the owner) when the meeting is recorded.
public struct Meeting: Identifiable, Hashable, Sendable, Codable {
    /// A meeting's identifier.
    public typealias ID = Identifier<Meeting>

    /// The identifier.
    public var id: ID
    /// The organization.
    public var organizationID: Organization.ID
    /// The title.
    public var title: String
    /// When it started.
    public var startsAt: Date
    /// When it ended, if recorded.
    public var endsAt: Date?
    /// Where it took place.
    public var location: String?
    /// Who recorded it (the organizer); the initiator of its action items.
    public var organizerID: Member.ID
    /// Who attended.
    public var attendeeIDs: [Member.ID]
    /// The minutes.
    public var minutes: String
    /// The decisions, in the order they were taken.
    public var decisions: [MeetingDecision]
    /// When it was recorded.
    public var recordedAt: Date
    /// Moves on every change; a change based on an older version is a conflict.
    public var version: Int

    /// Creates a meeting.
    public init(
        id: ID, organizationID: Organization.ID, title: String, startsAt: Date, endsAt: Date?, location: String?,
        organizerID: Member.ID, attendeeIDs: [Member.ID], minutes: String, decisions: [MeetingDecision],
        recordedAt: Date, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.title = title
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.location = location
        self.organizerID = organizerID
        self.attendeeIDs = attendeeIDs
        self.minutes = minutes
        self.decisions = decisions
        self.recordedAt = recordedAt
        self.version = version
    }
}

/// A decision taken in a meeting.
public struct MeetingDecision: Identifiable, Hashable, Sendable, Codable {
    /// A decision's identifier (unique within the store).
    public typealias ID = Identifier<MeetingDecision>

    /// The identifier.
    public var id: ID
    /// What was decided.
    public var text: String
    /// Who follows it up, if anyone.
    public var ownerID: Member.ID?
    /// By when, if the decision has a follow-up.
    public var due: Deadline?
    /// The action item created for it (when it has an owner and a due date).
    public var actionItemID: WorkItem.ID?

    /// Creates a decision.
    public init(id: ID, text: String, ownerID: Member.ID?, due: Deadline?, actionItemID: WorkItem.ID?) {
        self.id = id
        self.text = text
        self.ownerID = ownerID
        self.due = due
        self.actionItemID = actionItemID
    }
}

/// What an organizer records.
public struct MeetingDraft: Hashable, Sendable, Codable {
    /// A decision to record.
    public struct Decision: Hashable, Sendable, Codable {
        /// What was decided.
        public var text: String
        /// Who follows it up; with ``due`` the decision becomes an action item.
        public var ownerID: Member.ID?
        /// By when.
        public var due: Deadline?
        /// The action item's priority.
        public var priority: Priority

        /// Creates a decision.
        public init(_ text: String, owner: Member.ID? = nil, due: Deadline? = nil, priority: Priority = .medium) {
            self.text = text
            self.ownerID = owner
            self.due = due
            self.priority = priority
        }
    }

    /// The title.
    public var title: String
    /// When it started.
    public var startsAt: Date
    /// When it ended.
    public var endsAt: Date?
    /// Where.
    public var location: String?
    /// Who attended (the organizer is added).
    public var attendeeIDs: [Member.ID]
    /// The minutes.
    public var minutes: String
    /// The decisions.
    public var decisions: [Decision]

    /// Creates a draft.
    public init(
        title: String, startsAt: Date, endsAt: Date? = nil, location: String? = nil, attendeeIDs: [Member.ID],
        minutes: String = "", decisions: [Decision] = []
    ) {
        self.title = title
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.location = location
        self.attendeeIDs = attendeeIDs
        self.minutes = minutes
        self.decisions = decisions
    }

    /// Checks the draft's own values (members and deadlines are checked by the engine against the directory).
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(title, field: "title", maxLength: limits.titleLength)
        if let location { report.checkText(location, field: "location", maxLength: limits.nameLength) }
        report.checkText(minutes, field: "minutes", maxLength: limits.descriptionLength, required: false,
            allowNewlines: true)
        report.checkInstant(startsAt, field: "startsAt")
        report.checkInstant(endsAt, field: "endsAt")
        if let endsAt, endsAt < startsAt {
            report.add("endsAt", .outOfRange, "\(endsAt) is before the start \(startsAt)")
        }
        if attendeeIDs.count > limits.memberListLength {
            report.add("attendeeIDs", .tooLong, "has \(attendeeIDs.count) members, at most \(limits.memberListLength)")
        }
        if decisions.count > limits.memberListLength {
            report.add("decisions", .tooLong, "has \(decisions.count) decisions, at most \(limits.memberListLength)")
        }
        for (index, decision) in decisions.enumerated() {
            report.checkText(decision.text, field: "decisions[\(index)].text", maxLength: limits.titleLength)
            if (decision.ownerID == nil) != (decision.due == nil) {
                report.add("decisions[\(index)]", .malformed,
                    "an action item needs both an owner and a due date (or neither, for a plain decision)")
            }
        }
        return report
    }
}

/// A meeting with the follow-up state of its action items.
public struct MeetingFollowUp: Hashable, Sendable {
    /// A decision and its action item as it is now.
    public struct Entry: Hashable, Sendable {
        /// The decision.
        public var decision: MeetingDecision
        /// Its action item, when it has one and the viewer may see it (as they may see it).
        public var actionItem: WorkItem?
        /// The action item's state, whoever views the meeting.
        public var actionItemState: WorkItemState?
        /// When the action item is due, whoever views the meeting.
        public var actionItemDueAt: Date?
        /// Whether the action item is past its due date and not closed.
        public var isOverdue: Bool

        /// Creates an entry.
        public init(
            decision: MeetingDecision, actionItem: WorkItem?, actionItemState: WorkItemState?,
            actionItemDueAt: Date?, isOverdue: Bool
        ) {
            self.decision = decision
            self.actionItem = actionItem
            self.actionItemState = actionItemState
            self.actionItemDueAt = actionItemDueAt
            self.isOverdue = isOverdue
        }
    }

    /// The meeting.
    public var meeting: Meeting
    /// Its decisions, in order.
    public var entries: [Entry]
    /// How many action items are open, completed, cancelled and overdue.
    public var open: Int, completed: Int, cancelled: Int, overdue: Int

    /// Creates a follow-up.
    public init(meeting: Meeting, entries: [Entry], open: Int, completed: Int, cancelled: Int, overdue: Int) {
        self.meeting = meeting
        self.entries = entries
        self.open = open
        self.completed = completed
        self.cancelled = cancelled
        self.overdue = overdue
    }
}
