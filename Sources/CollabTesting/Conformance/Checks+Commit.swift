import CollabModel
import CollabPermissions
import CollabStore
import Foundation

typealias Check = StoreConformance.Check

extension StoreConformance {
    /// Everything a change could have written about `item`, to compare before and after a refused commit.
    struct Trace: Equatable, CustomStringConvertible {
        var item: WorkItem?
        var audit: [AuditEvent.ID]
        var outbox: OutboxCounts
        var timers: [ScheduledTimer]
        var comments: Int
        var adjustments: Int

        var description: String {
            "item v\(item.map { String($0.version) } ?? "none"), audit \(audit.map(\.rawValue)), outbox \(outbox), "
                + "timers \(timers.map(\.id)), comments \(comments), adjustments \(adjustments)"
        }
    }

    static func trace(_ ctx: ConformanceContext, _ id: WorkItem.ID) async throws -> Trace {
        let s = ctx.store
        return Trace(
            item: try await s.workItem(id), audit: try await s.auditTrail(of: id).map(\.id),
            outbox: try await s.outboxCounts(), timers: try await s.pendingTimers(of: id),
            comments: try await s.comments(on: id).count, adjustments: try await s.adjustmentRequests(on: id).count)
    }

    /// A change that moves `item` to version 2 with an audit event, two notices, a comment and a timer.
    static func fullChange(_ ctx: ConformanceContext, _ item: WorkItem) -> ChangeSet {
        let next = ctx.next(item) { $0.state = .accepted }
        var change = ChangeSet(item: .update(next, previous: item))
        change.auditEvents = [ctx.audit(item, action: "accept", actor: "worker")]
        change.notifications = [ctx.notice(item, to: "boss", kind: .accepted), ctx.notice(item, to: "rev", kind: .accepted)]
        change.comments = [ItemComment(id: ItemComment.ID(ctx.id("comment")), itemID: item.id, authorID: "worker",
            body: "on it", mentionedIDs: [], createdAt: ctx.at(60))]
        change.timerPlans = [TimerPlan(itemID: item.id, organizationID: item.organizationID,
            timers: [ctx.timer(item, .reminder, at: ctx.at(3600))])]
        return change
    }

    static let commitChecks: [Check] = [
        Check(.commit, "atomic-with-audit-outbox-timers",
            "A change whose last part fails (a duplicate notification id) writes nothing: no item change, audit event, outbox row, comment or timer; the same change without the fault writes all of them.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let before = try await trace(ctx, item.id)
            var change = fullChange(ctx, item)
            change.notifications.append(change.notifications[0])
            try await ctx.expectError(oneOf: [.alreadyExists, .conflict], "a change with a duplicate notification id") {
                try await ctx.store.commit(change)
            }
            try ctx.equal(try await trace(ctx, item.id), before, "everything about the item after the refused change")
            change.notifications.removeLast()
            try ctx.equal(try await ctx.store.commit(change), .committed, "the fixed change")
            let after = try await trace(ctx, item.id)
            try ctx.expect(after.item?.version == 2 && after.audit.count == 1 && after.outbox.pending == 2
                && after.timers.count == 1 && after.comments == 1,
                "version 2, one audit event, two pending outbox rows, one timer, one comment", found: "\(after)")
        },
        Check(.commit, "atomic-on-version-conflict",
            "A change whose item update is based on a stale version fails with conflict and writes none of its audit events, notifications, comments or timers.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            _ = try await ctx.store.commit(ChangeSet(item: .update(ctx.next(item) { $0.title = "moved on" }, previous: item)))
            let before = try await trace(ctx, item.id)
            try await ctx.expectError(.conflict, "a change based on version 1 of an item at version 2") {
                try await ctx.store.commit(fullChange(ctx, item))
            }
            try ctx.equal(try await trace(ctx, item.id), before, "everything about the item after the conflict")
        },
        Check(.commit, "insert-reads-back",
            "An inserted item reads back equal, field for field, through workItem(_:).") { ctx in
            try await ctx.basicWorld()
            var item = ctx.makeItem(reviewer: "rev", watchers: ["rev"], departments: ["eng"], tags: ["q4", "plan"],
                priority: .high)
            item.progressPercent = 40
            try await ctx.insert(item)
            try ctx.equal(try await ctx.store.workItem(item.id), item, "the stored item")
            try ctx.equal(try await ctx.store.workItem("no-such-item"), nil, "an unknown id")
        },
        Check(.commit, "duplicate-item-insert-refused",
            "Inserting an item whose id exists fails (already_exists or conflict) and leaves the stored item as it was.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            var copy = item
            copy.title = "impostor"
            try await ctx.expectError(oneOf: [.alreadyExists, .conflict], "a second insert of \(item.id)") {
                try await ctx.insert(copy)
            }
            try ctx.equal(try await ctx.store.workItem(item.id)?.title, item.title, "the stored title")
        },
        Check(.commit, "update-at-expected-version",
            "An update based on the stored version replaces the item; the next update must be based on the new version.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let v2 = ctx.next(item) { $0.state = .accepted; $0.title = "renamed" }
            _ = try await ctx.store.commit(ChangeSet(item: .update(v2, previous: item)))
            try ctx.equal(try await ctx.store.workItem(item.id), v2, "the item after the update")
            let v3 = ctx.next(v2) { $0.state = .inProgress }
            _ = try await ctx.store.commit(ChangeSet(item: .update(v3, previous: v2)))
            try ctx.equal(try await ctx.store.workItem(item.id)?.version, 3, "the version after two updates")
        },
        Check(.commit, "stale-update-conflict",
            "An update based on an old version fails with conflict and the stored item keeps the other writer's change.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            _ = try await ctx.store.commit(ChangeSet(item: .update(ctx.next(item) { $0.title = "first" }, previous: item)))
            try await ctx.expectError(.conflict, "a second update based on version 1") {
                try await ctx.store.commit(ChangeSet(item: .update(ctx.next(item) { $0.title = "lost" }, previous: item)))
            }
            try ctx.equal(try await ctx.store.workItem(item.id)?.title, "first", "the stored title")
        },
        Check(.commit, "unchanged-item-guard",
            "A change with unchangedItem commits only while the item is at that version; otherwise conflict and its comment is not written.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            func comment(_ body: String) -> ChangeSet {
                var change = ChangeSet()
                change.unchangedItem = (item.id, 1)
                change.comments = [ItemComment(id: ItemComment.ID(ctx.id("comment")), itemID: item.id, authorID: "worker",
                    body: body, mentionedIDs: [], createdAt: ctx.at(5))]
                return change
            }
            _ = try await ctx.store.commit(comment("first"))
            _ = try await ctx.store.commit(ChangeSet(item: .update(ctx.next(item), previous: item)))
            try await ctx.expectError(.conflict, "a comment planned at version 1 of an item at version 2") {
                try await ctx.store.commit(comment("late"))
            }
            try ctx.equal(try await ctx.store.comments(on: item.id).map(\.body), ["first"], "the comments")
        },
        Check(.commit, "fired-timer-guard",
            "A change that fires a claimed timer commits and marks it fired; a second change firing the same timer fails with conflict and writes nothing.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let timer = ctx.timer(item, .overdue, at: ctx.at(100))
            try await ctx.plan(item, [timer])
            let claim = try await ctx.claim(timer.id, now: ctx.at(100))
            _ = try await ctx.store.commit(ctx.firing(claim, item, action: "overdue"))
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id), [], "pending timers after firing")
            try await ctx.expectError(.conflict, "firing \(timer.id) a second time") {
                try await ctx.store.commit(ctx.firing(claim, item, action: "overdue"))
            }
            try ctx.equal(try await ctx.store.auditTrail(of: item.id).count, 1, "audit events (one firing)")
        },
        Check(.commit, "refused-firing-keeps-timer-pending",
            "A change firing a timer that fails in another part (a stale item version) leaves the timer pending and its claim holding, so it can fire later.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let timer = ctx.timer(item, .overdue, at: ctx.at(100))
            try await ctx.plan(item, [timer])
            _ = try await ctx.store.commit(ChangeSet(item: .update(ctx.next(item), previous: item)))
            let claim = try await ctx.claim(timer.id, now: ctx.at(100))
            var fire = ChangeSet(item: .update(ctx.next(item) { $0.title = "stale" }, previous: item))
            fire.firedTimer = TimerFiring(claim: claim, firedAt: ctx.at(100))
            fire.notifications = [ctx.notice(item, kind: .overdue)]
            try await ctx.expectError(.conflict, "a firing based on a stale item version") { try await ctx.store.commit(fire) }
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id), [timer], "the pending timers")
            try ctx.equal(try await ctx.store.outboxCounts().pending, 0, "the firing's notification")
            _ = try await ctx.store.commit(ctx.firing(claim, item, action: "overdue"))
        },
        Check(.commit, "fired-unknown-timer-refused",
            "A change that fires a timer that was never scheduled, or one under a claim the store never handed out, fails with conflict, with nothing written.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let forged = TimerClaim(timer: ctx.timer(item, at: ctx.at(1), id: "never-scheduled"), token: "forged",
                owner: "nobody", leaseExpiresAt: ctx.at(1_000_000_000))
            try await ctx.expectError(.conflict, "firing an unknown timer") { try await ctx.store.commit(ctx.firing(forged, item)) }
            let timer = ctx.timer(item, at: ctx.at(1), id: "scheduled")
            try await ctx.plan(item, [timer])
            var unclaimed = forged
            unclaimed.timer = timer
            try await ctx.expectError(.conflict, "firing a timer nobody claimed") { try await ctx.store.commit(ctx.firing(unclaimed, item)) }
            _ = try await ctx.claim(timer.id, now: ctx.at(1))
            try await ctx.expectError(.conflict, "firing a claimed timer with a forged token") {
                try await ctx.store.commit(ctx.firing(unclaimed, item))
            }
            try ctx.equal(try await ctx.store.auditTrail(of: item.id), [], "the audit trail")
        },
        Check(.commit, "stale-directory-refused",
            "A change planned at a directory revision commits only while the revision is unchanged; after any directory save it fails with stale_directory and writes nothing.") { ctx in
            try await ctx.basicWorld()
            let revision = try await ctx.store.directoryRevision()
            var change = ChangeSet(item: .insert(ctx.makeItem("planned")))
            change.directoryRevision = revision
            try await ctx.member("newcomer")
            try await ctx.expectError(.staleDirectory, "a change planned before a member was added") {
                try await ctx.store.commit(change)
            }
            try ctx.equal(try await ctx.store.workItem("planned"), nil, "the item of the refused change")
            change.directoryRevision = try await ctx.store.directoryRevision()
            try ctx.equal(try await ctx.store.commit(change), .committed, "the change re-planned at the current revision")
        },
        Check(.commit, "stale-settings-refused",
            "A change planned at a settings revision fails with stale_settings after any settings save, writing nothing, and commits at the current revision.") { ctx in
            try await ctx.basicWorld()
            let revision = try await ctx.store.settingsRevision()
            var save = ChangeSet()
            save.settings = StoredSettings(organizationID: "acme", settings: OrganizationSettings(), version: 1,
                updatedAt: ctx.t0, updatedBy: "boss")
            _ = try await ctx.store.commit(save)
            var change = ChangeSet(item: .insert(ctx.makeItem("planned")))
            change.settingsRevision = revision
            try await ctx.expectError(.staleSettings, "a change planned before a settings save") {
                try await ctx.store.commit(change)
            }
            try ctx.equal(try await ctx.store.workItem("planned"), nil, "the item of the refused change")
            change.settingsRevision = try await ctx.store.settingsRevision()
            try ctx.equal(try await ctx.store.commit(change), .committed, "the change at the current revision")
        },
        Check(.commit, "idempotency-recorded",
            "A change with an idempotency record commits, and recordedResult(for:) returns its command, fingerprint and payload; an unknown key returns nil.") { ctx in
            try await ctx.basicWorld()
            let key = IdempotencyKey(actorID: "boss", key: "k-1")
            let result = RecordedResult(command: "create", fingerprint: "f1", payload: Data("first".utf8))
            _ = try await ctx.store.commit(ChangeSet(idempotency: IdempotencyRecord(key: key, result: result),
                item: .insert(ctx.makeItem())))
            try ctx.equal(try await ctx.store.recordedResult(for: key), result, "the recorded result")
            try ctx.equal(try await ctx.store.recordedResult(for: IdempotencyKey(actorID: "boss", key: "k-2")), nil,
                "an unknown key")
        },
        Check(.commit, "idempotency-replay-writes-nothing",
            "Committing a second change under a recorded key returns replayed with the first result and writes nothing of the second change.") { ctx in
            try await ctx.basicWorld()
            let key = IdempotencyKey(actorID: "boss", key: "k")
            let first = RecordedResult(command: "create", fingerprint: "f", payload: Data("first".utf8))
            _ = try await ctx.store.commit(ChangeSet(idempotency: IdempotencyRecord(key: key, result: first),
                item: .insert(ctx.makeItem("one"))))
            var again = ChangeSet(idempotency: IdempotencyRecord(key: key,
                result: RecordedResult(command: "create", fingerprint: "f", payload: Data("second".utf8))),
                item: .insert(ctx.makeItem("two")))
            again.notifications = [ctx.notice(nil)]
            try ctx.equal(try await ctx.store.commit(again), .replayed(first), "the outcome of the retry")
            try ctx.equal(try await ctx.store.workItem("two"), nil, "the retry's item")
            try ctx.equal(try await ctx.store.outboxCounts().pending, 0, "the retry's notification")
        },
        Check(.commit, "idempotency-scoped-to-actor",
            "The same key sent by two members is two keys: the second commits and each reads back its own result.") { ctx in
            try await ctx.basicWorld()
            let a = RecordedResult(command: "c", fingerprint: "a", payload: Data("a".utf8))
            let b = RecordedResult(command: "c", fingerprint: "b", payload: Data("b".utf8))
            _ = try await ctx.store.commit(ChangeSet(idempotency: IdempotencyRecord(key: .init(actorID: "boss", key: "k"), result: a)))
            try ctx.equal(try await ctx.store.commit(ChangeSet(idempotency: IdempotencyRecord(
                key: .init(actorID: "worker", key: "k"), result: b))), .committed, "the other member's key")
            try ctx.equal(try await ctx.store.recordedResult(for: .init(actorID: "worker", key: "k")), b, "worker's result")
            try ctx.equal(try await ctx.store.recordedResult(for: .init(actorID: "boss", key: "k")), a, "boss's result")
        },
        Check(.commit, "read-marks-in-change",
            "ChangeSet.readMarks marks only the named member's unread notifications read, at the given instant.") { ctx in
            try await ctx.basicWorld()
            let mine = try await ctx.itemWithNotices(["worker", "worker"])
            let theirs = try await ctx.itemWithNotices(["rev"])
            var change = ChangeSet()
            change.readMarks = ReadMarks(memberID: "worker", noticeIDs: [mine[0].id, theirs[0].id], readAt: ctx.at(50))
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.unreadNoticeIDs(nil, of: "worker"), [mine[1].id], "worker's unread")
            try ctx.equal(try await ctx.store.unreadNoticeIDs(nil, of: "rev"), [theirs[0].id], "rev's unread (not theirs to mark)")
        },
        Check(.commit, "organization-and-switch",
            "ChangeSet.organization replaces the organization; ChangeSet.externalCollaboration sets only the switch, keeping a rename.") { ctx in
            try await ctx.basicWorld()
            var renamed = try ctx.some(try await ctx.store.organization("acme"), "acme")
            renamed.name = "Acme Renamed"
            var change = ChangeSet()
            change.organization = renamed
            _ = try await ctx.store.commit(change)
            var switchOn = ChangeSet()
            switchOn.externalCollaboration = ("acme", true)
            _ = try await ctx.store.commit(switchOn)
            let stored = try ctx.some(try await ctx.store.organization("acme"), "acme")
            try ctx.expect(stored.name == "Acme Renamed" && stored.externalCollaborationEnabled,
                "the rename kept and the switch on", found: "\(stored)")
        },
        Check(.commit, "additional-items",
            "Items in additionalItems are inserted with the change's item, all or nothing.") { ctx in
            try await ctx.basicWorld()
            var change = ChangeSet(item: .insert(ctx.makeItem("main")))
            change.additionalItems = [ctx.makeItem("next-1"), ctx.makeItem("next-2")]
            _ = try await ctx.store.commit(change)
            for id: WorkItem.ID in ["main", "next-1", "next-2"] {
                try ctx.expect(try await ctx.store.workItem(id) != nil, "\(id) stored", found: "nil")
            }
            var broken = ChangeSet(item: .insert(ctx.makeItem("fresh")))
            broken.additionalItems = [ctx.makeItem("next-1")]
            try await ctx.expectError(oneOf: [.alreadyExists, .conflict], "an additional item with a taken id") {
                try await ctx.store.commit(broken)
            }
            try ctx.equal(try await ctx.store.workItem("fresh"), nil, "the main item of the refused change")
        },
        Check(.commit, "settings-version-guard",
            "Settings are written at version n only over version n-1 (nothing stored for version 1); otherwise conflict.") { ctx in
            try await ctx.basicWorld()
            func save(_ version: Int) -> ChangeSet {
                var change = ChangeSet()
                change.settings = StoredSettings(organizationID: "acme", settings: OrganizationSettings(), version: version,
                    updatedAt: ctx.at(Double(version)), updatedBy: "boss")
                return change
            }
            try await ctx.expectError(.conflict, "version 2 over nothing") { try await ctx.store.commit(save(2)) }
            _ = try await ctx.store.commit(save(1))
            try await ctx.expectError(.conflict, "version 1 again") { try await ctx.store.commit(save(1)) }
            _ = try await ctx.store.commit(save(2))
            try ctx.equal(try await ctx.store.settings(of: "acme")?.version, 2, "the stored settings version")
        },
        Check(.commit, "scenario-version-guard",
            "A scenario record (a meeting) is written at version n only over version n-1: a second version 1 or a version 3 over 1 fails with conflict.") { ctx in
            try await ctx.basicWorld()
            func meeting(_ version: Int, title: String) -> ChangeSet {
                var change = ChangeSet()
                change.scenario.meetings = [Meeting(id: "m-1", organizationID: "acme", title: title, startsAt: ctx.t0,
                    endsAt: nil, location: nil, organizerID: "boss", attendeeIDs: ["worker"], minutes: "",
                    decisions: [], recordedAt: ctx.t0, version: version)]
                return change
            }
            _ = try await ctx.store.commit(meeting(1, title: "Kick-off"))
            try await ctx.expectError(.conflict, "a second version 1") { try await ctx.store.commit(meeting(1, title: "Again")) }
            try await ctx.expectError(.conflict, "version 3 over version 1") { try await ctx.store.commit(meeting(3, title: "Skip")) }
            _ = try await ctx.store.commit(meeting(2, title: "Kick-off, revised"))
            try ctx.equal(try await ctx.store.meeting("m-1")?.title, "Kick-off, revised", "the stored meeting")
        },
    ]

    static let settingsChecks: [Check] = [
        Check(.settings, "none-saved-is-nil", "settings(of:) is nil for an organization that saved none.") { ctx in
            try await ctx.basicWorld()
            try ctx.equal(try await ctx.store.settings(of: "acme"), nil, "acme's settings")
        },
        Check(.settings, "saved-reads-back",
            "Settings committed in a change read back equal, with version, time and author.") { ctx in
            try await ctx.basicWorld()
            var settings = OrganizationSettings()
            settings.timers.escalationDelay = .seconds(3600)
            let stored = StoredSettings(organizationID: "acme", settings: settings, version: 1, updatedAt: ctx.at(1),
                updatedBy: "boss")
            var change = ChangeSet()
            change.settings = stored
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.settings(of: "acme"), stored, "the stored settings")
        },
        Check(.settings, "revision-moves-on-save",
            "settingsRevision() changes with every settings save and not with a directory save or an item commit.") { ctx in
            try await ctx.basicWorld()
            let r0 = try await ctx.store.settingsRevision()
            try await ctx.member("other")
            try await ctx.item()
            try ctx.equal(try await ctx.store.settingsRevision(), r0, "the revision after directory and item writes")
            var change = ChangeSet()
            change.settings = StoredSettings(organizationID: "acme", settings: OrganizationSettings(), version: 1,
                updatedAt: ctx.t0, updatedBy: "boss")
            _ = try await ctx.store.commit(change)
            let r1 = try await ctx.store.settingsRevision()
            try ctx.expect(r1 != r0, "a new revision after a save", found: "\(r1) both times")
            change.settings?.version = 2
            _ = try await ctx.store.commit(change)
            let r2 = try await ctx.store.settingsRevision()
            try ctx.expect(r2 != r1 && r2 != r0, "a third revision after a second save", found: "\(r0), \(r1), \(r2)")
        },
        Check(.settings, "per-organization",
            "Each organization has its own settings and versions.") { ctx in
            try await ctx.basicWorld()
            try await ctx.organization("globex")
            var change = ChangeSet()
            change.settings = StoredSettings(organizationID: "globex", settings: OrganizationSettings(), version: 1,
                updatedAt: ctx.t0, updatedBy: "boss")
            _ = try await ctx.store.commit(change)
            try ctx.equal(try await ctx.store.settings(of: "acme"), nil, "acme's settings")
            try ctx.equal(try await ctx.store.settings(of: "globex")?.version, 1, "globex's version")
        },
        Check(.settings, "refused-save-keeps-revision",
            "A settings save refused for its version moves neither the settings nor the revision.") { ctx in
            try await ctx.basicWorld()
            let r0 = try await ctx.store.settingsRevision()
            var change = ChangeSet()
            change.settings = StoredSettings(organizationID: "acme", settings: OrganizationSettings(), version: 3,
                updatedAt: ctx.t0, updatedBy: "boss")
            try await ctx.expectError(.conflict, "version 3 over nothing") { try await ctx.store.commit(change) }
            try ctx.equal(try await ctx.store.settingsRevision(), r0, "the revision")
            try ctx.equal(try await ctx.store.settings(of: "acme"), nil, "the settings")
        },
    ]
}
