import CollabModel
import GRDB
import GRDBSQLite

/// Deliberate storage faults, for tests that prove every storage failure reaches the caller as a typed
/// error and leaves the data as it was.
///
/// Armed with ``interrupt(afterSteps:)``, it makes SQLite interrupt whatever statement is running on any of
/// the store's connections after that many progress callbacks (one every ``period`` virtual-machine
/// instructions), once. Statements SQLite runs inside another (FTS5's own reads of its tables, logged with a
/// `--` prefix) are never interrupted: FTS5 absorbs an interruption of its `PRAGMA data_version` and goes
/// on, so the fault would vanish instead of reaching the store. Nor is `COMMIT`: SQLite checks for an
/// interruption after the commit itself has reached the log, so an interrupted `COMMIT` can report
/// `SQLITE_INTERRUPT` for a change that is durable — the store never interrupts a statement itself (the
/// injector models a failure of the work, not of SQLite's own commit). The count resumes with the next
/// statement the store itself runs.
final class StorageFaults: Sendable {
    /// SQLite virtual-machine instructions between two progress callbacks.
    let period: Int32
    /// Callbacks left before the interruption (-1: disarmed), and interruptions so far.
    private let state = Locked((countdown: -1, fired: 0))

    init(period: Int32 = 20) {
        self.period = max(1, period)
    }

    /// Interrupts the statement running at the `steps`-th progress callback from now.
    func interrupt(afterSteps steps: Int) {
        state.withLock { $0.countdown = max(1, steps) }
    }

    /// Injects nothing more.
    func disarm() {
        state.withLock { $0.countdown = -1 }
    }

    /// How many interruptions were injected so far.
    var fired: Int { state.withLock { $0.fired } }

    /// Whether the statement running is one SQLite runs inside another.
    private let nested = Locked(false)

    /// Counts one progress callback; `true` when it is the one to interrupt.
    fileprivate func tick() -> Bool {
        if nested.withLock({ $0 }) { return false }
        return state.withLock { state in
            guard state.countdown > 0 else { return false }
            state.countdown -= 1
            guard state.countdown == 0 else { return false }
            state.countdown = -1
            state.fired += 1
            return true
        }
    }

    /// Installs the progress handler on a connection of the store.
    func install(on db: Database) {
        let callback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { context in
            guard let context else { return 0 }
            return Unmanaged<StorageFaults>.fromOpaque(context).takeUnretainedValue().tick() ? 1 : 0
        }
        sqlite3_progress_handler(db.sqliteConnection, period, callback, Unmanaged.passUnretained(self).toOpaque())
        db.trace(options: .statement) { [self] event in
            if case .statement(let statement) = event { nested.withLock { $0 = statement.sql.hasPrefix("--") || statement.sql.hasPrefix("COMMIT") } }
        }
    }
}
