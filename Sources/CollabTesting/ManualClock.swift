import CollabModel
import Foundation

/// A clock that moves only when a test moves it.
///
/// `sleep(for:)` suspends until ``advance(by:)`` or ``advance(to:)`` moves the clock past the wake-up
/// time; sleepers wake in order of their wake-up times.
///
/// ```swift
/// let clock = ManualClock(now: Date(timeIntervalSince1970: 1_790_000_000))
/// clock.advance(by: .seconds(60))
/// ```
public final class ManualClock: CollabClock {
    private struct Sleeper {
        let id: UInt64
        let wakeAt: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
    }

    private let state: Locked<State>

    /// Creates a clock showing `now` (by default 2026-01-01T00:00:00Z).
    public init(now: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        state = Locked(State(now: now))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// The number of tasks sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(for duration: Duration) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    let wakeAt = state.now.addingTimeInterval(duration.timeInterval)
                    if wakeAt <= state.now || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, wakeAt: wakeAt, continuation: continuation))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward by `duration`, waking every sleeper whose time has come.
    public func advance(by duration: Duration) {
        let target = now().addingTimeInterval(duration.timeInterval)
        advance(to: target)
    }

    /// Moves the clock to `date` (never backwards), waking every sleeper whose time has come, earliest first.
    public func advance(to date: Date) {
        let due = state.withLock { state -> [Sleeper] in
            if date > state.now { state.now = date }
            let due = state.sleepers.filter { $0.wakeAt <= state.now }.sorted { ($0.wakeAt, $0.id) < ($1.wakeAt, $1.id) }
            state.sleepers.removeAll { $0.wakeAt <= state.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
