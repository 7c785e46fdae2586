import CollabModel
import CollabStore
import Foundation

// The engine's message-center methods before the desks (issue 16), kept for one release as forwards to the inbox desk.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "inbox.notices(of:unreadOnly:page:)")
    public func inbox(of member: Member.ID, unreadOnly: Bool = false, page: PageRequest = .first) async throws(CollabError) -> Page<Notice> {
        try await inbox.notices(of: member, unreadOnly: unreadOnly, page: page)
    }

    @available(*, deprecated, renamed: "inbox.unreadCount(of:)")
    public func unreadCount(of member: Member.ID) async throws(CollabError) -> Int {
        try await inbox.unreadCount(of: member)
    }

    @available(*, deprecated, renamed: "inbox.markRead(_:of:idempotencyKey:)")
    @discardableResult
    public func markRead(_ ids: [Notice.ID], of member: Member.ID) async throws(CollabError) -> Int {
        try await inbox.markRead(ids, of: member)
    }

    @available(*, deprecated, renamed: "inbox.markAllRead(of:idempotencyKey:)")
    @discardableResult
    public func markAllRead(of member: Member.ID) async throws(CollabError) -> Int {
        try await inbox.markAllRead(of: member)
    }

    @available(*, deprecated, renamed: "inbox.todo(of:page:)")
    public func todo(of member: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<TodoEntry> {
        try await inbox.todo(of: member, page: page)
    }

}
