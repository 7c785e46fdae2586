import Foundation

/// A record of one change: who did what to which item, when, and what moved.
///
/// Every command that changes state writes its audit event in the same transaction as the change.
public struct AuditEvent: Identifiable, Hashable, Sendable, Codable {
    /// An audit event's identifier.
    public typealias ID = Identifier<AuditEvent>

    /// The event's identifier.
    public var id: ID
    /// The organization whose data changed.
    public var organizationID: Organization.ID
    /// The item concerned, if any.
    public var itemID: WorkItem.ID?
    /// The other record concerned (an announcement, a meeting, an incident), if any.
    public var record: RecordReference?
    /// Who acted.
    public var actorID: Member.ID
    /// The command, in snake case (`approve`, `request_adjustment`).
    public var action: String
    /// The item's state before the command, if an item was concerned.
    public var fromState: WorkItemState?
    /// The item's state after the command.
    public var toState: WorkItemState?
    /// Details that matter to an auditor (`reason`, `new_deadline`, `assignee`), as text.
    public var details: [String: String]
    /// When it happened.
    public var occurredAt: Date

    /// The actor of events Collab causes itself (a deadline passing, an escalation).
    public static let systemActor: Member.ID = "collab.system"

    /// Creates an audit event.
    public init(
        id: ID, organizationID: Organization.ID, itemID: WorkItem.ID?, actorID: Member.ID, action: String,
        fromState: WorkItemState?, toState: WorkItemState?, details: [String: String] = [:], occurredAt: Date,
        record: RecordReference? = nil
    ) {
        self.record = record
        self.id = id
        self.organizationID = organizationID
        self.itemID = itemID
        self.actorID = actorID
        self.action = action
        self.fromState = fromState
        self.toState = toState
        self.details = details
        self.occurredAt = occurredAt
    }
}
