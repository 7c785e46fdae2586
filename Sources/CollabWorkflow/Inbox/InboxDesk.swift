import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The message center: each member's inbox, unread count and to-do list.
///
/// The inbox holds the notifications every desk's commands put in the outbox; it leaves out those about
/// records the member can no longer see, so a revoked share or a left department hides them at once.
///
/// ```swift
/// let unread = try await engine.inbox.unreadCount(of: "li.wei")
/// let page = try await engine.inbox.notices(of: "li.wei", unreadOnly: true)
/// try await engine.inbox.markRead(page.items.map(\.id), of: "li.wei")
/// ```
public struct InboxDesk: Sendable {
    let engine: WorkflowEngine

    /// A member's notifications, newest first. Notifications about items, orders, tickets, customers and
    /// incidents the member can no longer see (a share revoked, a department left, an organization's
    /// collaboration turned off) are left out — so a page may hold fewer than its limit; follow
    /// `Page.nextCursor` to the end.
    public func notices(of member: Member.ID, unreadOnly: Bool = false, page: PageRequest = .first)
        async throws(CollabError) -> Page<Notice>
    {
        let subject = try await engine.activeSubject(member)
        let scope = engine.authorizer.visibilityScope(for: subject)
        var found = try await engine.store.inbox(for: member, visibleIn: scope, unreadOnly: unreadOnly, page: page)
        // Notifications about orders, tickets and customers the member can no longer see are left out too.
        var visible: [Notice] = []
        for notice in found.items where try await engine.store.mayStillSee(notice.record, subject, engine.accessControl) {
            visible.append(notice)
        }
        found.items = visible
        return found
    }

    /// How many of a member's notifications are unread.
    public func unreadCount(of member: Member.ID) async throws(CollabError) -> Int {
        let subject = try await engine.activeSubject(member)
        let scope = engine.authorizer.visibilityScope(for: subject)
        var count = try await engine.store.unreadCount(for: member, visibleIn: scope)
        // Like the inbox, leave out notifications about records the member can no longer see.
        for notice in try await engine.store.unreadRecordNotices(for: member)
        where try await !engine.store.mayStillSee(notice.record, subject, engine.accessControl) {
            count -= 1
        }
        return count
    }

    /// Marks some of a member's notifications read; returns how many changed (ids of notifications that are
    /// not the member's, or were read already, change nothing). A write like any other: it runs through the
    /// engine's one write pipeline.
    ///
    /// - Parameter ids: the notifications to mark read.
    /// - Parameter member: whose notifications they are.
    /// - Parameter idempotencyKey: a retry with the same key and ids returns the first count and changes
    ///   nothing; the same key with other ids is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.forbidden` for a deactivated member (whose inbox shows nothing).
    @discardableResult
    public func markRead(_ ids: [Notice.ID], of member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> Int
    {
        let engine = engine
        return try await engine.run(Command("mark_read", by: member, inputs: ["ids": ids],
            idempotencyKey: idempotencyKey, visible: { _, _ in })) { planning throws(CollabError) in
            try await engine.planReadMarks(ids, planning)
        }
    }

    /// Marks all of a member's notifications read; returns how many changed.
    ///
    /// - Parameter member: whose notifications are marked read.
    /// - Parameter idempotencyKey: a retry with the same key returns the first count and changes nothing.
    /// - Throws: `CollabError.Code.forbidden` for a deactivated member (whose inbox shows nothing).
    @discardableResult
    public func markAllRead(of member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Int {
        let engine = engine
        return try await engine.run(Command("mark_all_read", by: member, inputs: [:],
            idempotencyKey: idempotencyKey, visible: { _, _ in })) { planning throws(CollabError) in
            try await engine.planReadMarks(nil, planning)
        }
    }

    /// "My to-do": the items where `member` must act now (accept, start, work, review, decide an
    /// adjustment, submit a draft), soonest deadline first, paged.
    public func todo(of member: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<TodoEntry> {
        let subject = try await engine.activeSubject(member)
        var result = try await engine.store.todo(for: member, page: page)
        // The to-do list follows the member's relationships; a host policy that withholds `view` from one
        // of them must still not show the item here.
        result.items = result.items.filter { engine.authorizer.isAllowed(subject, .view, on: $0.item) }
        return result
    }
}

extension WorkflowEngine {
    /// The message center: inboxes, unread counts and to-do lists.
    public var inbox: InboxDesk { InboxDesk(engine: self) }
}

extension WorkflowEngine {
    /// Plans read marks on `ids` (every unread notification when `nil`) of the actor: the count is those still
    /// unread when planned.
    func planReadMarks(_ ids: [Notice.ID]?, _ planning: Planning) async throws(CollabError) -> Planned<Int> {
        if let ids, ids.isEmpty { return Planned(ChangeSet(), 0) }
        let unread = try await store.unreadNoticeIDs(ids, of: planning.subject.memberID)
        var change = ChangeSet()
        if !unread.isEmpty {
            change.readMarks = ReadMarks(memberID: planning.subject.memberID, noticeIDs: unread, readAt: planning.now)
        }
        return Planned(change, unread.count)
    }
}
