import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

// A child process (CollabCrashWorker) runs commands against a database file and prints each one only after
// it was acknowledged; the test kills it with SIGKILL at random moments, reopens the file, and checks that
// every acknowledged change is there with its audit event and notification, that nothing is half-written,
// and that delivery picks up the outbox afterwards. Every other round the worker runs eight lanes of commands
// at once, so that the kills also hit commits that several commands share (group commit).

@Suite struct CrashConsistencyTests {
    private enum Acknowledged {
        case create(WorkItem.ID)
        case accept(WorkItem.ID)
        case comment(WorkItem.ID, ItemComment.ID)
        case start(WorkItem.ID)

        init?(_ line: Substring) {
            let parts = line.split(separator: " ").map(String.init)
            switch (parts.first, parts.count) {
            case ("create", 2): self = .create(WorkItem.ID(parts[1]))
            case ("accept", 2): self = .accept(WorkItem.ID(parts[1]))
            case ("comment", 3): self = .comment(WorkItem.ID(parts[1]), ItemComment.ID(parts[2]))
            case ("start", 2): self = .start(WorkItem.ID(parts[1]))
            default: return nil
            }
        }
    }

    @Test("SIGKILL at random moments loses no acknowledged change, leaves nothing half-written, and delivery resumes")
    func killedWorkerLosesNothing() async throws {
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_261_201
        let environment = ProcessInfo.processInfo.environment
        let kills = environment["COLLAB_CRASH_KILLS"].flatMap { Int($0) } ?? (environment["COLLAB_LONG"] == "1" ? 200 : 50)
        var rng = SeededRandomNumberGenerator(seed: seed)
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        let worker = try workerExecutable()

        var acknowledged: [Acknowledged] = []
        var synchronousLevels = Set<String>()
        var groupedWrites = 0
        for round in 0..<kills {
            let lanes = round % 2 == 0 ? 1 : 8
            let process = Process()
            process.executableURL = worker
            process.arguments = [try h.sqlitePath, "\(UInt64(round) * 1_000_000)", "\(lanes)"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try ChildProcesses.launch(process)
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...400, using: &rng)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the worker stopped by itself")
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Only complete lines: a line cut by the kill was never fully acknowledged.
            let complete = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n") ?? text.startIndex)])
            acknowledged += complete.split(separator: "\n").compactMap(Acknowledged.init)
            synchronousLevels.formUnion(complete.split(separator: "\n").filter { $0.hasPrefix("synchronous ") }.map(String.init))
            // `groups COMMITS WRITES`: how many writes shared how many group transactions so far.
            if let last = complete.split(separator: "\n").last(where: { $0.hasPrefix("groups ") }) {
                let counts = last.split(separator: " ").compactMap { Int($0) }
                if counts.count == 2 { groupedWrites += counts[1] - counts[0] }
            }

            let integrity = try await DatabaseQueue(path: h.sqlitePath).read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check")
            }
            #expect(integrity == ["ok"], "round \(round): \(integrity)")
        }

        // The kills hit the store as hosts get it by default: synchronous=FULL (2), not the faster NORMAL.
        #expect(synchronousLevels == ["synchronous 2"], "the worker ran at \(synchronousLevels.sorted())")

        // Every acknowledged change is there, with its audit event and notification.
        let store = try SQLiteStore(path: h.sqlitePath)
        let notified = try await DatabaseQueue(path: h.sqlitePath).read { db in
            Set(try String.fetchAll(db, sql: "SELECT item_id FROM notifications WHERE kind = 'assigned' AND recipient_id = 'worker'"))
        }
        for ack in acknowledged {
            switch ack {
            case .create(let id):
                #expect(try await store.workItem(id) != nil, "acknowledged create of \(id) is missing")
                #expect(try await store.auditTrail(of: id).contains { $0.action == "create" })
                #expect(notified.contains(id.rawValue), "the assignment notice of \(id) is missing")
            case .accept(let id):
                #expect(try await store.auditTrail(of: id).contains { $0.action == "accept" }, "accept of \(id) is missing")
            case .comment(let id, let comment):
                #expect(try await store.comments(on: id).contains { $0.id == comment }, "comment \(comment) is missing")
            case .start(let id):
                #expect(try await store.auditTrail(of: id).contains { $0.action == "start" }, "start of \(id) is missing")
            }
        }
        // Nothing half-written: every item's state is the one its audit trail ends in.
        let items = try await DatabaseQueue(path: h.sqlitePath).read { db in
            try String.fetchAll(db, sql: "SELECT id FROM work_items")
        }
        for id in items.map(WorkItem.ID.init(rawValue:)) {
            let item = try #require(try await store.workItem(id))
            let trail = try await store.auditTrail(of: id)
            #expect(trail.first?.action == "create" && trail.last?.toState == item.state,
                "item \(id) is \(item.state.rawValue) but its audit trail ends in \(trail.last?.toState?.rawValue ?? "nothing")")
        }
        // Delivery resumes: the outbox drains after the crashes.
        let hook = RecordingNotificationHook()
        let dispatcher = try NotificationDispatcher(store: store, hooks: [hook])
        let report = try await dispatcher.deliverDue()
        let pending = try await DatabaseQueue(path: h.sqlitePath).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM notifications WHERE delivery_state = 'pending'") ?? -1
        }
        #expect(pending == 0)
        #expect(report.delivered + report.suppressed > 0)
        print("crash: \(kills) kills, \(acknowledged.count) acknowledged operations verified, \(items.count) items, "
            + "\(report.delivered) notifications delivered after restart, \(groupedWrites) writes committed in another's "
            + "transaction, seed \(seed)")
        #expect(acknowledged.count > kills)
        // The eight-lane rounds did commit writes together: the kills hit group commits.
        #expect(groupedWrites > 0, "no two writes ever shared a commit")
    }
}
