import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Plans ``MeetingDesk/record(_:by:idempotencyKey:)``.
    func planRecordMeeting(_ draft: MeetingDraft, _ planning: Planning) async throws(CollabError) -> Planned<Meeting> {
        let subject = planning.subject
        let organizer = subject.memberID
        let organization = AccessTarget.organization(subject.organizationID)
        try authorize(subject, .recordMeeting, on: organization, otherwise: refusal(subject, .recordMeeting,
            on: organization, CollabError(.forbidden, "members of outside organizations cannot record meetings")))
        var report = draft.validate(limits: configuration.limits)
        let people = Set(draft.attendeeIDs + draft.decisions.compactMap(\.ownerID))
        let active = Set(try await directory.members(people)
            .filter { $0.organizationID == subject.organizationID && $0.isActive }.map(\.id))
        for (index, attendee) in draft.attendeeIDs.enumerated() where !active.contains(attendee) {
            report.add("attendeeIDs[\(index)]", .unknownMember, "'\(attendee)' is not an active member of the organization")
        }
        try report.throwIfInvalid()

        let now = planning.now
        let meetingID = Meeting.ID(identifiers.next())
        let record = RecordReference.meeting(meetingID)
        var change = ChangeSet()
        var decisions: [MeetingDecision] = []
        var problems: [ValidationProblem] = []
        for (index, decision) in draft.decisions.enumerated() {
            var recorded = MeetingDecision(id: MeetingDecision.ID(identifiers.next()), text: decision.text,
                ownerID: decision.ownerID, due: decision.due.map(Self.truncated), actionItemID: nil)
            if let owner = decision.ownerID, let due = decision.due {
                let ownerDepartments = try await directory.member(owner)?.departments.map(\.departmentID) ?? []
                let itemDraft = WorkItemDraft(
                    title: decision.text.clipped(configuration.limits.titleLength),
                    description: "Decided in \"\(draft.title)\" on \(draft.startsAt).\n\n\(decision.text)",
                    priority: decision.priority, assigneeIDs: [owner],
                    departmentIDs: Array(ownerDepartments.prefix(1)), deadline: due, tags: ["meeting"])
                do {
                    let plan = try await planNewItem(itemDraft, subject: subject, now: now,
                        details: ["meeting": meetingID.rawValue, "decision": recorded.id.rawValue])
                    recorded.actionItemID = plan.item.id
                    merge(plan, into: &change)
                } catch where error.code == .invalidInput {
                    for problem in error.problems {
                        problems.append(ValidationProblem(field: "decisions[\(index)].\(problem.field)",
                            kind: problem.kind, message: problem.message))
                    }
                }
            }
            decisions.append(recorded)
        }
        if !problems.isEmpty { throw CollabError.invalid(problems) }
        var attendees = draft.attendeeIDs
        if !attendees.contains(organizer) { attendees.insert(organizer, at: 0) }
        let meeting = Meeting(
            id: meetingID, organizationID: subject.organizationID, title: draft.title,
            startsAt: Self.truncated(draft.startsAt), endsAt: draft.endsAt.map(Self.truncated), location: draft.location,
            organizerID: organizer, attendeeIDs: attendees, minutes: draft.minutes, decisions: decisions,
            recordedAt: now)
        change.scenario.meetings = [meeting]
        change.auditEvents.append(recordEvent(record, organization: meeting.organizationID, actor: organizer,
            action: "record_meeting", details: [
                "title": meeting.title, "decisions": String(decisions.count),
                "action_items": decisions.compactMap(\.actionItemID).map(\.rawValue).joined(separator: ","),
            ], at: now))
        try await planTimers(for: &change, now: now)
        return Planned(change, meeting)
    }

    /// Throws `CollabError.Code.notFound` unless `subject` may still see the meeting (a replay's check).
    func meetingVisible(_ subject: Subject, _ meeting: Meeting) async throws(CollabError) {
        _ = try await visibleMeeting(meeting.id, to: subject)
    }

    /// The meeting, if `subject` may see it; else `CollabError.Code.notFound`, as for an unknown id.
    private func visibleMeeting(_ id: Meeting.ID, to subject: Subject) async throws(CollabError) -> Meeting {
        guard let meeting = try await store.meeting(id), isAllowed(subject, .viewMeeting, on: .meeting(meeting)) else {
            throw CollabError.notFound("meeting", id.rawValue)
        }
        return meeting
    }

    /// The meeting with the follow-up state of each decision's action item (``MeetingDesk/followUp(_:as:)``).
    func followUpOfMeeting(_ id: Meeting.ID, as viewer: Member.ID) async throws(CollabError) -> MeetingFollowUp {
        let subject = try await subject(viewer)
        let meeting = try await visibleMeeting(id, to: subject)
        let now = now()
        var entries: [MeetingFollowUp.Entry] = []
        var open = 0, completed = 0, cancelled = 0, overdue = 0
        for decision in meeting.decisions {
            var item: WorkItem?
            if let itemID = decision.actionItemID, let found = try await store.workItem(itemID) {
                item = found
                switch found.state {
                case .completed: completed += 1
                case .cancelled: cancelled += 1
                default: open += 1
                }
                if found.isOverdue(at: now) { overdue += 1 }
            }
            // Every viewer of the meeting sees each action item's state and due date; the item itself only
            // those who may see it, as they may see it.
            let visible = item.flatMap {
                isAllowed(subject, .viewWorkItem, on: .workItem($0)) ? authorizer.redacted($0, for: subject) : nil
            }
            entries.append(MeetingFollowUp.Entry(decision: decision, actionItem: visible, actionItemState: item?.state,
                actionItemDueAt: item?.dueAt, isOverdue: item?.isOverdue(at: now) ?? false))
        }
        return MeetingFollowUp(meeting: meeting, entries: entries, open: open, completed: completed,
            cancelled: cancelled, overdue: overdue)
    }

    /// The meetings `viewer` is involved in (``MeetingDesk/list(as:page:)``).
    func meetingsInvolving(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<Meeting> {
        let subject = try await subject(viewer)
        // The query's scope (every meeting of the organization for overseers, else those one is involved in)
        // only narrows what is read; the access control decides what is returned.
        let overseer = subject.isAdministrator || subject.roles.contains(.auditor)
        var found = try await store.meetings(in: subject.organizationID, involving: overseer ? nil : viewer, page: page)
        found.items = found.items.filter { isAllowed(subject, .viewMeeting, on: .meeting($0)) }
        return found
    }

    // MARK: Items created by scenarios

    /// Plans a new, submitted work item for a scenario (a meeting's action item, an incident's task) through
    /// the same validation as ``WorkItemCommand/create(_:submit:)``, with its audit event and assignment
    /// notifications.
    func planNewItem(_ draft: WorkItemDraft, subject: Subject, now: Date, details: [String: String],
        notifyAssignees: Bool = true) async throws(CollabError) -> (item: WorkItem, change: ChangeSet)
    {
        let plan = try await planCreate(draft, submit: true, subject: subject, now: now)
        var change = plan.change
        for index in change.auditEvents.indices {
            change.auditEvents[index].details.merge(details) { _, new in new }
        }
        if !notifyAssignees { change.notifications.removeAll() }
        return (plan.result.item, change)
    }

    /// Adds a planned item's writes to `change`: the first item as the change's item, the others as
    /// additional items.
    func merge(_ planned: (item: WorkItem, change: ChangeSet), into change: inout ChangeSet) {
        if change.item == nil {
            change.item = .insert(planned.item)
        } else {
            change.additionalItems.append(planned.item)
        }
        change.auditEvents += planned.change.auditEvents
        change.notifications += planned.change.notifications
    }
}
