import CollabModel
import CollabPermissions
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import CollabWorkflow
import Foundation
import Logging
import Testing

@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct DifferentialOutboxTests {
    typealias W = DifferentialWorld

    /// A dispatcher without jitter, so that retry times are the same on both stores.
    static func dispatcher(_ w: W, _ hooks: [any NotificationHook], maximumAttempts: Int = 3) throws -> NotificationDispatcher {
        var configuration = NotificationDispatcher.Configuration()
        configuration.retry.jitter = 0
        configuration.retry.maximumAttempts = maximumAttempts
        configuration.concurrency = 1
        configuration.logger = Logger(label: "pgdiff", factory: { _ in SwiftLogNoOpLogHandler() })
        return try w.engine.makeDispatcher(hooks: hooks, configuration: configuration)
    }

    @Test("work items, the inbox, read marks, deliveries, retries, parking and requeueing read the same on both stores")
    func workItemsInboxAndOutbox() async throws {
        try await differential { w in
            var answers = Answers()
            try await w.populate()
            let e = w.engine
            let plan = try await e.workItems.create(w.draft("Prepare the Q4 plan", assignees: [W.li], reviewer: W.chen,
                departments: ["eng-mobile"], tags: ["plan", "q4"]), by: W.zhang)
            let shared = try await e.workItems.create(w.draft("Shared spec", assignees: [W.li, W.wang],
                partners: ["partnerco"], days: 3), by: W.zhang)
            let sales = try await e.workItems.create(w.draft("Sales deck", assignees: [W.wu], departments: ["sales"],
                days: 10, tags: ["deck"]), by: W.admin)
            try await e.workItems.accept(plan.id, by: W.li)
            try await e.workItems.start(plan.id, by: W.li)
            try await e.workItems.comment(on: plan.id, by: W.li, "@zhang have a look", visibility: .internal)
            try await e.workItems.comment(on: shared.id, by: W.zhang, "@amy please confirm", visibility: .external)
            try await e.workItems.accept(sales.id, by: W.wu)

            // Deliveries: one hook fails its first two calls; the notifications to amy always fail and park.
            let hook = RecordingNotificationHook(name: "recording", failWhen: { call, delivery in
                call <= 2 || delivery.notice.recipientID == W.amy
            })
            let archive = RecordingNotificationHook(name: "archive")
            let dispatcher = try Self.dispatcher(w, [hook, archive], maximumAttempts: 2)
            await answers.add("pass 1") { try await dispatcher.deliverDue() }
            await answers.add("counts 1") { try await w.store.outboxCounts() }
            await answers.add("next due") { try await w.store.nextDeliveryDue() as Any }
            w.clock.advance(by: .seconds(3600))
            await answers.add("pass 2") { try await dispatcher.deliverDue() }
            w.clock.advance(by: .seconds(3600))
            await answers.add("pass 3") { try await dispatcher.deliverDue() }
            await answers.add("delivered") { hook.deliveries.map(\.notice.id.rawValue).sorted() }
            await answers.add("archived") { archive.deliveries.map(\.notice.id.rawValue).sorted() }
            let parked = try await w.store.parkedDeliveries(limit: 10)
            await answers.add("parked") { parked }
            await answers.add("requeue") { try await w.store.requeueParked(parked.map(\.notification.id) + ["none"], now: w.clock.now()) }
            await answers.add("requeue again") { try await w.store.requeueParked(parked.map(\.notification.id), now: w.clock.now()) }
            for member in W.everyone {
                let notices = try await w.store.storedNoticesForTest(of: member)
                for notice in notices {
                    await answers.add("state \(notice.id)") {
                        var state = try await w.store.deliveryState(of: notice.id)
                        state?.lease = nil
                        return state as Any
                    }
                }
            }
            await answers.add("state none") { try await w.store.deliveryState(of: "none") as Any }

            // Read marks.
            let liNotices = try await w.store.storedNoticesForTest(of: W.li).map(\.id)
            await answers.add("mark some") { try await w.store.markRead(Array(liNotices.prefix(1)) + ["none"], of: W.li, at: w.clock.now()) }
            await answers.add("mark again") { try await w.store.markRead(Array(liNotices.prefix(1)), of: W.li, at: w.clock.now()) }
            await answers.add("mark other's") { try await w.store.markRead(liNotices, of: W.zhang, at: w.clock.now()) }
            await answers.add("unread subset") { try await w.store.unreadNoticeIDs(liNotices, of: W.li) }
            await answers.add("mark all") { try await e.inbox.markAllRead(of: W.wang) }
            await answers.add("mark desk") { try await e.inbox.markRead(liNotices, of: W.li) }
            await answers.add("bad cursor") {
                try await w.store.inbox(for: W.li, visibleIn: try await e.visibilityScope(of: W.li), unreadOnly: false,
                    page: PageRequest(cursor: "later"))
            }
            // Losing access hides notices about an item.
            try await e.workItems.unshare(shared.id, from: "partnerco", by: W.zhang)
            await DifferentialScenarioTests.inboxes(w, into: &answers)
            return answers
        }
    }

    /// A lease as both stores can agree on it: its owner, and how long it has left on the store's clock, to the
    /// ten seconds (leases end on the store's clock, which is real time on both stores here, not the world's).
    static func describe(_ lease: OutboxLease?) -> String {
        guard let lease else { return "no lease" }
        let left = lease.until.timeIntervalSince(Date())
        return "\(lease.owner), \(Int((left / 10).rounded()) * 10) s left"
    }

    /// An entry with its lease described as ``describe(_:)`` does.
    static func describe(_ entry: OutboxEntry) -> String {
        "\(entry.notification) \(entry.attempts) \(entry.deliveredHooks.sorted()) \(entry.lastError ?? "-") "
            + describe(entry.lease)
    }

    @Test("a lease is honoured only by its holder, before it runs out on the store's clock, on both stores")
    func leases() async throws {
        try await differential { w in
            var answers = Answers()
            try await w.populate()
            _ = try await w.engine.workItems.create(w.draft("Lease me", assignees: [W.li, W.wang]), by: W.zhang)
            let s = w.store
            let now = w.clock.now()
            let claimed = try await s.claimDeliveries(now: now, limit: 1, lease: .seconds(60), owner: "a")
            await answers.add("claimed") { claimed.map(Self.describe) }
            guard let entry = claimed.first, let lease = entry.lease else { return answers }
            let id = entry.notification.id
            await answers.add("claim while held") {
                try await s.claimDeliveries(now: now.addingTimeInterval(30), limit: 10, lease: .seconds(60), owner: "b")
                    .map(\.notification.id)
            }
            await answers.add("claim while held, a day later in business time") {
                try await s.claimDeliveries(now: now.addingTimeInterval(86_400), limit: 10, lease: .seconds(60), owner: "b")
                    .map(\.notification.id)
            }
            await answers.add("renew by stranger") {
                Self.describe(try await s.renewLease(id, OutboxLease(owner: "b", until: lease.until), for: .seconds(120)))
            }
            await answers.add("renew stale") {
                Self.describe(try await s.renewLease(id, OutboxLease(owner: "a", until: lease.until.addingTimeInterval(-1)),
                    for: .seconds(120)))
            }
            // Renewed for a moment only: the renewed lease runs out on the store's clock while nobody takes it over.
            let renewed = try await s.renewLease(id, lease, for: .milliseconds(300))
            await answers.add("renewed") { Self.describe(renewed) }
            await answers.add("record under old lease") {
                try await s.recordDelivery(DeliveryOutcome(notificationID: id, acceptedBy: ["h"], attempts: 1,
                    next: .delivered(at: now), error: nil), lease: lease)
            }
            try await Task.sleep(for: .milliseconds(800))
            let later = now.addingTimeInterval(180)
            if let renewed {
                await answers.add("record after the lease ran out") {
                    try await s.recordDelivery(DeliveryOutcome(notificationID: id, acceptedBy: ["h"], attempts: 1,
                        next: .delivered(at: later), error: nil), lease: renewed)
                }
            }
            await answers.add("state after the lease ran out") {
                var state = try await s.deliveryState(of: id)
                state?.lease = nil
                return state as Any
            }
            // Another dispatcher takes the notification over; the first one's results are still refused.
            let takeover = try await s.claimDeliveries(now: later, limit: 10, lease: .seconds(60), owner: "b")
            await answers.add("takeover") { takeover.map(Self.describe) }
            if let renewed {
                await answers.add("record by the first") {
                    try await s.recordDelivery(DeliveryOutcome(notificationID: id, acceptedBy: ["h"], attempts: 1,
                        next: .delivered(at: later), error: nil), lease: renewed)
                }
                await answers.add("renew by the first") { Self.describe(try await s.renewLease(id, renewed, for: .seconds(60))) }
            }
            for entry in takeover {
                guard let lease = entry.lease else { continue }
                await answers.add("retry \(entry.notification.id)") {
                    try await s.recordDelivery(DeliveryOutcome(notificationID: entry.notification.id, acceptedBy: ["h1"],
                        attempts: 1, next: .retry(at: later.addingTimeInterval(10)), error: "h2: down"), lease: lease)
                }
                await answers.add("record twice \(entry.notification.id)") {
                    try await s.recordDelivery(DeliveryOutcome(notificationID: entry.notification.id, acceptedBy: [],
                        attempts: 1, next: .parked(at: later), error: nil), lease: lease)
                }
            }
            await answers.add("next due after the retries") { try await s.nextDeliveryDue() as Any }
            let again = try await s.claimDeliveries(now: later.addingTimeInterval(10), limit: 10, lease: .seconds(60),
                owner: "c")
            await answers.add("claimed again") { again.map(Self.describe) }
            await answers.add("next due while leased") { try await s.nextDeliveryDue() as Any }
            for (index, entry) in again.enumerated() {
                guard let lease = entry.lease else { continue }
                let next: DeliveryOutcome.Next = index == 0 ? .suppressed(at: later) : .delivered(at: later)
                await answers.add("final \(entry.notification.id)") {
                    try await s.recordDelivery(DeliveryOutcome(notificationID: entry.notification.id, acceptedBy: ["h2"],
                        attempts: 2, next: next, error: nil), lease: lease)
                }
                await answers.add("state \(entry.notification.id)") { try await s.deliveryState(of: entry.notification.id) as Any }
            }
            await answers.add("counts") { try await s.outboxCounts() }
            await answers.add("next due") { try await s.nextDeliveryDue() as Any }
            return answers
        }
    }

    @Test("two store instances on one schema racing to claim deliveries never hand out one notification twice")
    func concurrentClaimsNeverOverlap() async throws {
        let store = try await PostgresTestServer.makeStore()
        let peer = try await PostgresTestServer.makePeer(of: store)
        do {
            let total = 600
            // Notifications due at once, written straight into the outbox.
            _ = try await store.write { connection in
                try await connection.execute("""
                    INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, title, body, created_at,
                        delivery_state, attempts, next_attempt_at)
                    SELECT 'n' || lpad(i::text, 4, '0'), 'acme', 'm' || (i % 7), 'assigned', 'normal', 'T', 'B', 1000,
                        'pending', 0, 1000 + (i % 5)
                    FROM generate_series(1, \(total)) AS i
                    """, store.logger)
            }
            let now = Date(timeIntervalSince1970: 10)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for task in 0..<16 {
                    let claimer = task.isMultiple(of: 2) ? store : peer
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await claimer.claimDeliveries(now: now, limit: 7, lease: .seconds(600),
                                owner: "task-\(task)")
                            if batch.isEmpty { break }
                            let lease = batch.first?.lease
                            #expect(lease?.owner == "task-\(task)")
                            #expect(batch.allSatisfy { $0.lease == lease }, "one lease for the whole claim")
                            mine += batch.map(\.notification.id.rawValue)
                        }
                        return mine
                    }
                }
                var all: [[String]] = []
                for try await claimed in group { all.append(claimed) }
                return all
            }
            let everything = claims.flatMap { $0 }
            #expect(everything.count == total, "claimed \(everything.count) of \(total)")
            #expect(Set(everything).count == everything.count, "some notification was claimed twice")
            #expect(claims.filter { !$0.isEmpty }.count > 1, "one task claimed everything")
            // Nothing is due any more until the leases run out on the database's clock, whatever a claimer's now
            // says; then every notification comes back once.
            #expect(try await peer.claimDeliveries(now: now, limit: 10, lease: .seconds(60), owner: "late").isEmpty)
            #expect(try await peer.claimDeliveries(now: now.addingTimeInterval(3_600), limit: 10, lease: .seconds(60),
                owner: "late").isEmpty)
            // Ten minutes pass on the database's clock: every lease ends that much earlier.
            _ = try await store.write { connection in
                try await connection.execute("UPDATE notifications SET lease_until = lease_until - 600000", store.logger)
            }
            let reclaimed = try await peer.claimDeliveries(now: now, limit: 1000, lease: .seconds(60), owner: "late")
            #expect(reclaimed.count == total)
            #expect(reclaimed.map(\.notification.id.rawValue) == reclaimed.map(\.notification.id.rawValue).sorted {
                let (l, r) = (Int($0.dropFirst()) ?? 0, Int($1.dropFirst()) ?? 0)
                return (1000 + l % 5, l) < (1000 + r % 5, r)
            }, "a claim hands out the oldest due first")
        } catch {
            await peer.shutdown()
            await PostgresTestServer.release(store)
            throw error
        }
        await peer.shutdown()
        await PostgresTestServer.release(store)
    }
}

@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct SharedOutboxTests {
    @Test("dispatchers of two engines on two store instances deliver every notification once between them")
    func twoDispatchersDeliverEachNotificationOnce() async throws {
        let store = try await PostgresTestServer.makeStore()
        let peer = try await PostgresTestServer.makePeer(of: store)
        do {
            let w = DifferentialWorld(store: store)
            try await w.populate()
            for n in 0..<30 {
                _ = try await w.engine.workItems.create(w.draft("Item \(n)", assignees: [DifferentialWorld.li, DifferentialWorld.wang],
                    reviewer: DifferentialWorld.chen), by: DifferentialWorld.zhang)
            }
            let pending = try await store.outboxCounts().pending
            #expect(pending >= 60)
            let hook = RecordingNotificationHook()
            let other = WorkflowEngine(store: peer, clock: w.clock, identifiers: SequentialIdentifierGenerator(prefix: "p"))
            var configuration = NotificationDispatcher.Configuration()
            configuration.batchSize = 5
            configuration.concurrency = 4
            configuration.logger = Logger(label: "pgshared", factory: { _ in SwiftLogNoOpLogHandler() })
            let dispatchers = [try w.engine.makeDispatcher(hooks: [hook], configuration: configuration),
                               try other.makeDispatcher(hooks: [hook], configuration: configuration)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for dispatcher in dispatchers + dispatchers {
                    group.addTask {
                        for _ in 0..<40 { _ = try await dispatcher.deliverDue() }
                    }
                }
                try await group.waitForAll()
            }
            let delivered = hook.deliveries.map(\.notice.id)
            #expect(delivered.count == pending, "\(delivered.count) deliveries of \(pending) notifications")
            #expect(Set(delivered).count == delivered.count, "a notification was delivered twice")
            #expect(try await peer.outboxCounts() == OutboxCounts(pending: 0, delivered: pending, parked: 0))
        } catch {
            await peer.shutdown()
            await PostgresTestServer.release(store)
            throw error
        }
        await peer.shutdown()
        await PostgresTestServer.release(store)
    }
}

@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct UndecodableDeliveryTests {
    @Test("a notification that cannot be read back is parked with the reason, and the claim goes on with the others")
    func undecodableRowIsParked() async throws {
        try await PostgresTestServer.withStore { store in
            _ = try await store.write { connection in
                try await connection.execute("""
                    INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, title, body, created_at,
                        delivery_state, attempts, next_attempt_at)
                    VALUES ('n1', 'acme', 'li', 'assigned', 'normal', 'T', 'B', 1000, 'pending', 0, 1000),
                        ('n2', 'acme', 'li', 'assigned', 'shouting', 'T', 'B', 1000, 'pending', 0, 1001),
                        ('n3', 'acme', 'li', 'assigned', 'urgent', 'T', 'B', 1000, 'pending', 0, 1002)
                    """, store.logger)
            }
            let now = Date(timeIntervalSince1970: 10)
            let claimed = try await store.claimDeliveries(now: now, limit: 2, lease: .seconds(60), owner: "a")
            #expect(claimed.map(\.notification.id) == ["n1", "n3"])
            let parked = try await store.deliveryState(of: "n2")
            #expect(parked?.status == .parked)
            #expect(parked?.lease == nil)
            #expect(parked?.lastError?.hasPrefix("undecodable notification parked:") == true)
            #expect(parked?.lastError?.contains("shouting") == true)
            #expect(try await store.parkedDeliveries(limit: 10).isEmpty, "an unreadable parked row is left out of the list")
            #expect(try await store.outboxCounts() == OutboxCounts(pending: 2, delivered: 0, parked: 1))
        }
    }
}

extension CollabStorage {
    /// Every notification of a member, oldest first, from either store.
    func storedNoticesForTest(of member: Member.ID) async throws -> [Notice] {
        if let store = self as? SQLiteStore { return try await store.storedNotices(of: member) }
        if let store = self as? PostgresStore { return try await store.storedNotices(of: member) }
        return []
    }
}
