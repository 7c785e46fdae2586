import CollabModel

/// Who may see and do what with announcements, meetings, emergency plans and incidents.
///
/// These records are internal to their organization: members of outside organizations never see them,
/// whatever their role, and deactivated members see none. The engine checks every command and every read
/// against these rules; a record the viewer may not see is reported as not found.
public enum ScenarioRules {
    private static func isInside(_ subject: Subject, _ organizationID: Organization.ID) -> Bool {
        subject.organizationID == organizationID && !subject.isExternal && subject.isActive
    }

    private static func isOverseer(_ subject: Subject) -> Bool {
        subject.isAdministrator || subject.roles.contains(.auditor)
    }

    // MARK: Announcements

    /// Why `subject` may not publish to `audience` on behalf of `department` (`nil` when they may).
    ///
    /// Administrators publish for the leadership (no department) or any department, to any audience.
    /// A department head publishes on behalf of a department they head, to members of the departments they
    /// head (with sub-departments) and named members of those departments; nobody else publishes.
    public static func publishDenial(
        _ subject: Subject, audience: AnnouncementAudience, department: Department.ID?,
        memberDepartments: [Member.ID: Set<Department.ID>]
    ) -> String? {
        guard !subject.isExternal else { return "members of outside organizations cannot publish announcements" }
        guard subject.isActive else { return "deactivated members cannot publish announcements" }
        if subject.isAdministrator { return nil }
        guard let department else { return "only administrators publish on behalf of the organization's leadership" }
        guard subject.headedDepartmentIDs.contains(department) else {
            return "only a head of department '\(department)' publishes on its behalf"
        }
        if audience.wholeOrganization { return "only administrators publish to the whole organization" }
        if !audience.roles.isEmpty { return "only administrators publish to roles" }
        for target in audience.departments where !subject.headedDepartmentIDs.contains(target.departmentID) {
            return "department '\(target.departmentID)' is not one the publisher heads"
        }
        for member in audience.memberIDs
        where (memberDepartments[member] ?? []).isDisjoint(with: subject.headedDepartmentIDs) {
            return "member '\(member)' is not in a department the publisher heads"
        }
        return nil
    }

    /// Whether `subject` sees the reach figures of `announcement` and may pin, unpin or expire it: its
    /// author, administrators, auditors (figures only, see ``canManage(_:_:)``), and heads of the
    /// department it was published for.
    public static func canSeeReach(_ subject: Subject, _ announcement: Announcement) -> Bool {
        guard isInside(subject, announcement.organizationID) else { return false }
        if isOverseer(subject) || subject.memberID == announcement.authorID { return true }
        if let department = announcement.publisherDepartmentID { return subject.headedDepartmentIDs.contains(department) }
        return false
    }

    /// Whether `subject` may pin, unpin or expire `announcement`: its author and administrators.
    public static func canManage(_ subject: Subject, _ announcement: Announcement) -> Bool {
        isInside(subject, announcement.organizationID)
            && (subject.isAdministrator || subject.memberID == announcement.authorID)
    }

    /// Whether `subject` sees `announcement`: its recipients and those who see its reach.
    public static func canSee(_ subject: Subject, _ announcement: Announcement, isRecipient: Bool) -> Bool {
        isInside(subject, announcement.organizationID) && (isRecipient || canSeeReach(subject, announcement))
    }

    // MARK: Meetings

    /// Whether `subject` may record meetings in `organizationID`: any member of the organization itself.
    public static func canRecordMeeting(_ subject: Subject, in organizationID: Organization.ID) -> Bool {
        isInside(subject, organizationID)
    }

    /// Whether `subject` sees `meeting`: its organizer, attendees, decision owners, administrators and auditors.
    public static func canSee(_ subject: Subject, _ meeting: Meeting) -> Bool {
        guard isInside(subject, meeting.organizationID) else { return false }
        return isOverseer(subject) || subject.memberID == meeting.organizerID
            || meeting.attendeeIDs.contains(subject.memberID)
            || meeting.decisions.contains { $0.ownerID == subject.memberID }
    }

    // MARK: Emergency plans and incidents

    /// Whether `subject` may save plans of `organizationID`: administrators.
    public static func canManagePlans(_ subject: Subject, in organizationID: Organization.ID) -> Bool {
        isInside(subject, organizationID) && subject.isAdministrator
    }

    /// Whether `subject` sees `plan`: administrators, auditors, its named responders and informed members,
    /// and members of its departments.
    public static func canSee(_ subject: Subject, _ plan: EmergencyPlan) -> Bool {
        guard isInside(subject, plan.organizationID) else { return false }
        return isOverseer(subject) || plan.informedMemberIDs.contains(subject.memberID)
            || plan.departments.contains {
                $0.responderIDs.contains(subject.memberID) || subject.departmentIDs.contains($0.departmentID)
                    || subject.headedDepartmentIDs.contains($0.departmentID)
            }
    }

    /// Whether `subject` may trigger `plan`: administrators, its named responders, and heads of its departments.
    public static func canTrigger(_ subject: Subject, _ plan: EmergencyPlan) -> Bool {
        guard isInside(subject, plan.organizationID) else { return false }
        return subject.isAdministrator
            || plan.departments.contains {
                $0.responderIDs.contains(subject.memberID) || subject.headedDepartmentIDs.contains($0.departmentID)
            }
    }

    /// Whether `subject` sees `incident` (and its timeline and resource requests): administrators, auditors,
    /// who triggered it, its responders and informed members, and members of its departments.
    public static func canSee(_ subject: Subject, _ incident: Incident) -> Bool {
        guard isInside(subject, incident.organizationID) else { return false }
        return isOverseer(subject) || subject.memberID == incident.triggeredBy
            || incident.responderIDs.contains(subject.memberID) || incident.informedMemberIDs.contains(subject.memberID)
            || !subject.departmentIDs.isDisjoint(with: incident.departmentIDs)
            || !subject.headedDepartmentIDs.isDisjoint(with: incident.departmentIDs)
    }

    /// Whether `subject` may post updates and request resources: those who see it, except auditors who are
    /// nothing else.
    public static func canTakePart(_ subject: Subject, _ incident: Incident) -> Bool {
        guard canSee(subject, incident) else { return false }
        if subject.isAdministrator { return true }
        return subject.memberID == incident.triggeredBy || incident.responderIDs.contains(subject.memberID)
            || incident.informedMemberIDs.contains(subject.memberID)
            || !subject.departmentIDs.isDisjoint(with: incident.departmentIDs)
            || !subject.headedDepartmentIDs.isDisjoint(with: incident.departmentIDs)
    }

    /// Whether `subject` may close `incident`: who triggered it, and administrators.
    public static func canClose(_ subject: Subject, _ incident: Incident) -> Bool {
        isInside(subject, incident.organizationID)
            && (subject.isAdministrator || subject.memberID == incident.triggeredBy)
    }

    /// Whether `subject` may fulfil or decline `request`: members and heads of the department asked, and
    /// administrators.
    public static func canDecide(_ subject: Subject, _ request: ResourceRequest) -> Bool {
        isInside(subject, request.organizationID)
            && (subject.isAdministrator || subject.departmentIDs.contains(request.departmentID)
                || subject.headedDepartmentIDs.contains(request.departmentID))
    }
}
