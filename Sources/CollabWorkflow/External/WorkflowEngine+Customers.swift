import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Records a signed contract: registers the customer in the archive (its organization, with external
    /// collaboration enabled, and its contacts as members) or, for a customer already there by
    /// ``SignedContract/customerKey``, adds the contract and any new contact (matched by e-mail address).
    ///
    /// Any active member of the company records a new customer. A customer already in the archive is
    /// another matter: only its sales owner and administrators add contracts and contacts to it
    /// (``ExternalRules/canAddContracts(_:to:)``).
    ///
    /// Idempotent: a second event for the same contract changes nothing and returns the customer with
    /// ``CustomerRegistration/changed`` `false` — also when two deliveries of the event race — to a
    /// caller who may see the customer (its sales owner, administrators, auditors).
    ///
    /// A caller who may not see the customer — another salesperson replaying a known contract, or naming a
    /// known customer key in a new contract — gets `CollabError.Code.notFound` for the customer key, the
    /// answer for a customer that does not exist, and nothing is written or returned: the stored contacts'
    /// addresses and phone numbers are never handed to someone who could not read them in the archive.
    ///
    /// - Throws: `CollabError.Code.forbidden` for members of outside organizations, and for an auditor
    ///   adding a contract to a customer they see; `CollabError.Code.notFound` as above;
    ///   `CollabError.Code.invalidInput` listing every problem (no contact, a malformed address, a sales
    ///   owner who is not an active member of the company).
    @discardableResult
    public func recordSignedContract(_ contract: SignedContract, by member: Member.ID) async throws(CollabError)
        -> CustomerRegistration
    {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("record_signed_contract") { () async throws(CollabError) in
                try await recordSignedContract(contract, by: member)
            }
        }
        let subject = try await activeSubject(member)
        guard ExternalRules.canRecordContracts(subject, for: subject.organizationID) else {
            throw CollabError(.forbidden, "member '\(member)' may not record contracts")
        }
        var report = contract.validate(limits: configuration.limits)
        let owner = try await directory.member(contract.salesOwnerID)
        if owner?.organizationID != subject.organizationID || owner?.isActive != true {
            report.add("salesOwnerID", .unknownMember, "'\(contract.salesOwnerID)' is not an active member of the company")
        }
        try report.throwIfInvalid()
        for attempt in 1...3 {
            if let known = try await store.customer(contractID: contract.contractID, in: subject.organizationID) {
                // A replay returns the customer only to who may see it; anyone else reads "no such customer".
                guard ExternalRules.canSee(subject, known) else {
                    throw CollabError.notFound("customer", contract.customerKey)
                }
                return CustomerRegistration(customer: known, changed: false, newContactIDs: [])
            }
            do {
                return try await register(contract, subject: subject)
            } catch where error.code == .conflict && attempt < 3 {
                // Another delivery of the event (or of another contract of the customer) came first: read again.
                continue
            }
        }
        throw CollabError(.conflict, "contract '\(contract.contractID.clipped())' kept changing under the registration")
    }

    private func register(_ contract: SignedContract, subject: Subject) async throws(CollabError) -> CustomerRegistration {
        let now = now()
        var change = ChangeSet()
        var customer: CustomerRecord
        var taken = Set<String>()
        if let existing = try await store.customer(key: contract.customerKey, in: subject.organizationID) {
            // Extending a customer takes its owner's or an administrator's right; one the caller may not
            // even see reads as a customer that does not exist.
            guard ExternalRules.canSee(subject, existing) else {
                throw CollabError.notFound("customer", contract.customerKey)
            }
            guard ExternalRules.canAddContracts(subject, to: existing) else {
                throw CollabError(.forbidden, "member '\(subject.memberID)' may not add contracts to customer "
                    + "'\(existing.id)': its sales owner and administrators only")
            }
            customer = existing
            customer.version += 1
            taken = Set(try await store.members(in: existing.id).map(\.handle))
        } else {
            let id = Organization.ID(identifiers.next())
            change.external.organizations = [Organization(
                id: id, name: contract.customerName, kind: .customer, timeZoneIdentifier: contract.timeZoneIdentifier,
                externalCollaborationEnabled: true)]
            change.external.partnerships = [Partnership(organizationID: subject.organizationID, partnerID: id,
                role: .customer, invitedBy: subject.memberID, invitedAt: now)]
            customer = CustomerRecord(
                id: id, organizationID: subject.organizationID, customerKey: contract.customerKey,
                name: contract.customerName, contracts: [], contacts: [], salesOwnerID: contract.salesOwnerID,
                registeredAt: now)
        }
        customer.contracts.append(CustomerRecord.Contract(contractID: contract.contractID,
            signedAt: Self.truncated(contract.signedAt), recordedAt: now))
        var added: [Member.ID] = []
        for contact in contract.contacts {
            let email = contact.email?.lowercased()
            if let email, customer.contacts.contains(where: { $0.email == email }) { continue }
            let id = contact.memberID ?? Member.ID(identifiers.next())
            if let holder = try await store.member(id) {
                // Named again by its member id: already a contact of this customer.
                if holder.organizationID == customer.id { continue }
                throw CollabError.invalid([ValidationProblem(field: "contacts", kind: .duplicate,
                    message: "member id '\(id)' belongs to another organization")])
            }
            if change.external.members.contains(where: { $0.id == id }) {
                throw CollabError.invalid([ValidationProblem(field: "contacts", kind: .duplicate,
                    message: "member id '\(id)' is listed twice")])
            }
            change.external.members.append(Member(id: id, organizationID: customer.id, displayName: contact.displayName,
                handle: Self.uniqueHandle(for: contact, taken: &taken)))
            customer.contacts.append(CustomerRecord.Contact(memberID: id, displayName: contact.displayName, email: email,
                phone: contact.phone))
            added.append(id)
        }
        change.external.customers = [customer]
        change.external.contracts = [(subject.organizationID, contract.contractID, customer.id)]
        change.auditEvents = [AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: subject.organizationID, itemID: nil,
            actorID: subject.memberID, action: customer.version == 1 ? "register_customer" : "add_contract",
            fromState: nil, toState: nil,
            details: ["contract": contract.contractID, "customer_key": contract.customerKey,
                "contacts": added.map(\.rawValue).joined(separator: ",")],
            occurredAt: now, record: .customer(customer.id))]
        _ = try await commit(change)
        logger.info("contract recorded", metadata: ["contract": "\(contract.contractID)", "customer": "\(customer.id)"])
        return CustomerRegistration(customer: customer, changed: true, newContactIDs: added)
    }

    /// A customer of the archive, if `viewer` may see it (its sales owner, administrators, auditors).
    public func customer(_ id: Organization.ID, as viewer: Member.ID) async throws(CollabError) -> CustomerRecord {
        let subject = try await subject(viewer)
        guard let customer = try await store.customer(id), ExternalRules.canSee(subject, customer) else {
            throw CollabError.notFound("customer", id.rawValue)
        }
        return customer
    }

    /// The customer archive as `viewer` may see it, by name: every customer for administrators and auditors,
    /// the customers they own for salespeople, nothing for others and for outside members.
    public func customers(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<CustomerRecord>
    {
        let subject = try await subject(viewer)
        guard !subject.isExternal, subject.isActive else { return Page(items: [], nextCursor: nil) }
        var found = try await store.customers(in: subject.organizationID, page: page)
        found.items = found.items.filter { ExternalRules.canSee(subject, $0) }
        return found
    }
}
