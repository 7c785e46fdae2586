import CollabModel
import Foundation

/// Partnerships with outside organizations, purchase orders and their delivery proposals.
///
/// Used by `PartnerDesk` (partnerships), `OrderDesk` (purchase orders and delivery proposals, on the
/// company's side and on the supplier's), `SettingsDesk`, and the engine's external rules (whether a
/// partner may see a record).
///
/// Reads run in one read transaction and write nothing; changes are committed with ``ChangeStore/commit(_:)``
/// (``ChangeSet/external``). Point reads return `nil` for an unknown record and do not check who may see it:
/// the engine applies the external rules. A malformed page cursor throws `CollabError.Code.invalidInput`
/// (problem `cursor`, kind `malformed`); otherwise only storage codes are thrown (`storageCorrupt` for a
/// record that cannot be read back).
public protocol PartnerStore: Sendable {
    /// The partnership of a company with an outside organization, or `nil` when there is none.
    func partnership(of organizationID: Organization.ID, with partnerID: Organization.ID) async throws(CollabError)
        -> Partnership?

    /// The partnerships of a company (`asPartner: false`) or of an outside organization (`asPartner: true`),
    /// by company id then partner id. Not paged.
    func partnerships(of organizationID: Organization.ID, asPartner: Bool) async throws(CollabError) -> [Partnership]

    /// The purchase order with `id`, or `nil` when there is none.
    func purchaseOrder(_ id: PurchaseOrder.ID) async throws(CollabError) -> PurchaseOrder?

    /// The purchase order of a company with `number`, or `nil` when there is none (a number is unique in its
    /// company).
    func purchaseOrder(number: String, in organizationID: Organization.ID) async throws(CollabError) -> PurchaseOrder?

    /// Purchase orders newest first (by creation time, then by id, descending), paged: a company's
    /// (`organizationID`), one supplier's (`supplierID`), or a company's shared with one supplier (both).
    ///
    /// - Throws: `CollabError.Code.invalidInput` (problem `organizationID`, kind `missing`) when neither is
    ///   set.
    func purchaseOrders(in organizationID: Organization.ID?, supplierID: Organization.ID?, page: PageRequest)
        async throws(CollabError) -> Page<PurchaseOrder>

    /// Every delivery proposal of an order, by number; empty for an unknown order. Not paged.
    func deliveryProposals(of orderID: PurchaseOrder.ID) async throws(CollabError) -> [DeliveryProposal]
}
