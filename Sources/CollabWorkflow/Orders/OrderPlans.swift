import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    // MARK: Purchase orders

    /// Plans ``OrderDesk/share(_:with:by:idempotencyKey:)``.
    func planShareOrder(_ draft: PurchaseOrderDraft, with supplierID: Organization.ID, _ planning: Planning)
        async throws(CollabError) -> Planned<PurchaseOrder>
    {
        let subject = planning.subject
        let buyer = subject.memberID
        try authorize(subject, .shareOrder, on: .department(draft.departmentID, in: subject.organizationID),
            otherwise: CollabError(.forbidden,
                "member '\(buyer)' may not share purchase orders: administrators and members of the purchasing department only"))
        var report = draft.validate(limits: configuration.limits)
        if let department = draft.departmentID,
            try await directory.departments([department]).first?.organizationID != subject.organizationID
        {
            report.add("departmentID", .unknownDepartment, "department '\(department)' does not exist")
        }
        let partnership = try await store.partnership(of: subject.organizationID, with: supplierID)
        if partnership?.role != .supplier {
            report.add("supplierID", .unknownOrganization, "'\(supplierID)' is not a supplier of the company")
        } else if try await store.organization(supplierID)?.externalCollaborationEnabled != true {
            report.add("supplierID", .externalCollaborationDisabled,
                "external collaboration with '\(supplierID)' is disabled")
        }
        try report.throwIfInvalid()
        let now = planning.now
        let order = PurchaseOrder(
            id: PurchaseOrder.ID(identifiers.next()), organizationID: subject.organizationID, supplierID: supplierID,
            number: draft.number, title: draft.title,
            lines: draft.lines.sorted { $0.number < $1.number }.map { var line = $0; line.confirmedDate = nil; return line },
            buyerID: buyer, departmentID: draft.departmentID, createdAt: now, updatedAt: now)
        var change = ChangeSet()
        change.external.purchaseOrders = [order]
        change.auditEvents = [orderEvent(order, actor: buyer, action: "share_order",
            details: ["number": order.number, "supplier": supplierID.rawValue, "lines": String(order.lines.count)], at: now)]
        try await notifySupplier(of: order, into: &change, kind: .orderShared, actor: buyer,
            message: LocalizedMessage("notice.order_shared", [
                "number": .text(order.number), "title": .text(order.title), "lines": .integer(order.lines.count),
                "actor": .text(subject.displayName ?? buyer.rawValue),
            ]), at: now)
        return Planned(change, order)
    }

    /// Plans ``OrderDesk/changeRequirements(of:lines:reason:by:expectedVersion:idempotencyKey:)``.
    func planChangeRequirements(
        of id: PurchaseOrder.ID, lines: [PurchaseOrder.Line], reason: String, expectedVersion: Int?,
        _ planning: Planning
    ) async throws(CollabError) -> Planned<PurchaseOrder> {
        let (subject, original) = try await orderForBuyer(id, .changeRequirements, planning.subject,
            expectedVersion: expectedVersion)
        let member = subject.memberID
        var report = PurchaseOrderDraft.validate(lines: lines, limits: configuration.limits)
        report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
        guard original.state != .cancelled else {
            throw CollabError(.invalidTransition, "purchase order '\(id)' is cancelled")
        }
        let now = planning.now
        var order = original
        order.lines = lines.sorted { $0.number < $1.number }.map { var line = $0; line.confirmedDate = nil; return line }
        order.requirementsVersion += 1
        order.state = .awaitingProposal
        order.confirmedProposal = nil
        order.updatedAt = now
        order.version += 1
        var change = ChangeSet()
        change.external.purchaseOrders = [order]
        for var proposal in try await store.deliveryProposals(of: id) where proposal.status == .open || proposal.status == .confirmed {
            proposal.status = .superseded
            proposal.decidedAt = now
            change.external.deliveryProposals.append(proposal)
        }
        change.auditEvents = [orderEvent(order, actor: member, action: "change_requirements",
            details: ["requirements_version": String(order.requirementsVersion), "reason": reason.clipped(200),
                "voided_confirmation": original.confirmedProposal.map(String.init) ?? ""], at: now)]
        try await notifySupplier(of: order, into: &change, kind: .orderChanged, actor: member,
            message: LocalizedMessage(
                original.confirmedProposal == nil ? "notice.order_changed" : "notice.order_changed_voided", [
                    "number": .text(order.number), "reason": .text(reason),
                    "actor": .text(subject.displayName ?? member.rawValue),
                    "proposal": .integer(original.confirmedProposal ?? 0),
                ]), at: now)
        return Planned(change, order)
    }

    /// Plans ``OrderDesk/proposeDeliveryDates(for:lines:note:by:expectedVersion:idempotencyKey:)``.
    func planProposeDeliveryDates(
        for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String?, expectedVersion: Int?,
        _ planning: Planning
    ) async throws(CollabError) -> Planned<DeliveryProposal> {
        let subject = planning.subject
        let member = subject.memberID
        let order = try await visibleOrder(id, to: subject)
        try authorize(subject, .proposeDeliveryDates, on: .purchaseOrder(order),
            otherwise: CollabError(.forbidden, "member '\(member)' does not act for the supplier of order '\(id)'"))
        guard [.awaitingProposal, .proposed, .countered].contains(order.state) else {
            throw CollabError(.invalidTransition,
                "purchase order '\(id)' is \(order.state.rawValue): nothing to propose")
        }
        return try await addProposal(to: order, side: .supplier, lines: lines, note: note, subject: subject,
            expectedVersion: expectedVersion, at: planning.now)
    }

    /// Plans ``OrderDesk/counterPropose(for:lines:note:by:expectedVersion:idempotencyKey:)``.
    func planCounterPropose(
        for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String?, expectedVersion: Int?,
        _ planning: Planning
    ) async throws(CollabError) -> Planned<DeliveryProposal> {
        let (subject, order) = try await orderForBuyer(id, .counterPropose, planning.subject,
            expectedVersion: expectedVersion)
        guard order.state == .proposed else {
            throw CollabError(.invalidTransition,
                "purchase order '\(id)' is \(order.state.rawValue): a counter-proposal answers an open supplier proposal")
        }
        return try await addProposal(to: order, side: .buyer, lines: lines, note: note, subject: subject,
            expectedVersion: expectedVersion, at: planning.now)
    }

    private func addProposal(
        to original: PurchaseOrder, side: DeliveryProposal.Side, lines: [DeliveryProposal.LineDate], note: String?,
        subject: Subject, expectedVersion: Int?, at now: Date
    ) async throws(CollabError) -> Planned<DeliveryProposal> {
        if let expectedVersion, expectedVersion != original.version {
            throw CollabError(.conflict,
                "purchase order '\(original.id)' is at version \(original.version), the proposal was based on version \(expectedVersion)")
        }
        var report = ValidationReport()
        let ordered = Set(original.lines.map(\.number))
        var seen = Set<Int>()
        for (index, line) in lines.enumerated() {
            if !ordered.contains(line.line) {
                report.add("lines[\(index)].line", .outOfRange, "order '\(original.number)' has no line \(line.line)")
            } else if !seen.insert(line.line).inserted {
                report.add("lines[\(index)].line", .duplicate, "line \(line.line) is proposed twice")
            }
            if let quantity = line.quantity,
                let ordered = original.lines.first(where: { $0.number == line.line })?.quantity,
                !(1...ordered).contains(quantity)
            {
                report.add("lines[\(index)].quantity", .outOfRange, "\(quantity) is not within the line's quantity")
            }
        }
        for missing in ordered.subtracting(seen).sorted() {
            report.add("lines", .missing, "line \(missing) has no date")
        }
        if let note {
            report.checkText(note, field: "note", maxLength: configuration.limits.textLength, required: false,
                allowNewlines: true)
        }
        try report.throwIfInvalid()
        var order = original
        var change = ChangeSet()
        for var previous in try await store.deliveryProposals(of: order.id) where previous.status == .open {
            // An open proposal of the other side is answered (countered); one of the same side is replaced.
            previous.status = previous.side == side ? .superseded : .countered
            previous.decidedAt = now
            change.external.deliveryProposals.append(previous)
        }
        order.proposalCount += 1
        let proposal = DeliveryProposal(
            id: DeliveryProposal.ID(identifiers.next()), orderID: order.id, number: order.proposalCount, side: side,
            authorID: subject.memberID, lines: lines.sorted { $0.line < $1.line }, note: note,
            requirementsVersion: order.requirementsVersion, createdAt: now)
        change.external.deliveryProposals.append(proposal)
        order.state = side == .supplier ? .proposed : .countered
        order.updatedAt = now
        order.version += 1
        change.external.purchaseOrders = [order]
        let action = side == .supplier ? "propose_dates" : "counter_propose"
        change.auditEvents = [orderEvent(order, actor: subject.memberID, action: action,
            details: ["proposal": String(proposal.number), "lines": Self.summary(of: proposal)], at: now)]
        let name = subject.displayName ?? subject.memberID.rawValue
        let message = LocalizedMessage(
            (side == .supplier ? "notice.dates_proposed" : "notice.dates_counter_proposed") + (note == nil ? "" : "_note"), [
                "actor": .text(name), "number": .text(order.number), "proposal": .integer(proposal.number),
                "lines": Self.lines(of: proposal), "note": .text(note ?? ""),
            ])
        if side == .supplier {
            try await notifyBuyer(of: order, into: &change, kind: .deliveryProposed, actor: subject.memberID,
                message: message, at: now)
        } else {
            try await notifySupplier(of: order, into: &change, kind: .deliveryProposed, actor: subject.memberID,
                message: message, at: now)
        }
        return Planned(change, proposal)
    }

    /// Plans ``OrderDesk/confirmProposal(_:of:by:idempotencyKey:)``.
    func planConfirmProposal(_ number: Int, of id: PurchaseOrder.ID, _ planning: Planning) async throws(CollabError)
        -> Planned<PurchaseOrder>
    {
        let subject = planning.subject
        let member = subject.memberID
        var order = try await visibleOrder(id, to: subject)
        let proposals = try await store.deliveryProposals(of: id)
        guard var proposal = proposals.first(where: { $0.number == number }) else {
            throw CollabError.notFound("delivery proposal", "\(id) #\(number)")
        }
        switch proposal.side {
        case .supplier:
            try authorize(subject, .confirmProposal, on: .purchaseOrder(order),
                otherwise: CollabError(.forbidden, "only purchasing confirms the supplier's proposal \(number) of '\(id)'"))
        case .buyer:
            try authorize(subject, .confirmCounterProposal, on: .purchaseOrder(order),
                otherwise: CollabError(.forbidden,
                    "only the supplier confirms purchasing's counter-proposal \(number) of '\(id)'"))
        }
        guard proposal.status == .open, proposal.requirementsVersion == order.requirementsVersion else {
            throw CollabError(.conflict,
                "proposal \(number) of '\(order.number)' is \(proposal.status.rawValue), not the open proposal")
        }
        let now = planning.now
        proposal.status = .confirmed
        proposal.decidedAt = now
        proposal.confirmedBy = member
        let dates = Dictionary(proposal.lines.map { ($0.line, $0.date) }, uniquingKeysWith: { first, _ in first })
        for index in order.lines.indices { order.lines[index].confirmedDate = dates[order.lines[index].number] }
        order.state = .confirmed
        order.confirmedProposal = number
        order.updatedAt = now
        order.version += 1
        var change = ChangeSet()
        change.external.purchaseOrders = [order]
        change.external.deliveryProposals = [proposal]
        change.auditEvents = [orderEvent(order, actor: member, action: "confirm_proposal",
            details: ["proposal": String(number), "lines": Self.summary(of: proposal)], at: now)]
        let message = LocalizedMessage("notice.dates_confirmed", [
            "actor": .text(subject.displayName ?? member.rawValue), "number": .text(order.number),
            "proposal": .integer(number), "lines": Self.lines(of: proposal),
        ])
        if proposal.side == .supplier {
            try await notifySupplier(of: order, into: &change, kind: .deliveryConfirmed, actor: member,
                message: message, at: now)
        } else {
            try await notifyBuyer(of: order, into: &change, kind: .deliveryConfirmed, actor: member,
                message: message, at: now)
        }
        return Planned(change, order)
    }

    /// Plans ``OrderDesk/cancel(_:reason:by:idempotencyKey:)``.
    func planCancelOrder(_ id: PurchaseOrder.ID, reason: String, _ planning: Planning) async throws(CollabError)
        -> Planned<PurchaseOrder>
    {
        let (subject, original) = try await orderForBuyer(id, .cancelOrder, planning.subject, expectedVersion: nil)
        let member = subject.memberID
        var report = ValidationReport()
        report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
        guard original.state != .cancelled else {
            throw CollabError(.invalidTransition, "purchase order '\(id)' is already cancelled")
        }
        let now = planning.now
        var order = original
        order.state = .cancelled
        order.updatedAt = now
        order.version += 1
        var change = ChangeSet()
        change.external.purchaseOrders = [order]
        for var proposal in try await store.deliveryProposals(of: id) where proposal.status == .open {
            proposal.status = .superseded
            proposal.decidedAt = now
            change.external.deliveryProposals.append(proposal)
        }
        change.auditEvents = [orderEvent(order, actor: member, action: "cancel_order",
            details: ["reason": reason.clipped(200)], at: now)]
        try await notifySupplier(of: order, into: &change, kind: .orderChanged, actor: member,
            message: LocalizedMessage("notice.order_cancelled", [
                "actor": .text(subject.displayName ?? member.rawValue), "number": .text(order.number),
                "reason": .text(reason),
            ]), at: now)
        return Planned(change, order)
    }

    // MARK: Reading orders

    /// The orders `subject` may see, newest first (``OrderDesk/list(as:page:)``).
    func visibleOrders(to subject: Subject, page: PageRequest) async throws(CollabError) -> Page<PurchaseOrder> {
        if subject.isExternal {
            // The supplier's orders: those the access control lets it see, of the companies it supplies now.
            let companies = Set(try await store.partnerships(of: subject.organizationID, asPartner: true)
                .filter { $0.role == .supplier }.map(\.organizationID))
            guard !companies.isEmpty else { return Page(items: [], nextCursor: nil) }
            var found = try await store.purchaseOrders(in: nil, supplierID: subject.organizationID, page: page)
            found.items = found.items.filter {
                companies.contains($0.organizationID) && isAllowed(subject, .viewOrder, on: .purchaseOrder($0))
            }
            return found
        }
        var found = try await store.purchaseOrders(in: subject.organizationID, supplierID: nil, page: page)
        found.items = found.items.filter { isAllowed(subject, .viewOrder, on: .purchaseOrder($0)) }
        return found
    }

    // MARK: Helpers

    /// The order, if `subject` may see it; `CollabError.Code.notFound` otherwise.
    func visibleOrder(_ id: PurchaseOrder.ID, to subject: Subject) async throws(CollabError) -> PurchaseOrder {
        guard let order = try await store.purchaseOrder(id),
            isAllowed(subject, .viewOrder, on: .purchaseOrder(judged(order, for: subject)))
        else {
            throw CollabError.notFound("purchase order", id.rawValue)
        }
        // A supplier sees the company's orders while it is the company's supplier.
        if subject.isExternal,
            try await store.partnership(of: order.organizationID, with: subject.organizationID)?.role != .supplier
        {
            throw CollabError.notFound("purchase order", id.rawValue)
        }
        return order
    }

    /// The order `subject` acts on for purchasing, checked: visible (`CollabError.Code.notFound`), `action`
    /// allowed (`CollabError.Code.forbidden`), at `expectedVersion` if given (`CollabError.Code.conflict`).
    private func orderForBuyer(_ id: PurchaseOrder.ID, _ action: RecordAction, _ subject: Subject,
        expectedVersion: Int?) async throws(CollabError) -> (Subject, PurchaseOrder)
    {
        let member = subject.memberID
        let order = try await visibleOrder(id, to: subject)
        try authorize(subject, action, on: .purchaseOrder(order),
            otherwise: CollabError(.forbidden, "member '\(member)' does not act for purchasing on order '\(id)'"))
        if let expectedVersion, expectedVersion != order.version {
            throw CollabError(.conflict,
                "purchase order '\(id)' is at version \(order.version), the change was based on version \(expectedVersion)")
        }
        return (subject, order)
    }

    private func orderEvent(
        _ order: PurchaseOrder, actor: Member.ID, action: String, details: [String: String], at now: Date
    ) -> AuditEvent {
        AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: order.organizationID, itemID: nil, actorID: actor,
            action: action, fromState: nil, toState: nil, details: details, occurredAt: now,
            record: .purchaseOrder(order.id))
    }

    private static func summary(of proposal: DeliveryProposal) -> String {
        proposal.lines.map { line in
            "line \(line.line) \(line.date)" + (line.quantity.map { " (\($0))" } ?? "")
        }.joined(separator: ", ")
    }

    /// A proposal's lines as a phrase in the reader's language ("line 1 Thu, Dec 3, 2026 (40)").
    private static func lines(of proposal: DeliveryProposal) -> MessageArgument {
        .list(proposal.lines.map { line in
            .message(LocalizedMessage(line.quantity == nil ? "order.line_date" : "order.line_date_quantity", [
                "line": .integer(line.line), "date": .date(line.date), "quantity": .text(line.quantity.map { "\($0)" } ?? ""),
            ]))
        })
    }

    private func notifySupplier(
        of order: PurchaseOrder, into change: inout ChangeSet, kind: Notice.Kind, actor: Member.ID,
        message: LocalizedMessage, at now: Date
    ) async throws(CollabError) {
        for member in try await store.members(in: order.supplierID) where member.isActive && member.id != actor {
            change.notifications.append(Notice(
                id: Notice.ID(identifiers.next()), organizationID: order.supplierID, recipientID: member.id, kind: kind,
                urgency: .normal, itemID: nil, actorID: actor, message: message, createdAt: now,
                record: .purchaseOrder(order.id)))
        }
    }

    private func notifyBuyer(
        of order: PurchaseOrder, into change: inout ChangeSet, kind: Notice.Kind, actor: Member.ID,
        message: LocalizedMessage, at now: Date
    ) async throws(CollabError) {
        let members = try await store.members(in: order.organizationID).filter(\.isActive)
        var recipients = Set(members.filter { $0.id == order.buyerID }.map(\.id))
        if let department = order.departmentID {
            recipients.formUnion(members.filter { $0.departments.contains { $0.departmentID == department } }.map(\.id))
        }
        recipients.remove(actor)
        for recipient in recipients.sorted() {
            change.notifications.append(Notice(
                id: Notice.ID(identifiers.next()), organizationID: order.organizationID, recipientID: recipient,
                kind: kind, urgency: .normal, itemID: nil, actorID: actor, message: message, createdAt: now,
                record: .purchaseOrder(order.id)))
        }
    }
}
