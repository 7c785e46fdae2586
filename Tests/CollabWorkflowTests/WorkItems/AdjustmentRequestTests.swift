import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Adjustment requests: an assignee asks, the initiator decides.
@Suite struct AdjustmentRequestTests {
    typealias W = Workplace

    static let newDate = CalendarDate(year: 2026, month: 1, day: 20)
    /// The end of 2026-01-20 in Asia/Shanghai: 2026-01-20T16:00Z.
    static let newDueAt = Date(timeIntervalSince1970: 1_768_924_800)

    @Test("requesting a new deadline records a pending request, changes nothing yet, and asks the initiator to decide",
        arguments: [WorkItemState.assigned, .accepted, .inProgress])
    func requestDeadline(state: WorkItemState) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(state)
        let request = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(deadline: .endOfDay(Self.newDate)), reason: "The SDK update slipped")
        #expect(request.status == .pending && request.itemID == item.id && request.requesterID == W.assignee)
        #expect(request.reason == "The SDK update slipped" && request.createdAt == w.now)
        #expect(request.deciderID == nil && request.decidedAt == nil && request.previousDeadline == nil)

        let after = try await w.stored(item.id)
        #expect(after.pendingAdjustmentID == request.id && after.version == item.version + 1)
        #expect(after.deadline == item.deadline && after.dueAt == item.dueAt && after.state == state)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "request_adjustment" && event.fromState == state && event.toState == state)
        #expect(event.details == [
            "reason": "The SDK update slipped", "request": request.id.rawValue,
            "requested_deadline": "end of 2026-01-20",
        ])
        let notice = try #require(try await w.inbox(W.initiator).first)
        #expect(notice.kind == .adjustmentRequested)
        #expect(notice.body == "Li Wei asks to move the deadline to Tue, Jan 20, 2026: The SDK update slipped")
        let todo = try await w.todo(W.initiator)
        #expect(todo.map(\.item.id) == [item.id] && todo.map(\.reasons) == [[.decideAdjustment]])
        #expect(try await w.engine.workItems.activity(of: item.id, as: W.initiator).adjustmentRequests == [request])
    }

    @Test("approving a deadline change applies the new deadline and due instant and records the previous deadline")
    func approveDeadline() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let request = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(deadline: .endOfDay(Self.newDate)), reason: "The SDK update slipped")
        w.h.clock.advance(by: .seconds(600))
        let changed = try await w.engine.workItems.approveAdjustment(request.id, by: W.initiator, note: "Fine, but no later")
        #expect(changed.deadline == .endOfDay(Self.newDate))
        #expect(changed.dueAt == Self.newDueAt)
        #expect(changed.pendingAdjustmentID == nil && changed.state == .inProgress)
        #expect(changed.version == item.version + 2)
        #expect(try await w.stored(item.id) == changed)

        let decided = try #require(try await w.h.store.adjustmentRequest(request.id))
        #expect(decided.status == .approved && decided.deciderID == W.initiator && decided.decidedAt == w.now)
        #expect(decided.decisionReason == "Fine, but no later")
        #expect(decided.previousDeadline == item.deadline)
        #expect(decided.previousDeadline == .endOfDay(CalendarDate(year: 2026, month: 1, day: 8)))

        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "approve_adjustment" && event.actorID == W.initiator)
        #expect(event.details == [
            "request": request.id.rawValue, "new_deadline": "end of 2026-01-20",
            "previous_deadline": "end of 2026-01-08", "note": "Fine, but no later",
        ])
        let notice = try #require(try await w.inbox(W.assignee).first)
        #expect(notice.kind == .adjustmentDecided && notice.title.hasPrefix("Adjustment approved:"))
        #expect(notice.body.contains("approved your request to move the deadline to Tue, Jan 20, 2026"))
        #expect(try await w.todo(W.initiator).isEmpty, "nothing left to decide")
        #expect(try await w.todo(W.assignee).first?.item.dueAt == Self.newDueAt)
    }

    @Test("an exact new deadline is applied as the due instant, at the millisecond the store keeps")
    func approveInstantDeadline() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.accepted)
        let requested = w.now.addingTimeInterval(30 * 86_400 + 0.2504)
        let kept = w.now.addingTimeInterval(30 * 86_400 + 0.25)
        let request = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(deadline: .instant(requested)), reason: "vendor holidays")
        let changed = try await w.engine.workItems.approveAdjustment(request.id, by: W.initiator)
        #expect(changed.dueAt == kept && changed.deadline == .instant(kept))
        #expect(try await w.stored(item.id) == changed, "the item returned is the item stored")
        #expect(try await w.h.store.adjustmentRequest(request.id)?.previousDeadline == item.deadline)
    }

    @Test("approving a change of scope retitles and redescribes the item")
    func approveScope() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        let change = AdjustmentRequest.Change(title: "Release notes, Android only", description: "iOS ships in March")
        let request = try await w.engine.workItems.requestAdjustment(item.id, by: W.assignee, change: change, reason: "iOS slipped")
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.details["requested_title"] == "Release notes, Android only")
        #expect(event.details["requested_description"] == "iOS ships in March")
        #expect(try await w.inbox(W.initiator).first?.body
            == "Li Wei asks to retitle it \"Release notes, Android only\" and change its description: iOS slipped")

        let changed = try await w.engine.workItems.approveAdjustment(request.id, by: W.initiator)
        #expect(changed.title == "Release notes, Android only" && changed.description == "iOS ships in March")
        #expect(changed.deadline == item.deadline && changed.dueAt == item.dueAt, "the deadline did not change")
        let approval = try #require(try await w.trail(item.id).last)
        #expect(approval.details["new_title"] == "Release notes, Android only")
        #expect(approval.details["new_description"] == "iOS ships in March")
        #expect(approval.details["new_deadline"] == nil)
        #expect(try await w.h.store.adjustmentRequest(request.id)?.previousDeadline == nil)
        #expect(try await w.engine.workItems.search("Android only", as: W.initiator).items.map(\.id) == [item.id],
            "search sees the new title")
    }

    @Test("an adjustment pending when the work is submitted can still be decided while the item is in review")
    func decideInReview() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let request = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(deadline: .endOfDay(Self.newDate)), reason: "more time")
        try await w.engine.workItems.submitForReview(item.id, by: W.assignee)
        let changed = try await w.engine.workItems.approveAdjustment(request.id, by: W.initiator)
        #expect(changed.state == .inReview && changed.dueAt == Self.newDueAt)
    }

    @Test("rejecting a request needs a reason; with one, the request is rejected and the item keeps its deadline")
    func reject() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let request = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(deadline: .endOfDay(Self.newDate)), reason: "more time")
        let pending = try await w.footprint(item.id)
        for blank in ["", "  "] {
            let error = await expectFailure(.invalidInput) {
                try await w.engine.workItems.rejectAdjustment(request.id, by: W.initiator, reason: blank)
            }
            #expect(error?.problems.map { "\($0.field):\($0.kind)" } == ["reason:empty"])
        }
        #expect(try await w.footprint(item.id) == pending)

        let kept = try await w.engine.workItems.rejectAdjustment(request.id, by: W.initiator, reason: "The launch date is fixed")
        #expect(kept.deadline == item.deadline && kept.dueAt == item.dueAt && kept.pendingAdjustmentID == nil)
        let decided = try #require(try await w.h.store.adjustmentRequest(request.id))
        #expect(decided.status == .rejected && decided.decisionReason == "The launch date is fixed")
        #expect(decided.deciderID == W.initiator && decided.previousDeadline == nil)
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "reject_adjustment")
        #expect(event.details == ["request": request.id.rawValue, "reason": "The launch date is fixed"])
        let notice = try #require(try await w.inbox(W.assignee).first)
        #expect(notice.kind == .adjustmentDecided && notice.title.hasPrefix("Adjustment rejected:"))
        #expect(notice.body.contains("The launch date is fixed"))

        // A new request may follow a decided one.
        let next = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(title: "Smaller"), reason: "then less work")
        #expect(try await w.stored(item.id).pendingAdjustmentID == next.id)
    }

    @Test("an empty change, a blank reason or a deadline before the start are listed together and write nothing")
    func requestValidation() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.footprint(item.id)
        let empty = await expectFailure(.invalidInput) {
            try await w.engine.workItems.requestAdjustment(item.id, by: W.assignee, change: .init(), reason: " ")
        }
        #expect(Set((empty?.problems ?? []).map { "\($0.field):\($0.kind)" }) == ["reason:empty", "change:missing"])
        let early = await expectFailure(.invalidInput) {
            try await w.engine.workItems.requestAdjustment(
                item.id, by: W.assignee,
                change: .init(deadline: .endOfDay(CalendarDate(year: 2025, month: 12, day: 31)), title: ""),
                reason: "oops")
        }
        #expect(Set((early?.problems ?? []).map { "\($0.field):\($0.kind)" })
            == ["change.deadline:deadline_before_start", "change.title:empty"])
        let unreal = await expectFailure(.invalidInput) {
            try await w.engine.workItems.requestAdjustment(
                item.id, by: W.assignee, change: .init(deadline: .endOfDay(CalendarDate(year: 2026, month: 2, day: 30))),
                reason: "leap")
        }
        #expect(unreal?.problems.map { "\($0.field):\($0.kind)" } == ["change.deadline:malformed"])
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("an adjustment request that does not exist is not found")
    func unknownRequest() async throws {
        let w = try await Workplace(storage: .underTest)
        let error = await expectFailure(.notFound) {
            try await w.engine.workItems.approveAdjustment("no-such-request", by: W.initiator)
        }
        #expect(error?.message == "no adjustment request with id 'no-such-request'")
    }

    @Test("only the initiator decides; the requester, the reviewer, a head and an administrator are forbidden")
    func onlyInitiatorDecides() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress, reviewer: W.reviewer)
        let request = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(deadline: .endOfDay(Self.newDate)), reason: "more time")
        let before = try await w.footprint(item.id)
        for member in [W.assignee, W.reviewer, W.mobileHead, W.engHead, W.admin] {
            await expectFailure(.forbidden, "\(member) approves") {
                try await w.engine.workItems.approveAdjustment(request.id, by: member)
            }
            await expectFailure(.forbidden, "\(member) rejects") {
                try await w.engine.workItems.rejectAdjustment(request.id, by: member, reason: "no")
            }
        }
        #expect(try await w.footprint(item.id) == before)
        #expect(try await w.engine.workItems.approveAdjustment(request.id, by: W.initiator).dueAt == Self.newDueAt)
    }
}
