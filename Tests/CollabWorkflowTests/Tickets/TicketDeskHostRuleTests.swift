import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the ticket desk refused by a host rule that denies its action (``PortalHostRuleChecks``), on
/// the desk of ``TicketDeskKeyTests``: the head of sales handles the ticket, `anna` is the customer's contact.
@Suite struct TicketDeskHostRuleTests {
    typealias K = TicketDeskKeyTests

    static let writes: [PortalHostRuleWrite] = [
        PortalHostRuleWrite("tickets.open (a contact)", .openTicket) { rule in
            let (w, anna, _) = try await K.desk(ticket: false, rules: [rule])
            return PortalHostRuleSetup(h: w.h) { try await w.engine.tickets.open(K.draft("Cold room"), by: anna) }
        },
        PortalHostRuleWrite("tickets.open (on a contact's behalf)", .openTicket) { rule in
            let (w, anna, _) = try await K.desk(ticket: false, rules: [rule])
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.tickets.open(K.draft("Cold room"), by: K.handler, onBehalfOf: anna)
            }
        },
        PortalHostRuleWrite("tickets.reply (the department)", .replyToTicket) { rule in
            let (w, _, ticket) = try await K.desk(rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.tickets.reply(to: id, "We check it today.", by: K.handler)
            }
        },
        PortalHostRuleWrite("tickets.reply (an internal note)", .replyToTicket) { rule in
            let (w, _, ticket) = try await K.desk(rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.tickets.reply(to: id, "Check the power first.", audience: .internal, by: K.handler)
            }
        },
        PortalHostRuleWrite("tickets.reply (the customer)", .replyToTicket) { rule in
            let (w, anna, ticket) = try await K.desk(rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) { try await w.engine.tickets.reply(to: id, "Any news?", by: anna) }
        },
        PortalHostRuleWrite("tickets.forward", .forwardTicket) { rule in
            let (w, _, ticket) = try await K.desk(rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.tickets.forward(id, note: "Please assess it.", by: K.handler)
            }
        },
        PortalHostRuleWrite("tickets.waitForCustomer", .waitForCustomer) { rule in
            let (w, _, ticket) = try await K.desk(rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.tickets.waitForCustomer(id, question: "Which hall?", by: K.handler)
            }
        },
        PortalHostRuleWrite("tickets.resolve", .resolveTicket) { rule in
            let (w, _, ticket) = try await K.desk(rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.tickets.resolve(id, resolution: "Installed.", by: K.handler)
            }
        },
        PortalHostRuleWrite("tickets.close (the customer)", .closeTicket) { rule in
            let (w, anna, ticket) = try await K.desk(state: .resolved, rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) { try await w.engine.tickets.close(id, by: anna) }
        },
        PortalHostRuleWrite("tickets.close (the department)", .closeTicket) { rule in
            let (w, _, ticket) = try await K.desk(state: .resolved, rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) { try await w.engine.tickets.close(id, by: K.handler) }
        },
        PortalHostRuleWrite("tickets.rate", .rateTicket) { rule in
            let (w, anna, ticket) = try await K.desk(state: .closed, rules: [rule])
            let id = try #require(ticket)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.tickets.rate(id, score: 5, comment: "Fast.", by: anna)
            }
        },
    ]

    @Test("a host rule denying the write's action refuses it (forbidden) and nothing is written", arguments: writes)
    func hostRule(_ write: PortalHostRuleWrite) async throws { try await expectHostRuleRefuses(write) }
}

/// The reads of the ticket desk decide through the same access control: a host rule refusing
/// ``RecordAction/viewTicketInternals`` hides a ticket's company view and internal notes from a member of the
/// company who sees the ticket (the ticket reads as one that does not exist), while the customer's view stays.
@Suite struct TicketDeskHostRuleReadTests {
    @Test("a host rule denying view_internals hides the company's view of a ticket and its internal notes")
    func internalsRefused() async throws {
        let rule = SwitchedHostRule()
        let (w, _, ticket) = try await TicketDeskKeyTests.desk(rules: [rule])
        let id = try #require(ticket)
        let handler = TicketDeskKeyTests.handler
        try await w.engine.tickets.reply(to: id, "Check the power first.", audience: .internal, by: handler)
        #expect(try await w.engine.tickets.messages(of: id, as: handler).map(\.audience).contains(.internal))
        rule.deny(.viewTicketInternals)
        await expectFailure(.notFound, "the company's view of the ticket") {
            _ = try await w.engine.tickets.ticket(id, as: handler)
        }
        let seen = try await w.engine.tickets.messages(of: id, as: handler)
        #expect(!seen.isEmpty && seen.allSatisfy { $0.audience == .customer }, "the description, not the note")
        #expect(try await w.engine.tickets.customerTicket(id, as: handler).id == id)
    }

    @Test("the ticket list shows every ticket to whom the access control lets see the organization's tickets")
    func listDecidesThroughAccessControl() async throws {
        let (w, _, ticket) = try await TicketDeskKeyTests.desk()
        let id = try #require(ticket)
        #expect(try await w.engine.tickets.list(as: Workplace.admin).items.map(\.id) == [id])
        #expect(try await w.engine.tickets.list(as: Workplace.auditor).items.map(\.id) == [id])
        #expect(try await w.engine.tickets.list(as: Workplace.bystander).items.isEmpty)
    }
}
