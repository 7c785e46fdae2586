import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Enables or disables external collaboration with a partner or customer organization. Only an
    /// administrator of the internal organization may; the change is audited.
    @discardableResult
    public func setExternalCollaboration(
        _ organizationID: Organization.ID, enabled: Bool, by administrator: Member.ID
    ) async throws(CollabError) -> Organization {
        guard Self.isPlanningAtRevision else {
            return try await checkedAtCommit("set_external_collaboration") { () async throws(CollabError) in
                try await setExternalCollaboration(organizationID, enabled: enabled, by: administrator)
            }
        }
        let subject = try await subject(administrator)
        guard subject.isActive, subject.isAdministrator, subject.organizationKind == .internal else {
            throw CollabError(.forbidden,
                "member '\(administrator)' is not an administrator and may not change external collaboration")
        }
        guard var organization = try await store.organization(organizationID), organization.kind != .internal else {
            throw CollabError.notFound("partner or customer organization", organizationID.rawValue)
        }
        // An organization invited or registered by companies is theirs to switch: another company's
        // administrator may not cut it off or let it back in. (One no company invited — made directly in the
        // directory — any administrator switches.)
        let companies = Set(try await store.partnerships(of: organizationID, asPartner: true).map(\.organizationID))
        if !companies.isEmpty && !companies.contains(subject.organizationID) {
            throw CollabError.notFound("partner or customer organization", organizationID.rawValue)
        }
        organization.externalCollaborationEnabled = enabled
        var change = ChangeSet()
        change.externalCollaboration = (organizationID, enabled)
        change.auditEvents.append(AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: subject.organizationID, itemID: nil,
            actorID: administrator, action: enabled ? "enable_external_collaboration" : "disable_external_collaboration",
            fromState: nil, toState: nil, details: ["organization": organizationID.rawValue], occurredAt: now()))
        _ = try await commit(change)
        return organization
    }
}

extension CollabStorage {
    /// Whether `subject` may see the purchase order, ticket, customer, incident or resource request `record`
    /// names, as `access` decides its `view` action (the reads of those records decide the same); `true` for
    /// no record, and for announcements and meetings, whose notices go to their recipients and participants.
    ///
    /// The inbox and the notification dispatcher's delivery re-check both ask it, each with the one
    /// ``AccessControl`` it was configured with.
    func mayStillSee(_ record: RecordReference?, _ subject: Subject, _ access: AccessControl)
        async throws(CollabError) -> Bool
    {
        guard let record else { return true }
        switch record.kind {
        case .purchaseOrder:
            guard let order = try await purchaseOrder(PurchaseOrder.ID(record.id)),
                access.isAllowed(subject, .viewOrder, on: .purchaseOrder(order))
            else { return false }
            if !subject.isExternal { return true }
            // A supplier sees the company's orders while it is the company's supplier.
            return try await partnership(of: order.organizationID, with: subject.organizationID)?.role == .supplier
        case .ticket:
            guard let ticket = try await ticket(Ticket.ID(record.id)) else { return false }
            return access.isAllowed(subject, .viewTicket, on: .ticket(ticket))
        case .customer:
            guard let customer = try await customer(Organization.ID(record.id)) else { return false }
            return access.isAllowed(subject, .viewCustomer, on: .customer(customer))
        case .incident:
            guard let incident = try await incident(Incident.ID(record.id)) else { return false }
            return access.isAllowed(subject, .viewIncident, on: .incident(incident))
        case .resourceRequest:
            guard let request = try await resourceRequest(ResourceRequest.ID(record.id)),
                let incident = try await incident(request.incidentID)
            else { return false }
            return access.isAllowed(subject, .viewResourceRequest, on: .resourceRequest(request, of: incident))
        default:
            return true
        }
    }
}
