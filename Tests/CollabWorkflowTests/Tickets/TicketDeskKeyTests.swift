import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the ticket desk under an idempotency key: replayed, reused with another payload, and run by
/// a deactivated actor (``KeyedWriteChecks``). Tickets of category "installation" route sales → eng; the head
/// of sales (`wu`) handles them first; `anna` is a contact of the customer Lotus Foods.
@Suite struct TicketDeskKeyTests {
    static let handler = Workplace.salesHead

    static func configuration() -> WorkflowEngine.Configuration {
        var configuration = WorkflowEngine.Configuration()
        configuration.defaultSettings.ticketRouting = TicketRouting(routes: [
            TicketRouting.Route("installation", categories: ["installation"], departments: ["sales", "eng"]),
            TicketRouting.Route("general", departments: ["sales"]),
        ])
        return configuration
    }

    static func draft(_ subject: String) -> TicketDraft {
        TicketDraft(subject: subject, description: "Please install the cold room in hall 2.", category: "installation")
    }

    /// The workplace with the customer; with `ticket`, a ticket the contact opened, brought to `state`
    /// (`.open`, `.resolved` or `.closed`). Returns the contact too. The engine has the host's `rules`.
    static func desk(ticket: Bool = true, state: Ticket.State = .open, rules: [any AccessRuleExtension] = []) async throws
        -> (w: Workplace, anna: Member.ID, ticket: Ticket.ID?)
    {
        var configuration = configuration()
        configuration.accessControl.rules = rules
        let w = try await Workplace(storage: .underTest, configuration: configuration)
        let registration = try await w.engine.customers.recordSignedContract(SignedContract(
            contractID: "K-1", customerKey: "CUST-1", customerName: "Lotus Foods", timeZoneIdentifier: "Europe/Berlin",
            contacts: [ExternalContact(displayName: "Anna Lotus", email: "anna@lotus.example")],
            signedAt: Date(timeIntervalSince1970: 1_767_000_000), salesOwnerID: handler), by: handler)
        let anna = try #require(registration.newContactIDs.first)
        guard ticket else { return (w, anna, nil) }
        let opened = try await w.engine.tickets.open(draft("Install the cold room"), by: anna)
        if state == .resolved || state == .closed {
            try await w.engine.tickets.resolve(opened.id, resolution: "Installed on Monday.", by: handler)
        }
        if state == .closed { try await w.engine.tickets.close(opened.id, by: anna) }
        return (w, anna, opened.id)
    }

    static let writes: [KeyedWrite] = [
        KeyedWrite("tickets.open") {
            let (w, anna, _) = try await desk(ticket: false)
            return KeyedWriteSetup(h: w.h, actor: anna,
                write: { key in try resultJSON(try await w.engine.tickets.open(draft("Cold room"), by: anna, idempotencyKey: key)) },
                other: { key in try resultJSON(try await w.engine.tickets.open(draft("Door seal"), by: anna, idempotencyKey: key)) })
        },
        KeyedWrite("tickets.reply") {
            let (w, _, ticket) = try await desk()
            let id = try #require(ticket)
            return KeyedWriteSetup(h: w.h, actor: handler,
                write: { key in
                    try resultJSON(try await w.engine.tickets.reply(to: id, "We check it today.", by: handler,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.tickets.reply(to: id, "We check it today.", audience: .internal,
                        by: handler, idempotencyKey: key))
                })
        },
        KeyedWrite("tickets.forward") {
            let (w, _, ticket) = try await desk()
            let id = try #require(ticket)
            return KeyedWriteSetup(h: w.h, actor: handler,
                write: { key in
                    try resultJSON(try await w.engine.tickets.forward(id, note: "Please assess it.", by: handler,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.tickets.forward(id, note: "Yours now.", by: handler,
                        idempotencyKey: key))
                })
        },
        KeyedWrite("tickets.waitForCustomer") {
            let (w, _, ticket) = try await desk()
            let id = try #require(ticket)
            return KeyedWriteSetup(h: w.h, actor: handler,
                write: { key in
                    try resultJSON(try await w.engine.tickets.waitForCustomer(id, question: "Which hall?", by: handler,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.tickets.waitForCustomer(id, question: "Which day?", by: handler,
                        idempotencyKey: key))
                })
        },
        KeyedWrite("tickets.resolve") {
            let (w, _, ticket) = try await desk()
            let id = try #require(ticket)
            return KeyedWriteSetup(h: w.h, actor: handler,
                write: { key in
                    try resultJSON(try await w.engine.tickets.resolve(id, resolution: "Installed.", by: handler,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.tickets.resolve(id, resolution: "Installed and tested.",
                        by: handler, idempotencyKey: key))
                })
        },
        KeyedWrite("tickets.close") {
            let (w, anna, ticket) = try await desk(state: .resolved)
            let id = try #require(ticket)
            let other = try await w.engine.tickets.open(draft("Door seal"), by: anna)
            return KeyedWriteSetup(h: w.h, actor: anna,
                write: { key in try resultJSON(try await w.engine.tickets.close(id, by: anna, idempotencyKey: key)) },
                other: { key in try resultJSON(try await w.engine.tickets.close(other.id, by: anna, idempotencyKey: key)) })
        },
        KeyedWrite("tickets.rate") {
            let (w, anna, ticket) = try await desk(state: .closed)
            let id = try #require(ticket)
            return KeyedWriteSetup(h: w.h, actor: anna,
                write: { key in
                    try resultJSON(try await w.engine.tickets.rate(id, score: 5, comment: "Fast.", by: anna,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.tickets.rate(id, score: 4, comment: "Fast.", by: anna,
                        idempotencyKey: key))
                })
        },
    ]

    @Test("a replay with the same key returns the first result and writes nothing", arguments: writes)
    func replay(_ write: KeyedWrite) async throws { try await expectReplayWritesNothing(write) }

    @Test("the same key with another payload is idempotency_key_reused and writes nothing", arguments: writes)
    func otherPayload(_ write: KeyedWrite) async throws { try await expectOtherPayloadRefused(write) }

    @Test("a deactivated actor is refused (forbidden) and nothing is written", arguments: writes)
    func deactivated(_ write: KeyedWrite) async throws { try await expectDeactivatedActorRefused(write) }

    @Test("a replay for a handler who left the department reads as a ticket that does not exist")
    func replayAfterLosingSight() async throws {
        let (w, _, ticket) = try await Self.desk()
        let id = try #require(ticket)
        let forwarded = try await w.engine.tickets.forward(id, note: "Please assess it.", by: Self.handler, idempotencyKey: "k")
        #expect(try await w.engine.tickets.forward(id, note: "Please assess it.", by: Self.handler, idempotencyKey: "k")
            == forwarded, "while sales still sees the ticket")
        var member = try #require(try await w.h.store.member(Self.handler))
        member.departments = []
        try await w.h.store.save(member)
        let before = try await w.h.tableSnapshot()
        await expectFailure(.notFound, "the replay after leaving sales") {
            try await w.engine.tickets.forward(id, note: "Please assess it.", by: Self.handler, idempotencyKey: "k")
        }
        #expect(try await w.h.tableSnapshot() == before)
    }
}
