import CollabModel
import CollabPermissions

/// Faults a test can switch on to prove that `ExternalIsolationTests` notices a broken read check. Internal
/// (tests reach it through `@testable import`): a host cannot set it, and nothing outside the tests does.
struct ExternalIsolationFaults: OptionSet, Sendable {
    let rawValue: Int
    /// Reads by id forget to compare an order's or a ticket's company with an insider's organization.
    static let recordsIgnoreOrganization = ExternalIsolationFaults(rawValue: 1)
    /// Reads by id forget to check that an order is shared with the outsider's organization (its supplier),
    /// or that a ticket is theirs (its customer).
    static let recordsIgnoreShare = ExternalIsolationFaults(rawValue: 2)
}

extension WorkflowEngine {
    /// `order` as the read check judges it: the order itself, unless a test switched a fault on.
    func judged(_ order: PurchaseOrder, for subject: Subject) -> PurchaseOrder {
        let faults = configuration.externalIsolationFaults
        guard !faults.isEmpty else { return order }
        var copy = order
        if faults.contains(.recordsIgnoreOrganization), !subject.isExternal { copy.organizationID = subject.organizationID }
        if faults.contains(.recordsIgnoreShare), subject.isExternal { copy.supplierID = subject.organizationID }
        return copy
    }

    /// `ticket` as the read check judges it: the ticket itself, unless a test switched a fault on.
    func judged(_ ticket: Ticket, for subject: Subject) -> Ticket {
        let faults = configuration.externalIsolationFaults
        guard !faults.isEmpty else { return ticket }
        var copy = ticket
        if faults.contains(.recordsIgnoreOrganization), !subject.isExternal { copy.organizationID = subject.organizationID }
        if faults.contains(.recordsIgnoreShare), subject.isExternal { copy.customerID = subject.organizationID }
        return copy
    }
}
