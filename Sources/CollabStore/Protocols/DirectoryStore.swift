import CollabModel
import CollabPermissions

/// Stores organizations, departments and members.
///
/// Hosts usually mirror their own directory (HR system, LDAP) into Collab through these calls.
/// Saves validate and upsert; every requirement is `async` and free of database types, so the same
/// API can sit on SQLite or on a server database.
///
/// Used by every desk through the engine's directory cache (`DirectoryCache` in CollabWorkflow, which
/// compares ``directoryRevision()`` to drop what it holds), by the authorization of every command
/// (``subject(for:)``), by the notification dispatcher (re-authorizing a recipient before delivery), and by
/// CollabReports (names of members and departments in exports).
///
/// Each save validates first and writes in one write transaction, or throws and writes nothing; a save
/// moves the directory revision. Each read runs in one read transaction and writes nothing; an unknown id
/// is `nil` (or left out of a list), never an error. Reads throw only storage codes.
public protocol DirectoryStore: Sendable {
    /// Creates or replaces an organization, in one write transaction.
    ///
    /// An existing organization keeps its side: an internal organization never becomes a partner or a
    /// customer, nor the reverse (a partner may become a customer and the reverse).
    ///
    /// - Throws: `CollabError.Code.invalidInput` listing every problem with its fields; for a change of
    ///   kind between internal and outside, the problem `kind` of kind `organizationChange`, nothing written.
    func save(_ organization: Organization) async throws(CollabError)

    /// Creates or replaces a department, in one write transaction.
    ///
    /// A department belongs to its organization for good: saving an existing department with another
    /// organization is refused, so the grants naming it never reach into another organization.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when the organization or parent is unknown, the parent
    ///   belongs to another organization, or the parent would make a cycle; when the department exists in
    ///   another organization, the problem `organizationID` of kind `organizationChange` naming both
    ///   organizations, nothing written.
    func save(_ department: Department) async throws(CollabError)

    /// Creates or replaces a member with their department memberships, in one write transaction (the
    /// memberships are replaced with the member).
    ///
    /// A member belongs to their organization for good: saving an existing member with another
    /// organization is refused (someone who joins another company is a new member there, with a new id),
    /// so the grants naming them never reach into another organization.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when the organization or a department is unknown, or
    ///   the handle is taken in the organization; when the member exists in another organization, the
    ///   problem `organizationID` of kind `organizationChange` naming both organizations, nothing written.
    func save(_ member: Member) async throws(CollabError)

    /// The organization with `id`, or `nil` when there is none.
    func organization(_ id: Organization.ID) async throws(CollabError) -> Organization?

    /// All organizations (internal and outside), by name (then by id). Not paged.
    func organizations() async throws(CollabError) -> [Organization]

    /// The department with `id`, or `nil` when there is none.
    ///
    /// Has a default built from ``departments(_:)`` (one read either way).
    func department(_ id: Department.ID) async throws(CollabError) -> Department?

    /// The departments with these ids that exist, in no particular order; unknown ids are left out, and an
    /// empty set reads nothing.
    func departments(_ ids: Set<Department.ID>) async throws(CollabError) -> [Department]

    /// The departments of an organization, by name (then by id); empty for an unknown organization.
    func departments(in organizationID: Organization.ID) async throws(CollabError) -> [Department]

    /// The member with `id` (with their memberships), or `nil` when there is none. Deactivated members are
    /// returned too.
    ///
    /// Has a default built from ``members(_:)`` (one read either way).
    func member(_ id: Member.ID) async throws(CollabError) -> Member?

    /// The members with these ids that exist (with their memberships), in no particular order; unknown ids
    /// are left out, and an empty set reads nothing.
    func members(_ ids: Set<Member.ID>) async throws(CollabError) -> [Member]

    /// The members of an organization with these handles that exist, in no particular order; unknown handles
    /// are left out, and an empty set reads nothing.
    func members(handles: Set<String>, in organizationID: Organization.ID) async throws(CollabError) -> [Member]

    /// The members of an organization, deactivated ones included, by display name (then by id). Not paged.
    func members(in organizationID: Organization.ID) async throws(CollabError) -> [Member]

    /// Saves the working calendar of an organization, or of one of its departments, replacing the one saved
    /// before, in one write transaction.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when the calendar is invalid, the organization is unknown
    ///   (problem `organizationID`) or the department is not one of the organization's (problem
    ///   `department`), nothing written.
    func save(_ calendar: BusinessCalendar, for organizationID: Organization.ID, department: Department.ID?)
        async throws(CollabError)

    /// The calendar of a department, else of its organization, or `nil` when neither was saved (the caller
    /// falls back to its default). One read transaction.
    func calendar(for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError)
        -> BusinessCalendar?

    /// The active heads of these departments (direct heads, not heads of departments above), each once, by
    /// id; empty for an empty set or unknown departments.
    func heads(of departmentIDs: Set<Department.ID>) async throws(CollabError) -> [Member.ID]

    /// A number that changes whenever anything in the directory changes (organizations, departments,
    /// members and their memberships, calendars), through this store or any other process on the same
    /// database. Callers that cache directory values compare it to know when to drop them, and a change planned
    /// against the directory commits only while it is unchanged (``ChangeSet/directoryRevision``). 0 before
    /// anything was saved.
    func directoryRevision() async throws(CollabError) -> Int64

    /// The authorization subject of a member: their organization's kind, roles, departments, and the
    /// departments they head expanded to every sub-department, read in one read transaction. `nil` if the
    /// member does not exist. A deactivated member has a subject that says so (`Subject.isActive`).
    func subject(for memberID: Member.ID) async throws(CollabError) -> Subject?
}

extension DirectoryStore {
    /// The member with `id`: ``members(_:)`` with the one id.
    public func member(_ id: Member.ID) async throws(CollabError) -> Member? {
        try await members([id]).first
    }

    /// The department with `id`: ``departments(_:)`` with the one id.
    public func department(_ id: Department.ID) async throws(CollabError) -> Department? {
        try await departments([id]).first
    }
}
