import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Logging
import ServiceLifecycleTestKit
import Synchronization
import Testing

/// A hook that never returns and ignores cancellation, as a stuck network call would.
final class HangingHook: NotificationHook {
    let name = "hanging"
    private let calls = Mutex(0)
    var callCount: Int { calls.withLock { $0 } }
    func deliver(_ delivery: NoticeDelivery) async throws {
        calls.withLock { $0 += 1 }
        await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
    }
}

extension NotificationDispatcher.Configuration {
    static func quiet(_ change: (inout Self) -> Void = { _ in }) -> Self {
        var configuration = Self()
        configuration.logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        change(&configuration)
        return configuration
    }
}

@Suite(.timeLimit(.minutes(10))) struct NotificationDispatcherTests {
    @Test("a hook that fails twice then succeeds gets every notification once, under the same key, after backoff")
    func failTwiceThenSucceed() async throws {
        let h = try await TestHarness.outbox(3, storage: .underTest)
        let hook = RecordingNotificationHook(failures: 6)  // every notification fails twice
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: .quiet())

        var report = try await dispatcher.deliverDue()
        #expect(report.retried == 3 && report.delivered == 0)
        // Nothing is due again before the backoff has passed.
        #expect(try await dispatcher.deliverDue().attempts == 0)
        h.clock.advance(by: .seconds(6))
        report = try await dispatcher.deliverDue()
        #expect(report.retried == 3)
        h.clock.advance(by: .seconds(12))
        report = try await dispatcher.deliverDue()
        #expect(report.delivered == 3)

        #expect(hook.attempts.count == 9)
        #expect(hook.deliveries.count == 3)
        let keys = Dictionary(grouping: hook.attempts, by: \.notice.id)
        for (id, attempts) in keys {
            #expect(attempts.map(\.idempotencyKey) == Array(repeating: id.rawValue, count: 3))
            #expect(attempts.map(\.attempt) == [1, 2, 3])
        }
        let counts = try await h.store.outboxCounts()
        #expect(counts == OutboxCounts(pending: 0, delivered: 3, parked: 0))
        #expect(try await dispatcher.deliverDue().attempts == 0, "nothing is delivered twice")
    }

    @Test("with two hooks, the one that accepted is not called again while the other is retried")
    func perHookProgress() async throws {
        let h = try await TestHarness.outbox(2, storage: .underTest)
        let mail = RecordingNotificationHook(name: "mail")
        let chat = RecordingNotificationHook(name: "chat", failures: 2)
        let dispatcher = try h.engine.makeDispatcher(hooks: [mail, chat], configuration: .quiet())
        try await dispatcher.deliverDue()
        h.clock.advance(by: .seconds(10))
        try await dispatcher.deliverDue()
        #expect(mail.attempts.count == 2 && mail.deliveries.count == 2)
        #expect(chat.deliveries.count == 2 && chat.attempts.count == 4)
    }

    @Test("a hanging hook times out without holding up other hooks or notifications, and is retried")
    func hangingHook() async throws {
        let h = try await TestHarness.outbox(2, storage: .underTest)
        let hanging = HangingHook()
        let fast = RecordingNotificationHook(name: "fast")
        let dispatcher = try h.engine.makeDispatcher(hooks: [hanging, fast], configuration: .quiet {
            $0.attemptTimeout = .seconds(30)
        })
        let clock = h.clock
        let round = Task { try await dispatcher.deliverDue() }
        // Wait until both hook calls are in flight and their timeouts are sleeping, then let time pass.
        while fast.deliveries.count < 2 || clock.sleeperCount < 2 { await Task.yield() }
        clock.advance(by: .seconds(31))
        let report = try await round.value
        #expect(report.retried == 2)
        #expect(fast.deliveries.count == 2)
        let pending = try await h.store.outboxCounts()
        #expect(pending.pending == 2)
        #expect(hanging.callCount == 2)
    }

    @Test("after the last attempt a notification is parked with its error, listed, and delivered once requeued")
    func parkAndReplay() async throws {
        let h = try await TestHarness.outbox(1, storage: .underTest)
        let hook = RecordingNotificationHook(failures: 100)
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: .quiet {
            $0.retry = .init(initialDelay: .seconds(1), maximumAttempts: 3)
        })
        for _ in 0..<3 {
            try await dispatcher.deliverDue()
            h.clock.advance(by: .seconds(60))
        }
        let parked = try await h.store.parkedDeliveries(limit: 10)
        #expect(parked.count == 1 && parked[0].attempts == 3)
        #expect(parked[0].lastError?.contains("injected failure") == true)
        #expect(try await dispatcher.deliverDue().attempts == 0, "a parked notification is not retried by itself")

        hook.failNext(0)
        #expect(try await h.store.requeueParked(parked.map(\.notification.id), now: h.clock.now()) == 1)
        #expect(try await dispatcher.deliverDue().delivered == 1)
        #expect(hook.deliveries.map(\.notice.id) == [parked[0].notification.id])
        #expect(try await h.store.outboxCounts() == OutboxCounts(pending: 0, delivered: 1, parked: 0))
    }

    @Test("backoff grows, is capped, and spreads deterministically per notification")
    func backoff() {
        let policy = NotificationDispatcher.RetryPolicy(
            initialDelay: .seconds(10), multiplier: 2, maximumDelay: .seconds(100), jitter: 0.1)
        let delays = (1...6).map { policy.delay(afterAttempt: $0, key: "n-1").timeInterval }
        for (attempt, delay) in delays.enumerated() {
            let base = min(10 * pow(2, Double(attempt)), 100)
            #expect(delay >= base * 0.9 - 0.001 && delay <= base * 1.1 + 0.001, "attempt \(attempt + 1): \(delay)")
        }
        #expect(delays == (1...6).map { policy.delay(afterAttempt: $0, key: "n-1").timeInterval })
        #expect(policy.delay(afterAttempt: 1, key: "n-1") != policy.delay(afterAttempt: 1, key: "n-2"))
    }

    @Test("hook names must be unique and non-empty")
    func hookNames() async throws {
        let h = try await TestHarness.outbox(0, storage: .underTest)
        #expect(throws: CollabError.self) {
            try h.engine.makeDispatcher(hooks: [RecordingNotificationHook(name: "x"), RecordingNotificationHook(name: "x")])
        }
        #expect(throws: CollabError.self) { try h.engine.makeDispatcher(hooks: [RecordingNotificationHook(name: "")]) }
    }

    @Test("run() delivers in the background until cancelled")
    func runLoop() async throws {
        let h = try await TestHarness.outbox(2, storage: .underTest)
        let hook = RecordingNotificationHook()
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: .quiet())
        let runner = Task { await dispatcher.run(pollInterval: .seconds(1)) }
        while hook.deliveries.count < 2 { await Task.yield() }
        try await h.engine.workItems.create(h.draft(title: "Later", assignees: ["worker"]), by: "boss")
        while h.clock.sleeperCount == 0 { await Task.yield() }
        h.clock.advance(by: .seconds(1))
        while hook.deliveries.count < 3 { await Task.yield() }
        runner.cancel()
        await runner.value
        #expect(hook.deliveries.count == 3)
    }

    @Test("a dispatcher cancelled mid-delivery stops at once, keeps what hooks accepted, and charges no attempt")
    func cancelledMidDelivery() async throws {
        let h = try await TestHarness.outbox(3, storage: .underTest)
        let hanging = HangingHook()
        let fast = RecordingNotificationHook(name: "fast")
        let dispatcher = try h.engine.makeDispatcher(hooks: [hanging, fast], configuration: .quiet {
            $0.concurrency = 1
        })
        let round = Task { try await dispatcher.deliverDue() }
        while fast.deliveries.count < 1 || hanging.callCount < 1 { await Task.yield() }
        round.cancel()
        let report = try await round.value
        #expect(report.delivered == 0 && report.parked == 0)
        #expect(hanging.callCount == 1 && fast.attempts.count == 1, "no notification is tried after the cancellation")
        // All three are back in the outbox at once, none charged an attempt; the first keeps the fast hook's yes.
        let entries = try await h.store.claimDeliveries(now: h.clock.now(), limit: 10, lease: .seconds(60), owner: "test")
        #expect(entries.count == 3)
        #expect(entries.allSatisfy { $0.attempts == 0 })
        #expect(entries.map(\.deliveredHooks).filter { $0 == ["fast"] }.count == 1)
    }

    @Test("a graceful shutdown lets the delivery under way finish, hands back the claimed rest untried and claims no more")
    func gracefulShutdownMidDelivery() async throws {
        let h = try await TestHarness.outbox(3, storage: .underTest)
        let probe = ShutdownProbeHook()
        let dispatcher = try h.engine.makeDispatcher(hooks: [probe], configuration: .quiet { $0.concurrency = 1 })
        let report = try await testGracefulShutdown { trigger in
            let round = Task { try await dispatcher.deliverDue() }
            for await _ in probe.started { break }
            trigger.triggerGracefulShutdown()
            return try await round.value
        }
        #expect(report.delivered == 1 && report.attempts == 1)
        #expect(report.retried == 2, "the two claimed and not started are handed back")
        #expect(probe.calls.count == 1 && probe.accepted == probe.calls && probe.firstReturnedDuringShutdown)
        let entries = try await h.store.claimDeliveries(now: h.clock.now(), limit: 10, lease: .seconds(60), owner: "test")
        #expect(entries.count == 2 && entries.allSatisfy { $0.attempts == 0 && $0.deliveredHooks.isEmpty })
        #expect(!entries.map(\.notification.id.rawValue).contains(probe.calls.first ?? ""))

        // Once shutting down, run() claims nothing and returns.
        let untouched = try await h.store.outboxCounts()
        await testGracefulShutdown { trigger in
            trigger.triggerGracefulShutdown()
            await dispatcher.run()
        }
        #expect(try await h.store.outboxCounts() == untouched)
    }
}
