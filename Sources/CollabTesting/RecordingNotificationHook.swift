import CollabModel
import CollabWorkflow

/// A notification hook that records every delivery, and can be told to fail.
///
/// ```swift
/// let hook = RecordingNotificationHook(failures: 2)   // fails twice, then accepts
/// ```
public final class RecordingNotificationHook: NotificationHook {
    public let name: String
    private struct State {
        var deliveries: [NoticeDelivery] = []
        var attempts: [NoticeDelivery] = []
        var remainingFailures: Int
    }
    private let state: Locked<State>

    /// Creates a hook named `name` that fails its first `failures` calls.
    public init(name: String = "recording", failures: Int = 0) {
        self.name = name
        self.state = Locked(State(remainingFailures: failures))
    }

    /// The error a failing call throws.
    public struct InjectedFailure: Error, CustomStringConvertible {
        public var description: String { "injected failure" }
    }

    public func deliver(_ delivery: NoticeDelivery) async throws {
        try state.withLock { state in
            state.attempts.append(delivery)
            if state.remainingFailures > 0 {
                state.remainingFailures -= 1
                throw InjectedFailure()
            }
            state.deliveries.append(delivery)
        }
    }

    /// The deliveries accepted, in order.
    public var deliveries: [NoticeDelivery] { state.withLock { $0.deliveries } }

    /// Every call, failed or not, in order.
    public var attempts: [NoticeDelivery] { state.withLock { $0.attempts } }

    /// Makes the next `count` calls fail.
    public func failNext(_ count: Int) { state.withLock { $0.remainingFailures = count } }
}
