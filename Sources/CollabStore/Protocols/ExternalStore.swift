import CollabModel
import Foundation

/// The outward-facing records: partnerships with outside organizations, purchase orders and their
/// delivery proposals, the customer archive, and tickets with their messages.
///
/// Kept for compatibility: new code takes the narrower ``PartnerStore`` or ``CustomerStore``.
public typealias ExternalStore = PartnerStore & CustomerStore

/// The outward-facing records a ``ChangeSet`` writes, with the directory entries they create. Records with
/// a `version` are written only over the stored version one less (or, for version 1, when there is none).
public struct ExternalChanges: Sendable {
    /// Outside organizations created or changed (partners, customers).
    public var organizations: [Organization] = []
    /// Their members created or changed (validated as ``DirectoryStore/save(_:)-(Member)`` does).
    public var members: [Member] = []
    /// New or changed partnerships.
    public var partnerships: [Partnership] = []
    /// New or changed purchase orders.
    public var purchaseOrders: [PurchaseOrder] = []
    /// New or changed delivery proposals (a proposal's number is unique in its order).
    public var deliveryProposals: [DeliveryProposal] = []
    /// New or changed customer records.
    public var customers: [CustomerRecord] = []
    /// Contracts recorded: a contract recorded twice fails the commit with `CollabError.Code.conflict`.
    public var contracts: [(organizationID: Organization.ID, contractID: String, customerID: Organization.ID)] = []
    /// New or changed tickets.
    public var tickets: [Ticket] = []
    /// New ticket messages.
    public var ticketMessages: [TicketMessage] = []

    /// Creates an empty set.
    public init() {}

    /// Whether there is nothing to write.
    public var isEmpty: Bool {
        organizations.isEmpty && members.isEmpty && partnerships.isEmpty && purchaseOrders.isEmpty
            && deliveryProposals.isEmpty && customers.isEmpty && contracts.isEmpty && tickets.isEmpty
            && ticketMessages.isEmpty
    }
}
