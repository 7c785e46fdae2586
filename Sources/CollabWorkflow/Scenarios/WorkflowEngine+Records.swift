import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// What the scenario commands (announcements, meetings, emergency plans) share: idempotent commits of
// records, the directory of an organization, audit events and notifications about a record.

extension WorkflowEngine {
    /// The result recorded under `idempotencyKey` for this command and input, if it was run before, checked
    /// as ``replayable(_:actor:visible:)`` checks it.
    ///
    /// - Parameter visible: throws `CollabError.Code.notFound` unless the subject may still see the result.
    /// - Throws: `CollabError.Code.idempotencyKeyReused` when the key was used for another command or input;
    ///   `CollabError.Code.forbidden` when the actor is deactivated; what `visible` throws.
    func replayed<Result: Codable & Sendable>(
        _ type: Result.Type, command: String, input: some Encodable, actor: Member.ID, idempotencyKey: String?,
        visible: (Subject, Result) async throws(CollabError) -> Void
    ) async throws(CollabError) -> Result? {
        guard let idempotencyKey else { return nil }
        var report = ValidationReport()
        report.checkText(idempotencyKey, field: "idempotencyKey", maxLength: 255)
        try report.throwIfInvalid()
        guard let recorded = try await store.recordedResult(for: IdempotencyKey(actorID: actor, key: idempotencyKey))
        else { return nil }
        let result = try Self.decodeRecorded(type, recorded, command: command, fingerprint: Self.recordFingerprint(input))
        return try await replayable(result, actor: actor, visible: visible)
    }

    /// A recorded result, handed out again only as a fresh command would be answered now: a deactivated actor
    /// is refused (`CollabError.Code.forbidden`, as the command itself refuses them), and an actor who may no
    /// longer see the record gets `visible`'s `CollabError.Code.notFound`, so a retry never returns what its
    /// actor lost access to.
    func replayable<Result>(
        _ result: Result, actor: Member.ID, visible: (Subject, Result) async throws(CollabError) -> Void
    ) async throws(CollabError) -> Result {
        let subject = try await activeSubject(actor)
        try await visible(subject, result)
        return result
    }

    /// Commits `change` and returns `result`; with an idempotency key, the result is recorded with the change,
    /// and a concurrent run that committed first under the same key returns its result instead (checked by
    /// ``replayable(_:actor:visible:)``).
    func commitRecord<Result: Codable & Sendable>(
        _ change: ChangeSet, returning result: Result, command: String, input: some Encodable, actor: Member.ID,
        idempotencyKey: String?, visible: (Subject, Result) async throws(CollabError) -> Void
    ) async throws(CollabError) -> Result {
        var change = change
        let fingerprint = Self.recordFingerprint(input)
        if let idempotencyKey {
            let payload: Data
            do {
                payload = try JSONEncoder().encode(result)
            } catch {
                throw CollabError(.storageFailure, "could not encode the result of '\(command)': \(error)")
            }
            change.idempotency = IdempotencyRecord(
                key: IdempotencyKey(actorID: actor, key: idempotencyKey),
                result: RecordedResult(command: command, fingerprint: fingerprint, payload: payload))
        }
        switch try await commit(change) {
        case .committed:
            logger.debug("committed command", metadata: ["command": "\(command)", "actor": "\(actor)"])
            return result
        case .replayed(let recorded):
            let replay = try Self.decodeRecorded(Result.self, recorded, command: command, fingerprint: fingerprint)
            return try await replayable(replay, actor: actor, visible: visible)
        }
    }

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
        urgency: Notice.Urgency, actor: Member.ID?, title: String, body: String, at now: Date
    ) -> Notice {
        Notice(
            id: Notice.ID(identifiers.next()), organizationID: organization, recipientID: recipient, kind: kind,
            urgency: urgency, itemID: nil, actorID: actor, title: title, body: body, createdAt: now, record: record)
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
