import CollabModel
import CollabStore
import Foundation
import Logging

/// The background work of a Collab host: fires due timers and delivers notifications, until cancelled.
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

    /// Creates a runner over `engine` delivering to `hooks`.
    public init(
        engine: WorkflowEngine, hooks: [any NotificationHook],
        dispatcher configuration: NotificationDispatcher.Configuration = NotificationDispatcher.Configuration()
    ) throws(CollabError) {
        self.engine = engine
        self.dispatcher = try engine.makeDispatcher(hooks: hooks, configuration: configuration)
    }

    /// One round: fires the due timers, then delivers the due notifications (including those the timers
    /// just caused).
    @discardableResult
    public func runOnce() async throws(CollabError) -> (timers: [FiredTimer], deliveries: NotificationDispatcher.Report) {
        let fired = try await engine.fireDueTimers()
        let report = try await dispatcher.deliverDue()
        return (fired, report)
    }

    /// Runs rounds until the calling task is cancelled, sleeping on the engine's clock until the next
    /// timer or retry is due, or `pollInterval` at most (other processes may add work meanwhile).
    public func run(pollInterval: Duration = .seconds(1)) async {
        let clock = engine.clock
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                engine.logger.error("background round failed", metadata: ["error": "\(error)"])
            }
            var wait = pollInterval.timeInterval
            let nextTimer = try? await engine.store.nextTimerDue()
            let nextDelivery = try? await engine.store.nextDeliveryDue()
            let nextRecordTimer = try? await engine.store.nextRecordTimerDue()
            for next in [nextTimer, nextDelivery, nextRecordTimer].compactMap({ $0 }) {
                wait = min(wait, max(0, next.timeIntervalSince(clock.now())))
            }
            do { try await clock.sleep(for: .milliseconds(Int64(wait * 1000) + 1)) } catch { return }
        }
    }
}
