import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// On the `Workplace` fixture: a plan for `eng-mobile` (its members respond), triggered by its head `sun`, who
// asks `sales` (headed by `wu`) for resources.

/// A plan named `name` for `eng-mobile`: one task, ten minutes to acknowledge.
private func mobilePlan(_ name: String) -> EmergencyPlanDraft {
    EmergencyPlanDraft(
        name: name, severity: .major,
        departments: [
            EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentMembers],
                checklist: [EmergencyPlan.ChecklistTask("Roll back the release", dueAfter: .seconds(3600))],
                acknowledgeWithin: .seconds(600)),
        ],
        alert: EmergencyPlan.Message(title: "{severity}: {plan}", body: "{incident}"))
}

/// The saved plan's id.
private func savedPlan(_ w: Workplace) async throws -> [String] {
    [try await w.engine.incidents.savePlan(mobilePlan("Outage"), by: Workplace.admin).id.rawValue]
}

/// An open incident of the plan, triggered by `sun`: its id.
private func openIncident(_ w: Workplace) async throws -> [String] {
    let plan = try await savedPlan(w)
    return [try await w.engine.incidents.trigger(EmergencyPlan.ID(plan[0]), by: Workplace.mobileHead, triggerKey: "alarm").id.rawValue]
}

/// Two open resource requests to `sales` for the incident: their ids.
private func openRequests(_ w: Workplace) async throws -> [String] {
    let incident = Incident.ID(try await openIncident(w)[0])
    var ids: [String] = []
    for resource in ["Laptops", "Phones"] {
        ids.append(try await w.engine.incidents.requestResource(for: incident, from: "sales", resource: resource,
            by: Workplace.mobileHead).id.rawValue)
    }
    return ids
}

/// Every write of the incident desk.
let incidentWrites: [ScenarioKeyCase] = [
    ScenarioKeyCase("savePlan", by: Workplace.admin) { w, _, key, variant in
        "\(try await w.engine.incidents.savePlan(mobilePlan("Outage \(variant)"), by: Workplace.admin, idempotencyKey: key))"
    },
    ScenarioKeyCase("trigger", by: Workplace.mobileHead, prepare: savedPlan) { w, ids, key, variant in
        "\(try await w.engine.incidents.trigger(EmergencyPlan.ID(ids[0]), by: Workplace.mobileHead, triggerKey: "alarm", details: "Crash \(variant)", idempotencyKey: key))"
    },
    ScenarioKeyCase("postUpdate", by: Workplace.mobileHead, prepare: openIncident) { w, ids, key, variant in
        "\(try await w.engine.incidents.postUpdate(to: Incident.ID(ids[0]), text: "Update \(variant)", by: Workplace.mobileHead, idempotencyKey: key))"
    },
    ScenarioKeyCase("requestResource", by: Workplace.mobileHead, prepare: openIncident) { w, ids, key, variant in
        "\(try await w.engine.incidents.requestResource(for: Incident.ID(ids[0]), from: "sales", resource: "Laptops", quantity: variant + 1, by: Workplace.mobileHead, idempotencyKey: key))"
    },
    ScenarioKeyCase("fulfil", by: Workplace.salesHead, prepare: openRequests) { w, ids, key, variant in
        "\(try await w.engine.incidents.fulfil(ResourceRequest.ID(ids[variant]), by: Workplace.salesHead, idempotencyKey: key))"
    },
    ScenarioKeyCase("decline", by: Workplace.salesHead, prepare: openRequests) { w, ids, key, variant in
        "\(try await w.engine.incidents.decline(ResourceRequest.ID(ids[0]), reason: "None left \(variant)", by: Workplace.salesHead, idempotencyKey: key))"
    },
    ScenarioKeyCase("close", by: Workplace.mobileHead, prepare: openIncident) { w, ids, key, variant in
        "\(try await w.engine.incidents.close(Incident.ID(ids[0]), resolution: "Rolled back \(variant)", by: Workplace.mobileHead, idempotencyKey: key))"
    },
]

@Suite struct IncidentDeskKeyTests {
    @Test("a replay under the same key returns the first result and writes nothing", arguments: incidentWrites)
    func replay(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.replayWritesNothing(write)
    }

    @Test("the same key with another payload is idempotency_key_reused, and nothing is written",
        arguments: incidentWrites)
    func otherPayload(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.otherPayloadIsRefused(write)
    }

    @Test("a deactivated actor is refused, and nothing is written", arguments: incidentWrites)
    func deactivated(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.deactivatedActorIsRefused(write)
    }
}
