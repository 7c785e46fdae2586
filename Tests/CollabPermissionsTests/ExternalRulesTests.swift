import CollabModel
import CollabPermissions
import Testing

// Decision tables for `ExternalRules`: acme's purchase order with supplier `partnerco`, its customer record
// of `custco`, and a ticket of `custco`. Every expected value is written by hand from
// Documentation/Permissions.md ("Partners, purchase orders, customers and tickets"), never computed by
// calling the code under test.

/// What is decided, on acme's records (see ``ExternalRecords``).
enum ExternalCheck: String, CaseIterable, Sendable {
    /// Speaks for the partner `partnerco`.
    case speaksForPartner
    case invitePartners
    /// Shares orders on behalf of `eng-mobile` (for the subject's own organization).
    case shareOrders
    case seeOrder, actForBuyer, actForSupplier
    case recordContracts, seeCustomer, seeArchive
    case seeTicket, isCustomer, handleTicket
}

enum ExternalRecords {
    static let now = People.instant
    /// Bought by `buyer` for `eng-mobile` (the purchasing department here), supplied by `partnerco`.
    static let order = PurchaseOrder(
        id: "po-1", organizationID: "acme", supplierID: "partnerco", number: "PO-1", title: "Bolts",
        lines: [.init(number: 1, description: "bolt", quantity: 10, requiredDate: CalendarDate(year: 2026, month: 3, day: 1))],
        buyerID: "buyer", departmentID: "eng-mobile", createdAt: now, updatedAt: now)
    /// `custco`, owned by `seller`.
    static let customer = CustomerRecord(
        id: "custco", organizationID: "acme", customerKey: "k", name: "Custco", contracts: [], contacts: [],
        salesOwnerID: "seller", registeredAt: now)
    /// Opened by `custco`; handled by `sales`, now by `eng-mobile`.
    static let ticket = Ticket(
        id: "tk-1", organizationID: "acme", customerID: "custco", requesterID: "customer-cat", subject: "Broken",
        description: "It broke.", category: "defect", priority: .high, route: "defect",
        routeDepartmentIDs: ["sales", "eng-mobile"], departmentID: "eng-mobile", handledBy: ["sales", "eng-mobile"],
        createdAt: now)

    static func decide(_ check: ExternalCheck, for subject: Subject) -> Bool {
        switch check {
        case .speaksForPartner: ExternalRules.speaksFor(subject, "partnerco")
        case .invitePartners: ExternalRules.canInvitePartners(subject, for: "acme")
        case .shareOrders: ExternalRules.canShareOrders(subject, department: "eng-mobile")
        case .seeOrder: ExternalRules.canSee(subject, order)
        case .actForBuyer: ExternalRules.actsForBuyer(subject, order)
        case .actForSupplier: ExternalRules.actsForSupplier(subject, order)
        case .recordContracts: ExternalRules.canRecordContracts(subject, for: "acme")
        case .seeCustomer: ExternalRules.canSee(subject, customer)
        case .seeArchive: ExternalRules.canSeeArchive(subject, of: "acme")
        case .seeTicket: ExternalRules.canSee(subject, ticket)
        case .isCustomer: ExternalRules.isCustomer(subject, ticket)
        case .handleTicket: ExternalRules.canHandle(subject, ticket)
        }
    }
}

/// One row: a kind of member, and everything they may do with acme's outward-facing records.
struct ExternalCase: Sendable, CustomTestStringConvertible {
    var profile: Profile
    var allowed: Set<ExternalCheck>
    var testDescription: String { profile.name }
}

let externalCases: [ExternalCase] = [
    .init(profile: .init(name: "administrator", subject: People.administrator),
        allowed: [.invitePartners, .shareOrders, .seeOrder, .actForBuyer, .recordContracts, .seeCustomer, .seeArchive,
            .seeTicket, .handleTicket]),
    .init(profile: .init(name: "auditor", subject: People.auditor),
        allowed: [.seeOrder, .recordContracts, .seeCustomer, .seeArchive, .seeTicket]),
    .init(profile: .init(name: "head of eng (above the purchasing and handling department)", subject: People.engHead),
        allowed: [.shareOrders, .seeOrder, .actForBuyer, .recordContracts, .seeTicket, .handleTicket]),
    .init(profile: .init(name: "member of the purchasing and handling department", subject: People.mobileMember),
        allowed: [.shareOrders, .seeOrder, .actForBuyer, .recordContracts, .seeTicket, .handleTicket]),
    .init(profile: .init(name: "member of a department that handled the ticket before", subject: People.salesMember),
        allowed: [.recordContracts, .seeTicket]),
    .init(profile: .init(name: "head of a department that handled the ticket before", subject: People.salesHead),
        allowed: [.recordContracts, .seeTicket]),
    .init(profile: .init(name: "member with no relationship", subject: People.bystander), allowed: [.recordContracts]),
    .init(profile: .init(name: "buyer of the order", subject: People.insider("buyer")),
        allowed: [.seeOrder, .actForBuyer, .recordContracts]),
    .init(profile: .init(name: "sales owner of the customer", subject: People.insider("seller")),
        allowed: [.recordContracts, .seeCustomer]),
    .init(profile: .init(name: "supplier member", subject: People.partner),
        allowed: [.speaksForPartner, .seeOrder, .actForSupplier]),
    .init(profile: .init(name: "supplier administrator", subject: People.partnerAdministrator),
        allowed: [.speaksForPartner, .seeOrder, .actForSupplier]),
    .init(profile: .init(name: "supplier member with the buyer's id",
        subject: People.outsider("buyer", of: "partnerco", kind: .partner)),
        allowed: [.speaksForPartner, .seeOrder, .actForSupplier]),
    .init(profile: .init(name: "supplier member, collaboration off",
        subject: People.outsider("partner-amy", of: "partnerco", kind: .partner, enabled: false)), allowed: []),
    .init(profile: .init(name: "member of another supplier", subject: People.outsider("other", of: "partnerb", kind: .partner)),
        allowed: []),
    .init(profile: .init(name: "customer contact", subject: People.customer), allowed: [.seeTicket, .isCustomer]),
    .init(profile: .init(name: "customer contact with the sales owner's id",
        subject: People.outsider("seller", of: "custco", kind: .customer)), allowed: [.seeTicket, .isCustomer]),
    .init(profile: .init(name: "customer contact, collaboration off",
        subject: People.outsider("customer-cat", of: "custco", kind: .customer, enabled: false)), allowed: []),
    .init(profile: .init(name: "deactivated administrator", subject: People.deactivatedAdministrator), allowed: []),
    .init(profile: .init(name: "deactivated buyer", subject: People.insider("buyer", active: false)), allowed: []),
    .init(profile: .init(name: "deactivated member of the purchasing department",
        subject: People.insider("mobile-member", departments: ["eng-mobile"], active: false)), allowed: []),
    .init(profile: .init(name: "deactivated supplier member", subject: People.deactivatedPartner), allowed: []),
    // `canShareOrders` decides for the subject's own organization (the order is created in it): another
    // company's administrator shares their own orders, and sees nothing of acme's.
    .init(profile: .init(name: "administrator of another company", subject: People.strangerAdministrator),
        allowed: [.shareOrders]),
]

@Suite struct ExternalRulesTests {
    @Test("every order, customer and ticket decision, for every kind of member",
        arguments: externalCases, ExternalCheck.allCases)
    func decision(row: ExternalCase, check: ExternalCheck) {
        #expect(ExternalRecords.decide(check, for: row.profile.subject) == row.allowed.contains(check))
    }
}
