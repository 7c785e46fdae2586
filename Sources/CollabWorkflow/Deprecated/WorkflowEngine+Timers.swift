import CollabModel
import CollabStore
import Foundation

// The engine's timer methods before the desks (issue 16), kept for one release as forwards to the timer desk.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "timers.fireDue(limit:)")
    @discardableResult
    public func fireDueTimers(limit: Int = 500) async throws(CollabError) -> [FiredTimer] {
        try await timers.fireDue(limit: limit)
    }

    @available(*, deprecated, renamed: "timers.fireDue(limit:)")
    @discardableResult
    public func fireDueRecordTimers(limit: Int = 500) async throws(CollabError) -> [FiredTimer] {
        try await timers.runDueRecordTimersForCompatibility(limit: limit)
    }

    @available(*, deprecated, renamed: "timers.reschedule(in:)")
    @discardableResult
    public func rescheduleTimers(in organizationID: Organization.ID) async throws(CollabError) -> Int {
        try await timers.reschedule(in: organizationID)
    }

}
