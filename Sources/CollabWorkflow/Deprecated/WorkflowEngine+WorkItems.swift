import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// The engine's methods before the desks (issue 16), kept for one release as forwards to the desks.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "workItems.execute(_:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func execute(_ command: WorkItemCommand, by actor: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> CommandResult {
        try await workItems.execute(command, by: actor, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.importItems(_:by:submit:idempotencyKey:)")
    @discardableResult
    public func importItems(_ drafts: [WorkItemDraft], by initiator: Member.ID, submit: Bool = true, idempotencyKey: String? = nil) async throws(CollabError) -> [WorkItem] {
        try await workItems.importItems(drafts, by: initiator, submit: submit, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.workItem(_:as:)")
    public func workItem(_ id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> WorkItem {
        try await workItems.workItem(id, as: viewer)
    }

    @available(*, deprecated, renamed: "workItems.activity(of:as:)")
    public func activity(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> WorkItemActivity {
        try await workItems.activity(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "workItems.attachments(of:as:)")
    public func attachments(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> [FileAttachment] {
        try await workItems.attachments(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "workItems.auditTrail(of:as:)")
    public func auditTrail(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> [AuditEvent] {
        try await workItems.auditTrail(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "workItems.list(as:filter:page:)")
    public func list(as viewer: Member.ID, filter: WorkItemFilter = .all, page: PageRequest = .first) async throws(CollabError) -> Page<WorkItem> {
        try await workItems.list(as: viewer, filter: filter, page: page)
    }

    @available(*, deprecated, renamed: "workItems.count(as:filter:)")
    public func count(as viewer: Member.ID, filter: WorkItemFilter = .all) async throws(CollabError) -> Int {
        try await workItems.count(as: viewer, filter: filter)
    }

    @available(*, deprecated, renamed: "workItems.search(_:as:page:)")
    public func search(_ text: String, as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<WorkItem> {
        try await workItems.search(text, as: viewer, page: page)
    }

    @available(*, deprecated, renamed: "workItems.create(_:by:submit:idempotencyKey:)")
    @discardableResult
    public func create(_ draft: WorkItemDraft, by initiator: Member.ID, submit: Bool = true, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.create(draft, by: initiator, submit: submit, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.submit(_:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func submit(_ id: WorkItem.ID, by initiator: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.submit(id, by: initiator, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.accept(_:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func accept(_ id: WorkItem.ID, by assignee: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.accept(id, by: assignee, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.start(_:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func start(_ id: WorkItem.ID, by assignee: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.start(id, by: assignee, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.reportProgress(_:by:text:percent:attachments:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func reportProgress(_ id: WorkItem.ID, by assignee: Member.ID, text: String, percent: Int? = nil, attachments: [FileAttachment] = [], expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> ProgressUpdate {
        try await workItems.reportProgress(id, by: assignee, text: text, percent: percent, attachments: attachments, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.submitForReview(_:by:note:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func submitForReview(_ id: WorkItem.ID, by assignee: Member.ID, note: String? = nil, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.submitForReview(id, by: assignee, note: note, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.approve(_:by:note:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func approve(_ id: WorkItem.ID, by reviewer: Member.ID, note: String? = nil, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.approve(id, by: reviewer, note: note, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.reject(_:by:reason:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func reject(_ id: WorkItem.ID, by reviewer: Member.ID, reason: String, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.reject(id, by: reviewer, reason: reason, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.requestAdjustment(_:by:change:reason:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func requestAdjustment(_ id: WorkItem.ID, by assignee: Member.ID, change: AdjustmentRequest.Change, reason: String, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> AdjustmentRequest {
        try await workItems.requestAdjustment(id, by: assignee, change: change, reason: reason, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.approveAdjustment(_:by:note:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func approveAdjustment(_ id: AdjustmentRequest.ID, by initiator: Member.ID, note: String? = nil, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.approveAdjustment(id, by: initiator, note: note, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.rejectAdjustment(_:by:reason:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func rejectAdjustment(_ id: AdjustmentRequest.ID, by initiator: Member.ID, reason: String, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.rejectAdjustment(id, by: initiator, reason: reason, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.reassign(_:from:to:by:reason:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func reassign(_ id: WorkItem.ID, from: Member.ID, to: Member.ID, by head: Member.ID, reason: String? = nil, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.reassign(id, from: from, to: to, by: head, reason: reason, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.cancel(_:by:reason:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func cancel(_ id: WorkItem.ID, by member: Member.ID, reason: String? = nil, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.cancel(id, by: member, reason: reason, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.comment(on:by:_:visibility:idempotencyKey:)")
    @discardableResult
    public func comment(on id: WorkItem.ID, by author: Member.ID, _ body: String, visibility: Visibility = .internal, idempotencyKey: String? = nil) async throws(CollabError) -> ItemComment {
        try await workItems.comment(on: id, by: author, body, visibility: visibility, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.share(_:with:by:idempotencyKey:)")
    @discardableResult
    public func share(_ id: WorkItem.ID, with organization: Organization.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.share(id, with: organization, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.unshare(_:from:by:idempotencyKey:)")
    @discardableResult
    public func unshare(_ id: WorkItem.ID, from organization: Organization.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.unshare(id, from: organization, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.watch(_:by:idempotencyKey:)")
    @discardableResult
    public func watch(_ id: WorkItem.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.watch(id, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "workItems.unwatch(_:by:idempotencyKey:)")
    @discardableResult
    public func unwatch(_ id: WorkItem.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> WorkItem {
        try await workItems.unwatch(id, by: member, idempotencyKey: idempotencyKey)
    }

}
