// The `cluster` mode of the worker, for the several-instances test (ClusterKillTests): one engine with
// its timer runner and notification dispatcher on a PostgreSQL database shared with other workers.
//
//     CollabCrashWorker cluster URL SCHEMA NAME EPOCH-MS START-MS SPEED [RETRY-KEY RETRY-DEADLINE-MS]
//
// Time runs SPEED times faster than the wall clock from EPOCH-MS (at wall time START-MS), the same in every
// worker, so that deadlines, reminders and escalations fall due within seconds. The worker prints a line
// for each thing only after it happened:
//   try KEY DEADLINE-MS            before a create with idempotency key KEY (the test may hand it to the next
//                                  worker, which retries it as a client would)
//   ack create KEY ITEM-ID         after the create returned
//   ack accept KEY ITEM-ID         after the item's assignee accepted it
//   fired TIMER-ID                 after the timer's effect committed
//   deliver DELIVERY-KEY           when the hook receives a notification (before the outcome is recorded)
// SIGTERM stops it cleanly (it finishes what it claimed and exits 0); the test SIGKILLs it at random.

import CollabModel
import CollabStore
import CollabStorePostgres
import CollabWorkflow
import Foundation
import Logging
import Synchronization

/// Time from the wall clock, `speed` times faster, from a shared origin.
struct FastClock: CollabClock {
    let epoch: Date
    let start: Date
    let speed: Double

    func now() -> Date {
        epoch.addingTimeInterval(Date().timeIntervalSince(start) * speed)
    }

    func sleep(for duration: Duration) async throws {
        try await ContinuousClock().sleep(for: duration / speed)
    }
}

/// The fast clock's time (what is due, when a retry falls due), with waits in real time: the dispatcher's
/// attempt timeout and its lease renewals are measured against leases that run on the database's clock.
struct RealTimeWaits: CollabClock {
    let clock: FastClock

    func now() -> Date { clock.now() }

    func sleep(for duration: Duration) async throws {
        try await ContinuousClock().sleep(for: duration)
    }
}

/// Set once, on SIGTERM.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// Prints every delivery it receives; the test compares them with the outbox.
struct PrintingHook: NotificationHook {
    let name = "cluster"
    func deliver(_ delivery: NoticeDelivery) async throws {
        acknowledge("deliver \(delivery.idempotencyKey)")
    }
}

func clusterDraft(key: String, deadline: Date) -> WorkItemDraft {
    WorkItemDraft(title: "cluster \(key)", description: "Written by a cluster worker", assigneeIDs: ["worker"],
                  deadline: .instant(deadline))
}

func runCluster(_ arguments: [String]) async -> Never {
    guard arguments.count >= 8, let epochMS = Int64(arguments[5]), let startMS = Int64(arguments[6]),
        let speed = Double(arguments[7])
    else {
        FileHandle.standardError.write(Data("usage: CollabCrashWorker cluster URL SCHEMA NAME EPOCH-MS START-MS SPEED [KEY DEADLINE-MS]\n".utf8))
        exit(2)
    }
    let name = arguments[4]
    let quiet = Logger(label: "cluster-worker", factory: { _ in SwiftLogNoOpLogHandler() })
    let clock = FastClock(
        epoch: Date(timeIntervalSince1970: Double(epochMS) / 1000),
        start: Date(timeIntervalSince1970: Double(startMS) / 1000), speed: speed)
    // SIGTERM is caught before anything starts: the test may stop a worker it just launched, while it still
    // connects, and that worker must stop as cleanly as one in its loops.
    let stopping = StopFlag()
    signal(SIGTERM, SIG_IGN)
    let termination = DispatchSource.makeSignalSource(signal: SIGTERM)
    termination.setEventHandler { stopping.set() }
    termination.resume()
    do {
        var configuration = try PostgresStore.Configuration(url: arguments[2])
        configuration.schema = arguments[3]
        configuration.client.options.maximumConnections = 6
        configuration.logger = quiet
        let store = try await PostgresStore.start(configuration)
        var engineConfiguration = WorkflowEngine.Configuration()
        engineConfiguration.logger = quiet
        // Timer leases run on the database's clock, in real time: a killed worker's claims come back after 2 s.
        engineConfiguration.timerLease = .seconds(2)
        let engine = WorkflowEngine(store: store, clock: clock, configuration: engineConfiguration)
        var dispatcherConfiguration = NotificationDispatcher.Configuration()
        // Delivery leases run on the database's clock, in real time, like the timer leases: a killed worker's
        // notifications come back after 4 s. The attempt timeout is waited on the dispatcher's clock, which
        // waits in real time too (RealTimeWaits), so that both durations are of the same time.
        dispatcherConfiguration.leaseDuration = .seconds(4)
        dispatcherConfiguration.attemptTimeout = .seconds(1)
        dispatcherConfiguration.logger = quiet
        let dispatcher = try NotificationDispatcher(
            store: store, hooks: [PrintingHook()], clock: RealTimeWaits(clock: clock),
            configuration: dispatcherConfiguration)

        // A client retrying the command its last worker may or may not have committed, with the same key.
        if arguments.count >= 10, let deadlineMS = Int64(arguments[9]) {
            let key = arguments[8]
            if let item = try? await engine.workItems.create(
                clusterDraft(key: key, deadline: Date(timeIntervalSince1970: Double(deadlineMS) / 1000)),
                by: "boss", idempotencyKey: key)
            {
                acknowledge("ack create \(key) \(item.id)")
            }
        }

        // SIGTERM stops the loops between rounds: what a round claimed is delivered and recorded first, as a
        // host's graceful shutdown would let it finish (cancelling it would cut hook calls short, and a
        // call cut short may have been delivered: at least once).
        let work = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var n = 0
                    while !stopping.isSet {
                        n += 1
                        let key = "\(name)-\(n)"
                        // Deadlines half an hour to six hours ahead in the fast clock's time, so that reminders
                        // and overdue timers fall due while the workers run and race to fire them.
                        let deadline = Date(timeIntervalSince1970:
                            ((clock.now().timeIntervalSince1970 + Double(1800 * (1 + n % 12))) * 1000).rounded() / 1000)
                        acknowledge("try \(key) \(Int64((deadline.timeIntervalSince1970 * 1000).rounded()))")
                        do {
                            let item = try await engine.workItems.create(
                                clusterDraft(key: key, deadline: deadline), by: "boss", idempotencyKey: key)
                            acknowledge("ack create \(key) \(item.id)")
                            if n % 2 == 0 {
                                _ = try await engine.workItems.accept(item.id, by: "worker", idempotencyKey: "\(key)-accept")
                                acknowledge("ack accept \(key) \(item.id)")
                            }
                        } catch {
                            FileHandle.standardError.write(Data("\(name): \(key): \(error)\n".utf8))
                        }
                    }
                }
                group.addTask {
                    while !stopping.isSet {
                        do {
                            for fired in try await engine.timers.fireDue(limit: 50) {
                                acknowledge("fired \(fired.timer.id)")
                            }
                        } catch {
                            FileHandle.standardError.write(Data("\(name): timers: \(error)\n".utf8))
                        }
                        try? await Task.sleep(for: .milliseconds(30))
                    }
                }
                group.addTask {
                    while !stopping.isSet {
                        do {
                            try await dispatcher.deliverDue()
                        } catch {
                            FileHandle.standardError.write(Data("\(name): deliveries: \(error)\n".utf8))
                        }
                        try? await Task.sleep(for: .milliseconds(30))
                    }
                }
            }
        }
        await work.value
        await store.shutdown()
        acknowledge("stopped")
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("CollabCrashWorker cluster: \(error)\n".utf8))
        exit(1)
    }
}
