import CollabModel
import CollabStore
import Foundation

/// The timer desk: reminders, overdue notices, escalations, decision reminders, acknowledgement deadlines and
/// ticket service targets, fired when due.
///
/// A host usually leaves this to ``CollabRunner``, which calls ``fireDue(limit:)`` on an interval; tests move a
/// `ManualClock` and call it directly. Each timer fires exactly once, even with several schedulers on one
/// database: a scheduler claims due timers for ``WorkflowEngine/Configuration/timerLease`` on the store's clock,
/// and a timer's effect (notices, audit events) commits through the engine's one write pipeline together with
/// the mark that it fired, only while the claim holds. A scheduler that stops or stalls loses its claims when
/// their lease runs out, and another one fires those timers.
public struct TimerDesk: Sendable {
    let engine: WorkflowEngine

    /// Fires every timer due now — of work items, announcements, incidents and tickets — earliest first, each
    /// exactly once even when several processes run schedulers on one database, each in its own transaction
    /// with its effects. Returns what fired, at most `limit` timers; the rest fire on the next call.
    @discardableResult
    public func fireDue(limit: Int = 500) async throws(CollabError) -> [FiredTimer] {
        try await engine.runDueTimers(limit: limit)
    }

    /// Fires every timer due now, as ``fireDue(limit:)`` does, and returns those of records other than work
    /// items (announcement reminders and acknowledgement deadlines, incident acknowledgement deadlines, ticket
    /// service targets).
    @available(*, deprecated, message: "every timer fires through fireDue(limit:); filter its result by timer.record")
    @discardableResult
    public func fireDueRecordTimers(limit: Int = 500) async throws(CollabError) -> [FiredTimer] {
        try await runDueRecordTimersForCompatibility(limit: limit)
    }

    /// ``fireDueRecordTimers(limit:)`` without the deprecation (for the engine's own deprecated forward).
    func runDueRecordTimersForCompatibility(limit: Int) async throws(CollabError) -> [FiredTimer] {
        try await engine.runDueTimers(limit: limit).filter { $0.timer.record.kind != .workItem }
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
