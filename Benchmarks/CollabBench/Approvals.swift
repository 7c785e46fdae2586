// `approval_step_per_s`: approvals through the approval desk (issue 21), one `approve` per transaction, on a
// three-step flow whose steps each have one named approver (mode all) — measured like `transition_per_s`
// (the same number of operations per round, the same rounds, the median), on SQLite and on PostgreSQL.

import CollabModel
import CollabWorkflow
import Foundation

extension Bench {
    /// The flow the approvals run on: `m2` → `m3` → `m4`, each step one named approver, mode all.
    static let approvalBenchDraft = ApprovalFlowDraft(
        name: "Bench purchase",
        fields: [ApprovalField(key: "amount", label: "Amount", kind: .number, required: true)],
        steps: [
            ApprovalStep(key: "first", name: "First", approvers: [.members(ids: ["m2"])], mode: .all),
            ApprovalStep(key: "second", name: "Second", approvers: [.members(ids: ["m3"])], mode: .all),
            ApprovalStep(key: "third", name: "Third", approvers: [.members(ids: ["m4"])], mode: .all),
        ],
        policies: ApprovalPolicies(timeout: nil))

    /// The approvers of ``approvalBenchDraft``'s steps, in order.
    static let approvalBenchApprovers: [Member.ID] = ["m2", "m3", "m4"]

    /// Rounds of approvals: `creates / 3` requests submitted by `m1` before the timed window, then each approved
    /// by its three approvers in turn (one `approve` call, one transaction each). `settle` runs before and
    /// after the timed window (the SQLite bench brings its search index up to date there, as the transitions
    /// do). The median of the rounds, in approvals per second.
    func measureApprovalSteps(_ engine: WorkflowEngine, settle: () async throws -> Void = {}) async throws -> Double {
        let flow = try await engine.approvals.saveFlow(Self.approvalBenchDraft, by: "m0")
        let count = options.creates / 3
        var rates: [Double] = []
        for round in 0..<options.rounds {
            var requests: [ApprovalRequest] = []
            for n in 0..<count {
                requests.append(try await engine.approvals.submit(flow.id,
                    values: ["amount": .number(Decimal(1_000 + round * count + n))], by: "m1"))
            }
            try await settle()
            let started = clock.now
            for request in requests {
                var version = request.run.version
                for approver in Self.approvalBenchApprovers {
                    version = try await engine.approvals.approve(request.id, by: approver, expectedVersion: version).run.version
                }
            }
            try await settle()
            rates.append(Double(count * Self.approvalBenchApprovers.count) / seconds(clock.now - started))
        }
        return median(rates)
    }
}
