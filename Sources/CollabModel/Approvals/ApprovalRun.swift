import Foundation

/// Resolves a step's approvers for an ``ApprovalRun``: the host's or engine's view of the directory, read
/// before the run's pure operations are called.
public protocol ApproverResolver {
    /// The active members `step`'s ``ApprovalStep/approvers`` resolve to for `applicant`, in order.
    func approvers(of step: ApprovalStep, applicant: Member.ID) -> [Member.ID]
    /// The head who takes the applicant's seat under ``ApprovalPolicies/ApplicantIsApprover/passToHead``, or
    /// an approver's place when a timeout escalates: the first active head of `member`'s department or the
    /// departments above it, other than `member`.
    func head(of member: Member.ID) -> Member.ID?
    /// The organization's active administrators, for ``ApprovalPolicies/NobodyToApprove/passToAdministrator``.
    func administrators() -> [Member.ID]
}

/// Approvers already resolved, by step key: an ``ApproverResolver`` made of data, for an engine that reads
/// the directory first and for tests.
public struct ResolvedApprovers: ApproverResolver, Hashable, Sendable, Codable {
    /// The approvers of each step.
    public var byStep: [String: [Member.ID]]
    /// Each member's head.
    public var heads: [Member.ID: Member.ID]
    /// The active administrators.
    public var administratorIDs: [Member.ID]

    /// Creates resolved approvers.
    public init(byStep: [String: [Member.ID]], heads: [Member.ID: Member.ID] = [:], administratorIDs: [Member.ID] = []) {
        self.byStep = byStep
        self.heads = heads
        self.administratorIDs = administratorIDs
    }

    public func approvers(of step: ApprovalStep, applicant: Member.ID) -> [Member.ID] { byStep[step.key] ?? [] }
    public func head(of member: Member.ID) -> Member.ID? { heads[member] }
    public func administrators() -> [Member.ID] { administratorIDs }
}

/// One request going through an approval flow: the pure state of its steps, with 退回 (send back), 撤回
/// (withdraw) and the moves from step to step. The engine stores it, resolves approvers (an
/// ``ApproverResolver``), and sends notices, reminders (催办) and copies (抄送).
///
/// A run stays on the flow version it started on: every operation takes the flow and refuses another
/// version. Every operation names the run's ``version`` it was decided on and bumps it, so a double click or
/// two instances acting on the same stale state act once (the second gets ``CollabError/Code/conflict``).
public struct ApprovalRun: Hashable, Sendable, Codable {
    /// Where the request stands.
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// A step waits for decisions.
        case pending
        /// Sent back to the applicant (退回发起人): waits for them to resubmit or withdraw.
        case returned
        /// Every step on its way approved.
        case approved
        /// A step rejected.
        case rejected
        /// The applicant withdrew it.
        case withdrawn
    }

    /// Where a send-back goes.
    public enum SendBackTarget: Hashable, Sendable, Codable {
        /// To an earlier step, which runs again as a new attempt.
        case step(String)
        /// To the applicant, who may resubmit.
        case applicant
    }

    /// The flow.
    public let flowID: ApprovalFlow.ID
    /// The flow's version at the start; later versions do not change the run.
    public let flowVersion: Int
    /// Who asked.
    public let applicantID: Member.ID
    /// The form's values (replaced when the applicant resubmits).
    public private(set) var values: ApprovalFormValues
    /// Where the request stands.
    public private(set) var status: Status
    /// The attempt under way, while ``status`` is ``Status/pending``.
    public private(set) var current: ApprovalStepState?
    /// The finished attempts, in the order they finished.
    public private(set) var history: [ApprovalStepState]
    /// Moves on every change.
    public private(set) var version: Int

    /// Starts a request: checks the values against the flow and enters its first step that is not skipped
    /// (the request is approved at once when every step is skipped or passes automatically).
    public static func start(
        flow: ApprovalFlow, applicant: Member.ID, values: ApprovalFormValues, resolver: some ApproverResolver,
        limits: ValidationLimits = .default
    ) throws(CollabError) -> ApprovalRun {
        try flow.validate(values: values, limits: limits).throwIfInvalid()
        var run = ApprovalRun(flowID: flow.id, flowVersion: flow.version, applicantID: applicant, values: values)
        try run.proceed(to: flow.firstStep(values: values), flow: flow, resolver: resolver, automaticPasses: true)
        return run
    }

    private init(flowID: ApprovalFlow.ID, flowVersion: Int, applicantID: Member.ID, values: ApprovalFormValues) {
        self.flowID = flowID
        self.flowVersion = flowVersion
        self.applicantID = applicantID
        self.values = values
        self.status = .pending
        self.current = nil
        self.history = []
        self.version = 1
    }

    /// Every attempt, finished and under way, in order.
    public var attempts: [ApprovalStepState] { history + (current.map { [$0] } ?? []) }

    /// Approves `member`'s place on the current step; moves on when the step approves.
    public mutating func approve(
        by member: Member.ID, expectedVersion: Int, flow: ApprovalFlow, resolver: some ApproverResolver
    ) throws(CollabError) {
        var step = try currentStep(expectedVersion: expectedVersion, flow: flow)
        try step.approve(by: member, expectedVersion: step.version)
        try settle(step, flow: flow, resolver: resolver)
    }

    /// Rejects on the current step; the request is rejected when the step rejects.
    public mutating func reject(
        by member: Member.ID, reason: String, expectedVersion: Int, flow: ApprovalFlow, resolver: some ApproverResolver
    ) throws(CollabError) {
        var step = try currentStep(expectedVersion: expectedVersion, flow: flow)
        try step.reject(by: member, reason: reason, expectedVersion: step.version)
        try settle(step, flow: flow, resolver: resolver)
    }

    /// 转交 on the current step (see ``ApprovalStepState/transfer(from:to:expectedVersion:limits:)``).
    public mutating func transfer(
        from member: Member.ID, to newMember: Member.ID, expectedVersion: Int, flow: ApprovalFlow
    ) throws(CollabError) {
        var step = try currentStep(expectedVersion: expectedVersion, flow: flow)
        try step.transfer(from: member, to: newMember, expectedVersion: step.version)
        current = step
        version += 1
    }

    /// 加签 on the current step (see ``ApprovalStepState/addSigner(_:_:by:expectedVersion:limits:)``).
    public mutating func addSigner(
        _ newMember: Member.ID, _ position: SignerPosition, by member: Member.ID, expectedVersion: Int, flow: ApprovalFlow
    ) throws(CollabError) {
        var step = try currentStep(expectedVersion: expectedVersion, flow: flow)
        try step.addSigner(newMember, position, by: member, expectedVersion: step.version)
        current = step
        version += 1
    }

    /// 退回: an approver whose turn it is on the current step sends the request back — to a step that
    /// approved earlier in this request, which runs again as a new attempt without automatic passes and
    /// then goes on by its routes; or to the applicant, who may resubmit or withdraw. The current attempt
    /// ends as ``ApprovalStepState/Outcome/sentBack``; the request stays alive.
    public mutating func sendBack(
        to target: SendBackTarget, by member: Member.ID, reason: String, expectedVersion: Int, flow: ApprovalFlow,
        resolver: some ApproverResolver, limits: ValidationLimits = .default
    ) throws(CollabError) {
        var step = try currentStep(expectedVersion: expectedVersion, flow: flow)
        guard step.awaiting.contains(member) else {
            throw step.signers.contains(member)
                ? CollabError(.invalidTransition, "it is not the turn of '\(member.rawValue.clipped())' on step '\(step.stepKey)'")
                : CollabError(.forbidden, "'\(member.rawValue.clipped())' is not an approver of step '\(step.stepKey)'")
        }
        var report = ValidationReport()
        report.checkText(reason, field: "reason", maxLength: limits.textLength, allowNewlines: true)
        if case .step(let key) = target {
            let currentIndex = flow.steps.firstIndex { $0.key == step.stepKey } ?? 0
            let targetIndex = flow.steps.firstIndex { $0.key == key }
            let ranBefore = history.contains { $0.stepKey == key && $0.outcome == .approved }
            if targetIndex == nil || !ranBefore || (targetIndex ?? 0) >= currentIndex {
                report.add("to", .unknownStep,
                    "'\(key.clipped())' is not a step this request passed before step '\(step.stepKey)'")
            }
        }
        try report.throwIfInvalid()
        step.close(.sentBack)
        history.append(step)
        current = nil
        version += 1
        switch target {
        case .applicant: status = .returned
        case .step(let key):
            try enter(key, flow: flow, resolver: resolver, automaticPasses: false)
        }
    }

    /// Applies the timeout of the attempt `attempt` of step `stepKey` (the engine's timer names both, so a
    /// timer of an attempt that already ended is refused with ``CollabError/Code/conflict``). With
    /// ``ApprovalTimeout/Action/approve`` the undecided seats approve and the request moves on; with
    /// ``ApprovalTimeout/Action/reject`` the step and the request are rejected; with
    /// ``ApprovalTimeout/Action/escalate`` the places of the signers whose turn it is go to their heads
    /// (``ApproverResolver/head(of:)``); ``ApprovalTimeout/Action/remind`` changes nothing (and does not move
    /// the version). Returns whom to remind or tell: the members whose turn it is afterwards.
    @discardableResult
    public mutating func timeOut(
        stepKey: String, attempt: Int, action: ApprovalTimeout.Action, expectedVersion: Int, flow: ApprovalFlow,
        resolver: some ApproverResolver
    ) throws(CollabError) -> [Member.ID] {
        var step = try currentStep(expectedVersion: expectedVersion, flow: flow)
        guard step.stepKey == stepKey, step.attempt == attempt else {
            throw CollabError(.conflict,
                "attempt \(attempt) of step '\(stepKey.clipped())' has ended; the request waits on attempt \(step.attempt) of step '\(step.stepKey)'")
        }
        guard action != .remind else { return step.awaiting }
        step.applyTimeout(action) { resolver.head(of: $0) }
        try settle(step, flow: flow, resolver: resolver)
        return current?.awaiting ?? []
    }

    /// Gives the undecided places of `member` (deactivated while the step waited) to someone else: the step's
    /// approver sources are resolved again and the first active member not already on the step takes each
    /// place; when nobody is left, the flow's ``ApprovalPolicies/nobodyToApprove`` decides — the organization's
    /// first administrator not on the step takes it, or the place passes (``ApprovalPass/noApprover``), or it
    /// rejects. Returns the members who took a place (to tell them); moves the version only when something
    /// changed, and moves the request on when the step decided.
    @discardableResult
    public mutating func replaceApprover(
        _ member: Member.ID, expectedVersion: Int, flow: ApprovalFlow, resolver: some ApproverResolver
    ) throws(CollabError) -> [Member.ID] {
        var step = try currentStep(expectedVersion: expectedVersion, flow: flow)
        guard let definition = flow.step(step.stepKey) else { throw CollabError.notFound("approval step", step.stepKey) }
        var taken: [Member.ID] = []
        var changed = false
        while step.outcome == .pending && step.seats.contains(where: { $0.signers.contains { $0.memberID == member && $0.decision == nil } }) {
            let onStep = Set(step.signers)
            var replacement = resolver.approvers(of: definition, applicant: applicantID)
                .first { $0 != member && !onStep.contains($0) }
            var pass = false
            if replacement == nil {
                switch flow.policies.nobodyToApprove {
                case .approve: pass = true
                case .reject: pass = false
                case .passToAdministrator:
                    replacement = resolver.administrators().first { $0 != member && !onStep.contains($0) }
                }
            }
            guard step.replace(member, with: replacement, passOtherwise: pass) else { break }
            changed = true
            if let replacement { taken.append(replacement) }
        }
        guard changed else { return [] }
        try settle(step, flow: flow, resolver: resolver)
        return taken
    }

    /// 撤回: the applicant withdraws the request, while it waits and nobody has decided on any step after
    /// the request's first (automatic passes do not count), or while it is returned to them.
    public mutating func withdraw(by member: Member.ID, expectedVersion: Int) throws(CollabError) {
        try checkVersion(expectedVersion)
        guard member == applicantID else {
            throw CollabError(.forbidden, "only the applicant may withdraw the request")
        }
        guard status == .pending || status == .returned else {
            throw CollabError(.invalidTransition, "the request is \(status.rawValue) and can no longer be withdrawn")
        }
        let firstKey = attempts.first?.stepKey
        if let decided = attempts.first(where: { $0.stepKey != firstKey && $0.hasPersonalDecision }) {
            throw CollabError(.invalidTransition,
                "step '\(decided.stepKey)' has decided; the request can no longer be withdrawn")
        }
        if var step = current {
            step.close(.withdrawn)
            history.append(step)
            current = nil
        }
        status = .withdrawn
        version += 1
    }

    /// Ends an open request whose subject went away — the work item was cancelled or closed, the adjustment
    /// request withdrawn: the attempt under way ends as withdrawn, and so does the request, whoever decided
    /// before. Throws ``CollabError/Code/invalidTransition`` for a request already approved, rejected or
    /// withdrawn.
    public mutating func abandon(expectedVersion: Int) throws(CollabError) {
        try checkVersion(expectedVersion)
        guard status == .pending || status == .returned else {
            throw CollabError(.invalidTransition, "the request is \(status.rawValue) and can no longer be withdrawn")
        }
        if var step = current {
            step.close(.withdrawn)
            history.append(step)
            current = nil
        }
        status = .withdrawn
        version += 1
    }

    /// Resubmits a request sent back to the applicant, with its values as they are now: it starts again at
    /// the flow's first step, each step as a new attempt, as a new request would (automatic passes apply).
    public mutating func resubmit(
        values: ApprovalFormValues, by member: Member.ID, expectedVersion: Int, flow: ApprovalFlow,
        resolver: some ApproverResolver, limits: ValidationLimits = .default
    ) throws(CollabError) {
        try checkVersion(expectedVersion)
        try checkFlow(flow)
        guard member == applicantID else { throw CollabError(.forbidden, "only the applicant may resubmit the request") }
        guard status == .returned else {
            throw CollabError(.invalidTransition, "the request is \(status.rawValue), not returned to the applicant")
        }
        try flow.validate(values: values, limits: limits).throwIfInvalid()
        self.values = values
        status = .pending
        version += 1
        try proceed(to: flow.firstStep(values: values), flow: flow, resolver: resolver, automaticPasses: true)
    }

    // MARK: - Moving on

    private func checkVersion(_ expectedVersion: Int) throws(CollabError) {
        guard expectedVersion == version else {
            throw CollabError(.conflict,
                "the request is at version \(version), not \(expectedVersion): someone acted first; reload and decide again")
        }
    }

    private func checkFlow(_ flow: ApprovalFlow) throws(CollabError) {
        guard flow.id == flowID, flow.version == flowVersion else {
            throw CollabError.invalid([ValidationProblem(
                field: "flow", kind: .malformed,
                message: "the request runs on flow '\(flowID)' version \(flowVersion), not '\(flow.id)' version \(flow.version)")])
        }
    }

    private func currentStep(expectedVersion: Int, flow: ApprovalFlow) throws(CollabError) -> ApprovalStepState {
        try checkVersion(expectedVersion)
        try checkFlow(flow)
        guard status == .pending, let step = current else {
            throw CollabError(.conflict, "the request is \(status.rawValue); no step waits for a decision")
        }
        return step
    }

    /// Records a changed attempt and moves on when it decided.
    private mutating func settle(_ step: ApprovalStepState, flow: ApprovalFlow, resolver: some ApproverResolver)
        throws(CollabError)
    {
        current = step
        version += 1
        try moveOnIfDecided(flow: flow, resolver: resolver)
    }

    private mutating func moveOnIfDecided(flow: ApprovalFlow, resolver: some ApproverResolver) throws(CollabError) {
        guard let step = current else { return }
        switch step.outcome {
        case .pending, .sentBack, .withdrawn: return
        case .rejected:
            history.append(step)
            current = nil
            status = .rejected
        case .approved:
            history.append(step)
            current = nil
            try proceed(to: flow.nextStep(after: step.stepKey, values: values), flow: flow, resolver: resolver,
                automaticPasses: true)
        }
    }

    private mutating func proceed(
        to target: ApprovalRoute.Target, flow: ApprovalFlow, resolver: some ApproverResolver, automaticPasses: Bool
    ) throws(CollabError) {
        switch target {
        case .finish: status = .approved
        case .step(let key): try enter(key, flow: flow, resolver: resolver, automaticPasses: automaticPasses)
        }
    }

    /// Starts a new attempt of a step, applying the policies; moves on at once when it decided already.
    private mutating func enter(
        _ key: String, flow: ApprovalFlow, resolver: some ApproverResolver, automaticPasses: Bool
    ) throws(CollabError) {
        guard let step = flow.step(key) else { throw CollabError.notFound("approval step", key) }
        let attempt = history.count { $0.stepKey == key } + 1
        let policies = flow.policies
        var approvers = resolver.approvers(of: step, applicant: applicantID)
        var passes: [Member.ID: ApprovalPass] = [:]
        switch policies.applicantIsApprover {
        case .decide: break
        case .skip: if automaticPasses && approvers.contains(applicantID) { passes[applicantID] = .applicant }
        case .passToHead:
            if let index = approvers.firstIndex(of: applicantID) {
                if let head = resolver.head(of: applicantID), head != applicantID {
                    approvers[index] = head
                } else {
                    approvers.remove(at: index)
                }
            }
        }
        if automaticPasses && policies.repeatedApprover == .decideOnce, let previous = history.last,
            previous.outcome == .approved
        {
            for member in approvers where previous.approvers.contains(member) && passes[member] == nil {
                passes[member] = .approvedBefore
            }
        }
        var seen = Set<Member.ID>()
        approvers = approvers.filter { seen.insert($0).inserted }
        if approvers.isEmpty {
            switch policies.nobodyToApprove {
            case .approve:
                current = ApprovalStepState(
                    stepKey: key, attempt: attempt, mode: step.mode, order: step.order, decidedWithoutApprovers: true)
            case .reject:
                current = ApprovalStepState(
                    stepKey: key, attempt: attempt, mode: step.mode, order: step.order, decidedWithoutApprovers: false)
            case .passToAdministrator:
                var seenAdministrators = Set<Member.ID>()
                let administrators = resolver.administrators().filter { seenAdministrators.insert($0).inserted }
                current = administrators.isEmpty
                    ? ApprovalStepState(
                        stepKey: key, attempt: attempt, mode: step.mode, order: step.order, decidedWithoutApprovers: false)
                    : try ApprovalStepState(
                        stepKey: key, attempt: attempt, approvers: administrators, mode: step.mode, order: step.order)
            }
        } else {
            current = try ApprovalStepState(
                stepKey: key, attempt: attempt, approvers: approvers, mode: step.mode, order: step.order, passes: passes)
        }
        status = .pending
        try moveOnIfDecided(flow: flow, resolver: resolver)
    }
}
