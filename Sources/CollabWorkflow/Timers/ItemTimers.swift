import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import ServiceLifecycle

/// A timer that fired, with what it caused.
public struct FiredTimer: Hashable, Sendable {
    /// The timer.
    public var timer: ScheduledTimer
    /// When it fired (the clock's time; later than `ScheduledTimer.fireAt` if the scheduler ran late).
    public var firedAt: Date
    /// Who was notified.
    public var notified: [Member.ID]
}

extension WorkflowEngine {
    // MARK: Planning

    /// Adds to `change` the pending timers of every item it writes.
    func planTimers(for change: inout ChangeSet, now: Date) async throws(CollabError) {
        var items: [WorkItem] = []
        switch change.item {
        case .insert(let item), .update(let item, _): items.append(item)
        case nil: break
        }
        items += change.additionalItems
        var calendars: [String: BusinessCalendar] = [:]
        for item in items {
            let key = "\(item.organizationID)|\(item.departmentIDs.first?.rawValue ?? "")"
            let calendar: BusinessCalendar
            if let known = calendars[key] {
                calendar = known
            } else {
                calendar = try await workingCalendar(for: item)
                calendars[key] = calendar
            }
            change.timerPlans.append(
                try await timerPlan(for: item, now: now, pending: change.adjustmentRequests, calendar: calendar))
        }
    }

    /// The timers `item` should have now.
    func timerPlan(
        for item: WorkItem, now: Date, pending requests: [AdjustmentRequest] = [], calendar known: BusinessCalendar? = nil
    ) async throws(CollabError) -> TimerPlan {
        var timers: [ScheduledTimer] = []
        let open: Set<WorkItemState> = [.assigned, .accepted, .inProgress, .inReview]
        guard open.contains(item.state) else {
            return TimerPlan(itemID: item.id, organizationID: item.organizationID, timers: [])
        }
        let policy = try await organizationSettings(item.organizationID).timers
        let due = item.dueAt.storedKey
        for offset in policy.reminderOffsets where offset > .zero {
            let fireAt = item.dueAt.addingTimeInterval(-offset.timeInterval)
            // A reminder is only useful before the deadline it announces; a late one is noise.
            if fireAt > now {
                timers.append(ScheduledTimer(
                    id: "\(item.id)|reminder|\(Int(offset.timeInterval))|\(due)", record: .workItem(item.id), organizationID: item.organizationID, kind: .reminder,
                    fireAt: fireAt))
            }
        }
        timers.append(ScheduledTimer(id: "\(item.id)|overdue|\(due)", record: .workItem(item.id), organizationID: item.organizationID, kind: .overdue, fireAt: item.dueAt))
        let calendar: BusinessCalendar
        if let known { calendar = known } else { calendar = try await workingCalendar(for: item) }
        if let delay = policy.escalationDelay, item.waitingOnExternalSince == nil {
            let pauses = item.externalWaitCount > 0 ? try await externalPauses(of: item.id, until: now) : []
            if let fireAt = calendar.addingWorkingTime(delay, to: item.dueAt, excluding: pauses) {
                timers.append(ScheduledTimer(
                    id: "\(item.id)|escalation|\(due)", record: .workItem(item.id), organizationID: item.organizationID, kind: .escalation, fireAt: fireAt))
            }
        }
        if let delay = policy.decisionReminderDelay {
            if item.state == .inReview, let fireAt = calendar.addingWorkingTime(delay, to: item.stateChangedAt) {
                timers.append(ScheduledTimer(
                    id: "\(item.id)|review|\(item.stateChangedAt.storedKey)", record: .workItem(item.id), organizationID: item.organizationID, kind: .reviewReminder,
                    fireAt: fireAt))
            }
            if let requestID = item.pendingAdjustmentID {
                var request = requests.first { $0.id == requestID }
                if request == nil { request = try await store.adjustmentRequest(requestID) }
                if let request, let fireAt = calendar.addingWorkingTime(delay, to: request.createdAt) {
                    timers.append(ScheduledTimer(
                        id: "\(item.id)|adjustment|\(request.id)", record: .workItem(item.id), organizationID: item.organizationID, kind: .adjustmentReminder,
                        fireAt: fireAt))
                }
            }
        }
        return TimerPlan(itemID: item.id, organizationID: item.organizationID, timers: timers)
    }

    /// The calendar that counts an item's working time: its first participating department's, else its
    /// organization's, else every hour of every day in the organization's zone.
    func workingCalendar(for item: WorkItem) async throws(CollabError) -> BusinessCalendar {
        try await workingCalendar(of: item.organizationID, department: item.departmentIDs.first)
    }

    /// The calendar of `department` (its organization's when it has none; every hour, in the organization's
    /// zone, when neither has one).
    func workingCalendar(of organizationID: Organization.ID, department: Department.ID?) async throws(CollabError)
        -> BusinessCalendar
    {
        if let department, let calendar = try await directory.calendar(for: organizationID, department: department) {
            return calendar
        }
        if let calendar = try await directory.calendar(for: organizationID, department: nil) { return calendar }
        let zone = try await directory.organization(organizationID)?.timeZoneIdentifier ?? "UTC"
        return .alwaysOpen(timeZoneIdentifier: zone)
    }

    /// The intervals the item waited on an outside party, read from its audit trail.
    func externalPauses(of id: WorkItem.ID, until now: Date) async throws(CollabError) -> [DateInterval] {
        var pauses: [DateInterval] = []
        var started: Date?
        for event in try await store.auditTrail(of: id) {
            if event.action == "wait_external" { started = event.occurredAt }
            if event.action == "resume_external", let start = started {
                if event.occurredAt > start { pauses.append(DateInterval(start: start, end: event.occurredAt)) }
                started = nil
            }
        }
        if let start = started, now > start { pauses.append(DateInterval(start: start, end: now)) }
        return pauses
    }

    /// Recomputes the timers of every open item of an organization (``TimerDesk/reschedule(in:)``).
    func runReschedule(in organizationID: Organization.ID) async throws(CollabError) -> Int {
        var count = 0
        var after: WorkItem.ID?
        while true {
            let ids = try await store.openItemIDs(in: organizationID, after: after, limit: 200)
            if ids.isEmpty { return count }
            try await directory.refresh()
            for id in ids {
                let rescheduled = try await runEffect("reschedule_timers") { now throws(CollabError) in
                    guard let item = try await store.workItem(id) else { return Planned(ChangeSet(), false) }
                    var change = ChangeSet()
                    change.timerPlans = [try await timerPlan(for: item, now: now)]
                    return Planned(change, true)
                }
                if rescheduled { count += 1 }
            }
            after = ids.last
        }
    }

    // MARK: Firing

    /// Fires every timer due now, of every record (``TimerDesk/fireDue(limit:)``): claims them in batches on the
    /// store's clock, fires each under its claim, and gives back the claims it did not get to.
    func runDueTimers(limit: Int) async throws(CollabError) -> [FiredTimer] {
        var fired: [FiredTimer] = []
        var seen = Set<String>()
        // A runner shutting down gracefully fires the batch it claimed, then claims no more.
        while fired.count < limit && !Task.isShuttingDownGracefully {
            let claims = try await store.claimDueTimers(
                now: now(), limit: min(100, limit - fired.count), lease: configuration.timerLease, owner: timerOwner)
            // A timer claimed again within one call did not fire (its claim was lost): stop rather than spin.
            let fresh = claims.filter { seen.insert($0.timer.id).inserted }
            try await store.releaseTimerClaims(claims.filter { claim in !fresh.contains(claim) })
            if fresh.isEmpty { break }
            do { try await directory.refresh() } catch {
                try? await store.releaseTimerClaims(fresh)
                throw error
            }
            for (index, claim) in fresh.enumerated() {
                do {
                    if let result = try await fire(claim) { fired.append(result) }
                } catch {
                    // Nothing of the failed firing was written; its claim and the others go back at once, so
                    // the next round tries them again. (Should giving them back fail too, the leases run out.)
                    try? await store.releaseTimerClaims(Array(fresh[index...]))
                    throw error
                }
            }
        }
        return fired
    }

    /// Fires one claimed timer; `nil` if its claim no longer holds (another scheduler rescued it after the lease
    /// ran out, it fired, or it was cancelled or moved meanwhile) or its effect met a concurrent change.
    func fire(_ claim: TimerClaim) async throws(CollabError) -> FiredTimer? {
        let timer = claim.timer
        do {
            let fired = try await runEffect("fire_timer") { now throws(CollabError) in
                let firing = TimerFiring(claim: claim, firedAt: now)
                if timer.record.kind == .workItem { return try await planFiring(firing, now: now) }
                return try await planRecordFiring(firing, now: now)
            }
            logger.debug("timer fired", metadata: ["timer": "\(timer.id)", "notified": "\(fired.notified.count)"])
            let kind = [("kind", timer.kind.rawValue)]
            telemetry.count(CollabTelemetry.timersFiredTotal, kind)
            telemetry.record(CollabTelemetry.timerLag, kind, seconds: fired.firedAt.timeIntervalSince(timer.fireAt))
            return fired
        } catch where error.code == .conflict {
            // Its claim was lost (rescued, fired, moved) — or the effect met a concurrent change of its record:
            // then the claim still holds and goes back, so the next round tries the timer again at once.
            logger.debug("timer not fired", metadata: ["timer": "\(timer.id)", "reason": "\(error.message)"])
            try? await store.releaseTimerClaims([claim])
            return nil
        }
    }

    private func planFiring(_ firing: TimerFiring, now: Date) async throws(CollabError) -> Planned<FiredTimer> {
        let timer = firing.claim.timer
        var change = ChangeSet()
        change.firedTimer = firing
        var notified: [Member.ID] = []
        if let itemID = timer.itemID, let item = try await store.workItem(itemID), !item.state.isClosed,
            item.state != .draft
        {
            func notify(_ recipients: [Member.ID], _ kind: Notice.Kind, urgency: Notice.Urgency = .normal,
                _ key: String)
            {
                let message = LocalizedMessage(key, ["title": .text(item.title), "deadline": .deadline(item.deadline)])
                for recipient in Array(Set(recipients)).sorted() {
                    change.notifications.append(Notice(
                        id: Notice.ID(identifiers.next()), organizationID: item.organizationID, recipientID: recipient,
                        kind: kind, urgency: urgency, itemID: item.id, actorID: nil, message: message, createdAt: now))
                    notified.append(recipient)
                }
            }
            func audit(_ action: String, _ details: [String: String] = [:]) {
                change.auditEvents.append(AuditEvent(
                    id: AuditEvent.ID(identifiers.next()), organizationID: item.organizationID, itemID: item.id,
                    actorID: AuditEvent.systemActor, action: action, fromState: item.state, toState: item.state,
                    details: details.merging(["timer": timer.id]) { a, _ in a }, occurredAt: now))
            }
            switch timer.kind {
            case .reminder:
                notify(item.assigneeIDs, .deadlineReminder, "notice.due_soon")
            case .overdue:
                audit("overdue", ["deadline": item.deadline.description])
                notify(item.assigneeIDs + [item.initiatorID], .overdue, "notice.overdue")
            case .escalation:
                // To the heads of the item's departments; failing those (an item in no department, departments
                // without a head), to its initiator and the organization's administrators. Only to those who
                // may see the item: a notice to anyone else would be suppressed at delivery and hidden in
                // their inbox, and the escalation would reach nobody.
                var heads = try await viewers(of: item, among: try await directory.heads(of: Set(item.departmentIDs)))
                if heads.isEmpty {
                    let administrators = try await store.members(in: item.organizationID)
                        .filter { $0.isActive && $0.isAdministrator }.map(\.id)
                    heads = try await viewers(of: item, among: [item.initiatorID] + administrators)
                }
                audit("escalate", ["heads": heads.map(\.rawValue).joined(separator: ",")])
                notify(heads, .escalated, urgency: .urgent, "notice.escalated")
            case .reviewReminder:
                if item.state == .inReview {
                    notify([item.effectiveReviewerID], .decisionReminder, "notice.review_waiting")
                }
            case .adjustmentReminder:
                if item.pendingAdjustmentID != nil {
                    notify([item.initiatorID], .decisionReminder, "notice.adjustment_waiting")
                }
            case .acknowledgementReminder, .acknowledgementDeadline, .incidentAcknowledgement, .ticketFirstResponse,
                .ticketResolution, .approvalTimeout:
                break  // timers of other records (planRecordFiring)
            }
        }
        return Planned(change, FiredTimer(timer: timer, firedAt: now, notified: notified))
    }

    /// Those of `members` who may view `item`, in order, once each.
    private func viewers(of item: WorkItem, among members: [Member.ID]) async throws(CollabError) -> [Member.ID] {
        var result: [Member.ID] = []
        for member in members where !result.contains(member) {
            if let subject = try await directory.subject(for: member), authorizer.isAllowed(subject, .view, on: item) {
                result.append(member)
            }
        }
        return result
    }

    // MARK: Recurrence

    /// Adds the next occurrence of a recurring item to the change that completes it.
    func scheduleNextOccurrence(of item: WorkItem, in context: inout CommandContext) async throws(CollabError) {
        guard let rule = item.recurrence else { return }
        guard let organization = try await directory.organization(item.organizationID), let zone = organization.timeZone
        else { return }
        let calendar = try await workingCalendar(for: item)
        var date: CalendarDate
        switch item.deadline {
        case .endOfDay(let day): date = day
        case .instant(let instant): date = CalendarDate(instant, in: zone)
        }
        let today = CalendarDate(context.now, in: zone)
        var next: Deadline?
        for _ in 0..<1000 {
            guard let following = rule.nextOccurrence(after: date, calendar: calendar) else { break }
            date = following
            let candidate: Deadline
            switch item.deadline {
            case .endOfDay: candidate = .endOfDay(following)
            case .instant(let instant):
                var gregorian = Calendar(identifier: .gregorian)
                gregorian.timeZone = zone
                let time = gregorian.dateComponents([.hour, .minute, .second], from: instant)
                guard let moved = gregorian.date(from: DateComponents(
                    year: following.year, month: following.month, day: following.day,
                    hour: time.hour, minute: time.minute, second: time.second))
                else { continue }
                candidate = .instant(Self.truncated(moved))
            }
            if following >= today, let due = candidate.dueInstant(in: zone), due > context.now {
                next = candidate
                break
            }
        }
        guard let deadline = next, let dueAt = deadline.dueInstant(in: zone) else { return }
        let occurrence = WorkItem(
            id: WorkItem.ID(identifiers.next()), organizationID: item.organizationID, title: item.title,
            description: item.description, priority: item.priority, initiatorID: item.initiatorID,
            assigneeIDs: item.assigneeIDs, reviewerID: item.reviewerID, watcherIDs: item.watcherIDs,
            departmentIDs: item.departmentIDs, partnerOrganizationIDs: item.partnerOrganizationIDs, start: context.now,
            deadline: deadline, dueAt: Self.truncated(dueAt), attachments: item.attachments, tags: item.tags,
            state: .assigned, createdAt: context.now, updatedAt: context.now, recurrence: rule,
            seriesID: item.seriesID ?? item.id)
        context.change.additionalItems.append(occurrence)
        context.change.auditEvents.append(AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: item.organizationID, itemID: occurrence.id,
            actorID: context.subject.memberID, action: "create", fromState: nil, toState: .assigned,
            details: ["series": (item.seriesID ?? item.id).rawValue, "previous": item.id.rawValue,
                "deadline": deadline.description],
            occurredAt: context.now))
        for assignee in occurrence.assigneeIDs where assignee != context.subject.memberID {
            context.change.notifications.append(Notice(
                id: Notice.ID(identifiers.next()), organizationID: item.organizationID, recipientID: assignee,
                kind: .assigned, itemID: occurrence.id, actorID: context.subject.memberID,
                message: LocalizedMessage("notice.next_occurrence", [
                    "title": .text(occurrence.title), "deadline": .deadline(deadline),
                ]), createdAt: context.now))
        }
    }
}

extension Date {
    /// Milliseconds since 1970, for stable timer identities.
    /// Milliseconds since 1970, for timer ids, as the store keeps instants.
    var storedKey: Int64 { millisecondsSince1970 }
}
