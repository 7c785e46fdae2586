import CollabModel
import Foundation
import GRDB

extension SQLiteStore {
    public func settings(of organizationID: Organization.ID) async throws(CollabError) -> StoredSettings? {
        try await readRecent { db in try Self.fetchSettings(organizationID, db) }
    }

    public func settingsRevision() async throws(CollabError) -> Int64 {
        try await readRecent { db in try Self.currentSettingsRevision(db) }
    }

    static func currentSettingsRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM settings_revision WHERE id = 1")) ?? 0
    }

    static func fetchSettings(_ organizationID: Organization.ID, _ db: Database) throws -> StoredSettings? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT organization_id AS id, version, body, updated_at, updated_by FROM organization_settings
            WHERE organization_id = ?
            """), arguments: [organizationID.rawValue])
        else { return nil }
        return StoredSettings(
            organizationID: organizationID, settings: try decodeBody(OrganizationSettings.self, row, "settings of"),
            version: row["version"], updatedAt: Date(storedMilliseconds: row["updated_at"]),
            updatedBy: Member.ID(row["updated_by"] as String))
    }

    /// Checks a change's settings revision (``ChangeSet/settingsRevision``): part of ``apply(_:_:)``.
    static func checkSettingsRevision(_ change: ChangeSet, _ db: Database) throws {
        guard let planned = change.settingsRevision else { return }
        let current = try currentSettingsRevision(db)
        guard current == planned else {
            throw CollabError(.staleSettings,
                "the settings changed (revision \(current)) after the command was planned at revision \(planned)")
        }
    }

    /// Writes a change's new settings (``ChangeSet/settings``) if the stored version is still the one before
    /// them: part of ``apply(_:_:)``.
    static func writeSettings(_ change: ChangeSet, _ db: Database) throws {
        guard let stored = change.settings else { return }
        guard let updatedAt = stored.updatedAt, let updatedBy = stored.updatedBy, stored.version > 0 else {
            throw CollabError(.invalidInput,
                "settings of organization '\(stored.organizationID)' are saved with a version of 1 or more, a time and an author")
        }
        let current = try Int.fetchOne(db.cachedStatement(sql:
            "SELECT version FROM organization_settings WHERE organization_id = ?"),
            arguments: [stored.organizationID.rawValue]) ?? 0
        guard current == stored.version - 1 else {
            throw CollabError(.conflict,
                "the settings of organization '\(stored.organizationID)' are at version \(current), the change was based on version \(stored.version - 1)")
        }
        try db.run("""
            INSERT INTO organization_settings (organization_id, version, body, updated_at, updated_by)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(organization_id) DO UPDATE SET version = excluded.version, body = excluded.body,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by
            """, [
                stored.organizationID.rawValue, stored.version, try StoredJSON.encode(stored.settings),
                updatedAt.storedMilliseconds, updatedBy.rawValue,
            ])
    }
}
