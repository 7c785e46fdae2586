import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension StoreConformance {
    static func comment(_ ctx: ConformanceContext, _ item: WorkItem, _ body: String, at seconds: Double) -> ItemComment {
        ItemComment(id: ItemComment.ID(ctx.id("comment")), itemID: item.id, authorID: "worker", body: body,
            mentionedIDs: ["boss"], createdAt: ctx.at(seconds), visibility: .internal)
    }

    static func adjustment(_ ctx: ConformanceContext, _ item: WorkItem, id: String, status: AdjustmentRequest.Status,
        at seconds: Double) -> AdjustmentRequest
    {
        AdjustmentRequest(id: AdjustmentRequest.ID(id), itemID: item.id, requesterID: "worker",
            change: AdjustmentRequest.Change(title: "New title \(id)"), reason: "scope moved", status: status,
            deciderID: status == .pending ? nil : "boss", decisionReason: status == .pending ? nil : "ok",
            createdAt: ctx.at(seconds), decidedAt: status == .pending ? nil : ctx.at(seconds + 60))
    }

    static let workItemChecks: [Check] = [
        Check(.workItems, "comments-oldest-first",
            "comments(on:) returns an item's comments oldest first, across commits, each equal to what was committed, and none of another item's.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item(), other = try await ctx.item()
            var first = ChangeSet()
            first.comments = [comment(ctx, item, "one", at: 10), comment(ctx, item, "two", at: 20)]
            _ = try await ctx.store.commit(first)
            var second = ChangeSet()
            second.comments = [comment(ctx, item, "three", at: 30), comment(ctx, other, "elsewhere", at: 15)]
            _ = try await ctx.store.commit(second)
            try ctx.equal(try await ctx.store.comments(on: item.id), first.comments + [second.comments[0]], "the comments")
            try ctx.equal(try await ctx.store.comments(on: other.id).map(\.body), ["elsewhere"], "the other item's comments")
        },
        Check(.workItems, "progress-oldest-first",
            "progressUpdates(on:) returns an item's progress updates oldest first, equal to what was committed.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            var change = ChangeSet()
            change.progressUpdates = (1...3).map { n in
                ProgressUpdate(id: ProgressUpdate.ID(ctx.id("progress")), itemID: item.id, authorID: "worker",
                    text: "step \(n)", percent: n * 30, attachments: [], createdAt: ctx.at(Double(n * 100)))
            }
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.progressUpdates(on: item.id), change.progressUpdates, "the progress updates")
        },
        Check(.workItems, "reviews-oldest-first",
            "reviewDecisions(on:) returns an item's review decisions oldest first, equal to what was committed.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            var decisions: [ReviewDecision] = []
            for (n, outcome) in [ReviewDecision.Outcome.rejected, .approved].enumerated() {
                let decision = ReviewDecision(id: ReviewDecision.ID(ctx.id("review")), itemID: item.id, reviewerID: "boss",
                    outcome: outcome, reason: outcome == .rejected ? "missing figures" : nil, decidedAt: ctx.at(Double(n * 100)))
                var change = ChangeSet()
                change.reviewDecisions = [decision]
                _ = try await ctx.store.commit(change)
                decisions.append(decision)
            }
            try ctx.equal(try await ctx.store.reviewDecisions(on: item.id), decisions, "the review decisions")
        },
        Check(.workItems, "adjustments-upsert",
            "An adjustment request committed again with a decision replaces its status (one request, not two); adjustmentRequest(_:) reads it by id.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            var change = ChangeSet()
            change.adjustmentRequests = [adjustment(ctx, item, id: "adj-1", status: .pending, at: 10)]
            _ = try await ctx.store.commit(change)
            let decided = adjustment(ctx, item, id: "adj-1", status: .approved, at: 10)
            change.adjustmentRequests = [decided, adjustment(ctx, item, id: "adj-2", status: .pending, at: 20)]
            _ = try await ctx.store.commit(change)
            let all = try await ctx.store.adjustmentRequests(on: item.id)
            try ctx.equal(all.map(\.id), ["adj-1", "adj-2"], "the requests, oldest first")
            try ctx.equal(try await ctx.store.adjustmentRequest("adj-1"), decided, "adj-1 after its decision")
            try ctx.equal(try await ctx.store.adjustmentRequest("adj-9"), nil, "an unknown request")
        },
        Check(.workItems, "audit-trail-commit-order",
            "auditTrail(of:) returns an item's events in commit order (not by their time stamps), equal to what was committed, and none of another item's.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item(), other = try await ctx.item()
            var events: [AuditEvent] = []
            for (n, seconds) in [300.0, 100, 200].enumerated() {
                var event = ctx.audit(item, action: "step-\(n)", at: ctx.at(seconds))
                event.details = ["n": "\(n)"]
                var change = ChangeSet()
                change.auditEvents = [event, ctx.audit(other, action: "other-\(n)")]
                _ = try await ctx.store.commit(change)
                events.append(event)
            }
            try ctx.equal(try await ctx.store.auditTrail(of: item.id), events, "the audit trail")
        },
        Check(.workItems, "audit-within-commit-order",
            "Several audit events of one commit keep the order they have in the change.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            var change = ChangeSet()
            change.auditEvents = ["z", "a", "m"].map { ctx.audit(item, action: $0) }
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.auditTrail(of: item.id).map(\.action), ["z", "a", "m"], "the actions")
        },
        Check(.workItems, "todo-reasons",
            "todo(for:page:) lists exactly the items where the member must act, with every reason (accept, start, work, review, submit_draft, decide_adjustment), and no closed item.") { ctx in
            try await ctx.basicWorld()
            let d = { (n: Double) in ctx.at(86_400 * n) }
            try await ctx.item("assigned", due: d(1), state: .assigned)
            try await ctx.item("accepted", due: d(2), state: .accepted)
            try await ctx.item("progress", due: d(3), state: .inProgress)
            try await ctx.item("review", assignees: ["rev"], reviewer: "worker", due: d(4), state: .inReview)
            try await ctx.insert(ctx.makeItem("draft", initiator: "worker", assignees: ["rev"], due: d(5), state: .draft))
            var pending = ctx.makeItem("adjust", initiator: "worker", assignees: ["rev"], due: d(6), state: .inProgress)
            pending.pendingAdjustmentID = "adj"
            try await ctx.insert(pending)
            try await ctx.item("done", due: d(0.5), state: .completed)
            try await ctx.item("cancelled", due: d(0.5), state: .cancelled)
            let todo = try await ctx.store.todo(for: "worker", page: PageRequest(limit: 50)).items
            let found = todo.map { "\($0.item.id):\($0.reasons.map(\.rawValue).joined(separator: "+"))" }
            try ctx.equal(found, ["assigned:accept", "accepted:start", "progress:work", "review:review",
                "draft:submit_draft", "adjust:decide_adjustment"], "worker's to-do list, soonest deadline first")
        },
        Check(.workItems, "todo-several-reasons",
            "An item needing two actions of one member is one to-do entry with both reasons.") { ctx in
            try await ctx.basicWorld()
            var item = ctx.makeItem("both", initiator: "worker", assignees: ["worker"], state: .inProgress)
            item.pendingAdjustmentID = "adj"
            try await ctx.insert(item)
            let todo = try await ctx.store.todo(for: "worker", page: .first).items
            try ctx.equal(todo.map(\.item.id), ["both"], "the entries")
            try ctx.equal(Set(todo.first?.reasons ?? []), [.work, .decideAdjustment], "the reasons")
        },
        Check(.workItems, "open-item-ids",
            "openItemIDs(in:after:limit:) pages the ids of an organization's open items by id, leaving out closed items and other organizations.") { ctx in
            try await ctx.basicWorld()
            try await ctx.organization("globex")
            try await ctx.member("g", in: "globex")
            for id in ["o-3", "o-1", "o-5", "o-2"] { try await ctx.item(id) }
            try await ctx.item("o-4", state: .completed)
            try await ctx.item("o-6", state: .cancelled)
            try await ctx.insert(ctx.makeItem("o-0", in: "globex", initiator: "g", assignees: ["g"]))
            let first = try await ctx.store.openItemIDs(in: "acme", after: nil, limit: 2)
            try ctx.equal(first, ["o-1", "o-2"], "the first two ids")
            let rest = try await ctx.store.openItemIDs(in: "acme", after: "o-2", limit: 10)
            try ctx.equal(rest, ["o-3", "o-5"], "the ids after o-2")
        },
        Check(.workItems, "update-rewrites-relations",
            "After an update reassigns an item, lists by the old assignee's grant leave it out and the new assignee's include it.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item("moving")
            _ = try await ctx.store.commit(ChangeSet(item: .update(ctx.next(item) { $0.assigneeIDs = ["rev"] }, previous: item)))
            func visible(to member: Member.ID) async throws -> [WorkItem.ID] {
                let scope = VisibilityScope(wholeOrganization: nil, grants: [.init(.assignee, member.rawValue)],
                    organizationID: "acme", isExternal: false)
                return try await ctx.store.workItems(in: scope, matching: .all, page: .first).items.map(\.id)
            }
            try ctx.equal(try await visible(to: "worker"), [], "the old assignee's list")
            try ctx.equal(try await visible(to: "rev"), ["moving"], "the new assignee's list")
        },
        Check(.workItems, "update-rewrites-search",
            "After an update renames an item, search finds the new title and not the old one.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item("renamed", title: "Quarterly zebra plan")
            _ = try await ctx.store.commit(ChangeSet(item: .update(ctx.next(item) {
                $0.title = "Annual giraffe plan"
                $0.description = "Long"
            }, previous: item)))
            let scope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
            try ctx.equal(try await ctx.store.searchWorkItems("zebra", in: scope, page: .first).items.map(\.id), [],
                "a search for the old title")
            try ctx.equal(try await ctx.store.searchWorkItems("GIRAFFE", in: scope, page: .first).items.map(\.id),
                ["renamed"], "a search for the new title")
        },
    ]

    static let timerChecks: [Check] = [
        Check(.timers, "claim-order-and-limit",
            "claimDueTimers(now:limit:lease:owner:) hands out pending, unclaimed timers due at or before now, earliest first then by id, at most limit; nextTimerDue() is the earliest unclaimed one; pendingTimers(of:) lists claimed and unclaimed.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, .reminder, at: ctx.at(30), id: "b"), ctx.timer(item, .overdue, at: ctx.at(10), id: "z"),
                ctx.timer(item, .escalation, at: ctx.at(30), id: "a"), ctx.timer(item, .reviewReminder, at: ctx.at(90), id: "c")])
            try ctx.equal(try await ctx.store.nextTimerDue(), ctx.at(10), "the next timer due")
            try ctx.equal(try await ctx.store.claimDueTimers(now: ctx.at(9), limit: 10, lease: .seconds(60), owner: "x"), [],
                "claims at +9 s")
            let first = try await ctx.store.claimDueTimers(now: ctx.at(30), limit: 2, lease: .seconds(60), owner: "x")
            try ctx.equal(first.map(\.timer.id), ["z", "a"], "claims at +30 s, limit 2")
            try ctx.equal(Set(first.map(\.owner)), ["x"], "the claims' owner")
            try ctx.equal(try await ctx.store.nextTimerDue(), ctx.at(30), "the next unclaimed timer due")
            let second = try await ctx.store.claimDueTimers(now: ctx.at(30), limit: 10, lease: .seconds(60), owner: "y")
            try ctx.equal(second.map(\.timer.id), ["b"], "claims at +30 s once z and a are claimed")
            try ctx.expect(Set(first.map(\.token)).isDisjoint(with: second.map(\.token)), "every claim with a token of its own",
                found: "\(first.map(\.token)) and \(second.map(\.token))")
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id).map(\.id), ["z", "a", "b", "c"], "pending, earliest first")
            try ctx.equal(second.first?.timer, ctx.timer(item, .reminder, at: ctx.at(30), id: "b"), "the claimed timer, read back")
        },
        Check(.timers, "plan-replaces-pending",
            "A timer plan cancels the record's pending timers it leaves out, moves those it keeps, and adds new ones; an empty plan cancels all.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, .reminder, at: ctx.at(10), id: "keep"), ctx.timer(item, .overdue, at: ctx.at(20), id: "drop")])
            try await ctx.plan(item, [ctx.timer(item, .reminder, at: ctx.at(50), id: "keep"), ctx.timer(item, .escalation, at: ctx.at(40), id: "new")])
            let pending = try await ctx.store.pendingTimers(of: item.id)
            try ctx.equal(pending.map(\.id), ["new", "keep"], "the pending timers")
            try ctx.equal(pending.last?.fireAt, ctx.at(50), "the moved timer's instant")
            try await ctx.plan(item, [])
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id), [], "after an empty plan")
            try ctx.equal(try await ctx.store.nextTimerDue(), nil, "the next timer due")
        },
        Check(.timers, "plan-never-resurrects-fired",
            "A timer that fired is not scheduled again by a later plan naming its id.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let timer = ctx.timer(item, .reminder, at: ctx.at(10), id: "once")
            try await ctx.plan(item, [timer])
            _ = try await ctx.store.commit(ctx.firing(try await ctx.claim("once", now: ctx.at(10)), item))
            try await ctx.plan(item, [timer])
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id), [], "pending timers after re-planning a fired one")
            try ctx.equal(try await ctx.store.claimDueTimers(now: ctx.at(100), limit: 10, lease: .seconds(60), owner: "x"), [],
                "claims after re-planning a fired one")
        },
        Check(.timers, "plans-per-record",
            "A plan for one record leaves the pending timers of other records alone.") { ctx in
            try await ctx.basicWorld()
            let a = try await ctx.item(), b = try await ctx.item()
            var change = ChangeSet()
            change.timerPlans = [TimerPlan(itemID: a.id, organizationID: "acme", timers: [ctx.timer(a, at: ctx.at(5))]),
                TimerPlan(itemID: b.id, organizationID: "acme", timers: [ctx.timer(b, at: ctx.at(6))])]
            change.scenario.timers = [ScheduledTimer(id: "ann", record: .announcement("a-1"), organizationID: "acme",
                kind: .acknowledgementReminder, fireAt: ctx.at(7))]
            _ = try await ctx.store.commit(change)
            try await ctx.plan(a, [])
            try ctx.equal(try await ctx.store.pendingTimers(of: b.id).count, 1, "b's pending timers")
            try ctx.equal(try await ctx.store.pendingTimers(of: .announcement("a-1")).map(\.id), ["ann"], "the announcement's")
        },
        Check(.timers, "moved-timer-loses-claim",
            "A plan that moves a claimed timer to another instant takes its claim away (the acknowledgement fails with conflict); a plan that keeps its instant keeps the claim.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(10), id: "kept"), ctx.timer(item, at: ctx.at(10), id: "moved")])
            let claims = try await ctx.store.claimDueTimers(now: ctx.at(10), limit: 10, lease: .seconds(60), owner: "x")
            let kept = try ctx.some(claims.first { $0.timer.id == "kept" }, "the claim of 'kept'")
            let moved = try ctx.some(claims.first { $0.timer.id == "moved" }, "the claim of 'moved'")
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(10), id: "kept"), ctx.timer(item, at: ctx.at(500), id: "moved")])
            try await ctx.expectError(.conflict, "acknowledging a timer moved after it was claimed") {
                try await ctx.store.commit(ctx.firing(moved, item, action: "moved"))
            }
            _ = try await ctx.store.commit(ctx.firing(kept, item, action: "kept"))
            try ctx.equal(try await ctx.store.auditTrail(of: item.id).map(\.action), ["kept"], "the audit trail")
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id).map(\.id), ["moved"], "pending timers")
        },
        Check(.timers, "racing-claims-disjoint", requires: .concurrentWriters,
            "Eight tasks claiming at once never get the same timer, and together get every due one.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, (0..<24).map { ctx.timer(item, at: ctx.at(Double($0)), id: "t\($0)") })
            let claimed = try await racingTimerClaims(ctx, stores: [ctx.store], tasks: 8)
            try ctx.equal(claimed.count, Set(claimed).count, "distinct claims among \(claimed.count)")
            try ctx.equal(Set(claimed), Set((0..<24).map { "t\($0)" }), "the claimed timers")
        },
        Check(.timers, "racing-fire-once", requires: .concurrentWriters,
            "Of eight tasks committing the firing of one claimed timer at once, exactly one commits; the others get conflict.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(1), id: "t")])
            let claim = try await ctx.claim("t", now: ctx.at(1))
            let results = await racingFires(ctx, [ctx.store], count: 8, claim: claim, item: item)
            try ctx.equal(results.filter { $0 == "committed" }.count, 1, "commits among \(results)")
            try ctx.equal(results.filter { $0 == "conflict" }.count, 7, "conflicts among \(results)")
            try ctx.equal(try await ctx.store.auditTrail(of: item.id).count, 1, "audit events of the firing")
        },
        Check(.timers, "expired-lease-rescued",
            "A claim whose lease ran out (on the store's clock) is rescued by the next claim, with a new token; the first claim's late acknowledgement fails with conflict and writes nothing; the rescuer's commits.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(1), id: "t")])
            let stalled = try await ctx.claim("t", now: ctx.at(1), lease: .milliseconds(300), owner: "stalled")
            try ctx.equal(try await ctx.store.claimDueTimers(now: ctx.at(1), limit: 10, lease: .seconds(60), owner: "other"), [],
                "claims while the first lease runs")
            try await ctx.wait(.milliseconds(600))
            let rescuer = try await ctx.claim("t", now: ctx.at(1), owner: "rescuer")
            try ctx.expect(rescuer.token != stalled.token, "a new token for the rescue", found: "the stalled claim's token")
            try await ctx.expectError(.conflict, "the stalled claim's late acknowledgement") {
                try await ctx.store.commit(ctx.firing(stalled, item, action: "late"))
            }
            _ = try await ctx.store.commit(ctx.firing(rescuer, item, action: "rescued"))
            try ctx.equal(try await ctx.store.auditTrail(of: item.id).map(\.action), ["rescued"], "the audit trail")
        },
        Check(.timers, "late-ack-refused",
            "An acknowledgement after the claim's lease ran out fails with conflict even when nobody rescued the timer; the timer stays pending and is claimed again.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(1), id: "t")])
            let claim = try await ctx.claim("t", now: ctx.at(1), lease: .milliseconds(300))
            try await ctx.wait(.milliseconds(600))
            var late = ctx.firing(claim, item, action: "late")
            late.notifications = [ctx.notice(item, kind: .overdue)]
            try await ctx.expectError(.conflict, "an acknowledgement after the lease ran out") { try await ctx.store.commit(late) }
            try ctx.equal(try await ctx.store.outboxCounts().pending, 0, "the late firing's notification")
            try ctx.equal(try await ctx.store.nextTimerDue(), ctx.at(1), "the next timer due")
            _ = try await ctx.claim("t", now: ctx.at(1))
        },
        Check(.timers, "release-gives-back",
            "releaseTimerClaims gives claims back at once: the next claim gets the timer; the released claim's acknowledgement fails with conflict.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(1), id: "t")])
            let released = try await ctx.claim("t", now: ctx.at(1))
            try await ctx.store.releaseTimerClaims([released])
            let next = try await ctx.claim("t", now: ctx.at(1), owner: "next")
            try await ctx.store.releaseTimerClaims([released])  // no longer holds: left alone
            try await ctx.expectError(.conflict, "acknowledging a released claim") {
                try await ctx.store.commit(ctx.firing(released, item))
            }
            _ = try await ctx.store.commit(ctx.firing(next, item))
        },
        Check(.timers, "scheduled-timers-once",
            "Timers scheduled with a change (ScenarioChanges.timers) are claimed with every other record's, earliest first then by id; scheduling an id again leaves it as it is.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            func timer(_ id: String, _ seconds: Double) -> ScheduledTimer {
                ScheduledTimer(id: id, record: .announcement("a-1"), organizationID: "acme", kind: .acknowledgementReminder,
                    fireAt: ctx.at(seconds))
            }
            var change = ChangeSet()
            change.scenario.timers = [timer("r-b", 20), timer("r-a", 20), timer("r-c", 5), timer("r-d", 90)]
            change.timerPlans = [TimerPlan(itemID: item.id, organizationID: "acme", timers: [ctx.timer(item, at: ctx.at(10), id: "i")])]
            _ = try await ctx.store.commit(change)
            change = ChangeSet()
            change.scenario.timers = [timer("r-c", 500)]
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.nextTimerDue(), ctx.at(5), "the next timer due")
            let claims = try await ctx.store.claimDueTimers(now: ctx.at(20), limit: 10, lease: .seconds(60), owner: "x")
            try ctx.equal(claims.map(\.timer.id), ["r-c", "i", "r-a", "r-b"], "claims at +20 s")
            try ctx.equal(claims.first?.timer, timer("r-c", 5), "the announcement's timer, read back")
        },
        Check(.timers, "record-timer-fires-once",
            "A change firing a claimed record timer marks it fired; firing it again fails with conflict and writes nothing.") { ctx in
            try await ctx.basicWorld()
            var change = ChangeSet()
            change.scenario.timers = [ScheduledTimer(id: "rt", record: .announcement("a-1"), organizationID: "acme",
                kind: .acknowledgementDeadline, fireAt: ctx.at(10))]
            _ = try await ctx.store.commit(change)
            let claim = try await ctx.claim("rt", now: ctx.at(10))
            _ = try await ctx.store.commit(ctx.firing(claim, nil, action: "first"))
            try ctx.equal(try await ctx.store.pendingTimers(of: .announcement("a-1")), [], "pending timers")
            try await ctx.expectError(.conflict, "firing rt again") { try await ctx.store.commit(ctx.firing(claim, nil, action: "second")) }
            try ctx.equal(try await ctx.store.auditTrail(of: .announcement("a-1")).map(\.action), ["first"], "the record's trail")
        },
    ]

    /// Fires `claim` from `count` racing tasks spread over `stores`; each result is `committed` or an error code.
    static func racingFires(_ ctx: ConformanceContext, _ stores: [any CollabStorage], count: Int, claim: TimerClaim,
        item: WorkItem) async -> [String]
    {
        await withTaskGroup(of: String.self) { group in
            for n in 0..<count {
                let store = stores[n % stores.count]
                group.addTask {
                    var fire = ctx.firing(claim, item, action: "fired-\(n)")
                    fire.notifications = [ctx.notice(item, kind: .overdue)]
                    do {
                        _ = try await store.commit(fire)
                        return "committed"
                    } catch let error as CollabError {
                        return error.code.rawValue
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Claims due timers (limit 3 a claim, until none is left) from `tasks` racing tasks spread over `stores`;
    /// returns every claimed timer's id, once per claim.
    static func racingTimerClaims(_ ctx: ConformanceContext, stores: [any CollabStorage], tasks: Int) async throws
        -> [String]
    {
        try await withThrowingTaskGroup(of: [String].self) { group in
            for n in 0..<tasks {
                let store = stores[n % stores.count]
                group.addTask {
                    var ids: [String] = []
                    while true {
                        let claims = try await store.claimDueTimers(
                            now: ctx.at(1_000), limit: 3, lease: .seconds(60), owner: "claimer-\(n)")
                        if claims.isEmpty { return ids }
                        ids += claims.map(\.timer.id)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }
}
