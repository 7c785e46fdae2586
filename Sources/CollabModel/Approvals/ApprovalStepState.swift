import Foundation

/// A decision on a seat of an approval step.
public enum ApprovalDecision: Hashable, Sendable, Codable {
    /// Approved by the signer.
    case approved
    /// Approved without the signer deciding, for the reason given.
    case passed(ApprovalPass)
    /// Rejected by the signer, with the reason they gave.
    case rejected(reason: String)

    /// Whether this is an approval (by the signer or automatic).
    public var isApproval: Bool {
        if case .rejected = self { return false }
        return true
    }
}

/// Why a seat approved without its holder deciding.
public enum ApprovalPass: String, Hashable, Sendable, Codable, CaseIterable {
    /// The holder is the applicant (``ApprovalPolicies/ApplicantIsApprover/skip``).
    case applicant
    /// The holder approved the step just before (``ApprovalPolicies/RepeatedApprover/decideOnce``).
    case approvedBefore = "approved_before"
    /// The step's timeout approved on behalf of the signers still undecided (``ApprovalTimeout/Action/approve``).
    case timeout
    /// The holder was deactivated and the step's sources resolved to nobody else, under
    /// ``ApprovalPolicies/NobodyToApprove/approve``.
    case noApprover = "no_approver"
}

/// Where a signer added to a seat (加签) decides, relative to who adds them.
public enum SignerPosition: String, Hashable, Sendable, Codable, CaseIterable {
    /// Before: the adder decides only after the new signer approved.
    case before
    /// After: the new signer decides only after the adder approved.
    case after
}

/// One member on a seat: its holder, or a signer added to it.
public struct ApprovalSigner: Hashable, Sendable, Codable {
    /// Who decides.
    public var memberID: Member.ID
    /// Who added them (加签); `nil` for the seat's resolved approver.
    public var addedBy: Member.ID?
    /// Who held this place before, oldest first (转交).
    public var transferredFrom: [Member.ID]
    /// Their decision, once made.
    public var decision: ApprovalDecision?

    /// Creates a signer.
    public init(memberID: Member.ID, addedBy: Member.ID? = nil, transferredFrom: [Member.ID] = [],
        decision: ApprovalDecision? = nil)
    {
        self.memberID = memberID
        self.addedBy = addedBy
        self.transferredFrom = transferredFrom
        self.decision = decision
    }
}

/// One resolved approver's place in a step, with the signers added to it, in the order they decide.
///
/// A seat approves when every signer on it approved, and rejects when one of them rejects; the step's mode
/// counts seats, so adding a signer never changes how many approvals a quorum needs.
public struct ApprovalSeat: Hashable, Sendable, Codable {
    /// The signers, in the order they decide.
    public var signers: [ApprovalSigner]

    /// Creates a seat.
    public init(signers: [ApprovalSigner]) { self.signers = signers }

    /// Approved, rejected, or `nil` while undecided.
    public var isApproved: Bool? {
        if signers.contains(where: { $0.decision?.isApproval == false }) { return false }
        if signers.allSatisfy({ $0.decision?.isApproval == true }) { return true }
        return nil
    }

    /// Whose turn it is on the seat: the first signer without a decision, while the seat is undecided.
    public var currentSigner: Member.ID? {
        guard isApproved == nil else { return nil }
        return signers.first { $0.decision == nil }?.memberID
    }
}

/// One attempt of one approval step, with its resolved approvers: the pure state machine of 会签, 或签, 票签
/// and 依次审批, with 转交 and 加签.
///
/// Every operation names the ``version`` it was decided on and bumps it, so a double click, or a second
/// instance deciding from the same stale state, is refused with ``CollabError/Code/conflict`` and counted
/// once. Refusals:
/// - the step already decided, a stale `expectedVersion`, a signer deciding twice: ``CollabError/Code/conflict``;
/// - an actor who holds no undecided place on the step (never did, or transferred it): ``CollabError/Code/forbidden``;
/// - an actor whose turn has not come (依次审批, or a signer added before them): ``CollabError/Code/invalidTransition``;
/// - a missing reason, a signer already on the step: ``CollabError/Code/invalidInput``.
public struct ApprovalStepState: Hashable, Sendable, Codable {
    /// Where the attempt stands.
    public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
        /// Waiting for decisions.
        case pending
        /// The step approved.
        case approved
        /// The step rejected.
        case rejected
        /// 退回: sent back to an earlier step or the applicant before it decided.
        case sentBack = "sent_back"
        /// 撤回: the applicant withdrew the request while this attempt waited.
        case withdrawn
    }

    /// The step's key.
    public let stepKey: String
    /// 1 for the step's first attempt in a request, one more for each attempt after (after a send-back).
    public let attempt: Int
    /// How the seats decide.
    public let mode: ApprovalMode
    /// At once or in turn.
    public let order: ApprovalOrder
    /// The seats, in the order the approvers resolved.
    public private(set) var seats: [ApprovalSeat]
    /// Where the attempt stands.
    public private(set) var outcome: Outcome
    /// Moves on every change; every operation names the version it was decided on.
    public private(set) var version: Int
    /// The timeout action applied to the attempt, if any (``ApprovalTimeout/Action/remind`` changes nothing
    /// and is not recorded).
    public private(set) var timeoutAction: ApprovalTimeout.Action?

    /// Starts an attempt with `approvers` (repeats dropped, order kept); those in `passes` approve at once.
    /// Refuses an empty list: the flow's ``ApprovalPolicies/nobodyToApprove`` decides such a step.
    public init(
        stepKey: String, attempt: Int = 1, approvers: [Member.ID], mode: ApprovalMode, order: ApprovalOrder = .parallel,
        passes: [Member.ID: ApprovalPass] = [:]
    ) throws(CollabError) {
        var seen = Set<Member.ID>()
        let distinct = approvers.filter { seen.insert($0).inserted }
        guard !distinct.isEmpty else {
            throw CollabError.invalid([ValidationProblem(
                field: "steps[\(stepKey.clipped())].approvers", kind: .empty, message: "the step resolved to nobody")])
        }
        self.init(stepKey: stepKey, attempt: attempt, mode: mode, order: order, seats: distinct.map { id in
            ApprovalSeat(signers: [ApprovalSigner(memberID: id, decision: passes[id].map { .passed($0) })])
        })
    }

    /// An attempt decided without approvers (``ApprovalPolicies/NobodyToApprove`` `approve` or `reject`).
    public init(stepKey: String, attempt: Int = 1, mode: ApprovalMode, order: ApprovalOrder = .parallel, decidedWithoutApprovers approved: Bool) {
        self.init(stepKey: stepKey, attempt: attempt, mode: mode, order: order, seats: [])
        self.outcome = approved ? .approved : .rejected
    }

    private init(stepKey: String, attempt: Int, mode: ApprovalMode, order: ApprovalOrder, seats: [ApprovalSeat]) {
        self.stepKey = stepKey
        self.attempt = attempt
        self.mode = mode
        self.order = order
        self.seats = seats
        self.outcome = .pending
        self.version = 1
        self.outcome = computedOutcome()
    }

    /// How many approving seats the step needs: every seat for ``ApprovalMode/all``, one for
    /// ``ApprovalMode/any``, ``ApprovalQuorum/required(of:)`` for a quorum.
    public var requiredApprovals: Int {
        switch mode {
        case .all: seats.count
        case .any: min(1, seats.count)
        case .quorum(let quorum): quorum.required(of: seats.count)
        }
    }

    /// The seats that approved.
    public var approvals: Int { seats.count { $0.isApproved == true } }
    /// The seats that rejected.
    public var rejections: Int { seats.count { $0.isApproved == false } }

    /// Who may act now (decide, transfer, add a signer): the current signer of each open seat — every
    /// undecided seat in parallel order, the first undecided one in sequential order. Empty once decided.
    public var awaiting: [Member.ID] {
        guard outcome == .pending else { return [] }
        var result: [Member.ID] = []
        for seat in seats {
            guard let signer = seat.currentSigner else { continue }
            result.append(signer)
            if order == .sequential { break }
        }
        return result
    }

    /// Every member holding a place on the step now, decided or not.
    public var signers: [Member.ID] { seats.flatMap { $0.signers.map(\.memberID) } }

    /// Whether anyone decided on this attempt themselves (automatic passes do not count).
    public var hasPersonalDecision: Bool {
        seats.contains { $0.signers.contains { signer in
            switch signer.decision {
            case .approved, .rejected: true
            case .passed, nil: false
            }
        } }
    }

    /// The members who approved on this attempt (themselves or automatically).
    public var approvers: Set<Member.ID> {
        Set(seats.flatMap { $0.signers.filter { $0.decision?.isApproval == true }.map(\.memberID) })
    }

    /// Approves `member`'s place.
    public mutating func approve(by member: Member.ID, expectedVersion: Int) throws(CollabError) {
        let (seat, signer) = try place(of: member, expectedVersion: expectedVersion)
        seats[seat].signers[signer].decision = .approved
        changed()
    }

    /// Rejects with a reason (required, up to ``ValidationLimits/textLength``).
    public mutating func reject(by member: Member.ID, reason: String, expectedVersion: Int,
        limits: ValidationLimits = .default) throws(CollabError)
    {
        var report = ValidationReport()
        report.checkText(reason, field: "reason", maxLength: limits.textLength, allowNewlines: true)
        let (seat, signer) = try place(of: member, expectedVersion: expectedVersion)
        try report.throwIfInvalid()
        seats[seat].signers[signer].decision = .rejected(reason: reason)
        changed()
    }

    /// 转交: `member` gives their place to `newMember`, who decides in their stead; `member` no longer can.
    public mutating func transfer(from member: Member.ID, to newMember: Member.ID, expectedVersion: Int,
        limits: ValidationLimits = .default) throws(CollabError)
    {
        let (seat, signer) = try place(of: member, expectedVersion: expectedVersion)
        try checkNewcomer(newMember, field: "to", limits: limits)
        seats[seat].signers[signer].transferredFrom.append(member)
        seats[seat].signers[signer].memberID = newMember
        changed()
    }

    /// 加签: `member` adds `newMember` to their seat, deciding before them (the adder decides only after the
    /// new signer approved) or after them (the new signer decides only after the adder approved). The seat
    /// approves when all its signers approved; a rejection by any of them rejects it.
    public mutating func addSigner(_ newMember: Member.ID, _ position: SignerPosition, by member: Member.ID,
        expectedVersion: Int, limits: ValidationLimits = .default) throws(CollabError)
    {
        let (seat, signer) = try place(of: member, expectedVersion: expectedVersion)
        try checkNewcomer(newMember, field: "signer", limits: limits)
        let added = ApprovalSigner(memberID: newMember, addedBy: member)
        seats[seat].signers.insert(added, at: position == .before ? signer : signer + 1)
        changed()
    }

    /// Applies a timeout to a pending attempt: `approve` passes every undecided signer of the undecided
    /// seats, `reject` rejects the step, `escalate` transfers the place of each signer whose turn it is to
    /// their head (when they have one not already on the step); `remind` changes nothing.
    mutating func applyTimeout(_ action: ApprovalTimeout.Action, head: (Member.ID) -> Member.ID?) {
        guard outcome == .pending else { return }
        switch action {
        case .remind: return
        case .approve:
            for seat in seats.indices where seats[seat].isApproved == nil {
                for signer in seats[seat].signers.indices where seats[seat].signers[signer].decision == nil {
                    seats[seat].signers[signer].decision = .passed(.timeout)
                }
            }
            outcome = computedOutcome()
        case .reject:
            outcome = .rejected
        case .escalate:
            for member in awaiting {
                guard let head = head(member), head != member, !signers.contains(head) else { continue }
                for seat in seats.indices {
                    if let signer = seats[seat].signers.firstIndex(where: { $0.memberID == member }) {
                        seats[seat].signers[signer].transferredFrom.append(member)
                        seats[seat].signers[signer].memberID = head
                    }
                }
            }
        }
        timeoutAction = action
        version += 1
    }

    /// Replaces an undecided signer who can no longer decide (deactivated): `replacement` takes their place
    /// as a transfer would (whatever the turn); with `nil`, `passOtherwise` passes the place
    /// (``ApprovalPass/noApprover``) or, when `false`, rejects it. Returns whether anything changed: a member
    /// without an undecided place on a pending attempt changes nothing.
    @discardableResult
    mutating func replace(_ member: Member.ID, with replacement: Member.ID?, passOtherwise: Bool) -> Bool {
        guard outcome == .pending else { return false }
        for seat in seats.indices {
            guard let signer = seats[seat].signers.firstIndex(where: { $0.memberID == member && $0.decision == nil })
            else { continue }
            if let replacement, !signers.contains(replacement) {
                seats[seat].signers[signer].transferredFrom.append(member)
                seats[seat].signers[signer].memberID = replacement
            } else {
                seats[seat].signers[signer].decision = passOtherwise
                    ? .passed(.noApprover) : .rejected(reason: "no approver is left on the step")
            }
            changed()
            return true
        }
        return false
    }

    /// Ends a pending attempt as sent back or withdrawn (the run's operations).
    mutating func close(_ outcome: Outcome) {
        self.outcome = outcome
        version += 1
    }

    /// Checks the version, that the step waits, and that it is `member`'s turn; returns their place.
    private func place(of member: Member.ID, expectedVersion: Int) throws(CollabError) -> (Int, Int) {
        guard outcome == .pending else {
            throw CollabError(.conflict, "step '\(stepKey)' (attempt \(attempt)) is already \(outcome.rawValue)")
        }
        guard expectedVersion == version else {
            throw CollabError(.conflict,
                "step '\(stepKey)' is at version \(version), not \(expectedVersion): someone acted first; reload and decide again")
        }
        var found: (Int, Int)?
        for (seatIndex, seat) in seats.enumerated() {
            if let signerIndex = seat.signers.firstIndex(where: { $0.memberID == member }) {
                found = (seatIndex, signerIndex)
                break
            }
        }
        guard let (seat, signer) = found else {
            throw CollabError(.forbidden, "'\(member.rawValue.clipped())' is not an approver of step '\(stepKey)'")
        }
        if seats[seat].signers[signer].decision != nil {
            throw CollabError(.conflict, "'\(member.rawValue.clipped())' already decided on step '\(stepKey)'")
        }
        guard awaiting.contains(member) else {
            throw CollabError(.invalidTransition,
                "it is not yet the turn of '\(member.rawValue.clipped())' on step '\(stepKey)': waiting for "
                    + awaiting.map { "'\($0.rawValue.clipped())'" }.joined(separator: ", "))
        }
        return (seat, signer)
    }

    private func checkNewcomer(_ newMember: Member.ID, field: String, limits: ValidationLimits) throws(CollabError) {
        var report = ValidationReport()
        report.checkText(newMember.rawValue, field: field, maxLength: limits.identifierLength)
        if signers.contains(newMember) {
            report.add(field, .duplicate, "'\(newMember.rawValue.clipped())' already holds a place on step '\(stepKey)'")
        }
        if seats.reduce(0, { $0 + $1.signers.count }) >= limits.memberListLength {
            report.add(field, .tooLong, "step '\(stepKey)' already has \(limits.memberListLength) signers")
        }
        try report.throwIfInvalid()
    }

    private mutating func changed() {
        version += 1
        outcome = computedOutcome()
    }

    private func computedOutcome() -> Outcome {
        guard !seats.isEmpty else { return outcome }
        let approvals = approvals, rejections = rejections
        let undecided = seats.count - approvals - rejections
        switch mode {
        case .any:
            if approvals > 0 { return .approved }
            if rejections > 0 { return .rejected }
            return .pending
        case .all, .quorum:
            let required = requiredApprovals
            if approvals >= required { return .approved }
            if approvals + undecided < required { return .rejected }
            return .pending
        }
    }
}
