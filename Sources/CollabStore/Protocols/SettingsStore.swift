import CollabModel

/// Organizations' run-time settings (`OrganizationSettings`): versioned records, one per organization,
/// written by ``ChangeStore/commit(_:)`` (``ChangeSet/settings``).
///
/// Used by the engine's settings cache (`SettingsCache` in CollabWorkflow, which compares
/// ``settingsRevision()`` to drop what it holds) and by `SettingsDesk`. Both reads run in one read
/// transaction, write nothing and throw only storage codes (`storageCorrupt` for settings that cannot be
/// read back).
public protocol SettingsStore: Sendable {
    /// The settings saved for an organization, with their version; `nil` when none were saved (the engine's
    /// initial defaults apply) or the organization is unknown.
    func settings(of organizationID: Organization.ID) async throws(CollabError) -> StoredSettings?

    /// A number that changes whenever any organization's settings change, through this store or any other
    /// process on the same database. Callers that cache settings compare it to know when to drop them, and
    /// a change planned against settings commits only while it is unchanged (``ChangeSet/settingsRevision``).
    /// 0 before any settings were saved.
    func settingsRevision() async throws(CollabError) -> Int64
}
