import CollabModel
import CollabStore
import Foundation

// The engine's emergency-plan and incident methods before the desks (issue 16), kept for one release as
// forwards to ``IncidentDesk``.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "incidents.savePlan(_:as:by:expectedVersion:idempotencyKey:)")
    @discardableResult
    public func savePlan(_ draft: EmergencyPlanDraft, as planID: EmergencyPlan.ID? = nil, by admin: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil) async throws(CollabError) -> EmergencyPlan {
        try await incidents.savePlan(draft, as: planID, by: admin, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "incidents.plan(_:version:as:)")
    public func emergencyPlan(_ id: EmergencyPlan.ID, version: Int? = nil, as viewer: Member.ID) async throws(CollabError) -> EmergencyPlan {
        try await incidents.plan(id, version: version, as: viewer)
    }

    @available(*, deprecated, renamed: "incidents.planVersions(_:as:)")
    public func emergencyPlanVersions(_ id: EmergencyPlan.ID, as viewer: Member.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await incidents.planVersions(id, as: viewer)
    }

    @available(*, deprecated, renamed: "incidents.plans(as:)")
    public func emergencyPlans(as viewer: Member.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await incidents.plans(as: viewer)
    }

    @available(*, deprecated, renamed: "incidents.preview(_:as:details:)")
    public func preview(_ planID: EmergencyPlan.ID, as viewer: Member.ID, details: String = "") async throws(CollabError) -> IncidentPreview {
        try await incidents.preview(planID, as: viewer, details: details)
    }

    @available(*, deprecated, renamed: "incidents.trigger(_:by:triggerKey:title:details:idempotencyKey:)")
    @discardableResult
    public func trigger(_ planID: EmergencyPlan.ID, by commander: Member.ID, triggerKey: String, title: String? = nil, details: String = "", idempotencyKey: String? = nil) async throws(CollabError) -> Incident {
        try await incidents.trigger(planID, by: commander, triggerKey: triggerKey, title: title, details: details, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "incidents.incident(_:as:)")
    public func incident(_ id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> Incident {
        try await incidents.incident(id, as: viewer)
    }

    @available(*, deprecated, renamed: "incidents.list(as:state:page:)")
    public func incidents(as viewer: Member.ID, state: Incident.State? = nil, page: PageRequest = .first) async throws(CollabError) -> Page<Incident> {
        try await incidents.list(as: viewer, state: state, page: page)
    }

    @available(*, deprecated, renamed: "incidents.postUpdate(to:text:readings:attachments:by:idempotencyKey:)")
    @discardableResult
    public func postUpdate(to id: Incident.ID, text: String, readings: [String: String] = [:], attachments: [FileAttachment] = [], by author: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> IncidentUpdate {
        try await incidents.postUpdate(to: id, text: text, readings: readings, attachments: attachments, by: author, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "incidents.updates(of:as:)")
    public func incidentUpdates(of id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> [IncidentUpdate] {
        try await incidents.updates(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "incidents.requestResource(for:from:resource:quantity:neededBy:by:idempotencyKey:)")
    @discardableResult
    public func requestResource(for id: Incident.ID, from department: Department.ID, resource: String, quantity: Int = 1, neededBy: Date? = nil, by requester: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> ResourceRequest {
        try await incidents.requestResource(for: id, from: department, resource: resource, quantity: quantity, neededBy: neededBy, by: requester, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "incidents.fulfil(_:note:by:idempotencyKey:)")
    @discardableResult
    public func fulfil(_ id: ResourceRequest.ID, note: String? = nil, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> ResourceRequest {
        try await incidents.fulfil(id, note: note, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "incidents.decline(_:reason:by:idempotencyKey:)")
    @discardableResult
    public func decline(_ id: ResourceRequest.ID, reason: String, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> ResourceRequest {
        try await incidents.decline(id, reason: reason, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "incidents.resourceRequests(of:as:)")
    public func resourceRequests(of id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> [ResourceRequest] {
        try await incidents.resourceRequests(of: id, as: viewer)
    }

    @available(*, deprecated, renamed: "incidents.close(_:resolution:by:idempotencyKey:)")
    @discardableResult
    public func closeIncident(_ id: Incident.ID, resolution: String, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Incident {
        try await incidents.close(id, resolution: resolution, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "incidents.summary(_:as:)")
    public func incidentSummary(_ id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> IncidentSummary {
        try await incidents.summary(id, as: viewer)
    }
}
