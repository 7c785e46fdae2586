import CollabModel
import CollabPermissions
import CollabReports
import CollabStore
import CollabTesting
import CollabWorkflow
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
        try await h.engine.workItems.accept(id, by: worker)
        try await h.engine.workItems.start(id, by: worker)
        try await h.engine.workItems.submitForReview(id, by: worker)
        try await h.engine.workItems.approve(id, by: boss)
    }

    @Test("completion and overdue rates count on-time, late, open-overdue and open items; drafts and cancelled items are left out")
    func knownAnswers() async throws {
        let (h, boss, worker) = try await world()
        let oneDay: Duration = .seconds(86_400)
        let in2Days = Deadline.instant(h.clock.now().addingTimeInterval(2 * 86_400))
        let in5Days = Deadline.instant(h.clock.now().addingTimeInterval(5 * 86_400))

        let onTime = try await h.engine.workItems.create(h.draft(title: "on time", assignees: [worker], deadline: in5Days), by: boss)
        let late = try await h.engine.workItems.create(h.draft(title: "late", assignees: [worker], deadline: in2Days), by: boss)
        let openOverdue = try await h.engine.workItems.create(
            h.draft(title: "open overdue", assignees: [worker], deadline: in2Days), by: boss)
        _ = try await h.engine.workItems.create(h.draft(title: "open", assignees: [worker], deadline: in5Days), by: boss)
        _ = try await h.engine.workItems.create(h.draft(title: "draft", assignees: [worker], deadline: in5Days), by: boss,
            submit: false)
        let cancelled = try await h.engine.workItems.create(h.draft(title: "cancelled", assignees: [worker]), by: boss)
        try await h.engine.workItems.cancel(cancelled.id, by: boss)

        try await complete(h, onTime.id, boss: boss, worker: worker)
        h.clock.advance(by: oneDay * 3)  // past the 2-day deadlines
        try await complete(h, late.id, boss: boss, worker: worker)
        _ = openOverdue

        let report = try await ReportGenerator(store: h.store, clock: h.clock).personalReport(for: worker, as: worker)
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
        let a = try await h.engine.workItems.create(h.draft(title: "a", assignees: [worker], deadline: .instant(due)), by: boss)
        let b = try await h.engine.workItems.create(h.draft(title: "b", assignees: [worker], deadline: .instant(due)), by: boss)
        for id in [a.id, b.id] {
            try await h.engine.workItems.accept(id, by: worker)
            try await h.engine.workItems.start(id, by: worker)
            try await h.engine.workItems.submitForReview(id, by: worker)
        }
        h.clock.advance(to: due.addingTimeInterval(-0.001))
        try await h.engine.workItems.approve(a.id, by: boss)
        h.clock.advance(to: due)
        try await h.engine.workItems.approve(b.id, by: boss)
        let report = try await ReportGenerator(store: h.store, clock: h.clock).personalReport(for: worker, as: worker)
        #expect(report.counts.completedOnTime == 1)
        #expect(report.counts.completedLate == 1)
    }

    @Test("a period counts only items created inside it")
    func period() async throws {
        let (h, boss, worker) = try await world()
        let start = h.clock.now()
        _ = try await h.engine.workItems.create(h.draft(title: "first", assignees: [worker]), by: boss)
        h.clock.advance(by: .seconds(3600))
        _ = try await h.engine.workItems.create(h.draft(title: "second", assignees: [worker]), by: boss)
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        let firstHour = try await generator.personalReport(
            for: worker, period: DateInterval(start: start, duration: 3600), as: worker)
        #expect(firstHour.counts.total == 1)
        let all = try await generator.personalReport(for: worker, as: worker)
        #expect(all.counts.total == 2)
    }

    @Test("on time, on time only after an extension, late: the personal report and the report give the same figures")
    func onTimeHasOneMeaning() async throws {
        let (h, boss, worker) = try await world()
        let start = h.clock.now()
        func due(_ days: Double) -> Deadline { .instant(start.addingTimeInterval(days * 86_400)) }
        let onTime = try await h.engine.workItems.create(h.draft(title: "on time", assignees: [worker], deadline: due(5)), by: boss)
        let extended = try await h.engine.workItems.create(h.draft(title: "extended", assignees: [worker], deadline: due(2)), by: boss)
        let late = try await h.engine.workItems.create(h.draft(title: "late", assignees: [worker], deadline: due(2)), by: boss)
        let request = try await h.engine.workItems.requestAdjustment(
            extended.id, by: worker, change: .init(deadline: due(6)), reason: "parts are late")
        try await h.engine.workItems.approveAdjustment(request.id, by: boss)
        h.clock.advance(by: .seconds(86_400))
        try await complete(h, onTime.id, boss: boss, worker: worker)
        h.clock.advance(by: .seconds(2 * 86_400))  // day 3: past the first deadline of both 2-day items
        try await complete(h, extended.id, boss: boss, worker: worker)
        try await complete(h, late.id, boss: boss, worker: worker)

        let generator = ReportGenerator(store: h.store, clock: h.clock)
        let personal = try await generator.personalReport(for: worker, as: worker)
        let metrics = try await generator.report(ReportSpec(scope: .member(worker)), as: boss).total
        #expect(metrics.completedOnTime == 1 && metrics.completedOnTimeAfterExtension == 1 && metrics.completedLate == 1)
        #expect(personal.counts.completedOnTime == metrics.completedOnTime, "on time without an extension")
        #expect(personal.counts.completedLate == metrics.completedLate)
        #expect(personal.counts.completed == metrics.completed)
        #expect(personal.counts.completedOnTimeAfterExtension == metrics.completedOnTimeAfterExtension)
        #expect(personal.onTimeRate == metrics.onTimeRate)
        #expect(personal.overdueRate == metrics.overdueRate)
    }

    @Test("an unknown member is not found, and a member with nothing assigned has zero rates")
    func edges() async throws {
        let (h, boss, _) = try await world()
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        await #expect(throws: CollabError.notFound("member", "nobody")) {
            try await generator.personalReport(for: "nobody", as: boss)
        }
        let empty = try await generator.personalReport(for: boss, as: boss)
        #expect(empty.counts.total == 0)
        #expect(empty.completionRate == 0)
        #expect(empty.overdueRate == 0)
    }
}

/// Who may read a member's personal report: the member, heads of the member's departments (and of the
/// departments above them), administrators and auditors of the member's organization. Anyone else gets
/// the answer an unknown member gets.
@Suite struct PersonalReportReaderTests {
    /// acme: ops ⊃ prod, and sales. worker and peer work in prod; prodhead heads prod, opshead heads ops,
    /// saleshead heads sales; boss administers, audit audits. rival is another company (its administrator
    /// rivalboss), partnerco an outside organization (amy).
    private func world() async throws -> TestHarness {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        try await h.addOrganization("rival")
        try await h.addOrganization("partnerco", kind: .partner, externalCollaboration: true)
        try await h.addDepartment("ops", in: "acme")
        try await h.addDepartment("prod", in: "acme", parent: "ops")
        try await h.addDepartment("sales", in: "acme")
        try await h.addMember("boss", in: "acme", administrator: true)
        try await h.store.save(Member(id: "audit", organizationID: "acme", displayName: "Audit", handle: "audit",
            roles: [.auditor]))
        try await h.addMember("worker", in: "acme", departments: [DepartmentMembership("prod")])
        try await h.addMember("peer", in: "acme", departments: [DepartmentMembership("prod")])
        try await h.addMember("prodhead", in: "acme", departments: [DepartmentMembership("prod", role: .head)])
        try await h.addMember("opshead", in: "acme", departments: [DepartmentMembership("ops", role: .head)])
        try await h.addMember("saleshead", in: "acme", departments: [DepartmentMembership("sales", role: .head)])
        try await h.addMember("rivalboss", in: "rival", administrator: true)
        try await h.addMember("amy", in: "partnerco")
        _ = try await h.engine.workItems.create(h.draft(title: "one", assignees: ["worker"]), by: "boss")
        return h
    }

    @Test("the member, heads of their departments and of those above, administrators and auditors read it")
    func allowedReaders() async throws {
        let h = try await world()
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        for reader: Member.ID in ["worker", "prodhead", "opshead", "boss", "audit"] {
            let report = try await generator.personalReport(for: "worker", as: reader)
            #expect(report.memberID == "worker" && report.counts.total == 1, "read by \(reader)")
        }
    }

    @Test("anyone else — a colleague, another department's head, another company, an outside member, an unknown id — gets 'not found'")
    func everyoneElseReadsNotFound() async throws {
        let h = try await world()
        let generator = ReportGenerator(store: h.store, clock: h.clock)
        // The answer for a member who does not exist, read by someone who may read reports.
        await #expect(throws: CollabError.notFound("member", "nobody")) {
            try await generator.personalReport(for: "nobody", as: "boss")
        }
        for reader: Member.ID in ["peer", "saleshead", "rivalboss", "amy"] {
            await #expect(throws: CollabError.notFound("member", "worker"), "read by \(reader)") {
                try await generator.personalReport(for: "worker", as: reader)
            }
        }
        // Another company's administrator asking about a member who does not exist gets the same answer.
        await #expect(throws: CollabError.notFound("member", "nobody")) {
            try await generator.personalReport(for: "nobody", as: "rivalboss")
        }
        // An unknown reader is itself not found, as on every read: nothing about the member is told.
        await #expect(throws: CollabError.notFound("member", "ghost")) {
            try await generator.personalReport(for: "worker", as: "ghost")
        }
    }
}

/// One access control serves the engine and the reports: the generator takes the engine's, and a host rule
/// in it refuses each report action by its name.
@Suite struct ReportAccessControlTests {
    /// Refuses the named report actions to everybody.
    struct RefuseReports: AccessRuleExtension {
        let name = "no-reports"
        let refused: Set<RecordAction>
        func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
            refused.contains(request.recordAction) ? .deny("the host refuses \(request.recordAction)") : .abstain
        }
    }

    private func world(refusing refused: Set<RecordAction>) async throws -> (TestHarness, ReportGenerator) {
        var configuration = WorkflowEngine.Configuration()
        configuration.accessExtensions = [RefuseReports(refused: refused)]
        let h = try TestHarness(engineConfiguration: configuration)
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addMember("boss", in: "acme", administrator: true)
        try await h.addMember("worker", in: "acme")
        _ = try await h.engine.workItems.create(h.draft(title: "one", assignees: ["worker"]), by: "boss")
        return (h, ReportGenerator(store: h.store, clock: h.clock, accessControl: h.engine.accessControl))
    }

    private func expectRefused(_ name: String, _ attempt: () async throws -> Void) async {
        do {
            try await attempt()
            Issue.record("\(name) was allowed")
        } catch let error as CollabError {
            #expect(error.code == .forbidden, "\(name): \(error)")
            #expect(error.message.contains("by host rule no-reports"), "\(name): \(error.message)")
        } catch {
            Issue.record("\(name): \(error)")
        }
    }

    @Test("a host rule refusing exportReport refuses the workbook, not the item export or the report")
    func exportReport() async throws {
        let (h, generator) = try await world(refusing: [.exportReport])
        defer { withExtendedLifetime(h) {} }  // the harness owns the database file
        let folder = try ExportFolder()
        defer { folder.remove() }
        await expectRefused("report workbook") {
            try await generator.exportReport(ReportWorkbook(sections: [.init("Total", ReportSpec())]), as: "boss",
                to: folder.file("report.xlsx"))
        }
        #expect(try folder.contents().isEmpty)
        let items = try await generator.exportItems(as: "boss", to: folder.file("items.csv"), format: .csv(.excel))
        #expect(items.itemCount == 1)
        #expect(try await generator.report(ReportSpec(), as: "boss").total.created == 1)
    }

    @Test("a host rule refusing readPersonalReport or readDashboard refuses them as forbidden; reports stay")
    func personalReportAndDashboard() async throws {
        let (h, generator) = try await world(refusing: [.readPersonalReport, .readDashboard])
        defer { withExtendedLifetime(h) {} }
        await expectRefused("personal report") { _ = try await generator.personalReport(for: "worker", as: "worker") }
        await expectRefused("dashboard") { _ = try await generator.dashboard(of: nil, as: "boss") }
        #expect(try await generator.summary(as: "boss").total == 1)
        // A reader the rule does not admit still gets "not found", as for a member who does not exist.
        let (other, open) = try await world(refusing: [])
        defer { withExtendedLifetime(other) {} }
        await #expect(throws: CollabError.notFound("member", "boss")) {
            try await open.personalReport(for: "boss", as: "worker")
        }
    }

    @Test("a host rule refusing readReport refuses reports, summaries and personal reports")
    func readReport() async throws {
        let (h, generator) = try await world(refusing: [.readReport])
        defer { withExtendedLifetime(h) {} }
        await expectRefused("report") { _ = try await generator.report(ReportSpec(), as: "boss") }
        await expectRefused("summary") { _ = try await generator.summary(as: "boss") }
        await expectRefused("personal report") { _ = try await generator.personalReport(for: "worker", as: "boss") }
    }
}
