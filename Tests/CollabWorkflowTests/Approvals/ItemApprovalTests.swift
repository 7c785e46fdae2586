import CollabModel
import CollabStore
import CollabTesting
@testable import CollabWorkflow
import Foundation
import Testing


/// Reviews and adjustment requests of work items through a flow bound in the organization's settings.
@Suite("Work items through approval flows")
struct ItemApprovalTests {
    typealias A = ApprovalWorld
    typealias W = Workplace

    /// A review flow: the item's reviewer (the decider), then the head of the submitter's department.
    static let reviewFlow = ApprovalFlowDraft(
        name: "成果审核",
        fields: [ApprovalField(key: "priority", label: "优先级", kind: .choice, options: ["low", "medium", "high"])],
        steps: [
            ApprovalStep(key: "reviewer", name: "审核人", approvers: [.decider]),
            ApprovalStep(key: "head", name: "部门负责人", approvers: [.applicantHeads(levels: 1)]),
        ],
        policies: ApprovalPolicies(timeout: nil))

    /// An adjustment flow: the initiator decides; an extension of a week or more also needs the department's
    /// heads above the requester.
    static let adjustmentFlow = ApprovalFlowDraft(
        name: "延期申请",
        fields: [
            ApprovalField(key: "extensionDays", label: "延期天数", kind: .number),
            ApprovalField(key: "reason", label: "原因", kind: .text, required: true),
        ],
        steps: [
            ApprovalStep(key: "initiator", name: "发起人", approvers: [.decider], next: [
                ApprovalRoute(when: .field("extensionDays", .atLeast, .number(7)), to: .step("heads")),
                ApprovalRoute(to: .finish),
            ]),
            ApprovalStep(key: "heads", name: "部门负责人", approvers: [.applicantHeads(levels: 2)], mode: .any),
        ],
        policies: ApprovalPolicies(timeout: nil))

    /// A world whose organization sends reviews and adjustments through the flows above.
    static func bound(review: Bool = true, adjustment: Bool = true) async throws -> A {
        let world = try await A()
        var settings = world.engine.configuration.defaultSettings
        if review { settings.approvalFlows.review = try await world.desk.saveFlow(reviewFlow, by: A.admin).id }
        if adjustment { settings.approvalFlows.adjustment = try await world.desk.saveFlow(adjustmentFlow, by: A.admin).id }
        try await world.engine.settings.save(settings, for: "acme", by: A.admin)
        return world
    }

    /// The one open request about `item`, as the administrator reads it.
    func openRequest(about item: WorkItem.ID, in world: A) async throws -> ApprovalRequest {
        let all = try await world.desk.requests(.all, as: A.admin).items.filter { $0.subject.workItemID == item }
        return try #require(all.first)
    }

    @Test("submitted work waits for the flow: the reviewer, then the head; the last approval completes the item")
    func reviewThroughFlow() async throws {
        let world = try await Self.bound()
        let item = try await world.w.item(.inReview, reviewer: W.reviewer)
        let request = try await openRequest(about: item.id, in: world)
        #expect(request.subject == .workItemReview(item.id))
        #expect(request.applicantID == W.assignee)
        #expect(request.awaiting == [W.reviewer])
        #expect(request.run.values.values["priority"] == .choice("medium"))
        // The reviewer decides in the flow, not beside it.
        let error = try await requireFailure(.invalidTransition) {
            try await world.engine.workItems.approve(item.id, by: W.reviewer)
        }
        #expect(error.message.contains(request.id.rawValue))
        try await world.approve(request.id, by: W.reviewer)
        #expect(try await world.w.stored(item.id).state == .inReview)
        let done = try await world.approve(request.id, by: W.mobileHead)
        #expect(done.status == .approved)
        let stored = try await world.w.stored(item.id)
        #expect(stored.state == .completed)
        #expect(stored.closedAt == world.h.clock.now())
        #expect(try await world.w.actions(item.id).suffix(1) == ["approve"])
        #expect(try await world.h.notices(of: W.assignee, kind: .reviewResult).map { $0.message?.key } == ["notice.approved"])
    }

    @Test("a rejection in the flow sends the work back with the approver's reason")
    func reviewRejected() async throws {
        let world = try await Self.bound()
        let item = try await world.w.item(.inReview, reviewer: W.reviewer)
        let request = try await openRequest(about: item.id, in: world)
        try await world.approve(request.id, by: W.reviewer)
        let version = try await world.stored(request.id).run.version
        try await world.desk.reject(request.id, reason: "The screenshots are missing", by: W.mobileHead,
            expectedVersion: version)
        let stored = try await world.w.stored(item.id)
        #expect(stored.state == .inProgress)
        let decision = try #require(try await world.h.store.reviewDecisions(on: item.id).last)
        #expect(decision.outcome == .rejected)
        #expect(decision.reason == "The screenshots are missing")
        #expect(decision.reviewerID == W.mobileHead)
        // Submitted again, a new request starts.
        try await world.engine.workItems.submitForReview(item.id, by: W.assignee)
        let again = try await world.desk.requests(.all, as: A.admin, status: .pending).items
        #expect(again.count == 1)
        #expect(again.first?.id != request.id)
    }

    @Test("a long extension needs the initiator, then a head; a short one the initiator alone")
    func adjustmentThroughFlow() async throws {
        let world = try await Self.bound(review: false)
        let item = try await world.w.item(.inProgress)
        let deadline = Deadline.endOfDay(CalendarDate(year: 2027, month: 3, day: 1))
        let adjustment = try await world.engine.workItems.requestAdjustment(item.id, by: W.assignee,
            change: AdjustmentRequest.Change(deadline: deadline), reason: "Waiting for the vendor")
        let request = try await openRequest(about: item.id, in: world)
        #expect(request.subject == .adjustment(adjustment.id, item: item.id))
        #expect(request.awaiting == [W.initiator])
        try await requireFailure(.invalidTransition) {
            try await world.engine.workItems.approveAdjustment(adjustment.id, by: W.initiator)
        }
        try await world.approve(request.id, by: W.initiator)
        #expect(try await world.w.stored(item.id).deadline != deadline)
        #expect(Set(try await world.stored(request.id).awaiting) == [W.mobileHead, W.engHead])
        try await world.approve(request.id, by: W.engHead)
        let stored = try await world.w.stored(item.id)
        #expect(stored.deadline == deadline)
        #expect(stored.pendingAdjustmentID == nil)
        #expect(try await world.h.store.adjustmentRequest(adjustment.id)?.status == .approved)

        // Two days more: the initiator alone.
        let soon = try await world.w.item(.inProgress)
        guard case .endOfDay(let day) = soon.deadline else { Issue.record("the workplace's items are due at the end of a day"); return }
        let short = try await world.engine.workItems.requestAdjustment(soon.id, by: W.assignee,
            change: AdjustmentRequest.Change(deadline: .endOfDay(day.adding(days: 2))), reason: "One more review round")
        let shortRequest = try await openRequest(about: soon.id, in: world)
        try await world.approve(shortRequest.id, by: W.initiator)
        #expect(try await world.h.store.adjustmentRequest(short.id)?.status == .approved)
    }

    @Test("cancelling the item withdraws the request about it, in the same commit")
    func cancelWithdraws() async throws {
        let world = try await Self.bound()
        let item = try await world.w.item(.inReview, reviewer: W.reviewer)
        let request = try await openRequest(about: item.id, in: world)
        try await world.engine.workItems.cancel(item.id, by: W.initiator, reason: "Superseded")
        let stored = try await world.stored(request.id)
        #expect(stored.status == .withdrawn)
        #expect(try await world.noticeKeys(W.reviewer).last == "notice.approval_withdrawn")
        try await requireFailure(.conflict) {
            try await world.desk.approve(request.id, by: W.reviewer, expectedVersion: request.run.version)
        }
    }

    @Test("the flow never completes without the item: an item changed under the last approval fails it whole")
    func flowAndItemCommitTogether() async throws {
        let world = try await Self.bound()
        let item = try await world.w.item(.inReview, reviewer: W.reviewer)
        let request = try await openRequest(about: item.id, in: world)
        try await world.approve(request.id, by: W.reviewer)
        let version = try await world.stored(request.id).run.version
        // Another process reassigns the item after the head's approval was planned, before it commits.
        var configuration = world.engine.configuration
        let h = world.h
        configuration.beforeCommit = { _, attempt in
            guard attempt == 1 else { return }
            do {
                _ = try await WorkflowEngine(store: h.store, clock: h.clock, identifiers: SequentialIdentifierGenerator(prefix: "other"))
                    .workItems.reassign(item.id, from: W.assignee, to: W.coAssignee, by: W.mobileHead)
            } catch {
                Issue.record("the reassignment failed: \(error)")
            }
        }
        let engine = WorkflowEngine(store: h.store, clock: h.clock, identifiers: h.identifiers, configuration: configuration)
        let before = try await h.tableSnapshot()
        try await requireFailure(.conflict) {
            try await engine.approvals.approve(request.id, by: W.mobileHead, expectedVersion: version)
        }
        // Only the reassignment was written: the request still waits and the item is still in review.
        let written = try await h.tableSnapshot().differences(from: before)
        #expect(!written.contains { $0.contains("approval_requests") })
        #expect(try await world.stored(request.id).status == .pending)
        #expect(try await world.w.stored(item.id).state == .inReview)
        // Read again and approved: both change together.
        try await world.approve(request.id, by: W.mobileHead)
        #expect(try await world.w.stored(item.id).state == .completed)
        #expect(try await world.stored(request.id).status == .approved)
    }

    @Test("settings refuse a flow the organization does not have")
    func bindingUnknownFlow() async throws {
        let world = try await A()
        var settings = world.engine.configuration.defaultSettings
        settings.approvalFlows.review = "no-such-flow"
        let error = try await requireFailure(.invalidInput) {
            try await world.engine.settings.save(settings, for: "acme", by: A.admin)
        }
        #expect(error.problems.map(\.field) == ["approvalFlows.review"])
    }
}
