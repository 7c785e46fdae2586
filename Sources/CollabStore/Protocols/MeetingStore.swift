import CollabModel
import Foundation

/// Meetings: their agenda, participants, minutes and decisions.
///
/// Used by `MeetingDesk` (the meeting commands and lists) and by the engine's record rules.
///
/// Reads run in one read transaction and write nothing; changes are committed with ``ChangeStore/commit(_:)``
/// (``ChangeSet/scenario``). Point reads (by id) return `nil` for an unknown record and do not check who
/// may see it: the engine applies the record's rules. Pages are newest first, paged by a cursor of the last
/// entry; a malformed cursor throws `CollabError.Code.invalidInput` (problem `cursor`, kind `malformed`).
/// Otherwise only storage codes are thrown (`storageCorrupt` for a record that cannot be read back).
public protocol MeetingStore: Sendable {
    /// The meeting with `id`, or `nil` when there is none.
    func meeting(_ id: Meeting.ID) async throws(CollabError) -> Meeting?

    /// The meetings `memberID` organized, attended or owns a decision of (every meeting of the organization
    /// when `memberID` is `nil`), newest first (by start time, then by id, descending), paged.
    func meetings(in organizationID: Organization.ID, involving memberID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Meeting>
}
