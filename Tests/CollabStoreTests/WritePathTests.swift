import CollabModel
import CollabStore
import CollabTesting
import Foundation
import Synchronization
import GRDB
import Testing

// A store runs a write on the calling thread when it can take the file's write lock at once, and through
// its writer's queue otherwise. These tests hold the lock from another connection, as another process
// would, and check that waiting writes neither fail nor hold up the threads everything else runs on.

@Suite struct WritePathTests {
    /// Another connection on the file, holding the write lock on a thread of its own until released.
    final class ForeignLock: @unchecked Sendable {
        private let taken = DispatchSemaphore(value: 0)
        private let release = DispatchSemaphore(value: 0)
        private let done = DispatchSemaphore(value: 0)

        init(path: String) throws {
            let queue = try DatabaseQueue(path: path)
            let thread = Thread { [taken, release, done] in
                try? queue.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    taken.signal()
                    release.wait()
                    try db.execute(sql: "COMMIT")
                }
                done.signal()
            }
            thread.start()
            taken.wait()
        }

        private let state = Mutex(false)

        /// Releases the lock; `false` if it was released already.
        @discardableResult
        func unlock() -> Bool {
            guard state.withLock({ released in
                defer { released = true }
                return !released
            }) else { return false }
            release.signal()
            done.wait()
            return true
        }
    }

    /// Runs every job on one thread, so that a job that blocks its thread stops everything else.
    private final class OneThreadExecutor: TaskExecutor, @unchecked Sendable {
        private let queue = DispatchQueue(label: "one-thread-executor")

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    /// A harness with the organization "acme", and a second store on its file set up by `change`.
    private func acme(_ change: (inout SQLiteStore.Configuration) -> Void) async throws -> (TestHarness, SQLiteStore) {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        var configuration = SQLiteStore.Configuration()
        change(&configuration)
        return (h, try SQLiteStore(path: h.sqlitePath, configuration: configuration))
    }

    @Test("a write that finds the file locked by another connection waits without holding up its thread, then commits")
    func writeWaitsForAForeignLock() async throws {
        let (h, store) = try await acme { $0.busyTimeout = .seconds(30) }
        let lock = try ForeignLock(path: h.sqlitePath)
        // The write and the reads share one thread: had the write waited for the lock on it, the reads
        // (and the release of the lock after them) could not run until a watchdog released the lock. The
        // watchdog only ends such a hang: its bound is generous (a busy machine cannot trip it) and it
        // stands down as soon as the reads are done.
        let readsDone = DispatchSemaphore(value: 0)
        let watchdog = Thread {
            if readsDone.wait(timeout: .now() + 120) == .timedOut { lock.unlock() }
        }
        watchdog.start()
        defer { readsDone.signal() }
        let reads = try await withTaskExecutorPreference(OneThreadExecutor()) {
            try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    try await store.save(Department(id: "ops", organizationID: "acme", name: "Operations"))
                    return 0
                }
                group.addTask {
                    var reads = 0
                    for _ in 0..<20 {
                        if try await store.organization("acme") != nil { reads += 1 }
                        await Task.yield()
                    }
                    #expect(try await store.departments(in: "acme").isEmpty,
                        "a write committed while another connection held the lock")
                    #expect(lock.unlock(), "the lock was released by the watchdog: a write held its thread")
                    return reads
                }
                return try await group.reduce(0, +)
            }
        }
        #expect(reads == 20)
        #expect(try await store.departments(in: "acme").map(\.id) == ["ops"])
    }

    @Test("writes that find the file locked wait in line, then all commit")
    func manyWritesWaitForAForeignLock() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        let lock = try ForeignLock(path: h.sqlitePath)
        let store = h.store
        let count = ProcessInfo.processInfo.activeProcessorCount * 2 + 2
        let writes = (0..<count).map { n in
            Task {
                try await store.save(Department(id: Department.ID("d\(n)"), organizationID: "acme", name: "Department \(n)"))
            }
        }
        for _ in 0..<20 { _ = try await store.organization("acme") }
        #expect(try await store.departments(in: "acme").isEmpty)
        lock.unlock()
        for write in writes { try await write.value }
        #expect(try await store.departments(in: "acme").count == count)
    }

    @Test("a write that stays locked out past the busy timeout fails with a typed error and writes nothing")
    func lockedOutWriteFailsTyped() async throws {
        let (h, store) = try await acme {
            $0.busyTimeout = .milliseconds(100)
            $0.busyRetries = 1
        }
        let lock = try ForeignLock(path: h.sqlitePath)
        do {
            try await store.save(Department(id: "ops", organizationID: "acme", name: "Operations"))
            Issue.record("a write committed while another connection held the lock")
        } catch {
            #expect(error.code == .storageUnavailable, "\(error)")
        }
        lock.unlock()
        #expect(try await store.departments(in: "acme").isEmpty)
        try await store.save(Department(id: "ops", organizationID: "acme", name: "Operations"))
        #expect(try await store.departments(in: "acme").map(\.id) == ["ops"])
    }

    @Test("concurrent commands of one store, some on the calling thread and some queued, all commit in order")
    func concurrentCommandsAllCommit() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        let engine = h.engine
        let draft = h.draft(assignees: ["worker"])
        let created = try await withThrowingTaskGroup(of: WorkItem.ID.self) { group in
            for _ in 0..<40 { group.addTask { try await engine.workItems.create(draft, by: "boss").id } }
            return try await group.reduce(into: [WorkItem.ID]()) { $0.append($1) }
        }
        #expect(Set(created).count == 40)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in created { group.addTask { try await engine.workItems.accept(id, by: "worker") } }
            try await group.waitForAll()
        }
        for id in created {
            let item = try await h.store.workItem(id)
            #expect(item?.state == .accepted && item?.version == 2)
            #expect(try await h.store.auditTrail(of: id).map(\.action) == ["create", "accept"])
        }
        // Each create, whether it ran alone or in a group commit, wrote its assignment notice with it.
        let notified = try await DatabaseQueue(path: h.sqlitePath).read { db in
            try String.fetchAll(db, sql: "SELECT item_id FROM notifications WHERE recipient_id = 'worker' AND kind = 'assigned'")
        }
        #expect(Set(notified) == Set(created.map(\.rawValue)) && notified.count == created.count)
    }
}
