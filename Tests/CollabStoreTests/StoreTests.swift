import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import Foundation
import GRDB
import Testing

@Suite struct SQLiteStoreTests {
    @Test("a file store runs in WAL mode with synchronous=FULL by default, NORMAL when asked")
    func durability() async throws {
        let h = try TestHarness(durability: .full)
        #expect(try await h.sqlite.effectiveSynchronousLevel() == 2)
        var configuration = SQLiteStore.Configuration()
        configuration.durability = .normal
        let fast = try SQLiteStore(path: h.folder.appendingPathComponent("fast.sqlite").path, configuration: configuration)
        #expect(try await fast.effectiveSynchronousLevel() == 1)
        let mode = try await DatabaseQueue(path: h.sqlitePath).read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test("reopening a database keeps its data and migrates nothing twice")
    func reopen() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        let again = try h.reopenStore()
        #expect(try await again.workItem(item.id) == item)
        let third = try h.reopenStore()
        #expect(try await third.organizations().map(\.id) == ["acme"])
    }

    @Test("a file that is not a database is reported as corrupt, an unreachable path as unavailable")
    func badFiles() async throws {
        let h = try TestHarness()
        let junk = h.folder.appendingPathComponent("junk.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: junk)
        #expect(throws: CollabError.self) { try SQLiteStore(path: junk.path) }
        do {
            _ = try SQLiteStore(path: junk.path)
        } catch {
            #expect(error.code == .storageCorrupt, "\(error)")
        }
        do {
            _ = try SQLiteStore(path: "/nonexistent-folder/collab.sqlite")
            Issue.record("opened a database in a missing folder")
        } catch {
            #expect(error.code == .storageUnavailable, "\(error)")
        }
    }

    @Test("directory saves check every reference and list every problem")
    func directoryValidation() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addOrganization("globex")
        try await h.addDepartment("a", in: "acme")
        try await h.addDepartment("b", in: "acme", parent: "a")
        try await h.addDepartment("g", in: "globex")
        func problems(_ body: () async throws -> Void) async -> [String] {
            do {
                try await body()
                return []
            } catch let error as CollabError {
                return error.problems.map { "\($0.field):\($0.kind)" }
            } catch {
                return ["untyped: \(error)"]
            }
        }
        #expect(await problems { try await h.store.save(Department(id: "x", organizationID: "nowhere", name: "X")) }
            == ["organizationID:unknown_organization"])
        #expect(await problems { try await h.store.save(Department(id: "x", organizationID: "acme", name: "X", parentID: "g")) }
            == ["parentID:unknown_department"])
        #expect(await problems { try await h.store.save(Department(id: "a", organizationID: "acme", name: "A", parentID: "b")) }
            == ["parentID:malformed"], "a cycle")
        try await h.addMember("li", in: "acme")
        #expect(await problems {
            try await h.store.save(Member(id: "wang", organizationID: "acme", displayName: "Wang", handle: "li",
                departments: [DepartmentMembership("g")]))
        } == ["departments[0]:unknown_department", "handle:duplicate"])
        #expect(await problems {
            try await h.store.save(Member(id: "", organizationID: "acme", displayName: " ", handle: "bad handle"))
        } == ["id:empty", "displayName:empty", "handle:malformed"])
        // Upserts change in place.
        try await h.store.save(Department(id: "b", organizationID: "acme", name: "Bee"))
        #expect(try await h.store.department("b")?.name == "Bee")
        #expect(try await h.store.department("b")?.parentID == nil)
    }

    @Test("a head's subject covers every department below theirs")
    func subjectExpansion() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addDepartment("root", in: "acme")
        try await h.addDepartment("mid", in: "acme", parent: "root")
        try await h.addDepartment("leaf", in: "acme", parent: "mid")
        try await h.addDepartment("other", in: "acme")
        try await h.addMember("head", in: "acme", departments: [DepartmentMembership("mid", role: .head),
            DepartmentMembership("other")])
        let subject = try #require(try await h.store.subject(for: "head"))
        #expect(subject.headedDepartmentIDs == ["mid", "leaf"])
        #expect(subject.departmentIDs == ["mid", "other"])
        #expect(try await h.store.subject(for: "nobody") == nil)
    }

    /// Every row of every table.
    func dump(_ path: String) async throws -> String {
        try await DatabaseQueue(path: path).read { db in
            var text = ""
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") { text += "\(table) \(row)\n" }
            }
            return text
        }
    }

    @Test("a commit is all or nothing: a failure in its last part leaves every table as it was, with a typed error")
    func atomicCommit() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        let before = try await dump(h.sqlitePath)

        var moved = item
        moved.state = .accepted
        moved.version = 2
        var change = ChangeSet(item: .update(moved, previous: item))
        change.auditEvents = [AuditEvent(id: "audit-x", organizationID: "acme", itemID: item.id, actorID: "worker",
            action: "accept", fromState: .assigned, toState: .accepted, occurredAt: h.clock.now())]
        let notice = Notice(id: "same-id", organizationID: "acme", recipientID: "boss", kind: .accepted, itemID: item.id,
            actorID: "worker", title: "t", body: "b", createdAt: h.clock.now())
        change.notifications = [notice, notice]
        do {
            _ = try await h.store.commit(change)
            Issue.record("a duplicate notification id was committed")
        } catch {
            #expect(error.code == .alreadyExists, "\(error)")
        }
        #expect(try await dump(h.sqlitePath) == before)
        #expect(try await h.store.workItem(item.id)?.state == .assigned)
    }

    @Test("an update based on an old version is a conflict; a recorded idempotency key replays and writes nothing")
    func versionsAndKeys() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        var newer = item
        newer.version = 2
        _ = try await h.store.commit(ChangeSet(item: .update(newer, previous: item)))
        var stale = item
        stale.version = 2
        stale.title = "lost update"
        do {
            _ = try await h.store.commit(ChangeSet(item: .update(stale, previous: item)))
            Issue.record("a stale update was committed")
        } catch {
            #expect(error.code == .conflict && error.message.contains("version 2"), "\(error)")
        }
        let key = IdempotencyKey(actorID: "boss", key: "k")
        let recorded = RecordedResult(command: "test", fingerprint: "f", payload: Data("first".utf8))
        #expect(try await h.store.commit(ChangeSet(idempotency: IdempotencyRecord(key: key, result: recorded))) == .committed)
        let before = try await dump(h.sqlitePath)
        var again = ChangeSet(idempotency: IdempotencyRecord(
            key: key, result: RecordedResult(command: "test", fingerprint: "f", payload: Data("second".utf8))))
        again.auditEvents = [AuditEvent(id: "never", organizationID: "acme", itemID: nil, actorID: "boss", action: "x",
            fromState: nil, toState: nil, occurredAt: h.clock.now())]
        #expect(try await h.store.commit(again) == .replayed(recorded))
        #expect(try await dump(h.sqlitePath) == before)
    }

    @Test("lists page through every visible item exactly once, in deadline order")
    func listPaging() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme", administrator: true)
        try await h.addMember("worker", in: "acme")
        var created: [WorkItem] = []
        for n in 0..<23 {
            let deadline = Deadline.instant(h.clock.now().addingTimeInterval(Double(86_400 * (1 + n % 5))))
            created.append(try await h.engine.workItems.create(h.draft(title: "T\(n)", assignees: ["worker"], deadline: deadline),
                by: "boss"))
        }
        let expected = created.sorted { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }.map(\.id)
        for viewer: Member.ID in ["boss", "worker"] {
            let scope = try await h.engine.visibilityScope(of: viewer)
            var seen: [WorkItem.ID] = []
            var cursor: String?
            repeat {
                let page = try await h.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 4, cursor: cursor))
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen == expected, "\(viewer)")
            #expect(try await h.store.countWorkItems(in: scope, matching: .all) == 23)
        }
        do {
            _ = try await h.store.workItems(in: try await h.engine.visibilityScope(of: "boss"), matching: .all,
                page: PageRequest(cursor: "garbage"))
            Issue.record("a malformed cursor was accepted")
        } catch {
            #expect(error.code == .invalidInput)
        }
        let filtered = try await h.store.countWorkItems(
            in: try await h.engine.visibilityScope(of: "boss"),
            matching: WorkItemFilter(dueBefore: h.clock.now().addingTimeInterval(86_400 * 2 + 1)))
        #expect(filtered == created.filter { $0.dueAt <= h.clock.now().addingTimeInterval(86_400 * 2) }.count)
    }
}

@Suite struct StoredTextTests {
    @Test("audit details are stored as the same JSON the standard encoder writes, and read back unchanged")
    func detailsRoundTrip() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("worker", in: "acme")
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        try await h.engine.workItems.accept(item.id, by: "worker")
        try await h.engine.workItems.start(item.id, by: "worker")
        try await h.engine.workItems.submitForReview(item.id, by: "worker")
        let reason = "Quote \" backslash \\ slash / newline \n tab \t 中文 emoji 🚀"
        try await h.engine.workItems.reject(item.id, by: "boss", reason: reason)
        let stored = try #require(try await h.store.auditTrail(of: item.id).last)
        #expect(stored.details["reason"] == reason)
    }
}
