import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the partner desk refused by a host rule that denies its action (``PortalHostRuleChecks``).
@Suite struct PartnerDeskHostRuleTests {
    static let writes: [PortalHostRuleWrite] = [
        PortalHostRuleWrite("partners.invite", .invitePartner) { rule in
            var configuration = WorkflowEngine.Configuration()
            configuration.accessControl.rules = [rule]
            let w = try await Workplace(storage: .underTest, configuration: configuration)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.partners.invite(PartnerDeskKeyTests.invitation("Supplier K"), by: Workplace.admin)
            }
        }
    ]

    @Test("a host rule denying the write's action refuses it (forbidden) and nothing is written", arguments: writes)
    func hostRule(_ write: PortalHostRuleWrite) async throws { try await expectHostRuleRefuses(write) }
}
