import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the order desk under an idempotency key: replayed, reused with another payload, and run by
/// a deactivated actor (``KeyedWriteChecks``). Acme's `purchasing` has the buyer `buyer`; `supplier-a`, a
/// supplier acme's administrator invited, has the contact `alice`.
@Suite struct OrderDeskKeyTests {
    static let buyer: Member.ID = "buyer"
    static let alice: Member.ID = "alice"

    static func day(_ day: Int) -> CalendarDate { CalendarDate(year: 2026, month: 2, day: day) }

    static func lines(_ quantity: Int) -> [PurchaseOrder.Line] {
        [
            PurchaseOrder.Line(number: 1, description: "Ball bearings", sku: "BB-6204", quantity: quantity,
                requiredDate: day(10)),
            PurchaseOrder.Line(number: 2, description: "Drive shafts", sku: "DS-20", quantity: 20, requiredDate: day(20)),
        ]
    }

    static func dates(_ first: Int, _ second: Int) -> [DeliveryProposal.LineDate] {
        [DeliveryProposal.LineDate(line: 1, date: day(first)), DeliveryProposal.LineDate(line: 2, date: day(second))]
    }

    static func draft(_ number: String) -> PurchaseOrderDraft {
        PurchaseOrderDraft(number: number, title: "Parts for \(number)", lines: lines(500), departmentID: "purchasing")
    }

    /// The workplace with purchasing and its supplier; with `order`, an order shared with the supplier, and
    /// with `proposal`, the supplier's proposal of its dates. The engine has the host's `rules`.
    static func portal(order: Bool = true, proposal: Bool = false, rules: [any AccessRuleExtension] = []) async throws
        -> (Workplace, PurchaseOrder?)
    {
        var configuration = WorkflowEngine.Configuration()
        configuration.accessControl.rules = rules
        let w = try await Workplace(storage: .underTest, configuration: configuration)
        try await w.h.addDepartment("purchasing", in: "acme")
        try await w.h.addMember(buyer, in: "acme", departments: [DepartmentMembership("purchasing")], name: "Bo Buyer")
        try await w.engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A", contacts: [
            ExternalContact(memberID: alice, displayName: "Alice Meyer")
        ]), by: Workplace.admin)
        guard order else { return (w, nil) }
        let shared = try await w.engine.orders.share(draft("PO-1"), with: "supplier-a", by: buyer)
        if proposal { try await w.engine.orders.proposeDeliveryDates(for: shared.id, lines: dates(12, 22), by: alice) }
        return (w, shared)
    }

    static let writes: [KeyedWrite] = [
        KeyedWrite("orders.share") {
            let (w, _) = try await portal(order: false)
            return KeyedWriteSetup(h: w.h, actor: buyer,
                write: { key in
                    try resultJSON(try await w.engine.orders.share(draft("PO-1"), with: "supplier-a", by: buyer,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.orders.share(draft("PO-2"), with: "supplier-a", by: buyer,
                        idempotencyKey: key))
                })
        },
        KeyedWrite("orders.changeRequirements") {
            let (w, order) = try await portal()
            let id = try #require(order).id
            return KeyedWriteSetup(h: w.h, actor: buyer,
                write: { key in
                    try resultJSON(try await w.engine.orders.changeRequirements(of: id, lines: lines(600),
                        reason: "More bearings", by: buyer, idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.orders.changeRequirements(of: id, lines: lines(400),
                        reason: "Fewer bearings", by: buyer, idempotencyKey: key))
                })
        },
        KeyedWrite("orders.proposeDeliveryDates") {
            let (w, order) = try await portal()
            let id = try #require(order).id
            return KeyedWriteSetup(h: w.h, actor: alice,
                write: { key in
                    try resultJSON(try await w.engine.orders.proposeDeliveryDates(for: id, lines: dates(12, 22),
                        by: alice, idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.orders.proposeDeliveryDates(for: id, lines: dates(13, 23),
                        by: alice, idempotencyKey: key))
                })
        },
        KeyedWrite("orders.counterPropose") {
            let (w, order) = try await portal(proposal: true)
            let id = try #require(order).id
            return KeyedWriteSetup(h: w.h, actor: buyer,
                write: { key in
                    try resultJSON(try await w.engine.orders.counterPropose(for: id, lines: dates(10, 20),
                        note: "Sooner, please", by: buyer, idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.orders.counterPropose(for: id, lines: dates(11, 20),
                        note: "Sooner, please", by: buyer, idempotencyKey: key))
                })
        },
        KeyedWrite("orders.confirmProposal") {
            let (w, order) = try await portal(proposal: true)
            let id = try #require(order).id
            return KeyedWriteSetup(h: w.h, actor: buyer,
                write: { key in
                    try resultJSON(try await w.engine.orders.confirmProposal(1, of: id, by: buyer, idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.orders.confirmProposal(2, of: id, by: buyer, idempotencyKey: key))
                })
        },
        KeyedWrite("orders.cancel") {
            let (w, order) = try await portal()
            let id = try #require(order).id
            return KeyedWriteSetup(h: w.h, actor: buyer,
                write: { key in
                    try resultJSON(try await w.engine.orders.cancel(id, reason: "Project stopped", by: buyer,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.orders.cancel(id, reason: "Bought elsewhere", by: buyer,
                        idempotencyKey: key))
                })
        },
    ]

    @Test("a replay with the same key returns the first result and writes nothing", arguments: writes)
    func replay(_ write: KeyedWrite) async throws { try await expectReplayWritesNothing(write) }

    @Test("the same key with another payload is idempotency_key_reused and writes nothing", arguments: writes)
    func otherPayload(_ write: KeyedWrite) async throws { try await expectOtherPayloadRefused(write) }

    @Test("a deactivated actor is refused (forbidden) and nothing is written", arguments: writes)
    func deactivated(_ write: KeyedWrite) async throws { try await expectDeactivatedActorRefused(write) }
}
