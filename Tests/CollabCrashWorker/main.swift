// The child process of the crash-consistency test (CrashConsistencyTests): runs commands against the
// database at the path it is given, forever, and prints a line for each one only after it returned, that
// is, after its commit was acknowledged. The test kills it at random moments with SIGKILL.
//
//     CollabCrashWorker PATH SEED
//
// In `contend` mode, for the two-process concurrency test (ConcurrencyReplayTests), it runs the contention
// workload on the given items and prints each step's outcome as a line of JSON, then `done`.
//
//     CollabCrashWorker contend PATH SEED STEPS ITEM-ID...
//
// In `cluster` mode (Cluster.swift) it is one of several engines on a PostgreSQL database.

import CollabContention
import CollabModel
import CollabStore
import CollabWorkflow
import Foundation
import Logging

func acknowledge(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
if arguments.count > 1, arguments[1] == "cluster" {
    await runCluster(arguments)
}
if arguments.count > 5, arguments[1] == "contend", let seed = UInt64(arguments[3]), let steps = Int(arguments[4]) {
    var configuration = SQLiteStore.Configuration()
    configuration.durability = .normal
    configuration.logger = Logger(label: "contend-worker", factory: { _ in SwiftLogNoOpLogHandler() })
    do {
        let store = try SQLiteStore(path: arguments[2], configuration: configuration)
        var engineConfiguration = WorkflowEngine.Configuration()
        engineConfiguration.logger = configuration.logger
        let engine = WorkflowEngine(store: store, configuration: engineConfiguration)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        await ContentionWorkload.run(
            engine, items: arguments[5...].map { WorkItem.ID($0) }, seed: seed, steps: steps
        ) { outcome in
            if let line = try? encoder.encode(outcome) { acknowledge(String(decoding: line, as: UTF8.self)) }
        }
        acknowledge("done")
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("CollabCrashWorker: \(error)\n".utf8))
        exit(1)
    }
}
// `CollabCrashWorker PATH SEED [LANES]`: with LANES > 1, that many lanes run the commands at once, so that
// their commits share transactions (group commit); after each `start` a lane prints the store's group-commit
// counts (`groups COMMITS WRITES`).
guard (3...4).contains(arguments.count), let seed = UInt64(arguments[2]),
    let lanes = arguments.count == 4 ? Int(arguments[3]) : 1, lanes >= 1
else {
    FileHandle.standardError.write(Data("usage: CollabCrashWorker PATH SEED [LANES]\n".utf8))
    exit(2)
}
// The store's default durability (synchronous=FULL), which hosts get: the kills must hit what ships.
var configuration = SQLiteStore.Configuration()
configuration.logger = Logger(label: "crash-worker", factory: { _ in SwiftLogNoOpLogHandler() })
do {
    let store = try SQLiteStore(path: arguments[1], configuration: configuration)
    var engineConfiguration = WorkflowEngine.Configuration()
    engineConfiguration.logger = configuration.logger
    let engine = WorkflowEngine(store: store, configuration: engineConfiguration)
    // The test checks that the kills hit a store at the durability hosts get by default.
    acknowledge("synchronous \(try await store.effectiveSynchronousLevel())")
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<lanes {
            group.addTask {
                var n = seed + UInt64(lane) * 100_000
                while true {
                    n += 1
                    let item = try await engine.workItems.create(
                        WorkItemDraft(title: "Crash test item \(n)", description: "Written by the worker", assigneeIDs: ["worker"],
                                      deadline: .endOfDay(CalendarDate(year: 2030, month: 1 + Int(n % 12), day: 1 + Int(n % 28)))),
                        by: "boss")
                    acknowledge("create \(item.id)")
                    try await engine.workItems.accept(item.id, by: "worker")
                    acknowledge("accept \(item.id)")
                    let comment = try await engine.workItems.comment(on: item.id, by: "boss", "Progress \(n), @worker")
                    acknowledge("comment \(item.id) \(comment.id)")
                    try await engine.workItems.start(item.id, by: "worker")
                    acknowledge("start \(item.id)")
                    if lanes > 1 {
                        let counts = store.groupCommitStatistics
                        acknowledge("groups \(counts.commits) \(counts.writes)")
                    }
                }
            }
        }
        try await group.waitForAll()
    }
} catch {
    FileHandle.standardError.write(Data("CollabCrashWorker: \(error)\n".utf8))
    exit(1)
}
