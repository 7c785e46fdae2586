/// Size limits applied by validation. Hosts may tighten or relax them.
public struct ValidationLimits: Hashable, Sendable, Codable {
    /// Identifiers supplied by the host (organizations, departments, members).
    public var identifierLength = 128
    /// Names, display names and handles.
    public var nameLength = 200
    /// A work item's title.
    public var titleLength = 200
    /// A work item's description.
    public var descriptionLength = 20_000
    /// A comment, progress update or reason.
    public var textLength = 10_000
    /// One tag.
    public var tagLength = 50
    /// Tags on one item.
    public var tagCount = 20
    /// Assignees on one item.
    public var assigneeCount = 100
    /// Departments or outside organizations on one item.
    public var departmentCount = 100
    /// Attachments on one item or update.
    public var attachmentCount = 50
    /// Entries of the other lists: an announcement's named members, a meeting's attendees and decisions, a
    /// department's checklist in an emergency plan, a plan's informed members.
    public var memberListLength = 1_000

    /// Creates limits; every value has a default.
    public init() {}

    /// The default limits.
    public static let `default` = ValidationLimits()
}
