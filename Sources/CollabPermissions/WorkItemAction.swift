/// What a member may try to do with a work item.
public enum WorkItemAction: String, Hashable, Sendable, Codable, CaseIterable {
    /// See the item, its history and its comments.
    case view
    /// Submit a draft.
    case submit
    /// Accept an assigned item.
    case accept
    /// Start work on an accepted item.
    case start
    /// Report progress.
    case reportProgress = "report_progress"
    /// Submit the work for review.
    case submitForReview = "submit_for_review"
    /// Approve or reject submitted work.
    case review
    /// Ask for a new deadline or a change of scope.
    case requestAdjustment = "request_adjustment"
    /// Approve or reject an adjustment request.
    case decideAdjustment = "decide_adjustment"
    /// Replace an assignee.
    case reassign
    /// Cancel the item.
    case cancel
    /// Comment on the item.
    case comment
}

/// How a member relates to a work item; rules grant actions to relationships.
public enum Relationship: String, Hashable, Sendable, Codable, CaseIterable {
    /// Created the item.
    case initiator
    /// Is one of its assignees.
    case assignee
    /// Decides its reviews (the named reviewer, else the initiator).
    case reviewer
    /// Heads one of its participating departments, or a department above one.
    case departmentHead = "department_head"
    /// Administers the item's organization.
    case administrator

    var bit: UInt8 {
        switch self {
        case .initiator: 1
        case .assignee: 2
        case .reviewer: 4
        case .departmentHead: 8
        case .administrator: 16
        }
    }
}
