import CollabModel

/// Organizations' run-time settings (``OrganizationSettings``): versioned records, one per organization,
/// written by ``WorkItemStore/commit(_:)`` (``ChangeSet/settings``).
public protocol SettingsStore: Sendable {
    /// The settings saved for an organization, with their version; `nil` when none were saved (the engine's
    /// initial defaults apply).
    func settings(of organizationID: Organization.ID) async throws(CollabError) -> StoredSettings?

    /// A number that changes whenever any organization's settings change, through this store or any other
    /// process on the same database. Callers that cache settings compare it to know when to drop them, and
    /// a change planned against settings commits only while it is unchanged (``ChangeSet/settingsRevision``).
    func settingsRevision() async throws(CollabError) -> Int64
}
