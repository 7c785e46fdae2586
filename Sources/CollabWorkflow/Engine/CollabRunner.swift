import CollabModel
import CollabStore
import Foundation
import Logging
import ServiceLifecycle
import Tracing

/// The background work of a Collab host: fires due timers, delivers notifications, gives the places of
/// deactivated approvers to others and applies the retention policy, until cancelled or shut down.
///
/// Start it once per process (several processes may run one on the same database: each timer still
/// fires exactly once, and notification leases keep dispatchers apart).
///
/// It is a ServiceLifecycle `Service`: run it in your `ServiceGroup` with the rest of your server, and a
/// graceful shutdown (SIGTERM, say) stops it cleanly. On graceful shutdown the runner takes no new work — it
/// claims no more timers or notifications and starts no new round — lets the hook calls under way finish and
/// records their results, hands the notifications it claimed but had not started back to the outbox at once
/// (pending, their attempt not counted), and returns. Cancelling its task (the group's cancellation, or the
/// end of the group's `maximumGracefulShutdownDuration`) hands back the deliveries under way too, with
/// whatever hooks already accepted them; another runner, or this one after a restart, delivers what is left.
/// Nothing is lost.
///
/// ```swift
/// let runner = try CollabRunner(engine: engine, hooks: [MailHook()])
/// let group = ServiceGroup(configuration: ServiceGroupConfiguration(
///     services: [.init(service: runner)], gracefulShutdownSignals: [.sigterm], logger: logger))
/// try await group.run()
/// ```
///
/// Without ServiceLifecycle, run it in a task and cancel the task on shutdown:
///
/// ```swift
/// let background = Task { await runner.run() }
/// // ... on shutdown:
/// background.cancel()
/// ```
public struct CollabRunner: Service, Sendable {
    let engine: WorkflowEngine
    let dispatcher: NotificationDispatcher
    /// What the runner deletes, and how often.
    public let retention: RetentionPolicy
    /// The longest ``run()`` sleeps between rounds (other processes may add work meanwhile).
    public let pollInterval: Duration

    /// Creates a runner over `engine` delivering to `hooks`, deleting what `retention` no longer keeps, and
    /// looking for new work at least every `pollInterval` when it runs as a service (``run()``).
    public init(
        engine: WorkflowEngine, hooks: [any NotificationHook],
        dispatcher configuration: NotificationDispatcher.Configuration = NotificationDispatcher.Configuration(),
        retention: RetentionPolicy = RetentionPolicy(), pollInterval: Duration = .seconds(1)
    ) throws(CollabError) {
        self.engine = engine
        self.dispatcher = try engine.makeDispatcher(hooks: hooks, configuration: configuration)
        self.retention = retention
        self.pollInterval = pollInterval
    }

    /// One round: fires the due timers, then delivers the due notifications (including those the timers
    /// just caused). It is one span, `collab.runner.round` (attributes `collab.timers_fired`,
    /// `collab.notifications_delivered`, `collab.notifications_retried`, `collab.notifications_parked`).
    @discardableResult
    public func runOnce() async throws(CollabError) -> (timers: [FiredTimer], deliveries: NotificationDispatcher.Report) {
        try await engine.telemetry.withSpan(CollabTelemetry.runnerRoundSpan) { span throws(CollabError) in
            let fired = try await engine.timers.fireDue()
            span.attributes["collab.timers_fired"] = fired.count
            let report = try await dispatcher.deliverDue()
            span.attributes["collab.notifications_delivered"] = report.delivered
            span.attributes["collab.notifications_retried"] = report.retried
            span.attributes["collab.notifications_parked"] = report.parked
            return (fired, report)
        }
    }

    /// What one ``applyRetention()`` deleted.
    public struct RetentionReport: Sendable, Hashable {
        /// Rows deleted, by kind.
        public var deleted: [RetainedRecords: Int] = [:]
        /// Idempotency keys recorded without a time that were given the current one.
        public var stamped = 0
        /// Transactions run (each touches at most `RetentionPolicy.batchSize` rows).
        public var batches = 0

        /// Creates an empty report.
        public init() {}
    }

    /// Deletes what the retention policy no longer keeps, as of the engine's clock: batch after batch of at
    /// most `RetentionPolicy.batchSize` rows, each its own transaction, until nothing more is due or the
    /// calling task is cancelled. Audit events, unread, pending and parked notifications are never deleted.
    /// It is one span, `collab.runner.retention`, and counts what it deletes in `collab_retention_deleted_total`.
    @discardableResult
    public func applyRetention() async throws(CollabError) -> RetentionReport {
        try await engine.telemetry.withSpan(CollabTelemetry.retentionSpan) { span throws(CollabError) in
            let report = try await retain()
            span.attributes["collab.rows_deleted"] = report.deleted.values.reduce(0, +)
            span.attributes["collab.batches"] = report.batches
            return report
        }
    }

    private func retain() async throws(CollabError) -> RetentionReport {
        var report = RetentionReport()
        let now = engine.clock.now()
        let ages: [(RetainedRecords, Duration?)] = [
            (.idempotencyKeys, retention.idempotencyKeys), (.hookDeliveries, retention.hookDeliveries),
            (.readNotices, retention.readNotices),
        ]
        for (kind, age) in ages {
            guard let age else { continue }
            let cutoff = now.addingTimeInterval(-age.timeInterval)
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let batch = try await engine.store.deleteExpired(
                    kind, before: cutoff, now: now, limit: retention.batchSize)
                engine.telemetry.count(CollabTelemetry.retentionDeletedTotal, [("kind", kind.rawValue)], by: batch.deleted)
                report.batches += 1
                report.deleted[kind, default: 0] += batch.deleted
                report.stamped += batch.stamped
                if batch.touched < retention.batchSize { break }
            }
        }
        if !report.deleted.values.allSatisfy({ $0 == 0 }) {
            engine.logger.info("retention applied", metadata: [
                "deleted": "\(report.deleted.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: " "))",
                "batches": "\(report.batches)",
            ])
        }
        return report
    }

    /// Gives the places of deactivated approvers on open approval steps to others, in every organization
    /// (``ApprovalDesk/replaceDeactivatedApprovers(in:)``); ``run()`` calls it whenever the directory changed.
    /// Returns how many requests changed.
    @discardableResult
    public func replaceDeactivatedApprovers() async throws(CollabError) -> Int {
        var changed = 0
        for organization in try await engine.store.organizations() where organization.kind == .internal {
            changed += try await engine.approvals.replaceDeactivatedApprovers(in: organization.id)
        }
        return changed
    }

    /// Runs rounds until the calling task is cancelled or its `ServiceGroup` shuts down gracefully, sleeping
    /// on the engine's clock until the next timer or retry is due, or ``pollInterval`` at most: the
    /// `Service` requirement. See ``CollabRunner`` for what a graceful shutdown and a cancellation leave
    /// behind. Storage failures are logged and retried on the next round; it never throws.
    public func run() async {
        await run(pollInterval: pollInterval)
    }

    /// Runs rounds as ``run()`` does, sleeping `pollInterval` at most between rounds. The retention policy is
    /// applied on the first round and then every `RetentionPolicy.interval`.
    public func run(pollInterval: Duration) async {
        let clock = engine.clock
        var retentionDue = clock.now()
        var sweptRevision: Int64?
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await runOnce()
            } catch {
                engine.logger.error("background round failed", metadata: ["error": "\(error)"])
            }
            do {
                // Approvers deactivated since the last look lose their places on open steps.
                let revision = try await engine.store.directoryRevision()
                if revision != sweptRevision {
                    try await replaceDeactivatedApprovers()
                    sweptRevision = revision
                }
            } catch {
                engine.logger.error("replacing deactivated approvers failed", metadata: ["error": "\(error)"])
            }
            if clock.now() >= retentionDue {
                retentionDue = clock.now().addingTimeInterval(retention.interval.timeInterval)
                do {
                    try await applyRetention()
                } catch {
                    engine.logger.error("retention failed", metadata: ["error": "\(error)"])
                }
            }
            var wait = pollInterval.timeInterval
            let nextTimer = try? await engine.store.nextTimerDue()
            let nextDelivery = try? await engine.store.nextDeliveryDue()
            for next in [nextTimer, nextDelivery].compactMap({ $0 }) {
                wait = min(wait, max(0, next.timeIntervalSince(clock.now())))
            }
            if Task.isShuttingDownGracefully { break }
            let sleep = Duration.milliseconds(Int64(wait * 1000) + 1)
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: sleep) } } catch { break }
        }
        engine.logger.debug("background runner stopped", metadata: [
            "reason": "\(Task.isCancelled ? "cancelled" : "graceful shutdown")",
        ])
    }
}
