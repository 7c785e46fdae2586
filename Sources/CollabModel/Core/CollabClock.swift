import Foundation

/// The source of "now" for everything Collab does.
///
/// Collab never calls `Date()` itself: deadlines, audit times, notification retries and timers all read
/// the clock they were given. Production code uses ``SystemClock``; tests use a manual clock they advance
/// (`ManualClock` in the `CollabTesting` product).
public protocol CollabClock: Sendable {
    /// The current instant.
    func now() -> Date

    /// Suspends for `duration` of this clock's time.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled while waiting.
    func sleep(for duration: Duration) async throws
}

/// The wall clock of the machine.
public struct SystemClock: CollabClock {
    /// Creates the system clock.
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(for duration: Duration) async throws {
        try await ContinuousClock().sleep(for: duration)
    }
}

extension Duration {
    /// The duration as a `TimeInterval` (seconds).
    public var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
