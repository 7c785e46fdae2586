import CollabModel
import Foundation

/// Announcements and their receipts (who received, read and acknowledged each one).
///
/// Used by `AnnouncementDesk` (publishing, acknowledging, the lists and receipts) and by the engine's record
/// rules (whether a member may still see an announcement a notice names).
///
/// Reads run in one read transaction and write nothing; changes are committed with ``ChangeStore/commit(_:)``
/// (``ChangeSet/scenario``). Point reads (by id) return `nil` for an unknown record and do not check who
/// may see it: the engine applies the record's rules. Pages are newest first, paged by a cursor of the last
/// entry; a malformed cursor throws `CollabError.Code.invalidInput` (problem `cursor`, kind `malformed`).
/// Otherwise only storage codes are thrown (`storageCorrupt` for a record that cannot be read back).
public protocol AnnouncementStore: Sendable {
    /// The announcement with `id`, or `nil` when there is none.
    func announcement(_ id: Announcement.ID) async throws(CollabError) -> Announcement?

    /// The announcements `memberID` received that have not expired at `now` (all of them when
    /// `includeExpired`), pinned first, then newest first (by publication time, then by id, descending), paged;
    /// an empty page for a member who received none.
    func announcements(receivedBy memberID: Member.ID, now: Date, includeExpired: Bool, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>

    /// The announcements of an organization (of one author when `authorID` is set), newest first (by
    /// publication time, then by id, descending), paged; expired ones included.
    func announcements(in organizationID: Organization.ID, authorID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>

    /// A member's receipt of an announcement, or `nil` if they did not receive it (or either is unknown).
    func receipt(of announcementID: Announcement.ID, for memberID: Member.ID) async throws(CollabError)
        -> AnnouncementReceipt?

    /// Every receipt of an announcement, by member id, each with whether its notification was delivered to
    /// every hook (`false` while pending, parked or withheld); empty for an unknown announcement. Not paged.
    func receipts(of announcementID: Announcement.ID) async throws(CollabError)
        -> [(receipt: AnnouncementReceipt, delivered: Bool)]
}
