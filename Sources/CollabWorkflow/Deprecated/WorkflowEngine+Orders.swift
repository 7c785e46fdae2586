import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// The engine's methods before the desks (issue 16), kept for one release as forwards to the desks.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "orders.share(_:with:by:idempotencyKey:)")
    @discardableResult
    public func shareOrder(_ draft: PurchaseOrderDraft, with supplierID: Organization.ID, by buyer: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> PurchaseOrder {
        try await orders.share(draft, with: supplierID, by: buyer, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "orders.changeRequirements(of:lines:reason:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func changeRequirements(of id: PurchaseOrder.ID, lines: [PurchaseOrder.Line], reason: String, by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> PurchaseOrder {
        try await orders.changeRequirements(of: id, lines: lines, reason: reason, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "orders.proposeDeliveryDates(for:lines:note:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func proposeDeliveryDates(for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String? = nil, by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> DeliveryProposal {
        try await orders.proposeDeliveryDates(for: id, lines: lines, note: note, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "orders.counterPropose(for:lines:note:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func counterPropose(for id: PurchaseOrder.ID, lines: [DeliveryProposal.LineDate], note: String? = nil, by member: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> DeliveryProposal {
        try await orders.counterPropose(for: id, lines: lines, note: note, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "orders.confirmProposal(_:of:by:idempotencyKey:)")
    @discardableResult
    public func confirmProposal(_ number: Int, of id: PurchaseOrder.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> PurchaseOrder {
        try await orders.confirmProposal(number, of: id, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "orders.cancel(_:reason:by:idempotencyKey:)")
    @discardableResult
    public func cancelOrder(_ id: PurchaseOrder.ID, reason: String, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> PurchaseOrder {
        try await orders.cancel(id, reason: reason, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "orders.order(_:as:)")
    public func purchaseOrder(_ id: PurchaseOrder.ID, as viewer: Member.ID) async throws(CollabError) -> PurchaseOrder {
        try await orders.order(id, as: viewer)
    }

    @available(*, deprecated, renamed: "orders.proposals(of:as:)")
    public func deliveryProposals(of id: PurchaseOrder.ID, as viewer: Member.ID) async throws(CollabError) -> [DeliveryProposal] {
        try await orders.proposals(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "orders.list(as:page:)")
    public func purchaseOrders(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<PurchaseOrder> {
        try await orders.list(as: viewer, page: page)
    }
}
