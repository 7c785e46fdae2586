import CollabModel
@testable import CollabStore
import CollabTesting
@testable import CollabWorkflow
import Foundation
import Testing

/// Another process's writes, run at chosen statements of a command: the statement waits until the write is
/// done, so the write lands between the command's checks and its commit, every time.
///
/// The engine under test runs on its own store on the harness's file, whose statements the race watches;
/// the racing writes go through the harness's store and engine, as another process's would.
final class Race: Sendable {
    private struct Step {
        var trigger: String
        var write: @Sendable () async throws -> Void
    }
    private let steps = Locked<[Step]>([])
    private let ran = Locked(0)

    /// A store and an engine on `h`'s file whose statements this race watches.
    func engine(on h: TestHarness) throws -> WorkflowEngine {
        var configuration = SQLiteStore.Configuration()
        configuration.statementObserver = { [self] sql in observe(sql) }
        let store = try SQLiteStore(path: h.sqlitePath, configuration: configuration)
        return WorkflowEngine(store: store, clock: h.clock, identifiers: h.identifiers)
    }

    /// Runs `write` once, at the next statement whose text contains `trigger` (steps run in the order added).
    func at(_ trigger: String, _ write: @escaping @Sendable () async throws -> Void) {
        steps.withLock { $0.append(Step(trigger: trigger, write: write)) }
    }

    /// How many racing writes ran.
    var count: Int { ran.withLock { $0 } }

    private func observe(_ sql: String) {
        let step = steps.withLock { steps -> Step? in
            guard let first = steps.first, sql.contains(first.trigger) else { return nil }
            return steps.removeFirst()
        }
        guard let step else { return }
        // The statement runs on a reading connection; the write goes through another store, so waiting here
        // for it holds no lock it needs.
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await step.write()
            } catch {
                Issue.record("the racing write failed: \(error)")
            }
            done.signal()
        }
        done.wait()
        ran.withLock { $0 += 1 }
    }
}

/// Issue 15, Medium 9: every write's authorization holds at commit. Each test changes the directory or the
/// item between a command's checks and its commit, as another process may, and checks the command is
/// refused (or planned again) instead of committing on what it checked before.
///
/// Serialized: a racing write blocks one thread of the cooperative pool while it runs.
@Suite(.serialized) struct RightsAtCommitTests {
    typealias W = Workplace

    private func rename(_ id: Department.ID, _ w: Workplace, _ n: Int) async throws {
        var department = try #require(try await w.h.store.department(id))
        department.name = "Renamed \(n)"
        try await w.h.store.save(department)
    }

    @Test("a partner's comment racing an unshare does not land after it")
    func commentRacingUnshare() async throws {
        let w = try await Workplace()
        let item = try await w.item(.inProgress)
        try await w.engine.workItems.share(item.id, with: "partnerco", by: W.initiator)
        let race = Race()
        let engine = try race.engine(on: w.h)
        // The comment is authorized, then looks up whom it mentions: the item is unshared right then.
        race.at("handle IN") { try await w.engine.workItems.unshare(item.id, from: "partnerco", by: W.initiator) }
        await expectFailure(.notFound) {
            try await engine.workItems.comment(on: item.id, by: W.partner, "@zhang the parts ship tomorrow")
        }
        #expect(race.count == 1)
        #expect(try await w.h.store.comments(on: item.id).isEmpty, "the comment landed after the unshare")
        #expect(try await w.actions(item.id).last == "unshare")
    }

    @Test("a comment racing an unrelated change of the item is planned again and lands")
    func commentRacingAnEdit() async throws {
        let w = try await Workplace()
        let item = try await w.item(.inProgress)
        let race = Race()
        let engine = try race.engine(on: w.h)
        race.at("handle IN") {
            try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "Half way", percent: 50)
        }
        let comment = try await engine.workItems.comment(on: item.id, by: W.peer, "@li looks good")
        #expect(race.count == 1)
        #expect(try await w.h.store.comments(on: item.id).map(\.id) == [comment.id])
    }

    @Test("a work-item command never commits unchecked: the directory changing under every plan fails it")
    func lastAttemptIsChecked() async throws {
        let w = try await Workplace()
        let item = try await w.item(.inProgress)
        let race = Race()
        let engine = try race.engine(on: w.h)
        // Each plan reads the item; another process saves the directory right then. The last time, it
        // deactivates the actor.
        let plans = WorkflowEngine.staleDirectoryAttempts
        for n in 1..<plans { race.at("FROM work_items WHERE id") { try await rename("sales", w, n) } }
        race.at("FROM work_items WHERE id") { try await w.deactivate(W.assignee) }
        let error = await expectFailure(.staleDirectory) {
            try await engine.workItems.reportProgress(item.id, by: W.assignee, text: "Done", percent: 100)
        }
        #expect(race.count == plans)
        #expect(error?.message.contains("report_progress") == true, "\(String(describing: error))")
        #expect(try await w.h.store.progressUpdates(on: item.id).isEmpty, "a deactivated member's progress committed")
    }

    @Test("an announcement whose author is deactivated between the check and the commit is not published")
    func publishRacingDeactivation() async throws {
        let w = try await Workplace()
        let race = Race()
        let engine = try race.engine(on: w.h)
        // The author is checked, then the organization's departments are read: the author is deactivated then.
        race.at("FROM departments WHERE organization_id") { try await w.deactivate(W.mobileHead) }
        await expectFailure(.forbidden) {
            try await engine.announcements.publish(AnnouncementDraft(title: "Team day", body: "Friday at the lake.",
                audience: .department("eng-mobile"), publisherDepartmentID: "eng-mobile"), by: W.mobileHead)
        }
        #expect(race.count == 1)
        #expect(try await w.h.notices(of: W.assignee, kind: .announcement).isEmpty)
    }

    @Test("a partner invitation whose administrator is deactivated between the check and the commit adds nobody")
    func inviteRacingDeactivation() async throws {
        let w = try await Workplace()
        try await w.engine.partners.invite(PartnerInvitation(partnerID: "supplier-x", name: "Supplier X", contacts: [
            ExternalContact(memberID: "xena", displayName: "Xena Ortiz"),
        ]), by: W.admin)
        let race = Race()
        let engine = try race.engine(on: w.h)
        race.at("FROM partnerships WHERE partner_id") { try await w.deactivate(W.admin) }
        await expectFailure(.forbidden) {
            try await engine.partners.invite(PartnerInvitation(partnerID: "supplier-x", name: "Supplier X", contacts: [
                ExternalContact(memberID: "xavier", displayName: "Xavier Lind"),
            ]), by: W.admin)
        }
        #expect(race.count == 1)
        #expect(try await w.h.store.member("xavier") == nil)
    }

    @Test("an import whose initiator is deactivated between the check and the commit creates nothing")
    func importRacingDeactivation() async throws {
        let w = try await Workplace()
        let race = Race()
        let engine = try race.engine(on: w.h)
        // The initiator is checked, then the assignees are looked up: the initiator is deactivated then.
        race.at("FROM members WHERE id IN") { try await w.deactivate(W.initiator) }
        await expectFailure(.forbidden) {
            try await engine.workItems.importItems([w.draft("First"), w.draft("Second")], by: W.initiator)
        }
        #expect(race.count == 1)
        #expect(try await w.engine.workItems.count(as: W.admin) == 0)
    }

    @Test("switching external collaboration keeps a rename made meanwhile")
    func switchKeepsRename() async throws {
        let w = try await Workplace()
        let race = Race()
        let engine = try race.engine(on: w.h)
        race.at("FROM partnerships WHERE partner_id") {
            var organization = try #require(try await w.h.store.organization("partnerco"))
            organization.name = "PartnerCo Holdings"
            try await w.h.store.save(organization)
        }
        try await engine.settings.setExternalCollaboration("partnerco", enabled: false, by: W.admin)
        #expect(race.count == 1)
        let stored = try #require(try await w.h.store.organization("partnerco"))
        #expect(stored.name == "PartnerCo Holdings", "the switch wrote back the name it read before the rename")
        #expect(stored.externalCollaborationEnabled == false)
    }
}
