import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension StoreConformance {
    /// `count` notifications created at +0 s, +10 s, ... (in that commit order).
    static func outbox(_ ctx: ConformanceContext, _ count: Int) async throws -> [Notice] {
        try await ctx.basicWorld()
        var notices: [Notice] = []
        for n in 0..<count { notices += try await ctx.itemWithNotices(["worker"], at: ctx.at(Double(n * 10))) }
        return notices
    }

    /// One notification claimed by "A" under the short lease, which then ran out on the store's clock.
    static func leaseRanOut(_ ctx: ConformanceContext) async throws -> (Notice, OutboxLease) {
        let notice = try await outbox(ctx, 1)[0]
        let held = try ctx.lease(try ctx.some(
            try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: shortLease, owner: "A").first, "A's entry"))
        try await ctx.wait(shortLeaseWait)
        return (notice, held)
    }

    static func outcome(_ id: Notice.ID, _ next: DeliveryOutcome.Next, attempts: Int = 1, hooks: [String] = ["h1"],
        error: String? = nil) -> DeliveryOutcome
    {
        DeliveryOutcome(notificationID: id, acceptedBy: hooks, attempts: attempts, next: next, error: error)
    }

    /// The lease of the outbox checks that are not about leases running out: an hour, so that it never runs
    /// out during a check, even under the thread sanitizer on a loaded machine.
    static let longLease: Duration = .seconds(3_600)
    /// The lease of the checks that let a lease run out on the store's clock, and how long they wait for it
    /// (in real time: a shared database's clock is real).
    static let shortLease: Duration = .milliseconds(300)
    static let shortLeaseWait: Duration = .milliseconds(700)

    /// Fails unless `later`, a lease asked `extra` longer than `earlier` and no sooner, ends `extra` later than
    /// it on the store's clock, give or take the real time `elapsed` between the two requests (and the
    /// milliseconds the store rounds to). Says nothing about how the store's clock compares with the checker's.
    static func expectLonger(_ ctx: ConformanceContext, _ later: OutboxLease, than earlier: OutboxLease, by extra: Duration,
        elapsed: TimeInterval, _ what: String) throws
    {
        let gap = later.until.timeIntervalSince(earlier.until)
        try ctx.expect(gap >= extra.timeInterval - 0.002 && gap <= extra.timeInterval + elapsed + 0.002,
            "\(what) to end \(extra) after the earlier lease, within the \(elapsed) s that passed between them "
                + "(the store's clock plus the duration asked for)",
            found: "\(gap) s later (\(earlier.until) then \(later.until))")
    }

    static let outboxChecks: [Check] = [
        Check(.outbox, "claim-due-oldest-first",
            "claimDeliveries hands out the notifications due at now (business time), earliest due first (then in commit order), at most limit, each with the lease of its claim: the owner, and one end for the whole claim, the store's clock plus the lease asked for (a claim asking an hour more ends an hour later).") { ctx in
            let notices = try await outbox(ctx, 5)
            let started = Date()
            let claimed = try await ctx.store.claimDeliveries(now: ctx.at(25), limit: 10, lease: longLease, owner: "A")
            try ctx.equal(claimed.map(\.notification.id), notices.prefix(3).map(\.id), "the claimed notifications")
            try ctx.equal(claimed.first?.notification, notices[0], "the claimed notification's content")
            let lease = try ctx.lease(try ctx.some(claimed.first, "A's first entry"))
            try ctx.equal(lease.owner, "A", "the lease's owner")
            for entry in claimed {
                try ctx.equal(entry.lease, lease, "the lease of \(entry.notification.id) (one lease per claim)")
                try ctx.equal(entry.attempts, 0, "the attempts of \(entry.notification.id)")
                try ctx.equal(try await ctx.store.deliveryState(of: entry.notification.id)?.lease, lease,
                    "the stored lease of \(entry.notification.id)")
            }
            let limited = try await ctx.store.claimDeliveries(now: ctx.at(100), limit: 1, lease: longLease * 2, owner: "B")
            let elapsed = Date().timeIntervalSince(started)
            try ctx.equal(limited.map(\.notification.id), [notices[3].id], "a claim of limit 1 by B")
            let longer = try ctx.lease(try ctx.some(limited.first, "B's entry"))
            try ctx.equal(longer.owner, "B", "B's lease's owner")
            try expectLonger(ctx, longer, than: lease, by: longLease, elapsed: elapsed, "B's two-hour lease")
        },
        Check(.outbox, "claim-skips-leased",
            "A notification leased to one owner is not handed to another while the lease runs, whatever the other's now (business time) says.") { ctx in
            _ = try await outbox(ctx, 3)
            let a = try await ctx.store.claimDeliveries(now: ctx.at(50), limit: 10, lease: longLease, owner: "A")
            try ctx.equal(a.count, 3, "A's claim")
            let b = try await ctx.store.claimDeliveries(now: ctx.at(199), limit: 10, lease: longLease, owner: "B")
            try ctx.equal(b.map(\.notification.id), [], "B's claim while A's leases run")
            let later = try await ctx.store.claimDeliveries(now: ctx.at(50 + 30 * 86_400), limit: 10, lease: longLease,
                owner: "B")
            try ctx.equal(later.map(\.notification.id), [], "B's claim with a now a month later, while A's leases run")
        },
        Check(.outbox, "expired-lease-rescued",
            "Once a lease has run out on the store's clock, another owner claims the notification again (a rescue), with a lease of its own; before that it could not.") { ctx in
            let notices = try await outbox(ctx, 2)
            let a = try await ctx.store.claimDeliveries(now: ctx.at(50), limit: 10, lease: shortLease, owner: "A")
            try ctx.equal(a.map(\.notification.id), notices.map(\.id), "A's claim")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(50), limit: 10, lease: longLease, owner: "B")
                .map(\.notification.id), [], "B's claim while A's leases run")
            try await ctx.wait(shortLeaseWait)
            let b = try await ctx.store.claimDeliveries(now: ctx.at(50), limit: 10, lease: longLease, owner: "B")
            try ctx.equal(b.map(\.notification.id), notices.map(\.id), "B's rescue once A's leases ran out")
            let rescue = try ctx.lease(try ctx.some(b.first, "B's entry"))
            let stale = try ctx.lease(try ctx.some(a.first, "A's entry"))
            try ctx.expect(rescue.owner == "B" && rescue.until > stale.until, "B's lease, ending after A's",
                found: "\(rescue) after \(stale)")
            try ctx.equal(try await ctx.store.deliveryState(of: notices[0].id)?.lease, rescue, "the lease held after the rescue")
        },
        Check(.outbox, "late-ack-after-rescue-rejected",
            "After a rescue, the first owner's outcome under its old lease is refused (false) and changes nothing; the rescuer's is recorded.") { ctx in
            let notices = try await outbox(ctx, 1)
            let a = try await ctx.store.claimDeliveries(now: ctx.at(5), limit: 1, lease: shortLease, owner: "A")
            try await ctx.wait(shortLeaseWait)
            let b = try await ctx.store.claimDeliveries(now: ctx.at(5), limit: 1, lease: longLease, owner: "B")
            let id = notices[0].id
            let rescue = try ctx.lease(try ctx.some(b.first, "B's entry"))
            let late = try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(61)), hooks: ["late"]),
                lease: try ctx.lease(try ctx.some(a.first, "A's entry")))
            try ctx.equal(late, false, "A's late acknowledgement")
            let state = try ctx.some(try await ctx.store.deliveryState(of: id), "the state")
            try ctx.expect(state.status == .pending && state.deliveredHooks.isEmpty && state.attempts == 0
                && state.lease == rescue,
                "still pending under B's lease, no hook recorded, no attempt", found: "\(state)")
            let recorded = try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(62))), lease: rescue)
            try ctx.equal(recorded, true, "B's acknowledgement")
            try ctx.equal(try await ctx.store.deliveryState(of: id)?.status, .delivered, "the status")
        },
        Check(.outbox, "lease-runs-out-on-store-clock",
            "A lease runs out by the store's clock, whatever the holder's: once it has, another claimer takes the notification over, and the first holder's renewLease (nil) and recordDelivery (false) are refused and change nothing.") { ctx in
            let (notice, held) = try await leaseRanOut(ctx)
            let id = notice.id
            // The holder's now (business time) still sees its lease running: it is not asked.
            let taken = try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "B")
            try ctx.equal(taken.map(\.notification.id), [id], "B's claim once A's lease ran out on the store's clock")
            let rescue = try ctx.lease(try ctx.some(taken.first, "B's entry"))
            try ctx.equal(try await ctx.store.renewLease(id, held, for: longLease), nil, "A's renewal of its lease")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .parked(at: ctx.at(2)), hooks: ["h1"],
                error: "late"), lease: held), false, "A's outcome under its lease")
            let state = try ctx.some(try await ctx.store.deliveryState(of: id), "the state")
            try ctx.expect(state.status == .pending && state.deliveredHooks.isEmpty && state.attempts == 0
                && state.lastError == nil && state.lease == rescue,
                "pending under B's lease, nothing of A's recorded", found: "\(state)")
            let renewed = try ctx.some(try await ctx.store.renewLease(id, rescue, for: longLease), "B's renewal")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(3))), lease: renewed), true,
                "B's outcome under its renewed lease")
        },
        Check(.outbox, "late-record-refused",
            "An outcome under a lease that ran out on the store's clock is refused (false) and writes nothing even when nobody took the notification over; the notification counts as due again; its holder may still renew the lease (as good as claiming it again), and then records under the renewed one.") { ctx in
            let (notice, held) = try await leaseRanOut(ctx)
            let id = notice.id
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(2)), hooks: ["h1"]),
                lease: held), false, "an outcome after the lease ran out")
            let state = try ctx.some(try await ctx.store.deliveryState(of: id), "the state")
            try ctx.expect(state.status == .pending && state.deliveredHooks.isEmpty && state.attempts == 0
                && state.finishedAt == nil,
                "still pending, no hook recorded, no attempt", found: "\(state)")
            try ctx.equal(try await ctx.store.nextDeliveryDue(), notice.createdAt, "the next delivery due")
            let renewed = try ctx.some(try await ctx.store.renewLease(id, held, for: longLease),
                "a renewal of the lease that ran out, which nobody took over")
            try ctx.expect(renewed.owner == "A" && renewed.until > held.until, "A's lease, ending later",
                found: "\(renewed) after \(held)")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "B"), [],
                "a claim while the renewed lease runs")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(3))), lease: renewed), true,
                "the outcome under the renewed lease")
        },
        Check(.outbox, "renew-lease",
            "renewLease moves a lease the notification carries (same owner and end) to the store's clock plus the duration asked for; a wrong owner, a stale end, a replaced lease or a finished delivery gets nil.") { ctx in
            let notices = try await outbox(ctx, 1)
            let id = notices[0].id
            let started = Date()
            let lease = try ctx.lease(try ctx.some(
                try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "A").first, "A's entry"))
            try ctx.equal(try await ctx.store.renewLease(id, OutboxLease(owner: "B", until: lease.until), for: longLease * 2),
                nil, "a renewal by another owner")
            try ctx.equal(try await ctx.store.renewLease(id, OutboxLease(owner: "A", until: lease.until.addingTimeInterval(-1)),
                for: longLease * 2), nil, "a renewal with a stale end")
            let renewed = try ctx.some(try await ctx.store.renewLease(id, lease, for: longLease * 2), "the renewed lease")
            let elapsed = Date().timeIntervalSince(started)
            try ctx.equal(renewed.owner, "A", "the renewed lease's owner")
            try expectLonger(ctx, renewed, than: lease, by: longLease, elapsed: elapsed, "the lease renewed for two hours")
            try ctx.equal(try await ctx.store.deliveryState(of: id)?.lease, renewed, "the stored lease after the renewal")
            try ctx.equal(try await ctx.store.renewLease(id, lease, for: longLease * 2), nil, "a renewal with the replaced lease")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(70), limit: 1, lease: longLease, owner: "B"),
                [], "a claim while the renewed lease runs")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .retry(at: ctx.at(30))), lease: lease), false,
                "an outcome under the replaced lease")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(80))), lease: renewed), true,
                "an outcome under the renewed lease")
            try ctx.equal(try await ctx.store.renewLease(id, renewed, for: longLease), nil, "a renewal after delivery")
        },
        Check(.outbox, "record-wrong-owner-refused",
            "recordDelivery under a lease with another owner or another end returns false and writes nothing, not even the accepting hooks.") { ctx in
            let notices = try await outbox(ctx, 1)
            let id = notices[0].id
            let held = try ctx.lease(try ctx.some(
                try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "A").first, "A's entry"))
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(2))),
                lease: OutboxLease(owner: "B", until: held.until)), false, "an outcome under B's name")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .retry(at: ctx.at(30))),
                lease: OutboxLease(owner: "A", until: held.until.addingTimeInterval(1))), false, "an outcome with another end")
            let state = try ctx.some(try await ctx.store.deliveryState(of: id), "the state")
            try ctx.expect(state.status == .pending && state.deliveredHooks.isEmpty && state.attempts == 0
                && state.lease == held,
                "pending under A's lease, nothing recorded", found: "\(state)")
        },
        Check(.outbox, "delivered-is-final",
            "A delivered notification records its hooks, attempts and time, is never claimed again, and a second outcome under the same lease is refused.") { ctx in
            let notices = try await outbox(ctx, 1)
            let id = notices[0].id
            let lease = try ctx.lease(try ctx.some(
                try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "A").first, "entry"))
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .delivered(at: ctx.at(3)), attempts: 1,
                hooks: ["h1", "h2"]), lease: lease), true, "the outcome")
            let state = try ctx.some(try await ctx.store.deliveryState(of: id), "the state")
            try ctx.expect(state.status == .delivered && state.deliveredHooks == ["h1", "h2"] && state.attempts == 1
                && state.finishedAt == ctx.at(3) && state.lease == nil,
                "delivered at +3 s by h1 and h2 after one attempt, no lease", found: "\(state)")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(id, .parked(at: ctx.at(4)), attempts: 5), lease: lease),
                false, "a second outcome under the same lease")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(10_000), limit: 5, lease: longLease,
                owner: "B"), [], "a later claim")
            try ctx.equal(try await ctx.store.deliveryState(of: id)?.status, .delivered, "the status")
        },
        Check(.outbox, "retry-backoff",
            "A retry outcome releases the lease, keeps the accepting hooks and the error, and makes the notification due again only at the retry instant.") { ctx in
            let notices = try await outbox(ctx, 1)
            let id = notices[0].id
            let lease = try ctx.lease(try ctx.some(
                try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "A").first, "entry"))
            try await ctx.store.recordDelivery(outcome(id, .retry(at: ctx.at(500)), attempts: 1, hooks: ["h1"],
                error: "h2: timeout"), lease: lease)
            let state = try ctx.some(try await ctx.store.deliveryState(of: id), "the state")
            try ctx.expect(state.status == .pending && state.attempts == 1 && state.nextAttemptAt == ctx.at(500)
                && state.lastError == "h2: timeout" && state.deliveredHooks == ["h1"] && state.lease == nil,
                "pending, due again at +500 s, one attempt, h1 kept, the error kept, no lease", found: "\(state)")
            try ctx.equal(try await ctx.store.nextDeliveryDue(), ctx.at(500), "the next delivery due")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(499), limit: 5, lease: longLease, owner: "B"),
                [], "a claim before the retry instant")
            let again = try await ctx.store.claimDeliveries(now: ctx.at(500), limit: 5, lease: longLease, owner: "B")
            try ctx.expect(again.count == 1 && again[0].attempts == 1 && again[0].deliveredHooks == ["h1"]
                && again[0].lastError == "h2: timeout",
                "the retry handed out with one attempt, h1 and the last error", found: "\(again)")
        },
        Check(.outbox, "park-and-requeue",
            "A parked notification is listed by parkedDeliveries (oldest first, with its error), never claimed, and requeueParked makes it due at now with no attempts; other ids are not requeued.") { ctx in
            let notices = try await outbox(ctx, 3)
            let claimed = try await ctx.store.claimDeliveries(now: ctx.at(100), limit: 3, lease: longLease, owner: "A")
            for entry in claimed.prefix(2) {
                try await ctx.store.recordDelivery(outcome(entry.notification.id, .parked(at: ctx.at(101)), attempts: 8, hooks: [],
                    error: "gave up"), lease: try ctx.lease(entry))
            }
            let parked = try await ctx.store.parkedDeliveries(limit: 10)
            try ctx.equal(parked.map(\.notification.id), notices.prefix(2).map(\.id), "the parked notifications")
            try ctx.expect(parked.allSatisfy { $0.lastError == "gave up" && $0.attempts == 8 }, "their error and attempts",
                found: "\(parked)")
            try ctx.equal(try await ctx.store.parkedDeliveries(limit: 1).count, 1, "parked with limit 1")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(150), limit: 10, lease: longLease,
                owner: "B").map(\.notification.id), [], "a claim with two parked and one leased")
            let requeued = try await ctx.store.requeueParked([notices[0].id, notices[2].id, "ghost"], now: ctx.at(300))
            try ctx.equal(requeued, 1, "how many were requeued")
            let state = try ctx.some(try await ctx.store.deliveryState(of: notices[0].id), "the requeued state")
            try ctx.expect(state.status == .pending && state.attempts == 0 && state.nextAttemptAt == ctx.at(300),
                "pending, due at +300 s, no attempts", found: "\(state)")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(300), limit: 10, lease: longLease, owner: "C")
                .map(\.notification.id), [notices[0].id],
                "a claim after the requeue (the third still under A's lease)")
            try await ctx.store.recordDelivery(outcome(notices[2].id, .retry(at: ctx.at(50))),
                lease: try ctx.lease(try ctx.some(claimed.last, "A's third entry")))
            try ctx.equal(try await ctx.store.requeueParked([notices[1].id], now: ctx.at(250)), 1, "the second requeue")
            try ctx.equal(try await ctx.store.claimDeliveries(now: ctx.at(300), limit: 10, lease: longLease, owner: "D")
                .map(\.notification.id), [notices[2].id, notices[1].id],
                "a claim after a retry and a second requeue (earliest due first, the requeued one at its requeue)")
        },
        Check(.outbox, "suppressed-is-final",
            "A suppressed outcome finishes the notification: counted as suppressed, finishedAt set, never claimed again.") { ctx in
            let notices = try await outbox(ctx, 1)
            let entry = try ctx.some(
                try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "A").first, "entry")
            try await ctx.store.recordDelivery(outcome(notices[0].id, .suppressed(at: ctx.at(2)), hooks: [], error: "no access"),
                lease: try ctx.lease(entry))
            let state = try ctx.some(try await ctx.store.deliveryState(of: notices[0].id), "the state")
            try ctx.expect(state.status == .suppressed && state.finishedAt == ctx.at(2), "suppressed at +2 s", found: "\(state)")
            try ctx.equal(try await ctx.store.outboxCounts(), OutboxCounts(pending: 0, delivered: 0, parked: 0, suppressed: 1),
                "the counts")
            try ctx.equal(try await ctx.store.nextDeliveryDue(), nil, "the next delivery due")
        },
        Check(.outbox, "counts-by-state",
            "outboxCounts() counts pending (leased or not), delivered, parked and suppressed notifications.") { ctx in
            let notices = try await outbox(ctx, 6)
            let claimed = try await ctx.store.claimDeliveries(now: ctx.at(100), limit: 4, lease: longLease, owner: "A")
            let nexts: [DeliveryOutcome.Next] = [.delivered(at: ctx.at(101)), .parked(at: ctx.at(101)),
                .suppressed(at: ctx.at(101)), .retry(at: ctx.at(900))]
            for (entry, next) in zip(claimed, nexts) {
                try await ctx.store.recordDelivery(outcome(entry.notification.id, next), lease: try ctx.lease(entry))
            }
            _ = try await ctx.store.claimDeliveries(now: ctx.at(100), limit: 1, lease: longLease, owner: "B")
            try ctx.equal(notices.count, 6, "the notices made")
            try ctx.equal(try await ctx.store.outboxCounts(), OutboxCounts(pending: 3, delivered: 1, parked: 1, suppressed: 1),
                "the counts")
        },
        Check(.outbox, "next-delivery-due",
            "nextDeliveryDue() is the earliest instant (business time) a pending notification that no live lease holds is due, nil when there is none.") { ctx in
            try await ctx.basicWorld()
            try ctx.equal(try await ctx.store.nextDeliveryDue(), nil, "with an empty outbox")
            try await ctx.itemWithNotices(["worker"], at: ctx.at(40))
            try await ctx.itemWithNotices(["worker"], at: ctx.at(20))
            try ctx.equal(try await ctx.store.nextDeliveryDue(), ctx.at(20), "with notices due at +40 s and +20 s")
            var claimed = try await ctx.store.claimDeliveries(now: ctx.at(30), limit: 5, lease: longLease, owner: "A")
            try ctx.equal(claimed.count, 1, "the notices due at +30 s")
            try ctx.equal(try await ctx.store.nextDeliveryDue(), ctx.at(40), "with the one due at +20 s under a live lease")
            claimed += try await ctx.store.claimDeliveries(now: ctx.at(100), limit: 5, lease: longLease, owner: "A")
            try ctx.equal(try await ctx.store.nextDeliveryDue(), nil, "with both under live leases")
            for entry in claimed {
                try await ctx.store.recordDelivery(outcome(entry.notification.id, .delivered(at: ctx.at(101))),
                    lease: try ctx.lease(entry))
            }
            try ctx.equal(try await ctx.store.nextDeliveryDue(), nil, "after both were delivered")
        },
        Check(.outbox, "delivery-state-of-fresh",
            "deliveryState(of:) of a committed notification is pending with no attempt, hook or lease; of an unknown id, nil; after a claim it shows the lease.") { ctx in
            let notices = try await outbox(ctx, 1)
            let state = try ctx.some(try await ctx.store.deliveryState(of: notices[0].id), "the state")
            try ctx.expect(state.status == .pending && state.attempts == 0 && state.deliveredHooks.isEmpty && state.lease == nil
                && state.finishedAt == nil, "pending, untouched", found: "\(state)")
            try ctx.equal(try await ctx.store.deliveryState(of: "ghost"), nil, "an unknown notification")
            let entry = try ctx.some(
                try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease, owner: "A").first, "A's entry")
            try ctx.equal(try ctx.lease(entry).owner, "A", "the claimed lease's owner")
            try ctx.equal(try await ctx.store.deliveryState(of: notices[0].id)?.lease, entry.lease, "the lease after a claim")
        },
        Check(.outbox, "racing-claimers", requires: .concurrentWriters,
            "Eight tasks claiming on one store at once never get the same notification, and together get every one.") { ctx in
            let notices = try await outbox(ctx, 40)
            let claims = try await racingClaims(ctx, stores: [ctx.store], tasks: 8)
            try ctx.equal(claims.count, Set(claims).count, "distinct claims among \(claims.count)")
            try ctx.equal(Set(claims), Set(notices.map(\.id)), "the claimed notifications")
        },
        Check(.outbox, "claim-releases-on-outcome",
            "After a retry outcome the notification holds no lease, so its next claim (at the retry instant) may be by any owner.") { ctx in
            let notices = try await outbox(ctx, 1)
            let entry = try ctx.some(try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 1, lease: longLease,
                owner: "A").first, "entry")
            try await ctx.store.recordDelivery(outcome(notices[0].id, .retry(at: ctx.at(5))), lease: try ctx.lease(entry))
            let b = try await ctx.store.claimDeliveries(now: ctx.at(5), limit: 1, lease: longLease, owner: "B")
            try ctx.equal(b.first?.lease?.owner, "B", "the owner of B's lease, taken before A's would have run out")
            try ctx.equal(try await ctx.store.deliveryState(of: notices[0].id)?.lease, b.first?.lease, "the lease held")
        },
    ]

    /// The outbox's checks of two instances on one database (listed with the other shared-database checks).
    static let outboxSharedDatabaseChecks: [Check] = [
        Check(.sharedDatabase, "outbox-lease-clock-skew", requires: .sharedDatabase,
            "Outbox leases follow the store's clock, not the claimers': an instance whose clock runs an hour ahead (it claims with now + 1 h) cannot take a notification another instance holds under a live lease, only one due in that hour; the holder's recordDelivery succeeds.") { ctx in
            let notices = try await outbox(ctx, 1)
            let later = try ctx.some(try await ctx.itemWithNotices(["worker"], at: ctx.at(1_800)).first,
                "the notice due in half an hour")
            let peer = try await ctx.peer()
            let holder = try ctx.some(
                try await ctx.store.claimDeliveries(now: ctx.at(1), limit: 10, lease: .seconds(30), owner: "holder").first,
                "the holder's entry")
            try ctx.equal(holder.notification.id, notices[0].id, "what the holder claims")
            let ahead = try await peer.claimDeliveries(now: ctx.at(1 + 3_600), limit: 10, lease: .seconds(30), owner: "ahead")
            try ctx.equal(ahead.map(\.notification.id), [later.id], "what the instance an hour ahead claims")
            try ctx.equal(try await peer.renewLease(notices[0].id, OutboxLease(owner: "ahead", until: ctx.at(1 + 3_600 + 30)),
                for: .seconds(30)), nil, "a renewal by the instance an hour ahead, of a lease it never held")
            try ctx.equal(try await ctx.store.recordDelivery(outcome(notices[0].id, .delivered(at: ctx.at(2))),
                lease: try ctx.lease(holder)), true, "the holder's outcome")
            try ctx.equal(try await peer.deliveryState(of: notices[0].id)?.status, .delivered, "the status, seen by the peer")
        },
    ]

    /// Claims from `tasks` racing tasks over `stores` until the outbox is empty; every id claimed, repeats included.
    static func racingClaims(_ ctx: ConformanceContext, stores: [any CollabStorage], tasks: Int) async throws -> [Notice.ID] {
        try await withThrowingTaskGroup(of: [Notice.ID].self) { group in
            for n in 0..<tasks {
                let store = stores[n % stores.count]
                group.addTask {
                    var mine: [Notice.ID] = []
                    // Bounded: a store that hands rows out again must not keep the check running forever.
                    for _ in 0..<200 {
                        let claimed = try await store.claimDeliveries(now: ctx.at(10_000), limit: 3,
                            lease: longLease, owner: "owner-\(n)")
                        if claimed.isEmpty { return mine }
                        mine += claimed.map(\.notification.id)
                        await Task.yield()
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    static let inboxChecks: [Check] = [
        Check(.inbox, "mark-read-own-only",
            "markRead marks only the member's own unread notifications, returns how many changed, and a second mark changes none.") { ctx in
            try await ctx.basicWorld()
            let mine = try await ctx.itemWithNotices(["worker", "worker"])
            let theirs = try await ctx.itemWithNotices(["rev"])
            try ctx.equal(try await ctx.store.markRead([mine[0].id, theirs[0].id], of: "worker", at: ctx.at(5)), 1,
                "notifications marked")
            try ctx.equal(try await ctx.store.markRead([mine[0].id], of: "worker", at: ctx.at(6)), 0, "marked again")
            try ctx.equal(try await ctx.store.unreadNoticeIDs(nil, of: "rev"), [theirs[0].id], "rev's unread")
            let scope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
            let inbox = try await ctx.store.inbox(for: "worker", visibleIn: scope, unreadOnly: false, page: .first).items
            try ctx.equal(inbox.first { $0.id == mine[0].id }?.readAt, ctx.at(5), "the first read time")
        },
        Check(.inbox, "mark-all-read",
            "markAllRead marks every unread notification of the member, returns how many, and leaves others' alone.") { ctx in
            try await ctx.basicWorld()
            let mine = try await ctx.itemWithNotices(["worker", "worker", "worker"])
            try await ctx.itemWithNotices(["rev"])
            _ = try await ctx.store.markRead([mine[1].id], of: "worker", at: ctx.at(1))
            try ctx.equal(try await ctx.store.markAllRead(of: "worker", at: ctx.at(2)), 2, "marked")
            try ctx.equal(try await ctx.store.unreadNoticeIDs(nil, of: "worker"), [], "worker's unread")
            try ctx.equal(try await ctx.store.unreadNoticeIDs(nil, of: "rev").count, 1, "rev's unread")
        },
        Check(.inbox, "unread-count",
            "unreadCount counts the member's unread notifications visible in the scope.") { ctx in
            try await ctx.basicWorld()
            let notices = try await ctx.itemWithNotices(["worker", "worker", "worker", "rev"])
            let scope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
            try ctx.equal(try await ctx.store.unreadCount(for: "worker", visibleIn: scope), 3, "worker's unread")
            _ = try await ctx.store.markRead([notices[0].id], of: "worker", at: ctx.at(1))
            try ctx.equal(try await ctx.store.unreadCount(for: "worker", visibleIn: scope), 2, "after one was read")
            try ctx.equal(try await ctx.store.unreadCount(for: "worker", visibleIn: .nothing(in: "acme")), 0,
                "in a scope that sees nothing")
        },
        Check(.inbox, "unread-notice-ids",
            "unreadNoticeIDs returns which of the ids (all when nil) are the member's unread notifications, oldest first.") { ctx in
            try await ctx.basicWorld()
            var notices: [Notice] = []
            for n in 0..<4 { notices += try await ctx.itemWithNotices(["worker"], at: ctx.at(Double(n))) }
            let theirs = try await ctx.itemWithNotices(["rev"])
            _ = try await ctx.store.markRead([notices[1].id], of: "worker", at: ctx.at(9))
            try ctx.equal(try await ctx.store.unreadNoticeIDs(nil, of: "worker"), [notices[0].id, notices[2].id, notices[3].id],
                "every unread")
            try ctx.equal(try await ctx.store.unreadNoticeIDs([notices[3].id, notices[1].id, theirs[0].id, "ghost"], of: "worker"),
                [notices[3].id], "of the ids asked")
        },
        Check(.inbox, "unread-record-notices",
            "unreadRecordNotices returns the member's unread notifications that name a record, oldest first, and no work-item notification.") { ctx in
            try await ctx.basicWorld()
            try await ctx.itemWithNotices(["worker"])
            var records: [Notice] = []
            for n in 0..<3 {
                var notice = ctx.notice(nil, kind: Notice.Kind(rawValue: "announcement"), at: ctx.at(Double(n)))
                notice.record = .announcement(Announcement.ID("a-\(n)"))
                records.append(notice)
            }
            try await ctx.send(records)
            _ = try await ctx.store.markRead([records[1].id], of: "worker", at: ctx.at(9))
            try ctx.equal(try await ctx.store.unreadRecordNotices(for: "worker"), [records[0], records[2]],
                "the unread record notices")
        },
        Check(.inbox, "stored-notices",
            "storedNotices returns every notification of the member, read or not, with or without a record, oldest first, and no one else's.") { ctx in
            try await ctx.basicWorld()
            let first = try await ctx.itemWithNotices(["worker", "rev"])
            var record = ctx.notice(nil, kind: Notice.Kind(rawValue: "announcement"), at: ctx.at(5))
            record.record = .announcement(Announcement.ID("a-1"))
            try await ctx.send([record])
            let second = try await ctx.itemWithNotices(["worker"], at: ctx.at(9))
            _ = try await ctx.store.markRead([first[0].id], of: "worker", at: ctx.at(10))
            try ctx.equal(try await ctx.store.storedNotices(of: "worker").map(\.id), [first[0].id, record.id, second[0].id],
                "the worker's notifications")
            try ctx.equal(try await ctx.store.storedNotices(of: "worker").first?.readAt, ctx.at(10), "the read time kept")
            try ctx.equal(try await ctx.store.storedNotices(of: "rev").map(\.id), [first[1].id], "the reviewer's")
            try ctx.equal(try await ctx.store.storedNotices(of: "nobody"), [], "an unknown member's")
        },
        Check(.inbox, "inbox-unread-only",
            "inbox(unreadOnly: true) leaves out read notifications; the read ones carry their read time.") { ctx in
            try await ctx.basicWorld()
            let notices = try await ctx.itemWithNotices(["worker", "worker"])
            _ = try await ctx.store.markRead([notices[0].id], of: "worker", at: ctx.at(7))
            let scope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
            try ctx.equal(try await ctx.store.inbox(for: "worker", visibleIn: scope, unreadOnly: true, page: .first).items.map(\.id),
                [notices[1].id], "the unread inbox")
        },
    ]

    static let retentionChecks: [Check] = [
        Check(.retention, "idempotency-keys-expire-in-batches",
            "deleteExpired(.idempotencyKeys) deletes no key recorded after the cutoff, deletes expired keys at most limit per batch, and leaves the rest readable.") { ctx in
            try await ctx.basicWorld()
            for n in 0..<5 {
                _ = try await ctx.store.commit(ChangeSet(idempotency: IdempotencyRecord(key: .init(actorID: "boss", key: "k\(n)"),
                    result: RecordedResult(command: "c", fingerprint: "f", payload: Data()))))
            }
            let early = try await ctx.store.deleteExpired(.idempotencyKeys, before: ctx.at(-86_400), now: ctx.t0, limit: 100)
            try ctx.equal(early.deleted, 0, "keys deleted with a cutoff before they were recorded")
            let far = Date(timeIntervalSince1970: 4_102_444_800)
            var deleted = 0, batches = 0
            while true {
                let batch = try await ctx.store.deleteExpired(.idempotencyKeys, before: far, now: far, limit: 2)
                try ctx.expect(batch.touched <= 2, "at most 2 rows per batch", found: "\(batch)")
                deleted += batch.deleted
                batches += 1
                if batch.touched < 2 || batches > 10 { break }
                if deleted == 2 && batches == 1 {
                    var left = 0
                    for n in 0..<5 where try await ctx.store.recordedResult(for: .init(actorID: "boss", key: "k\(n)")) != nil {
                        left += 1
                    }
                    try ctx.equal(left, 3, "keys left after one batch of 2")
                }
            }
            try ctx.equal(deleted, 5, "keys deleted in all")
            try ctx.equal(try await ctx.store.recordedResult(for: .init(actorID: "boss", key: "k0")), nil, "k0 after expiry")
        },
        Check(.retention, "hook-deliveries-of-finished-only",
            "deleteExpired(.hookDeliveries) deletes the hook rows of finished notifications delivered at or before the cutoff, never those of a pending one.") { ctx in
            let notices = try await outbox(ctx, 2)
            let claimed = try await ctx.store.claimDeliveries(now: ctx.at(50), limit: 2, lease: longLease, owner: "A")
            try ctx.equal(claimed.count, 2, "claimed")
            try await ctx.store.recordDelivery(outcome(notices[0].id, .delivered(at: ctx.at(60)), hooks: ["h1", "h2"]),
                lease: try ctx.lease(claimed[0]))
            try await ctx.store.recordDelivery(outcome(notices[1].id, .retry(at: ctx.at(1000)), hooks: ["h1"]),
                lease: try ctx.lease(claimed[1]))
            try ctx.equal(try await ctx.store.deleteExpired(.hookDeliveries, before: ctx.at(59), now: ctx.at(5000), limit: 10).deleted,
                0, "rows deleted with a cutoff before the delivery")
            try ctx.equal(try await ctx.store.deleteExpired(.hookDeliveries, before: ctx.at(4000), now: ctx.at(5000), limit: 1).deleted,
                1, "rows deleted with limit 1")
            try ctx.equal(try await ctx.store.deleteExpired(.hookDeliveries, before: ctx.at(4000), now: ctx.at(5000), limit: 10).deleted,
                1, "rows deleted by the next batch")
            try ctx.equal(try await ctx.store.deliveryState(of: notices[0].id)?.deliveredHooks, [], "the delivered one's hooks")
            try ctx.equal(try await ctx.store.deliveryState(of: notices[1].id)?.deliveredHooks, ["h1"], "the pending one's hooks")
        },
        Check(.retention, "read-notices-finished-only",
            "deleteExpired(.readNotices) deletes only notifications that are read, finished and created at or before the cutoff; unread, pending or newer ones stay.") { ctx in
            let notices = try await outbox(ctx, 4)
            let claimed = try await ctx.store.claimDeliveries(now: ctx.at(100), limit: 3, lease: longLease, owner: "A")
            for entry in claimed {
                try await ctx.store.recordDelivery(outcome(entry.notification.id, .delivered(at: ctx.at(101))),
                    lease: try ctx.lease(entry))
            }
            // 0: read, delivered, old → deleted. 1: unread, delivered. 2: read, delivered, after the cutoff. 3: read, pending.
            _ = try await ctx.store.markRead([notices[0].id, notices[2].id, notices[3].id], of: "worker", at: ctx.at(150))
            _ = try await ctx.store.deleteExpired(.readNotices, before: ctx.at(15), now: ctx.at(1000), limit: 100)
            try ctx.equal(try await ctx.store.deliveryState(of: notices[0].id), nil, "the old read delivered notification")
            for n in 1...3 {
                try ctx.expect(try await ctx.store.deliveryState(of: notices[n].id) != nil, "notification \(n) kept", found: "deleted")
            }
        },
        Check(.retention, "read-notices-limit",
            "deleteExpired(.readNotices) removes at most limit notifications per batch, then the rest in later batches.") { ctx in
            let notices = try await outbox(ctx, 3)
            let claimed = try await ctx.store.claimDeliveries(now: ctx.at(100), limit: 3, lease: longLease, owner: "A")
            for entry in claimed {
                try await ctx.store.recordDelivery(outcome(entry.notification.id, .delivered(at: ctx.at(101)), hooks: []),
                    lease: try ctx.lease(entry))
            }
            _ = try await ctx.store.markAllRead(of: "worker", at: ctx.at(150))
            _ = try await ctx.store.deleteExpired(.readNotices, before: ctx.at(1000), now: ctx.at(1000), limit: 2)
            var left = 0
            for notice in notices where try await ctx.store.deliveryState(of: notice.id) != nil { left += 1 }
            try ctx.equal(left, 1, "notifications left after a batch of 2")
            _ = try await ctx.store.deleteExpired(.readNotices, before: ctx.at(1000), now: ctx.at(1000), limit: 2)
            try ctx.equal(try await ctx.store.outboxCounts(), OutboxCounts(pending: 0, delivered: 0, parked: 0), "the outbox")
        },
        Check(.retention, "audit-never-deleted",
            "No retention batch deletes audit events or pending notifications.") { ctx in
            let notices = try await outbox(ctx, 2)
            let item = try await ctx.item()
            var change = ChangeSet()
            change.auditEvents = [ctx.audit(item)]
            _ = try await ctx.store.commit(change)
            _ = try await ctx.store.markAllRead(of: "worker", at: ctx.at(1))
            let far = Date(timeIntervalSince1970: 4_102_444_800)
            for kind in RetainedRecords.allCases {
                _ = try await ctx.store.deleteExpired(kind, before: far, now: far, limit: 100)
            }
            try ctx.equal(try await ctx.store.auditTrail(of: item.id).count, 1, "the audit trail")
            try ctx.equal(try await ctx.store.outboxCounts().pending, notices.count, "pending notifications")
        },
    ]
}
