import CollabModel
import CollabStore
import CollabTesting
import Foundation
import GRDB
import Testing

/// Organizations' run-time settings as stored records: versioned, written atomically with the rest of a
/// change, and guarded by the settings revision.
@Suite struct SettingsStoreTests {
    /// Every row of every table, in a stable order.
    private func dump(_ path: String) async throws -> String {
        try await DatabaseQueue(path: path).read { db in
            var text = ""
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map({ "\($0)" }).sorted() {
                    text += "\(table) \(row)\n"
                }
            }
            return text
        }
    }

    /// Settings with an installation route and a shorter escalation.
    private static func custom() -> OrganizationSettings {
        var settings = OrganizationSettings()
        settings.ticketRouting = TicketRouting(routes: [
            TicketRouting.Route("installation", categories: ["installation"], departments: ["sales", "technology"]),
            TicketRouting.Route("general", departments: ["sales"]),
        ])
        settings.ticketServiceTargets = TicketServiceTargets(all: .init(firstResponse: .seconds(600), resolution: .seconds(7200)))
        settings.timers.reminderOffsets = [.seconds(3600)]
        settings.timers.escalationDelay = nil
        return settings
    }

    private func stored(
        _ settings: OrganizationSettings, version: Int, in organization: Organization.ID = "acme", at h: TestHarness
    ) -> StoredSettings {
        StoredSettings(organizationID: organization, settings: settings, version: version, updatedAt: h.clock.now(),
            updatedBy: "admin")
    }

    private func event(_ id: String, at h: TestHarness) -> AuditEvent {
        AuditEvent(id: AuditEvent.ID(id), organizationID: "acme", itemID: nil, actorID: "admin", action: "save_settings",
            fromState: nil, toState: nil, occurredAt: h.clock.now(), record: .settings("acme"))
    }

    private func harness() async throws -> TestHarness {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addOrganization("globex")
        return h
    }

    @Test("saved settings read back as saved, with their version, time and author; the revision moves")
    func roundTrip() async throws {
        let h = try await harness()
        #expect(try await h.store.settings(of: "acme") == nil)
        let before = try await h.store.settingsRevision()
        let directory = try await h.store.directoryRevision()

        let first = stored(Self.custom(), version: 1, at: h)
        #expect(try await h.store.commit(ChangeSet(settings: first)) == .committed)
        #expect(try await h.store.settings(of: "acme") == first)
        #expect(try await h.store.settings(of: "globex") == nil, "another organization's settings are its own")
        let afterFirst = try await h.store.settingsRevision()
        #expect(afterFirst != before)

        h.clock.advance(by: .seconds(60))
        var changed = Self.custom()
        changed.timers.escalationDelay = .seconds(3600)
        let second = stored(changed, version: 2, at: h)
        _ = try await h.store.commit(ChangeSet(settings: second))
        #expect(try await h.store.settings(of: "acme") == second)
        #expect(try await h.store.settingsRevision() != afterFirst)
        #expect(try await h.store.directoryRevision() == directory, "settings are not part of the directory")
    }

    @Test("a save based on an old version is a conflict and writes nothing of its change")
    func versionConflict() async throws {
        let h = try await harness()
        _ = try await h.store.commit(ChangeSet(settings: stored(Self.custom(), version: 1, at: h)))
        let revision = try await h.store.settingsRevision()
        let before = try await dump(h.sqlitePath)

        for version in [1, 3] {
            var change = ChangeSet(settings: stored(OrganizationSettings(), version: version, at: h))
            change.auditEvents = [event("audit-\(version)", at: h)]
            let error = await #expect(throws: CollabError.self) { try await h.store.commit(change) }
            #expect(error?.code == .conflict)
            #expect(error?.message.contains("version 1") == true, "\(String(describing: error))")
        }
        #expect(try await dump(h.sqlitePath) == before)
        #expect(try await h.store.settingsRevision() == revision)
        #expect(try await h.store.settings(of: "acme")?.settings == Self.custom())
    }

    @Test("a change planned at an old settings revision is stale and writes nothing; at the current one it commits")
    func revisionCondition() async throws {
        let h = try await harness()
        let planned = try await h.store.settingsRevision()
        // Another process saves settings (of any organization) after the change was planned.
        _ = try await h.store.commit(ChangeSet(settings: stored(Self.custom(), version: 1, in: "globex", at: h)))
        let before = try await dump(h.sqlitePath)

        var change = ChangeSet()
        change.auditEvents = [event("audit-stale", at: h)]
        change.settingsRevision = planned
        let error = await #expect(throws: CollabError.self) { try await h.store.commit(change) }
        #expect(error?.code == .staleSettings)
        #expect(try await dump(h.sqlitePath) == before)

        change.settingsRevision = try await h.store.settingsRevision()
        #expect(try await h.store.commit(change) == .committed)
        #expect(try await h.store.auditTrail(of: .settings("acme")).map(\.id) == ["audit-stale"])
    }

    @Test("settings are written with the rest of their change or not at all")
    func atomicWithTheChange() async throws {
        let h = try await harness()
        let revision = try await h.store.settingsRevision()
        let before = try await dump(h.sqlitePath)

        // The change's last part fails (the timer it claims to fire does not exist).
        var change = ChangeSet(settings: stored(Self.custom(), version: 1, at: h))
        change.auditEvents = [event("audit-1", at: h)]
        let missing = ScheduledTimer(id: "no-such-timer", record: .settings("acme"), organizationID: "acme",
            kind: .reminder, fireAt: h.clock.now())
        change.firedTimer = TimerFiring(
            claim: TimerClaim(timer: missing, token: "none", owner: "test", leaseExpiresAt: h.clock.now()),
            firedAt: h.clock.now())
        let error = await #expect(throws: CollabError.self) { try await h.store.commit(change) }
        #expect(error?.code == .conflict)
        #expect(try await dump(h.sqlitePath) == before)
        #expect(try await h.store.settings(of: "acme") == nil)
        #expect(try await h.store.settingsRevision() == revision)

        change.firedTimer = nil
        _ = try await h.store.commit(change)
        #expect(try await h.store.settings(of: "acme")?.version == 1)
        #expect(try await h.store.auditTrail(of: .settings("acme")).count == 1)
    }

    @Test("saved settings and the revision survive reopening the database")
    func survivesReopen() async throws {
        let h = try await harness()
        let first = stored(Self.custom(), version: 1, at: h)
        _ = try await h.store.commit(ChangeSet(settings: first))
        let revision = try await h.store.settingsRevision()

        let reopened = try h.reopenStore()
        #expect(try await reopened.settings(of: "acme") == first)
        #expect(try await reopened.settingsRevision() == revision)
        // And a save through one store is seen by the other at once.
        let second = stored(OrganizationSettings(), version: 2, at: h)
        _ = try await reopened.commit(ChangeSet(settings: second))
        #expect(try await h.store.settings(of: "acme") == second)
        #expect(try await h.store.settingsRevision() != revision)
    }

    @Test("settings stored without a field (written by an older version) read it as the library default")
    func forwardCompatibleBody() async throws {
        let h = try await harness()
        _ = try await h.store.commit(ChangeSet(settings: stored(Self.custom(), version: 1, at: h)))
        try await DatabaseQueue(path: h.sqlitePath).write { db in
            try db.execute(sql: "UPDATE organization_settings SET body = '{}' WHERE organization_id = 'acme'")
        }
        #expect(try await h.store.settings(of: "acme")?.settings == OrganizationSettings.default)

        try await DatabaseQueue(path: h.sqlitePath).write { db in
            try db.execute(sql: "UPDATE organization_settings SET body = 'not json' WHERE organization_id = 'acme'")
        }
        let error = await #expect(throws: CollabError.self) { try await h.store.settings(of: "acme") }
        #expect(error?.code == .storageCorrupt)
        #expect(error?.message.contains("acme") == true, "\(String(describing: error))")
    }
}

extension ChangeSet {
    /// A change that saves `settings`.
    fileprivate init(settings: StoredSettings) {
        self.init()
        self.settings = settings
    }
}
