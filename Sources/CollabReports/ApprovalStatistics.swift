import CollabModel
import Foundation

/// Figures of approval requests (审批统计): per flow, per step of a flow and per approver — cycle times,
/// waiting times, send-backs and timeouts — computed from the requests' timelines
/// (`CollabModel.ApprovalRequest.events`).
///
/// A pure value: ``init(requests:now:)`` computes it from the requests it is given, with `now` deciding how
/// long the open waits have lasted; ``ReportGenerator/approvalStatistics(of:period:as:)`` reads the requests a
/// reader may see from the store and adds the names of steps and approvers.
///
/// **Units.** Every duration is *wall-clock* time, a `Duration` of whole milliseconds (the stores keep
/// instants to the millisecond): nights, weekends and holidays count like working hours. Means are the sum
/// divided by the count, truncated to the millisecond; medians are the nearest rank (the ⌈n/2⌉-th smallest),
/// as `ReportMetrics` (CollabStore) computes cycle times. Measuring in business time under the
/// organization's calendar, as step timeouts do, is a possible later refinement.
///
/// **What is measured** (the timeline as the engine writes it):
/// - a request's *cycle time* runs from `CollabModel.ApprovalRequest.createdAt` to
///   `CollabModel.ApprovalRequest.finishedAt` (else the time of its `finished` event), for the requests
///   approved, rejected or withdrawn;
/// - a request was *sent back* when its timeline has a `sent_back` event;
/// - an *attempt* of a step starts at its `step_started` event and ends at its `step_finished` event; it was
///   sent back when it finished as `sent_back` or a `sent_back` event names it;
/// - a *timeout* is a `timed_out` event of the step, whatever its action (remind, approve, reject, escalate);
/// - an approver's *waiting time* for a decision (an `approved` or `rejected` event they acted) runs from
///   the later of the attempt's start and the time they got their place on it — a `transferred` or
///   `signer_added` event naming them first in `CollabModel.ApprovalRequest.Event.memberIDs`, a
///   `replaced` event or an escalating `timed_out` event naming them — to the decision. In sequential
///   order (依次审批) a later approver's waiting also counts from the attempt's start, not from their turn;
/// - an *open wait* is a pending request's current attempt waiting for the member
///   (`CollabModel.ApprovalRequest.awaiting`), since the later of the attempt's start and the time they
///   got their place. A request returned to its applicant waits for no approver.
///
/// A decision whose attempt start is not on the timeline (and whose place event is not either) counts as a
/// decision but not in the waiting times.
public struct ApprovalStatistics: Hashable, Sendable, Codable {
    /// How a set of requests ended up, and how long they took.
    public struct Figures: Hashable, Sendable, Codable {
        /// Requests counted.
        public var requests: Int
        /// Still open: pending, or returned to the applicant.
        public var open: Int
        /// Approved.
        public var approved: Int
        /// Rejected.
        public var rejected: Int
        /// Withdrawn by the applicant.
        public var withdrawn: Int
        /// Mean cycle time of the finished requests (approved, rejected or withdrawn); `nil` when none
        /// finished.
        public var cycleTimeMean: Duration?
        /// Median (nearest rank) cycle time of the same; `nil` when none finished.
        public var cycleTimeMedian: Duration?
        /// Requests sent back (退回) at least once, to a step or the applicant.
        public var sentBack: Int

        /// Creates figures.
        public init(
            requests: Int = 0, open: Int = 0, approved: Int = 0, rejected: Int = 0, withdrawn: Int = 0,
            cycleTimeMean: Duration? = nil, cycleTimeMedian: Duration? = nil, sentBack: Int = 0
        ) {
            self.requests = requests
            self.open = open
            self.approved = approved
            self.rejected = rejected
            self.withdrawn = withdrawn
            self.cycleTimeMean = cycleTimeMean
            self.cycleTimeMedian = cycleTimeMedian
            self.sentBack = sentBack
        }

        /// Finished requests: approved, rejected or withdrawn.
        public var finished: Int { approved + rejected + withdrawn }

        /// Requests sent back at least once ÷ requests, 0...1; `nil` when there are no requests (no data is
        /// not 0%).
        public var sentBackShare: Double? { requests == 0 ? nil : Double(sentBack) / Double(requests) }
    }

    /// One step of a flow, over the attempts the requests made of it.
    public struct Step: Hashable, Sendable, Codable {
        /// The step's key (`CollabModel.ApprovalStep.key`).
        public var stepKey: String
        /// The step's name in the flow's latest version, when the generator found it; `nil` otherwise.
        public var stepName: String?
        /// Attempts started (a step sent back to runs again as a new attempt).
        public var attempts: Int
        /// Attempts finished (approved, rejected, sent back or withdrawn).
        public var finishedAttempts: Int
        /// Attempts that sent the request back (to an earlier step or the applicant).
        public var sentBack: Int
        /// Timeouts applied to the step's attempts (`timed_out` events, any action).
        public var timeouts: Int
        /// Mean duration of the finished attempts whose start is on the timeline; `nil` when there is none.
        public var attemptDurationMean: Duration?

        /// Creates a step's figures.
        public init(
            stepKey: String, stepName: String? = nil, attempts: Int = 0, finishedAttempts: Int = 0, sentBack: Int = 0,
            timeouts: Int = 0, attemptDurationMean: Duration? = nil
        ) {
            self.stepKey = stepKey
            self.stepName = stepName
            self.attempts = attempts
            self.finishedAttempts = finishedAttempts
            self.sentBack = sentBack
            self.timeouts = timeouts
            self.attemptDurationMean = attemptDurationMean
        }

        /// Attempts sent back ÷ attempts, 0...1; `nil` when no attempt started.
        public var sentBackShare: Double? { attempts == 0 ? nil : Double(sentBack) / Double(attempts) }
    }

    /// One approval flow.
    public struct Flow: Hashable, Sendable, Codable {
        /// The flow.
        public var flowID: ApprovalFlow.ID
        /// Its name, as the newest of its requests recorded it (`CollabModel.ApprovalRequest.flowName`).
        public var flowName: String
        /// Its requests' figures.
        public var figures: Figures
        /// Its steps: in the flow's order when the generator read the flow, else in the order they were
        /// first started.
        public var steps: [Step]

        /// Creates a flow's figures.
        public init(flowID: ApprovalFlow.ID, flowName: String, figures: Figures, steps: [Step]) {
            self.flowID = flowID
            self.flowName = flowName
            self.figures = figures
            self.steps = steps
        }
    }

    /// One approver (a member who decided or is waited for), across flows.
    public struct Approver: Hashable, Sendable, Codable {
        /// The member.
        public var memberID: Member.ID
        /// Their display name, when the generator looked it up; `nil` otherwise.
        public var name: String?
        /// Decisions they made (approvals and rejections; automatic passes are nobody's decision).
        public var decisions: Int
        /// Of those, approvals.
        public var approvals: Int
        /// Of those, rejections.
        public var rejections: Int
        /// Mean waiting time of their decisions; `nil` when none could be measured.
        public var waitingMean: Duration?
        /// Longest waiting time of their decisions; `nil` when none could be measured.
        public var waitingLongest: Duration?
        /// Pending requests waiting for them now.
        public var openWaits: Int
        /// Since when the oldest of those waits; `nil` when nothing waits for them (or the start is not on
        /// the timeline).
        public var oldestOpenWaitSince: Date?
        /// How long the oldest of those has waited at the statistics' ``ApprovalStatistics/generatedAt``.
        public var oldestOpenWait: Duration?

        /// Creates an approver's figures.
        public init(
            memberID: Member.ID, name: String? = nil, decisions: Int = 0, approvals: Int = 0, rejections: Int = 0,
            waitingMean: Duration? = nil, waitingLongest: Duration? = nil, openWaits: Int = 0,
            oldestOpenWaitSince: Date? = nil, oldestOpenWait: Duration? = nil
        ) {
            self.memberID = memberID
            self.name = name
            self.decisions = decisions
            self.approvals = approvals
            self.rejections = rejections
            self.waitingMean = waitingMean
            self.waitingLongest = waitingLongest
            self.openWaits = openWaits
            self.oldestOpenWaitSince = oldestOpenWaitSince
            self.oldestOpenWait = oldestOpenWait
        }
    }

    /// The "now" the open waits were measured at.
    public var generatedAt: Date
    /// Every request counted, once.
    public var total: Figures
    /// One entry per flow, by name then id.
    public var flows: [Flow]
    /// One entry per member who decided or is waited for, by member id.
    public var approvers: [Approver]

    /// Creates statistics from figures computed elsewhere.
    public init(generatedAt: Date, total: Figures, flows: [Flow], approvers: [Approver]) {
        self.generatedAt = generatedAt
        self.total = total
        self.flows = flows
        self.approvers = approvers
    }

    /// No request: what a ``Dashboard`` decoded from before approval reports carries.
    public static let empty = ApprovalStatistics(
        generatedAt: Date(timeIntervalSince1970: 0), total: Figures(), flows: [], approvers: [])

    /// Computes the statistics of `requests` (each counted once, whatever the order), measuring open waits
    /// at `now`. Pure: the same requests and `now` give the same value.
    public init(requests: some Sequence<ApprovalRequest>, now: Date) {
        var seen = Set<ApprovalRequest.ID>()
        let sorted = requests.filter { seen.insert($0.id).inserted }
            .sorted { ($0.createdAt, $0.id.rawValue) < ($1.createdAt, $1.id.rawValue) }
        var total = FiguresTally()
        var flows: [ApprovalFlow.ID: FlowTally] = [:]
        var approvers: [Member.ID: ApproverTally] = [:]

        for request in sorted {
            let timeline = Timeline(request)
            total.add(request, timeline)
            var flow = flows[request.flowID] ?? FlowTally(name: request.flowName)
            flow.name = request.flowName  // requests come oldest first: the newest name wins
            flow.figures.add(request, timeline)
            for attempt in timeline.startedAttempts {
                flow.step(attempt.stepKey) { $0.attempts += 1 }
            }
            for attempt in timeline.finishedOrder {
                guard let end = timeline.finishedAttempts[attempt] else { continue }
                flow.step(attempt.stepKey) { step in
                    step.finished += 1
                    if let start = timeline.starts[attempt] { step.durations.append(Self.milliseconds(end.timeIntervalSince(start))) }
                    if timeline.sentBackAttempts.contains(attempt) { step.sentBack += 1 }
                }
            }
            for attempt in timeline.sentBackOrder where timeline.finishedAttempts[attempt] == nil {
                flow.step(attempt.stepKey) { $0.sentBack += 1 }
            }
            for event in request.events where event.action == .timedOut {
                if let key = event.stepKey { flow.step(key) { $0.timeouts += 1 } }
            }
            flows[request.flowID] = flow

            for event in request.events where event.action == .approved || event.action == .rejected {
                guard let member = event.actorID else { continue }
                var approver = approvers[member] ?? ApproverTally()
                approver.decisions += 1
                if event.action == .approved { approver.approvals += 1 } else { approver.rejections += 1 }
                if let since = timeline.waitingSince(member, event.stepKey, event.attempt, before: event.at) {
                    approver.waits.append(Self.milliseconds(event.at.timeIntervalSince(since)))
                }
                approvers[member] = approver
            }
            if request.status == .pending, let current = request.run.current {
                for member in Set(request.awaiting) {
                    var approver = approvers[member] ?? ApproverTally()
                    approver.openWaits += 1
                    if let since = timeline.waitingSince(member, current.stepKey, current.attempt, before: now) {
                        approver.oldestOpenSince = min(approver.oldestOpenSince ?? since, since)
                    }
                    approvers[member] = approver
                }
            }
        }

        self.generatedAt = now
        self.total = total.figures
        self.flows = flows.map { id, tally in
            Flow(flowID: id, flowName: tally.name, figures: tally.figures.figures, steps: tally.stepOrder.compactMap { key in
                tally.steps[key].map { step in
                    Step(
                        stepKey: key, attempts: step.attempts, finishedAttempts: step.finished, sentBack: step.sentBack,
                        timeouts: step.timeouts, attemptDurationMean: Self.mean(step.durations))
                }
            })
        }.sorted { ($0.flowName, $0.flowID.rawValue) < ($1.flowName, $1.flowID.rawValue) }
        self.approvers = approvers.map { member, tally in
            Approver(
                memberID: member, decisions: tally.decisions, approvals: tally.approvals, rejections: tally.rejections,
                waitingMean: Self.mean(tally.waits), waitingLongest: tally.waits.max().map { .milliseconds($0) },
                openWaits: tally.openWaits, oldestOpenWaitSince: tally.oldestOpenSince,
                oldestOpenWait: tally.oldestOpenSince.map { .milliseconds(Self.milliseconds(now.timeIntervalSince($0))) })
        }.sorted { $0.memberID.rawValue < $1.memberID.rawValue }
    }

    // MARK: Arithmetic

    /// Whole milliseconds of a non-negative interval (a negative one, from a clock set back, counts as 0).
    static func milliseconds(_ interval: TimeInterval) -> Int64 {
        guard interval.isFinite, interval > 0 else { return 0 }
        return Int64((interval * 1000).rounded())
    }

    /// Sum ÷ count, truncated to the millisecond.
    static func mean(_ values: [Int64]) -> Duration? {
        values.isEmpty ? nil : .milliseconds(values.reduce(0, +) / Int64(values.count))
    }

    /// The ⌈n/2⌉-th smallest.
    static func median(_ values: [Int64]) -> Duration? {
        guard !values.isEmpty else { return nil }
        return .milliseconds(values.sorted()[(values.count + 1) / 2 - 1])
    }
}

// MARK: - Tallies

/// One attempt of one step of a request.
private struct AttemptKey: Hashable {
    var stepKey: String
    var attempt: Int
}

/// What a request's timeline says about its attempts and places.
private struct Timeline {
    /// Attempts in the order they started.
    var startedAttempts: [AttemptKey] = []
    /// Each attempt's start (its first `step_started` event).
    var starts: [AttemptKey: Date] = [:]
    /// Each attempt's end (its last `step_finished` event).
    var finishedAttempts: [AttemptKey: Date] = [:]
    /// The finished attempts in the order they first finished.
    var finishedOrder: [AttemptKey] = []
    /// The attempts that sent the request back.
    var sentBackAttempts = Set<AttemptKey>()
    /// The same, in the order they were first named.
    var sentBackOrder: [AttemptKey] = []
    /// When each member got a place on an attempt, oldest first.
    var places: [AttemptKey: [(member: Member.ID, at: Date)]] = [:]
    /// Whether the request was sent back at least once.
    var wasSentBack = false
    /// The time of the `finished` event, if any.
    var finishedAt: Date?

    init(_ request: ApprovalRequest) {
        for event in request.events {
            let key = event.stepKey.flatMap { step in event.attempt.map { AttemptKey(stepKey: step, attempt: $0) } }
            switch event.action {
            case .stepStarted:
                if let key, starts[key] == nil {
                    starts[key] = event.at
                    startedAttempts.append(key)
                }
            case .stepFinished:
                if let key {
                    if finishedAttempts.updateValue(event.at, forKey: key) == nil { finishedOrder.append(key) }
                    if event.outcome == ApprovalStepState.Outcome.sentBack.rawValue { sentBack(key) }
                }
            case .sentBack:
                wasSentBack = true
                if let key { sentBack(key) }
            case .transferred, .signerAdded:
                if let key, let member = event.memberIDs.first { places[key, default: []].append((member, event.at)) }
            case .replaced:
                if let key { for member in event.memberIDs { places[key, default: []].append((member, event.at)) } }
            case .timedOut:
                if let key, event.detail == ApprovalTimeout.Action.escalate.rawValue {
                    for member in event.memberIDs { places[key, default: []].append((member, event.at)) }
                }
            case .finished:
                finishedAt = event.at
            case .submitted, .resubmitted, .approved, .rejected, .withdrawn, .reminded, .copied:
                break
            }
        }
    }

    private mutating func sentBack(_ key: AttemptKey) {
        if sentBackAttempts.insert(key).inserted { sentBackOrder.append(key) }
    }

    /// Since when `member` waited on the attempt, as of `instant`: the later of its start and the last time
    /// they got a place on it at or before `instant`; `nil` when neither is on the timeline.
    func waitingSince(_ member: Member.ID, _ stepKey: String?, _ attempt: Int?, before instant: Date) -> Date? {
        guard let stepKey, let attempt else { return nil }
        let key = AttemptKey(stepKey: stepKey, attempt: attempt)
        let place = places[key]?.last { $0.member == member && $0.at <= instant }?.at
        switch (starts[key], place) {
        case (let start?, let place?): return max(start, place)
        case (let start?, nil): return start
        case (nil, let place?): return place
        case (nil, nil): return nil
        }
    }
}

private struct FiguresTally {
    var counts = ApprovalStatistics.Figures()
    var cycles: [Int64] = []

    /// The counts with the cycle times of the finished requests.
    var figures: ApprovalStatistics.Figures {
        var result = counts
        result.cycleTimeMean = ApprovalStatistics.mean(cycles)
        result.cycleTimeMedian = ApprovalStatistics.median(cycles)
        return result
    }

    mutating func add(_ request: ApprovalRequest, _ timeline: Timeline) {
        counts.requests += 1
        switch request.status {
        case .pending, .returned: counts.open += 1
        case .approved: counts.approved += 1
        case .rejected: counts.rejected += 1
        case .withdrawn: counts.withdrawn += 1
        }
        if !request.isOpen, let end = request.finishedAt ?? timeline.finishedAt {
            cycles.append(ApprovalStatistics.milliseconds(end.timeIntervalSince(request.createdAt)))
        }
        if timeline.wasSentBack { counts.sentBack += 1 }
    }
}

private struct StepTally {
    var attempts = 0
    var finished = 0
    var sentBack = 0
    var timeouts = 0
    var durations: [Int64] = []
}

private struct FlowTally {
    var name: String
    var figures = FiguresTally()
    var steps: [String: StepTally] = [:]
    var stepOrder: [String] = []

    init(name: String) { self.name = name }

    mutating func step(_ key: String, _ change: (inout StepTally) -> Void) {
        if steps[key] == nil {
            steps[key] = StepTally()
            stepOrder.append(key)
        }
        if var tally = steps[key] {
            change(&tally)
            steps[key] = tally
        }
    }
}

private struct ApproverTally {
    var decisions = 0
    var approvals = 0
    var rejections = 0
    var waits: [Int64] = []
    var openWaits = 0
    var oldestOpenSince: Date?
}
