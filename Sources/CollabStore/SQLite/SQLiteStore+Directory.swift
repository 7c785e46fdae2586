import CollabModel
import CollabPermissions
import GRDB

extension SQLiteStore {
    public func save(_ organization: Organization) async throws(CollabError) {
        try organization.validate().throwIfInvalid()
        var stored = organization
        if stored.kind == .internal { stored.externalCollaborationEnabled = false }
        let organization = stored
        try await write { db in try Self.upsert(organization, db) }
    }

    static func upsert(_ organization: Organization, _ db: Database) throws {
        // An internal organization never becomes an outside one, nor the reverse: its members would keep
        // relationships to its records that the other kind's rules do not expect (an "outside" member
        // administering the company's items, an "inside" member of a supplier). Partner and customer are
        // both outside organizations and may change into each other.
        if let stored = try String.fetchOne(db.cachedStatement(sql: "SELECT kind FROM organizations WHERE id = ?"),
            arguments: [organization.id.rawValue]),
            (stored == Organization.Kind.internal.rawValue) != (organization.kind == .internal)
        {
            var report = ValidationReport()
            report.add("kind", .organizationChange,
                "organization '\(organization.id)' is \(stored); it cannot become \(organization.kind.rawValue)")
            try report.throwIfInvalid()
        }
        try db.cachedStatement(sql: """
            INSERT INTO organizations (id, name, kind, time_zone, external_collaboration, locale) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
                time_zone = excluded.time_zone, external_collaboration = excluded.external_collaboration,
                locale = excluded.locale
            """).execute(arguments: [
                organization.id.rawValue, organization.name, organization.kind.rawValue,
                organization.timeZoneIdentifier, organization.externalCollaborationEnabled, organization.locale.rawValue,
            ])
    }

    public func save(_ department: Department) async throws(CollabError) {
        try department.validate().throwIfInvalid()
        try await write { db in
            var report = ValidationReport()
            let orgExists = try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM organizations WHERE id = ?"),
                arguments: [department.organizationID.rawValue]) ?? false
            if !orgExists {
                report.add("organizationID", .unknownOrganization, "no organization '\(department.organizationID)'")
            }
            if let stored = try String.fetchOne(
                db.cachedStatement(sql: "SELECT organization_id FROM departments WHERE id = ?"),
                arguments: [department.id.rawValue]), stored != department.organizationID.rawValue
            {
                report.add("organizationID", .organizationChange,
                    "department '\(department.id)' belongs to '\(stored)'; it cannot move to '\(department.organizationID)'")
            }
            if let parentID = department.parentID {
                let parentOrg = try String.fetchOne(db.cachedStatement(sql: "SELECT organization_id FROM departments WHERE id = ?"),
                    arguments: [parentID.rawValue])
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
                        cursor = try String.fetchOne(db.cachedStatement(sql: "SELECT parent_id FROM departments WHERE id = ?"),
                            arguments: [current])
                        steps += 1
                    }
                }
            }
            try report.throwIfInvalid()
            try db.cachedStatement(sql: """
                INSERT INTO departments (id, organization_id, name, parent_id) VALUES (?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id
                """).execute(arguments: [
                    department.id.rawValue, department.organizationID.rawValue, department.name,
                    department.parentID?.rawValue,
                ])
        }
    }

    public func save(_ member: Member) async throws(CollabError) {
        try member.validate().throwIfInvalid()
        try await write { db in try Self.writeMember(member, db) }
    }

    /// Writes a validated member, checking its organization, departments and handle in the transaction.
    static func writeMember(_ member: Member, _ db: Database) throws {
        var report = ValidationReport()
        let orgExists = try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM organizations WHERE id = ?"),
            arguments: [member.organizationID.rawValue]) ?? false
        if !orgExists {
            report.add("organizationID", .unknownOrganization, "no organization '\(member.organizationID)'")
        }
        // A member belongs to one organization for good: someone who joins another is a new member there.
        if let stored = try String.fetchOne(db.cachedStatement(sql: "SELECT organization_id FROM members WHERE id = ?"),
            arguments: [member.id.rawValue]), stored != member.organizationID.rawValue
        {
            report.add("organizationID", .organizationChange,
                "member '\(member.id)' belongs to '\(stored)'; they cannot move to '\(member.organizationID)'")
        }
        for (index, membership) in member.departments.enumerated() {
            let org = try String.fetchOne(db.cachedStatement(sql: "SELECT organization_id FROM departments WHERE id = ?"),
                arguments: [membership.departmentID.rawValue])
            if org != member.organizationID.rawValue {
                report.add("departments[\(index)]", .unknownDepartment,
                    "'\(membership.departmentID)' is not a department of '\(member.organizationID)'")
            }
        }
        let holder = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM members WHERE organization_id = ? AND handle = ?"),
            arguments: [member.organizationID.rawValue, member.handle])
        if let holder, holder != member.id.rawValue {
            report.add("handle", .duplicate, "'\(member.handle)' is taken by another member")
        }
        try report.throwIfInvalid()
        try db.cachedStatement(sql: """
            INSERT INTO members (id, organization_id, display_name, handle, roles, is_active, kind, locale)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                display_name = excluded.display_name, handle = excluded.handle, roles = excluded.roles,
                is_active = excluded.is_active, kind = excluded.kind, locale = excluded.locale
            """).execute(arguments: [
                member.id.rawValue, member.organizationID.rawValue, member.displayName, member.handle,
                StoredList.encode(member.roles.map(\.rawValue).sorted()), member.isActive, member.kind.rawValue,
                member.locale?.rawValue,
            ])
        try db.cachedStatement(sql: "DELETE FROM department_memberships WHERE member_id = ?").execute(
            arguments: [member.id.rawValue])
        for (position, membership) in member.departments.enumerated() {
            try db.cachedStatement(sql: """
                INSERT INTO department_memberships (member_id, department_id, role, position) VALUES (?, ?, ?, ?)
                """).execute(arguments: [member.id.rawValue, membership.departmentID.rawValue, membership.role.rawValue,
                    position])
        }
    }

    public func organization(_ id: Organization.ID) async throws(CollabError) -> Organization? {
        try await readRecent { db in try Self.fetchOrganization(id, db) }
    }

    static func fetchOrganization(_ id: Organization.ID, _ db: Database) throws -> Organization? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM organizations WHERE id = ?"),
            arguments: [id.rawValue]).map(organization(from:))
    }

    public func organizations() async throws(CollabError) -> [Organization] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM organizations ORDER BY name, id")).map(Self.organization(from:))
        }
    }

    public func departments(_ ids: Set<Department.ID>) async throws(CollabError) -> [Department] {
        if ids.isEmpty { return [] }
        return try await readRecent { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM departments WHERE id IN \(Self.inJSONList)"),
                arguments: [Self.jsonList(ids.map(\.rawValue))]).map(Self.department(from:))
        }
    }

    public func departments(in organizationID: Organization.ID) async throws(CollabError) -> [Department] {
        try await read { db in try Self.fetchDepartments(organizationID, db) }
    }

    static func fetchDepartments(_ organizationID: Organization.ID, _ db: Database) throws -> [Department] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM departments WHERE organization_id = ? ORDER BY name, id"),
            arguments: [organizationID.rawValue]).map(department(from:))
    }

    public func members(_ ids: Set<Member.ID>) async throws(CollabError) -> [Member] {
        if ids.isEmpty { return [] }
        return try await readRecent { db in
            try Self.fetchMembers(whereSQL: "id IN \(Self.inJSONList)", [Self.jsonList(ids.map(\.rawValue))], db)
        }
    }

    public func members(handles: Set<String>, in organizationID: Organization.ID) async throws(CollabError)
        -> [Member]
    {
        if handles.isEmpty { return [] }
        return try await readRecent { db in
            try Self.fetchMembers(
                whereSQL: "organization_id = ? AND handle IN \(Self.inJSONList)",
                [organizationID.rawValue, Self.jsonList(handles)], db)
        }
    }

    public func members(in organizationID: Organization.ID) async throws(CollabError) -> [Member] {
        try await read { db in
            try Self.fetchMembers(whereSQL: "organization_id = ?", [organizationID.rawValue], db)
                .sorted { ($0.displayName, $0.id) < ($1.displayName, $1.id) }
        }
    }

    public func directoryRevision() async throws(CollabError) -> Int64 {
        try await readRecent { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM directory_revision WHERE id = 1")) ?? 0
        }
    }

    public func subject(for memberID: Member.ID) async throws(CollabError) -> Subject? {
        try await readRecent { db in
            guard let member = try Self.fetchMembers(whereSQL: "id = ?", [memberID.rawValue], db).first,
                let organization = try Self.fetchOrganization(member.organizationID, db)
            else { return nil }
            // Only heads need the tree: everything below the departments they head.
            let headed = member.departments.filter { $0.role == .head }.map(\.departmentID.rawValue)
            var below = Set<Department.ID>()
            if !headed.isEmpty {
                below = Set(try String.fetchAll(db.cachedStatement(sql: """
                    WITH RECURSIVE below(id) AS (
                        SELECT id FROM departments WHERE id IN \(Self.inJSONList) AND organization_id = ?
                        UNION SELECT d.id FROM departments d JOIN below ON d.parent_id = below.id
                    ) SELECT id FROM below
                    """), arguments: [Self.jsonList(headed), member.organizationID.rawValue])
                    .map(Department.ID.init(rawValue:)))
            }
            let known = Set(try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM departments WHERE organization_id = ? AND id IN \(Self.inJSONList)
                """), arguments: [member.organizationID.rawValue, Self.jsonList(member.departments.map(\.departmentID.rawValue))])
                .map(Department.ID.init(rawValue:)))
            var subject = Subject(
                memberID: member.id, organizationID: member.organizationID, organizationKind: organization.kind,
                roles: member.roles, departmentIDs: Set(member.departments.map(\.departmentID)).intersection(known),
                headedDepartmentIDs: below, isActive: member.isActive,
                externalCollaborationEnabled: organization.kind != .internal && organization.externalCollaborationEnabled)
            subject.displayName = member.displayName
            return subject
        }
    }

    static func fetchMembers(whereSQL: String, _ arguments: StatementArguments, _ db: Database) throws -> [Member] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM members WHERE \(whereSQL)"), arguments: arguments)
        guard !rows.isEmpty else { return [] }
        var members = rows.map(member(from:))
        let memberships = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT member_id, department_id, role FROM department_memberships
            WHERE member_id IN \(inJSONList) ORDER BY member_id, position
            """), arguments: [jsonList(members.map(\.id.rawValue))])
        var byMember: [String: [DepartmentMembership]] = [:]
        for row in memberships {
            let role = DepartmentMembership.Role(rawValue: row["role"]) ?? .member
            byMember[row["member_id"], default: []].append(DepartmentMembership(Department.ID(row["department_id"]), role: role))
        }
        for index in members.indices {
            members[index].departments = byMember[members[index].id.rawValue] ?? []
        }
        return members
    }

    static func organization(from row: Row) -> Organization {
        Organization(
            id: Organization.ID(row["id"]), name: row["name"],
            kind: Organization.Kind(rawValue: row["kind"]) ?? .partner,
            timeZoneIdentifier: row["time_zone"], externalCollaborationEnabled: row["external_collaboration"],
            locale: CollabLocale((row["locale"] as String?) ?? CollabLocale.english.rawValue))
    }

    static func department(from row: Row) -> Department {
        Department(
            id: Department.ID(row["id"]), organizationID: Organization.ID(row["organization_id"]),
            name: row["name"], parentID: (row["parent_id"] as String?).map(Department.ID.init(rawValue:)))
    }

    static func member(from row: Row) -> Member {
        Member(
            id: Member.ID(row["id"]), organizationID: Organization.ID(row["organization_id"]),
            displayName: row["display_name"], handle: row["handle"],
            roles: Set(StoredList.decode(row["roles"]).compactMap(Member.OrganizationRole.init(rawValue:))),
            departments: [], isActive: row["is_active"], kind: Member.Kind(rawValue: row["kind"]) ?? .person,
            locale: (row["locale"] as String?).map(CollabLocale.init(rawValue:)))
    }
}
