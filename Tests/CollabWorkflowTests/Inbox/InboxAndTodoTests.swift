import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// The message center: inboxes and to-do lists.
@Suite struct InboxAndTodoTests {
    typealias W = Workplace

    /// Every page of a member's inbox, following cursors.
    static func pages(_ w: Workplace, _ member: Member.ID, limit: Int, unreadOnly: Bool = false) async throws
        -> [[Notice]]
    {
        var pages: [[Notice]] = []
        var cursor: String?
        repeat {
            let page = try await w.engine.inbox.notices(
                of: member, unreadOnly: unreadOnly, page: PageRequest(limit: limit, cursor: cursor))
            pages.append(page.items)
            cursor = page.nextCursor
        } while cursor != nil && pages.count < 100
        return pages
    }

    @Test("the inbox lists a member's notifications newest first, in pages joined by cursors")
    func inboxPaging() async throws {
        let w = try await Workplace(storage: .underTest)
        for n in 1...7 {
            try await w.engine.workItems.create(w.draft("Task \(n)"), by: W.initiator)
            w.h.clock.advance(by: .seconds(60))
        }
        let pages = try await Self.pages(w, W.assignee, limit: 3)
        #expect(pages.map(\.count) == [3, 3, 1])
        let titles = pages.flatMap { $0 }.map(\.title)
        #expect(titles == (1...7).reversed().map { "New assignment: Task \($0)" })
        let all = pages.flatMap { $0 }
        #expect(Set(all.map(\.id)).count == 7)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.createdAt >= $1.createdAt })
        #expect(all.allSatisfy { $0.recipientID == W.assignee && $0.kind == .assigned })
        let exact = try await w.engine.inbox.notices(of: W.assignee, page: PageRequest(limit: 7))
        #expect(exact.items.count == 7 && exact.nextCursor == nil, "no cursor when nothing follows")
        #expect(try await w.inbox(W.coAssignee).isEmpty, "each member sees only their own notifications")
    }

    @Test("the inbox shows every kind of notification a lifecycle sends, newest first")
    func inboxKinds() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress, reviewer: W.reviewer)
        try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: "half", percent: 50)
        let request = try await w.engine.workItems.requestAdjustment(
            item.id, by: W.assignee, change: .init(title: "Smaller"), reason: "too much")
        try await w.engine.workItems.approveAdjustment(request.id, by: W.initiator)
        try await w.engine.workItems.comment(on: item.id, by: W.reviewer, "Looks good so far")
        try await w.engine.workItems.submitForReview(item.id, by: W.assignee)
        try await w.engine.workItems.reject(item.id, by: W.reviewer, reason: "Add screenshots")
        #expect(try await w.kinds(W.initiator) == [.commented, .adjustmentRequested, .progressReported, .accepted])
        #expect(try await w.kinds(W.assignee) == [.reviewResult, .commented, .adjustmentDecided, .assigned])
        #expect(try await w.kinds(W.reviewer) == [.reviewRequested])
        let rejected = try #require(try await w.inbox(W.assignee).first)
        #expect(rejected.body.contains("Add screenshots") && rejected.itemID == item.id && rejected.actorID == W.reviewer)
    }

    @Test("unread counts, reading some, reading all; nobody can mark another member's notifications read")
    func readState() async throws {
        let w = try await Workplace(storage: .underTest)
        for n in 1...5 { try await w.engine.workItems.create(w.draft("Task \(n)", assignees: [W.assignee, W.coAssignee]), by: W.initiator) }
        #expect(try await w.engine.inbox.unreadCount(of: W.assignee) == 5)
        let newest = Array(try await w.inbox(W.assignee).prefix(2))
        let theirs = try await w.inbox(W.coAssignee)

        #expect(try await w.engine.inbox.markRead(newest.map(\.id), of: W.coAssignee) == 0, "not their notifications")
        #expect(try await w.engine.inbox.markRead(theirs.map(\.id), of: W.assignee) == 0)
        #expect(try await w.engine.inbox.unreadCount(of: W.assignee) == 5)
        #expect(try await w.engine.inbox.unreadCount(of: W.coAssignee) == 5)

        w.h.clock.advance(by: .seconds(30))
        #expect(try await w.engine.inbox.markRead(newest.map(\.id), of: W.assignee) == 2)
        #expect(try await w.engine.inbox.markRead(newest.map(\.id), of: W.assignee) == 0, "already read")
        #expect(try await w.engine.inbox.unreadCount(of: W.assignee) == 3)
        let read = try await w.inbox(W.assignee).filter(\.isRead)
        #expect(Set(read.map(\.id)) == Set(newest.map(\.id)) && read.allSatisfy { $0.readAt == w.now })
        let unread = try await w.engine.inbox.notices(of: W.assignee, unreadOnly: true).items
        #expect(unread.count == 3 && unread.allSatisfy { !$0.isRead })
        #expect(try await Self.pages(w, W.assignee, limit: 2, unreadOnly: true).map(\.count) == [2, 1])

        #expect(try await w.engine.inbox.markAllRead(of: W.assignee) == 3)
        #expect(try await w.engine.inbox.markAllRead(of: W.assignee) == 0)
        #expect(try await w.engine.inbox.unreadCount(of: W.assignee) == 0)
        #expect(try await w.engine.inbox.notices(of: W.assignee, unreadOnly: true).items.isEmpty)
        #expect(try await w.engine.inbox.unreadCount(of: W.coAssignee) == 5, "another member's notifications stay unread")
    }

    @Test("a malformed inbox cursor is invalid input")
    func badCursor() async throws {
        let w = try await Workplace(storage: .underTest)
        let error = await expectFailure(.invalidInput) {
            _ = try await w.engine.inbox.notices(of: W.assignee, page: PageRequest(cursor: "page-2"))
        }
        #expect(error?.problems.map(\.field) == ["cursor"])
        await expectFailure(.invalidInput) {
            _ = try await w.engine.inbox.todo(of: W.assignee, page: PageRequest(cursor: "page-2"))
        }
    }

    @Test("notifications about an item a member can no longer see leave their inbox and unread count")
    func revokedItemsLeaveTheInbox() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        try await w.engine.workItems.share(item.id, with: "partnerco", by: W.initiator)
        try await w.engine.workItems.comment(on: item.id, by: W.initiator, "@amy please confirm the dates", visibility: .external)
        #expect(try await w.kinds(W.partner) == [.mentioned])
        #expect(try await w.engine.inbox.unreadCount(of: W.partner) == 1)
        try await w.engine.workItems.unshare(item.id, from: "partnerco", by: W.initiator)
        #expect(try await w.inbox(W.partner).isEmpty)
        #expect(try await w.engine.inbox.unreadCount(of: W.partner) == 0)
    }

    @Test("the to-do list gives the reason to act on each item: submit a draft, accept, start, work, review, decide")
    func todoReasons() async throws {
        let w = try await Workplace(storage: .underTest)
        let draft = try await w.item(.draft)
        let assigned = try await w.item(.assigned)
        let accepted = try await w.item(.accepted)
        let inProgress = try await w.item(.inProgress)
        let inReview = try await w.item(.inReview, reviewer: W.reviewer)
        let adjusting = try await w.item(.inProgress)
        try await w.engine.workItems.requestAdjustment(adjusting.id, by: W.assignee, change: .init(title: "Less"), reason: "busy")
        _ = try await w.item(.completed)
        _ = try await w.item(.cancelled)

        func reasons(_ member: Member.ID) async throws -> [WorkItem.ID: [TodoEntry.Reason]] {
            Dictionary(uniqueKeysWithValues: try await w.todo(member).map { ($0.item.id, $0.reasons) })
        }
        #expect(try await reasons(W.initiator) == [draft.id: [.submitDraft], adjusting.id: [.decideAdjustment]])
        #expect(try await reasons(W.assignee) == [
            assigned.id: [.accept], accepted.id: [.start], inProgress.id: [.work], adjusting.id: [.work],
        ])
        #expect(try await reasons(W.reviewer) == [inReview.id: [.review]])
        #expect(try await w.todo(W.peer).isEmpty, "seeing an item is not having to act on it")
        #expect(try await w.todo(W.admin).isEmpty)
    }

    @Test("one item can need several things from the same member, listed in a fixed order")
    func severalReasons() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.engine.workItems.create(w.draft(assignees: [W.initiator, W.assignee]), by: W.initiator)
        try await w.engine.workItems.requestAdjustment(item.id, by: W.assignee, change: .init(title: "Less"), reason: "busy")
        let entry = try #require(try await w.todo(W.initiator).first)
        #expect(entry.item.id == item.id && entry.reasons == [.accept, .decideAdjustment])
        let current = try await w.stored(item.id)
        #expect(entry.item == current, "the entry carries the current item")
    }

    @Test("the to-do list is ordered by deadline, soonest first, and paged without gaps or repeats")
    func todoOrderAndPaging() async throws {
        let w = try await Workplace(storage: .underTest)
        var expected: [WorkItem.ID] = []
        for day in [15, 3, 9, 12, 6, 9] {
            var draft = w.draft("Due on day \(day)")
            draft.deadline = .endOfDay(CalendarDate(year: 2026, month: 1, day: day))
            let item = try await w.engine.workItems.create(draft, by: W.initiator)
            expected.append(item.id)
        }
        let byDeadline = try await expected.asyncSorted(w)
        var seen: [TodoEntry] = []
        var cursor: String?
        var pageSizes: [Int] = []
        repeat {
            let page = try await w.engine.inbox.todo(of: W.assignee, page: PageRequest(limit: 4, cursor: cursor))
            seen += page.items
            pageSizes.append(page.items.count)
            cursor = page.nextCursor
        } while cursor != nil && pageSizes.count < 10
        #expect(pageSizes == [4, 2])
        #expect(seen.map(\.item.id) == byDeadline)
        #expect(seen.map(\.item.title) == [
            "Due on day 3", "Due on day 6", "Due on day 9", "Due on day 9", "Due on day 12", "Due on day 15",
        ])
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.item.dueAt <= $1.item.dueAt })

        // Finished and cancelled items leave the list.
        try await w.engine.workItems.cancel(byDeadline[0], by: W.initiator)
        #expect(try await w.todo(W.assignee).map(\.item.id) == Array(byDeadline.dropFirst()))
    }
}

extension [WorkItem.ID] {
    /// The items sorted as the to-do list sorts them: by due instant, then by id.
    func asyncSorted(_ w: Workplace) async throws -> [WorkItem.ID] {
        var items: [WorkItem] = []
        for id in self { items.append(try await w.stored(id)) }
        return items.sorted { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }.map(\.id)
    }
}
