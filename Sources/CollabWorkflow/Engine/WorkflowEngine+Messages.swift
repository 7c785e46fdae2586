import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Enables or disables external collaboration with a partner or customer organization. Only an
    /// administrator of the internal organization may; the change is audited.
    @available(*, deprecated, renamed: "settings.setExternalCollaboration(_:enabled:by:idempotencyKey:)",
        message: "use engine.settings.setExternalCollaboration, which also takes an idempotency key")
    @discardableResult
    public func setExternalCollaboration(
        _ organizationID: Organization.ID, enabled: Bool, by administrator: Member.ID
    ) async throws(CollabError) -> Organization {
        try await settings.setExternalCollaboration(organizationID, enabled: enabled, by: administrator)
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
        case .approvalRequest:
            guard let request = try await approvalRequest(ApprovalRequest.ID(record.id)) else { return false }
            return access.isAllowed(subject, .viewApproval, on: .approvalRequest(request))
        default:
            return true
        }
    }
}
