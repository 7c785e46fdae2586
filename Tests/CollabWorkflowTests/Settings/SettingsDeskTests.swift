import CollabModel
@testable import CollabStore
import CollabTesting
@testable import CollabWorkflow
import Foundation
import Testing

/// Run-time settings are records (issue 16): saved through the settings desk, audited and idempotent, read
/// by every engine on the database, and never acted on once replaced.
///
@Suite struct SettingsDeskTests {
    typealias W = Workplace

    /// The workplace with a `technology` department and a customer (contract by the sales head) whose first
    /// contact opens tickets; returns the contact.
    func workplace(storage: HarnessStorage = .underTest) async throws -> (Workplace, Member.ID) {
        let w = try await Workplace(storage: storage)
        try await w.h.addDepartment("technology", in: "acme")
        let contract = SignedContract(
            contractID: "K-1", customerKey: "CUST-1", customerName: "Lotus Foods", timeZoneIdentifier: "UTC",
            contacts: [ExternalContact(displayName: "Anna", email: "anna@lotus.example")],
            signedAt: Date(timeIntervalSince1970: 1_767_000_000), salesOwnerID: W.salesHead)
        let registration = try await w.engine.customers.recordSignedContract(contract, by: W.salesHead)
        let contact = try #require(registration.newContactIDs.first)
        return (w, contact)
    }

    /// Settings whose one route takes every category to `departments`.
    func routing(_ departments: [Department.ID]) -> OrganizationSettings {
        var settings = OrganizationSettings()
        settings.ticketRouting = TicketRouting(routes: [TicketRouting.Route("general", departments: departments)])
        return settings
    }

    func draft() -> TicketDraft {
        TicketDraft(subject: "Cold room", description: "The cold room is warm.", category: "defect")
    }

    @Test("the library defaults are the engine's default configuration")
    func defaults() {
        #expect(WorkflowEngine.Configuration().defaultSettings == OrganizationSettings.default)
        #expect(OrganizationSettings.default.timers == TimerPolicy())
        #expect(OrganizationSettings.default.validate().problems.isEmpty)
    }

    @Test("a second engine on the database routes by the routing the first one saved, without being told")
    func secondEngineFollows() async throws {
        let (w, contact) = try await workplace()
        let other = WorkflowEngine(store: try await w.h.openPeerStore(), clock: w.h.clock, identifiers: w.h.identifiers)
        // Nothing saved: the other engine's own defaults have no route.
        await expectFailure(.invalidInput) { try await other.tickets.open(draft(), by: contact) }

        try await w.engine.settings.save(routing(["sales"]), for: "acme", by: W.admin)
        #expect(try await other.tickets.open(draft(), by: contact).departmentID == "sales")

        try await w.engine.settings.save(routing(["technology", "sales"]), for: "acme", by: W.admin, expectedVersion: 1)
        let ticket = try await other.tickets.open(draft(), by: contact)
        #expect(ticket.departmentID == "technology")
        #expect(ticket.routeDepartmentIDs == ["technology", "sales"])
        #expect(try await other.settings.settings(of: "acme", as: W.admin).version == 2)
    }

    @Test("a save is audited with the fields it changed and their new values")
    func audited() async throws {
        let (w, _) = try await workplace()
        let initial = try await w.engine.settings.settings(of: "acme", as: W.admin)
        #expect(initial.version == 0 && initial.updatedBy == nil && initial.settings == .default)

        var settings = routing(["sales"])
        settings.timers.escalationDelay = .seconds(4 * 3600)
        let saved = try await w.engine.settings.save(settings, for: "acme", by: W.admin, expectedVersion: 0)
        #expect(saved.version == 1 && saved.updatedBy == W.admin && saved.updatedAt == w.now)
        #expect(try await w.engine.settings.settings(of: "acme", as: W.admin) == saved)

        let trail = try await w.engine.settings.auditTrail(of: "acme", as: W.auditor)
        let event = try #require(trail.last)
        #expect(trail.count == 1)
        #expect(event.action == "save_settings" && event.actorID == W.admin && event.record == .settings("acme"))
        #expect(event.details["changed"] == "ticketRouting,timers.escalationDelay")
        #expect(event.details["ticketRouting"] == "general: sales")
        #expect(event.details["timers.escalationDelay"] == "14400 s")
        #expect(event.details["version"] == "1")
    }

    @Test("a member who is not the organization's administrator is refused as if the settings did not exist")
    func refused() async throws {
        let (w, _) = try await workplace()
        try await w.h.addMember("globex-admin", in: "globex", administrator: true)
        try await w.engine.settings.save(routing(["sales"]), for: "acme", by: W.admin)
        let snapshot = try await w.h.tableSnapshot()
        for member in [W.bystander, W.salesHead, W.auditor, "globex-admin", W.partner] as [Member.ID] {
            let error = await expectFailure(.notFound, "\(member)") {
                try await w.engine.settings.save(routing(["technology"]), for: "acme", by: member)
            }
            #expect(error?.message == "no organization settings with id 'acme'")
            await expectFailure(.notFound, "\(member)") { _ = try await w.engine.settings.settings(of: "acme", as: member) }
        }
        // Exactly the answer for an organization that does not exist.
        let unknown = await expectFailure(.notFound) {
            try await w.engine.settings.save(routing(["sales"]), for: "nowhere", by: W.admin)
        }
        #expect(unknown?.message == "no organization settings with id 'nowhere'")
        #expect(try await w.h.tableSnapshot() == snapshot)
    }

    @Test("invalid settings are refused naming each field and value, with nothing written")
    func invalid() async throws {
        let (w, _) = try await workplace()
        var settings = routing(["sales", "nowhere"])
        settings.ticketServiceTargets.high = .init(firstResponse: .seconds(7200), resolution: .seconds(3600))
        settings.timers.reminderOffsets = [.seconds(-5)]
        let snapshot = try await w.h.tableSnapshot()
        let error = await expectFailure(.invalidInput) {
            try await w.engine.settings.save(settings, for: "acme", by: W.admin)
        }
        #expect(error?.problems.map(\.field) == [
            "ticketRouting.routes[0].departmentIDs[1]", "ticketServiceTargets.high.firstResponse",
            "timers.reminderOffsets[0]",
        ])
        #expect(error?.problems.first?.message.contains("'nowhere'") == true)
        #expect(try await w.h.tableSnapshot() == snapshot)
    }

    @Test("a retry with the same key replays and writes nothing; the same key with other settings is refused")
    func replayAndKeyReuse() async throws {
        let (w, _) = try await workplace()
        let first = try await w.engine.settings.save(routing(["sales"]), for: "acme", by: W.admin, idempotencyKey: "k1")
        let snapshot = try await w.h.tableSnapshot()
        w.h.clock.advance(by: .seconds(60))
        let again = try await w.engine.settings.save(routing(["sales"]), for: "acme", by: W.admin, idempotencyKey: "k1")
        #expect(again == first)
        #expect(try await w.h.tableSnapshot() == snapshot)
        await expectFailure(.idempotencyKeyReused) {
            try await w.engine.settings.save(routing(["technology"]), for: "acme", by: W.admin, idempotencyKey: "k1")
        }
        #expect(try await w.h.tableSnapshot() == snapshot)
        #expect(try await w.engine.settings.auditTrail(of: "acme", as: W.admin).count == 1)
    }

    @Test("a save based on a version that is no longer current is a conflict, with nothing written")
    func staleExpectedVersion() async throws {
        let (w, _) = try await workplace()
        try await w.engine.settings.save(routing(["sales"]), for: "acme", by: W.admin, expectedVersion: 0)
        let snapshot = try await w.h.tableSnapshot()
        for stale in [0, 2] {
            let error = await expectFailure(.conflict) {
                try await w.engine.settings.save(routing(["technology"]), for: "acme", by: W.admin, expectedVersion: stale)
            }
            #expect(error?.message.contains("version 1") == true, "\(String(describing: error))")
        }
        #expect(try await w.h.tableSnapshot() == snapshot)
    }

    @Test("the external-collaboration switch is on the settings desk, idempotent with a key")
    func externalCollaboration() async throws {
        let (w, _) = try await workplace()
        let off = try await w.engine.settings.setExternalCollaboration("partnerco", enabled: false, by: W.admin,
            idempotencyKey: "off")
        #expect(off.externalCollaborationEnabled == false)
        let snapshot = try await w.h.tableSnapshot()
        #expect(try await w.engine.settings.setExternalCollaboration("partnerco", enabled: false, by: W.admin,
            idempotencyKey: "off") == off)
        #expect(try await w.h.tableSnapshot() == snapshot)
        await expectFailure(.idempotencyKeyReused) {
            try await w.engine.settings.setExternalCollaboration("partnerco", enabled: true, by: W.admin,
                idempotencyKey: "off")
        }
        await expectFailure(.forbidden) {
            try await w.engine.settings.setExternalCollaboration("partnerco", enabled: true, by: W.bystander)
        }
        #expect(try await w.h.tableSnapshot() == snapshot)
    }
}

/// The race runs in the serialized suite of the other races: each blocks a thread of the cooperative pool
/// while its write runs, and two at once could leave none for the writes on a two-core machine.
extension RightsAtCommitTests {
    @Test("a ticket planned under the old routing does not commit once the routing changed: it is routed by the new one")
    func commandRacingASettingsChange() async throws {
        let desk = SettingsDeskTests()
        // The race hooks into SQLite's statements.
        let (w, contact) = try await desk.workplace(storage: .sqlite)
        try await w.engine.settings.save(desk.routing(["sales"]), for: "acme", by: W.admin)
        let race = Race()
        let engine = try race.engine(on: w.h)
        // The ticket has read the routing and now checks its departments: the routing changes right then.
        race.at("FROM departments WHERE organization_id = ? ORDER BY name, id") {
            try await w.engine.settings.save(desk.routing(["technology"]), for: "acme", by: W.admin)
        }
        let ticket = try await engine.tickets.open(desk.draft(), by: contact)
        #expect(race.count == 1)
        #expect(ticket.departmentID == "technology", "the ticket committed on the replaced routing")
        #expect(try await w.h.store.ticket(ticket.id)?.departmentID == "technology")
    }

}
