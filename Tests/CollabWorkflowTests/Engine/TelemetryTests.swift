import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import InMemoryTracing
import MetricsTestKit
import Testing
import Tracing

/// The metrics and spans of the engine, the dispatcher and the runner, reported to a metrics factory and a
/// tracer given in the engine's configuration (no global bootstrap).
@Suite(.timeLimit(.minutes(10))) struct TelemetryTests {
    /// A company of a boss and a worker on an engine reporting to `metrics` and `tracer`.
    func company(metrics: TestMetrics = TestMetrics(), tracer: InMemoryTracer = InMemoryTracer()) async throws
        -> TestHarness
    {
        var configuration = WorkflowEngine.Configuration()
        configuration.metricsFactory = metrics
        configuration.tracer = tracer
        let h = try await TestHarness(storage: .underTest, engineConfiguration: configuration)
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme", administrator: true)
        try await h.addMember("worker", in: "acme")
        return h
    }

    func counter(_ metrics: TestMetrics, _ label: String, _ dimensions: [(String, String)]) -> Int64 {
        metrics.counterTotal(label: label, dimensions: dimensions)
    }

    @Test("commands count by name and outcome, with their duration; commits count only what was written")
    func commandMetrics() async throws {
        let metrics = TestMetrics()
        let h = try await company(metrics: metrics)
        let draft = h.draft(title: "Plan", assignees: ["worker"])
        let item = try await h.engine.workItems.create(draft, by: "boss", idempotencyKey: "k1")
        #expect(try await h.engine.workItems.create(draft, by: "boss", idempotencyKey: "k1") == item)
        await #expect(throws: CollabError.self) { try await h.engine.workItems.create(draft, by: "nobody") }

        #expect(counter(metrics, CollabTelemetry.commandsTotal, [("command", "create"), ("outcome", "committed")]) == 1)
        #expect(counter(metrics, CollabTelemetry.commandsTotal, [("command", "create"), ("outcome", "replayed")]) == 1)
        #expect(counter(metrics, CollabTelemetry.commandsTotal, [("command", "create"), ("outcome", "not_found")]) == 1)
        #expect(counter(metrics, CollabTelemetry.commitsTotal, [("source", "command"), ("command", "create")]) == 1,
            "a replay and a refusal commit nothing")
        let durations = metrics.timers(label: CollabTelemetry.commandDuration)
        #expect(durations.map { $0.values.count }.reduce(0, +) == 3, "one duration per command")
    }

    @Test("deliveries count by hook and outcome; the outbox lag is the business time a notification waited")
    func deliveryMetrics() async throws {
        let metrics = TestMetrics()
        let h = try await company(metrics: metrics)
        for n in 0..<3 { try await h.engine.workItems.create(h.draft(title: "Task \(n)", assignees: ["worker"]), by: "boss") }
        let pending = try await h.store.outboxCounts().pending
        #expect(pending >= 3)
        h.clock.advance(by: .seconds(7))
        let hook = RecordingNotificationHook(name: "mail", failures: 1)
        let runner = try CollabRunner(engine: h.engine, hooks: [hook], dispatcher: .quiet())
        try await runner.runOnce()

        #expect(counter(metrics, CollabTelemetry.deliveriesTotal, [("hook", "mail"), ("outcome", "failed")]) == 1)
        #expect(counter(metrics, CollabTelemetry.deliveriesTotal, [("hook", "mail"), ("outcome", "accepted")])
            == Int64(pending - 1))
        #expect(counter(metrics, CollabTelemetry.notificationsTotal, [("outcome", "delivered")]) == Int64(pending - 1))
        #expect(counter(metrics, CollabTelemetry.notificationsTotal, [("outcome", "retried")]) == 1)
        let lag = try metrics.expectTimer(CollabTelemetry.outboxLag)
        #expect(lag.values.count == pending, "the lag of each notification's first attempt")
        #expect(lag.values.allSatisfy { $0 == 7_000_000_000 }, "\(lag.values)")

        // The retry is not a first attempt: no second lag.
        h.clock.advance(by: .seconds(3600))
        try await runner.runOnce()
        #expect(lag.values.count == pending)
        #expect(counter(metrics, CollabTelemetry.notificationsTotal, [("outcome", "delivered")]) == Int64(pending))
    }

    @Test("fired timers count by kind, with how late each fired on the engine's clock")
    func timerMetrics() async throws {
        let metrics = TestMetrics()
        let h = try await company(metrics: metrics)
        try await h.engine.workItems.create(h.draft(title: "Due", assignees: ["worker"]), by: "boss")
        h.clock.advance(by: .seconds(30 * 86_400))
        let fired = try await h.engine.timers.fireDue()
        #expect(!fired.isEmpty)
        var total: Int64 = 0
        for kind in Set(fired.map(\.timer.kind)) {
            let ofKind = fired.filter { $0.timer.kind == kind }
            total += counter(metrics, CollabTelemetry.timersFiredTotal, [("kind", kind.rawValue)])
            let lag = try metrics.expectTimer(CollabTelemetry.timerLag, [("kind", kind.rawValue)])
            let expected = ofKind.map { Int64(($0.firedAt.timeIntervalSince($0.timer.fireAt) * 1e9).rounded()) }
            #expect(lag.values.sorted() == expected.sorted())
            #expect(expected.allSatisfy { $0 > 0 }, "fired late: the clock moved past them")
        }
        #expect(total == Int64(fired.count))
        #expect(counter(metrics, CollabTelemetry.commitsTotal, [("source", "effect"), ("command", "fire_timer")])
            == Int64(fired.count))
    }

    @Test("each command is a span under the caller's span, with its attributes; a refusal records its error")
    func commandSpans() async throws {
        let tracer = InMemoryTracer()
        let h = try await company(tracer: tracer)
        let draft = h.draft(title: "Plan", assignees: ["worker"])
        try await tracer.withSpan("POST /items") { _ in
            _ = try await h.engine.workItems.create(draft, by: "boss")
        }
        let spans = tracer.popFinishedSpans()
        let request = try #require(spans.first { $0.operationName == "POST /items" })
        let command = try #require(spans.first { $0.operationName == "collab.command create" })
        #expect(command.traceID == request.traceID && command.parentSpanID == request.spanID)
        #expect(command.attributes.get("collab.command") == .string("create"))
        #expect(command.attributes.get("collab.actor_id") == .string("boss"))
        #expect(command.attributes.get("collab.organization_id") == .string("acme"))
        #expect(command.attributes.get("collab.outcome") == .string("committed"))
        #expect(command.errors.isEmpty && command.status?.code != .error)

        await #expect(throws: CollabError.self) { try await h.engine.workItems.create(draft, by: "nobody") }
        let refused = try #require(tracer.popFinishedSpans().first { $0.operationName == "collab.command create" })
        #expect(refused.parentSpanID == nil, "no caller span: a root span")
        #expect(refused.errors.count == 1 && refused.status?.code == .error)
        #expect(refused.attributes.get("collab.outcome") == .string("not_found"))
    }

    @Test("a runner round and retention are spans; the dispatcher reports to the engine's factory")
    func runnerSpans() async throws {
        let metrics = TestMetrics()
        let tracer = InMemoryTracer()
        let h = try await company(metrics: metrics, tracer: tracer)
        try await h.engine.workItems.create(h.draft(title: "Plan", assignees: ["worker"]), by: "boss")
        let runner = try CollabRunner(engine: h.engine, hooks: [RecordingNotificationHook()], dispatcher: .quiet())
        _ = tracer.popFinishedSpans()
        try await runner.runOnce()
        try await runner.applyRetention()
        let names = tracer.popFinishedSpans().map(\.operationName)
        #expect(names.contains(CollabTelemetry.runnerRoundSpan) && names.contains(CollabTelemetry.retentionSpan))
        #expect(counter(metrics, CollabTelemetry.notificationsTotal, [("outcome", "delivered")]) >= 1)
    }
}
