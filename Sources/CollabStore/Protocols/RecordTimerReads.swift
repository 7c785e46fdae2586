import CollabModel
import Foundation

/// The timer reads of records that are not work items: what the timer runner (`CollabRunner`) polls for due
/// record timers. Temporary: these requirements and ``RecordTimer`` are being replaced by one timer type and
/// a `TimerStore` protocol; until then they stay as they were in `ScenarioStore`.
public protocol RecordTimerReads: Sendable {
    /// Pending record timers due at or before `now`, earliest first (then by id).
    func dueRecordTimers(now: Date, limit: Int) async throws(CollabError) -> [RecordTimer]

    /// The earliest instant at which a pending record timer is due, if any.
    func nextRecordTimerDue() async throws(CollabError) -> Date?
}

/// A durable timer of a record that is not a work item: an announcement's acknowledgement reminder, an
/// incident department's acknowledgement deadline. It fires exactly once (see ``ChangeSet/firedRecordTimer``).
public struct RecordTimer: Hashable, Sendable, Codable {
    /// What the timer does.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Remind the recipients of an announcement who have not acknowledged it.
        case acknowledgementReminder = "acknowledgement_reminder"
        /// An announcement's acknowledgement deadline passed: tell the department heads who is missing.
        case acknowledgementDeadline = "acknowledgement_deadline"
        /// An incident department's acknowledgement deadline passed: escalate its unaccepted tasks.
        case incidentAcknowledgement = "incident_acknowledgement"
        /// A ticket's first-response target falls due: tell the department if it is missed.
        case ticketFirstResponse = "ticket_first_response"
        /// A ticket's resolution target falls due: tell the department if it is missed.
        case ticketResolution = "ticket_resolution"
    }

    /// A stable identity: scheduling the same timer again does nothing.
    public var id: String
    /// The record.
    public var record: RecordReference
    /// Its organization.
    public var organizationID: Organization.ID
    /// What it does.
    public var kind: Kind
    /// A detail of what it does (the department of an incident's deadline).
    public var detail: String
    /// When it is due.
    public var fireAt: Date

    /// Creates a timer.
    public init(
        id: String, record: RecordReference, organizationID: Organization.ID, kind: Kind, detail: String = "",
        fireAt: Date
    ) {
        self.id = id
        self.record = record
        self.organizationID = organizationID
        self.kind = kind
        self.detail = detail
        self.fireAt = fireAt
    }
}
