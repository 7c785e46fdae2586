import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the meeting desk.
let meetingWrites: [ScenarioKeyCase] = [
    ScenarioKeyCase("record", by: Workplace.initiator) { w, _, key, variant in
        let draft = MeetingDraft(
            title: "Weekly sync \(variant)", startsAt: w.now.addingTimeInterval(-3600), attendeeIDs: [Workplace.assignee],
            decisions: [.init("Fix the login crash", owner: Workplace.assignee, due: .instant(w.now.addingTimeInterval(86_400)))])
        return "\(try await w.engine.meetings.record(draft, by: Workplace.initiator, idempotencyKey: key))"
    },
]

@Suite struct MeetingDeskKeyTests {
    @Test("a replay under the same key returns the first result and writes nothing", arguments: meetingWrites)
    func replay(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.replayWritesNothing(write)
    }

    @Test("the same key with another payload is idempotency_key_reused, and nothing is written", arguments: meetingWrites)
    func otherPayload(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.otherPayloadIsRefused(write)
    }

    @Test("a deactivated actor is refused, and nothing is written", arguments: meetingWrites)
    func deactivated(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.deactivatedActorIsRefused(write)
    }
}
