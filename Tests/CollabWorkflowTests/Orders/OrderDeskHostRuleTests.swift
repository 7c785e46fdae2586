import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the order desk refused by a host rule that denies its action (``PortalHostRuleChecks``), on
/// the portal of ``OrderDeskKeyTests``: purchasing's `buyer` and the supplier's `alice`.
@Suite struct OrderDeskHostRuleTests {
    typealias K = OrderDeskKeyTests

    static let writes: [PortalHostRuleWrite] = [
        PortalHostRuleWrite("orders.share", .shareOrder) { rule in
            let (w, _) = try await K.portal(order: false, rules: [rule])
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.orders.share(K.draft("PO-1"), with: "supplier-a", by: K.buyer)
            }
        },
        PortalHostRuleWrite("orders.changeRequirements", .changeRequirements) { rule in
            let (w, order) = try await K.portal(rules: [rule])
            let id = try #require(order).id
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.orders.changeRequirements(of: id, lines: K.lines(600), reason: "More bearings",
                    by: K.buyer)
            }
        },
        PortalHostRuleWrite("orders.proposeDeliveryDates", .proposeDeliveryDates) { rule in
            let (w, order) = try await K.portal(rules: [rule])
            let id = try #require(order).id
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.orders.proposeDeliveryDates(for: id, lines: K.dates(12, 22), by: K.alice)
            }
        },
        PortalHostRuleWrite("orders.counterPropose", .counterPropose) { rule in
            let (w, order) = try await K.portal(proposal: true, rules: [rule])
            let id = try #require(order).id
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.orders.counterPropose(for: id, lines: K.dates(10, 20), by: K.buyer)
            }
        },
        PortalHostRuleWrite("orders.confirmProposal (purchasing confirms the supplier's)", .confirmProposal) { rule in
            let (w, order) = try await K.portal(proposal: true, rules: [rule])
            let id = try #require(order).id
            return PortalHostRuleSetup(h: w.h) { try await w.engine.orders.confirmProposal(1, of: id, by: K.buyer) }
        },
        PortalHostRuleWrite("orders.confirmProposal (the supplier confirms purchasing's)", .confirmCounterProposal) {
            rule in
            let (w, order) = try await K.portal(proposal: true, rules: [rule])
            let id = try #require(order).id
            try await w.engine.orders.counterPropose(for: id, lines: K.dates(10, 20), by: K.buyer)
            return PortalHostRuleSetup(h: w.h) { try await w.engine.orders.confirmProposal(2, of: id, by: K.alice) }
        },
        PortalHostRuleWrite("orders.cancel", .cancelOrder) { rule in
            let (w, order) = try await K.portal(rules: [rule])
            let id = try #require(order).id
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.orders.cancel(id, reason: "Project stopped", by: K.buyer)
            }
        },
    ]

    @Test("a host rule denying the write's action refuses it (forbidden) and nothing is written", arguments: writes)
    func hostRule(_ write: PortalHostRuleWrite) async throws { try await expectHostRuleRefuses(write) }
}
