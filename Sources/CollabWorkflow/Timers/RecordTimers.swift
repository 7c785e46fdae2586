import CollabModel
import CollabStore
import Foundation

/// A record timer that fired, and whom it told.
public struct FiredRecordTimer: Hashable, Sendable {
    /// The timer.
    public var timer: RecordTimer
    /// When it fired.
    public var firedAt: Date
    /// Who was notified (nobody when there was nothing left to do: everyone had acknowledged).
    public var notified: [Member.ID]
}

extension WorkflowEngine {
    /// Fires the record timers that are due (``TimerDesk/fireDueRecordTimers(limit:)``).
    func runDueRecordTimers(limit: Int) async throws(CollabError) -> [FiredRecordTimer] {
        var fired: [FiredRecordTimer] = []
        var seen = Set<String>()
        while fired.count < limit {
            let due = try await store.dueRecordTimers(now: now(), limit: min(100, limit - fired.count))
                .filter { !seen.contains($0.id) }
            if due.isEmpty { break }
            try await directory.refresh()
            for timer in due {
                seen.insert(timer.id)
                if let result = try await fire(timer) { fired.append(result) }
            }
        }
        return fired
    }

    /// Fires one record timer; `nil` if another scheduler fired it first. A ticket's timer reads the service
    /// targets: it commits at the settings revision it read them at, else it is planned again.
    func fire(_ timer: RecordTimer) async throws(CollabError) -> FiredRecordTimer? {
        do {
            let fired = try await runEffect("fire_record_timer") { now throws(CollabError) in
                try await planFiring(timer, now: now)
            }
            logger.debug("record timer fired", metadata: ["timer": "\(timer.id)", "notified": "\(fired.notified.count)"])
            return fired
        } catch where error.code == .conflict {
            return nil
        }
    }

    private func planFiring(_ timer: RecordTimer, now: Date) async throws(CollabError) -> Planned<FiredRecordTimer> {
        var change = ChangeSet()
        change.firedRecordTimer = (timer.id, now)
        let notified: [Member.ID]
        switch timer.kind {
        case .acknowledgementReminder, .acknowledgementDeadline:
            notified = try await fireAnnouncementTimer(timer, into: &change, now: now)
        case .incidentAcknowledgement:
            notified = try await fireIncidentTimer(timer, into: &change, now: now)
        case .ticketFirstResponse, .ticketResolution:
            notified = try await fireTicketTimer(timer, into: &change, now: now)
        }
        return Planned(change, FiredRecordTimer(timer: timer, firedAt: now, notified: notified))
    }
}
