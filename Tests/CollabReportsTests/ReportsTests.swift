import CollabModel
import CollabReports
import CollabStore
import CollabTesting
import Foundation
import Testing

@Suite struct PersonalReportTests {
    /// Builds a company with one initiator and one worker, and items whose outcomes are known.
    private func world() async throws -> (TestHarness, Member.ID, Member.ID) {
        let h = try TestHarness()
        let org = try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        let boss = try await h.addMember("boss", in: org.id)
        let worker = try await h.addMember("worker", in: org.id)
        return (h, boss.id, worker.id)
    }

    private func complete(_ h: TestHarness, _ id: WorkItem.ID, boss: Member.ID, worker: Member.ID) async throws {
        try await h.engine.accept(id, by: worker)
        try await h.engine.start(id, by: worker)
        try await h.engine.submitForReview(id, by: worker)
        try await h.engine.approve(id, by: boss)
    }

    @Test("completion and overdue rates count on-time, late, open-overdue and open items; drafts and cancelled items are left out")
    func knownAnswers() async throws {
        let (h, boss, worker) = try await world()
        let oneDay: Duration = .seconds(86_400)
        let in2Days = Deadline.instant(h.clock.now().addingTimeInterval(2 * 86_400))
        let in5Days = Deadline.instant(h.clock.now().addingTimeInterval(5 * 86_400))

        let onTime = try await h.engine.create(h.draft(title: "on time", assignees: [worker], deadline: in5Days), by: boss)
        let late = try await h.engine.create(h.draft(title: "late", assignees: [worker], deadline: in2Days), by: boss)
        let openOverdue = try await h.engine.create(
            h.draft(title: "open overdue", assignees: [worker], deadline: in2Days), by: boss)
        _ = try await h.engine.create(h.draft(title: "open", assignees: [worker], deadline: in5Days), by: boss)
        _ = try await h.engine.create(h.draft(title: "draft", assignees: [worker], deadline: in5Days), by: boss,
            submit: false)
        let cancelled = try await h.engine.create(h.draft(title: "cancelled", assignees: [worker]), by: boss)
        try await h.engine.cancel(cancelled.id, by: boss)

        try await complete(h, onTime.id, boss: boss, worker: worker)
        h.clock.advance(by: oneDay * 3)  // past the 2-day deadlines
        try await complete(h, late.id, boss: boss, worker: worker)
        _ = openOverdue

        let report = try await ReportGenerator(store: h.store, clock: h.clock).personalReport(for: worker)
        #expect(report.counts == WorkItemCounts(
            total: 4, open: 2, completed: 2, completedOnTime: 1, completedLate: 1, overdueOpen: 1))
        #expect(report.completionRate == 0.5)
        #expect(report.overdueRate == 0.5)
        #expect(report.onTimeRate == 0.5)
    }

    @Test("an item completed exactly at its deadline is late; one completed a millisecond before is on time")
    func deadlineBoundary() async throws {
        let (h, boss, worker) = try await world()
        let due = h.clock.now().addingTimeInterval(86_400)
        let a = try await h.engine.create(h.draft(title: "a", assignees: [worker], deadline: .instant(due)), by: boss)
        let b = try await h.engine.create(h.draft(title: "b", assignees: [worker], deadline: .instant(due)), by: boss)
        for id in [a.id, b.id] {
            try await h.engine.accept(id, by: worker)
            try await h.engine.start(id, by: worker)
            try await h.engine.submitForReview(id, by: worker)
        }
        h.clock.advance(to: due.addingTimeInterval(-0.001))
        try await h.engine.approve(a.id, by: boss)
        h.clock.advance(to: due)
        try await h.engine.approve(b.id, by: boss)
        let report = try await ReportGenerator(store: h.store, clock: h.clock).personalReport(for: worker)
        #expect(report.counts.completedOnTime == 1)
        #expect(report.counts.completedLate == 1)
    }

    @Test("a period counts only items created inside it")
    func period() async throws {
        let (h, boss, worker) = try await world()
        let start = h.clock.now()
        _ = try await h.engine.create(h.draft(title: "first", assignees: [worker]), by: boss)
        h.clock.advance(by: .seconds(3600))
        _ = try await h.engine.create(h.draft(title: "second", assignees: [worker]), by: boss)
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        let firstHour = try await generator.personalReport(
            for: worker, period: DateInterval(start: start, duration: 3600))
        #expect(firstHour.counts.total == 1)
        let all = try await generator.personalReport(for: worker)
        #expect(all.counts.total == 2)
    }

    @Test("an unknown member is not found, and a member with nothing assigned has zero rates")
    func edges() async throws {
        let (h, boss, _) = try await world()
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        await #expect(throws: CollabError.notFound("member", "nobody")) {
            try await generator.personalReport(for: "nobody")
        }
        let empty = try await generator.personalReport(for: boss)
        #expect(empty.counts.total == 0)
        #expect(empty.completionRate == 0)
        #expect(empty.overdueRate == 0)
    }
}
