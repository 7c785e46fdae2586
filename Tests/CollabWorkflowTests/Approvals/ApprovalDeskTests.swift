import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

private typealias A = ApprovalWorld

@Suite("Approval desk")
struct ApprovalDeskTests {
    @Test("a purchase request goes head → finance (any one of two) → general manager, with a transfer and a send-back")
    func purchaseRequest() async throws {
        let world = try await A()
        let request = try await world.submitted(cc: [Workplace.peer])
        #expect(request.status == .pending)
        #expect(request.awaiting == [A.head])
        #expect(try await world.noticeKeys(A.head) == ["notice.approval_waiting"])
        #expect(try await world.noticeKeys(Workplace.peer) == ["notice.approval_copied"])
        #expect(try await world.desk.requests(.awaitingMe, as: A.head).items.map(\.id) == [request.id])

        try await world.approve(request.id, by: A.head)
        #expect(try await world.at(request.id) == "finance#1")
        #expect(Set(try await world.stored(request.id).awaiting) == [A.fin1, A.fin2])
        #expect(try await world.desk.requests(.awaitingMe, as: A.head).items.isEmpty)

        // 转交: fin1 hands the place to the general manager's deputy (here: the spare member).
        var current = try await world.stored(request.id)
        try await world.desk.transfer(request.id, to: Workplace.spare, by: A.fin1, expectedVersion: current.run.version)
        #expect(try await world.noticeKeys(Workplace.spare) == ["notice.approval_waiting"])
        try await requireFailure(.forbidden) {
            current = try await world.stored(request.id)
            try await world.desk.approve(request.id, by: A.fin1, expectedVersion: current.run.version)
        }
        try await world.approve(request.id, by: Workplace.spare)
        #expect(try await world.at(request.id) == "manager#1")

        // 退回 to finance: a new attempt, decided by people again.
        current = try await world.stored(request.id)
        try await world.desk.sendBack(request.id, to: .step("finance"), reason: "Quote is a month old",
            by: A.gm, expectedVersion: current.run.version)
        #expect(try await world.at(request.id) == "finance#2")
        try await world.approve(request.id, by: A.fin2)
        #expect(try await world.at(request.id) == "manager#2")
        let done = try await world.approve(request.id, by: A.gm)
        #expect(done.status == .approved)
        #expect(done.finishedAt == world.h.clock.now())
        #expect(try await world.noticeKeys(A.applicant).last == "notice.approval_approved")
        #expect(try await world.noticeKeys(Workplace.peer).last == "notice.approval_approved")

        let steps = done.events.filter { $0.action == .stepFinished }.map { "\($0.stepKey ?? "")#\($0.attempt ?? 0):\($0.outcome ?? "")" }
        #expect(steps == ["head#1:approved", "finance#1:approved", "manager#1:sent_back", "finance#2:approved", "manager#2:approved"])
        let trail = try await world.desk.trail(of: request.id, as: A.applicant).map(\.action)
        #expect(trail == ["submit_approval", "approve_request", "transfer_approval", "approve_request",
            "send_back_approval", "approve_request", "approve_request"])
        // Nothing waits any more: no timer is left.
        #expect(try await world.h.store.nextTimerDue() == nil)
    }

    @Test("a small purchase finishes after finance; the request stays on the flow version it started on")
    func routesAndVersions() async throws {
        let world = try await A()
        let flow = try await world.save()
        let small = try await world.desk.submit(flow.id, values: A.smallPurchase, by: A.applicant)
        // Version 2 adds a step before the head's; the running request does not see it.
        let v2 = try await world.desk.saveFlow(A.purchaseDraft { steps in
            steps.insert(ApprovalStep(key: "it", name: "IT", approvers: [.members(ids: [Workplace.spare])]), at: 0)
        }, id: flow.id, by: A.admin, expectedVersion: 1)
        #expect(v2.version == 2)
        try await world.approve(small.id, by: A.head)
        let done = try await world.approve(small.id, by: A.fin1)
        #expect(done.status == .approved)
        #expect(done.flowVersion == 1)
        let next = try await world.desk.submit(flow.id, values: A.smallPurchase, by: A.applicant)
        #expect(next.flowVersion == 2)
        #expect(next.awaiting == [Workplace.spare])
        // A stale save is refused.
        try await requireFailure(.conflict) {
            try await world.desk.saveFlow(A.purchaseDraft(), id: flow.id, by: A.admin, expectedVersion: 1)
        }
        #expect(try await world.desk.flowVersions(flow.id, as: A.applicant).map(\.version) == [1, 2])
    }

    @Test("saving a flow: administrators only, and every member and department it names must exist")
    func savingFlows() async throws {
        let world = try await A()
        try await requireFailure(.forbidden) { try await world.desk.saveFlow(A.purchaseDraft(), by: A.applicant) }
        let error = try await requireFailure(.invalidInput) {
            try await world.desk.saveFlow(A.purchaseDraft { steps in
                steps[2].approvers = [.members(ids: ["ghost"]), .departmentHeads(department: "nowhere")]
            }, by: A.admin)
        }
        #expect(error.problems.map(\.field) == ["steps[manager].approvers[0]", "steps[manager].approvers[1]"])
        #expect(error.problems.map(\.kind) == [.unknownMember, .unknownDepartment])
        // A quorum larger than the named approvers is refused by the flow's own check, naming the step.
        let quorum = try await requireFailure(.invalidInput) {
            try await world.desk.saveFlow(A.purchaseDraft { steps in steps[1].mode = .quorum(.count(3)) }, by: A.admin)
        }
        #expect(quorum.problems.contains { $0.field == "steps[finance].mode" && $0.kind == .outOfRange })
        #expect(try await world.desk.flows(as: A.applicant).isEmpty)
        // Outside members see no flow.
        _ = try await world.save()
        #expect(try await world.desk.flows(as: Workplace.stranger).isEmpty)
        #expect(try await world.desk.flows(as: Workplace.partner).isEmpty)
    }

    @Test("who sees a request: who is on it, administrators and auditors — for anyone else it does not exist")
    func isolation() async throws {
        let world = try await A()
        let request = try await world.submitted()
        for member in [A.applicant, A.head, A.fin1, A.fin2, A.gm, A.admin, Workplace.auditor] where member != A.fin1 && member != A.fin2 && member != A.gm {
            #expect(try await world.desk.request(request.id, as: member).id == request.id, "\(member)")
        }
        for outsider in [Workplace.bystander, Workplace.stranger, Workplace.partner, A.fin1, A.gm] {
            let error = try await requireFailure(.notFound, "\(outsider)") {
                _ = try await world.desk.request(request.id, as: outsider)
            }
            #expect(error.message == CollabError.notFound("approval request", request.id.rawValue).message)
            #expect(try await world.desk.requests(.all, as: outsider).items.isEmpty)
            try await requireFailure(.notFound, "\(outsider)") {
                try await world.desk.approve(request.id, by: outsider, expectedVersion: 1)
            }
            try await requireFailure(.notFound, "\(outsider)") { _ = try await world.desk.trail(of: request.id, as: outsider) }
        }
        #expect(try await world.desk.requests(.all, as: Workplace.auditor).items.map(\.id) == [request.id])
        // Once finance holds places, they see it — and keep seeing it after the step.
        try await world.approve(request.id, by: A.head)
        #expect(try await world.desk.request(request.id, as: A.fin1).id == request.id)
        try await world.approve(request.id, by: A.fin2)
        #expect(try await world.desk.request(request.id, as: A.fin1).id == request.id)
        // A deactivated member sees nothing any more.
        try await world.w.deactivate(A.head)
        try await requireFailure(.notFound) { _ = try await world.desk.request(request.id, as: A.head) }
    }

    @Test("a reject needs a reason; a rejected request tells the applicant why")
    func rejecting() async throws {
        let world = try await A()
        let request = try await world.submitted(cc: [Workplace.peer])
        try await requireFailure(.invalidInput) {
            try await world.desk.reject(request.id, reason: "  ", by: A.head, expectedVersion: 1)
        }
        let rejected = try await world.desk.reject(request.id, reason: "Not in this quarter's budget", by: A.head,
            expectedVersion: 1)
        #expect(rejected.status == .rejected)
        let notice = try #require(try await world.h.notices(of: A.applicant).last)
        #expect(notice.message?.key == "notice.approval_rejected")
        #expect(notice.body.contains("Not in this quarter's budget"))
        #expect(try await world.noticeKeys(Workplace.peer).last == "notice.approval_rejected")
        try await requireFailure(.invalidTransition) { try await world.desk.withdraw(request.id, by: A.applicant, expectedVersion: rejected.run.version) }
    }

    @Test("a double click decides once, and so do the two approvers of an any-one step deciding at once")
    func concurrentDecisions() async throws {
        let world = try await A()
        let request = try await world.submitted()
        // A double click: the same approval twice on the same version.
        async let first: Result<ApprovalRequest, CollabError> = capture {
            try await world.desk.approve(request.id, by: A.head, expectedVersion: 1)
        }
        async let second: Result<ApprovalRequest, CollabError> = capture {
            try await world.desk.approve(request.id, by: A.head, expectedVersion: 1)
        }
        let clicks = await [first, second]
        #expect(clicks.count { (try? $0.get()) != nil } == 1)
        let codes: [CollabError.Code] = clicks.compactMap { result in
            if case .failure(let error) = result { return error.code }
            return nil
        }
        #expect(codes == [.conflict])
        // Both finance approvers of the any-one step at once: one decision, one manager attempt.
        let version = try await world.stored(request.id).run.version
        async let li: Result<ApprovalRequest, CollabError> = capture {
            try await world.desk.approve(request.id, by: A.fin1, expectedVersion: version)
        }
        async let zhao: Result<ApprovalRequest, CollabError> = capture {
            try await world.desk.approve(request.id, by: A.fin2, expectedVersion: version)
        }
        let both = await [li, zhao]
        #expect(both.count { (try? $0.get()) != nil } == 1)
        let stored = try await world.stored(request.id)
        #expect(stored.run.attempts.map { "\($0.stepKey)#\($0.attempt)" } == ["head#1", "finance#1", "manager#1"])
        #expect(stored.events.count { $0.action == .approved } == 2)
        #expect(try await world.noticeKeys(A.gm) == ["notice.approval_waiting"])
    }

    @Test("two engines on one database deciding each level from the same state create each next step once")
    func twoInstances() async throws {
        let world = try await A()
        let request = try await world.submitted()
        let peer = WorkflowEngine(store: try await world.h.openPeerStore(), clock: world.h.clock,
            identifiers: SequentialIdentifierGenerator(prefix: "peer"))
        for (approver, step) in [(A.head, "head"), (A.fin1, "finance"), (A.gm, "manager")] {
            let version = try await world.stored(request.id).run.version
            #expect(try await world.stored(request.id).run.current?.stepKey == step)
            async let here: Result<ApprovalRequest, CollabError> = capture {
                try await world.desk.approve(request.id, by: approver, expectedVersion: version)
            }
            async let there: Result<ApprovalRequest, CollabError> = capture {
                try await peer.approvals.approve(request.id, by: approver, expectedVersion: version)
            }
            let results = await [here, there]
            #expect(results.count { (try? $0.get()) != nil } == 1, "\(step)")
        }
        let done = try await world.stored(request.id)
        #expect(done.status == .approved)
        #expect(done.run.attempts.map(\.stepKey) == ["head", "finance", "manager"])
        #expect(done.events.count { $0.action == .stepStarted } == 3)
        #expect(try await world.noticeKeys(A.gm) == ["notice.approval_waiting"])
    }

    @Test("an idempotency key replays the first decision and writes nothing more")
    func idempotentDecision() async throws {
        let world = try await A()
        let request = try await world.submitted()
        let first = try await world.desk.approve(request.id, by: A.head, expectedVersion: 1, idempotencyKey: "click-1")
        let again = try await world.desk.approve(request.id, by: A.head, expectedVersion: 1, idempotencyKey: "click-1")
        #expect(first == again)
        #expect(try await world.stored(request.id).version == first.version)
        try await requireFailure(.idempotencyKeyReused) {
            try await world.desk.approve(request.id, by: A.head, expectedVersion: 2, idempotencyKey: "click-1")
        }
    }

    @Test("withdraw: the applicant only, until a step after the first decided")
    func withdrawing() async throws {
        let world = try await A()
        let request = try await world.submitted()
        try await requireFailure(.forbidden) { try await world.desk.withdraw(request.id, by: A.head, expectedVersion: 1) }
        try await world.approve(request.id, by: A.head)
        let version = try await world.stored(request.id).run.version
        let withdrawn = try await world.desk.withdraw(request.id, by: A.applicant, expectedVersion: version)
        #expect(withdrawn.status == .withdrawn)
        #expect(try await world.noticeKeys(A.head).last == "notice.approval_withdrawn")

        let later = try await world.submitted()
        try await world.approve(later.id, by: A.head)
        try await world.approve(later.id, by: A.fin1)
        let at = try await world.stored(later.id).run.version
        try await requireFailure(.invalidTransition) { try await world.desk.withdraw(later.id, by: A.applicant, expectedVersion: at) }
    }

    @Test("sent back to the applicant: they resubmit with new values, and the flow starts over")
    func resubmitting() async throws {
        let world = try await A()
        let request = try await world.submitted()
        let returned = try await world.desk.sendBack(request.id, to: .applicant, reason: "Attach the quote",
            by: A.head, expectedVersion: 1)
        #expect(returned.status == .returned)
        #expect(returned.awaiting == [A.applicant])
        #expect(try await world.noticeKeys(A.applicant).last == "notice.approval_returned")
        #expect(try await world.desk.requests(.awaitingMe, as: A.applicant).items.map(\.id) == [request.id])
        let again = try await world.desk.resubmit(request.id, values: A.smallPurchase, by: A.applicant,
            expectedVersion: returned.run.version)
        #expect(again.status == .pending)
        #expect(again.run.current.map { "\($0.stepKey)#\($0.attempt)" } == "head#2")
        try await world.approve(request.id, by: A.head)
        #expect(try await world.approve(request.id, by: A.fin2).status == .approved)
    }

    @Test("remind (催办): the applicant or an administrator, once an hour, to whose turn it is")
    func reminding() async throws {
        let world = try await A()
        let request = try await world.submitted()
        try await requireFailure(.forbidden) { try await world.desk.remind(request.id, by: A.head) }
        try await world.desk.remind(request.id, by: A.applicant)
        #expect(try await world.noticeKeys(A.head) == ["notice.approval_waiting", "notice.approval_reminder"])
        let error = try await requireFailure(.rateLimited) { try await world.desk.remind(request.id, by: A.admin) }
        #expect(error.message.contains("next reminder is possible"))
        try await world.h.advance(by: .seconds(3600))
        try await world.desk.remind(request.id, by: A.admin)
        #expect(try await world.noticeKeys(A.head).count { $0 == "notice.approval_reminder" } == 2)
        // A reminder moves no step: a decision on the version seen before it still counts.
        #expect(try await world.desk.approve(request.id, by: A.head, expectedVersion: 1).run.current?.stepKey == "finance")
    }

    @Test("copy (抄送): readers without a decision, told how it ends; a step's cc is copied once it approves")
    func copying() async throws {
        let world = try await A()
        let request = try await world.submitted(draft: A.purchaseDraft { steps in
            steps[0].cc = [.departmentHeads(department: "eng")]
        })
        try await requireFailure(.notFound) { _ = try await world.desk.request(request.id, as: Workplace.bystander) }
        try await world.desk.copy(request.id, to: [Workplace.bystander], by: A.applicant)
        #expect(try await world.desk.request(request.id, as: Workplace.bystander).ccIDs == [Workplace.bystander])
        try await requireFailure(.forbidden) {
            try await world.desk.approve(request.id, by: Workplace.bystander, expectedVersion: 1)
        }
        try await requireFailure(.invalidInput) { try await world.desk.copy(request.id, to: ["ghost"], by: A.applicant) }
        try await requireFailure(.forbidden) { try await world.desk.copy(request.id, to: [Workplace.peer], by: Workplace.bystander) }
        try await world.approve(request.id, by: A.head)
        #expect(try await world.noticeKeys(Workplace.engHead) == ["notice.approval_copied"])
        #expect(try await world.stored(request.id).ccIDs == [Workplace.bystander, Workplace.engHead])
    }

    @Test("the failures of other engines: a send-back inside a countersign keeps the request alive")
    func sendBackInsideCountersign() async throws {
        let world = try await A()
        let request = try await world.submitted(draft: A.purchaseDraft { steps in steps[1].mode = .all })
        try await world.approve(request.id, by: A.head)
        try await world.approve(request.id, by: A.fin1)
        let version = try await world.stored(request.id).run.version
        try await world.desk.sendBack(request.id, to: .step("head"), reason: "Which project?", by: A.fin2,
            expectedVersion: version)
        #expect(try await world.at(request.id) == "head#2")
        try await world.approve(request.id, by: A.head)
        // The countersign runs again in full: both must approve on the new attempt.
        try await world.approve(request.id, by: A.fin1)
        #expect(try await world.at(request.id) == "finance#2")
        try await world.approve(request.id, by: A.fin2)
        #expect(try await world.approve(request.id, by: A.gm).status == .approved)
    }

    @Test("the failures of other engines: a ratio countersign rejects only when its share can no longer be reached")
    func ratioCountersignWithReject() async throws {
        let world = try await A()
        let request = try await world.submitted(draft: A.purchaseDraft { steps in
            steps[1].approvers = [.members(ids: [A.fin1, A.fin2, Workplace.spare])]
            steps[1].mode = .quorum(.share(numerator: 2, denominator: 3))
        })
        try await world.approve(request.id, by: A.head)
        var version = try await world.stored(request.id).run.version
        try await world.desk.reject(request.id, reason: "Too expensive", by: A.fin1, expectedVersion: version)
        #expect(try await world.stored(request.id).status == .pending)
        try await world.approve(request.id, by: A.fin2)
        version = try await world.stored(request.id).run.version
        let rejected = try await world.desk.reject(request.id, reason: "Agree with Li", by: Workplace.spare, expectedVersion: version)
        #expect(rejected.status == .rejected)
    }

    @Test("add a signer before oneself (前加签): they decide first, and the seat still counts once")
    func addingSigners() async throws {
        let world = try await A()
        let request = try await world.submitted()
        try await world.desk.addSigner(request.id, Workplace.engHead, .before, by: A.head, expectedVersion: 1)
        #expect(try await world.stored(request.id).awaiting == [Workplace.engHead])
        #expect(try await world.noticeKeys(Workplace.engHead) == ["notice.approval_waiting"])
        try await requireFailure(.invalidTransition) {
            try await world.desk.approve(request.id, by: A.head, expectedVersion: 2)
        }
        try await world.approve(request.id, by: Workplace.engHead)
        #expect(try await world.at(request.id) == "head#1")
        try await world.approve(request.id, by: A.head)
        #expect(try await world.at(request.id) == "finance#1")
    }

    @Test("a step's timeout under the business calendar: approve after eight working hours, by a durable timer")
    func timeouts() async throws {
        let world = try await A()
        // Weekdays 9:00–12:00 and 13:00–18:00 in Shanghai; submitted on Friday 2026-12-04 at 17:00 local.
        try await world.h.store.save(BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai"),
            for: "acme", department: nil)
        world.h.clock.advance(to: Date(timeIntervalSince1970: 1_796_374_800))
        let request = try await world.submitted(draft: A.purchaseDraft(policies: ApprovalPolicies(
            timeout: ApprovalTimeout(after: .seconds(2 * 3600), action: .approve))))
        // One working hour on Friday, the second on Monday 9:00–10:00: at Monday 9:30 it still waits.
        let untilMondayMorning: Int64 = 2 * 24 * 3600 + 16 * 3600 + 1800
        try await world.h.advance(by: .seconds(untilMondayMorning))
        #expect(try await world.at(request.id) == "head#1")
        let fired = try await world.h.advance(by: .seconds(3600))
        #expect(fired.map(\.timer.kind) == [.approvalTimeout])
        let stored = try await world.stored(request.id)
        #expect(stored.run.current?.stepKey == "finance")
        let timedOut = stored.events.filter { $0.action == .timedOut }.map { "\($0.stepKey ?? "")/\($0.detail ?? "")" }
        #expect(timedOut == ["head/approve"])
        #expect(stored.run.history.first?.timeoutAction == .approve)
    }

    @Test("timeouts that remind (again each period), escalate to the head, or reject")
    func timeoutActions() async throws {
        // Every hour counts (no calendar stored): the periods are wall-clock hours.
        let remind = try await A()
        let reminded = try await remind.submitted(draft: A.purchaseDraft(policies: ApprovalPolicies(
            timeout: ApprovalTimeout(after: .seconds(3600), action: .remind))))
        try await remind.h.advance(by: .seconds(2 * 3600 + 60))
        #expect(try await remind.noticeKeys(A.head) == ["notice.approval_waiting", "notice.approval_overdue",
            "notice.approval_overdue"])
        #expect(try await remind.at(reminded.id) == "head#1")
        // Approving ends the attempt: its reminder timer goes with it.
        try await remind.approve(reminded.id, by: A.head)
        try await remind.h.advance(by: .seconds(30 * 60))
        #expect(try await remind.noticeKeys(A.head).count == 3)

        // Escalate: the place of whose turn it is goes to their head, who is told.
        let escalate = try await A()
        let escalated = try await escalate.submitted(draft: A.purchaseDraft(policies: ApprovalPolicies(
            timeout: ApprovalTimeout(after: .seconds(3600), action: .escalate))))
        try await escalate.h.advance(by: .seconds(3600 + 60))
        let stored = try await escalate.stored(escalated.id)
        #expect(stored.awaiting == [Workplace.engHead])
        #expect(stored.events.last { $0.action == .timedOut }?.memberIDs == [Workplace.engHead])
        #expect(try await escalate.noticeKeys(Workplace.engHead) == ["notice.approval_waiting"])
        #expect(try await escalate.approve(escalated.id, by: Workplace.engHead).run.current?.stepKey == "finance")

        // Reject: the step and the request are rejected; the applicant is told why.
        let reject = try await A()
        let rejected = try await reject.submitted(draft: A.purchaseDraft(policies: ApprovalPolicies(
            timeout: ApprovalTimeout(after: .seconds(3600), action: .reject))))
        try await reject.h.advance(by: .seconds(3600 + 60))
        #expect(try await reject.stored(rejected.id).status == .rejected)
        let notice = try #require(try await reject.h.notices(of: A.applicant).last)
        #expect(notice.message?.key == "notice.approval_rejected")
        #expect(try await reject.h.store.nextTimerDue() == nil)
    }

    @Test("an approver deactivated while the step waits: the place goes to an administrator, who is told")
    func deactivatedApprover() async throws {
        let world = try await A()
        let request = try await world.submitted()
        try await world.approve(request.id, by: A.head)
        try await world.approve(request.id, by: A.fin1)
        #expect(try await world.at(request.id) == "manager#1")
        try await world.w.deactivate(A.gm)
        let runner = try CollabRunner(engine: world.engine, hooks: [])
        #expect(try await runner.replaceDeactivatedApprovers() == 1)
        let stored = try await world.stored(request.id)
        #expect(stored.awaiting == [A.admin])
        #expect(stored.events.last { $0.action == .replaced }?.memberIDs == [A.admin])
        #expect(try await world.noticeKeys(A.admin) == ["notice.approval_waiting"])
        #expect(try await runner.replaceDeactivatedApprovers() == 0)
        #expect(try await world.approve(request.id, by: A.admin).status == .approved)
    }
}

/// The result of `body`, its `CollabError` as a failure.
func capture<T: Sendable>(_ body: () async throws -> T) async -> Result<T, CollabError> {
    do { return .success(try await body()) } catch let error as CollabError { return .failure(error) } catch {
        return .failure(CollabError(.storageFailure, "\(error)"))
    }
}
