import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The ticket desk: a customer's contacts (or a member of the company on their behalf) open tickets, which
/// follow a route of departments (the stored `OrganizationSettings.ticketRouting`) under service targets
/// (the stored `OrganizationSettings.ticketServiceTargets`) measured in working time; the handling department
/// replies, leaves internal notes, forwards, waits for the customer, resolves; the customer closes and rates.
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data, the rights re-checked at commit, and one atomic commit of the change with its audit
/// event, notifications and service-target timers.
///
/// ```swift
/// let ticket = try await engine.tickets.open(
///     TicketDraft(subject: "Install the cold room", description: "Hall 2, next week.", category: "installation"),
///     by: "zhu.lan", idempotencyKey: "portal-request-8812")
/// try await engine.tickets.reply(to: ticket.id, "We will check the site today.", by: "qian.yu")
/// try await engine.tickets.forward(ticket.id, note: "Please assess the power supply.", by: "qian.yu")
/// ```
///
/// Every write takes an optional `idempotencyKey`: a key chosen by the caller; a retry with the same key and
/// the same input returns the first result and changes nothing, to an actor who may still see the ticket (else
/// `CollabError.Code.notFound`). The same key with another input is `CollabError.Code.idempotencyKeyReused`.
/// Keys are scoped to the actor. A deactivated actor is refused with `CollabError.Code.forbidden`, and
/// nothing is written when a write throws.
public struct TicketDesk: Sendable {
    let engine: WorkflowEngine

    /// A replay's check: `CollabError.Code.notFound` unless `subject` may still see the ticket.
    private func visible(_ id: Ticket.ID) -> (Subject, Ticket) async throws(CollabError) -> Void {
        let engine = engine
        return { subject, _ throws(CollabError) in _ = try await engine.visibleTicket(id, to: subject, expectedVersion: nil) }
    }

    // MARK: Opening

    /// Opens a ticket: a customer contact asks, or a member of the company records the request of a contact
    /// (`onBehalfOf`). The ticket takes the first route of the stored `OrganizationSettings.ticketRouting` that
    /// matches its category, starts at the route's first department (whose members are told), and its service
    /// clocks start.
    ///
    /// - Throws: `CollabError.Code.forbidden` for a member who is neither a customer contact nor a member of
    ///   the company; `CollabError.Code.invalidInput` when no route takes the category, or the draft is wrong.
    @discardableResult
    public func open(
        _ draft: TicketDraft, by member: Member.ID, onBehalfOf contact: Member.ID? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> Ticket {
        let engine = engine
        return try await engine.run(Command("open_ticket", by: member, inputs: ["draft": draft, "onBehalfOf": contact],
            idempotencyKey: idempotencyKey, visible: { subject, ticket throws(CollabError) in
                _ = try await engine.visibleTicket(ticket.id, to: subject, expectedVersion: nil)
            })) { planning throws(CollabError) in
            try await engine.planOpenTicket(draft, onBehalfOf: contact, planning)
        }
    }

    // MARK: Working on a ticket

    /// Writes on a ticket. A member of the company handling it replies to the customer (`.customer`; the first
    /// reply meets the first-response target) or leaves an internal note the customer never sees
    /// (`.internal`). A customer contact always replies (`.customer`): a reply while the ticket waits for the
    /// customer resumes its clocks, one on a resolved ticket reopens it.
    ///
    /// - Parameter id: the ticket.
    /// - Parameter body: the text.
    /// - Parameter audience: `.customer` for a reply the customer reads, `.internal` for a note only the
    ///   company reads.
    /// - Parameter attachments: files, uploaded first (``DocumentDesk``).
    /// - Parameter member: a member of the company handling the ticket, or one of the customer's contacts.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and writes
    ///   nothing again; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Parameter expectedVersion: the ticket version the caller read (`CollabError.Code.conflict` if the
    ///   ticket has changed since).
    @discardableResult
    public func reply(
        to id: Ticket.ID, _ body: String, audience: TicketMessage.Audience = .customer,
        attachments: [FileAttachment] = [], by member: Member.ID, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> TicketMessage {
        let engine = engine
        return try await engine.run(Command("reply", by: member, inputs: [
            "id": id, "body": body, "audience": audience, "attachments": attachments, "expectedVersion": expectedVersion,
        ], idempotencyKey: idempotencyKey, visible: { subject, message throws(CollabError) in
            // An internal note is replayed only to who may read it now.
            let ticket = try await engine.visibleTicket(message.ticketID, to: subject, expectedVersion: nil)
            if message.audience == .internal, !engine.isAllowed(subject, .viewTicketInternals, on: .ticket(ticket)) {
                throw CollabError.notFound("ticket message", message.id.rawValue)
            }
        })) { planning throws(CollabError) in
            try await engine.planReply(to: id, body, audience: audience, attachments: attachments,
                expectedVersion: expectedVersion, planning)
        }
    }

    /// The department handling a ticket hands it to the next department of its route, with an internal note;
    /// that department's members are told, and keep seeing the ticket afterwards like every department that
    /// handled it.
    ///
    /// - Throws: `CollabError.Code.invalidTransition` at the route's last department.
    @discardableResult
    public func forward(
        _ id: Ticket.ID, note: String, by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> Ticket {
        let engine = engine
        return try await engine.run(Command("forward_ticket", by: member,
            inputs: ["id": id, "note": note, "expectedVersion": expectedVersion], idempotencyKey: idempotencyKey,
            visible: visible(id))) { planning throws(CollabError) in
            try await engine.planForwardTicket(id, note: note, expectedVersion: expectedVersion, planning)
        }
    }

    /// Asks the customer a question and waits for the answer: the service clocks pause until the customer
    /// replies. The question counts as a reply (it meets the first-response target).
    @discardableResult
    public func waitForCustomer(
        _ id: Ticket.ID, question: String, by member: Member.ID, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> Ticket {
        let engine = engine
        return try await engine.run(Command("wait_for_customer", by: member,
            inputs: ["id": id, "question": question, "expectedVersion": expectedVersion],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planWaitForCustomer(id, question: question, expectedVersion: expectedVersion, planning)
        }
    }

    /// Resolves a ticket with an answer to the customer (the resolution target is met). The customer may then
    /// close it — and rate it — or reply to reopen it.
    @discardableResult
    public func resolve(
        _ id: Ticket.ID, resolution: String, by member: Member.ID, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> Ticket {
        let engine = engine
        return try await engine.run(Command("resolve_ticket", by: member,
            inputs: ["id": id, "resolution": resolution, "expectedVersion": expectedVersion],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planResolveTicket(id, resolution: resolution, expectedVersion: expectedVersion, planning)
        }
    }

    /// Closes a resolved ticket: the customer confirms the resolution, or the department closes it. After
    /// closing, the customer may rate it.
    @discardableResult
    public func close(_ id: Ticket.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError)
        -> Ticket
    {
        let engine = engine
        return try await engine.run(Command("close_ticket", by: member, inputs: ["id": id],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planCloseTicket(id, planning)
        }
    }

    /// The customer rates a closed ticket, once: 1 (poor) to 5 (excellent), with an optional comment. The
    /// departments that handled it are told: the loop is closed.
    @discardableResult
    public func rate(
        _ id: Ticket.ID, score: Int, comment: String? = nil, by member: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> Ticket {
        let engine = engine
        return try await engine.run(Command("rate_ticket", by: member,
            inputs: ["id": id, "score": score, "comment": comment], idempotencyKey: idempotencyKey,
            visible: visible(id))) { planning throws(CollabError) in
            try await engine.planRateTicket(id, score: score, comment: comment, planning)
        }
    }

    // MARK: Reading tickets

    /// The ticket, for a member of the company who may see it (every department that handled it,
    /// administrators, auditors). Customers read ``customerTicket(_:as:)``.
    ///
    /// - Throws: `CollabError.Code.notFound` when the ticket does not exist *or* the viewer may not see it.
    public func ticket(_ id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> Ticket {
        let subject = try await engine.subject(viewer)
        let ticket = try await engine.visibleTicket(id, to: subject, expectedVersion: nil)
        guard engine.isAllowed(subject, .viewTicketInternals, on: .ticket(ticket)) else {
            throw CollabError.notFound("ticket", id.rawValue)
        }
        return ticket
    }

    /// The ticket as its customer sees it: its progress and the replies for them, never internal notes. A
    /// member of the company who may see the ticket gets the same view (to see what the customer sees).
    public func customerTicket(_ id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> CustomerTicketView {
        let subject = try await engine.subject(viewer)
        let ticket = try await engine.visibleTicket(id, to: subject, expectedVersion: nil)
        return try await engine.customerView(of: ticket)
    }

    /// The messages of a ticket `viewer` may read: all of them inside the company, the replies only for the
    /// customer.
    public func messages(of id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> [TicketMessage] {
        let subject = try await engine.subject(viewer)
        let ticket = try await engine.visibleTicket(id, to: subject, expectedVersion: nil)
        let messages = try await engine.store.ticketMessages(of: id)
        return engine.isAllowed(subject, .viewTicketInternals, on: .ticket(ticket))
            ? messages : messages.filter { $0.audience == .customer }
    }

    /// The tickets `viewer` may see inside the company, newest first: all for administrators and auditors,
    /// those their departments handled for others. Customers list theirs with ``customerTickets(as:page:)``.
    public func list(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<Ticket> {
        let subject = try await engine.subject(viewer)
        // Customers list with ``customerTickets(as:page:)``; a deactivated member sees no ticket (the access
        // control denies each one): answered without a query.
        guard !subject.isExternal, subject.isActive else { return Page(items: [], nextCursor: nil) }
        var found: Page<Ticket>
        if engine.isAllowed(subject, .viewTicket, on: .organization(subject.organizationID)) {
            found = try await engine.store.tickets(in: subject.organizationID, customerID: nil, handledBy: nil, page: page)
        } else {
            found = try await engine.store.tickets(in: subject.organizationID, customerID: nil,
                handledBy: subject.departmentIDs.union(subject.headedDepartmentIDs), page: page)
        }
        // The query narrows by the same rule; each ticket is still decided by the access control.
        found.items = found.items.filter { engine.isAllowed(subject, .viewTicket, on: .ticket($0)) }
        return found
    }

    /// The tickets of `viewer`'s customer organization as the customer sees them, newest first.
    public func customerTickets(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<CustomerTicketView>
    {
        let subject = try await engine.subject(viewer)
        // Members of the company list tickets with ``list(as:page:)``; the customer sees the tickets the access
        // control lets it see (none while its collaboration is disabled or the contact is deactivated).
        guard subject.isExternal else { return Page(items: [], nextCursor: nil) }
        let found = try await engine.store.tickets(in: nil, customerID: subject.organizationID, handledBy: nil, page: page)
        var views: [CustomerTicketView] = []
        for ticket in found.items where engine.isAllowed(subject, .viewTicket, on: .ticket(ticket)) {
            views.append(try await engine.customerView(of: ticket))
        }
        return Page(items: views, nextCursor: found.nextCursor)
    }

    /// How a ticket stands against its service targets, in working time of the handling department's calendar
    /// with the waits for the customer left out. For members of the company who may see the ticket.
    public func serviceStatus(of id: Ticket.ID, as viewer: Member.ID) async throws(CollabError) -> ServiceTargetStatus {
        let ticket = try await self.ticket(id, as: viewer)
        return try await engine.serviceStatus(of: ticket, now: engine.now())
    }
}

extension WorkflowEngine {
    /// The ticket desk: customer tickets, their routes between departments and their service targets.
    public var tickets: TicketDesk { TicketDesk(engine: self) }
}
