import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// CollabTesting's recording hook failure patterns, and the store's read of one notification's delivery state.
@Suite(.timeLimit(.minutes(10))) struct TestingToolsTests {
    @Test("a failure pattern decides per call")
    func failurePattern() async throws {
        let h = try await TestHarness.outbox(4, storage: .underTest)
        // Fails every first attempt, and every call to the third notification's first two attempts.
        let hook = RecordingNotificationHook { _, delivery in
            delivery.attempt == 1 || (delivery.notice.title.contains("Task 2") && delivery.attempt == 2)
        }
        let dispatcher = try h.engine.makeDispatcher(hooks: [hook], configuration: .quiet())
        #expect(try await dispatcher.deliverDue().retried == 4)
        h.clock.advance(by: .seconds(60))
        #expect(try await dispatcher.deliverDue().delivered == 3)
        h.clock.advance(by: .seconds(60))
        #expect(try await dispatcher.deliverDue().delivered == 1)
        #expect(hook.attempts.count == 9 && hook.deliveries.count == 4)
    }

    @Test("a seeded failure rate fails about that share of calls, the same ones for the same seed")
    func seededRate() async throws {
        // COLLAB_SEED overrides the documented default seed.
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_261_203
        let h = try await TestHarness.outbox(200, storage: .underTest)
        let first = RecordingNotificationHook(name: "first", failureRate: 0.3, seed: seed)
        let second = RecordingNotificationHook(name: "second", failureRate: 0.3, seed: seed)
        let dispatcher = try h.engine.makeDispatcher(hooks: [first, second], configuration: .quiet())
        try await dispatcher.deliverDue()
        let failed = Set(first.attempts.map(\.idempotencyKey)).subtracting(first.deliveries.map(\.idempotencyKey))
        let failedToo = Set(second.attempts.map(\.idempotencyKey)).subtracting(second.deliveries.map(\.idempotencyKey))
        // 200 calls at 30%: 60 expected, the bounds are about 4.5 standard deviations wide.
        #expect((32...88).contains(failed.count), "\(failed.count) of 200 failed, seed \(seed)")
        #expect(failed == failedToo, "the same seed fails the same calls, seed \(seed)")
    }

    @Test("the delivery state of one notification: status, attempts, last error, hooks that accepted it")
    func deliveryState() async throws {
        let h = try await TestHarness.outbox(1, storage: .underTest)
        let mail = RecordingNotificationHook(name: "mail")
        let chat = RecordingNotificationHook(name: "chat", failures: 1)
        let dispatcher = try h.engine.makeDispatcher(hooks: [mail, chat], configuration: .quiet())
        let id = try #require(try await h.notices(of: "worker").first?.id)
        var state = try #require(try await h.store.deliveryState(of: id))
        #expect(state.status == .pending && state.attempts == 0 && state.deliveredHooks.isEmpty)
        #expect(state.nextAttemptAt == h.clock.now() && state.lease == nil)

        try await dispatcher.deliverDue()
        state = try #require(try await h.store.deliveryState(of: id))
        #expect(state.status == .pending && state.attempts == 1)
        #expect(state.deliveredHooks == ["mail"])
        #expect(state.lastError == "chat: injected failure")
        #expect(state.nextAttemptAt.map { $0 > h.clock.now() } == true && state.lease == nil)

        h.clock.advance(by: .seconds(60))
        try await dispatcher.deliverDue()
        state = try #require(try await h.store.deliveryState(of: id))
        #expect(state.status == .delivered && state.attempts == 2 && state.lastError == nil)
        #expect(state.deliveredHooks == ["mail", "chat"] && state.finishedAt == h.clock.now())
        #expect(try await h.store.deliveryState(of: "no-such-notification") == nil)
    }
}
