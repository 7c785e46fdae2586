import CollabContention
import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// Conflicting commands on a few shared items, from many tasks of one process and from two processes on one
// database file (ContentionWorkload): every command is based on the version its actor just read. Checks: no
// lost update (each item's committed commands are based on versions 1, 2, 3, … with none twice, and its
// audit trail has one event each), every refusal is typed (a conflict, or the state's own refusal), no busy
// or locked condition reaches a caller, and a sequential replay of the committed commands on a fresh
// database ends in the same items, trails, records and notifications.

@Suite struct ConcurrencyReplayTests {
    typealias Outcome = ContentionWorkload.Outcome

    static let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_261_201
    static let scale = ProcessInfo.processInfo.environment["COLLAB_LONG"] == "1" ? 10 : 1
    static let itemCount = 5

    @Test("8 tasks racing commands on 5 items: no lost update, typed conflicts, equal to a sequential replay")
    func tasksOfOneProcess() async throws {
        let h = try TestHarness()
        let items = try await ContentionWorkload.prepare(h.store, h.engine, items: Self.itemCount)
        let engine = h.engine
        let outcomes = await withTaskGroup(of: [Outcome].self) { group in
            for task in 0..<8 {
                group.addTask {
                    var outcomes: [Outcome] = []
                    await ContentionWorkload.run(
                        engine, items: items, seed: Self.seed &+ UInt64(task) &* 1_000_003, steps: 250 * Self.scale
                    ) { outcomes.append($0) }
                    return outcomes
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let figures = try await verify(outcomes, store: try h.sqlite, engine: h.engine, items: items)
        print("concurrency (8 tasks): \(figures), seed \(Self.seed)")
    }

    @Test("two processes racing commands on 5 items of one file: busy never reaches a caller, equal to a replay")
    func twoProcesses() async throws {
        let h = try TestHarness()
        let items = try await ContentionWorkload.prepare(h.store, h.engine, items: Self.itemCount)
        let worker = try workerExecutable()
        var runs: [(Process, URL)] = []
        for n in 0..<2 {
            let output = h.folder.appendingPathComponent("worker-\(n).jsonl")
            #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
            let process = Process()
            process.executableURL = worker
            process.arguments = ["contend", try h.sqlitePath, "\(Self.seed &+ UInt64(n) &* 7_919)", "\(600 * Self.scale)"]
                + items.map(\.rawValue)
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            runs.append((process, output))
        }
        for (process, _) in runs { try ChildProcesses.launch(process) }
        var outcomes: [Outcome] = []
        for (n, (process, output)) in runs.enumerated() {
            await exited(process)
            #expect(process.terminationReason == .exit && process.terminationStatus == 0, "worker \(n) failed")
            let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n")
            #expect(lines.last == "done", "worker \(n) did not finish")
            outcomes += try lines.dropLast().map { try JSONDecoder().decode(Outcome.self, from: Data($0.utf8)) }
        }
        #expect(outcomes.count == 2 * 600 * Self.scale)
        let figures = try await verify(outcomes, store: try h.sqlite, engine: h.engine, items: items)
        print("concurrency (2 processes): \(figures), seed \(Self.seed)")
    }

    /// Waits for `process` to exit without holding up a thread.
    private func exited(_ process: Process) async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Checks the outcomes against the database and a sequential replay; returns the figures.
    private func verify(
        _ outcomes: [Outcome], store: SQLiteStore, engine: WorkflowEngine, items: [WorkItem.ID]
    ) async throws -> String {
        var refusals: [String: Int] = [:]
        for outcome in outcomes {
            guard let code = outcome.error else { continue }
            refusals[code, default: 0] += 1
            #expect(["conflict", "invalid_transition"].contains(code), "\(outcome.command.name) ended in \(code)")
        }
        var lostUpdates = 0
        for (index, id) in items.enumerated() {
            let committed = outcomes.filter { $0.item == index && $0.error == nil }
            let item = try #require(try await store.workItem(id))
            let bases = committed.filter(\.bumpsVersion).map(\.fromVersion).sorted()
            // A lost update would show as two commands committed on one version, or a version no command made.
            if bases != Array(1..<item.version) { lostUpdates += 1 }
            #expect(bases == Array(1..<item.version), "item \(index): commands based on \(bases), at version \(item.version)")
            let trail = try await store.auditTrail(of: id).map(\.action)
            #expect(trail.filter { $0 != "comment" }.count == item.version, "item \(index): one audit event per version")
            #expect(trail.filter { $0 == "comment" }.count == committed.count - bases.count)
            #expect(try await store.comments(on: id).count == committed.count - bases.count)
        }
        let replay = try TestHarness()
        let replayItems = try await ContentionWorkload.prepare(replay.store, replay.engine, items: Self.itemCount)
        try await ContentionWorkload.replay(outcomes, on: replay.engine, items: replayItems)
        var equal = true
        for (id, replayed) in zip(items, replayItems) {
            let original = try await ContentionWorkload.projection(of: id, in: store, engine: engine)
            let again = try await ContentionWorkload.projection(of: replayed, in: replay.store, engine: replay.engine)
            #expect(original == again, "item \(id) differs from its sequential replay")
            equal = equal && original == again
        }
        let commits = outcomes.count - refusals.values.reduce(0, +)
        let otherErrors = refusals.filter { !["conflict", "invalid_transition"].contains($0.key) }.values.reduce(0, +)
        #expect(commits > 0 && refusals["conflict", default: 0] > 0, "the workload must race: \(refusals)")
        return "\(outcomes.count) commands, \(commits) commits, \(refusals["conflict", default: 0]) conflicts detected, "
            + "\(refusals["invalid_transition", default: 0]) refused by state, \(lostUpdates) lost updates, "
            + "\(otherErrors) other errors (busy, locked, storage), replay \(equal ? "equal" : "DIFFERENT")"
    }
}
