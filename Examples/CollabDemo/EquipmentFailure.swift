// The `emergency` subcommand: the platform guide's emergency scenario (突发事件应急协调) — a machine fails
// in a workshop, and equipment, production and the warehouse respond under an emergency plan — with the
// announcement that introduced the plan before it and the review meeting after it. It runs on a virtual
// clock that starts at 08:30 (Asia/Shanghai) today and moves only when the scenario moves it, so the times
// printed are the same on every run.

import CollabModel
import CollabStore
import CollabWorkflow
import Foundation
import Logging
import Synchronization

/// A clock that moves only when the demo moves it.
final class DemoClock: CollabClock {
    private let current: Mutex<Date>

    init(_ start: Date) { current = Mutex(start) }

    func now() -> Date { current.withLock { $0 } }

    /// Waits in real time and leaves the virtual clock where it is. The engine sleeps only to time out a
    /// notification hook (its attempt timeout, cancelled as soon as the hook returns); were sleeping to move
    /// the clock, every delivery would push the scenario's time forward by the timeout, and the timeout could
    /// win the race against a hook that had already delivered.
    func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }

    /// Moves the clock to `date` (never backwards).
    func move(to date: Date) { current.withLock { $0 = max($0, date) } }
}

/// A hook that keeps what it was given, to count the notifications by kind.
final class TallyHook: NotificationHook {
    let name = "tally"
    private let delivered = Mutex<[Notice]>([])

    func deliver(_ delivery: NoticeDelivery) async throws {
        delivered.withLock { $0.append(delivery.notice) }
    }

    var notices: [Notice] { delivered.withLock { $0 } }
}

let equipment: Department.ID = "equipment"
let warehouse: Department.ID = "warehouse"

let hePing: Member.ID = "he.ping"  // plant director, administrator
let zhouQiang: Member.ID = "zhou.qiang"  // equipment head
let wuGang: Member.ID = "wu.gang"  // maintenance technician
let zhengHui: Member.ID = "zheng.hui"  // warehouse head
let fengLi: Member.ID = "feng.li"  // storekeeper

/// Adds the plant's departments and people to the company `seed(_:_:)` made (production is already there),
/// named in `text`'s language.
func seedPlant(_ store: any CollabStorage, _ text: DemoText) async throws {
    for id in [equipment, warehouse] {
        try await store.save(Department(id: id, organizationID: company, name: text.name(of: id.rawValue)))
    }
    try await store.save(Member(
        id: hePing, organizationID: company, displayName: text.name(of: hePing.rawValue), handle: hePing.rawValue,
        roles: [.administrator]))
    let people: [(Member.ID, Department.ID, DepartmentMembership.Role)] = [
        (zhouQiang, equipment, .head), (wuGang, equipment, .member),
        (zhengHui, warehouse, .head), (fengLi, warehouse, .member),
    ]
    for (id, department, role) in people {
        try await store.save(Member(
            id: id, organizationID: company, displayName: text.name(of: id.rawValue), handle: id.rawValue,
            departments: [DepartmentMembership(department, role: role)]))
    }
}

/// The plan as the plant director writes it; `revised` adds a check of the other machines.
func equipmentFailurePlan(revised: Bool) -> EmergencyPlanDraft {
    var repairs: [EmergencyPlan.ChecklistTask] = [
        .init("Diagnose the failure", description: "Find the cause; guide the operators remotely until you are there.",
            dueAfter: .seconds(45 * 60)),
        .init("Repair and test run", dueAfter: .seconds(4 * 3600)),
    ]
    if revised { repairs.append(.init("Check the other machines of the same type", dueAfter: .seconds(24 * 3600))) }
    return EmergencyPlanDraft(
        name: "Equipment failure in a workshop", severity: .major,
        departments: [
            .init(equipment, responders: [wuGang], roles: [.departmentHeads], checklist: repairs,
                acknowledgeWithin: .seconds(10 * 60)),
            .init(production, responders: [sunHao], roles: [],
                checklist: [.init("Stop the line and secure the workpieces", dueAfter: .seconds(30 * 60))],
                acknowledgeWithin: .seconds(10 * 60)),
            .init(warehouse, roles: [.departmentMembers],
                checklist: [.init("Issue the spare parts equipment asks for", dueAfter: .seconds(3600), priority: .medium)],
                acknowledgeWithin: .seconds(10 * 60)),
        ],
        alert: .init(title: "Emergency ({severity}): {incident}",
            body: "Plan \"{plan}\" was triggered. {department} responds: accept your tasks within 10 minutes."),
        informedMemberIDs: [hePing])
}

func playEquipmentFailure(_ store: any CollabStorage, round: String, text: DemoText) async throws {
    try await seedPlant(store, text)
    let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let midnight = calendar.startOfDay(for: SystemClock().now())
    func at(_ hour: Int, _ minute: Int) -> Date { midnight.addingTimeInterval(Double(hour * 3600 + minute * 60)) }
    let clock = DemoClock(at(8, 30))
    var configuration = WorkflowEngine.Configuration()
    configuration.logger.logLevel = .warning  // the scenario prints what happens; the engine's notices would repeat it
    let engine = WorkflowEngine(store: store, clock: clock, configuration: configuration)
    let displayNames = Dictionary(
        uniqueKeysWithValues: try await store.members(in: company).map { ($0.id, $0.displayName) })
    let departmentNames = Dictionary(uniqueKeysWithValues: try await store.departments(in: company).map { ($0.id, $0.name) })
    func name(_ id: Member.ID) -> String { displayNames[id] ?? id.rawValue }
    func names(_ ids: [Member.ID]) -> String { ids.map(name).joined(separator: ", ") }
    func time(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
    /// Moves the clock and fires what fell due, as a `CollabRunner` would.
    func move(to hour: Int, _ minute: Int) async throws {
        clock.move(to: at(hour, minute))
        for fired in try await engine.timers.fireDue() where fired.timer.record.kind != .workItem {
            let scope = fired.timer.detail.isEmpty
                ? "" : " (\(departmentNames[Department.ID(fired.timer.detail)] ?? fired.timer.detail))"
            let told = fired.notified.isEmpty ? "nothing left to do" : "told \(names(fired.notified))"
            print("   \(time(fired.firedAt)) timer \(fired.timer.kind.rawValue)\(scope): \(told)")
        }
    }
    print("Equipment failure, \(CalendarDate(at(8, 30), in: zone)) in Asia/Shanghai (virtual clock from 08:30)")

    // 1. The plan, and the announcement that introduces it.
    print("\n1. \(time(clock.now())) The plant director saves the plan and announces it to everyone")
    let existing = try await engine.incidents.plans(as: hePing).first { $0.name == "Equipment failure in a workshop" }
    let plan = try await engine.incidents.savePlan(equipmentFailurePlan(revised: false), as: existing?.id, by: hePing,
        expectedVersion: existing?.version)
    print("   plan \"\(plan.name)\" saved, version \(plan.version)")
    let announcement = try await engine.announcements.publish(
        AnnouncementDraft(
            title: "Safety week: the equipment-failure plan",
            body: "The plan for an equipment failure in a workshop is in force. Read it and acknowledge.",
            audience: .organization,
            acknowledgement: AcknowledgementRequirement(deadline: at(12, 0), reminderLead: .seconds(3600))),
        by: hePing, idempotencyKey: "\(round)-announcement")
    let reach = try await engine.announcements.reach(of: announcement.id, as: hePing)
    print("   announcement published to \(reach.total.recipients) members, acknowledgement by \(time(at(12, 0)))")
    clock.move(to: at(8, 40))
    for member in [zhaoLei, chenJing, wangFang, liuYang, zhouQiang, wuGang, zhengHui] {
        try await engine.announcements.acknowledge(announcement.id, by: member)
    }
    try await engine.announcements.open(announcement.id, by: sunHao)
    print("   \(time(clock.now())) 7 acknowledge; Sun Hao only opens it")

    // 2. Preview and trigger.
    try await move(to: 9, 0)
    print("\n2. \(time(clock.now())) CNC-7's spindle seizes; the production head previews the plan and triggers it")
    let preview = try await engine.incidents.preview(plan.id, as: liuYang)
    for task in preview.tasks {
        print("   \(departmentNames[task.departmentID] ?? "?"): \"\(task.title)\" → \(names(task.assigneeIDs)), "
            + "due \(time(task.dueAt)), accept by \(time(task.acknowledgeBy))")
    }
    let urgent = preview.notifications.filter { $0.urgency == .urgent }.count
    print("   \(preview.notifications.count) notifications (\(urgent) urgent), "
        + "\(preview.problems.isEmpty ? "no problem" : "problems: \(preview.problems.map(\.message))")")

    let key = "cnc-7-\(round)"
    let details = "The spindle of CNC-7 in workshop 2 seized during a finishing pass."
    let incident = try await engine.incidents.trigger(plan.id, by: liuYang, triggerKey: key, title: "CNC-7 spindle seized",
        details: details)
    print("   \(time(incident.triggeredAt)) triggered: \(incident.tasks.count) tasks, responders \(names(incident.responderIDs))")
    let openIncidents = try await engine.incidents.list(as: liuYang, state: .open).items.count
    let again = try await engine.incidents.trigger(plan.id, by: liuYang, triggerKey: key, title: "CNC-7 spindle seized",
        details: details)
    let openAfter = try await engine.incidents.list(as: liuYang, state: .open).items.count
    print("   triggered again with the same key: \(again.id == incident.id ? "the same incident" : "another incident!"), "
        + "open incidents \(openIncidents) → \(openAfter)")
    let revised = try await engine.incidents.savePlan(equipmentFailurePlan(revised: true), as: plan.id, by: hePing,
        expectedVersion: plan.version)
    print("   the director saves version \(revised.version) (one more check); the incident keeps version "
        + "\(try await engine.incidents.incident(incident.id, as: liuYang).planVersion)")

    func tasks(of department: Department.ID) -> [WorkItem.ID] {
        incident.tasks.filter { $0.departmentID == department }.map(\.itemID)
    }

    // 3. The response.
    print("\n3. The departments respond")
    try await move(to: 9, 2)
    for task in tasks(of: equipment) { try await engine.workItems.accept(task, by: wuGang) }
    try await engine.workItems.start(tasks(of: equipment)[0], by: wuGang)
    try await move(to: 9, 3)
    for task in tasks(of: production) {
        try await engine.workItems.accept(task, by: sunHao)
        try await engine.workItems.start(task, by: sunHao)
    }
    print("   09:02 Wu Gang accepts equipment's tasks; 09:03 Sun Hao accepts production's")
    try await move(to: 9, 6)
    try await engine.incidents.postUpdate(to: incident.id, text: "Spindle blocked; bearing damage likely.",
        readings: ["spindle temperature": "82 °C", "vibration": "11.2 mm/s"], by: wuGang)
    print("   09:06 Wu Gang posts an update with two readings")
    try await move(to: 9, 10)
    try await move(to: 9, 12)
    let request = try await engine.incidents.requestResource(for: incident.id, from: warehouse,
        resource: "Spindle bearing 6205-2RS", quantity: 2, neededBy: at(9, 45), by: wuGang)
    print("   09:12 Wu Gang asks the warehouse for \(request.quantity) × \(request.resource)")
    try await move(to: 9, 15)
    for task in tasks(of: warehouse) {
        try await engine.workItems.accept(task, by: fengLi)
        try await engine.workItems.start(task, by: fengLi)
    }
    let fulfilled = try await engine.incidents.fulfil(request.id, note: "Two from shelf B-14, brought to CNC-7.", by: fengLi)
    print("   09:15 Feng Li accepts warehouse's task and fulfils the request: \(fulfilled.note ?? "")")

    // Each responder submits; the commander (the tasks' initiator) approves.
    func complete(_ item: WorkItem.ID, by responder: Member.ID, at hour: Int, _ minute: Int) async throws {
        try await move(to: hour, minute)
        let current = try await engine.workItems.workItem(item, as: responder)
        if current.state == .accepted { try await engine.workItems.start(item, by: responder) }
        try await engine.workItems.submitForReview(item, by: responder)
        try await engine.workItems.approve(item, by: liuYang)
        print("   \(time(clock.now())) \(name(responder)) completes \"\(current.title)\"")
    }
    for task in tasks(of: production) { try await complete(task, by: sunHao, at: 9, 20) }
    for task in tasks(of: warehouse) { try await complete(task, by: fengLi, at: 9, 25) }
    let equipmentTasks = tasks(of: equipment)
    try await complete(equipmentTasks[0], by: wuGang, at: 9, 35)
    try await move(to: 11, 0)
    try await move(to: 11, 10)
    try await engine.announcements.acknowledge(announcement.id, by: fengLi)
    print("   11:10 Feng Li acknowledges the announcement after the reminder")
    try await move(to: 11, 28)
    try await engine.incidents.postUpdate(to: incident.id, text: "Bearings replaced; test run passed.",
        readings: ["spindle temperature": "41 °C", "vibration": "1.8 mm/s"], by: wuGang)
    for task in equipmentTasks.dropFirst() { try await complete(task, by: wuGang, at: 11, 30) }

    // 4. Closing and the summary.
    try await move(to: 11, 40)
    let closed = try await engine.incidents.close(incident.id,
        resolution: "Both spindle bearings replaced; CNC-7 back in production at 11:30.", by: liuYang)
    guard let summary = closed.summary else { return }
    print("\n4. \(time(summary.closedAt)) Liu Yang closes the incident; its summary "
        + "(plan version \(summary.planVersion), \(minutes(summary.duration)), \(summary.openTasks) tasks open):")
    for entry in summary.timeline {
        let actor = entry.actorID == AuditEvent.systemActor ? "(timer)" : name(entry.actorID)
        print("   \(time(entry.at))  \(actor.padding(toLength: 12, withPad: " ", startingAt: 0))"
            + "\(entry.text)")
    }
    print("   department   tasks  first accepted  all accepted  completed    escalated  resources fulfilled")
    for response in summary.departments {
        let department = departmentNames[response.departmentID] ?? response.departmentID.rawValue
        print("   " + department.padding(toLength: 13, withPad: " ", startingAt: 0)
            + "\(response.tasks)".padding(toLength: 7, withPad: " ", startingAt: 0)
            + minutes(response.firstAcknowledgementAfter).padding(toLength: 16, withPad: " ", startingAt: 0)
            + minutes(response.allAcknowledgedAfter).padding(toLength: 14, withPad: " ", startingAt: 0)
            + minutes(response.completedAfter).padding(toLength: 13, withPad: " ", startingAt: 0)
            + (response.escalated ? "yes" : "no").padding(toLength: 11, withPad: " ", startingAt: 0)
            + "\(response.resourcesFulfilled)/\(response.resourceRequests)")
    }

    // 5. The announcement's deadline, and its reach.
    print("\n5. The announcement's deadline")
    try await move(to: 12, 0)

    // 6. The review meeting: one decision becomes an action item.
    try await move(to: 14, 0)
    let meeting = try await engine.meetings.record(
        MeetingDraft(
            title: "CNC-7 incident review", startsAt: at(13, 30), endsAt: at(14, 0), location: "Workshop 2 office",
            attendeeIDs: [hePing, zhouQiang, wuGang, zhengHui, sunHao],
            minutes: "The bearings had run 2,600 hours; the maintenance schedule did not cover them.",
            decisions: [
                .init("Replace the spindle bearings of every CNC machine each 2,000 running hours", owner: zhouQiang,
                    due: .endOfDay(CalendarDate(at(14, 0), in: zone).adding(days: 14))),
                .init("Keep two 6205-2RS bearings per machine type in stock"),
            ]),
        by: liuYang, idempotencyKey: "\(round)-review")
    let followUp = try await engine.meetings.followUp(meeting.id, as: liuYang)
    print("\n6. \(time(meeting.recordedAt)) Liu Yang records \"\(meeting.title)\": \(meeting.decisions.count) decisions, "
        + "\(followUp.open) action item open")
    for entry in followUp.entries {
        let action = entry.actionItem.map {
            " → action item for \(names($0.assigneeIDs)), due \($0.deadline), \($0.state.rawValue)"
        } ?? ""
        print("   - \(entry.decision.text)\(action)")
    }

    // Deliver what the scenario caused, then the announcement's figures (delivered counts hooks' acceptance).
    let tally = TallyHook()
    let delivery = try await engine.makeDispatcher(hooks: [tally]).deliverDue()
    print("\nNotifications delivered: \(delivery.delivered)")
    let byKind = Dictionary(grouping: tally.notices, by: \.kind.rawValue)
    for (kind, notices) in byKind.sorted(by: { $0.key < $1.key }) {
        print("   \(kind.padding(toLength: 25, withPad: " ", startingAt: 0))\(notices.count)"
            + " (\(notices.filter { $0.urgency == .urgent }.count) urgent)")
    }
    let figures = try await engine.announcements.reach(of: announcement.id, as: hePing)
    print("Announcement reach: \(figures.total.recipients) recipients, \(figures.total.delivered) delivered, "
        + "\(figures.total.read) read, \(figures.total.acknowledged) acknowledged; "
        + "not acknowledged: \(figures.unacknowledged.isEmpty ? "nobody" : names(figures.unacknowledged))")
    for department in figures.departments {
        let label = department.departmentID.map { departmentNames[$0] ?? $0.rawValue } ?? "(no department)"
        print("   \(label.padding(toLength: 13, withPad: " ", startingAt: 0))"
            + "\(department.figures.acknowledged)/\(department.figures.recipients) acknowledged")
    }
}

/// "2 min", "2 h 28 min", or "—" when there is no figure.
func minutes(_ duration: Duration?) -> String {
    guard let duration else { return "—" }
    return minutes(duration.timeInterval)
}

func minutes(_ seconds: TimeInterval) -> String {
    let total = Int((seconds / 60).rounded())
    return total < 60 ? "\(total) min" : "\(total / 60) h \(total % 60) min"
}
