import CollabModel
import CollabPermissions

/// Stores organizations, departments and members.
///
/// Hosts usually mirror their own directory (HR system, LDAP) into Collab through these calls.
/// Saves validate and upsert; every requirement is `async` and free of database types, so the same
/// API can sit on SQLite or on a server database.
public protocol DirectoryStore: Sendable {
    /// Creates or replaces an organization.
    ///
    /// An existing organization keeps its side: an internal organization never becomes a partner or a
    /// customer, nor the reverse (a partner may become a customer and the reverse).
    ///
    /// - Throws: `CollabError.Code.invalidInput` listing every problem with its fields; for a change of
    ///   kind between internal and outside, the problem `kind` of kind `organizationChange`, nothing written.
    func save(_ organization: Organization) async throws(CollabError)

    /// Creates or replaces a department.
    ///
    /// A department belongs to its organization for good: saving an existing department with another
    /// organization is refused, so the grants naming it never reach into another organization.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when the organization or parent is unknown, the parent
    ///   belongs to another organization, or the parent would make a cycle; when the department exists in
    ///   another organization, the problem `organizationID` of kind `organizationChange` naming both
    ///   organizations, nothing written.
    func save(_ department: Department) async throws(CollabError)

    /// Creates or replaces a member with their department memberships.
    ///
    /// A member belongs to their organization for good: saving an existing member with another
    /// organization is refused (someone who joins another company is a new member there, with a new id),
    /// so the grants naming them never reach into another organization.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when the organization or a department is unknown, or
    ///   the handle is taken in the organization; when the member exists in another organization, the
    ///   problem `organizationID` of kind `organizationChange` naming both organizations, nothing written.
    func save(_ member: Member) async throws(CollabError)

    /// The organization with `id`, if any.
    func organization(_ id: Organization.ID) async throws(CollabError) -> Organization?

    /// All organizations, by name.
    func organizations() async throws(CollabError) -> [Organization]

    /// The department with `id`, if any.
    func department(_ id: Department.ID) async throws(CollabError) -> Department?

    /// The departments with these ids that exist (in no particular order).
    func departments(_ ids: Set<Department.ID>) async throws(CollabError) -> [Department]

    /// The departments of an organization, by name.
    func departments(in organizationID: Organization.ID) async throws(CollabError) -> [Department]

    /// The member with `id`, if any.
    func member(_ id: Member.ID) async throws(CollabError) -> Member?

    /// The members with these ids that exist (in no particular order).
    func members(_ ids: Set<Member.ID>) async throws(CollabError) -> [Member]

    /// The members of an organization with these handles that exist.
    func members(handles: Set<String>, in organizationID: Organization.ID) async throws(CollabError) -> [Member]

    /// The members of an organization, by display name.
    func members(in organizationID: Organization.ID) async throws(CollabError) -> [Member]

    /// Saves the working calendar of an organization, or of one of its departments.
    func save(_ calendar: BusinessCalendar, for organizationID: Organization.ID, department: Department.ID?)
        async throws(CollabError)

    /// The calendar of a department, else of its organization, if one was saved.
    func calendar(for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError)
        -> BusinessCalendar?

    /// The heads of these departments (direct heads, not heads of departments above).
    func heads(of departmentIDs: Set<Department.ID>) async throws(CollabError) -> [Member.ID]

    /// A number that changes whenever anything in the directory changes (organizations, departments,
    /// members and their memberships, calendars), through this store or any other process on the same
    /// database. Callers that cache directory values compare it to know when to drop them.
    func directoryRevision() async throws(CollabError) -> Int64

    /// The authorization subject of a member: their organization's kind, roles, departments, and the
    /// departments they head expanded to every sub-department. `nil` if the member does not exist.
    func subject(for memberID: Member.ID) async throws(CollabError) -> Subject?
}
