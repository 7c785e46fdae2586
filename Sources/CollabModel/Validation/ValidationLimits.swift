/// Size limits applied by validation. Hosts may tighten or relax them.
///
/// Each text limit is a number of characters (what a reader counts); the same text may take at most
/// ``maximumUTF8BytesPerCharacter`` bytes of UTF-8 per allowed character and hold at most
/// ``maximumCombiningMarkRun`` combining marks in a row. <doc:TextLimits> lists every field's limits.
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

    /// The most bytes of UTF-8 a text may take per character it is allowed: a text of at most `n`
    /// characters takes at most `4 × n` bytes. Any text of single-code-point characters fits (Chinese
    /// takes 3 bytes a character, emoji 4); characters stacked from many code points (combining marks,
    /// joiners, jamo) do not, so a one-character title cannot hold a megabyte.
    public static let maximumUTF8BytesPerCharacter = 4
    /// The most combining marks (Unicode general categories Mn, Mc and Me) allowed in a row in any text.
    /// Written languages stack at most a few; long runs only pile marks onto a letter until it covers
    /// the lines around it.
    public static let maximumCombiningMarkRun = 8

    /// Creates limits; every value has a default.
    public init() {}

    /// The default limits.
    public static let `default` = ValidationLimits()
}
