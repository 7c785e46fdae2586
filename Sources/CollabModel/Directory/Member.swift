/// A person (or a host's service account) who belongs to exactly one organization.
public struct Member: Identifiable, Hashable, Sendable, Codable {
    /// A member's identifier.
    public typealias ID = Identifier<Member>

    /// An organization-wide role.
    public enum OrganizationRole: String, Hashable, Sendable, Codable, CaseIterable {
        /// May see everything in the organization, cancel and reassign any item, and manage the directory.
        case administrator
        /// May see everything in the organization, read-only.
        case auditor
    }

    /// A person, or an account a host system acts through.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// A person.
        case person
        /// A host's service account: it has only the access its roles and relationships give it.
        case serviceAccount = "service_account"
    }

    /// The member's identifier.
    public var id: ID
    /// The organization the member belongs to.
    public var organizationID: Organization.ID
    /// The display name.
    public var displayName: String
    /// The handle used in @mentions (`@li.wei`): letters, digits, `.`, `_` and `-`; unique in the organization.
    public var handle: String
    /// Organization-wide roles.
    public var roles: Set<OrganizationRole>
    /// The departments the member belongs to, each with a role.
    public var departments: [DepartmentMembership]
    /// Whether the member is active; deactivated members keep their history but can no longer act.
    public var isActive: Bool
    /// A person or a service account.
    public var kind: Kind
    /// The member's own choice of language and formats; `nil` (the default) reads in the organization's
    /// (``Organization/locale``).
    public var locale: CollabLocale?

    /// Creates a member.
    public init(
        id: ID, organizationID: Organization.ID, displayName: String, handle: String,
        roles: Set<OrganizationRole> = [], departments: [DepartmentMembership] = [], isActive: Bool = true,
        kind: Kind = .person, locale: CollabLocale? = nil
    ) {
        self.locale = locale
        self.id = id
        self.organizationID = organizationID
        self.displayName = displayName
        self.handle = handle
        self.roles = roles
        self.departments = departments
        self.isActive = isActive
        self.kind = kind
    }

    /// The locale the member reads in: their own choice, else their organization's.
    public func readingLocale(in organization: Organization) -> CollabLocale { locale ?? organization.locale }

    /// Whether the member administers their organization.
    public var isAdministrator: Bool { roles.contains(.administrator) }

    /// Lists every problem with this member's own fields (departments are checked by the store).
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(id.rawValue, field: "id", maxLength: limits.identifierLength)
        report.checkText(displayName, field: "displayName", maxLength: limits.nameLength)
        if handle.isEmpty {
            report.add("handle", .empty, "must not be empty")
        } else if !handle.unicodeScalars.allSatisfy(Member.isHandleScalar) {
            report.add("handle", .malformed, "'\(handle.clipped())' may hold only letters, digits, '.', '_' and '-'")
        } else {
            report.checkText(handle, field: "handle", maxLength: limits.nameLength)
        }
        if let locale { report.merge(locale.validate(field: "locale")) }
        var seen = Set<Department.ID>()
        for (index, membership) in departments.enumerated() where !seen.insert(membership.departmentID).inserted {
            report.add("departments[\(index)]", .duplicate, "department '\(membership.departmentID)' is listed twice")
        }
        return report
    }

    static func isHandleScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_"
            || scalar == "-"
    }
}

/// A member's place in a department.
public struct DepartmentMembership: Hashable, Sendable, Codable {
    /// A member's role within a department.
    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        /// An ordinary member.
        case member
        /// The department's head: authority over the department and all its sub-departments.
        case head
    }

    /// The department.
    public var departmentID: Department.ID
    /// The role in it.
    public var role: Role

    /// Creates a membership.
    public init(_ departmentID: Department.ID, role: Role = .member) {
        self.departmentID = departmentID
        self.role = role
    }
}
