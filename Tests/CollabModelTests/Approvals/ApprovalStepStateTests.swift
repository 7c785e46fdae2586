import CollabModel
import Foundation
import Testing

@Suite struct ApprovalStepStateTests {
    let a: Member.ID = "a", b: Member.ID = "b", c: Member.ID = "c", d: Member.ID = "d"

    func state(_ approvers: [Member.ID], _ mode: ApprovalMode, _ order: ApprovalOrder = .parallel) throws -> ApprovalStepState {
        try ApprovalStepState(stepKey: "s", approvers: approvers, mode: mode, order: order)
    }

    @Test("会签 (all): approved when every approver approved, rejected on the first rejection")
    func all() throws {
        var step = try state([a, b, c], .all)
        try step.approve(by: a, expectedVersion: 1)
        try step.approve(by: b, expectedVersion: 2)
        #expect(step.outcome == .pending && step.awaiting == [c])
        try step.approve(by: c, expectedVersion: 3)
        #expect(step.outcome == .approved)

        var rejected = try state([a, b, c], .all)
        try rejected.approve(by: a, expectedVersion: 1)
        try rejected.reject(by: b, reason: "预算不足", expectedVersion: 2)
        #expect(rejected.outcome == .rejected && rejected.awaiting.isEmpty)
        #expect(code { try rejected.approve(by: c, expectedVersion: 3) } == .conflict)
    }

    @Test("或签 (any): the first decision decides, either way")
    func any() throws {
        var approved = try state([a, b], .any)
        try approved.approve(by: b, expectedVersion: 1)
        #expect(approved.outcome == .approved)
        #expect(code { try approved.reject(by: a, reason: "no", expectedVersion: 2) } == .conflict)
        var rejected = try state([a, b], .any)
        try rejected.reject(by: a, reason: "重复采购", expectedVersion: 1)
        #expect(rejected.outcome == .rejected)
    }

    @Test("票签 by count: approved at n approvals; rejected exactly when n can no longer be reached")
    func quorumCount() throws {
        // 2 of 4: two rejections still leave 2 undecided seats, enough; the third rejection is not.
        var step = try state([a, b, c, d], .quorum(.count(2)))
        #expect(step.requiredApprovals == 2)
        try step.reject(by: a, reason: "r", expectedVersion: 1)
        try step.reject(by: b, reason: "r", expectedVersion: 2)
        #expect(step.outcome == .pending)
        try step.reject(by: c, reason: "r", expectedVersion: 3)
        #expect(step.outcome == .rejected)

        var approved = try state([a, b, c, d], .quorum(.count(2)))
        try approved.reject(by: a, reason: "r", expectedVersion: 1)
        try approved.approve(by: b, expectedVersion: 2)
        #expect(approved.outcome == .pending)
        try approved.approve(by: d, expectedVersion: 3)
        #expect(approved.outcome == .approved && approved.approvals == 2 && approved.rejections == 1)
    }

    @Test("票签 by share: the share is rounded up, and a rejection ends the step only when the share is out of reach")
    func quorumShare() throws {
        #expect(ApprovalQuorum.share(numerator: 2, denominator: 3).required(of: 4) == 3)
        #expect(ApprovalQuorum.share(numerator: 1, denominator: 2).required(of: 4) == 2)
        #expect(ApprovalQuorum.share(numerator: 1, denominator: 2).required(of: 5) == 3)
        #expect(ApprovalQuorum.share(numerator: 1, denominator: 100).required(of: 3) == 1)
        #expect(ApprovalQuorum.count(5).required(of: 3) == 3)
        // 2/3 of 4 needs 3: one rejection leaves 3 possible approvals, the second leaves 2.
        var step = try state([a, b, c, d], .quorum(.share(numerator: 2, denominator: 3)))
        try step.reject(by: a, reason: "r", expectedVersion: 1)
        #expect(step.outcome == .pending)
        try step.approve(by: b, expectedVersion: 2)
        try step.reject(by: c, reason: "r", expectedVersion: 3)
        #expect(step.outcome == .rejected)
        // Every seat approving is a share of 1.
        var whole = try state([a, b], .quorum(.share(numerator: 1, denominator: 1)))
        try whole.approve(by: a, expectedVersion: 1)
        #expect(whole.outcome == .pending)
        try whole.approve(by: b, expectedVersion: 2)
        #expect(whole.outcome == .approved)
    }

    @Test("依次审批 (sequential): only the current approver may act, the next one after an approval")
    func sequential() throws {
        var step = try state([a, b, c], .all, .sequential)
        #expect(step.awaiting == [a])
        #expect(code { try step.approve(by: b, expectedVersion: 1) } == .invalidTransition)
        #expect(step.version == 1)
        try step.approve(by: a, expectedVersion: 1)
        #expect(step.awaiting == [b])
        try step.approve(by: b, expectedVersion: 2)
        try step.approve(by: c, expectedVersion: 3)
        #expect(step.outcome == .approved)

        // In sequence with a quorum, a rejection passes the turn on.
        var quorum = try state([a, b, c], .quorum(.count(2)), .sequential)
        try quorum.reject(by: a, reason: "r", expectedVersion: 1)
        #expect(quorum.outcome == .pending && quorum.awaiting == [b])
        try quorum.approve(by: b, expectedVersion: 2)
        try quorum.approve(by: c, expectedVersion: 3)
        #expect(quorum.outcome == .approved)
    }

    @Test("转交 (transfer): the new approver takes the place, the old one can no longer decide")
    func transfer() throws {
        var step = try state([a, b], .all)
        try step.transfer(from: a, to: c, expectedVersion: 1)
        #expect(step.awaiting == [c, b])
        #expect(code { try step.approve(by: a, expectedVersion: 2) } == .forbidden)
        #expect(code { try step.transfer(from: b, to: c, expectedVersion: 2) } == .invalidInput)
        try step.approve(by: c, expectedVersion: 2)
        try step.approve(by: b, expectedVersion: 3)
        #expect(step.outcome == .approved)
        #expect(step.seats[0].signers[0].transferredFrom == [a])
        #expect(step.seats.count == 2)
    }

    @Test("加签 before: the new signer decides first; the seat counts once, in every mode")
    func addSignerBefore() throws {
        var step = try state([a, b], .any)
        try step.addSigner(c, .before, by: a, expectedVersion: 1)
        #expect(Set(step.awaiting) == [c, b])
        #expect(code { try step.approve(by: a, expectedVersion: 2) } == .invalidTransition)
        try step.approve(by: c, expectedVersion: 2)
        // c's approval is part of a's seat: in 或签 it does not decide the step alone.
        #expect(step.outcome == .pending && step.awaiting.contains(a))
        try step.approve(by: a, expectedVersion: 3)
        #expect(step.outcome == .approved)

        var rejected = try state([a, b], .all)
        try rejected.addSigner(c, .before, by: a, expectedVersion: 1)
        try rejected.reject(by: c, reason: "规格不符", expectedVersion: 2)
        #expect(rejected.outcome == .rejected)
    }

    @Test("加签 after: the new signer decides after the adder approved; quorums do not change")
    func addSignerAfter() throws {
        var step = try state([a, b, c], .quorum(.count(2)))
        try step.addSigner(d, .after, by: a, expectedVersion: 1)
        #expect(step.requiredApprovals == 2)
        #expect(code { try step.approve(by: d, expectedVersion: 2) } == .invalidTransition)
        try step.approve(by: a, expectedVersion: 2)
        try step.approve(by: b, expectedVersion: 3)
        // a's seat waits for d, so only b's seat approved.
        #expect(step.outcome == .pending && step.approvals == 1)
        try step.approve(by: d, expectedVersion: 4)
        #expect(step.outcome == .approved)
        #expect(code { try step.addSigner(a, .after, by: c, expectedVersion: 5) } == .conflict)
    }

    @Test("a double click (the same version twice) is refused and counted once; a repeat is refused too")
    func doubleClick() throws {
        var step = try state([a, b, c], .quorum(.count(2)))
        try step.approve(by: a, expectedVersion: 1)
        #expect(code { try step.approve(by: a, expectedVersion: 1) } == .conflict)
        #expect(code { try step.approve(by: a, expectedVersion: 2) } == .conflict)
        #expect(step.approvals == 1 && step.version == 2 && step.outcome == .pending)
        // Two instances deciding from the same stale state: the second is refused.
        var first = step, second = step
        try first.approve(by: b, expectedVersion: 2)
        try second.approve(by: c, expectedVersion: 2)
        #expect(code { try first.approve(by: c, expectedVersion: 2) } == .conflict)
    }

    @Test("strangers are forbidden, a reason is required, an empty step is refused")
    func refusals() throws {
        var step = try state([a, b], .all)
        #expect(code { try step.approve(by: "x", expectedVersion: 1) } == .forbidden)
        #expect(code { try step.reject(by: a, reason: "  ", expectedVersion: 1) } == .invalidInput)
        #expect(code { try step.addSigner(b, .before, by: a, expectedVersion: 1) } == .invalidInput)
        #expect(step.version == 1 && step.outcome == .pending)
        #expect(throws: CollabError.self) { try ApprovalStepState(stepKey: "s", approvers: [], mode: .all) }
        // Repeats are one seat; passes approve at once.
        let passed = try ApprovalStepState(stepKey: "s", approvers: [a, a, b], mode: .all, passes: [a: .applicant])
        #expect(passed.seats.count == 2 && passed.approvals == 1 && passed.awaiting == [b])
    }

    // MARK: - Random operations against a reference model

    /// The reference: per seat, how many signers it has and how many approved, whether one rejected; the
    /// outcome from those counts alone.
    struct Reference {
        var chain: [Int]
        var approved: [Int]
        var rejected: [Bool]
        var firstDecided: Bool?
        let mode: ApprovalMode

        init(seats: Int, mode: ApprovalMode) {
            chain = Array(repeating: 1, count: seats)
            approved = Array(repeating: 0, count: seats)
            rejected = Array(repeating: false, count: seats)
            self.mode = mode
        }

        mutating func record(seat: Int, approves: Bool) {
            if approves { approved[seat] += 1 } else { rejected[seat] = true }
            let seatDone = !approves || approved[seat] == chain[seat]
            if seatDone && firstDecided == nil { firstDecided = approves }
        }

        var outcome: ApprovalStepState.Outcome {
            let n = chain.count
            let yes = (0..<n).filter { !rejected[$0] && approved[$0] == chain[$0] }.count
            let no = rejected.filter { $0 }.count
            switch mode {
            case .any:
                return firstDecided.map { $0 ? .approved : .rejected } ?? .pending
            case .all:
                return no > 0 ? .rejected : (yes == n ? .approved : .pending)
            case .quorum(.count(let k)):
                let need = min(k, n)
                return yes >= need ? .approved : (n - no < need ? .rejected : .pending)
            case .quorum(.share(let p, let q)):
                let need = max(1, Int((Double(n * p) / Double(q)).rounded(.up)))
                return yes >= need ? .approved : (n - no < need ? .rejected : .pending)
            }
        }
    }

    @Test("random operation sequences decide like the reference model (seeded; COLLAB_SEED adds a seed)",
        arguments: ApprovalSeeds.all)
    func randomOperations(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let modes: [ApprovalMode] = [
            .all, .any, .quorum(.count(1)), .quorum(.count(2)), .quorum(.count(3)),
            .quorum(.share(numerator: 2, denominator: 3)), .quorum(.share(numerator: 1, denominator: 2)),
        ]
        let people = (0..<12).map { Member.ID("p\($0)") }
        var passed = 0, outcomes: [ApprovalStepState.Outcome: Int] = [:]
        for round in 0..<400 {
            let n = 1 + random.below(5)
            let mode = modes[random.below(modes.count)]
            let order: ApprovalOrder = mode != .any && random.below(3) == 0 ? .sequential : .parallel
            var step = try state(Array(people.prefix(n)), mode, order)
            var reference = Reference(seats: n, mode: mode)
            var seatOf = Dictionary(uniqueKeysWithValues: people.prefix(n).enumerated().map { ($1, $0) })
            var decisions = 0
            for operation in 0..<30 {
                let context = "seed \(seed) round \(round) operation \(operation) mode \(mode) order \(order)"
                // Mostly someone on the step (whose turn it may or may not be), sometimes anyone.
                let onStep = step.signers
                let actor = random.below(4) > 0 ? onStep[random.below(onStep.count)] : people[random.below(people.count)]
                let other = people[random.below(people.count)]
                let stale = random.below(6) == 0
                let expected = stale ? step.version - 1 - random.below(2) : step.version
                let before = step
                let mayAct = step.awaiting.contains(actor)
                let kind = random.below(10)
                let result: CollabError.Code?
                do {
                    switch kind {
                    case 0..<4: try step.approve(by: actor, expectedVersion: expected)
                    case 4..<6: try step.reject(by: actor, reason: "不同意", expectedVersion: expected)
                    case 6..<8: try step.transfer(from: actor, to: other, expectedVersion: expected)
                    default: try step.addSigner(other, random.below(2) == 0 ? .before : .after, by: actor, expectedVersion: expected)
                    }
                    result = nil
                } catch {
                    result = error.code
                }
                if let result {
                    #expect(step == before, "a refused operation changed the step: \(context)")
                    if before.outcome != .pending || stale {
                        #expect(result == .conflict, "\(context)")
                    } else if seatOf[actor] == nil {
                        #expect(result == .forbidden, "\(context)")
                    }
                    continue
                }
                #expect(before.outcome == .pending && !stale && mayAct, "an operation passed that should not: \(context)")
                #expect(step.version == before.version + 1, "\(context)")
                passed += 1
                let seat = try #require(seatOf[actor])
                switch kind {
                case 0..<4: reference.record(seat: seat, approves: true); decisions += 1
                case 4..<6: reference.record(seat: seat, approves: false); decisions += 1
                case 6..<8: seatOf[actor] = nil; seatOf[other] = seat
                default: seatOf[other] = seat; reference.chain[seat] += 1
                }
                #expect(step.outcome == reference.outcome, "\(context)")
                let recorded = step.seats.flatMap(\.signers).filter { $0.decision != nil }.count
                #expect(recorded == decisions, "every decision counted once: \(context)")
                #expect(step.seats.count == n, "\(context)")
            }
            outcomes[step.outcome, default: 0] += 1
        }
        // The sequences reach every outcome and pass many operations, not only refusals.
        #expect(passed > 1_000 && outcomes[.approved, default: 0] > 50 && outcomes[.rejected, default: 0] > 50
            && outcomes[.pending, default: 0] > 10, "passed \(passed), outcomes \(outcomes)")
    }
}
