import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Logging
import Synchronization
import Testing

// The outbox's edge cases: leases with owner tokens, results recorded as each entry finishes, a lease
// that covers the work it protects, final states that never go back, re-check failures that count,
// undecodable rows parked, and the log levels of retries and parking.

struct GateFailure: Error, CustomStringConvertible {
    var description: String { "failed after the gate opened" }
}

/// A hook whose first call blocks until `release(failing:)`, ignoring cancellation and timeouts (a stuck
/// network call); every later call is accepted at once. Records every accepted delivery.
final class GatedHook: NotificationHook {
    let name: String
    private struct State {
        var calls = 0
        var accepted: [NoticeDelivery] = []
        var gate: CheckedContinuation<Bool, Never>?
        var released: Bool?
    }
    private let state = Mutex(State())

    init(name: String) { self.name = name }

    var callCount: Int { state.withLock { $0.calls } }
    var accepted: [NoticeDelivery] { state.withLock { $0.accepted } }

    func deliver(_ delivery: NoticeDelivery) async throws {
        let first = state.withLock { state in
            state.calls += 1
            return state.calls == 1
        }
        if first {
            let fails = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let early: Bool? = state.withLock { state in
                    if let released = state.released { return released }
                    state.gate = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
            if fails { throw GateFailure() }
        }
        state.withLock { $0.accepted.append(delivery) }
    }

    /// Lets the blocked first call return: accepted, or failed when `failing`.
    func release(failing: Bool) {
        let gate = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.released = failing
            defer { state.gate = nil }
            return state.gate
        }
        gate?.resume(returning: failing)
    }
}

/// A swift-log handler that keeps every message with its level.
struct RecordingLogHandler: LogHandler {
    let records: LogRecords

    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.records.withLock { $0.append((event.level, event.message.description)) }
    }
}

final class LogRecords: Sendable {
    let records = Mutex<[(Logger.Level, String)]>([])
    var all: [(Logger.Level, String)] { records.withLock { $0 } }
    var logger: Logger {
        Logger(label: "test.records", factory: { _ in RecordingLogHandler(records: self) })
    }
}

@Suite(.timeLimit(.minutes(10))) struct OutboxLeaseTests {
    /// One column of a notification's row, read straight from the file.
    func column<T: DatabaseValueConvertible>(_ name: String, of id: String, in h: TestHarness) throws -> T? {
        try DatabaseQueue(path: h.sqlitePath).read { db in
            try T.fetchOne(db, sql: "SELECT \(name) FROM notifications WHERE id = ?", arguments: [id])
        }
    }

    @Test("an undecodable row is parked with its reason while the others are delivered")
    func poisonRowParked() async throws {
        let h = try await TestHarness.outbox(2)
        // A third notification whose urgency no version of Collab knows.
        try await DatabaseQueue(path: h.sqlitePath).write { db in
            try db.execute(sql: """
                INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, title, body, created_at,
                    delivery_state, attempts, next_attempt_at)
                VALUES ('poison', 'acme', 'worker', 'assigned', 'catastrophic', 't', 'b', 0, 'pending', 0, 0)
                """)
            // And one whose time is text: reading it as a number used to trap.
            try db.execute(sql: """
                INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, title, body, created_at,
                    delivery_state, attempts, next_attempt_at)
                VALUES ('garbled', 'acme', 'worker', 'assigned', 'normal', 't', 'b', 'yesterday', 'pending', 0, 0)
                """)
        }
        let hook = RecordingNotificationHook()
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: .quiet())
        let report = try await dispatcher.deliverDue()
        #expect(report.delivered == 2)
        #expect(hook.deliveries.count == 2)
        #expect(try await h.store.outboxCounts() == OutboxCounts(pending: 0, delivered: 2, parked: 2))
        let garbled = try await h.store.deliveryState(of: "garbled")
        #expect(garbled?.status == .parked && garbled?.lastError?.contains("created_at") == true, "\(String(describing: garbled))")
        let reason: String? = try column("last_error", of: "poison", in: h)
        #expect(reason?.contains("catastrophic") == true, "\(reason ?? "no reason")")
        let state = try await h.store.deliveryState(of: "poison")
        #expect(state?.status == .parked && state?.lastError == reason)
        #expect(try await h.store.parkedDeliveries(limit: 10).isEmpty, "listed parked entries are those that can be read")
        // Parked, it no longer stands in the way of later rounds.
        #expect(try await dispatcher.deliverDue().attempts == 0)
    }

    @Test("a re-check that fails counts as an attempt, and the notification is parked after the last one")
    func recheckFailureCounted() async throws {
        let h = try await TestHarness.outbox(1)
        // The item's row can no longer be read: the delivery-time re-check throws.
        try await DatabaseQueue(path: h.sqlitePath).write { db in
            try db.execute(sql: "UPDATE work_items SET state = 'vanished'")
        }
        let hook = RecordingNotificationHook()
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: .quiet {
            $0.retry = .init(initialDelay: .seconds(1), maximumAttempts: 3)
        })
        for _ in 0..<4 {
            try await dispatcher.deliverDue()
            h.clock.advance(by: .seconds(60))
        }
        #expect(try await h.store.outboxCounts() == OutboxCounts(pending: 0, delivered: 0, parked: 1))
        let id = try #require(try await h.notices(of: "worker").first?.id)
        let attempts: Int? = try column("attempts", of: id.rawValue, in: h)
        let reason: String? = try column("last_error", of: id.rawValue, in: h)
        #expect(attempts == 3)
        #expect(reason?.contains("re-authorization failed") == true, "\(reason ?? "no reason")")
        #expect(hook.attempts.isEmpty, "nothing the re-check could not clear reaches a hook")
    }

    @Test("each entry's result is recorded as it finishes, not after the whole batch")
    func resultsRecordedPerEntry() async throws {
        let h = try await TestHarness.outbox(2)
        let gated = GatedHook(name: "gated")
        let dispatcher = try h.engine.makeDispatcher(hooks: [gated], configuration: .quiet { $0.concurrency = 2 })
        let round = Task { try await dispatcher.deliverDue() }
        while gated.callCount < 2 || gated.accepted.count < 1 { await Task.yield() }
        // The second notification is done while the first is still in its hook: it is already recorded.
        var delivered = 0
        for _ in 0..<2_000 where delivered == 0 {
            delivered = try await h.store.outboxCounts().delivered
            await Task.yield()
        }
        gated.release(failing: false)
        let report = try await round.value
        #expect(delivered == 1, "the finished notification was recorded while the other was in flight")
        #expect(report.delivered == 2)
    }

    @Test("every attempt starts with at least the attempt timeout left on its lease")
    func leaseCoversTheAttempt() async throws {
        let h = try await TestHarness.outbox(4)
        let path = try h.sqlitePath
        let clock = h.clock
        let remaining = Mutex<[TimeInterval]>([])
        struct LeaseReadingHook: NotificationHook {
            let name = "reader"
            let path: String
            let clock: ManualClock
            let remaining: @Sendable (TimeInterval) -> Void
            func deliver(_ delivery: NoticeDelivery) async throws {
                let until = try await DatabaseQueue(path: path).read { db in
                    try Int64.fetchOne(db, sql: "SELECT lease_until FROM notifications WHERE id = ?",
                        arguments: [delivery.notice.id.rawValue])
                }
                remaining(Double(until ?? 0) / 1000 - clock.now().timeIntervalSince1970)
                // Hangs until the attempt times out, as a stuck call would.
                try await Task.sleep(for: .seconds(3600))
            }
        }
        let hook = LeaseReadingHook(path: path, clock: clock) { value in remaining.withLock { $0.append(value) } }
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: .quiet {
            $0.concurrency = 1
            $0.attemptTimeout = .seconds(30)
            $0.leaseDuration = .seconds(60)
        })
        let round = Task { try await dispatcher.deliverDue() }
        for call in 1...4 {
            while remaining.withLock({ $0.count }) < call || clock.sleeperCount < 1 { await Task.yield() }
            clock.advance(by: .seconds(31))
        }
        let report = try await round.value
        #expect(report.retried == 4)
        let seen = remaining.withLock { $0 }
        #expect(seen.count == 4)
        #expect(seen.allSatisfy { $0 >= 30 }, "seconds of lease left as each attempt started: \(seen)")
    }

    @Test("two dispatchers on one file: a stalled one's late result is rejected, and a delivered entry never goes back")
    func stalledDispatcherLosesItsLease() async throws {
        let h = try await TestHarness.outbox(3)
        let otherStore = try h.reopenStore()
        let mail = RecordingNotificationHook(name: "mail")
        let chat = GatedHook(name: "chat")
        // Dispatcher A's own clock stands still: it stalls (a paused process) with its first entry in a hook.
        let stalledClock = ManualClock(now: h.clock.now())
        let stalled = try NotificationDispatcher(
            store: h.store, hooks: [mail, chat], clock: stalledClock,
            configuration: .quiet {
                $0.concurrency = 1
                $0.retry = .init(maximumAttempts: 1)
            })
        let round = Task { try await stalled.deliverDue() }
        while chat.callCount < 1 || mail.deliveries.count < 1 { await Task.yield() }

        // Past A's lease, dispatcher B (another process, on its own store) takes over and delivers everything.
        h.clock.advance(by: .seconds(301))
        let other = try NotificationDispatcher(store: otherStore, hooks: [mail, chat], clock: h.clock,
            configuration: .quiet())
        let report = try await other.deliverDue()
        #expect(report.delivered == 3)

        // A resumes, its clock jumping as a paused process's does: its attempt has timed out, which would
        // park the notification (one attempt allowed); that result is rejected, and A does not go on with
        // the entries B took over.
        stalledClock.advance(by: .seconds(301))
        _ = try await round.value
        chat.release(failing: true)
        #expect(try await h.store.outboxCounts() == OutboxCounts(pending: 0, delivered: 3, parked: 0))

        let ids = try await h.notices(of: "worker").map(\.id.rawValue)
        #expect(ids.count == 3)
        for hook in [mail.deliveries, chat.accepted] {
            let byKey = Dictionary(grouping: hook, by: \.idempotencyKey)
            #expect(Set(byKey.keys) == Set(ids), "every notification reached every hook")
            // Only the notification A had in flight when it stalled may reach a hook twice (at least once);
            // A does not go on with what B took over.
            #expect(byKey.values.filter { $0.count > 1 }.count <= 1, "\(byKey.mapValues(\.count))")
        }
        for id in ids {
            let attempts: Int? = try column("attempts", of: id, in: h)
            let error: String? = try column("last_error", of: id, in: h)
            #expect(attempts == 1 && error == nil, "\(id): B's result stands")
        }
    }

    @Test("two dispatchers racing over one file deliver every notification exactly once to each hook")
    func racingDispatchers() async throws {
        let h = try await TestHarness.outbox(60)
        let otherStore = try h.reopenStore()
        let mail = RecordingNotificationHook(name: "mail")
        let chat = RecordingNotificationHook(name: "chat")
        let configuration = NotificationDispatcher.Configuration.quiet {
            $0.batchSize = 5
            $0.concurrency = 3
        }
        let first = try NotificationDispatcher(
            store: h.store, hooks: [mail, chat], clock: h.clock, configuration: configuration)
        let second = try NotificationDispatcher(
            store: otherStore, hooks: [mail, chat], clock: h.clock, configuration: configuration)
        #expect(first.ownerToken != second.ownerToken)
        async let one = first.deliverDue()
        async let two = second.deliverDue()
        let reports = try await [one, two]
        #expect(reports.map(\.delivered).reduce(0, +) == 60, "\(reports)")
        #expect(reports.allSatisfy { $0.leaseLost == 0 && $0.retried == 0 })
        for hook in [mail, chat] {
            let keys = hook.deliveries.map(\.idempotencyKey)
            #expect(keys.count == 60 && Set(keys).count == 60, "\(hook.name): \(keys.count) deliveries")
        }
        #expect(try await h.store.outboxCounts() == OutboxCounts(pending: 0, delivered: 60, parked: 0))
    }

    @Test("a retry is logged below warning; parking is a warning")
    func logLevels() async throws {
        let h = try await TestHarness.outbox(1)
        let logs = LogRecords()
        let hook = RecordingNotificationHook(failures: 100)
        var configuration = NotificationDispatcher.Configuration()
        configuration.logger = logs.logger
        configuration.retry = .init(initialDelay: .seconds(1), maximumAttempts: 3)
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: configuration)
        for _ in 0..<3 {
            try await dispatcher.deliverDue()
            h.clock.advance(by: .seconds(60))
        }
        let records = logs.all
        let retries = records.filter { $0.1.contains("retry") }
        let parked = records.filter { $0.1.contains("parked") }
        #expect(retries.count == 2 && retries.allSatisfy { $0.0 == .debug }, "\(retries)")
        #expect(parked.count == 1 && parked.allSatisfy { $0.0 == .warning }, "\(parked)")
        #expect(records.filter { $0.0 >= .warning }.count == 1, "only the parking is a warning: \(records)")
    }

    @Test("the harness lists what was stored for a member who was deactivated since")
    func noticesOfDeactivatedMember() async throws {
        let h = try await TestHarness.outbox(2)
        #expect(try await h.notices(of: "worker").count == 2)
        try await h.addMember("worker", in: "acme", active: false)
        #expect(try await h.notices(of: "worker").count == 2)
    }
}
