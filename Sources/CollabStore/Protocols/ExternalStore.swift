import CollabModel
import Foundation

/// Stores the outward-facing records: partnerships with outside organizations, purchase orders and their
/// delivery proposals, the customer archive, and tickets with their messages. Their changes are committed
/// with ``WorkItemStore/commit(_:)`` as part of a ``ChangeSet`` (``ChangeSet/external``).
public protocol ExternalStore: Sendable {
    /// The partnership of a company with an outside organization, if any.
    func partnership(of organizationID: Organization.ID, with partnerID: Organization.ID) async throws(CollabError)
        -> Partnership?

    /// The partnerships of a company (`asPartner: false`) or of an outside organization (`asPartner: true`).
    func partnerships(of organizationID: Organization.ID, asPartner: Bool) async throws(CollabError) -> [Partnership]

    /// The purchase order with `id`, if any.
    func purchaseOrder(_ id: PurchaseOrder.ID) async throws(CollabError) -> PurchaseOrder?

    /// The purchase order of a company with `number`, if any.
    func purchaseOrder(number: String, in organizationID: Organization.ID) async throws(CollabError) -> PurchaseOrder?

    /// Purchase orders newest first, paged: a company's (`organizationID`), one supplier's (`supplierID`), or
    /// a company's shared with one supplier (both). At least one of the two must be set.
    func purchaseOrders(in organizationID: Organization.ID?, supplierID: Organization.ID?, page: PageRequest)
        async throws(CollabError) -> Page<PurchaseOrder>

    /// Every delivery proposal of an order, by number.
    func deliveryProposals(of orderID: PurchaseOrder.ID) async throws(CollabError) -> [DeliveryProposal]

    /// The customer record whose organization is `id`, if any.
    func customer(_ id: Organization.ID) async throws(CollabError) -> CustomerRecord?

    /// The customer of a company with the host's `customerKey`, if any.
    func customer(key: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord?

    /// The customer of a company a contract was recorded for, if it was.
    func customer(contractID: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord?

    /// A company's customer archive, by name, paged.
    func customers(in organizationID: Organization.ID, page: PageRequest) async throws(CollabError)
        -> Page<CustomerRecord>

    /// The ticket with `id`, if any.
    func ticket(_ id: Ticket.ID) async throws(CollabError) -> Ticket?

    /// Tickets newest first, paged, of a company (`organizationID`) or of a customer (`customerID`); with
    /// `departmentIDs`, only those any of these departments handled.
    func tickets(
        in organizationID: Organization.ID?, customerID: Organization.ID?, handledBy departmentIDs: Set<Department.ID>?,
        page: PageRequest
    ) async throws(CollabError) -> Page<Ticket>

    /// The messages of a ticket, oldest first (internal notes included: the engine filters them).
    func ticketMessages(of ticketID: Ticket.ID) async throws(CollabError) -> [TicketMessage]
}

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
