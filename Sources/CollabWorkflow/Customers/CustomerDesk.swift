import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The customer desk: signed contracts register customers in the company's archive (their organization and
/// their contacts, who may then open tickets at the ``TicketDesk``), and the archive is read as each member
/// may see it — everything for administrators and auditors, their own customers for salespeople.
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data, the rights re-checked at commit, and one atomic commit with the audit event.
///
/// ```swift
/// let registration = try await engine.customers.recordSignedContract(
///     SignedContract(contractID: "K-2026-17", customerKey: "CRM-4711", customerName: "Lotus Foods",
///                    timeZoneIdentifier: "Asia/Shanghai",
///                    contacts: [ExternalContact(displayName: "Zhu Lan", email: "zhu.lan@lotus.example")],
///                    signedAt: signedAt, salesOwnerID: "qian.yu"),
///     by: "qian.yu")
/// let archive = try await engine.customers.list(as: "admin")
/// ```
public struct CustomerDesk: Sendable {
    let engine: WorkflowEngine

    /// Records a signed contract: registers the customer in the archive (its organization, with external
    /// collaboration enabled, and its contacts as members) or, for a customer already there by
    /// `SignedContract.customerKey`, adds the contract and any new contact (matched by e-mail address).
    ///
    /// Any active member of the company records a new customer. A customer already in the archive is
    /// another matter: only its sales owner and administrators add contracts and contacts to it
    /// (`RecordAction.recordContract` decided on its record by the engine's `AccessControl`).
    ///
    /// Idempotent by contract: a second event for the same contract changes nothing and returns the customer
    /// with `CustomerRegistration.changed` `false` — also when two deliveries of the event race — to a
    /// caller who may see the customer (its sales owner, administrators, auditors).
    ///
    /// A caller who may not see the customer — another salesperson replaying a known contract, or naming a
    /// known customer key in a new contract — gets `CollabError.Code.notFound` for the customer key, the
    /// answer for a customer that does not exist, and nothing is written or returned: the stored contacts'
    /// addresses and phone numbers are never handed to someone who could not read them in the archive.
    ///
    /// - Parameter contract: the signed contract: the customer key, the customer, its contacts and its sales
    ///   owner.
    /// - Parameter member: the member of the company recording it.
    /// - Parameter idempotencyKey: a key chosen by the caller; a retry with the same key and the same contract
    ///   returns the first registration (with its `CustomerRegistration.changed` as it was) and changes
    ///   nothing, to a caller who may still see the customer. Keys are scoped to the actor.
    /// - Throws: `CollabError.Code.forbidden` for deactivated members and members of outside organizations,
    ///   and for an auditor adding a contract to a customer they see; `CollabError.Code.notFound` as above;
    ///   `CollabError.Code.invalidInput` listing every problem (no contact, a malformed address, a sales
    ///   owner who is not an active member of the company); `CollabError.Code.idempotencyKeyReused` for a
    ///   key first used with another input. Nothing is written when it throws.
    @discardableResult
    public func recordSignedContract(_ contract: SignedContract, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> CustomerRegistration
    {
        let engine = engine
        for attempt in 1...3 {
            do {
                let registration = try await engine.run(Command("record_signed_contract", by: member,
                    inputs: ["contract": contract], idempotencyKey: idempotencyKey,
                    visible: { subject, registration throws(CollabError) in
                        try await engine.registrationVisible(subject, registration)
                    })) { planning throws(CollabError) in
                    try await engine.planRecordSignedContract(contract, planning)
                }
                if registration.changed {
                    engine.logger.info("contract recorded", metadata: [
                        "contract": "\(contract.contractID)", "customer": "\(registration.customer.id)",
                    ])
                }
                return registration
            } catch where error.code == .conflict && attempt < 3 {
                // Another delivery of the event (or of another contract of the customer) came first: read again.
                continue
            }
        }
        throw CollabError(.conflict, "contract '\(contract.contractID.clipped())' kept changing under the registration")
    }

    /// A customer of the archive, if `viewer` may see it (its sales owner, administrators, auditors).
    ///
    /// - Throws: `CollabError.Code.notFound` when the customer does not exist *or* the viewer may not see it.
    public func customer(_ id: Organization.ID, as viewer: Member.ID) async throws(CollabError) -> CustomerRecord {
        let subject = try await engine.subject(viewer)
        guard let customer = try await engine.store.customer(id),
            engine.isAllowed(subject, .viewCustomer, on: .customer(customer))
        else {
            throw CollabError.notFound("customer", id.rawValue)
        }
        return customer
    }

    /// The customer archive as `viewer` may see it, by name: every customer for administrators and auditors,
    /// the customers they own for salespeople, nothing for others and for outside members.
    public func list(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<CustomerRecord>
    {
        let subject = try await engine.subject(viewer)
        // Outside and deactivated members see no customer (the access control below denies them each one):
        // answered without reading the archive.
        guard !subject.isExternal, subject.isActive else { return Page(items: [], nextCursor: nil) }
        var found = try await engine.store.customers(in: subject.organizationID, page: page)
        found.items = found.items.filter { engine.isAllowed(subject, .viewCustomer, on: .customer($0)) }
        return found
    }
}

extension WorkflowEngine {
    /// The customer desk: signed contracts and the customer archive.
    public var customers: CustomerDesk { CustomerDesk(engine: self) }
}
