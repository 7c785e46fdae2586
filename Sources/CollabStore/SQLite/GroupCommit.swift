import CollabModel
import GRDB
import GRDBSQLite

/// Group commit: the writes of one store that wait for its writer's queue share one transaction.
///
/// Under load most of a small command's commit is the sync of the write-ahead log (with
/// ``SQLiteStore/Configuration/Durability/full``, an `fsync` per `COMMIT`). Writes that queued up while
/// another one ran are therefore committed together, each inside a savepoint of its own:
///
/// - a write that fails (a refused command, a constraint, a failed statement) is rolled back to its
///   savepoint and answered with its error, while the others of the group go on;
/// - a failure that ends the whole transaction (SQLite rolls it back on some I/O errors and interrupts)
///   answers the failed write with its error and runs the group's other writes again in a new transaction;
/// - nobody is answered before the shared `COMMIT` returned, so an acknowledged write is as durable as a
///   write committed alone, and a `COMMIT` that fails fails every write of the group, none of which is then
///   in the file.
///
/// The writes of a group run one after the other on the writing connection, in the order they queued, and
/// each sees the ones before it, as if each had committed on its own.
final class GroupCommit: Sendable {
    /// One write waiting in line, and then its outcome.
    final class Pending: @unchecked Sendable {
        enum Outcome {
            case waiting
            case committed(any Sendable)
            case failed(any Error)
        }

        /// Runs the write's body and keeps its value until the group commits.
        private let body: (Database) throws -> any Sendable
        private var value: (any Sendable)?
        /// Written on the writer's queue by the turn that runs this write, before its caller is resumed;
        /// read by the caller after that.
        private(set) var outcome = Outcome.waiting
        /// Resumes the caller, once, when the outcome is known.
        private var caller: CheckedContinuation<Void, Never>?

        init<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) {
            self.body = { db in try body(db) }
        }

        /// Set before the write joins the line.
        func answer(_ continuation: CheckedContinuation<Void, Never>) {
            caller = continuation
        }

        func run(_ db: Database) throws {
            value = try body(db)
        }

        func commit() {
            outcome = value.map { .committed($0) } ?? .failed(CollabError(.storageFailure, "a write committed without a value"))
            resume()
        }

        func fail(_ error: any Error) {
            value = nil
            outcome = .failed(error)
            resume()
        }

        private func resume() {
            value = nil
            let continuation = caller
            caller = nil
            continuation?.resume()
        }
    }

    /// The writes in line, first first, and how many ever joined it (tests wait for writes to be in line).
    private let line = Locked<(waiting: [Pending], joined: Int)>(([], 0))
    /// Transactions and writes committed through the line (tests check that groups form).
    private let counts = Locked<(commits: Int, writes: Int)>((0, 0))

    func enqueue(_ pending: Pending) {
        line.withLock { line in
            line.waiting.append(pending)
            line.joined += 1
        }
    }

    /// How many writes ever joined the line.
    var joinedCount: Int { line.withLock { $0.joined } }

    /// How many group transactions committed, and how many writes they held.
    var statistics: (commits: Int, writes: Int) { counts.withLock { $0 } }

    /// Commits the writes first in line, `limit` at most, in one transaction, and answers each of them.
    /// Runs on the writer's queue, once for every write that joined the line: each turn takes at least one
    /// write while any is waiting, so every write is taken by its own turn or an earlier one, and each is
    /// answered as soon as its group committed.
    func commitNextGroup(_ db: Database, limit: Int) {
        let group: [Pending] = line.withLock { line in
            let taken = Array(line.waiting.prefix(limit))
            line.waiting.removeFirst(taken.count)
            return taken
        }
        if !group.isEmpty { commit(group, db) }
    }

    private static let savepoint = "collab_write"

    /// Runs `group` in one transaction, a savepoint per write, and answers each write.
    private func commit(_ group: [Pending], _ db: Database) {
        var remaining = group[...]
        while !remaining.isEmpty {
            do {
                try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
            } catch {
                SQLiteStore.rollBack(db)
                for pending in remaining { pending.fail(error) }
                return
            }
            var ran: [Pending] = []
            var rerun: ArraySlice<Pending>?
            for (index, pending) in zip(remaining.indices, remaining) {
                do {
                    try db.cachedStatement(sql: "SAVEPOINT \(Self.savepoint)").execute()
                    try pending.run(db)
                    try db.cachedStatement(sql: "RELEASE \(Self.savepoint)").execute()
                    ran.append(pending)
                } catch {
                    pending.fail(error)
                    if !Self.rollBackToSavepoint(db) {
                        // The whole transaction is gone: what ran before this write must run again.
                        rerun = ran[...] + remaining[(index + 1)...]
                        break
                    }
                }
            }
            if let rerun {
                remaining = rerun
                continue
            }
            if ran.isEmpty {
                SQLiteStore.rollBack(db)
                return
            }
            do {
                try db.cachedStatement(sql: "COMMIT").execute()
                for pending in ran { pending.commit() }
                counts.withLock { $0.commits += 1; $0.writes += ran.count }
            } catch {
                SQLiteStore.rollBack(db)
                for pending in ran { pending.fail(error) }
            }
            return
        }
    }

    /// Undoes the failed write's statements; `false` if the transaction itself has ended (SQLite rolled it
    /// back) or cannot be kept, in which case nothing of it remains.
    private static func rollBackToSavepoint(_ db: Database) -> Bool {
        guard let connection = db.sqliteConnection else { return false }
        guard sqlite3_get_autocommit(connection) == 0 else { return false }
        SQLiteStore.resetStatements(connection)
        let undone = sqlite3_exec(connection, "ROLLBACK TO \(savepoint)", nil, nil, nil) == SQLITE_OK
            && sqlite3_exec(connection, "RELEASE \(savepoint)", nil, nil, nil) == SQLITE_OK
        if !undone { SQLiteStore.rollBack(db) }
        return undone
    }
}
