import CollabModel
import Foundation

/// The coordination scenarios beyond plain work items: announcements, meetings, emergency plans and
/// incidents (their timers are in ``TimerStore``).
///
/// Kept for compatibility: new code takes the narrower ``AnnouncementStore``, ``MeetingStore`` or
/// ``IncidentStore``. A record's audit trail (``AuditStore/auditTrail(of:)-(RecordReference)``)
/// is in ``AuditStore``, which ``WorkItemStore`` carries: an alias cannot carry it too, or a type that declares
/// conformance to both aliases (as a store implementing them in separate extensions does) would conform to
/// ``AuditStore`` twice, which Swift rejects.
public typealias ScenarioStore = AnnouncementStore & MeetingStore & IncidentStore

/// The scenario records a ``ChangeSet`` writes. Records with a `version` are written only if the stored
/// version is one less (or, for version 1, if there is none): otherwise the commit fails with
/// `CollabError.Code.conflict` and writes nothing.
public struct ScenarioChanges: Sendable {
    /// New or changed announcements.
    public var announcements: [Announcement] = []
    /// New or changed receipts.
    public var receipts: [AnnouncementReceipt] = []
    /// New or changed meetings.
    public var meetings: [Meeting] = []
    /// New plan versions (a version is never rewritten).
    public var emergencyPlans: [EmergencyPlan] = []
    /// New or changed incidents. A new incident whose trigger key is taken fails with
    /// `CollabError.Code.conflict`.
    public var incidents: [Incident] = []
    /// New timeline updates.
    public var incidentUpdates: [IncidentUpdate] = []
    /// New or changed resource requests.
    public var resourceRequests: [ResourceRequest] = []
    /// Timers to schedule (a timer already scheduled under the same id is left as it is, fired or not).
    public var timers: [ScheduledTimer] = []

    /// Creates an empty set.
    public init() {}

    /// Whether there is nothing to write.
    public var isEmpty: Bool {
        announcements.isEmpty && receipts.isEmpty && meetings.isEmpty && emergencyPlans.isEmpty && incidents.isEmpty
            && incidentUpdates.isEmpty && resourceRequests.isEmpty && timers.isEmpty
    }
}
