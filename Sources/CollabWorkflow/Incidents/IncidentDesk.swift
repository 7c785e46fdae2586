import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The incident desk: emergency plans (versioned), incidents triggered from them with every department's
/// tasks, the shared timeline of updates, resource requests between departments, and the summary made at
/// closing.
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data (a deactivated member is refused with `CollabError.Code.forbidden`), the rights
/// re-checked at commit, and one atomic commit of the change with its audit event, notifications and timers.
///
/// Every right is decided by the engine's one `AccessControl` (its `scenario_rules` rule set, then the host's
/// rules): a host `AccessRuleExtension` that denies `emergency_plan.save`, `.trigger` (and `work_item.create`
/// for its tasks), `incident.post_update`, `.request_resource`, `.decide_resource_request` or `.close` refuses
/// that write with `CollabError.Code.forbidden`, and nothing is written.
///
/// ```swift
/// let plan = try await engine.incidents.savePlan(equipmentFailure, by: "admin")
/// let incident = try await engine.incidents.trigger(
///     plan.id, by: "shift.lead", triggerKey: requestID, details: "spindle of CNC-7 seized in workshop 2")
/// try await engine.incidents.postUpdate(to: incident.id, text: "Machine isolated", by: "eq.tech")
/// try await engine.incidents.close(incident.id, resolution: "Spindle replaced", by: "shift.lead")
/// ```
public struct IncidentDesk: Sendable {
    let engine: WorkflowEngine

    // MARK: Plans

    /// Saves an emergency plan: its first version when `planID` is `nil`, otherwise its next version. Every
    /// version is kept; incidents already triggered keep theirs.
    ///
    /// - Parameters:
    ///   - draft: the plan: its name and severity, each department's responders, checklist and acknowledgement
    ///     delay, the alert, and who is informed.
    ///   - planID: the plan of which this is the next version; `nil` for a new plan.
    ///   - admin: the administrator saving it.
    ///   - expectedVersion: the version the administrator edited; if another save came since, the save fails
    ///     with `CollabError.Code.conflict`.
    ///   - idempotencyKey: a retry with the same key and input returns the version the first save made and
    ///     saves nothing; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.forbidden` unless `admin` is an active administrator;
    ///   `CollabError.Code.invalidInput` listing every problem (unknown departments or members, empty
    ///   checklists, non-positive delays).
    @discardableResult
    public func savePlan(
        _ draft: EmergencyPlanDraft, as planID: EmergencyPlan.ID? = nil, by admin: Member.ID,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> EmergencyPlan {
        let engine = engine
        let visible: (Subject, EmergencyPlan) async throws(CollabError) -> Void = { subject, plan throws(CollabError) in
            guard let stored = try await engine.store.emergencyPlan(plan.id, version: plan.version),
                engine.isAllowed(subject, .viewPlan, on: .emergencyPlan(stored))
            else { throw CollabError.notFound("emergency plan", plan.id.rawValue) }
        }
        return try await engine.run(Command("save_plan", by: admin,
            inputs: ["draft": draft, "planID": planID, "expectedVersion": expectedVersion],
            idempotencyKey: idempotencyKey, visible: visible)) { planning throws(CollabError) in
            try await engine.planSavePlan(draft, as: planID, expectedVersion: expectedVersion, planning)
        }
    }

    /// A version of a plan (the latest when `version` is `nil`), if `viewer` may see it.
    ///
    /// - Throws: `CollabError.Code.notFound` when it does not exist or the viewer may not see it.
    public func plan(_ id: EmergencyPlan.ID, version: Int? = nil, as viewer: Member.ID) async throws(CollabError)
        -> EmergencyPlan
    {
        try await engine.visibleEmergencyPlan(id, version: version, as: viewer)
    }

    /// Every version of a plan, oldest first, if `viewer` may see it.
    public func planVersions(_ id: EmergencyPlan.ID, as viewer: Member.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await engine.visibleEmergencyPlanVersions(id, as: viewer)
    }

    /// The latest version of each plan `viewer` may see, by name.
    public func plans(as viewer: Member.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await engine.visibleEmergencyPlans(as: viewer)
    }

    // MARK: Triggering

    /// What triggering the plan now would create: the tasks with their assignees and deadlines, the
    /// notifications, and the problems that would stop it. Writes nothing.
    public func preview(_ planID: EmergencyPlan.ID, as viewer: Member.ID, details: String = "")
        async throws(CollabError) -> IncidentPreview
    {
        try await engine.previewTrigger(planID, as: viewer, details: details)
    }

    /// Triggers a plan: the incident, every department's tasks (assigned to its responders, due relative to
    /// now), urgent notifications to the responders and notifications to the informed members, and the
    /// acknowledgement deadlines, all in one transaction.
    ///
    /// - Parameters:
    ///   - planID: the plan, whose latest version the incident follows.
    ///   - commander: who triggers it and commands the response.
    ///   - title: the incident's title; the plan's name when `nil`.
    ///   - triggerKey: the caller's key for this emergency (a button's request id), shared by everyone of the
    ///     organization: triggering again with it — a double click, a retry after a timeout, a second
    ///     commander pressing the same alarm — returns the incident it created and creates nothing.
    ///   - details: what happened ("spindle of CNC-7 seized in workshop 2").
    ///   - idempotencyKey: the usual key of a write, scoped to the commander: a retry with the same key and
    ///     input returns the first result; the same key with another input is
    ///     `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.forbidden` unless `commander` is an active administrator, a named
    ///   responder or a head of one of the plan's departments; `CollabError.Code.invalidInput` when a
    ///   department has no active responder (see ``preview(_:as:details:)``); `CollabError.Code.conflict` when
    ///   the trigger key was used for another plan.
    @discardableResult
    public func trigger(
        _ planID: EmergencyPlan.ID, by commander: Member.ID, triggerKey: String, title: String? = nil,
        details: String = "", idempotencyKey: String? = nil
    ) async throws(CollabError) -> Incident {
        let engine = engine
        var created: Subject?
        do {
            let incident = try await engine.run(Command("trigger", by: commander,
                inputs: ["planID": planID, "triggerKey": triggerKey, "title": title, "details": details],
                idempotencyKey: idempotencyKey, visible: Self.incidentVisible(engine))) { planning throws(CollabError) in
                created = nil
                let planned = try await engine.planTrigger(planID, triggerKey: triggerKey, title: title,
                    details: details, planning)
                created = planned.change.scenario.incidents.isEmpty ? nil : planning.subject
                return planned
            }
            if created != nil {
                engine.logger.notice("emergency plan triggered", metadata: [
                    "plan": "\(planID)", "version": "\(incident.planVersion)", "incident": "\(incident.id)",
                    "by": "\(commander)",
                ])
            }
            return incident
        } catch where error.code == .conflict && created != nil {
            // A concurrent trigger with the same key committed first: that incident is the answer, checked as
            // a repeated trigger is, for the commander as the plan checked them.
            guard let subject = created,
                let existing = try await engine.store.incident(triggerKey: triggerKey, in: subject.organizationID)
            else { throw error }
            return try engine.repeated(existing, planID: planID, subject: subject)
        }
    }

    // MARK: During the incident

    /// The incident, if `viewer` may see it.
    ///
    /// - Throws: `CollabError.Code.notFound` when it does not exist or the viewer may not see it.
    public func incident(_ id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> Incident {
        try await engine.readIncident(id, as: viewer)
    }

    /// The incidents of `viewer`'s organization they may see (in one state when `state` is set), newest first.
    public func list(as viewer: Member.ID, state: Incident.State? = nil, page: PageRequest = .first)
        async throws(CollabError) -> Page<Incident>
    {
        try await engine.visibleIncidents(as: viewer, state: state, page: page)
    }

    /// Posts an update to an incident's shared timeline: what was seen or done, live readings, photos. The
    /// responders and the commander are told.
    ///
    /// - Parameter id: the incident.
    /// - Parameter text: what was seen or done.
    /// - Parameter readings: live readings by name (`["spindle temperature": "92 °C"]`).
    /// - Parameter attachments: photos and files, uploaded first (``DocumentDesk``).
    /// - Parameter author: a responder, the commander or another member taking part.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first update and posts
    ///   nothing again; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.notFound` when `author` may not see the incident;
    ///   `CollabError.Code.forbidden` when they are deactivated or take no part in it;
    ///   `CollabError.Code.invalidTransition` when it is closed; `CollabError.Code.invalidInput` listing every
    ///   problem of the text, readings and attachments.
    @discardableResult
    public func postUpdate(
        to id: Incident.ID, text: String, readings: [String: String] = [:], attachments: [FileAttachment] = [],
        by author: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> IncidentUpdate {
        let engine = engine
        let visible: (Subject, IncidentUpdate) async throws(CollabError) -> Void = { subject, update throws(CollabError) in
            _ = try await engine.visibleIncident(update.incidentID, to: subject)
        }
        return try await engine.run(Command("post_update", by: author,
            inputs: ["id": id, "text": text, "readings": readings, "attachments": attachments],
            idempotencyKey: idempotencyKey, visible: visible)) { planning throws(CollabError) in
            try await engine.planPostUpdate(to: id, text: text, readings: readings, attachments: attachments, planning)
        }
    }

    /// The updates posted to an incident, oldest first.
    public func updates(of id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> [IncidentUpdate] {
        try await engine.visibleIncidentUpdates(of: id, as: viewer)
    }

    /// Asks a department for a resource during an incident (spare parts from the warehouse). The
    /// department's members are told at once; a department outside the plan joins the incident (its
    /// members see it, and the summary lists it).
    ///
    /// - Parameter id: the incident.
    /// - Parameter department: the department asked.
    /// - Parameter resource: what is needed ("spindle bearing 7014").
    /// - Parameter quantity: how many (at least 1).
    /// - Parameter neededBy: when it is needed; `nil`: as soon as possible.
    /// - Parameter requester: a member taking part in the incident.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first request and asks
    ///   nothing again; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.notFound` when `requester` may not see the incident;
    ///   `CollabError.Code.forbidden` when they are deactivated or take no part in it;
    ///   `CollabError.Code.invalidTransition` when it is closed; `CollabError.Code.invalidInput` listing every
    ///   problem (an unknown department, a quantity out of range).
    @discardableResult
    public func requestResource(
        for id: Incident.ID, from department: Department.ID, resource: String, quantity: Int = 1,
        neededBy: Date? = nil, by requester: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ResourceRequest {
        let engine = engine
        return try await engine.run(Command("request_resource", by: requester,
            inputs: ["id": id, "department": department, "resource": resource, "quantity": quantity,
                "neededBy": neededBy],
            idempotencyKey: idempotencyKey, visible: Self.requestVisible(engine))) { planning throws(CollabError) in
            try await engine.planRequestResource(for: id, from: department, resource: resource, quantity: quantity,
                neededBy: neededBy, planning)
        }
    }

    /// The department asked fulfils a resource request; the requester is told.
    ///
    /// - Parameter id: the resource request.
    /// - Parameter note: what was handed over, for the requester.
    /// - Parameter member: a member of the department asked.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and writes
    ///   nothing; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.forbidden` when `member` is deactivated or not of the department asked;
    ///   `CollabError.Code.invalidTransition` when the request is decided or the incident closed.
    @discardableResult
    public func fulfil(_ id: ResourceRequest.ID, note: String? = nil, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> ResourceRequest
    {
        let engine = engine
        return try await engine.run(Command("fulfil", by: member, inputs: ["id": id, "note": note],
            idempotencyKey: idempotencyKey, visible: Self.requestVisible(engine))) { planning throws(CollabError) in
            try await engine.planDecision(id, .fulfilled, note: note, planning)
        }
    }

    /// The department asked declines a resource request, with a reason; the requester is told.
    ///
    /// - Parameter id: the resource request.
    /// - Parameter reason: why, for the requester (required).
    /// - Parameter member: a member of the department asked.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and writes
    ///   nothing; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.invalidInput` for an empty or too long reason; `CollabError.Code.forbidden`
    ///   when `member` is deactivated or not of the department asked; `CollabError.Code.invalidTransition`
    ///   when the request is decided or the incident closed.
    @discardableResult
    public func decline(_ id: ResourceRequest.ID, reason: String, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> ResourceRequest
    {
        var report = ValidationReport()
        report.checkText(reason, field: "reason", maxLength: engine.configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
        let engine = engine
        return try await engine.run(Command("decline", by: member, inputs: ["id": id, "reason": reason],
            idempotencyKey: idempotencyKey, visible: Self.requestVisible(engine))) { planning throws(CollabError) in
            try await engine.planDecision(id, .declined, note: reason, planning)
        }
    }

    /// The resource requests of an incident, oldest first.
    public func resourceRequests(of id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> [ResourceRequest] {
        try await engine.visibleResourceRequests(of: id, as: viewer)
    }

    // MARK: Closing

    /// Closes an incident and makes its summary from the audit trail: the timeline, and each department's
    /// response times (first and last acknowledgement, completion), escalations and resource requests.
    /// Responders and informed members are told. Tasks still open stay open and are counted.
    ///
    /// - Parameter id: the incident.
    /// - Parameter resolution: how it ended, for the summary.
    /// - Parameter member: the member who triggered it, or an administrator.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the closed incident and
    ///   writes nothing; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.forbidden` unless `member` is active and triggered it or is an
    ///   administrator; `CollabError.Code.invalidTransition` when it is already closed.
    @discardableResult
    public func close(_ id: Incident.ID, resolution: String, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> Incident
    {
        let engine = engine
        return try await engine.run(Command("close_incident", by: member, inputs: ["id": id, "resolution": resolution],
            idempotencyKey: idempotencyKey, visible: Self.incidentVisible(engine))) { planning throws(CollabError) in
            try await engine.planCloseIncident(id, resolution: resolution, planning)
        }
    }

    /// The summary of an incident as it stands (the one stored at closing, for a closed incident).
    public func summary(_ id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> IncidentSummary {
        try await engine.readIncidentSummary(id, as: viewer)
    }

    // MARK: Replay checks

    /// `CollabError.Code.notFound` unless the subject may still see the incident.
    private static func incidentVisible(_ engine: WorkflowEngine) -> (Subject, Incident) async throws(CollabError) -> Void {
        { subject, incident throws(CollabError) in _ = try await engine.visibleIncident(incident.id, to: subject) }
    }

    /// `CollabError.Code.notFound` unless the subject may still see the request: through its incident, or as
    /// a member of the department asked.
    private static func requestVisible(_ engine: WorkflowEngine)
        -> (Subject, ResourceRequest) async throws(CollabError) -> Void
    {
        { subject, request throws(CollabError) in
            guard let incident = try await engine.store.incident(request.incidentID),
                engine.isAllowed(subject, .viewResourceRequest, on: .resourceRequest(request, of: incident))
            else { throw CollabError.notFound("resource request", request.id.rawValue) }
        }
    }
}

extension WorkflowEngine {
    /// The incident desk: emergency plans, incidents, their updates, resource requests and summaries.
    public var incidents: IncidentDesk { IncidentDesk(engine: self) }
}
