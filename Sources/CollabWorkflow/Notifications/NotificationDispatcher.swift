import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Tracing

/// Drains the outbox: delivers committed notifications to the host's hooks, at least once each.
///
/// Each call of ``deliverDue()`` leases the notifications that are due, calls every hook that has not
/// yet accepted each one (concurrently, each attempt bounded by ``Configuration/attemptTimeout``), and
/// records each outcome as soon as that notification is done. A failed notification is retried with
/// exponential backoff; after ``RetryPolicy/maximumAttempts`` it is parked with its last error until
/// someone requeues it. A failing, slow or hanging hook delays only its own notifications: the others keep
/// flowing.
///
/// Several dispatchers may drain one outbox (several processes on one database). Each dispatcher has its
/// own ``ownerToken``, written with every lease it takes. Leases last ``Configuration/leaseDuration`` on the
/// store's clock (the database server's, or `SQLiteStore.Configuration.clock`), so dispatchers whose clocks
/// disagree cannot take each other's notifications; the dispatcher's own clock decides only what is due
/// (business time) and when to renew. An attempt starts only with at least ``Configuration/attemptTimeout``
/// plus half of ``Configuration/leaseDuration`` left on its notification's lease, as the dispatcher's clock
/// counts it from the moment it asked for the lease (the lease is renewed first when less is left, and the
/// notification skipped when another dispatcher has taken it over), and its result is
/// recorded only while the notification still holds that very lease on the store's clock. A dispatcher that
/// stalled past its lease therefore cannot overwrite what another did; its result is dropped
/// (``Report/leaseLost``). A delivered, withheld or parked notification never goes back to pending, except a
/// parked one through `OutboxStore.requeueParked(_:now:)`.
///
/// Stopping: a cancelled dispatcher hands back at once what it has not finished (the notification goes back to
/// pending, its attempt not counted, and the hooks that accepted it are recorded); inside a ServiceLifecycle
/// `ServiceGroup`, a graceful shutdown lets the attempts under way finish and be recorded, hands back the claimed
/// notifications not yet tried, and claims no more. Either way nothing is lost: what was not recorded as delivered
/// is delivered by the next dispatcher on the database.
///
/// Run ``run(pollInterval:)`` in the background of a server, or call ``deliverDue()`` yourself.
public struct NotificationDispatcher: Sendable {
    /// How failed deliveries are retried.
    public struct RetryPolicy: Sendable, Hashable {
        /// The delay before the second attempt.
        public var initialDelay: Duration
        /// Each further delay is the previous one times this.
        public var multiplier: Double
        /// The longest delay.
        public var maximumDelay: Duration
        /// A fraction (0...1) by which each delay is spread, so that failures do not retry in lockstep.
        /// The spread is derived from the notification's id, so it is the same in every run.
        public var jitter: Double
        /// After this many failed attempts a notification is parked.
        public var maximumAttempts: Int

        /// Creates a retry policy.
        public init(
            initialDelay: Duration = .seconds(5), multiplier: Double = 2, maximumDelay: Duration = .seconds(3600),
            jitter: Double = 0.1, maximumAttempts: Int = 12
        ) {
            self.initialDelay = initialDelay
            self.multiplier = multiplier
            self.maximumDelay = maximumDelay
            self.jitter = min(max(jitter, 0), 1)
            self.maximumAttempts = max(1, maximumAttempts)
        }

        /// The delay after failed attempt number `attempt` (1-based) of the notification `key`.
        public func delay(afterAttempt attempt: Int, key: String) -> Duration {
            let base = initialDelay.timeInterval * pow(multiplier, Double(max(0, attempt - 1)))
            let capped = min(base, maximumDelay.timeInterval)
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in "\(key)#\(attempt)".utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            let unit = Double(hash % 10_001) / 10_000 * 2 - 1  // -1...1
            let seconds = max(0, capped * (1 + jitter * unit))
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
    }

    /// How a dispatcher is set up.
    public struct Configuration: Sendable {
        /// How failed deliveries are retried.
        public var retry = RetryPolicy()
        /// The longest one hook may take for one notification before the attempt counts as failed.
        public var attemptTimeout: Duration = .seconds(30)
        /// How many notifications are leased at a time.
        public var batchSize = 100
        /// How many notifications are delivered at once.
        public var concurrency = 8
        /// How long a lease protects a notification from other dispatchers, on the store's clock (claims and
        /// renewals ask the store for this duration; the store adds it to its own time). It must be at least
        /// twice ``attemptTimeout``. An attempt starts only with at least ``attemptTimeout`` plus half the
        /// lease left, counted on the dispatcher's clock from when it asked for the lease (the lease is
        /// renewed first otherwise): the hooks' calls end within the attempt timeout, which leaves at least
        /// half the lease for the re-check and the recording. Both durations assume the dispatcher's clock
        /// runs at the store's pace.
        public var leaseDuration: Duration = .seconds(300)
        /// Where the dispatcher logs: a retry at `debug`, a withheld notification at `info`, a parked one
        /// (or a lease lost to another dispatcher) at `warning`.
        public var logger = Logger(label: "collab.notifications")
        /// What decides who may still see what at delivery time: the engine's access control
        /// (``WorkflowEngine/makeDispatcher(hooks:configuration:)`` sets it).
        public var accessControl = AccessControl()
        /// The work-item policy of ``accessControl``.
        public var accessPolicy: AccessPolicy {
            get { accessControl.policy }
            set { accessControl.policy = newValue }
        }
        /// Where the dispatcher reports `collab_deliveries_total`, `collab_notifications_total` and
        /// `collab_outbox_lag_seconds` (``CollabTelemetry``): `nil`, the default, reports to `MetricsSystem`;
        /// ``WorkflowEngine/makeDispatcher(hooks:configuration:)`` sets the engine's when this is `nil`.
        public var metricsFactory: (any MetricsFactory)?
        /// Where the dispatcher's spans start (`nil`: `InstrumentationSystem.tracer`);
        /// ``WorkflowEngine/makeDispatcher(hooks:configuration:)`` sets the engine's when this is `nil`.
        public var tracer: (any Tracer)?
        /// Test-only: skip the delivery-time re-authorization, to prove the isolation tests catch it.
        var skipsDeliveryRecheck = false

        /// Creates a configuration; every value has a default.
        public init() {}
    }

    /// What one ``deliverDue()`` call did.
    public struct Report: Sendable, Hashable {
        /// Notifications accepted by every hook.
        public var delivered = 0
        /// Notifications that failed and will be retried, and those a stopping dispatcher handed back (cancelled,
        /// or shutting down gracefully before it started them), which are due again at once.
        public var retried = 0
        /// Notifications parked after too many failures.
        public var parked = 0
        /// Notifications withheld because the recipient lost access.
        public var suppressed = 0
        /// Notifications whose result was dropped because another dispatcher took them over after this
        /// one's lease ran out (they are not counted above).
        public var leaseLost = 0
        /// Hook calls made.
        public var attempts = 0

        /// Creates an empty report.
        public init() {}
    }

    let store: any CollabStorage
    let hooks: [any NotificationHook]
    let clock: any CollabClock
    let configuration: Configuration
    var telemetry: Telemetry { Telemetry(metricsFactory: configuration.metricsFactory, tracer: configuration.tracer) }
    /// This dispatcher's token, written with every lease it takes: a result is recorded only under the
    /// lease it was attempted under. Copies of a dispatcher share it.
    public let ownerToken: String

    /// Creates a dispatcher.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when two hooks share a name or a name is empty, or when
    ///   ``Configuration/leaseDuration`` is shorter than twice ``Configuration/attemptTimeout``.
    public init(
        store: any CollabStorage, hooks: [any NotificationHook], clock: any CollabClock = SystemClock(),
        configuration: Configuration = Configuration()
    ) throws(CollabError) {
        var report = ValidationReport()
        var names = Set<String>()
        for (index, hook) in hooks.enumerated() {
            if hook.name.isEmpty {
                report.add("hooks[\(index)].name", .empty, "must not be empty")
            } else if !names.insert(hook.name).inserted {
                report.add("hooks[\(index)].name", .duplicate, "'\(hook.name)' is used by another hook")
            }
        }
        if configuration.leaseDuration < configuration.attemptTimeout * 2 {
            report.add("configuration.leaseDuration", .outOfRange,
                "\(configuration.leaseDuration) is shorter than twice the attempt timeout (\(configuration.attemptTimeout))")
        }
        try report.throwIfInvalid()
        self.ownerToken = "dispatcher-\(UUID().uuidString)"
        self.store = store
        self.hooks = hooks
        self.clock = clock
        self.configuration = configuration
    }

    /// Creates a dispatcher whose host rules are `accessExtensions` (they replace those of
    /// `configuration.accessControl`).
    @available(*, deprecated, message: "set configuration.accessControl (AccessControl(policy:rules:)) instead")
    public init(
        store: any CollabStorage, hooks: [any NotificationHook], clock: any CollabClock = SystemClock(),
        configuration: Configuration = Configuration(), accessExtensions: [any AccessRuleExtension]
    ) throws(CollabError) {
        var configuration = configuration
        configuration.accessControl.rules = accessExtensions
        try self.init(store: store, hooks: hooks, clock: clock, configuration: configuration)
    }

    /// Delivers every notification that is due now; returns what happened.
    ///
    /// Storage failures are thrown (the notifications stay in the outbox); hook failures are not: they
    /// are recorded and retried. Inside a ServiceLifecycle `ServiceGroup` shutting down gracefully it claims
    /// nothing more, lets the attempts under way finish, and hands back the claimed notifications it has not
    /// started.
    @discardableResult
    public func deliverDue() async throws(CollabError) -> Report {
        var report = Report()
        var seen = Set<Notice.ID>()
        // A cancelled dispatcher, or one shutting down gracefully, stops between batches: what it claimed but did
        // not try is released.
        let telemetry = self.telemetry
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Asked before the claim: the store's lease starts no earlier, so this deadline errs on the safe side.
            let now = clock.now()
            let batch = try await store.claimDeliveries(
                now: now, limit: configuration.batchSize, lease: configuration.leaseDuration, owner: ownerToken)
            // A notification claimed twice in one call was retried with no delay: stop rather than spin.
            let fresh = batch.filter { seen.insert($0.notification.id).inserted }
            if fresh.isEmpty { break }
            let (outcomes, storageError) = await deliver(fresh, leasedAt: now)
            for outcome in outcomes {
                report.attempts += outcome.calls
                guard outcome.recorded else {
                    report.leaseLost += 1
                    telemetry.count(CollabTelemetry.notificationsTotal, [("outcome", "lease_lost")])
                    continue
                }
                let name: String
                switch outcome.delivery.next {
                case .delivered: report.delivered += 1; name = "delivered"
                case .retry: report.retried += 1; name = outcome.released ? "released" : "retried"
                case .parked: report.parked += 1; name = "parked"
                case .suppressed: report.suppressed += 1; name = "suppressed"
                }
                telemetry.count(CollabTelemetry.notificationsTotal, [("outcome", name)])
            }
            if let storageError { throw storageError }
            if batch.count < configuration.batchSize { break }
        }
        return report
    }

    /// Delivers due notifications until the calling task is cancelled, or its `ServiceGroup` shuts down
    /// gracefully, sleeping `pollInterval` (or until the next retry is due, if sooner) between rounds. Storage
    /// failures are logged and retried.
    public func run(pollInterval: Duration = .seconds(1)) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await deliverDue()
            } catch {
                configuration.logger.error("notification delivery round failed", metadata: ["error": "\(error)"])
            }
            var wait = pollInterval
            if let due = try? await store.nextDeliveryDue() {
                let until = due.timeIntervalSince(clock.now())
                if until < pollInterval.timeInterval { wait = .milliseconds(Int64(max(0, until) * 1000) + 1) }
            }
            let (clock, sleep) = (clock, wait)
            do { try await cancelWhenGracefulShutdown { try await clock.sleep(for: sleep) } } catch { return }
        }
    }

    private struct EntryOutcome: Sendable {
        var delivery: DeliveryOutcome
        var calls: Int
        /// Whether the store took the result (false: the lease was lost to another dispatcher).
        var recorded = true
        /// Whether the notification was handed back by a stopping dispatcher, its attempt not counted.
        var released = false
        /// What to log once the result is recorded.
        var log: (level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata)?
    }

    /// Delivers the entries, leased at `leasedAt` on this dispatcher's clock, at most
    /// ``Configuration/concurrency`` at once, recording each as it finishes. Returns what was done, and the
    /// first storage failure, if any (the other entries still go on).
    private func deliver(_ entries: [OutboxEntry], leasedAt: Date) async -> ([EntryOutcome], CollabError?) {
        await withTaskGroup(of: Result<EntryOutcome?, CollabError>.self) { group in
            var outcomes: [EntryOutcome] = []
            var failure: CollabError?
            var iterator = entries.makeIterator()
            var running = 0
            while running < max(1, configuration.concurrency), let entry = iterator.next() {
                group.addTask { await process(entry, leasedAt: leasedAt) }
                running += 1
            }
            while let result = await group.next() {
                switch result {
                case .success(let outcome?): outcomes.append(outcome)
                case .success(nil): break
                case .failure(let error): failure = failure ?? error
                }
                if let entry = iterator.next() { group.addTask { await process(entry, leasedAt: leasedAt) } }
            }
            return (outcomes, failure)
        }
    }

    /// One entry: makes sure its lease covers the attempt, attempts it, and records the outcome under the
    /// lease. `nil` when another dispatcher took the entry over before the attempt started.
    ///
    /// How long the lease has left is counted on this dispatcher's clock from `leasedAt` (when it asked for
    /// the lease), never by comparing the lease's end, an instant of the store's clock, with this clock.
    private func process(_ entry: OutboxEntry, leasedAt: Date) async -> Result<EntryOutcome?, CollabError> {
        do throws(CollabError) {
            guard var lease = entry.lease else {
                throw CollabError(.storageCorrupt, "notification '\(entry.notification.id)' was handed out without a lease")
            }
            let now = clock.now()
            let leaseLength = configuration.leaseDuration.timeInterval
            let left = leaseLength - now.timeIntervalSince(leasedAt)
            let needed = configuration.attemptTimeout.timeInterval + leaseLength / 2
            if !Task.isCancelled && left < needed {
                guard let renewed = try await store.renewLease(
                    entry.notification.id, lease, for: configuration.leaseDuration)
                else {
                    configuration.logger.warning(
                        "notification skipped: another dispatcher took it over",
                        metadata: ["notification": "\(entry.notification.id)"])
                    return .success(EntryOutcome(
                        delivery: released(entry).delivery, calls: 0, recorded: false, released: true))
                }
                lease = renewed
            }
            var outcome = await deliver(entry)
            outcome.recorded = try await store.recordDelivery(outcome.delivery, lease: lease)
            if outcome.recorded, let log = outcome.log {
                configuration.logger.log(level: log.level, log.message, metadata: log.metadata)
            } else if !outcome.recorded {
                configuration.logger.warning(
                    "notification result dropped: another dispatcher took it over after this one's lease ran out",
                    metadata: ["notification": "\(entry.notification.id)"])
            }
            return .success(outcome)
        } catch {
            return .failure(error)
        }
    }

    /// What the recipient may see of the notification now: `.withheld` when they may not see it at all.
    private enum Recheck {
        case deliver(WorkItem?)
        case withhold(String)
        case failed(String)
    }

    private func recheck(_ notice: Notice) async -> Recheck {
        do {
            guard let subject = try await store.subject(for: notice.recipientID), subject.isActive else {
                return .withhold("the recipient no longer exists or is deactivated")
            }
            guard let itemID = notice.itemID else {
                if !configuration.skipsDeliveryRecheck, let record = notice.record,
                    try await !store.mayStillSee(record, subject, configuration.accessControl)
                {
                    return .withhold("the recipient may no longer see \(record)")
                }
                return .deliver(nil)
            }
            guard let item = try await store.workItem(itemID) else { return .withhold("the item no longer exists") }
            if configuration.skipsDeliveryRecheck { return .deliver(item) }
            guard configuration.accessControl.isAllowed(subject, .viewWorkItem, on: .workItem(item)) else {
                return .withhold("the recipient may no longer see the item")
            }
            return .deliver(configuration.accessControl.redacted(item, for: subject))
        } catch {
            return .failed("re-authorization failed: \(error)")
        }
    }

    /// The notification goes back to the outbox at once, its attempt not counted: the dispatcher was
    /// cancelled before it could finish trying, or is shutting down gracefully and had not started it. The
    /// hooks that accepted it are recorded.
    private func released(_ entry: OutboxEntry, acceptedBy accepted: [String] = [], calls: Int = 0) -> EntryOutcome {
        EntryOutcome(
            delivery: DeliveryOutcome(
                notificationID: entry.notification.id, acceptedBy: accepted, attempts: entry.attempts,
                next: .retry(at: clock.now()),
                error: Task.isCancelled
                    ? "delivery stopped: the dispatcher was cancelled"
                    : "delivery not started: the dispatcher is shutting down"),
            calls: calls, released: true)
    }

    private func deliver(_ entry: OutboxEntry) async -> EntryOutcome {
        if Task.isCancelled || Task.isShuttingDownGracefully { return released(entry) }
        if entry.attempts == 0 {
            // From the commit that wrote it to its first attempt, on the business clock.
            telemetry.record(
                CollabTelemetry.outboxLag, [], seconds: clock.now().timeIntervalSince(entry.notification.createdAt))
        }
        let attempt = entry.attempts + 1
        let item: WorkItem?
        switch await recheck(entry.notification) {
        case .deliver(let visible):
            item = visible
        case .withhold(let reason):
            return EntryOutcome(
                delivery: DeliveryOutcome(
                    notificationID: entry.notification.id, acceptedBy: [], attempts: attempt,
                    next: .suppressed(at: clock.now()), error: reason),
                calls: 0,
                log: (.info, "notification withheld", [
                    "notification": "\(entry.notification.id)", "reason": "\(reason)",
                ]))
        case .failed(let reason):
            // Counts as an attempt: a notification whose re-check keeps failing is parked in the end.
            return failed(entry, attempt: attempt, accepted: [], error: reason, calls: 0)
        }
        let pending = hooks.filter { !entry.deliveredHooks.contains($0.name) }
        let delivery = NoticeDelivery(
            idempotencyKey: entry.notification.id.rawValue, notice: entry.notification, attempt: attempt, item: item)
        let results = await withTaskGroup(of: (String, String?).self) { group in
            for hook in pending {
                group.addTask { (hook.name, await attemptDelivery(delivery, to: hook)) }
            }
            var results: [(String, String?)] = []
            for await result in group { results.append(result) }
            return results
        }
        let accepted = results.filter { $0.1 == nil }.map(\.0).sorted()
        // Cut short by cancellation: not a failure of the hooks, so it does not count towards parking.
        if Task.isCancelled && accepted.count < pending.count {
            return released(entry, acceptedBy: accepted, calls: pending.count)
        }
        let failures = results.compactMap { name, error in error.map { "\(name): \($0)" } }.sorted()
        if failures.isEmpty {
            return EntryOutcome(
                delivery: DeliveryOutcome(
                    notificationID: entry.notification.id, acceptedBy: accepted, attempts: attempt,
                    next: .delivered(at: clock.now()), error: nil),
                calls: pending.count)
        }
        return failed(
            entry, attempt: attempt, accepted: accepted, error: failures.joined(separator: "; "), calls: pending.count)
    }

    /// A failed attempt: retried after the backoff, or parked after the last attempt. Logged (once
    /// recorded) at `debug` for a retry and `warning` for parking.
    private func failed(_ entry: OutboxEntry, attempt: Int, accepted: [String], error: String, calls: Int)
        -> EntryOutcome
    {
        let now = clock.now()
        let error = String(error.prefix(2000))
        let next: DeliveryOutcome.Next
        let log: (level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata)
        if attempt >= configuration.retry.maximumAttempts {
            next = .parked(at: now)
            log = (.warning, "notification parked after repeated failures", [
                "notification": "\(entry.notification.id)", "attempts": "\(attempt)", "error": "\(error)",
            ])
        } else {
            let delay = configuration.retry.delay(afterAttempt: attempt, key: entry.notification.id.rawValue)
            next = .retry(at: now.addingTimeInterval(delay.timeInterval))
            log = (.debug, "notification delivery failed, will retry", [
                "notification": "\(entry.notification.id)", "attempt": "\(attempt)", "error": "\(error)",
            ])
        }
        return EntryOutcome(
            delivery: DeliveryOutcome(
                notificationID: entry.notification.id, acceptedBy: accepted, attempts: attempt, next: next,
                error: error),
            calls: calls, log: log)
    }

    /// Calls one hook, giving up after the attempt timeout even if the hook ignores cancellation:
    /// a hanging hook must not hold the dispatcher. Returns `nil` on success, else the error.
    private func attemptDelivery(_ delivery: NoticeDelivery, to hook: any NotificationHook) async -> String? {
        let timeout = configuration.attemptTimeout
        let clock = clock
        let telemetry = telemetry
        let hookName = hook.name
        @Sendable func count(_ outcome: String) {
            telemetry.count(CollabTelemetry.deliveriesTotal, [("hook", hookName), ("outcome", outcome)])
        }
        let race = DeliveryRace()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                race.begin(continuation)
                race.track(Task {
                    do {
                        try await hook.deliver(delivery)
                        if race.finish(nil) { count("accepted") }
                    } catch {
                        if race.finish(String(describing: error)) { count("failed") }
                    }
                })
                race.track(Task {
                    do {
                        try await clock.sleep(for: timeout)
                        if race.finish("timed out after \(timeout)") { count("timed_out") }
                    } catch {
                        // Cancelled because the hook finished first.
                    }
                })
            }
        } onCancel: {
            if race.finish("cancelled") { count("cancelled") }
        }
    }
}

/// The first of a hook call and its timeout to finish resumes the waiting attempt; the other is cancelled.
private final class DeliveryRace: Sendable {
    private struct State {
        var continuation: CheckedContinuation<String?, Never>?
        var tasks: [Task<Void, Never>] = []
        var outcome: String??
    }

    private let state = Locked(State())

    func begin(_ continuation: CheckedContinuation<String?, Never>) {
        let early: String?? = state.withLock { state in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func track(_ task: Task<Void, Never>) {
        let finished = state.withLock { state in
            if state.outcome != nil { return true }
            state.tasks.append(task)
            return false
        }
        if finished { task.cancel() }
    }

    /// Settles the race with `outcome`; `false` if it was already settled.
    @discardableResult
    func finish(_ outcome: String?) -> Bool {
        let (won, continuation, tasks): (Bool, CheckedContinuation<String?, Never>?, [Task<Void, Never>]) = state.withLock { state in
            guard state.outcome == nil else { return (false, nil, []) }
            state.outcome = .some(outcome)
            defer {
                state.continuation = nil
                state.tasks = []
            }
            return (true, state.continuation, state.tasks)
        }
        continuation?.resume(returning: outcome)
        for task in tasks { task.cancel() }
        return won
    }
}

extension WorkflowEngine {
    /// A dispatcher over this engine's store and clock that re-authorizes deliveries with this engine's
    /// access control (policy and host rules), reporting to the engine's metrics factory and tracer unless
    /// `configuration` names its own.
    public func makeDispatcher(
        hooks: [any NotificationHook],
        configuration: NotificationDispatcher.Configuration = NotificationDispatcher.Configuration()
    ) throws(CollabError) -> NotificationDispatcher {
        var configuration = configuration
        configuration.accessControl = self.configuration.accessControl
        if configuration.metricsFactory == nil { configuration.metricsFactory = self.configuration.metricsFactory }
        if configuration.tracer == nil { configuration.tracer = self.configuration.tracer }
        return try NotificationDispatcher(store: store, hooks: hooks, clock: clock, configuration: configuration)
    }
}
