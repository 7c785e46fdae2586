import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// A store on PostgreSQL 15 or newer, for several instances of a host on several machines sharing one database.
///
/// The store owns a `PostgresClient` (a connection pool). Like every service of a Swift server it runs in a
/// long-lived task: ``run()`` starts the pool, migrates the schema, and serves until the task is cancelled or
/// a graceful shutdown begins. Calls made before the schema is migrated wait for it (up to
/// ``Configuration/startupTimeout``); none reaches the database before.
///
/// In a server, add the store to the `ServiceGroup` that runs the rest of the application:
///
/// ```swift
/// let store = try PostgresStore(configuration: .init(url: "postgres://collab@db.internal/collab"))
/// let engine = WorkflowEngine(store: store)
/// let group = ServiceGroup(services: [store, myServer], logger: logger)
/// try await group.run()
/// ```
///
/// In a script or a test, ``start(_:)`` runs the store in a task of its own and returns once it is
/// migrated; ``shutdown()`` stops it.
public final class PostgresStore: Service {
    /// How a ``PostgresStore`` connects and behaves.
    public struct Configuration: Sendable {
        /// The connection pool's configuration (host, credentials, TLS, pool size).
        public var client: PostgresClient.Configuration
        /// The PostgreSQL schema holding Collab's tables (created if missing); `nil` uses the connection's
        /// `search_path` (normally `public`). Several Collab deployments can share one database in schemas
        /// of their own.
        public var schema: String?
        /// How often a transaction that failed with a serialization failure or a deadlock is run again
        /// before the store gives up with `CollabError.Code.storageUnavailable`.
        public var serializationRetries = 10
        /// How long a call waits for the store to be started and migrated.
        public var startupTimeout: Duration = .seconds(30)
        /// Where the store logs (migrations, retried transactions).
        public var logger = Logger(label: "collab.store.postgres")

        /// A configuration with the pool's settings.
        public init(client: PostgresClient.Configuration) {
            self.client = client
        }

        /// A configuration from a connection URL:
        /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require][&schema=NAME]`.
        ///
        /// - Throws: `CollabError.Code.invalidInput` naming the URL when it cannot be read.
        public init(url: String) throws(CollabError) {
            guard let components = URLComponents(string: url),
                components.scheme == "postgres" || components.scheme == "postgresql"
            else {
                throw CollabError(.invalidInput, "'\(Self.redacted(url))' is not a postgres:// URL")
            }
            guard let host = components.host, !host.isEmpty else {
                throw CollabError(.invalidInput, "the URL '\(Self.redacted(url))' names no host")
            }
            let username = components.user.flatMap { $0.removingPercentEncoding ?? $0 } ?? "postgres"
            let password = components.password.flatMap { $0.removingPercentEncoding ?? $0 }
            let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            var tls: PostgresClient.Configuration.TLS = .disable
            var schema: String?
            for item in components.queryItems ?? [] {
                switch (item.name, item.value) {
                case ("sslmode", "disable"?): tls = .disable
                case ("sslmode", "prefer"?), ("sslmode", "allow"?): tls = .prefer(.makeClientConfiguration())
                case ("sslmode", "require"?), ("sslmode", "verify-full"?), ("sslmode", "verify-ca"?):
                    tls = .require(.makeClientConfiguration())
                case ("schema", let value?): schema = value
                default:
                    throw CollabError(.invalidInput,
                        "the URL '\(Self.redacted(url))' has an unknown option '\(item.name)=\(item.value ?? "")'")
                }
            }
            self.client = PostgresClient.Configuration(
                host: host, port: components.port ?? 5432, username: username, password: password,
                database: path.isEmpty ? nil : path, tls: tls)
            self.schema = schema
        }

        /// The URL with its password replaced, for messages and logs.
        static func redacted(_ url: String) -> String {
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "(a URL)"
        }
    }

    let client: PostgresClient
    let configuration: Configuration
    var logger: Logger { configuration.logger }
    private let readiness = Readiness()
    /// Fired by a graceful shutdown, a cancellation of ``run()`` or ``shutdown()``.
    private let stopSignal = StopSignal()
    /// The task ``start(_:)`` runs the store in.
    private let ownTask = Mutex<Task<Void, any Error>?>(nil)
    /// The calls using the pool right now; the pool stops only when none is left.
    private let calls = CallsInFlight()

    /// Creates a store; nothing connects until ``run()`` (or ``start(_:)``).
    ///
    /// - Throws: `CollabError.Code.invalidInput` when the schema name is not a plain SQL identifier.
    public init(configuration: Configuration) throws(CollabError) {
        if let schema = configuration.schema {
            guard Self.isPlainIdentifier(schema) else {
                throw CollabError(.invalidInput,
                    "the schema name '\(schema)' must be 1 to 63 lowercase letters, digits or '_', not starting with a digit")
            }
        }
        var clientConfiguration = configuration.client
        if let schema = configuration.schema {
            clientConfiguration.options.additionalStartupParameters.append(("search_path", schema))
        }
        self.configuration = configuration
        var backgroundLogger = configuration.logger
        backgroundLogger.handler = StartupNoticeHandler(wrapping: configuration.logger.handler)
        self.client = PostgresClient(configuration: clientConfiguration, backgroundLogger: backgroundLogger)
    }

    /// Runs the connection pool, migrates the schema, then serves until the task is cancelled or a graceful
    /// shutdown begins. Calls made meanwhile wait until the schema is migrated. When it stops, calls already
    /// running finish first; later calls fail with `CollabError.Code.storageUnavailable`.
    public func run() async throws {
        // The pool runs in a task of its own, stopped only once nothing uses it any more: a pool stopped while
        // a call waits for a connection, or runs a query, can leave that call waiting forever (PostgresNIO
        // 1.33). A cancellation of `run()` reaches the migration first; the pool follows when it ended.
        let pool = Task { await self.client.run() }
        do {
            try await migrate()
            readiness.open()
        } catch {
            readiness.fail(error)
            await stopPool(pool)
            throw error
        }
        // Not ServiceLifecycle's `gracefulShutdown()`: a cancellation arriving while it sets up its
        // waiter can be lost there, and the store would never stop.
        await withGracefulShutdownHandler {
            await stopSignal.wait()
        } onGracefulShutdown: {
            self.stopSignal.fire()
        }
        readiness.fail(CollabError(.storageUnavailable, "the PostgreSQL store was shut down"))
        await stopPool(pool)
    }

    /// Lets the calls under way finish, refuses new ones, then stops the pool and waits for its connections
    /// to close.
    private func stopPool(_ pool: Task<Void, Never>) async {
        await calls.closeAndWait()
        pool.cancel()
        await pool.value
    }

    /// Creates a store, runs it in a task of its own and returns once its schema is migrated.
    ///
    /// - Throws: `CollabError.Code.storageUnavailable` when the database cannot be reached or migrated in
    ///   ``Configuration/startupTimeout``.
    public static func start(_ configuration: Configuration) async throws(CollabError) -> PostgresStore {
        let store = try PostgresStore(configuration: configuration)
        let task = Task { try await store.run() }
        store.ownTask.withLock { $0 = task }
        do {
            try await store.ready()
        } catch {
            await store.shutdown()
            throw error
        }
        return store
    }

    /// Stops a store started with ``start(_:)`` and waits until its connections are closed.
    public func shutdown() async {
        let task = ownTask.withLock { task in
            defer { task = nil }
            return task
        }
        stopSignal.fire()
        task?.cancel()
        _ = await task?.result
    }

    /// Waits until the schema is migrated.
    func ready() async throws(CollabError) {
        try await readiness.wait(timeout: configuration.startupTimeout)
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, !(0x30...0x39).contains(first) else { return false }
        return name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    // MARK: Transactions

    /// How a transaction isolates itself from others.
    enum Isolation: String, Sendable {
        /// For commits: PostgreSQL detects every anomaly and aborts one side, which runs again.
        case serializable = "SERIALIZABLE"
        /// For claims with `FOR UPDATE SKIP LOCKED` and single-statement writes.
        case readCommitted = "READ COMMITTED"
    }

    /// Runs `body` in one transaction and commits it; a serialization failure or deadlock runs it again
    /// (up to ``Configuration/serializationRetries`` times), any other error rolls it back and is mapped to
    /// a `CollabError`.
    func write<T: Sendable>(
        _ isolation: Isolation = .serializable,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(CollabError) -> T {
        try await transaction("BEGIN ISOLATION LEVEL \(isolation.rawValue)", body)
    }

    /// Runs `body` in one read-only transaction that sees one snapshot of the database.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(CollabError) -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Runs `body`, which runs exactly one statement, outside an explicit transaction: a statement sees one
    /// snapshot of its own, so a one-statement read needs no `BEGIN`/`COMMIT` (two round trips fewer).
    func readStatement<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws(CollabError) -> T
    {
        try await transaction(nil, body)
    }

    /// Runs one transaction to its end even when the calling task is cancelled meanwhile, as SQLiteStore's
    /// calls do: a dispatcher stopping for a graceful shutdown still records what its hooks accepted, and a
    /// commit that reached the database is not reported as failed because its caller went away.
    private func transaction<T: Sendable>(
        _ begin: String?, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(CollabError) -> T {
        let outcome = await Task { () async -> Result<T, CollabError> in
            do throws(CollabError) {
                return .success(try await self.runTransaction(begin, body))
            } catch {
                return .failure(error)
            }
        }.value
        return try outcome.get()
    }

    private func runTransaction<T: Sendable>(
        _ begin: String?, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(CollabError) -> T {
        try await ready()
        guard calls.enter() else { throw CollabError(.storageUnavailable, "the PostgreSQL store was shut down") }
        defer { calls.leave() }
        var attempt = 0
        while true {
            do {
                let logger = self.logger
                return try await client.withConnection { connection in
                    guard let begin else { return try await body(connection) }
                    try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch {
                if Self.isRetryable(error), attempt < configuration.serializationRetries {
                    attempt += 1
                    logger.debug("transaction ran into another, running it again", metadata: ["attempt": "\(attempt)"])
                    // A short, growing, jittered pause lets the other transaction finish first.
                    let pause = UInt64.random(in: 1...UInt64(1 << min(attempt, 6))) * 500_000
                    try? await Task.sleep(nanoseconds: pause)
                    continue
                }
                throw Self.map(error, logger: logger)
            }
        }
    }

    /// SQLSTATE of a server error, if the error is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    static func isRetryable(_ error: any Error) -> Bool {
        switch sqlState(error) {
        case "40001", "40P01": true  // serialization_failure, deadlock_detected
        default: false
        }
    }

    /// Turns any error thrown under the store into a `CollabError`: callers never see a raw PostgreSQL error.
    static func map(_ error: any Error, logger: Logger) -> CollabError {
        if let error = error as? CollabError { return error }
        if error is CancellationError {
            return CollabError(.storageInterrupted, "the operation was cancelled before it committed")
        }
        guard let error = error as? PSQLError else {
            logger.error("unexpected storage error", metadata: ["error": "\(String(reflecting: error))"])
            return CollabError(.storageFailure, "storage failed: \(error)")
        }
        let state = error.serverInfo?[.sqlState]
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        let detail = "PostgreSQL \(state ?? "\(error.code)"): \(message)"
        switch state {
        case nil:
            return CollabError(.storageUnavailable, "the database cannot be reached (\(detail))")
        case "23505"?:
            return CollabError(.alreadyExists, "a value with the same identity already exists (\(detail))")
        case "40001"?, "40P01"?:
            return CollabError(.storageUnavailable,
                "the transaction kept running into others and was given up (\(detail)); nothing was written")
        case "22021"?, "22P05"?:
            // A text holding U+0000 (or a character the database's encoding lacks): it can be neither
            // stored nor compared, so it matches nothing a caller stored.
            return CollabError(.invalidInput,
                "a text value holds a character the database cannot store, such as U+0000 (\(detail)); nothing was written")
        case "53100"?:
            return CollabError(.storageFull, "the database's disk is full (\(detail)); nothing was written")
        case "57014"?:
            return CollabError(.storageInterrupted, "the statement was cancelled (\(detail)); nothing was written")
        case let state? where state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53"):
            return CollabError(.storageUnavailable, "the database is unavailable (\(detail))")
        case let state? where state.hasPrefix("28"):
            return CollabError(.storageUnavailable, "the database refused the credentials (\(detail))")
        default:
            logger.error("storage error", metadata: ["sqlstate": "\(state ?? "")", "message": "\(message)"])
            return CollabError(.storageFailure, "storage failed (\(detail)); nothing was written")
        }
    }
}

// MARK: Running statements

extension PostgresConnection {
    /// Runs `query` and returns every row it produced, with the number of rows it changed.
    func run(_ query: PostgresQuery, _ logger: Logger) async throws -> (rows: [PostgresRandomAccessRow], changed: Int) {
        let result = try await self.query(query, logger: logger).get()
        return (result.rows.map { $0.makeRandomAccess() }, result.metadata.rows ?? 0)
    }

    /// Runs `query` and returns every row it produced.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await run(query, logger).rows
    }

    /// Runs a statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        try await run(query, logger).changed
    }
}

extension PostgresRandomAccessRow {
    /// The column's value, or a `storageCorrupt` error naming the column.
    func value<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        do {
            return try self[column].decode(T.self, context: .default)
        } catch {
            throw CollabError(.storageCorrupt, "the column '\(column)' holds no \(T.self): \(error)")
        }
    }
}

// MARK: Stopping

/// Fires once; ``wait()`` returns when it has fired or the waiting task is cancelled, whichever order the
/// cancellation, the firing and the waiting come in.
final class StopSignal: Sendable {
    private struct State {
        var fired = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.fired || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }
}

// MARK: Calls in flight

/// Counts the calls using the pool; once closed, admits none and wakes the closer when the last one left.
final class CallsInFlight: Sendable {
    private struct State {
        var open = true
        var count = 0
        var closer: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Admits a call, unless the store is stopping.
    func enter() -> Bool {
        state.withLock { state in
            guard state.open else { return false }
            state.count += 1
            return true
        }
    }

    func leave() {
        let closer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.count -= 1
            guard !state.open, state.count == 0 else { return nil }
            defer { state.closer = nil }
            return state.closer
        }
        closer?.resume()
    }

    /// Admits no more calls and returns when the last admitted one left. Called once, by the stopping store.
    func closeAndWait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                state.open = false
                if state.count == 0 { return true }
                state.closer = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }
}

// MARK: Readiness

/// Opens once the store is migrated; callers wait for it.
final class Readiness: Sendable {
    private enum State {
        case waiting([UUID: CheckedContinuation<Void, any Error>])
        case open
        case failed(any Error)
    }

    private let state = Mutex(State.waiting([:]))

    func open() { finish(nil) }

    func fail(_ error: any Error) { finish(error) }

    private func finish(_ error: (any Error)?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .waiting(let waiters) = state else {
                if let error, case .open = state { state = .failed(error) }
                return []
            }
            state = error.map(State.failed) ?? .open
            return Array(waiters.values)
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    func wait(timeout: Duration) async throws(CollabError) {
        let fast: Result<Bool, any Error> = state.withLock { state in
            switch state {
            case .open: .success(true)
            case .failed(let error): .failure(error)
            case .waiting: .success(false)
            }
        }
        switch fast {
        case .success(true): return
        case .failure(let error): throw Self.unavailable(error)
        case .success(false): break
        }
        let id = UUID()
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await withTaskCancellationHandler {
                        try await withCheckedThrowingContinuation { continuation in
                            // Checked under the lock: a cancellation whose handler ran before the waiter
                            // was registered would otherwise never resume it.
                            let resumeNow: Result<Void, any Error>? = self.state.withLock { state in
                                switch state {
                                case .open: return .success(())
                                case .failed(let error): return .failure(error)
                                case .waiting where Task.isCancelled: return .failure(CancellationError())
                                case .waiting(var waiters):
                                    waiters[id] = continuation
                                    state = .waiting(waiters)
                                    return nil
                                }
                            }
                            if let resumeNow { continuation.resume(with: resumeNow) }
                        }
                    } onCancel: {
                        let waiter = self.state.withLock { state -> CheckedContinuation<Void, any Error>? in
                            guard case .waiting(var waiters) = state, let waiter = waiters.removeValue(forKey: id)
                            else { return nil }
                            state = .waiting(waiters)
                            return waiter
                        }
                        waiter?.resume(throwing: CancellationError())
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw CollabError(.storageUnavailable,
                        "the PostgreSQL store was not started and migrated within \(timeout)")
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            throw Self.unavailable(error)
        }
    }

    private static func unavailable(_ error: any Error) -> CollabError {
        if let error = error as? CollabError { return error }
        return CollabError(.storageUnavailable, "the PostgreSQL store could not start: \(error)")
    }
}

/// The pool's log handler: passes everything on, except that PostgresNIO's warning about a lease requested
/// before `PostgresClient.run()` began is logged at debug level. ``PostgresStore/run()`` starts the client and
/// then migrates at once; a migration that asks for a connection a moment before the client's task has begun
/// waits for it, which is expected, not a fault an operator should be warned of at every start.
struct StartupNoticeHandler: LogHandler {
    var wrapped: any LogHandler

    init(wrapping wrapped: any LogHandler) { self.wrapped = wrapped }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if event.level == .warning, event.message.description.hasPrefix("Trying to lease connection from `PostgresClient`, but") {
            guard wrapped.logLevel <= .debug else { return }
            event.level = .debug
        }
        wrapped.log(event: event)
    }
}
