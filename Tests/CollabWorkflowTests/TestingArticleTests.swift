import CollabTesting
import CollabWorkflow
import Testing

// The CollabTesting getting-started article's example, run so that it cannot rot.
@Test func rejectionTellsTheAssigneeWhy() async throws {
    let h = try TestHarness()
    let acme = try await h.addOrganization("acme")
    try await h.addMember("boss", in: acme.id)
    try await h.addMember("worker", in: acme.id)
    let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
    try await h.engine.workItems.accept(item.id, by: "worker")
    try await h.engine.workItems.start(item.id, by: "worker")
    try await h.engine.workItems.submitForReview(item.id, by: "worker")
    try await h.engine.workItems.reject(item.id, by: "boss", reason: "missing totals")

    let notice = try await h.engine.inbox.notices(of: "worker").items.first
    #expect(notice?.body.contains("missing totals") == true)

    let hook = RecordingNotificationHook(failures: 1)
    let dispatcher = try h.engine.makeDispatcher(hooks: [hook])
    try await dispatcher.deliverDue()
    h.clock.advance(by: .seconds(10))
    try await dispatcher.deliverDue()
    #expect(hook.deliveries.count == 4)
}
