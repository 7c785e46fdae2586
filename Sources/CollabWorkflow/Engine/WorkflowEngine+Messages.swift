import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The message center: each member's inbox and to-do list.
extension WorkflowEngine {
    /// A member's notifications, newest first. Notifications about items, orders, tickets, customers and
    /// incidents the member can no longer see (a share revoked, a department left, an organization's
    /// collaboration turned off) are left out — so a page may hold fewer than its limit; follow
    /// ``Page/nextCursor`` to the end.
    public func inbox(of member: Member.ID, unreadOnly: Bool = false, page: PageRequest = .first)
        async throws(CollabError) -> Page<Notice>
    {
        let subject = try await activeSubject(member)
        let scope = authorizer.visibilityScope(for: subject)
        var found = try await store.inbox(for: member, visibleIn: scope, unreadOnly: unreadOnly, page: page)
        // Notifications about orders, tickets and customers the member can no longer see are left out too.
        var visible: [Notice] = []
        for notice in found.items where try await store.mayStillSee(notice.record, subject) { visible.append(notice) }
        found.items = visible
        return found
    }

    /// How many of a member's notifications are unread.
    public func unreadCount(of member: Member.ID) async throws(CollabError) -> Int {
        let subject = try await activeSubject(member)
        let scope = authorizer.visibilityScope(for: subject)
        var count = try await store.unreadCount(for: member, visibleIn: scope)
        // Like the inbox, leave out notifications about records the member can no longer see.
        for notice in try await store.unreadRecordNotices(for: member)
        where try await !store.mayStillSee(notice.record, subject) {
            count -= 1
        }
        return count
    }

    /// Marks some of a member's notifications read; returns how many changed.
    @discardableResult
    public func markRead(_ ids: [Notice.ID], of member: Member.ID) async throws(CollabError) -> Int {
        try await store.markRead(ids, of: member, at: now())
    }

    /// Marks all of a member's notifications read; returns how many changed.
    @discardableResult
    public func markAllRead(of member: Member.ID) async throws(CollabError) -> Int {
        try await store.markAllRead(of: member, at: now())
    }

    /// "My to-do": the items where `member` must act now (accept, start, work, review, decide an
    /// adjustment, submit a draft), soonest deadline first, paged.
    public func todo(of member: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<TodoEntry> {
        let subject = try await activeSubject(member)
        var result = try await store.todo(for: member, page: page)
        // The to-do list follows the member's relationships; a host policy that withholds `view` from one
        // of them must still not show the item here.
        result.items = result.items.filter { authorizer.isAllowed(subject, .view, on: $0.item) }
        return result
    }

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
