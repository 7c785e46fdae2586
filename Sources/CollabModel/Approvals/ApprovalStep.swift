import Foundation

/// Where a step's approvers come from. The engine resolves sources against the directory when the step
/// starts (an attempt keeps the approvers it started with); a deactivated member is never resolved.
public enum ApproverSource: Hashable, Sendable, Codable {
    /// Named members, in this order.
    case members(ids: [Member.ID])
    /// Every active member holding `role` in `department` (not its sub-departments).
    case role(role: DepartmentMembership.Role, department: Department.ID)
    /// The heads of the applicant's department, then those of its parent, and so on: `levels` departments
    /// up the tree (1 is the applicant's own department's heads).
    case applicantHeads(levels: Int)
    /// The heads of a department.
    case departmentHeads(department: Department.ID)
    /// A group the host resolves by name ("it-asset-admins").
    case group(name: String)
    /// Who decides the request's subject alone when no flow is bound: a work item's reviewer for a review
    /// (``ApprovalRequest/Subject/workItemReview(_:)``), its initiator for an adjustment request. Nobody for a
    /// standalone request. In JSON: `{"decider": {}}`.
    case decider
}

/// How many of a quorum step's approvers must approve (票签).
///
/// In JSON: `{"count": 2}` or `{"numerator": 2, "denominator": 3}`.
public enum ApprovalQuorum: Hashable, Sendable, Codable {
    /// At least this many approvers.
    case count(Int)
    /// At least this share of the approvers, rounded up: 2/3 of 4 approvers is 3.
    case share(numerator: Int, denominator: Int)

    /// How many approvals out of `approvers` the quorum needs: never more than `approvers` (a count larger
    /// than the approvers a step resolved to needs every one of them) and, for any approvers, at least 1.
    public func required(of approvers: Int) -> Int {
        guard approvers > 0 else { return 0 }
        switch self {
        case .count(let count): return min(max(count, 1), approvers)
        case .share(let numerator, let denominator):
            guard denominator > 0, numerator > 0 else { return 1 }
            let (product, overflow) = approvers.multipliedReportingOverflow(by: numerator)
            if overflow { return approvers }
            return min(max((product + denominator - 1) / denominator, 1), approvers)
        }
    }

    private enum CodingKeys: String, CodingKey { case count, numerator, denominator }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let count = try container.decodeIfPresent(Int.self, forKey: .count) {
            self = .count(count)
        } else {
            self = .share(
                numerator: try container.decode(Int.self, forKey: .numerator),
                denominator: try container.decode(Int.self, forKey: .denominator))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .count(let count): try container.encode(count, forKey: .count)
        case .share(let numerator, let denominator):
            try container.encode(numerator, forKey: .numerator)
            try container.encode(denominator, forKey: .denominator)
        }
    }
}

/// How a step's approvers decide. Decisions count by *seat*: each resolved approver holds one seat, and the
/// signers added to a seat (加签) decide with its holder — the seat approves when all of them approved and
/// rejects when one of them rejects. Transfers and added signers never change the number of seats.
///
/// In JSON: `"all"`, `"any"`, or `{"quorum": {"count": 2}}`.
public enum ApprovalMode: Hashable, Sendable, Codable {
    /// 会签: approved when every seat approved; rejected on the first rejection.
    case all
    /// 或签: the first seat to decide decides the step, either way.
    case any
    /// 票签: approved as soon as ``ApprovalQuorum/required(of:)`` seats approved; rejected as soon as the
    /// approvals plus the seats still undecided fall below it — the moment the quorum can no longer be
    /// reached, and not before.
    case quorum(ApprovalQuorum)

    private enum CodingKeys: String, CodingKey { case quorum }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            switch text {
            case "all": self = .all
            case "any": self = .any
            default:
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "'\(text.clipped())' is not all, any or {\"quorum\": …}"))
            }
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self = .quorum(try container.decode(ApprovalQuorum.self, forKey: .quorum))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .all:
            var container = encoder.singleValueContainer()
            try container.encode("all")
        case .any:
            var container = encoder.singleValueContainer()
            try container.encode("any")
        case .quorum(let quorum):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(quorum, forKey: .quorum)
        }
    }
}

/// Whether a step's seats decide together or one after the other.
public enum ApprovalOrder: String, Hashable, Sendable, Codable, CaseIterable {
    /// Every seat may decide at once.
    case parallel
    /// 依次审批: the seats decide in the order the approvers resolved, each after the one before decided.
    /// With ``ApprovalMode/all`` the first rejection ends the step; with a quorum a rejection passes the turn
    /// on until the quorum is reached or cannot be. Not allowed with ``ApprovalMode/any``, where only the
    /// first approver would ever decide.
    case sequential
}

/// Where a request goes after a step approved (or was skipped).
public struct ApprovalRoute: Hashable, Sendable, Codable {
    /// A route's destination.
    ///
    /// In JSON: `{"step": "finance"}` or `"finish"`.
    public enum Target: Hashable, Sendable, Codable, CustomStringConvertible {
        /// The step with this key, which must come later in the flow's list.
        case step(String)
        /// The request is approved.
        case finish

        private enum CodingKeys: String, CodingKey { case step }

        public init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                guard text == "finish" else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: decoder.codingPath, debugDescription: "'\(text.clipped())' is not \"finish\" or {\"step\": …}"))
                }
                self = .finish
                return
            }
            self = .step(try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .step))
        }

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .finish:
                var container = encoder.singleValueContainer()
                try container.encode("finish")
            case .step(let key):
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(key, forKey: .step)
            }
        }

        public var description: String {
            switch self {
            case .step(let key): "step '\(key.clipped())'"
            case .finish: "finish"
            }
        }
    }

    /// When the route applies; `nil` always (the last route of a step must have none).
    public var when: ApprovalCondition?
    /// Where it leads.
    public var to: Target

    /// Creates a route.
    public init(when: ApprovalCondition? = nil, to: Target) {
        self.when = when
        self.to = to
    }
}

/// What happens when a step stays undecided for too long.
///
/// In JSON: `{"workingSeconds": 28800, "action": "remind"}`.
public struct ApprovalTimeout: Hashable, Sendable, Codable {
    /// What the engine does when the time is up.
    public enum Action: String, Hashable, Sendable, Codable, CaseIterable {
        /// 催办: remind the approvers whose turn it is (again after each further period).
        case remind
        /// Approve the step on behalf of the seats still undecided.
        case approve
        /// Reject the step (and so the request).
        case reject
        /// Transfer (转交) the place of each signer whose turn it is to their head.
        case escalate
    }

    /// The business time (under the organization's ``BusinessCalendar``) from the attempt's start.
    public var after: Duration
    /// What happens then.
    public var action: Action

    /// Creates a timeout.
    public init(after: Duration, action: Action) {
        self.after = after
        self.action = action
    }

    private enum CodingKeys: String, CodingKey { case workingSeconds, action }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.after = .seconds(try container.decode(Int64.self, forKey: .workingSeconds))
        self.action = try container.decode(Action.self, forKey: .action)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(after.components.seconds, forKey: .workingSeconds)
        try container.encode(action, forKey: .action)
    }
}

/// One step of an approval flow.
///
/// Routing: a request starts at the flow's first step. A step whose ``skipWhen`` holds for the request's
/// values is passed through without anyone deciding; a step that approved, or was skipped, goes on by the
/// first of its ``next`` routes whose condition holds. An empty ``next`` goes on to the following step of
/// the flow's list (to ``ApprovalRoute/Target/finish`` after the last). Routes only go forward; going back
/// is a send-back (退回), never a route.
public struct ApprovalStep: Hashable, Sendable, Codable {
    /// The stable key routes, runs and problems name the step by: a letter, then letters, digits, `_` or `-`.
    public var key: String
    /// What approvers see ("财务审核").
    public var name: String
    /// Where the approvers come from; their union, in this order, without repeats.
    public var approvers: [ApproverSource]
    /// How the seats decide (``ApprovalMode/all`` by default).
    public var mode: ApprovalMode
    /// At once or in turn (``ApprovalOrder/parallel`` by default).
    public var order: ApprovalOrder
    /// 抄送: who may read the request and is told of the step's outcome, without deciding.
    public var cc: [ApproverSource]
    /// When this holds, the step is passed through.
    public var skipWhen: ApprovalCondition?
    /// Where to go after the step; see the type's description.
    public var next: [ApprovalRoute]
    /// The step's timeout; `nil` takes the flow's ``ApprovalPolicies/timeout``.
    public var timeout: ApprovalTimeout?

    /// Creates a step.
    public init(
        key: String, name: String, approvers: [ApproverSource], mode: ApprovalMode = .all,
        order: ApprovalOrder = .parallel, cc: [ApproverSource] = [], skipWhen: ApprovalCondition? = nil,
        next: [ApprovalRoute] = [], timeout: ApprovalTimeout? = nil
    ) {
        self.key = key
        self.name = name
        self.approvers = approvers
        self.mode = mode
        self.order = order
        self.cc = cc
        self.skipWhen = skipWhen
        self.next = next
        self.timeout = timeout
    }

    private enum CodingKeys: String, CodingKey {
        case key, name, approvers, mode, order, cc, skipWhen, next, timeout
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.key = try container.decode(String.self, forKey: .key)
        self.name = try container.decode(String.self, forKey: .name)
        self.approvers = try container.decode([ApproverSource].self, forKey: .approvers)
        self.mode = try container.decodeIfPresent(ApprovalMode.self, forKey: .mode) ?? .all
        self.order = try container.decodeIfPresent(ApprovalOrder.self, forKey: .order) ?? .parallel
        self.cc = try container.decodeIfPresent([ApproverSource].self, forKey: .cc) ?? []
        self.skipWhen = try container.decodeIfPresent(ApprovalCondition.self, forKey: .skipWhen)
        self.next = try container.decodeIfPresent([ApprovalRoute].self, forKey: .next) ?? []
        self.timeout = try container.decodeIfPresent(ApprovalTimeout.self, forKey: .timeout)
    }
}
