import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore: DirectoryStore {
    public func save(_ organization: Organization) async throws(CollabError) {
        try organization.validate().throwIfInvalid()
        var stored = organization
        if stored.kind == .internal { stored.externalCollaborationEnabled = false }
        let organization = stored
        let logger = self.logger
        try await write { connection in try await Self.upsert(organization, connection, logger) }
    }

    static func upsert(_ organization: Organization, _ connection: PostgresConnection, _ logger: Logger) async throws {
        // An internal organization never becomes an outside one, nor the reverse (see SQLiteStore).
        if let stored = try await connection.rows(
            "SELECT kind FROM organizations WHERE id = \(organization.id.rawValue)", logger).first?
            .value("kind", as: String.self),
            (stored == Organization.Kind.internal.rawValue) != (organization.kind == .internal)
        {
            var report = ValidationReport()
            report.add("kind", .organizationChange,
                "organization '\(organization.id)' is \(stored); it cannot become \(organization.kind.rawValue)")
            try report.throwIfInvalid()
        }
        try await connection.execute("""
            INSERT INTO organizations (id, name, kind, time_zone, external_collaboration, locale)
            VALUES (\(organization.id.rawValue), \(organization.name), \(organization.kind.rawValue),
                \(organization.timeZoneIdentifier), \(organization.externalCollaborationEnabled), \(organization.locale.rawValue))
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                time_zone = excluded.time_zone, external_collaboration = excluded.external_collaboration,
                locale = excluded.locale
            """, logger)
    }

    public func save(_ department: Department) async throws(CollabError) {
        try department.validate().throwIfInvalid()
        let logger = self.logger
        try await write { connection in
            var report = ValidationReport()
            let orgExists = try await !connection.rows(
                "SELECT 1 FROM organizations WHERE id = \(department.organizationID.rawValue)", logger).isEmpty
            if !orgExists {
                report.add("organizationID", .unknownOrganization, "no organization '\(department.organizationID)'")
            }
            if let stored = try await Self.departmentOrganization(department.id.rawValue, connection, logger),
                stored != department.organizationID.rawValue
            {
                report.add("organizationID", .organizationChange,
                    "department '\(department.id)' belongs to '\(stored)'; it cannot move to '\(department.organizationID)'")
            }
            if let parentID = department.parentID {
                let parentOrg = try await Self.departmentOrganization(parentID.rawValue, connection, logger)
                if parentOrg == nil {
                    report.add("parentID", .unknownDepartment, "no department '\(parentID)'")
                } else if parentOrg != department.organizationID.rawValue {
                    report.add("parentID", .unknownDepartment,
                        "department '\(parentID)' belongs to another organization")
                } else {
                    // Walk up from the parent: meeting this department again would close a cycle.
                    var cursor: String? = parentID.rawValue
                    var steps = 0
                    while let current = cursor, steps < 10_000 {
                        if current == department.id.rawValue {
                            report.add("parentID", .malformed, "'\(parentID)' is below '\(department.id)': a cycle")
                            break
                        }
                        cursor = try await connection.rows(
                            "SELECT parent_id FROM departments WHERE id = \(current)", logger).first?
                            .value("parent_id", as: String?.self)
                        steps += 1
                    }
                }
            }
            try report.throwIfInvalid()
            try await connection.execute("""
                INSERT INTO departments (id, organization_id, name, parent_id)
                VALUES (\(department.id.rawValue), \(department.organizationID.rawValue), \(department.name),
                    \(department.parentID?.rawValue))
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id
                """, logger)
        }
    }

    private static func departmentOrganization(_ id: String, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> String?
    {
        try await connection.rows("SELECT organization_id FROM departments WHERE id = \(id)", logger).first?
            .value("organization_id", as: String.self)
    }

    public func save(_ member: Member) async throws(CollabError) {
        try member.validate().throwIfInvalid()
        let logger = self.logger
        try await write { connection in try await Self.writeMember(member, connection, logger) }
    }

    /// Writes a validated member, checking its organization, departments and handle in the transaction.
    static func writeMember(_ member: Member, _ connection: PostgresConnection, _ logger: Logger) async throws {
        var report = ValidationReport()
        let orgExists = try await !connection.rows(
            "SELECT 1 FROM organizations WHERE id = \(member.organizationID.rawValue)", logger).isEmpty
        if !orgExists {
            report.add("organizationID", .unknownOrganization, "no organization '\(member.organizationID)'")
        }
        // A member belongs to one organization for good: someone who joins another is a new member there.
        if let stored = try await connection.rows(
            "SELECT organization_id FROM members WHERE id = \(member.id.rawValue)", logger).first?
            .value("organization_id", as: String.self), stored != member.organizationID.rawValue
        {
            report.add("organizationID", .organizationChange,
                "member '\(member.id)' belongs to '\(stored)'; they cannot move to '\(member.organizationID)'")
        }
        for (index, membership) in member.departments.enumerated() {
            let org = try await departmentOrganization(membership.departmentID.rawValue, connection, logger)
            if org != member.organizationID.rawValue {
                report.add("departments[\(index)]", .unknownDepartment,
                    "'\(membership.departmentID)' is not a department of '\(member.organizationID)'")
            }
        }
        let holder = try await connection.rows("""
            SELECT id FROM members WHERE organization_id = \(member.organizationID.rawValue) AND handle = \(member.handle)
            """, logger).first?.value("id", as: String.self)
        if let holder, holder != member.id.rawValue {
            report.add("handle", .duplicate, "'\(member.handle)' is taken by another member")
        }
        try report.throwIfInvalid()
        try await connection.execute("""
            INSERT INTO members (id, organization_id, display_name, handle, roles, is_active, kind, locale)
            VALUES (\(member.id.rawValue), \(member.organizationID.rawValue), \(member.displayName), \(member.handle),
                \(StoredList.encode(member.roles.map(\.rawValue).sorted())), \(member.isActive), \(member.kind.rawValue),
                \(member.locale?.rawValue))
            ON CONFLICT (id) DO UPDATE SET
                display_name = excluded.display_name, handle = excluded.handle, roles = excluded.roles,
                is_active = excluded.is_active, kind = excluded.kind, locale = excluded.locale
            """, logger)
        try await connection.execute("DELETE FROM department_memberships WHERE member_id = \(member.id.rawValue)", logger)
        for (position, membership) in member.departments.enumerated() {
            try await connection.execute("""
                INSERT INTO department_memberships (member_id, department_id, role, position)
                VALUES (\(member.id.rawValue), \(membership.departmentID.rawValue), \(membership.role.rawValue), \(position))
                """, logger)
        }
    }

    public func organization(_ id: Organization.ID) async throws(CollabError) -> Organization? {
        let logger = self.logger
        return try await readStatement { connection in try await Self.fetchOrganization(id, connection, logger) }
    }

    static func fetchOrganization(_ id: Organization.ID, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> Organization?
    {
        try await connection.rows("SELECT * FROM organizations WHERE id = \(id.rawValue)", logger)
            .first.map(organization(from:))
    }

    public func organizations() async throws(CollabError) -> [Organization] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT * FROM organizations ORDER BY name, id", logger).map(Self.organization(from:))
        }
    }

    public func departments(_ ids: Set<Department.ID>) async throws(CollabError) -> [Department] {
        if ids.isEmpty { return [] }
        let logger = self.logger
        let list = ids.map(\.rawValue).sorted()
        return try await readStatement { connection in
            try await connection.rows("SELECT * FROM departments WHERE id = ANY(\(list)) ORDER BY id", logger)
                .map(Self.department(from:))
        }
    }

    public func departments(in organizationID: Organization.ID) async throws(CollabError) -> [Department] {
        let logger = self.logger
        return try await readStatement { connection in
            try await connection.rows("""
                SELECT * FROM departments WHERE organization_id = \(organizationID.rawValue) ORDER BY name, id
                """, logger).map(Self.department(from:))
        }
    }

    public func members(_ ids: Set<Member.ID>) async throws(CollabError) -> [Member] {
        if ids.isEmpty { return [] }
        let logger = self.logger
        let list = ids.map(\.rawValue).sorted()
        return try await readStatement { connection in try await Self.fetchMembers(ids: list, connection, logger) }
    }

    public func members(handles: Set<String>, in organizationID: Organization.ID) async throws(CollabError)
        -> [Member]
    {
        if handles.isEmpty { return [] }
        let logger = self.logger
        let list = handles.sorted()
        return try await readStatement { connection in
            try await connection.rows("""
                SELECT \(unescaped: Self.memberColumns) FROM members m
                WHERE m.organization_id = \(organizationID.rawValue) AND m.handle = ANY(\(list)) ORDER BY m.handle
                """, logger).map(Self.member(from:))
        }
    }

    public func members(in organizationID: Organization.ID) async throws(CollabError) -> [Member] {
        let logger = self.logger
        return try await readStatement { connection in
            try await connection.rows("""
                SELECT \(unescaped: Self.memberColumns) FROM members m WHERE m.organization_id = \(organizationID.rawValue)
                """, logger).map(Self.member(from:))
                .sorted { ($0.displayName, $0.id) < ($1.displayName, $1.id) }
        }
    }

    public func directoryRevision() async throws(CollabError) -> Int64 {
        let logger = self.logger
        return try await readStatement { connection in
            try await connection.rows("SELECT value FROM directory_revision WHERE id = 1", logger)
                .first?.value("value", as: Int64.self) ?? 0
        }
    }

    public func subject(for memberID: Member.ID) async throws(CollabError) -> Subject? {
        let logger = self.logger
        return try await read { connection in
            guard let member = try await Self.fetchMembers(ids: [memberID.rawValue], connection, logger).first,
                let organization = try await Self.fetchOrganization(member.organizationID, connection, logger)
            else { return nil }
            // Only heads need the tree: everything below the departments they head.
            let headed = member.departments.filter { $0.role == .head }.map(\.departmentID.rawValue)
            var below = Set<Department.ID>()
            if !headed.isEmpty {
                below = Set(try await connection.rows("""
                    WITH RECURSIVE below(id) AS (
                        SELECT id FROM departments WHERE id = ANY(\(headed)) AND organization_id = \(member.organizationID.rawValue)
                        UNION SELECT d.id FROM departments d JOIN below ON d.parent_id = below.id
                    ) SELECT id FROM below
                    """, logger).map { Department.ID(try $0.value("id", as: String.self)) })
            }
            let known = Set(try await connection.rows("""
                SELECT id FROM departments WHERE organization_id = \(member.organizationID.rawValue)
                    AND id = ANY(\(member.departments.map(\.departmentID.rawValue)))
                """, logger).map { Department.ID(try $0.value("id", as: String.self)) })
            var subject = Subject(
                memberID: member.id, organizationID: member.organizationID, organizationKind: organization.kind,
                roles: member.roles, departmentIDs: Set(member.departments.map(\.departmentID)).intersection(known),
                headedDepartmentIDs: below, isActive: member.isActive,
                externalCollaborationEnabled: organization.kind != .internal && organization.externalCollaborationEnabled)
            subject.displayName = member.displayName
            return subject
        }
    }

    /// The columns every member read selects from `members m`: the member's own, and its department
    /// memberships in order as a JSON array of `[department, role]` pairs, so that a read of members is one
    /// statement (a miss of the engine's directory cache is one round trip).
    static let memberColumns = """
        m.*, (SELECT json_agg(json_build_array(d.department_id, d.role) ORDER BY d.position)::TEXT
              FROM department_memberships d WHERE d.member_id = m.id) AS memberships
        """

    /// The members with these ids, in id order.
    static func fetchMembers(ids: [String], _ connection: PostgresConnection, _ logger: Logger) async throws -> [Member] {
        try await connection.rows("""
            SELECT \(unescaped: memberColumns) FROM members m WHERE m.id = ANY(\(ids)) ORDER BY m.id
            """, logger).map(member(from:))
    }

    static func organization(from row: PostgresRandomAccessRow) throws -> Organization {
        Organization(
            id: Organization.ID(try row.value("id", as: String.self)), name: try row.value("name", as: String.self),
            kind: Organization.Kind(rawValue: try row.value("kind", as: String.self)) ?? .partner,
            timeZoneIdentifier: try row.value("time_zone", as: String.self),
            externalCollaborationEnabled: try row.value("external_collaboration", as: Bool.self),
            locale: CollabLocale(try row.text("locale") ?? CollabLocale.english.rawValue))
    }

    static func department(from row: PostgresRandomAccessRow) throws -> Department {
        Department(
            id: Department.ID(try row.value("id", as: String.self)),
            organizationID: Organization.ID(try row.value("organization_id", as: String.self)),
            name: try row.value("name", as: String.self),
            parentID: try row.text("parent_id").map(Department.ID.init(rawValue:)))
    }

    static func member(from row: PostgresRandomAccessRow) throws -> Member {
        Member(
            id: Member.ID(try row.value("id", as: String.self)),
            organizationID: Organization.ID(try row.value("organization_id", as: String.self)),
            displayName: try row.value("display_name", as: String.self), handle: try row.value("handle", as: String.self),
            roles: Set(StoredList.decode(try row.text("roles")).compactMap(Member.OrganizationRole.init(rawValue:))),
            departments: try memberships(from: row), isActive: try row.value("is_active", as: Bool.self),
            kind: Member.Kind(rawValue: try row.value("kind", as: String.self)) ?? .person,
            locale: try row.text("locale").map(CollabLocale.init(rawValue:)))
    }

    /// The department memberships of a row read with ``memberColumns``.
    static func memberships(from row: PostgresRandomAccessRow) throws -> [DepartmentMembership] {
        guard let text = try row.value("memberships", as: String?.self) else { return [] }
        let pairs: [[String]]
        do { pairs = try JSONDecoder().decode([[String]].self, from: Data(text.utf8)) } catch {
            throw CollabError(.storageCorrupt,
                "the department memberships of member '\(try row.value("id", as: String.self))' are unreadable: \(error)")
        }
        return pairs.compactMap { pair in
            guard pair.count == 2 else { return nil }
            return DepartmentMembership(Department.ID(pair[0]), role: DepartmentMembership.Role(rawValue: pair[1]) ?? .member)
        }
    }

    // MARK: Calendars and heads

    public func save(_ calendar: BusinessCalendar, for organizationID: Organization.ID, department: Department.ID?)
        async throws(CollabError)
    {
        try calendar.validate().throwIfInvalid()
        let definition: String
        do { definition = try StoredJSON.encode(calendar) } catch {
            throw CollabError(.invalidInput, "the calendar cannot be encoded: \(error)")
        }
        let logger = self.logger
        try await write { connection in
            guard try await Self.fetchOrganization(organizationID, connection, logger) != nil else {
                throw CollabError.invalid([ValidationProblem(field: "organizationID", kind: .unknownOrganization,
                    message: "no organization '\(organizationID)'")])
            }
            if let department {
                let owner = try await Self.departmentOrganization(department.rawValue, connection, logger)
                guard owner == organizationID.rawValue else {
                    throw CollabError.invalid([ValidationProblem(field: "department", kind: .unknownDepartment,
                        message: "'\(department)' is not a department of '\(organizationID)'")])
                }
            }
            try await connection.execute("""
                INSERT INTO business_calendars (organization_id, department_id, definition)
                VALUES (\(organizationID.rawValue), \(department?.rawValue ?? ""), \(definition))
                ON CONFLICT (organization_id, department_id) DO UPDATE SET definition = excluded.definition
                """, logger)
        }
    }

    public func calendar(for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError)
        -> BusinessCalendar?
    {
        let logger = self.logger
        return try await read { connection in
            for key in [department?.rawValue, ""].compactMap({ $0 }) {
                if let row = try await connection.rows("""
                    SELECT definition FROM business_calendars
                    WHERE organization_id = \(organizationID.rawValue) AND department_id = \(key)
                    """, logger).first
                {
                    return try row.json(BusinessCalendar.self, "definition", of: "the calendar of '\(organizationID)'")
                }
            }
            return nil
        }
    }

    public func heads(of departmentIDs: Set<Department.ID>) async throws(CollabError) -> [Member.ID] {
        if departmentIDs.isEmpty { return [] }
        let logger = self.logger
        let list = departmentIDs.map(\.rawValue).sorted()
        return try await readStatement { connection in
            try await connection.rows("""
                SELECT DISTINCT m.member_id FROM department_memberships m JOIN members p ON p.id = m.member_id
                WHERE m.department_id = ANY(\(list)) AND m.role = 'head' AND p.is_active
                ORDER BY m.member_id
                """, logger).map { Member.ID(try $0.value("member_id", as: String.self)) }
        }
    }
}
