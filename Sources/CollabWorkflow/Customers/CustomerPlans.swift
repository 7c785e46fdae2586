import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Plans ``CustomerDesk/recordSignedContract(_:by:idempotencyKey:)`` as `planning.subject`: nothing to
    /// write for a contract already recorded (returned to who may see its customer), else the registration.
    func planRecordSignedContract(_ contract: SignedContract, _ planning: Planning) async throws(CollabError)
        -> Planned<CustomerRegistration>
    {
        let subject = planning.subject
        let member = subject.memberID
        try authorize(subject, .recordContract, on: .organization(subject.organizationID),
            otherwise: CollabError(.forbidden, "member '\(member)' may not record contracts"))
        var report = contract.validate(limits: configuration.limits)
        let owner = try await directory.member(contract.salesOwnerID)
        if owner?.organizationID != subject.organizationID || owner?.isActive != true {
            report.add("salesOwnerID", .unknownMember, "'\(contract.salesOwnerID)' is not an active member of the company")
        }
        try report.throwIfInvalid()
        if let known = try await store.customer(contractID: contract.contractID, in: subject.organizationID) {
            // A second delivery returns the customer only to who may see it; anyone else reads "no such customer".
            try authorize(subject, .viewCustomer, on: .customer(known),
                otherwise: CollabError.notFound("customer", contract.customerKey))
            return Planned(ChangeSet(), CustomerRegistration(customer: known, changed: false, newContactIDs: []))
        }
        return try await register(contract, subject: subject, at: planning.now)
    }

    /// Throws `CollabError.Code.notFound` unless `subject` may still see the registered customer as it is
    /// stored now (a replay's check).
    func registrationVisible(_ subject: Subject, _ registration: CustomerRegistration) async throws(CollabError) {
        guard let customer = try await store.customer(registration.customer.id),
            isAllowed(subject, .viewCustomer, on: .customer(customer))
        else { throw CollabError.notFound("customer", registration.customer.customerKey) }
    }

    private func register(_ contract: SignedContract, subject: Subject, at now: Date) async throws(CollabError)
        -> Planned<CustomerRegistration>
    {
        var change = ChangeSet()
        var customer: CustomerRecord
        var taken = Set<String>()
        if let existing = try await store.customer(key: contract.customerKey, in: subject.organizationID) {
            // Extending a customer takes its owner's or an administrator's right; one the caller may not
            // even see reads as a customer that does not exist.
            try authorize(subject, .viewCustomer, on: .customer(existing),
                otherwise: CollabError.notFound("customer", contract.customerKey))
            try authorize(subject, .recordContract, on: .customer(existing),
                otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not add contracts to customer "
                    + "'\(existing.id)': its sales owner and administrators only"))
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
        return Planned(change, CustomerRegistration(customer: customer, changed: true, newContactIDs: added))
    }
}
