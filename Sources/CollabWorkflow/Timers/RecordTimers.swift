import CollabModel
import CollabStore
import Foundation

/// The former name of a fired timer of a record other than a work item: every timer that fires is a
/// ``FiredTimer`` now.
@available(*, deprecated, renamed: "FiredTimer")
public typealias FiredRecordTimer = FiredTimer

extension WorkflowEngine {
    /// Plans the effect of a timer of a record other than a work item. A ticket's timer reads the service
    /// targets: it commits at the settings revision it read them at, else it is planned again.
    func planRecordFiring(_ firing: TimerFiring, now: Date) async throws(CollabError) -> Planned<FiredTimer> {
        let timer = firing.claim.timer
        var change = ChangeSet()
        change.firedTimer = firing
        let notified: [Member.ID]
        switch timer.kind {
        case .acknowledgementReminder, .acknowledgementDeadline:
            notified = try await fireAnnouncementTimer(timer, into: &change, now: now)
        case .incidentAcknowledgement:
            notified = try await fireIncidentTimer(timer, into: &change, now: now)
        case .ticketFirstResponse, .ticketResolution:
            notified = try await fireTicketTimer(timer, into: &change, now: now)
        case .approvalTimeout:
            notified = try await fireApprovalTimeout(timer, into: &change, now: now)
        case .reminder, .overdue, .escalation, .reviewReminder, .adjustmentReminder:
            // A work item's kind on another record: nothing to do, but it fires (once) all the same.
            logger.warning("timer of a work item's kind on another record", metadata: ["timer": "\(timer.id)"])
            notified = []
        }
        return Planned(change, FiredTimer(timer: timer, firedAt: now, notified: notified))
    }
}
