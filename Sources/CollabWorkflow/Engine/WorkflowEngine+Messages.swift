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
    /// names (as the reads of those records decide); `true` for no record, and for announcements and
    /// meetings, whose notices go to their recipients and participants.
    func mayStillSee(_ record: RecordReference?, _ subject: Subject) async throws(CollabError) -> Bool {
        guard let record else { return true }
        switch record.kind {
        case .purchaseOrder:
            guard let order = try await purchaseOrder(PurchaseOrder.ID(record.id)), ExternalRules.canSee(subject, order)
            else { return false }
            if !subject.isExternal { return true }
            return try await partnership(of: order.organizationID, with: subject.organizationID)?.role == .supplier
        case .ticket:
            guard let ticket = try await ticket(Ticket.ID(record.id)) else { return false }
            return ExternalRules.canSee(subject, ticket)
        case .customer:
            guard let customer = try await customer(Organization.ID(record.id)) else { return false }
            return ExternalRules.canSee(subject, customer)
        case .incident:
            guard let incident = try await incident(Incident.ID(record.id)) else { return false }
            return ScenarioRules.canSee(subject, incident)
        case .resourceRequest:
            guard let request = try await resourceRequest(ResourceRequest.ID(record.id)),
                let incident = try await incident(request.incidentID)
            else { return false }
            return ScenarioRules.canSee(subject, incident) || ScenarioRules.canDecide(subject, request)
        default:
            return true
        }
    }
}
