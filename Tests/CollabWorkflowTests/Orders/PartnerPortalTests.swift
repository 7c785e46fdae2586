import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// The partner portal on the `Workplace` fixture: acme (admin, auditor, `eng` ⊃ `eng-mobile`, `sales`), plus a
// `purchasing` department and two suppliers and a distributor invited by acme's administrator. `partnerco`
// (amy) is a partner organization acme never invited; globex (bob) is another internal company.

/// Acme with purchasing and its partners.
///
/// - `purchasing`: `buyer` and `procurer` (members), `purchhead` (head);
/// - `supplier-a` (supplier): `alice`, `anton`;
/// - `supplier-b` (supplier): `bert`;
/// - `distri` (distributor): `dora`.
private struct Portal {
    let w: Workplace
    var h: TestHarness { w.h }
    var engine: WorkflowEngine { w.engine }

    static let buyer: Member.ID = "buyer"
    static let procurer: Member.ID = "procurer"
    static let purchasingHead: Member.ID = "purchhead"
    static let alice: Member.ID = "alice"
    static let anton: Member.ID = "anton"
    static let bert: Member.ID = "bert"
    static let dora: Member.ID = "dora"

    /// The purchasing side of acme that is told about a supplier's proposals.
    static let purchasingSide: [Member.ID] = [buyer, procurer, purchasingHead]
    /// The contacts of `supplier-a`.
    static let supplierA: [Member.ID] = [alice, anton]

    init(invite: Bool = true) async throws {
        w = try await Workplace(storage: .underTest)
        let h = w.h
        try await h.addDepartment("purchasing", in: "acme")
        try await h.addMember(Self.buyer, in: "acme", departments: [DepartmentMembership("purchasing")], name: "Bo Buyer")
        try await h.addMember(Self.procurer, in: "acme", departments: [DepartmentMembership("purchasing")],
            name: "Pia Procurer")
        try await h.addMember(Self.purchasingHead, in: "acme",
            departments: [DepartmentMembership("purchasing", role: .head)], name: "Hu Head")
        guard invite else { return }
        try await w.engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A", contacts: [
            ExternalContact(memberID: Self.alice, displayName: "Alice Meyer", email: "alice@supplier-a.example"),
            ExternalContact(memberID: Self.anton, displayName: "Anton Berg"),
        ]), by: Workplace.admin)
        try await w.engine.partners.invite(PartnerInvitation(partnerID: "supplier-b", name: "Supplier B", contacts: [
            ExternalContact(memberID: Self.bert, displayName: "Bert Kahn")
        ]), by: Workplace.admin)
        try await w.engine.partners.invite(PartnerInvitation(partnerID: "distri", name: "Distri", role: .distributor,
            contacts: [ExternalContact(memberID: Self.dora, displayName: "Dora Diaz")]), by: Workplace.admin)
    }

    static func day(_ day: Int, month: Int = 2) -> CalendarDate { CalendarDate(year: 2026, month: month, day: day) }

    /// Two lines, listed out of order; line 2 carries a confirmed date a draft must not be able to set.
    static let lines: [PurchaseOrder.Line] = [
        PurchaseOrder.Line(number: 2, description: "Drive shafts", sku: "DS-20", quantity: 20,
            requiredDate: day(20), confirmedDate: day(1)),
        PurchaseOrder.Line(number: 1, description: "Ball bearings", sku: "BB-6204", quantity: 500,
            requiredDate: day(10)),
    ]

    /// Dates for lines 1 and 2 (February 2026).
    static func dates(_ first: Int, _ second: Int) -> [DeliveryProposal.LineDate] {
        [DeliveryProposal.LineDate(line: 1, date: day(first)), DeliveryProposal.LineDate(line: 2, date: day(second))]
    }

    static func draft(_ number: String, department: Department.ID? = "purchasing",
        lines: [PurchaseOrder.Line] = lines) -> PurchaseOrderDraft
    {
        PurchaseOrderDraft(number: number, title: "Parts for \(number)", lines: lines, departmentID: department)
    }

    @discardableResult
    func share(_ number: String = "PO-2026-0001", with supplier: Organization.ID = "supplier-a",
        by member: Member.ID = buyer) async throws -> PurchaseOrder
    {
        let order = try await engine.orders.share(Self.draft(number), with: supplier, by: member)
        h.clock.advance(by: .seconds(60))
        return order
    }

    /// A member's notifications of a kind about an order, oldest first.
    func notices(_ member: Member.ID, _ kind: Notice.Kind, about order: PurchaseOrder.ID) async throws -> [Notice] {
        try await h.notices(of: member, kind: kind).filter { $0.record == .purchaseOrder(order) }
    }

    /// The members, in `candidates`, who have a notification of `kind` about the order (created at `time`,
    /// when given).
    func notified(
        _ kind: Notice.Kind, about order: PurchaseOrder.ID, among candidates: [Member.ID], at time: Date? = nil
    ) async throws -> [Member.ID] {
        var result: [Member.ID] = []
        for member in candidates {
            let found = try await notices(member, kind, about: order).filter { time == nil || $0.createdAt == time }
            if !found.isEmpty { result.append(member) }
        }
        return result
    }

    /// Everyone who could be told anything about an order.
    static let everyone: [Member.ID] = [
        buyer, procurer, purchasingHead, alice, anton, bert, dora, Workplace.admin, Workplace.auditor,
        Workplace.bystander, Workplace.salesHead, Workplace.partner, Workplace.stranger,
    ]

    /// The ids of the orders a member's list shows, newest first.
    func listed(_ member: Member.ID) async throws -> [PurchaseOrder.ID] {
        try await engine.orders.list(as: member, page: PageRequest(limit: 500)).items.map(\.id)
    }

    func stored(_ id: PurchaseOrder.ID) async throws -> PurchaseOrder {
        try #require(try await h.store.purchaseOrder(id))
    }

    func statuses(_ id: PurchaseOrder.ID) async throws -> [DeliveryProposal.Status] {
        try await h.store.deliveryProposals(of: id).map(\.status)
    }
}

@Suite struct PartnerPortalTests {
    // MARK: Inviting

    @Test("only an administrator of the company invites partners; others and outside members are refused")
    func onlyAdministratorsInvite() async throws {
        let p = try await Portal(invite: false)
        try await p.h.addMember("amyboss", in: "partnerco", administrator: true)
        let invitation = PartnerInvitation(partnerID: "supplier-a", name: "Supplier A",
            contacts: [ExternalContact(displayName: "Hans Vogel")])
        let before = try await p.h.tableSnapshot()
        for member in [Portal.buyer, Portal.purchasingHead, Workplace.auditor, Workplace.bystander, Workplace.engHead] {
            await expectFailure(.forbidden, "\(member) of acme") {
                try await p.engine.partners.invite(invitation, by: member)
            }
        }
        for outsider: Member.ID in [Workplace.partner, "amyboss"] {
            await expectFailure(.forbidden, "\(outsider) of a partner organization") {
                try await p.engine.partners.invite(invitation, by: outsider)
            }
        }
        #expect(try await p.h.tableSnapshot() == before)
        #expect(try await p.h.store.organization("supplier-a") == nil)

        let partnership = try await p.engine.partners.invite(invitation, by: Workplace.admin)
        #expect(partnership.organizationID == "acme" && partnership.partnerID == "supplier-a")
        #expect(partnership.role == .supplier && partnership.invitedBy == Workplace.admin)
        #expect(try await p.h.store.partnership(of: "acme", with: "supplier-a") == partnership)
        #expect(try await p.h.store.members(in: "supplier-a").map(\.displayName) == ["Hans Vogel"])
    }

    @Test("an invitation creates the partner organization and members with valid, unique handles")
    func invitationCreatesOrganizationAndMembers() async throws {
        let p = try await Portal(invite: false)
        try await p.engine.partners.invite(PartnerInvitation(
            partnerID: "supplier-a", name: "Supplier A GmbH", timeZoneIdentifier: "Europe/Berlin",
            contacts: [
                ExternalContact(memberID: Portal.alice, displayName: "Alice Meyer", email: "alice@supplier-a.example"),
                ExternalContact(displayName: "Anna Schmidt"),
                ExternalContact(displayName: "Anna Schmidt", phone: "+49 30 1234567"),
                ExternalContact(displayName: "Jürgen O'Neil", email: "j.oneil@supplier-a.example"),
                ExternalContact(displayName: "王芳"),
            ]), by: Workplace.admin)

        let organization = try #require(try await p.h.store.organization("supplier-a"))
        #expect(organization.kind == .partner)
        #expect(organization.externalCollaborationEnabled)
        #expect(organization.name == "Supplier A GmbH" && organization.timeZoneIdentifier == "Europe/Berlin")
        let partnership = try #require(try await p.h.store.partnership(of: "acme", with: "supplier-a"))
        #expect(partnership.role == .supplier && partnership.invitedBy == Workplace.admin)
        #expect(partnership.invitedAt == p.w.now)

        let members = try await p.h.store.members(in: "supplier-a")
        #expect(members.count == 5)
        for member in members {
            #expect(member.validate().problems.isEmpty, "\(member.id) '\(member.handle)'")
            #expect(member.isActive)
        }
        #expect(Set(members.map(\.handle)).count == 5, "\(members.map(\.handle))")
        #expect(Set(members.map(\.id)).count == 5)
        let annas = members.filter { $0.displayName == "Anna Schmidt" }.map(\.handle).sorted()
        #expect(annas == ["anna.schmidt", "anna.schmidt-2"])
        #expect(members.first { $0.id == Portal.alice }?.handle == "alice")
        #expect(members.first { $0.displayName.hasPrefix("Jürgen") }?.handle == "j.oneil")
        // The members are outsiders of the supplier: they see its orders and nothing of acme's.
        let alice = try await p.engine.visibilityScope(of: Portal.alice)
        #expect(alice.isExternal)
    }

    @Test("inviting again adds only the new contacts and leaves existing members as they are")
    func invitingAgainAddsOnlyNewContacts() async throws {
        let p = try await Portal()
        var alice = try #require(try await p.h.store.member(Portal.alice))
        alice.isActive = false
        try await p.h.store.save(alice)
        let before = try await p.h.store.members(in: "supplier-a")
        #expect(before.count == 2)

        p.h.clock.advance(by: .seconds(3600))
        try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A", contacts: [
            ExternalContact(memberID: Portal.alice, displayName: "Alice Renamed", email: "new.alice@supplier-a.example"),
            ExternalContact(memberID: Portal.anton, displayName: "Anton Renamed"),
            ExternalContact(displayName: "Carl Cole"),
            ExternalContact(displayName: "Alice Meyer", email: "alice@home.example"),
        ]), by: Workplace.admin)

        let after = try await p.h.store.members(in: "supplier-a")
        #expect(after.count == 4)
        for member in before {
            #expect(after.first { $0.id == member.id } == member, "\(member.id) was changed")
        }
        let added = after.filter { member in !before.contains { $0.id == member.id } }
        #expect(added.map(\.displayName).sorted() == ["Alice Meyer", "Carl Cole"])
        #expect(Set(after.map(\.handle)).count == 4, "\(after.map(\.handle))")
        #expect(added.map(\.handle).sorted() == ["alice-2", "carl.cole"])
        for member in added { #expect(member.validate().problems.isEmpty, "\(member.handle)") }
        #expect(try await p.h.store.organization("supplier-a")?.externalCollaborationEnabled == true)
        #expect(try await p.h.store.organization("supplier-a")?.kind == .partner)
    }

    @Test("a contact id of another organization's member is refused and nothing is written")
    func contactOfAnotherOrganizationWritesNothing() async throws {
        let p = try await Portal()
        let before = try await p.h.tableSnapshot()
        for taken: Member.ID in [Workplace.stranger, Workplace.partner, Portal.bert, Workplace.bystander] {
            let error = await expectFailure(.invalidInput, "contact '\(taken)'") {
                try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-x", name: "Supplier X",
                    contacts: [
                        ExternalContact(displayName: "Xena New"),
                        ExternalContact(memberID: taken, displayName: "Taken Id"),
                    ]), by: Workplace.admin)
            }
            #expect(error?.problems.map(\.field) == ["contacts[1].memberID"])
        }
        #expect(try await p.h.tableSnapshot() == before)
        #expect(try await p.h.store.organization("supplier-x") == nil)
        #expect(try await p.h.store.members(in: "supplier-x").isEmpty)
        #expect(try await p.h.store.partnership(of: "acme", with: "supplier-x") == nil)
        // The taken members are where they were.
        #expect(try await p.h.store.member(Workplace.stranger)?.organizationID == "globex")
        #expect(try await p.h.store.member(Portal.bert)?.organizationID == "supplier-b")

        // Re-inviting an existing partner with another partner's member is refused as well.
        await expectFailure(.invalidInput, "bert into supplier-a") {
            try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A",
                contacts: [ExternalContact(memberID: Portal.bert, displayName: "Bert")]), by: Workplace.admin)
        }
        #expect(try await p.h.tableSnapshot() == before)
    }

    @Test("an internal or customer organization's id, the customer role, or one contact id listed twice is refused")
    func invitationRefusals() async throws {
        let p = try await Portal(invite: false)
        try await p.h.addOrganization("cust", kind: .customer, externalCollaboration: true)
        let before = try await p.h.tableSnapshot()
        for id: Organization.ID in ["globex", "acme", "cust"] {
            let error = await expectFailure(.invalidInput, "organization '\(id)'") {
                try await p.engine.partners.invite(PartnerInvitation(partnerID: id, name: "Taken",
                    contacts: [ExternalContact(displayName: "Someone New")]), by: Workplace.admin)
            }
            #expect(error?.problems.map(\.field) == ["partnerID"])
        }
        let error = await expectFailure(.invalidInput, "role customer") {
            try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-x", name: "Supplier X",
                role: .customer, contacts: [ExternalContact(displayName: "Someone New")]), by: Workplace.admin)
        }
        #expect(error?.problems.map(\.field) == ["role"])
        // One contact id for two people would make one member of them, the second overwriting the first.
        let twice = await expectFailure(.invalidInput, "one member id for two contacts") {
            try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-x", name: "Supplier X",
                contacts: [
                    ExternalContact(memberID: "xena", displayName: "Xena One"),
                    ExternalContact(memberID: "xena", displayName: "Xena Two"),
                ]), by: Workplace.admin)
        }
        #expect(twice?.problems.map(\.field) == ["contacts[1].memberID"])
        #expect(try await p.h.tableSnapshot() == before)
        #expect(try await p.h.store.organization("globex")?.kind == .internal)
        #expect(try await p.h.store.members(in: "globex").map(\.id) == [Workplace.stranger])
    }

    // MARK: Sharing

    @Test("purchasing shares an order with an invited supplier, whose contacts are told")
    func sharingTellsTheSupplier() async throws {
        let p = try await Portal()
        let order = try await p.engine.orders.share(Portal.draft("PO-2026-0001"), with: "supplier-a", by: Portal.buyer)
        #expect(order.organizationID == "acme" && order.supplierID == "supplier-a")
        #expect(order.state == .awaitingProposal && order.requirementsVersion == 1 && order.version == 1)
        #expect(order.proposalCount == 0 && order.confirmedProposal == nil)
        #expect(order.buyerID == Portal.buyer && order.departmentID == "purchasing")
        #expect(order.lines.map(\.number) == [1, 2])
        #expect(order.lines.allSatisfy { $0.confirmedDate == nil })
        #expect(try await p.stored(order.id) == order)

        let shared = try await p.notified(.orderShared, about: order.id, among: Portal.everyone)
        #expect(shared == Portal.supplierA)
        let notice = try #require(try await p.notices(Portal.alice, .orderShared, about: order.id).first)
        #expect(notice.record == .purchaseOrder(order.id))
        #expect(notice.organizationID == "supplier-a" && notice.actorID == Portal.buyer)
        #expect(notice.title.contains("PO-2026-0001"))

        // The head of purchasing and an administrator share too.
        try await p.engine.orders.share(Portal.draft("PO-2026-0002"), with: "supplier-b", by: Portal.purchasingHead)
        try await p.engine.orders.share(Portal.draft("PO-2026-0003", department: nil), with: "supplier-b",
            by: Workplace.admin)
    }

    @Test("sharing is refused for non-suppliers, members outside purchasing, taken numbers and wrong lines")
    func sharingRefusals() async throws {
        let p = try await Portal()
        try await p.share("PO-2026-0001")
        let before = try await p.h.tableSnapshot()

        for supplier: Organization.ID in ["partnerco", "distri", "globex", "acme", "nowhere"] {
            let error = await expectFailure(.invalidInput, "supplier '\(supplier)'") {
                try await p.engine.orders.share(Portal.draft("PO-2026-0002"), with: supplier, by: Portal.buyer)
            }
            #expect(error?.problems.map(\.field) == ["supplierID"])
        }
        for member in [Workplace.salesHead, Workplace.bystander, Workplace.auditor, Workplace.assignee] {
            await expectFailure(.forbidden, "\(member) is outside purchasing") {
                try await p.engine.orders.share(Portal.draft("PO-2026-0002"), with: "supplier-a", by: member)
            }
        }
        for member in [Portal.alice, Workplace.partner, Workplace.stranger] {
            await expectFailure(.forbidden, "\(member) is outside acme") {
                try await p.engine.orders.share(Portal.draft("PO-2026-0002"), with: "supplier-a", by: member)
            }
        }
        await expectFailure(.forbidden, "a buyer sharing for no department") {
            try await p.engine.orders.share(Portal.draft("PO-2026-0002", department: nil), with: "supplier-a",
                by: Portal.buyer)
        }
        await expectFailure(.alreadyExists, "number already used") {
            try await p.engine.orders.share(Portal.draft("PO-2026-0001"), with: "supplier-b", by: Portal.procurer)
        }

        let noLines = await expectFailure(.invalidInput, "no lines") {
            try await p.engine.orders.share(Portal.draft("PO-2026-0002", lines: []), with: "supplier-a", by: Portal.buyer)
        }
        #expect(noLines?.problems.map(\.field) == ["lines"])
        let wrong = [
            PurchaseOrder.Line(number: 1, description: "Bearings", quantity: 10, requiredDate: Portal.day(10)),
            PurchaseOrder.Line(number: 1, description: "Shafts", quantity: 0, requiredDate: Portal.day(11)),
            PurchaseOrder.Line(number: 0, description: "Nuts", quantity: -3, requiredDate: Portal.day(12)),
        ]
        let lines = await expectFailure(.invalidInput, "duplicate number, zero and negative quantities") {
            try await p.engine.orders.share(Portal.draft("PO-2026-0002", lines: wrong), with: "supplier-a",
                by: Portal.buyer)
        }
        #expect(Set(lines?.problems.map(\.field) ?? []) == [
            "lines[1].number", "lines[1].quantity", "lines[2].number", "lines[2].quantity",
        ])
        #expect(lines?.problems.contains { $0.field == "lines[1].number" && $0.kind == .duplicate } == true)

        #expect(try await p.h.tableSnapshot() == before)
        #expect(try await p.listed(Workplace.admin).count == 1)
    }

    // MARK: Proposals

    @Test("supplier proposals and purchasing counter-proposals are all kept, numbered, until purchasing confirms")
    func counterProposalsUntilPurchasingConfirms() async throws {
        let p = try await Portal()
        let order = try await p.share()

        let first = try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(14, 25),
            note: "Shafts need a new batch", by: Portal.alice)
        #expect(first.number == 1 && first.side == .supplier && first.status == .open)
        #expect(first.authorID == Portal.alice && first.requirementsVersion == 1)
        var stored = try await p.stored(order.id)
        #expect(stored.state == .proposed && stored.proposalCount == 1)
        #expect(try await p.notified(.deliveryProposed, about: order.id, among: Portal.everyone)
            == Portal.purchasingSide)

        p.h.clock.advance(by: .seconds(600))
        let second = try await p.engine.orders.counterPropose(for: order.id, lines: Portal.dates(10, 20),
            note: "We need them on time", by: Portal.buyer, expectedVersion: stored.version)
        #expect(second.number == 2 && second.side == .buyer && second.status == .open)
        stored = try await p.stored(order.id)
        #expect(stored.state == .countered)
        #expect(try await p.statuses(order.id) == [.countered, .open])
        let supplierTold = try await p.notified(.deliveryProposed, about: order.id, among: Portal.everyone,
            at: p.w.now)
        #expect(supplierTold == Portal.supplierA)
        #expect(try await p.notices(Portal.alice, .deliveryProposed, about: order.id).last?.title
            .contains("Counter-proposal") == true)

        p.h.clock.advance(by: .seconds(600))
        let third = try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: [
            DeliveryProposal.LineDate(line: 2, date: Portal.day(22)),
            DeliveryProposal.LineDate(line: 1, date: Portal.day(12), quantity: 300),
        ], by: Portal.anton)
        #expect(third.number == 3 && third.lines.map(\.line) == [1, 2])
        #expect(try await p.statuses(order.id) == [.countered, .countered, .open])
        #expect(try await p.stored(order.id).state == .proposed)

        // Only the open proposal of the other side can be confirmed.
        let before = try await p.h.tableSnapshot()
        await expectFailure(.conflict, "proposal 1 was countered") {
            try await p.engine.orders.confirmProposal(1, of: order.id, by: Portal.buyer)
        }
        await expectFailure(.conflict, "counter-proposal 2 was answered by proposal 3") {
            try await p.engine.orders.confirmProposal(2, of: order.id, by: Portal.alice)
        }
        await expectFailure(.forbidden, "the supplier confirming its own proposal") {
            try await p.engine.orders.confirmProposal(3, of: order.id, by: Portal.alice)
        }
        await expectFailure(.forbidden, "the supplier confirming its own proposal, by another contact") {
            try await p.engine.orders.confirmProposal(3, of: order.id, by: Portal.anton)
        }
        await expectFailure(.forbidden, "purchasing confirming its own counter-proposal") {
            try await p.engine.orders.confirmProposal(2, of: order.id, by: Portal.procurer)
        }
        await expectFailure(.notFound, "no proposal 4") {
            try await p.engine.orders.confirmProposal(4, of: order.id, by: Portal.buyer)
        }
        await expectFailure(.forbidden, "the auditor sees but does not act") {
            try await p.engine.orders.confirmProposal(3, of: order.id, by: Workplace.auditor)
        }
        #expect(try await p.h.tableSnapshot() == before)

        p.h.clock.advance(by: .seconds(600))
        let confirmed = try await p.engine.orders.confirmProposal(3, of: order.id, by: Portal.procurer)
        #expect(confirmed.state == .confirmed && confirmed.confirmedProposal == 3)
        #expect(confirmed.lines.map(\.confirmedDate) == [Portal.day(12), Portal.day(22)])
        #expect(try await p.stored(order.id) == confirmed)

        let proposals = try await p.engine.orders.proposals(of: order.id, as: Portal.alice)
        #expect(proposals.map(\.number) == [1, 2, 3])
        #expect(proposals.map(\.status) == [.countered, .countered, .confirmed])
        #expect(proposals.map(\.side) == [.supplier, .buyer, .supplier])
        #expect(proposals.map(\.lines) == [Portal.dates(14, 25), Portal.dates(10, 20), third.lines])
        #expect(proposals[2].confirmedBy == Portal.procurer && proposals[2].decidedAt == p.w.now)
        #expect(proposals.filter { $0.status == .confirmed }.count == 1)
        #expect(try await p.engine.orders.proposals(of: order.id, as: Portal.buyer) == proposals)

        #expect(try await p.notified(.deliveryConfirmed, about: order.id, among: Portal.everyone) == Portal.supplierA)
        await expectFailure(.conflict, "a confirmed proposal is not confirmed twice") {
            try await p.engine.orders.confirmProposal(3, of: order.id, by: Portal.buyer)
        }
    }

    @Test("the supplier confirms purchasing's counter-proposal; purchasing is told")
    func supplierConfirmsCounterProposal() async throws {
        let p = try await Portal()
        let order = try await p.share()
        try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(14, 25), by: Portal.alice)
        // A second supplier proposal replaces the first while it is open.
        let replaced = try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(13, 24),
            by: Portal.anton)
        #expect(replaced.number == 2)
        #expect(try await p.statuses(order.id) == [.superseded, .open])
        await expectFailure(.conflict, "superseded proposal 1") {
            try await p.engine.orders.confirmProposal(1, of: order.id, by: Portal.buyer)
        }
        let counter = try await p.engine.orders.counterPropose(for: order.id, lines: Portal.dates(11, 21),
            by: Portal.purchasingHead)
        #expect(counter.number == 3)
        p.h.clock.advance(by: .seconds(600))

        let confirmed = try await p.engine.orders.confirmProposal(3, of: order.id, by: Portal.anton)
        #expect(confirmed.state == .confirmed && confirmed.confirmedProposal == 3)
        #expect(confirmed.lines.map(\.confirmedDate) == [Portal.day(11), Portal.day(21)])
        #expect(try await p.statuses(order.id) == [.superseded, .countered, .confirmed])
        let proposals = try await p.engine.orders.proposals(of: order.id, as: Portal.buyer)
        #expect(proposals.map(\.number) == [1, 2, 3])
        #expect(proposals[2].confirmedBy == Portal.anton)
        #expect(try await p.notified(.deliveryConfirmed, about: order.id, among: Portal.everyone)
            == Portal.purchasingSide)
        await expectFailure(.invalidTransition, "a confirmed order takes no proposal") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(9, 9), by: Portal.alice)
        }
    }

    @Test("a proposal missing a line, naming an unknown line, or above a line's quantity is refused")
    func wrongProposals() async throws {
        let p = try await Portal()
        let order = try await p.share()
        let before = try await p.h.tableSnapshot()
        typealias LineDate = DeliveryProposal.LineDate

        let missing = await expectFailure(.invalidInput, "line 2 has no date") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: [LineDate(line: 1, date: Portal.day(9))],
                by: Portal.alice)
        }
        #expect(missing?.problems.map(\.kind) == [.missing])
        let unknown = await expectFailure(.invalidInput, "line 7 is not in the order") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(9, 9)
                + [LineDate(line: 7, date: Portal.day(9))], by: Portal.alice)
        }
        #expect(unknown?.problems.map(\.field) == ["lines[2].line"])
        let unknownWithQuantity = await expectFailure(.invalidInput, "line 7 with a quantity") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(9, 9)
                + [LineDate(line: 7, date: Portal.day(9), quantity: 5)], by: Portal.alice)
        }
        #expect(unknownWithQuantity?.problems.contains { $0.field == "lines[2].line" } == true)
        let above = await expectFailure(.invalidInput, "501 of 500 bearings") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: [
                LineDate(line: 1, date: Portal.day(9), quantity: 501), LineDate(line: 2, date: Portal.day(9)),
            ], by: Portal.alice)
        }
        #expect(above?.problems.map(\.field) == ["lines[0].quantity"])
        let zero = await expectFailure(.invalidInput, "zero shafts") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: [
                LineDate(line: 1, date: Portal.day(9)), LineDate(line: 2, date: Portal.day(9), quantity: 0),
            ], by: Portal.alice)
        }
        #expect(zero?.problems.map(\.field) == ["lines[1].quantity"])
        let twice = await expectFailure(.invalidInput, "line 1 twice") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(9, 9)
                + [LineDate(line: 1, date: Portal.day(10))], by: Portal.alice)
        }
        #expect(twice?.problems.map(\.kind) == [.duplicate])
        await expectFailure(.forbidden, "purchasing does not propose as the supplier") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(9, 9), by: Portal.buyer)
        }
        await expectFailure(.invalidTransition, "nothing to counter before the supplier proposed") {
            try await p.engine.orders.counterPropose(for: order.id, lines: Portal.dates(9, 9), by: Portal.buyer)
        }
        await expectFailure(.conflict, "a proposal on a stale order version") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(9, 9), by: Portal.alice,
                expectedVersion: order.version + 1)
        }
        #expect(try await p.h.tableSnapshot() == before)
        #expect(try await p.stored(order.id).proposalCount == 0)
    }

    // MARK: Changes

    @Test("changed requirements void the confirmation and tell the supplier; new proposals tell purchasing")
    func changedRequirementsNotifyTheOtherSide() async throws {
        let p = try await Portal()
        let order = try await p.share()
        try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(12, 22), by: Portal.alice)
        let confirmed = try await p.engine.orders.confirmProposal(1, of: order.id, by: Portal.buyer)
        #expect(confirmed.state == .confirmed)
        p.h.clock.advance(by: .seconds(3600))

        var lines = confirmed.lines
        lines[0].quantity = 800
        lines.append(PurchaseOrder.Line(number: 3, description: "Seals", quantity: 40, requiredDate: Portal.day(18)))
        let before = try await p.h.tableSnapshot()
        await expectFailure(.conflict, "changed from a stale version") {
            try await p.engine.orders.changeRequirements(of: order.id, lines: lines, reason: "Demand rose",
                by: Portal.buyer, expectedVersion: order.version)
        }
        await expectFailure(.forbidden, "the supplier does not change requirements") {
            try await p.engine.orders.changeRequirements(of: order.id, lines: lines, reason: "Demand rose", by: Portal.alice)
        }
        await expectFailure(.notFound, "a member outside purchasing does not see the order") {
            try await p.engine.orders.changeRequirements(of: order.id, lines: lines, reason: "Demand rose",
                by: Workplace.bystander)
        }
        #expect(try await p.h.tableSnapshot() == before)

        let changed = try await p.engine.orders.changeRequirements(of: order.id, lines: lines, reason: "Demand rose",
            by: Portal.procurer, expectedVersion: confirmed.version)
        #expect(changed.state == .awaitingProposal)
        #expect(changed.confirmedProposal == nil)
        #expect(changed.requirementsVersion == confirmed.requirementsVersion + 1)
        #expect(changed.version == confirmed.version + 1)
        #expect(changed.lines.map(\.quantity) == [800, 20, 40])
        #expect(changed.lines.allSatisfy { $0.confirmedDate == nil })
        #expect(try await p.stored(order.id) == changed)
        #expect(try await p.statuses(order.id) == [.superseded])

        #expect(try await p.notified(.orderChanged, about: order.id, among: Portal.everyone) == Portal.supplierA)
        let notice = try #require(try await p.notices(Portal.anton, .orderChanged, about: order.id).first)
        #expect(notice.body.contains("Demand rose"))
        #expect(notice.body.contains("proposal 1 no longer apply"), "\(notice.body)")
        #expect(notice.actorID == Portal.procurer)

        await expectFailure(.conflict, "the voided proposal cannot be confirmed again") {
            try await p.engine.orders.confirmProposal(1, of: order.id, by: Portal.buyer)
        }
        await expectFailure(.invalidInput, "the new line 3 needs a date too") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(15, 25), by: Portal.anton)
        }

        p.h.clock.advance(by: .seconds(600))
        let proposal = try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(15, 25)
            + [DeliveryProposal.LineDate(line: 3, date: Portal.day(19))], by: Portal.anton,
            expectedVersion: changed.version)
        #expect(proposal.number == 2 && proposal.requirementsVersion == changed.requirementsVersion)
        #expect(try await p.stored(order.id).state == .proposed)
        #expect(try await p.notified(.deliveryProposed, about: order.id, among: Portal.everyone, at: p.w.now)
            == Portal.purchasingSide)

        // Purchasing's own changes are not announced to the member who made them.
        #expect(try await p.notices(Portal.procurer, .orderChanged, about: order.id).isEmpty)
    }

    @Test("a supplier's proposal tells the order's buyer, even outside purchasing, and the purchasing members")
    func buyerNotifications() async throws {
        let p = try await Portal()
        let order = try await p.share("PO-2026-0001", by: Workplace.admin)
        try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(12, 22), by: Portal.alice)
        #expect(try await p.notified(.deliveryProposed, about: order.id, among: Portal.everyone)
            == Portal.purchasingSide + [Workplace.admin])
        // A counter-proposal goes to the supplier only, never back to purchasing.
        p.h.clock.advance(by: .seconds(600))
        try await p.engine.orders.counterPropose(for: order.id, lines: Portal.dates(11, 21), by: Workplace.admin)
        #expect(try await p.notified(.deliveryProposed, about: order.id, among: Portal.everyone, at: p.w.now)
            == Portal.supplierA)
    }

    @Test("cancelling tells the supplier and ends the order: no more proposals")
    func cancelling() async throws {
        let p = try await Portal()
        let order = try await p.share()
        try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(12, 22), by: Portal.alice)
        await expectFailure(.forbidden, "the supplier does not cancel") {
            try await p.engine.orders.cancel(order.id, reason: "No longer needed", by: Portal.alice)
        }
        await expectFailure(.notFound, "a member outside purchasing does not see the order") {
            try await p.engine.orders.cancel(order.id, reason: "No longer needed", by: Workplace.salesHead)
        }
        let cancelled = try await p.engine.orders.cancel(order.id, reason: "Project stopped", by: Portal.purchasingHead)
        #expect(cancelled.state == .cancelled)
        #expect(try await p.stored(order.id).state == .cancelled)
        #expect(try await p.statuses(order.id) == [.superseded])

        #expect(try await p.notified(.orderChanged, about: order.id, among: Portal.everyone) == Portal.supplierA)
        let notice = try #require(try await p.notices(Portal.alice, .orderChanged, about: order.id).first)
        #expect(notice.body.contains("Project stopped"))

        let before = try await p.h.tableSnapshot()
        await expectFailure(.invalidTransition, "a proposal on a cancelled order") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(12, 22), by: Portal.anton)
        }
        await expectFailure(.invalidTransition, "a counter-proposal on a cancelled order") {
            try await p.engine.orders.counterPropose(for: order.id, lines: Portal.dates(12, 22), by: Portal.buyer)
        }
        await expectFailure(.invalidTransition, "a change of a cancelled order") {
            try await p.engine.orders.changeRequirements(of: order.id, lines: Portal.lines, reason: "Back on",
                by: Portal.buyer)
        }
        await expectFailure(.invalidTransition, "cancelled twice") {
            try await p.engine.orders.cancel(order.id, reason: "Again", by: Portal.buyer)
        }
        await expectFailure(.conflict, "the proposal open at cancellation is void") {
            try await p.engine.orders.confirmProposal(1, of: order.id, by: Portal.buyer)
        }
        #expect(try await p.h.tableSnapshot() == before)
    }

    // MARK: Isolation

    @Test("suppliers of the same company see only their own orders")
    func suppliersSeeOnlyTheirOwnOrders() async throws {
        let p = try await Portal()
        let a1 = try await p.share("PO-A1", with: "supplier-a")
        let b1 = try await p.share("PO-B1", with: "supplier-b", by: Portal.procurer)
        let a2 = try await p.share("PO-A2", with: "supplier-a", by: Portal.purchasingHead)
        try await p.engine.orders.proposeDeliveryDates(for: b1.id, lines: Portal.dates(12, 22), by: Portal.bert)

        #expect(try await p.listed(Portal.alice) == [a2.id, a1.id])
        #expect(try await p.listed(Portal.anton) == [a2.id, a1.id])
        #expect(try await p.listed(Portal.bert) == [b1.id])
        for member in [Portal.alice, Portal.anton] {
            await expectFailure(.notFound, "\(member) reading B's order") {
                _ = try await p.engine.orders.order(b1.id, as: member)
            }
            await expectFailure(.notFound, "\(member) reading B's proposals") {
                _ = try await p.engine.orders.proposals(of: b1.id, as: member)
            }
            await expectFailure(.notFound, "\(member) proposing on B's order") {
                try await p.engine.orders.proposeDeliveryDates(for: b1.id, lines: Portal.dates(12, 22), by: member)
            }
            await expectFailure(.notFound, "\(member) confirming on B's order") {
                try await p.engine.orders.confirmProposal(1, of: b1.id, by: member)
            }
        }
        await expectFailure(.notFound, "bert reading A's order") {
            _ = try await p.engine.orders.order(a1.id, as: Portal.bert)
        }
        #expect(try await p.engine.orders.order(a1.id, as: Portal.alice) == a1)
        #expect(try await p.engine.orders.proposals(of: b1.id, as: Portal.bert).map(\.number) == [1])

        // Outsiders that are not acme's suppliers see nothing.
        for outsider in [Portal.dora, Workplace.partner, Workplace.stranger] {
            #expect(try await p.listed(outsider).isEmpty, "\(outsider)")
            for order in [a1, b1] {
                await expectFailure(.notFound, "\(outsider) reading \(order.number)") {
                    _ = try await p.engine.orders.order(order.id, as: outsider)
                }
            }
        }
        // Inside acme: the people who work on orders and the overseers.
        for member in [Workplace.admin, Workplace.auditor] + Portal.purchasingSide {
            #expect(Set(try await p.listed(member)) == [a1.id, a2.id, b1.id], "\(member)")
            #expect(try await p.engine.orders.order(b1.id, as: member) == p.stored(b1.id), "\(member)")
            #expect(try await p.engine.orders.proposals(of: b1.id, as: member).count == 1, "\(member)")
        }
        for member in [Workplace.bystander, Workplace.salesHead, Workplace.engHead, Workplace.initiator] {
            #expect(try await p.listed(member).isEmpty, "\(member)")
            await expectFailure(.notFound, "\(member) reading an order") {
                _ = try await p.engine.orders.order(a1.id, as: member)
            }
            await expectFailure(.notFound, "\(member) reading proposals") {
                _ = try await p.engine.orders.proposals(of: b1.id, as: member)
            }
        }
    }

    @Test("a deactivated contact and a supplier whose external collaboration is disabled see nothing")
    func deactivatedAndDisabledSuppliersSeeNothing() async throws {
        let p = try await Portal()
        let a1 = try await p.share("PO-A1", with: "supplier-a")
        let b1 = try await p.share("PO-B1", with: "supplier-b")
        try await p.engine.orders.proposeDeliveryDates(for: a1.id, lines: Portal.dates(12, 22), by: Portal.alice)
        let counter = try await p.engine.orders.counterPropose(for: a1.id, lines: Portal.dates(11, 21), by: Portal.buyer)

        try await p.w.deactivate(Portal.anton)
        #expect(try await p.listed(Portal.anton).isEmpty)
        await expectFailure(.notFound, "a deactivated contact reading the order") {
            _ = try await p.engine.orders.order(a1.id, as: Portal.anton)
        }
        await expectFailure(.notFound, "a deactivated contact reading the proposals") {
            _ = try await p.engine.orders.proposals(of: a1.id, as: Portal.anton)
        }
        await expectFailure(.forbidden, "a deactivated contact proposing") {
            try await p.engine.orders.proposeDeliveryDates(for: a1.id, lines: Portal.dates(12, 22), by: Portal.anton)
        }
        await expectFailure(.forbidden, "a deactivated contact confirming") {
            try await p.engine.orders.confirmProposal(counter.number, of: a1.id, by: Portal.anton)
        }
        #expect(try await p.listed(Portal.alice) == [a1.id])

        var supplier = try #require(try await p.h.store.organization("supplier-a"))
        supplier.externalCollaborationEnabled = false
        try await p.h.store.save(supplier)
        let before = try await p.h.tableSnapshot()
        #expect(try await p.listed(Portal.alice).isEmpty)
        await expectFailure(.notFound, "reading the order of a disabled supplier") {
            _ = try await p.engine.orders.order(a1.id, as: Portal.alice)
        }
        await expectFailure(.notFound, "reading the proposals of a disabled supplier") {
            _ = try await p.engine.orders.proposals(of: a1.id, as: Portal.alice)
        }
        await expectFailure(.notFound, "proposing for a disabled supplier") {
            try await p.engine.orders.proposeDeliveryDates(for: a1.id, lines: Portal.dates(12, 22), by: Portal.alice)
        }
        await expectFailure(.notFound, "confirming for a disabled supplier") {
            try await p.engine.orders.confirmProposal(counter.number, of: a1.id, by: Portal.alice)
        }
        #expect(try await p.h.tableSnapshot() == before)
        // The other supplier is unaffected.
        #expect(try await p.listed(Portal.bert) == [b1.id])
    }

    @Test("a partner organization belongs to the company that invited it; a supplier of two companies is two partners, each seeing only its company's orders")
    func supplierOfTwoCompanies() async throws {
        let p = try await Portal()
        let h = p.h
        try await h.addDepartment("g-purchasing", in: "globex")
        try await h.addMember("gadmin", in: "globex", administrator: true)
        try await h.addMember("gbuyer", in: "globex", departments: [DepartmentMembership("g-purchasing")])

        // Globex may not add a contact to acme's supplier: that contact would read acme's orders.
        let before = try await h.tableSnapshot()
        await expectFailure(.invalidInput, "globex inviting acme's supplier-a") {
            try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Renamed by globex",
                contacts: [ExternalContact(memberID: "spy", displayName: "Spy")]), by: "gadmin")
        }
        #expect(try await h.tableSnapshot() == before)
        #expect(try await h.store.member("spy") == nil)
        #expect(try await h.store.organization("supplier-a")?.name != "Renamed by globex")

        // The same real supplier works with globex as globex's own partner organization.
        try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-a-globex", name: "Supplier A",
            contacts: [ExternalContact(memberID: "alina", displayName: "Alina Meyer")]), by: "gadmin")
        try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-c", name: "Supplier C",
            contacts: [ExternalContact(memberID: "cora", displayName: "Cora Lind")]), by: "gadmin")
        #expect(try await h.store.members(in: "supplier-a").count == 2)

        let acmeA = try await p.share("PO-1", with: "supplier-a")
        let acmeB = try await p.share("PO-2", with: "supplier-b")
        func globex(_ number: String, _ supplier: Organization.ID) async throws -> PurchaseOrder {
            let order = try await p.engine.orders.share(Portal.draft(number, department: "g-purchasing"),
                with: supplier, by: "gbuyer")
            h.clock.advance(by: .seconds(60))
            return order
        }
        // Order numbers are per company: globex may use acme's.
        let globexA = try await globex("PO-1", "supplier-a-globex")
        let globexC = try await globex("PO-3", "supplier-c")
        await expectFailure(.invalidInput, "supplier-a is acme's supplier, not globex's") {
            try await p.engine.orders.share(Portal.draft("PO-4", department: "g-purchasing"), with: "supplier-a",
                by: "gbuyer")
        }
        await expectFailure(.invalidInput, "supplier-b is acme's supplier, not globex's") {
            try await p.engine.orders.share(Portal.draft("PO-4", department: "g-purchasing"), with: "supplier-b",
                by: "gbuyer")
        }

        #expect(try await p.listed(Portal.alice) == [acmeA.id])
        #expect(try await p.listed("alina") == [globexA.id])
        #expect(try await p.listed("cora") == [globexC.id])
        #expect(try await p.listed(Portal.bert) == [acmeB.id])
        for order in [acmeB, globexA, globexC] {
            await expectFailure(.notFound, "alice reading \(order.number) of \(order.organizationID)") {
                _ = try await p.engine.orders.order(order.id, as: Portal.alice)
            }
        }
        await expectFailure(.notFound, "alina reading acme's order with supplier-a") {
            _ = try await p.engine.orders.order(acmeA.id, as: "alina")
        }
        await expectFailure(.notFound, "cora reading acme's order with supplier-a") {
            _ = try await p.engine.orders.order(acmeA.id, as: "cora")
        }
        #expect(try await p.engine.orders.order(globexA.id, as: "alina") == globexA)

        #expect(Set(try await p.listed("gadmin")) == [globexA.id, globexC.id])
        #expect(Set(try await p.listed(Workplace.admin)) == [acmeA.id, acmeB.id])
        await expectFailure(.notFound, "acme's buyer reading globex's order") {
            _ = try await p.engine.orders.order(globexA.id, as: Portal.buyer)
        }
        await expectFailure(.notFound, "globex's buyer reading acme's order") {
            _ = try await p.engine.orders.order(acmeA.id, as: "gbuyer")
        }
        await expectFailure(.notFound, "acme's buyer confirming on globex's order") {
            try await p.engine.orders.confirmProposal(1, of: globexA.id, by: Portal.buyer)
        }

        // A proposal on globex's order tells globex's purchasing, not acme's.
        try await p.engine.orders.proposeDeliveryDates(for: globexA.id, lines: Portal.dates(12, 22), by: "alina")
        #expect(try await p.notified(.deliveryProposed, about: globexA.id, among: Portal.everyone + ["gbuyer"])
            == ["gbuyer"])
    }

    @Test("a supplier whose partnership became a distributorship no longer sees or answers the company's orders")
    func supplierTurnedDistributor() async throws {
        let p = try await Portal()
        let order = try await p.share()
        try await p.engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A",
            role: .distributor, contacts: []), by: Workplace.admin)
        #expect(try await p.listed(Portal.alice).isEmpty)
        await expectFailure(.notFound, "reading as a distributor") {
            _ = try await p.engine.orders.order(order.id, as: Portal.alice)
        }
        await expectFailure(.notFound, "proposing as a distributor") {
            try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(12, 22), by: Portal.alice)
        }
    }

    // MARK: Audit

    @Test("an order's audit trail lists every step in order")
    func auditTrail() async throws {
        let p = try await Portal()
        let order = try await p.share()
        let other = try await p.share("PO-2026-0002", with: "supplier-b")
        try await p.engine.orders.proposeDeliveryDates(for: order.id, lines: Portal.dates(14, 25), by: Portal.alice)
        p.h.clock.advance(by: .seconds(60))
        try await p.engine.orders.counterPropose(for: order.id, lines: Portal.dates(10, 20), by: Portal.buyer)
        p.h.clock.advance(by: .seconds(60))
        try await p.engine.orders.confirmProposal(2, of: order.id, by: Portal.anton)
        p.h.clock.advance(by: .seconds(60))
        try await p.engine.orders.changeRequirements(of: order.id, lines: Portal.lines, reason: "New drawing",
            by: Portal.purchasingHead)

        let trail = try await p.h.store.auditTrail(of: .purchaseOrder(order.id))
        #expect(trail.map(\.action) == [
            "share_order", "propose_dates", "counter_propose", "confirm_proposal", "change_requirements",
        ])
        #expect(trail.map(\.actorID) == [Portal.buyer, Portal.alice, Portal.buyer, Portal.anton, Portal.purchasingHead])
        #expect(trail.allSatisfy { $0.organizationID == "acme" && $0.record == .purchaseOrder(order.id) })
        #expect(trail.map { $0.details["proposal"] } == [nil, "1", "2", "2", nil])
        #expect(trail.last?.details["voided_confirmation"] == "2")
        #expect(trail.map(\.occurredAt) == trail.map(\.occurredAt).sorted())
        #expect(try await p.h.store.auditTrail(of: .purchaseOrder(other.id)).map(\.action) == ["share_order"])
    }
}
