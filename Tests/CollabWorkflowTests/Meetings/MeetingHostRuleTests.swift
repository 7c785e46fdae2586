import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the meeting desk with the action that decides it (the key tests' cases).
private let meetingRules: [HostRuleCase] = [
    HostRuleCase(meetingWrites[0], .recordMeeting, unrelated: .importWorkItems),
]

@Suite struct MeetingHostRuleTests {
    @Test("the list covers every write of the desk")
    func coversEveryWrite() {
        #expect(meetingRules.map(\.write.testDescription) == meetingWrites.map(\.testDescription))
    }

    @Test("a host rule denying the write's action refuses it (forbidden), and nothing is written",
        arguments: meetingRules)
    func refused(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.refusedByHostRule(test)
    }

    @Test("a host rule denying another action lets the write pass", arguments: meetingRules)
    func passes(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.passesWhenAnotherActionIsRefused(test)
    }

    @Test("a host rule refusing to create work items refuses a meeting whose decisions become action items")
    func actionItemsAreWorkItems() async throws {
        let w = try await HostRuleChecks.workplace(refusing: .createWorkItem)
        let before = try await w.h.tableSnapshot()
        let draft = MeetingDraft(
            title: "Weekly sync", startsAt: w.now.addingTimeInterval(-3600), attendeeIDs: [Workplace.assignee],
            decisions: [.init("Fix the login crash", owner: Workplace.assignee,
                due: .instant(w.now.addingTimeInterval(86_400)))])
        let error = await expectFailure(.forbidden) {
            _ = try await w.engine.meetings.record(draft, by: Workplace.initiator)
        }
        #expect(error?.message.contains("work_item.create") == true, "\(error?.message ?? "")")
        #expect(try await w.h.tableSnapshot() == before)
        // Minutes without an owned, dated decision create no work item, and are recorded.
        let minutes = MeetingDraft(title: "Retro", startsAt: w.now.addingTimeInterval(-3600),
            attendeeIDs: [Workplace.assignee], decisions: [.init("Keep the weekly demo")])
        let meeting = try await w.engine.meetings.record(minutes, by: Workplace.initiator)
        #expect(meeting.decisions.map(\.actionItemID) == [nil])
    }
}
