import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

/// The retention policy, applied by the runner under virtual time.
@Suite(.timeLimit(.minutes(10))) struct RetentionTests {
    static let day: TimeInterval = 86_400

    /// Rows of a table, read straight from the file.
    func count(_ table: String, in h: TestHarness) async throws -> Int {
        try await rowCount(table, in: h)
    }

    func company() async throws -> TestHarness {
        let h = try await TestHarness(storage: .underTest)
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme", administrator: true)
        try await h.addMember("worker", in: "acme")
        return h
    }

    /// A draft that does not depend on the clock, so that it can be sent again weeks later.
    func draft(_ h: TestHarness, _ title: String) -> WorkItemDraft {
        h.draft(title: title, assignees: ["worker"], deadline: .endOfDay(CalendarDate(year: 2027, month: 12, day: 31)))
    }

    @Test("keys and hook rows younger than their age stay, older ones go, in batches; an expired key runs anew")
    func defaultPolicy() async throws {
        let h = try await company()
        let policy = RetentionPolicy(batchSize: 2)
        #expect(policy.idempotencyKeys == .seconds(30 * 86_400) && policy.hookDeliveries == .seconds(90 * 86_400))
        #expect(policy.readNotices == nil, "notices people read stay unless the policy says otherwise")
        let hook = RecordingNotificationHook()
        let runner = try CollabRunner(engine: h.engine, hooks: [hook], dispatcher: .quiet(), retention: policy)

        // Day 0: five commands with keys, their notifications delivered.
        var first: [WorkItem] = []
        for n in 0..<5 {
            first.append(try await h.engine.workItems.create(draft(h, "Old \(n)"), by: "boss", idempotencyKey: "old-\(n)"))
        }
        try await runner.runOnce()
        var report = try await runner.applyRetention()
        #expect(report.deleted.values.reduce(0, +) == 0)
        #expect(report.stamped == 5, "keys get the time retention first sees them")
        #expect(try await count("idempotency_keys", in: h) == 5)
        #expect(try await count("notification_hook_deliveries", in: h) == 5)

        // Day 20: one more.
        h.clock.advance(by: .seconds(20 * 86_400))
        let recent = try await h.engine.workItems.create(draft(h, "Recent"), by: "boss", idempotencyKey: "recent")
        try await runner.runOnce()
        try await runner.applyRetention()
        let trail = try await h.store.auditTrail(of: first[0].id)

        // Day 31: the five old keys are past 30 days, the recent one is not; hook rows are kept 90 days.
        h.clock.advance(by: .seconds(11 * 86_400))
        report = try await runner.applyRetention()
        #expect(report.deleted[.idempotencyKeys] == 5)
        #expect(report.batches >= 3, "five keys, at most two a transaction: \(report.batches) batches")
        #expect(try await count("idempotency_keys", in: h) == 1)
        #expect(try await count("notification_hook_deliveries", in: h) == 6)

        // A retry under an expired key is a new command; under a kept key it is still the first result.
        let again = try await h.engine.workItems.create(draft(h, "Old 0"), by: "boss", idempotencyKey: "old-0")
        #expect(again.id != first[0].id, "the key expired: the command ran again")
        #expect(try await h.engine.workItems.create(draft(h, "Recent"), by: "boss", idempotencyKey: "recent") == recent)
        #expect(try await h.engine.workItems.count(as: "boss") == 7)
        try await runner.runOnce()

        // Day 91: the first five notifications' hook rows go; the notifications and the audit trail stay.
        h.clock.advance(by: .seconds(60 * 86_400))
        report = try await runner.applyRetention()
        #expect(report.deleted[.hookDeliveries] == 5)
        #expect(try await count("notification_hook_deliveries", in: h) == 2)
        #expect(try await h.notices(of: "worker").count == 7)
        #expect(try await h.store.auditTrail(of: first[0].id) == trail)
        #expect(try await h.store.outboxCounts() == OutboxCounts(pending: 0, delivered: 7, parked: 0))
    }

    @Test("one batch never deletes more than its limit")
    func batchBound() async throws {
        let h = try await company()
        for n in 0..<5 {
            try await h.engine.workItems.create(draft(h, "Item \(n)"), by: "boss", idempotencyKey: "k-\(n)")
        }
        let now = h.clock.now()
        var batch = try await h.store.deleteExpired(.idempotencyKeys, before: now, now: now, limit: 3)
        #expect(batch == RetentionBatch(deleted: 0, stamped: 3))
        batch = try await h.store.deleteExpired(.idempotencyKeys, before: now, now: now, limit: 3)
        #expect(batch == RetentionBatch(deleted: 1, stamped: 2))
        batch = try await h.store.deleteExpired(.idempotencyKeys, before: now, now: now, limit: 3)
        #expect(batch == RetentionBatch(deleted: 3, stamped: 0))
        batch = try await h.store.deleteExpired(.idempotencyKeys, before: now, now: now, limit: 3)
        #expect(batch == RetentionBatch(deleted: 1, stamped: 0))
        #expect(try await count("idempotency_keys", in: h) == 0)
    }

    @Test("read notices go only when the policy says so, and unread, pending and parked ones never")
    func readNotices() async throws {
        let h = try await company()
        let hook = RecordingNotificationHook()
        let runner = try CollabRunner(
            engine: h.engine, hooks: [hook], dispatcher: .quiet(),
            retention: RetentionPolicy(idempotencyKeys: nil, hookDeliveries: nil, readNotices: .seconds(10 * 86_400)))
        for n in 0..<3 {
            try await h.engine.workItems.create(draft(h, "Item \(n)"), by: "boss")
        }
        let notices = try await h.notices(of: "worker")
        try await runner.runOnce()
        #expect(try await h.engine.inbox.markRead([notices[0].id], of: "worker") == 1)
        // A fourth, read but never delivered (no dispatcher runs after it): pending, so it stays.
        try await h.engine.workItems.create(draft(h, "Pending"), by: "boss")
        let pending = try #require(try await h.notices(of: "worker").last)
        #expect(try await h.engine.inbox.markRead([pending.id], of: "worker") == 1)
        h.clock.advance(by: .seconds(11 * 86_400))
        let report = try await runner.applyRetention()
        #expect(report.deleted[.readNotices] == 2, "the read notice and its hook row")
        let left = try await h.notices(of: "worker").map(\.id)
        #expect(left.count == 3 && !left.contains(notices[0].id))
        #expect(try await h.store.outboxCounts() == OutboxCounts(pending: 1, delivered: 2, parked: 0))
    }

    @Test("the runner applies the policy on its first round and then every interval, on the engine's clock")
    func runnerSchedule() async throws {
        let h = try await company()
        try await h.engine.workItems.create(draft(h, "Item"), by: "boss", idempotencyKey: "k")
        let runner = try CollabRunner(
            engine: h.engine, hooks: [RecordingNotificationHook()], dispatcher: .quiet(),
            retention: RetentionPolicy(idempotencyKeys: .seconds(3600), interval: .seconds(600)))
        let background = Task { await runner.run(pollInterval: .seconds(60)) }
        // The first round stamps the key; it expires an hour later and goes at the next application.
        for _ in 0..<80 {
            while h.clock.sleeperCount == 0 { await Task.yield() }
            h.clock.advance(by: .seconds(60))
            if try await count("idempotency_keys", in: h) == 0 { break }
        }
        background.cancel()
        await background.value
        #expect(try await count("idempotency_keys", in: h) == 0)
        let elapsed = h.clock.now().timeIntervalSince(Date(timeIntervalSince1970: 1_767_225_600))
        #expect(elapsed >= 3600 && elapsed <= 3600 + 600 + 120, "deleted after \(elapsed) s")
    }
}
