import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// A meeting organized by `zhang` with `li`, `sun` and `wu` attending, and three decisions: one for `li`
/// (due in three days), a plain one, and one for `zhou` (due in one day), who did not attend.
private func weeklyMeeting(_ w: Workplace) -> MeetingDraft {
    MeetingDraft(
        title: "Mobile release weekly", startsAt: w.now.addingTimeInterval(-3600), endsAt: w.now,
        location: "Room 3", attendeeIDs: [Workplace.assignee, Workplace.mobileHead, Workplace.salesHead],
        minutes: "Reviewed the release.\nAgreed on the next steps.",
        decisions: [
            MeetingDraft.Decision("Publish the release checklist", owner: Workplace.assignee,
                due: .instant(w.now.addingTimeInterval(3 * 86_400)), priority: .high),
            MeetingDraft.Decision("Keep the launch in March"),
            MeetingDraft.Decision("Confirm the budget with engineering", owner: Workplace.engHead,
                due: .instant(w.now.addingTimeInterval(86_400))),
        ])
}

@Suite struct MeetingTests {
    @Test("decisions with an owner and a due date become action items; plain decisions do not")
    func recordMeetingCreatesActionItems() async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await rowCounts(w.h)
        let meeting = try await w.engine.meetings.record(weeklyMeeting(w), by: Workplace.initiator)

        #expect(meeting.organizerID == Workplace.initiator)
        #expect(meeting.attendeeIDs.contains(Workplace.initiator), "the organizer attends")
        #expect(meeting.decisions.count == 3)
        let first = meeting.decisions[0], plain = meeting.decisions[1], third = meeting.decisions[2]
        #expect(plain.actionItemID == nil && plain.ownerID == nil)

        let firstItem = try await w.stored(try #require(first.actionItemID))
        #expect(firstItem.assigneeIDs == [Workplace.assignee])
        #expect(firstItem.initiatorID == Workplace.initiator)
        #expect(firstItem.effectiveReviewerID == Workplace.initiator)
        #expect(firstItem.tags == ["meeting"])
        #expect(firstItem.departmentIDs == ["eng-mobile"])
        #expect(firstItem.state == .assigned)
        #expect(firstItem.priority == .high)
        #expect(firstItem.title == "Publish the release checklist")
        #expect(firstItem.dueAt == w.now.addingTimeInterval(3 * 86_400))

        let thirdItem = try await w.stored(try #require(third.actionItemID))
        #expect(thirdItem.assigneeIDs == [Workplace.engHead])
        #expect(thirdItem.departmentIDs == ["eng"], "the owner's first department")
        #expect(thirdItem.state == .assigned)

        // Exactly two items, each owner told once about their own item.
        let after = try await rowCounts(w.h)
        #expect(after.workItems == before.workItems + 2)
        let liAssigned = try await w.h.notices(of: Workplace.assignee, kind: .assigned)
        #expect(liAssigned.map(\.itemID) == [firstItem.id])
        let zhouAssigned = try await w.h.notices(of: Workplace.engHead, kind: .assigned)
        #expect(zhouAssigned.map(\.itemID) == [thirdItem.id])
        #expect(try await w.h.notices(of: Workplace.initiator, kind: .assigned).isEmpty)
        #expect(try await w.h.notices(of: Workplace.mobileHead, kind: .assigned).isEmpty)

        // The items' audit events name the meeting and the decision.
        for (decision, item) in [(first, firstItem), (third, thirdItem)] {
            let trail = try await w.trail(item.id)
            let create = try #require(trail.first)
            #expect(create.action == "create")
            #expect(create.actorID == Workplace.initiator)
            #expect(create.details["meeting"] == meeting.id.rawValue)
            #expect(create.details["decision"] == decision.id.rawValue)
        }

        // The meeting's own trail.
        let trail = try await w.h.store.auditTrail(of: .meeting(meeting.id))
        #expect(trail.map(\.action) == ["record_meeting"])
        let event = try #require(trail.first)
        #expect(event.actorID == Workplace.initiator)
        #expect(event.details["decisions"] == "3")
        #expect(event.details["action_items"] == "\(firstItem.id.rawValue),\(thirdItem.id.rawValue)")

        // What is stored is what was returned.
        #expect(try await w.h.store.meeting(meeting.id) == meeting)
    }

    @Test("the follow-up shows each action item's state and counts open, completed and overdue items")
    func followUp() async throws {
        let w = try await Workplace(storage: .underTest)
        let meeting = try await w.engine.meetings.record(weeklyMeeting(w), by: Workplace.initiator)
        let checklist = try #require(meeting.decisions[0].actionItemID)
        let budget = try #require(meeting.decisions[2].actionItemID)

        let fresh = try await w.engine.meetings.followUp(meeting.id, as: Workplace.initiator)
        #expect(fresh.open == 2 && fresh.completed == 0 && fresh.cancelled == 0 && fresh.overdue == 0)

        try await w.engine.workItems.accept(checklist, by: Workplace.assignee)
        try await w.engine.workItems.start(checklist, by: Workplace.assignee)
        try await w.engine.workItems.submitForReview(checklist, by: Workplace.assignee)
        try await w.engine.workItems.approve(checklist, by: Workplace.initiator)
        // The budget decision was due a day after the meeting; a second past it, it is overdue.
        try await w.h.advance(by: .seconds(86_401))

        let followUp = try await w.engine.meetings.followUp(meeting.id, as: Workplace.initiator)
        #expect(followUp.meeting == meeting)
        #expect(followUp.entries.map(\.decision.id) == meeting.decisions.map(\.id))
        #expect(followUp.entries.map { $0.actionItem?.state } == [.completed, nil, .assigned])
        #expect(followUp.entries.map(\.isOverdue) == [false, false, true])
        #expect(followUp.entries[2].actionItem?.id == budget)
        #expect(followUp.open == 1)
        #expect(followUp.completed == 1)
        #expect(followUp.cancelled == 0)
        #expect(followUp.overdue == 1)
    }

    @Test("an action item needs an owner and a due date; unknown attendees and owners are refused; nothing is written",
        arguments: [
            MeetingDraft.Decision("Owner without a due date", owner: "li"),
            MeetingDraft.Decision("Due date without an owner", due: .instant(Date(timeIntervalSince1970: 1_767_312_000))),
            MeetingDraft.Decision("Unknown owner", owner: "ghost", due: .instant(Date(timeIntervalSince1970: 1_767_312_000))),
            MeetingDraft.Decision("Owner of another company", owner: "bob",
                due: .instant(Date(timeIntervalSince1970: 1_767_312_000))),
        ])
    func invalidDecisions(decision: MeetingDraft.Decision) async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.h.tableSnapshot()
        var draft = weeklyMeeting(w)
        draft.decisions.append(decision)
        let error = await expectFailure(.invalidInput) {
            try await w.engine.meetings.record(draft, by: Workplace.initiator)
        }
        #expect(error?.problems.contains { $0.field.hasPrefix("decisions[3]") } == true, "\(String(describing: error))")
        #expect(try await w.h.tableSnapshot() == before)
        #expect(try await w.engine.meetings.list(as: Workplace.admin).items.isEmpty)
    }

    @Test("an attendee who is not an active member of the organization is refused", arguments: ["ghost", "bob", "amy"])
    func unknownAttendee(attendee: String) async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.h.tableSnapshot()
        var draft = weeklyMeeting(w)
        draft.attendeeIDs.append(Member.ID(attendee))
        let error = await expectFailure(.invalidInput) {
            try await w.engine.meetings.record(draft, by: Workplace.initiator)
        }
        #expect(error?.problems.contains { $0.field == "attendeeIDs[3]" } == true, "\(String(describing: error))")
        #expect(try await w.h.tableSnapshot() == before)
    }

    @Test("an inactive attendee is refused")
    func inactiveAttendee() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.deactivate(Workplace.salesHead)
        let before = try await w.h.tableSnapshot()
        await expectFailure(.invalidInput) {
            try await w.engine.meetings.record(weeklyMeeting(w), by: Workplace.initiator)
        }
        #expect(try await w.h.tableSnapshot() == before)
    }

    @Test("organizer, attendees, owners, administrators and auditors see a meeting; nobody else does")
    func visibility() async throws {
        let w = try await Workplace(storage: .underTest)
        let meeting = try await w.engine.meetings.record(weeklyMeeting(w), by: Workplace.initiator)
        let other = try await w.engine.meetings.record(
            MeetingDraft(title: "Sales sync", startsAt: w.now, attendeeIDs: [Workplace.mobileHead]),
            by: Workplace.salesHead)

        for viewer in [Workplace.initiator, Workplace.assignee, Workplace.mobileHead, Workplace.engHead,
            Workplace.admin, Workplace.auditor]
        {
            let followUp = try await w.engine.meetings.followUp(meeting.id, as: viewer)
            #expect(followUp.meeting.id == meeting.id, "\(viewer)")
        }
        for viewer in [Workplace.bystander, Workplace.peer, Workplace.stranger, Workplace.partner] {
            await expectFailure(.notFound, "\(viewer)") {
                _ = try await w.engine.meetings.followUp(meeting.id, as: viewer)
            }
        }
        await expectFailure(.notFound, "li did not attend the sales sync") {
            _ = try await w.engine.meetings.followUp(other.id, as: Workplace.assignee)
        }

        func listed(_ viewer: Member.ID) async throws -> Set<Meeting.ID> {
            Set(try await w.engine.meetings.list(as: viewer).items.map(\.id))
        }
        #expect(try await listed(Workplace.assignee) == [meeting.id])
        #expect(try await listed(Workplace.engHead) == [meeting.id], "an owner who did not attend")
        #expect(try await listed(Workplace.mobileHead) == [meeting.id, other.id])
        #expect(try await listed(Workplace.salesHead) == [meeting.id, other.id])
        #expect(try await listed(Workplace.admin) == [meeting.id, other.id])
        #expect(try await listed(Workplace.auditor) == [meeting.id, other.id])
        #expect(try await listed(Workplace.bystander).isEmpty)
        #expect(try await listed(Workplace.peer).isEmpty)
        #expect(try await listed(Workplace.stranger).isEmpty)
        #expect(try await listed(Workplace.partner).isEmpty)
    }

    @Test("members of outside organizations cannot record meetings")
    func outsiderCannotRecord() async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.h.tableSnapshot()
        await expectFailure(.forbidden) {
            try await w.engine.meetings.record(
                MeetingDraft(title: "Partner call", startsAt: w.now, attendeeIDs: []), by: Workplace.partner)
        }
        #expect(try await w.h.tableSnapshot() == before)
    }

    @Test("a retry with the same idempotency key returns the first meeting and creates nothing more")
    func idempotentRecording() async throws {
        let w = try await Workplace(storage: .underTest)
        let draft = weeklyMeeting(w)
        let first = try await w.engine.meetings.record(draft, by: Workplace.initiator, idempotencyKey: "minutes-42")
        let afterFirst = try await rowCounts(w.h)
        w.h.clock.advance(by: .seconds(30))
        let again = try await w.engine.meetings.record(draft, by: Workplace.initiator, idempotencyKey: "minutes-42")
        #expect(again == first)
        let afterSecond = try await rowCounts(w.h)
        #expect(afterSecond == afterFirst)
        #expect(try await w.engine.meetings.list(as: Workplace.admin).items.map(\.id) == [first.id])
        #expect(try await w.h.notices(of: Workplace.assignee, kind: .assigned).count == 1)

        // The key with another draft is refused, and writes nothing either.
        var other = draft
        other.title = "Another meeting"
        await expectFailure(.idempotencyKeyReused) {
            try await w.engine.meetings.record(other, by: Workplace.initiator, idempotencyKey: "minutes-42")
        }
        #expect(try await rowCounts(w.h) == afterFirst)
    }
}

extension MeetingTests {
    @Test("an action item due in the past is refused, and nothing is written")
    func pastDueDate() async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.h.tableSnapshot()
        var draft = weeklyMeeting(w)
        draft.decisions.append(MeetingDraft.Decision("Already late", owner: Workplace.peer,
            due: .instant(w.now.addingTimeInterval(-3600))))
        let error = await expectFailure(.invalidInput) {
            try await w.engine.meetings.record(draft, by: Workplace.initiator)
        }
        #expect(error?.problems.contains { $0.field.hasPrefix("decisions[3]") } == true, "\(String(describing: error))")
        #expect(try await w.h.tableSnapshot() == before)
    }

    @Test("concurrent retries with the same idempotency key record one meeting and one set of action items")
    func concurrentRetries() async throws {
        let w = try await Workplace(storage: .underTest)
        let engine = w.engine
        let draft = weeklyMeeting(w)
        let meetings = try await withThrowingTaskGroup(of: Meeting.self) { group in
            for _ in 0..<4 {
                group.addTask { try await engine.meetings.record(draft, by: Workplace.initiator, idempotencyKey: "retry") }
            }
            var meetings: [Meeting] = []
            for try await meeting in group { meetings.append(meeting) }
            return meetings
        }
        #expect(Set(meetings).count == 1)
        let counts = try await rowCounts(w.h)
        #expect(counts.meetings == 1)
        #expect(counts.workItems == 2)
        #expect(try await w.h.notices(of: Workplace.assignee, kind: .assigned).count == 1)
        #expect(try await w.h.notices(of: Workplace.engHead, kind: .assigned).count == 1)
    }

    @Test("an owner in no department gets an action item in no department")
    func ownerWithoutDepartment() async throws {
        let w = try await Workplace(storage: .underTest)
        let meeting = try await w.engine.meetings.record(
            MeetingDraft(title: "Vendor review", startsAt: w.now, attendeeIDs: [Workplace.coAssignee],
                decisions: [MeetingDraft.Decision("Send the contract", owner: Workplace.coAssignee,
                    due: .endOfDay(CalendarDate(year: 2026, month: 1, day: 9)))]),
            by: Workplace.mobileHead)
        let item = try await w.stored(try #require(meeting.decisions.first?.actionItemID))
        #expect(item.departmentIDs.isEmpty)
        #expect(item.assigneeIDs == [Workplace.coAssignee] && item.initiatorID == Workplace.mobileHead)
        // The end of 9 January in Shanghai.
        #expect(item.dueAt == local("Asia/Shanghai", 2026, 1, 10))
    }
}
