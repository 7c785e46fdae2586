/// How a flow handles the edge cases of resolving and deciding steps. Every policy has a default.
///
/// Fixed behaviour, not a policy: a deactivated member is never resolved as an approver; when an approver
/// is deactivated while their seat is undecided, the engine resolves the step's sources again and gives the
/// seat to whom they resolve to now (or applies ``nobodyToApprove`` when that is nobody).
///
/// Automatic passes (``applicantIsApprover`` `skip`, ``repeatedApprover`` `decideOnce`) never apply to an
/// attempt started by a send-back (退回): the step was sent back so that people decide it again.
public struct ApprovalPolicies: Hashable, Sendable, Codable {
    /// When the applicant is among a step's approvers.
    public enum ApplicantIsApprover: String, Hashable, Sendable, Codable, CaseIterable {
        /// The applicant's seat approves automatically (the default): nobody approves their own request.
        case skip
        /// The applicant decides like any approver.
        case decide
        /// The applicant's seat goes to the head of their department (the engine resolves the head).
        case passToHead = "pass_to_head"
    }

    /// When a member approved the step just before and is an approver of this one too.
    public enum RepeatedApprover: String, Hashable, Sendable, Codable, CaseIterable {
        /// Their seat approves automatically (the default).
        case decideOnce = "decide_once"
        /// They decide again.
        case eachTime = "each_time"
    }

    /// When a step's approvers resolve to nobody (an empty department, a vacant head).
    public enum NobodyToApprove: String, Hashable, Sendable, Codable, CaseIterable {
        /// The organization's administrators become the step's approvers (the default); with no active
        /// administrator either, the step is rejected.
        case passToAdministrator = "pass_to_administrator"
        /// The step approves automatically.
        case approve
        /// The step rejects, and so the request.
        case reject
    }

    /// When the applicant is an approver (``ApplicantIsApprover/skip`` by default).
    public var applicantIsApprover: ApplicantIsApprover
    /// When an approver of the step before is an approver again (``RepeatedApprover/decideOnce`` by default).
    public var repeatedApprover: RepeatedApprover
    /// When a step resolves to nobody (``NobodyToApprove/passToAdministrator`` by default).
    public var nobodyToApprove: NobodyToApprove
    /// The timeout of the steps that name none: by default, a reminder after 8 working hours (one working
    /// day of ``BusinessCalendar/standard(timeZoneIdentifier:)``); `nil` for none.
    public var timeout: ApprovalTimeout?

    /// Creates policies; every one has its default.
    public init(
        applicantIsApprover: ApplicantIsApprover = .skip, repeatedApprover: RepeatedApprover = .decideOnce,
        nobodyToApprove: NobodyToApprove = .passToAdministrator,
        timeout: ApprovalTimeout? = ApprovalTimeout(after: .seconds(8 * 3600), action: .remind)
    ) {
        self.applicantIsApprover = applicantIsApprover
        self.repeatedApprover = repeatedApprover
        self.nobodyToApprove = nobodyToApprove
        self.timeout = timeout
    }

    /// The defaults.
    public static let `default` = ApprovalPolicies()

    private enum CodingKeys: String, CodingKey { case applicantIsApprover, repeatedApprover, nobodyToApprove, timeout }

    /// Decodes policies; a policy left out takes its default (`"timeout": null` turns timeouts off).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ApprovalPolicies()
        self.applicantIsApprover = try container.decodeIfPresent(ApplicantIsApprover.self, forKey: .applicantIsApprover)
            ?? defaults.applicantIsApprover
        self.repeatedApprover = try container.decodeIfPresent(RepeatedApprover.self, forKey: .repeatedApprover)
            ?? defaults.repeatedApprover
        self.nobodyToApprove = try container.decodeIfPresent(NobodyToApprove.self, forKey: .nobodyToApprove)
            ?? defaults.nobodyToApprove
        self.timeout = container.contains(.timeout)
            ? try container.decodeIfPresent(ApprovalTimeout.self, forKey: .timeout) : defaults.timeout
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(applicantIsApprover, forKey: .applicantIsApprover)
        try container.encode(repeatedApprover, forKey: .repeatedApprover)
        try container.encode(nobodyToApprove, forKey: .nobodyToApprove)
        try container.encode(timeout, forKey: .timeout)
    }
}
