import CollabModel
import CollabStore
import Foundation

/// The work-item commands: one method per command, each a thin call of
/// ``WorkItemDesk/engine.runWorkItemCommand(_:by:expectedVersion:idempotencyKey:)``.
///
/// Every method takes the acting member, an optional `expectedVersion` (fail with
/// `CollabError.Code.conflict` if the item changed since the caller read it) and an optional
/// `idempotencyKey` (a retry returns the first result and changes nothing).
extension WorkItemDesk {
    /// Creates a work item as `initiator`; it is submitted to its assignees at once (they are notified)
    /// unless `submit` is `false`, which keeps it as a draft.
    ///
    /// - Throws: `CollabError.Code.invalidInput` listing every problem with the draft at once.
    @discardableResult
    public func create(
        _ draft: WorkItemDraft, by initiator: Member.ID, submit: Bool = true, idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.create(draft, submit: submit), by: initiator, idempotencyKey: idempotencyKey).item
    }

    /// Submits a draft to its assignees.
    @discardableResult
    public func submit(
        _ id: WorkItem.ID, by initiator: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.submit(id), by: initiator, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
            .item
    }

    /// An assignee accepts an assigned item.
    @discardableResult
    public func accept(
        _ id: WorkItem.ID, by assignee: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.accept(id), by: assignee, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
            .item
    }

    /// An assignee starts work on an accepted item.
    @discardableResult
    public func start(
        _ id: WorkItem.ID, by assignee: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.start(id), by: assignee, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
            .item
    }

    /// An assignee reports progress on an item in progress.
    @discardableResult
    public func reportProgress(
        _ id: WorkItem.ID, by assignee: Member.ID, text: String, percent: Int? = nil, attachments: [FileAttachment] = [],
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ProgressUpdate {
        let result = try await engine.runWorkItemCommand(
            .reportProgress(id, text: text, percent: percent, attachments: attachments), by: assignee,
            expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
        guard let update = result.progressUpdate else { throw Self.missingRecord("progress update") }
        return update
    }

    /// An assignee submits the work for review; the reviewer is notified.
    @discardableResult
    public func submitForReview(
        _ id: WorkItem.ID, by assignee: Member.ID, note: String? = nil, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.submitForReview(id, note: note), by: assignee, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey).item
    }

    /// The reviewer approves the work: the item is completed and the assignees are notified.
    @discardableResult
    public func approve(
        _ id: WorkItem.ID, by reviewer: Member.ID, note: String? = nil, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.approve(id, note: note), by: reviewer, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey).item
    }

    /// The reviewer rejects the work with a required reason: the item goes back to in progress and the
    /// assignees are told why.
    @discardableResult
    public func reject(
        _ id: WorkItem.ID, by reviewer: Member.ID, reason: String, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.reject(id, reason: reason), by: reviewer, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey).item
    }

    /// An assignee asks the initiator for a new deadline or a change of scope, with a reason.
    @discardableResult
    public func requestAdjustment(
        _ id: WorkItem.ID, by assignee: Member.ID, change: AdjustmentRequest.Change, reason: String,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> AdjustmentRequest {
        let result = try await engine.runWorkItemCommand(
            .requestAdjustment(id, change: change, reason: reason), by: assignee, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey)
        guard let request = result.adjustmentRequest else { throw Self.missingRecord("adjustment request") }
        return request
    }

    /// The initiator approves an adjustment request: the new deadline or scope applies.
    @discardableResult
    public func approveAdjustment(
        _ id: AdjustmentRequest.ID, by initiator: Member.ID, note: String? = nil, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.approveAdjustment(id, note: note), by: initiator, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey).item
    }

    /// The initiator rejects an adjustment request with a required reason.
    @discardableResult
    public func rejectAdjustment(
        _ id: AdjustmentRequest.ID, by initiator: Member.ID, reason: String, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.rejectAdjustment(id, reason: reason), by: initiator, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey).item
    }

    /// A head of one of the item's departments (or an administrator) replaces assignee `from` with `to`.
    @discardableResult
    public func reassign(
        _ id: WorkItem.ID, from: Member.ID, to: Member.ID, by head: Member.ID, reason: String? = nil,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.reassign(id, from: from, to: to, reason: reason), by: head,
            expectedVersion: expectedVersion, idempotencyKey: idempotencyKey).item
    }

    /// The initiator (or an administrator) cancels an open item.
    @discardableResult
    public func cancel(
        _ id: WorkItem.ID, by member: Member.ID, reason: String? = nil, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.cancel(id, reason: reason), by: member, expectedVersion: expectedVersion,
            idempotencyKey: idempotencyKey).item
    }

    /// Comments on an item; `@handle` mentions notify those members (only those who may see the comment).
    ///
    /// - Parameter id: the work item.
    /// - Parameter author: who comments: a member who may see the item.
    /// - Parameter body: the text, with any `@handle` mentions.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first comment and adds
    ///   nothing; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Parameter visibility: `.internal` (the default) keeps the comment inside the company;
    ///   `.external` shows it to the outside organizations the item is shared with. An outside member's
    ///   comments are always external.
    @discardableResult
    public func comment(
        on id: WorkItem.ID, by author: Member.ID, _ body: String, visibility: Visibility = .internal,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> ItemComment {
        let result = try await engine.runWorkItemCommand(
            .comment(id, body: body, visibility: visibility), by: author, idempotencyKey: idempotencyKey)
        guard let comment = result.comment else { throw Self.missingRecord("comment") }
        return comment
    }

    /// Shares an item with an outside organization of the sharer's company — a partner it invited or a
    /// customer it registered — whose external collaboration an administrator enabled.
    ///
    /// - Throws: `CollabError.Code.notFound` (`no organization with id '…'`) for any other organization:
    ///   an unknown id, an internal one, another company's partner or customer, or one whose collaboration
    ///   is switched off all read the same.
    @discardableResult
    public func share(
        _ id: WorkItem.ID, with organization: Organization.ID, by member: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.share(id, with: organization), by: member, idempotencyKey: idempotencyKey).item
    }

    /// Stops sharing an item with an outside organization; its members lose access at once.
    @discardableResult
    public func unshare(
        _ id: WorkItem.ID, from organization: Organization.ID, by member: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> WorkItem {
        try await engine.runWorkItemCommand(.unshare(id, from: organization), by: member, idempotencyKey: idempotencyKey).item
    }

    /// Makes `member` a watcher of the item.
    @discardableResult
    public func watch(_ id: WorkItem.ID, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> WorkItem
    {
        try await engine.runWorkItemCommand(.watch(id), by: member, idempotencyKey: idempotencyKey).item
    }

    /// Removes `member` from the item's watchers.
    @discardableResult
    public func unwatch(_ id: WorkItem.ID, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> WorkItem
    {
        try await engine.runWorkItemCommand(.unwatch(id), by: member, idempotencyKey: idempotencyKey).item
    }

    static func missingRecord(_ kind: String) -> CollabError {
        CollabError(.storageCorrupt, "the recorded result holds no \(kind)")
    }
}
