import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The meeting desk: minutes and decisions of meetings, each decision with an owner and a due date turned
/// into an action item (a work item), and the follow-up of those items.
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data (a deactivated member is refused with `CollabError.Code.forbidden`), the rights
/// re-checked at commit, and one atomic commit of the meeting with its items, audit events and notifications.
///
/// Every right is decided by the engine's one `AccessControl` (its `scenario_rules` rule set, then the host's
/// rules): a host `AccessRuleExtension` that denies `meeting.record` (or `work_item.create`, for a meeting whose
/// decisions become action items) refuses that write with `CollabError.Code.forbidden`, and nothing is written.
///
/// ```swift
/// let meeting = try await engine.meetings.record(
///     MeetingDraft(title: "Weekly sync", startsAt: start, attendeeIDs: ["li.wei"],
///                  decisions: [.init("Fix the login crash", owner: "li.wei",
///                                    due: .endOfDay(CalendarDate(year: 2026, month: 12, day: 11)))]),
///     by: "zhang.min", idempotencyKey: "sync-2026-12-03")
/// let followUp = try await engine.meetings.followUp(meeting.id, as: "zhang.min")
/// ```
public struct MeetingDesk: Sendable {
    let engine: WorkflowEngine

    /// Records a meeting and its decisions. Each decision with an owner and a due date becomes an action item:
    /// a work item assigned to the owner, initiated (and reviewed) by the organizer, tagged `meeting`, in the
    /// owner's first department, linked to the meeting and the decision. Meeting, items, audit events and
    /// notifications commit in one transaction.
    ///
    /// - Parameter draft: the meeting: its title, time, attendees, minutes and decisions.
    /// - Parameter organizer: who records it, and initiates its action items.
    /// - Parameter idempotencyKey: a retry with the same key and draft returns the first meeting and creates
    ///   nothing — while the organizer is active (else `forbidden`) and may still see the meeting (else
    ///   `notFound`); the same key with another draft is `CollabError.Code.idempotencyKeyReused`. Keys are
    ///   scoped to the organizer.
    /// - Throws: `CollabError.Code.invalidInput` listing every problem (an attendee or owner who is not an
    ///   active member, a due date in the past); `CollabError.Code.forbidden` for outside members and
    ///   deactivated organizers.
    @discardableResult
    public func record(_ draft: MeetingDraft, by organizer: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> Meeting
    {
        let engine = engine
        return try await engine.run(Command("record_meeting", by: organizer, inputs: ["draft": draft],
            idempotencyKey: idempotencyKey, visible: engine.meetingVisible)) { planning throws(CollabError) in
            try await engine.planRecordMeeting(draft, planning)
        }
    }

    /// The meeting with the follow-up state of each decision's action item.
    ///
    /// - Throws: `CollabError.Code.notFound` unless `viewer` organized or attended it, owns one of its
    ///   decisions, or is an administrator or auditor.
    public func followUp(_ id: Meeting.ID, as viewer: Member.ID) async throws(CollabError) -> MeetingFollowUp {
        try await engine.followUpOfMeeting(id, as: viewer)
    }

    /// The meetings `viewer` organized, attended or owns a decision of (every meeting for administrators and
    /// auditors), newest first.
    public func list(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<Meeting> {
        try await engine.meetingsInvolving(as: viewer, page: page)
    }
}

extension WorkflowEngine {
    /// The meeting desk: record meetings and follow their decisions up.
    public var meetings: MeetingDesk { MeetingDesk(engine: self) }
}
