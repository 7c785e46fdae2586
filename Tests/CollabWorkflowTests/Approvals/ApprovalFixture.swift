import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// The workplace with a finance department and a general manager, and the purchase flow of
/// Documentation/Approvals.md: the applicant's department head → finance (any one of `fin1`, `fin2`) → the
/// general manager from 10,000 on.
///
/// The applicant is ``Workplace/initiator`` (in `eng-mobile`, whose head is ``Workplace/mobileHead``).
struct ApprovalWorld {
    let w: Workplace
    var h: TestHarness { w.harness }
    var engine: WorkflowEngine { w.engine }
    var desk: ApprovalDesk { engine.approvals }

    static let applicant = Workplace.initiator
    static let head = Workplace.mobileHead
    static let fin1: Member.ID = "fin1"
    static let fin2: Member.ID = "fin2"
    static let gm: Member.ID = "gm"
    static let admin = Workplace.admin

    init(configuration: WorkflowEngine.Configuration = WorkflowEngine.Configuration()) async throws {
        w = try await Workplace(storage: .underTest, configuration: configuration)
        try await w.harness.addDepartment("finance", in: "acme", name: "Finance")
        try await w.harness.addMember(Self.fin1, in: "acme", departments: [DepartmentMembership("finance")], name: "Li Na")
        try await w.harness.addMember(Self.fin2, in: "acme", departments: [DepartmentMembership("finance")], name: "Zhao Yu")
        try await w.harness.addMember(Self.gm, in: "acme", name: "Liu Qiang")
    }

    /// The purchase flow's draft; `mutate` changes its steps, `policies` its policies.
    static func purchaseDraft(
        policies: ApprovalPolicies = ApprovalPolicies(timeout: nil), mutate: (inout [ApprovalStep]) -> Void = { _ in }
    ) -> ApprovalFlowDraft {
        var steps = [
            ApprovalStep(key: "head", name: "部门负责人审批", approvers: [.applicantHeads(levels: 1)]),
            ApprovalStep(
                key: "finance", name: "财务审核", approvers: [.members(ids: [fin1, fin2])], mode: .any,
                next: [
                    ApprovalRoute(when: .field("amount", .atLeast, .number(10_000)), to: .step("manager")),
                    ApprovalRoute(to: .finish),
                ]),
            ApprovalStep(key: "manager", name: "总经理审批", approvers: [.members(ids: [gm])]),
        ]
        mutate(&steps)
        return ApprovalFlowDraft(
            name: "采购申请",
            fields: [
                ApprovalField(key: "amount", label: "金额", kind: .number, required: true),
                ApprovalField(key: "category", label: "类别", kind: .choice, required: true, options: ["office", "it"]),
                ApprovalField(key: "note", label: "说明", kind: .text),
            ],
            steps: steps, policies: policies)
    }

    static let bigPurchase: ApprovalFormValues = ["amount": .number(12_500), "category": .choice("it")]
    static let smallPurchase: ApprovalFormValues = ["amount": .number(800), "category": .choice("office")]

    /// Saves `draft` as a new flow, by the administrator.
    func save(_ draft: ApprovalFlowDraft = purchaseDraft()) async throws -> ApprovalFlow {
        try await desk.saveFlow(draft, by: Self.admin)
    }

    /// A request of the applicant on a new purchase flow.
    func submitted(_ values: ApprovalFormValues = bigPurchase, draft: ApprovalFlowDraft = purchaseDraft(), cc: [Member.ID] = [])
        async throws -> ApprovalRequest
    {
        let flow = try await save(draft)
        return try await desk.submit(flow.id, values: values, cc: cc, by: Self.applicant)
    }

    /// The request as the administrator reads it.
    func stored(_ id: ApprovalRequest.ID) async throws -> ApprovalRequest {
        try await desk.request(id, as: Self.admin)
    }

    /// The step under way and its attempt.
    func at(_ id: ApprovalRequest.ID) async throws -> String {
        let request = try await stored(id)
        guard let current = request.run.current else { return request.status.rawValue }
        return "\(current.stepKey)#\(current.attempt)"
    }

    /// `member` approves the request at its current version.
    @discardableResult
    func approve(_ id: ApprovalRequest.ID, by member: Member.ID) async throws -> ApprovalRequest {
        let request = try await stored(id)
        return try await desk.approve(id, by: member, expectedVersion: request.run.version)
    }

    /// The approval notices `member` received, as catalog keys.
    func noticeKeys(_ member: Member.ID) async throws -> [String] {
        try await h.notices(of: member).compactMap { $0.record?.kind == .approvalRequest ? $0.message?.key : nil }
    }
}
