import CollabModel

/// The audit trail: the audit events committed with each change (``ChangeSet/auditEvents``), read per work
/// item or per record.
///
/// Used by `WorkItemDesk` (an item's history), the record trails of the scenario desks
/// (`IncidentDesk` and the others, through the engine) and `TimerDesk` (what a timer already did). Audit events are written only by ``ChangeStore/commit(_:)`` and never deleted
/// (retention leaves them alone).
///
/// Both reads run in one read transaction, write nothing, and do not check who may see the events: the
/// caller does. They throw only storage codes (`storageCorrupt` for an event that cannot be read back).
public protocol AuditStore: Sendable {
    /// The audit events of a work item, in the order they were committed; empty for an unknown item.
    ///
    /// A requirement without a default: `RecordReference` has no work-item kind (an item's events are kept
    /// by item id, not by record reference), so it cannot be built from ``auditTrail(of:)-(RecordReference)``.
    func auditTrail(of itemID: WorkItem.ID) async throws(CollabError) -> [AuditEvent]

    /// The audit events about a record that is not a work item (an announcement, a meeting, an incident, an
    /// order, a ticket, an organization's settings), in the order they were committed; empty for an unknown
    /// record.
    func auditTrail(of record: RecordReference) async throws(CollabError) -> [AuditEvent]
}
