import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// The catalog of every public write of `WorkflowEngine`, for the tests that run over all of them
// (`EveryWriteTests`).
//
// How to add a write: add one `WriteCase` to the list of its family below (in `WriteCatalog.all`'s order),
// with a name `family.method` that stays stable, `supportsKey` true when the method takes an
// `idempotencyKey`, a setup that builds the smallest world it needs on a `Workplace`, and `run` / `other`:
// the same command, twice with the same payload (`run`) and once with another payload (`other`). Keep
// `WriteCatalog.names` and the cases in the same order. A write not in the catalog is not covered: when a
// public write method is added to the engine, add it here in the same change.
//
// Not callers' commands, so not in the catalog: `execute(_:by:expectedVersion:idempotencyKey:)` (every work
// item method above is a thin call of it), `fireDueTimers`, `fireDueRecordTimers`, `rescheduleTimers(in:)`
// (timer upkeep without an actor) and the runner's `applyRetention`.

/// Two results compared as the values they are.
struct Outcome: Equatable, Sendable, CustomStringConvertible {
    let value: any Equatable & Sendable

    static func == (lhs: Outcome, rhs: Outcome) -> Bool { lhs.value.isEqual(to: rhs.value) }
    var description: String { "\(value)" }
}

extension Equatable {
    fileprivate func isEqual(to other: any Equatable) -> Bool { (other as? Self) == self }
}

/// One write, ready to run in a world built for it.
struct StagedWrite: Sendable {
    /// The world: a `Workplace` with what the write needs.
    let workplace: Workplace
    /// Who runs the write.
    let actor: Member.ID
    /// The write with its payload, on an engine, under an idempotency key (`nil`: none).
    let runOn: @Sendable (WorkflowEngine, String?) async throws -> Outcome
    /// The same command with another payload, on an engine, under an idempotency key.
    let runOtherOn: @Sendable (WorkflowEngine, String?) async throws -> Outcome

    init<Result: Equatable & Sendable>(
        _ workplace: Workplace, actor: Member.ID,
        run: @escaping @Sendable (WorkflowEngine, String?) async throws -> Result,
        other: @escaping @Sendable (WorkflowEngine, String?) async throws -> Result
    ) {
        self.workplace = workplace
        self.actor = actor
        self.runOn = { engine, key in Outcome(value: try await run(engine, key)) }
        self.runOtherOn = { engine, key in Outcome(value: try await other(engine, key)) }
    }

    /// The write on the workplace's engine.
    func run(_ key: String?) async throws -> Outcome { try await runOn(workplace.engine, key) }

    /// The other payload on the workplace's engine.
    func runOther(_ key: String?) async throws -> Outcome { try await runOtherOn(workplace.engine, key) }
}

/// A public write of the engine, with the smallest world it needs.
struct WriteCase: Sendable, CustomTestStringConvertible {
    /// `family.method`, stable: the test's argument label.
    let name: String
    /// Whether the method takes an `idempotencyKey` today.
    let supportsKey: Bool
    /// Builds the world and stages the write.
    let setup: @Sendable () async throws -> StagedWrite

    var testDescription: String { name }
}

private typealias W = Workplace

enum WriteCatalog {
    /// Every write, family by family.
    static let all: [WriteCase] = workItems + inbox + settings + announcements + meetings + emergencies + partners
        + customers + tickets + approvals

    /// The names of `all`, in order: the list to compare with the engine's public write methods.
    static let names: [String] = [
        "workItems.create", "workItems.submit", "workItems.accept", "workItems.start", "workItems.reportProgress",
        "workItems.submitForReview", "workItems.approve", "workItems.reject", "workItems.requestAdjustment",
        "workItems.approveAdjustment", "workItems.rejectAdjustment", "workItems.reassign", "workItems.cancel",
        "workItems.comment", "workItems.share", "workItems.unshare", "workItems.watch", "workItems.unwatch",
        "workItems.importItems",
        "inbox.markRead", "inbox.markAllRead",
        "settings.setExternalCollaboration", "settings.save",
        "announcements.publish", "announcements.openAnnouncement", "announcements.acknowledge",
        "announcements.setPinned", "announcements.setExpiry",
        "meetings.recordMeeting",
        "incidents.savePlan", "incidents.trigger", "incidents.postUpdate", "incidents.requestResource",
        "incidents.fulfil", "incidents.decline", "incidents.closeIncident",
        "partners.invitePartner", "orders.shareOrder", "orders.changeRequirements", "orders.proposeDeliveryDates",
        "orders.counterPropose", "orders.confirmProposal", "orders.cancelOrder",
        "customers.recordSignedContract",
        "tickets.openTicket", "tickets.reply", "tickets.forwardTicket", "tickets.waitForCustomer",
        "tickets.resolveTicket", "tickets.closeTicket", "tickets.rateTicket",
        "approvals.saveFlow", "approvals.submit", "approvals.approve", "approvals.reject", "approvals.transfer",
        "approvals.addSigner", "approvals.sendBack", "approvals.resubmit", "approvals.withdraw", "approvals.remind",
        "approvals.copy",
    ]

    // MARK: Work items

    /// Two items of `state`, created by the initiator for the assignee in `eng-mobile`.
    private static func twoItems(_ state: WorkItemState) async throws -> (Workplace, WorkItem.ID, WorkItem.ID) {
        let w = try await Workplace(storage: .underTest)
        return (w, try await w.item(state).id, try await w.item(state).id)
    }

    static let workItems: [WriteCase] = [
        WriteCase(name: "workItems.create", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.create(w.draft("Plan A"), by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.create(w.draft("Plan B"), by: W.initiator, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.submit", supportsKey: true) {
            let (w, a, b) = try await twoItems(.draft)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.submit(a, by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.submit(b, by: W.initiator, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.accept", supportsKey: true) {
            let (w, a, b) = try await twoItems(.assigned)
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.workItems.accept(a, by: W.assignee, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.accept(b, by: W.assignee, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.start", supportsKey: true) {
            let (w, a, b) = try await twoItems(.accepted)
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.workItems.start(a, by: W.assignee, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.start(b, by: W.assignee, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.reportProgress", supportsKey: true) {
            let (w, a, _) = try await twoItems(.inProgress)
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in
                    try await engine.workItems.reportProgress(a, by: W.assignee, text: "Half done", percent: 50, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.workItems.reportProgress(a, by: W.assignee, text: "Nearly done", percent: 90,
                        idempotencyKey: key)
                })
        },
        WriteCase(name: "workItems.submitForReview", supportsKey: true) {
            let (w, a, b) = try await twoItems(.inProgress)
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.workItems.submitForReview(a, by: W.assignee, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.submitForReview(b, by: W.assignee, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.approve", supportsKey: true) {
            let (w, a, b) = try await twoItems(.inReview)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.approve(a, by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.approve(b, by: W.initiator, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.reject", supportsKey: true) {
            let (w, a, _) = try await twoItems(.inReview)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.reject(a, by: W.initiator, reason: "Totals missing", idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.reject(a, by: W.initiator, reason: "Wrong quarter", idempotencyKey: key) })
        },
        WriteCase(name: "workItems.requestAdjustment", supportsKey: true) {
            let (w, a, _) = try await twoItems(.inProgress)
            let later = AdjustmentRequest.Change(deadline: .endOfDay(CalendarDate(year: 2026, month: 2, day: 1)))
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in
                    try await engine.workItems.requestAdjustment(a, by: W.assignee, change: later, reason: "The SDK slipped",
                        idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.workItems.requestAdjustment(a, by: W.assignee, change: later, reason: "Holidays",
                        idempotencyKey: key)
                })
        },
        WriteCase(name: "workItems.approveAdjustment", supportsKey: true) {
            let (w, a, b) = try await twoItems(.inProgress)
            let later = AdjustmentRequest.Change(deadline: .endOfDay(CalendarDate(year: 2026, month: 2, day: 1)))
            let first = try await w.engine.workItems.requestAdjustment(a, by: W.assignee, change: later, reason: "Slipped")
            let second = try await w.engine.workItems.requestAdjustment(b, by: W.assignee, change: later, reason: "Slipped")
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.approveAdjustment(first.id, by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.approveAdjustment(second.id, by: W.initiator, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.rejectAdjustment", supportsKey: true) {
            let (w, a, _) = try await twoItems(.inProgress)
            let later = AdjustmentRequest.Change(deadline: .endOfDay(CalendarDate(year: 2026, month: 2, day: 1)))
            let request = try await w.engine.workItems.requestAdjustment(a, by: W.assignee, change: later, reason: "Slipped")
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in
                    try await engine.workItems.rejectAdjustment(request.id, by: W.initiator, reason: "Keep the date",
                        idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.workItems.rejectAdjustment(request.id, by: W.initiator, reason: "Customer waits",
                        idempotencyKey: key)
                })
        },
        WriteCase(name: "workItems.reassign", supportsKey: true) {
            let (w, a, _) = try await twoItems(.assigned)
            return StagedWrite(w, actor: W.mobileHead,
                run: { engine, key in
                    try await engine.workItems.reassign(a, from: W.assignee, to: W.spare, by: W.mobileHead, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.workItems.reassign(a, from: W.assignee, to: W.coAssignee, by: W.mobileHead,
                        idempotencyKey: key)
                })
        },
        WriteCase(name: "workItems.cancel", supportsKey: true) {
            let (w, a, _) = try await twoItems(.assigned)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.cancel(a, by: W.initiator, reason: "Not needed", idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.cancel(a, by: W.initiator, reason: "Duplicate", idempotencyKey: key) })
        },
        WriteCase(name: "workItems.comment", supportsKey: true) {
            let (w, a, _) = try await twoItems(.assigned)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.comment(on: a, by: W.initiator, "Looks good", idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.comment(on: a, by: W.initiator, "One more thing", idempotencyKey: key) })
        },
        WriteCase(name: "workItems.share", supportsKey: true) {
            let (w, a, b) = try await twoItems(.assigned)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.share(a, with: "partnerco", by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.share(b, with: "partnerco", by: W.initiator, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.unshare", supportsKey: true) {
            let (w, a, b) = try await twoItems(.assigned)
            try await w.engine.workItems.share(a, with: "partnerco", by: W.initiator)
            try await w.engine.workItems.share(b, with: "partnerco", by: W.initiator)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.unshare(a, from: "partnerco", by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.unshare(b, from: "partnerco", by: W.initiator, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.watch", supportsKey: true) {
            let (w, a, b) = try await twoItems(.assigned)
            return StagedWrite(w, actor: W.peer,
                run: { engine, key in try await engine.workItems.watch(a, by: W.peer, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.watch(b, by: W.peer, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.unwatch", supportsKey: true) {
            let (w, a, b) = try await twoItems(.assigned)
            try await w.engine.workItems.watch(a, by: W.peer)
            try await w.engine.workItems.watch(b, by: W.peer)
            return StagedWrite(w, actor: W.peer,
                run: { engine, key in try await engine.workItems.unwatch(a, by: W.peer, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.unwatch(b, by: W.peer, idempotencyKey: key) })
        },
        WriteCase(name: "workItems.importItems", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.workItems.importItems([w.draft("Imported A")], by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.workItems.importItems([w.draft("Imported B")], by: W.initiator, idempotencyKey: key) })
        },
    ]

    // MARK: Inbox

    static let inbox: [WriteCase] = [
        WriteCase(name: "inbox.markRead", supportsKey: true) {
            let (w, _, _) = try await twoItems(.assigned)
            let notices = try await w.inbox(W.assignee).map(\.id)
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.inbox.markRead([notices[0]], of: W.assignee, idempotencyKey: key) },
                other: { engine, key in try await engine.inbox.markRead([notices[1]], of: W.assignee, idempotencyKey: key) })
        },
        WriteCase(name: "inbox.markAllRead", supportsKey: true) {
            let (w, _, _) = try await twoItems(.assigned)
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.inbox.markAllRead(of: W.assignee, idempotencyKey: key) },
                // Marking all read has no input: under the same key, the other write is a different command
                // (marking some read), which the key refuses as well.
                other: { engine, key in try await engine.inbox.markRead([], of: W.assignee, idempotencyKey: key) })
        },
    ]

    // MARK: Settings

    static let settings: [WriteCase] = [
        WriteCase(name: "settings.setExternalCollaboration", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.settings.setExternalCollaboration("partnerco", enabled: false, by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.settings.setExternalCollaboration("partnerco", enabled: true, by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "settings.save", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            var slow = OrganizationSettings()
            slow.ticketServiceTargets = TicketServiceTargets(all: .init(firstResponse: .seconds(8 * 3600), resolution: .seconds(40 * 3600)))
            var fast = OrganizationSettings()
            fast.ticketServiceTargets = TicketServiceTargets(all: .init(firstResponse: .seconds(3600), resolution: .seconds(8 * 3600)))
            let (slowSettings, fastSettings) = (slow, fast)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.settings.save(slowSettings, for: "acme", by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.settings.save(fastSettings, for: "acme", by: W.admin, idempotencyKey: key) })
        },
    ]

    // MARK: Announcements

    private static func announcement(_ title: String, _ w: Workplace) -> AnnouncementDraft {
        AnnouncementDraft(title: title, body: "Details of \(title).", audience: .organization,
            acknowledgement: AcknowledgementRequirement(deadline: w.now.addingTimeInterval(86_400)))
    }

    /// A workplace with two announcements to the whole of acme, asking for an acknowledgement, by the admin.
    private static func twoAnnouncements() async throws -> (Workplace, Announcement.ID, Announcement.ID) {
        let w = try await Workplace(storage: .underTest)
        let a = try await w.engine.announcements.publish(announcement("Release freeze", w), by: W.admin)
        let b = try await w.engine.announcements.publish(announcement("Office move", w), by: W.admin)
        return (w, a.id, b.id)
    }

    static let announcements: [WriteCase] = [
        WriteCase(name: "announcements.publish", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            let freeze = announcement("Release freeze", w), move = announcement("Office move", w)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.announcements.publish(freeze, by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.announcements.publish(move, by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "announcements.openAnnouncement", supportsKey: true) {
            let (w, a, b) = try await twoAnnouncements()
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.announcements.open(a, by: W.assignee, idempotencyKey: key) },
                other: { engine, key in try await engine.announcements.open(b, by: W.assignee, idempotencyKey: key) })
        },
        WriteCase(name: "announcements.acknowledge", supportsKey: true) {
            let (w, a, b) = try await twoAnnouncements()
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.announcements.acknowledge(a, by: W.assignee, idempotencyKey: key) },
                other: { engine, key in try await engine.announcements.acknowledge(b, by: W.assignee, idempotencyKey: key) })
        },
        WriteCase(name: "announcements.setPinned", supportsKey: true) {
            let (w, a, _) = try await twoAnnouncements()
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.announcements.setPinned(true, on: a, by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.announcements.setPinned(false, on: a, by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "announcements.setExpiry", supportsKey: true) {
            let (w, a, _) = try await twoAnnouncements()
            let now = w.now
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.announcements.setExpiry(now.addingTimeInterval(7 * 86_400), on: a, by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.announcements.setExpiry(now.addingTimeInterval(9 * 86_400), on: a, by: W.admin, idempotencyKey: key) })
        },
    ]

    // MARK: Meetings

    static let meetings: [WriteCase] = [
        WriteCase(name: "meetings.recordMeeting", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            let now = w.now
            @Sendable func meeting(_ title: String) -> MeetingDraft {
                MeetingDraft(title: title, startsAt: now.addingTimeInterval(-3600), endsAt: now,
                    attendeeIDs: [W.assignee], minutes: "Agreed on the next steps.")
            }
            return StagedWrite(w, actor: W.initiator,
                run: { engine, key in try await engine.meetings.record(meeting("Weekly"), by: W.initiator, idempotencyKey: key) },
                other: { engine, key in try await engine.meetings.record(meeting("Retro"), by: W.initiator, idempotencyKey: key) })
        },
    ]

    // MARK: Emergency plans and incidents

    /// A plan for `eng-mobile`: its heads and members respond, one task.
    private static func plan(_ name: String) -> EmergencyPlanDraft {
        EmergencyPlanDraft(
            name: name, severity: .major,
            departments: [
                EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentHeads, .departmentMembers],
                    checklist: [EmergencyPlan.ChecklistTask("Roll back the release", dueAfter: .seconds(4 * 3600))]),
            ],
            alert: EmergencyPlan.Message(title: "{severity}: {plan}", body: "{incident} — {department} responds."))
    }

    /// A workplace with a saved plan and an incident the admin triggered from it.
    private static func openIncident() async throws -> (Workplace, EmergencyPlan.ID, Incident.ID) {
        let w = try await Workplace(storage: .underTest)
        let saved = try await w.engine.incidents.savePlan(plan("Crash on start"), by: W.admin)
        let incident = try await w.engine.incidents.trigger(saved.id, by: W.admin, triggerKey: "button-1")
        return (w, saved.id, incident.id)
    }

    /// An incident with two resource requests to `sales`, by the assignee (a responder).
    private static func resourceRequests() async throws -> (Workplace, ResourceRequest.ID, ResourceRequest.ID) {
        let (w, _, incident) = try await openIncident()
        let a = try await w.engine.incidents.requestResource(for: incident, from: "sales", resource: "Test phones", by: W.assignee)
        let b = try await w.engine.incidents.requestResource(for: incident, from: "sales", resource: "Chargers", by: W.assignee)
        return (w, a.id, b.id)
    }

    static let emergencies: [WriteCase] = [
        WriteCase(name: "incidents.savePlan", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.incidents.savePlan(plan("Crash on start"), by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.incidents.savePlan(plan("Data loss"), by: W.admin, idempotencyKey: key) })
        },
        // Besides the idempotency key, its `triggerKey` makes a repeated trigger return the first incident.
        WriteCase(name: "incidents.trigger", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            let saved = try await w.engine.incidents.savePlan(plan("Crash on start"), by: W.admin)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.incidents.trigger(saved.id, by: W.admin, triggerKey: "button-1", details: "Build 7", idempotencyKey: key) },
                other: { engine, key in try await engine.incidents.trigger(saved.id, by: W.admin, triggerKey: "button-1", details: "Build 8", idempotencyKey: key) })
        },
        WriteCase(name: "incidents.postUpdate", supportsKey: true) {
            let (w, _, incident) = try await openIncident()
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in try await engine.incidents.postUpdate(to: incident, text: "Rolled back", by: W.assignee, idempotencyKey: key) },
                other: { engine, key in try await engine.incidents.postUpdate(to: incident, text: "Crash rate falling", by: W.assignee, idempotencyKey: key) })
        },
        WriteCase(name: "incidents.requestResource", supportsKey: true) {
            let (w, _, incident) = try await openIncident()
            return StagedWrite(w, actor: W.assignee,
                run: { engine, key in
                    try await engine.incidents.requestResource(for: incident, from: "sales", resource: "Test phones", by: W.assignee, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.incidents.requestResource(for: incident, from: "sales", resource: "Chargers", by: W.assignee, idempotencyKey: key)
                })
        },
        WriteCase(name: "incidents.fulfil", supportsKey: true) {
            let (w, a, b) = try await resourceRequests()
            return StagedWrite(w, actor: W.salesHead,
                run: { engine, key in try await engine.incidents.fulfil(a, note: "On the way", by: W.salesHead, idempotencyKey: key) },
                other: { engine, key in try await engine.incidents.fulfil(b, note: "On the way", by: W.salesHead, idempotencyKey: key) })
        },
        WriteCase(name: "incidents.decline", supportsKey: true) {
            let (w, a, _) = try await resourceRequests()
            return StagedWrite(w, actor: W.salesHead,
                run: { engine, key in try await engine.incidents.decline(a, reason: "None left", by: W.salesHead, idempotencyKey: key) },
                other: { engine, key in try await engine.incidents.decline(a, reason: "Ask the warehouse", by: W.salesHead, idempotencyKey: key) })
        },
        WriteCase(name: "incidents.closeIncident", supportsKey: true) {
            let (w, _, incident) = try await openIncident()
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.incidents.close(incident, resolution: "Fixed in build 8", by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.incidents.close(incident, resolution: "Rolled back", by: W.admin, idempotencyKey: key) })
        },
    ]

    // MARK: Partners and purchase orders

    private static let alice: Member.ID = "alice"

    private static func invitation(_ partner: Organization.ID, contact: Member.ID) -> PartnerInvitation {
        PartnerInvitation(partnerID: partner, name: "Supplier \(partner)", role: .supplier,
            contacts: [ExternalContact(memberID: contact, displayName: "Contact \(contact)")])
    }

    private static func order(_ number: String) -> PurchaseOrderDraft {
        PurchaseOrderDraft(number: number, title: "Parts for \(number)", lines: [
            PurchaseOrder.Line(number: 1, description: "Ball bearings", quantity: 500,
                requiredDate: CalendarDate(year: 2026, month: 2, day: 10)),
        ])
    }

    private static func dates(_ day: Int) -> [DeliveryProposal.LineDate] {
        [DeliveryProposal.LineDate(line: 1, date: CalendarDate(year: 2026, month: 2, day: day))]
    }

    /// A workplace where acme's admin invited supplier `supplier-a` (contact `alice`) and shared two orders with it.
    private static func twoOrders() async throws -> (Workplace, PurchaseOrder.ID, PurchaseOrder.ID) {
        let w = try await Workplace(storage: .underTest)
        try await w.engine.partners.invite(invitation("supplier-a", contact: alice), by: W.admin)
        let a = try await w.engine.orders.share(order("PO-1"), with: "supplier-a", by: W.admin)
        let b = try await w.engine.orders.share(order("PO-2"), with: "supplier-a", by: W.admin)
        return (w, a.id, b.id)
    }

    static let partners: [WriteCase] = [
        WriteCase(name: "partners.invitePartner", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.partners.invite(invitation("supplier-a", contact: alice), by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.partners.invite(invitation("supplier-b", contact: "bert"), by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "orders.shareOrder", supportsKey: true) {
            let w = try await Workplace(storage: .underTest)
            try await w.engine.partners.invite(invitation("supplier-a", contact: alice), by: W.admin)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.orders.share(order("PO-1"), with: "supplier-a", by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.orders.share(order("PO-2"), with: "supplier-a", by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "orders.changeRequirements", supportsKey: true) {
            let (w, a, _) = try await twoOrders()
            @Sendable func lines(_ quantity: Int) -> [PurchaseOrder.Line] {
                [PurchaseOrder.Line(number: 1, description: "Ball bearings", quantity: quantity,
                    requiredDate: CalendarDate(year: 2026, month: 2, day: 10))]
            }
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.orders.changeRequirements(of: a, lines: lines(600), reason: "More", by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.orders.changeRequirements(of: a, lines: lines(400), reason: "Less", by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "orders.proposeDeliveryDates", supportsKey: true) {
            let (w, a, _) = try await twoOrders()
            return StagedWrite(w, actor: alice,
                run: { engine, key in try await engine.orders.proposeDeliveryDates(for: a, lines: dates(14), by: alice, idempotencyKey: key) },
                other: { engine, key in try await engine.orders.proposeDeliveryDates(for: a, lines: dates(16), by: alice, idempotencyKey: key) })
        },
        WriteCase(name: "orders.counterPropose", supportsKey: true) {
            let (w, a, _) = try await twoOrders()
            try await w.engine.orders.proposeDeliveryDates(for: a, lines: dates(14), by: alice)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.orders.counterPropose(for: a, lines: dates(10), by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.orders.counterPropose(for: a, lines: dates(12), by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "orders.confirmProposal", supportsKey: true) {
            let (w, a, b) = try await twoOrders()
            try await w.engine.orders.proposeDeliveryDates(for: a, lines: dates(14), by: alice)
            try await w.engine.orders.proposeDeliveryDates(for: b, lines: dates(14), by: alice)
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.orders.confirmProposal(1, of: a, by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.orders.confirmProposal(1, of: b, by: W.admin, idempotencyKey: key) })
        },
        WriteCase(name: "orders.cancelOrder", supportsKey: true) {
            let (w, a, _) = try await twoOrders()
            return StagedWrite(w, actor: W.admin,
                run: { engine, key in try await engine.orders.cancel(a, reason: "Project stopped", by: W.admin, idempotencyKey: key) },
                other: { engine, key in try await engine.orders.cancel(a, reason: "Wrong supplier", by: W.admin, idempotencyKey: key) })
        },
    ]

    // MARK: Customers and tickets

    /// Tickets of category "installation" go from `sales` to `eng`; every other category stays at `sales`.
    private static func ticketConfiguration() -> WorkflowEngine.Configuration {
        var configuration = WorkflowEngine.Configuration()
        configuration.defaultSettings.ticketRouting = TicketRouting(routes: [
            TicketRouting.Route("installation", categories: ["installation"], departments: ["sales", "eng"]),
            TicketRouting.Route("general", departments: ["sales"]),
        ])
        return configuration
    }

    private static func contract(_ id: String, contact: String) -> SignedContract {
        SignedContract(
            contractID: id, customerKey: "CUST-1", customerName: "Lotus Foods",
            contacts: [ExternalContact(displayName: contact, email: "\(contact.lowercased())@lotus.example")],
            signedAt: Date(timeIntervalSince1970: 1_767_000_000), salesOwnerID: W.salesHead)
    }

    private static func ticket(_ subject: String) -> TicketDraft {
        TicketDraft(subject: subject, description: "Please install the cold room in hall 2.", category: "installation")
    }

    /// A workplace with a ticket desk, customer Lotus Foods (owned by the head of sales) and its contact.
    private static func customer() async throws -> (Workplace, Member.ID) {
        let w = try await Workplace(storage: .underTest, configuration: ticketConfiguration())
        let registration = try await w.engine.customers.recordSignedContract(contract("K-1", contact: "Anna"), by: W.salesHead)
        guard let contact = registration.newContactIDs.first else {
            throw CollabError(.storageCorrupt, "the registration of K-1 added no contact")
        }
        return (w, contact)
    }

    /// Two tickets the customer's contact opened, at `sales`.
    private static func twoTickets() async throws -> (Workplace, Member.ID, Ticket.ID, Ticket.ID) {
        let (w, contact) = try await customer()
        let a = try await w.engine.tickets.open(ticket("Install the cold room"), by: contact)
        let b = try await w.engine.tickets.open(ticket("Install the freezer"), by: contact)
        return (w, contact, a.id, b.id)
    }

    static let customers: [WriteCase] = [
        // Besides the idempotency key, a repeated contract is recognized by its id and changes nothing.
        WriteCase(name: "customers.recordSignedContract", supportsKey: true) {
            let w = try await Workplace(storage: .underTest, configuration: ticketConfiguration())
            return StagedWrite(w, actor: W.salesHead,
                run: { engine, key in try await engine.customers.recordSignedContract(contract("K-1", contact: "Anna"), by: W.salesHead, idempotencyKey: key) },
                other: { engine, key in try await engine.customers.recordSignedContract(contract("K-2", contact: "Carl"), by: W.salesHead, idempotencyKey: key) })
        },
    ]

    static let tickets: [WriteCase] = [
        WriteCase(name: "tickets.openTicket", supportsKey: true) {
            let (w, contact) = try await customer()
            return StagedWrite(w, actor: contact,
                run: { engine, key in try await engine.tickets.open(ticket("Install the cold room"), by: contact, idempotencyKey: key) },
                other: { engine, key in try await engine.tickets.open(ticket("Install the freezer"), by: contact, idempotencyKey: key) })
        },
        WriteCase(name: "tickets.reply", supportsKey: true) {
            let (w, _, a, _) = try await twoTickets()
            return StagedWrite(w, actor: W.salesHead,
                run: { engine, key in try await engine.tickets.reply(to: a, "An engineer comes Tuesday.", by: W.salesHead, idempotencyKey: key) },
                other: { engine, key in try await engine.tickets.reply(to: a, "An engineer comes Friday.", by: W.salesHead, idempotencyKey: key) })
        },
        WriteCase(name: "tickets.forwardTicket", supportsKey: true) {
            let (w, _, a, b) = try await twoTickets()
            return StagedWrite(w, actor: W.salesHead,
                run: { engine, key in try await engine.tickets.forward(a, note: "Needs an assessment", by: W.salesHead, idempotencyKey: key) },
                other: { engine, key in try await engine.tickets.forward(b, note: "Needs an assessment", by: W.salesHead, idempotencyKey: key) })
        },
        WriteCase(name: "tickets.waitForCustomer", supportsKey: true) {
            let (w, _, a, _) = try await twoTickets()
            return StagedWrite(w, actor: W.salesHead,
                run: { engine, key in try await engine.tickets.waitForCustomer(a, question: "Which hall?", by: W.salesHead, idempotencyKey: key) },
                other: { engine, key in try await engine.tickets.waitForCustomer(a, question: "Which day?", by: W.salesHead, idempotencyKey: key) })
        },
        WriteCase(name: "tickets.resolveTicket", supportsKey: true) {
            let (w, _, a, _) = try await twoTickets()
            return StagedWrite(w, actor: W.salesHead,
                run: { engine, key in try await engine.tickets.resolve(a, resolution: "Installed.", by: W.salesHead, idempotencyKey: key) },
                other: { engine, key in try await engine.tickets.resolve(a, resolution: "Installed and tested.", by: W.salesHead, idempotencyKey: key) })
        },
        WriteCase(name: "tickets.closeTicket", supportsKey: true) {
            let (w, contact, a, b) = try await twoTickets()
            try await w.engine.tickets.resolve(a, resolution: "Installed.", by: W.salesHead)
            try await w.engine.tickets.resolve(b, resolution: "Installed.", by: W.salesHead)
            return StagedWrite(w, actor: contact,
                run: { engine, key in try await engine.tickets.close(a, by: contact, idempotencyKey: key) },
                other: { engine, key in try await engine.tickets.close(b, by: contact, idempotencyKey: key) })
        },
        WriteCase(name: "tickets.rateTicket", supportsKey: true) {
            let (w, contact, a, _) = try await twoTickets()
            try await w.engine.tickets.resolve(a, resolution: "Installed.", by: W.salesHead)
            try await w.engine.tickets.close(a, by: contact)
            return StagedWrite(w, actor: contact,
                run: { engine, key in try await engine.tickets.rate(a, score: 5, by: contact, idempotencyKey: key) },
                other: { engine, key in try await engine.tickets.rate(a, score: 4, by: contact, idempotencyKey: key) })
        },
    ]

    // MARK: Approvals

    /// Two purchase requests of the applicant waiting at their first step (the applicant's head's).
    private static func twoRequests() async throws -> (ApprovalWorld, ApprovalRequest.ID, ApprovalRequest.ID) {
        let world = try await ApprovalWorld()
        let flow = try await world.save()
        let a = try await world.desk.submit(flow.id, values: ApprovalWorld.bigPurchase, by: ApprovalWorld.applicant)
        let b = try await world.desk.submit(flow.id, values: ApprovalWorld.smallPurchase, by: ApprovalWorld.applicant)
        return (world, a.id, b.id)
    }

    /// Two requests sent back to the applicant.
    private static func twoReturned() async throws -> (ApprovalWorld, ApprovalRequest.ID, ApprovalRequest.ID) {
        let (world, a, b) = try await twoRequests()
        for id in [a, b] {
            try await world.desk.sendBack(id, to: .applicant, reason: "Attach the quote", by: ApprovalWorld.head,
                expectedVersion: 1)
        }
        return (world, a, b)
    }

    static let approvals: [WriteCase] = [
        WriteCase(name: "approvals.saveFlow", supportsKey: true) {
            let world = try await ApprovalWorld()
            return StagedWrite(world.w, actor: W.admin,
                run: { engine, key in try await engine.approvals.saveFlow(ApprovalWorld.purchaseDraft(), by: W.admin, idempotencyKey: key) },
                other: { engine, key in
                    var draft = ApprovalWorld.purchaseDraft()
                    draft.name = "报销"
                    return try await engine.approvals.saveFlow(draft, by: W.admin, idempotencyKey: key)
                })
        },
        WriteCase(name: "approvals.submit", supportsKey: true) {
            let world = try await ApprovalWorld()
            let flow = try await world.save()
            let applicant = ApprovalWorld.applicant
            return StagedWrite(world.w, actor: applicant,
                run: { engine, key in
                    try await engine.approvals.submit(flow.id, values: ApprovalWorld.bigPurchase, by: applicant, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.approvals.submit(flow.id, values: ApprovalWorld.smallPurchase, by: applicant, idempotencyKey: key)
                })
        },
        WriteCase(name: "approvals.approve", supportsKey: true) {
            let (world, a, b) = try await twoRequests()
            let head = ApprovalWorld.head
            return StagedWrite(world.w, actor: head,
                run: { engine, key in try await engine.approvals.approve(a, by: head, expectedVersion: 1, idempotencyKey: key) },
                other: { engine, key in try await engine.approvals.approve(b, by: head, expectedVersion: 1, idempotencyKey: key) })
        },
        WriteCase(name: "approvals.reject", supportsKey: true) {
            let (world, a, _) = try await twoRequests()
            let head = ApprovalWorld.head
            return StagedWrite(world.w, actor: head,
                run: { engine, key in
                    try await engine.approvals.reject(a, reason: "No budget", by: head, expectedVersion: 1, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.approvals.reject(a, reason: "Not now", by: head, expectedVersion: 1, idempotencyKey: key)
                })
        },
        WriteCase(name: "approvals.transfer", supportsKey: true) {
            let (world, a, _) = try await twoRequests()
            let head = ApprovalWorld.head
            return StagedWrite(world.w, actor: head,
                run: { engine, key in
                    try await engine.approvals.transfer(a, to: W.engHead, by: head, expectedVersion: 1, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.approvals.transfer(a, to: W.spare, by: head, expectedVersion: 1, idempotencyKey: key)
                })
        },
        WriteCase(name: "approvals.addSigner", supportsKey: true) {
            let (world, a, _) = try await twoRequests()
            let head = ApprovalWorld.head
            return StagedWrite(world.w, actor: head,
                run: { engine, key in
                    try await engine.approvals.addSigner(a, W.engHead, .before, by: head, expectedVersion: 1, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.approvals.addSigner(a, W.engHead, .after, by: head, expectedVersion: 1, idempotencyKey: key)
                })
        },
        WriteCase(name: "approvals.sendBack", supportsKey: true) {
            let (world, a, _) = try await twoRequests()
            let head = ApprovalWorld.head
            return StagedWrite(world.w, actor: head,
                run: { engine, key in
                    try await engine.approvals.sendBack(a, to: .applicant, reason: "Attach the quote", by: head,
                        expectedVersion: 1, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.approvals.sendBack(a, to: .applicant, reason: "Which project?", by: head,
                        expectedVersion: 1, idempotencyKey: key)
                })
        },
        WriteCase(name: "approvals.resubmit", supportsKey: true) {
            let (world, a, _) = try await twoReturned()
            let applicant = ApprovalWorld.applicant
            return StagedWrite(world.w, actor: applicant,
                run: { engine, key in
                    try await engine.approvals.resubmit(a, values: ApprovalWorld.bigPurchase, by: applicant,
                        expectedVersion: 2, idempotencyKey: key)
                },
                other: { engine, key in
                    try await engine.approvals.resubmit(a, values: ApprovalWorld.smallPurchase, by: applicant,
                        expectedVersion: 2, idempotencyKey: key)
                })
        },
        WriteCase(name: "approvals.withdraw", supportsKey: true) {
            let (world, a, b) = try await twoRequests()
            let applicant = ApprovalWorld.applicant
            return StagedWrite(world.w, actor: applicant,
                run: { engine, key in try await engine.approvals.withdraw(a, by: applicant, expectedVersion: 1, idempotencyKey: key) },
                other: { engine, key in try await engine.approvals.withdraw(b, by: applicant, expectedVersion: 1, idempotencyKey: key) })
        },
        WriteCase(name: "approvals.remind", supportsKey: true) {
            let (world, a, b) = try await twoRequests()
            let applicant = ApprovalWorld.applicant
            return StagedWrite(world.w, actor: applicant,
                run: { engine, key in try await engine.approvals.remind(a, by: applicant, idempotencyKey: key) },
                other: { engine, key in try await engine.approvals.remind(b, by: applicant, idempotencyKey: key) })
        },
        WriteCase(name: "approvals.copy", supportsKey: true) {
            let (world, a, _) = try await twoRequests()
            let applicant = ApprovalWorld.applicant
            return StagedWrite(world.w, actor: applicant,
                run: { engine, key in try await engine.approvals.copy(a, to: [W.peer], by: applicant, idempotencyKey: key) },
                other: { engine, key in try await engine.approvals.copy(a, to: [W.bystander], by: applicant, idempotencyKey: key) })
        },
]
}
