import CollabModel
import Foundation

/// The purchase request flow of Documentation/Approvals.md: department head → finance (any one of two) →
/// general manager from 10,000 on.
enum PurchaseFlow {
    static let applicant: Member.ID = "m-zhang"
    static let head: Member.ID = "m-wang"
    static let finance: [Member.ID] = ["m-li", "m-zhao"]
    static let manager: Member.ID = "m-liu"

    static func draft(
        policies: ApprovalPolicies = .default, mutate: (inout [ApprovalStep]) -> Void = { _ in }
    ) -> ApprovalFlowDraft {
        var steps = [
            ApprovalStep(key: "head", name: "部门负责人审批", approvers: [.applicantHeads(levels: 1)]),
            ApprovalStep(
                key: "finance", name: "财务审核", approvers: [.members(ids: finance)], mode: .any,
                next: [
                    ApprovalRoute(when: .field("amount", .atLeast, .number(10_000)), to: .step("manager")),
                    ApprovalRoute(to: .finish),
                ]),
            ApprovalStep(key: "manager", name: "总经理审批", approvers: [.members(ids: [manager])]),
        ]
        mutate(&steps)
        return ApprovalFlowDraft(
            name: "采购申请",
            fields: [
                ApprovalField(key: "amount", label: "金额", kind: .number, required: true),
                ApprovalField(key: "category", label: "类别", kind: .choice, required: true, options: ["office", "it", "travel"]),
                ApprovalField(key: "neededBy", label: "需要日期", kind: .date),
                ApprovalField(key: "note", label: "说明", kind: .text),
            ],
            steps: steps, policies: policies)
    }

    static func flow(version: Int = 1, policies: ApprovalPolicies = .default) throws -> ApprovalFlow {
        try ApprovalFlow(
            id: "purchase", organizationID: "acme", version: version, draft: draft(policies: policies),
            savedBy: "m-admin", savedAt: Date(timeIntervalSince1970: 1_780_000_000))
    }

    static func values(_ amount: Decimal, category: String = "it") -> ApprovalFormValues {
        ["amount": .number(amount), "category": .choice(category)]
    }
}

extension CollabError {
    /// The fields of the problems, for checks.
    var fields: [String] { problems.map(\.field) }
}

/// The seeds of the randomized tests: a fixed one, and the one in `COLLAB_SEED` when set.
enum ApprovalSeeds {
    static var all: [UInt64] {
        var seeds: [UInt64] = [20_261_205]
        if let text = ProcessInfo.processInfo.environment["COLLAB_SEED"], let seed = UInt64(text), seed != seeds[0] {
            seeds.append(seed)
        }
        return seeds
    }
}

/// The code of the error `body` throws; `nil` when it succeeds.
func code(_ body: () throws -> Void) -> CollabError.Code? {
    do {
        try body()
        return nil
    } catch let error as CollabError {
        return error.code
    } catch {
        return CollabError.Code(rawValue: "not a CollabError: \(error)")
    }
}
