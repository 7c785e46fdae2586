import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore: SettingsStore {
    public func settings(of organizationID: Organization.ID) async throws(CollabError) -> StoredSettings? {
        let logger = self.logger
        return try await readStatement { connection in try await Self.fetchSettings(organizationID, connection, logger) }
    }

    public func settingsRevision() async throws(CollabError) -> Int64 {
        let logger = self.logger
        return try await readStatement { connection in try await Self.currentSettingsRevision(connection, logger) }
    }

    static func currentSettingsRevision(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        try await connection.rows("SELECT value FROM settings_revision WHERE id = 1", logger)
            .first?.value("value", as: Int64.self) ?? 0
    }

    static func fetchSettings(_ organizationID: Organization.ID, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> StoredSettings?
    {
        guard let row = try await connection.rows("""
            SELECT version, body, updated_at, updated_by FROM organization_settings
            WHERE organization_id = \(organizationID.rawValue)
            """, logger).first
        else { return nil }
        guard let settings = try row.json(OrganizationSettings.self, "body", of: "settings of '\(organizationID)'") else {
            throw CollabError(.storageCorrupt, "settings of '\(organizationID)' has no body")
        }
        return StoredSettings(
            organizationID: organizationID, settings: settings, version: try row.value("version", as: Int.self),
            updatedAt: try row.requiredDate("updated_at"),
            updatedBy: Member.ID(try row.value("updated_by", as: String.self)))
    }

    /// Checks a change's settings revision (``ChangeSet/settingsRevision``): part of ``apply(_:_:_:)``.
    static func checkSettingsRevision(_ change: ChangeSet, _ connection: PostgresConnection, _ logger: Logger) async throws {
        guard let planned = change.settingsRevision else { return }
        let current = try await currentSettingsRevision(connection, logger)
        guard current == planned else {
            throw CollabError(.staleSettings,
                "the settings changed (revision \(current)) after the command was planned at revision \(planned)")
        }
    }

    /// Writes a change's new settings (``ChangeSet/settings``) if the stored version is still the one before
    /// them: part of ``apply(_:_:_:)``.
    static func writeSettings(_ change: ChangeSet, _ connection: PostgresConnection, _ logger: Logger) async throws {
        guard let stored = change.settings else { return }
        guard let updatedAt = stored.updatedAt, let updatedBy = stored.updatedBy, stored.version > 0 else {
            throw CollabError(.invalidInput,
                "settings of organization '\(stored.organizationID)' are saved with a version of 1 or more, a time and an author")
        }
        let current = try await connection.rows("""
            SELECT version FROM organization_settings WHERE organization_id = \(stored.organizationID.rawValue)
            """, logger).first?.value("version", as: Int.self) ?? 0
        guard current == stored.version - 1 else {
            throw CollabError(.conflict,
                "the settings of organization '\(stored.organizationID)' are at version \(current), the change was based on version \(stored.version - 1)")
        }
        let body = try StoredJSON.encode(stored.settings)
        try await connection.execute("""
            INSERT INTO organization_settings (organization_id, version, body, updated_at, updated_by)
            VALUES (\(stored.organizationID.rawValue), \(stored.version), \(body), \(updatedAt.storedMilliseconds),
                \(updatedBy.rawValue))
            ON CONFLICT (organization_id) DO UPDATE SET version = excluded.version, body = excluded.body,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, logger)
    }
}
