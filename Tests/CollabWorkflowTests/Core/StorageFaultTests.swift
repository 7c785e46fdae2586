import CollabModel
@testable import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

// Storage failures in the middle of a command: SQLite interrupted at every step in turn, and a disk that is
// full. Each must reach the caller as a typed Collab error and leave every table exactly as it was.

@Suite struct StorageFaultTests {
    @Test("every command, interrupted at each of its steps in turn, fails with a typed error and changes nothing")
    func interruptedAtEveryStep() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addDepartment("ops", in: "acme")
        try await h.addMember("boss", in: "acme", departments: [DepartmentMembership("ops", role: .head)])
        try await h.addMember("worker", in: "acme", departments: [DepartmentMembership("ops")])
        try await h.addMember("peer", in: "acme", departments: [DepartmentMembership("ops")])
        let faults = StorageFaults(period: 25)
        var configuration = SQLiteStore.Configuration()
        configuration.durability = .normal
        configuration.storageFaults = faults
        let store = try SQLiteStore(path: h.sqlitePath, configuration: configuration)
        let engine = WorkflowEngine(store: store, clock: h.clock, identifiers: h.identifiers)

        var injected = 0
        var commands = 0
        /// Runs `command` with an interruption at step 1, 2, 3, ... until it completes untouched.
        func everyStep(_ name: String, _ command: () async throws -> Void) async throws {
            commands += 1
            for step in 1...3_000 {
                let before = try await h.tableSnapshot()
                let firedBefore = faults.fired
                faults.interrupt(afterSteps: step)
                do {
                    try await command()
                    faults.disarm()
                    #expect(faults.fired == firedBefore, "\(name) succeeded although step \(step) was interrupted")
                    return
                } catch let error as CollabError {
                    faults.disarm()
                    injected += 1
                    #expect(error.code == .storageInterrupted, "\(name), step \(step): \(error)")
                    #expect(try await h.tableSnapshot() == before, "\(name), step \(step), left a change behind")
                }
            }
            Issue.record("\(name) never completed")
        }

        var created: WorkItem?
        try await everyStep("create") { created = try await engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss") }
        let id = try #require(created).id
        try await everyStep("accept") { try await engine.workItems.accept(id, by: "worker") }
        try await everyStep("start") { try await engine.workItems.start(id, by: "worker") }
        try await everyStep("report progress") {
            _ = try await engine.workItems.reportProgress(id, by: "worker", text: "half way", percent: 50)
        }
        try await everyStep("comment") { _ = try await engine.workItems.comment(on: id, by: "boss", "@worker looks good") }
        try await everyStep("request an adjustment") {
            _ = try await engine.workItems.requestAdjustment(id, by: "worker", change: .init(title: "Smaller scope"), reason: "busy")
        }
        try await everyStep("submit for review") { try await engine.workItems.submitForReview(id, by: "worker") }
        try await everyStep("reject") { try await engine.workItems.reject(id, by: "boss", reason: "missing numbers") }
        try await everyStep("resubmit") { try await engine.workItems.submitForReview(id, by: "worker") }
        try await everyStep("approve") { try await engine.workItems.approve(id, by: "boss") }
        try await everyStep("import") {
            _ = try await engine.workItems.importItems((0..<5).map { h.draft(title: "Imported \($0)", assignees: ["peer"]) }, by: "boss")
        }
        h.clock.advance(by: .seconds(400 * 86_400))
        try await everyStep("fire a due timer") { _ = try await engine.timers.fireDue(limit: 1) }
        print("storage faults: \(injected) interruptions injected into \(commands) commands, none left a trace")
        #expect(injected > commands)
        #expect(try await store.workItem(id)?.state == .completed)
    }

    @Test("a full disk fails a command with a typed error and changes nothing; commands succeed once there is room")
    func diskFull() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        _ = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        try await h.sqlite.writer.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        var failure: CollabError?
        for n in 0..<500 {
            let before = try await h.tableSnapshot()
            do {
                _ = try await h.engine.workItems.create(h.draft(title: "Item \(n)",
                                                      assignees: ["worker"]), by: "boss")
            } catch {
                failure = error
                #expect(try await h.tableSnapshot() == before, "a create that found the disk full left a change")
                break
            }
        }
        #expect(failure?.code == .storageFull, "\(String(describing: failure))")
        try await h.sqlite.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        let item = try await h.engine.workItems.create(h.draft(title: "After the disk was freed", assignees: ["worker"]), by: "boss")
        #expect(try await h.store.workItem(item.id)?.title == "After the disk was freed")
    }
}
