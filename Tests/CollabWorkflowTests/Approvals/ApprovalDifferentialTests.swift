import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

private typealias A = ApprovalWorld

/// The approval desk against the pure model: random flows (2–4 steps of 1–3 named members, all / any / quorum,
/// sequential or parallel) and random operation sequences (approve, reject, transfer, add a signer before or
/// after, send back to an earlier step or the applicant, resubmit, withdraw — by whoever, often by someone
/// who may not), each run through the engine's desk and on an in-memory ``ApprovalRun`` with a
/// ``ResolvedApprovers`` of the same members. After every operation both succeed or fail alike (with the same
/// error code) and the stored request's run equals the reference run.
///
/// Before the run's own checks, the desk applies its access rules (ApprovalRules, ApprovalPlans): a request
/// the actor may not see is not found; a stale version conflicts; deciding needs a place on the step under way
/// (forbidden while it waits, an invalid transition once it does not); withdrawing and resubmitting are the
/// applicant's; a transfer or signer must be an active member. The reference applies the same rules from its
/// own run.
///
/// The default seed is 20261206; `COLLAB_SEED` adds one.
@Suite("Approval desk against the pure run (differential)")
struct ApprovalDifferentialTests {
    static var seeds: [UInt64] {
        var seeds: [UInt64] = [20_261_206]
        if let text = ProcessInfo.processInfo.environment["COLLAB_SEED"], let seed = UInt64(text), seed != seeds[0] {
            seeds.append(seed)
        }
        return seeds
    }

    /// The members the flows name (none an administrator, auditor or the applicant).
    static let pool: [Member.ID] = [A.head, A.fin1, A.fin2, A.gm, Workplace.spare, Workplace.peer]
    /// Who acts: the pool, the applicant, an administrator (sees every request, decides none) and a bystander
    /// (sees none).
    static let actors: [Member.ID] = pool + [A.applicant, A.admin, Workplace.bystander]
    /// Transfer and signer targets: the pool, the applicant, and someone who is not a member.
    static let targets: [Member.ID] = pool + [A.applicant, "ghost"]

    static let worlds = 40
    static let operations = 25

    @Test("random flows and operation sequences: the desk and the pure run agree after every operation",
        arguments: seeds)
    func desksAgree(seed: UInt64) async throws {
        var random = SeededRandomNumberGenerator(seed: seed)
        var tally = Tally()
        for index in 0..<Self.worlds {
            let world = try await A()
            try await play(world, index: index, seed: seed, random: &random, tally: &tally)
        }
        // The sequences do more than being refused: requests finish every way, and most operations kinds pass.
        #expect(tally.passed > Self.worlds * 5, "\(tally)")
        #expect(tally.ended[.approved, default: 0] > 5 && tally.ended[.rejected, default: 0] > 2
            && tally.ended[.withdrawn, default: 0] > 0, "\(tally)")
        for kind in Kind.allCases { #expect(tally.passedByKind[kind, default: 0] > 0, "\(kind) never passed: \(tally)") }
    }

    enum Kind: String, CaseIterable { case approve, reject, transfer, addSigner, sendBack, resubmit, withdraw }

    struct Tally: CustomStringConvertible {
        var passed = 0
        var refused: [CollabError.Code: Int] = [:]
        var passedByKind: [Kind: Int] = [:]
        var ended: [ApprovalRun.Status: Int] = [:]
        var description: String {
            "passed \(passed) \(passedByKind.map { "\($0.key)=\($0.value)" }.sorted()), refused \(refused.map { "\($0.key)=\($0.value)" }.sorted()), ended \(ended.map { "\($0.key)=\($0.value)" }.sorted())"
        }
    }

    private func play(_ world: A, index: Int, seed: UInt64, random: inout SeededRandomNumberGenerator, tally: inout Tally)
        async throws
    {
        func below(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        // A random flow.
        var steps: [ApprovalStep] = []
        var byStep: [String: [Member.ID]] = [:]
        for position in 0..<(2 + below(3)) {
            let count = 1 + below(3)
            let members = Array(Self.pool.shuffled(using: &random).prefix(count))
            let mode: ApprovalMode = switch below(3) {
            case 0: .all
            case 1: .any
            default: .quorum(.count(1 + below(count)))
            }
            let order: ApprovalOrder = mode != .any && below(3) == 0 ? .sequential : .parallel
            let key = "s\(position)"
            byStep[key] = members
            steps.append(ApprovalStep(key: key, name: "Step \(position)", approvers: [.members(ids: members)], mode: mode,
                order: order))
        }
        let policies = ApprovalPolicies(repeatedApprover: below(2) == 0 ? .decideOnce : .eachTime, timeout: nil)
        let draft = ApprovalFlowDraft(
            name: "Differential \(index)",
            fields: [ApprovalField(key: "amount", label: "Amount", kind: .number, required: true)],
            steps: steps, policies: policies)
        let flow = try await world.desk.saveFlow(draft, by: A.admin)
        let resolver = ResolvedApprovers(byStep: byStep)
        let flowText = steps.map { "\($0.key)\($0.approvers) \($0.mode) \($0.order)" }.joined(separator: " → ")

        // A request, and the reference started from the same flow, values and members.
        var values: ApprovalFormValues = ["amount": .number(Decimal(100 + below(20_000)))]
        var reference = try ApprovalRun.start(flow: flow, applicant: A.applicant, values: values, resolver: resolver)
        var id = try await world.desk.submit(flow.id, values: values, by: A.applicant).id
        var log: [String] = []
        #expect(try await world.stored(id).run == reference, "seed \(seed) world \(index) start: \(flowText)")

        for operation in 0..<Self.operations {
            // A finished request: the applicant submits another on the same flow.
            if ![.pending, .returned].contains(reference.status) {
                tally.ended[reference.status, default: 0] += 1
                values = ["amount": .number(Decimal(100 + below(20_000)))]
                reference = try ApprovalRun.start(flow: flow, applicant: A.applicant, values: values, resolver: resolver)
                id = try await world.desk.submit(flow.id, values: values, by: A.applicant).id
                log.append("— a new request")
                guard try await world.stored(id).run == reference else {
                    Issue.record("seed \(seed) world \(index): a new request differs from the reference")
                    return
                }
            }
            let awaiting = reference.status == .returned ? [A.applicant] : reference.current?.awaiting ?? []
            let onStep = reference.current?.signers ?? []
            let actor: Member.ID = switch below(6) {
            case 0, 1, 2: awaiting.isEmpty ? Self.actors[below(Self.actors.count)] : awaiting[below(awaiting.count)]
            case 3: onStep.isEmpty ? Self.actors[below(Self.actors.count)] : onStep[below(onStep.count)]
            default: Self.actors[below(Self.actors.count)]
            }
            let stale = below(10) == 0
            let expected = stale ? reference.version - 1 - below(2) : reference.version
            let target = below(12) == 0 ? Self.targets.last! : Self.targets[below(Self.targets.count - 1)]
            let kind: Kind = switch below(20) {
            case 0..<7: .approve
            case 7: .reject
            case 8, 9: .transfer
            case 10, 11: .addSigner
            case 12, 13, 14: .sendBack
            case 15, 16, 17: reference.status == .returned ? .resubmit : .withdraw
            default: below(2) == 0 ? .resubmit : .withdraw
            }
            let position: SignerPosition = below(2) == 0 ? .before : .after
            let approvedBefore = reference.history.filter { $0.outcome == .approved }.map(\.stepKey)
            let sendBackTo: ApprovalRun.SendBackTarget = switch below(5) {
            case 0: .applicant
            case 1: .step(steps[below(steps.count)].key)
            default: approvedBefore.isEmpty ? .applicant : .step(approvedBefore[below(approvedBefore.count)])
            }
            let newValues: ApprovalFormValues = ["amount": .number(Decimal(100 + below(20_000)))]
            let reason = "reason \(operation)"

            // The reference: the desk's rules, then the pure run.
            var next = reference
            let expectedCode: CollabError.Code?
            do {
                try Self.gate(kind, actor: actor, target: target, expectedVersion: expected, run: reference)
                switch kind {
                case .approve:
                    try next.approve(by: actor, expectedVersion: expected, flow: flow, resolver: resolver)
                case .reject:
                    try next.reject(by: actor, reason: reason, expectedVersion: expected, flow: flow, resolver: resolver)
                case .transfer:
                    try next.transfer(from: actor, to: target, expectedVersion: expected, flow: flow)
                case .addSigner:
                    try next.addSigner(target, position, by: actor, expectedVersion: expected, flow: flow)
                case .sendBack:
                    try next.sendBack(to: sendBackTo, by: actor, reason: reason, expectedVersion: expected, flow: flow,
                        resolver: resolver)
                case .resubmit:
                    try next.resubmit(values: newValues, by: actor, expectedVersion: expected, flow: flow, resolver: resolver)
                case .withdraw:
                    try next.withdraw(by: actor, expectedVersion: expected)
                }
                expectedCode = nil
            } catch {
                expectedCode = error.code
                next = reference
            }

            // The desk.
            let desk = world.desk
            let result: Result<ApprovalRequest, CollabError> = await capture {
                switch kind {
                case .approve: try await desk.approve(id, by: actor, expectedVersion: expected)
                case .reject: try await desk.reject(id, reason: reason, by: actor, expectedVersion: expected)
                case .transfer: try await desk.transfer(id, to: target, by: actor, expectedVersion: expected)
                case .addSigner: try await desk.addSigner(id, target, position, by: actor, expectedVersion: expected)
                case .sendBack:
                    try await desk.sendBack(id, to: sendBackTo, reason: reason, by: actor, expectedVersion: expected)
                case .resubmit: try await desk.resubmit(id, values: newValues, by: actor, expectedVersion: expected)
                case .withdraw: try await desk.withdraw(id, by: actor, expectedVersion: expected)
                }
            }
            let code: CollabError.Code? = switch result {
            case .success: nil
            case .failure(let error): error.code
            }
            let detail = switch kind {
            case .transfer: " to \(target)"
            case .addSigner: " \(target) \(position)"
            case .sendBack: " to \(sendBackTo)"
            default: ""
            }
            log.append("\(operation): \(kind)\(detail) by \(actor) at v\(expected) (run v\(reference.version), \(reference.status)) → desk \(code?.rawValue ?? "ok"), reference \(expectedCode?.rawValue ?? "ok")")
            let stored = try await world.stored(id)
            let context = "seed \(seed) world \(index): \(flowText), \(policies.repeatedApprover)\n" + log.joined(separator: "\n")
            guard code == expectedCode else {
                Issue.record("the desk and the reference disagree: \(context)\ndesk: \(result)")
                return
            }
            reference = next
            guard stored.run == reference else {
                Issue.record("the stored run differs from the reference: \(context)\nstored: \(stored.run)\nreference: \(reference)")
                return
            }
            if case .success(let returned) = result {
                #expect(returned.run == reference, "the returned request's run: \(context)")
                tally.passed += 1
                tally.passedByKind[kind, default: 0] += 1
            } else if let code {
                tally.refused[code, default: 0] += 1
            }
        }
        if ![.pending, .returned].contains(reference.status) { tally.ended[reference.status, default: 0] += 1 }
    }

    /// The desk's rules before the run's own checks (see the suite's comment), from the reference run.
    private static func gate(
        _ kind: Kind, actor: Member.ID, target: Member.ID, expectedVersion: Int, run: ApprovalRun
    ) throws(CollabError) {
        var involved: Set<Member.ID> = [run.applicantID]
        for attempt in run.attempts {
            for signer in attempt.seats.flatMap(\.signers) {
                involved.insert(signer.memberID)
                involved.formUnion(signer.transferredFrom)
                if let adder = signer.addedBy { involved.insert(adder) }
            }
        }
        guard actor == A.admin || involved.contains(actor) else { throw CollabError.notFound("approval request", "?") }
        guard expectedVersion == run.version else { throw CollabError(.conflict, "stale") }
        switch kind {
        case .approve, .reject, .transfer, .addSigner, .sendBack:
            guard run.status == .pending, run.current?.signers.contains(actor) == true else {
                throw CollabError(run.status == .pending ? .forbidden : .invalidTransition, "no place")
            }
        case .resubmit, .withdraw:
            guard actor == run.applicantID else { throw CollabError(.forbidden, "not the applicant") }
        }
        if kind == .transfer || kind == .addSigner, !(pool + [A.applicant]).contains(target) {
            throw CollabError(.invalidInput, "not a member")
        }
    }
}
