import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Optimistic concurrency: a command based on an old version fails with a conflict; of racing commands
/// based on the same read, exactly one wins.
@Suite struct ConcurrentEditTests {
    typealias W = Workplace

    /// Runs every command at once, each as its actor; returns "ok" or the error code of each.
    static func race(
        _ engine: WorkflowEngine, _ commands: [(WorkItemCommand, Member.ID)], expectedVersion: Int?
    ) async -> [String] {
        await withTaskGroup(of: String.self) { group in
            for (command, actor) in commands {
                group.addTask {
                    do {
                        try await engine.workItems.execute(command, by: actor, expectedVersion: expectedVersion)
                        return "ok"
                    } catch {
                        return (error as? CollabError)?.code.rawValue ?? "untyped: \(error)"
                    }
                }
            }
            var outcomes: [String] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
    }

    @Test("a command based on a stale version is a conflict naming both versions, and writes nothing")
    func staleVersion() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        try await w.engine.workItems.accept(item.id, by: W.assignee, expectedVersion: 1)
        let before = try await w.footprint(item.id)
        let error = await expectFailure(.conflict) {
            try await w.engine.workItems.cancel(item.id, by: W.initiator, reason: "never mind", expectedVersion: 1)
        }
        #expect(error?.message == "work item '\(item.id)' is at version 2, the command was based on version 1")
        #expect(try await w.footprint(item.id) == before)
        #expect(try await w.engine.workItems.cancel(item.id, by: W.initiator, expectedVersion: 2).version == 3)
    }

    @Test("a stale command is reported as a conflict even when the new state would also refuse it")
    func conflictBeforeTransition() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        try await w.engine.workItems.accept(item.id, by: W.assignee)
        await expectFailure(.conflict) { try await w.engine.workItems.accept(item.id, by: W.assignee, expectedVersion: 1) }
        await expectFailure(.invalidTransition) { try await w.engine.workItems.accept(item.id, by: W.assignee, expectedVersion: 2) }
    }

    @Test("of different commands raced from the same read of an assigned item, exactly one wins; the rest conflict")
    func mixedRace() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned, assignees: [W.assignee, W.coAssignee])
        var commands: [(WorkItemCommand, Member.ID)] = []
        for _ in 0..<2 {
            commands += [
                (.accept(item.id), W.assignee), (.accept(item.id), W.coAssignee),
                (.cancel(item.id, reason: "dropped"), W.initiator), (.cancel(item.id, reason: nil), W.admin),
                (.requestAdjustment(item.id, change: .init(title: "Less"), reason: "busy"), W.assignee),
                (.requestAdjustment(item.id, change: .init(title: "Other"), reason: "busy"), W.coAssignee),
                (.watch(item.id), W.peer),
            ]
        }
        let outcomes = await Self.race(w.engine, commands, expectedVersion: item.version)
        #expect(outcomes.count == commands.count)
        #expect(outcomes.filter { $0 == "ok" }.count == 1, "\(outcomes)")
        #expect(outcomes.filter { $0 == "conflict" }.count == commands.count - 1, "\(outcomes)")
        let final = try await w.stored(item.id)
        #expect(final.version == 1 + outcomes.filter { $0 == "ok" }.count)
        #expect(try await w.actions(item.id).count == 2, "create and the one winner")
        #expect(try await w.h.store.adjustmentRequests(on: item.id).count <= 1)
    }

    @Test("approve and reject raced by the reviewer from the same read: one decision, the others conflict")
    func reviewRace() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inReview, reviewer: W.reviewer)
        var commands: [(WorkItemCommand, Member.ID)] = []
        for n in 0..<6 {
            commands.append((.approve(item.id, note: "ok \(n)"), W.reviewer))
            commands.append((.reject(item.id, reason: "redo \(n)"), W.reviewer))
        }
        let outcomes = await Self.race(w.engine, commands, expectedVersion: item.version)
        let wins = outcomes.filter { $0 == "ok" }.count
        #expect(wins == 1 && outcomes.filter { $0 == "conflict" }.count == 11, "\(outcomes)")
        let final = try await w.stored(item.id)
        #expect(final.version == item.version + wins)
        #expect(try await w.h.store.reviewDecisions(on: item.id).count == 1)
        let decision = try await w.trail(item.id).last?.action
        #expect((decision == "approve" && final.state == .completed) || (decision == "reject" && final.state == .inProgress))
        #expect(try await w.inbox(W.assignee).filter { $0.kind == .reviewResult }.count == 1)
    }

    @Test("the same transition raced without an expected version still happens once: the others conflict or find it done")
    func acceptRace() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned, assignees: [W.assignee, W.coAssignee])
        let commands = (0..<10).map { n in (WorkItemCommand.accept(item.id), n.isMultiple(of: 2) ? W.assignee : W.coAssignee) }
        let outcomes = await Self.race(w.engine, commands, expectedVersion: nil)
        #expect(outcomes.filter { $0 == "ok" }.count == 1, "\(outcomes)")
        #expect(outcomes.allSatisfy { ["ok", "conflict", "invalid_transition"].contains($0) }, "\(outcomes)")
        #expect(try await w.stored(item.id).version == 2)
        #expect(try await w.actions(item.id) == ["create", "accept"])
        #expect(try await w.inbox(W.initiator).filter { $0.kind == .accepted }.count == 1)
    }

    @Test("concurrent progress reports without an expected version never overwrite each other")
    func noLostUpdates() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress, assignees: [W.assignee, W.coAssignee])
        let trailBefore = try await w.trail(item.id).count
        let engine = w.engine
        let outcomes = await withTaskGroup(of: [String].self) { group in
            for n in 0..<8 {
                group.addTask {
                    var outcomes: [String] = []
                    for attempt in 0..<3 {
                        do {
                            try await engine.workItems.reportProgress(
                                item.id, by: n.isMultiple(of: 2) ? W.assignee : W.coAssignee, text: "\(n).\(attempt)",
                                percent: n * 10 + attempt)
                            outcomes.append("ok")
                        } catch {
                            outcomes.append((error as? CollabError)?.code.rawValue ?? "untyped: \(error)")
                        }
                    }
                    return outcomes
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let successes = outcomes.filter { $0 == "ok" }.count
        #expect(successes >= 1 && outcomes.allSatisfy { $0 == "ok" || $0 == "conflict" }, "\(outcomes)")
        let final = try await w.stored(item.id)
        #expect(final.version == item.version + successes)
        #expect(try await w.h.store.progressUpdates(on: item.id).count == successes)
        #expect(try await w.trail(item.id).count == trailBefore + successes)
        let last = try #require(try await w.h.store.progressUpdates(on: item.id).last)
        #expect(final.progressPercent == last.percent, "the item shows the last committed report")
    }
}
