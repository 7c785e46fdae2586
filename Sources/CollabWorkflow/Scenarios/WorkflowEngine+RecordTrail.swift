import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// The audit trail of a record other than a work item, oldest first, if `viewer` may read it:
    ///
    /// - an announcement: those who see its reach; a meeting, an incident, an emergency plan, a customer:
    ///   those who see it; a resource request: those who see its incident or decide it (its events are on
    ///   the incident's trail);
    /// - a purchase order or a ticket: the company's members who see it (the trail is internal: the
    ///   supplier's or the customer's members get an empty list, as outside members do for work items);
    /// - a partner: the administrators and auditors of the company that invited it;
    /// - an organization's settings: its administrators and auditors;
    /// - an approval request: those who see it (its applicant, approvers, those copied, administrators and
    ///   auditors); an approval flow: its organization's administrators and auditors.
    ///
    /// - Throws: `CollabError.Code.notFound` when the record does not exist or the viewer may not see it.
    public func auditTrail(of record: RecordReference, as viewer: Member.ID) async throws(CollabError) -> [AuditEvent] {
        let subject = try await subject(viewer)
        let missing = CollabError.notFound(record.kind.rawValue, record.id)
        switch record.kind {
        case .announcement:
            guard let announcement = try await store.announcement(Announcement.ID(record.id)),
                isAllowed(subject, .viewAnnouncementReach, on: .announcement(announcement, isRecipient: false))
            else { throw missing }
        case .meeting:
            guard let meeting = try await store.meeting(Meeting.ID(record.id)), isAllowed(subject, .viewMeeting, on: .meeting(meeting))
            else { throw missing }
        case .emergencyPlan:
            guard let plan = try await store.emergencyPlan(EmergencyPlan.ID(record.id), version: nil),
                isAllowed(subject, .viewPlan, on: .emergencyPlan(plan))
            else { throw missing }
        case .incident:
            guard let incident = try await store.incident(Incident.ID(record.id)),
                isAllowed(subject, .viewIncident, on: .incident(incident))
            else { throw missing }
        case .resourceRequest:
            guard let request = try await store.resourceRequest(ResourceRequest.ID(record.id)),
                let incident = try await store.incident(request.incidentID),
                isAllowed(subject, .viewResourceRequest, on: .resourceRequest(request, of: incident))
            else { throw missing }
        case .purchaseOrder:
            guard try await store.mayStillSee(record, subject, configuration.accessControl) else { throw missing }
            if subject.isExternal { return [] }
        case .ticket:
            guard let ticket = try await store.ticket(Ticket.ID(record.id)),
                isAllowed(subject, .viewTicket, on: .ticket(ticket))
            else { throw missing }
            if subject.isExternal { return [] }
        case .customer:
            guard let customer = try await store.customer(Organization.ID(record.id)),
                isAllowed(subject, .viewCustomer, on: .customer(customer))
            else { throw missing }
        case .partner:
            let companies = Set(try await store.partnerships(of: Organization.ID(record.id), asPartner: true)
                .map(\.organizationID))
            guard isAllowed(subject, .viewPartner, on: .partner(Organization.ID(record.id), invitedBy: companies))
            else { throw missing }
        case .settings:
            guard subject.organizationID == Organization.ID(record.id), !subject.isExternal, subject.isActive,
                subject.isAdministrator || subject.roles.contains(.auditor)
            else { throw missing }
        case .approvalRequest:
            guard let request = try await store.approvalRequest(ApprovalRequest.ID(record.id)),
                isAllowed(subject, .viewApproval, on: .approvalRequest(request))
            else { throw missing }
        case .approvalFlow:
            // A flow's trail (who saved which version): its organization's administrators and auditors.
            guard let flow = try await store.approvalFlow(ApprovalFlow.ID(record.id), version: nil),
                subject.organizationID == flow.organizationID, !subject.isExternal, subject.isActive,
                subject.isAdministrator || subject.roles.contains(.auditor)
            else { throw missing }
        default:
            throw missing
        }
        return try await store.auditTrail(of: record)
    }
}
