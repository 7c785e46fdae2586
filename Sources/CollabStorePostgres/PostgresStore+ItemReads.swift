import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    public func workItem(_ id: WorkItem.ID) async throws(CollabError) -> WorkItem? {
        let logger = self.logger
        return try await readStatement { connection in
            try await connection.rows("SELECT * FROM work_items WHERE id = \(id.rawValue)", logger)
                .first.map(Self.workItem(from:))
        }
    }

    public func comments(on itemID: WorkItem.ID) async throws(CollabError) -> [ItemComment] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM comments WHERE item_id = \(itemID.rawValue) ORDER BY created_at, sequence
                """, logger).map { row in
                    ItemComment(
                        id: ItemComment.ID(try row.value("id", as: String.self)),
                        itemID: WorkItem.ID(try row.value("item_id", as: String.self)),
                        authorID: Member.ID(try row.value("author_id", as: String.self)),
                        body: try row.value("body", as: String.self),
                        mentionedIDs: StoredList.ids(try row.text("mentioned_ids")),
                        createdAt: try row.requiredDate("created_at"),
                        visibility: Visibility(rawValue: try row.value("visibility", as: String.self)) ?? .internal)
                }
        }
    }

    public func progressUpdates(on itemID: WorkItem.ID) async throws(CollabError) -> [ProgressUpdate] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM progress_updates WHERE item_id = \(itemID.rawValue) ORDER BY created_at, sequence
                """, logger).map { row in
                    let id = try row.value("id", as: String.self)
                    return ProgressUpdate(
                        id: ProgressUpdate.ID(id), itemID: WorkItem.ID(try row.value("item_id", as: String.self)),
                        authorID: Member.ID(try row.value("author_id", as: String.self)),
                        text: try row.value("text", as: String.self), percent: try row.value("percent", as: Int?.self),
                        attachments: try row.json([FileAttachment].self, "attachments",
                            of: "the attachments of progress update '\(id)'") ?? [],
                        createdAt: try row.requiredDate("created_at"))
                }
        }
    }

    public func reviewDecisions(on itemID: WorkItem.ID) async throws(CollabError) -> [ReviewDecision] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM review_decisions WHERE item_id = \(itemID.rawValue) ORDER BY decided_at, sequence
                """, logger).map { row in
                    let id = try row.value("id", as: String.self)
                    guard let outcome = ReviewDecision.Outcome(rawValue: try row.value("outcome", as: String.self)) else {
                        throw CollabError(.storageCorrupt, "review decision '\(id)' has an unknown outcome")
                    }
                    return ReviewDecision(
                        id: ReviewDecision.ID(id), itemID: WorkItem.ID(try row.value("item_id", as: String.self)),
                        reviewerID: Member.ID(try row.value("reviewer_id", as: String.self)), outcome: outcome,
                        reason: try row.text("reason"), decidedAt: try row.requiredDate("decided_at"))
                }
        }
    }

    public func adjustmentRequests(on itemID: WorkItem.ID) async throws(CollabError) -> [AdjustmentRequest] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM adjustment_requests WHERE item_id = \(itemID.rawValue) ORDER BY created_at, sequence
                """, logger).map(Self.adjustmentRequest(from:))
        }
    }

    public func adjustmentRequest(_ id: AdjustmentRequest.ID) async throws(CollabError) -> AdjustmentRequest? {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("SELECT * FROM adjustment_requests WHERE id = \(id.rawValue)", logger)
                .first.map(Self.adjustmentRequest(from:))
        }
    }

    static func adjustmentRequest(from row: PostgresRandomAccessRow) throws -> AdjustmentRequest {
        let id = try row.value("id", as: String.self)
        guard let change = try row.json(AdjustmentRequest.Change.self, "change", of: "adjustment request '\(id)'"),
            let status = AdjustmentRequest.Status(rawValue: try row.value("status", as: String.self))
        else {
            throw CollabError(.storageCorrupt, "adjustment request '\(id)' is unreadable")
        }
        return AdjustmentRequest(
            id: AdjustmentRequest.ID(id), itemID: WorkItem.ID(try row.value("item_id", as: String.self)),
            requesterID: Member.ID(try row.value("requester_id", as: String.self)), change: change,
            reason: try row.value("reason", as: String.self), status: status,
            deciderID: try row.text("decider_id").map(Member.ID.init(rawValue:)),
            decisionReason: try row.text("decision_reason"), createdAt: try row.requiredDate("created_at"),
            decidedAt: try row.date("decided_at"),
            previousDeadline: try row.json(Deadline.self, "previous_deadline", of: "adjustment request '\(id)'"))
    }

    public func auditTrail(of itemID: WorkItem.ID) async throws(CollabError) -> [AuditEvent] {
        let logger = self.logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM audit_events WHERE item_id = \(itemID.rawValue) ORDER BY sequence
                """, logger).map(Self.auditEvent(from:))
        }
    }

    static func auditEvent(from row: PostgresRandomAccessRow) throws -> AuditEvent {
        let id = try row.value("id", as: String.self)
        return AuditEvent(
            id: AuditEvent.ID(id), organizationID: Organization.ID(try row.value("organization_id", as: String.self)),
            itemID: try row.text("item_id").map(WorkItem.ID.init(rawValue:)),
            actorID: Member.ID(try row.value("actor_id", as: String.self)),
            action: try row.value("action", as: String.self),
            fromState: try row.text("from_state").flatMap(WorkItemState.init(rawValue:)),
            toState: try row.text("to_state").flatMap(WorkItemState.init(rawValue:)),
            details: try row.json([String: String].self, "details", of: "audit event '\(id)'") ?? [:],
            occurredAt: try row.requiredDate("occurred_at"),
            record: try row.text("record").flatMap(RecordReference.init(stored:)))
    }

    /// `DUE|ID` of a to-do page's last entry, or the start for no cursor.
    static func todoCursor(_ cursor: String?) throws(CollabError) -> (Int64, String) {
        guard let cursor else { return (Int64.min, "") }
        let parts = cursor.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let due = Int64(parts[0]) else {
            throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                message: "'\(cursor.clipped())' is not a to-do cursor")])
        }
        return (due, parts[1])
    }

    public func todo(for memberID: Member.ID, page: PageRequest) async throws(CollabError) -> Page<TodoEntry> {
        let (due, after) = try Self.todoCursor(page.cursor)
        let limit = page.limit
        let member = memberID.rawValue
        let logger = self.logger
        return try await read { connection in
            // Each source of work is read in deadline order from its own index and cut at the page size, so
            // a page costs the same however many items the member has.
            let rows = try await connection.rows("""
                SELECT w.*, t.reasons FROM (
                    SELECT id, min(due) AS due, string_agg(reason, ',') AS reasons FROM (
                        (SELECT a.item_id AS id, a.due_at AS due,
                            CASE i.state WHEN 'assigned' THEN 'accept' WHEN 'accepted' THEN 'start' ELSE 'work' END
                                AS reason
                        FROM work_item_access a JOIN work_items i ON i.id = a.item_id
                        WHERE a.kind = 'assignee' AND a.key = \(member) AND i.state IN ('assigned', 'accepted', 'in_progress')
                            AND (a.due_at, a.item_id) > (\(due), \(after))
                        ORDER BY a.due_at, a.item_id LIMIT \(limit + 1))
                        UNION ALL
                        (SELECT id, due_at, 'review' FROM work_items WHERE review_by = \(member) AND state = 'in_review'
                            AND (due_at, id) > (\(due), \(after)) ORDER BY due_at, id LIMIT \(limit + 1))
                        UNION ALL
                        (SELECT id, due_at, 'submit_draft' FROM work_items WHERE initiator_id = \(member) AND state = 'draft'
                            AND (due_at, id) > (\(due), \(after)) ORDER BY due_at, id LIMIT \(limit + 1))
                        UNION ALL
                        (SELECT id, due_at, 'decide_adjustment' FROM work_items
                        WHERE initiator_id = \(member) AND pending_adjustment_id IS NOT NULL
                            AND state IN ('assigned', 'accepted', 'in_progress', 'in_review')
                            AND (due_at, id) > (\(due), \(after)) ORDER BY due_at, id LIMIT \(limit + 1))
                    ) s
                    GROUP BY id
                    ORDER BY due, id
                    LIMIT \(limit + 1)
                ) t JOIN work_items w ON w.id = t.id
                ORDER BY t.due, t.id
                """, logger)
            var entries = try rows.map { row in
                let reasons = (try row.text("reasons") ?? "").split(separator: ",")
                    .compactMap { TodoEntry.Reason(rawValue: String($0)) }.sorted()
                return TodoEntry(item: try Self.workItem(from: row), reasons: reasons)
            }
            let more = entries.count > limit
            if more { entries.removeLast(entries.count - limit) }
            let next = more ? entries.last.map { "\($0.item.dueAt.storedMilliseconds)|\($0.item.id)" } : nil
            return Page(items: entries, nextCursor: next)
        }
    }
}
