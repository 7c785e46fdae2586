import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// The workplace with a customer desk: `sales` (head `wu`, salespeople `seller` and `seller2`), `technology`
/// (head `techhead`, engineer `tech`), `after-sales` (head `ashead`, agent `asagent`). Tickets of category
/// "installation" route sales → technology → after-sales, every other category stays at sales (`general`).
private struct Desk {
    let w: Workplace
    var h: TestHarness { w.h }
    var engine: WorkflowEngine { w.engine }

    static let seller: Member.ID = "seller"
    static let seller2: Member.ID = "seller2"
    static let salesHead = Workplace.salesHead
    static let techHead: Member.ID = "techhead"
    static let tech: Member.ID = "tech"
    static let afterHead: Member.ID = "ashead"
    static let afterAgent: Member.ID = "asagent"

    static let sales: Department.ID = "sales"
    static let technology: Department.ID = "technology"
    static let afterSales: Department.ID = "after-sales"

    /// A configuration with the desk's routes and `targets`.
    static func configuration(targets: TicketServiceTargets = TicketServiceTargets()) -> WorkflowEngine.Configuration {
        var configuration = WorkflowEngine.Configuration()
        configuration.defaultSettings.ticketRouting = TicketRouting(routes: [
            TicketRouting.Route("installation", categories: ["installation"],
                departments: [sales, technology, afterSales]),
            TicketRouting.Route("general", departments: [sales]),
        ])
        configuration.defaultSettings.ticketServiceTargets = targets
        return configuration
    }

    /// Every priority: first response within 1 h, resolution within 4 h of working time.
    static let shortTargets = TicketServiceTargets(all: .init(firstResponse: .seconds(3600), resolution: .seconds(4 * 3600)))

    init(targets: TicketServiceTargets = TicketServiceTargets(), calendar: BusinessCalendar? = nil) async throws {
        w = try await Workplace(storage: .underTest, configuration: Self.configuration(targets: targets))
        let h = w.h
        try await h.addDepartment(Self.technology, in: "acme", name: "Technology")
        try await h.addDepartment(Self.afterSales, in: "acme", name: "After-sales")
        try await h.addMember(Self.seller, in: "acme", departments: [DepartmentMembership(Self.sales)])
        try await h.addMember(Self.seller2, in: "acme", departments: [DepartmentMembership(Self.sales)])
        try await h.addMember(Self.techHead, in: "acme", departments: [DepartmentMembership(Self.technology, role: .head)])
        try await h.addMember(Self.tech, in: "acme", departments: [DepartmentMembership(Self.technology)])
        try await h.addMember(Self.afterHead, in: "acme",
            departments: [DepartmentMembership(Self.afterSales, role: .head)])
        try await h.addMember(Self.afterAgent, in: "acme", departments: [DepartmentMembership(Self.afterSales)])
        if let calendar { try await h.store.save(calendar, for: "acme", department: nil) }
    }

    /// The contract of a customer with two contacts, Anna and Carl.
    static func contract(
        _ id: String = "K-1", key: String = "CUST-1", name: String = "Lotus Foods",
        contacts: [ExternalContact]? = nil, owner: Member.ID = seller
    ) -> SignedContract {
        let domain = name.lowercased().replacingOccurrences(of: " ", with: "-")
        return SignedContract(
            contractID: id, customerKey: key, customerName: name, timeZoneIdentifier: "Europe/Berlin",
            contacts: contacts ?? [
                ExternalContact(displayName: "Anna \(name)", email: "Anna@\(domain).example", phone: "+49 30 1234"),
                ExternalContact(displayName: "Carl \(name)", email: "carl@\(domain).example"),
            ],
            signedAt: Date(timeIntervalSince1970: 1_767_000_000), salesOwnerID: owner)
    }

    /// Registers a customer; returns its organization and its contacts, in the contract's order.
    func customer(
        _ id: String = "K-1", key: String = "CUST-1", name: String = "Lotus Foods", owner: Member.ID = seller
    ) async throws -> (id: Organization.ID, contacts: [Member.ID]) {
        let registration = try await engine.customers.recordSignedContract(
            Self.contract(id, key: key, name: name, owner: owner), by: owner)
        #expect(registration.changed)
        try #require(registration.newContactIDs.count == 2, "both contacts are registered")
        return (registration.customer.id, registration.newContactIDs)
    }

    func draft(_ subject: String = "Install the cold room", category: String = "installation",
        priority: Priority = .medium) -> TicketDraft
    {
        TicketDraft(subject: subject, description: "Please install the cold room in hall 2.", category: category,
            priority: priority)
    }

    /// The ticket as stored.
    func stored(_ id: Ticket.ID) async throws -> Ticket {
        try #require(try await h.store.ticket(id))
    }

    /// The ticket's audit actions, oldest first.
    func actions(_ id: Ticket.ID) async throws -> [String] {
        try await h.store.auditTrail(of: .ticket(id)).map(\.action)
    }

    /// The notices of `member` about ticket `id`.
    func notices(_ member: Member.ID, _ kind: Notice.Kind? = nil, about id: Ticket.ID) async throws -> [Notice] {
        try await h.notices(of: member, kind: kind).filter { $0.record == .ticket(id) }
    }

    /// The members of the company that can see the ticket through `tickets(as:)`.
    func listed(_ member: Member.ID) async throws -> [Ticket.ID] {
        try await engine.tickets.list(as: member, page: PageRequest(limit: 500)).items.map(\.id)
    }
}

@Suite struct CustomerTicketTests {
    // MARK: 1. The contract event

    @Test("a signed contract registers the customer once; invalid events and outsiders write nothing")
    func contractRegistersCustomer() async throws {
        let d = try await Desk()
        let empty = try await d.h.tableSnapshot()

        // Validation: every problem, nothing written.
        await expectFailure(.invalidInput, "no contacts") {
            try await d.engine.customers.recordSignedContract(Desk.contract(contacts: []), by: Desk.seller)
        }
        let malformed = await expectFailure(.invalidInput, "malformed e-mail") {
            try await d.engine.customers.recordSignedContract(
                Desk.contract(contacts: [ExternalContact(displayName: "Anna", email: "anna.at.lotus")]), by: Desk.seller)
        }
        #expect(malformed?.problems.map(\.field) == ["contacts[0].email"])
        let unknownOwner = await expectFailure(.invalidInput, "unknown sales owner") {
            try await d.engine.customers.recordSignedContract(Desk.contract(owner: "ghost"), by: Desk.seller)
        }
        #expect(unknownOwner?.problems.map(\.field) == ["salesOwnerID"])
        await expectFailure(.invalidInput, "a sales owner of another company") {
            try await d.engine.customers.recordSignedContract(Desk.contract(owner: Workplace.stranger), by: Desk.seller)
        }
        await expectFailure(.forbidden, "a member of a partner organization") {
            try await d.engine.customers.recordSignedContract(Desk.contract(), by: Workplace.partner)
        }
        #expect(try await d.h.tableSnapshot() == empty, "refused events write nothing")

        // The first delivery registers the customer.
        let registration = try await d.engine.customers.recordSignedContract(Desk.contract(), by: Desk.seller)
        #expect(registration.changed)
        let customer = registration.customer
        let organization = try #require(try await d.h.store.organization(customer.id))
        #expect(organization.kind == .customer)
        #expect(organization.externalCollaborationEnabled)
        #expect(organization.name == "Lotus Foods")
        #expect(organization.timeZoneIdentifier == "Europe/Berlin")
        #expect(customer.organizationID == "acme" && customer.customerKey == "CUST-1")
        #expect(customer.salesOwnerID == Desk.seller)
        #expect(customer.contracts.map(\.contractID) == ["K-1"])
        #expect(customer.contracts.first?.signedAt == Date(timeIntervalSince1970: 1_767_000_000))
        #expect(customer.contacts.map(\.email) == ["anna@lotus-foods.example", "carl@lotus-foods.example"])
        #expect(customer.contacts.map(\.phone) == ["+49 30 1234", nil])
        #expect(registration.newContactIDs == customer.contacts.map(\.memberID))
        let members = try await d.h.store.members(in: customer.id)
        #expect(Set(members.map(\.id)) == Set(registration.newContactIDs))
        #expect(Set(members.map(\.displayName)) == ["Anna Lotus Foods", "Carl Lotus Foods"])
        #expect(members.allSatisfy { $0.isActive })
        #expect(try await d.h.store.customer(customer.id) == customer)
        #expect(try await d.h.store.partnership(of: "acme", with: customer.id)?.role == .customer)
        #expect(try await d.h.store.auditTrail(of: .customer(customer.id)).map(\.action) == ["register_customer"])

        // The same event again: unchanged, nothing written.
        let before = try await d.h.tableSnapshot()
        d.h.clock.advance(by: .seconds(60))
        let again = try await d.engine.customers.recordSignedContract(Desk.contract(), by: Desk.seller)
        #expect(!again.changed)
        #expect(again.newContactIDs.isEmpty)
        #expect(again.customer == customer)
        #expect(try await d.h.tableSnapshot() == before, "a repeated event writes nothing")

        // A second contract of the same customer: the contract and only the new contact.
        let second = Desk.contract("K-2", contacts: [
            ExternalContact(displayName: "Anna again", email: "ANNA@Lotus-Foods.example"),
            ExternalContact(displayName: "Ben Lotus Foods", email: "ben@lotus-foods.example"),
        ])
        let added = try await d.engine.customers.recordSignedContract(second, by: Desk.seller)
        #expect(added.changed)
        #expect(added.customer.id == customer.id, "the same customer, not a new organization")
        #expect(added.customer.contracts.map(\.contractID) == ["K-1", "K-2"])
        #expect(added.newContactIDs.count == 1)
        #expect(added.customer.contacts.map(\.email)
            == ["anna@lotus-foods.example", "carl@lotus-foods.example", "ben@lotus-foods.example"])
        #expect(try await d.h.store.members(in: customer.id).count == 3)
        #expect(try await d.h.store.organizations().filter { $0.kind == .customer }.count == 1)
        #expect(try await d.engine.customers.list(as: Workplace.admin).items.map(\.id) == [customer.id])
        #expect(try await d.h.store.auditTrail(of: .customer(customer.id)).map(\.action)
            == ["register_customer", "add_contract"])

        let afterSecond = try await d.h.tableSnapshot()
        #expect(try await !d.engine.customers.recordSignedContract(second, by: Desk.seller).changed)
        #expect(try await d.h.tableSnapshot() == afterSecond)
    }

    @Test("a replayed contract returns the customer only to who may see it; only its owner or an administrator extends it")
    func contractRightsOnKnownCustomers() async throws {
        let d = try await Desk()
        let lotus = try await d.customer()  // K-1, CUST-1, owned and recorded by seller
        let unknownCustomer = CollabError.notFound("customer", "CUST-1")
        let before = try await d.h.tableSnapshot()

        // Another salesperson, a head of another department, a bystander: the contract replayed, and a new
        // contract for the same customer key, both read like a customer that does not exist.
        for member in [Desk.seller2, Desk.techHead, Workplace.bystander] {
            let replay = await expectFailure(.notFound, "\(member) replaying K-1") {
                _ = try await d.engine.customers.recordSignedContract(Desk.contract(), by: member)
            }
            #expect(replay == unknownCustomer, "\(member): \(String(describing: replay))")
            let extend = await expectFailure(.notFound, "\(member) adding K-2 to seller's customer") {
                _ = try await d.engine.customers.recordSignedContract(Desk.contract("K-2", contacts: [
                    ExternalContact(displayName: "Mallory", email: "mallory@evil.example", phone: "+1 555 0100"),
                ]), by: member)
            }
            #expect(extend == unknownCustomer, "\(member): \(String(describing: extend))")
        }
        // An auditor sees the customer (the replay answers), but may not extend it.
        let audited = try await d.engine.customers.recordSignedContract(Desk.contract(), by: Workplace.auditor)
        #expect(!audited.changed && audited.customer.id == lotus.id)
        await expectFailure(.forbidden, "the auditor adding K-2") {
            _ = try await d.engine.customers.recordSignedContract(Desk.contract("K-2"), by: Workplace.auditor)
        }
        #expect(try await d.h.tableSnapshot() == before, "nothing was written")
        #expect(try await d.h.store.customer(lotus.id)?.contacts.map(\.email)
            == ["anna@lotus-foods.example", "carl@lotus-foods.example"])

        // The owner and an administrator replay and extend.
        let replayed = try await d.engine.customers.recordSignedContract(Desk.contract(), by: Desk.seller)
        #expect(!replayed.changed && replayed.customer.id == lotus.id)
        let byOwner = try await d.engine.customers.recordSignedContract(Desk.contract("K-2"), by: Desk.seller)
        #expect(byOwner.changed && byOwner.customer.contracts.map(\.contractID) == ["K-1", "K-2"])
        let byAdmin = try await d.engine.customers.recordSignedContract(Desk.contract("K-3"), by: Workplace.admin)
        #expect(byAdmin.changed && byAdmin.customer.contracts.map(\.contractID) == ["K-1", "K-2", "K-3"])
        #expect(try await !d.engine.customers.recordSignedContract(Desk.contract("K-2"), by: Workplace.admin).changed)

        // A new customer is still recorded by any active member of the company.
        let orchid = try await d.engine.customers.recordSignedContract(
            Desk.contract("O-1", key: "CUST-2", name: "Orchid Labs", owner: Desk.seller2), by: Desk.tech)
        #expect(orchid.changed && orchid.customer.salesOwnerID == Desk.seller2)
    }

    @Test("concurrent deliveries of the same contract register exactly one customer")
    func concurrentDeliveries() async throws {
        let d = try await Desk()
        let engine = d.engine
        async let first = engine.customers.recordSignedContract(Desk.contract(), by: Desk.seller)
        async let second = engine.customers.recordSignedContract(Desk.contract(), by: Desk.seller)
        let results = try await [first, second]
        #expect(results.filter(\.changed).count == 1)
        #expect(results[0].customer.id == results[1].customer.id)

        let registrations = try await withThrowingTaskGroup(of: CustomerRegistration.self) { group in
            for _ in 0..<4 {
                group.addTask { try await engine.customers.recordSignedContract(Desk.contract("K-9"), by: Desk.seller) }
            }
            var all: [CustomerRegistration] = []
            for try await registration in group { all.append(registration) }
            return all
        }
        #expect(registrations.filter(\.changed).count == 1, "one delivery of K-9 records it")
        #expect(Set(registrations.map(\.customer.id)) == [results[0].customer.id])

        let customers = try await d.h.store.organizations().filter { $0.kind == .customer }
        #expect(customers.map(\.id) == [results[0].customer.id])

        // Two different first contracts of a new customer racing: one customer with both contracts.
        async let left = engine.customers.recordSignedContract(
            Desk.contract("N-1", key: "CUST-N", name: "Nimbus Air"), by: Desk.seller)
        async let right = engine.customers.recordSignedContract(
            Desk.contract("N-2", key: "CUST-N", name: "Nimbus Air"), by: Desk.seller)
        let pair = try await [left, right]
        #expect(pair.filter(\.changed).count == 2)
        #expect(pair[0].customer.id == pair[1].customer.id)
        let nimbus = try #require(try await d.h.store.customer(key: "CUST-N", in: "acme"))
        #expect(Set(nimbus.contracts.map(\.contractID)) == ["N-1", "N-2"])
        #expect(nimbus.contacts.count == 2, "the contacts of both contracts are the same two people")
        #expect(try await d.h.store.members(in: nimbus.id).count == 2)
        #expect(try await d.h.store.organizations().filter { $0.kind == .customer }.count == 2)
        let record = try #require(try await d.h.store.customer(results[0].customer.id))
        #expect(record.contracts.map(\.contractID) == ["K-1", "K-9"])
        #expect(record.contacts.count == 2)
        #expect(try await d.h.store.members(in: record.id).count == 2)
    }

    @Test("deliveries racing on two engines (two connections to the database) register each customer once")
    func racingEngines() async throws {
        let d = try await Desk()
        let engines = [
            d.engine,
            WorkflowEngine(store: try await d.h.openPeerStore(), clock: d.h.clock, identifiers: d.h.identifiers,
                configuration: Desk.configuration()),
        ]
        for round in 0..<12 {
            let contract = Desk.contract("R-\(round)", key: "CUST-R\(round)", name: "Racer \(round)")
            let results = try await withThrowingTaskGroup(of: CustomerRegistration.self) { group in
                for engine in engines + engines {
                    group.addTask { try await engine.customers.recordSignedContract(contract, by: Desk.seller) }
                }
                var all: [CustomerRegistration] = []
                for try await registration in group { all.append(registration) }
                return all
            }
            #expect(results.filter(\.changed).count == 1, "round \(round)")
            #expect(Set(results.map(\.customer.id)).count == 1, "round \(round)")
        }
        let customers = try await d.h.store.organizations().filter { $0.kind == .customer }
        #expect(customers.count == 12)
        for customer in customers {
            #expect(try await d.h.store.members(in: customer.id).count == 2, "\(customer.name)")
        }
        #expect(try await d.engine.customers.list(as: Workplace.admin, page: PageRequest(limit: 100)).items.count == 12)
    }

    // MARK: 2. Archive visibility

    @Test("administrators and auditors see the archive, salespeople their customers, nobody else anything")
    func archiveVisibility() async throws {
        let d = try await Desk()
        let lotus = try await d.customer()
        let orchid = try await d.customer("K-2", key: "CUST-2", name: "Orchid Labs", owner: Desk.seller2)

        for overseer in [Workplace.admin, Workplace.auditor] {
            #expect(try await d.engine.customers.list(as: overseer).items.map(\.name) == ["Lotus Foods", "Orchid Labs"])
            #expect(try await d.engine.customers.customer(orchid.id, as: overseer).name == "Orchid Labs")
        }
        #expect(try await d.engine.customers.list(as: Desk.seller).items.map(\.id) == [lotus.id])
        #expect(try await d.engine.customers.customer(lotus.id, as: Desk.seller).customerKey == "CUST-1")
        #expect(try await d.engine.customers.list(as: Desk.seller2).items.map(\.id) == [orchid.id])
        await expectFailure(.notFound, "another salesperson's customer") {
            _ = try await d.engine.customers.customer(orchid.id, as: Desk.seller)
        }
        for other in [Workplace.bystander, Desk.tech, Desk.salesHead] {
            #expect(try await d.engine.customers.list(as: other).items.isEmpty, "\(other)")
            await expectFailure(.notFound, "\(other)") { _ = try await d.engine.customers.customer(lotus.id, as: other) }
        }
        for contact in lotus.contacts {
            #expect(try await d.engine.customers.list(as: contact).items.isEmpty)
            await expectFailure(.notFound, "a customer's own contact") {
                _ = try await d.engine.customers.customer(lotus.id, as: contact)
            }
        }
        await expectFailure(.notFound, "a member of another company") {
            _ = try await d.engine.customers.customer(lotus.id, as: Workplace.stranger)
        }
    }

    // MARK: 3. Routing

    @Test("an installation ticket routes sales → technology → after-sales; each department is told and keeps seeing it")
    func routing() async throws {
        let d = try await Desk()
        let lotus = try await d.customer()
        let anna = lotus.contacts[0]

        let ticket = try await d.engine.tickets.open(d.draft(), by: anna)
        #expect(ticket.state == .open && ticket.route == "installation")
        #expect(ticket.departmentID == Desk.sales && ticket.handledBy == [Desk.sales])
        #expect(ticket.requesterID == anna && ticket.customerID == lotus.id)
        for member in [Desk.seller, Desk.seller2, Desk.salesHead] {
            #expect(try await d.notices(member, .ticketUpdate, about: ticket.id).count == 1, "\(member)")
        }
        for member in [Desk.tech, Desk.techHead, Desk.afterAgent, Workplace.bystander] {
            #expect(try await d.notices(member, about: ticket.id).isEmpty, "\(member)")
        }
        var view = try await d.engine.tickets.customerTicket(ticket.id, as: anna)
        #expect(view.step == 1 && view.steps == 3 && view.stage == "sales")

        // Technology does not see it yet.
        #expect(try await d.listed(Desk.tech).isEmpty)
        await expectFailure(.notFound, "technology before the ticket reaches it") {
            _ = try await d.engine.tickets.ticket(ticket.id, as: Desk.tech)
        }
        await expectFailure(.notFound, "technology may not forward what it does not see") {
            try await d.engine.tickets.forward(ticket.id, note: "ours now", by: Desk.tech)
        }

        let atTech = try await d.engine.tickets.forward(ticket.id, note: "Needs a site assessment", by: Desk.seller)
        #expect(atTech.departmentID == Desk.technology && atTech.handledBy == [Desk.sales, Desk.technology])
        for member in [Desk.tech, Desk.techHead] {
            #expect(try await d.notices(member, .ticketUpdate, about: ticket.id).count == 1, "\(member)")
        }
        #expect(try await d.listed(Desk.tech) == [ticket.id])
        #expect(try await d.listed(Desk.seller) == [ticket.id], "sales keeps seeing it")
        #expect(try await d.listed(Desk.afterAgent).isEmpty, "after-sales is not on it yet")
        await expectFailure(.notFound, "after-sales before the ticket reaches it") {
            _ = try await d.engine.tickets.ticket(ticket.id, as: Desk.afterAgent)
        }
        await expectFailure(.forbidden, "sales no longer handles it") {
            try await d.engine.tickets.forward(ticket.id, note: "again", by: Desk.seller)
        }
        await expectFailure(.forbidden, "the customer does not forward") {
            try await d.engine.tickets.forward(ticket.id, note: "please", by: anna)
        }
        view = try await d.engine.tickets.customerTicket(ticket.id, as: anna)
        #expect(view.step == 2 && view.steps == 3 && view.stage == "Technology")

        let atAfterSales = try await d.engine.tickets.forward(ticket.id, note: "Assessed, install it", by: Desk.tech)
        #expect(atAfterSales.departmentID == Desk.afterSales)
        #expect(atAfterSales.handledBy == [Desk.sales, Desk.technology, Desk.afterSales])
        for member in [Desk.afterAgent, Desk.afterHead] {
            #expect(try await d.notices(member, .ticketUpdate, about: ticket.id).count == 1, "\(member)")
        }
        for member in [Desk.seller, Desk.tech, Desk.afterAgent] {
            #expect(try await d.engine.tickets.ticket(ticket.id, as: member).departmentID == Desk.afterSales, "\(member)")
        }
        view = try await d.engine.tickets.customerTicket(ticket.id, as: anna)
        #expect(view.step == 3 && view.steps == 3 && view.stage == "After-sales")

        let beforeLast = try await d.h.tableSnapshot()
        await expectFailure(.invalidTransition, "the last department of the route") {
            try await d.engine.tickets.forward(ticket.id, note: "onwards", by: Desk.afterAgent)
        }
        #expect(try await d.h.tableSnapshot() == beforeLast)
        #expect(try await d.actions(ticket.id) == ["open_ticket", "forward_ticket", "forward_ticket"])

        // A general question stays at sales.
        let general = try await d.engine.tickets.open(d.draft("Invoice copy", category: "billing"), by: anna)
        #expect(general.route == "general" && general.routeDepartmentIDs == [Desk.sales])
        await expectFailure(.invalidTransition, "a one-department route") {
            try await d.engine.tickets.forward(general.id, note: "onwards", by: Desk.seller)
        }

        // A member of the company opens for a contact.
        let carl = lotus.contacts[1]
        let onBehalf = try await d.engine.tickets.open(d.draft("Called in: door seal"), by: Desk.seller, onBehalfOf: carl)
        #expect(onBehalf.requesterID == carl && onBehalf.customerID == lotus.id)
        #expect(try await d.engine.tickets.customerTicket(onBehalf.id, as: carl).subject == "Called in: door seal")
        #expect(try await d.notices(Desk.seller2, .ticketUpdate, about: onBehalf.id).count == 1)
        await expectFailure(.invalidInput, "on behalf of a member of the company") {
            try await d.engine.tickets.open(d.draft(), by: Desk.seller, onBehalfOf: Desk.tech)
        }
        await expectFailure(.invalidInput, "a member of the company without a contact") {
            try await d.engine.tickets.open(d.draft(), by: Desk.seller)
        }
        await expectFailure(.forbidden, "a partner is no customer") {
            try await d.engine.tickets.open(d.draft(), by: Workplace.partner)
        }
    }

    @Test("a category no route takes is refused and writes nothing")
    func unroutedCategory() async throws {
        var configuration = Desk.configuration()
        configuration.defaultSettings.ticketRouting = TicketRouting(routes: [
            TicketRouting.Route("installation", categories: ["installation"],
                departments: [Desk.sales, Desk.technology, Desk.afterSales]),
        ])
        let w = try await Workplace(storage: .underTest, configuration: configuration)
        try await w.h.addDepartment(Desk.technology, in: "acme")
        try await w.h.addDepartment(Desk.afterSales, in: "acme")
        try await w.h.addMember(Desk.seller, in: "acme", departments: [DepartmentMembership(Desk.sales)])
        let lotus = try await w.engine.customers.recordSignedContract(Desk.contract(), by: Desk.seller)
        let anna = try #require(lotus.newContactIDs.first)
        let before = try await w.h.tableSnapshot()
        let error = await expectFailure(.invalidInput, "no route takes 'billing'") {
            try await w.engine.tickets.open(
                TicketDraft(subject: "Invoice", description: "A copy please", category: "billing"), by: anna)
        }
        #expect(error?.problems.map(\.field) == ["category"])
        #expect(try await w.h.tableSnapshot() == before)
        #expect(try await w.engine.tickets.open(
            TicketDraft(subject: "Install", description: "Hall 2", category: "installation"), by: anna).route
            == "installation")
    }

    // MARK: 4. Replies and internal notes

    @Test("the customer sees replies, never internal notes; the company sees both")
    func repliesAndNotes() async throws {
        let d = try await Desk()
        let lotus = try await d.customer()
        let anna = lotus.contacts[0], carl = lotus.contacts[1]
        let ticket = try await d.engine.tickets.open(d.draft(), by: anna)

        d.h.clock.advance(by: .seconds(60))
        try await d.engine.tickets.reply(to: ticket.id, "SECRET: margin is thin, quote high", audience: .internal, by: Desk.seller)
        #expect(try await d.notices(anna, about: ticket.id).isEmpty, "no notification to the customer for a note")
        d.h.clock.advance(by: .seconds(60))
        try await d.engine.tickets.reply(to: ticket.id, "We will send an engineer next week.", by: Desk.seller)
        #expect(try await d.notices(anna, .ticketReply, about: ticket.id).count == 1)
        d.h.clock.advance(by: .seconds(60))
        try await d.engine.tickets.forward(ticket.id, note: "SECRET: check the old wiring first", by: Desk.seller)
        try await d.engine.tickets.reply(to: ticket.id, "SECRET: wiring is fine", audience: .internal, by: Desk.tech)
        // The customer cannot write a note: whatever they ask for, it is a reply.
        try await d.engine.tickets.reply(to: ticket.id, "Thanks, Tuesday suits us.", audience: .internal, by: carl)

        let internalBodies = try await d.engine.tickets.messages(of: ticket.id, as: Desk.seller).map(\.body)
        #expect(internalBodies == [
            "Please install the cold room in hall 2.", "SECRET: margin is thin, quote high",
            "We will send an engineer next week.", "SECRET: check the old wiring first", "SECRET: wiring is fine",
            "Thanks, Tuesday suits us.",
        ])
        #expect(try await d.engine.tickets.messages(of: ticket.id, as: Workplace.auditor).count == 6)
        let visible = [
            "Please install the cold room in hall 2.", "We will send an engineer next week.", "Thanks, Tuesday suits us.",
        ]
        for contact in [anna, carl] {
            let messages = try await d.engine.tickets.messages(of: ticket.id, as: contact)
            #expect(messages.map(\.body) == visible)
            #expect(messages.allSatisfy { $0.audience == .customer })
            let view = try await d.engine.tickets.customerTicket(ticket.id, as: contact)
            #expect(view.replies.map(\.body) == visible)
            let listed = try await d.engine.tickets.customerTickets(as: contact).items
            #expect(listed.map(\.id) == [ticket.id])
            #expect(listed.flatMap(\.replies).allSatisfy { !$0.body.contains("SECRET") })
            let notices = try await d.h.notices(of: contact)
            #expect(notices.allSatisfy { !$0.title.contains("SECRET") && !$0.body.contains("SECRET") })
            await expectFailure(.notFound, "the internal record") { _ = try await d.engine.tickets.ticket(ticket.id, as: contact) }
            await expectFailure(.notFound, "service status is internal") {
                _ = try await d.engine.tickets.serviceStatus(of: ticket.id, as: contact)
            }
            #expect(try await d.engine.tickets.list(as: contact).items.isEmpty)
        }
        #expect(try await d.notices(anna, about: ticket.id).map(\.kind) == [.ticketReply],
            "the requester is told of the one reply, not of notes or the forward")
        #expect(try await d.engine.tickets.customerTicket(ticket.id, as: Desk.seller).replies.map(\.body) == visible,
            "the company can see what the customer sees")
        #expect(try await d.notices(Desk.tech, .ticketUpdate, about: ticket.id).count == 2,
            "technology is told of the forward and of the customer's reply")
        #expect(try await d.actions(ticket.id)
            == ["open_ticket", "note", "reply", "forward_ticket", "note", "customer_reply"])
        await expectFailure(.forbidden, "sales no longer handles the ticket") {
            try await d.engine.tickets.reply(to: ticket.id, "SECRET: late note", audience: .internal, by: Desk.seller)
        }
    }

    // MARK: 5. Service targets

    @Test("the clocks pause while waiting for the customer; a resolution miss is told once")
    func serviceTargetsPause() async throws {
        let d = try await Desk(targets: Desk.shortTargets, calendar: .alwaysOpen(timeZoneIdentifier: "Asia/Shanghai"))
        let lotus = try await d.customer()
        let anna = lotus.contacts[0]
        let ticket = try await d.engine.tickets.open(d.draft(), by: anna)

        try await d.h.advance(by: .seconds(30 * 60))
        try await d.engine.tickets.waitForCustomer(ticket.id, question: "Which hall exactly?", by: Desk.seller)
        #expect(try await d.notices(anna, .ticketReply, about: ticket.id).count == 1, "the question reaches the customer")

        try await d.h.advance(by: .seconds(10 * 3600))
        var status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(status.isPaused)
        #expect(status.firstResponse.metAt == ticket.createdAt.addingTimeInterval(30 * 60))
        #expect(status.firstResponse.used == .seconds(30 * 60) && !status.firstResponse.isBreached)
        #expect(status.resolution.used == .seconds(30 * 60))
        #expect(status.resolution.dueAt == nil && !status.resolution.isBreached)
        for member in [Desk.salesHead, Desk.seller] {
            #expect(try await d.notices(member, .serviceTargetMissed, about: ticket.id).isEmpty, "\(member)")
        }

        try await d.engine.tickets.reply(to: ticket.id, "Hall 2, next to the loading dock.", by: anna)
        status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(!status.isPaused)
        #expect(status.resolution.used == .seconds(30 * 60))
        #expect(status.resolution.dueAt == d.w.now.addingTimeInterval(3.5 * 3600))
        #expect(try await d.stored(ticket.id).state == .open)

        try await d.h.advance(by: .seconds(3 * 3600 + 29 * 60))
        status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(!status.resolution.isBreached && status.resolution.used == .seconds(3 * 3600 + 59 * 60))
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).isEmpty)

        try await d.h.advance(by: .seconds(2 * 60))
        status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(status.resolution.isBreached)
        let missed = try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id)
        #expect(missed.count == 1)
        #expect(missed.first?.urgency == .urgent)
        #expect(try await d.notices(Desk.seller, .serviceTargetMissed, about: ticket.id).count == 1, "the handler")
        for member in [Desk.seller2, Desk.tech, Desk.techHead, anna] {
            #expect(try await d.notices(member, .serviceTargetMissed, about: ticket.id).isEmpty, "\(member)")
        }
        #expect(try await d.stored(ticket.id).resolutionMissedAt != nil)

        try await d.h.advance(by: .seconds(3 * 86_400))
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).count == 1, "told once")
        #expect(try await d.notices(Desk.seller, .serviceTargetMissed, about: ticket.id).count == 1)
        let actions = try await d.actions(ticket.id)
        #expect(actions.filter { $0 == "miss_resolution" }.count == 1)
        #expect(!actions.contains("miss_first_response"))
    }

    @Test("nobody answering within the first-response target tells the department's heads once")
    func firstResponseMiss() async throws {
        let d = try await Desk(targets: Desk.shortTargets)
        let lotus = try await d.customer()
        let ticket = try await d.engine.tickets.open(d.draft(), by: lotus.contacts[0])

        try await d.h.advance(by: .seconds(30 * 60))
        try await d.engine.tickets.reply(to: ticket.id, "Who takes this?", audience: .internal, by: Desk.seller)
        #expect(try await d.engine.tickets.serviceStatus(of: ticket.id, as: Workplace.admin).firstResponse.metAt == nil,
            "an internal note is no response to the customer")
        try await d.h.advance(by: .seconds(29 * 60))
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).isEmpty)
        #expect(try await !d.engine.tickets.serviceStatus(of: ticket.id, as: Workplace.admin).firstResponse.isBreached)

        try await d.h.advance(by: .seconds(60))
        let status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Workplace.admin)
        #expect(status.firstResponse.isBreached && status.firstResponse.metAt == nil)
        let missed = try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id)
        #expect(missed.count == 1 && missed.first?.urgency == .urgent)
        #expect(try await d.notices(Desk.seller, .serviceTargetMissed, about: ticket.id).count == 1,
            "the member who wrote the note took the ticket: the handler is told with the heads")
        #expect(try await d.notices(Desk.seller2, .serviceTargetMissed, about: ticket.id).isEmpty)
        #expect(try await d.actions(ticket.id).filter { $0 == "miss_first_response" }.count == 1)

        // Answering late does not tell anyone again; the miss stays on record.
        try await d.h.advance(by: .seconds(60))
        try await d.engine.tickets.reply(to: ticket.id, "Sorry for the wait.", by: Desk.seller)
        try await d.h.advance(by: .seconds(60 * 60))
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).count == 1)
        #expect(try await d.engine.tickets.serviceStatus(of: ticket.id, as: Workplace.admin).firstResponse.isBreached)
    }

    @Test("with a standard calendar, a ticket opened Friday evening is not late on Monday 9:30")
    func workingHoursOnly() async throws {
        let zone = "Asia/Shanghai"
        let d = try await Desk(targets: Desk.shortTargets, calendar: .standard(timeZoneIdentifier: zone))
        let lotus = try await d.customer()
        try await d.h.advance(to: local(zone, 2026, 1, 9, 19))          // Friday 19:00
        let ticket = try await d.engine.tickets.open(d.draft(), by: lotus.contacts[0])
        var status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(status.firstResponse.dueAt == local(zone, 2026, 1, 12, 10))

        try await d.h.advance(to: local(zone, 2026, 1, 12, 9, 30))     // Monday 09:30
        status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(status.firstResponse.used == .seconds(30 * 60))
        #expect(!status.firstResponse.isBreached)
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).isEmpty)

        try await d.h.advance(to: local(zone, 2026, 1, 12, 10))
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).count == 1)
    }

    @Test("a ticket forwarded to a department with other working hours is measured by them, and its miss is still told")
    func forwardedToOtherHours() async throws {
        let zone = "Asia/Shanghai"
        // Sales works around the clock; technology works office hours.
        let d = try await Desk(targets: Desk.shortTargets, calendar: .alwaysOpen(timeZoneIdentifier: zone))
        try await d.h.store.save(BusinessCalendar.standard(timeZoneIdentifier: zone), for: "acme",
            department: Desk.technology)
        let lotus = try await d.customer()
        try await d.h.advance(to: local(zone, 2026, 1, 9, 19))          // Friday 19:00
        let ticket = try await d.engine.tickets.open(d.draft(), by: lotus.contacts[0])
        try await d.engine.tickets.forward(ticket.id, note: "for the engineers", by: Desk.seller)
        var status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.techHead)
        #expect(status.firstResponse.dueAt == local(zone, 2026, 1, 12, 10), "technology's hours count now")

        try await d.h.advance(to: local(zone, 2026, 1, 12, 9, 59))     // Monday 09:59
        #expect(try await d.notices(Desk.techHead, .serviceTargetMissed, about: ticket.id).isEmpty)
        try await d.h.advance(to: local(zone, 2026, 1, 12, 10, 1))
        status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.techHead)
        #expect(status.firstResponse.isBreached)
        #expect(try await d.notices(Desk.techHead, .serviceTargetMissed, about: ticket.id).count == 1,
            "the first-response miss is told to technology's head")
        #expect(try await d.actions(ticket.id).contains("miss_first_response"))
    }

    // MARK: 6. Resolve, close and rate

    @Test("from request to rating: resolve, close, rate once; the handlers hear of it")
    func resolveCloseRate() async throws {
        let d = try await Desk()
        let lotus = try await d.customer()
        let anna = lotus.contacts[0]
        let ticket = try await d.engine.tickets.open(d.draft(), by: anna)
        try await d.engine.tickets.forward(ticket.id, note: "assess", by: Desk.seller)
        try await d.engine.tickets.reply(to: ticket.id, "An engineer comes Tuesday.", by: Desk.tech)

        await expectFailure(.invalidTransition, "an open ticket does not close") {
            try await d.engine.tickets.close(ticket.id, by: anna)
        }
        await expectFailure(.invalidTransition, "rating before closing") {
            try await d.engine.tickets.rate(ticket.id, score: 5, by: anna)
        }
        await expectFailure(.forbidden, "sales no longer handles it") {
            try await d.engine.tickets.resolve(ticket.id, resolution: "done", by: Desk.seller)
        }

        d.h.clock.advance(by: .seconds(3600))
        let resolved = try await d.engine.tickets.resolve(ticket.id, resolution: "Installed and tested.", by: Desk.tech)
        #expect(resolved.state == .resolved && resolved.resolvedAt == d.w.now)
        let resolvedNotice = try await d.notices(anna, .ticketReply, about: ticket.id)
        #expect(resolvedNotice.count == 2, "the reply and the resolution")
        #expect(resolvedNotice.last?.title.contains("Resolved") == true)
        #expect(try await d.engine.tickets.customerTicket(ticket.id, as: anna).state == .resolved)

        await expectFailure(.invalidTransition, "rating a resolved ticket") {
            try await d.engine.tickets.rate(ticket.id, score: 5, by: anna)
        }
        let closed = try await d.engine.tickets.close(ticket.id, by: anna)
        #expect(closed.state == .closed && closed.closedAt == d.w.now)
        #expect(try await d.notices(Desk.techHead, .ticketUpdate, about: ticket.id).count == 2,
            "the forward and the customer's closing")

        let before = try await d.h.tableSnapshot()
        for score in [0, 6] {
            await expectFailure(.invalidInput, "score \(score)") {
                try await d.engine.tickets.rate(ticket.id, score: score, by: anna)
            }
        }
        await expectFailure(.forbidden, "an internal member does not rate") {
            try await d.engine.tickets.rate(ticket.id, score: 5, by: Desk.tech)
        }
        await expectFailure(.forbidden, "an administrator does not rate") {
            try await d.engine.tickets.rate(ticket.id, score: 5, by: Workplace.admin)
        }
        #expect(try await d.h.tableSnapshot() == before)

        let rated = try await d.engine.tickets.rate(ticket.id, score: 4, comment: "Quick and clean", by: anna)
        #expect(rated.rating?.score == 4 && rated.rating?.ratedBy == anna)
        await expectFailure(.invalidTransition, "a second rating") {
            try await d.engine.tickets.rate(ticket.id, score: 1, by: lotus.contacts[1])
        }
        #expect(try await d.engine.tickets.customerTicket(ticket.id, as: anna).rating?.score == 4)
        #expect(try await d.engine.tickets.customerTicket(ticket.id, as: anna).rating?.comment == "Quick and clean")
        #expect(try await d.engine.tickets.ticket(ticket.id, as: Desk.seller).rating?.score == 4)
        for member in [Desk.tech, Desk.techHead, Workplace.salesHead] {
            let rating = try await d.notices(member, .ticketUpdate, about: ticket.id).filter { $0.title.contains("4/5") }
            #expect(rating.count == 1, "\(member)")
        }
        #expect(try await d.notices(Desk.seller2, about: ticket.id).filter { $0.title.contains("4/5") }.isEmpty)
        await expectFailure(.invalidTransition, "a closed ticket takes no reply") {
            try await d.engine.tickets.reply(to: ticket.id, "one more thing", by: anna)
        }
        #expect(try await d.actions(ticket.id)
            == ["open_ticket", "forward_ticket", "reply", "resolve_ticket", "close_ticket", "rate_ticket"])
    }

    @Test("a customer reply reopens a resolved ticket; the time it stood resolved does not count")
    func reopen() async throws {
        let d = try await Desk(targets: Desk.shortTargets)
        let lotus = try await d.customer()
        let anna = lotus.contacts[0]
        let ticket = try await d.engine.tickets.open(d.draft(), by: anna)
        try await d.h.advance(by: .seconds(3600 + 1800)) // first response missed meanwhile: irrelevant here
        try await d.engine.tickets.resolve(ticket.id, resolution: "Installed.", by: Desk.seller)
        #expect(try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead).resolution.metAt != nil)

        try await d.h.advance(by: .seconds(2 * 86_400))
        try await d.engine.tickets.reply(to: ticket.id, "It stopped cooling overnight.", by: anna)
        let reopened = try await d.stored(ticket.id)
        #expect(reopened.state == .open && reopened.resolvedAt == nil)
        #expect(try await d.engine.tickets.customerTicket(ticket.id, as: anna).state == .open)
        #expect(try await d.notices(Desk.seller, .ticketUpdate, about: ticket.id)
            .filter { $0.title.hasPrefix("Customer reply") }.count == 1, "the handler hears of it")
        var status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(status.resolution.metAt == nil)
        #expect(status.resolution.used == .seconds(3600 + 1800), "two days resolved do not count")
        #expect(!status.resolution.isBreached)
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).count == 1,
            "only the first-response miss so far")

        try await d.h.advance(by: .seconds(2 * 3600 + 29 * 60))
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).count == 1)
        try await d.h.advance(by: .seconds(60))
        status = try await d.engine.tickets.serviceStatus(of: ticket.id, as: Desk.salesHead)
        #expect(status.resolution.isBreached)
        #expect(try await d.notices(Desk.salesHead, .serviceTargetMissed, about: ticket.id).count == 2)
        #expect(try await d.actions(ticket.id).filter { $0 == "miss_resolution" }.count == 1)
    }

    // MARK: 7. Isolation

    @Test("customers see only their own tickets; another company's customer sees nothing")
    func isolation() async throws {
        let d = try await Desk()
        let c1 = try await d.customer()
        let c2 = try await d.customer("K-2", key: "CUST-2", name: "Orchid Labs", owner: Desk.seller2)
        let globexOwner = Workplace.stranger
        let foreign = try await d.engine.customers.recordSignedContract(
            Desk.contract("G-1", key: "CUST-1", name: "Lotus Foods", owner: globexOwner), by: globexOwner)
        #expect(foreign.changed && foreign.customer.id != c1.id, "the same key at another company is another customer")
        let outsider = try #require(foreign.newContactIDs.first)

        let t1 = try await d.engine.tickets.open(d.draft("C1 cold room"), by: c1.contacts[0])
        let t2 = try await d.engine.tickets.open(d.draft("C2 fume hood"), by: c2.contacts[0])
        try await d.engine.tickets.reply(to: t2.id, "Orchid: engineer Tuesday", by: Desk.seller)
        try await d.engine.tickets.resolve(t2.id, resolution: "Orchid: done", by: Desk.seller)
        try await d.engine.tickets.resolve(t1.id, resolution: "Lotus: done", by: Desk.seller)

        for contact in c1.contacts {
            #expect(try await d.engine.tickets.customerTickets(as: contact).items.map(\.id) == [t1.id])
            await expectFailure(.notFound, "C2's ticket") { _ = try await d.engine.tickets.customerTicket(t2.id, as: contact) }
            await expectFailure(.notFound, "C2's messages") { _ = try await d.engine.tickets.messages(of: t2.id, as: contact) }
            await expectFailure(.notFound, "replying on C2's ticket") {
                try await d.engine.tickets.reply(to: t2.id, "hello", by: contact)
            }
            await expectFailure(.notFound, "closing C2's ticket") { try await d.engine.tickets.close(t2.id, by: contact) }
            #expect(try await d.notices(contact, about: t2.id).isEmpty)
        }
        for contact in c2.contacts {
            #expect(try await d.engine.tickets.customerTickets(as: contact).items.map(\.id) == [t2.id])
        }
        try await d.engine.tickets.close(t2.id, by: c2.contacts[0])
        let before = try await d.h.tableSnapshot()
        await expectFailure(.notFound, "rating C2's ticket") {
            try await d.engine.tickets.rate(t2.id, score: 1, by: c1.contacts[0])
        }
        #expect(try await d.h.tableSnapshot() == before)
        #expect(try await d.stored(t2.id).rating == nil)

        #expect(try await d.engine.tickets.customerTickets(as: outsider).items.isEmpty)
        #expect(try await d.engine.tickets.list(as: outsider).items.isEmpty)
        for id in [t1.id, t2.id] {
            await expectFailure(.notFound, "another company's customer") {
                _ = try await d.engine.tickets.customerTicket(id, as: outsider)
            }
            await expectFailure(.notFound, "another company's customer") {
                _ = try await d.engine.tickets.messages(of: id, as: outsider)
            }
            await expectFailure(.notFound, "another company's member") {
                _ = try await d.engine.tickets.ticket(id, as: globexOwner)
            }
        }
        #expect(try await d.engine.tickets.list(as: globexOwner).items.isEmpty)
        await expectFailure(.invalidInput, "acme may not open a ticket for another company's customer") {
            try await d.engine.tickets.open(d.draft(), by: Desk.seller, onBehalfOf: outsider)
        }
        await expectFailure(.invalidInput, "globex may not open a ticket for acme's customer") {
            try await d.engine.tickets.open(d.draft(), by: globexOwner, onBehalfOf: c1.contacts[0])
        }
        #expect(try await d.engine.tickets.customerTickets(as: c1.contacts[0]).items.map(\.id) == [t1.id])
        #expect(try await d.engine.customers.list(as: globexOwner).items.map(\.id) == [foreign.customer.id])

        // With external collaboration switched off, C1's contacts see nothing any more.
        try await d.engine.settings.setExternalCollaboration(c1.id, enabled: false, by: Workplace.admin)
        let anna = c1.contacts[0]
        #expect(try await d.engine.tickets.customerTickets(as: anna).items.isEmpty)
        await expectFailure(.notFound, "collaboration disabled") { _ = try await d.engine.tickets.customerTicket(t1.id, as: anna) }
        await expectFailure(.notFound, "collaboration disabled") { try await d.engine.tickets.close(t1.id, by: anna) }
        #expect(try await d.stored(t1.id).state == .resolved)
    }
}
