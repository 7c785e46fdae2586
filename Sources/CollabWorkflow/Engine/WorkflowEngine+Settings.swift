import CollabModel
import CollabStore
import Foundation

// Run-time settings hold at commit: a command that reads an organization's settings (ticket routing,
// service targets, timer defaults) records the settings revision it read them at, and its change commits
// only if no settings changed since (`ChangeSet.settingsRevision`). If they did, the command is planned
// again on the new settings — by every engine on the database, since the settings are read from the store,
// cached by revision — and after `staleDirectoryAttempts` plans it fails with
// `CollabError.Code.staleSettings`; it never commits what it planned under replaced settings.

extension WorkflowEngine {
    /// What a command's plan read of the settings: the revision its change must commit at.
    final class SettingsReading: Sendable {
        /// Whether the first read may take the cache's known revision without asking the store (only where
        /// nothing but the commit depends on it: a stale revision then costs one more plan, never a wrong
        /// refusal).
        let usesKnownRevision: Bool
        private let read = Locked<Int64?>(nil)

        init(usesKnownRevision: Bool) {
            self.usesKnownRevision = usesKnownRevision
        }

        /// The revision the plan read settings at; `nil` when it read none.
        var revision: Int64? { read.withLock { $0 } }

        func record(_ revision: Int64) {
            read.withLock { read in
                if read == nil { read = revision }
            }
        }
    }

    /// The settings reading of the command planning in this task (set by ``atSettingsRevision(_:usesKnownRevision:_:)``).
    @TaskLocal static var settingsReading: SettingsReading?

    /// The settings in force for an organization: those stored for it, else the engine's
    /// ``Configuration/defaultSettings``. Always as of the store's current settings revision; a command
    /// planning under ``atSettingsRevision(_:usesKnownRevision:_:)`` records the revision, so that its
    /// ``commit(_:)`` holds only while those settings do.
    func organizationSettings(_ organizationID: Organization.ID) async throws(CollabError) -> OrganizationSettings {
        if let reading = Self.settingsReading {
            if reading.revision == nil {
                if reading.usesKnownRevision, let known = settingsCache.knownRevision {
                    reading.record(known)
                } else {
                    reading.record(try await settingsCache.refresh())
                }
            }
        } else {
            try await settingsCache.refresh()
        }
        return try await settingsCache.stored(for: organizationID)?.settings ?? configuration.defaultSettings
    }

    /// Runs `body` — a command's plan and its ``commit(_:)`` — so that the settings it reads still hold when it
    /// commits: the change carries the settings revision the plan read, and a change of any settings in
    /// between plans the command again on the new ones. A body that reads no settings commits unconditioned.
    ///
    /// - Parameter usesKnownRevision: whether the first plan may use the revision the cache last saw without
    ///   reading it (`execute`'s work-item commands, whose plans only schedule timers from the settings).
    /// - Throws: what `body` throws; `CollabError.Code.staleSettings` when the settings changed under every one
    ///   of ``staleDirectoryAttempts`` plans (nothing is written then).
    func atSettingsRevision<Value: Sendable>(
        _ command: String, usesKnownRevision: Bool = false, _ body: () async throws(CollabError) -> Value
    ) async throws(CollabError) -> Value {
        if Self.settingsReading != nil { return try await body() }
        var attempt = 0
        while true {
            attempt += 1
            let reading = SettingsReading(usesKnownRevision: usesKnownRevision && attempt == 1)
            let outcome: Result<Value, CollabError> = await Self.$settingsReading.withValue(reading) {
                do throws(CollabError) {
                    return .success(try await body())
                } catch {
                    return .failure(error)
                }
            }
            switch outcome {
            case .success(let result):
                return result
            case .failure(let error) where error.code == .staleSettings:
                settingsCache.invalidate()
                guard attempt < Self.staleDirectoryAttempts else {
                    throw CollabError(.staleSettings,
                        "the settings changed while '\(command)' was planned, \(attempt) times; nothing was written")
                }
                logger.debug("settings changed while planning, planning again", metadata: [
                    "command": "\(command)", "attempt": "\(attempt)",
                ])
            case .failure(let error):
                throw error
            }
        }
    }
}
