import CollabModel
import CollabStore
import CollabWorkflow
import Foundation
import Testing

// The README's embedding example, compiled and run so that it cannot rot. The lines between the two
// markers are the README's code block without its imports; only the database path differs
// (`databasePath` here, "collab.sqlite" there). The second test checks that the two stay identical.

private func runReadmeExample(databasePath: String) async throws
    -> (done: WorkItem, inbox: Page<Notice>, todo: Page<TodoEntry>, report: NotificationDispatcher.Report)
{
    // README example begins
    /// Delivers notifications by printing them; a real hook sends e-mail or an IM message.
    struct ConsoleHook: NotificationHook {
        let name = "console"
        func deliver(_ delivery: NoticeDelivery) async throws {
            // Delivery is at least once: the key is the same on every attempt, so a receiver can drop repeats.
            print("to \(delivery.notice.recipientID): \(delivery.notice.title) [\(delivery.idempotencyKey)]")
        }
    }

    // The store creates and migrates the database file; saves are upserts.
    let store = try SQLiteStore(path: databasePath)
    try await store.save(Organization(id: "acme", name: "Acme", kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
    try await store.save(Department(id: "marketing", organizationID: "acme", name: "Marketing"))
    try await store.save(Member(id: "zhao", organizationID: "acme", displayName: "Zhao Lei", handle: "zhao",
                                departments: [DepartmentMembership("marketing", role: .head)]))
    try await store.save(Member(id: "chen", organizationID: "acme", displayName: "Chen Jing", handle: "chen",
                                departments: [DepartmentMembership("marketing")]))

    // Zhao assigns a work item to Chen and, as its initiator, reviews it.
    let engine = WorkflowEngine(store: store)
    let item = try await engine.workItems.create(
        WorkItemDraft(title: "Q4 campaign plan", priority: .high, assigneeIDs: ["chen"],
                      departmentIDs: ["marketing"], deadline: .instant(Date.now.addingTimeInterval(7 * 86_400))),
        by: "zhao")
    try await engine.workItems.accept(item.id, by: "chen")
    try await engine.workItems.start(item.id, by: "chen")
    try await engine.workItems.submitForReview(item.id, by: "chen", note: "Budget in the second sheet")
    let done = try await engine.workItems.approve(item.id, by: "zhao", note: "Looks good")
    print(done.state)                                   // completed

    let inbox = try await engine.inbox.notices(of: "chen")      // newest first
    print(inbox.items.map(\.title))                     // ["Approved: Q4 campaign plan", "New assignment: Q4 campaign plan"]
    let todo = try await engine.inbox.todo(of: "chen")
    print(todo.items.count)                             // 0: nothing left for Chen to do

    // The notifications were committed with the changes; the dispatcher hands them to the hooks.
    // A server runs it in the background instead: `await dispatcher.run()`, or a `CollabRunner` (a
    // ServiceLifecycle `Service` for your `ServiceGroup`, with graceful shutdown).
    let dispatcher = try engine.makeDispatcher(hooks: [ConsoleHook()])
    let report = try await dispatcher.deliverDue()
    print(report.delivered)                             // 4: assigned, accepted, review requested, approved
    // README example ends
    return (done, inbox, todo, report)
}

@Suite struct ReadmeExampleTests {
    @Test("the README's embedding example runs: the item is completed and every notification is delivered")
    func readmeExampleRuns() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-readme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("collab.sqlite").path

        let (done, inbox, todo, report) = try await runReadmeExample(databasePath: path)

        #expect(done.state == .completed)
        #expect(inbox.items.map(\.title) == ["Approved: Q4 campaign plan", "New assignment: Q4 campaign plan"])
        #expect(todo.items.isEmpty)
        #expect(report.delivered == 4 && report.retried == 0 && report.parked == 0 && report.suppressed == 0)
        let outbox = try await SQLiteStore(path: path).outboxCounts()
        #expect(outbox == OutboxCounts(pending: 0, delivered: 4, parked: 0))
    }

    @Test("the README's code block and the code this suite runs are the same")
    func readmeExampleIsTheTestedCode() throws {
        let testFile = URL(fileURLWithPath: #filePath)
        let root = testFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: testFile, encoding: .utf8)

        // The README block: from the comment that names this file to the end of the next Swift block.
        let readmeLines = readme.components(separatedBy: "\n")
        let comment = try #require(readmeLines.firstIndex { $0.contains("Tests/CollabWorkflowTests/ReadmeExampleTests.swift") })
        let open = try #require(readmeLines[comment...].firstIndex { $0 == "```swift" })
        let close = try #require(readmeLines[(open + 1)...].firstIndex { $0 == "```" })
        let documented = Self.normalized(readmeLines[(open + 1)..<close]).filter { !$0.hasPrefix("import ") }

        let sourceLines = source.components(separatedBy: "\n")
        let begin = try #require(sourceLines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "// README example begins" })
        let end = try #require(sourceLines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "// README example ends" })
        let tested = Self.normalized(sourceLines[(begin + 1)..<end])
            .map { $0.replacingOccurrences(of: "SQLiteStore(path: databasePath)", with: "SQLiteStore(path: \"collab.sqlite\")") }

        let mismatch = zip(documented, tested).first { $0 != $1 }
        #expect(mismatch == nil, "README: \(mismatch?.0 ?? "")\ntest:   \(mismatch?.1 ?? "")")
        #expect(documented.count == tested.count, "the README block has \(documented.count) lines, the test \(tested.count)")
    }

    /// The lines without their indentation, blank lines left out.
    private static func normalized(_ lines: ArraySlice<String>) -> [String] {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
