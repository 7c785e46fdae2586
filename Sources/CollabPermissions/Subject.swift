import CollabModel

/// Everything an authorization decision needs to know about the one who acts.
///
/// Built once per command from the directory (the store does it: ``Subject`` values are cheap to
/// check against many items). ``headedDepartmentIDs`` is already expanded to every sub-department.
public struct Subject: Hashable, Sendable, Codable {
    /// The member.
    public var memberID: Member.ID
    /// The member's organization.
    public var organizationID: Organization.ID
    /// Internal, partner or customer.
    public var organizationKind: Organization.Kind
    /// Organization-wide roles.
    public var roles: Set<Member.OrganizationRole>
    /// The departments the member belongs to directly.
    public var departmentIDs: Set<Department.ID>
    /// The departments the member heads, and all their sub-departments.
    public var headedDepartmentIDs: Set<Department.ID>
    /// Whether the member may act at all.
    public var isActive: Bool
    /// The member's display name, for messages (not used in decisions).
    public var displayName: String?
    /// For a member of a partner or customer organization: whether an administrator currently has
    /// external collaboration with it enabled. Without it, nothing is shared with the member.
    public var externalCollaborationEnabled: Bool

    /// Creates a subject.
    public init(
        memberID: Member.ID, organizationID: Organization.ID, organizationKind: Organization.Kind,
        roles: Set<Member.OrganizationRole> = [], departmentIDs: Set<Department.ID> = [],
        headedDepartmentIDs: Set<Department.ID> = [], isActive: Bool = true,
        externalCollaborationEnabled: Bool = false
    ) {
        self.memberID = memberID
        self.organizationID = organizationID
        self.organizationKind = organizationKind
        self.roles = roles
        self.departmentIDs = departmentIDs
        self.headedDepartmentIDs = headedDepartmentIDs
        self.isActive = isActive
        self.externalCollaborationEnabled = externalCollaborationEnabled
    }

    /// Builds a subject from a member, their organization and the organization's department tree.
    ///
    /// Department ids that are not in `departments` are ignored. Cycles in the tree are tolerated.
    public init(member: Member, organization: Organization, departments: [Department]) {
        var children: [Department.ID: [Department.ID]] = [:]
        for department in departments {
            if let parent = department.parentID { children[parent, default: []].append(department.id) }
        }
        let known = Set(departments.map(\.id))
        var headed = Set<Department.ID>()
        var pending = member.departments.filter { $0.role == .head && known.contains($0.departmentID) }
            .map(\.departmentID)
        while let next = pending.popLast() {
            guard headed.insert(next).inserted else { continue }
            pending.append(contentsOf: children[next] ?? [])
        }
        self.init(
            memberID: member.id, organizationID: member.organizationID, organizationKind: organization.kind,
            roles: member.roles, departmentIDs: Set(member.departments.map(\.departmentID)).intersection(known),
            headedDepartmentIDs: headed, isActive: member.isActive,
            externalCollaborationEnabled: organization.kind != .internal && organization.externalCollaborationEnabled)
        self.displayName = member.displayName
    }

    /// Whether the subject administers its organization.
    public var isAdministrator: Bool { roles.contains(.administrator) }

    /// Whether the subject belongs to a partner or customer organization.
    public var isExternal: Bool { organizationKind != .internal }
}
