import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// Commits a change in one serializable transaction (run again on a serialization failure or deadlock).
    ///
    /// Several instances may commit at once: the version, revision and idempotency checks read the rows a
    /// concurrent commit writes, so PostgreSQL's serializable isolation aborts one of two conflicting commits;
    /// its retry then sees the other's effect and fails with the same error as SQLite (or replays).
    public func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        let logger = self.logger
        return try await write(.serializable) { connection in
            do {
                return try await Self.apply(change, connection, logger)
            } catch let error as PSQLError {
                throw Self.constraintViolation(error) ?? error
            }
        }
    }

    /// SQLiteStore answers every constraint violation of a commit (a unique key, a reference to a missing
    /// row, a check) with `alreadyExists`; the same code here for the violations other than unique keys, which
    /// ``map(_:logger:)`` already turns into `alreadyExists`.
    static func constraintViolation(_ error: PSQLError) -> CollabError? {
        guard let state = error.serverInfo?[.sqlState], state.hasPrefix("23"), state != "23505" else { return nil }
        let message = error.serverInfo?[.message] ?? ""
        return CollabError(.alreadyExists,
            "the change breaks a constraint of the stored values (PostgreSQL \(state): \(message)); nothing was written")
    }

    static func apply(_ change: ChangeSet, _ connection: PostgresConnection, _ logger: Logger) async throws -> CommitOutcome {
        if let record = change.idempotency, let existing = try await fetchRecordedResult(record.key, connection, logger) {
            return .replayed(existing)
        }
        if let planned = change.directoryRevision {
            let current = try await connection.rows("SELECT value FROM directory_revision WHERE id = 1", logger)
                .first?.value("value", as: Int64.self)
            guard current == planned else {
                throw CollabError(.staleDirectory,
                    "the directory changed (revision \(current ?? -1)) after the command was planned at revision \(planned)")
            }
        }
        try await checkSettingsRevision(change, connection, logger)
        if let unchanged = change.unchangedItem {
            let actual = try await itemVersion(unchanged.id, connection, logger)
            guard let actual else { throw CollabError.notFound("work item", unchanged.id.rawValue) }
            guard actual == unchanged.version else {
                throw CollabError(.conflict,
                    "work item '\(unchanged.id)' changed (version \(actual)) after the command was planned at version \(unchanged.version)")
            }
        }
        switch change.item {
        case .insert(let item):
            try await insertItem(item, connection, logger)
        case .update(let item, let previous):
            if try await updateItem(item, previous: previous, connection, logger) == 0 {
                let actual = try await itemVersion(item.id, connection, logger)
                guard let actual else { throw CollabError.notFound("work item", item.id.rawValue) }
                throw CollabError(.conflict,
                    "work item '\(item.id)' is at version \(actual), the command was based on version \(previous.version)")
            }
            if item.dueAt > previous.dueAt
                && change.adjustmentRequests.contains(where: { $0.itemID == item.id && $0.status == .approved })
            {
                try await connection.execute(
                    "UPDATE work_items SET extensions = extensions + 1 WHERE id = \(item.id.rawValue)", logger)
            }
            if accessGrants(of: item) != accessGrants(of: previous) || item.dueAt != previous.dueAt {
                try await connection.execute("DELETE FROM work_item_access WHERE item_id = \(item.id.rawValue)", logger)
                try await writeAccess(item, connection, logger)
            }
            // Search reads title, description and tags from the item's row itself: nothing else to rewrite.
        case nil:
            break
        }
        for item in change.additionalItems {
            try await insertItem(item, connection, logger)
        }
        if let firing = change.firedTimer {
            try await acknowledge(firing, connection, logger)
        }
        for plan in change.timerPlans {
            try await applyTimerPlan(plan, connection, logger)
        }
        for comment in change.comments {
            try await connection.execute("""
                INSERT INTO comments (id, item_id, author_id, body, mentioned_ids, visibility, created_at)
                VALUES (\(comment.id.rawValue), \(comment.itemID.rawValue), \(comment.authorID.rawValue), \(comment.body),
                    \(StoredList.encode(comment.mentionedIDs.map(\.rawValue))), \(comment.visibility.rawValue),
                    \(comment.createdAt.storedMilliseconds))
                """, logger)
        }
        for update in change.progressUpdates {
            let attachments = update.attachments.isEmpty ? nil : try StoredJSON.encode(update.attachments)
            try await connection.execute("""
                INSERT INTO progress_updates (id, item_id, author_id, text, percent, attachments, created_at)
                VALUES (\(update.id.rawValue), \(update.itemID.rawValue), \(update.authorID.rawValue), \(update.text),
                    \(update.percent), \(attachments), \(update.createdAt.storedMilliseconds))
                """, logger)
        }
        for decision in change.reviewDecisions {
            try await connection.execute("""
                INSERT INTO review_decisions (id, item_id, reviewer_id, outcome, reason, decided_at)
                VALUES (\(decision.id.rawValue), \(decision.itemID.rawValue), \(decision.reviewerID.rawValue),
                    \(decision.outcome.rawValue), \(decision.reason), \(decision.decidedAt.storedMilliseconds))
                """, logger)
        }
        for request in change.adjustmentRequests {
            let requestChange = try StoredJSON.encode(request.change)
            let previousDeadline = try request.previousDeadline.map { try StoredJSON.encode($0) }
            try await connection.execute("""
                INSERT INTO adjustment_requests (id, item_id, requester_id, change, reason, status, decider_id,
                    decision_reason, previous_deadline, created_at, decided_at)
                VALUES (\(request.id.rawValue), \(request.itemID.rawValue), \(request.requesterID.rawValue),
                    \(requestChange), \(request.reason), \(request.status.rawValue), \(request.deciderID?.rawValue),
                    \(request.decisionReason), \(previousDeadline), \(request.createdAt.storedMilliseconds),
                    \(request.decidedAt?.storedMilliseconds))
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, decider_id = excluded.decider_id,
                    decision_reason = excluded.decision_reason, previous_deadline = excluded.previous_deadline,
                    decided_at = excluded.decided_at
                """, logger)
            // Report counters on the item: requests made, and approved.
            let made = request.status == .pending ? 1 : 0, approved = request.status == .approved ? 1 : 0
            if made + approved > 0 {
                try await connection.execute("""
                    UPDATE work_items SET adjustments_requested = adjustments_requested + \(made),
                        adjustments_approved = adjustments_approved + \(approved) WHERE id = \(request.itemID.rawValue)
                    """, logger)
            }
        }
        for event in change.auditEvents {
            try await connection.execute("""
                INSERT INTO audit_events (id, organization_id, item_id, actor_id, action, from_state, to_state,
                    details, occurred_at, record)
                VALUES (\(event.id.rawValue), \(event.organizationID.rawValue), \(event.itemID?.rawValue),
                    \(event.actorID.rawValue), \(event.action), \(event.fromState?.rawValue), \(event.toState?.rawValue),
                    \(StoredJSON.encodeObject(event.details)), \(event.occurredAt.storedMilliseconds), \(event.record?.stored))
                """, logger)
        }
        for notice in change.notifications {
            try await connection.execute("""
                INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, item_id, actor_id,
                    title, body, created_at, read_at, delivery_state, attempts, next_attempt_at, record, message)
                VALUES (\(notice.id.rawValue), \(notice.organizationID.rawValue), \(notice.recipientID.rawValue),
                    \(notice.kind.rawValue), \(notice.urgency.rawValue), \(notice.itemID?.rawValue),
                    \(notice.actorID?.rawValue), \(notice.title), \(notice.body), \(notice.createdAt.storedMilliseconds),
                    \(notice.readAt?.storedMilliseconds), 'pending', 0, \(notice.createdAt.storedMilliseconds),
                    \(notice.record?.stored), \(notice.message?.storedJSON))
                """, logger)
        }
        if let marks = change.readMarks {
            let ids = Array(Set(marks.noticeIDs.map(\.rawValue))).sorted()
            if !ids.isEmpty {
                try await connection.execute("""
                    UPDATE notifications SET read_at = \(marks.readAt.storedMilliseconds)
                    WHERE id = ANY(\(ids)) AND recipient_id = \(marks.memberID.rawValue) AND read_at IS NULL
                    """, logger)
            }
        }
        if let organization = change.organization {
            try await upsert(organization, connection, logger)
        }
        if let switched = change.externalCollaboration {
            let changed = try await connection.execute("""
                UPDATE organizations SET external_collaboration = \(switched.enabled)
                WHERE id = \(switched.organizationID.rawValue)
                """, logger)
            if changed == 0 { throw CollabError.notFound("organization", switched.organizationID.rawValue) }
        }
        try await writeSettings(change, connection, logger)
        if !change.scenario.isEmpty {
            try await applyScenario(change.scenario, connection, logger)
        }
        if !change.external.isEmpty {
            try await applyExternal(change.external, connection, logger)
        }
        if !change.documents.isEmpty || change.documents.quota != nil {
            try await applyDocuments(change.documents, connection, logger)
        }
        if !change.approvals.isEmpty {
            try await applyApprovals(change.approvals, connection, logger)
        }
        let search = SearchIndex.changes(of: change)
        if !search.isEmpty {
            try await applySearch(search, connection, logger)
        }
        if let record = change.idempotency {
            try await connection.execute("""
                INSERT INTO idempotency_keys (actor_id, key, command, fingerprint, result)
                VALUES (\(record.key.actorID.rawValue), \(record.key.key), \(record.result.command),
                    \(record.result.fingerprint), \(record.result.payload))
                """, logger)
        }
        return .committed
    }

    static func itemVersion(_ id: WorkItem.ID, _ connection: PostgresConnection, _ logger: Logger) async throws -> Int? {
        try await connection.rows("SELECT version FROM work_items WHERE id = \(id.rawValue)", logger)
            .first?.value("version", as: Int.self)
    }

    /// The ways people, departments and outside organizations are related to an item, as indexed in
    /// `work_item_access`.
    static func accessGrants(of item: WorkItem) -> [VisibilityScope.Grant] {
        var grants: [VisibilityScope.Grant] = [
            .init(.initiator, item.initiatorID.rawValue), .init(.reviewer, item.effectiveReviewerID.rawValue),
        ]
        grants += item.assigneeIDs.map { .init(.assignee, $0.rawValue) }
        grants += item.watcherIDs.map { .init(.watcher, $0.rawValue) }
        grants += item.departmentIDs.map { .init(.department, $0.rawValue) }
        grants += item.partnerOrganizationIDs.map { .init(.sharedOrganization, $0.rawValue) }
        return grants
    }

    /// Writes an item's `work_item_access` rows in one statement.
    private static func writeAccess(_ item: WorkItem, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let grants = accessGrants(of: item)
        let kinds = grants.map(\.kind.rawValue), keys = grants.map(\.key)
        try await connection.execute("""
            INSERT INTO work_item_access (kind, key, due_at, item_id)
            SELECT g.kind, g.key, \(item.dueAt.storedMilliseconds), \(item.id.rawValue)
            FROM unnest(\(kinds)::text[], \(keys)::text[]) AS g(kind, key)
            ON CONFLICT DO NOTHING
            """, logger)
    }

    private static func insertItem(_ item: WorkItem, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let columns = itemColumns.joined(separator: ", ")
        let values = (1...itemColumns.count).map { "$\($0)" }.joined(separator: ", ")
        try await connection.execute(PostgresQuery(
            unsafeSQL: "INSERT INTO work_items (\(columns)) VALUES (\(values))", binds: try itemBindings(item)), logger)
        try await writeAccess(item, connection, logger)
    }

    /// Writes every column of `item` if the stored version is still `previous.version`; returns the number of
    /// rows changed (0 on a version conflict).
    private static func updateItem(_ item: WorkItem, previous: WorkItem, _ connection: PostgresConnection,
        _ logger: Logger) async throws -> Int
    {
        var binds = try itemBindings(item)
        binds.append(previous.version)
        let assignments = itemColumns.enumerated().dropFirst().map { "\($0.element) = $\($0.offset + 1)" }
            .joined(separator: ", ")
        return try await connection.execute(PostgresQuery(
            unsafeSQL: "UPDATE work_items SET \(assignments) WHERE id = $1 AND version = $\(itemColumns.count + 1)",
            binds: binds), logger)
    }

    /// The columns of `work_items` an item is written to, as ``itemBindings(_:)`` binds them.
    private static let itemColumns = [
        "id", "organization_id", "title", "description", "priority", "initiator_id", "reviewer_id", "review_by",
        "assignee_ids", "watcher_ids", "department_ids", "partner_ids", "start_at", "deadline_date", "deadline_at",
        "due_at", "attachments", "tags", "state", "progress", "pending_adjustment_id", "version", "created_at",
        "updated_at", "closed_at", "state_changed_at", "waiting_since", "external_waits", "recurrence", "series_id",
    ]

    private static func itemBindings(_ item: WorkItem) throws -> PostgresBindings {
        var deadlineDate: String?
        var deadlineAt: Int64?
        switch item.deadline {
        case .endOfDay(let date): deadlineDate = date.description
        case .instant(let date): deadlineAt = date.storedMilliseconds
        }
        var binds = PostgresBindings(capacity: itemColumns.count + 1)
        binds.append(item.id.rawValue)
        binds.append(item.organizationID.rawValue)
        binds.append(item.title)
        binds.append(item.description)
        binds.append(item.priority.rawValue)
        binds.append(item.initiatorID.rawValue)
        binds.append(item.reviewerID?.rawValue)
        binds.append(item.effectiveReviewerID.rawValue)
        binds.append(StoredList.encode(item.assigneeIDs.map(\.rawValue)))
        binds.append(StoredList.encode(item.watcherIDs.map(\.rawValue)))
        binds.append(StoredList.encode(item.departmentIDs.map(\.rawValue)))
        binds.append(StoredList.encode(item.partnerOrganizationIDs.map(\.rawValue)))
        binds.append(item.start.storedMilliseconds)
        binds.append(deadlineDate)
        binds.append(deadlineAt)
        binds.append(item.dueAt.storedMilliseconds)
        binds.append(item.attachments.isEmpty ? nil : try StoredJSON.encode(item.attachments))
        binds.append(StoredList.encode(item.tags))
        binds.append(item.state.rawValue)
        binds.append(item.progressPercent)
        binds.append(item.pendingAdjustmentID?.rawValue)
        binds.append(item.version)
        binds.append(item.createdAt.storedMilliseconds)
        binds.append(item.updatedAt.storedMilliseconds)
        binds.append(item.closedAt?.storedMilliseconds)
        binds.append(item.stateChangedAt.storedMilliseconds)
        binds.append(item.waitingOnExternalSince?.storedMilliseconds)
        binds.append(item.externalWaitCount)
        binds.append(try item.recurrence.map { try StoredJSON.encode($0) })
        binds.append(item.seriesID?.rawValue)
        return binds
    }

    /// Reads a work item from a row holding the columns of `work_items` (`SELECT w.*` or `SELECT *`).
    static func workItem(from row: PostgresRandomAccessRow) throws -> WorkItem {
        let id = try row.value("id", as: String.self)
        let deadline: Deadline
        if let text = try row.text("deadline_date"), let date = CalendarDate(iso: text) {
            deadline = .endOfDay(date)
        } else if let at = try row.date("deadline_at") {
            deadline = .instant(at)
        } else {
            throw CollabError(.storageCorrupt, "work item '\(id)' has no readable deadline")
        }
        guard let state = WorkItemState(rawValue: try row.value("state", as: String.self)),
            let priority = Priority(rawValue: try row.value("priority", as: String.self))
        else {
            throw CollabError(.storageCorrupt, "work item '\(id)' has an unknown state or priority")
        }
        return WorkItem(
            id: WorkItem.ID(id), organizationID: Organization.ID(try row.value("organization_id", as: String.self)),
            title: try row.value("title", as: String.self), description: try row.text("description") ?? "",
            priority: priority,
            initiatorID: Member.ID(try row.value("initiator_id", as: String.self)),
            assigneeIDs: StoredList.ids(try row.text("assignee_ids")),
            reviewerID: try row.text("reviewer_id").map(Member.ID.init(rawValue:)),
            watcherIDs: StoredList.ids(try row.text("watcher_ids")),
            departmentIDs: StoredList.ids(try row.text("department_ids")),
            partnerOrganizationIDs: StoredList.ids(try row.text("partner_ids")),
            start: try row.requiredDate("start_at"), deadline: deadline,
            dueAt: try row.requiredDate("due_at"),
            attachments: try row.json([FileAttachment].self, "attachments", of: "the attachments of work item '\(id)'") ?? [],
            tags: StoredList.decode(try row.text("tags")), state: state,
            progressPercent: try row.value("progress", as: Int?.self),
            pendingAdjustmentID: try row.text("pending_adjustment_id").map(AdjustmentRequest.ID.init(rawValue:)),
            version: try row.value("version", as: Int.self),
            createdAt: try row.requiredDate("created_at"),
            updatedAt: try row.requiredDate("updated_at"),
            closedAt: try row.date("closed_at"),
            stateChangedAt: try row.date("state_changed_at"),
            waitingOnExternalSince: try row.date("waiting_since"),
            externalWaitCount: try row.value("external_waits", as: Int?.self) ?? 0,
            recurrence: try row.json(RecurrenceRule.self, "recurrence", of: "the recurrence of work item '\(id)'"),
            seriesID: try row.text("series_id").map(WorkItem.ID.init(rawValue:)))
    }

    public func recordedResult(for key: IdempotencyKey) async throws(CollabError) -> RecordedResult? {
        let logger = self.logger
        return try await readStatement { connection in try await Self.fetchRecordedResult(key, connection, logger) }
    }

    static func fetchRecordedResult(_ key: IdempotencyKey, _ connection: PostgresConnection, _ logger: Logger)
        async throws -> RecordedResult?
    {
        guard let row = try await connection.rows("""
            SELECT command, fingerprint, result FROM idempotency_keys
            WHERE actor_id = \(key.actorID.rawValue) AND key = \(key.key)
            """, logger).first
        else { return nil }
        return RecordedResult(
            command: try row.value("command", as: String.self), fingerprint: try row.value("fingerprint", as: String.self),
            payload: try row.value("result", as: Data.self))
    }
}
