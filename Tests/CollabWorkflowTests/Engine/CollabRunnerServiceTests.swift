import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A hook whose first call is under way when the test stops the runner: it tells the test it has started,
/// then returns only once the runner's graceful shutdown has begun (or throws when its task is cancelled).
/// Every later call returns at once.
final class ShutdownProbeHook: NotificationHook {
    let name = "probe"
    private struct State {
        var calls: [String] = []
        var accepted: [String] = []
        var firstReturnedDuringShutdown = false
    }
    private let state = Mutex(State())
    let started: AsyncStream<Void>
    private let startedContinuation: AsyncStream<Void>.Continuation

    init() {
        (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// The notifications the hook was called with, in order.
    var calls: [String] { state.withLock { $0.calls } }
    /// The notifications the hook accepted, in order.
    var accepted: [String] { state.withLock { $0.accepted } }
    /// Whether the first call returned after the graceful shutdown had begun.
    var firstReturnedDuringShutdown: Bool { state.withLock { $0.firstReturnedDuringShutdown } }

    func deliver(_ delivery: NoticeDelivery) async throws {
        let first = state.withLock { state in
            state.calls.append(delivery.idempotencyKey)
            return state.calls.count == 1
        }
        if first {
            startedContinuation.yield()
            // Suspends until the runner's group shuts down gracefully; throws if the call is cancelled first.
            try await gracefulShutdown()
            state.withLock { $0.firstReturnedDuringShutdown = Task.isShuttingDownGracefully }
        }
        state.withLock { $0.accepted.append(delivery.idempotencyKey) }
    }
}

/// ``CollabRunner`` as a ServiceLifecycle service: stopping it, gracefully or not, loses no notification.
@Suite(.timeLimit(.minutes(10))) struct CollabRunnerServiceTests {
    static let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Every notification of the outbox, with its delivery state.
    func states(_ h: TestHarness) async throws -> [String: NotificationDeliveryState] {
        var states: [String: NotificationDeliveryState] = [:]
        for notice in try await h.notices(of: "worker") + h.notices(of: "boss") {
            let state = try await h.store.deliveryState(of: notice.id)
            #expect(state != nil, "\(notice.id) is in the outbox")
            states[notice.id.rawValue] = state
        }
        return states
    }

    @Test("a graceful shutdown during a delivery lets it finish, hands the rest back, and a restart delivers each once")
    func gracefulShutdownLosesNothing() async throws {
        let h = try await TestHarness.outbox(5, storage: .underTest)
        #expect(try await h.store.outboxCounts().pending == 5)
        let probe = ShutdownProbeHook()
        // One delivery at a time: the first is under way, four are claimed and not started when shutdown begins.
        let runner = try CollabRunner(
            engine: h.engine, hooks: [probe], dispatcher: .quiet { $0.concurrency = 1 }, pollInterval: .seconds(1))
        let group = ServiceGroup(services: [runner], logger: Self.quietLogger)
        let running = Task { try await group.run() }

        for await _ in probe.started { break }
        await group.triggerGracefulShutdown()
        try await running.value  // the runner returned: the group ended without an error

        // The delivery under way finished and was recorded; nothing else was tried.
        #expect(probe.calls.count == 1 && probe.accepted == probe.calls)
        #expect(probe.firstReturnedDuringShutdown, "the first call returned after the shutdown had begun")
        let afterShutdown = try await states(h)
        #expect(afterShutdown.count == 5)
        let first = try #require(probe.calls.first)
        #expect(afterShutdown[first]?.status == .delivered && afterShutdown[first]?.attempts == 1)
        for (id, state) in afterShutdown where id != first {
            #expect(state.status == .pending && state.attempts == 0, "\(id) handed back untried: \(state)")
        }
        // Handed back at once: due now, not when the lease would have run out.
        #expect(try await h.store.nextDeliveryDue() == h.clock.now())

        // A restarted runner (a hook of the same name) delivers the other four; none is delivered twice.
        let restarted = RecordingNotificationHook(name: "probe")
        let again = try CollabRunner(engine: h.engine, hooks: [restarted], dispatcher: .quiet())
        #expect(try await again.runOnce().deliveries.delivered == 4)
        let delivered = probe.accepted + restarted.deliveries.map(\.idempotencyKey)
        #expect(delivered.count == 5 && Set(delivered) == Set(afterShutdown.keys), "each notification exactly once")
        #expect(try await h.store.outboxCounts().delivered == 5)
    }

    @Test("cancelling the runner during a delivery hands it back unfinished; a restart delivers it")
    func cancellationHandsBack() async throws {
        let h = try await TestHarness.outbox(3, storage: .underTest)
        let probe = ShutdownProbeHook()
        let runner = try CollabRunner(engine: h.engine, hooks: [probe], dispatcher: .quiet { $0.concurrency = 1 })
        // Outside a ServiceGroup: the task's cancellation is the only way to stop it.
        let running = Task { await runner.run() }

        for await _ in probe.started { break }
        running.cancel()
        await running.value

        #expect(probe.calls.count == 1 && probe.accepted.isEmpty)
        let afterCancel = try await states(h)
        #expect(afterCancel.values.allSatisfy { $0.status == .pending && $0.attempts == 0 },
            "the cut-short attempt is not counted: \(afterCancel)")

        let restarted = RecordingNotificationHook(name: "probe")
        let again = try CollabRunner(engine: h.engine, hooks: [restarted], dispatcher: .quiet())
        #expect(try await again.runOnce().deliveries.delivered == 3)
        #expect(Set(restarted.deliveries.map(\.idempotencyKey)) == Set(afterCancel.keys))
        #expect(try await h.store.outboxCounts().delivered == 3)
    }

    @Test("a runner in a ServiceGroup sleeping between rounds stops at once on graceful shutdown")
    func shutdownWhileIdle() async throws {
        let h = try await TestHarness.outbox(2, storage: .underTest)
        let hook = RecordingNotificationHook()
        let runner = try CollabRunner(engine: h.engine, hooks: [hook], dispatcher: .quiet(), pollInterval: .seconds(3600))
        let group = ServiceGroup(services: [runner], logger: Self.quietLogger)
        let running = Task { try await group.run() }
        // The first round delivers both, then the runner sleeps on the manual clock, which never moves. (A
        // delivery's attempt timeout sleeps on it too, until the hook returns: wait for both deliveries first.)
        while hook.deliveries.count < 2 || h.clock.sleeperCount == 0 { await Task.yield() }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(h.clock.sleeperCount == 0)
    }
}
