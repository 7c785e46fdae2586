import CollabModel
import Foundation

/// Approval flows (every version) and approval requests.
///
/// Used by `ApprovalDesk` (flows, requests and their operations), the engine's timers (step timeouts) and
/// CollabReports (cycle and waiting times).
///
/// Reads run in one read transaction and write nothing; changes are committed with ``ChangeStore/commit(_:)``
/// (``ChangeSet/approvals``). Point reads return `nil` for an unknown record and do not check who may see
/// it: the engine applies the approval rules. Pages are newest first (by creation time, then by id,
/// descending), paged by a cursor of the last entry; a malformed cursor throws
/// `CollabError.Code.invalidInput` (problem `cursor`, kind `malformed`). Otherwise only storage codes are
/// thrown (`storageCorrupt` for a record that cannot be read back).
public protocol ApprovalStore: Sendable {
    /// A version of an approval flow (the latest when `version` is `nil`), or `nil` when the flow or that
    /// version does not exist.
    func approvalFlow(_ id: ApprovalFlow.ID, version: Int?) async throws(CollabError) -> ApprovalFlow?

    /// The latest version of each approval flow of an organization, by name (then by id). Not paged.
    func approvalFlows(in organizationID: Organization.ID) async throws(CollabError) -> [ApprovalFlow]

    /// Every version of an approval flow, oldest first; empty for an unknown flow.
    func approvalFlowVersions(_ id: ApprovalFlow.ID) async throws(CollabError) -> [ApprovalFlow]

    /// The approval request with `id`, or `nil` when there is none.
    func approvalRequest(_ id: ApprovalRequest.ID) async throws(CollabError) -> ApprovalRequest?

    /// An organization's approval requests that match `filter`, newest first (by creation time, then by id,
    /// descending), paged.
    func approvalRequests(in organizationID: Organization.ID, matching filter: ApprovalRequestFilter, page: PageRequest)
        async throws(CollabError) -> Page<ApprovalRequest>
}

/// Which approval requests ``ApprovalStore/approvalRequests(in:matching:page:)`` returns: every condition
/// set must hold.
public struct ApprovalRequestFilter: Hashable, Sendable {
    /// Requests this member is on (`ApprovalRequest.involvedMemberIDs`: applicant, participant or copied).
    public var involving: Member.ID?
    /// Requests waiting for this member (`ApprovalRequest.awaiting`).
    public var awaiting: Member.ID?
    /// Requests this member applied for.
    public var applicant: Member.ID?
    /// Requests in this status.
    public var status: ApprovalRun.Status?
    /// Requests of this flow.
    public var flowID: ApprovalFlow.ID?
    /// Requests approving this (`ApprovalRequest.Subject.stored`).
    public var subject: ApprovalRequest.Subject?
    /// Requests created at or after this instant.
    public var createdFrom: Date?
    /// Requests created before this instant.
    public var createdBefore: Date?

    /// A filter; every condition left `nil` matches every request.
    public init(
        involving: Member.ID? = nil, awaiting: Member.ID? = nil, applicant: Member.ID? = nil,
        status: ApprovalRun.Status? = nil, flowID: ApprovalFlow.ID? = nil, subject: ApprovalRequest.Subject? = nil,
        createdFrom: Date? = nil, createdBefore: Date? = nil
    ) {
        self.involving = involving
        self.awaiting = awaiting
        self.applicant = applicant
        self.status = status
        self.flowID = flowID
        self.subject = subject
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
    }

    /// Every request.
    public static let all = ApprovalRequestFilter()

    /// Whether `request` matches (what a store's query computes; for tests and in-memory stores).
    public func matches(_ request: ApprovalRequest) -> Bool {
        if let involving, !request.involvedMemberIDs.contains(involving) { return false }
        if let awaiting, !request.awaiting.contains(awaiting) { return false }
        if let applicant, request.applicantID != applicant { return false }
        if let status, request.status != status { return false }
        if let flowID, request.flowID != flowID { return false }
        if let subject, request.subject != subject { return false }
        if let createdFrom, request.createdAt < createdFrom { return false }
        if let createdBefore, request.createdAt >= createdBefore { return false }
        return true
    }
}

/// Approval flows and requests written with a change.
public struct ApprovalChanges: Sendable {
    /// New flow versions: a version that exists already fails the commit with `CollabError.Code.conflict`
    /// (two administrators saving the next version at once: one wins).
    public var flows: [ApprovalFlow] = []
    /// New requests (`ApprovalRequest.version` 1) and changed ones, each written only if the stored version
    /// is still `version - 1`; otherwise the commit fails with `CollabError.Code.conflict` and writes nothing.
    public var requests: [ApprovalRequest] = []

    /// Creates an empty set.
    public init() {}

    /// Whether there is nothing to write.
    public var isEmpty: Bool { flows.isEmpty && requests.isEmpty }
}
