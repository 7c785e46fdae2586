import CollabModel
import CollabWorkflow

/// A notification hook that records every delivery, and can be told to fail.
///
/// ```swift
/// let hook = RecordingNotificationHook(failures: 2)   // fails twice, then accepts
/// let flaky = RecordingNotificationHook(failureRate: 0.3, seed: 42)   // fails 30% of calls, the same ones every run
/// let picky = RecordingNotificationHook { call, delivery in delivery.attempt == 1 }   // fails every first attempt
/// ```
///
/// A call fails while failures set by ``init(name:failures:)`` or ``failNext(_:)`` remain; otherwise the
/// failure pattern, if any, decides.
public final class RecordingNotificationHook: NotificationHook {
    public let name: String
    private struct State {
        var deliveries: [NoticeDelivery] = []
        var attempts: [NoticeDelivery] = []
        var remainingFailures: Int
    }
    private let state: Locked<State>
    private let pattern: (@Sendable (_ call: Int, _ delivery: NoticeDelivery) -> Bool)?

    /// Creates a hook named `name` that fails its first `failures` calls.
    public init(name: String = "recording", failures: Int = 0) {
        self.name = name
        self.state = Locked(State(remainingFailures: failures))
        self.pattern = nil
    }

    /// Creates a hook named `name` that fails the calls `fails` picks: it gets the call's number (from 1, in
    /// the order calls arrive) and the delivery.
    public init(name: String = "recording", failWhen fails: @escaping @Sendable (_ call: Int, _ delivery: NoticeDelivery) -> Bool) {
        self.name = name
        self.state = Locked(State(remainingFailures: 0))
        self.pattern = fails
    }

    /// Creates a hook named `name` that fails a fraction `failureRate` (0...1) of calls, picked from `seed`,
    /// the notification and the attempt: the same calls fail in every run of a seed, in whatever order
    /// concurrent calls arrive.
    public convenience init(name: String = "recording", failureRate: Double, seed: UInt64) {
        let rate = min(max(failureRate, 0), 1)
        self.init(name: name) { _, delivery in
            var hash = seed ^ 0xcbf2_9ce4_8422_2325
            for byte in "\(delivery.idempotencyKey)#\(delivery.attempt)".utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            var generator = SeededRandomNumberGenerator(seed: hash)
            return Double(generator.next() >> 11) / Double(UInt64(1) << 53) < rate
        }
    }

    /// The error a failing call throws.
    public struct InjectedFailure: Error, CustomStringConvertible {
        public var description: String { "injected failure" }
    }

    public func deliver(_ delivery: NoticeDelivery) async throws {
        let pattern = pattern
        try state.withLock { state in
            state.attempts.append(delivery)
            if state.remainingFailures > 0 {
                state.remainingFailures -= 1
                throw InjectedFailure()
            }
            if let pattern, pattern(state.attempts.count, delivery) { throw InjectedFailure() }
            state.deliveries.append(delivery)
        }
    }

    /// The deliveries accepted, in order.
    public var deliveries: [NoticeDelivery] { state.withLock { $0.deliveries } }

    /// Every call, failed or not, in order.
    public var attempts: [NoticeDelivery] { state.withLock { $0.attempts } }

    /// Makes the next `count` calls fail (before the failure pattern is asked).
    public func failNext(_ count: Int) { state.withLock { $0.remainingFailures = count } }
}
