import CollabModel
import Foundation
import Testing

@Suite struct ApprovalRunTests {
    let applicant = PurchaseFlow.applicant, head = PurchaseFlow.head, manager = PurchaseFlow.manager
    let li = PurchaseFlow.finance[0], zhao = PurchaseFlow.finance[1]

    /// The purchase flow with finance as a countersign (both must approve).
    func countersignFlow(policies: ApprovalPolicies = .default) throws -> ApprovalFlow {
        try ApprovalFlow(
            id: "purchase", organizationID: "acme", version: 1,
            draft: PurchaseFlow.draft(policies: policies) { $0[1].mode = .all }, savedBy: "m-admin", savedAt: Date())
    }

    @Test("a large purchase goes head → finance (any one) → general manager; a small one finishes after finance")
    func purchasePaths() throws {
        let flow = try PurchaseFlow.flow()
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(12_000), resolver: resolver)
        #expect(run.current?.stepKey == "head" && run.current?.awaiting == [head])
        try run.approve(by: head, expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(run.current?.stepKey == "finance" && run.current?.awaiting == [li, zhao])
        try run.approve(by: zhao, expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(run.current?.stepKey == "manager")
        try run.approve(by: manager, expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(run.status == .approved && run.current == nil)
        #expect(run.history.map(\.stepKey) == ["head", "finance", "manager"])

        var small = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(800), resolver: resolver)
        try small.approve(by: head, expectedVersion: small.version, flow: flow, resolver: resolver)
        try small.reject(by: li, reason: "重复申请", expectedVersion: small.version, flow: flow, resolver: resolver)
        #expect(small.status == .rejected)
        #expect(code { try small.approve(by: zhao, expectedVersion: small.version, flow: flow, resolver: resolver) } == .conflict)
    }

    @Test("values are checked at the start")
    func valuesChecked() throws {
        let flow = try PurchaseFlow.flow()
        do {
            _ = try ApprovalRun.start(flow: flow, applicant: applicant, values: ["amount": .number(5)], resolver: PurchaseFlow.resolver)
            Issue.record("a request without its category started")
        } catch {
            #expect(error.fields == ["values[category]"])
        }
    }

    @Test("a double click on the request is refused and decides once")
    func doubleClick() throws {
        let flow = try countersignFlow()
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        try run.approve(by: head, expectedVersion: 1, flow: flow, resolver: resolver)
        let version = run.version
        try run.approve(by: li, expectedVersion: version, flow: flow, resolver: resolver)
        #expect(code { try run.approve(by: li, expectedVersion: version, flow: flow, resolver: resolver) } == .conflict)
        #expect(run.current?.approvals == 1 && run.version == version + 1)
    }

    @Test("退回 inside a countersign keeps the request alive and runs the earlier step again as a new attempt")
    func sendBackInsideCountersign() throws {
        let flow = try countersignFlow()
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        try run.approve(by: head, expectedVersion: run.version, flow: flow, resolver: resolver)
        try run.approve(by: li, expectedVersion: run.version, flow: flow, resolver: resolver)
        try run.sendBack(to: .step("head"), by: zhao, reason: "请补充报价单", expectedVersion: run.version, flow: flow,
            resolver: resolver)
        #expect(run.status == .pending)
        #expect(run.current?.stepKey == "head" && run.current?.attempt == 2 && run.current?.awaiting == [head])
        #expect(run.history.map(\.outcome) == [.approved, .sentBack])
        #expect(run.history[1].approvals == 1, "li's approval stays in the history of the first attempt")
        try run.approve(by: head, expectedVersion: run.version, flow: flow, resolver: resolver)
        // Finance decides again from the start: li's earlier approval does not count for the new attempt.
        #expect(run.current?.stepKey == "finance" && run.current?.attempt == 2 && run.current?.approvals == 0)
        try run.approve(by: li, expectedVersion: run.version, flow: flow, resolver: resolver)
        try run.approve(by: zhao, expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(run.status == .approved)
        #expect(run.attempts.map { "\($0.stepKey)#\($0.attempt)" } == ["head#1", "finance#1", "head#2", "finance#2"])
    }

    @Test("退回 goes only to a step passed before, by an approver whose turn it is")
    func sendBackRefusals() throws {
        let flow = try PurchaseFlow.flow()
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(20_000), resolver: resolver)
        #expect(code { try run.sendBack(to: .step("head"), by: head, reason: "r", expectedVersion: 1, flow: flow, resolver: resolver) }
            == .invalidInput)
        try run.approve(by: head, expectedVersion: 1, flow: flow, resolver: resolver)
        #expect(code { try run.sendBack(to: .step("manager"), by: li, reason: "r", expectedVersion: 2, flow: flow, resolver: resolver) }
            == .invalidInput)
        #expect(code { try run.sendBack(to: .step("head"), by: manager, reason: "r", expectedVersion: 2, flow: flow, resolver: resolver) }
            == .forbidden)
        #expect(code { try run.sendBack(to: .step("head"), by: li, reason: "", expectedVersion: 2, flow: flow, resolver: resolver) }
            == .invalidInput)
        #expect(run.version == 2 && run.current?.stepKey == "finance")
    }

    @Test("退回 to the applicant: they resubmit (starting over) or withdraw")
    func returnedToApplicant() throws {
        let flow = try PurchaseFlow.flow()
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(20_000), resolver: resolver)
        try run.approve(by: head, expectedVersion: run.version, flow: flow, resolver: resolver)
        try run.sendBack(to: .applicant, by: li, reason: "金额有误", expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(run.status == .returned && run.current == nil)
        #expect(code { try run.resubmit(values: PurchaseFlow.values(900), by: head, expectedVersion: run.version, flow: flow,
            resolver: resolver) } == .forbidden)
        try run.resubmit(values: PurchaseFlow.values(900), by: applicant, expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(run.status == .pending && run.current?.stepKey == "head" && run.current?.attempt == 2)
        #expect(run.values == PurchaseFlow.values(900))
    }

    @Test("撤回: the applicant withdraws while no later step has decided")
    func withdraw() throws {
        let flow = try countersignFlow()
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        #expect(code { try run.withdraw(by: head, expectedVersion: 1) } == .forbidden)
        try run.approve(by: head, expectedVersion: 1, flow: flow, resolver: resolver)
        var early = run
        try early.withdraw(by: applicant, expectedVersion: early.version)
        #expect(early.status == .withdrawn && early.history.last?.outcome == .withdrawn)
        #expect(code { try early.withdraw(by: applicant, expectedVersion: early.version) } == .invalidTransition)
        try run.approve(by: li, expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(code { try run.withdraw(by: applicant, expectedVersion: run.version) } == .invalidTransition)
        #expect(run.status == .pending)
    }

    @Test("a request stays on the flow version it started on")
    func staysOnItsVersion() throws {
        let v1 = try PurchaseFlow.flow(version: 1)
        let v2 = try PurchaseFlow.flow(version: 2)
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: v1, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        do {
            try run.approve(by: head, expectedVersion: 1, flow: v2, resolver: resolver)
            Issue.record("a request moved to another version")
        } catch {
            #expect(error.fields == ["flow"])
        }
        try run.approve(by: head, expectedVersion: 1, flow: v1, resolver: resolver)
        #expect(run.flowVersion == 1 && run.current?.stepKey == "finance")
    }

    @Test("applicant is an approver: skip passes their seat, decide lets them, passToHead gives it to their head")
    func applicantPolicies() throws {
        let resolver = ResolvedApprovers(
            byStep: ["head": [applicant], "finance": [applicant, zhao], "manager": [manager]], heads: [applicant: head])
        let skip = try countersignFlow()
        var run = try ApprovalRun.start(flow: skip, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        #expect(run.history.first?.seats.first?.signers.first?.decision == .passed(.applicant))
        #expect(run.current?.stepKey == "finance" && run.current?.awaiting == [zhao])
        // A send-back attempt has no automatic passes: the applicant decides it.
        try run.sendBack(to: .step("head"), by: zhao, reason: "请本人确认", expectedVersion: run.version, flow: skip,
            resolver: resolver)
        #expect(run.current?.stepKey == "head" && run.current?.awaiting == [applicant])

        let decide = try countersignFlow(policies: ApprovalPolicies(applicantIsApprover: .decide))
        let deciding = try ApprovalRun.start(flow: decide, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        #expect(deciding.current?.stepKey == "head" && deciding.current?.awaiting == [applicant])

        let toHead = try countersignFlow(policies: ApprovalPolicies(applicantIsApprover: .passToHead))
        var passed = try ApprovalRun.start(flow: toHead, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        #expect(passed.current?.awaiting == [head])
        try passed.approve(by: head, expectedVersion: passed.version, flow: toHead, resolver: resolver)
        // In finance the head takes the applicant's seat, and decide-once passes it: they approved just before.
        #expect(passed.current?.awaiting == [zhao] && passed.current?.approvals == 1)
    }

    @Test("the same approver on consecutive steps decides once by default, or each time")
    func repeatedApprover() throws {
        let resolver = ResolvedApprovers(byStep: ["head": [head], "finance": [li, zhao], "manager": [li]])
        let once = try PurchaseFlow.flow()
        var run = try ApprovalRun.start(flow: once, applicant: applicant, values: PurchaseFlow.values(50_000), resolver: resolver)
        try run.approve(by: head, expectedVersion: run.version, flow: once, resolver: resolver)
        try run.approve(by: li, expectedVersion: run.version, flow: once, resolver: resolver)
        #expect(run.status == .approved)
        #expect(run.history.last?.seats.first?.signers.first?.decision == .passed(.approvedBefore))

        let each = try PurchaseFlow.flow(policies: ApprovalPolicies(repeatedApprover: .eachTime))
        var again = try ApprovalRun.start(flow: each, applicant: applicant, values: PurchaseFlow.values(50_000), resolver: resolver)
        try again.approve(by: head, expectedVersion: again.version, flow: each, resolver: resolver)
        try again.approve(by: li, expectedVersion: again.version, flow: each, resolver: resolver)
        #expect(again.status == .pending && again.current?.stepKey == "manager" && again.current?.awaiting == [li])
    }

    @Test("a step resolving to nobody goes to the administrators, approves or rejects, by policy")
    func nobodyToApprove() throws {
        let empty = ResolvedApprovers(byStep: ["head": [], "finance": [li], "manager": []], administratorIDs: ["m-admin"])
        let toAdmin = try PurchaseFlow.flow()
        let run = try ApprovalRun.start(flow: toAdmin, applicant: applicant, values: PurchaseFlow.values(100), resolver: empty)
        #expect(run.current?.stepKey == "head" && run.current?.awaiting == ["m-admin"])

        let noAdmin = ResolvedApprovers(byStep: ["head": []])
        let rejected = try ApprovalRun.start(flow: toAdmin, applicant: applicant, values: PurchaseFlow.values(100), resolver: noAdmin)
        #expect(rejected.status == .rejected)

        let approve = try PurchaseFlow.flow(policies: ApprovalPolicies(nobodyToApprove: .approve))
        let approved = try ApprovalRun.start(flow: approve, applicant: applicant, values: PurchaseFlow.values(100), resolver: empty)
        #expect(approved.current?.stepKey == "finance" && approved.history.first?.outcome == .approved)

        let reject = try PurchaseFlow.flow(policies: ApprovalPolicies(nobodyToApprove: .reject))
        let refused = try ApprovalRun.start(flow: reject, applicant: applicant, values: PurchaseFlow.values(100), resolver: empty)
        #expect(refused.status == .rejected && refused.history.map(\.stepKey) == ["head"])
    }

    @Test("timeouts: approve moves on, reject ends the request, escalate goes to the head, remind changes nothing")
    func timeouts() throws {
        let flow = try countersignFlow()
        let resolver = ResolvedApprovers(
            byStep: ["head": [head], "finance": [li, zhao], "manager": [manager]], heads: [li: "m-cfo", head: "m-ceo"])
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(20_000), resolver: resolver)
        let reminded = try run.timeOut(stepKey: "head", attempt: 1, action: .remind, expectedVersion: 1, flow: flow,
            resolver: resolver)
        #expect(reminded == [head] && run.version == 1)
        try run.timeOut(stepKey: "head", attempt: 1, action: .approve, expectedVersion: 1, flow: flow, resolver: resolver)
        #expect(run.current?.stepKey == "finance" && run.history[0].timeoutAction == .approve)
        #expect(run.history[0].seats[0].signers[0].decision == .passed(.timeout))
        // A late timer of the finished attempt is refused.
        #expect(code { try run.timeOut(stepKey: "head", attempt: 1, action: .reject, expectedVersion: run.version,
            flow: flow, resolver: resolver) } == .conflict)
        try run.approve(by: zhao, expectedVersion: run.version, flow: flow, resolver: resolver)
        let escalated = try run.timeOut(stepKey: "finance", attempt: 1, action: .escalate, expectedVersion: run.version,
            flow: flow, resolver: resolver)
        #expect(escalated == ["m-cfo"])
        #expect(code { try run.approve(by: li, expectedVersion: run.version, flow: flow, resolver: resolver) } == .forbidden)
        var rejected = run
        try rejected.timeOut(stepKey: "finance", attempt: 1, action: .reject, expectedVersion: run.version, flow: flow,
            resolver: resolver)
        #expect(rejected.status == .rejected && rejected.history.last?.outcome == .rejected)
        try run.approve(by: "m-cfo", expectedVersion: run.version, flow: flow, resolver: resolver)
        #expect(run.current?.stepKey == "manager")
    }

    @Test("转交 and 加签 through the request bump its version")
    func transferAndAddSigner() throws {
        let flow = try PurchaseFlow.flow()
        let resolver = PurchaseFlow.resolver
        var run = try ApprovalRun.start(flow: flow, applicant: applicant, values: PurchaseFlow.values(100), resolver: resolver)
        try run.transfer(from: head, to: "m-deputy", expectedVersion: 1, flow: flow)
        try run.addSigner("m-expert", .before, by: "m-deputy", expectedVersion: 2, flow: flow)
        #expect(run.version == 3 && run.current?.awaiting == ["m-expert"])
        #expect(code { try run.approve(by: head, expectedVersion: 3, flow: flow, resolver: resolver) } == .forbidden)
        try run.approve(by: "m-expert", expectedVersion: 3, flow: flow, resolver: resolver)
        try run.approve(by: "m-deputy", expectedVersion: 4, flow: flow, resolver: resolver)
        #expect(run.current?.stepKey == "finance")
        let decoded = try JSONDecoder().decode(ApprovalRun.self, from: JSONEncoder().encode(run))
        #expect(decoded == run)
    }
}

extension PurchaseFlow {
    static let resolver = ResolvedApprovers(
        byStep: ["head": [head], "finance": finance, "manager": [manager]], heads: [applicant: head],
        administratorIDs: ["m-admin"])
}
