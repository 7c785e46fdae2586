import GRDB
import GRDBSQLite
import Synchronization

/// Deliberate storage faults, for tests that prove every storage failure reaches the caller as a typed
/// error and leaves the data as it was.
///
/// Armed with ``interrupt(afterSteps:)``, it makes SQLite interrupt whatever statement is running on any of
/// the store's connections after that many progress callbacks (one every ``period`` virtual-machine
/// instructions), once.
final class StorageFaults: Sendable {
    /// SQLite virtual-machine instructions between two progress callbacks.
    let period: Int32
    private let countdown = Atomic<Int>(-1)
    private let firedCount = Atomic<Int>(0)

    init(period: Int32 = 20) {
        self.period = max(1, period)
    }

    /// Interrupts the statement running at the `steps`-th progress callback from now.
    func interrupt(afterSteps steps: Int) {
        countdown.store(max(1, steps), ordering: .sequentiallyConsistent)
    }

    /// Injects nothing more.
    func disarm() {
        countdown.store(-1, ordering: .sequentiallyConsistent)
    }

    /// How many interruptions were injected so far.
    var fired: Int { firedCount.load(ordering: .sequentiallyConsistent) }

    /// Counts one progress callback; `true` when it is the one to interrupt.
    fileprivate func tick() -> Bool {
        while true {
            let current = countdown.load(ordering: .sequentiallyConsistent)
            guard current > 0 else { return false }
            let next = current == 1 ? -1 : current - 1
            if countdown.compareExchange(expected: current, desired: next, ordering: .sequentiallyConsistent).exchanged {
                if current == 1 { firedCount.add(1, ordering: .sequentiallyConsistent) }
                return current == 1
            }
        }
    }

    /// Installs the progress handler on a connection of the store.
    func install(on db: Database) {
        let callback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { context in
            guard let context else { return 0 }
            return Unmanaged<StorageFaults>.fromOpaque(context).takeUnretainedValue().tick() ? 1 : 0
        }
        sqlite3_progress_handler(db.sqliteConnection, period, callback, Unmanaged.passUnretained(self).toOpaque())
    }
}
