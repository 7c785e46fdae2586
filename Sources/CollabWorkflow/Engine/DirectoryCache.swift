import CollabModel
import CollabPermissions
import CollabStore

/// The directory values commands and reads look up (subjects, members, organizations, departments,
/// calendars), kept between calls and dropped as soon as the store's directory revision moves.
///
/// Every read first calls ``refresh()``: one small read of the revision instead of the five to eight
/// directory reads a command made before. A command skips even that and plans on the values as of
/// ``knownRevision``: its change carries that revision and commits only if the directory has not changed
/// since (`ChangeSet.directoryRevision`), so a member removed, moved or deactivated by another process a
/// moment ago is never authorized from a stale entry: the engine drops the cache and plans the command
/// again. A command that fails before committing is planned again too if a refresh shows the directory
/// moved, so nobody is turned away on stale values either.
final class DirectoryCache: Sendable {
    private struct CalendarKey: Hashable {
        var organizationID: Organization.ID
        var departmentID: Department.ID?
    }

    private struct State {
        var revision: Int64?
        /// Moves whenever the cache is emptied: values read before are not stored after.
        var generation = 0
        var subjects: [Member.ID: Subject?] = [:]
        var members: [Member.ID: Member?] = [:]
        var organizations: [Organization.ID: Organization?] = [:]
        var departments: [Department.ID: Department?] = [:]
        var calendars: [CalendarKey: BusinessCalendar?] = [:]
        var heads: [Department.ID: [Member.ID]] = [:]

        var count: Int {
            subjects.count + members.count + organizations.count + departments.count + calendars.count + heads.count
        }

        mutating func empty(at revision: Int64?) {
            self = State(revision: revision, generation: generation + 1)
        }
    }

    /// More entries than this and the cache starts over, so memory stays bounded in a huge directory.
    static let capacity = 200_000

    private let store: any CollabStorage
    private let state = Locked(State())

    init(store: any CollabStorage) {
        self.store = store
    }

    /// Reads the store's directory revision, empties the cache if it moved, and returns it.
    @discardableResult
    func refresh() async throws(CollabError) -> Int64 {
        let revision = try await store.directoryRevision()
        state.withLock { state in
            if state.revision != revision { state.empty(at: revision) }
        }
        return revision
    }

    /// The revision the cached values were read at, without asking the store; `nil` when the cache has not
    /// been refreshed since it was emptied. Only for a command, whose commit checks the revision again.
    var knownRevision: Int64? {
        state.withLock { $0.revision }
    }

    /// Forgets everything (after a commit failed with `CollabError.Code.staleDirectory`).
    func invalidate() {
        state.withLock { $0.empty(at: nil) }
    }

    // MARK: Look-ups

    func subject(for id: Member.ID) async throws(CollabError) -> Subject? {
        try await cached(\.subjects, id) { store, id throws(CollabError) in try await store.subject(for: id) }
    }

    func member(_ id: Member.ID) async throws(CollabError) -> Member? {
        try await cached(\.members, id) { store, id throws(CollabError) in try await store.member(id) }
    }

    func members(_ ids: Set<Member.ID>) async throws(CollabError) -> [Member] {
        try await many(\.members, ids) { store, missing throws(CollabError) in
            Dictionary(try await store.members(missing).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    func organization(_ id: Organization.ID) async throws(CollabError) -> Organization? {
        try await cached(\.organizations, id) { store, id throws(CollabError) in try await store.organization(id) }
    }

    func departments(_ ids: Set<Department.ID>) async throws(CollabError) -> [Department] {
        try await many(\.departments, ids) { store, missing throws(CollabError) in
            Dictionary(try await store.departments(missing).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    func calendar(for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError)
        -> BusinessCalendar?
    {
        try await cached(\.calendars, CalendarKey(organizationID: organizationID, departmentID: department)) {
            store, key throws(CollabError) in
            try await store.calendar(for: key.organizationID, department: key.departmentID)
        }
    }

    /// The direct heads of these departments.
    func heads(of departmentIDs: Set<Department.ID>) async throws(CollabError) -> [Member.ID] {
        var result: [Member.ID] = []
        for id in departmentIDs.sorted(by: { $0.rawValue < $1.rawValue }) {
            result += try await cached(\.heads, id) { store, id throws(CollabError) in
                try await store.heads(of: [id])
            }
        }
        var seen = Set<Member.ID>()
        return result.filter { seen.insert($0).inserted }
    }

    // MARK: Storage

    private func cached<Key: Hashable & Sendable, Value: Sendable>(
        _ table: WritableKeyPath<State, [Key: Value]>, _ key: Key,
        load: (any CollabStorage, Key) async throws(CollabError) -> Value
    ) async throws(CollabError) -> Value {
        let (hit, generation) = state.withLock { ($0[keyPath: table][key], $0.generation) }
        if let hit { return hit }
        let value = try await load(store, key)
        remember(value, for: key, in: table, readAt: generation)
        return value
    }

    private func many<Key: Hashable & Sendable, Value: Sendable>(
        _ table: WritableKeyPath<State, [Key: Value?]>, _ keys: Set<Key>,
        load: (any CollabStorage, Set<Key>) async throws(CollabError) -> [Key: Value]
    ) async throws(CollabError) -> [Value] {
        if keys.isEmpty { return [] }
        let (known, generation) = state.withLock { state in
            (keys.compactMap { key in state[keyPath: table][key].map { (key, $0) } }, state.generation)
        }
        var found = known.compactMap(\.1)
        let missing = keys.subtracting(known.map(\.0))
        if !missing.isEmpty {
            let loaded = try await load(store, missing)
            for key in missing { remember(loaded[key], for: key, in: table, readAt: generation) }
            found += loaded.values
        }
        return found
    }

    private func remember<Key: Hashable, Value>(
        _ value: Value, for key: Key, in table: WritableKeyPath<State, [Key: Value]>, readAt generation: Int
    ) {
        state.withLock { state in
            // A value read before the cache was emptied may predate the change that emptied it.
            guard state.generation == generation, state.revision != nil else { return }
            if state.count >= Self.capacity { state.empty(at: state.revision)
                return }
            state[keyPath: table][key] = value
        }
    }
}
