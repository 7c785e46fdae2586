@testable import CollabStore
import CollabModel
import CollabTesting
import Foundation
import GRDB
import Testing

// Writes that wait for the writer's queue commit together: one transaction, a savepoint each. These tests
// line writes up behind another connection's lock, so that the groups they form are known, and check that
// each write commits or fails on its own.

@Suite struct GroupCommitTests {
    /// A store on a fresh file with a scratch table, and another connection holding the file's write lock.
    private func lockedStore(_ limit: Int = 64) async throws -> (TestHarness, SQLiteStore, WritePathTests.ForeignLock) {
        let h = try TestHarness()
        var configuration = SQLiteStore.Configuration()
        configuration.busyTimeout = .seconds(60)
        configuration.maximumWritesPerCommit = limit
        let store = try SQLiteStore(path: h.sqlitePath, configuration: configuration)
        try await store.write { db in try db.execute(sql: "CREATE TABLE scratch (n INTEGER PRIMARY KEY, writer INTEGER NOT NULL)") }
        return (h, store, try WritePathTests.ForeignLock(path: h.sqlitePath))
    }

    /// Waits until `count` writes joined the store's line (they cannot run: the file is locked).
    private func waitForLine(_ store: SQLiteStore, _ count: Int) async throws {
        for _ in 0..<20_000 where store.groupCommit.joinedCount < count {
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(store.groupCommit.joinedCount >= count, "only \(store.groupCommit.joinedCount) of \(count) writes joined the line")
    }

    /// A command refused inside its write, as the engine refuses one whose rights changed.
    private static let refused = CollabError(.conflict, "refused by the test")

    @Test("writes that queued up commit in one transaction, and every caller gets its own result")
    func queuedWritesShareATransaction() async throws {
        let (h, store, lock) = try await lockedStore()
        let before = store.groupCommitStatistics
        let writes = (0..<40).map { n in
            Task { try await store.write { db in
                try db.execute(sql: "INSERT INTO scratch (n, writer) VALUES (?, ?)", arguments: [n, n])
                return n * 10
            } }
        }
        try await waitForLine(store, 40)
        lock.unlock()
        for (n, write) in writes.enumerated() { #expect(try await write.value == n * 10) }
        let after = store.groupCommitStatistics
        // The first turn took what was in line when it started, then waited for the lock; the next took
        // the rest.
        #expect(after.writes - before.writes == 40)
        #expect(after.commits - before.commits <= 2, "40 queued writes took \(after.commits - before.commits) commits")
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM scratch") } == 40)
        withExtendedLifetime(h) {}
    }

    @Test("a write that fails in a group rolls back alone; the others of its group commit")
    func failedWriteRollsBackAlone() async throws {
        let (h, store, lock) = try await lockedStore()
        let writes = (0..<30).map { n in
            Task { () -> Bool in
                do {
                    try await store.write { db in
                        try db.execute(sql: "INSERT INTO scratch (n, writer) VALUES (?, ?)", arguments: [n, n])
                        try db.execute(sql: "INSERT INTO scratch (n, writer) VALUES (?, ?)", arguments: [1000 + n, n])
                        if n % 3 == 0 { throw Self.refused }
                        if n % 7 == 0 {
                            // A constraint fails halfway through the write: the row written before it goes too.
                            try db.execute(sql: "INSERT INTO scratch (n, writer) VALUES (?, ?)", arguments: [2000 + n, n])
                            try db.execute(sql: "INSERT INTO scratch (n, writer) VALUES (?, ?)", arguments: [n, n])
                        }
                    }
                    return true
                } catch {
                    return false
                }
            }
        }
        try await waitForLine(store, 30)
        lock.unlock()
        var committed: [Int] = []
        for (n, write) in writes.enumerated() where await write.value { committed.append(n) }
        #expect(committed == (0..<30).filter { $0 % 3 != 0 && $0 % 7 != 0 })
        let rows = try await store.read { db in try Int.fetchAll(db, sql: "SELECT writer FROM scratch ORDER BY n") }
        #expect(Set(rows) == Set(committed))
        #expect(rows.count == committed.count * 2, "a refused write left rows behind")
        withExtendedLifetime(h) {}
    }

    @Test("a write that ends the whole transaction fails alone; the group's other writes run again and commit")
    func transactionLostInGroup() async throws {
        let (h, store, lock) = try await lockedStore()
        let writes = (0..<20).map { n in
            Task { () -> Bool in
                do {
                    try await store.write { db in
                        try db.execute(sql: "INSERT INTO scratch (n, writer) VALUES (?, ?)", arguments: [n, n])
                        if n == 10 {
                            // What SQLite does on some I/O errors and interrupts: the whole transaction ends.
                            try db.execute(sql: "ROLLBACK")
                            throw Self.refused
                        }
                    }
                    return true
                } catch {
                    return false
                }
            }
        }
        try await waitForLine(store, 20)
        lock.unlock()
        var committed: [Int] = []
        for (n, write) in writes.enumerated() where await write.value { committed.append(n) }
        #expect(committed == (0..<20).filter { $0 != 10 })
        #expect(try await store.read { db in try Int.fetchAll(db, sql: "SELECT writer FROM scratch ORDER BY n") } == committed)
        withExtendedLifetime(h) {}
    }

    @Test("maximumWritesPerCommit bounds a group; 1 gives every write its own transaction")
    func groupSizeIsBounded() async throws {
        for limit in [1, 8] {
            let (h, store, lock) = try await lockedStore(limit)
            let before = store.groupCommitStatistics
            let writes = (0..<24).map { (n: Int) in
                Task { try await store.write { db in
                    try db.execute(sql: "INSERT INTO scratch (n, writer) VALUES (?, ?)", arguments: [n, n])
                } }
            }
            try await waitForLine(store, 24)
            lock.unlock()
            for write in writes { try await write.value }
            let after = store.groupCommitStatistics
            #expect(after.writes - before.writes == 24)
            #expect(after.commits - before.commits >= 24 / limit, "limit \(limit)")
            if limit == 8 { #expect(after.commits - before.commits <= 24 / 8 + 1) }
            withExtendedLifetime(h) {}
        }
    }
}

@Suite struct WriterPageCacheTests {
    @Test("the writing connection keeps writerPageCacheBytes of the file in memory (64 MiB unless set)")
    func writerCache() async throws {
        let h = try TestHarness()
        let standard = try SQLiteStore(path: h.sqlitePath)
        #expect(try await standard.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -65_536)
        var configuration = SQLiteStore.Configuration()
        configuration.writerPageCacheBytes = 8 << 20
        let small = try SQLiteStore(path: h.sqlitePath, configuration: configuration)
        #expect(try await small.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -8_192)
    }
}
