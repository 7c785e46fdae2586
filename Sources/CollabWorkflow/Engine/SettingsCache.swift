import CollabModel
import CollabStore

/// Organizations' stored run-time settings, kept between calls and dropped as soon as the store's settings
/// revision moves: the settings counterpart of ``DirectoryCache``.
///
/// A read first calls ``refresh()``: one small read of the revision, so a setting saved by another engine
/// on the same database is seen by the next call. A command records the revision its plan read settings
/// at (``WorkflowEngine/SettingsReading``), and its change commits only if the revision is unchanged
/// (`ChangeSet.settingsRevision`): otherwise the engine drops the cache and plans the command again, so
/// no command commits what it planned under replaced settings.
final class SettingsCache: Sendable {
    private struct State {
        var revision: Int64?
        /// Moves whenever the cache is emptied: values read before are not stored after.
        var generation = 0
        var settings: [Organization.ID: StoredSettings?] = [:]

        mutating func empty(at revision: Int64?) {
            self = State(revision: revision, generation: generation + 1)
        }
    }

    /// More organizations than this and the cache starts over, so memory stays bounded.
    static let capacity = 10_000

    private let store: any CollabStorage
    private let state = Locked(State())

    init(store: any CollabStorage) {
        self.store = store
    }

    /// Reads the store's settings revision, empties the cache if it moved, and returns it.
    @discardableResult
    func refresh() async throws(CollabError) -> Int64 {
        let revision = try await store.settingsRevision()
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

    /// Forgets everything (after a commit failed with `CollabError.Code.staleSettings`).
    func invalidate() {
        state.withLock { $0.empty(at: nil) }
    }

    /// The settings stored for an organization (`nil`: none stored), from the cache when it has them.
    func stored(for organizationID: Organization.ID) async throws(CollabError) -> StoredSettings? {
        let (hit, generation) = state.withLock { ($0.settings[organizationID], $0.generation) }
        if let hit { return hit }
        let value = try await store.settings(of: organizationID)
        state.withLock { state in
            // A value read before the cache was emptied may predate the change that emptied it.
            guard state.generation == generation, state.revision != nil else { return }
            if state.settings.count >= Self.capacity { state.empty(at: state.revision)
                return }
            state.settings[organizationID] = .some(value)
        }
        return value
    }
}
