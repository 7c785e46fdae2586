@testable import CollabStore
import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import GRDB
import Testing

/// The to-do rows the commit keeps (`work_item_todo`, migration v15) and the item rowids the to-do and the
/// lists read items by: what a member sees is what the to-do query over the items gave before v15.
@Suite struct TodoRowsTests {
    typealias W = Workplace

    static let everyone: [Member.ID] = [
        W.initiator, W.assignee, W.coAssignee, W.spare, W.reviewer, W.mobileHead, W.engHead, W.salesHead, W.peer,
        W.admin, W.auditor, W.bystander, W.stranger, W.partner,
    ]

    /// The to-do of `member` as the store computed it before v15: from the items' rows and the access
    /// index, source by source (item ids and sorted reasons, in page order).
    static func todoFromItems(_ member: Member.ID, in path: String) async throws -> [String] {
        try await DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, group_concat(reason) AS reasons FROM (
                    SELECT a.item_id AS id, a.due_at AS due,
                        CASE i.state WHEN 'assigned' THEN 'accept' WHEN 'accepted' THEN 'start' ELSE 'work' END AS reason
                    FROM work_item_access a JOIN work_items i ON i.id = a.item_id
                    WHERE a.kind = 'assignee' AND a.key = ?1 AND i.state IN ('assigned', 'accepted', 'in_progress')
                    UNION ALL
                    SELECT id, due_at, 'review' FROM work_items WHERE review_by = ?1 AND state = 'in_review'
                    UNION ALL
                    SELECT id, due_at, 'submit_draft' FROM work_items WHERE initiator_id = ?1 AND state = 'draft'
                    UNION ALL
                    SELECT id, due_at, 'decide_adjustment' FROM work_items
                    WHERE initiator_id = ?1 AND pending_adjustment_id IS NOT NULL
                        AND state IN ('assigned', 'accepted', 'in_progress', 'in_review'))
                GROUP BY id ORDER BY due, id
                """, arguments: [member.rawValue]).map { row in
                    let reasons = (row["reasons"] as String).split(separator: ",")
                        .compactMap { TodoEntry.Reason(rawValue: String($0)) }.sorted()
                    return "\(row["id"] as String) \(reasons.map(\.rawValue).joined(separator: ","))"
                }
        }
    }

    /// Every member's to-do through the store, in the form of ``todoFromItems(_:in:)``, all pages of 2.
    static func todo(_ member: Member.ID, _ store: any CollabStorage) async throws -> [String] {
        var lines: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.todo(for: member, page: PageRequest(limit: 2, cursor: cursor))
            lines += page.items.map { "\($0.item.id) \($0.reasons.map(\.rawValue).joined(separator: ","))" }
            cursor = page.nextCursor
        } while cursor != nil
        return lines
    }

    /// Checks every member's to-do against the items, and the rowids against the items' rows.
    static func expectConsistent(_ w: Workplace, _ step: String, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let path = try #require(w.harness.databasePath)
        for member in everyone {
            let expected = try await todoFromItems(member, in: path)
            #expect(try await todo(member, w.harness.store) == expected, "\(step): to-do of \(member)",
                sourceLocation: sourceLocation)
        }
        let stale = try await DatabaseQueue(path: path).read { db in
            try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM work_item_access a LEFT JOIN work_items w ON w.rowid = a.item_rowid
                        WHERE w.id IS NOT a.item_id)
                    + (SELECT count(*) FROM work_item_todo t LEFT JOIN work_items w ON w.rowid = t.item_rowid
                        WHERE w.id IS NOT t.item_id)
                """) ?? -1
        }
        #expect(stale == 0, "\(step): rows whose rowid is not their item's", sourceLocation: sourceLocation)
    }

    @Test("the to-do follows each command: accept, start, review, reject, reassign, adjust, cancel, import")
    func todoFollowsCommands() async throws {
        let w = try await Workplace()
        let e = w.engine.workItems
        let item = try await e.create(w.draft("Two people", assignees: [W.assignee, W.coAssignee], reviewer: W.reviewer),
            by: W.initiator)
        try await Self.expectConsistent(w, "created")
        #expect(try await w.todo(W.assignee).map(\.reasons) == [[.accept]])
        #expect(try await w.todo(W.coAssignee).map(\.reasons) == [[.accept]])

        try await e.accept(item.id, by: W.assignee)
        try await Self.expectConsistent(w, "accepted")
        #expect(try await w.todo(W.coAssignee).map(\.reasons) == [[.start]])
        _ = try await e.start(item.id, by: W.assignee)
        try await Self.expectConsistent(w, "started")
        #expect(try await w.todo(W.assignee).map(\.reasons) == [[.work]])

        let request = try await e.requestAdjustment(item.id, by: W.assignee,
            change: .init(deadline: .endOfDay(CalendarDate(year: 2031, month: 5, day: 1))), reason: "parts are late")
        try await Self.expectConsistent(w, "adjustment requested")
        #expect(try await w.todo(W.initiator).map(\.reasons) == [[.decideAdjustment]])
        _ = try await e.approveAdjustment(request.id, by: W.initiator)
        try await Self.expectConsistent(w, "deadline moved")
        #expect(try await w.todo(W.initiator).isEmpty)
        #expect(try await w.todo(W.assignee).map(\.item.dueAt) == [try await w.stored(item.id).dueAt])

        _ = try await e.reassign(item.id, from: W.coAssignee, to: W.spare, by: W.mobileHead)
        try await Self.expectConsistent(w, "reassigned")
        #expect(try await w.todo(W.coAssignee).isEmpty, "the member taken off no longer has to act")
        #expect(try await w.todo(W.spare).map(\.item.id) == [item.id])

        _ = try await e.submitForReview(item.id, by: W.assignee)
        try await Self.expectConsistent(w, "in review")
        #expect(try await w.todo(W.assignee).isEmpty)
        #expect(try await w.todo(W.spare).isEmpty)
        #expect(try await w.todo(W.reviewer).map(\.reasons) == [[.review]])
        _ = try await e.reject(item.id, by: W.reviewer, reason: "add the photos")
        try await Self.expectConsistent(w, "rejected")
        #expect(try await w.todo(W.reviewer).isEmpty)
        #expect(try await w.todo(W.assignee).map(\.reasons) == [[.work]])

        let other = try await e.create(w.draft("Cancelled soon"), by: W.initiator)
        #expect(try await w.todo(W.assignee).count == 2)
        _ = try await e.cancel(other.id, by: W.initiator)
        try await Self.expectConsistent(w, "cancelled")
        #expect(try await w.todo(W.assignee).map(\.item.id) == [item.id])

        let imported = try await e.importItems([w.draft("Imported one"), w.draft("Imported two", assignees: [W.peer])],
            by: W.initiator)
        try await Self.expectConsistent(w, "imported")
        #expect(try await w.todo(W.peer).map(\.item.id) == [imported[1].id])
        let drafts = try await e.importItems([w.draft("Not submitted")], by: W.initiator, submit: false)
        try await Self.expectConsistent(w, "imported as drafts")
        #expect(try await w.todo(W.initiator).map(\.item.id) == drafts.map(\.id))
        #expect(try await w.todo(W.initiator).map(\.reasons) == [[.submitDraft]])

        _ = try await e.submitForReview(item.id, by: W.assignee)
        _ = try await e.approve(item.id, by: W.reviewer)
        try await Self.expectConsistent(w, "approved")
        #expect(try await w.todo(W.reviewer).isEmpty)
        #expect(!(try await w.todo(W.assignee).map(\.item.id).contains(item.id)), "a completed item leaves the to-do")
    }

    /// The visible first pages of every member's list, by id.
    static func lists(_ w: Workplace) async throws -> [Member.ID: [WorkItem.ID]] {
        var lists: [Member.ID: [WorkItem.ID]] = [:]
        for member in everyone where member != W.stranger {
            lists[member] = try await w.engine.workItems.list(as: member, page: PageRequest(limit: 50)).items.map(\.id)
        }
        return lists
    }

    /// Items in every to-do state, some shared with the partner.
    static func populate(_ w: Workplace) async throws {
        _ = try await w.item(.draft)
        _ = try await w.item(.assigned, assignees: [W.assignee, W.coAssignee])
        _ = try await w.item(.accepted)
        _ = try await w.item(.inProgress)
        _ = try await w.item(.inReview, reviewer: W.reviewer)
        _ = try await w.item(.completed)
        _ = try await w.item(.cancelled)
        let adjusting = try await w.item(.inProgress)
        try await w.engine.workItems.requestAdjustment(adjusting.id, by: W.assignee, change: .init(title: "Less"),
            reason: "busy")
        let shared = try await w.item(.assigned)
        _ = try await w.engine.workItems.share(shared.id, with: "partnerco", by: W.initiator)
    }

    /// A populated workplace, its file, and every member's to-do and list as the commit kept them.
    private static func populatedWorkplace() async throws
        -> (Workplace, String, [Member.ID: [String]], [Member.ID: [WorkItem.ID]])
    {
        let w = try await Workplace()
        try await populate(w)
        let path = try #require(w.harness.databasePath)
        var todos: [Member.ID: [String]] = [:]
        for member in everyone { todos[member] = try await todo(member, w.harness.store) }
        return (w, path, todos, try await lists(w))
    }

    @Test("a database written before v15 gets its to-do rows and rowids when opened, and reads the same")
    func migrationFromV14() async throws {
        let (w, path, todos, lists) = try await Self.populatedWorkplace()
        #expect(todos[W.assignee]?.count == 5 && todos[W.initiator]?.count == 2 && todos[W.reviewer]?.count == 1)
        #expect(lists[W.partner]?.count == 1)

        // The file as v14 left it: no to-do table, no rowids in the access index, v15 not applied.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                DROP TABLE work_item_todo;
                ALTER TABLE work_item_access DROP COLUMN item_rowid;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v15 %';
                """)
        }
        let reopened = try w.harness.reopenStore()
        for member in Self.everyone {
            #expect(try await Self.todo(member, reopened) == todos[member], "to-do of \(member) after migrating")
            #expect(try await Self.todo(member, reopened) == Self.todoFromItems(member, in: path))
        }
        let engine = WorkflowEngine(store: reopened, clock: w.harness.clock)
        for (member, ids) in lists {
            #expect(try await engine.workItems.list(as: member, page: PageRequest(limit: 50)).items.map(\.id) == ids,
                "list of \(member) after migrating")
        }
    }

    @Test("when the rowids kept for the items no longer name their rows, to-do and lists read by id")
    func movedRowids() async throws {
        let (w, path, todos, lists) = try await Self.populatedWorkplace()

        // As if the rows had been renumbered: every kept rowid now names another item's row.
        try await DatabaseQueue(path: path).write { db in
            let count = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM work_items") ?? 1
            try db.execute(sql: "UPDATE work_item_access SET item_rowid = item_rowid % ? + 1", arguments: [count])
            try db.execute(sql: "UPDATE work_item_todo SET item_rowid = item_rowid % ? + 1", arguments: [count])
        }
        for member in Self.everyone {
            #expect(try await Self.todo(member, w.harness.store) == todos[member], "to-do of \(member)")
        }
        #expect(try await Self.lists(w) == lists)
    }
}
