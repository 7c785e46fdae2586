import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The settings desk: an organization's run-time settings — ticket routing, ticket service targets, the
/// reminder and escalation defaults of work items — and the external-collaboration switch of partner and
/// customer organizations.
///
/// Settings are stored, versioned records (`StoredSettings`), one per organization, read by every engine
/// on the database: a routing saved through one engine routes the next ticket of every engine, with no
/// restart and nothing handed over by hand. An organization with none saved uses
/// ``WorkflowEngine/Configuration/defaultSettings``. Every save is audited with the fields it changed.
///
/// Only the organization's active administrators read and change its settings; to anyone else they do not
/// exist (`CollabError.Code.notFound`, exactly as for an unknown organization).
///
/// ```swift
/// let current = try await engine.settings.settings(of: "acme", as: "admin")
/// var settings = current.settings
/// settings.ticketRouting.routes.insert(
///     TicketRouting.Route("installation", categories: ["installation"], departments: ["sales", "technology"]),
///     at: 0)
/// try await engine.settings.save(settings, for: "acme", by: "admin", expectedVersion: current.version)
/// ```
public struct SettingsDesk: Sendable {
    let engine: WorkflowEngine

    // MARK: Organization settings

    /// The settings in force for an organization, with their version: the stored ones, or — version 0,
    /// no author — the engine's ``WorkflowEngine/Configuration/defaultSettings`` when none were saved.
    ///
    /// - Throws: `CollabError.Code.notFound` unless `viewer` is an active administrator of the organization.
    public func settings(of organizationID: Organization.ID, as viewer: Member.ID) async throws(CollabError)
        -> StoredSettings
    {
        let subject = try await engine.subject(viewer)
        try checkAdministrator(subject, of: organizationID)
        try await engine.settingsCache.refresh()
        return try await engine.settingsCache.stored(for: organizationID) ?? StoredSettings(
            organizationID: organizationID, settings: engine.configuration.defaultSettings, version: 0,
            updatedAt: nil, updatedBy: nil)
    }

    /// Saves an organization's settings as their next version. From the next command on, every engine on the
    /// database routes tickets, measures service targets and schedules work-item timers by them (timers
    /// already scheduled keep their times until their item changes or ``WorkflowEngine/rescheduleTimers(in:)``
    /// runs; open tickets keep their route). The save is audited (`save_settings`, on the record
    /// `settings:<organization>`) with each changed field and its new value, `changed` listing them and
    /// `version` the new version.
    ///
    /// - Parameters:
    ///   - settings: the settings as they should now be: ticket routing, service targets, timer policy,
    ///     approval flows.
    ///   - organizationID: the organization they apply to.
    ///   - administrator: an administrator of the organization.
    ///   - expectedVersion: the version the administrator's screen showed (0: nothing saved yet); if the
    ///     settings were saved since, nothing is written and the call fails with `CollabError.Code.conflict`.
    ///     Without it, a save racing another save still fails with `conflict` rather than overwrite it unseen.
    ///   - idempotencyKey: a retry with the same key and the same input returns the first result and saves
    ///     nothing again (while the administrator is still one); the same key with other input is
    ///     `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.notFound` unless `administrator` is an administrator of the organization;
    ///   `CollabError.Code.forbidden` when they are deactivated; `CollabError.Code.invalidInput` listing every
    ///   problem (`OrganizationSettings.validate(limits:departmentIDs:)`, routes naming departments the
    ///   organization does not have, approval flows it does not have); `CollabError.Code.conflict`.
    @discardableResult
    public func save(
        _ settings: OrganizationSettings, for organizationID: Organization.ID, by administrator: Member.ID,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> StoredSettings {
        let input = SaveSettingsInput(organizationID: organizationID, settings: settings, expectedVersion: expectedVersion)
        return try await engine.run(Command("save_settings", by: administrator, input: input,
            idempotencyKey: idempotencyKey, visible: settingsVisible)) { planning throws(CollabError) in
            try await planSave(settings, for: organizationID, expectedVersion: expectedVersion, planning)
        }
    }

    private func planSave(
        _ settings: OrganizationSettings, for organizationID: Organization.ID, expectedVersion: Int?, _ planning: Planning
    ) async throws(CollabError) -> Planned<StoredSettings> {
        let subject = planning.subject
        let administrator = subject.memberID
        try checkAdministrator(subject, of: organizationID)
        let departments = Set(try await engine.store.departments(in: organizationID).map(\.id))
        var report = settings.validate(limits: engine.configuration.limits, departmentIDs: departments)
        for (field, flowID) in [("approvalFlows.review", settings.approvalFlows.review),
            ("approvalFlows.adjustment", settings.approvalFlows.adjustment)]
        {
            guard let flowID else { continue }
            let flow = try await engine.store.approvalFlow(flowID, version: nil)
            if flow?.organizationID != organizationID {
                report.add(field, .malformed, "'\(flowID.rawValue.clipped())' is not an approval flow of the organization")
            }
        }
        try report.throwIfInvalid()
        let current = try await engine.store.settings(of: organizationID)
        let currentVersion = current?.version ?? 0
        if let expectedVersion, expectedVersion != currentVersion {
            throw CollabError(.conflict,
                "the settings of organization '\(organizationID)' are at version \(currentVersion), not at the expected version \(expectedVersion)")
        }
        let now = planning.now
        let stored = StoredSettings(
            organizationID: organizationID, settings: settings, version: currentVersion + 1, updatedAt: now,
            updatedBy: administrator)
        var details = settings.changes(from: current?.settings ?? engine.configuration.defaultSettings)
        details["changed"] = details.keys.sorted().joined(separator: ",")
        details["version"] = String(stored.version)
        var change = ChangeSet()
        change.settings = stored
        change.auditEvents = [engine.recordEvent(.settings(organizationID), organization: organizationID,
            actor: administrator, action: "save_settings", details: details, at: now)]
        return Planned(change, stored)
    }

    /// The audit trail of an organization's settings (every save, with what it changed), oldest first: for
    /// its administrators and auditors, as ``WorkflowEngine/auditTrail(of:as:)-(RecordReference,_)`` with
    /// `RecordReference.settings(_:)`.
    public func auditTrail(of organizationID: Organization.ID, as viewer: Member.ID) async throws(CollabError)
        -> [AuditEvent]
    {
        try await engine.auditTrail(of: .settings(organizationID), as: viewer)
    }

    // MARK: External collaboration

    /// Enables or disables external collaboration with a partner or customer organization. Only an
    /// active administrator of a company may, and only for an organization that company invited or
    /// registered (or one no company did); the change is audited (`enable_external_collaboration`,
    /// `disable_external_collaboration`).
    ///
    /// - Parameter organizationID: the partner or customer organization.
    /// - Parameter enabled: `true` enables external collaboration, `false` disables it.
    /// - Parameter administrator: an administrator of the company that invited or registered it.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and
    ///   changes nothing again; the same key with other input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.forbidden` for a member who is not an active administrator of a company;
    ///   `CollabError.Code.notFound` for an organization that does not exist, is a company, or belongs to
    ///   another company.
    @discardableResult
    public func setExternalCollaboration(
        _ organizationID: Organization.ID, enabled: Bool, by administrator: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> Organization {
        let input = ExternalCollaborationInput(organizationID: organizationID, enabled: enabled)
        return try await engine.run(Command("set_external_collaboration", by: administrator, input: input,
            idempotencyKey: idempotencyKey, visible: collaborationVisible)) { planning throws(CollabError) in
            try await planExternalCollaboration(organizationID, enabled: enabled, planning)
        }
    }

    private func planExternalCollaboration(_ organizationID: Organization.ID, enabled: Bool, _ planning: Planning)
        async throws(CollabError) -> Planned<Organization>
    {
        let subject = planning.subject
        let administrator = subject.memberID
        var organization = try await collaborationTarget(organizationID, for: subject)
        organization.externalCollaborationEnabled = enabled
        var change = ChangeSet()
        change.externalCollaboration = (organizationID, enabled)
        change.auditEvents.append(AuditEvent(
            id: AuditEvent.ID(engine.identifiers.next()), organizationID: subject.organizationID, itemID: nil,
            actorID: administrator, action: enabled ? "enable_external_collaboration" : "disable_external_collaboration",
            fromState: nil, toState: nil, details: ["organization": organizationID.rawValue], occurredAt: planning.now))
        return Planned(change, organization)
    }

    // MARK: Rules

    /// Throws `CollabError.Code.notFound` — as for an unknown organization — unless `subject` may change the
    /// organization's settings (``RecordAction/changeSettings``, decided by the engine's one ``AccessControl``:
    /// its active administrators, of a company; a host rule may refuse it).
    func checkAdministrator(_ subject: Subject, of organizationID: Organization.ID) throws(CollabError) {
        try engine.authorize(subject, .changeSettings, on: .organization(organizationID),
            otherwise: CollabError.notFound("organization settings", organizationID.rawValue))
    }

    /// A replay's check: the actor may still change the organization's settings.
    private func settingsVisible(_ subject: Subject, _ stored: StoredSettings) async throws(CollabError) {
        try checkAdministrator(subject, of: stored.organizationID)
    }

    /// The partner or customer organization an administrator may switch.
    private func collaborationTarget(_ organizationID: Organization.ID, for subject: Subject) async throws(CollabError)
        -> Organization
    {
        let administrator = subject.isActive && subject.isAdministrator && subject.organizationKind == .internal
        let forbidden = CollabError(.forbidden,
            "member '\(subject.memberID)' is not an administrator and may not change external collaboration")
        guard let organization = try await engine.store.organization(organizationID), organization.kind != .internal
        else {
            throw administrator ? CollabError.notFound("partner or customer organization", organizationID.rawValue) : forbidden
        }
        // An organization invited or registered by companies is theirs to switch: another company's
        // administrator may not cut it off or let it back in (it does not exist for them). One no company
        // invited — made directly in the directory — any administrator switches. Decided by the engine's one
        // AccessControl (`partnership.switch_external_collaboration`), which a host rule may refuse.
        let companies = Set(try await engine.store.partnerships(of: organizationID, asPartner: true).map(\.organizationID))
        try engine.authorize(subject, .switchExternalCollaboration, on: .partner(organizationID, invitedBy: companies),
            otherwise: administrator ? CollabError.notFound("partner or customer organization", organizationID.rawValue) : forbidden)
        return organization
    }

    /// A replay's check: the actor may still switch the organization.
    private func collaborationVisible(_ subject: Subject, _ organization: Organization) async throws(CollabError) {
        _ = try await collaborationTarget(organization.id, for: subject)
    }
}

extension WorkflowEngine {
    /// The settings desk: organizations' run-time settings and the external-collaboration switch.
    public var settings: SettingsDesk { SettingsDesk(engine: self) }
}

/// What a settings save's idempotency fingerprint covers.
private struct SaveSettingsInput: Encodable {
    var organizationID: Organization.ID
    var settings: OrganizationSettings
    var expectedVersion: Int?
}

/// What an external-collaboration switch's idempotency fingerprint covers.
private struct ExternalCollaborationInput: Encodable {
    var organizationID: Organization.ID
    var enabled: Bool
}
