import CollabModel
import CollabStore
import CollabWorkflow
import Foundation
import Testing

// The README's embedding example, compiled and run so that it cannot rot. Keep the body of `embed`
// identical to the README's code block (only the database path and the returned values differ).

struct PrintingHook: NotificationHook {
    let name = "log"
    func deliver(_ delivery: NoticeDelivery) async throws {
        // A real hook sends mail or an IM message; use delivery.idempotencyKey to drop repeats.
        _ = "to \(delivery.notice.recipientID): \(delivery.notice.title)"
    }
}

func embed(databasePath: String) async throws -> (WorkItem, NotificationDispatcher.Report) {
    let store = try SQLiteStore(path: databasePath)
    try await store.save(Organization(id: "acme", name: "Acme", kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
    try await store.save(Department(id: "marketing", organizationID: "acme", name: "Marketing"))
    try await store.save(Member(id: "zhao", organizationID: "acme", displayName: "Zhao Lei", handle: "zhao",
                                departments: [DepartmentMembership("marketing", role: .head)]))
    try await store.save(Member(id: "chen", organizationID: "acme", displayName: "Chen Jing", handle: "chen",
                                departments: [DepartmentMembership("marketing")]))

    let engine = WorkflowEngine(store: store)
    let item = try await engine.create(
        WorkItemDraft(title: "Q4 campaign plan", priority: .high, assigneeIDs: ["chen"],
                      departmentIDs: ["marketing"], deadline: .endOfDay(CalendarDate(year: 2030, month: 12, day: 15))),
        by: "zhao", idempotencyKey: "campaign-plan")
    try await engine.accept(item.id, by: "chen")
    try await engine.start(item.id, by: "chen")
    try await engine.reportProgress(item.id, by: "chen", text: "Draft ready", percent: 90)
    try await engine.submitForReview(item.id, by: "chen")
    let done = try await engine.approve(item.id, by: "zhao", note: "Looks good")

    let inbox = try await engine.inbox(of: "chen")          // newest first: "Approved: Q4 campaign plan", ...
    let todo = try await engine.todo(of: "chen")            // nothing left to do
    _ = (inbox, todo)

    let dispatcher = try engine.makeDispatcher(hooks: [PrintingHook()])
    let report = try await dispatcher.deliverDue()          // or: await dispatcher.run() in the background
    return (done, report)
}

@Suite struct ReadmeExampleTests {
    @Test("the README's embedding example runs: the item is completed and every notification delivered")
    func readmeExample() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (item, report) = try await embed(databasePath: folder.appendingPathComponent("collab.sqlite").path)
        #expect(item.state == .completed)
        #expect(report.delivered == 5 && report.retried == 0 && report.parked == 0)
    }
}
