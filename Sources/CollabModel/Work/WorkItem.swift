import Foundation

/// A unit of work that flows between people and departments: the source's "task".
///
/// Created by an initiator, assigned to one or more assignees, reviewed by the initiator or a named
/// reviewer. Its ``state`` changes only through workflow commands; ``version`` grows by one with every
/// change, and a command that read an older version fails with ``CollabError/Code/conflict``.
public struct WorkItem: Identifiable, Hashable, Sendable, Codable {
    /// A work item's identifier.
    public typealias ID = Identifier<WorkItem>

    /// The item's identifier.
    public var id: ID
    /// The organization that owns the item.
    public var organizationID: Organization.ID
    /// A short title.
    public var title: String
    /// What is to be done, for whom, and what is delivered.
    public var description: String
    /// High, medium (the default) or low.
    public var priority: Priority
    /// Who created the item.
    public var initiatorID: Member.ID
    /// Who does the work; several are allowed.
    public var assigneeIDs: [Member.ID]
    /// Who decides reviews, when not the initiator.
    public var reviewerID: Member.ID?
    /// Members who follow the item without working on it.
    public var watcherIDs: [Member.ID]
    /// Departments taking part; their members see the item and their heads have authority over it.
    public var departmentIDs: [Department.ID]
    /// Outside organizations the item is shared with (only those with external collaboration enabled).
    public var partnerOrganizationIDs: [Organization.ID]
    /// When work may start.
    public var start: Date
    /// When the item is due.
    public var deadline: Deadline
    /// The first instant at which the item is late (the deadline resolved in the organization's zone).
    public var dueAt: Date
    /// Attached files' metadata.
    public var attachments: [FileAttachment]
    /// Free tags for search and reports.
    public var tags: [String]
    /// Where the item is in its lifecycle.
    public var state: WorkItemState
    /// The last reported progress, 0...100.
    public var progressPercent: Int?
    /// The adjustment request awaiting the initiator's decision, if any.
    public var pendingAdjustmentID: AdjustmentRequest.ID?
    /// Grows by one with every change; used for optimistic concurrency.
    public var version: Int
    /// When the item was created.
    public var createdAt: Date
    /// When the item last changed.
    public var updatedAt: Date
    /// When the item was approved (completed) or cancelled.
    public var closedAt: Date?
    /// When the item entered its current state.
    public var stateChangedAt: Date
    /// Since when the item waits on an outside party (its working-time clocks are paused), if it does.
    public var waitingOnExternalSince: Date?
    /// How many times the item has waited on an outside party (its pauses are read from the audit trail).
    public var externalWaitCount: Int
    /// How the item repeats: approving it creates the next occurrence in the same transaction.
    public var recurrence: RecurrenceRule?
    /// The first item of the series this item repeats, if it is an occurrence of a recurring item.
    public var seriesID: WorkItem.ID?

    /// Creates an item; the workflow engine does this, hosts rarely need to.
    public init(
        id: ID, organizationID: Organization.ID, title: String, description: String, priority: Priority,
        initiatorID: Member.ID, assigneeIDs: [Member.ID], reviewerID: Member.ID?, watcherIDs: [Member.ID] = [],
        departmentIDs: [Department.ID],
        partnerOrganizationIDs: [Organization.ID], start: Date, deadline: Deadline, dueAt: Date,
        attachments: [FileAttachment], tags: [String], state: WorkItemState, progressPercent: Int? = nil,
        pendingAdjustmentID: AdjustmentRequest.ID? = nil, version: Int = 1, createdAt: Date, updatedAt: Date,
        closedAt: Date? = nil, stateChangedAt: Date? = nil, waitingOnExternalSince: Date? = nil,
        externalWaitCount: Int = 0, recurrence: RecurrenceRule? = nil, seriesID: WorkItem.ID? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.title = title
        self.description = description
        self.priority = priority
        self.initiatorID = initiatorID
        self.assigneeIDs = assigneeIDs
        self.reviewerID = reviewerID
        self.watcherIDs = watcherIDs
        self.departmentIDs = departmentIDs
        self.partnerOrganizationIDs = partnerOrganizationIDs
        self.start = start
        self.deadline = deadline
        self.dueAt = dueAt
        self.attachments = attachments
        self.tags = tags
        self.state = state
        self.progressPercent = progressPercent
        self.pendingAdjustmentID = pendingAdjustmentID
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.stateChangedAt = stateChangedAt ?? createdAt
        self.waitingOnExternalSince = waitingOnExternalSince
        self.externalWaitCount = externalWaitCount
        self.recurrence = recurrence
        self.seriesID = seriesID
    }

    /// The member who decides reviews: the named reviewer, else the initiator.
    public var effectiveReviewerID: Member.ID { reviewerID ?? initiatorID }

    /// Whether the item is open and past its deadline at `now`.
    public func isOverdue(at now: Date) -> Bool { !state.isClosed && now >= dueAt }
}

/// Where a work item is in its lifecycle.
///
/// ```
/// draft ─submit─▶ assigned ─accept─▶ accepted ─start─▶ inProgress ─submitForReview─▶ inReview
///                                                          ▲                          │ approve ─▶ completed
///                                                          └──────── reject ──────────┘
/// any open state ─cancel─▶ cancelled
/// ```
public enum WorkItemState: String, Hashable, Sendable, Codable, CaseIterable {
    /// Created but not yet submitted; only the initiator sees it in their to-do.
    case draft
    /// Submitted; waiting for an assignee to accept.
    case assigned
    /// Accepted by an assignee; not yet started.
    case accepted
    /// Being worked on.
    case inProgress = "in_progress"
    /// Submitted for review; waiting for the reviewer's decision.
    case inReview = "in_review"
    /// Approved by the reviewer: done.
    case completed
    /// Cancelled by the initiator or an administrator.
    case cancelled

    /// Whether the item is finished (completed or cancelled).
    public var isClosed: Bool { self == .completed || self == .cancelled }
}
