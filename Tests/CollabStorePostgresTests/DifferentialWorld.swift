import CollabModel
import CollabPermissions
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import CollabWorkflow
import Foundation
import Logging
import Testing

/// One engine over one store with a manual clock and sequential identifiers: the same script run on an
/// SQLiteStore and on a PostgresStore must leave both answering every read the same way.
struct DifferentialWorld: Sendable {
    let store: any CollabStorage
    let clock: ManualClock
    let engine: WorkflowEngine

    static let admin: Member.ID = "admin"
    static let zhang: Member.ID = "zhang"
    static let li: Member.ID = "li"
    static let wang: Member.ID = "wang"
    static let chen: Member.ID = "chen"
    static let sun: Member.ID = "sun"
    static let wu: Member.ID = "wu"
    static let auditor: Member.ID = "auditor"
    static let bob: Member.ID = "bob"
    static let amy: Member.ID = "amy"
    static let everyone: [Member.ID] = [admin, zhang, li, wang, chen, sun, wu, auditor, bob, amy]

    init(store: any CollabStorage, configuration: WorkflowEngine.Configuration = Self.configuration) {
        self.store = store
        clock = ManualClock(now: Date(timeIntervalSince1970: 1_767_225_600))
        engine = WorkflowEngine(store: store, clock: clock, identifiers: SequentialIdentifierGenerator(prefix: "d"),
            configuration: configuration)
    }

    /// Tickets of category "installation" go from `sales` to `eng`; every other category stays at `sales`.
    static var configuration: WorkflowEngine.Configuration {
        var configuration = WorkflowEngine.Configuration()
        configuration.defaultSettings.ticketRouting = TicketRouting(routes: [
            TicketRouting.Route("installation", categories: ["installation"], departments: ["sales", "eng"]),
            TicketRouting.Route("general", departments: ["sales"]),
        ])
        return configuration
    }

    /// Two companies, three departments, people, and a partner invited by acme.
    func populate() async throws {
        try await store.save(Organization(id: "acme", name: "Acme", kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
        try await store.save(Organization(id: "globex", name: "Globex", kind: .internal, timeZoneIdentifier: "UTC"))
        try await store.save(Department(id: "eng", organizationID: "acme", name: "Engineering", parentID: nil))
        try await store.save(Department(id: "eng-mobile", organizationID: "acme", name: "Mobile", parentID: "eng"))
        try await store.save(Department(id: "sales", organizationID: "acme", name: "Sales", parentID: nil))
        func member(_ id: Member.ID, _ org: Organization.ID, _ departments: [DepartmentMembership] = [],
                    roles: Set<Member.OrganizationRole> = []) -> Member {
            Member(id: id, organizationID: org, displayName: id.rawValue.capitalized, handle: id.rawValue, roles: roles,
                departments: departments)
        }
        try await store.save(member(Self.admin, "acme", roles: [.administrator]))
        try await store.save(member(Self.auditor, "acme", roles: [.auditor]))
        try await store.save(member(Self.zhang, "acme", [DepartmentMembership("eng-mobile")]))
        try await store.save(member(Self.li, "acme", [DepartmentMembership("eng-mobile")]))
        try await store.save(member(Self.wang, "acme"))
        try await store.save(member(Self.chen, "acme"))
        try await store.save(member(Self.sun, "acme", [DepartmentMembership("eng-mobile", role: .head)]))
        try await store.save(member(Self.wu, "acme", [DepartmentMembership("sales", role: .head)]))
        try await store.save(member(Self.bob, "globex"))
        try await engine.partners.invite(
            PartnerInvitation(partnerID: "partnerco", name: "Partner Co", role: .supplier,
                contacts: [ExternalContact(memberID: Self.amy, displayName: "Amy")]),
            by: Self.admin)
    }

    func draft(_ title: String, assignees: [Member.ID], reviewer: Member.ID? = nil, departments: [Department.ID] = [],
               partners: [Organization.ID] = [], days: Double = 7, tags: [String] = []) -> WorkItemDraft {
        WorkItemDraft(
            title: title, description: "Details of \(title)", assigneeIDs: assignees, reviewerID: reviewer,
            departmentIDs: departments, partnerOrganizationIDs: partners,
            deadline: .instant(clock.now().addingTimeInterval(days * 86_400)), tags: tags)
    }
}

/// What a store answers, line by line, so that two stores' answers compare with a readable difference.
/// Hashable answers compare as values (a set's or dictionary's description depends on its history); others
/// by their description.
struct Answers: Sendable {
    struct Line: Sendable, Equatable, CustomStringConvertible {
        var text: String
        var value: AnyHashableSendable?

        var description: String { text }

        static func == (lhs: Line, rhs: Line) -> Bool {
            if let left = lhs.value, let right = rhs.value { return left == right }
            return lhs.text == rhs.text
        }
    }

    var lines: [Line] = []

    mutating func note(_ label: String, _ value: Any) {
        lines.append(Line(text: "\(label): \(value)",
            value: (value as? any Hashable).map { AnyHashableSendable(Labelled(label: label, value: AnyHashableSendable($0))) }))
    }

    /// Adds what `body` returns, or the error's code and message.
    mutating func add(_ label: String, _ body: () async throws -> Any) async {
        do {
            note(label, try await body())
        } catch let error as CollabError {
            lines.append(Line(text: "\(label): error \(error.code) \(error.message) \(error.problems)"))
        } catch {
            lines.append(Line(text: "\(label): error \(error)"))
        }
    }
}

/// A label and a value: two lines are equal when both are.
private struct Labelled: Hashable {
    let label: String
    let value: AnyHashableSendable
}

/// A hashable answer (read-only once made; the test compares it and drops it).
struct AnyHashableSendable: Hashable, @unchecked Sendable {
    let value: AnyHashable

    init(_ value: any Hashable) {
        self.value = AnyHashable(value)
    }
}

/// Compares two stores' answers line by line; the first differences are reported.
func expectSameAnswers(_ sqlite: Answers, _ postgres: Answers, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(sqlite.lines.count == postgres.lines.count, sourceLocation: sourceLocation)
    var differences = 0
    for (left, right) in zip(sqlite.lines, postgres.lines) where left != right {
        differences += 1
        if differences <= 5 {
            Issue.record("SQLite:     \(left.text.prefix(1500))\nPostgreSQL: \(right.text.prefix(1500))",
                sourceLocation: sourceLocation)
        }
    }
    #expect(differences == 0, "\(differences) of \(sqlite.lines.count) answers differ", sourceLocation: sourceLocation)
}

/// A fresh SQLite store in a temporary folder (removed with the returned cleanup).
func makeSQLiteStore() throws -> (SQLiteStore, @Sendable () -> Void) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-pgdiff-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var configuration = SQLiteStore.Configuration()
    configuration.durability = .normal
    let store = try SQLiteStore(path: folder.appendingPathComponent("d.sqlite").path, configuration: configuration)
    return (store, { try? FileManager.default.removeItem(at: folder) })
}

/// Runs `script` on an SQLite store and on a fresh PostgreSQL store, and compares what each returned.
func differential(
    configuration: WorkflowEngine.Configuration = DifferentialWorld.configuration,
    _ script: @escaping @Sendable (DifferentialWorld) async throws -> Answers,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let (sqlite, cleanup) = try makeSQLiteStore()
    defer { cleanup() }
    let expected = try await script(DifferentialWorld(store: sqlite, configuration: configuration))
    if let path = ProcessInfo.processInfo.environment["COLLAB_DIFFERENTIAL_DUMP"] {
        // For a person reading what the script does: the SQLite answers, one per line.
        try? expected.lines.map(\.text).joined(separator: "\n").write(toFile: path + "-\(sourceLocation.line).txt", atomically: true,
            encoding: .utf8)
    }
    let actual = try await PostgresTestServer.withStore { store in
        // (Checked at run time while the port is assembled; PostgresStore is a CollabStorage once complete.)
        guard let storage = store as Any as? any CollabStorage else {
            Issue.record("PostgresStore does not conform to CollabStorage", sourceLocation: sourceLocation)
            return Answers()
        }
        return try await script(DifferentialWorld(store: storage, configuration: configuration))
    }
    #expect(!expected.lines.isEmpty, sourceLocation: sourceLocation)
    expectSameAnswers(expected, actual, sourceLocation: sourceLocation)
}
