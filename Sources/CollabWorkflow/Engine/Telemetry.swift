import CollabModel
import CoreMetrics
import Foundation
import Metrics
import Tracing

/// The names of the metrics Collab reports through swift-metrics, and of the spans it starts through
/// swift-distributed-tracing. Documentation/Observability.md lists each with its type, unit and dimensions.
///
/// Collab depends only on the API packages: a host chooses the back end (`MetricsSystem.bootstrap`,
/// `InstrumentationSystem.bootstrap`), or hands one to ``WorkflowEngine/Configuration/metricsFactory`` and
/// ``WorkflowEngine/Configuration/tracer``.
public enum CollabTelemetry {
    /// Counter: commands run through the write pipeline, by `command` (its name, such as `create_item`) and
    /// `outcome` (`committed`, `replayed` — answered from an idempotency key — or the code of the
    /// `CollabError` it failed with, such as `forbidden` or `invalid_input`).
    public static let commandsTotal = "collab_commands_total"
    /// Timer, in seconds: how long a command took, from its start to its answer, by `command` and `outcome`
    /// (as ``commandsTotal``). Measured on the monotonic clock of the process: it is elapsed time, not business time.
    public static let commandDuration = "collab_command_duration_seconds"
    /// Counter: transactions committed by the write pipeline, by `source` (`command` for a command, `effect`
    /// for a timer's firing, a rescheduling or a document purge) and `command` (the command's name, or
    /// `fire_timer`, `reschedule_timers`, `purge_document`). A command answered from its idempotency key
    /// commits nothing.
    public static let commitsTotal = "collab_commits_total"
    /// Timer, in seconds: how long a notification waited in the outbox, from the commit that wrote it to its
    /// first delivery attempt, on the engine's clock.
    public static let outboxLag = "collab_outbox_lag_seconds"
    /// Timer, in seconds: how late a timer fired, from its due time to the moment it fired, on the engine's
    /// clock, by `kind` (the timer's kind, such as `reminder` or `overdue`).
    public static let timerLag = "collab_timer_lag_seconds"
    /// Counter: timers fired, by `kind`.
    public static let timersFiredTotal = "collab_timers_fired_total"
    /// Counter: calls of a notification hook, by `hook` (its name) and `outcome` (`accepted`, `failed`,
    /// `timed_out` or `cancelled`).
    public static let deliveriesTotal = "collab_deliveries_total"
    /// Counter: notifications the dispatcher finished with, by `outcome` (`delivered`, `retried`, `parked`,
    /// `suppressed`, `released` — handed back untried or unfinished by a stopping dispatcher — or
    /// `lease_lost`).
    public static let notificationsTotal = "collab_notifications_total"
    /// Counter: rows the retention policy deleted, by `kind` (`idempotency_keys`, `hook_deliveries`,
    /// `read_notices`).
    public static let retentionDeletedTotal = "collab_retention_deleted_total"

    /// Span: one command through the write pipeline, named `collab.command <name>`.
    public static let commandSpanPrefix = "collab.command"
    /// Span: one round of ``CollabRunner`` (due timers, then due notifications).
    public static let runnerRoundSpan = "collab.runner.round"
    /// Span: one ``CollabRunner/applyRetention()``.
    public static let retentionSpan = "collab.runner.retention"
}

/// Where the engine, the runner and the dispatcher report: the configured metrics factory and tracer, else
/// the global ones (`MetricsSystem.factory`, `InstrumentationSystem.tracer`) at the time of use.
struct Telemetry: Sendable {
    let metricsFactory: (any MetricsFactory)?
    let configuredTracer: (any Tracer)?

    init(metricsFactory: (any MetricsFactory)?, tracer: (any Tracer)?) {
        self.metricsFactory = metricsFactory
        self.configuredTracer = tracer
    }

    /// The tracer spans start on.
    var tracer: any Tracer { configuredTracer ?? InstrumentationSystem.tracer }

    /// Adds `amount` to the counter `label` with `dimensions`.
    func count(_ label: String, _ dimensions: [(String, String)], by amount: Int = 1) {
        guard amount > 0 else { return }
        let counter: Counter
        if let metricsFactory {
            counter = Counter(label: label, dimensions: dimensions, factory: metricsFactory)
        } else {
            counter = Counter(label: label, dimensions: dimensions)
        }
        counter.increment(by: amount)
    }

    /// Records `seconds` (negative values count as zero) on the timer `label` with `dimensions`.
    func record(_ label: String, _ dimensions: [(String, String)], seconds: Double) {
        let timer: CoreMetrics.Timer
        if let metricsFactory {
            timer = CoreMetrics.Timer(label: label, dimensions: dimensions, factory: metricsFactory)
        } else {
            timer = CoreMetrics.Timer(label: label, dimensions: dimensions)
        }
        timer.recordNanoseconds(Int64((max(0, seconds) * 1_000_000_000).rounded()))
    }

    /// Records `duration` on the timer `label` with `dimensions`.
    func record(_ label: String, _ dimensions: [(String, String)], duration: Duration) {
        let (seconds, attoseconds) = duration.components
        record(label, dimensions, seconds: Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Runs `operation` inside a span named `name`, started from the task's current service context (so a
    /// host's span, such as its HTTP request's, is the parent) and made current for `operation`. A thrown
    /// error is recorded on the span and sets its status to error.
    func withSpan<T>(
        _ name: String, _ operation: (any Span) async throws(CollabError) -> T
    ) async throws(CollabError) -> T {
        let span = tracer.startSpan(name, context: ServiceContext.current ?? .topLevel, ofKind: .internal)
        defer { span.end() }
        let result: Result<T, CollabError> = await ServiceContext.withValue(span.context) {
            do throws(CollabError) { return .success(try await operation(span)) } catch { return .failure(error) }
        }
        if case .failure(let error) = result {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: error.code.rawValue))
        }
        return try result.get()
    }
}

extension CollabError {
    /// The `outcome` dimension of a failed command: its code.
    var metricOutcome: String { code.rawValue }
}
