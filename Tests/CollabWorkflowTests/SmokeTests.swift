import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Testing

@Suite struct SmokeTests {
    @Test("an item goes from created to approved")
    func happyPath() async throws {
        let h = try await TestHarness(storage: .underTest)
        let org = try await h.addOrganization("acme")
        let boss = try await h.addMember("boss", in: org.id)
        let worker = try await h.addMember("worker", in: org.id)
        let item = try await h.engine.workItems.create(h.draft(assignees: [worker.id]), by: boss.id)
        #expect(item.state == .assigned)
        try await h.engine.workItems.accept(item.id, by: worker.id)
        try await h.engine.workItems.start(item.id, by: worker.id)
        let plan = try await h.attach(to: .workItem(item.id), by: worker.id)
        let progressed = try await h.engine.workItems.reportProgress(
            item.id, by: worker.id, text: "half", percent: 50, attachments: [plan])
        #expect(progressed.attachments == [plan])
        #expect(try await h.store.progressUpdates(on: item.id).last?.attachments == [plan])
        try await h.engine.workItems.submitForReview(item.id, by: worker.id)
        let done = try await h.engine.workItems.approve(item.id, by: boss.id)
        #expect(done.state == .completed)
        #expect(done.version == 6)
        let stored = try await h.store.workItem(item.id)
        #expect(stored == done)
        let trail = try await h.engine.workItems.auditTrail(of: item.id, as: boss.id)
        #expect(trail.map(\.action) == [
            "create", "accept", "start", "upload_document", "report_progress", "submit_for_review", "approve",
        ])
        let inbox = try await h.engine.inbox.notices(of: worker.id)
        #expect(inbox.items.map(\.kind) == [.reviewResult, .assigned])
        let hook = RecordingNotificationHook()
        let dispatcher = try NotificationDispatcher(store: h.store, hooks: [hook], clock: h.clock)
        let report = try await dispatcher.deliverDue()
        #expect(report.delivered == 5)
        #expect(hook.deliveries.count == 5)
    }
}
