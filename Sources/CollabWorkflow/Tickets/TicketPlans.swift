import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    // MARK: Opening

    /// Plans ``TicketDesk/open(_:by:onBehalfOf:idempotencyKey:)``.
    func planOpenTicket(_ draft: TicketDraft, onBehalfOf contact: Member.ID?, _ planning: Planning)
        async throws(CollabError) -> Planned<Ticket>
    {
        let subject = planning.subject
        let member = subject.memberID
        var resolution = ValidationReport()
        var draft = draft
        draft.attachments = try await resolveAttachments(draft.attachments, for: subject, report: &resolution)
        var report = draft.validate(limits: configuration.limits, attachmentPolicy: configuration.attachmentPolicy)
        report.merge(resolution)
        let requester: Member.ID
        let customer: CustomerRecord
        // A customer's contact opens tickets of their own organization, a member of the company on a contact's
        // behalf: both are decided on the subject's own organization.
        try authorize(subject, .openTicket, on: .organization(subject.organizationID),
            otherwise: CollabError(.forbidden, subject.isExternal
                ? "member '\(member)' is not a contact of a customer" : "member '\(member)' may not open tickets"))
        if subject.isExternal {
            guard let record = try await store.customer(subject.organizationID) else {
                throw CollabError(.forbidden, "member '\(member)' is not a contact of a customer")
            }
            requester = member
            customer = record
        } else {
            guard let contact, let contactMember = try await directory.member(contact), contactMember.isActive,
                let record = try await store.customer(contactMember.organizationID),
                record.organizationID == subject.organizationID
            else {
                throw CollabError.invalid([ValidationProblem(field: "onBehalfOf", kind: .unknownMember,
                    message: "'\(contact?.rawValue ?? "")' is not an active contact of a customer of the company")])
            }
            requester = contact
            customer = record
        }
        let route = try await organizationSettings(customer.organizationID).ticketRouting.route(for: draft.category)
        let departments = Set(try await store.departments(in: customer.organizationID).map(\.id))
        if let route {
            for department in route.departmentIDs where !departments.contains(department) {
                report.add("category", .unknownDepartment,
                    "route '\(route.name)' names department '\(department)', which does not exist")
            }
        } else {
            report.add("category", .malformed, "no routing rule takes tickets of category '\(draft.category.clipped())'")
        }
        try report.throwIfInvalid()
        guard let route, let first = route.departmentIDs.first else { throw CollabError.invalid(report.problems) }
        let now = planning.now
        let ticket = Ticket(
            id: Ticket.ID(identifiers.next()), organizationID: customer.organizationID, customerID: customer.id,
            requesterID: requester, subject: draft.subject, description: draft.description, category: draft.category,
            priority: draft.priority, route: route.name, routeDepartmentIDs: route.departmentIDs, departmentID: first,
            handledBy: [first], createdAt: now)
        var change = ChangeSet()
        change.external.tickets = [ticket]
        change.external.ticketMessages = [TicketMessage(
            id: TicketMessage.ID(identifiers.next()), ticketID: ticket.id, authorID: requester, body: draft.description,
            audience: .customer, attachments: draft.attachments, createdAt: now)]
        change.auditEvents = [ticketEvent(ticket, actor: member, action: "open_ticket",
            details: ["category": ticket.category, "route": route.name, "department": first.rawValue,
                "customer": customer.id.rawValue, "on_behalf_of": contact?.rawValue ?? ""], at: now)]
        try await notifyDepartment(of: ticket, into: &change, actor: member,
            message: LocalizedMessage("notice.ticket_opened", [
                "subject": .text(ticket.subject), "customer": .text(customer.name), "category": .text(ticket.category),
                "priority": .term("priority." + ticket.priority.rawValue), "text": .text(ticket.description.clipped(300)),
            ]), at: now)
        try await scheduleServiceTimers(for: ticket, into: &change, now: now)
        return Planned(change, ticket)
    }

    // MARK: Working on a ticket

    /// Plans ``TicketDesk/reply(to:_:audience:attachments:by:expectedVersion:idempotencyKey:)``.
    func planReply(
        to id: Ticket.ID, _ body: String, audience: TicketMessage.Audience, attachments: [FileAttachment],
        expectedVersion: Int?, _ planning: Planning
    ) async throws(CollabError) -> Planned<TicketMessage> {
        let subject = planning.subject
        let member = subject.memberID
        var ticket = try await visibleTicket(id, to: subject, expectedVersion: expectedVersion)
        var report = ValidationReport()
        let attachments = try await resolveAttachments(attachments, for: subject, report: &report)
        report.checkText(body, field: "body", maxLength: configuration.limits.textLength, allowNewlines: true)
        if attachments.count > configuration.limits.attachmentCount {
            report.add("attachments", .tooLong,
                "has \(attachments.count) attachments, at most \(configuration.limits.attachmentCount)")
        }
        for (index, attachment) in attachments.enumerated() {
            report.merge(attachment.validate(policy: configuration.attachmentPolicy, field: "attachments[\(index)]"))
        }
        try report.throwIfInvalid()
        guard ticket.state != .closed else { throw CollabError(.invalidTransition, "ticket '\(id)' is closed") }
        let now = planning.now
        try authorize(subject, .replyToTicket, on: .ticket(ticket),
            otherwise: CollabError(.forbidden,
                "member '\(member)' may not write on ticket '\(id)': only its department '\(ticket.departmentID)' does"))
        // Which side writes (the access control allowed it): a contact of the customer, or the company.
        let fromCustomer = subject.organizationID == ticket.customerID
        let message = TicketMessage(
            id: TicketMessage.ID(identifiers.next()), ticketID: id, authorID: member, body: body,
            audience: fromCustomer ? .customer : audience, attachments: attachments, createdAt: now)
        var change = ChangeSet()
        change.external.ticketMessages = [message]
        var details = ["audience": message.audience.rawValue, "message": message.id.rawValue]
        let name = subject.displayName ?? member.rawValue
        if fromCustomer {
            if ticket.state == .waitingForCustomer { resume(&ticket, at: now); details["resumed"] = "true" }
            if ticket.state == .resolved {
                // Reopened: the time it stood resolved does not count against the resolution target.
                if let resolvedAt = ticket.resolvedAt, now > resolvedAt {
                    ticket.pauses.append(DateInterval(start: resolvedAt, end: now))
                }
                ticket.resolvedAt = nil
                ticket.state = .open
                details["reopened"] = "true"
            }
            try await notifyDepartment(of: ticket, into: &change, actor: member,
                message: LocalizedMessage("notice.ticket_customer_reply", [
                    "subject": .text(ticket.subject), "actor": .text(name), "text": .text(body.clipped(300)),
                ]), at: now)
        } else {
            if ticket.handlerID == nil { ticket.handlerID = member }
            if audience == .customer {
                if ticket.firstResponseAt == nil { ticket.firstResponseAt = now; details["first_response"] = "true" }
                notifyCustomer(of: ticket, into: &change, actor: member,
                    message: LocalizedMessage("notice.ticket_reply", [
                        "subject": .text(ticket.subject), "actor": .text(name), "text": .text(body.clipped(300)),
                    ]), at: now)
            }
        }
        ticket.version += 1
        change.external.tickets = [ticket]
        change.auditEvents = [ticketEvent(ticket, actor: member,
            action: fromCustomer ? "customer_reply" : (audience == .customer ? "reply" : "note"), details: details, at: now)]
        try await scheduleServiceTimers(for: ticket, into: &change, now: now)
        return Planned(change, message)
    }

    /// Plans ``TicketDesk/forward(_:note:by:expectedVersion:idempotencyKey:)``.
    func planForwardTicket(_ id: Ticket.ID, note: String, expectedVersion: Int?, _ planning: Planning)
        async throws(CollabError) -> Planned<Ticket>
    {
        let member = planning.subject.memberID
        var (subject, ticket) = try await ticketToHandle(id, .forwardTicket, planning.subject, expectedVersion: expectedVersion,
            text: (note, "note"), in: [.open, .waitingForCustomer], action: "forward")
        guard let index = ticket.routeDepartmentIDs.firstIndex(of: ticket.departmentID),
            index + 1 < ticket.routeDepartmentIDs.count
        else {
            throw CollabError(.invalidTransition,
                "ticket '\(id)' is at the last department of route '\(ticket.route)'")
        }
        let now = planning.now
        let from = ticket.departmentID
        let next = ticket.routeDepartmentIDs[index + 1]
        ticket.departmentID = next
        ticket.handlerID = nil
        if !ticket.handledBy.contains(next) { ticket.handledBy.append(next) }
        ticket.version += 1
        var change = ChangeSet()
        change.external.tickets = [ticket]
        change.external.ticketMessages = [TicketMessage(
            id: TicketMessage.ID(identifiers.next()), ticketID: id, authorID: member, body: note, audience: .internal,
            createdAt: now)]
        change.auditEvents = [ticketEvent(ticket, actor: member, action: "forward_ticket",
            details: ["from": from.rawValue, "to": next.rawValue], at: now)]
        // The department taking over may work on another calendar: the targets' due instants move with it.
        try await scheduleServiceTimers(for: ticket, into: &change, now: now)
        try await notifyDepartment(of: ticket, into: &change, actor: member, message: LocalizedMessage("notice.ticket_forwarded", [
                "subject": .text(ticket.subject), "actor": .text(subject.displayName ?? member.rawValue),
                "note": .text(note.clipped(300)),
            ]), at: now)
        return Planned(change, ticket)
    }

    /// Plans ``TicketDesk/waitForCustomer(_:question:by:expectedVersion:idempotencyKey:)``.
    func planWaitForCustomer(_ id: Ticket.ID, question: String, expectedVersion: Int?, _ planning: Planning)
        async throws(CollabError) -> Planned<Ticket>
    {
        let member = planning.subject.memberID
        var (subject, ticket) = try await ticketToHandle(id, .waitForCustomer, planning.subject, expectedVersion: expectedVersion,
            text: (question, "question"), in: [.open], action: "wait for the customer on")
        let now = planning.now
        ticket.state = .waitingForCustomer
        ticket.waitingSince = now
        if ticket.firstResponseAt == nil { ticket.firstResponseAt = now }
        if ticket.handlerID == nil { ticket.handlerID = member }
        ticket.version += 1
        var change = ChangeSet()
        change.external.tickets = [ticket]
        change.external.ticketMessages = [TicketMessage(
            id: TicketMessage.ID(identifiers.next()), ticketID: id, authorID: member, body: question, audience: .customer,
            createdAt: now)]
        change.auditEvents = [ticketEvent(ticket, actor: member, action: "wait_for_customer", details: [:], at: now)]
        notifyCustomer(of: ticket, into: &change, actor: member, message: LocalizedMessage("notice.ticket_question", [
                "subject": .text(ticket.subject), "actor": .text(subject.displayName ?? member.rawValue),
                "text": .text(question.clipped(300)),
            ]), at: now)
        return Planned(change, ticket)
    }

    /// Plans ``TicketDesk/resolve(_:resolution:by:expectedVersion:idempotencyKey:)``.
    func planResolveTicket(_ id: Ticket.ID, resolution: String, expectedVersion: Int?, _ planning: Planning)
        async throws(CollabError) -> Planned<Ticket>
    {
        let member = planning.subject.memberID
        var (subject, ticket) = try await ticketToHandle(id, .resolveTicket, planning.subject, expectedVersion: expectedVersion,
            text: (resolution, "resolution"), in: [.open, .waitingForCustomer], action: "resolve")
        let now = planning.now
        if ticket.state == .waitingForCustomer { resume(&ticket, at: now) }
        ticket.state = .resolved
        ticket.resolvedAt = now
        if ticket.firstResponseAt == nil { ticket.firstResponseAt = now }
        if ticket.handlerID == nil { ticket.handlerID = member }
        ticket.version += 1
        var change = ChangeSet()
        change.external.tickets = [ticket]
        change.external.ticketMessages = [TicketMessage(
            id: TicketMessage.ID(identifiers.next()), ticketID: id, authorID: member, body: resolution, audience: .customer,
            createdAt: now)]
        change.auditEvents = [ticketEvent(ticket, actor: member, action: "resolve_ticket", details: [:], at: now)]
        notifyCustomer(of: ticket, into: &change, actor: member, message: LocalizedMessage("notice.ticket_resolved", [
                "subject": .text(ticket.subject), "actor": .text(subject.displayName ?? member.rawValue),
                "text": .text(resolution.clipped(300)),
            ]),
            at: now)
        return Planned(change, ticket)
    }

    /// Plans ``TicketDesk/close(_:by:idempotencyKey:)``.
    func planCloseTicket(_ id: Ticket.ID, _ planning: Planning) async throws(CollabError) -> Planned<Ticket> {
        let subject = planning.subject
        let member = subject.memberID
        var ticket = try await visibleTicket(id, to: subject, expectedVersion: nil)
        try authorize(subject, .closeTicket, on: .ticket(ticket),
            otherwise: CollabError(.forbidden, "member '\(member)' may not close ticket '\(id)'"))
        // Which side closes (the access control allowed it): a contact of the customer, or the company.
        let fromCustomer = subject.organizationID == ticket.customerID
        guard ticket.state == .resolved else {
            throw CollabError(.invalidTransition, "ticket '\(id)' is \(ticket.state.rawValue): only a resolved ticket closes")
        }
        let now = planning.now
        ticket.state = .closed
        ticket.closedAt = now
        ticket.version += 1
        var change = ChangeSet()
        change.external.tickets = [ticket]
        change.auditEvents = [ticketEvent(ticket, actor: member, action: "close_ticket",
            details: ["by_customer": fromCustomer ? "true" : "false"], at: now)]
        if fromCustomer {
            try await notifyDepartment(of: ticket, into: &change, actor: member, message: LocalizedMessage("notice.ticket_closed_by_customer", ["subject": .text(ticket.subject)]), at: now)
        } else {
            notifyCustomer(of: ticket, into: &change, actor: member, message: LocalizedMessage("notice.ticket_closed", ["subject": .text(ticket.subject)]), at: now)
        }
        return Planned(change, ticket)
    }

    /// Plans ``TicketDesk/rate(_:score:comment:by:idempotencyKey:)``.
    func planRateTicket(_ id: Ticket.ID, score: Int, comment: String?, _ planning: Planning)
        async throws(CollabError) -> Planned<Ticket>
    {
        let subject = planning.subject
        let member = subject.memberID
        var ticket = try await visibleTicket(id, to: subject, expectedVersion: nil)
        try authorize(subject, .rateTicket, on: .ticket(ticket),
            otherwise: CollabError(.forbidden, "only the customer rates ticket '\(id)'"))
        var report = ValidationReport()
        if !(1...5).contains(score) { report.add("score", .outOfRange, "\(score) is not between 1 and 5") }
        if let comment {
            report.checkText(comment, field: "comment", maxLength: configuration.limits.textLength, required: false,
                allowNewlines: true)
        }
        try report.throwIfInvalid()
        guard ticket.state == .closed else {
            throw CollabError(.invalidTransition, "ticket '\(id)' is \(ticket.state.rawValue): a ticket is rated once closed")
        }
        guard ticket.rating == nil else { throw CollabError(.invalidTransition, "ticket '\(id)' is already rated") }
        let now = planning.now
        ticket.rating = Ticket.Rating(score: score, comment: comment, ratedBy: member, ratedAt: now)
        ticket.version += 1
        var change = ChangeSet()
        change.external.tickets = [ticket]
        change.auditEvents = [ticketEvent(ticket, actor: member, action: "rate_ticket",
            details: ["score": String(score)], at: now)]
        var recipients = Set(try await store.members(in: ticket.organizationID).filter { member in
            member.isActive && member.departments.contains { ticket.handledBy.contains($0.departmentID) && $0.role == .head }
        }.map(\.id))
        if let handler = ticket.handlerID { recipients.insert(handler) }
        for recipient in recipients.sorted() {
            change.notifications.append(Notice(
                id: Notice.ID(identifiers.next()), organizationID: ticket.organizationID, recipientID: recipient,
                kind: .ticketUpdate, urgency: .normal, itemID: nil, actorID: member,
                message: LocalizedMessage(comment == nil ? "notice.ticket_rated" : "notice.ticket_rated_comment", [
                    "subject": .text(ticket.subject), "score": .integer(score), "comment": .text(comment ?? ""),
                ]), createdAt: now, record: .ticket(ticket.id)))
        }
        return Planned(change, ticket)
    }

    // MARK: Service targets

    func serviceStatus(of ticket: Ticket, now: Date) async throws(CollabError) -> ServiceTargetStatus {
        let calendar = try await workingCalendar(of: ticket.organizationID, department: ticket.departmentID)
        let targets = try await organizationSettings(ticket.organizationID).ticketServiceTargets.targets(for: ticket.priority)
        let pauses = ticket.pauses(until: now)
        let paused = ticket.waitingSince != nil
        func status(_ allowed: Duration, metAt: Date?) -> ServiceTargetStatus.Target {
            let end = metAt ?? now
            let used = end > ticket.createdAt
                ? calendar.workingTime(from: ticket.createdAt, to: end, excluding: pauses) : .zero
            let due = metAt == nil && paused ? nil : calendar.addingWorkingTime(allowed, to: ticket.createdAt, excluding: pauses)
            let breached = metAt == nil ? used >= allowed : used > allowed
            return ServiceTargetStatus.Target(allowed: allowed, used: used, dueAt: due, metAt: metAt, isBreached: breached)
        }
        let resolved = ticket.state == .resolved || ticket.state == .closed ? ticket.resolvedAt : nil
        return ServiceTargetStatus(
            firstResponse: status(targets.firstResponse, metAt: ticket.firstResponseAt),
            resolution: status(targets.resolution, metAt: resolved), isPaused: paused)
    }

    /// Schedules the timers of the targets not met yet at their due instants (none while the clocks pause).
    private func scheduleServiceTimers(for ticket: Ticket, into change: inout ChangeSet, now: Date)
        async throws(CollabError)
    {
        let status = try await serviceStatus(of: ticket, now: now)
        let record = RecordReference.ticket(ticket.id)
        if ticket.firstResponseAt == nil, ticket.firstResponseMissedAt == nil, let due = status.firstResponse.dueAt {
            change.scenario.timers.append(ScheduledTimer(id: "\(record)|first_response|\(due.storedKey)", record: record,
                organizationID: ticket.organizationID, kind: .ticketFirstResponse, fireAt: due))
        }
        if ticket.resolvedAt == nil, ticket.resolutionMissedAt == nil, let due = status.resolution.dueAt {
            change.scenario.timers.append(ScheduledTimer(id: "\(record)|resolution|\(due.storedKey)", record: record,
                organizationID: ticket.organizationID, kind: .ticketResolution, fireAt: due))
        }
    }

    /// A target's timer: if the target is missed now, the department's heads and the handler are told once.
    func fireTicketTimer(_ timer: ScheduledTimer, into change: inout ChangeSet, now: Date) async throws(CollabError)
        -> [Member.ID]
    {
        guard var ticket = try await store.ticket(Ticket.ID(timer.record.id)), ticket.state == .open else { return [] }
        let status = try await serviceStatus(of: ticket, now: now)
        let firstResponse = timer.kind == .ticketFirstResponse
        let target = firstResponse ? status.firstResponse : status.resolution
        guard target.metAt == nil, (firstResponse ? ticket.firstResponseMissedAt : ticket.resolutionMissedAt) == nil
        else { return [] }
        guard target.isBreached else {
            // Not late yet (a calendar changed since it was scheduled): the target gets a timer at its due instant.
            try await scheduleServiceTimers(for: ticket, into: &change, now: now)
            return []
        }
        if firstResponse { ticket.firstResponseMissedAt = now } else { ticket.resolutionMissedAt = now }
        ticket.version += 1
        change.external.tickets = [ticket]
        var recipients = Set(try await store.members(in: ticket.organizationID).filter { member in
            member.isActive && member.departments.contains { $0.departmentID == ticket.departmentID && $0.role == .head }
        }.map(\.id))
        if let handler = ticket.handlerID { recipients.insert(handler) }
        for recipient in recipients.sorted() {
            change.notifications.append(Notice(
                id: Notice.ID(identifiers.next()), organizationID: ticket.organizationID, recipientID: recipient,
                kind: .serviceTargetMissed, urgency: .urgent, itemID: nil, actorID: nil,
                message: LocalizedMessage(
                    firstResponse ? "notice.first_response_missed" : "notice.resolution_missed", [
                        "subject": .text(ticket.subject), "target": .duration(target.allowed),
                    ]), createdAt: now, record: .ticket(ticket.id)))
        }
        change.auditEvents.append(ticketEvent(ticket, actor: AuditEvent.systemActor,
            action: firstResponse ? "miss_first_response" : "miss_resolution",
            details: ["timer": timer.id, "used_seconds": String(Int(target.used.timeInterval))], at: now))
        return recipients.sorted()
    }

    // MARK: Helpers

    private func resume(_ ticket: inout Ticket, at now: Date) {
        if let since = ticket.waitingSince, now > since { ticket.pauses.append(DateInterval(start: since, end: now)) }
        ticket.waitingSince = nil
        ticket.state = .open
    }

    /// The ticket as its customer sees it.
    func customerView(of ticket: Ticket) async throws(CollabError) -> CustomerTicketView {
        let departments = try await store.departments(in: ticket.organizationID)
        let stage = departments.first { $0.id == ticket.departmentID }?.name ?? ticket.departmentID.rawValue
        let step = (ticket.routeDepartmentIDs.firstIndex(of: ticket.departmentID) ?? 0) + 1
        let replies = try await store.ticketMessages(of: ticket.id).filter { $0.audience == .customer }
        return CustomerTicketView(
            id: ticket.id, subject: ticket.subject, description: ticket.description, category: ticket.category,
            state: ticket.state, step: step, steps: ticket.routeDepartmentIDs.count, stage: stage,
            createdAt: ticket.createdAt, firstResponseAt: ticket.firstResponseAt, resolvedAt: ticket.resolvedAt,
            closedAt: ticket.closedAt, replies: replies, rating: ticket.rating)
    }

    /// The ticket, if `subject` may see it (`CollabError.Code.notFound` otherwise), at `expectedVersion` if
    /// given (`CollabError.Code.conflict` otherwise).
    func visibleTicket(_ id: Ticket.ID, to subject: Subject, expectedVersion: Int?) async throws(CollabError)
        -> Ticket
    {
        guard let ticket = try await store.ticket(id),
            isAllowed(subject, .viewTicket, on: .ticket(judged(ticket, for: subject)))
        else {
            throw CollabError.notFound("ticket", id.rawValue)
        }
        if let expectedVersion, expectedVersion != ticket.version {
            throw CollabError(.conflict,
                "ticket '\(id)' is at version \(ticket.version), the change was based on version \(expectedVersion)")
        }
        return ticket
    }

    /// The ticket `member` handles now, checked: the member's right (`right`, decided by the access control),
    /// the expected version, a required text (`(value, field)`), and the states the command applies in.
    private func ticketToHandle(
        _ id: Ticket.ID, _ right: RecordAction, _ subject: Subject, expectedVersion: Int?, text: (String, String),
        in states: Set<Ticket.State>, action: String
    ) async throws(CollabError) -> (Subject, Ticket) {
        let member = subject.memberID
        let ticket = try await visibleTicket(id, to: subject, expectedVersion: expectedVersion)
        try authorize(subject, right, on: .ticket(ticket),
            otherwise: CollabError(.forbidden,
                "member '\(member)' may not handle ticket '\(id)': only its department '\(ticket.departmentID)' does"))
        var report = ValidationReport()
        report.checkText(text.0, field: text.1, maxLength: configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
        guard states.contains(ticket.state) else {
            throw CollabError(.invalidTransition, "cannot \(action) ticket '\(id)' while it is \(ticket.state.rawValue)")
        }
        return (subject, ticket)
    }

    private func ticketEvent(_ ticket: Ticket, actor: Member.ID, action: String, details: [String: String], at now: Date)
        -> AuditEvent
    {
        AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: ticket.organizationID, itemID: nil, actorID: actor,
            action: action, fromState: nil, toState: nil,
            details: details.merging(["state": ticket.state.rawValue]) { first, _ in first }, occurredAt: now,
            record: .ticket(ticket.id))
    }

    private func notifyDepartment(
        of ticket: Ticket, into change: inout ChangeSet, actor: Member.ID, message: LocalizedMessage, at now: Date
    ) async throws(CollabError) {
        var recipients = Set(try await store.members(in: ticket.organizationID).filter { member in
            member.isActive && member.departments.contains { $0.departmentID == ticket.departmentID }
        }.map(\.id))
        if let handler = ticket.handlerID { recipients.insert(handler) }
        recipients.remove(actor)
        for recipient in recipients.sorted() {
            change.notifications.append(Notice(
                id: Notice.ID(identifiers.next()), organizationID: ticket.organizationID, recipientID: recipient,
                kind: .ticketUpdate, urgency: ticket.priority == .high ? .urgent : .normal, itemID: nil, actorID: actor,
                message: message, createdAt: now, record: .ticket(ticket.id)))
        }
    }

    private func notifyCustomer(
        of ticket: Ticket, into change: inout ChangeSet, actor: Member.ID, message: LocalizedMessage, at now: Date
    ) {
        guard ticket.requesterID != actor else { return }
        change.notifications.append(Notice(
            id: Notice.ID(identifiers.next()), organizationID: ticket.customerID, recipientID: ticket.requesterID,
            kind: .ticketReply, urgency: .normal, itemID: nil, actorID: actor, message: message, createdAt: now,
            record: .ticket(ticket.id)))
    }
}
