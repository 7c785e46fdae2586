import CollabModel
import CollabStore
import Foundation

// The engine's announcement methods before the desks (issue 16), kept for one release as forwards to
// ``AnnouncementDesk``.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "announcements.publish(_:by:idempotencyKey:)")
    @discardableResult
    public func publish(_ draft: AnnouncementDraft, by author: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Announcement {
        try await announcements.publish(draft, by: author, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "announcements.received(for:includeExpired:page:)")
    public func announcements(for viewer: Member.ID, includeExpired: Bool = false, page: PageRequest = .first) async throws(CollabError) -> Page<ReceivedAnnouncement> {
        try await announcements.received(for: viewer, includeExpired: includeExpired, page: page)
    }

    @available(*, deprecated, renamed: "announcements.published(as:page:)")
    public func publishedAnnouncements(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<Announcement> {
        try await announcements.published(as: viewer, page: page)
    }

    @available(*, deprecated, renamed: "announcements.announcement(_:as:)")
    public func announcement(_ id: Announcement.ID, as viewer: Member.ID) async throws(CollabError) -> Announcement {
        try await announcements.announcement(id, as: viewer)
    }

    @available(*, deprecated, renamed: "announcements.open(_:by:idempotencyKey:)")
    @discardableResult
    public func openAnnouncement(_ id: Announcement.ID, by reader: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> ReceivedAnnouncement {
        try await announcements.open(id, by: reader, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "announcements.acknowledge(_:by:idempotencyKey:)")
    @discardableResult
    public func acknowledge(_ id: Announcement.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> ReceivedAnnouncement {
        try await announcements.acknowledge(id, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "announcements.reach(of:as:)")
    public func reach(of id: Announcement.ID, as viewer: Member.ID) async throws(CollabError) -> AnnouncementReach {
        try await announcements.reach(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "announcements.setPinned(_:on:by:idempotencyKey:)")
    @discardableResult
    public func setPinned(_ pinned: Bool, on id: Announcement.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Announcement {
        try await announcements.setPinned(pinned, on: id, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "announcements.setExpiry(_:on:by:idempotencyKey:)")
    @discardableResult
    public func setExpiry(_ expiresAt: Date?, on id: Announcement.ID, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Announcement {
        try await announcements.setExpiry(expiresAt, on: id, by: member, idempotencyKey: idempotencyKey)
    }
}
