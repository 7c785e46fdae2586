import CollabModel
import Foundation
import GRDB
import GRDBSQLite
import Logging

/// The default store: an embedded SQLite database in a file (WAL mode) or in memory.
///
/// A committed command survives a power loss by default (``SQLiteStore/Configuration/Durability/full``).
/// The schema is created and migrated when the store opens.
///
/// ```swift
/// let store = try SQLiteStore(path: "collab.sqlite")
/// let engine = WorkflowEngine(store: store)
/// ```
public final class SQLiteStore: CollabStorage {
    /// How an ``SQLiteStore`` is set up.
    public struct Configuration: Sendable {
        /// What a committed command survives.
        public enum Durability: String, Sendable, Hashable, CaseIterable {
            /// `synchronous=FULL`: a committed command survives a power loss. The default.
            case full
            /// `synchronous=NORMAL`: a committed command survives a process crash, but the last commits
            /// may be lost on a power loss or an operating system crash. Roughly twice as fast to commit.
            case normal
        }

        /// What a committed command survives; ``Durability/full`` by default.
        public var durability: Durability = .full
        /// How long a write waits for another process's lock before the store retries, then fails with
        /// `CollabError.Code.storageUnavailable`.
        public var busyTimeout: Duration = .seconds(5)
        /// How many times a write that found the database busy is retried after ``busyTimeout``.
        public var busyRetries = 3
        /// The most concurrent readers of a file database.
        public var maximumReaderCount = 4
        /// How much of the file the writing connection keeps in memory (SQLite's page cache), 64 MiB by
        /// default; it is filled only as the file grows. A command writes into a dozen indexes at random
        /// places: with SQLite's default of 2 MiB, at a hundred thousand items and beyond, most of those
        /// pages are read back from the operating system for every command. Each reading connection keeps
        /// SQLite's default of 2 MiB.
        public var writerPageCacheBytes = 64 << 20
        /// How many writes waiting for the writer may share one transaction (group commit). Each keeps its
        /// own savepoint, so it commits or fails on its own, and each caller is answered only after the
        /// shared `COMMIT`: one sync of the file then serves them all. `1` gives every write its own
        /// transaction. 64 by default.
        public var maximumWritesPerCommit = 64
        /// How many search index entries a commit leaves stale before one commit brings them all up to date,
        /// 256 by default. A commit records only which entries it made stale (a work item, a document…);
        /// the commit that finds this many waiting re-derives them from the stored records in one batch,
        /// which shares the index's pages (its text index above all) and writes a fraction of what each
        /// command writing its own rows would. Every search first brings the index up to date when
        /// anything waits, so a search finds every change committed before it began. `1` updates the
        /// index in every commit that changes it; a larger batch lowers the pages per command and makes
        /// one command in a batch (and a search after many commits) pay for the batch.
        public var searchIndexBatchSize = 256
        /// After how many WAL pages SQLite checkpoints automatically (`nil`: SQLite's default, 1000).
        /// `0` turns automatic checkpoints off; the host then checkpoints with ``checkpoint()``.
        public var walAutocheckpointPages: Int?
        /// Where the store logs (migrations, retried busy conditions).
        public var logger = Logger(label: "collab.store")
        /// The store's clock: it decides when timer claims (``TimerStore``) and delivery leases
        /// (``OutboxStore``) end and run out, for every process on the file. The system clock by default; a
        /// test on virtual time passes its clock here too.
        public var clock: any CollabClock = SystemClock()

        /// Where every search starts (tests compare both starts on one index); `nil`, the default: chosen per
        /// search, from the smaller side.
        package var searchStart: SearchStart?
        /// Receives the text of every statement the store runs (tests check their query plans).
        var statementObserver: (@Sendable (String) -> Void)?
        /// Deliberate isolation faults, for tests that prove the isolation tests can fail.
        var isolationFaults: IsolationFaults = []
        /// Deliberate storage faults (interrupted statements), for tests of typed, all-or-nothing failures.
        var storageFaults: StorageFaults?

        /// Creates a configuration; every value has a default.
        public init() {}
    }

    let writer: any DatabaseWriter
    let configuration: Configuration
    /// Which writes may run on the calling thread.
    let writeGate = WriteGate()
    /// Writes waiting for the writer's queue, committed together.
    let groupCommit = GroupCommit()
    var logger: Logger { configuration.logger }

    /// Opens (creating if needed) the database file at `path` and migrates its schema.
    ///
    /// - Throws: `CollabError.Code.storageUnavailable` when the file cannot be opened,
    ///   `CollabError.Code.storageCorrupt` when it is not a database.
    public init(path: String, configuration: Configuration = Configuration()) throws(CollabError) {
        self.configuration = configuration
        do {
            var config = Self.grdbConfiguration(configuration)
            config.maximumReaderCount = max(1, configuration.maximumReaderCount)
            let pool = try DatabasePool(path: path, configuration: config)
            // DatabasePool sets synchronous=NORMAL on its writer when it enables WAL; set ours after.
            try pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "PRAGMA synchronous = \(configuration.durability == .full ? "FULL" : "NORMAL")").execute()
                // A negative cache_size is in KiB.
                try db.cachedStatement(sql: "PRAGMA cache_size = -\(max(64, configuration.writerPageCacheBytes / 1024))").execute()
                if let pages = configuration.walAutocheckpointPages {
                    try db.cachedStatement(sql: "PRAGMA wal_autocheckpoint = \(max(0, pages))").execute()
                }
            }
            self.writer = pool
            try Self.migrator.migrate(pool)
        } catch {
            throw Self.map(error, logger: configuration.logger)
        }
        logger.debug("opened SQLite store", metadata: ["path": "\(path)"])
    }

    /// Opens a private in-memory database, gone when the store is released. For tests and previews.
    public init(inMemoryWith configuration: Configuration = Configuration()) throws(CollabError) {
        self.configuration = configuration
        do {
            let queue = try DatabaseQueue(configuration: Self.grdbConfiguration(configuration))
            self.writer = queue
            try Self.migrator.migrate(queue)
        } catch {
            throw Self.map(error, logger: configuration.logger)
        }
    }

    private static func grdbConfiguration(_ configuration: Configuration) -> GRDB.Configuration {
        var config = GRDB.Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(configuration.busyTimeout.timeInterval)
        config.label = "collab"
        if let observer = configuration.statementObserver {
            config.prepareDatabase { db in
                db.trace { event in
                    if case .statement(let statement) = event { observer(statement.sql) }
                }
            }
        }
        if let faults = configuration.storageFaults {
            config.prepareDatabase { db in faults.install(on: db) }
        }
        return config
    }

    /// How many transactions the writes that waited for the writer's queue shared, and how many writes
    /// they held (tests check that concurrent writes commit in groups).
    package var groupCommitStatistics: (commits: Int, writes: Int) { groupCommit.statistics }

    /// The `synchronous` setting in force on the writing connection (`FULL` = 2, `NORMAL` = 1).
    public func effectiveSynchronousLevel() async throws(CollabError) -> Int {
        try await write { db in try Int.fetchOne(db.cachedStatement(sql: "PRAGMA synchronous")) ?? -1 }
    }

    /// Copies the WAL's committed pages into the database file and truncates the WAL.
    public func checkpoint() async throws(CollabError) {
        do {
            try await writer.writeWithoutTransaction { db in
                _ = try Row.fetchAll(db.cachedStatement(sql: "PRAGMA wal_checkpoint(TRUNCATE)"))
            }
        } catch {
            throw Self.map(error, logger: logger)
        }
    }

    // MARK: Running statements

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE), retrying when the database is busy.
    ///
    /// When no other write of this store is running or waiting, the transaction runs on the calling thread
    /// and takes the write lock only if it is free at once: hopping onto the writer's queue and back costs
    /// more than a small transaction's statements. If the lock is held (another process is writing) or
    /// another write of this store is under way, the write joins the writes waiting for the writer's queue,
    /// where waiting for the lock (up to ``Configuration/busyTimeout``) blocks no thread of Swift's
    /// cooperative pool. The writes waiting there commit together (``GroupCommit``): one transaction, a
    /// savepoint each, so that a write that fails rolls back alone, and every caller returns only after the
    /// shared `COMMIT`.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(CollabError) -> T {
        if writeGate.enterDirect() {
            let outcome: DirectWrite<T>
            do {
                outcome = try Self.writeDirectly(writer, busyTimeout: configuration.busyTimeout, body)
                writeGate.leaveDirect()
            } catch {
                writeGate.leaveDirect()
                throw Self.map(error, logger: logger)
            }
            if case .done(let value) = outcome { return value }
        }
        if Task.isCancelled { throw Self.map(CancellationError(), logger: logger) }
        writeGate.enterQueued()
        defer { writeGate.leaveQueued() }
        var attempt = 0
        while true {
            let pending = GroupCommit.Pending(body)
            // Every write that joins the line asks the writer's queue for one turn; a turn commits the
            // writes first in line (`maximumWritesPerCommit` at most) and answers them. The wait is not
            // cancellable: once in line, a write is answered.
            let limit = max(1, configuration.maximumWritesPerCommit)
            await withCheckedContinuation { (answered: CheckedContinuation<Void, Never>) in
                pending.answer(answered)
                groupCommit.enqueue(pending)
                writer.asyncWriteWithoutTransaction { [groupCommit] db in groupCommit.commitNextGroup(db, limit: limit) }
            }
            switch pending.outcome {
            case .committed(let value as T):
                return value
            case .committed:
                throw CollabError(.storageFailure, "a write committed, but its result had an unexpected type (a defect in the store)")
            case .failed(let error as DatabaseError)
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED)
                && attempt < configuration.busyRetries:
                attempt += 1
                logger.notice("database busy, retrying write", metadata: ["attempt": "\(attempt)"])
            case .failed(let error):
                throw Self.map(error, logger: logger)
            case .waiting:
                // Cannot happen: a write is answered only with its outcome. Fail typed rather than trap.
                throw CollabError(.storageFailure, "a write was answered without an outcome; nothing was written")
            }
        }
    }

    /// The outcome of a write tried on the calling thread.
    private enum DirectWrite<T> {
        case done(T)
        /// Another connection holds the write lock: nothing ran.
        case lockHeld
    }

    /// Runs `body` in a write transaction on the calling thread if the write lock can be taken without
    /// waiting. The busy timeout is off only while taking the lock.
    private static func writeDirectly<T>(
        _ writer: any DatabaseWriter, busyTimeout: Duration, _ body: (Database) throws -> T
    ) throws -> DirectWrite<T> {
        try writer.writeWithoutTransaction { db in
            let connection = db.sqliteConnection
            sqlite3_busy_timeout(connection, 0)
            let began = Result { try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute() }
            sqlite3_busy_timeout(connection, Int32(clamping: busyTimeout.components.seconds * 1000
                + busyTimeout.components.attoseconds / 1_000_000_000_000_000))
            if case .failure(let error as DatabaseError) = began,
                error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
            {
                rollBack(db)
                return .lockHeld
            }
            return .done(try committing(db) { try began.get(); return try body(db) })
        }
    }

    /// Runs `body` in a read transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(CollabError) -> T {
        var attempt = 0
        while true {
            do {
                return try Self.readNow(writer, body)
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED)
                && attempt < configuration.busyRetries
            {
                attempt += 1
            } catch {
                throw Self.map(error, logger: logger)
            }
        }
    }

    /// Runs a short read on the writing connection when no write of this store runs or waits, else in a
    /// read transaction. The writing connection's page cache stays valid across this store's own commits,
    /// while a reading connection finds its cache dropped after every commit and reads its pages again:
    /// for a point read right after a write (a command reading the item it is about to change) that is
    /// most of the read's cost. Only for reads of a few rows, which never keep a write waiting long.
    func readRecent<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(CollabError) -> T {
        guard writeGate.enterDirect() else { return try await read(body) }
        defer { writeGate.leaveDirect() }
        do {
            return try Self.readOnWriter(writer, body)
        } catch {
            throw Self.map(error, logger: logger)
        }
    }

    /// One read transaction on the writing connection, so that a read of several statements sees one
    /// snapshot even while another process writes.
    private static func readOnWriter<T>(_ writer: any DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            try committing(db) {
                try db.cachedStatement(sql: "BEGIN DEFERRED").execute()
                return try body(db)
            }
        }
    }

    /// Runs `body`, which opens a transaction, then commits it; if any step fails (the `BEGIN` included,
    /// which may open the transaction before it is interrupted), rolls back what is open.
    private static func committing<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        do {
            let value = try body()
            try db.cachedStatement(sql: "COMMIT").execute()
            return value
        } catch {
            rollBack(db)
            throw error
        }
    }

    /// Ends the transaction a failed statement left open, if any. An interrupted statement that was not
    /// reset yet would interrupt the `ROLLBACK` too, so every statement of the connection is reset first.
    static func rollBack(_ db: Database) {
        guard db.isInsideTransaction, let connection = db.sqliteConnection else { return }
        resetStatements(connection)
        _ = sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
    }

    /// Resets every statement of the connection, so that an interrupted one does not interrupt what follows.
    static func resetStatements(_ connection: OpaquePointer) {
        var statement = sqlite3_next_stmt(connection, nil)
        while let current = statement {
            sqlite3_reset(current)
            statement = sqlite3_next_stmt(connection, current)
        }
    }

    /// Reads on the calling thread. A WAL reader never waits for a lock, so this is a short, CPU-bound
    /// call; hopping to a dispatch queue and back would cost more than the query itself.
    private static func readNow<T>(_ writer: any DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
        try writer.read(body)
    }

    /// Turns any error thrown under the store into a `CollabError`: callers never see a raw SQLite error.
    static func map(_ error: any Error, logger: Logger) -> CollabError {
        if let error = error as? CollabError { return error }
        if error is CancellationError {
            return CollabError(.storageInterrupted, "the operation was cancelled before it committed")
        }
        guard let error = error as? DatabaseError else {
            logger.error("unexpected storage error", metadata: ["error": "\(error)"])
            return CollabError(.storageFailure, "storage failed: \(error)")
        }
        let detail = "SQLite error \(error.extendedResultCode.rawValue)"
        switch error.resultCode {
        case .SQLITE_FULL:
            return CollabError(.storageFull, "the database or its disk is full (\(detail)); nothing was written")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return CollabError(.storageUnavailable, "the database stayed locked by another writer (\(detail))")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return CollabError(.storageUnavailable, "the database cannot be opened or written (\(detail))")
        case .SQLITE_INTERRUPT:
            return CollabError(.storageInterrupted, "the operation was interrupted (\(detail)); nothing was written")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return CollabError(.storageCorrupt, "the database file is damaged or not a Collab database (\(detail))")
        case .SQLITE_CONSTRAINT:
            return CollabError(.alreadyExists, "a value with the same identity already exists (\(detail))")
        default:
            logger.error("storage error", metadata: ["code": "\(error.extendedResultCode.rawValue)"])
            return CollabError(.storageFailure, "storage failed (\(detail)); nothing was written")
        }
    }
}

// MARK: Value conversions shared by the stores' files

// `package`: PostgresStore stores the same values in the same forms, so both stores decode them alike.

extension Date {
    /// Milliseconds since 1970, as stored. Validation keeps instants within the years 1 to 9999; beyond
    /// that the value saturates rather than trap.
    package var storedMilliseconds: Int64 { millisecondsSince1970 }

    package init(storedMilliseconds value: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(value) / 1000)
    }
}

extension Duration {
    /// A lease's length in whole milliseconds, as stores add it to their clock: rounded, at least 1 ms (a
    /// zero or negative lease would be born expired), and saturating far beyond any real lease rather than
    /// trap.
    package var leaseMilliseconds: Int64 {
        let parts = components
        let (whole, overflow) = parts.seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return parts.seconds > 0 ? Int64.max / 4 : 1 }
        let rounded = whole.addingReportingOverflow((parts.attoseconds + 500_000_000_000_000) / 1_000_000_000_000_000)
        if rounded.overflow { return Int64.max / 4 }
        return min(max(1, rounded.partialValue), Int64.max / 4)
    }
}

/// Lists of identifiers and tags are stored as text joined by U+001F (validation keeps control
/// characters out of both).
package enum StoredList {
    package static let separator: Character = "\u{1F}"

    package static func encode<S: Sequence>(_ values: S) -> String where S.Element == String {
        values.joined(separator: String(separator))
    }

    package static func decode(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        // Split the UTF-8 bytes (the separator is one ASCII byte): splitting by Character walks grapheme
        // clusters, which made list decoding a quarter of a page's time.
        return text.utf8.split(separator: 0x1F, omittingEmptySubsequences: false).map { String(Substring($0)) }
    }

    package static func ids<E>(_ text: String?) -> [Identifier<E>] { decode(text).map(Identifier<E>.init(rawValue:)) }
}

package enum StoredJSON {
    package static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    package static func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
        guard let text, !text.isEmpty else { return nil }
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

extension StoredJSON {
    /// A string dictionary as a JSON object with sorted keys: the same text `JSONEncoder` with
    /// `.sortedKeys` writes, without its cost on every audit event.
    package static func encodeObject(_ values: [String: String]) -> String {
        var text = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += quoted(key) + ":" + quoted(values[key] ?? "")
        }
        return text + "}"
    }

    package static func quoted(_ value: String) -> String { JSONText.quoted(value, escapingSlashes: true) }
}

/// Lets a write run on the calling thread only while no other write of the store runs or waits, so that a
/// direct write never queues behind another one on a cooperative thread.
final class WriteGate: Sendable {
    private struct State {
        var direct = false
        var queued = 0
    }

    private let state = Locked(State())

    /// Takes the direct path if it is free and nothing is queued.
    func enterDirect() -> Bool {
        state.withLock { state in
            guard !state.direct, state.queued == 0 else { return false }
            state.direct = true
            return true
        }
    }

    func leaveDirect() {
        state.withLock { $0.direct = false }
    }

    func enterQueued() {
        state.withLock { $0.queued += 1 }
    }

    func leaveQueued() {
        state.withLock { $0.queued -= 1 }
    }
}
