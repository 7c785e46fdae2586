import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import ServiceLifecycleTestKit
import Testing

/// A local wall-clock instant in `zone`.
func local(_ zone: String, _ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone) ?? .gmt
    return calendar.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi)) ?? .distantPast
}

/// A company in `zone` with a head over a department and a worker in it.
func timedCompany(zone: String = "Asia/Shanghai", now: Date, calendar: BusinessCalendar? = nil,
    policy: TimerPolicy = TimerPolicy()) async throws -> TestHarness
{
    var configuration = WorkflowEngine.Configuration()
    configuration.defaultSettings.timers = policy
    let h = try await TestHarness(storage: .underTest, engineConfiguration: configuration, now: now)
    try await h.addOrganization("acme", timeZone: zone)
    try await h.addDepartment("ops", in: "acme")
    try await h.addMember("boss", in: "acme")
    try await h.addMember("head", in: "acme", departments: [DepartmentMembership("ops", role: .head)])
    try await h.addMember("worker", in: "acme", departments: [DepartmentMembership("ops")])
    if let calendar { try await h.store.save(calendar, for: "acme", department: nil) }
    return h
}

@Suite struct DeadlineZoneTests {
    @Test("a date-only deadline is due at the next local midnight, across DST changes, in every zone", arguments: [
        ("UTC", CalendarDate(year: 2026, month: 3, day: 8)),
        ("Asia/Shanghai", CalendarDate(year: 2026, month: 12, day: 31)),
        ("America/New_York", CalendarDate(year: 2026, month: 3, day: 7)),   // the night clocks spring forward
        ("America/New_York", CalendarDate(year: 2026, month: 10, day: 31)), // the night clocks fall back
        ("Pacific/Auckland", CalendarDate(year: 2026, month: 4, day: 4)),
        ("Pacific/Auckland", CalendarDate(year: 2026, month: 9, day: 26)),
    ])
    func endOfDay(zone: String, date: CalendarDate) async throws {
        let h = try await timedCompany(zone: zone, now: local(zone, 2026, 1, 1, 12))
        let item = try await h.engine.workItems.create(
            h.draft(assignees: ["worker"], departments: ["ops"], deadline: .endOfDay(date)), by: "boss")
        let next = date.adding(days: 1)
        #expect(item.dueAt == local(zone, next.year, next.month, next.day, 0))
        #expect(item.isOverdue(at: item.dueAt) && !item.isOverdue(at: item.dueAt.addingTimeInterval(-0.001)))
        // The overdue timer fires at that instant and not a millisecond earlier.
        #expect(try await h.advance(to: item.dueAt.addingTimeInterval(-0.001)).allSatisfy { $0.timer.kind != .overdue })
        #expect(try await h.advance(to: item.dueAt).map(\.timer.kind).contains(.overdue))
    }

    @Test("'today' is the organization's day, not the server's: Auckland's deadline passes while UTC is still on the day before")
    func todayIsLocal() async throws {
        let zone = "Pacific/Auckland"
        let h = try await timedCompany(zone: zone, now: local(zone, 2026, 6, 10, 9))
        let item = try await h.engine.workItems.create(
            h.draft(assignees: ["worker"], deadline: .endOfDay(CalendarDate(year: 2026, month: 6, day: 10))), by: "boss")
        // Midnight in Auckland (UTC+12 in June) is noon UTC on the same date.
        #expect(item.dueAt == local("UTC", 2026, 6, 10, 12))
    }
}

@Suite struct TimerTests {
    @Test("reminders, overdue and escalation fire once each, in order, at the right times")
    func deadlineTimers() async throws {
        let zone = "Asia/Shanghai"
        let h = try await timedCompany(zone: zone, now: local(zone, 2026, 3, 2, 9),  // a Monday
            calendar: .standard(timeZoneIdentifier: zone))
        let item = try await h.engine.workItems.create(
            h.draft(assignees: ["worker"], departments: ["ops"],
                deadline: .endOfDay(CalendarDate(year: 2026, month: 3, day: 4))), by: "boss")
        let fired = try await h.advance(by: .seconds(10 * 86_400))
        #expect(fired.map(\.timer.kind) == [.reminder, .reminder, .overdue, .escalation])
        #expect(fired.map(\.firedAt) == [
            local(zone, 2026, 3, 4, 0), local(zone, 2026, 3, 4, 22), local(zone, 2026, 3, 5, 0),
            // Eight working hours after Thursday 00:00: Thursday 09:00–12:00 and 13:00–18:00.
            local(zone, 2026, 3, 5, 18),
        ])
        #expect(try await h.notices(of: "worker", kind: .deadlineReminder).count == 2)
        #expect(try await h.notices(of: "worker", kind: .overdue).count == 1)
        #expect(try await h.notices(of: "boss", kind: .overdue).count == 1)
        #expect(try await h.notices(of: "head", kind: .escalated).map(\.urgency) == [.urgent])
        #expect(try await h.auditActions(of: item.id).suffix(2) == ["overdue", "escalate"])
        #expect(try await h.advance(by: .seconds(30 * 86_400)).isEmpty, "nothing fires twice")
    }

    /// Issue 15, Medium 7: an item in no department was escalated to the heads of its assignees'
    /// departments, who have no relationship to it: delivery suppressed the notice and their inbox hid it, so
    /// the escalation reached nobody.
    @Test("an item in no department is escalated to its initiator and the administrators, and the notice arrives")
    func escalationWithoutDepartments() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress, departments: [])
        _ = try await w.h.advance(by: .seconds(30 * 86_400))
        #expect(try await w.actions(item.id).suffix(2) == ["overdue", "escalate"])

        let hook = RecordingNotificationHook()
        let dispatcher = try w.engine.makeDispatcher(hooks: [hook], configuration: .quiet())
        _ = try await dispatcher.deliverDue()
        let delivered = hook.deliveries.filter { $0.notice.kind == .escalated }
        #expect(Set(delivered.map(\.notice.recipientID)) == [Workplace.initiator, Workplace.admin])
        #expect(delivered.allSatisfy { $0.notice.urgency == .urgent && $0.notice.itemID == item.id })
        for recipient in [Workplace.initiator, Workplace.admin] {
            #expect(try await w.inbox(recipient).filter { $0.kind == .escalated }.map(\.itemID) == [item.id],
                "\(recipient)")
            #expect(try await w.engine.workItems.workItem(item.id, as: recipient).id == item.id, "\(recipient) sees the item")
        }
        // Nobody is told about an item they may not see.
        #expect(try await w.h.notices(of: Workplace.mobileHead, kind: .escalated).isEmpty)
        #expect(try await w.h.store.outboxCounts().suppressed == 0)
    }

    @Test("completing an item cancels its pending timers: no reminder after completion")
    func completionCancels() async throws {
        let h = try await timedCompany(now: local("UTC", 2026, 3, 2, 9))
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        #expect(try await h.store.pendingTimers(of: item.id).count == 4)
        try await h.engine.workItems.accept(item.id, by: "worker")
        try await h.engine.workItems.start(item.id, by: "worker")
        try await h.engine.workItems.submitForReview(item.id, by: "worker")
        try await h.engine.workItems.approve(item.id, by: "boss")
        #expect(try await h.store.pendingTimers(of: item.id).isEmpty)
        #expect(try await h.advance(by: .seconds(30 * 86_400)).isEmpty)
    }

    @Test("an approved extension moves the deadline timers; the old ones never fire")
    func extensionMovesTimers() async throws {
        let h = try await timedCompany(now: local("Asia/Shanghai", 2026, 3, 2, 9))
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"],
            deadline: .endOfDay(CalendarDate(year: 2026, month: 3, day: 5))), by: "boss")
        try await h.engine.workItems.accept(item.id, by: "worker")
        let request = try await h.engine.workItems.requestAdjustment(item.id, by: "worker",
            change: .init(deadline: .endOfDay(CalendarDate(year: 2026, month: 3, day: 12))), reason: "parts late")
        let moved = try await h.engine.workItems.approveAdjustment(request.id, by: "boss")
        let fired = try await h.advance(to: moved.dueAt)
        #expect(fired.filter { $0.timer.kind == .overdue }.map(\.firedAt) == [moved.dueAt])
        #expect(try await h.notices(of: "worker", kind: .overdue).count == 1)
    }

    @Test("time spent waiting on an outside party does not count toward escalation")
    func pausedEscalation() async throws {
        let zone = "UTC"
        var policy = TimerPolicy()
        policy.escalationDelay = .seconds(4 * 3600)
        let h = try await timedCompany(zone: zone, now: local(zone, 2026, 3, 2, 8),
            calendar: .alwaysOpen(timeZoneIdentifier: zone), policy: policy)
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"], departments: ["ops"],
            deadline: .instant(local(zone, 2026, 3, 2, 12))), by: "boss")
        try await h.engine.workItems.accept(item.id, by: "worker")
        try await h.advance(to: local(zone, 2026, 3, 2, 13))           // 1 hour after the deadline
        try await h.engine.workItems.execute(.waitForExternal(item.id, reason: "waiting for the customer"), by: "worker")
        #expect(try await h.advance(to: local(zone, 2026, 3, 2, 19)).isEmpty, "no escalation while paused")
        try await h.engine.workItems.execute(.resumeFromExternal(item.id), by: "worker")
        // 1 hour counted before the pause, 3 more after 19:00: escalation at 22:00, not 16:00.
        let fired = try await h.advance(to: local(zone, 2026, 3, 3, 12))
        #expect(fired.map(\.timer.kind) == [.escalation])
        #expect(fired.first?.firedAt == local(zone, 2026, 3, 2, 22))
    }

    @Test("reviews and adjustment requests that wait are reminded once, after the working delay")
    func decisionReminders() async throws {
        var policy = TimerPolicy()
        policy.decisionReminderDelay = .seconds(2 * 3600)
        policy.reminderOffsets = []
        policy.escalationDelay = nil
        let h = try await timedCompany(zone: "UTC", now: local("UTC", 2026, 3, 2, 9), policy: policy)
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"],
            deadline: .endOfDay(CalendarDate(year: 2026, month: 3, day: 30))), by: "boss")
        try await h.engine.workItems.accept(item.id, by: "worker")
        try await h.engine.workItems.requestAdjustment(item.id, by: "worker", change: .init(title: "Narrower"), reason: "why not")
        let adjustment = try await h.advance(by: .seconds(3 * 3600))
        #expect(adjustment.map(\.timer.kind) == [.adjustmentReminder] && adjustment.first?.notified == ["boss"])
        try await h.engine.workItems.start(item.id, by: "worker")
        try await h.engine.workItems.submitForReview(item.id, by: "worker")
        let review = try await h.advance(by: .seconds(3 * 3600))
        #expect(review.map(\.timer.kind) == [.reviewReminder] && review.first?.notified == ["boss"])
    }

    @Test("approving a recurring item creates the next occurrence in the same transaction")
    func recurrence() async throws {
        let zone = "America/New_York"
        let h = try await timedCompany(zone: zone, now: local(zone, 2026, 3, 2, 9))
        var draft = h.draft(title: "Weekly safety check", assignees: ["worker"],
            deadline: .instant(local(zone, 2026, 3, 6, 17)))  // Friday 17:00, before the DST change
        draft.recurrence = RecurrenceRule(.weekly([.friday]))
        let first = try await h.engine.workItems.create(draft, by: "boss")
        try await h.engine.workItems.accept(first.id, by: "worker")
        try await h.engine.workItems.start(first.id, by: "worker")
        try await h.engine.workItems.submitForReview(first.id, by: "worker")
        try await h.engine.workItems.approve(first.id, by: "boss")
        let todo = try await h.engine.inbox.todo(of: "worker").items
        #expect(todo.count == 1)
        let next = try #require(todo.first?.item)
        #expect(next.seriesID == first.id && next.recurrence == draft.recurrence)
        // Still 17:00 local on the next Friday, although New York moved to daylight time in between.
        #expect(next.dueAt == local(zone, 2026, 3, 13, 17))
        #expect(try await h.store.pendingTimers(of: next.id).contains { $0.kind == .overdue })
    }
}

@Suite(.timeLimit(.minutes(10))) struct SchedulerTests {
    @Test("two schedulers on one database for a simulated week: every timer fires exactly once")
    func twoSchedulers() async throws {
        let h = try await timedCompany(zone: "Asia/Shanghai", now: local("Asia/Shanghai", 2026, 3, 2, 8),
            calendar: .standard(timeZoneIdentifier: "Asia/Shanghai"))
        var items: [WorkItem.ID] = []
        for n in 0..<40 {
            let due = h.clock.now().addingTimeInterval(Double(3600 * (2 + n * 4)))
            items.append(try await h.engine.workItems.create(
                h.draft(title: "T\(n)", assignees: ["worker"], departments: ["ops"], deadline: .instant(due)), by: "boss").id)
        }
        // A second "process": its own store connection and engine on the same file and clock.
        let other = WorkflowEngine(store: try await h.openPeerStore(), clock: h.clock,
            identifiers: SequentialIdentifierGenerator(prefix: "p2"))
        var fired: [FiredTimer] = []
        for _ in 0..<(7 * 24 * 4) {  // a week in quarter hours
            h.clock.advance(by: .seconds(900))
            async let a = h.engine.timers.fireDue()
            async let b = other.timers.fireDue()
            fired += try await a + b
        }
        let ids = fired.map(\.timer.id)
        #expect(Set(ids).count == ids.count, "a timer fired twice")
        var expected = 0
        for id in items { expected += try await h.auditActions(of: id).filter { $0 == "overdue" }.count }
        #expect(expected == 40, "every item went overdue exactly once")
        let stillPending = try await h.store.claimDueTimers(now: h.clock.now(), limit: 1000, lease: .seconds(1), owner: "check")
        #expect(stillPending.isEmpty, "no due timer was missed")
        print("schedulers: 2 processes, \(ids.count) timers fired, 0 duplicates, 0 missed")
    }

    @Test("a scheduler shutting down gracefully claims no timer; they fire, once, on the next call")
    func gracefulShutdownClaimsNothing() async throws {
        let h = try await TestHarness.outbox(2, storage: .underTest)
        h.clock.advance(by: .seconds(30 * 86_400))
        let during = try await testGracefulShutdown { trigger in
            trigger.triggerGracefulShutdown()
            return try await h.engine.timers.fireDue()
        }
        #expect(during.isEmpty)
        let after = try await h.engine.timers.fireDue()
        #expect(!after.isEmpty && Set(after.map(\.timer.id)).count == after.count)
        #expect(try await h.engine.timers.fireDue().isEmpty)
    }
}
