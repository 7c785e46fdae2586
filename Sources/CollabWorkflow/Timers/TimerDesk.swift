import CollabModel
import CollabStore
import Foundation

/// The timer desk: reminders, overdue notices, escalations, decision reminders, acknowledgement deadlines and
/// ticket service targets, fired when due.
///
/// A host usually leaves this to ``CollabRunner``, which calls ``fireDue(limit:)`` on an interval; tests move a
/// ``ManualClock`` and call it directly. Each timer fires exactly once, even with several schedulers on one
/// database: its effect (notices, audit events) commits through the engine's one write pipeline together with
/// the mark that it fired.
public struct TimerDesk: Sendable {
    let engine: WorkflowEngine

    /// Fires every timer due now, earliest first, each exactly once even when several processes run
    /// schedulers on one database. Returns the item timers that fired; the record timers of announcements,
    /// incidents and tickets due by then fire too, within the same `limit` (``fireDueRecordTimers(limit:)``
    /// returns those).
    @discardableResult
    public func fireDue(limit: Int = 500) async throws(CollabError) -> [FiredTimer] {
        try await engine.runDueTimers(limit: limit)
    }

    /// Fires the record timers that are due (announcement reminders and acknowledgement deadlines, incident
    /// acknowledgement deadlines, ticket service targets), each exactly once, in its own transaction with its
    /// effects. ``fireDue(limit:)`` calls this too; call it directly to see what fired.
    @discardableResult
    public func fireDueRecordTimers(limit: Int = 500) async throws(CollabError) -> [FiredRecordTimer] {
        try await engine.runDueRecordTimers(limit: limit)
    }

    /// Recomputes the timers of every open item of an organization, for instance after its calendar
    /// changed. Returns how many items were rescheduled.
    @discardableResult
    public func reschedule(in organizationID: Organization.ID) async throws(CollabError) -> Int {
        try await engine.runReschedule(in: organizationID)
    }
}

extension WorkflowEngine {
    /// Timers: reminders, escalations, acknowledgement deadlines and service targets, fired when due.
    public var timers: TimerDesk { TimerDesk(engine: self) }
}
