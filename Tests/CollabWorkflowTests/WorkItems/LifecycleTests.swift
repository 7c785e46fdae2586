import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// A small company: an initiator, two assignees, a named reviewer, a department head over a parent
/// department, an administrator, and a bystander.
struct Company {
    let h: TestHarness
    static let boss: Member.ID = "boss"
    static let worker: Member.ID = "worker"
    static let second: Member.ID = "second"
    static let reviewer: Member.ID = "reviewer"
    static let head: Member.ID = "head"
    static let admin: Member.ID = "admin"
    static let bystander: Member.ID = "bystander"

    init() async throws {
        h = try await TestHarness(storage: .underTest)
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addDepartment("ops", in: "acme")
        try await h.addDepartment("ops-east", in: "acme", parent: "ops")
        try await h.addMember(Self.boss, in: "acme", departments: [DepartmentMembership("ops-east")])
        try await h.addMember(Self.worker, in: "acme", departments: [DepartmentMembership("ops-east")])
        try await h.addMember(Self.second, in: "acme")
        try await h.addMember(Self.reviewer, in: "acme")
        try await h.addMember(Self.head, in: "acme", departments: [DepartmentMembership("ops", role: .head)])
        try await h.addMember(Self.admin, in: "acme", administrator: true)
        try await h.addMember(Self.bystander, in: "acme")
    }

    var engine: WorkflowEngine { h.engine }

    /// An item assigned to `worker`, with department ops-east, moved to `state`.
    func item(in state: WorkItemState, reviewer: Member.ID? = nil) async throws -> WorkItem {
        var draft = h.draft(assignees: [Self.worker], reviewer: reviewer, departments: ["ops-east"])
        draft.description = "Ship the east-region report"
        var item = try await engine.workItems.create(draft, by: Self.boss, submit: state != .draft)
        let reviewerID = reviewer ?? Self.boss
        let path: [WorkItemState] = [.assigned, .accepted, .inProgress, .inReview, .completed]
        guard let target = path.firstIndex(of: state) else {
            if state == .cancelled { item = try await engine.workItems.cancel(item.id, by: Self.boss) }
            return item
        }
        for next in path.dropFirst().prefix(target) {
            switch next {
            case .accepted: item = try await engine.workItems.accept(item.id, by: Self.worker)
            case .inProgress: item = try await engine.workItems.start(item.id, by: Self.worker)
            case .inReview: item = try await engine.workItems.submitForReview(item.id, by: Self.worker)
            case .completed: item = try await engine.workItems.approve(item.id, by: reviewerID)
            default: break
            }
        }
        return item
    }

    func trail(_ id: WorkItem.ID) async throws -> [String] {
        try await engine.workItems.auditTrail(of: id, as: Self.admin).map(\.action)
    }

    func inboxKinds(_ member: Member.ID) async throws -> [Notice.Kind] {
        try await engine.inbox.notices(of: member, page: PageRequest(limit: 500)).items.map(\.kind)
    }
}

func expectError(
    _ code: CollabError.Code, containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(code), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as CollabError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let text { #expect(error.message.contains(text), "\(error)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("untyped error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct LifecycleTests {
    @Test("create submits to the assignees, who are notified; submit:false keeps a draft only the initiator sees in to-do")
    func createAndDraft() async throws {
        let c = try await Company()
        let item = try await c.item(in: .assigned)
        #expect(item.state == .assigned && item.version == 1 && item.priority == .medium)
        #expect(try await c.inboxKinds(Company.worker) == [.assigned])
        #expect(try await c.engine.inbox.todo(of: Company.worker).items.map(\.reasons) == [[.accept]])

        let draft = try await c.item(in: .draft)
        #expect(draft.state == .draft)
        #expect(try await c.inboxKinds(Company.worker) == [.assigned], "a draft notifies nobody")
        #expect(try await c.engine.inbox.todo(of: Company.boss).items.map(\.item.id) == [draft.id])
        let submitted = try await c.engine.workItems.submit(draft.id, by: Company.boss)
        #expect(submitted.state == .assigned && submitted.version == 2)
        #expect(try await c.inboxKinds(Company.worker) == [.assigned, .assigned])
        #expect(try await c.trail(draft.id) == ["create", "submit"])
    }

    @Test("accept, start, progress, submit for review and approve complete the item, each audited and notified")
    func happyPath() async throws {
        let c = try await Company()
        let item = try await c.item(in: .assigned, reviewer: Company.reviewer)
        try await c.engine.workItems.accept(item.id, by: Company.worker)
        #expect(try await c.inboxKinds(Company.boss) == [.accepted])
        try await c.engine.workItems.start(item.id, by: Company.worker)
        let draft = try await c.h.attach("draft.pdf", to: .workItem(item.id), by: Company.worker)
        let update = try await c.engine.workItems.reportProgress(
            item.id, by: Company.worker, text: "Draft done", percent: 60, attachments: [draft])
        #expect(update.percent == 60 && update.attachments == [draft])
        #expect(try await c.engine.workItems.workItem(item.id, as: Company.boss).progressPercent == 60)
        try await c.engine.workItems.submitForReview(item.id, by: Company.worker, note: "ready")
        #expect(try await c.inboxKinds(Company.reviewer) == [.reviewRequested])
        #expect(try await c.engine.inbox.todo(of: Company.reviewer).items.first?.reasons == [.review])
        c.h.clock.advance(by: .seconds(60))
        let done = try await c.engine.workItems.approve(item.id, by: Company.reviewer, note: "good")
        #expect(done.state == .completed && done.closedAt == c.h.clock.now() && done.version == 6)
        #expect(try await c.trail(item.id) == [
            "create", "accept", "start", "upload_document", "report_progress", "submit_for_review", "approve",
        ])
        let approval = try await c.engine.inbox.notices(of: Company.worker).items.first
        #expect(approval?.kind == .reviewResult && approval?.title.hasPrefix("Approved") == true)
        #expect(try await c.engine.inbox.todo(of: Company.worker).items.isEmpty)
        let activity = try await c.engine.workItems.activity(of: item.id, as: Company.boss)
        #expect(activity.reviewDecisions.map(\.outcome) == [.approved] && activity.progressUpdates.count == 1)
    }

    @Test("a rejection needs a reason, sends the item back to in progress, and tells the assignees why")
    func reject() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inReview)
        await expectError(.invalidInput) { try await c.engine.workItems.reject(item.id, by: Company.boss, reason: "  ") }
        let back = try await c.engine.workItems.reject(item.id, by: Company.boss, reason: "Numbers for March are missing")
        #expect(back.state == .inProgress)
        let notice = try #require(try await c.engine.inbox.notices(of: Company.worker).items.first)
        #expect(notice.kind == .reviewResult && notice.body.contains("Numbers for March are missing"))
        let events = try await c.engine.workItems.auditTrail(of: item.id, as: Company.boss)
        #expect(events.last?.details["reason"] == "Numbers for March are missing")
        #expect(events.last?.fromState == .inReview && events.last?.toState == .inProgress)
        #expect(try await c.engine.inbox.todo(of: Company.worker).items.first?.reasons == [.work])
    }

    @Test("cancel by the initiator or an administrator closes the item and withdraws a pending adjustment")
    func cancel() async throws {
        let c = try await Company()
        let first = try await c.item(in: .inProgress)
        let request = try await c.engine.workItems.requestAdjustment(
            first.id, by: Company.worker, change: .init(title: "Smaller scope"), reason: "too much")
        let cancelled = try await c.engine.workItems.cancel(first.id, by: Company.boss, reason: "no longer needed")
        #expect(cancelled.state == .cancelled && cancelled.closedAt != nil && cancelled.pendingAdjustmentID == nil)
        #expect(try await c.h.store.adjustmentRequest(request.id)?.status == .withdrawn)
        #expect(try await c.inboxKinds(Company.worker).first == .cancelled)
        let second = try await c.item(in: .accepted)
        #expect(try await c.engine.workItems.cancel(second.id, by: Company.admin).state == .cancelled)
    }

    @Test("a department head over a parent department reassigns; both assignees are told")
    func reassign() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inProgress)
        let moved = try await c.engine.workItems.reassign(
            item.id, from: Company.worker, to: Company.second, by: Company.head, reason: "worker is on leave")
        #expect(moved.assigneeIDs == [Company.second] && moved.state == .inProgress)
        #expect(try await c.inboxKinds(Company.second) == [.assigned])
        #expect(try await c.inboxKinds(Company.worker).first == .reassigned)
        #expect(try await c.engine.inbox.todo(of: Company.second).items.map(\.item.id) == [item.id])
        #expect(try await c.engine.inbox.todo(of: Company.worker).items.isEmpty)
        await expectError(.invalidInput) {
            try await c.engine.workItems.reassign(item.id, from: Company.worker, to: Company.second, by: Company.head)
        }
        await expectError(.invalidInput) {
            try await c.engine.workItems.reassign(item.id, from: Company.second, to: "nobody", by: Company.admin)
        }
    }

    @Test("comments notify the people involved; @mentions notify only members who may see the item")
    func commentsAndMentions() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inProgress)
        let comment = try await c.engine.workItems.comment(
            on: item.id, by: Company.head, "@worker @bystander @nobody please mail a@b.com today.")
        #expect(comment.mentionedIDs == [Company.worker], "the bystander may not see the item; nobody does not exist")
        #expect(try await c.inboxKinds(Company.worker).first == .mentioned)
        #expect(try await c.inboxKinds(Company.boss).first == .commented)
        #expect(try await c.inboxKinds(Company.bystander).isEmpty)
        #expect(try await c.engine.workItems.workItem(item.id, as: Company.boss).version == item.version,
            "a comment does not change the item")
        await expectError(.notFound) { try await c.engine.workItems.comment(on: item.id, by: Company.bystander, "hi") }
        await expectError(.invalidInput) { try await c.engine.workItems.comment(on: item.id, by: Company.boss, "") }
    }
}

@Suite struct AdjustmentTests {
    @Test("an approved deadline change applies the new deadline and due instant and keeps the old one")
    func approveDeadline() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inProgress)
        let newDeadline = Deadline.endOfDay(CalendarDate(year: 2026, month: 2, day: 20))
        let request = try await c.engine.workItems.requestAdjustment(
            item.id, by: Company.worker, change: .init(deadline: newDeadline), reason: "supplier is late")
        #expect(request.status == .pending)
        #expect(try await c.inboxKinds(Company.boss).first == .adjustmentRequested)
        #expect(try await c.engine.inbox.todo(of: Company.boss).items.first?.reasons == [.decideAdjustment])
        await expectError(.invalidTransition, containing: "already has adjustment request") {
            try await c.engine.workItems.requestAdjustment(item.id, by: Company.worker, change: .init(title: "x"), reason: "y")
        }
        let changed = try await c.engine.workItems.approveAdjustment(request.id, by: Company.boss, note: "ok")
        #expect(changed.deadline == newDeadline && changed.pendingAdjustmentID == nil)
        // The end of 2026-02-20 in Asia/Shanghai is 2026-02-20T16:00Z.
        #expect(changed.dueAt == Date(timeIntervalSince1970: 1_771_603_200))
        let decided = try #require(try await c.h.store.adjustmentRequest(request.id))
        #expect(decided.status == .approved && decided.previousDeadline == item.deadline)
        #expect(try await c.inboxKinds(Company.worker).first == .adjustmentDecided)
        await expectError(.invalidTransition) { try await c.engine.workItems.approveAdjustment(request.id, by: Company.boss) }
    }

    @Test("an approved change of scope retitles the item; a rejection needs a reason and changes nothing")
    func scopeAndRejection() async throws {
        let c = try await Company()
        let item = try await c.item(in: .accepted)
        let scope = try await c.engine.workItems.requestAdjustment(
            item.id, by: Company.worker, change: .init(title: "East report, Q1 only"), reason: "Q2 data missing")
        #expect(try await c.engine.workItems.approveAdjustment(scope.id, by: Company.boss).title == "East report, Q1 only")
        let later = try await c.engine.workItems.requestAdjustment(
            item.id, by: Company.worker, change: .init(deadline: .endOfDay(CalendarDate(year: 2026, month: 3, day: 1))),
            reason: "more time")
        await expectError(.invalidInput) { try await c.engine.workItems.rejectAdjustment(later.id, by: Company.boss, reason: "") }
        let unchanged = try await c.engine.workItems.rejectAdjustment(later.id, by: Company.boss, reason: "the board meets Feb 10")
        #expect(unchanged.deadline == item.deadline && unchanged.pendingAdjustmentID == nil)
        #expect(try await c.h.store.adjustmentRequest(later.id)?.status == .rejected)
        await expectError(.invalidInput) {
            try await c.engine.workItems.requestAdjustment(item.id, by: Company.worker, change: .init(), reason: "nothing")
        }
        await expectError(.invalidInput) {
            try await c.engine.workItems.requestAdjustment(
                item.id, by: Company.worker, change: .init(deadline: .endOfDay(CalendarDate(year: 2025, month: 1, day: 1))),
                reason: "before the start")
        }
    }
}

@Suite struct TransitionTests {
    /// Every command, and the states in which it is allowed (for the actor allowed to run it).
    enum Step: String, CaseIterable {
        case submit, accept, start, progress, submitForReview, approve, reject, requestAdjustment, cancel, reassign

        var allowedIn: Set<WorkItemState> {
            switch self {
            case .submit: [.draft]
            case .accept: [.assigned]
            case .start: [.accepted]
            case .progress, .submitForReview: [.inProgress]
            case .approve, .reject: [.inReview]
            case .requestAdjustment: [.assigned, .accepted, .inProgress]
            case .cancel, .reassign: [.draft, .assigned, .accepted, .inProgress, .inReview]
            }
        }

        var commandName: String {
            switch self {
            case .progress: "report_progress"
            case .submitForReview: "submit_for_review"
            case .requestAdjustment: "request_adjustment"
            default: rawValue
            }
        }

        func run(_ c: Company, _ id: WorkItem.ID) async throws {
            let e = c.engine
            switch self {
            case .submit: try await e.workItems.submit(id, by: Company.boss)
            case .accept: try await e.workItems.accept(id, by: Company.worker)
            case .start: try await e.workItems.start(id, by: Company.worker)
            case .progress: try await e.workItems.reportProgress(id, by: Company.worker, text: "x")
            case .submitForReview: try await e.workItems.submitForReview(id, by: Company.worker)
            case .approve: try await e.workItems.approve(id, by: Company.boss)
            case .reject: try await e.workItems.reject(id, by: Company.boss, reason: "no")
            case .requestAdjustment:
                try await e.workItems.requestAdjustment(id, by: Company.worker, change: .init(title: "t"), reason: "r")
            case .cancel: try await e.workItems.cancel(id, by: Company.boss)
            case .reassign: try await e.workItems.reassign(id, from: Company.worker, to: Company.second, by: Company.head)
            }
        }
    }

    @Test("every command outside its states is an invalid transition naming the state and the action, and writes nothing",
        arguments: Step.allCases)
    func invalidTransitions(step: Step) async throws {
        let c = try await Company()
        for state in WorkItemState.allCases where !step.allowedIn.contains(state) {
            let item = try await c.item(in: state)
            let trail = try await c.trail(item.id)
            await expectError(.invalidTransition, containing: "cannot \(step.commandName) work item '\(item.id)' in state '\(state.rawValue)'") {
                try await step.run(c, item.id)
            }
            #expect(try await c.engine.workItems.workItem(item.id, as: Company.boss).version == item.version)
            #expect(try await c.trail(item.id) == trail)
        }
    }

    @Test("every command succeeds in each of its states", arguments: Step.allCases)
    func validTransitions(step: Step) async throws {
        let c = try await Company()
        for state in step.allowedIn {
            let item = try await c.item(in: state)
            try await step.run(c, item.id)
            #expect(try await c.engine.workItems.workItem(item.id, as: Company.boss).version == item.version + 1)
        }
    }
}

@Suite struct DenialTests {
    /// Who may not run each command on an item in a state where the command is valid.
    static let denials: [(TransitionTests.Step, WorkItemState, Member.ID)] = [
        (.submit, .draft, Company.worker), (.submit, .draft, Company.admin),
        (.accept, .assigned, Company.boss), (.accept, .assigned, Company.head), (.accept, .assigned, Company.admin),
        (.start, .accepted, Company.boss), (.progress, .inProgress, Company.boss), (.progress, .inProgress, Company.head),
        (.submitForReview, .inProgress, Company.boss), (.approve, .inReview, Company.worker),
        (.approve, .inReview, Company.head), (.approve, .inReview, Company.admin), (.reject, .inReview, Company.worker),
        (.requestAdjustment, .inProgress, Company.boss), (.cancel, .inProgress, Company.worker),
        (.cancel, .inProgress, Company.head), (.reassign, .inProgress, Company.worker),
        (.reassign, .inProgress, Company.boss),
    ]

    @Test("a member who may see the item but not act gets forbidden, and nothing changes")
    func forbidden() async throws {
        let c = try await Company()
        for (step, state, actor) in Self.denials {
            let item = try await c.item(in: state)
            do {
                try await Self.run(step, as: actor, c, item.id)
                Issue.record("\(actor) could \(step) in \(state)")
            } catch {
                #expect(error.code == .forbidden, "\(actor) \(step): \(error)")
            }
            #expect(try await c.engine.workItems.workItem(item.id, as: Company.boss).version == item.version)
        }
    }

    @Test("a member who may not see the item gets not found, exactly as for a missing item")
    func invisible() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inProgress)
        for step in TransitionTests.Step.allCases {
            let seen = await refusal(item.id.rawValue) { try await Self.run(step, as: Company.bystander, c, item.id) }
            let missing = await refusal("missing") { try await Self.run(step, as: Company.bystander, c, "missing") }
            #expect(seen == missing && seen.hasPrefix("not_found"), "\(step): \(seen) vs \(missing)")
        }
    }

    @Test("the initiator cannot review when a reviewer is named; a deactivated member cannot act at all")
    func reviewerAndDeactivated() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inReview, reviewer: Company.reviewer)
        await expectError(.forbidden) { try await c.engine.workItems.approve(item.id, by: Company.boss) }
        var worker = try #require(try await c.h.store.member(Company.worker))
        worker.isActive = false
        try await c.h.store.save(worker)
        await expectError(.invalidInput, containing: "problem") {
            try await c.engine.workItems.create(c.h.draft(assignees: [Company.worker]), by: Company.boss)
        }
        await expectError(.forbidden, containing: "deactivated") {
            try await c.engine.workItems.comment(on: item.id, by: Company.worker, "still here?")
        }
        await expectError(.notFound) { try await c.engine.workItems.accept(item.id, by: "ghost") }
    }

    static func run(_ step: TransitionTests.Step, as actor: Member.ID, _ c: Company, _ id: WorkItem.ID)
        async throws(CollabError)
    {
        let e = c.engine
        switch step {
        case .submit: try await e.workItems.submit(id, by: actor)
        case .accept: try await e.workItems.accept(id, by: actor)
        case .start: try await e.workItems.start(id, by: actor)
        case .progress: try await e.workItems.reportProgress(id, by: actor, text: "x")
        case .submitForReview: try await e.workItems.submitForReview(id, by: actor)
        case .approve: try await e.workItems.approve(id, by: actor)
        case .reject: try await e.workItems.reject(id, by: actor, reason: "no")
        case .requestAdjustment: try await e.workItems.requestAdjustment(id, by: actor, change: .init(title: "t"), reason: "r")
        case .cancel: try await e.workItems.cancel(id, by: actor)
        case .reassign: try await e.workItems.reassign(id, from: Company.worker, to: Company.second, by: actor)
        }
    }
}

@Suite struct ValidationTests {
    @Test("one invalid draft reports every problem at once")
    func everyProblemAtOnce() async throws {
        let c = try await Company()
        let draft = WorkItemDraft(
            title: "   ", description: String(repeating: "x", count: 20_001), assigneeIDs: ["worker", "nobody"],
            start: c.h.clock.now(), deadline: .instant(c.h.clock.now().addingTimeInterval(-3600)),
            attachments: [c.h.attachment("plan.pdf")])
        do {
            try await c.engine.workItems.create(draft, by: Company.boss)
            Issue.record("an invalid draft was accepted")
        } catch {
            #expect(error.code == .invalidInput)
            let found = Set(error.problems.map { "\($0.field):\($0.kind)" })
            #expect(found == [
                "title:empty", "description:too_long", "assigneeIDs[1]:unknown_member", "deadline:deadline_before_start",
                "attachments[0].documentID:missing",
            ], "\(error)")
        }
        #expect(try await c.engine.workItems.count(as: Company.admin) == 0, "nothing was written")
    }

    // needs the real inspector
    @Test("an executable is refused when it is uploaded, so no draft can name it")
    func executableRefusedAtUpload() async throws {
        let c = try await Company()
        try await expectUploadRefused(c.h, elfExecutable, named: "virus.exe", to: .departmentFolder("ops-east"),
            by: Company.boss)
        #expect(try await c.engine.workItems.count(as: Company.admin) == 0, "nothing was written")
    }
}

@Suite struct IdempotencyTests {
    @Test("a retry with the same key returns the first result and writes nothing")
    func retryReturnsFirstResult() async throws {
        let c = try await Company()
        let draft = c.h.draft(assignees: [Company.worker])
        let first = try await c.engine.workItems.create(draft, by: Company.boss, idempotencyKey: "create-42")
        let again = try await c.engine.workItems.create(draft, by: Company.boss, idempotencyKey: "create-42")
        #expect(again == first)
        #expect(try await c.engine.workItems.count(as: Company.admin) == 1)
        #expect(try await c.inboxKinds(Company.worker) == [.assigned])

        try await c.engine.workItems.accept(first.id, by: Company.worker, idempotencyKey: "accept-1")
        let replay = try await c.engine.workItems.accept(first.id, by: Company.worker, idempotencyKey: "accept-1")
        #expect(replay.version == 2 && replay.state == .accepted)
        #expect(try await c.trail(first.id) == ["create", "accept"])
    }

    @Test("a key reused for a different command is refused; keys of different members are independent")
    func keyScope() async throws {
        let c = try await Company()
        let item = try await c.item(in: .assigned)
        try await c.engine.workItems.accept(item.id, by: Company.worker, idempotencyKey: "k")
        await expectError(.idempotencyKeyReused) {
            try await c.engine.workItems.start(item.id, by: Company.worker, idempotencyKey: "k")
        }
        let other = try await c.engine.workItems.create(c.h.draft(assignees: [Company.second]), by: Company.head, idempotencyKey: "k")
        #expect(other.initiatorID == Company.head)
    }
}

@Suite struct ConcurrencyTests {
    @Test("a command based on a stale version is a conflict")
    func staleVersion() async throws {
        let c = try await Company()
        let item = try await c.item(in: .assigned)
        try await c.engine.workItems.accept(item.id, by: Company.worker, expectedVersion: 1)
        await expectError(.conflict, containing: "version 2") {
            try await c.engine.workItems.cancel(item.id, by: Company.boss, expectedVersion: 1)
        }
    }

    @Test("of many concurrent edits from the same read, exactly one wins; the others get a conflict")
    func race() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inProgress)
        let engine = c.engine
        let outcomes = await withTaskGroup(of: String.self) { group in
            for n in 0..<12 {
                group.addTask {
                    do {
                        try await engine.workItems.execute(
                            .reportProgress(item.id, text: "update \(n)", percent: n, attachments: []),
                            by: Company.worker, expectedVersion: item.version)
                        return "ok"
                    } catch {
                        return (error as? CollabError)?.code.rawValue ?? "untyped: \(error)"
                    }
                }
            }
            var all: [String] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { $0 == "ok" }.count == 1)
        #expect(outcomes.filter { $0 == "conflict" }.count == 11)
        let final = try await c.engine.workItems.workItem(item.id, as: Company.boss)
        #expect(final.version == item.version + 1)
        #expect(try await c.engine.workItems.activity(of: item.id, as: Company.boss).progressUpdates.count == 1)
    }

    @Test("concurrent edits without an expected version all apply, none overwriting another")
    func noLostUpdates() async throws {
        let c = try await Company()
        let item = try await c.item(in: .inProgress)
        let engine = c.engine
        let successes = await withTaskGroup(of: Int.self) { group in
            for n in 0..<10 {
                group.addTask {
                    for _ in 0..<5 {
                        do {
                            try await engine.workItems.reportProgress(item.id, by: Company.worker, text: "u\(n)", percent: n)
                            return 1
                        } catch {
                            #expect((error as? CollabError)?.code == .conflict)
                        }
                    }
                    return 0
                }
            }
            return await group.reduce(0, +)
        }
        let final = try await c.engine.workItems.workItem(item.id, as: Company.boss)
        #expect(final.version == item.version + successes)
        #expect(try await c.engine.workItems.activity(of: item.id, as: Company.boss).progressUpdates.count == successes)
    }
}

@Suite struct MessageCenterTests {
    @Test("the inbox is newest first and paged; read state is per member")
    func inbox() async throws {
        let c = try await Company()
        for n in 0..<5 {
            try await c.engine.workItems.create(c.h.draft(title: "Task \(n)", assignees: [Company.worker]), by: Company.boss)
        }
        var titles: [String] = []
        var cursor: String?
        repeat {
            let page = try await c.engine.inbox.notices(of: Company.worker, page: PageRequest(limit: 2, cursor: cursor))
            titles += page.items.map(\.title)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(titles == (0..<5).reversed().map { "New assignment: Task \($0)" })
        #expect(try await c.engine.inbox.unreadCount(of: Company.worker) == 5)
        let newest = try await c.engine.inbox.notices(of: Company.worker, page: PageRequest(limit: 2)).items
        #expect(try await c.engine.inbox.markRead(newest.map(\.id), of: Company.boss) == 0, "not the boss's notifications")
        #expect(try await c.engine.inbox.markRead(newest.map(\.id), of: Company.worker) == 2)
        #expect(try await c.engine.inbox.unreadCount(of: Company.worker) == 3)
        #expect(try await c.engine.inbox.notices(of: Company.worker, unreadOnly: true).items.count == 3)
        #expect(try await c.engine.inbox.markAllRead(of: Company.worker) == 3)
        #expect(try await c.engine.inbox.unreadCount(of: Company.worker) == 0)
        await expectError(.invalidInput) {
            _ = try await c.engine.inbox.notices(of: Company.worker, page: PageRequest(cursor: "not-a-cursor"))
        }
    }

    @Test("the to-do list holds what the member must act on now, soonest deadline first, paged")
    func todo() async throws {
        let c = try await Company()
        var ids: [WorkItem.ID] = []
        for day in [9, 3, 6] {
            let item = try await c.engine.workItems.create(
                c.h.draft(title: "Due \(day)", assignees: [Company.worker],
                    deadline: .endOfDay(CalendarDate(year: 2026, month: 1, day: day))),
                by: Company.boss)
            ids.append(item.id)
        }
        try await c.engine.workItems.accept(ids[0], by: Company.worker)
        var seen: [TodoEntry] = []
        var cursor: String?
        repeat {
            let page = try await c.engine.inbox.todo(of: Company.worker, page: PageRequest(limit: 2, cursor: cursor))
            seen += page.items
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen.map(\.item.title) == ["Due 3", "Due 6", "Due 9"])
        #expect(seen.map(\.reasons) == [[.accept], [.accept], [.start]])
        try await c.engine.workItems.cancel(ids[1], by: Company.boss)
        #expect(try await c.engine.inbox.todo(of: Company.worker).items.map(\.item.title) == ["Due 6", "Due 9"])
    }
}
