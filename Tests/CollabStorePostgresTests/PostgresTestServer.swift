import CollabModel
import CollabStore
@testable import CollabStorePostgres
import Foundation
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL server the tests run against: `COLLAB_POSTGRES_URL`, e.g.
/// `postgres://postgres@127.0.0.1:5433/collab_test?sslmode=disable`. Without it the PostgreSQL tests are
/// skipped, and ``PostgresAvailabilityTests`` says so.
enum PostgresTestServer {
    static let url: String? = {
        let value = ProcessInfo.processInfo.environment["COLLAB_POSTGRES_URL"] ?? ""
        return value.isEmpty ? nil : value
    }()

    static var isAvailable: Bool { url != nil }

    /// A store on a schema of its own (created now), so tests never see each other's rows.
    static func makeStore(
        schema: String = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20),
        adjust: (inout PostgresStore.Configuration) -> Void = { _ in }
    ) async throws -> PostgresStore {
        guard let url else { throw CollabError(.storageUnavailable, "COLLAB_POSTGRES_URL is not set") }
        var configuration = try PostgresStore.Configuration(url: url)
        configuration.schema = String(schema)
        configuration.client.options.maximumConnections = 4
        // The whole suite starts dozens of stores at once on two cores; a start may wait its turn longer
        // than a server's would.
        configuration.startupTimeout = .seconds(120)
        configuration.logger.logLevel = .warning
        adjust(&configuration)
        return try await PostgresStore.start(configuration)
    }

    /// A second store instance on the schema of `store`: what another process or machine sees.
    static func makePeer(of store: PostgresStore) async throws -> PostgresStore {
        try await makeStore(schema: store.configuration.schema ?? "public")
    }

    /// Drops the store's schema and stops the store.
    static func release(_ store: PostgresStore) async {
        if let schema = store.configuration.schema, schema.hasPrefix("t_") {
            _ = try? await store.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
        }
        await store.shutdown()
    }

    /// Runs `body` with a fresh store, releasing it afterwards whatever happens.
    static func withStore<T>(_ body: (PostgresStore) async throws -> T) async throws -> T {
        let store = try await makeStore()
        do {
            let value = try await body(store)
            await release(store)
            return value
        } catch {
            await release(store)
            throw error
        }
    }
}

@Suite(.timeLimit(.minutes(10))) struct PostgresAvailabilityTests {
    /// Never a silent pass: without a server the skip is printed in the log.
    @Test func serverIsConfiguredOrTheSkipIsSaid() {
        if !PostgresTestServer.isAvailable {
            print("""
                ◇ NOTICE: PostgreSQL tests skipped: set COLLAB_POSTGRES_URL (e.g. \
                postgres://postgres@127.0.0.1:5432/collab_test?sslmode=disable) to run them
                """)
        }
    }

    @Test(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"))
    func startsMigratesAndStops() async throws {
        try await PostgresTestServer.withStore { store in
            let versions = try await store.client.query("SELECT max(version) FROM collab_migrations")
            var newest = 0
            for try await version in versions.decode(Int?.self) { newest = version ?? 0 }
            #expect(newest == PostgresStore.schemaVersion)
        }
    }

    @Test("instances starting at once on a new schema migrate it once, and all start",
          .enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"))
    func concurrentStartsOnANewSchema() async throws {
        for round in 0..<3 {
            let schema = "t_start_\(round)_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresTestServer.makeStore(schema: schema) } }
                var stores: [PostgresStore] = []
                for try await store in group { stores.append(store) }
                return stores
            }
            #expect(stores.count == 4)
            let versions = try await stores[0].client.query("SELECT count(*)::INT FROM collab_migrations")
            for try await count in versions.decode(Int.self) { #expect(count == PostgresStore.migrations.count) }
            for store in stores.dropFirst() { await store.shutdown() }
            await PostgresTestServer.release(stores[0])
        }
    }

    @Test("stores whose start times out while others migrate stop cleanly; the others start and serve",
          .enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"))
    func startsTimingOutUnderLoadStop() async throws {
        // 24 stores start at once, 4 of them on one new schema; every third waits the default 30 s, the others
        // give up after 50 ms to 1.2 s, mostly while a migration or a connection is under way. Before the pool
        // outlived the calls using it, a stopped start could wait forever.
        let shared = "t_storm_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in 0..<24 {
                group.addTask {
                    let adjust: (inout PostgresStore.Configuration) -> Void = { configuration in
                        if n % 3 != 0 { configuration.startupTimeout = .milliseconds(50 * n) }
                    }
                    let store: PostgresStore
                    do {
                        store = n < 4 ? try await PostgresTestServer.makeStore(schema: String(shared), adjust: adjust)
                                      : try await PostgresTestServer.makeStore(adjust: adjust)
                    } catch {
                        #expect((error as? CollabError)?.code == .storageUnavailable)
                        return false
                    }
                    let answer = try await store.client.query("SELECT 1")
                    for try await one in answer.decode(Int.self) { #expect(one == 1) }
                    if n < 4 { await store.shutdown() } else { await PostgresTestServer.release(store) }
                    return true
                }
            }
            var outcomes: [Bool] = []
            for try await started in group { outcomes.append(started) }
            return outcomes
        }
        #expect(outcomes.count == 24)
        #expect(outcomes.filter { $0 }.count >= 8, "every store with the default timeout starts")
        let cleanup = try await PostgresTestServer.makeStore(schema: String(shared))
        await PostgresTestServer.release(cleanup)
    }

    @Test("a server that cannot be reached fails the start with a typed error, in the startup timeout")
    func unreachableServerFailsTyped() async throws {
        var configuration = try PostgresStore.Configuration(url: "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
        configuration.startupTimeout = .seconds(2)
        configuration.client.options.connectTimeout = .seconds(1)
        configuration.logger.logLevel = .critical
        let error = await #expect(throws: CollabError.self) { try await PostgresStore.start(configuration) }
        #expect(error?.code == .storageUnavailable)
    }

    @Test func urlIsReadAndBadOnesAreRefusedByValue() throws {
        let configuration = try PostgresStore.Configuration(url: "postgres://app:s%40cret@db.example:6543/collab?sslmode=disable&schema=tenant_a")
        #expect(configuration.client.host == "db.example")
        #expect(configuration.client.port == 6543)
        #expect(configuration.client.username == "app")
        #expect(configuration.client.password == "s@cret")
        #expect(configuration.client.database == "collab")
        #expect(configuration.schema == "tenant_a")
        for bad in ["mysql://x@h/db", "postgres:///db", "postgres://h/db?colour=blue"] {
            let error = try #require(throws: CollabError.self) { try PostgresStore.Configuration(url: bad) }
            #expect(error.code == .invalidInput)
        }
        let secret = try #require(throws: CollabError.self) { try PostgresStore.Configuration(url: "postgres://u:hunter2@h/db?x=1") }
        #expect(!secret.message.contains("hunter2"))
        #expect(throws: CollabError.self) {
            var configuration = try PostgresStore.Configuration(url: "postgres://h/db")
            configuration.schema = "Robert'); DROP TABLE students;--"
            _ = try PostgresStore(configuration: configuration)
        }
    }
}
