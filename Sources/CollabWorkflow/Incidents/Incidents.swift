import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    // MARK: Plans

    /// Plans ``IncidentDesk/savePlan(_:as:by:expectedVersion:idempotencyKey:)``.
    func planSavePlan(
        _ draft: EmergencyPlanDraft, as planID: EmergencyPlan.ID?, expectedVersion: Int?, _ planning: Planning
    ) async throws(CollabError) -> Planned<EmergencyPlan> {
        let subject = planning.subject
        let admin = subject.memberID
        let organization = AccessTarget.organization(subject.organizationID)
        try authorize(subject, .savePlan, on: organization, otherwise: refusal(subject, .savePlan, on: organization,
            CollabError(.forbidden, "member '\(admin)' may not save emergency plans: administrators only")))
        var report = draft.validate(limits: configuration.limits)
        let directory = try await organizationDirectory(subject.organizationID)
        for (index, response) in draft.departments.enumerated() {
            if !directory.departmentIDs.contains(response.departmentID) {
                report.add("departments[\(index)].departmentID", .unknownDepartment,
                    "department '\(response.departmentID)' does not exist")
            }
            for (memberIndex, member) in response.responderIDs.enumerated() where directory.memberByID[member] == nil {
                report.add("departments[\(index)].responderIDs[\(memberIndex)]", .unknownMember,
                    "'\(member)' is not an active member of the organization")
            }
        }
        for (index, member) in draft.informedMemberIDs.enumerated() where directory.memberByID[member] == nil {
            report.add("informedMemberIDs[\(index)]", .unknownMember, "'\(member)' is not an active member of the organization")
        }
        try report.throwIfInvalid()
        var version = 1
        let id = planID ?? EmergencyPlan.ID(identifiers.next())
        if let planID {
            // A plan of another organization is one the subject may not save: it reads as not existing.
            guard let latest = try await store.emergencyPlan(planID, version: nil),
                isAllowed(subject, .savePlan, on: .organization(latest.organizationID))
            else { throw CollabError.notFound("emergency plan", planID.rawValue) }
            if let expectedVersion, expectedVersion != latest.version {
                throw CollabError(.conflict,
                    "emergency plan '\(planID)' is at version \(latest.version), the edit was based on version \(expectedVersion)")
            }
            version = latest.version + 1
        }
        let now = planning.now
        let plan = EmergencyPlan(
            id: id, version: version, organizationID: subject.organizationID, name: draft.name, severity: draft.severity,
            departments: draft.departments, alert: draft.alert, informedMemberIDs: draft.informedMemberIDs,
            savedBy: admin, savedAt: now)
        var change = ChangeSet()
        change.scenario.emergencyPlans = [plan]
        change.auditEvents = [recordEvent(.emergencyPlan(id), organization: plan.organizationID, actor: admin,
            action: "save_plan", details: ["name": plan.name, "version": String(version)], at: now)]
        return Planned(change, plan)
    }

    /// A version of a plan, if `viewer` may see it (``IncidentDesk/plan(_:version:as:)``).
    func visibleEmergencyPlan(_ id: EmergencyPlan.ID, version: Int? = nil, as viewer: Member.ID)
        async throws(CollabError) -> EmergencyPlan
    {
        let subject = try await subject(viewer)
        guard let plan = try await store.emergencyPlan(id, version: version),
            isAllowed(subject, .viewPlan, on: .emergencyPlan(plan))
        else {
            throw CollabError.notFound("emergency plan", version.map { "\(id) version \($0)" } ?? id.rawValue)
        }
        return plan
    }

    /// Every version of a plan, oldest first, if `viewer` may see it (``IncidentDesk/planVersions(_:as:)``).
    func visibleEmergencyPlanVersions(_ id: EmergencyPlan.ID, as viewer: Member.ID) async throws(CollabError)
        -> [EmergencyPlan]
    {
        _ = try await visibleEmergencyPlan(id, as: viewer)
        return try await store.emergencyPlanVersions(id)
    }

    /// The latest version of each plan `viewer` may see, by name (``IncidentDesk/plans(as:)``).
    func visibleEmergencyPlans(as viewer: Member.ID) async throws(CollabError) -> [EmergencyPlan] {
        let subject = try await subject(viewer)
        return try await store.emergencyPlans(in: subject.organizationID).filter {
            isAllowed(subject, .viewPlan, on: .emergencyPlan($0))
        }
    }

    // MARK: Triggering

    /// What triggering the plan now would create (``IncidentDesk/preview(_:as:details:)``).
    func previewTrigger(_ planID: EmergencyPlan.ID, as viewer: Member.ID, details: String = "")
        async throws(CollabError) -> IncidentPreview
    {
        let subject = try await subject(viewer)
        guard let plan = try await store.emergencyPlan(planID, version: nil),
            isAllowed(subject, .viewPlan, on: .emergencyPlan(plan))
        else { throw CollabError.notFound("emergency plan", planID.rawValue) }
        let resolved = try await resolve(plan, title: plan.name, details: details, at: now(), commander: viewer)
        return resolved.preview
    }

    /// Plans ``IncidentDesk/trigger(_:by:triggerKey:title:details:idempotencyKey:)``: the incident a
    /// trigger key already names (and nothing to commit), or a new one.
    func planTrigger(
        _ planID: EmergencyPlan.ID, triggerKey: String, title: String?, details: String, _ planning: Planning
    ) async throws(CollabError) -> Planned<Incident> {
        let subject = planning.subject
        let commander = subject.memberID
        var report = ValidationReport()
        report.checkText(triggerKey, field: "triggerKey", maxLength: 255)
        if let title { report.checkText(title, field: "title", maxLength: configuration.limits.titleLength) }
        report.checkText(details, field: "details", maxLength: configuration.limits.textLength, required: false,
            allowNewlines: true)
        try report.throwIfInvalid()
        guard let plan = try await store.emergencyPlan(planID, version: nil),
            isAllowed(subject, .viewPlan, on: .emergencyPlan(plan))
        else { throw CollabError.notFound("emergency plan", planID.rawValue) }
        try authorize(subject, .triggerPlan, on: .emergencyPlan(plan), otherwise: refusal(subject, .triggerPlan,
            on: .emergencyPlan(plan),
            CollabError(.forbidden, "member '\(commander)' may not trigger emergency plan '\(planID)'")))
        // Only after the checks: a used key must not let a member without the right see or "trigger" the incident.
        if let existing = try await store.incident(triggerKey: triggerKey, in: subject.organizationID) {
            return Planned(ChangeSet(), try repeated(existing, planID: planID, subject: subject))
        }
        let now = planning.now
        let resolved = try await resolve(plan, title: title ?? plan.name, details: details, at: now, commander: commander)
        if !resolved.preview.problems.isEmpty { throw CollabError.invalid(resolved.preview.problems) }
        let incidentID = Incident.ID(identifiers.next())
        let record = RecordReference.incident(incidentID)
        var change = ChangeSet()
        var tasks: [Incident.DepartmentTask] = []
        for planned in resolved.drafts {
            let item = try await planNewItem(planned.draft, subject: subject, now: now,
                details: ["incident": incidentID.rawValue, "department": planned.departmentID.rawValue],
                notifyAssignees: false)
            merge(item, into: &change)
            tasks.append(Incident.DepartmentTask(departmentID: planned.departmentID, itemID: item.item.id,
                acknowledgeBy: planned.acknowledgeBy))
        }
        let incident = Incident(
            id: incidentID, organizationID: plan.organizationID, planID: plan.id, planVersion: plan.version,
            title: title ?? plan.name, details: details, severity: plan.severity, triggeredBy: commander,
            triggeredAt: now, triggerKey: triggerKey, tasks: tasks, departmentIDs: plan.departments.map(\.departmentID),
            responderIDs: resolved.responders, informedMemberIDs: plan.informedMemberIDs.filter { $0 != commander })
        change.scenario.incidents = [incident]
        for notice in resolved.preview.notifications {
            change.notifications.append(recordNotice(record, organization: plan.organizationID, to: notice.recipientID,
                kind: .incident, urgency: notice.urgency, actor: commander,
                message: notice.message ?? LocalizedMessage("notice.incident_informed", [
                    "alert_title": .text(notice.title), "alert_body": .text(notice.body), "details": .text(""),
                ]), at: now))
        }
        change.auditEvents.append(recordEvent(record, organization: plan.organizationID, actor: commander,
            action: "trigger", details: [
                "plan": plan.id.rawValue, "plan_version": String(plan.version), "tasks": String(tasks.count),
                "responders": resolved.responders.map(\.rawValue).joined(separator: ","), "title": incident.title,
            ], at: now))
        for response in plan.departments {
            change.scenario.timers.append(ScheduledTimer(
                id: "\(record)|acknowledge|\(response.departmentID)", record: record,
                organizationID: plan.organizationID, kind: .incidentAcknowledgement,
                detail: response.departmentID.rawValue,
                fireAt: now.addingTimeInterval(response.acknowledgeWithin.timeInterval)))
        }
        try await planTimers(for: &change, now: now)
        return Planned(change, incident)
    }

    /// The incident a used trigger key names, as the answer to a trigger of `planID` by `subject`.
    ///
    /// - Throws: `CollabError.Code.conflict` when the key was used for another plan;
    ///   `CollabError.Code.forbidden` when `subject` may not see the incident.
    func repeated(_ existing: Incident, planID: EmergencyPlan.ID, subject: Subject) throws(CollabError)
        -> Incident
    {
        guard existing.planID == planID else {
            throw CollabError(.conflict,
                "the trigger key was already used for incident '\(existing.id)' of emergency plan '\(existing.planID)'")
        }
        try authorize(subject, .viewIncident, on: .incident(existing),
            otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not see incident '\(existing.id)'"))
        return existing
    }

    private struct ResolvedPlan {
        struct PlannedDraft {
            var departmentID: Department.ID
            var draft: WorkItemDraft
            var acknowledgeBy: Date
        }

        var preview: IncidentPreview
        var drafts: [PlannedDraft]
        var responders: [Member.ID]
    }

    /// The plan applied to the directory as it is now.
    private func resolve(_ plan: EmergencyPlan, title: String, details: String, at now: Date, commander: Member.ID)
        async throws(CollabError) -> ResolvedPlan
    {
        let directory = try await organizationDirectory(plan.organizationID)
        // The tasks' descriptions are the organization's record: in its language.
        let organization = try await self.directory.organization(plan.organizationID)
        let text = MessageFormatter(layered: messages, locale: organization?.locale ?? .english,
            timeZone: organization?.timeZone ?? .gmt)
        var problems: [ValidationProblem] = []
        var tasks: [IncidentPreview.PlannedTask] = []
        var drafts: [ResolvedPlan.PlannedDraft] = []
        var responders: [Member.ID] = []
        var tasksOf: [Member.ID: [MessageArgument]] = [:]
        var departmentOf: [Member.ID: Department.ID] = [:]
        for (index, response) in plan.departments.enumerated() {
            var assignees = response.responderIDs.filter { directory.memberByID[$0] != nil }
            for role in response.responderRoles {
                assignees += directory.members(of: [response.departmentID], headsOnly: role == .departmentHeads)
            }
            var seen = Set<Member.ID>()
            assignees = assignees.filter { seen.insert($0).inserted }
            let departmentName = directory.departments.first { $0.id == response.departmentID }?.name
                ?? response.departmentID.rawValue
            guard !assignees.isEmpty else {
                problems.append(ValidationProblem(field: "departments[\(index)]", kind: .missing,
                    message: "department '\(departmentName)' has no active responder"))
                continue
            }
            let acknowledgeBy = Self.truncated(now.addingTimeInterval(response.acknowledgeWithin.timeInterval))
            for task in response.checklist {
                let dueAt = Self.truncated(now.addingTimeInterval(task.dueAfter.timeInterval))
                tasks.append(IncidentPreview.PlannedTask(departmentID: response.departmentID, title: task.title,
                    assigneeIDs: assignees, dueAt: dueAt, acknowledgeBy: acknowledgeBy))
                var description = task.description
                if !details.isEmpty { description += (description.isEmpty ? "" : "\n\n") + text.string("incident.details", ["details": .text(details)]) }
                drafts.append(ResolvedPlan.PlannedDraft(
                    departmentID: response.departmentID,
                    draft: WorkItemDraft(title: task.title, description: description, priority: task.priority,
                        assigneeIDs: assignees, departmentIDs: [response.departmentID], start: now,
                        deadline: .instant(dueAt), tags: ["incident"]),
                    acknowledgeBy: acknowledgeBy))
                for assignee in assignees {
                    tasksOf[assignee, default: []].append(.message(LocalizedMessage("incident.task", [
                        "title": .text(task.title), "deadline": .dateTime(dueAt),
                    ])))
                    departmentOf[assignee] = departmentOf[assignee] ?? response.departmentID
                }
            }
            responders += assignees.filter { !responders.contains($0) }
        }
        var notifications: [IncidentPreview.PlannedNotice] = []
        for responder in responders where responder != commander {
            let department = departmentOf[responder].flatMap { id in directory.departments.first { $0.id == id }?.name }
            let message = plan.alert.filled([
                "plan": plan.name, "incident": title, "severity": plan.severity.rawValue, "department": department ?? "",
            ])
            notifications.append(IncidentPreview.PlannedNotice(recipientID: responder, urgency: .urgent,
                title: "", body: "", message: LocalizedMessage("notice.incident", [
                    "alert_title": .text(message.title), "alert_body": .text(message.body),
                    "details": .text(details.isEmpty ? "" : "\n\(details)"),
                    "tasks": .list(tasksOf[responder] ?? []),
                ])))
        }
        for informed in plan.informedMemberIDs
        where directory.memberByID[informed] != nil && !responders.contains(informed) && informed != commander {
            let message = plan.alert.filled([
                "plan": plan.name, "incident": title, "severity": plan.severity.rawValue, "department": "",
            ])
            notifications.append(IncidentPreview.PlannedNotice(recipientID: informed,
                urgency: plan.severity == .minor ? .normal : .urgent, title: "", body: "",
                message: LocalizedMessage("notice.incident_informed", [
                    "alert_title": .text(message.title), "alert_body": .text(message.body),
                    "details": .text(details.isEmpty ? "" : "\n\(details)"),
                ])))
        }
        // The preview shows each notice as its recipient will read it.
        var texts = notifications.map { planned in
            Notice(id: Notice.ID(rawValue: ""), organizationID: plan.organizationID, recipientID: planned.recipientID,
                kind: .incident, itemID: nil, actorID: commander, title: planned.title, body: planned.body,
                createdAt: now, message: planned.message)
        }
        try await writeNoticeTexts(&texts)
        for index in notifications.indices {
            notifications[index].title = texts[index].title
            notifications[index].body = texts[index].body
        }
        return ResolvedPlan(
            preview: IncidentPreview(planID: plan.id, planVersion: plan.version, tasks: tasks,
                notifications: notifications, problems: problems),
            drafts: drafts, responders: responders)
    }

    // MARK: During the incident

    /// The incident, if `viewer` may see it (``IncidentDesk/incident(_:as:)``).
    func readIncident(_ id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> Incident {
        try await visibleIncident(id, to: try await subject(viewer))
    }

    /// The incidents `viewer` may see (``IncidentDesk/list(as:state:page:)``).
    func visibleIncidents(as viewer: Member.ID, state: Incident.State? = nil, page: PageRequest = .first)
        async throws(CollabError) -> Page<Incident>
    {
        let subject = try await subject(viewer)
        var found = try await store.incidents(in: subject.organizationID, state: state, page: page)
        found.items = found.items.filter { isAllowed(subject, .viewIncident, on: .incident($0)) }
        return found
    }

    /// Plans ``IncidentDesk/postUpdate(to:text:readings:attachments:by:idempotencyKey:)``.
    func planPostUpdate(
        to id: Incident.ID, text: String, readings: [String: String], attachments: [FileAttachment],
        _ planning: Planning
    ) async throws(CollabError) -> Planned<IncidentUpdate> {
        let subject = planning.subject
        let author = subject.memberID
        let incident = try await visibleIncident(id, to: subject)
        try authorize(subject, .postIncidentUpdate, on: .incident(incident), otherwise: refusal(subject,
            .postIncidentUpdate, on: .incident(incident),
            CollabError(.forbidden, "member '\(author)' may not post to incident '\(id)'")))
        guard incident.state == .open else {
            throw CollabError(.invalidTransition, "incident '\(id)' is closed")
        }
        let limits = configuration.limits
        var report = ValidationReport()
        let attachments = try await resolveAttachments(attachments, for: subject, report: &report)
        report.checkText(text, field: "text", maxLength: limits.textLength, allowNewlines: true)
        if readings.count > limits.tagCount {
            report.add("readings", .tooLong, "has \(readings.count) readings, at most \(limits.tagCount)")
        }
        for (name, value) in readings.sorted(by: { $0.key < $1.key }) {
            report.checkText(name, field: "readings.key", maxLength: limits.nameLength)
            report.checkText(value, field: "readings[\(name.clipped())]", maxLength: limits.nameLength)
        }
        if attachments.count > limits.attachmentCount {
            report.add("attachments", .tooLong, "has \(attachments.count) attachments, at most \(limits.attachmentCount)")
        }
        for (index, attachment) in attachments.enumerated() {
            report.merge(attachment.validate(policy: configuration.attachmentPolicy, field: "attachments[\(index)]"))
        }
        try report.throwIfInvalid()
        let now = planning.now
        let update = IncidentUpdate(id: IncidentUpdate.ID(identifiers.next()), incidentID: id, authorID: author,
            text: text, readings: readings, attachments: attachments, postedAt: now)
        let record = RecordReference.incident(id)
        var change = ChangeSet()
        change.scenario.incidentUpdates = [update]
        change.auditEvents = [recordEvent(record, organization: incident.organizationID, actor: author,
            action: "post_update", details: ["update": update.id.rawValue, "text": text.clipped(200)], at: now)]
        let name = subject.displayName ?? author.rawValue
        for recipient in Set(incident.responderIDs + [incident.triggeredBy]).subtracting([author]).sorted() {
            change.notifications.append(recordNotice(record, organization: incident.organizationID, to: recipient,
                kind: .incidentUpdate, urgency: .normal, actor: author, message: LocalizedMessage("notice.incident_update", [
                    "title": .text(incident.title), "actor": .text(name), "text": .text(text.clipped(300)),
                ]), at: now))
        }
        return Planned(change, update)
    }

    /// The updates posted to an incident (``IncidentDesk/updates(of:as:)``).
    func visibleIncidentUpdates(of id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> [IncidentUpdate] {
        _ = try await visibleIncident(id, to: try await subject(viewer))
        return try await store.incidentUpdates(of: id)
    }

    /// Plans ``IncidentDesk/requestResource(for:from:resource:quantity:neededBy:by:idempotencyKey:)``.
    func planRequestResource(
        for id: Incident.ID, from department: Department.ID, resource: String, quantity: Int, neededBy: Date?,
        _ planning: Planning
    ) async throws(CollabError) -> Planned<ResourceRequest> {
        let subject = planning.subject
        let requester = subject.memberID
        let incident = try await visibleIncident(id, to: subject)
        try authorize(subject, .requestResource, on: .incident(incident), otherwise: refusal(subject,
            .requestResource, on: .incident(incident),
            CollabError(.forbidden, "member '\(requester)' may not request resources for incident '\(id)'")))
        guard incident.state == .open else { throw CollabError(.invalidTransition, "incident '\(id)' is closed") }
        var report = ValidationReport()
        report.checkText(resource, field: "resource", maxLength: configuration.limits.titleLength)
        report.checkInstant(neededBy, field: "neededBy")
        if !(1...1_000_000).contains(quantity) {
            report.add("quantity", .outOfRange, "\(quantity) is not between 1 and 1000000")
        }
        let directory = try await organizationDirectory(incident.organizationID)
        if !directory.departmentIDs.contains(department) {
            report.add("department", .unknownDepartment, "department '\(department)' does not exist")
        }
        try report.throwIfInvalid()
        let now = planning.now
        let request = ResourceRequest(
            id: ResourceRequest.ID(identifiers.next()), incidentID: id, organizationID: incident.organizationID,
            requesterID: requester, departmentID: department, resource: resource, quantity: quantity,
            neededBy: neededBy.map(Self.truncated), createdAt: now)
        var change = ChangeSet()
        change.scenario.resourceRequests = [request]
        if !incident.departmentIDs.contains(department) {
            // The department asked joins the incident: its members see it, its timeline and the request, and
            // the summary counts its resources.
            var joined = incident
            joined.departmentIDs.append(department)
            joined.version += 1
            change.scenario.incidents = [joined]
        }
        change.auditEvents = [recordEvent(.incident(id), organization: incident.organizationID, actor: requester,
            action: "request_resource", details: [
                "request": request.id.rawValue, "department": department.rawValue, "resource": resource,
                "quantity": String(quantity),
            ], at: now)]
        let name = subject.displayName ?? requester.rawValue
        for member in directory.members(of: [department]) where member != requester {
            change.notifications.append(recordNotice(.resourceRequest(request.id), organization: incident.organizationID,
                to: member, kind: .resourceRequested, urgency: .urgent, actor: requester,
                message: LocalizedMessage(request.neededBy == nil ? "notice.resource_requested" : "notice.resource_requested_by", [
                    "title": .text(incident.title), "actor": .text(name), "resource": .text(resource),
                    "quantity": .integer(quantity), "deadline": request.neededBy.map { .dateTime($0) } ?? .text(""),
                ]), at: now))
        }
        return Planned(change, request)
    }

    /// The resource requests of an incident (``IncidentDesk/resourceRequests(of:as:)``).
    func visibleResourceRequests(of id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> [ResourceRequest] {
        _ = try await visibleIncident(id, to: try await subject(viewer))
        return try await store.resourceRequests(of: id)
    }

    /// Plans a decision on a resource request (``IncidentDesk/fulfil(_:note:by:idempotencyKey:)``,
    /// ``IncidentDesk/decline(_:reason:by:idempotencyKey:)``).
    func planDecision(
        _ id: ResourceRequest.ID, _ status: ResourceRequest.Status, note: String?, _ planning: Planning
    ) async throws(CollabError) -> Planned<ResourceRequest> {
        let subject = planning.subject
        let member = subject.memberID
        guard var request = try await store.resourceRequest(id),
            let incident = try await store.incident(request.incidentID),
            isAllowed(subject, .viewResourceRequest, on: .resourceRequest(request, of: incident))
        else { throw CollabError.notFound("resource request", id.rawValue) }
        let target = AccessTarget.resourceRequest(request, of: incident)
        try authorize(subject, .decideResourceRequest, on: target, otherwise: refusal(subject,
            .decideResourceRequest, on: target, CollabError(.forbidden,
                "member '\(member)' may not decide resource request '\(id)': only department '\(request.departmentID)' does")))
        guard request.status == .open else {
            throw CollabError(.invalidTransition, "resource request '\(id)' is already \(request.status.rawValue)")
        }
        guard incident.state == .open else {
            throw CollabError(.invalidTransition, "incident '\(incident.id)' is closed")
        }
        try checkOptionalText(note, field: "note")
        let now = planning.now
        request.status = status
        request.deciderID = member
        request.note = note
        request.decidedAt = now
        request.version += 1
        var change = ChangeSet()
        change.scenario.resourceRequests = [request]
        let action = status == .fulfilled ? "fulfil_resource" : "decline_resource"
        change.auditEvents = [recordEvent(.incident(incident.id), organization: incident.organizationID, actor: member,
            action: action, details: [
                "request": id.rawValue, "department": request.departmentID.rawValue, "resource": request.resource,
                "note": note ?? "",
            ], at: now)]
        if request.requesterID != member {
            let name = subject.displayName ?? member.rawValue
            change.notifications.append(recordNotice(.resourceRequest(id), organization: incident.organizationID,
                to: request.requesterID, kind: .resourceDecided, urgency: .urgent, actor: member,
                message: LocalizedMessage(
                    "notice.resource_" + (status == .fulfilled ? "fulfilled" : "declined") + (note == nil ? "" : "_note"), [
                        "actor": .text(name), "resource": .text(request.resource), "quantity": .integer(request.quantity),
                        "note": .text(note ?? ""),
                    ]), at: now))
        }
        return Planned(change, request)
    }

    // MARK: Closing

    /// Plans ``IncidentDesk/close(_:resolution:by:idempotencyKey:)``.
    func planCloseIncident(_ id: Incident.ID, resolution: String, _ planning: Planning) async throws(CollabError)
        -> Planned<Incident>
    {
        let subject = planning.subject
        let member = subject.memberID
        var incident = try await visibleIncident(id, to: subject)
        try authorize(subject, .closeIncident, on: .incident(incident), otherwise: refusal(subject, .closeIncident,
            on: .incident(incident), CollabError(.forbidden, "member '\(member)' may not close incident '\(id)'")))
        guard incident.state == .open else { throw CollabError(.invalidTransition, "incident '\(id)' is already closed") }
        var report = ValidationReport()
        report.checkText(resolution, field: "resolution", maxLength: configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
        let now = planning.now
        let record = RecordReference.incident(id)
        let closing = recordEvent(record, organization: incident.organizationID, actor: member, action: "close",
            details: ["resolution": resolution.clipped(200)], at: now)
        incident.state = .closed
        incident.closedBy = member
        incident.closedAt = now
        incident.resolution = resolution
        incident.summary = try await summary(of: incident, closing: closing)
        incident.version += 1
        var change = ChangeSet()
        change.scenario.incidents = [incident]
        change.auditEvents = [closing]
        let name = subject.displayName ?? member.rawValue
        for recipient in Set(incident.responderIDs + incident.informedMemberIDs + [incident.triggeredBy])
            .subtracting([member]).sorted()
        {
            change.notifications.append(recordNotice(record, organization: incident.organizationID, to: recipient,
                kind: .incidentClosed, urgency: .normal, actor: member, message: LocalizedMessage("notice.incident_closed", [
                    "title": .text(incident.title), "actor": .text(name), "text": .text(resolution.clipped(300)),
                ]), at: now))
        }
        return Planned(change, incident)
    }

    /// The summary of an incident as it stands (``IncidentDesk/summary(_:as:)``).
    func readIncidentSummary(_ id: Incident.ID, as viewer: Member.ID) async throws(CollabError) -> IncidentSummary {
        let incident = try await visibleIncident(id, to: try await subject(viewer))
        if let summary = incident.summary { return summary }
        return try await summary(of: incident, closing: nil)
    }

    private func summary(of incident: Incident, closing: AuditEvent?) async throws(CollabError) -> IncidentSummary {
        var events = try await store.auditTrail(of: .incident(incident.id)).map { ($0, Department.ID?.none) }
        var items: [WorkItem.ID: (WorkItem, [AuditEvent])] = [:]
        for task in incident.tasks {
            guard let item = try await store.workItem(task.itemID) else { continue }
            let trail = try await store.auditTrail(of: task.itemID)
            items[task.itemID] = (item, trail)
            events += trail.map { ($0, task.departmentID) }
        }
        if let closing { events.append((closing, nil)) }
        // In time order; events of one instant (a trigger and its tasks) keep the order they were read in.
        events = events.enumerated().sorted { ($0.element.0.occurredAt, $0.offset) < ($1.element.0.occurredAt, $1.offset) }
            .map(\.element)
        let requests = try await store.resourceRequests(of: incident.id)
        let closedAt = closing?.occurredAt ?? now()
        let timeline = events.map { event, department in
            IncidentSummary.TimelineEntry(at: event.occurredAt, actorID: event.actorID, action: event.action,
                departmentID: department ?? event.details["department"].map(Department.ID.init(rawValue:)),
                itemID: event.itemID, text: Self.timelineText(event, items: items))
        }
        var departments: [IncidentSummary.DepartmentResponse] = []
        var openTasks = 0
        for department in incident.departmentIDs {
            let tasks = incident.tasks.filter { $0.departmentID == department }
            var acceptances: [Date] = [], completions: [Date] = []
            for task in tasks {
                guard let (item, trail) = items[task.itemID] else { continue }
                if let accepted = trail.first(where: { $0.action == "accept" }) { acceptances.append(accepted.occurredAt) }
                if item.state == .completed, let closed = item.closedAt { completions.append(closed) }
                if !item.state.isClosed { openTasks += 1 }
            }
            func after(_ date: Date?) -> Duration? {
                date.map { .milliseconds(Int64(($0.timeIntervalSince(incident.triggeredAt) * 1000).rounded())) }
            }
            let escalated = events.contains {
                $0.0.action == "escalate_acknowledgement" && $0.0.details["department"] == department.rawValue
            }
            let asked = requests.filter { $0.departmentID == department }
            departments.append(IncidentSummary.DepartmentResponse(
                departmentID: department, tasks: tasks.count, acknowledged: acceptances.count,
                completed: completions.count, firstAcknowledgementAfter: after(acceptances.min()),
                allAcknowledgedAfter: acceptances.count == tasks.count ? after(acceptances.max()) : nil,
                completedAfter: completions.count == tasks.count ? after(completions.max()) : nil,
                escalated: escalated, resourceRequests: asked.count,
                resourcesFulfilled: asked.filter { $0.status == .fulfilled }.count))
        }
        return IncidentSummary(incidentID: incident.id, planID: incident.planID, planVersion: incident.planVersion,
            triggeredAt: incident.triggeredAt, closedAt: closedAt, timeline: timeline, departments: departments,
            openTasks: openTasks)
    }

    private static func timelineText(_ event: AuditEvent, items: [WorkItem.ID: (WorkItem, [AuditEvent])]) -> String {
        let task = event.itemID.flatMap { items[$0]?.0.title }.map { "\"\($0)\"" } ?? ""
        let details = event.details
        switch event.action {
        case "trigger": return "Triggered \(details["title"] ?? "") (plan version \(details["plan_version"] ?? "?"))"
        case "create": return "Task \(task) assigned to \(details["assignees"] ?? "")"
        case "accept": return "Accepted \(task)"
        case "start": return "Started \(task)"
        case "report_progress": return "Progress on \(task): \(details["percent"].map { "\($0)%" } ?? "")"
        case "submit_for_review": return "Submitted \(task)"
        case "approve": return "Completed \(task)"
        case "reject": return "Sent back \(task)"
        case "post_update": return "Update: \(details["text"] ?? "")"
        case "request_resource":
            return "Asked \(details["department"] ?? "") for \(details["quantity"] ?? "1") × \(details["resource"] ?? "")"
        case "fulfil_resource": return "\(details["department"] ?? "") fulfilled \(details["resource"] ?? "")"
        case "decline_resource":
            return "\(details["department"] ?? "") declined \(details["resource"] ?? ""): \(details["note"] ?? "")"
        case "escalate_acknowledgement":
            return "Not acknowledged in time by \(details["department"] ?? ""): escalated to \(details["notified"] ?? "")"
        case "close": return "Closed: \(details["resolution"] ?? "")"
        default: return task.isEmpty ? event.action : "\(event.action) \(task)"
        }
    }

    /// The incident, if `subject` may see it; else `CollabError.Code.notFound`, as for an unknown id.
    func visibleIncident(_ id: Incident.ID, to subject: Subject) async throws(CollabError) -> Incident {
        guard let incident = try await store.incident(id), isAllowed(subject, .viewIncident, on: .incident(incident)) else {
            throw CollabError.notFound("incident", id.rawValue)
        }
        return incident
    }

    // MARK: Timers

    /// At a department's acknowledgement deadline, escalates its tasks nobody has accepted to the department's
    /// heads and the commander.
    func fireIncidentTimer(_ timer: ScheduledTimer, into change: inout ChangeSet, now: Date) async throws(CollabError)
        -> [Member.ID]
    {
        guard let incident = try await store.incident(Incident.ID(timer.record.id)), incident.state == .open else {
            return []
        }
        let department = Department.ID(timer.detail)
        var waiting: [WorkItem] = []
        for task in incident.tasks where task.departmentID == department {
            if let item = try await store.workItem(task.itemID), item.state == .assigned { waiting.append(item) }
        }
        guard !waiting.isEmpty else { return [] }
        let directory = try await organizationDirectory(incident.organizationID)
        var recipients = Set(directory.members(of: [department], headsOnly: true))
        recipients.insert(incident.triggeredBy)
        let name = directory.departments.first { $0.id == department }?.name ?? department.rawValue
        let titles: [MessageArgument] = waiting.map { .message(LocalizedMessage("quoted", ["text": .text($0.title)])) }
        let record = RecordReference.incident(incident.id)
        for recipient in recipients.sorted() {
            change.notifications.append(recordNotice(record, organization: incident.organizationID, to: recipient,
                kind: .acknowledgementMissed, urgency: .urgent, actor: nil,
                message: LocalizedMessage("notice.incident_not_acknowledged", [
                    "title": .text(incident.title), "department": .text(name), "tasks": .list(titles),
                ]), at: now))
        }
        change.auditEvents.append(recordEvent(record, organization: incident.organizationID,
            actor: AuditEvent.systemActor, action: "escalate_acknowledgement", details: [
                "department": department.rawValue, "items": waiting.map(\.id.rawValue).joined(separator: ","),
                "notified": recipients.map(\.rawValue).sorted().joined(separator: ","), "timer": timer.id,
            ], at: now))
        return recipients.sorted()
    }
}
