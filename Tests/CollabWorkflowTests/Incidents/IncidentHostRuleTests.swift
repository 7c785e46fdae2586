import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Testing

/// Every write of the incident desk with the action that decides it (the key tests' cases).
private let incidentRules: [HostRuleCase] = [
    HostRuleCase(incidentWrites[0], .savePlan, unrelated: .triggerPlan),
    HostRuleCase(incidentWrites[1], .triggerPlan, unrelated: .closeIncident),
    HostRuleCase(incidentWrites[2], .postIncidentUpdate, unrelated: .requestResource),
    HostRuleCase(incidentWrites[3], .requestResource, unrelated: .postIncidentUpdate),
    HostRuleCase(incidentWrites[4], .decideResourceRequest, unrelated: .closeIncident),
    HostRuleCase(incidentWrites[5], .decideResourceRequest, unrelated: .closeIncident),
    HostRuleCase(incidentWrites[6], .closeIncident, unrelated: .decideResourceRequest),
]

@Suite struct IncidentHostRuleTests {
    @Test("the list covers every write of the desk")
    func coversEveryWrite() {
        #expect(incidentRules.map(\.write.testDescription) == incidentWrites.map(\.testDescription))
    }

    @Test("a host rule denying the write's action refuses it (forbidden), and nothing is written",
        arguments: incidentRules)
    func refused(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.refusedByHostRule(test)
    }

    @Test("a host rule denying another action lets the write pass", arguments: incidentRules)
    func passes(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.passesWhenAnotherActionIsRefused(test)
    }

    @Test("a host rule refusing to create work items refuses a trigger, whose tasks are work items")
    func tasksAreWorkItems() async throws {
        let w = try await HostRuleChecks.workplace(refusing: .createWorkItem)
        let plan = try #require(try await incidentWrites[1].prepare(w).first)
        let before = try await w.h.tableSnapshot()
        let error = await expectFailure(.forbidden) {
            _ = try await w.engine.incidents.trigger(EmergencyPlan.ID(plan), by: Workplace.mobileHead, triggerKey: "alarm")
        }
        #expect(error?.message.contains("work_item.create") == true, "\(error?.message ?? "")")
        #expect(try await w.h.tableSnapshot() == before)
    }
}
