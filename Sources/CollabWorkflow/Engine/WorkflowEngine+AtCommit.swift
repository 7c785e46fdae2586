import CollabModel
import CollabStore
import Foundation

// Rights hold at commit: a command other than a work-item command (those go through `execute`) checks its
// actor and plans its change against the directory, then commits that change only if the directory has not
// changed since (`ChangeSet.directoryRevision`). If it has, the command is planned again on fresh values —
// a member deactivated, moved or demoted a moment ago is refused as a fresh command would refuse them — and
// after `staleDirectoryAttempts` plans it fails with `CollabError.Code.staleDirectory`; it never commits
// without the check.

extension WorkflowEngine {
    /// The directory revision the command running in this task was planned at (set by ``checkedAtCommit(_:_:)``).
    @TaskLocal static var plannedDirectoryRevision: Int64?

    /// Whether this task is planning a command under ``checkedAtCommit(_:_:)``.
    static var isPlanningAtRevision: Bool { plannedDirectoryRevision != nil }

    /// Runs `body` — a command's checks, its plan and its ``commit(_:)`` — so that what it checked still
    /// holds when it commits: the change carries the directory revision read before the checks, and a
    /// change of the directory in between plans the command again on fresh values.
    ///
    /// - Throws: what `body` throws; `CollabError.Code.staleDirectory` when the directory changed under every
    ///   one of ``staleDirectoryAttempts`` plans (nothing is written then).
    func checkedAtCommit<Value: Sendable>(
        _ command: String, _ body: () async throws(CollabError) -> Value
    ) async throws(CollabError) -> Value {
        if Self.isPlanningAtRevision { return try await body() }
        var attempt = 0
        while true {
            attempt += 1
            let revision = try await directory.refresh()
            let outcome: Result<Value, CollabError> = await Self.$plannedDirectoryRevision.withValue(revision) {
                do throws(CollabError) {
                    return .success(try await atSettingsRevision(command, body))
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(let result):
                return result
            case .failure(let error) where error.code == .staleDirectory:
                directory.invalidate()
                guard attempt < Self.staleDirectoryAttempts else {
                    throw CollabError(.staleDirectory,
                        "the directory changed while '\(command)' was planned, \(attempt) times; nothing was written")
                }
                logger.debug("directory changed while planning, planning again", metadata: [
                    "command": "\(command)", "attempt": "\(attempt)",
                ])
            case .failure(let error):
                throw error
            }
        }
    }

    /// Commits `change`: the engine's one call of the store's commit (commands, imports, settings and timer
    /// effects all come here). Under ``checkedAtCommit(_:_:)``, it commits only if the directory is still at
    /// the revision the command was planned at (else `CollabError.Code.staleDirectory`, and the command is
    /// planned again); a change that carries its own revision (`execute`'s) keeps it. Under
    /// ``atSettingsRevision(_:usesKnownRevision:_:)``, a change planned against settings commits only at the
    /// settings revision it read them at (else `CollabError.Code.staleSettings`, and it is planned again).
    func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        var change = change
        if change.directoryRevision == nil { change.directoryRevision = Self.plannedDirectoryRevision }
        if change.settingsRevision == nil { change.settingsRevision = Self.settingsReading?.revision }
        return try await store.commit(change)
    }
}
