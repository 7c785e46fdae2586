import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Each transition of the lifecycle, checked the way a user would: the item, its version, its audit
/// trail, and what lands in people's inboxes and to-do lists.
@Suite struct TransitionLifecycleTests {
    typealias W = Workplace

    /// The end of 2026-01-08 in Asia/Shanghai: 2026-01-08T16:00Z.
    static let defaultDueAt = Date(timeIntervalSince1970: 1_767_888_000)

    @Test("create submits the item: it is assigned at version 1, audited, and every assignee is told and must accept")
    func createSubmitted() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.engine.workItems.create(w.draft(assignees: [W.assignee, W.coAssignee]), by: W.initiator)
        #expect(item.state == .assigned)
        #expect(item.version == 1)
        #expect(item.initiatorID == W.initiator)
        #expect(item.organizationID == "acme")
        #expect(item.assigneeIDs == [W.assignee, W.coAssignee])
        #expect(item.deadline == .endOfDay(CalendarDate(year: 2026, month: 1, day: 8)))
        #expect(item.dueAt == Self.defaultDueAt, "the end of the day in the organization's zone")
        #expect(item.start == w.now && item.createdAt == w.now && item.closedAt == nil)
        #expect(try await w.stored(item.id) == item)

        let trail = try await w.trail(item.id)
        let event = try #require(trail.first)
        #expect(trail.count == 1)
        #expect(event.action == "create" && event.actorID == W.initiator)
        #expect(event.fromState == nil && event.toState == .assigned)
        #expect(event.details["title"] == "Ship the mobile release notes")
        #expect(event.details["assignees"] == "li,wang")
        #expect(event.details["deadline"] == "end of 2026-01-08")

        for assignee in [W.assignee, W.coAssignee] {
            let notices = try await w.inbox(assignee)
            #expect(notices.count == 1)
            let notice = try #require(notices.first)
            #expect(notice.kind == .assigned && notice.itemID == item.id && notice.actorID == W.initiator)
            #expect(notice.title == "New assignment: Ship the mobile release notes")
            #expect(notice.body.contains("Zhang Min assigned you"))
            #expect(notice.urgency == .normal && !notice.isRead)
            #expect(try await w.todo(assignee).map(\.reasons) == [[.accept]])
        }
        #expect(try await w.inbox(W.initiator).isEmpty, "the actor is never told of their own action")
        #expect(try await w.todo(W.initiator).isEmpty)
    }

    @Test("a high-priority item reaches its assignees as an urgent notification")
    func highPriorityIsUrgent() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.engine.workItems.create(w.draft(priority: .high), by: W.initiator)
        let notice = try #require(try await w.inbox(W.assignee).first)
        #expect(notice.kind == .assigned && notice.urgency == .urgent)
    }

    @Test("create with submit:false keeps a draft: nobody is told, and only the initiator must submit it")
    func createDraft() async throws {
        let w = try await Workplace(storage: .underTest)
        let draft = try await w.engine.workItems.create(w.draft(), by: W.initiator, submit: false)
        #expect(draft.state == .draft && draft.version == 1)
        let event = try #require(try await w.trail(draft.id).first)
        #expect(event.action == "create" && event.fromState == nil && event.toState == .draft)
        #expect(try await w.inbox(W.assignee).isEmpty)
        #expect(try await w.todo(W.assignee).isEmpty, "an assignee has nothing to do before submission")
        let todo = try await w.todo(W.initiator)
        #expect(todo.map(\.item.id) == [draft.id] && todo.map(\.reasons) == [[.submitDraft]])
    }

    @Test("submitting a draft assigns it: version 2, audited with the assignees, assignees told")
    func submitDraft() async throws {
        let w = try await Workplace(storage: .underTest)
        let draft = try await w.item(.draft, assignees: [W.assignee, W.coAssignee])
        w.h.clock.advance(by: .seconds(90))
        let item = try await w.engine.workItems.submit(draft.id, by: W.initiator)
        #expect(item.state == .assigned && item.version == 2)
        #expect(item.stateChangedAt == w.now && item.updatedAt == w.now)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "submit" && event.fromState == .draft && event.toState == .assigned)
        #expect(event.details["assignees"] == "li,wang")
        #expect(try await w.kinds(W.assignee) == [.assigned])
        #expect(try await w.kinds(W.coAssignee) == [.assigned])
        #expect(try await w.todo(W.initiator).isEmpty)
        #expect(try await w.todo(W.assignee).map(\.reasons) == [[.accept]])
    }

    @Test("accepting moves assigned to accepted and tells the initiator; the assignee must now start")
    func accept() async throws {
        let w = try await Workplace(storage: .underTest)
        let assigned = try await w.item(.assigned)
        let item = try await w.engine.workItems.accept(assigned.id, by: W.assignee)
        #expect(item.state == .accepted && item.version == 2)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "accept" && event.actorID == W.assignee)
        #expect(event.fromState == .assigned && event.toState == .accepted)
        let notice = try #require(try await w.inbox(W.initiator).first)
        #expect(notice.kind == .accepted && notice.actorID == W.assignee && notice.body == "Li Wei accepted the item.")
        #expect(try await w.todo(W.assignee).map(\.reasons) == [[.start]])
    }

    @Test("starting moves accepted to in progress without notifying anyone; the assignee must now work")
    func start() async throws {
        let w = try await Workplace(storage: .underTest)
        let accepted = try await w.item(.accepted)
        let before = try await w.footprint(accepted.id).notifications
        let item = try await w.engine.workItems.start(accepted.id, by: W.assignee)
        #expect(item.state == .inProgress && item.version == 3)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "start" && event.fromState == .accepted && event.toState == .inProgress)
        #expect(try await w.footprint(item.id).notifications == before)
        #expect(try await w.todo(W.assignee).map(\.reasons) == [[.work]])
    }

    @Test("reporting progress records text, percent and attachments, updates the item's percent and tells the initiator")
    func reportProgress() async throws {
        let w = try await Workplace(storage: .underTest)
        let started = try await w.item(.inProgress)
        let files = [
            try await w.h.attach("draft.pdf", to: .workItem(started.id), by: W.assignee),
            try await w.h.attach("chart.png", to: .workItem(started.id), by: W.assignee),
        ]
        let update = try await w.engine.workItems.reportProgress(
            started.id, by: W.assignee, text: "Draft written,\nreview pending", percent: 40, attachments: files)
        #expect(update.itemID == started.id && update.authorID == W.assignee)
        #expect(update.text == "Draft written,\nreview pending" && update.percent == 40 && update.attachments == files)

        let item = try await w.stored(started.id)
        #expect(item.state == .inProgress && item.version == started.version + 1 && item.progressPercent == 40)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "report_progress" && event.fromState == .inProgress && event.toState == .inProgress)
        #expect(event.details["percent"] == "40" && event.details["progress_update"] == update.id.rawValue)
        let notice = try #require(try await w.inbox(W.initiator).first)
        #expect(notice.kind == .progressReported && notice.body.contains("reported 40%: Draft written"))
        let activity = try await w.engine.workItems.activity(of: item.id, as: W.initiator)
        #expect(activity.progressUpdates == [update])

        // Text alone keeps the last percentage.
        let textOnly = try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "Still on it")
        #expect(textOnly.percent == nil && textOnly.attachments.isEmpty)
        let after = try await w.stored(item.id)
        #expect(after.progressPercent == 40 && after.version == item.version + 1)
        #expect(try await w.trail(item.id).last?.details["percent"] == "")
        #expect(try await w.engine.workItems.activity(of: item.id, as: W.initiator).progressUpdates.count == 2)
    }

    @Test("a percentage at either bound is accepted", arguments: [0, 100])
    func percentBounds(percent: Int) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "bound", percent: percent)
        #expect(try await w.stored(item.id).progressPercent == percent)
    }

    @Test("a percentage outside 0...100 is refused as out of range and writes nothing", arguments: [-1, 101, 1_000])
    func percentOutOfRange(percent: Int) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.footprint(item.id)
        let error = await expectFailure(.invalidInput) {
            try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "too far", percent: percent)
        }
        #expect(error?.problems.map(\.field) == ["percent"])
        #expect(error?.problems.map(\.kind) == [.outOfRange])
        #expect(error?.problems.first?.message.contains("\(percent)") == true)
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("progress without text or with an attachment naming no document lists each problem and writes nothing")
    func progressValidation() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.footprint(item.id)
        let error = await expectFailure(.invalidInput) {
            try await w.engine.workItems.reportProgress(
                item.id, by: W.assignee, text: " ", percent: 120, attachments: [w.h.attachment("tool.pdf")])
        }
        let found = Set((error?.problems ?? []).map { "\($0.field):\($0.kind)" })
        #expect(found == ["text:empty", "percent:out_of_range", "attachments[0].documentID:missing"])
        #expect(try await w.footprint(item.id) == before)
    }

    // needs the real inspector
    @Test("an executable is refused at upload, before any progress names it, and nothing is recorded")
    func executableRefusedAtUpload() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.footprint(item.id)
        try await expectUploadRefused(w.h, elfExecutable, named: "tool.exe", to: .workItem(item.id), by: W.assignee)
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("submitting for review moves in progress to in review and puts the item in the reviewer's inbox and to-do")
    func submitForReview() async throws {
        let w = try await Workplace(storage: .underTest)
        let started = try await w.item(.inProgress, reviewer: W.reviewer)
        let item = try await w.engine.workItems.submitForReview(started.id, by: W.assignee, note: "All sections done")
        #expect(item.state == .inReview && item.version == started.version + 1)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "submit_for_review" && event.fromState == .inProgress && event.toState == .inReview)
        #expect(event.details == ["note": "All sections done"])
        let notice = try #require(try await w.inbox(W.reviewer).first)
        #expect(notice.kind == .reviewRequested && notice.body.contains("Note: All sections done"))
        #expect(try await w.kinds(W.initiator) == [.accepted], "the initiator is not the reviewer here")
        #expect(try await w.todo(W.reviewer).map(\.reasons) == [[.review]])
        #expect(try await w.todo(W.assignee).isEmpty, "the assignee waits for the review")
    }

    @Test("approving completes the item: closed at the decision time, decision recorded, assignees told")
    func approve() async throws {
        let w = try await Workplace(storage: .underTest)
        let submitted = try await w.item(.inReview, assignees: [W.assignee, W.coAssignee], reviewer: W.reviewer)
        w.h.clock.advance(by: .seconds(3_600))
        let item = try await w.engine.workItems.approve(submitted.id, by: W.reviewer, note: "Well done")
        #expect(item.state == .completed)
        #expect(item.closedAt == w.now && item.stateChangedAt == w.now)
        #expect(item.version == submitted.version + 1)
        #expect(try await w.stored(item.id) == item)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "approve" && event.actorID == W.reviewer)
        #expect(event.fromState == .inReview && event.toState == .completed && event.details == ["note": "Well done"])
        let decisions = try await w.engine.workItems.activity(of: item.id, as: W.initiator).reviewDecisions
        #expect(decisions.map(\.outcome) == [.approved] && decisions.first?.reviewerID == W.reviewer)
        #expect(decisions.first?.reason == "Well done" && decisions.first?.decidedAt == w.now)
        for assignee in [W.assignee, W.coAssignee] {
            let notice = try #require(try await w.inbox(assignee).first)
            #expect(notice.kind == .reviewResult && notice.title.hasPrefix("Approved:"))
            #expect(notice.body.contains("Note: Well done"))
            #expect(try await w.todo(assignee).isEmpty)
        }
        #expect(try await w.todo(W.reviewer).isEmpty)
        #expect(try await w.actions(item.id) == ["create", "accept", "start", "submit_for_review", "approve"])
    }

    @Test("rejecting needs a reason; with one the item goes back to in progress and the assignee's inbox shows why")
    func reject() async throws {
        let w = try await Workplace(storage: .underTest)
        let submitted = try await w.item(.inReview)
        let before = try await w.footprint(submitted.id)
        for blank in ["", "   ", "\n\t"] {
            let error = await expectFailure(.invalidInput) {
                try await w.engine.workItems.reject(submitted.id, by: W.initiator, reason: blank)
            }
            #expect(error?.problems.map { "\($0.field):\($0.kind)" } == ["reason:empty"])
        }
        #expect(try await w.footprint(submitted.id) == before)

        let item = try await w.engine.workItems.reject(submitted.id, by: W.initiator, reason: "The iOS section is missing")
        #expect(item.state == .inProgress && item.closedAt == nil && item.version == submitted.version + 1)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "reject" && event.fromState == .inReview && event.toState == .inProgress)
        #expect(event.details == ["reason": "The iOS section is missing"])
        let notice = try #require(try await w.inbox(W.assignee).first)
        #expect(notice.kind == .reviewResult && notice.title.hasPrefix("Rejected:"))
        #expect(notice.body.contains("The iOS section is missing"))
        let decision = try #require(try await w.engine.workItems.activity(of: item.id, as: W.initiator).reviewDecisions.first)
        #expect(decision.outcome == .rejected && decision.reason == "The iOS section is missing")
        #expect(try await w.todo(W.assignee).map(\.reasons) == [[.work]])

        // The work can be redone and approved.
        try await w.engine.workItems.submitForReview(item.id, by: W.assignee)
        let done = try await w.engine.workItems.approve(item.id, by: W.initiator)
        #expect(done.state == .completed && done.version == item.version + 2)
        #expect(try await w.actions(item.id).suffix(3) == ["reject", "submit_for_review", "approve"])
    }

    @Test("the initiator cancels an open item: closed, audited with the reason, and the people involved are told")
    func cancelByInitiator() async throws {
        let w = try await Workplace(storage: .underTest)
        let open = try await w.item(.inProgress, assignees: [W.assignee, W.coAssignee], reviewer: W.reviewer)
        let item = try await w.engine.workItems.cancel(open.id, by: W.initiator, reason: "The release moved to Q3")
        #expect(item.state == .cancelled && item.closedAt == w.now && item.version == open.version + 1)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "cancel" && event.fromState == .inProgress && event.toState == .cancelled)
        #expect(event.details == ["reason": "The release moved to Q3"])
        for member in [W.assignee, W.coAssignee, W.reviewer] {
            let notice = try #require(try await w.inbox(member).first, "\(member)")
            #expect(notice.kind == .cancelled && notice.body.contains("The release moved to Q3"))
        }
        #expect(try await w.kinds(W.initiator).contains(.cancelled) == false, "the actor is not told")
        #expect(try await w.todo(W.assignee).isEmpty)
    }

    @Test("an administrator cancels an item they did not create; the initiator is told too")
    func cancelByAdministrator() async throws {
        let w = try await Workplace(storage: .underTest)
        let open = try await w.item(.accepted)
        let item = try await w.engine.workItems.cancel(open.id, by: W.admin)
        #expect(item.state == .cancelled && item.closedAt != nil)
        #expect(try await w.trail(item.id).last?.actorID == W.admin)
        #expect(try await w.inbox(W.initiator).first?.kind == .cancelled)
        #expect(try await w.inbox(W.assignee).first?.kind == .cancelled)
    }

    @Test("cancelling a draft tells nobody, since nobody was ever assigned")
    func cancelDraft() async throws {
        let w = try await Workplace(storage: .underTest)
        let draft = try await w.item(.draft)
        let before = try await w.footprint(draft.id).notifications
        let item = try await w.engine.workItems.cancel(draft.id, by: W.initiator)
        #expect(item.state == .cancelled)
        #expect(try await w.footprint(item.id).notifications == before)
        #expect(try await w.todo(W.initiator).isEmpty)
    }

    @Test("cancelling withdraws a pending adjustment request", arguments: [Workplace.initiator, Workplace.admin])
    func cancelWithdrawsAdjustment(actor: Member.ID) async throws {
        let w = try await Workplace(storage: .underTest)
        let open = try await w.item(.inProgress)
        let request = try await w.engine.workItems.requestAdjustment(
            open.id, by: W.assignee, change: .init(title: "Release notes, Android only"), reason: "iOS slipped")
        w.h.clock.advance(by: .seconds(10))
        let item = try await w.engine.workItems.cancel(open.id, by: actor)
        #expect(item.state == .cancelled && item.pendingAdjustmentID == nil)
        let withdrawn = try #require(try await w.h.store.adjustmentRequest(request.id))
        #expect(withdrawn.status == .withdrawn && withdrawn.decidedAt == w.now)
        #expect(try await w.todo(W.initiator).isEmpty, "nothing left to decide")
        #expect(item.title == open.title, "the withdrawn change does not apply")
    }

    @Test("approving the work also withdraws a pending adjustment request")
    func approveWithdrawsAdjustment() async throws {
        let w = try await Workplace(storage: .underTest)
        let open = try await w.item(.inProgress)
        let request = try await w.engine.workItems.requestAdjustment(
            open.id, by: W.assignee,
            change: .init(deadline: .endOfDay(CalendarDate(year: 2026, month: 1, day: 20))), reason: "more time")
        try await w.engine.workItems.submitForReview(open.id, by: W.assignee)
        let done = try await w.engine.workItems.approve(open.id, by: W.initiator)
        #expect(done.state == .completed && done.pendingAdjustmentID == nil && done.deadline == open.deadline)
        #expect(try await w.h.store.adjustmentRequest(request.id)?.status == .withdrawn)
    }

    @Test("a head of the item's department, or of a department above it, reassigns work; both assignees are told",
        arguments: [Workplace.mobileHead, Workplace.engHead, Workplace.admin])
    func reassign(head: Member.ID) async throws {
        let w = try await Workplace(storage: .underTest)
        let open = try await w.item(.accepted)
        let item = try await w.engine.workItems.reassign(open.id, from: W.assignee, to: W.spare, by: head, reason: "Li is on leave")
        #expect(item.assigneeIDs == [W.spare] && item.state == .accepted && item.version == open.version + 1)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "reassign" && event.actorID == head)
        #expect(event.fromState == .accepted && event.toState == .accepted)
        #expect(event.details == ["from": "li", "to": "zhao", "reason": "Li is on leave"])

        let newNotice = try #require(try await w.inbox(W.spare).first)
        #expect(newNotice.kind == .assigned && newNotice.body.contains("reassigned the item to you: Li is on leave"))
        let oldNotice = try #require(try await w.inbox(W.assignee).first)
        #expect(oldNotice.kind == .reassigned && oldNotice.body.contains("away from you: Li is on leave"))
        #expect(try await w.todo(W.spare).map(\.item.id) == [item.id])
        #expect(try await w.todo(W.spare).map(\.reasons) == [[.start]], "the new assignee takes over in the same state")
        #expect(try await w.todo(W.assignee).isEmpty)

        // The new assignee may now act, the old one may not.
        try await w.engine.workItems.start(item.id, by: W.spare)
        await expectFailure(.forbidden) { try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "me?") }
    }

    @Test("reassigning to someone already assigned, to a stranger or from a non-assignee is invalid input")
    func reassignValidation() async throws {
        let w = try await Workplace(storage: .underTest)
        let open = try await w.item(.inProgress, assignees: [W.assignee, W.coAssignee])
        let before = try await w.footprint(open.id)
        let cases: [(Member.ID, Member.ID, String)] = [
            (W.assignee, W.coAssignee, "to:duplicate"), (W.assignee, W.stranger, "to:unknown_member"),
            (W.assignee, "nobody", "to:unknown_member"), (W.spare, W.reviewer, "from:unknown_member"),
        ]
        for (from, to, problem) in cases {
            let error = await expectFailure(.invalidInput, "\(from) → \(to)") {
                try await w.engine.workItems.reassign(open.id, from: from, to: to, by: W.mobileHead)
            }
            #expect(error?.problems.map { "\($0.field):\($0.kind)" } == [problem])
        }
        #expect(try await w.footprint(open.id) == before)
    }
}
