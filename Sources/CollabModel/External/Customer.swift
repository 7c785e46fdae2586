import Foundation

/// The event sales records when a contract is signed: it registers the customer and its contacts.
public struct SignedContract: Hashable, Sendable, Codable {
    /// The contract's identifier in the host's system: a second event for it changes nothing.
    public var contractID: String
    /// The customer's stable key in the host's system (a registration or tax number): contracts with the
    /// same key belong to one customer.
    public var customerKey: String
    /// The customer's name.
    public var customerName: String
    /// The customer's time zone.
    public var timeZoneIdentifier: String
    /// The customer's contacts (matched by e-mail with those already registered).
    public var contacts: [ExternalContact]
    /// When it was signed.
    public var signedAt: Date
    /// The salesperson who owns the customer.
    public var salesOwnerID: Member.ID

    /// Creates a contract event.
    public init(
        contractID: String, customerKey: String, customerName: String, timeZoneIdentifier: String = "UTC",
        contacts: [ExternalContact], signedAt: Date, salesOwnerID: Member.ID
    ) {
        self.contractID = contractID
        self.customerKey = customerKey
        self.customerName = customerName
        self.timeZoneIdentifier = timeZoneIdentifier
        self.contacts = contacts
        self.signedAt = signedAt
        self.salesOwnerID = salesOwnerID
    }

    /// Checks the event's own values.
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(contractID, field: "contractID", maxLength: limits.identifierLength)
        report.checkText(customerKey, field: "customerKey", maxLength: limits.identifierLength)
        report.checkText(customerName, field: "customerName", maxLength: limits.nameLength)
        if TimeZone(identifier: timeZoneIdentifier) == nil {
            report.add("timeZoneIdentifier", .malformed, "'\(timeZoneIdentifier.clipped())' is not a known time zone")
        }
        report.checkInstant(signedAt, field: "signedAt")
        if contacts.isEmpty { report.add("contacts", .empty, "a customer needs at least one contact") }
        if contacts.count > limits.memberListLength {
            report.add("contacts", .tooLong, "has \(contacts.count) contacts, at most \(limits.memberListLength)")
        }
        for (index, contact) in contacts.enumerated() {
            report.merge(contact.validate(field: "contacts[\(index)]", limits: limits))
        }
        return report
    }
}

/// A customer in the company's archive: its organization in the directory, its contracts and contacts.
public struct CustomerRecord: Identifiable, Hashable, Sendable, Codable {
    /// A contract of the customer.
    public struct Contract: Hashable, Sendable, Codable {
        /// The host's contract id.
        public var contractID: String
        /// When it was signed.
        public var signedAt: Date
        /// When Collab recorded it.
        public var recordedAt: Date

        /// Creates a contract reference.
        public init(contractID: String, signedAt: Date, recordedAt: Date) {
            self.contractID = contractID
            self.signedAt = signedAt
            self.recordedAt = recordedAt
        }
    }

    /// The customer's organization in the directory.
    public var id: Organization.ID
    /// The company whose customer it is.
    public var organizationID: Organization.ID
    /// The host's key for the customer.
    public var customerKey: String
    /// The customer's name.
    public var name: String
    /// Its contracts, oldest first.
    public var contracts: [Contract]
    /// A contact: a member of the customer's organization, with how to reach them.
    public struct Contact: Hashable, Sendable, Codable {
        /// The member.
        public var memberID: Member.ID
        /// Their name.
        public var displayName: String
        /// Their e-mail address (contacts are matched by it), if known.
        public var email: String?
        /// Their phone number, if known.
        public var phone: String?

        /// Creates a contact.
        public init(memberID: Member.ID, displayName: String, email: String?, phone: String?) {
            self.memberID = memberID
            self.displayName = displayName
            self.email = email
            self.phone = phone
        }
    }

    /// Its contacts: members of the customer's organization.
    public var contacts: [Contact]
    /// The salesperson who owns it.
    public var salesOwnerID: Member.ID
    /// When it was first registered.
    public var registeredAt: Date
    /// Moves on every change.
    public var version: Int

    /// Creates a record.
    public init(
        id: Organization.ID, organizationID: Organization.ID, customerKey: String, name: String, contracts: [Contract],
        contacts: [Contact], salesOwnerID: Member.ID, registeredAt: Date, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.customerKey = customerKey
        self.name = name
        self.contracts = contracts
        self.contacts = contacts
        self.salesOwnerID = salesOwnerID
        self.registeredAt = registeredAt
        self.version = version
    }
}

/// What recording a signed contract did.
public struct CustomerRegistration: Hashable, Sendable, Codable {
    /// The customer as it is now.
    public var customer: CustomerRecord
    /// Whether the event changed anything (`false` for a contract already recorded).
    public var changed: Bool
    /// Contacts registered by this event.
    public var newContactIDs: [Member.ID]

    /// Creates a registration.
    public init(customer: CustomerRecord, changed: Bool, newContactIDs: [Member.ID]) {
        self.customer = customer
        self.changed = changed
        self.newContactIDs = newContactIDs
    }
}
