import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// A command run by the member allowed to run it, so that only the item's state can refuse it.
enum Move: String, CaseIterable, Sendable {
    case submit, accept, start, reportProgress, submitForReview, approve, reject, requestAdjustment, reassign, cancel
    case share, waitExternal

    /// The states in which the move is allowed (`Documentation/Workflow.md`).
    var allowedIn: Set<WorkItemState> {
        switch self {
        case .submit: [.draft]
        case .accept: [.assigned]
        case .start: [.accepted]
        case .reportProgress, .submitForReview: [.inProgress]
        case .approve, .reject: [.inReview]
        case .requestAdjustment: [.assigned, .accepted, .inProgress]
        case .reassign, .cancel, .share: [.draft, .assigned, .accepted, .inProgress, .inReview]
        case .waitExternal: [.assigned, .accepted, .inProgress, .inReview]
        }
    }

    /// The command's name in audit events and messages.
    var commandName: String { command(on: "x").name }

    func command(on id: WorkItem.ID) -> WorkItemCommand {
        switch self {
        case .submit: .submit(id)
        case .accept: .accept(id)
        case .start: .start(id)
        case .reportProgress: .reportProgress(id, text: "half way", percent: 50, attachments: [])
        case .submitForReview: .submitForReview(id, note: nil)
        case .approve: .approve(id, note: nil)
        case .reject: .reject(id, reason: "not yet")
        case .requestAdjustment: .requestAdjustment(id, change: .init(title: "Smaller scope"), reason: "too big")
        case .reassign: .reassign(id, from: Workplace.assignee, to: Workplace.spare, reason: nil)
        case .cancel: .cancel(id, reason: nil)
        case .share: .share(id, with: "partnerco")
        case .waitExternal: .waitForExternal(id, reason: "waiting for the supplier")
        }
    }

    /// Who is allowed to run it.
    var actor: Member.ID {
        switch self {
        case .submit, .approve, .reject, .cancel, .share, .waitExternal: Workplace.initiator
        case .accept, .start, .reportProgress, .submitForReview, .requestAdjustment: Workplace.assignee
        case .reassign: Workplace.mobileHead
        }
    }
}

/// A move attempted in a state.
struct Attempt: Sendable, CustomTestStringConvertible {
    var move: Move
    var state: WorkItemState
    var testDescription: String { "\(move.rawValue) in \(state.rawValue)" }

    static let invalid: [Attempt] = Move.allCases.flatMap { move in
        WorkItemState.allCases.filter { !move.allowedIn.contains($0) }.map { Attempt(move: move, state: $0) }
    }
    static let valid: [Attempt] = Move.allCases.flatMap { move in
        WorkItemState.allCases.filter { move.allowedIn.contains($0) }.map { Attempt(move: move, state: $0) }
    }
}

@Suite struct InvalidTransitionTests {
    typealias W = Workplace

    @Test("a command outside its states is an invalid transition naming the state and the action, and writes nothing",
        arguments: Attempt.invalid)
    func invalidTransition(attempt: Attempt) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(attempt.state)
        let before = try await w.footprint(item.id)
        let error = await expectFailure(.invalidTransition) {
            try await w.engine.workItems.execute(attempt.move.command(on: item.id), by: attempt.move.actor)
        }
        #expect(error?.message
            == "cannot \(attempt.move.commandName) work item '\(item.id)' in state '\(attempt.state.rawValue)'")
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("the same command is accepted in each state that allows it", arguments: Attempt.valid)
    func validTransition(attempt: Attempt) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(attempt.state)
        let result = try await w.engine.workItems.execute(attempt.move.command(on: item.id), by: attempt.move.actor)
        #expect(result.item.version == item.version + 1)
        #expect(try await w.actions(item.id).last == attempt.move.commandName)
    }

    @Test("accepting twice is refused the second time and leaves one accept in the trail")
    func acceptTwice() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned, assignees: [W.assignee, W.coAssignee])
        try await w.engine.workItems.accept(item.id, by: W.assignee)
        for member in [W.assignee, W.coAssignee] {
            let error = await expectFailure(.invalidTransition) { try await w.engine.workItems.accept(item.id, by: member) }
            #expect(error?.message.contains("cannot accept") == true && error?.message.contains("'accepted'") == true)
        }
        #expect(try await w.actions(item.id) == ["create", "accept"])
        #expect(try await w.stored(item.id).version == 2)
    }

    @Test("approving an assigned item or starting one that is not accepted is an invalid transition")
    func outOfOrder() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        let approve = await expectFailure(.invalidTransition) { try await w.engine.workItems.approve(item.id, by: W.initiator) }
        #expect(approve?.message == "cannot approve work item '\(item.id)' in state 'assigned'")
        let start = await expectFailure(.invalidTransition) { try await w.engine.workItems.start(item.id, by: W.assignee) }
        #expect(start?.message == "cannot start work item '\(item.id)' in state 'assigned'")
        let review = await expectFailure(.invalidTransition) {
            try await w.engine.workItems.submitForReview(item.id, by: W.assignee)
        }
        #expect(review?.message == "cannot submit_for_review work item '\(item.id)' in state 'assigned'")
        #expect(try await w.stored(item.id) == item)
    }

    @Test("a closed item takes no more work commands, but may still be commented on and watched",
        arguments: [WorkItemState.completed, .cancelled])
    func closedItems(state: WorkItemState) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(state)
        for move in Move.allCases {
            let error = await expectFailure(.invalidTransition, "\(move)") {
                try await w.engine.workItems.execute(move.command(on: item.id), by: move.actor)
            }
            #expect(error?.message.contains("cannot \(move.commandName)") == true, "\(move)")
            #expect(error?.message.contains("in state '\(state.rawValue)'") == true, "\(move)")
        }
        #expect(try await w.stored(item.id) == item)
        let comment = try await w.engine.workItems.comment(on: item.id, by: W.assignee, "Post-mortem notes are in the wiki")
        #expect(comment.itemID == item.id)
        let watched = try await w.engine.workItems.watch(item.id, by: W.peer)
        #expect(watched.watcherIDs == [W.peer] && watched.state == state)
    }

    @Test("an item closed while waiting on an outside party cannot be resumed",
        arguments: [WorkItemState.completed, .cancelled])
    func resumeAfterClose(state: WorkItemState) async throws {
        let w = try await Workplace(storage: .underTest)
        var item = try await w.item(state == .completed ? .inReview : .inProgress)
        try await w.engine.workItems.execute(.waitForExternal(item.id, reason: "customer must sign off"), by: W.initiator)
        item = state == .completed
            ? try await w.engine.workItems.approve(item.id, by: W.initiator)
            : try await w.engine.workItems.cancel(item.id, by: W.initiator)
        #expect(item.state == state)
        let before = try await w.footprint(item.id)
        let error = await expectFailure(.invalidTransition) {
            try await w.engine.workItems.execute(.resumeFromExternal(item.id), by: W.initiator)
        }
        #expect(error?.message == "cannot resume_external work item '\(item.id)' in state '\(state.rawValue)'")
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("a second adjustment request while one is pending is refused, naming the pending request")
    func secondAdjustment() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress, assignees: [W.assignee, W.coAssignee])
        let first = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(title: "Android only"), reason: "iOS slipped")
        let before = try await w.footprint(item.id)
        for member in [W.assignee, W.coAssignee] {
            let error = await expectFailure(.invalidTransition) {
                try await w.engine.workItems.requestAdjustment(
                    item.id, by: member, change: .init(deadline: .endOfDay(CalendarDate(year: 2026, month: 2, day: 1))),
                    reason: "more time")
            }
            #expect(error?.message.contains("already has adjustment request '\(first.id)'") == true)
        }
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("a decided or withdrawn adjustment request cannot be decided again")
    func decidedRequests() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let approved = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(title: "Android only"), reason: "iOS slipped")
        try await w.engine.workItems.approveAdjustment(approved.id, by: W.initiator)
        let rejected = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(title: "Nothing"), reason: "bored")
        try await w.engine.workItems.rejectAdjustment(rejected.id, by: W.initiator, reason: "no")
        let withdrawn = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(title: "Something"), reason: "why not")
        try await w.engine.workItems.cancel(item.id, by: W.initiator)
        let before = try await w.footprint(item.id)
        for (request, status) in [(approved, "approved"), (rejected, "rejected"), (withdrawn, "withdrawn")] {
            for approving in [true, false] {
                let error = await expectFailure(.invalidTransition, "\(status)") {
                    if approving {
                        try await w.engine.workItems.approveAdjustment(request.id, by: W.initiator)
                    } else {
                        try await w.engine.workItems.rejectAdjustment(request.id, by: W.initiator, reason: "no")
                    }
                }
                #expect(error?.message.contains("'\(request.id)' is \(status), not pending") == true)
            }
        }
        #expect(try await w.footprint(item.id) == before)
    }
}
