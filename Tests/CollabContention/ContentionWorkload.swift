// The contention workload of the concurrency tests (ConcurrencyReplayTests), shared with the worker's
// `contend` mode (CollabCrashWorker) so that tasks of one process and two processes on one file run the
// same commands: each step reads one of a few shared items and issues a command based on the version it
// read, so that racing actors keep invalidating each other's reads. Every outcome is recorded, and a
// sequential replay of the committed commands (by item, in version order) on a fresh database must
// end in the same items, trails, records and notifications.

import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

package enum ContentionWorkload {
    package static let organization: Organization.ID = "acme"
    package static let initiator: Member.ID = "boss"
    package static let assignees: [Member.ID] = ["w1", "w2"]
    package static let members: [Member.ID] = [initiator] + assignees

    /// One step's outcome: the command and the version it was based on, and `error` (a `CollabError`
    /// code, or `untyped: …`) when it was refused.
    package struct Outcome: Codable, Sendable, Hashable {
        package var item: Int
        package var fromVersion: Int
        package var actor: Member.ID
        package var command: WorkItemCommand
        package var error: String?
    }

    /// The directory and `count` items, all created by ``initiator`` for both ``assignees``, in order.
    package static func prepare(_ store: any CollabStorage, _ engine: WorkflowEngine, items count: Int) async throws
        -> [WorkItem.ID]
    {
        try await store.save(Organization(
            id: organization, name: "Acme", kind: .internal, timeZoneIdentifier: "Asia/Shanghai",
            externalCollaborationEnabled: false))
        for member in members {
            try await store.save(Member(
                id: member, organizationID: organization, displayName: member.rawValue, handle: member.rawValue))
        }
        var ids: [WorkItem.ID] = []
        for n in 0..<count {
            let draft = WorkItemDraft(
                title: "Shared item \(n)", description: "Raced by the contention workload", assigneeIDs: assignees,
                deadline: .endOfDay(CalendarDate(year: 2030, month: 6, day: 1 + n)))
            ids.append(try await engine.workItems.create(draft, by: initiator).id)
        }
        return ids
    }

    /// Runs `steps` steps with a generator seeded by `seed`, calling `record` after each.
    package static func run(
        _ engine: WorkflowEngine, items: [WorkItem.ID], seed: UInt64, steps: Int,
        record: (Outcome) -> Void
    ) async {
        var rng = SplitMix(seed)
        for step in 0..<steps {
            let index = Int(rng.next() % UInt64(items.count))
            let id = items[index]
            let assignee = assignees[Int(rng.next() % 2)]
            guard let item = try? await engine.workItems.workItem(id, as: initiator) else {
                record(Outcome(item: index, fromVersion: 0, actor: initiator, command: .watch(id), error: "unreadable"))
                continue
            }
            // The actor decides on what they read, for up to a millisecond; other actors act meanwhile (a task
            // that never suspended would run all its steps before the others start, racing nobody).
            try? await Task.sleep(for: .microseconds(rng.next() % 1_000))
            let token = "s\(seed)-\(step)"
            let roll = rng.next() % 100
            let (command, actor): (WorkItemCommand, Member.ID)
            if roll < 8 {
                command = .comment(id, body: "Comment \(token)", visibility: .internal)
                actor = roll < 4 ? initiator : assignee
            } else if roll < 12 {
                // A command the item's state may refuse: the refusal must be the typed one.
                command = [.accept(id), .start(id), .approve(id, note: token)][Int(roll % 3)]
                actor = roll % 3 == 2 ? initiator : assignee
            } else {
                switch item.state {
                case .draft: (command, actor) = (.submit(id), initiator)
                case .assigned: (command, actor) = (.accept(id), assignee)
                case .accepted: (command, actor) = (.start(id), assignee)
                case .inProgress:
                    (command, actor) = roll < 80
                        ? (.reportProgress(id, text: "Progress \(token)", percent: Int(roll), attachments: []), assignee)
                        : (.submitForReview(id, note: "Done \(token)"), assignee)
                case .inReview:
                    (command, actor) = roll < 97
                        ? (.reject(id, reason: "Redo \(token)"), initiator) : (.approve(id, note: token), initiator)
                default: (command, actor) = (.comment(id, body: "Closed \(token)", visibility: .internal), initiator)
                }
            }
            var outcome = Outcome(item: index, fromVersion: item.version, actor: actor, command: command)
            do {
                _ = try await engine.workItems.execute(command, by: actor, expectedVersion: item.version)
            } catch {
                outcome.error = error.code.rawValue
            }
            record(outcome)
        }
    }

    /// Runs the committed commands of `outcomes` again, one at a time, on items in `items` (made by
    /// ``prepare(_:_:items:)``): per item in version order, comments where they were based. Throws if any
    /// is refused, which a sequential replay of committed commands must never be.
    package static func replay(_ outcomes: [Outcome], on engine: WorkflowEngine, items: [WorkItem.ID]) async throws {
        let committed = outcomes.filter { $0.error == nil }.sorted {
            ($0.item, $0.fromVersion, $0.bumpsVersion ? 1 : 0) < ($1.item, $1.fromVersion, $1.bumpsVersion ? 1 : 0)
        }
        for outcome in committed {
            _ = try await engine.workItems.execute(
                outcome.command.on(items[outcome.item]), by: outcome.actor, expectedVersion: outcome.fromVersion)
        }
    }

    /// What a user sees of an item: its fields (not time stamps), its audit actions in order, its records,
    /// and how many notifications of each kind each member got about it. Comments and their audit events
    /// do not move the version, so racing comments may commit in any order: they are compared as a set.
    package static func projection(of id: WorkItem.ID, in store: any CollabStorage, engine: WorkflowEngine)
        async throws -> String
    {
        guard let item = try await store.workItem(id) else { return "missing \(id)" }
        var lines = [
            "state \(item.state) version \(item.version) percent \(item.progressPercent.map(String.init) ?? "-")",
            "assignees \(item.assigneeIDs) due \(item.dueAt.timeIntervalSince1970) closed \(item.closedAt != nil)",
        ]
        let trail = try await store.auditTrail(of: id).map(\.action)
        lines.append("trail \(trail.filter { $0 != "comment" })")
        lines.append("comments \(try await store.comments(on: id).map(\.body).sorted())")
        lines.append("progress \(try await store.progressUpdates(on: id).map { "\($0.text) \($0.percent ?? -1)" })")
        lines.append("decisions \(try await store.reviewDecisions(on: id).map { "\($0.outcome) \($0.reason ?? "")" })")
        lines.append("timers \(try await store.pendingTimers(of: id).map(\.kind.rawValue).sorted())")
        for member in members {
            var kinds: [String: Int] = [:]
            var cursor: String?
            repeat {
                let page = try await store.inbox(
                    for: member, visibleIn: try await engine.visibilityScope(of: member),
                    unreadOnly: false, page: PageRequest(limit: 500, cursor: cursor))
                for notice in page.items where notice.itemID == id { kinds[notice.kind.rawValue, default: 0] += 1 }
                cursor = page.nextCursor
            } while cursor != nil
            lines.append("\(member) notices \(kinds.sorted { $0.key < $1.key })")
        }
        return lines.joined(separator: "\n")
    }

    /// SplitMix64: small, seedable, the same on every platform.
    package struct SplitMix {
        var state: UInt64
        package init(_ seed: UInt64) { state = seed }
        package mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

extension ContentionWorkload.Outcome {
    /// Whether the command, once committed, moved the item's version (comments do not).
    package var bumpsVersion: Bool {
        if case .comment = command { return false }
        return true
    }
}

extension WorkItemCommand {
    /// The same command on another item (the replay's copy of it).
    fileprivate func on(_ id: WorkItem.ID) -> WorkItemCommand {
        switch self {
        case .submit: .submit(id)
        case .accept: .accept(id)
        case .start: .start(id)
        case let .reportProgress(_, text, percent, attachments):
            .reportProgress(id, text: text, percent: percent, attachments: attachments)
        case let .submitForReview(_, note): .submitForReview(id, note: note)
        case let .approve(_, note): .approve(id, note: note)
        case let .reject(_, reason): .reject(id, reason: reason)
        case let .comment(_, body, visibility): .comment(id, body: body, visibility: visibility)
        default: self
        }
    }
}
