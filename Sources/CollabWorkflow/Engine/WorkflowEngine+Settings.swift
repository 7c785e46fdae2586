import CollabModel
import CollabStore
import Foundation

// Run-time settings hold at commit: a command that reads an organization's settings (ticket routing,
// service targets, timer defaults) records the settings revision it read them at, and the command runner
// commits its change only if no settings changed since (`ChangeSet.settingsRevision`). If they did, the command is planned
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

    /// The settings reading of the command planning in this task (set by the command runner for each plan).
    @TaskLocal static var settingsReading: SettingsReading?

    /// The settings in force for an organization: those stored for it, else the engine's
    /// ``Configuration/defaultSettings``. Always as of the store's current settings revision; a command
    /// planning in the command runner records the revision, so that its commit holds only while those
    /// settings do.
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
}
