import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The work-item desk: tasks that flow between departments — create, accept, start, report progress, review,
/// adjust deadlines, reassign, cancel, comment, share with partners, watch, import — and the reads of items.
///
/// Every command runs through the engine's one write pipeline (``WorkflowEngine``): an optional idempotency
/// key, the actor checked against fresh data, the rights re-checked at commit, and one atomic commit of the
/// change with its audit event, notifications and timers.
///
/// ```swift
/// let item = try await engine.workItems.create(
///     WorkItemDraft(title: "Q4 campaign plan", assigneeIDs: ["li.wei"],
///                   deadline: .endOfDay(CalendarDate(year: 2026, month: 12, day: 15))),
///     by: "zhang.min")
/// try await engine.workItems.accept(item.id, by: "li.wei")
/// ```
public struct WorkItemDesk: Sendable {
    let engine: WorkflowEngine

    /// Runs a command as `actor`.
    ///
    /// - Parameters:
    ///   - command: what to do, and on which item.
    ///   - actor: the member doing it.
    ///   - expectedVersion: the item version the caller based the command on (what their screen showed);
    ///     if the item has changed since, the command fails with `CollabError.Code.conflict`.
    ///   - idempotencyKey: a key chosen by the caller; a retry with the same key (and the same command)
    ///     returns the first result and changes nothing. Keys are scoped to the actor.
    /// - Throws: `CollabError` with `CollabError.Code.notFound` (unknown or invisible item),
    ///   `CollabError.Code.forbidden`, `CollabError.Code.invalidTransition`,
    ///   `CollabError.Code.invalidInput` (every problem listed), `CollabError.Code.conflict`,
    ///   `CollabError.Code.staleDirectory` (the directory changed under every plan of the command),
    ///   `CollabError.Code.idempotencyKeyReused`, or a storage code. Nothing is written when it throws.
    ///   A replay under `idempotencyKey` is refused as a fresh command would be: `forbidden` for a
    ///   deactivated actor, `notFound` for one who may no longer see the item.
    @discardableResult
    public func execute(
        _ command: WorkItemCommand, by actor: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> CommandResult {
        try await engine.runWorkItemCommand(command, by: actor, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey)
    }

    /// Creates many work items in one transaction: all of them, or none.
    ///
    /// Each item is validated, audited, notified and scheduled exactly as ``create(_:by:submit:idempotencyKey:)``
    /// would; the whole batch commits at once, which is much faster for imports and migrations.
    ///
    /// - Throws: `CollabError.Code.invalidInput` listing every problem of every draft (fields are
    ///   prefixed `items[i].`); nothing is written then.
    @discardableResult
    public func importItems(
        _ drafts: [WorkItemDraft], by initiator: Member.ID, submit: Bool = true, idempotencyKey: String? = nil
    ) async throws(CollabError) -> [WorkItem] {
        try await engine.runImport(drafts, by: initiator, submit: submit, idempotencyKey: idempotencyKey)
    }


    /// The item as `viewer` may see it (outside members see only its external parts).
    ///
    /// - Throws: `CollabError.Code.notFound` when the item does not exist *or* the viewer may not see it
    ///   (the two are never told apart, so ids cannot be probed).
    public func workItem(_ id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> WorkItem {
        let subject = try await engine.subject(viewer)
        return engine.authorizer.redacted(try await engine.visibleItem(id, to: subject), for: subject)
    }

    /// Everything that happened on an item that `viewer` may see: for members of the owning organization,
    /// comments, progress updates, review decisions and adjustment requests; for outside members, the
    /// external comments only.
    public func activity(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> WorkItemActivity {
        let subject = try await engine.subject(viewer)
        let item = try await engine.visibleItem(id, to: subject)
        let comments = try await engine.store.comments(on: id).filter { engine.authorizer.canSee($0, on: item, by: subject) }
        guard subject.organizationID == item.organizationID else {
            return WorkItemActivity(
                item: engine.authorizer.redacted(item, for: subject), comments: comments, progressUpdates: [],
                reviewDecisions: [], adjustmentRequests: [])
        }
        return WorkItemActivity(
            item: item, comments: comments, progressUpdates: try await engine.store.progressUpdates(on: id),
            reviewDecisions: try await engine.store.reviewDecisions(on: id),
            adjustmentRequests: try await engine.store.adjustmentRequests(on: id))
    }

    /// The attachments of an item that `viewer` may see (outside members: the external ones).
    public func attachments(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> [FileAttachment] {
        try await workItem(id, as: viewer).attachments
    }

    /// The item's audit trail, oldest first, if `viewer` may see the item. The trail is internal: outside
    /// members get an empty list.
    public func auditTrail(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> [AuditEvent] {
        let subject = try await engine.subject(viewer)
        let item = try await engine.visibleItem(id, to: subject)
        guard subject.organizationID == item.organizationID else { return [] }
        return try await engine.store.auditTrail(of: id)
    }

    /// The items `viewer` may see that match `filter`, soonest deadline first, paged.
    ///
    /// - Throws: `CollabError.Code.forbidden` when a host rule forbids listing;
    ///   `CollabError.Code.invalidInput` when an outside member filters by an internal field.
    public func list(as viewer: Member.ID, filter: WorkItemFilter = .all, page: PageRequest = .first)
        async throws(CollabError) -> Page<WorkItem>
    {
        let (subject, scope) = try await engine.surface(.list, viewer, filter: filter)
        var result = try await engine.store.workItems(in: scope, matching: filter, page: page)
        result.items = result.items.map { engine.authorizer.redacted($0, for: subject) }
        return result
    }

    /// How many items `viewer` may see that match `filter`.
    public func count(as viewer: Member.ID, filter: WorkItemFilter = .all) async throws(CollabError) -> Int {
        let (_, scope) = try await engine.surface(.list, viewer, filter: filter)
        return try await engine.store.countWorkItems(in: scope, matching: filter)
    }

    /// The items `viewer` may see whose title or description (and, for members of the owning organization,
    /// tags) contain `text`, soonest deadline first, paged.
    public func search(_ text: String, as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<WorkItem>
    {
        var report = ValidationReport()
        report.checkText(text, field: "text", maxLength: 200)
        try report.throwIfInvalid()
        let (subject, scope) = try await engine.surface(.search, viewer, filter: .all)
        var result = try await engine.store.searchWorkItems(text, in: scope, page: page)
        result.items = result.items.map { engine.authorizer.redacted($0, for: subject) }
        return result
    }
}
