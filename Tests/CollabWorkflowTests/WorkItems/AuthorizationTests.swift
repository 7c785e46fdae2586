import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// A command of the standard rule set, set up in a state where it is valid, so that only authorization
/// can refuse it.
enum Act: String, CaseIterable, Sendable {
    case submit, accept, start, reportProgress, submitForReview, requestAdjustment, approve, reject
    case approveAdjustment, rejectAdjustment, reassign, cancel, share, comment

    /// Where the item must be for the command to be valid.
    var state: WorkItemState {
        switch self {
        case .submit: .draft
        case .accept: .assigned
        case .start: .accepted
        case .reportProgress, .submitForReview, .requestAdjustment, .approveAdjustment, .rejectAdjustment: .inProgress
        case .approve, .reject: .inReview
        case .reassign, .cancel, .share, .comment: .inProgress
        }
    }

    var needsPendingRequest: Bool { self == .approveAdjustment || self == .rejectAdjustment }

    func command(item: WorkItem.ID, request: AdjustmentRequest.ID?) -> WorkItemCommand {
        switch self {
        case .submit: .submit(item)
        case .accept: .accept(item)
        case .start: .start(item)
        case .reportProgress: .reportProgress(item, text: "done a bit", percent: 10, attachments: [])
        case .submitForReview: .submitForReview(item, note: nil)
        case .requestAdjustment: .requestAdjustment(item, change: .init(title: "Less"), reason: "too much")
        case .approve: .approve(item, note: nil)
        case .reject: .reject(item, reason: "redo it")
        case .approveAdjustment: .approveAdjustment(request ?? "none", note: nil)
        case .rejectAdjustment: .rejectAdjustment(request ?? "none", reason: "no")
        case .reassign: .reassign(item, from: Workplace.assignee, to: Workplace.spare, reason: nil)
        case .cancel: .cancel(item, reason: nil)
        case .share: .share(item, with: "partnerco")
        case .comment: .comment(item, body: "a remark", visibility: .internal)
        }
    }

    /// Members who may see the item (the named reviewer is `chen`; the head of sales watches it) but
    /// to whom the standard rules do not grant the command.
    var deniedTo: [Member.ID] {
        typealias W = Workplace
        switch self {
        case .submit: return [W.assignee, W.admin, W.mobileHead, W.reviewer]
        case .accept, .start, .reportProgress, .submitForReview, .requestAdjustment:
            return [W.initiator, W.reviewer, W.peer, W.mobileHead, W.engHead, W.admin, W.auditor, W.salesHead]
        case .approve, .reject:
            return [W.assignee, W.initiator, W.admin, W.mobileHead, W.peer, W.auditor, W.salesHead]
        case .approveAdjustment, .rejectAdjustment:
            return [W.assignee, W.reviewer, W.admin, W.mobileHead, W.engHead, W.peer, W.auditor, W.salesHead]
        case .reassign: return [W.peer, W.initiator, W.assignee, W.reviewer, W.salesHead, W.auditor]
        case .cancel: return [W.assignee, W.reviewer, W.peer, W.mobileHead, W.engHead, W.salesHead, W.auditor]
        case .share: return [W.assignee, W.reviewer, W.peer, W.mobileHead, W.auditor]
        case .comment: return [W.auditor]
        }
    }

    /// The member the standard rules grant it to.
    var allowedTo: Member.ID {
        switch self {
        case .submit, .approveAdjustment, .rejectAdjustment, .cancel, .share: Workplace.initiator
        case .accept, .start, .reportProgress, .submitForReview, .requestAdjustment: Workplace.assignee
        case .approve, .reject: Workplace.reviewer
        case .reassign: Workplace.mobileHead
        case .comment: Workplace.peer
        }
    }
}

extension Workplace {
    /// An item for ``Act``: named reviewer `chen`, watched by the head of sales, in the act's state, with a
    /// pending adjustment request when the act decides one.
    func setUp(_ act: Act) async throws -> (WorkItem, AdjustmentRequest.ID?) {
        var draft = draft(reviewer: Self.reviewer)
        draft.watcherIDs = [Self.salesHead]
        var item = try await engine.workItems.create(draft, by: Self.initiator, submit: act.state != .draft)
        let path: [WorkItemState] = [.assigned, .accepted, .inProgress, .inReview]
        if let target = path.firstIndex(of: act.state) {
            for state in path.dropFirst().prefix(target) {
                switch state {
                case .accepted: item = try await engine.workItems.accept(item.id, by: Self.assignee)
                case .inProgress: item = try await engine.workItems.start(item.id, by: Self.assignee)
                default: item = try await engine.workItems.submitForReview(item.id, by: Self.assignee)
                }
            }
        }
        var request: AdjustmentRequest.ID?
        if act.needsPendingRequest {
            request = try await engine.workItems.requestAdjustment(
                item.id, by: Self.assignee, change: .init(title: "Android only"), reason: "iOS slipped").id
            item = try await stored(item.id)
        }
        #expect(item.state == act.state)
        return (item, request)
    }
}

@Suite struct AuthorizationTests {
    typealias W = Workplace

    @Test("a member who may see the item but holds no rule for the command is forbidden, and nothing is written",
        arguments: Act.allCases)
    func forbidden(act: Act) async throws {
        let w = try await Workplace(storage: .underTest)
        let (item, request) = try await w.setUp(act)
        let before = try await w.footprint(item.id)
        for actor in act.deniedTo {
            #expect(try await w.engine.workItems.workItem(item.id, as: actor).id == item.id, "\(actor) may see the item")
            let error = await expectFailure(.forbidden, "\(actor) \(act)") {
                try await w.engine.workItems.execute(act.command(item: item.id, request: request), by: actor)
            }
            #expect(error?.message.contains("member '\(actor)' may not \(act.command(item: item.id, request: request).name)") == true,
                "\(error?.message ?? "")")
        }
        #expect(try await w.footprint(item.id) == before, "a denied command writes nothing")
        // The member the rules name may.
        let result = try await w.engine.workItems.execute(act.command(item: item.id, request: request), by: act.allowedTo)
        #expect(result.item.id == item.id)
    }

    @Test("a member who may not see the item gets not found, exactly as for an id that does not exist",
        arguments: Act.allCases)
    func invisible(act: Act) async throws {
        let w = try await Workplace(storage: .underTest)
        let (item, request) = try await w.setUp(act)
        let before = try await w.footprint(item.id)
        let realCommand = act.command(item: item.id, request: request)
        let missingCommand = act.command(item: "no-such-item", request: "no-such-request")
        let hiddenID = act.needsPendingRequest ? request?.rawValue ?? "" : item.id.rawValue
        let missingID = act.needsPendingRequest ? "no-such-request" : "no-such-item"
        for actor in [W.bystander, W.stranger, W.partner] {
            let hidden = await expectFailure(.notFound, "\(actor) on a hidden item") {
                try await w.engine.workItems.execute(realCommand, by: actor)
            }
            let missing = await expectFailure(.notFound, "\(actor) on a missing item") {
                try await w.engine.workItems.execute(missingCommand, by: actor)
            }
            let hiddenMessage = hidden?.message.replacingOccurrences(of: "'\(hiddenID)'", with: "'…'")
            let missingMessage = missing?.message.replacingOccurrences(of: "'\(missingID)'", with: "'…'")
            #expect(hiddenMessage != nil && hiddenMessage == missingMessage, "\(actor) \(act)")
            #expect(hidden?.problems == [] && missing?.problems == [])
        }
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("members of other organizations cannot read a hidden item either: not found, as for a missing one")
    func invisibleReads() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        for actor in [W.bystander, W.stranger, W.partner, W.salesHead] {
            for id in [item.id, WorkItem.ID("no-such-item")] {
                let error = await expectFailure(.notFound, "\(actor)") { _ = try await w.engine.workItems.workItem(id, as: actor) }
                #expect(error?.message == "no work item with id '\(id)'")
                await expectFailure(.notFound) { _ = try await w.engine.workItems.auditTrail(of: id, as: actor) }
                await expectFailure(.notFound) { _ = try await w.engine.workItems.activity(of: id, as: actor) }
            }
        }
    }

    @Test("a partner member sees a shared item and may comment on it, but is forbidden every work command")
    func partnerOnSharedItem() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        try await w.engine.workItems.share(item.id, with: "partnerco", by: W.initiator)
        let shared = try await w.stored(item.id)
        let before = try await w.footprint(item.id)
        for act in Act.allCases where act != .comment && !act.needsPendingRequest && act != .submit {
            let error = await expectFailure(.forbidden, "\(act)") {
                try await w.engine.workItems.execute(act.command(item: item.id, request: nil), by: W.partner)
            }
            #expect(error?.message.contains("may not") == true)
        }
        await expectFailure(.forbidden) {
            try await w.engine.workItems.create(w.draft(), by: W.partner)
        }
        #expect(try await w.footprint(item.id) == before)
        let comment = try await w.engine.workItems.comment(on: item.id, by: W.partner, "We can deliver on the 5th")
        #expect(comment.visibility == .external, "an outside member's comments are always external")
        #expect(try await w.stored(item.id).version == shared.version)

        // Without external collaboration the partner sees nothing at all.
        try await w.engine.settings.setExternalCollaboration("partnerco", enabled: false, by: W.admin)
        let error = await expectFailure(.notFound) { try await w.engine.workItems.accept(item.id, by: W.partner) }
        #expect(error?.message == "no work item with id '\(item.id)'")
    }

    @Test("the head of an unrelated department cannot reassign: not found when they cannot see the item, forbidden when they watch it")
    func unrelatedHead() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.footprint(item.id)
        await expectFailure(.notFound) {
            try await w.engine.workItems.reassign(item.id, from: W.assignee, to: W.spare, by: W.salesHead)
        }
        #expect(try await w.footprint(item.id) == before)
        var draft = w.draft()
        draft.watcherIDs = [W.salesHead]
        let watched = try await w.engine.workItems.create(draft, by: W.initiator)
        let watchedBefore = try await w.footprint(watched.id)
        let error = await expectFailure(.forbidden) {
            try await w.engine.workItems.reassign(watched.id, from: W.assignee, to: W.spare, by: W.salesHead)
        }
        #expect(error?.message.contains("watcher") == true, "the explanation lists what the member holds")
        #expect(try await w.footprint(watched.id) == watchedBefore)
    }

    @Test("an assignee who is also the named reviewer may approve their own work")
    func assigneeReviewer() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inReview, reviewer: W.assignee)
        #expect(try await w.engine.workItems.approve(item.id, by: W.assignee).state == .completed)
    }

    @Test("with no named reviewer the initiator reviews; with one, only the reviewer does")
    func whoReviews() async throws {
        let w = try await Workplace(storage: .underTest)
        let unnamed = try await w.item(.inReview)
        #expect(try await w.engine.workItems.reject(unnamed.id, by: W.initiator, reason: "redo").state == .inProgress)
        let named = try await w.item(.inReview, reviewer: W.reviewer)
        let before = try await w.footprint(named.id)
        await expectFailure(.forbidden) { try await w.engine.workItems.approve(named.id, by: W.initiator) }
        await expectFailure(.forbidden) { try await w.engine.workItems.reject(named.id, by: W.initiator, reason: "no") }
        #expect(try await w.footprint(named.id) == before)
        #expect(try await w.engine.workItems.reject(named.id, by: W.reviewer, reason: "redo").state == .inProgress)
    }

    @Test("a deactivated member cannot act at all, even on items they are assigned; nothing is written",
        arguments: [Workplace.assignee, Workplace.initiator, Workplace.admin])
    func deactivated(member: Member.ID) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        try await w.deactivate(member)
        let before = try await w.footprint(item.id)
        let commands: [WorkItemCommand] = [
            .accept(item.id), .cancel(item.id, reason: nil), .comment(item.id, body: "hello", visibility: .internal),
            .create(w.draft(), submit: true),
        ]
        for command in commands {
            let error = await expectFailure(.forbidden, "\(command.name)") {
                try await w.engine.workItems.execute(command, by: member)
            }
            #expect(error?.message.contains("deactivated") == true)
        }
        #expect(try await w.footprint(item.id) == before)
        await expectFailure(.forbidden) { _ = try await w.engine.inbox.notices(of: member) }
        await expectFailure(.forbidden) { _ = try await w.engine.inbox.todo(of: member) }
    }

    @Test("an unknown actor is not found")
    func unknownActor() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        let error = await expectFailure(.notFound) { try await w.engine.workItems.accept(item.id, by: "ghost") }
        #expect(error?.message == "no member with id 'ghost'")
    }

    @Test("a host policy without the administrator's cancel rule forbids the administrator")
    func customPolicy() async throws {
        var configuration = WorkflowEngine.Configuration()
        configuration.accessPolicy.remove(action: .cancel, relationship: .administrator)
        let w = try await Workplace(storage: .underTest, configuration: configuration)
        let item = try await w.item(.inProgress)
        await expectFailure(.forbidden) { try await w.engine.workItems.cancel(item.id, by: W.admin) }
        #expect(try await w.engine.workItems.cancel(item.id, by: W.initiator).state == .cancelled)
    }
}

@Suite struct ExplainDecisionTests {
    typealias W = Workplace

    @Test("explain names the rule that allows an action", arguments: [
        (WorkItemAction.accept, Workplace.assignee, "assignee-may-accept"),
        (.review, Workplace.reviewer, "reviewer-may-review"),
        (.decideAdjustment, Workplace.initiator, "initiator-may-decide_adjustment"),
        (.reassign, Workplace.mobileHead, "department_head-may-reassign"),
        (.reassign, Workplace.engHead, "department_head-may-reassign"),
        (.reassign, Workplace.admin, "administrator-may-reassign"),
        (.cancel, Workplace.initiator, "initiator-may-cancel"),
        (.view, Workplace.auditor, "auditor-may-view"),
        (.comment, Workplace.peer, "department_member-may-comment"),
    ])
    func allowed(action: WorkItemAction, member: Member.ID, rule: String) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress, reviewer: W.reviewer)
        let decision = try await w.engine.explain(action, on: item.id, for: member)
        #expect(decision.isAllowed && decision.denial == nil && decision.action == action)
        #expect(decision.rule?.name == rule)
        #expect(decision.description.hasPrefix("allowed \(action.rawValue) by rule \(rule)"))
    }

    @Test("explain gives the reason for a denial: no matching rule, with the relationships held")
    func noMatchingRule() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inReview, reviewer: W.reviewer)
        let decision = try await w.engine.explain(.review, on: item.id, for: W.assignee)
        #expect(!decision.isAllowed && decision.rule == nil && decision.denial == .noMatchingRule)
        #expect(decision.relationships.contains(.assignee) && decision.relationships.contains(.departmentMember))
        #expect(!decision.relationships.contains(.reviewer))
        #expect(decision.description.hasPrefix("denied review: no rule grants it to the member's relationships ("))

        let initiator = try await w.engine.explain(.review, on: item.id, for: W.initiator)
        #expect(!initiator.isAllowed && initiator.denial == .noMatchingRule, "a named reviewer replaces the initiator")

        let peer = try await w.engine.explain(.reassign, on: item.id, for: W.peer)
        #expect(!peer.isAllowed && peer.denial == .noMatchingRule && peer.relationships == [.departmentMember, .organizationMember])
    }

    @Test("explain explains to a shared organization what it may do, and to nobody who may not view the item")
    func otherOrganizationAndInactive() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let hidden = CollabError.notFound("work item", item.id.rawValue)
        for member in [W.stranger, W.partner] {
            let error = await expectFailure(.notFound, "\(member)") {
                _ = try await w.engine.explain(.view, on: item.id, for: member)
            }
            #expect(error == hidden, "\(member)")
        }
        try await w.engine.workItems.share(item.id, with: "partnerco", by: W.initiator)
        let shared = try await w.engine.explain(.comment, on: item.id, for: W.partner)
        #expect(shared.isAllowed && shared.rule?.name == "shared_organization-may-comment")
        let sharedAccept = try await w.engine.explain(.accept, on: item.id, for: W.partner)
        #expect(!sharedAccept.isAllowed && sharedAccept.denial == .noMatchingRule)

        // A deactivated member views nothing, so is told nothing either.
        try await w.deactivate(W.assignee)
        let error = await expectFailure(.notFound) {
            _ = try await w.engine.explain(.reportProgress, on: item.id, for: W.assignee)
        }
        #expect(error == hidden)
    }

    /// Issue 15, Medium 6: another organization's member, an unrelated member and an unknown id got three
    /// different answers, so `explain` told who could probe which ids exist.
    @Test("explain answers whoever may not view the item exactly as for an unknown id")
    func explainDoesNotTellExistence() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let unknown = await expectFailure(.notFound) {
            _ = try await w.engine.explain(.view, on: "no-such-item", for: W.bystander)
        }
        #expect(unknown == CollabError.notFound("work item", "no-such-item"))
        for member in [W.stranger, W.bystander] {
            for action in [WorkItemAction.view, .comment, .cancel] {
                let error = await expectFailure(.notFound, "\(member) \(action)") {
                    _ = try await w.engine.explain(action, on: item.id, for: member)
                }
                // The same error, word for word, as the read of the item and as an id that does not exist.
                #expect(error == CollabError.notFound("work item", item.id.rawValue), "\(member) \(action)")
                let read = await expectFailure(.notFound) { _ = try await w.engine.workItems.workItem(item.id, as: member) }
                #expect(error == read)
            }
        }
        // A member who may view the item gets the explanation, also for what they may not do.
        let peer = try await w.engine.explain(.cancel, on: item.id, for: W.peer)
        #expect(!peer.isAllowed && peer.denial == .noMatchingRule)
    }

    @Test("explain agrees with what the engine enforces", arguments: Act.allCases)
    func agreesWithEnforcement(act: Act) async throws {
        let w = try await Workplace(storage: .underTest)
        let (item, request) = try await w.setUp(act)
        let action: WorkItemAction = switch act {
        case .approve, .reject: .review
        case .approveAdjustment, .rejectAdjustment: .decideAdjustment
        default: WorkItemAction(rawValue: act.command(item: item.id, request: request).name) ?? .view
        }
        for member in act.deniedTo {
            #expect(try await w.engine.explain(action, on: item.id, for: member).isAllowed == false, "\(member)")
        }
        #expect(try await w.engine.explain(action, on: item.id, for: act.allowedTo).isAllowed, "\(act.allowedTo)")
    }

    @Test("explain on a missing item or for a missing member is not found")
    func missing() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.assigned)
        await expectFailure(.notFound) { _ = try await w.engine.explain(.view, on: "no-such-item", for: W.admin) }
        await expectFailure(.notFound) { _ = try await w.engine.explain(.view, on: item.id, for: "ghost") }
    }
}
