import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Comments and @mentions.
@Suite struct CommentTests {
    typealias W = Workplace

    @Test("a comment notifies the people involved, is audited, and does not change the item's version")
    func commentBasics() async throws {
        let w = try await Workplace(storage: .underTest)
        var draft = w.draft(assignees: [W.assignee, W.coAssignee])
        draft.watcherIDs = [W.spare]
        let item = try await w.engine.workItems.create(draft, by: W.initiator)
        w.h.clock.advance(by: .seconds(60))
        let comment = try await w.engine.workItems.comment(on: item.id, by: W.assignee, "Which template should I use?")
        #expect(comment.itemID == item.id && comment.authorID == W.assignee && comment.createdAt == w.now)
        #expect(comment.visibility == .internal && comment.mentionedIDs.isEmpty)
        #expect(try await w.stored(item.id) == item, "the item is unchanged, version and all")
        let event = try #require(try await w.trail(item.id).last)
        #expect(event.action == "comment" && event.actorID == W.assignee)
        #expect(event.fromState == .assigned && event.toState == .assigned)
        #expect(event.details == ["comment": comment.id.rawValue, "visibility": "internal"])
        for member in [W.initiator, W.coAssignee, W.spare] {
            let notice = try #require(try await w.inbox(member).first, "\(member)")
            #expect(notice.kind == .commented && notice.body == "Li Wei: Which template should I use?")
        }
        #expect(try await w.kinds(W.assignee) == [.assigned], "the author is not told of their own comment")
        #expect(try await w.engine.workItems.activity(of: item.id, as: W.initiator).comments == [comment])
    }

    @Test("@mentions notify only members who may see the item; the others are not even recorded")
    func mentionsRespectVisibility() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.footprint(item.id).notifications
        let comment = try await w.engine.workItems.comment(
            on: item.id, by: W.peer, "@li @qian @bob @amy @ghost @auditor @sun please look before Friday.")
        #expect(comment.mentionedIDs == [W.auditor, W.mobileHead, W.assignee].sorted())
        #expect(try await w.inbox(W.assignee).first?.kind == .mentioned)
        #expect(try await w.inbox(W.mobileHead).first?.kind == .mentioned, "a head of the item's department sees it")
        #expect(try await w.inbox(W.auditor).first?.kind == .mentioned, "an auditor sees every item")
        #expect(try await w.kinds(W.assignee).filter { $0 == .commented }.isEmpty, "one notification per person")
        #expect(try await w.inbox(W.initiator).first?.kind == .commented)
        #expect(try await w.footprint(item.id).notifications == before + 4,
            "three mentions and the initiator's comment notice: nobody who may not see the item is told")
        for outsider in [W.bystander, W.stranger, W.partner] {
            #expect(try await w.inbox(outsider).isEmpty, "\(outsider) may not see the item")
        }
        let mention = try #require(try await w.inbox(W.assignee).first)
        #expect(mention.title == "zheng mentioned you: \(item.title)")
        #expect(mention.body.hasPrefix("@li @qian"))
    }

    @Test("an e-mail address mentions nobody, even when a member has the handle after the @")
    func emailIsNotAMention() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.h.addMember("bcom", in: "acme", departments: [DepartmentMembership("eng-mobile")], handle: "b.com")
        let item = try await w.item(.inProgress)
        let plain = try await w.engine.workItems.comment(on: item.id, by: W.initiator, "Send it to a@b.com, not to li@acme.com")
        #expect(plain.mentionedIDs.isEmpty)
        #expect(try await w.inbox("bcom").isEmpty)
        #expect(try await w.kinds(W.assignee).first == .commented)

        let real = try await w.engine.workItems.comment(on: item.id, by: W.initiator, "Thanks @b.com. And (@li)!")
        #expect(real.mentionedIDs == ["bcom", W.assignee])
        #expect(try await w.kinds("bcom") == [.mentioned])
    }

    @Test("a deactivated member is not mentioned, and repeated mentions notify once")
    func deactivatedAndRepeated() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress, assignees: [W.assignee, W.coAssignee])
        try await w.deactivate(W.coAssignee)
        let comment = try await w.engine.workItems.comment(on: item.id, by: W.initiator, "@wang @li @li @li, status?")
        #expect(comment.mentionedIDs == [W.assignee])
        #expect(try await w.kinds(W.assignee).filter { $0 == .mentioned }.count == 1)
    }

    @Test("internal comments never reach a partner; external ones reach a partner the item is shared with")
    func externalComments() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let hidden = try await w.engine.workItems.comment(on: item.id, by: W.initiator, "@amy internal only", visibility: .external)
        #expect(hidden.mentionedIDs.isEmpty, "the item is not shared with partnerco yet")
        try await w.engine.workItems.share(item.id, with: "partnerco", by: W.initiator)
        let internalComment = try await w.engine.workItems.comment(on: item.id, by: W.initiator, "@amy margins are thin")
        #expect(internalComment.mentionedIDs.isEmpty && internalComment.visibility == .internal)
        let external = try await w.engine.workItems.comment(
            on: item.id, by: W.initiator, "@amy can you deliver by the 5th?", visibility: .external)
        #expect(external.mentionedIDs == [W.partner])
        let notice = try #require(try await w.inbox(W.partner).first)
        #expect(notice.kind == .mentioned && notice.organizationID == "partnerco")
        let seen = try await w.engine.workItems.activity(of: item.id, as: W.partner).comments.map(\.id)
        #expect(seen == [hidden.id, external.id], "a partner sees external comments only")
    }

    @Test("an empty or overlong comment is invalid input and writes nothing")
    func commentValidation() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.footprint(item.id)
        for (body, kind) in [("", ValidationProblem.Kind.empty), (" \n ", .empty),
                             (String(repeating: "y", count: 10_001), .tooLong)]
        {
            let error = await expectFailure(.invalidInput) { try await w.engine.workItems.comment(on: item.id, by: W.assignee, body) }
            #expect(error?.problems.map(\.field) == ["body"] && error?.problems.map(\.kind) == [kind])
        }
        #expect(try await w.footprint(item.id) == before)
    }
}
