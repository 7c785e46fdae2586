/// A department of an organization; departments form a tree.
public struct Department: Identifiable, Hashable, Sendable, Codable {
    /// A department's identifier.
    public typealias ID = Identifier<Department>

    /// The department's identifier.
    public var id: ID
    /// The organization the department belongs to.
    public var organizationID: Organization.ID
    /// The display name.
    public var name: String
    /// The parent department, or `nil` for a top-level department.
    public var parentID: ID?

    /// Creates a department.
    public init(id: ID, organizationID: Organization.ID, name: String, parentID: ID? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.parentID = parentID
    }

    /// Lists every problem with this department's own fields (the parent is checked by the store).
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(id.rawValue, field: "id", maxLength: limits.identifierLength)
        report.checkText(name, field: "name", maxLength: limits.nameLength)
        if parentID == id {
            report.add("parentID", .malformed, "a department cannot be its own parent")
        }
        return report
    }
}
