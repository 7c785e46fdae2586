import CollabModel
import Foundation
import CollabPermissions
import GRDB

extension SQLiteStore {
    public func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        // The store's clock is read inside the transaction: a claim that runs out while the commit waits for
        // the write lock is refused.
        let clock = configuration.clock
        let batch = configuration.searchIndexBatchSize
        return try await write { db in try Self.apply(change, storeNow: clock.now(), searchBatchSize: batch, db) }
    }

    /// Writes `change`; `storeNow` is the store's clock, which decides whether a timer claim still holds;
    /// the search index is brought up to date when `searchBatchSize` entries wait.
    static func apply(_ change: ChangeSet, storeNow: Date, searchBatchSize: Int, _ db: Database) throws -> CommitOutcome {
        if let record = change.idempotency,
            let existing = try fetchRecordedResult(record.key, db)
        {
            return .replayed(existing)
        }
        if let planned = change.directoryRevision {
            let current = try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM directory_revision WHERE id = 1"))
            guard current == planned else {
                throw CollabError(.staleDirectory,
                    "the directory changed (revision \(current ?? -1)) after the command was planned at revision \(planned)")
            }
        }
        try checkSettingsRevision(change, db)
        if let unchanged = change.unchangedItem {
            let actual = try Int.fetchOne(db.cachedStatement(sql: "SELECT version FROM work_items WHERE id = ?"),
                arguments: [unchanged.id.rawValue])
            guard let actual else { throw CollabError.notFound("work item", unchanged.id.rawValue) }
            guard actual == unchanged.version else {
                throw CollabError(.conflict,
                    "work item '\(unchanged.id)' changed (version \(actual)) after the command was planned at version \(unchanged.version)")
            }
        }
        switch change.item {
        case .insert(let item):
            try insertItem(item, db)
        case .update(let item, let previous):
            if try updateItem(item, previous: previous, db) == 0 {
                let actual = try Int.fetchOne(db.cachedStatement(sql: "SELECT version FROM work_items WHERE id = ?"),
                    arguments: [item.id.rawValue])
                guard let actual else { throw CollabError.notFound("work item", item.id.rawValue) }
                throw CollabError(.conflict,
                    "work item '\(item.id)' is at version \(actual), the command was based on version \(previous.version)")
            }
            if item.dueAt > previous.dueAt
                && change.adjustmentRequests.contains(where: { $0.itemID == item.id && $0.status == .approved })
            {
                try db.run("UPDATE work_items SET extensions = extensions + 1 WHERE id = ?", [item.id.rawValue])
            }
            let accessChanged = accessGrants(of: item) != accessGrants(of: previous) || item.dueAt != previous.dueAt
            let todo = todoReasons(of: item), todoBefore = todoReasons(of: previous)
            let todoChanged = todo != todoBefore || (!todo.isEmpty && item.dueAt != previous.dueAt)
            if accessChanged || todoChanged {
                let rowid = try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM work_items WHERE id = ?"),
                    arguments: [item.id.rawValue]) ?? 0
                if accessChanged {
                    try db.run("DELETE FROM work_item_access WHERE item_id = ?", [item.id.rawValue])
                    try writeAccess(item, rowid: rowid, db)
                }
                if todoChanged {
                    // Only the rows that changed: a transition usually moves one member's row to another reason.
                    let sameDue = item.dueAt == previous.dueAt
                    let due = previous.dueAt.storedMilliseconds
                    for row in todoBefore where !(sameDue && todo.contains(row)) {
                        try db.run("""
                            DELETE FROM work_item_todo WHERE member_id = ? AND due_at = ? AND item_id = ? AND reason = ?
                            """, [row.member, due, item.id.rawValue, row.reason.rawValue])
                    }
                    try writeTodo(item, rowid: rowid, db) { !(sameDue && todoBefore.contains($0)) }
                }
            }
        case nil:
            break
        }
        for item in change.additionalItems {
            try insertItem(item, db)
        }
        if let firing = change.firedTimer {
            try acknowledge(firing, now: storeNow, db)
        }
        for plan in change.timerPlans {
            try applyTimerPlan(plan, db)
        }
        for comment in change.comments {
            try db.run("""
                INSERT INTO comments (id, item_id, author_id, body, mentioned_ids, visibility, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [
                    comment.id.rawValue, comment.itemID.rawValue, comment.authorID.rawValue, comment.body,
                    StoredList.encode(comment.mentionedIDs.map(\.rawValue)), comment.visibility.rawValue,
                    comment.createdAt.storedMilliseconds,
                ])
        }
        for update in change.progressUpdates {
            try db.run("""
                INSERT INTO progress_updates (id, item_id, author_id, text, percent, attachments, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [
                    update.id.rawValue, update.itemID.rawValue, update.authorID.rawValue, update.text, update.percent,
                    update.attachments.isEmpty ? nil : try StoredJSON.encode(update.attachments),
                    update.createdAt.storedMilliseconds,
                ])
        }
        for decision in change.reviewDecisions {
            try db.run("""
                INSERT INTO review_decisions (id, item_id, reviewer_id, outcome, reason, decided_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [
                    decision.id.rawValue, decision.itemID.rawValue, decision.reviewerID.rawValue,
                    decision.outcome.rawValue, decision.reason, decision.decidedAt.storedMilliseconds,
                ])
        }
        for request in change.adjustmentRequests {
            try db.run("""
                INSERT INTO adjustment_requests (id, item_id, requester_id, change, reason, status, decider_id,
                    decision_reason, previous_deadline, created_at, decided_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, decider_id = excluded.decider_id,
                    decision_reason = excluded.decision_reason, previous_deadline = excluded.previous_deadline,
                    decided_at = excluded.decided_at
                """, [
                    request.id.rawValue, request.itemID.rawValue, request.requesterID.rawValue,
                    try StoredJSON.encode(request.change), request.reason, request.status.rawValue,
                    request.deciderID?.rawValue, request.decisionReason,
                    try request.previousDeadline.map { try StoredJSON.encode($0) },
                    request.createdAt.storedMilliseconds, request.decidedAt?.storedMilliseconds,
                ])
            // Report counters on the item: requests made, and approved.
            let made = request.status == .pending ? 1 : 0, approved = request.status == .approved ? 1 : 0
            if made + approved > 0 {
                try db.run("""
                    UPDATE work_items SET adjustments_requested = adjustments_requested + ?,
                        adjustments_approved = adjustments_approved + ? WHERE id = ?
                    """, [made, approved, request.itemID.rawValue])
            }
        }
        for event in change.auditEvents {
            try db.run("""
                INSERT INTO audit_events (id, organization_id, item_id, actor_id, action, from_state, to_state,
                    details, occurred_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [
                    event.id.rawValue, event.organizationID.rawValue, event.itemID?.rawValue, event.actorID.rawValue,
                    event.action, event.fromState?.rawValue, event.toState?.rawValue,
                    StoredJSON.encodeObject(event.details), event.occurredAt.storedMilliseconds, event.record?.stored,
                ])
        }
        for notice in change.notifications {
            try db.run("""
                INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, item_id, actor_id,
                    title, body, created_at, read_at, delivery_state, attempts, next_attempt_at, record, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                """, [
                    notice.id.rawValue, notice.organizationID.rawValue, notice.recipientID.rawValue,
                    notice.kind.rawValue, notice.urgency.rawValue, notice.itemID?.rawValue, notice.actorID?.rawValue,
                    notice.title, notice.body, notice.createdAt.storedMilliseconds, notice.readAt?.storedMilliseconds,
                    notice.createdAt.storedMilliseconds, notice.record?.stored, notice.message?.storedJSON,
                ])
        }
        if let marks = change.readMarks {
            let statement = try db.cachedStatement(sql: """
                UPDATE notifications SET read_at = ? WHERE id = ? AND recipient_id = ? AND read_at IS NULL
                """)
            for id in Set(marks.noticeIDs) {
                try statement.execute(arguments: [marks.readAt.storedMilliseconds, id.rawValue, marks.memberID.rawValue])
            }
        }
        if let organization = change.organization {
            try upsert(organization, db)
        }
        if let switched = change.externalCollaboration {
            let changed = try db.run("UPDATE organizations SET external_collaboration = ? WHERE id = ?",
                [switched.enabled ? 1 : 0, switched.organizationID.rawValue])
            if changed == 0 { throw CollabError.notFound("organization", switched.organizationID.rawValue) }
        }
        try writeSettings(change, db)
        if !change.scenario.isEmpty {
            try applyScenario(change.scenario, db)
        }
        if !change.external.isEmpty {
            try applyExternal(change.external, db)
        }
        if !change.documents.isEmpty || change.documents.quota != nil {
            try applyDocuments(change.documents, db)
        }
        if !change.approvals.isEmpty {
            try applyApprovals(change.approvals, db)
        }
        try markSearchStale(SearchIndex.staleEntries(of: change), batchSize: searchBatchSize, db)
        if let record = change.idempotency {
            try db.run("""
                INSERT INTO idempotency_keys (actor_id, key, command, fingerprint, result) VALUES (?, ?, ?, ?, ?)
                """, [
                    record.key.actorID.rawValue, record.key.key, record.result.command, record.result.fingerprint,
                    record.result.payload,
                ])
        }
        return .committed
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

    /// Inserts `item` with its access rows and its to-do rows.
    private static func insertItem(_ item: WorkItem, _ db: Database) throws {
        try db.run(insertItemSQL, itemArguments(item))
        let rowid = db.lastInsertedRowID
        try writeAccess(item, rowid: rowid, db)
        try writeTodo(item, rowid: rowid, db) { _ in true }
    }

    private static func writeAccess(_ item: WorkItem, rowid: Int64, _ db: Database) throws {
        let due = item.dueAt.storedMilliseconds
        for grant in accessGrants(of: item) {
            try db.run("""
                INSERT OR IGNORE INTO work_item_access (kind, key, due_at, item_id, item_rowid) VALUES (?, ?, ?, ?, ?)
                """, [grant.kind.rawValue, grant.key, due, item.id.rawValue, rowid])
        }
    }

    /// One row of `work_item_todo`: a member who must act on the item, and why.
    struct TodoReason: Hashable {
        var member: String
        var reason: TodoEntry.Reason
    }

    /// Where the members related to `item` must act now: its assignees accept, start or work on it, its
    /// reviewer reviews it, its initiator submits the draft or decides a pending adjustment. The to-do page
    /// is these rows; every commit that changes an item keeps them (the v15 migration wrote the same rules
    /// in SQL for the items stored before).
    static func todoReasons(of item: WorkItem) -> Set<TodoReason> {
        var rows: Set<TodoReason> = []
        let assigneeReason: TodoEntry.Reason? = switch item.state {
            case .assigned: .accept
            case .accepted: .start
            case .inProgress: .work
            default: nil
        }
        if let assigneeReason {
            for assignee in item.assigneeIDs { rows.insert(TodoReason(member: assignee.rawValue, reason: assigneeReason)) }
        }
        switch item.state {
        case .inReview: rows.insert(TodoReason(member: item.effectiveReviewerID.rawValue, reason: .review))
        case .draft: rows.insert(TodoReason(member: item.initiatorID.rawValue, reason: .submitDraft))
        default: break
        }
        if item.pendingAdjustmentID != nil && [.assigned, .accepted, .inProgress, .inReview].contains(item.state) {
            rows.insert(TodoReason(member: item.initiatorID.rawValue, reason: .decideAdjustment))
        }
        return rows
    }

    private static func writeTodo(_ item: WorkItem, rowid: Int64, _ db: Database, where include: (TodoReason) -> Bool)
        throws
    {
        let due = item.dueAt.storedMilliseconds
        for row in todoReasons(of: item) where include(row) {
            try db.run("""
                INSERT OR REPLACE INTO work_item_todo (member_id, due_at, item_id, reason, item_rowid) VALUES (?, ?, ?, ?, ?)
                """, [row.member, due, item.id.rawValue, row.reason.rawValue, rowid])
        }
    }

    private static let insertItemSQL = """
        INSERT INTO work_items (id, organization_id, title, description, priority, initiator_id, reviewer_id,
            review_by, assignee_ids, watcher_ids, department_ids, partner_ids, start_at, deadline_date, deadline_at,
            due_at, attachments, tags, state, progress, pending_adjustment_id, version, created_at, updated_at, closed_at,
            state_changed_at, waiting_since, external_waits, recurrence, series_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// The columns of `work_items` in table order, as ``itemArguments(_:)`` binds them.
    private static let itemColumns = [
        "id", "organization_id", "title", "description", "priority", "initiator_id", "reviewer_id", "review_by",
        "assignee_ids", "watcher_ids", "department_ids", "partner_ids", "start_at", "deadline_date", "deadline_at",
        "due_at", "attachments", "tags", "state", "progress", "pending_adjustment_id", "version", "created_at",
        "updated_at", "closed_at", "state_changed_at", "waiting_since", "external_waits", "recurrence", "series_id",
    ]

    /// Writes the columns of `item` that differ from `previous`, if the stored version is still
    /// `previous.version`; returns the number of rows changed (0 on a version conflict).
    ///
    /// Setting only the changed columns leaves every index on an unchanged column untouched: a transition
    /// that moves the state and the version rewrites two index entries, not the entries of all six indexes.
    private static func updateItem(_ item: WorkItem, previous: WorkItem, _ db: Database) throws -> Int {
        let new = itemArguments(item)
        let old = itemArguments(previous)
        var columns: [String] = []
        var values: [any SQLBindable] = []
        for index in 1..<itemColumns.count where !(new[index].isSameValue(as: old[index])) {
            columns.append(itemColumns[index])
            values.append(new[index])
        }
        if columns.isEmpty {
            columns.append("version")
            values.append(item.version)
        }
        let sql = "UPDATE work_items SET " + columns.map { "\($0) = ?" }.joined(separator: ", ")
            + " WHERE id = ? AND version = ?"
        return try db.run(sql, values + [item.id.rawValue, previous.version])
    }


    private static func itemArguments(_ item: WorkItem) -> [any SQLBindable] {
        var deadlineDate: String?
        var deadlineAt: Int64?
        switch item.deadline {
        case .endOfDay(let date): deadlineDate = date.description
        case .instant(let date): deadlineAt = date.storedMilliseconds
        }
        let attachments = item.attachments.isEmpty ? nil : try? StoredJSON.encode(item.attachments)
        return [
            item.id.rawValue, item.organizationID.rawValue, item.title, item.description, item.priority.rawValue,
            item.initiatorID.rawValue, item.reviewerID?.rawValue, item.effectiveReviewerID.rawValue,
            StoredList.encode(item.assigneeIDs.map(\.rawValue)), StoredList.encode(item.watcherIDs.map(\.rawValue)),
            StoredList.encode(item.departmentIDs.map(\.rawValue)),
            StoredList.encode(item.partnerOrganizationIDs.map(\.rawValue)), item.start.storedMilliseconds,
            deadlineDate, deadlineAt, item.dueAt.storedMilliseconds, attachments, StoredList.encode(item.tags),
            item.state.rawValue, item.progressPercent, item.pendingAdjustmentID?.rawValue, item.version,
            item.createdAt.storedMilliseconds, item.updatedAt.storedMilliseconds, item.closedAt?.storedMilliseconds,
            item.stateChangedAt.storedMilliseconds, item.waitingOnExternalSince?.storedMilliseconds,
            item.externalWaitCount, item.recurrence.flatMap { try? StoredJSON.encode($0) }, item.seriesID?.rawValue,
        ]
    }

    /// Column positions of `work_items`, in table order (every query selects `*` or `w.*` first).
    private enum C {
        static let id = 0
        static let organization_id = 1
        static let title = 2
        static let description = 3
        static let priority = 4
        static let initiator_id = 5
        static let reviewer_id = 6
        static let review_by = 7
        static let assignee_ids = 8
        static let watcher_ids = 9
        static let department_ids = 10
        static let partner_ids = 11
        static let start_at = 12
        static let deadline_date = 13
        static let deadline_at = 14
        static let due_at = 15
        static let attachments = 16
        static let tags = 17
        static let state = 18
        static let progress = 19
        static let pending_adjustment_id = 20
        static let version = 21
        static let created_at = 22
        static let updated_at = 23
        static let closed_at = 24
        static let state_changed_at = 25
        static let waiting_since = 26
        static let external_waits = 27
        static let recurrence = 28
        static let series_id = 29
    }

    /// Reads a work item by column position: by name, SQLite rows cost several times more to decode.
    static func workItem(from row: RawRow) throws -> WorkItem {
        let id = row.text(C.id) ?? ""
        func required<T>(_ value: T?, _ column: String) throws -> T {
            guard let value else {
                throw CollabError(.storageCorrupt, "work item '\(id)' has no readable \(column)")
            }
            return value
        }
        let deadline: Deadline
        if let text = row.text(C.deadline_date), let date = CalendarDate(iso: text) {
            deadline = .endOfDay(date)
        } else if let at = row.int64(C.deadline_at) {
            deadline = .instant(Date(storedMilliseconds: at))
        } else {
            throw CollabError(.storageCorrupt, "work item '\(id)' has no readable deadline")
        }
        guard let state = row.text(C.state).flatMap(WorkItemState.init(rawValue:)),
            let priority = row.text(C.priority).flatMap(Priority.init(rawValue:))
        else {
            throw CollabError(.storageCorrupt, "work item '\(id)' has an unknown state or priority")
        }
        return WorkItem(
            id: WorkItem.ID(id), organizationID: Organization.ID(try required(row.text(C.organization_id), "organization")),
            title: try required(row.text(C.title), "title"), description: row.text(C.description) ?? "",
            priority: priority,
            initiatorID: Member.ID(try required(row.text(C.initiator_id), "initiator")),
            assigneeIDs: StoredList.ids(row.text(C.assignee_ids)),
            reviewerID: row.text(C.reviewer_id).map(Member.ID.init(rawValue:)),
            watcherIDs: StoredList.ids(row.text(C.watcher_ids)), departmentIDs: StoredList.ids(row.text(C.department_ids)),
            partnerOrganizationIDs: StoredList.ids(row.text(C.partner_ids)),
            start: Date(storedMilliseconds: try required(row.int64(C.start_at), "start")), deadline: deadline,
            dueAt: Date(storedMilliseconds: try required(row.int64(C.due_at), "due time")),
            attachments: try StoredJSON.decode([FileAttachment].self, row.text(C.attachments)) ?? [],
            tags: StoredList.decode(row.text(C.tags)), state: state, progressPercent: row.int(C.progress),
            pendingAdjustmentID: row.text(C.pending_adjustment_id).map(AdjustmentRequest.ID.init(rawValue:)),
            version: try required(row.int(C.version), "version"),
            createdAt: Date(storedMilliseconds: try required(row.int64(C.created_at), "creation time")),
            updatedAt: Date(storedMilliseconds: try required(row.int64(C.updated_at), "update time")),
            closedAt: row.int64(C.closed_at).map(Date.init(storedMilliseconds:)),
            stateChangedAt: row.int64(C.state_changed_at).map(Date.init(storedMilliseconds:)),
            waitingOnExternalSince: row.int64(C.waiting_since).map(Date.init(storedMilliseconds:)),
            externalWaitCount: row.int(C.external_waits) ?? 0,
            recurrence: try StoredJSON.decode(RecurrenceRule.self, row.text(C.recurrence)),
            seriesID: row.text(C.series_id).map(WorkItem.ID.init(rawValue:)))
    }

    /// The column after the table's columns in a query that selects `w.*` first: the 30 an item is read
    /// from, then the report counters of migration v4 (`extensions`, `adjustments_requested`,
    /// `adjustments_approved`).
    static let columnAfterItem = 33

    public func recordedResult(for key: IdempotencyKey) async throws(CollabError) -> RecordedResult? {
        try await read { db in try Self.fetchRecordedResult(key, db) }
    }

    static func fetchRecordedResult(_ key: IdempotencyKey, _ db: Database) throws -> RecordedResult? {
        try Row.fetchOne(db.cachedStatement(sql: """
            SELECT command, fingerprint, result FROM idempotency_keys WHERE actor_id = ? AND key = ?
            """), arguments: [key.actorID.rawValue, key.key]).map {
                RecordedResult(command: $0["command"], fingerprint: $0["fingerprint"], payload: $0["result"])
            }
    }

    public func workItem(_ id: WorkItem.ID) async throws(CollabError) -> WorkItem? {
        try await readRecent { db in
            var item: WorkItem?
            try db.forEachRow(db.cachedStatement(sql: "SELECT * FROM work_items WHERE id = ?"), [id.rawValue]) { row in
                item = try Self.workItem(from: row)
            }
            return item
        }
    }

    public func comments(on itemID: WorkItem.ID) async throws(CollabError) -> [ItemComment] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM comments WHERE item_id = ? ORDER BY created_at, rowid"),
                arguments: [itemID.rawValue]).map { row in
                    ItemComment(
                        id: ItemComment.ID(row["id"]), itemID: WorkItem.ID(row["item_id"]),
                        authorID: Member.ID(row["author_id"]), body: row["body"],
                        mentionedIDs: StoredList.ids(row["mentioned_ids"]),
                        createdAt: Date(storedMilliseconds: row["created_at"]),
                        visibility: Visibility(rawValue: row["visibility"]) ?? .internal)
                }
        }
    }

    public func progressUpdates(on itemID: WorkItem.ID) async throws(CollabError) -> [ProgressUpdate] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM progress_updates WHERE item_id = ? ORDER BY created_at, rowid"),
                arguments: [itemID.rawValue]).map { row in
                    ProgressUpdate(
                        id: ProgressUpdate.ID(row["id"]), itemID: WorkItem.ID(row["item_id"]),
                        authorID: Member.ID(row["author_id"]), text: row["text"], percent: row["percent"],
                        attachments: try StoredJSON.decode([FileAttachment].self, row["attachments"]) ?? [],
                        createdAt: Date(storedMilliseconds: row["created_at"]))
                }
        }
    }

    public func reviewDecisions(on itemID: WorkItem.ID) async throws(CollabError) -> [ReviewDecision] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM review_decisions WHERE item_id = ? ORDER BY decided_at, rowid"),
                arguments: [itemID.rawValue]).map { row in
                    guard let outcome = ReviewDecision.Outcome(rawValue: row["outcome"]) else {
                        throw CollabError(.storageCorrupt, "review decision '\(row["id"] as String)' has an unknown outcome")
                    }
                    return ReviewDecision(
                        id: ReviewDecision.ID(row["id"]), itemID: WorkItem.ID(row["item_id"]),
                        reviewerID: Member.ID(row["reviewer_id"]), outcome: outcome, reason: row["reason"],
                        decidedAt: Date(storedMilliseconds: row["decided_at"]))
                }
        }
    }

    public func adjustmentRequests(on itemID: WorkItem.ID) async throws(CollabError) -> [AdjustmentRequest] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM adjustment_requests WHERE item_id = ? ORDER BY created_at, rowid"),
                arguments: [itemID.rawValue]).map(Self.adjustmentRequest(from:))
        }
    }

    public func adjustmentRequest(_ id: AdjustmentRequest.ID) async throws(CollabError) -> AdjustmentRequest? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM adjustment_requests WHERE id = ?"), arguments: [id.rawValue])
                .map(Self.adjustmentRequest(from:))
        }
    }

    static func adjustmentRequest(from row: Row) throws -> AdjustmentRequest {
        guard let change = try StoredJSON.decode(AdjustmentRequest.Change.self, row["change"]),
            let status = AdjustmentRequest.Status(rawValue: row["status"])
        else {
            throw CollabError(.storageCorrupt, "adjustment request '\(row["id"] as String)' is unreadable")
        }
        return AdjustmentRequest(
            id: AdjustmentRequest.ID(row["id"]), itemID: WorkItem.ID(row["item_id"]),
            requesterID: Member.ID(row["requester_id"]), change: change, reason: row["reason"], status: status,
            deciderID: (row["decider_id"] as String?).map(Member.ID.init(rawValue:)),
            decisionReason: row["decision_reason"], createdAt: Date(storedMilliseconds: row["created_at"]),
            decidedAt: (row["decided_at"] as Int64?).map(Date.init(storedMilliseconds:)),
            previousDeadline: try StoredJSON.decode(Deadline.self, row["previous_deadline"]))
    }

    public func auditTrail(of itemID: WorkItem.ID) async throws(CollabError) -> [AuditEvent] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_events WHERE item_id = ? ORDER BY sequence"),
                arguments: [itemID.rawValue]).map(Self.auditEvent(from:))
        }
    }

    static func auditEvent(from row: Row) throws -> AuditEvent {
        AuditEvent(
            id: AuditEvent.ID(row["id"]), organizationID: Organization.ID(row["organization_id"]),
            itemID: (row["item_id"] as String?).map(WorkItem.ID.init(rawValue:)), actorID: Member.ID(row["actor_id"]),
            action: row["action"], fromState: (row["from_state"] as String?).flatMap(WorkItemState.init(rawValue:)),
            toState: (row["to_state"] as String?).flatMap(WorkItemState.init(rawValue:)),
            details: try StoredJSON.decode([String: String].self, row["details"]) ?? [:],
            occurredAt: Date(storedMilliseconds: row["occurred_at"]),
            record: (row["record"] as String?).flatMap(RecordReference.init(stored:)))
    }

    public func todo(for memberID: Member.ID, page: PageRequest) async throws(CollabError) -> Page<TodoEntry> {
        let (afterDue, afterID) = try Self.deadlineCursor(page.cursor, of: "to-do")
        let limit = page.limit
        let (entries, rowidsHeld) = try await read { db in
            // One range of the member's to-do rows, grouped by item (an item can need two actions of one
            // member), then each item's row by its rowid. The rowid is checked against the item's id: a
            // file whose rowids moved (VACUUM may renumber them) is read through the id instead.
            var entries: [TodoEntry] = []
            let arguments: StatementArguments = [memberID.rawValue, afterDue, afterID, limit + 1]
            for byRowid in [true, false] {
                entries.removeAll()
                var mismatch = false
                try db.forEachRow(db.cachedStatement(sql: """
                    SELECT w.*, t.reasons, t.id FROM (
                        SELECT item_id AS id, due_at AS due, max(item_rowid) AS rid, group_concat(reason) AS reasons
                        FROM work_item_todo WHERE member_id = ?1 AND (due_at, item_id) > (?2, ?3)
                        GROUP BY due_at, item_id ORDER BY due_at, item_id LIMIT ?4
                    ) t LEFT JOIN work_items w ON \(byRowid ? "w.rowid = t.rid" : "w.id = t.id")
                    """), arguments) { row in
                    guard !mismatch else { return }
                    guard let id = row.text(0), id == row.text(Self.columnAfterItem + 1) else {
                        // By id, a missing item is left out (as the inner join of ids did before v15).
                        if byRowid { mismatch = true }
                        return
                    }
                    let reasons = (row.text(Self.columnAfterItem) ?? "").split(separator: ",")
                        .compactMap { TodoEntry.Reason(rawValue: String($0)) }.sorted()
                    entries.append(TodoEntry(item: try Self.workItem(from: row), reasons: reasons))
                }
                // Sorted here rather than by SQLite, which would copy every row of the page into a sorter.
                entries.sort { Self.deadlineOrder($0.item, $1.item) }
                if !mismatch { return (entries, byRowid) }
            }
            return (entries, false)
        }
        if !rowidsHeld { rowidMismatch() }
        var items = entries
        let more = items.count > limit
        if more { items.removeLast(items.count - limit) }
        let next = more ? items.last.map { "\($0.item.dueAt.storedMilliseconds)|\($0.item.id)" } : nil
        return Page(items: items, nextCursor: next)
    }
}
