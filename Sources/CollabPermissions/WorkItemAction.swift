/// What a member may try to do with work items.
///
/// Most actions concern one item. ``list``, ``search`` and ``export`` concern a whole surface: they are
/// decided once per call (a host rule can forbid exporting, say), and the rows returned are then the
/// items the member may ``view``.
public enum WorkItemAction: String, Hashable, Sendable, Codable, CaseIterable {
    /// See the item, its history and the comments and attachments visible to the member.
    case view
    /// List items (a surface action).
    case list
    /// Search items by text (a surface action).
    case search
    /// Export items (a surface action).
    case export
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
    /// Add a comment to the item.
    case comment
    /// Start or stop following the item.
    case watch
    /// Share the item with an outside organization, or stop sharing it.
    case share
    /// Mark the item as waiting on an outside party (pausing its working-time clocks), or resume it.
    case waitExternal = "wait_external"

    /// Whether the action concerns a whole surface rather than one item.
    public var isSurfaceAction: Bool { self == .list || self == .search || self == .export }
}

/// How a member relates to a work item (or, for surface actions, to their own organization); rules
/// grant actions to relationships.
public enum Relationship: String, Hashable, Sendable, Codable, CaseIterable {
    /// Created the item.
    case initiator
    /// Is one of its assignees.
    case assignee
    /// Decides its reviews (the named reviewer, else the initiator).
    case reviewer
    /// Follows it.
    case watcher
    /// Belongs to one of its participating departments.
    case departmentMember = "department_member"
    /// Heads one of its participating departments, or a department above one.
    case departmentHead = "department_head"
    /// Administers the item's organization.
    case administrator
    /// Audits the item's organization (read-only).
    case auditor
    /// Belongs to an outside organization the item is shared with, while an administrator keeps external
    /// collaboration with that organization enabled.
    case sharedOrganization = "shared_organization"
    /// Belongs to the organization that owns the item (for surface actions: any active member of an
    /// internal organization).
    case organizationMember = "organization_member"

    var bit: UInt16 {
        switch self {
        case .initiator: 1 << 0
        case .assignee: 1 << 1
        case .reviewer: 1 << 2
        case .watcher: 1 << 3
        case .departmentMember: 1 << 4
        case .departmentHead: 1 << 5
        case .administrator: 1 << 6
        case .auditor: 1 << 7
        case .sharedOrganization: 1 << 8
        case .organizationMember: 1 << 9
        }
    }
}
