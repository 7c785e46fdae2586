import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The order desk: purchase orders a company shares with its suppliers, and the exchange of delivery dates
/// about them — the supplier proposes, purchasing counter-proposes, either side confirms the other's open
/// proposal, purchasing changes the requirements or cancels. A supplier's members see only the orders shared
/// with their own organization.
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data, the rights re-checked at commit, and one atomic commit of the change with its audit
/// event and notifications.
///
/// ```swift
/// let order = try await engine.orders.share(
///     PurchaseOrderDraft(number: "PO-2026-0001", title: "Bearings", lines: lines, departmentID: "purchasing"),
///     with: "ningbo-bearings", by: "buyer", idempotencyKey: "po-2026-0001")
/// let proposal = try await engine.orders.proposeDeliveryDates(for: order.id, lines: dates, by: "ma.lin")
/// try await engine.orders.confirmProposal(proposal.number, of: order.id, by: "buyer")
/// ```
///
/// Every write takes an optional `idempotencyKey`: a key chosen by the caller; a retry with the same key and
/// the same input returns the first result and changes nothing, to an actor who may still see the order (else
/// `CollabError.Code.notFound`). The same key with another input is `CollabError.Code.idempotencyKeyReused`.
/// Keys are scoped to the actor. A deactivated actor is refused with `CollabError.Code.forbidden`, and
/// nothing is written when a write throws.
public struct OrderDesk: Sendable {
    let engine: WorkflowEngine

    /// A replay's check: `CollabError.Code.notFound` unless `subject` may still see the order.
    private func visible<Output>(_ id: PurchaseOrder.ID) -> (Subject, Output) async throws(CollabError) -> Void {
        let engine = engine
        return { subject, _ throws(CollabError) in _ = try await engine.visibleOrder(id, to: subject) }
    }

    // MARK: Writes

    /// Shares a purchase order with a supplier: the supplier's members are told at once and see only their
    /// own organization's orders.
    ///
    /// - Throws: `CollabError.Code.forbidden` unless `buyer` is an administrator or a member of the order's
    ///   purchasing department; `CollabError.Code.invalidInput` when the supplier is not a partner of the
    ///   company with the supplier role, or a line is wrong; `CollabError.Code.alreadyExists` for a number
    ///   already used.
    @discardableResult
    public func share(
        _ draft: PurchaseOrderDraft, with supplierID: Organization.ID, by buyer: Member.ID,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> PurchaseOrder {
        let engine = engine
        return try await engine.run(Command("share_order", by: buyer,
            inputs: ["draft": draft, "supplierID": supplierID], idempotencyKey: idempotencyKey,
            visible: { subject, order throws(CollabError) in _ = try await engine.visibleOrder(order.id, to: subject) }
        )) { planning throws(CollabError) in
            try await engine.planShareOrder(draft, with: supplierID, planning)
        }
    }

    /// Purchasing changes an order's lines (quantities, required dates, lines added or removed): the
    /// requirements version moves, an open proposal is superseded, a confirmation is voided (the order
    /// waits for new dates), and the supplier is told.
    ///
    /// - Parameter id: the purchase order.
    /// - Parameter lines: the order's lines as they should now be.
    /// - Parameter reason: why, for the supplier (required).
    /// - Parameter member: a member of purchasing.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and changes
    ///   nothing again; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Parameter expectedVersion: the order version the change was based on (`CollabError.Code.conflict`
    ///   if the order has changed since).
    @discardableResult
    public func changeRequirements(
        of id: PurchaseOrder.ID, lines: [PurchaseOrder.Line], reason: String, by member: Member.ID,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> PurchaseOrder {
        let engine = engine
        return try await engine.run(Command("change_requirements", by: member,
            inputs: ["id": id, "lines": lines, "reason": reason, "expectedVersion": expectedVersion],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planChangeRequirements(of: id, lines: lines, reason: reason,
                expectedVersion: expectedVersion, planning)
        }
    }

    /// The supplier proposes delivery dates, one per line (a new proposal while its previous one is open
    /// supersedes it). Purchasing is told.
    @discardableResult
    public func proposeDeliveryDates(
        for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String? = nil, by member: Member.ID,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> DeliveryProposal {
        let engine = engine
        return try await engine.run(Command("propose_delivery_dates", by: member,
            inputs: ["id": id, "lines": lines, "note": note, "expectedVersion": expectedVersion],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planProposeDeliveryDates(for: id, lines: lines, note: note,
                expectedVersion: expectedVersion, planning)
        }
    }

    /// Purchasing answers the supplier's open proposal with other dates; the supplier is told and may confirm
    /// them or propose again.
    @discardableResult
    public func counterPropose(
        for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String? = nil, by member: Member.ID,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> DeliveryProposal {
        let engine = engine
        return try await engine.run(Command("counter_propose", by: member,
            inputs: ["id": id, "lines": lines, "note": note, "expectedVersion": expectedVersion],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planCounterPropose(for: id, lines: lines, note: note, expectedVersion: expectedVersion,
                planning)
        }
    }

    /// Confirms the open proposal of the other side: purchasing confirms the supplier's dates, or the supplier
    /// confirms purchasing's counter-proposal. The proposal becomes the order's dates
    /// (`PurchaseOrder.confirmedProposal`, each line's `PurchaseOrder.Line.confirmedDate`), and the other
    /// side is told.
    ///
    /// - Parameter id: the purchase order.
    /// - Parameter member: a member of the side that did not make the proposal.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and confirms
    ///   nothing again; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Parameter number: the proposal's number, so that a confirmation is never applied to another version
    ///   than the one the member read (`CollabError.Code.conflict` if it is no longer the open one).
    @discardableResult
    public func confirmProposal(
        _ number: Int, of id: PurchaseOrder.ID, by member: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> PurchaseOrder {
        let engine = engine
        return try await engine.run(Command("confirm_proposal", by: member, inputs: ["id": id, "number": number],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planConfirmProposal(number, of: id, planning)
        }
    }

    /// Purchasing cancels an order; the supplier is told.
    @discardableResult
    public func cancel(_ id: PurchaseOrder.ID, reason: String, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> PurchaseOrder
    {
        let engine = engine
        return try await engine.run(Command("cancel_order", by: member, inputs: ["id": id, "reason": reason],
            idempotencyKey: idempotencyKey, visible: visible(id))) { planning throws(CollabError) in
            try await engine.planCancelOrder(id, reason: reason, planning)
        }
    }

    // MARK: Reads

    /// The order, if `viewer` may see it (a supplier's member: only their organization's orders).
    ///
    /// - Throws: `CollabError.Code.notFound` when the order does not exist *or* the viewer may not see it.
    public func order(_ id: PurchaseOrder.ID, as viewer: Member.ID) async throws(CollabError) -> PurchaseOrder {
        try await engine.visibleOrder(id, to: try await engine.subject(viewer))
    }

    /// Every delivery proposal of an order, by number, if `viewer` may see the order.
    public func proposals(of id: PurchaseOrder.ID, as viewer: Member.ID) async throws(CollabError)
        -> [DeliveryProposal]
    {
        _ = try await engine.visibleOrder(id, to: try await engine.subject(viewer))
        return try await engine.store.deliveryProposals(of: id)
    }

    /// The orders `viewer` may see, newest first: a supplier's members see their organization's orders
    /// (with every company that shares with it); inside the company, administrators and auditors see all,
    /// others the orders they buy or their departments follow.
    public func list(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<PurchaseOrder>
    {
        try await engine.visibleOrders(to: try await engine.subject(viewer), page: page)
    }
}

extension WorkflowEngine {
    /// The order desk: purchase orders shared with suppliers and their delivery dates.
    public var orders: OrderDesk { OrderDesk(engine: self) }
}
