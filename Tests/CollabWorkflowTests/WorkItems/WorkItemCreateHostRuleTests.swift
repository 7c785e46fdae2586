import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Testing

/// The work-item writes decided on the organization rather than on an item: creating and importing. (The
/// other work-item commands are decided by the policy on the item; see `AuthorizationTests`.)
private let creations: [HostRuleCase] = [
    HostRuleCase(ScenarioKeyCase("create", by: Workplace.initiator) { w, _, key, variant in
        "\(try await w.engine.workItems.create(w.draft("Plan \(variant)"), by: Workplace.initiator, idempotencyKey: key))"
    }, .createWorkItem, unrelated: .importWorkItems),
    HostRuleCase(ScenarioKeyCase("importItems", by: Workplace.initiator) { w, _, key, variant in
        "\(try await w.engine.workItems.importItems([w.draft("Imported \(variant)")], by: Workplace.initiator, idempotencyKey: key))"
    }, .importWorkItems, unrelated: .createWorkItem),
]

@Suite struct WorkItemCreateHostRuleTests {
    @Test("a host rule denying the write's action refuses it (forbidden), and nothing is written",
        arguments: creations)
    func refused(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.refusedByHostRule(test)
    }

    @Test("a host rule denying another action lets the write pass", arguments: creations)
    func passes(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.passesWhenAnotherActionIsRefused(test)
    }

    @Test("members of outside organizations still may not create or import: the rule set refuses them")
    func outsideMembers() async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.h.tableSnapshot()
        let create = await expectFailure(.forbidden) {
            _ = try await w.engine.workItems.create(w.draft("From outside"), by: Workplace.partner)
        }
        #expect(create?.message == "members of outside organizations cannot create work items")
        let imported = await expectFailure(.forbidden) {
            _ = try await w.engine.workItems.importItems([w.draft("From outside")], by: Workplace.partner)
        }
        #expect(imported?.message == "member '\(Workplace.partner)' may not create work items")
        #expect(try await w.h.tableSnapshot() == before)
    }
}
