import CollabModel

/// What an ``AccessControl`` decides an action on: a record, or — for actions that create something or
/// concern a whole surface — the organization, department, member or publication they concern.
///
/// Each ``RecordAction`` is decided on one or two kinds of target (see `Documentation/Permissions.md`,
/// "One access control for every record"); any other target is denied
/// (``AccessDecision/Denial/wrongTarget``).
public indirect enum AccessTarget: Sendable {
    /// A work item.
    case workItem(WorkItem)
    /// An announcement, and whether the subject is one of its recipients.
    case announcement(Announcement, isRecipient: Bool)
    /// An announcement about to be published in an organization, on behalf of a department (`nil`: the
    /// leadership), to an audience; `memberDepartments` holds the departments of each member the audience
    /// names.
    case publication(
        in: Organization.ID, onBehalfOf: Department.ID?, to: AnnouncementAudience,
        memberDepartments: [Member.ID: Set<Department.ID>])
    /// A meeting.
    case meeting(Meeting)
    /// An emergency plan.
    case emergencyPlan(EmergencyPlan)
    /// An incident.
    case incident(Incident)
    /// A resource request, with the incident it belongs to.
    case resourceRequest(ResourceRequest, of: Incident)
    /// A purchase order.
    case purchaseOrder(PurchaseOrder)
    /// A customer in the archive.
    case customer(CustomerRecord)
    /// A ticket.
    case ticket(Ticket)
    /// A partner or customer organization, with the companies that invited or registered it.
    case partner(Organization.ID, invitedBy: Set<Organization.ID>)
    /// An organization: for creating in it (work items, meetings, plans, partner invitations, contracts of new
    /// customers, tickets), changing its settings, and its surfaces (lists, searches, reports, exports).
    case organization(Organization.ID)
    /// A department of an organization (`nil`: none named), for sharing purchase orders on its behalf.
    case department(Department.ID?, in: Organization.ID)
    /// A member, for reading their personal report.
    case member(Member)
    /// A document, with what it belongs to: the owner record's target (``workItem(_:)``, ``ticket(_:)``,
    /// ``purchaseOrder(_:)``, ``incident(_:)``, ``meeting(_:)``) or, for a department's folder,
    /// ``department(_:in:)``. A document about to be uploaded is decided the same way.
    case document(Document, in: AccessTarget)
    /// An approval request.
    case approvalRequest(ApprovalRequest)

    /// The work item, for a work-item target.
    public var workItem: WorkItem? {
        if case .workItem(let item) = self { item } else { nil }
    }

    /// A short name of the target's kind, for explanations.
    public var kindName: String {
        switch self {
        case .workItem: "work item"
        case .announcement: "announcement"
        case .publication: "publication"
        case .meeting: "meeting"
        case .emergencyPlan: "emergency plan"
        case .incident: "incident"
        case .resourceRequest: "resource request"
        case .purchaseOrder: "purchase order"
        case .customer: "customer"
        case .ticket: "ticket"
        case .partner: "partner organization"
        case .organization: "organization"
        case .department: "department"
        case .member: "member"
        case .document: "document"
        case .approvalRequest: "approval request"
        }
    }
}
