import CollabModel
import CollabPermissions
import CollabStore

extension WorkflowEngine {
    /// Whether `member` may perform `action` on the record `record` names, and why — for any record kind, through
    /// the engine's one `AccessControl` (its rule sets and the host's rules), as the desks decide it.
    ///
    /// Only a member who may view the record gets an explanation (also for actions they may not perform); to
    /// anyone else — another organization's member, an unrelated or deactivated member — the record does not
    /// exist, with exactly the error of an unknown id, so `explain` cannot be used to probe ids. Work items
    /// are explained by the `explain(_:on:for:)` that takes a `WorkItemAction` and their id.
    ///
    /// ```swift
    /// let why = try await engine.explain(.forwardTicket, on: .ticket(ticketID), for: "wu")
    /// print(why)   // allowed forward, or denied with the rule set's reason or the host rule's name
    /// ```
    ///
    /// - Throws: `CollabError.Code.notFound` when the member or the record does not exist, the member may not
    ///   view it, or the kind of record has no explanation (settings: administrators of the organization only).
    public func explain(_ action: RecordAction, on record: RecordReference, for member: Member.ID)
        async throws(CollabError) -> AccessDecision
    {
        let subject = try await subject(member)
        let target = try await visibleTarget(record, to: subject)
        return configuration.accessControl.decide(subject, action, on: target)
    }

    /// The target `record` names, if `subject` may view it; `not_found` (as for an unknown id) otherwise.
    func visibleTarget(_ record: RecordReference, to subject: Subject) async throws(CollabError) -> AccessTarget {
        let unknown = CollabError.notFound(record.kind.rawValue, record.id)
        var target: AccessTarget?
        var view: RecordAction?
        switch record.kind {
        case .announcement:
            let (announcement, receipt) = try await visibleAnnouncement(Announcement.ID(record.id), to: subject)
            return .announcement(announcement, isRecipient: receipt != nil)
        case .meeting:
            target = try await store.meeting(Meeting.ID(record.id)).map { .meeting($0) }
            view = .viewMeeting
        case .emergencyPlan:
            target = try await store.emergencyPlan(EmergencyPlan.ID(record.id), version: nil).map { .emergencyPlan($0) }
            view = .viewPlan
        case .incident:
            target = try await store.incident(Incident.ID(record.id)).map { .incident($0) }
            view = .viewIncident
        case .resourceRequest:
            if let request = try await store.resourceRequest(ResourceRequest.ID(record.id)),
                let incident = try await store.incident(request.incidentID)
            {
                target = .resourceRequest(request, of: incident)
            }
            view = .viewResourceRequest
        case .purchaseOrder:
            return .purchaseOrder(try await visibleOrder(PurchaseOrder.ID(record.id), to: subject))
        case .customer:
            target = try await store.customer(Organization.ID(record.id)).map { .customer($0) }
            view = .viewCustomer
        case .ticket:
            return .ticket(try await visibleTicket(Ticket.ID(record.id), to: subject, expectedVersion: nil))
        case .partner:
            let id = Organization.ID(record.id)
            if let organization = try await store.organization(id), organization.kind != .internal {
                let companies = Set(try await store.partnerships(of: id, asPartner: true).map(\.organizationID))
                target = .partner(id, invitedBy: companies)
            }
            view = .viewPartner
        case .document:
            let (document, owner) = try await visibleDocument(Document.ID(record.id), to: subject)
            return .document(document, in: owner)
        case .settings:
            let id = Organization.ID(record.id)
            guard subject.isActive, subject.isAdministrator, subject.organizationID == id,
                subject.organizationKind == .internal
            else { throw unknown }
            return .organization(id)
        default:
            throw unknown
        }
        guard let target, let view, isAllowed(subject, view, on: target) else { throw unknown }
        return target
    }
}
