import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the customer desk refused by a host rule that denies its action (``PortalHostRuleChecks``):
/// recording the contract of a new customer (decided on the organization) and of one already in the archive
/// (decided on its record).
@Suite struct CustomerDeskHostRuleTests {
    static func workplace(_ rule: SwitchedHostRule) async throws -> Workplace {
        var configuration = WorkflowEngine.Configuration()
        configuration.accessControl.rules = [rule]
        return try await Workplace(storage: .underTest, configuration: configuration)
    }

    static let writes: [PortalHostRuleWrite] = [
        PortalHostRuleWrite("customers.recordSignedContract (new customer)", .recordContract) { rule in
            let w = try await workplace(rule)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.customers.recordSignedContract(CustomerDeskKeyTests.contract("K-1"),
                    by: Workplace.salesHead)
            }
        },
        PortalHostRuleWrite("customers.recordSignedContract (customer in the archive)", .recordContract) { rule in
            let w = try await workplace(rule)
            try await w.engine.customers.recordSignedContract(CustomerDeskKeyTests.contract("K-1"), by: Workplace.salesHead)
            return PortalHostRuleSetup(h: w.h) {
                try await w.engine.customers.recordSignedContract(CustomerDeskKeyTests.contract("K-2"),
                    by: Workplace.salesHead)
            }
        },
    ]

    @Test("a host rule denying the write's action refuses it (forbidden) and nothing is written", arguments: writes)
    func hostRule(_ write: PortalHostRuleWrite) async throws { try await expectHostRuleRefuses(write) }
}
