import CollabModel
import CollabPermissions
import Foundation

/// Members' inboxes: the notifications committed with changes (``ChangeSet/notifications``), as their
/// recipients read them, and their read marks.
///
/// Used by `InboxDesk` (the inbox, the unread count, and ``unreadNoticeIDs(_:of:)`` to plan its mark-read
/// commands, which commit ``ChangeSet/readMarks``) and by the engine's record rules
/// (``unreadRecordNotices(for:)``). ``markRead(_:of:at:)`` and ``markAllRead(of:at:)`` are direct writes for
/// hosts and tools; the engine does not call them. The outbox side of the same notifications (delivery to
/// the host's hooks) is ``OutboxStore``.
///
/// Reads run in one read transaction; ``markRead(_:of:at:)`` and ``markAllRead(of:at:)`` each write in one
/// transaction (but see the default of ``markAllRead(of:at:)``). Nothing here checks who the caller is:
/// the engine passes the member's own id and scope. A malformed page cursor throws
/// `CollabError.Code.invalidInput`; otherwise only storage codes are thrown.
public protocol InboxStore: Sendable {
    /// A member's notifications, newest first (the last committed first), paged by commit sequence;
    /// notifications about items no longer visible in `scope` (the member's own) are left out, while
    /// notifications about no item are always kept. An unknown member has an empty inbox.
    func inbox(for memberID: Member.ID, visibleIn scope: VisibilityScope, unreadOnly: Bool, page: PageRequest)
        async throws(CollabError) -> Page<Notice>

    /// How many of a member's notifications about items visible in `scope` (or about no item) are unread,
    /// counted in the database; 0 for an unknown member.
    func unreadCount(for memberID: Member.ID, visibleIn scope: VisibilityScope) async throws(CollabError) -> Int

    /// A member's unread notifications that name a record other than a work item (`Notice.record`), oldest
    /// first (in commit order), not paged: the engine re-checks them against the record's rules.
    func unreadRecordNotices(for memberID: Member.ID) async throws(CollabError) -> [Notice]

    /// Every notification stored for `memberID`, read or not, oldest first (in commit order), whatever the
    /// member may see now (a deactivated member's too), not paged: for tests and operators' tools, never to
    /// show to the member (their inbox is ``inbox(for:visibleIn:unreadOnly:page:)``).
    func storedNotices(of memberID: Member.ID) async throws(CollabError) -> [Notice]

    /// Which of `ids` (every one when `nil`) are notifications of `memberID` not read yet, oldest first (in
    /// commit order): what a read mark (``ChangeSet/readMarks``) would change. Ids of other members'
    /// notifications, of read ones and unknown ids are left out.
    func unreadNoticeIDs(_ ids: [Notice.ID]?, of memberID: Member.ID) async throws(CollabError) -> [Notice.ID]

    /// Marks notifications of `memberID` read at `date`, in one transaction; ids of other members'
    /// notifications, of notifications already read and unknown ids are ignored (duplicates count once).
    ///
    /// - Returns: how many notifications changed from unread to read.
    func markRead(_ ids: [Notice.ID], of memberID: Member.ID, at date: Date)
        async throws(CollabError) -> Int

    /// Marks every notification of `memberID` read.
    ///
    /// A store's own implementation does it in one statement and one transaction. The default
    /// implementation takes two steps, each atomic on its own: it reads ``unreadNoticeIDs(_:of:)`` (with
    /// `nil`), then marks those with ``markRead(_:of:at:)``; a notification committed between the two steps
    /// stays unread, and one marked read meanwhile is not counted.
    ///
    /// - Returns: how many changed from unread to read.
    func markAllRead(of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int
}

extension InboxStore {
    /// Marks every notification of `memberID` read in two steps: ``unreadNoticeIDs(_:of:)`` then
    /// ``markRead(_:of:at:)``. A notification committed between the two stays unread.
    public func markAllRead(of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        let unread = try await unreadNoticeIDs(nil, of: memberID)
        if unread.isEmpty { return 0 }
        return try await markRead(unread, of: memberID, at: date)
    }
}
