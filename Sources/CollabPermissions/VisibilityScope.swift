import CollabModel

/// Which work items a subject may see, in a form a store turns into its query.
///
/// Derived from the subject and the policy's `view` rules by ``Authorizer/visibilityScope(for:)``; a store
/// must return exactly the items for which ``Authorizer/isAllowed(_:_:on:)`` with `.view` is true.
public struct VisibilityScope: Hashable, Sendable, Codable {
    /// One way of being related to items, as the store indexes it.
    public struct Grant: Hashable, Sendable, Codable {
        /// How items are related to the key.
        public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
            /// The key is the item's initiator.
            case initiator
            /// The key is one of its assignees.
            case assignee
            /// The key is its effective reviewer.
            case reviewer
            /// The key is one of its watchers.
            case watcher
            /// The key is one of its participating departments.
            case department
            /// The key is an outside organization it is shared with.
            case sharedOrganization = "shared_organization"
        }

        /// How.
        public var kind: Kind
        /// The member, department or organization id.
        public var key: String

        /// Creates a grant.
        public init(_ kind: Kind, _ key: String) {
            self.kind = kind
            self.key = key
        }
    }

    /// Every item of this organization is visible (administrators, auditors).
    public var wholeOrganization: Organization.ID?
    /// Otherwise: items related to the subject through one of these grants, within ``organizationID`` for
    /// internal grants.
    public var grants: Set<Grant>
    /// The organization the subject belongs to.
    public var organizationID: Organization.ID
    /// Whether the subject sees items only as an outsider (external parts only).
    public var isExternal: Bool

    /// Creates a scope.
    public init(
        wholeOrganization: Organization.ID?, grants: Set<Grant>, organizationID: Organization.ID, isExternal: Bool
    ) {
        self.wholeOrganization = wholeOrganization
        self.grants = grants
        self.organizationID = organizationID
        self.isExternal = isExternal
    }

    /// A scope that sees nothing.
    public static func nothing(in organizationID: Organization.ID) -> VisibilityScope {
        VisibilityScope(wholeOrganization: nil, grants: [], organizationID: organizationID, isExternal: true)
    }

    /// Whether the scope sees nothing at all.
    public var isEmpty: Bool { wholeOrganization == nil && grants.isEmpty }
}
