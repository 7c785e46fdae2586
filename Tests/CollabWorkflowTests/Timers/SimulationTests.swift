import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

/// A month in the life of a 200-member organization, under virtual time.
struct MonthSimulation {
    static let zone = "Asia/Shanghai"
    static let escalationDelay: Duration = .seconds(8 * 3600)

    struct Outcome {
        var items = 0
        var commands = 0
        var timers = 0
        var failures: [String] = []
        var digest = ""
    }

    let seed: UInt64

    func run() async throws -> Outcome {
        var rng = SplitMix64(seed: seed)
        var calendar = BusinessCalendar.standard(timeZoneIdentifier: Self.zone)
        calendar.holidays = [CalendarDate(year: 2026, month: 4, day: 6)]  // Qingming, a Monday
        calendar.extraWorkingDays = [CalendarDate(year: 2026, month: 4, day: 12)]
        var policy = TimerPolicy()
        policy.escalationDelay = Self.escalationDelay
        var configuration = WorkflowEngine.Configuration()
        configuration.defaultSettings.timers = policy
        // On SQLite whatever the engine tests' store: a month of 200 members, run twice, takes over ten minutes
        // on PostgreSQL; the timer claims it relies on are the store conformance suite's on both stores.
        let h = try TestHarness(engineConfiguration: configuration, now: local(Self.zone, 2026, 4, 1, 8))
        try await h.addOrganization("acme", timeZone: Self.zone)
        try await h.store.save(calendar, for: "acme", department: nil)
        var members: [Member.ID] = []
        var departmentOf: [Member.ID: Department.ID] = [:]
        for d in 0..<10 {
            let department = Department.ID("d\(d)")
            try await h.addDepartment(department, in: "acme")
            for m in 0..<20 {
                let id = Member.ID("m\(d)-\(m)")
                try await h.addMember(id, in: "acme", departments: [DepartmentMembership(department, role: m == 0 ? .head : .member)])
                members.append(id)
                departmentOf[id] = department
            }
        }
        func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

        var outcome = Outcome()
        var open: [WorkItem.ID] = []
        var all: [WorkItem.ID] = []
        let end = local(Self.zone, 2026, 5, 1, 8)
        while h.clock.now() < end {
            let now = h.clock.now()
            // New work: a few items an hour during the day.
            let hour = Calendar(identifier: .gregorian).dateComponents(in: calendar.timeZone, from: now).hour ?? 0
            if (8...19).contains(hour) {
                for _ in 0..<Int.random(in: 0...2, using: &rng) {
                    let initiator = pick(members)
                    let assignee = pick(members)
                    let days = Double(Int.random(in: 1...9, using: &rng))
                    let deadline: Deadline = chance(0.5)
                        ? .endOfDay(CalendarDate(now.addingTimeInterval(days * 86_400), in: calendar.timeZone))
                        : .instant(now.addingTimeInterval(days * 86_400 + Double(Int.random(in: 0..<36_000, using: &rng))))
                    let item = try await h.engine.workItems.create(
                        WorkItemDraft(title: "Task \(all.count)", assigneeIDs: [assignee],
                            departmentIDs: [departmentOf[assignee] ?? "d0"], deadline: deadline),
                        by: initiator)
                    open.append(item.id)
                    all.append(item.id)
                    outcome.commands += 1
                }
            }
            // Progress on open items.
            for id in open.shuffled(using: &rng).prefix(2) {
                guard let item = try await h.store.workItem(id), !item.state.isClosed else { continue }
                let worker = item.assigneeIDs[0]
                do {
                    switch item.state {
                    case .assigned: try await h.engine.workItems.accept(id, by: worker)
                    case .accepted: try await h.engine.workItems.start(id, by: worker)
                    case .inProgress:
                        if item.waitingOnExternalSince != nil {
                            if chance(0.3) { try await h.engine.workItems.execute(.resumeFromExternal(id), by: worker) }
                        } else if chance(0.1) {
                            try await h.engine.workItems.execute(.waitForExternal(id, reason: "waiting for a supplier"), by: worker)
                        } else if chance(0.15), item.pendingAdjustmentID == nil, item.dueAt > now.addingTimeInterval(3600) {
                            // Extensions are asked and decided before the deadline passes.
                            let request = try await h.engine.workItems.requestAdjustment(id, by: worker,
                                change: .init(deadline: .instant(item.dueAt.addingTimeInterval(2 * 86_400))), reason: "more time")
                            try await h.engine.workItems.approveAdjustment(request.id, by: item.initiatorID)
                            outcome.commands += 1
                        } else if chance(0.3) {
                            try await h.engine.workItems.submitForReview(id, by: worker)
                        }
                    case .inReview:
                        if chance(0.2) {
                            try await h.engine.workItems.reject(id, by: item.effectiveReviewerID, reason: "not yet")
                        } else {
                            try await h.engine.workItems.approve(id, by: item.effectiveReviewerID)
                            open.removeAll { $0 == id }
                        }
                    default: break
                    }
                    outcome.commands += 1
                } catch {
                    outcome.failures.append("command on \(id) failed: \(error)")
                }
            }
            outcome.timers += try await h.advance(by: .seconds(3600)).count
        }
        outcome.items = all.count

        // Invariants.
        var lines: [String] = []
        for id in all {
            guard let item = try await h.store.workItem(id) else { continue }
            let trail = try await h.store.auditTrail(of: id)
            let overdueEvents = trail.filter { $0.action == "overdue" }
            let wasOpenAtDeadline = item.dueAt <= h.clock.now() && (item.closedAt.map { $0 >= item.dueAt } ?? true)
            if overdueEvents.count != (wasOpenAtDeadline ? 1 : 0) {
                outcome.failures.append("\(id): \(overdueEvents.count) overdue events, open at deadline: \(wasOpenAtDeadline)")
            }
            let notices = try await h.store.inbox(for: item.assigneeIDs[0], visibleIn: h.engine.visibilityScope(of: item.assigneeIDs[0]),
                unreadOnly: false, page: PageRequest(limit: 500)).items.filter { $0.itemID == id }
            let overdueNotices = notices.filter { $0.kind == .overdue }.count
            if overdueNotices != overdueEvents.count {
                outcome.failures.append("\(id): \(overdueNotices) overdue notifications for \(overdueEvents.count) overdue events")
            }
            if let closed = item.closedAt, notices.contains(where: { $0.kind == .deadlineReminder && $0.createdAt > closed }) {
                outcome.failures.append("\(id): a reminder after completion")
            }
            var pauses: [DateInterval] = []
            var started: Date?
            for event in trail {
                if event.action == "wait_external" { started = event.occurredAt }
                if event.action == "resume_external", let start = started {
                    pauses.append(DateInterval(start: start, end: event.occurredAt))
                    started = nil
                }
                if event.action == "escalate" {
                    let worked = calendar.workingTime(from: item.dueAt, to: event.occurredAt, excluding: pauses)
                    if worked < Self.escalationDelay - .milliseconds(2) {
                        outcome.failures.append("\(id): escalated after \(worked) of working time")
                    }
                    if started != nil { outcome.failures.append("\(id): escalated while waiting on an outside party") }
                }
            }
            lines.append("\(id) \(item.state.rawValue) v\(item.version) \(trail.map(\.action).joined(separator: ","))")
        }
        outcome.digest = lines.joined(separator: "\n")
        return outcome
    }
}

@Suite(.timeLimit(.minutes(10))) struct SimulationTests {
    @Test("a simulated month of a 200-member organization keeps every timer invariant, and replays identically")
    func month() async throws {
        // `COLLAB_SEED`, else the documented default 20261201 (Documentation/Reliability.md).
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap(UInt64.init) ?? 20_261_201
        let started = ContinuousClock.now
        let first = try await MonthSimulation(seed: seed).run()
        let elapsed = ContinuousClock.now - started
        #expect(first.failures.isEmpty, "seed \(seed):\n\(first.failures.prefix(10).joined(separator: "\n"))")
        #expect(first.items > 100 && first.timers > 100)
        let second = try await MonthSimulation(seed: seed).run()
        #expect(second.digest == first.digest, "the same seed gave a different month (seed \(seed))")
        let speedUp = 30 * 86_400 / max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        print("simulation: 30 days, 200 members, \(first.items) items, \(first.commands) commands, \(first.timers) timers, "
            + "0 invariant failures, seed \(seed), speed-up \(Int(speedUp))x")
    }
}
