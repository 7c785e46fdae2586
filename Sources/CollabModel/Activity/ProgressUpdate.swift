import Foundation

/// An assignee's report of progress on a work item.
public struct ProgressUpdate: Identifiable, Hashable, Sendable, Codable {
    /// A progress update's identifier.
    public typealias ID = Identifier<ProgressUpdate>

    /// The update's identifier.
    public var id: ID
    /// The item.
    public var itemID: WorkItem.ID
    /// Who reported.
    public var authorID: Member.ID
    /// What was done.
    public var text: String
    /// How far along, 0...100, if given.
    public var percent: Int?
    /// Files delivered with the update.
    public var attachments: [FileAttachment]
    /// When it was reported.
    public var createdAt: Date

    /// Creates a progress update.
    public init(
        id: ID, itemID: WorkItem.ID, authorID: Member.ID, text: String, percent: Int?, attachments: [FileAttachment],
        createdAt: Date
    ) {
        self.id = id
        self.itemID = itemID
        self.authorID = authorID
        self.text = text
        self.percent = percent
        self.attachments = attachments
        self.createdAt = createdAt
    }
}

/// The reviewer's decision on a work item submitted for review.
public struct ReviewDecision: Identifiable, Hashable, Sendable, Codable {
    /// A review decision's identifier.
    public typealias ID = Identifier<ReviewDecision>

    /// Approve or reject.
    public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
        /// The work is accepted; the item is completed.
        case approved
        /// The work must be redone; the item goes back to in progress.
        case rejected
    }

    /// The decision's identifier.
    public var id: ID
    /// The item reviewed.
    public var itemID: WorkItem.ID
    /// Who decided.
    public var reviewerID: Member.ID
    /// Approved or rejected.
    public var outcome: Outcome
    /// Why (required when rejecting).
    public var reason: String?
    /// When it was decided.
    public var decidedAt: Date

    /// Creates a review decision.
    public init(
        id: ID, itemID: WorkItem.ID, reviewerID: Member.ID, outcome: Outcome, reason: String?, decidedAt: Date
    ) {
        self.id = id
        self.itemID = itemID
        self.reviewerID = reviewerID
        self.outcome = outcome
        self.reason = reason
        self.decidedAt = decidedAt
    }
}
