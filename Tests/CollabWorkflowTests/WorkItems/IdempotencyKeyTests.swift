import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Idempotency keys: a retry returns the first result and writes nothing.
@Suite struct IdempotencyKeyTests {
    typealias W = Workplace

    @Test("retrying a create with the same key returns the same item and writes nothing more")
    func retryCreate() async throws {
        let w = try await Workplace(storage: .underTest)
        let draft = w.draft()
        let first = try await w.engine.workItems.create(draft, by: W.initiator, idempotencyKey: "create-release-notes")
        let trail = try await w.trail(first.id)
        let inbox = try await w.inbox(W.assignee)
        w.h.clock.advance(by: .seconds(5))
        for _ in 0..<3 {
            let again = try await w.engine.workItems.create(draft, by: W.initiator, idempotencyKey: "create-release-notes")
            #expect(again == first)
            #expect(again.id == first.id && again.version == 1)
        }
        #expect(try await w.engine.workItems.count(as: W.admin) == 1)
        #expect(try await w.trail(first.id) == trail)
        #expect(try await w.inbox(W.assignee) == inbox)
        #expect(inbox.count == 1)
    }

    @Test("a retry after the item moved on returns the first result, not the current item, and changes nothing")
    func retryAfterLaterChanges() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        let accepted = try await w.engine.workItems.accept(item.id, by: W.assignee, idempotencyKey: "accept-1")
        #expect(accepted.version == 2 && accepted.state == .accepted)
        try await w.engine.workItems.start(item.id, by: W.assignee)
        let before = try await w.footprint(item.id)
        let replay = try await w.engine.workItems.accept(item.id, by: W.assignee, idempotencyKey: "accept-1")
        #expect(replay == accepted, "the recorded result, not an invalid transition")
        #expect(try await w.footprint(item.id) == before)
        #expect(try await w.stored(item.id).state == .inProgress)
    }

    @Test("retrying a progress report or a comment returns the same record once")
    func retryRecords() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let update = try await w.engine.workItems.reportProgress(
            item.id, by: W.assignee, text: "Half", percent: 50, idempotencyKey: "progress-1")
        let comment = try await w.engine.workItems.comment(
            on: item.id, by: W.peer, "@li can you share the draft?", idempotencyKey: "comment-1")
        let before = try await w.footprint(item.id)
        #expect(try await w.engine.workItems.reportProgress(
            item.id, by: W.assignee, text: "Half", percent: 50, idempotencyKey: "progress-1") == update)
        #expect(try await w.engine.workItems.comment(
            on: item.id, by: W.peer, "@li can you share the draft?", idempotencyKey: "comment-1") == comment)
        #expect(try await w.footprint(item.id) == before)
        #expect(before.progressUpdates == 1 && before.comments == 1)
        #expect(try await w.kinds(W.assignee).filter { $0 == .mentioned }.count == 1)
    }

    @Test("the same key for a different command, different input or a different expected version is refused")
    func keyReused() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "Half", percent: 50, idempotencyKey: "k")
        let before = try await w.footprint(item.id)
        let attempts: [(String, WorkItemCommand, Int?)] = [
            ("another command", .submitForReview(item.id, note: nil), nil),
            ("another percent", .reportProgress(item.id, text: "Half", percent: 60, attachments: []), nil),
            ("another text", .reportProgress(item.id, text: "Halfway", percent: 50, attachments: []), nil),
            ("an expected version", .reportProgress(item.id, text: "Half", percent: 50, attachments: []), item.version),
        ]
        for (label, command, version) in attempts {
            let error = await expectFailure(.idempotencyKeyReused, "\(label)") {
                try await w.engine.workItems.execute(command, by: W.assignee, expectedVersion: version, idempotencyKey: "k")
            }
            #expect(error?.message.contains("'report_progress'") == true, "the message names the first command")
        }
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("keys belong to their actor: the same key used by another member runs their own command")
    func keysPerActor() async throws {
        let w = try await Workplace(storage: .underTest)
        let first = try await w.engine.workItems.create(w.draft("First"), by: W.initiator, idempotencyKey: "monday")
        let second = try await w.engine.workItems.create(w.draft("Second"), by: W.mobileHead, idempotencyKey: "monday")
        #expect(first.id != second.id && second.initiatorID == W.mobileHead && second.title == "Second")
        #expect(try await w.engine.workItems.count(as: W.admin) == 2)

        let item = try await w.item(.inProgress, assignees: [W.assignee, W.coAssignee])
        let mine = try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "mine", idempotencyKey: "p")
        let theirs = try await w.engine.workItems.reportProgress(item.id, by: W.coAssignee, text: "theirs", idempotencyKey: "p")
        #expect(mine.id != theirs.id && theirs.authorID == W.coAssignee)
        #expect(try await w.engine.workItems.activity(of: item.id, as: W.initiator).progressUpdates.map(\.text) == ["mine", "theirs"])
    }

    @Test("a retry of a command based on an expected version replays instead of failing as a conflict")
    func retryWithExpectedVersion() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        let first = try await w.engine.workItems.accept(item.id, by: W.assignee, expectedVersion: 1, idempotencyKey: "a")
        let again = try await w.engine.workItems.accept(item.id, by: W.assignee, expectedVersion: 1, idempotencyKey: "a")
        #expect(again == first && again.version == 2)
        #expect(try await w.actions(item.id) == ["create", "accept"])
    }

    @Test("a retry by a member who lost access to the item is not found, not the old result")
    func retryAfterLosingAccess() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned, assignees: [W.coAssignee])
        try await w.engine.workItems.accept(item.id, by: W.coAssignee, idempotencyKey: "accept-wang")
        try await w.engine.workItems.reassign(item.id, from: W.coAssignee, to: W.spare, by: W.mobileHead)
        let error = await expectFailure(.notFound) {
            try await w.engine.workItems.accept(item.id, by: W.coAssignee, idempotencyKey: "accept-wang")
        }
        #expect(error?.message == "no work item with id '\(item.id)'")
    }

    @Test("a command that failed is not recorded: a retry with the same key runs again")
    func failuresAreNotRecorded() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        await expectFailure(.invalidTransition) {
            try await w.engine.workItems.start(item.id, by: W.assignee, idempotencyKey: "start-1")
        }
        try await w.engine.workItems.accept(item.id, by: W.assignee)
        let started = try await w.engine.workItems.start(item.id, by: W.assignee, idempotencyKey: "start-1")
        #expect(started.state == .inProgress && started.version == 3)
    }

    @Test("concurrent retries with one key create exactly one item")
    func concurrentRetries() async throws {
        let w = try await Workplace(storage: .underTest)
        let engine = w.engine
        let draft = w.draft()
        let ids = try await withThrowingTaskGroup(of: WorkItem.ID.self) { group in
            for _ in 0..<8 {
                group.addTask { try await engine.workItems.create(draft, by: W.initiator, idempotencyKey: "once").id }
            }
            var ids: [WorkItem.ID] = []
            for try await id in group { ids.append(id) }
            return ids
        }
        #expect(ids.count == 8 && Set(ids).count == 1)
        #expect(try await w.engine.workItems.count(as: W.admin) == 1)
        #expect(try await w.inbox(W.assignee).count == 1)
        #expect(try await w.actions(ids[0]) == ["create"])
    }

    @Test("an empty or overlong key is invalid input", arguments: ["", "   ", String(repeating: "k", count: 256)])
    func keyValidation(key: String) async throws {
        let w = try await Workplace(storage: .underTest)
        let error = await expectFailure(.invalidInput) {
            try await w.engine.workItems.create(w.draft(), by: W.initiator, idempotencyKey: key)
        }
        #expect(error?.problems.map(\.field) == ["idempotencyKey"])
        #expect(try await w.engine.workItems.count(as: W.admin) == 0)
    }
}
