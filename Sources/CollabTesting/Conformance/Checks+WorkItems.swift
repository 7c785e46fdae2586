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
        Check(.timers, "due-order-and-limit",
            "dueTimers(now:limit:) returns pending timers due at or before now, earliest first then by id, at most limit; nextTimerDue() is the earliest.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let timers = [ctx.timer(item, .reminder, at: ctx.at(30), id: "b"), ctx.timer(item, .overdue, at: ctx.at(10), id: "z"),
                ctx.timer(item, .escalation, at: ctx.at(30), id: "a"), ctx.timer(item, .reviewReminder, at: ctx.at(90), id: "c")]
            var change = ChangeSet()
            change.timerPlans = [TimerPlan(itemID: item.id, organizationID: "acme", timers: timers)]
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.nextTimerDue(), ctx.at(10), "the next timer due")
            try ctx.equal(try await ctx.store.dueTimers(now: ctx.at(30), limit: 10).map(\.id), ["z", "a", "b"], "due at +30 s")
            try ctx.equal(try await ctx.store.dueTimers(now: ctx.at(30), limit: 2).map(\.id), ["z", "a"], "limit 2")
            try ctx.equal(try await ctx.store.dueTimers(now: ctx.at(9), limit: 10), [], "due at +9 s")
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id).map(\.id), ["z", "a", "b", "c"], "pending, earliest first")
        },
        Check(.timers, "plan-replaces-pending",
            "A timer plan cancels the item's pending timers it leaves out, moves those it keeps, and adds new ones; an empty plan cancels all.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            var change = ChangeSet()
            change.timerPlans = [TimerPlan(itemID: item.id, organizationID: "acme", timers: [
                ctx.timer(item, .reminder, at: ctx.at(10), id: "keep"), ctx.timer(item, .overdue, at: ctx.at(20), id: "drop")])]
            _ = try await ctx.store.commit(change)
            change.timerPlans = [TimerPlan(itemID: item.id, organizationID: "acme", timers: [
                ctx.timer(item, .reminder, at: ctx.at(50), id: "keep"), ctx.timer(item, .escalation, at: ctx.at(40), id: "new")])]
            _ = try await ctx.store.commit(change)
            let pending = try await ctx.store.pendingTimers(of: item.id)
            try ctx.equal(pending.map(\.id), ["new", "keep"], "the pending timers")
            try ctx.equal(pending.last?.fireAt, ctx.at(50), "the moved timer's instant")
            change.timerPlans = [TimerPlan(itemID: item.id, organizationID: "acme", timers: [])]
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id), [], "after an empty plan")
            try ctx.equal(try await ctx.store.nextTimerDue(), nil, "the next timer due")
        },
        Check(.timers, "plan-never-resurrects-fired",
            "A timer that fired is not scheduled again by a later plan naming its id.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let timer = ctx.timer(item, .reminder, at: ctx.at(10), id: "once")
            var change = ChangeSet()
            change.timerPlans = [TimerPlan(itemID: item.id, organizationID: "acme", timers: [timer])]
            _ = try await ctx.store.commit(change)
            var fire = ChangeSet()
            fire.firedTimer = ("once", ctx.at(10))
            _ = try await ctx.store.commit(fire)
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id), [], "pending timers after re-planning a fired one")
            try ctx.equal(try await ctx.store.dueTimers(now: ctx.at(100), limit: 10), [], "due timers")
        },
        Check(.timers, "plans-per-item",
            "A plan for one item leaves the pending timers of other items alone.") { ctx in
            try await ctx.basicWorld()
            let a = try await ctx.item(), b = try await ctx.item()
            var change = ChangeSet()
            change.timerPlans = [TimerPlan(itemID: a.id, organizationID: "acme", timers: [ctx.timer(a, at: ctx.at(5))]),
                TimerPlan(itemID: b.id, organizationID: "acme", timers: [ctx.timer(b, at: ctx.at(6))])]
            _ = try await ctx.store.commit(change)
            change.timerPlans = [TimerPlan(itemID: a.id, organizationID: "acme", timers: [])]
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.pendingTimers(of: b.id).count, 1, "b's pending timers")
        },
        Check(.timers, "racing-fire-once", requires: .concurrentWriters,
            "Of eight tasks committing the firing of one timer at once, exactly one commits; the others get conflict.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            var plan = ChangeSet()
            plan.timerPlans = [TimerPlan(itemID: item.id, organizationID: "acme", timers: [ctx.timer(item, at: ctx.at(1), id: "t")])]
            _ = try await ctx.store.commit(plan)
            let results = await racingFires(ctx, [ctx.store], count: 8, timer: "t", item: item)
            try ctx.equal(results.filter { $0 == "committed" }.count, 1, "commits among \(results)")
            try ctx.equal(results.filter { $0 == "conflict" }.count, 7, "conflicts among \(results)")
            try ctx.equal(try await ctx.store.auditTrail(of: item.id).count, 1, "audit events of the firing")
        },
        Check(.timers, "record-timers-due-order",
            "dueRecordTimers(now:limit:) returns pending record timers due by now, earliest first then by id; nextRecordTimerDue() is the earliest; scheduling an id again leaves it as it is.") { ctx in
            try await ctx.basicWorld()
            func timer(_ id: String, _ seconds: Double) -> RecordTimer {
                RecordTimer(id: id, record: .announcement("a-1"), organizationID: "acme", kind: .acknowledgementReminder,
                    fireAt: ctx.at(seconds))
            }
            var change = ChangeSet()
            change.scenario.timers = [timer("r-b", 20), timer("r-a", 20), timer("r-c", 5), timer("r-d", 90)]
            _ = try await ctx.store.commit(change)
            change.scenario.timers = [timer("r-c", 500)]
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.nextRecordTimerDue(), ctx.at(5), "the next record timer due")
            try ctx.equal(try await ctx.store.dueRecordTimers(now: ctx.at(20), limit: 10).map(\.id), ["r-c", "r-a", "r-b"],
                "due at +20 s")
            try ctx.equal(try await ctx.store.dueRecordTimers(now: ctx.at(20), limit: 1).map(\.id), ["r-c"], "limit 1")
        },
        Check(.timers, "record-timer-fires-once",
            "A change firing a record timer marks it fired; firing it again fails with conflict and writes nothing.") { ctx in
            try await ctx.basicWorld()
            var change = ChangeSet()
            change.scenario.timers = [RecordTimer(id: "rt", record: .announcement("a-1"), organizationID: "acme",
                kind: .acknowledgementDeadline, fireAt: ctx.at(10))]
            _ = try await ctx.store.commit(change)
            func fire(_ action: String) -> ChangeSet {
                var fire = ChangeSet()
                fire.firedRecordTimer = ("rt", ctx.at(10))
                fire.auditEvents = [ctx.audit(nil, action: action, record: .announcement("a-1"))]
                return fire
            }
            _ = try await ctx.store.commit(fire("first"))
            try ctx.equal(try await ctx.store.dueRecordTimers(now: ctx.at(100), limit: 10), [], "due record timers")
            try await ctx.expectError(.conflict, "firing rt again") { try await ctx.store.commit(fire("second")) }
            try ctx.equal(try await ctx.store.auditTrail(of: .announcement("a-1")).map(\.action), ["first"], "the record's trail")
        },
        Check(.timers, "racing-record-fire-once", requires: .concurrentWriters,
            "Of eight tasks committing the firing of one record timer at once, exactly one commits.") { ctx in
            try await ctx.basicWorld()
            var change = ChangeSet()
            change.scenario.timers = [RecordTimer(id: "rt", record: .incident("i-1"), organizationID: "acme",
                kind: .incidentAcknowledgement, detail: "eng", fireAt: ctx.at(10))]
            _ = try await ctx.store.commit(change)
            let store = ctx.store
            let results = await withTaskGroup(of: String.self) { group in
                for n in 0..<8 {
                    group.addTask {
                        var fire = ChangeSet()
                        fire.firedRecordTimer = ("rt", ctx.at(10))
                        fire.auditEvents = [ctx.audit(nil, action: "fire-\(n)", record: .incident("i-1"))]
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
            try ctx.equal(results.filter { $0 == "committed" }.count, 1, "commits among \(results)")
            try ctx.equal(try await ctx.store.auditTrail(of: .incident("i-1")).count, 1, "audit events")
        },
    ]

    /// Fires `timer` from `count` racing tasks spread over `stores`; each result is `committed` or an error code.
    static func racingFires(_ ctx: ConformanceContext, _ stores: [any CollabStorage], count: Int, timer: String,
        item: WorkItem) async -> [String]
    {
        await withTaskGroup(of: String.self) { group in
            for n in 0..<count {
                let store = stores[n % stores.count]
                group.addTask {
                    var fire = ChangeSet()
                    fire.firedTimer = (timer, ctx.at(1))
                    fire.auditEvents = [ctx.audit(item, action: "fired-\(n)")]
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
}
