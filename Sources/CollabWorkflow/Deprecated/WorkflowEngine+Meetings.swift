import CollabModel
import CollabStore
import Foundation

// The engine's meeting methods before the desks (issue 16), kept for one release as forwards to
// ``MeetingDesk``.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "meetings.record(_:by:idempotencyKey:)")
    @discardableResult
    public func recordMeeting(_ draft: MeetingDraft, by organizer: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Meeting {
        try await meetings.record(draft, by: organizer, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "meetings.followUp(_:as:)")
    public func meetingFollowUp(_ id: Meeting.ID, as viewer: Member.ID) async throws(CollabError) -> MeetingFollowUp {
        try await meetings.followUp(id, as: viewer)
    }

    @available(*, deprecated, renamed: "meetings.list(as:page:)")
    public func meetings(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<Meeting> {
        try await meetings.list(as: viewer, page: page)
    }
}
