import CollabModel
import Foundation

/// Emergency plans (every version), incidents with their timelines, and the resource requests of incidents.
///
/// Used by `IncidentDesk` (the plan, incident and resource-request commands and lists) and by the engine's
/// record rules.
///
/// Reads run in one read transaction and write nothing; changes are committed with ``ChangeStore/commit(_:)``
/// (``ChangeSet/scenario``). Point reads (by id) return `nil` for an unknown record and do not check who
/// may see it: the engine applies the record's rules. Pages are newest first, paged by a cursor of the last
/// entry; a malformed cursor throws `CollabError.Code.invalidInput` (problem `cursor`, kind `malformed`).
/// Otherwise only storage codes are thrown (`storageCorrupt` for a record that cannot be read back).
public protocol IncidentStore: Sendable {
    /// A version of an emergency plan (the latest when `version` is `nil`), or `nil` when the plan or that
    /// version does not exist.
    func emergencyPlan(_ id: EmergencyPlan.ID, version: Int?) async throws(CollabError) -> EmergencyPlan?

    /// The latest version of each emergency plan of an organization, by name (then by id). Not paged.
    func emergencyPlans(in organizationID: Organization.ID) async throws(CollabError) -> [EmergencyPlan]

    /// Every version of an emergency plan, oldest first (by version); empty for an unknown plan.
    func emergencyPlanVersions(_ id: EmergencyPlan.ID) async throws(CollabError) -> [EmergencyPlan]

    /// The incident with `id`, or `nil` when there is none.
    func incident(_ id: Incident.ID) async throws(CollabError) -> Incident?

    /// The incident of an organization triggered with `triggerKey`, or `nil` when there is none (a trigger key
    /// is unique in its organization: ``ScenarioChanges/incidents``).
    func incident(triggerKey: String, in organizationID: Organization.ID) async throws(CollabError) -> Incident?

    /// The incidents of an organization (in one state when `state` is set), newest first (by trigger time,
    /// then by id, descending), paged.
    func incidents(in organizationID: Organization.ID, state: Incident.State?, page: PageRequest)
        async throws(CollabError) -> Page<Incident>

    /// The timeline updates of an incident, oldest first (in commit order); empty for an unknown incident.
    func incidentUpdates(of incidentID: Incident.ID) async throws(CollabError) -> [IncidentUpdate]

    /// The resource request with `id`, or `nil` when there is none.
    func resourceRequest(_ id: ResourceRequest.ID) async throws(CollabError) -> ResourceRequest?

    /// The resource requests of an incident, oldest first (by creation time, then by id); empty for an unknown
    /// incident.
    func resourceRequests(of incidentID: Incident.ID) async throws(CollabError) -> [ResourceRequest]
}
