import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

/// Issue 15, Medium 8: a retry under an idempotency key is answered as a fresh command would be answered now.
/// A deactivated actor is refused exactly as the command refuses them, and an actor who lost sight of the
/// record is told it does not exist, instead of getting the recorded result (with its body) back.
@Suite struct ReplayRecheckTests {
    typealias W = Workplace

    private func announcement(_ w: Workplace) -> AnnouncementDraft {
        AnnouncementDraft(
            title: "Salary review", body: "The confidential salary bands for next year.",
            audience: .department("eng-mobile"), publisherDepartmentID: "eng-mobile")
    }

    private func meeting(_ w: Workplace) -> MeetingDraft {
        MeetingDraft(
            title: "Reorganization", startsAt: w.now.addingTimeInterval(-3600), endsAt: w.now,
            attendeeIDs: [W.assignee], minutes: "Who moves where.")
    }

    /// Puts `member` in globex: still active, but no longer inside acme. The store refuses such a move
    /// (`organization_change`), so this writes the row as a database written before that rule may hold it
    /// (or a host editing the file by hand); the directory triggers still move the revision.
    private func move(_ member: Member.ID, _ w: Workplace) async throws {
        var moved = try #require(try await w.h.store.member(member))
        moved.organizationID = "globex"
        moved.departments = []
        await #expect(throws: CollabError.self) { try await w.h.store.save(moved) }
        try await DatabaseQueue(path: w.h.sqlitePath).write { db in
            try db.execute(sql: "DELETE FROM department_memberships WHERE member_id = ?", arguments: [member.rawValue])
            try db.execute(sql: "UPDATE members SET organization_id = 'globex' WHERE id = ?", arguments: [member.rawValue])
        }
    }

    @Test("a deactivated author's replayed publish is refused like a fresh publish, without the body")
    func deactivatedPublisher() async throws {
        let w = try await Workplace()
        let draft = announcement(w)
        let first = try await w.engine.announcements.publish(draft, by: W.mobileHead, idempotencyKey: "salary-1")
        try await w.deactivate(W.mobileHead)
        let fresh = await expectFailure(.forbidden) {
            try await w.engine.announcements.publish(draft, by: W.mobileHead, idempotencyKey: "salary-2")
        }
        let replay = await expectFailure(.forbidden) {
            let again = try await w.engine.announcements.publish(draft, by: W.mobileHead, idempotencyKey: "salary-1")
            #expect(again.body != first.body, "the replay handed the body back")
        }
        #expect(replay == fresh)
    }

    @Test("an author who lost sight of the announcement gets not_found from a replayed publish")
    func movedPublisher() async throws {
        let w = try await Workplace()
        let draft = AnnouncementDraft(title: "Salary review", body: "The confidential salary bands.",
            audience: .organization)
        let first = try await w.engine.announcements.publish(draft, by: W.admin, idempotencyKey: "salary-1")
        try await move(W.admin, w)
        let error = await expectFailure(.notFound) {
            _ = try await w.engine.announcements.publish(draft, by: W.admin, idempotencyKey: "salary-1")
        }
        #expect(error == CollabError.notFound("announcement", first.id.rawValue))
    }

    @Test("a deactivated organizer's replayed meeting is refused like a fresh one; a moved organizer's is not_found")
    func meetingReplays() async throws {
        let w = try await Workplace()
        let draft = meeting(w)
        let first = try await w.engine.meetings.record(draft, by: W.initiator, idempotencyKey: "reorg-1")
        try await w.deactivate(W.initiator)
        let fresh = await expectFailure(.forbidden) {
            try await w.engine.meetings.record(draft, by: W.initiator, idempotencyKey: "reorg-2")
        }
        let replay = await expectFailure(.forbidden) {
            _ = try await w.engine.meetings.record(draft, by: W.initiator, idempotencyKey: "reorg-1")
        }
        #expect(replay == fresh)

        var member = try #require(try await w.h.store.member(W.initiator))
        member.isActive = true
        try await w.h.store.save(member)
        #expect(try await w.engine.meetings.record(draft, by: W.initiator, idempotencyKey: "reorg-1") == first)
        try await move(W.initiator, w)
        let moved = await expectFailure(.notFound) {
            _ = try await w.engine.meetings.record(draft, by: W.initiator, idempotencyKey: "reorg-1")
        }
        #expect(moved == CollabError.notFound("meeting", first.id.rawValue))
    }

    @Test("a deactivated actor's replayed work-item command is refused like a fresh command")
    func deactivatedWorkItemActor() async throws {
        let w = try await Workplace()
        let item = try await w.item(.inProgress)
        _ = try await w.engine.workItems.comment(on: item.id, by: W.peer, "the plan", idempotencyKey: "c1")
        try await w.deactivate(W.peer)
        let fresh = await expectFailure(.forbidden) {
            try await w.engine.workItems.comment(on: item.id, by: W.peer, "the plan", idempotencyKey: "c2")
        }
        let replay = await expectFailure(.forbidden) {
            try await w.engine.workItems.comment(on: item.id, by: W.peer, "the plan", idempotencyKey: "c1")
        }
        #expect(replay == fresh)
    }
}
