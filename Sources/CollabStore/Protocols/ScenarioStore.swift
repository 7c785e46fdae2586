import CollabModel
import Foundation

/// Stores the coordination scenarios beyond plain work items: announcements and their receipts, meetings,
/// emergency plans (every version), incidents with their timelines and resource requests, and the timers
/// of these records. Their changes are committed with ``WorkItemStore/commit(_:)`` as part of a
/// ``ChangeSet``, atomically with the work items, audit events and notifications they cause.
public protocol ScenarioStore: Sendable {
    /// The announcement with `id`, if any.
    func announcement(_ id: Announcement.ID) async throws(CollabError) -> Announcement?

    /// The announcements `memberID` received that have not expired at `now` (all of them when
    /// `includeExpired`), pinned first, then newest first, paged.
    func announcements(receivedBy memberID: Member.ID, now: Date, includeExpired: Bool, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>

    /// The announcements of an organization (of one author when `authorID` is set), newest first, paged.
    func announcements(in organizationID: Organization.ID, authorID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Announcement>

    /// A member's receipt of an announcement, if they received it.
    func receipt(of announcementID: Announcement.ID, for memberID: Member.ID) async throws(CollabError)
        -> AnnouncementReceipt?

    /// Every receipt of an announcement, by member id, each with whether its notification was delivered to
    /// every hook.
    func receipts(of announcementID: Announcement.ID) async throws(CollabError)
        -> [(receipt: AnnouncementReceipt, delivered: Bool)]

    /// The meeting with `id`, if any.
    func meeting(_ id: Meeting.ID) async throws(CollabError) -> Meeting?

    /// The meetings `memberID` organized, attended or owns a decision of (every meeting of the organization
    /// when `memberID` is `nil`), newest first, paged.
    func meetings(in organizationID: Organization.ID, involving memberID: Member.ID?, page: PageRequest)
        async throws(CollabError) -> Page<Meeting>

    /// A version of an emergency plan (the latest when `version` is `nil`), if any.
    func emergencyPlan(_ id: EmergencyPlan.ID, version: Int?) async throws(CollabError) -> EmergencyPlan?

    /// The latest version of each emergency plan of an organization, by name.
    func emergencyPlans(in organizationID: Organization.ID) async throws(CollabError) -> [EmergencyPlan]

    /// Every version of an emergency plan, oldest first.
    func emergencyPlanVersions(_ id: EmergencyPlan.ID) async throws(CollabError) -> [EmergencyPlan]

    /// The incident with `id`, if any.
    func incident(_ id: Incident.ID) async throws(CollabError) -> Incident?

    /// The incident of an organization triggered with `triggerKey`, if any.
    func incident(triggerKey: String, in organizationID: Organization.ID) async throws(CollabError) -> Incident?

    /// The incidents of an organization (in one state when `state` is set), newest first, paged.
    func incidents(in organizationID: Organization.ID, state: Incident.State?, page: PageRequest)
        async throws(CollabError) -> Page<Incident>

    /// The timeline updates of an incident, oldest first.
    func incidentUpdates(of incidentID: Incident.ID) async throws(CollabError) -> [IncidentUpdate]

    /// The resource request with `id`, if any.
    func resourceRequest(_ id: ResourceRequest.ID) async throws(CollabError) -> ResourceRequest?

    /// The resource requests of an incident, oldest first.
    func resourceRequests(of incidentID: Incident.ID) async throws(CollabError) -> [ResourceRequest]

    /// The audit events about a record (an announcement, a meeting, an incident), in commit order.
    func auditTrail(of record: RecordReference) async throws(CollabError) -> [AuditEvent]


}

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
