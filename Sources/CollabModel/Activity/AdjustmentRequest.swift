import Foundation

/// An assignee's request to change a work item's deadline or scope, decided by the initiator.
///
/// The source's "申请调整": a typed request rather than a comment, so that reports can tell "on time
/// after an approved extension" from "on time".
public struct AdjustmentRequest: Identifiable, Hashable, Sendable, Codable {
    /// An adjustment request's identifier.
    public typealias ID = Identifier<AdjustmentRequest>

    /// The change asked for; at least one part is set.
    public struct Change: Hashable, Sendable, Codable {
        /// A new deadline.
        public var deadline: Deadline?
        /// A new title (change of scope).
        public var title: String?
        /// A new description (change of scope).
        public var description: String?

        /// Creates a change.
        public init(deadline: Deadline? = nil, title: String? = nil, description: String? = nil) {
            self.deadline = deadline
            self.title = title
            self.description = description
        }

        /// Whether nothing is asked for.
        public var isEmpty: Bool { deadline == nil && title == nil && description == nil }
    }

    /// Where the request stands.
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// Waiting for the initiator.
        case pending
        /// Approved: the change was applied to the item.
        case approved
        /// Rejected, with a reason.
        case rejected
        /// Withdrawn because the item closed before a decision.
        case withdrawn
    }

    /// The request's identifier.
    public var id: ID
    /// The item.
    public var itemID: WorkItem.ID
    /// Who asked.
    public var requesterID: Member.ID
    /// What is asked for.
    public var change: Change
    /// Why.
    public var reason: String
    /// Where the request stands.
    public var status: Status
    /// Who decided, once decided.
    public var deciderID: Member.ID?
    /// Why it was decided so (required for a rejection).
    public var decisionReason: String?
    /// When it was asked.
    public var createdAt: Date
    /// When it was decided.
    public var decidedAt: Date?
    /// The deadline before the change (kept so history shows what moved).
    public var previousDeadline: Deadline?

    /// Creates an adjustment request.
    public init(
        id: ID, itemID: WorkItem.ID, requesterID: Member.ID, change: Change, reason: String, status: Status,
        deciderID: Member.ID? = nil, decisionReason: String? = nil, createdAt: Date, decidedAt: Date? = nil,
        previousDeadline: Deadline? = nil
    ) {
        self.id = id
        self.itemID = itemID
        self.requesterID = requesterID
        self.change = change
        self.reason = reason
        self.status = status
        self.deciderID = deciderID
        self.decisionReason = decisionReason
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.previousDeadline = previousDeadline
    }
}
