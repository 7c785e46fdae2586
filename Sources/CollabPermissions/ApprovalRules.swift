import CollabModel

/// Who may see and do what with approval flows and requests.
///
/// Approvals are internal to their organization: members of outside organizations never see a flow or a
/// request, whatever their role, and deactivated members see none. A request is seen by who is on it — its
/// applicant, everyone who holds or held a place on one of its steps, those copied (抄送) — and by the
/// organization's administrators and auditors; nobody else, department heads included (a head sees a request
/// only when a step puts them on it). A request someone may not see reads as one that does not exist.
///
/// The rules decide *who may try*; the request's own state decides the rest (`ApprovalRun`): whose turn
/// it is, whether the step still waits, whether the version is current.
public enum ApprovalRules {
    private static func isInside(_ subject: Subject, _ organizationID: Organization.ID) -> Bool {
        subject.organizationID == organizationID && !subject.isExternal && subject.isActive
    }

    private static func isOverseer(_ subject: Subject) -> Bool {
        subject.isAdministrator || subject.roles.contains(.auditor)
    }

    /// Whether `subject` may save approval flows of `organizationID`: its administrators.
    public static func canDefineFlows(_ subject: Subject, in organizationID: Organization.ID) -> Bool {
        isInside(subject, organizationID) && subject.isAdministrator
    }

    /// Whether `subject` may read the flows of `organizationID` and submit requests on them: any active member
    /// of the organization itself.
    public static func canSubmit(_ subject: Subject, in organizationID: Organization.ID) -> Bool {
        isInside(subject, organizationID)
    }

    /// Whether `subject` sees `request`: who is on it (`ApprovalRequest.involvedMemberIDs`), administrators
    /// and auditors.
    public static func canSee(_ subject: Subject, _ request: ApprovalRequest) -> Bool {
        guard isInside(subject, request.organizationID) else { return false }
        return isOverseer(subject) || request.involvedMemberIDs.contains(subject.memberID)
    }

    /// Whether `subject` may act on the current step of `request` — approve, reject, transfer, add a signer,
    /// send back: who holds a place on the step under way. Whose turn it is, the request decides.
    public static func canDecide(_ subject: Subject, _ request: ApprovalRequest) -> Bool {
        guard isInside(subject, request.organizationID), request.status == .pending, let step = request.run.current
        else { return false }
        return step.signers.contains(subject.memberID)
    }

    /// Whether `subject` may remind (催办) the approvers of `request`: its applicant and administrators, while
    /// it waits.
    public static func canRemind(_ subject: Subject, _ request: ApprovalRequest) -> Bool {
        isInside(subject, request.organizationID) && request.status == .pending
            && (subject.memberID == request.applicantID || subject.isAdministrator)
    }

    /// Whether `subject` may copy (抄送) others on `request`: its applicant, and who holds a place on the step
    /// under way.
    public static func canCopy(_ subject: Subject, _ request: ApprovalRequest) -> Bool {
        guard isInside(subject, request.organizationID) else { return false }
        return subject.memberID == request.applicantID
            || (request.run.current?.signers.contains(subject.memberID) ?? false)
    }

    /// Whether `subject` may withdraw (撤回) or resubmit `request`: its applicant (the request decides
    /// whether it still can).
    public static func canWithdraw(_ subject: Subject, _ request: ApprovalRequest) -> Bool {
        isInside(subject, request.organizationID) && subject.memberID == request.applicantID
    }
}
