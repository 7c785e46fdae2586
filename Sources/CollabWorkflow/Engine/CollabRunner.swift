import CollabModel
import CollabStore
import Foundation
import Logging

/// The background work of a Collab host: fires due timers, delivers notifications and applies the
/// retention policy, until cancelled.
///
/// Start it once per process (several processes may run one on the same database: each timer still
/// fires exactly once, and notification leases keep dispatchers apart).
///
/// ```swift
/// let runner = try CollabRunner(engine: engine, hooks: [MailHook()])
/// let background = Task { await runner.run() }
/// // ... on shutdown:
/// background.cancel()
/// ```
public struct CollabRunner: Sendable {
    let engine: WorkflowEngine
    let dispatcher: NotificationDispatcher
    /// What the runner deletes, and how often.
    public let retention: RetentionPolicy

    /// Creates a runner over `engine` delivering to `hooks`, deleting what `retention` no longer keeps.
    public init(
        engine: WorkflowEngine, hooks: [any NotificationHook],
        dispatcher configuration: NotificationDispatcher.Configuration = NotificationDispatcher.Configuration(),
        retention: RetentionPolicy = RetentionPolicy()
    ) throws(CollabError) {
        self.engine = engine
        self.dispatcher = try engine.makeDispatcher(hooks: hooks, configuration: configuration)
        self.retention = retention
    }

    /// One round: fires the due timers, then delivers the due notifications (including those the timers
    /// just caused).
    @discardableResult
    public func runOnce() async throws(CollabError) -> (timers: [FiredTimer], deliveries: NotificationDispatcher.Report) {
        let fired = try await engine.timers.fireDue()
        let report = try await dispatcher.deliverDue()
        return (fired, report)
    }

    /// What one ``applyRetention()`` deleted.
    public struct RetentionReport: Sendable, Hashable {
        /// Rows deleted, by kind.
        public var deleted: [RetainedRecords: Int] = [:]
        /// Idempotency keys recorded without a time that were given the current one.
        public var stamped = 0
        /// Transactions run (each touches at most ``RetentionPolicy/batchSize`` rows).
        public var batches = 0

        /// Creates an empty report.
        public init() {}
    }

    /// Deletes what the retention policy no longer keeps, as of the engine's clock: batch after batch of at
    /// most ``RetentionPolicy/batchSize`` rows, each its own transaction, until nothing more is due or the
    /// calling task is cancelled. Audit events, unread, pending and parked notifications are never deleted.
    @discardableResult
    public func applyRetention() async throws(CollabError) -> RetentionReport {
        var report = RetentionReport()
        let now = engine.clock.now()
        let ages: [(RetainedRecords, Duration?)] = [
            (.idempotencyKeys, retention.idempotencyKeys), (.hookDeliveries, retention.hookDeliveries),
            (.readNotices, retention.readNotices),
        ]
        for (kind, age) in ages {
            guard let age else { continue }
            let cutoff = now.addingTimeInterval(-age.timeInterval)
            while !Task.isCancelled {
                let batch = try await engine.store.deleteExpired(
                    kind, before: cutoff, now: now, limit: retention.batchSize)
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

    /// Runs rounds until the calling task is cancelled, sleeping on the engine's clock until the next
    /// timer or retry is due, or `pollInterval` at most (other processes may add work meanwhile). The
    /// retention policy is applied on the first round and then every ``RetentionPolicy/interval``.
    public func run(pollInterval: Duration = .seconds(1)) async {
        let clock = engine.clock
        var retentionDue = clock.now()
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                engine.logger.error("background round failed", metadata: ["error": "\(error)"])
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
            do { try await clock.sleep(for: .milliseconds(Int64(wait * 1000) + 1)) } catch { return }
        }
    }
}
