import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

/// How many rows the tables a scenario command writes hold, read through a connection of its own.
struct RowCounts: Equatable {
    var workItems: Int
    var notifications: Int
    var auditEvents: Int
    var meetings: Int
    var incidents: Int
    var incidentUpdates: Int
    var resourceRequests: Int
    var recordTimers: Int
}

func rowCounts(_ h: TestHarness) async throws -> RowCounts {
    RowCounts(
        workItems: try await rowCount("work_items", in: h), notifications: try await rowCount("notifications", in: h),
        auditEvents: try await rowCount("audit_events", in: h), meetings: try await rowCount("meetings", in: h),
        incidents: try await rowCount("incidents", in: h), incidentUpdates: try await rowCount("incident_updates", in: h),
        resourceRequests: try await rowCount("resource_requests", in: h),
        recordTimers: try await rowCount("timers WHERE record NOT LIKE 'work_item:%'", in: h))
}

/// The workplace with a plant: `equipment` (head `eqhead`, technician `eqtech`), `production` (head
/// `prodhead`, operator `prodop`), `warehouse` (head `whhead`, clerk `whclerk`), an empty `maintenance`
/// department, and `safety`, an officer in no department.
private struct Plant {
    let w: Workplace
    var h: TestHarness { w.h }
    var engine: WorkflowEngine { w.engine }

    static let eqHead: Member.ID = "eqhead"
    static let eqTech: Member.ID = "eqtech"
    static let prodHead: Member.ID = "prodhead"
    static let prodOp: Member.ID = "prodop"
    static let whHead: Member.ID = "whhead"
    static let whClerk: Member.ID = "whclerk"
    static let safety: Member.ID = "safety"

    init() async throws {
        w = try await Workplace(storage: .underTest)
        let h = w.h
        for department in ["equipment", "production", "warehouse", "maintenance"] {
            try await h.addDepartment(Department.ID(department), in: "acme")
        }
        try await h.addMember(Self.eqHead, in: "acme", departments: [DepartmentMembership("equipment", role: .head)])
        try await h.addMember(Self.eqTech, in: "acme", departments: [DepartmentMembership("equipment")])
        try await h.addMember(Self.prodHead, in: "acme", departments: [DepartmentMembership("production", role: .head)])
        try await h.addMember(Self.prodOp, in: "acme", departments: [DepartmentMembership("production")])
        try await h.addMember(Self.whHead, in: "acme", departments: [DepartmentMembership("warehouse", role: .head)])
        try await h.addMember(Self.whClerk, in: "acme", departments: [DepartmentMembership("warehouse")])
        try await h.addMember(Self.safety, in: "acme", name: "Safety Officer")
    }

    /// Equipment: the technician by name and the heads, two tasks, 15 minutes to acknowledge. Production:
    /// every member, one task, 10 minutes to acknowledge. The safety officer and `zhou` are informed.
    static func machineFailure(name: String = "Machine failure", extraTask: Bool = false) -> EmergencyPlanDraft {
        var production = [EmergencyPlan.ChecklistTask("Reroute the orders", dueAfter: .seconds(6 * 3600))]
        if extraTask { production.append(EmergencyPlan.ChecklistTask("Tell the customers", dueAfter: .seconds(8 * 3600))) }
        return EmergencyPlanDraft(
            name: name, severity: .major,
            departments: [
                EmergencyPlan.DepartmentResponse("equipment", responders: [eqTech], roles: [.departmentHeads],
                    checklist: [
                        EmergencyPlan.ChecklistTask("Stop and lock out the machine", description: "Lock-out tag-out",
                            dueAfter: .seconds(4 * 3600), priority: .high),
                        EmergencyPlan.ChecklistTask("Diagnose the failure", dueAfter: .seconds(5 * 3600),
                            priority: .medium),
                    ], acknowledgeWithin: .seconds(900)),
                EmergencyPlan.DepartmentResponse("production", roles: [.departmentMembers], checklist: production,
                    acknowledgeWithin: .seconds(600)),
            ],
            alert: EmergencyPlan.Message(title: "{severity}: {plan}", body: "{incident} — {department} responds."),
            informedMemberIDs: [safety, Workplace.engHead])
    }

    func savePlan(_ draft: EmergencyPlanDraft = machineFailure()) async throws -> EmergencyPlan {
        try await engine.incidents.savePlan(draft, by: Workplace.admin)
    }

    func item(_ id: WorkItem.ID) async throws -> WorkItem { try await w.stored(id) }

    /// The items of an incident's department, in the plan's order.
    func tasks(_ incident: Incident, _ department: Department.ID) -> [WorkItem.ID] {
        incident.tasks.filter { $0.departmentID == department }.map(\.itemID)
    }
}

@Suite struct EmergencyPlanTests {
    // MARK: Plans

    @Test("administrators save plan versions; stale edits conflict; incidents keep the version they were triggered with")
    func versioning() async throws {
        let p = try await Plant()
        // The workplace's only audit event so far: acme's administrator invited partnerco.
        let audited = try await rowCounts(p.h).auditEvents
        await expectFailure(.forbidden, "a plain member") {
            try await p.engine.incidents.savePlan(Plant.machineFailure(), by: Plant.eqTech)
        }
        await expectFailure(.forbidden, "a department head") {
            try await p.engine.incidents.savePlan(Plant.machineFailure(), by: Plant.eqHead)
        }
        #expect(try await rowCounts(p.h).auditEvents == audited, "refused saves audit nothing")

        let v1 = try await p.savePlan()
        #expect(v1.version == 1 && v1.savedBy == Workplace.admin && v1.savedAt == p.w.now)
        let first = try await p.engine.incidents.trigger(v1.id, by: Plant.eqHead, triggerKey: "first")
        #expect(first.planVersion == 1 && first.tasks.count == 3)

        p.h.clock.advance(by: .seconds(60))
        let v2 = try await p.engine.incidents.savePlan(Plant.machineFailure(name: "Machine failure (rev. 2)", extraTask: true),
            as: v1.id, by: Workplace.admin, expectedVersion: 1)
        #expect(v2.id == v1.id && v2.version == 2)
        let before = try await p.h.tableSnapshot()
        await expectFailure(.conflict, "edited from version 1 while version 2 exists") {
            try await p.engine.incidents.savePlan(Plant.machineFailure(name: "Stale"), as: v1.id, by: Workplace.admin,
                expectedVersion: 1)
        }
        #expect(try await p.h.tableSnapshot() == before)

        let versions = try await p.engine.incidents.planVersions(v1.id, as: Plant.eqTech)
        #expect(versions.map(\.version) == [1, 2])
        #expect(versions.map(\.name) == ["Machine failure", "Machine failure (rev. 2)"])
        #expect(try await p.engine.incidents.plan(v1.id, as: Plant.prodOp).version == 2)
        #expect(try await p.engine.incidents.plan(v1.id, version: 1, as: Plant.prodOp) == v1)

        let second = try await p.engine.incidents.trigger(v1.id, by: Plant.eqHead, triggerKey: "second")
        #expect(second.planVersion == 2)
        #expect(second.title == "Machine failure (rev. 2)")
        #expect(second.tasks.count == 4)
        var secondTitles: [String] = []
        for id in p.tasks(second, "production") { secondTitles.append(try await p.item(id).title) }
        #expect(secondTitles == ["Reroute the orders", "Tell the customers"])

        // The first incident is unchanged by the new version.
        let reread = try await p.engine.incidents.incident(first.id, as: Plant.eqHead)
        #expect(reread == first)
        #expect(reread.planVersion == 1 && reread.title == "Machine failure")
        var firstTitles: [String] = []
        for task in reread.tasks { firstTitles.append(try await p.item(task.itemID).title) }
        #expect(firstTitles == ["Stop and lock out the machine", "Diagnose the failure", "Reroute the orders"])
        #expect(try await p.engine.incidents.summary(first.id, as: Plant.eqHead).planVersion == 1)
    }

    @Test("saving a plan with unknown departments or members is refused with every problem")
    func invalidPlan() async throws {
        let p = try await Plant()
        var draft = Plant.machineFailure()
        draft.departments.append(EmergencyPlan.DepartmentResponse("nowhere", responders: ["ghost"],
            checklist: [EmergencyPlan.ChecklistTask("Nothing", dueAfter: .seconds(60))]))
        draft.informedMemberIDs.append(Workplace.stranger)
        let error = await expectFailure(.invalidInput) { try await p.engine.incidents.savePlan(draft, by: Workplace.admin) }
        let fields = Set(error?.problems.map(\.field) ?? [])
        #expect(fields.isSuperset(of: ["departments[2].departmentID", "departments[2].responderIDs[0]",
            "informedMemberIDs[2]"]), "\(fields)")
        #expect(try await p.engine.incidents.plans(as: Workplace.admin).isEmpty)
    }

    // MARK: Preview

    @Test("a preview lists tasks, assignees, deadlines and notifications, and writes nothing")
    func preview() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        p.h.clock.advance(by: .seconds(120))
        let t0 = p.w.now
        let before = try await p.h.tableSnapshot()
        let preview = try await p.engine.incidents.preview(plan.id, as: Plant.eqHead, details: "CNC-7 seized")
        #expect(try await p.h.tableSnapshot() == before)

        #expect(preview.planID == plan.id && preview.planVersion == 1)
        #expect(preview.problems.isEmpty)
        #expect(preview.tasks.map(\.title) == ["Stop and lock out the machine", "Diagnose the failure", "Reroute the orders"])
        #expect(preview.tasks.map(\.departmentID) == ["equipment", "equipment", "production"])
        #expect(preview.tasks.map(\.assigneeIDs) == [
            [Plant.eqTech, Plant.eqHead], [Plant.eqTech, Plant.eqHead], [Plant.prodHead, Plant.prodOp],
        ])
        #expect(preview.tasks.map(\.dueAt) == [
            t0.addingTimeInterval(4 * 3600), t0.addingTimeInterval(5 * 3600), t0.addingTimeInterval(6 * 3600),
        ])
        #expect(preview.tasks.map(\.acknowledgeBy) == [
            t0.addingTimeInterval(900), t0.addingTimeInterval(900), t0.addingTimeInterval(600),
        ])
        // The viewer (the would-be commander) is not told; every other responder and the informed are, urgently.
        #expect(Set(preview.notifications.map(\.recipientID))
            == [Plant.eqTech, Plant.prodHead, Plant.prodOp, Plant.safety, Workplace.engHead])
        #expect(preview.notifications.count == 5)
        #expect(preview.notifications.allSatisfy { $0.urgency == .urgent })
        #expect(preview.notifications.allSatisfy { $0.title == "major: Machine failure" })
        let tech = try #require(preview.notifications.first { $0.recipientID == Plant.eqTech })
        #expect(tech.body.contains("equipment responds"))
        #expect(tech.body.contains("CNC-7 seized"))
        #expect(tech.body.contains("Stop and lock out the machine") && tech.body.contains("Diagnose the failure"))
        #expect(!tech.body.contains("Reroute the orders"))
    }

    @Test("a department with no active responder shows as a problem, and triggering then fails writing nothing")
    func departmentWithoutResponder() async throws {
        let p = try await Plant()
        var draft = Plant.machineFailure()
        draft.departments.append(EmergencyPlan.DepartmentResponse("maintenance", roles: [.departmentHeads],
            checklist: [EmergencyPlan.ChecklistTask("Bring the spare motor", dueAfter: .seconds(3600))]))
        let plan = try await p.savePlan(draft)
        let before = try await p.h.tableSnapshot()

        let preview = try await p.engine.incidents.preview(plan.id, as: Workplace.admin)
        #expect(preview.problems.map(\.field) == ["departments[2]"])
        #expect(preview.problems.first?.kind == .missing)
        #expect(!preview.tasks.contains { $0.departmentID == "maintenance" })

        let error = await expectFailure(.invalidInput) {
            try await p.engine.incidents.trigger(plan.id, by: Workplace.admin, triggerKey: "no-maintenance")
        }
        #expect(error?.problems.map(\.field) == ["departments[2]"])
        #expect(try await p.h.tableSnapshot() == before)
        #expect(try await p.engine.incidents.list(as: Workplace.admin).items.isEmpty)

        // A named responder who left counts as no responder either.
        var named = Plant.machineFailure()
        named.departments[1] = EmergencyPlan.DepartmentResponse("production", responders: [Plant.prodOp], roles: [],
            checklist: [EmergencyPlan.ChecklistTask("Reroute the orders", dueAfter: .seconds(3600))])
        let namedPlan = try await p.savePlan(named)
        try await p.w.deactivate(Plant.prodOp)
        let beforeNamed = try await p.h.tableSnapshot()
        #expect(try await p.engine.incidents.preview(namedPlan.id, as: Workplace.admin).problems.map(\.field) == ["departments[1]"])
        await expectFailure(.invalidInput) {
            try await p.engine.incidents.trigger(namedPlan.id, by: Workplace.admin, triggerKey: "no-operator")
        }
        #expect(try await p.h.tableSnapshot() == beforeNamed)
    }

    // MARK: Triggering

    @Test("a trigger creates the incident, one task per checklist entry and department, and tells everyone concerned at once")
    func trigger() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        p.h.clock.advance(by: .seconds(300))
        let t0 = p.w.now
        let before = try await rowCounts(p.h)
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "button-1",
            details: "Spindle of CNC-7 seized in workshop 2")
        let after = try await rowCounts(p.h)

        #expect(after.incidents == before.incidents + 1)
        #expect(after.workItems == before.workItems + 3)
        #expect(after.notifications == before.notifications + 5)
        #expect(after.recordTimers == before.recordTimers + 2)
        // The trigger and one creation per task.
        #expect(after.auditEvents == before.auditEvents + 4)

        #expect(incident.planID == plan.id && incident.planVersion == 1)
        #expect(incident.triggeredBy == Plant.eqHead && incident.triggeredAt == t0)
        #expect(incident.state == .open && incident.triggerKey == "button-1")
        #expect(incident.severity == .major && incident.title == "Machine failure")
        #expect(incident.departmentIDs == ["equipment", "production"])
        #expect(incident.responderIDs == [Plant.eqTech, Plant.eqHead, Plant.prodHead, Plant.prodOp])
        #expect(incident.informedMemberIDs == [Plant.safety, Workplace.engHead])
        #expect(incident.tasks.map(\.departmentID) == ["equipment", "equipment", "production"])
        #expect(incident.tasks.map(\.acknowledgeBy) == [
            t0.addingTimeInterval(900), t0.addingTimeInterval(900), t0.addingTimeInterval(600),
        ])
        #expect(try await p.h.store.incident(incident.id) == incident)

        let expected: [(String, [Member.ID], Department.ID, TimeInterval, Priority)] = [
            ("Stop and lock out the machine", [Plant.eqTech, Plant.eqHead], "equipment", 4 * 3600, .high),
            ("Diagnose the failure", [Plant.eqTech, Plant.eqHead], "equipment", 5 * 3600, .medium),
            ("Reroute the orders", [Plant.prodHead, Plant.prodOp], "production", 6 * 3600, .high),
        ]
        for (task, (title, assignees, department, dueAfter, priority)) in zip(incident.tasks, expected) {
            let item = try await p.item(task.itemID)
            #expect(item.title == title)
            #expect(item.assigneeIDs == assignees)
            #expect(item.departmentIDs == [department])
            #expect(item.initiatorID == Plant.eqHead)
            #expect(item.state == .assigned)
            #expect(item.priority == priority)
            #expect(item.tags == ["incident"])
            #expect(item.start == t0)
            #expect(item.dueAt == t0.addingTimeInterval(dueAfter))
            #expect(item.description.contains("Spindle of CNC-7 seized"))
            let create = try #require(try await p.w.trail(item.id).first)
            #expect(create.action == "create")
            #expect(create.details["incident"] == incident.id.rawValue)
            #expect(create.details["department"] == department.rawValue)
        }

        // One urgent alert per responder (the commander excepted), none for anybody else.
        for responder in [Plant.eqTech, Plant.prodHead, Plant.prodOp] {
            let notices = try await p.h.notices(of: responder)
            #expect(notices.map(\.kind) == [.incident], "\(responder)")
            #expect(notices.first?.urgency == .urgent)
            #expect(notices.first?.record == .incident(incident.id))
            #expect(notices.first?.title == "major: Machine failure")
        }
        #expect(try await p.h.notices(of: Plant.eqHead).isEmpty, "the commander")
        for informed in [Plant.safety, Workplace.engHead] {
            let notices = try await p.h.notices(of: informed)
            #expect(notices.map(\.kind) == [.incident], "\(informed)")
            #expect(notices.first?.urgency == .urgent)
        }
        for bystander in [Plant.whHead, Plant.whClerk, Workplace.bystander, Workplace.admin] {
            #expect(try await p.h.notices(of: bystander).isEmpty, "\(bystander)")
        }

        let trail = try await p.h.store.auditTrail(of: .incident(incident.id))
        #expect(trail.map(\.action) == ["trigger"])
        #expect(trail.first?.details["plan_version"] == "1")
        #expect(trail.first?.details["tasks"] == "3")
    }

    @Test("who may trigger: administrators, named responders and heads of the plan's departments")
    func whoMayTrigger() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        for member in [Plant.prodOp, Plant.safety, Workplace.auditor] {
            await expectFailure(.forbidden, "\(member)") {
                try await p.engine.incidents.trigger(plan.id, by: member, triggerKey: "try-\(member)")
            }
        }
        await expectFailure(.notFound, "a member who does not see the plan") {
            try await p.engine.incidents.trigger(plan.id, by: Workplace.bystander, triggerKey: "try-qian")
        }
        #expect(try await rowCounts(p.h).incidents == 0)
        #expect(try await p.engine.incidents.trigger(plan.id, by: Plant.eqTech, triggerKey: "tech").triggeredBy == Plant.eqTech)
        #expect(try await p.engine.incidents.trigger(plan.id, by: Plant.prodHead, triggerKey: "head").triggeredBy == Plant.prodHead)
        #expect(try await p.engine.incidents.trigger(plan.id, by: Workplace.admin, triggerKey: "admin").triggeredBy == Workplace.admin)
    }

    @Test("triggering again with the same key returns the same incident and creates nothing")
    func repeatedTrigger() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let other = try await p.savePlan(Plant.machineFailure(name: "Fire in the warehouse"))
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "button-7")
        let snapshot = try await p.h.tableSnapshot()
        let counts = try await rowCounts(p.h)

        p.h.clock.advance(by: .seconds(2))
        #expect(try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "button-7") == incident)
        #expect(try await p.engine.incidents.trigger(plan.id, by: Plant.prodHead, triggerKey: "button-7",
            details: "seen from production") == incident)
        #expect(try await p.engine.incidents.trigger(plan.id, by: Workplace.admin, triggerKey: "button-7") == incident)
        #expect(try await rowCounts(p.h) == counts)
        #expect(try await p.h.tableSnapshot() == snapshot)

        await expectFailure(.conflict, "the key of another plan's incident") {
            try await p.engine.incidents.trigger(other.id, by: Plant.eqHead, triggerKey: "button-7")
        }
        #expect(try await p.h.tableSnapshot() == snapshot)
        #expect(try await p.engine.incidents.list(as: Workplace.admin).items.map(\.id) == [incident.id])
        #expect(try await p.h.notices(of: Plant.eqTech, kind: .incident).count == 1)
    }

    @Test("concurrent triggers with the same key make exactly one incident")
    func concurrentTriggers() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let engine = p.engine
        let planID = plan.id
        async let first = engine.incidents.trigger(planID, by: Plant.eqHead, triggerKey: "double-click")
        async let second = engine.incidents.trigger(planID, by: Plant.prodHead, triggerKey: "double-click")
        let results = try await [first, second]
        let more = try await withThrowingTaskGroup(of: Incident.self) { group in
            for member in [Plant.eqTech, Plant.eqHead, Plant.prodHead, Workplace.admin] {
                group.addTask { try await engine.incidents.trigger(planID, by: member, triggerKey: "double-click") }
            }
            var incidents: [Incident] = []
            for try await incident in group { incidents.append(incident) }
            return incidents
        }
        let all = results + more
        #expect(Set(all.map(\.id)).count == 1)
        #expect(Set(all).count == 1, "every caller gets the same incident")
        let counts = try await rowCounts(p.h)
        #expect(counts.incidents == 1)
        #expect(counts.workItems == 3)
        #expect(counts.recordTimers == 2)
        let incident = try #require(all.first)
        #expect(try await p.h.store.auditTrail(of: .incident(incident.id)).map(\.action) == ["trigger"])
        for responder in incident.responderIDs where responder != incident.triggeredBy {
            #expect(try await p.h.notices(of: responder, kind: .incident).count == 1, "\(responder)")
        }
    }

    // MARK: During the incident

    // needs the real inspector
    @Test("a photo that is an executable is refused at upload, and nothing is recorded")
    func executablePhotoRefused() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        try await expectUploadRefused(p.h, elfExecutable, named: "run.exe", to: .incident(incident.id), by: Plant.eqTech)
    }

    @Test("updates with readings and photos, resource requests fulfilled and declined by the department asked")
    func timelineAndResources() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        p.h.clock.advance(by: .seconds(60))

        let photo = try await p.h.attach("spindle.jpg", to: .incident(incident.id), by: Plant.eqTech)
        let update = try await p.engine.incidents.postUpdate(to: incident.id, text: "Spindle bearing destroyed",
            readings: ["spindle temperature": "82 °C", "vibration": "11 mm/s"], attachments: [photo], by: Plant.eqTech)
        #expect(update.postedAt == p.w.now && update.authorID == Plant.eqTech)
        let updates = try await p.engine.incidents.updates(of: incident.id, as: Plant.prodOp)
        #expect(updates == [update])
        #expect(updates.first?.readings == ["spindle temperature": "82 °C", "vibration": "11 mm/s"])
        #expect(updates.first?.attachments == [photo])
        // The commander and the other responders hear of it.
        #expect(try await p.h.notices(of: Plant.eqHead, kind: .incidentUpdate).count == 1)
        #expect(try await p.h.notices(of: Plant.prodOp, kind: .incidentUpdate).count == 1)
        #expect(try await p.h.notices(of: Plant.eqTech, kind: .incidentUpdate).isEmpty, "the author")
        await expectFailure(.forbidden, "an auditor only watches") {
            try await p.engine.incidents.postUpdate(to: incident.id, text: "x", by: Workplace.auditor)
        }
        await expectFailure(.notFound, "a bystander does not see the incident") {
            try await p.engine.incidents.postUpdate(to: incident.id, text: "x", by: Workplace.bystander)
        }

        p.h.clock.advance(by: .seconds(60))
        let request = try await p.engine.incidents.requestResource(for: incident.id, from: "warehouse",
            resource: "spindle bearing 6205-2RS", quantity: 2, by: Plant.eqTech)
        #expect(request.status == .open && request.quantity == 2 && request.departmentID == "warehouse")
        for member in [Plant.whHead, Plant.whClerk] {
            let notices = try await p.h.notices(of: member, kind: .resourceRequested)
            #expect(notices.count == 1, "\(member)")
            #expect(notices.first?.urgency == .urgent)
            #expect(notices.first?.record == .resourceRequest(request.id))
        }
        #expect(try await p.h.notices(of: Plant.prodOp, kind: .resourceRequested).isEmpty)

        await expectFailure(.forbidden, "production is not the department asked") {
            try await p.engine.incidents.fulfil(request.id, by: Plant.prodOp)
        }
        await expectFailure(.notFound, "a bystander neither sees nor decides") {
            try await p.engine.incidents.fulfil(request.id, by: Workplace.bystander)
        }
        p.h.clock.advance(by: .seconds(60))
        let fulfilled = try await p.engine.incidents.fulfil(request.id, note: "Two on the way", by: Plant.whClerk)
        #expect(fulfilled.status == .fulfilled && fulfilled.deciderID == Plant.whClerk)
        #expect(fulfilled.decidedAt == p.w.now && fulfilled.note == "Two on the way")
        let decided = try await p.h.notices(of: Plant.eqTech, kind: .resourceDecided)
        #expect(decided.count == 1)
        #expect(decided.first?.urgency == .urgent)
        let counts = try await rowCounts(p.h)
        await expectFailure(.invalidTransition, "fulfilled twice") {
            try await p.engine.incidents.fulfil(request.id, by: Plant.whHead)
        }
        await expectFailure(.invalidTransition, "declined after fulfilment") {
            try await p.engine.incidents.decline(request.id, reason: "none left", by: Plant.whHead)
        }
        #expect(try await rowCounts(p.h) == counts)

        let second = try await p.engine.incidents.requestResource(for: incident.id, from: "warehouse",
            resource: "replacement spindle", by: Plant.prodHead)
        await expectFailure(.invalidInput, "a decline needs a reason") {
            try await p.engine.incidents.decline(second.id, reason: "", by: Plant.whHead)
        }
        #expect(try await p.h.store.resourceRequest(second.id)?.status == .open)
        let declined = try await p.engine.incidents.decline(second.id, reason: "Out of stock until Friday", by: Plant.whHead)
        #expect(declined.status == .declined && declined.note == "Out of stock until Friday")
        let prodDecided = try await p.h.notices(of: Plant.prodHead, kind: .resourceDecided)
        #expect(prodDecided.count == 1)
        #expect(prodDecided.first?.body.contains("Out of stock until Friday") == true)
        await expectFailure(.invalidTransition, "declined twice") {
            try await p.engine.incidents.decline(second.id, reason: "still none", by: Plant.whHead)
        }

        let requests = try await p.engine.incidents.resourceRequests(of: incident.id, as: Workplace.auditor)
        #expect(requests.map(\.id) == [request.id, second.id])
        #expect(requests.map(\.status) == [.fulfilled, .declined])
        await expectFailure(.notFound, "an unknown department") {
            _ = try await p.engine.incidents.resourceRequests(of: "no-such-incident", as: Workplace.admin)
        }
        await expectFailure(.invalidInput, "a department that does not exist") {
            try await p.engine.incidents.requestResource(for: incident.id, from: "nowhere", resource: "x", by: Plant.eqTech)
        }
    }

    @Test("a department that does not acknowledge in time is escalated to its heads and the commander, once")
    func acknowledgementEscalation() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        let t0 = incident.triggeredAt

        // Equipment accepts its tasks five minutes in; production does nothing.
        try await p.h.advance(by: .seconds(300))
        let equipment = p.tasks(incident, "equipment")
        try await p.engine.workItems.accept(equipment[0], by: Plant.eqTech)
        try await p.engine.workItems.accept(equipment[1], by: Plant.eqHead)

        // Nothing before production's deadline (ten minutes).
        try await p.h.advance(to: t0.addingTimeInterval(599))
        #expect(try await p.h.notices(of: Plant.prodHead, kind: .acknowledgementMissed).isEmpty)
        #expect(try await p.h.notices(of: Plant.eqHead, kind: .acknowledgementMissed).isEmpty)

        try await p.h.advance(to: t0.addingTimeInterval(20 * 60))
        for recipient in [Plant.prodHead, Plant.eqHead] {
            let notices = try await p.h.notices(of: recipient, kind: .acknowledgementMissed)
            #expect(notices.count == 1, "\(recipient)")
            #expect(notices.first?.urgency == .urgent)
            #expect(notices.first?.createdAt == t0.addingTimeInterval(600))
            #expect(notices.first?.record == .incident(incident.id))
            #expect(notices.first?.body.contains("Reroute the orders") == true)
        }
        for other in [Plant.prodOp, Plant.eqTech, Plant.safety, Workplace.engHead, Plant.whHead, Workplace.admin] {
            #expect(try await p.h.notices(of: other, kind: .acknowledgementMissed).isEmpty, "\(other)")
        }

        // It fires once.
        try await p.h.advance(by: .seconds(3 * 3600))
        #expect(try await p.h.notices(of: Plant.prodHead, kind: .acknowledgementMissed).count == 1)
        #expect(try await p.h.notices(of: Plant.eqHead, kind: .acknowledgementMissed).count == 1)

        let escalations = try await p.h.store.auditTrail(of: .incident(incident.id))
            .filter { $0.action == "escalate_acknowledgement" }
        #expect(escalations.count == 1)
        #expect(escalations.first?.details["department"] == "production")
        #expect(escalations.first?.actorID == AuditEvent.systemActor)
        #expect(escalations.first?.occurredAt == t0.addingTimeInterval(600))
        #expect(escalations.first?.details["notified"] == "eqhead,prodhead")
    }

    @Test("closing makes a summary with the timeline and each department's exact response times")
    func closingSummary() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        let t0 = incident.triggeredAt
        let equipment = p.tasks(incident, "equipment"), production = p.tasks(incident, "production")

        try await p.h.advance(to: t0.addingTimeInterval(300))
        try await p.engine.workItems.accept(equipment[0], by: Plant.eqTech)
        try await p.h.advance(to: t0.addingTimeInterval(480))
        try await p.engine.workItems.accept(equipment[1], by: Plant.eqHead)
        try await p.h.advance(to: t0.addingTimeInterval(540))
        try await p.engine.incidents.postUpdate(to: incident.id, text: "Machine locked out", by: Plant.eqTech)
        // Production's deadline passes at 600 s.
        try await p.h.advance(to: t0.addingTimeInterval(720))
        let request = try await p.engine.incidents.requestResource(for: incident.id, from: "production",
            resource: "backup machine time", quantity: 3, by: Plant.eqTech)
        try await p.h.advance(to: t0.addingTimeInterval(1200))
        try await p.engine.incidents.fulfil(request.id, by: Plant.prodOp)
        try await p.h.advance(to: t0.addingTimeInterval(1500))
        try await p.engine.workItems.accept(production[0], by: Plant.prodOp)
        try await p.h.advance(to: t0.addingTimeInterval(1800))

        await expectFailure(.forbidden, "a responder who did not trigger it") {
            try await p.engine.incidents.close(incident.id, resolution: "done", by: Plant.prodHead)
        }
        await expectFailure(.forbidden, "an auditor") {
            try await p.engine.incidents.close(incident.id, resolution: "done", by: Workplace.auditor)
        }
        let closed = try await p.engine.incidents.close(incident.id, resolution: "Bearing replaced", by: Plant.eqHead)
        #expect(closed.state == .closed && closed.closedBy == Plant.eqHead)
        #expect(closed.closedAt == t0.addingTimeInterval(1800))
        #expect(closed.resolution == "Bearing replaced")
        let summary = try #require(closed.summary)

        #expect(summary.incidentID == incident.id && summary.planID == plan.id && summary.planVersion == 1)
        #expect(summary.triggeredAt == t0 && summary.closedAt == t0.addingTimeInterval(1800))
        #expect(summary.duration == 1800)
        #expect(summary.timeline.map(\.action) == [
            "trigger", "create", "create", "create", "accept", "accept", "post_update", "escalate_acknowledgement",
            "request_resource", "fulfil_resource", "accept", "close",
        ])
        #expect(summary.timeline.map { $0.at.timeIntervalSince(t0) } == [
            0, 0, 0, 0, 300, 480, 540, 600, 720, 1200, 1500, 1800,
        ])
        #expect(summary.timeline.map(\.actorID) == [
            Plant.eqHead, Plant.eqHead, Plant.eqHead, Plant.eqHead, Plant.eqTech, Plant.eqHead, Plant.eqTech,
            AuditEvent.systemActor, Plant.eqTech, Plant.prodOp, Plant.prodOp, Plant.eqHead,
        ])
        #expect(summary.timeline.map(\.departmentID) == [
            nil, "equipment", "equipment", "production", "equipment", "equipment", nil, "production", "production",
            "production", "production", nil,
        ])
        #expect(summary.timeline[4].itemID == equipment[0] && summary.timeline[10].itemID == production[0])
        #expect(summary.timeline.allSatisfy { !$0.text.isEmpty })

        #expect(summary.departments.map(\.departmentID) == ["equipment", "production"])
        let eq = summary.departments[0], prod = summary.departments[1]
        #expect(eq.tasks == 2 && eq.acknowledged == 2 && eq.completed == 0)
        #expect(eq.firstAcknowledgementAfter == .seconds(300))
        #expect(eq.allAcknowledgedAfter == .seconds(480))
        #expect(eq.completedAfter == nil)
        #expect(eq.escalated == false)
        #expect(eq.resourceRequests == 0 && eq.resourcesFulfilled == 0)
        #expect(prod.tasks == 1 && prod.acknowledged == 1 && prod.completed == 0)
        #expect(prod.firstAcknowledgementAfter == .seconds(1500))
        #expect(prod.allAcknowledgedAfter == .seconds(1500))
        #expect(prod.escalated == true)
        #expect(prod.resourceRequests == 1 && prod.resourcesFulfilled == 1)
        #expect(summary.openTasks == 3)

        // The summary is stored with the incident and read back as it was made.
        #expect(try await p.engine.incidents.summary(incident.id, as: Workplace.auditor) == summary)
        #expect(try await p.engine.incidents.incident(incident.id, as: Plant.safety) == closed)
        // Responders and informed members hear of the closing; the commander does not.
        for member in [Plant.eqTech, Plant.prodHead, Plant.prodOp, Plant.safety, Workplace.engHead] {
            #expect(try await p.h.notices(of: member, kind: .incidentClosed).count == 1, "\(member)")
        }
        #expect(try await p.h.notices(of: Plant.eqHead, kind: .incidentClosed).isEmpty)

        let counts = try await rowCounts(p.h)
        await expectFailure(.invalidTransition, "closed twice") {
            try await p.engine.incidents.close(incident.id, resolution: "again", by: Plant.eqHead)
        }
        await expectFailure(.invalidTransition, "an update after the closing") {
            try await p.engine.incidents.postUpdate(to: incident.id, text: "late", by: Plant.eqTech)
        }
        await expectFailure(.invalidTransition, "a request after the closing") {
            try await p.engine.incidents.requestResource(for: incident.id, from: "warehouse", resource: "x", by: Plant.eqTech)
        }
        #expect(try await rowCounts(p.h) == counts)
        #expect(try await p.engine.incidents.list(as: Plant.eqTech, state: .closed).items.map(\.id) == [incident.id])
        #expect(try await p.engine.incidents.list(as: Plant.eqTech, state: .open).items.isEmpty)
    }

    @Test("an administrator may close an incident somebody else triggered")
    func administratorCloses() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.prodHead, triggerKey: "k")
        let closed = try await p.engine.incidents.close(incident.id, resolution: "False alarm", by: Workplace.admin)
        #expect(closed.closedBy == Workplace.admin)
        #expect(try await p.h.notices(of: Plant.prodHead, kind: .incidentClosed).count == 1, "the commander is told")
    }

    // MARK: Isolation

    @Test("members of other organizations and partners see no plan, incident, update or request",
        arguments: [Workplace.stranger, Workplace.partner])
    func isolation(outsider: Member.ID) async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        try await p.engine.incidents.postUpdate(to: incident.id, text: "Smoke", by: Plant.eqTech)
        let request = try await p.engine.incidents.requestResource(for: incident.id, from: "warehouse", resource: "extinguisher",
            by: Plant.eqTech)
        let before = try await p.h.tableSnapshot()

        await expectFailure(.notFound, "plan") { _ = try await p.engine.incidents.plan(plan.id, as: outsider) }
        await expectFailure(.notFound, "plan version") {
            _ = try await p.engine.incidents.plan(plan.id, version: 1, as: outsider)
        }
        await expectFailure(.notFound, "versions") { _ = try await p.engine.incidents.planVersions(plan.id, as: outsider) }
        await expectFailure(.notFound, "preview") { _ = try await p.engine.incidents.preview(plan.id, as: outsider) }
        await expectFailure(.notFound, "incident") { _ = try await p.engine.incidents.incident(incident.id, as: outsider) }
        await expectFailure(.notFound, "updates") { _ = try await p.engine.incidents.updates(of: incident.id, as: outsider) }
        await expectFailure(.notFound, "requests") {
            _ = try await p.engine.incidents.resourceRequests(of: incident.id, as: outsider)
        }
        await expectFailure(.notFound, "summary") { _ = try await p.engine.incidents.summary(incident.id, as: outsider) }
        #expect(try await p.engine.incidents.plans(as: outsider).isEmpty)
        #expect(try await p.engine.incidents.list(as: outsider).items.isEmpty)
        #expect(try await p.engine.meetings.list(as: outsider).items.isEmpty)

        await expectFailure(.notFound, "post") {
            try await p.engine.incidents.postUpdate(to: incident.id, text: "hello", by: outsider)
        }
        await expectFailure(.notFound, "request") {
            try await p.engine.incidents.requestResource(for: incident.id, from: "warehouse", resource: "x", by: outsider)
        }
        await expectFailure(.notFound, "fulfil") { try await p.engine.incidents.fulfil(request.id, by: outsider) }
        await expectFailure(.notFound, "decline") {
            try await p.engine.incidents.decline(request.id, reason: "no", by: outsider)
        }
        await expectFailure(.notFound, "close") {
            try await p.engine.incidents.close(incident.id, resolution: "x", by: outsider)
        }
        let trigger = await expectFailure(.notFound, "trigger with the incident's key") {
            try await p.engine.incidents.trigger(plan.id, by: outsider, triggerKey: "k")
        }
        #expect(trigger?.message.contains(incident.id.rawValue) != true)
        await expectFailure(.forbidden, "save a plan") {
            try await p.engine.incidents.savePlan(Plant.machineFailure(), by: outsider)
        }
        #expect(try await p.h.tableSnapshot() == before)
    }

    @Test("members of the organization outside the plan's departments do not see it")
    func bystanders() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        await expectFailure(.notFound) { _ = try await p.engine.incidents.plan(plan.id, as: Workplace.bystander) }
        await expectFailure(.notFound) { _ = try await p.engine.incidents.incident(incident.id, as: Workplace.bystander) }
        #expect(try await p.engine.incidents.list(as: Workplace.bystander).items.isEmpty)
        #expect(try await p.engine.incidents.plans(as: Workplace.bystander).isEmpty)
        // The informed and the departments' members do.
        #expect(try await p.engine.incidents.incident(incident.id, as: Workplace.engHead).id == incident.id)
        #expect(try await p.engine.incidents.list(as: Plant.prodOp).items.map(\.id) == [incident.id])
        #expect(try await p.engine.incidents.plans(as: Plant.safety).map(\.id) == [plan.id])
    }
}

extension EmergencyPlanTests {
    @Test("the trigger key gives nothing away: a member who may not trigger the plan is refused as with a new key")
    func repeatedKeyNeedsTheRight() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let other = try await p.savePlan(Plant.machineFailure(name: "Fire in the warehouse"))
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "button-7")
        let before = try await p.h.tableSnapshot()

        // Sees the plan and the incident but may not trigger: forbidden, with the used key as with a new one.
        for member in [Plant.prodOp, Workplace.auditor, Plant.safety] {
            await expectFailure(.forbidden, "\(member), new key") {
                try await p.engine.incidents.trigger(plan.id, by: member, triggerKey: "fresh")
            }
            await expectFailure(.forbidden, "\(member), used key") {
                try await p.engine.incidents.trigger(plan.id, by: member, triggerKey: "button-7")
            }
        }
        // Does not see the plan: not found, with the used key as with a new one, naming no incident.
        for key in ["fresh", "button-7"] {
            let error = await expectFailure(.notFound, "a bystander, key \(key)") {
                try await p.engine.incidents.trigger(plan.id, by: Workplace.bystander, triggerKey: key)
            }
            #expect(error?.message.contains(incident.id.rawValue) == false)
            let otherPlan = await expectFailure(.notFound, "a bystander, other plan, key \(key)") {
                try await p.engine.incidents.trigger(other.id, by: Workplace.bystander, triggerKey: key)
            }
            #expect(otherPlan?.message.contains(incident.id.rawValue) == false)
        }
        #expect(try await p.h.tableSnapshot() == before)
    }

    @Test("closing before an acknowledgement deadline cancels the escalation")
    func closedBeforeDeadline() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        try await p.h.advance(by: .seconds(120))
        try await p.engine.incidents.close(incident.id, resolution: "False alarm", by: Plant.eqHead)
        try await p.h.advance(by: .seconds(3600))
        for member in [Plant.eqHead, Plant.prodHead] {
            #expect(try await p.h.notices(of: member, kind: .acknowledgementMissed).isEmpty)
        }
        #expect(!(try await p.h.store.auditTrail(of: .incident(incident.id)).contains { $0.action == "escalate_acknowledgement" }))
    }

    @Test("a department that accepted only some tasks is escalated for the others")
    func partialAcknowledgement() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Workplace.admin, triggerKey: "k")
        let equipment = p.tasks(incident, "equipment")
        try await p.h.advance(by: .seconds(60))
        try await p.engine.workItems.accept(equipment[0], by: Plant.eqTech)
        try await p.h.advance(by: .seconds(900))
        let notices = try await p.h.notices(of: Plant.eqHead, kind: .acknowledgementMissed)
        #expect(notices.count == 1)
        #expect(notices.first?.body.contains("Diagnose the failure") == true)
        #expect(notices.first?.body.contains("Stop and lock out the machine") == false)
        #expect(try await p.h.notices(of: Workplace.admin, kind: .acknowledgementMissed).count == 2, "the commander, for both departments")
        let escalations = try await p.h.store.auditTrail(of: .incident(incident.id))
            .filter { $0.action == "escalate_acknowledgement" }
        #expect(escalations.compactMap { $0.details["department"] } == ["production", "equipment"])
        #expect(escalations.last?.details["items"] == equipment[1].rawValue)
    }

    @Test("a member responding in two departments is alerted once, with all their tasks")
    func responderInTwoDepartments() async throws {
        let p = try await Plant()
        var draft = Plant.machineFailure()
        draft.departments[0].responderIDs.append(Plant.prodHead)
        let plan = try await p.savePlan(draft)
        let incident = try await p.engine.incidents.trigger(plan.id, by: Workplace.admin, triggerKey: "k")
        #expect(incident.responderIDs.filter { $0 == Plant.prodHead }.count == 1)
        let alerts = try await p.h.notices(of: Plant.prodHead, kind: .incident)
        #expect(alerts.count == 1)
        let body = try #require(alerts.first?.body)
        #expect(body.contains("Stop and lock out the machine") && body.contains("Reroute the orders"))
    }

    @Test("the summary counts completions and their time")
    func completionTimes() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        let incident = try await p.engine.incidents.trigger(plan.id, by: Plant.eqHead, triggerKey: "k")
        let t0 = incident.triggeredAt
        let equipment = p.tasks(incident, "equipment")
        try await p.h.advance(to: t0.addingTimeInterval(60))
        for id in equipment {
            try await p.engine.workItems.accept(id, by: Plant.eqTech)
            try await p.engine.workItems.start(id, by: Plant.eqTech)
            try await p.engine.workItems.submitForReview(id, by: Plant.eqTech)
        }
        try await p.h.advance(to: t0.addingTimeInterval(1000))
        try await p.engine.workItems.approve(equipment[0], by: Plant.eqHead)
        try await p.h.advance(to: t0.addingTimeInterval(2000))
        try await p.engine.workItems.approve(equipment[1], by: Plant.eqHead)
        let open = try await p.engine.incidents.summary(incident.id, as: Plant.eqTech)
        #expect(open.closedAt == t0.addingTimeInterval(2000), "an open incident's summary runs to now")
        let eq = try #require(open.departments.first)
        #expect(eq.completed == 2)
        #expect(eq.completedAfter == .seconds(2000))
        #expect(eq.firstAcknowledgementAfter == .seconds(60) && eq.allAcknowledgedAfter == .seconds(60))
        #expect(open.openTasks == 1)
        #expect(open.departments[1].completedAfter == nil && open.departments[1].acknowledged == 0)
    }

    @Test("two administrators saving the next version at once: one wins, the other conflicts")
    func concurrentSaves() async throws {
        let p = try await Plant()
        let plan = try await p.savePlan()
        try await p.h.addMember("admin2", in: "acme", administrator: true)
        let engine = p.engine, id = plan.id
        @Sendable func save(_ name: String, by admin: Member.ID) async -> CollabError.Code? {
            do {
                _ = try await engine.incidents.savePlan(Plant.machineFailure(name: name), as: id, by: admin, expectedVersion: 1)
                return nil
            } catch {
                return error.code
            }
        }
        async let a = save("A", by: Workplace.admin)
        async let b = save("B", by: "admin2")
        let codes = await [a, b]
        #expect(codes.filter { $0 == nil }.count == 1, "\(codes)")
        #expect(codes.compactMap { $0 } == [.conflict])
        #expect(try await p.engine.incidents.planVersions(id, as: Workplace.admin).map(\.version) == [1, 2])
    }
}
