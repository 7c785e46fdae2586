import CollabModel
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import Foundation
import GRDB
import PostgresNIO
import Testing

// The workflow tests build their worlds with CollabTesting's `Workplace`, `Footprint`, `TableSnapshot` and
// `requireFailure`, as a host's tests do. This file only adapts them to Swift Testing's shorthand.

extension Workplace {
    /// The harness (test shorthand for ``Workplace/harness``).
    var h: TestHarness { harness }
}

/// Runs `body`, which must fail with a `CollabError` of `code`; records a test issue at the caller's line
/// otherwise (through CollabTesting's `requireFailure`) and returns the error for further checks.
@discardableResult
func expectFailure(
    _ code: CollabError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> CollabError? {
    do {
        return try await requireFailure(code, comment.map { "\($0)" }, body)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension TestHarness {
    /// The harness's SQLite file: for the tests of SQLite's own behaviour, whose harnesses are SQLite
    /// harnesses (`TestHarness()`, `Workplace()`); fails the test on another store.
    var sqlitePath: String {
        get throws { try #require(databasePath, "the harness runs on SQLite") }
    }

    /// The harness's SQLite store, for the same tests.
    var sqlite: SQLiteStore {
        get throws { try #require(sqliteStore, "the harness runs on SQLite") }
    }
}

/// The store the engine's tests run on: SQLite by default; PostgreSQL when `COLLAB_ENGINE_STORE=postgres`
/// and `COLLAB_POSTGRES_URL` names a server (each harness on a schema of its own, dropped when the harness
/// is released). The tests that are about SQLite itself (its file, crash recovery, its lock) build their
/// harness without it.
enum EngineTestStore {
    static let name: String = ProcessInfo.processInfo.environment["COLLAB_ENGINE_STORE"] ?? "sqlite"

    /// At most this many PostgreSQL harnesses are open at once (two connections each), so that a suite
    /// running in parallel stays within the server's connection limit.
    static let gate = Gate(limit: 40)

    static let storage: HarnessStorage = name == "postgres" ? postgres : .sqlite

    /// A harness on PostgreSQL (a schema of its own at `COLLAB_POSTGRES_URL`), whatever `COLLAB_ENGINE_STORE` says.
    static let postgres: HarnessStorage = {
        HarnessStorage { _, _ in
            guard let url = ProcessInfo.processInfo.environment["COLLAB_POSTGRES_URL"], !url.isEmpty else {
                throw CollabError(.storageUnavailable, "COLLAB_ENGINE_STORE=postgres needs COLLAB_POSTGRES_URL")
            }
            let holder = Test.current.map { "\($0.id)" } ?? "a test"
            let slot = await gate.enter(holder)
            do {
                var configuration = try PostgresStore.Configuration(url: url)
                configuration.schema = "e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
                configuration.client.options.maximumConnections = 2
                // Forty engines start at once on two cores; a start may wait its turn longer than a server's.
                configuration.startupTimeout = .seconds(120)
                configuration.logger.logLevel = .warning
                let opened = configuration
                let store = try await PostgresStore.start(opened)
                let peers = Peers()
                return HarnessStorage.Opening(
                    store: store,
                    snapshot: { () async throws(CollabError) -> TableSnapshot in try await snapshot(of: store) },
                    openPeer: {
                        let peer = try await PostgresStore.start(opened)
                        await peers.add(peer)
                        return peer
                    },
                    close: {
                        for peer in await peers.all { await peer.shutdown() }
                        if let schema = store.configuration.schema {
                            _ = try? await store.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
                        }
                        await store.shutdown()
                        await gate.leave(slot)
                    })
            } catch {
                await gate.leave(slot)
                throw error
            }
        }
    }()

    /// Every row of every table of the store's schema, as PostgreSQL renders a row as text, sorted per table.
    static func snapshot(of store: PostgresStore) async throws(CollabError) -> TableSnapshot {
        do {
            var tables: [String] = []
            for try await name in try await store.client.query("""
                SELECT table_name::TEXT FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name
                """).decode(String.self)
            {
                tables.append(name)
            }
            var rows: [String] = []
            for table in tables {
                var lines: [String] = []
                for try await line in try await store.client.query(PostgresQuery(unsafeSQL: "SELECT t::TEXT FROM \"\(table)\" t"))
                    .decode(String.self)
                {
                    lines.append("\(table) \(line)")
                }
                rows += lines.sorted()
            }
            return TableSnapshot(rows: rows)
        } catch {
            throw CollabError(.storageUnavailable, "could not read the tables of the PostgreSQL schema: \(error)")
        }
    }

    /// The peers a harness opened, closed with it.
    actor Peers {
        private(set) var all: [PostgresStore] = []
        func add(_ peer: PostgresStore) { all.append(peer) }
    }

    /// A counting semaphore for tasks, which says who holds it when a task has waited long.
    actor Gate {
        private let limit: Int
        private var holders: [UUID: String] = [:]
        private var waiting: [(UUID, String, CheckedContinuation<Void, Never>)] = []
        private var warned = false

        init(limit: Int) { self.limit = limit }

        func enter(_ holder: String) async -> UUID {
            let slot = UUID()
            if holders.count < limit {
                holders[slot] = holder
                return slot
            }
            let watchdog = Task { [weak self] in
                try await Task.sleep(for: .seconds(120))
                await self?.report()
            }
            await withCheckedContinuation { waiting.append((slot, holder, $0)) }
            watchdog.cancel()
            return slot
        }

        func leave(_ slot: UUID) {
            holders[slot] = nil
            if !waiting.isEmpty {
                let (next, holder, continuation) = waiting.removeFirst()
                holders[next] = holder
                continuation.resume()
            }
        }

        private func report() {
            guard !warned else { return }
            warned = true
            let counts = Dictionary(holders.values.map { ($0, 1) }, uniquingKeysWith: +)
            print("◇ NOTICE: \(waiting.count) PostgreSQL harnesses waited 120 s; the \(holders.count) open ones belong to:")
            for (holder, count) in counts.sorted(by: { $0.key < $1.key }) { print("    \(count) × \(holder)") }
        }
    }
}

/// The number of rows `SELECT count(*) FROM \(from)` counts in the harness's database, SQLite or
/// PostgreSQL (the two keep the same tables and columns).
func rowCount(_ from: String, in h: TestHarness) async throws -> Int {
    if let path = h.databasePath {
        return try await DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from)") ?? 0 }
    }
    let store = try #require(h.store as? PostgresStore, "the harness runs on SQLite or PostgreSQL")
    var count = 0
    for try await value in try await store.client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::BIGINT FROM \(from)"))
        .decode(Int.self)
    {
        count = value
    }
    return count
}

extension HarnessStorage {
    /// The store the engine's tests run on (``EngineTestStore``).
    static var underTest: HarnessStorage { EngineTestStore.storage }
}

@Suite struct EngineTestStoreNotice {
    /// Says which store the engine's tests ran on, so a PostgreSQL run is never mistaken for an SQLite one.
    @Test func storeIsSaid() {
        print("◇ NOTICE: the engine's tests run on \(EngineTestStore.name == "postgres" ? "PostgreSQL" : "SQLite")")
    }
}
