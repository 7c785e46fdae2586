import CollabModel

/// A command on work items: a value, so that every command is authorized, validated, audited and
/// notified in one place (``WorkflowEngine/execute(_:by:expectedVersion:idempotencyKey:)``).
///
/// The engine's convenience methods (``WorkflowEngine/approve(_:by:note:expectedVersion:idempotencyKey:)``
/// and friends) build these for you.
public enum WorkItemCommand: Hashable, Sendable, Codable {
    /// Create an item; submitted at once (assignees notified) unless `submit` is `false` (a draft).
    case create(WorkItemDraft, submit: Bool)
    /// Submit a draft to its assignees.
    case submit(WorkItem.ID)
    /// An assignee accepts the item.
    case accept(WorkItem.ID)
    /// An assignee starts work.
    case start(WorkItem.ID)
    /// An assignee reports progress: text, an optional percentage, attachments.
    case reportProgress(WorkItem.ID, text: String, percent: Int?, attachments: [FileAttachment])
    /// An assignee submits the work for review.
    case submitForReview(WorkItem.ID, note: String?)
    /// The reviewer approves the work: the item is completed.
    case approve(WorkItem.ID, note: String?)
    /// The reviewer rejects the work with a reason: the item goes back to in progress.
    case reject(WorkItem.ID, reason: String)
    /// An assignee asks for a new deadline or a change of scope.
    case requestAdjustment(WorkItem.ID, change: AdjustmentRequest.Change, reason: String)
    /// The initiator approves an adjustment request: the change applies.
    case approveAdjustment(AdjustmentRequest.ID, note: String?)
    /// The initiator rejects an adjustment request with a reason.
    case rejectAdjustment(AdjustmentRequest.ID, reason: String)
    /// A department head (or administrator) replaces one assignee with another.
    case reassign(WorkItem.ID, from: Member.ID, to: Member.ID, reason: String?)
    /// The initiator (or an administrator) cancels the item.
    case cancel(WorkItem.ID, reason: String?)
    /// Someone involved comments; `@handle` mentions notify those members. Internal comments stay inside
    /// the company; external ones are also seen by the outside organizations the item is shared with (an
    /// outside member's comments are always external).
    case comment(WorkItem.ID, body: String, visibility: Visibility)
    /// Share the item with an outside organization (external collaboration with it must be enabled).
    case share(WorkItem.ID, with: Organization.ID)
    /// Stop sharing the item with an outside organization; its members lose access at once.
    case unshare(WorkItem.ID, from: Organization.ID)
    /// Follow the item: see it and be told when it is commented on.
    case watch(WorkItem.ID)
    /// Stop following the item.
    case unwatch(WorkItem.ID)
    /// Mark the item as waiting on an outside party: its escalation clock pauses until it is resumed.
    case waitForExternal(WorkItem.ID, reason: String)
    /// The outside party answered: the item's clocks run again.
    case resumeFromExternal(WorkItem.ID)

    /// The command's name in audit events and idempotency records (`approve`, `request_adjustment`).
    public var name: String {
        switch self {
        case .create: "create"
        case .submit: "submit"
        case .accept: "accept"
        case .start: "start"
        case .reportProgress: "report_progress"
        case .submitForReview: "submit_for_review"
        case .approve: "approve"
        case .reject: "reject"
        case .requestAdjustment: "request_adjustment"
        case .approveAdjustment: "approve_adjustment"
        case .rejectAdjustment: "reject_adjustment"
        case .reassign: "reassign"
        case .cancel: "cancel"
        case .comment: "comment"
        case .share: "share"
        case .unshare: "unshare"
        case .watch: "watch"
        case .unwatch: "unwatch"
        case .waitForExternal: "wait_external"
        case .resumeFromExternal: "resume_external"
        }
    }
}

/// What a command produced: the item's new state, and the record the command created, if any.
public struct CommandResult: Hashable, Sendable, Codable {
    /// The item after the command.
    public var item: WorkItem
    /// The comment created by ``WorkItemCommand/comment(_:body:visibility:)``.
    public var comment: ItemComment?
    /// The progress update created by ``WorkItemCommand/reportProgress(_:text:percent:attachments:)``.
    public var progressUpdate: ProgressUpdate?
    /// The review decision created by ``WorkItemCommand/approve(_:note:)`` or ``WorkItemCommand/reject(_:reason:)``.
    public var reviewDecision: ReviewDecision?
    /// The adjustment request created or decided.
    public var adjustmentRequest: AdjustmentRequest?

    /// Creates a result.
    public init(
        item: WorkItem, comment: ItemComment? = nil, progressUpdate: ProgressUpdate? = nil,
        reviewDecision: ReviewDecision? = nil, adjustmentRequest: AdjustmentRequest? = nil
    ) {
        self.item = item
        self.comment = comment
        self.progressUpdate = progressUpdate
        self.reviewDecision = reviewDecision
        self.adjustmentRequest = adjustmentRequest
    }
}
