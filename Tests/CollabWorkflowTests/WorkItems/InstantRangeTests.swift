import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// Instants and delays a caller supplies are checked against the range Collab stores (the years 1 to 9999,
// delays up to ten years): out of range they are `invalidInput` naming the field, never a trap, and
// nothing is written.

@Suite struct InstantRangeTests {
    static let far = Date(timeIntervalSince1970: 1e300)
    static let early = Date(timeIntervalSince1970: -1e300)

    @Test("work items, announcements, meetings, contracts and resource requests refuse instants outside the years 1 to 9999")
    func instants() async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.h.tableSnapshot()

        var item = w.draft()
        item.deadline = .instant(Self.far)
        var problem = await expectFailure(.invalidInput, "a deadline at 1e300 s") {
            _ = try await w.engine.workItems.create(item, by: Workplace.initiator)
        }
        #expect(problem?.problems.map(\.field).contains("deadline") == true)
        item = w.draft()
        item.start = Self.early
        problem = await expectFailure(.invalidInput, "a start at -1e300 s") {
            _ = try await w.engine.workItems.create(item, by: Workplace.initiator)
        }
        #expect(problem?.problems.map(\.field).contains("start") == true)

        problem = await expectFailure(.invalidInput, "an acknowledgement deadline at 1e300 s") {
            try await w.engine.announcements.publish(AnnouncementDraft(title: "Far", body: "Far away", audience: .organization,
                acknowledgement: AcknowledgementRequirement(deadline: Self.far)), by: Workplace.admin)
        }
        #expect(problem?.problems.map(\.field).contains("acknowledgement.deadline") == true)
        problem = await expectFailure(.invalidInput, "a reminder lead of a century") {
            try await w.engine.announcements.publish(AnnouncementDraft(title: "Far", body: "Far away", audience: .organization,
                acknowledgement: AcknowledgementRequirement(deadline: w.now.addingTimeInterval(3600),
                    reminderLead: .seconds(Int64.max))), by: Workplace.admin)
        }
        #expect(problem?.problems.map(\.field) == ["acknowledgement.reminderLead"])

        problem = await expectFailure(.invalidInput, "a meeting at 1e300 s") {
            try await w.engine.meetings.record(MeetingDraft(title: "Far", startsAt: Self.far, attendeeIDs: []),
                by: Workplace.initiator)
        }
        #expect(problem?.problems.map(\.field) == ["startsAt"])
        problem = await expectFailure(.invalidInput, "an action item due at 1e300 s") {
            try await w.engine.meetings.record(MeetingDraft(title: "Near", startsAt: w.now, attendeeIDs: [],
                decisions: [.init("Far", owner: Workplace.assignee, due: .instant(Self.far))]), by: Workplace.initiator)
        }
        #expect(problem?.problems.map(\.field) == ["decisions[0].deadline"])

        problem = await expectFailure(.invalidInput, "a contract signed at -1e300 s") {
            try await w.engine.customers.recordSignedContract(SignedContract(contractID: "C-1", customerKey: "K-1",
                customerName: "Early Ltd", contacts: [ExternalContact(displayName: "Eve")], signedAt: Self.early,
                salesOwnerID: Workplace.initiator), by: Workplace.initiator)
        }
        #expect(problem?.problems.map(\.field) == ["signedAt"])

        #expect(try await w.h.tableSnapshot() == before, "nothing was written")
    }

    @Test("plans refuse delays that are not positive or longer than ten years; expiry and resource dates are checked too")
    func delays() async throws {
        let w = try await Workplace(storage: .underTest)
        func plan(dueAfter: Duration, acknowledgeWithin: Duration) -> EmergencyPlanDraft {
            EmergencyPlanDraft(name: "Far", severity: .minor,
                departments: [EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentHeads],
                    checklist: [EmergencyPlan.ChecklistTask("Look", dueAfter: dueAfter)],
                    acknowledgeWithin: acknowledgeWithin)],
                alert: EmergencyPlan.Message(title: "{plan}", body: "Go."))
        }
        let problem = await expectFailure(.invalidInput, "delays of Int64.max seconds and zero") {
            try await w.engine.incidents.savePlan(plan(dueAfter: .seconds(Int64.max), acknowledgeWithin: .zero), by: Workplace.admin)
        }
        #expect(problem?.problems.map(\.field).sorted()
            == ["departments[0].acknowledgeWithin", "departments[0].checklist[0].dueAfter"])

        let saved = try await w.engine.incidents.savePlan(plan(dueAfter: .seconds(3600), acknowledgeWithin: .seconds(600)),
            by: Workplace.admin)
        let incident = try await w.engine.incidents.trigger(saved.id, by: Workplace.admin, triggerKey: "far")
        await expectFailure(.invalidInput, "a resource needed by 1e300 s") {
            try await w.engine.incidents.requestResource(for: incident.id, from: "sales", resource: "Time", neededBy: Self.far,
                by: Workplace.admin)
        }
        #expect(try await w.engine.incidents.resourceRequests(of: incident.id, as: Workplace.admin).isEmpty)

        let announcement = try await w.engine.announcements.publish(AnnouncementDraft(title: "Near", body: "Near", audience: .organization),
            by: Workplace.admin)
        await expectFailure(.invalidInput, "an expiry at 1e300 s") {
            try await w.engine.announcements.setExpiry(Self.far, on: announcement.id, by: Workplace.admin)
        }
        #expect(try await w.engine.announcements.announcement(announcement.id, as: Workplace.admin).expiresAt == nil)
    }
}
