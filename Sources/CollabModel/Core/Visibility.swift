/// Who outside the company may see a comment or an attachment.
public enum Visibility: String, Hashable, Sendable, Codable, CaseIterable {
    /// Only members of the organization that owns the item. The default: nothing leaves the company
    /// unless someone marks it external.
    case `internal`
    /// Also the members of the outside organizations the item is shared with.
    case external
}
