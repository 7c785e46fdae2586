import Foundation

/// A company's relationship with an outside organization it works with through Collab.
public struct Partnership: Hashable, Sendable, Codable {
    /// What the outside organization is to the company.
    public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
        /// Supplies the company: receives purchase orders and proposes delivery dates.
        case supplier
        /// Distributes the company's products.
        case distributor
        /// Buys from the company: registered in the customer archive, opens tickets.
        case customer
    }

    /// The company.
    public var organizationID: Organization.ID
    /// The outside organization.
    public var partnerID: Organization.ID
    /// What it is to the company.
    public var role: Role
    /// Who invited or registered it.
    public var invitedBy: Member.ID
    /// When.
    public var invitedAt: Date

    /// Creates a partnership.
    public init(organizationID: Organization.ID, partnerID: Organization.ID, role: Role, invitedBy: Member.ID, invitedAt: Date) {
        self.organizationID = organizationID
        self.partnerID = partnerID
        self.role = role
        self.invitedBy = invitedBy
        self.invitedAt = invitedAt
    }
}

/// A contact person of an outside organization, as an administrator or a sales event names them.
public struct ExternalContact: Hashable, Sendable, Codable {
    /// The member id to give them; `nil` lets Collab choose one.
    public var memberID: Member.ID?
    /// Their name.
    public var displayName: String
    /// Their e-mail address, if known. A customer's contacts are matched by it (the same address is the same
    /// person); a partner's by ``memberID``.
    public var email: String?
    /// Their phone number, if known.
    public var phone: String?

    /// Creates a contact.
    public init(memberID: Member.ID? = nil, displayName: String, email: String? = nil, phone: String? = nil) {
        self.memberID = memberID
        self.displayName = displayName
        self.email = email
        self.phone = phone
    }

    func validate(field: String, limits: ValidationLimits) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(displayName, field: "\(field).displayName", maxLength: limits.nameLength)
        if let memberID { report.checkText(memberID.rawValue, field: "\(field).memberID", maxLength: limits.identifierLength) }
        if let email {
            report.checkText(email, field: "\(field).email", maxLength: limits.nameLength)
            let parts = email.split(separator: "@", omittingEmptySubsequences: false)
            if parts.count != 2 || parts[0].isEmpty || !parts[1].contains(".") || email.contains(where: \.isWhitespace) {
                report.add("\(field).email", .malformed, "'\(email.clipped())' is not an e-mail address")
            }
        }
        if let phone { report.checkText(phone, field: "\(field).phone", maxLength: 40) }
        return report
    }
}

/// An administrator's invitation of a partner organization (a supplier, a distributor) and its members.
public struct PartnerInvitation: Hashable, Sendable, Codable {
    /// The partner organization's id (an existing partner is invited again to add contacts).
    public var partnerID: Organization.ID
    /// Its name.
    public var name: String
    /// What it is to the company (``Partnership/Role/supplier`` or ``Partnership/Role/distributor``).
    public var role: Partnership.Role
    /// Its time zone.
    public var timeZoneIdentifier: String
    /// The members to invite.
    public var contacts: [ExternalContact]

    /// Creates an invitation.
    public init(
        partnerID: Organization.ID, name: String, role: Partnership.Role = .supplier, timeZoneIdentifier: String = "UTC",
        contacts: [ExternalContact]
    ) {
        self.partnerID = partnerID
        self.name = name
        self.role = role
        self.timeZoneIdentifier = timeZoneIdentifier
        self.contacts = contacts
    }

    /// Checks the invitation's own values.
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = Organization(id: partnerID, name: name, kind: .partner, timeZoneIdentifier: timeZoneIdentifier)
            .validate(limits: limits)
        if role == .customer {
            report.add("role", .malformed, "customers are registered from a signed contract, not invited")
        }
        if contacts.count > limits.memberListLength {
            report.add("contacts", .tooLong, "has \(contacts.count) contacts, at most \(limits.memberListLength)")
        }
        for (index, contact) in contacts.enumerated() {
            report.merge(contact.validate(field: "contacts[\(index)]", limits: limits))
        }
        return report
    }
}
