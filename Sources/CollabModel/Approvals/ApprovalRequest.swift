import Foundation

/// One approval request (审批单) as Collab stores it: the running ``ApprovalRun`` with what the engine keeps
/// around it — the title, what the request approves, who is copied (抄送), and a timeline with the time of
/// every step and decision, from which the reports measure cycle and waiting times.
///
/// The record's ``version`` is its optimistic lock: it moves on every change (a decision, a reminder, a
/// copy), and a change commits only on the version it was planned from. Commands name the run's version
/// (``ApprovalRun/version``) instead, which moves only when the steps change, so a reminder never makes an
/// approver's decision stale.
public struct ApprovalRequest: Identifiable, Hashable, Sendable, Codable {
    /// A request's identifier.
    public typealias ID = Identifier<ApprovalRequest>

    /// What a request approves.
    public enum Subject: Hashable, Sendable, Codable, CustomStringConvertible {
        /// Nothing but itself: a purchase, a leave, an expense — its form is the business data.
        case standalone
        /// The work submitted for review on a work item: the item is approved (or rejected) when the request
        /// finishes, in the same commit.
        case workItemReview(WorkItem.ID)
        /// An adjustment request of a work item (a new deadline, a change of scope): it is decided when the
        /// request finishes, in the same commit.
        case adjustment(AdjustmentRequest.ID, item: WorkItem.ID)

        /// The work item the request belongs to, if any.
        public var workItemID: WorkItem.ID? {
            switch self {
            case .standalone: nil
            case .workItemReview(let item), .adjustment(_, let item): item
            }
        }

        /// `standalone`, `review:<item>` or `adjustment:<request>`: how stores index it.
        public var stored: String {
            switch self {
            case .standalone: "standalone"
            case .workItemReview(let item): "review:\(item.rawValue)"
            case .adjustment(let request, _): "adjustment:\(request.rawValue)"
            }
        }

        public var description: String { stored }
    }

    /// One entry of a request's timeline.
    public struct Event: Hashable, Sendable, Codable {
        /// What happened.
        public enum Action: String, Hashable, Sendable, Codable, CaseIterable {
            /// The applicant submitted the request.
            case submitted
            /// An attempt of a step started (its ``Event/stepKey`` and ``Event/attempt``).
            case stepStarted = "step_started"
            /// An attempt of a step ended (``Event/outcome``).
            case stepFinished = "step_finished"
            /// A signer approved.
            case approved
            /// A signer rejected (``Event/reason``).
            case rejected
            /// 转交: a signer gave their place to ``Event/memberIDs``.
            case transferred
            /// 加签: a signer added ``Event/memberIDs`` before or after themselves (``Event/detail``).
            case signerAdded = "signer_added"
            /// 退回: sent back to a step or the applicant (``Event/detail``: the step's key or `applicant`).
            case sentBack = "sent_back"
            /// The applicant resubmitted after a send-back to them.
            case resubmitted
            /// 撤回: the applicant withdrew the request.
            case withdrawn
            /// 催办: ``Event/memberIDs`` were reminded (by ``Event/actorID``, or by the step's timeout).
            case reminded
            /// 抄送: ``Event/memberIDs`` were copied.
            case copied
            /// A step's timeout applied its action (``Event/detail``); ``Event/memberIDs`` are the new holders of
            /// an escalation, and those who were waiting otherwise.
            case timedOut = "timed_out"
            /// A deactivated approver's place went to ``Event/memberIDs`` (or passed or rejected).
            case replaced
            /// The request finished (``Event/outcome``: approved, rejected or withdrawn).
            case finished
        }

        /// When.
        public var at: Date
        /// Who acted; `nil` for the engine (a timeout, a replacement).
        public var actorID: Member.ID?
        /// What happened.
        public var action: Action
        /// The step concerned.
        public var stepKey: String?
        /// The attempt of the step concerned.
        public var attempt: Int?
        /// Members the action concerns: a transfer's new holder, an added signer, those reminded or copied.
        public var memberIDs: [Member.ID]
        /// The outcome of a finished attempt or request (``ApprovalStepState/Outcome`` or
        /// ``ApprovalRun/Status`` raw values).
        public var outcome: String?
        /// A rejection's or send-back's reason.
        public var reason: String?
        /// More about the action: a signer's position, a send-back's target, a timeout's action.
        public var detail: String?

        /// Creates an event.
        public init(
            at: Date, actorID: Member.ID?, action: Action, stepKey: String? = nil, attempt: Int? = nil,
            memberIDs: [Member.ID] = [], outcome: String? = nil, reason: String? = nil, detail: String? = nil
        ) {
            self.at = at
            self.actorID = actorID
            self.action = action
            self.stepKey = stepKey
            self.attempt = attempt
            self.memberIDs = memberIDs
            self.outcome = outcome
            self.reason = reason
            self.detail = detail
        }
    }

    /// The identifier.
    public var id: ID
    /// The organization.
    public var organizationID: Organization.ID
    /// The title people see in lists and notices ("采购申请 · 12,500 · IT").
    public var title: String
    /// The flow's name at the start.
    public var flowName: String
    /// What the request approves.
    public var subject: Subject
    /// The applicant's department at the start (for the department board), if they had one.
    public var departmentID: Department.ID?
    /// The steps' state.
    public var run: ApprovalRun
    /// Who is copied (抄送): they may read the request and are told how it ends; they never decide.
    public var ccIDs: [Member.ID]
    /// The timeline, oldest first.
    public var events: [Event]
    /// When the applicant submitted it.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// When it was approved, rejected or withdrawn.
    public var finishedAt: Date?
    /// When a member last reminded the current step's approvers (催办 is rate-limited).
    public var remindedAt: Date?
    /// The record's version: 1 when created, one more for each change.
    public var version: Int

    /// Creates a request record.
    public init(
        id: ID, organizationID: Organization.ID, title: String, flowName: String, subject: Subject,
        departmentID: Department.ID?, run: ApprovalRun, ccIDs: [Member.ID] = [], events: [Event] = [],
        createdAt: Date, updatedAt: Date? = nil, finishedAt: Date? = nil, remindedAt: Date? = nil, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.title = title
        self.flowName = flowName
        self.subject = subject
        self.departmentID = departmentID
        self.run = run
        self.ccIDs = ccIDs
        self.events = events
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.finishedAt = finishedAt
        self.remindedAt = remindedAt
        self.version = version
    }

    /// The flow.
    public var flowID: ApprovalFlow.ID { run.flowID }
    /// The flow version it runs on.
    public var flowVersion: Int { run.flowVersion }
    /// Who asked.
    public var applicantID: Member.ID { run.applicantID }
    /// Where it stands.
    public var status: ApprovalRun.Status { run.status }
    /// Whether it is still open: pending, or returned to the applicant.
    public var isOpen: Bool { status == .pending || status == .returned }
    /// Who may act on it now: the approvers whose turn it is, or the applicant of a returned request.
    public var awaiting: [Member.ID] {
        switch status {
        case .pending: run.current?.awaiting ?? []
        case .returned: [applicantID]
        case .approved, .rejected, .withdrawn: []
        }
    }

    /// Everyone who ever held or gave up a place on one of its steps (approvers, signers added, those who
    /// transferred their place).
    public var participantIDs: Set<Member.ID> {
        var members = Set<Member.ID>()
        for attempt in run.attempts {
            for seat in attempt.seats {
                for signer in seat.signers {
                    members.insert(signer.memberID)
                    members.formUnion(signer.transferredFrom)
                    if let adder = signer.addedBy { members.insert(adder) }
                }
            }
        }
        return members
    }

    /// Everyone who may read it by being on it: the applicant, the participants and those copied.
    public var involvedMemberIDs: Set<Member.ID> {
        participantIDs.union(ccIDs).union([applicantID])
    }
}
