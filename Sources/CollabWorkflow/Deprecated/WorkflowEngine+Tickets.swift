import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// The engine's methods before the desks (issue 16), kept for one release as forwards to the desks.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "tickets.open(_:by:onBehalfOf:idempotencyKey:)")
    @discardableResult
    public func openTicket(_ draft: TicketDraft, by member: Member.ID, onBehalfOf contact: Member.ID? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> Ticket {
        try await tickets.open(draft, by: member, onBehalfOf: contact, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "tickets.reply(to:_:audience:attachments:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func reply(to id: Ticket.ID, _ body: String, audience: TicketMessage.Audience = .customer, attachments: [FileAttachment] = [], by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> TicketMessage {
        try await tickets.reply(to: id, body, audience: audience, attachments: attachments, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "tickets.forward(_:note:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func forwardTicket(_ id: Ticket.ID, note: String, by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> Ticket {
        try await tickets.forward(id, note: note, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "tickets.waitForCustomer(_:question:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func waitForCustomer(_ id: Ticket.ID, question: String, by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> Ticket {
        try await tickets.waitForCustomer(id, question: question, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "tickets.resolve(_:resolution:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func resolveTicket(_ id: Ticket.ID, resolution: String, by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> Ticket {
        try await tickets.resolve(id, resolution: resolution, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "tickets.close(_:by:idempotencyKey:)")
    @discardableResult
    public func closeTicket(_ id: Ticket.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Ticket {
        try await tickets.close(id, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "tickets.rate(_:score:comment:by:idempotencyKey:)")
    @discardableResult
    public func rateTicket(_ id: Ticket.ID, score: Int, comment: String? = nil, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Ticket {
        try await tickets.rate(id, score: score, comment: comment, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "tickets.ticket(_:as:)")
    public func ticket(_ id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> Ticket {
        try await tickets.ticket(id, as: viewer)
    }

    @available(*, deprecated, renamed: "tickets.customerTicket(_:as:)")
    public func customerTicket(_ id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> CustomerTicketView {
        try await tickets.customerTicket(id, as: viewer)
    }

    @available(*, deprecated, renamed: "tickets.messages(of:as:)")
    public func ticketMessages(of id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> [TicketMessage] {
        try await tickets.messages(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "tickets.list(as:page:)")
    public func tickets(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<Ticket> {
        try await tickets.list(as: viewer, page: page)
    }

    @available(*, deprecated, renamed: "tickets.customerTickets(as:page:)")
    public func customerTickets(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<CustomerTicketView> {
        try await tickets.customerTickets(as: viewer, page: page)
    }

    @available(*, deprecated, renamed: "tickets.serviceStatus(of:as:)")
    public func serviceStatus(of id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> ServiceTargetStatus {
        try await tickets.serviceStatus(of: id, as: viewer)
    }
}
