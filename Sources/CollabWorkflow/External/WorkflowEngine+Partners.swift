import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    // MARK: Inviting partners

    /// Invites a partner organization (a supplier, a distributor) and its contacts: the organization is
    /// created (or, when it exists, its contacts are added) with external collaboration enabled, each contact
    /// becomes a member of it, and the partnership with the administrator's company is recorded, in one
    /// transaction.
    ///
    /// - Returns: the partnership.
    /// - Throws: `CollabError.Code.forbidden` unless `admin` is an administrator of an internal organization;
    ///   `CollabError.Code.invalidInput` listing every problem (a contact id used by a member of another
    ///   organization, an organization id taken by an internal organization, a customer, or a partner another
    ///   company invited: a partner organization belongs to the company that invited it).
    @discardableResult
    public func invitePartner(_ invitation: PartnerInvitation, by admin: Member.ID) async throws(CollabError)
        -> Partnership
    {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("invite_partner") { () async throws(CollabError) in
                try await invitePartner(invitation, by: admin)
            }
        }
        let subject = try await activeSubject(admin)
        guard ExternalRules.canInvitePartners(subject, for: subject.organizationID) else {
            throw CollabError(.forbidden, "member '\(admin)' may not invite partners: administrators only")
        }
        var report = invitation.validate(limits: configuration.limits)
        try report.throwIfInvalid()
        let existing = try await store.organization(invitation.partnerID)
        if let existing, existing.kind != .partner {
            report.add("partnerID", .duplicate, "'\(invitation.partnerID)' is already a \(existing.kind.rawValue) organization")
        } else if existing != nil {
            // A partner organization belongs to the company that invited it: only that company adds its
            // contacts, or another company's admin could add a member who then reads that company's orders.
            let companies = Set(try await store.partnerships(of: invitation.partnerID, asPartner: true).map(\.organizationID))
            if companies != [subject.organizationID] {
                report.add("partnerID", .duplicate,
                    "'\(invitation.partnerID)' is an organization the company did not invite; choose another id")
            }
        }
        let now = now()
        var organization = Organization(
            id: invitation.partnerID, name: invitation.name, kind: .partner,
            timeZoneIdentifier: invitation.timeZoneIdentifier, externalCollaborationEnabled: true)
        if let existing, existing.kind == .partner {
            // Invited again: contacts are added; the time zone and whether collaboration is enabled stay.
            organization.timeZoneIdentifier = existing.timeZoneIdentifier
            organization.externalCollaborationEnabled = existing.externalCollaborationEnabled
        }
        let known: [Member] = existing == nil ? [] : try await store.members(in: invitation.partnerID)
        var change = ChangeSet()
        change.external.organizations = [organization]
        var added: [Member.ID] = []
        var handles = Set(known.map(\.handle))
        var listed = Set<Member.ID>()
        for (index, contact) in invitation.contacts.enumerated() {
            let id = contact.memberID ?? Member.ID(identifiers.next())
            guard listed.insert(id).inserted else {
                report.add("contacts[\(index)].memberID", .duplicate, "'\(id)' is listed twice")
                continue
            }
            if let holder = try await store.member(id) {
                // Invited again: an existing member of the partner stays as they are.
                if holder.organizationID == invitation.partnerID { continue }
                report.add("contacts[\(index)].memberID", .duplicate, "'\(id)' is a member of another organization")
                continue
            }
            let member = Member(id: id, organizationID: invitation.partnerID, displayName: contact.displayName,
                handle: Self.uniqueHandle(for: contact, taken: &handles))
            change.external.members.append(member)
            added.append(id)
        }
        try report.throwIfInvalid()
        let partnership = Partnership(organizationID: subject.organizationID, partnerID: invitation.partnerID,
            role: invitation.role, invitedBy: admin, invitedAt: now)
        change.external.partnerships = [partnership]
        change.auditEvents = [AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: subject.organizationID, itemID: nil, actorID: admin,
            action: "invite_partner", fromState: nil, toState: nil,
            details: ["partner": invitation.partnerID.rawValue, "role": invitation.role.rawValue,
                "contacts": added.map(\.rawValue).joined(separator: ",")],
            occurredAt: now, record: .partner(invitation.partnerID))]
        _ = try await commit(change)
        logger.info("partner invited", metadata: ["partner": "\(invitation.partnerID)", "by": "\(admin)"])
        return partnership
    }

    /// A handle for a contact: the e-mail address's local part, or the name, made of allowed characters, and
    /// unique in the organization.
    static func uniqueHandle(for contact: ExternalContact, taken: inout Set<String>) -> String {
        let source = contact.email.flatMap { $0.split(separator: "@").first.map(String.init) } ?? contact.displayName
        var base = String(source.lowercased().unicodeScalars.map { scalar -> Character in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_"
                || scalar == "-" ? Character(scalar) : "."
        })
        base = String(base.prefix(60))
        if base.allSatisfy({ $0 == "." }) { base = "contact" }
        var handle = base
        var suffix = 2
        while taken.contains(handle) {
            handle = "\(base)-\(suffix)"
            suffix += 1
        }
        taken.insert(handle)
        return handle
    }

    // MARK: Purchase orders

    /// Shares a purchase order with a supplier: the supplier's members are told at once and see only their
    /// own organization's orders.
    ///
    /// - Throws: `CollabError.Code.forbidden` unless `buyer` is an administrator or a member of the order's
    ///   purchasing department; `CollabError.Code.invalidInput` when the supplier is not a partner of the
    ///   company with the supplier role, or a line is wrong; `CollabError.Code.alreadyExists` for a number
    ///   already used.
    @discardableResult
    public func shareOrder(_ draft: PurchaseOrderDraft, with supplierID: Organization.ID, by buyer: Member.ID)
        async throws(CollabError) -> PurchaseOrder
    {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("share_order") { () async throws(CollabError) in
                try await shareOrder(draft, with: supplierID, by: buyer)
            }
        }
        let subject = try await activeSubject(buyer)
        guard ExternalRules.canShareOrders(subject, department: draft.departmentID) else {
            throw CollabError(.forbidden,
                "member '\(buyer)' may not share purchase orders: administrators and members of the purchasing department only")
        }
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
        let now = now()
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
            title: "New purchase order \(order.number)",
            body: "\(subject.displayName ?? buyer.rawValue) shared \(order.number) \"\(order.title)\" "
                + "(\(order.lines.count) lines). Please propose delivery dates.", at: now)
        _ = try await commit(change)
        return order
    }

    /// Purchasing changes an order's lines (quantities, required dates, lines added or removed): the
    /// requirements version moves, an open proposal is superseded, a confirmation is voided (the order
    /// waits for new dates), and the supplier is told.
    @discardableResult
    public func changeRequirements(
        of id: PurchaseOrder.ID, lines: [PurchaseOrder.Line], reason: String, by member: Member.ID,
        expectedVersion: Int? = nil
    ) async throws(CollabError) -> PurchaseOrder {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("change_requirements") { () async throws(CollabError) in
                try await changeRequirements(of: id, lines: lines, reason: reason, by: member, expectedVersion: expectedVersion)
            }
        }
        let (subject, original) = try await orderForBuyer(id, member, expectedVersion: expectedVersion)
        var report = PurchaseOrderDraft.validate(lines: lines, limits: configuration.limits)
        report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
        guard original.state != .cancelled else {
            throw CollabError(.invalidTransition, "purchase order '\(id)' is cancelled")
        }
        let now = now()
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
        let voided = original.confirmedProposal.map { " The dates of proposal \($0) no longer apply." } ?? ""
        try await notifySupplier(of: order, into: &change, kind: .orderChanged, actor: member,
            title: "Requirements changed: \(order.number)",
            body: "\(subject.displayName ?? member.rawValue) changed the requirements of \(order.number): \(reason)."
                + voided + " Please propose delivery dates again.", at: now)
        _ = try await commit(change)
        return order
    }

    /// The supplier proposes delivery dates, one per line (a new proposal while its previous one is open
    /// supersedes it). Purchasing is told.
    @discardableResult
    public func proposeDeliveryDates(
        for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String? = nil, by member: Member.ID,
        expectedVersion: Int? = nil
    ) async throws(CollabError) -> DeliveryProposal {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("propose_delivery_dates") { () async throws(CollabError) in
                try await proposeDeliveryDates(for: id, lines: lines, note: note, by: member, expectedVersion: expectedVersion)
            }
        }
        let subject = try await activeSubject(member)
        let order = try await visibleOrder(id, to: subject)
        guard ExternalRules.actsForSupplier(subject, order) else {
            throw CollabError(.forbidden, "member '\(member)' does not act for the supplier of order '\(id)'")
        }
        guard [.awaitingProposal, .proposed, .countered].contains(order.state) else {
            throw CollabError(.invalidTransition,
                "purchase order '\(id)' is \(order.state.rawValue): nothing to propose")
        }
        return try await addProposal(to: order, side: .supplier, lines: lines, note: note, subject: subject,
            expectedVersion: expectedVersion)
    }

    /// Purchasing answers the supplier's open proposal with other dates; the supplier is told and may confirm
    /// them or propose again.
    @discardableResult
    public func counterPropose(
        for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String? = nil, by member: Member.ID,
        expectedVersion: Int? = nil
    ) async throws(CollabError) -> DeliveryProposal {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("counter_propose") { () async throws(CollabError) in
                try await counterPropose(for: id, lines: lines, note: note, by: member, expectedVersion: expectedVersion)
            }
        }
        let (subject, order) = try await orderForBuyer(id, member, expectedVersion: expectedVersion)
        guard order.state == .proposed else {
            throw CollabError(.invalidTransition,
                "purchase order '\(id)' is \(order.state.rawValue): a counter-proposal answers an open supplier proposal")
        }
        return try await addProposal(to: order, side: .buyer, lines: lines, note: note, subject: subject,
            expectedVersion: expectedVersion)
    }

    private func addProposal(
        to original: PurchaseOrder, side: DeliveryProposal.Side, lines: [DeliveryProposal.LineDate], note: String?,
        subject: Subject, expectedVersion: Int?
    ) async throws(CollabError) -> DeliveryProposal {
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
        let now = now()
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
        let text = "\(name) \(side == .supplier ? "proposed" : "counter-proposed") delivery dates for \(order.number) "
            + "(proposal \(proposal.number)): \(Self.summary(of: proposal))" + (note.map { ". \($0)" } ?? "")
        if side == .supplier {
            try await notifyBuyer(of: order, into: &change, kind: .deliveryProposed, actor: subject.memberID,
                title: "Delivery dates proposed: \(order.number)", body: text, at: now)
        } else {
            try await notifySupplier(of: order, into: &change, kind: .deliveryProposed, actor: subject.memberID,
                title: "Counter-proposal: \(order.number)", body: text, at: now)
        }
        _ = try await commit(change)
        return proposal
    }

    /// Confirms the open proposal of the other side: purchasing confirms the supplier's dates, or the supplier
    /// confirms purchasing's counter-proposal. The proposal becomes the order's dates
    /// (``PurchaseOrder/confirmedProposal``, each line's ``PurchaseOrder/Line/confirmedDate``), and the other
    /// side is told.
    ///
    /// - Parameter number: the proposal's number, so that a confirmation is never applied to another version
    ///   than the one the member read (`CollabError.Code.conflict` if it is no longer the open one).
    @discardableResult
    public func confirmProposal(_ number: Int, of id: PurchaseOrder.ID, by member: Member.ID)
        async throws(CollabError) -> PurchaseOrder
    {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("confirm_proposal") { () async throws(CollabError) in
                try await confirmProposal(number, of: id, by: member)
            }
        }
        let subject = try await activeSubject(member)
        var order = try await visibleOrder(id, to: subject)
        let proposals = try await store.deliveryProposals(of: id)
        guard var proposal = proposals.first(where: { $0.number == number }) else {
            throw CollabError.notFound("delivery proposal", "\(id) #\(number)")
        }
        switch proposal.side {
        case .supplier:
            guard ExternalRules.actsForBuyer(subject, order) else {
                throw CollabError(.forbidden, "only purchasing confirms the supplier's proposal \(number) of '\(id)'")
            }
        case .buyer:
            guard ExternalRules.actsForSupplier(subject, order) else {
                throw CollabError(.forbidden, "only the supplier confirms purchasing's counter-proposal \(number) of '\(id)'")
            }
        }
        guard proposal.status == .open, proposal.requirementsVersion == order.requirementsVersion else {
            throw CollabError(.conflict,
                "proposal \(number) of '\(order.number)' is \(proposal.status.rawValue), not the open proposal")
        }
        let now = now()
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
        let text = "\(subject.displayName ?? member.rawValue) confirmed proposal \(number) of \(order.number): "
            + Self.summary(of: proposal)
        if proposal.side == .supplier {
            try await notifySupplier(of: order, into: &change, kind: .deliveryConfirmed, actor: member,
                title: "Dates confirmed: \(order.number)", body: text, at: now)
        } else {
            try await notifyBuyer(of: order, into: &change, kind: .deliveryConfirmed, actor: member,
                title: "Dates confirmed: \(order.number)", body: text, at: now)
        }
        _ = try await commit(change)
        return order
    }

    /// Purchasing cancels an order; the supplier is told.
    @discardableResult
    public func cancelOrder(_ id: PurchaseOrder.ID, reason: String, by member: Member.ID) async throws(CollabError)
        -> PurchaseOrder
    {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("cancel_order") { () async throws(CollabError) in
                try await cancelOrder(id, reason: reason, by: member)
            }
        }
        let (subject, original) = try await orderForBuyer(id, member, expectedVersion: nil)
        var report = ValidationReport()
        report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
        guard original.state != .cancelled else {
            throw CollabError(.invalidTransition, "purchase order '\(id)' is already cancelled")
        }
        let now = now()
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
            title: "Cancelled: \(order.number)",
            body: "\(subject.displayName ?? member.rawValue) cancelled \(order.number): \(reason)", at: now)
        _ = try await commit(change)
        return order
    }

    // MARK: Reading orders

    /// The order, if `viewer` may see it (a supplier's member: only their organization's orders).
    public func purchaseOrder(_ id: PurchaseOrder.ID, as viewer: Member.ID) async throws(CollabError) -> PurchaseOrder {
        try await visibleOrder(id, to: try await subject(viewer))
    }

    /// Every delivery proposal of an order, by number, if `viewer` may see the order.
    public func deliveryProposals(of id: PurchaseOrder.ID, as viewer: Member.ID) async throws(CollabError)
        -> [DeliveryProposal]
    {
        _ = try await visibleOrder(id, to: try await subject(viewer))
        return try await store.deliveryProposals(of: id)
    }

    /// The orders `viewer` may see, newest first: a supplier's members see their organization's orders
    /// (with every company that shares with it); inside the company, administrators and auditors see all,
    /// others the orders they buy or their departments follow.
    public func purchaseOrders(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<PurchaseOrder>
    {
        let subject = try await subject(viewer)
        if subject.isExternal {
            guard ExternalRules.speaksFor(subject, subject.organizationID) else { return Page(items: [], nextCursor: nil) }
            let companies = Set(try await store.partnerships(of: subject.organizationID, asPartner: true)
                .filter { $0.role == .supplier }.map(\.organizationID))
            guard !companies.isEmpty else { return Page(items: [], nextCursor: nil) }
            var found = try await store.purchaseOrders(in: nil, supplierID: subject.organizationID, page: page)
            found.items = found.items.filter { companies.contains($0.organizationID) }
            return found
        }
        var found = try await store.purchaseOrders(in: subject.organizationID, supplierID: nil, page: page)
        found.items = found.items.filter { ExternalRules.canSee(subject, $0) }
        return found
    }

    // MARK: Helpers

    private func visibleOrder(_ id: PurchaseOrder.ID, to subject: Subject) async throws(CollabError) -> PurchaseOrder {
        guard let order = try await store.purchaseOrder(id), ExternalRules.canSee(subject, judged(order, for: subject)) else {
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

    private func orderForBuyer(_ id: PurchaseOrder.ID, _ member: Member.ID, expectedVersion: Int?)
        async throws(CollabError) -> (Subject, PurchaseOrder)
    {
        let subject = try await activeSubject(member)
        let order = try await visibleOrder(id, to: subject)
        guard ExternalRules.actsForBuyer(subject, order) else {
            throw CollabError(.forbidden, "member '\(member)' does not act for purchasing on order '\(id)'")
        }
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

    private func notifySupplier(
        of order: PurchaseOrder, into change: inout ChangeSet, kind: Notice.Kind, actor: Member.ID, title: String,
        body: String, at now: Date
    ) async throws(CollabError) {
        for member in try await store.members(in: order.supplierID) where member.isActive && member.id != actor {
            change.notifications.append(Notice(
                id: Notice.ID(identifiers.next()), organizationID: order.supplierID, recipientID: member.id, kind: kind,
                urgency: .normal, itemID: nil, actorID: actor, title: title, body: body, createdAt: now,
                record: .purchaseOrder(order.id)))
        }
    }

    private func notifyBuyer(
        of order: PurchaseOrder, into change: inout ChangeSet, kind: Notice.Kind, actor: Member.ID, title: String,
        body: String, at now: Date
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
                kind: kind, urgency: .normal, itemID: nil, actorID: actor, title: title, body: body, createdAt: now,
                record: .purchaseOrder(order.id)))
        }
    }
}
