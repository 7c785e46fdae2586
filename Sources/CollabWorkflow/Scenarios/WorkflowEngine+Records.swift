import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// What the desks' plans share: the directory of an organization, audit events and notifications about a
// record.

extension WorkflowEngine {
    /// An audit event about a record.
    func recordEvent(
        _ record: RecordReference, organization: Organization.ID, actor: Member.ID, action: String,
        item: WorkItem.ID? = nil, details: [String: String] = [:], at now: Date
    ) -> AuditEvent {
        AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: organization, itemID: item, actorID: actor,
            action: action, fromState: nil, toState: nil, details: details, occurredAt: now, record: record)
    }

    /// A notification about a record.
    func recordNotice(
        _ record: RecordReference, organization: Organization.ID, to recipient: Member.ID, kind: Notice.Kind,
        urgency: Notice.Urgency, actor: Member.ID?, message: LocalizedMessage, at now: Date
    ) -> Notice {
        Notice(
            id: Notice.ID(identifiers.next()), organizationID: organization, recipientID: recipient, kind: kind,
            urgency: urgency, itemID: nil, actorID: actor, message: message, createdAt: now, record: record)
    }

    /// An organization's departments and active members, read once for a command.
    func organizationDirectory(_ organizationID: Organization.ID) async throws(CollabError) -> OrganizationDirectory {
        OrganizationDirectory(
            departments: try await store.departments(in: organizationID),
            members: try await store.members(in: organizationID).filter(\.isActive))
    }
}

/// An organization's departments and active members, with the lookups scenario commands need.
struct OrganizationDirectory {
    let departments: [Department]
    let members: [Member]
    let departmentIDs: Set<Department.ID>
    let memberByID: [Member.ID: Member]
    private let children: [Department.ID: [Department.ID]]

    init(departments: [Department], members: [Member]) {
        self.departments = departments
        self.members = members
        self.departmentIDs = Set(departments.map(\.id))
        self.memberByID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var children: [Department.ID: [Department.ID]] = [:]
        for department in departments {
            if let parent = department.parentID { children[parent, default: []].append(department.id) }
        }
        self.children = children
    }

    /// `department` and, when `deep`, its sub-departments at any depth.
    func subtree(_ department: Department.ID, deep: Bool) -> Set<Department.ID> {
        var result: Set<Department.ID> = [department]
        guard deep else { return result }
        var pending = children[department] ?? []
        while let next = pending.popLast() {
            if result.insert(next).inserted { pending.append(contentsOf: children[next] ?? []) }
        }
        return result
    }

    /// Active members of any of `departments` (heads only when `headsOnly`), by id.
    func members(of departments: Set<Department.ID>, headsOnly: Bool = false) -> [Member.ID] {
        members.filter { member in
            member.departments.contains { departments.contains($0.departmentID) && (!headsOnly || $0.role == .head) }
        }.map(\.id).sorted()
    }

    /// The heads of a member's departments (of the department's parents when a department has none).
    func heads(of member: Member.ID) -> [Member.ID] {
        guard let member = memberByID[member] else { return [] }
        var result = Set<Member.ID>()
        for membership in member.departments {
            var department: Department.ID? = membership.departmentID
            while let current = department {
                let heads = members(of: [current], headsOnly: true).filter { $0 != member.id }
                if !heads.isEmpty {
                    result.formUnion(heads)
                    break
                }
                department = departments.first { $0.id == current }?.parentID
            }
        }
        return result.sorted()
    }
}
