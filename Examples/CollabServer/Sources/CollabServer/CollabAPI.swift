import CollabModel
import CollabPermissions
import CollabReports
import CollabStore
import CollabWorkflow
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The HTTP API of `openapi.yaml`: each operation calls one of the engine's desks as the signed-in member
/// (``Caller/current``) and maps the records to the API's types. It decides nothing itself: what a member
/// may see and do is the engine's access control, and every write is one of its commands (idempotency key,
/// rights checked at commit, audit, notices).
struct CollabAPI: APIProtocol {
    let engine: WorkflowEngine
    let reports: ReportGenerator
    let sessions: SessionBook
    let stream: NotificationStream
    let scratch: URL

    /// The signed-in member (the middleware refuses requests without one before any handler runs).
    private var me: Member.ID {
        get throws {
            guard let caller = Caller.current else { throw APIFailure.unauthenticated }
            return caller.memberID
        }
    }
    private var caller: Caller {
        get throws {
            guard let caller = Caller.current else { throw APIFailure.unauthenticated }
            return caller
        }
    }

    // MARK: Session

    func health(_ input: Operations.health.Input) async throws -> Operations.health.Output {
        do {
            _ = try await engine.store.organization(DemoCompany.organization)
            return .ok(.init(body: .json(.init(status: "ok"))))
        } catch {
            return .default(statusCode: 503, .init(body: .json(APIFailure(error).body)))
        }
    }

    func signIn(_ input: Operations.signIn.Input) async throws -> Operations.signIn.Output {
        do {
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            guard let (caller, expiresAt) = try await sessions.signIn(member: body.member, passcode: body.passcode) else {
                throw APIFailure.badCredentials
            }
            let me = try await Caller.$current.withValue(caller) { try await self.meRecord() }
            return .created(.init(body: .json(.init(token: caller.token, expiresAt: expiresAt, member: me))))
        } catch {
            return .default(statusCode: APIFailure(error).status, .init(body: .json(APIFailure(error).body)))
        }
    }

    func signOut(_ input: Operations.signOut.Input) async throws -> Operations.signOut.Output {
        await sessions.signOut(try caller.token)
        return .noContent(.init())
    }

    func getMe(_ input: Operations.getMe.Input) async throws -> Operations.getMe.Output {
        do { return .ok(.init(body: .json(try await meRecord()))) } catch { return .default(failure: error) }
    }

    private func meRecord() async throws -> Components.Schemas.Me {
        let caller = try caller
        guard let member = try await engine.store.member(caller.memberID),
            let organization = try await engine.store.organization(caller.organizationID)
        else { throw APIFailure.notFound("member", caller.memberID.rawValue) }
        let departments = try await engine.store.departments(in: organization.id)
        let names = Dictionary(departments.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        return .init(
            id: member.id.rawValue, name: member.displayName, organizationID: organization.id.rawValue,
            organizationName: organization.name, outside: caller.isOutside,
            administrator: member.roles.contains(.administrator),
            locale: (member.locale ?? organization.locale).rawValue,
            departments: member.departments.map {
                .init(id: $0.departmentID.rawValue, name: names[$0.departmentID] ?? $0.departmentID.rawValue,
                    head: $0.role == .head)
            })
    }

    func listMembers(_ input: Operations.listMembers.Input) async throws -> Operations.listMembers.Output {
        do {
            let caller = try caller
            let members = try await engine.store.members(in: caller.organizationID)
                .filter(\.isActive)
                .sorted { $0.displayName < $1.displayName }
            return .ok(.init(body: .json(members.map {
                .init(id: $0.id.rawValue, name: $0.displayName, departments: $0.departments.map(\.departmentID.rawValue))
            })))
        } catch { return .default(failure: error) }
    }

    // MARK: Items

    func listItems(_ input: Operations.listItems.Input) async throws -> Operations.listItems.Output {
        do {
            let me = try me
            var filter = WorkItemFilter()
            if input.query.scope == .assigned { filter.assigneeID = me }
            if let state = input.query.state { filter.states = [WorkItemState(rawValue: state.rawValue) ?? .draft] }
            let page = try await engine.workItems.list(as: me, filter: filter, page: try pageRequest(input.query.limit, input.query.cursor))
            let now = engine.clock.now()
            return .ok(.init(body: .json(.init(items: page.items.map { .init($0, now: now) }, nextCursor: page.nextCursor))))
        } catch { return .default(failure: error) }
    }

    func createItem(_ input: Operations.createItem.Input) async throws -> Operations.createItem.Output {
        do {
            let me = try me
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let deadline: Deadline
            switch (body.dueDate, body.dueAt) {
            case (.some, .some): throw APIFailure.invalid("dueDate", "give dueDate or dueAt, not both")
            case (.some(let text), nil): deadline = .endOfDay(try calendarDate(text, field: "dueDate"))
            case (nil, .some(let instant)): deadline = .instant(instant)
            case (nil, nil): deadline = .instant(engine.clock.now().addingTimeInterval(7 * 86_400))
            }
            let draft = WorkItemDraft(
                title: body.title, description: body.description ?? "",
                priority: body.priority.flatMap { Priority(rawValue: $0.rawValue) } ?? .medium,
                assigneeIDs: body.assignees.map { Member.ID($0) }, reviewerID: body.reviewer.map { Member.ID($0) },
                departmentIDs: (body.departments ?? []).map { Department.ID($0) }, deadline: deadline,
                tags: body.tags ?? [])
            let item = try await engine.workItems.create(draft, by: me, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .created(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func getItem(_ input: Operations.getItem.Input) async throws -> Operations.getItem.Output {
        do {
            let me = try me
            let id = WorkItem.ID(input.path.itemId)
            let activity = try await engine.workItems.activity(of: id, as: me)
            let zone = try await organizationZone()
            let item = activity.item
            let named = try await displayNames(item.assigneeIDs + [item.initiatorID, item.effectiveReviewerID]
                + activity.progressUpdates.map(\.authorID) + activity.adjustmentRequests.map(\.requesterID))
            let names = Dictionary(uniqueKeysWithValues: named.map { ($0.key.rawValue, $0.value) })
            return .ok(.init(body: .json(.init(
                item: .init(item), actions: try await actions(on: item, for: me),
                progress: activity.progressUpdates.map {
                    .init(author: $0.authorID.rawValue, text: $0.text, percent: $0.percent, at: $0.createdAt,
                        attachments: $0.attachments.map(Components.Schemas.Attachment.init))
                },
                adjustments: activity.adjustmentRequests.map { .init($0, zone: zone) },
                names: .init(additionalProperties: names)))))
        } catch { return .default(failure: error) }
    }

    /// What `member` may do on `item` now: the state allows it and the engine's access control grants it.
    private func actions(on item: WorkItem, for member: Member.ID) async throws -> [String] {
        var candidates: [(String, WorkItemAction)] = []
        switch item.state {
        case .assigned: candidates = [("accept", .accept)]
        case .accepted:  // the API starts the item on the first progress report or submission
            if try await engine.explain(.start, on: item.id, for: member).isAllowed {
                candidates = [("report_progress", .reportProgress), ("submit_for_review", .submitForReview)]
            }
        case .inProgress:
            candidates = [("report_progress", .reportProgress), ("submit_for_review", .submitForReview)]
        case .inReview: candidates = [("approve", .review), ("reject", .review)]
        case .draft, .completed, .cancelled: break
        }
        if !item.state.isClosed && item.state != .draft {
            if item.pendingAdjustmentID == nil {
                candidates.append(("request_adjustment", .requestAdjustment))
            } else {
                candidates.append(("decide_adjustment", .decideAdjustment))
            }
            candidates.append(("reassign", .reassign))
        }
        var allowed: [String] = []
        for (name, action) in candidates where try await engine.explain(action, on: item.id, for: member).isAllowed {
            allowed.append(name)
        }
        return allowed
    }

    func getAuditTrail(_ input: Operations.getAuditTrail.Input) async throws -> Operations.getAuditTrail.Output {
        do {
            let events = try await engine.workItems.auditTrail(of: WorkItem.ID(input.path.itemId), as: try me)
            let names = try await displayNames(events.map(\.actorID))
            return .ok(.init(body: .json(events.map { event in
                let detail = event.details.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                    .joined(separator: "; ")
                let transition = event.toState.map { " → \($0.rawValue)" } ?? ""
                return .init(
                    at: event.occurredAt, actor: event.actorID.rawValue, actorName: names[event.actorID],
                    action: event.action + transition, detail: detail.isEmpty ? nil : detail)
            })))
        } catch { return .default(failure: error) }
    }

    func acceptItem(_ input: Operations.acceptItem.Input) async throws -> Operations.acceptItem.Output {
        do {
            let body = input.body.flatMap { if case .json(let body) = $0 { body } else { nil } }
            let item = try await engine.workItems.accept(
                WorkItem.ID(input.path.itemId), by: try me, expectedVersion: body?.expectedVersion,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func reportProgress(_ input: Operations.reportProgress.Input) async throws -> Operations.reportProgress.Output {
        do {
            let me = try me
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let id = WorkItem.ID(input.path.itemId)
            let expectedVersion = try await startIfAccepted(
                id, by: me, expectedVersion: body.expectedVersion, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            var attachments: [FileAttachment] = []
            for (index, file) in (body.attachments ?? []).enumerated() {
                guard let bytes = Data(base64Encoded: file.contentBase64) else {
                    throw APIFailure.invalid("attachments[\(index)].contentBase64", "is not base64")
                }
                let chunks = AsyncThrowingStream<[UInt8], any Error> { continuation in
                    continuation.yield([UInt8](bytes))
                    continuation.finish()
                }
                let key = input.headers.Idempotency_hyphen_Key.map { "\($0)#\(index)" }
                let document = try await engine.documents.upload(
                    chunks, named: file.fileName, to: .workItem(id), by: me, idempotencyKey: key)
                attachments.append(FileAttachment(document: document.id))
            }
            try await engine.workItems.reportProgress(
                id, by: me, text: body.text, percent: body.percent, attachments: attachments,
                expectedVersion: expectedVersion, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(try await engine.workItems.workItem(id, as: me)))))
        } catch { return .default(failure: error) }
    }

    /// Progress and a submission start an accepted item first: over HTTP, working on an item is starting it
    /// (the engine's `start`, its own command, with the request's idempotency key and `#start`).
    /// A client's `expectedVersion` is the version it read: the start is checked against it, and the
    /// command that follows against the started item's version. Returns the version that command expects.
    private func startIfAccepted(
        _ id: WorkItem.ID, by member: Member.ID, expectedVersion: Int?, idempotencyKey: String?
    ) async throws -> Int? {
        guard try await engine.workItems.workItem(id, as: member).state == .accepted else { return expectedVersion }
        let started = try await engine.workItems.start(
            id, by: member, expectedVersion: expectedVersion, idempotencyKey: idempotencyKey.map { "\($0)#start" })
        return expectedVersion.map { _ in started.version }
    }

    func submitItem(_ input: Operations.submitItem.Input) async throws -> Operations.submitItem.Output {
        do {
            let body = input.body.flatMap { if case .json(let body) = $0 { body } else { nil } }
            let me = try me
            let expectedVersion = try await startIfAccepted(
                WorkItem.ID(input.path.itemId), by: me, expectedVersion: body?.expectedVersion,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            let item = try await engine.workItems.submitForReview(
                WorkItem.ID(input.path.itemId), by: me, note: body?.note, expectedVersion: expectedVersion,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func approveItem(_ input: Operations.approveItem.Input) async throws -> Operations.approveItem.Output {
        do {
            let body = input.body.flatMap { if case .json(let body) = $0 { body } else { nil } }
            let item = try await engine.workItems.approve(
                WorkItem.ID(input.path.itemId), by: try me, note: body?.note, expectedVersion: body?.expectedVersion,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func rejectItem(_ input: Operations.rejectItem.Input) async throws -> Operations.rejectItem.Output {
        do {
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let item = try await engine.workItems.reject(
                WorkItem.ID(input.path.itemId), by: try me, reason: body.reason, expectedVersion: body.expectedVersion,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func requestAdjustment(_ input: Operations.requestAdjustment.Input) async throws -> Operations.requestAdjustment.Output {
        do {
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let deadline: Deadline
            switch (body.dueDate, body.dueAt) {
            case (.some(let text), nil): deadline = .endOfDay(try calendarDate(text, field: "dueDate"))
            case (nil, .some(let instant)): deadline = .instant(instant)
            default: throw APIFailure.invalid("dueDate", "give the new deadline as dueDate or dueAt (one of them)")
            }
            let request = try await engine.workItems.requestAdjustment(
                WorkItem.ID(input.path.itemId), by: try me, change: .init(deadline: deadline), reason: body.reason,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .created(.init(body: .json(.init(request, zone: try await organizationZone()))))
        } catch { return .default(failure: error) }
    }

    func approveAdjustment(_ input: Operations.approveAdjustment.Input) async throws -> Operations.approveAdjustment.Output {
        do {
            let body = input.body.flatMap { if case .json(let body) = $0 { body } else { nil } }
            let item = try await engine.workItems.approveAdjustment(
                AdjustmentRequest.ID(input.path.adjustmentId), by: try me, note: body?.note,
                expectedVersion: body?.expectedVersion, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func rejectAdjustment(_ input: Operations.rejectAdjustment.Input) async throws -> Operations.rejectAdjustment.Output {
        do {
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let item = try await engine.workItems.rejectAdjustment(
                AdjustmentRequest.ID(input.path.adjustmentId), by: try me, reason: body.reason,
                expectedVersion: body.expectedVersion, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func reassignItem(_ input: Operations.reassignItem.Input) async throws -> Operations.reassignItem.Output {
        do {
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let item = try await engine.workItems.reassign(
                WorkItem.ID(input.path.itemId), from: Member.ID(body.from), to: Member.ID(body.to), by: try me,
                reason: body.reason, expectedVersion: body.expectedVersion,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(.init(item))))
        } catch { return .default(failure: error) }
    }

    func downloadDocument(_ input: Operations.downloadDocument.Input) async throws -> Operations.downloadDocument.Output {
        do {
            let download = try await engine.documents.download(Document.ID(input.path.documentId), as: try me)
            var bytes: [UInt8] = []
            for try await chunk in download.bytes { bytes += chunk }
            return .ok(.init(body: .binary(HTTPBody(bytes))))
        } catch { return .default(failure: error) }
    }

    // MARK: Messages

    func listNotices(_ input: Operations.listNotices.Input) async throws -> Operations.listNotices.Output {
        do {
            let me = try me
            let page = try await engine.inbox.notices(
                of: me, unreadOnly: input.query.unread ?? false, page: try pageRequest(input.query.limit, input.query.cursor))
            let unread = try await engine.inbox.unreadCount(of: me)
            return .ok(.init(body: .json(.init(
                items: page.items.map(Components.Schemas.Notice.init), unreadCount: unread, nextCursor: page.nextCursor))))
        } catch { return .default(failure: error) }
    }

    func markNoticesRead(_ input: Operations.markNoticesRead.Input) async throws -> Operations.markNoticesRead.Output {
        do {
            let me = try me
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let count: Int
            if body.all == true {
                count = try await engine.inbox.markAllRead(of: me, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            } else {
                count = try await engine.inbox.markRead(
                    (body.ids ?? []).map { Notice.ID($0) }, of: me, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            }
            return .ok(.init(body: .json(.init(count: count))))
        } catch { return .default(failure: error) }
    }

    func listTodo(_ input: Operations.listTodo.Input) async throws -> Operations.listTodo.Output {
        do {
            let page = try await engine.inbox.todo(of: try me, page: try pageRequest(input.query.limit, input.query.cursor))
            let now = engine.clock.now()
            return .ok(.init(body: .json(.init(
                items: page.items.map { .init(item: .init($0.item, now: now), reasons: $0.reasons.map(\.rawValue)) },
                nextCursor: page.nextCursor))))
        } catch { return .default(failure: error) }
    }

    func streamEvents(_ input: Operations.streamEvents.Input) async throws -> Operations.streamEvents.Output {
        let events = stream.events(for: try me)
        let body = HTTPBody(events.asEncodedServerSentEvents(), length: .unknown, iterationBehavior: .single)
        return .ok(.init(body: .text_event_hyphen_stream(body)))
    }

    // MARK: Announcements

    func listAnnouncements(_ input: Operations.listAnnouncements.Input) async throws -> Operations.listAnnouncements.Output {
        do {
            let page = try await engine.announcements.received(
                for: try me, page: try pageRequest(input.query.limit, input.query.cursor))
            return .ok(.init(body: .json(.init(
                items: page.items.map { .init($0.announcement, acknowledged: $0.receipt.acknowledgedAt != nil) },
                nextCursor: page.nextCursor))))
        } catch { return .default(failure: error) }
    }

    func publishAnnouncement(_ input: Operations.publishAnnouncement.Input) async throws -> Operations.publishAnnouncement.Output {
        do {
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let me = try me
            let departments = body.departments ?? []
            // A department head publishes on behalf of a department they head: the one named, or else the first
            // target department they head (an administrator publishes for the organization).
            var publisher = body.publisherDepartment.map { Department.ID($0) }
            if publisher == nil, let member = try await engine.store.member(me) {
                let headed = Set(member.departments.filter { $0.role == .head }.map(\.departmentID))
                publisher = departments.map { Department.ID($0) }.first(where: headed.contains)
            }
            let audience = departments.isEmpty ? AnnouncementAudience.organization
                : AnnouncementAudience(departments: departments.map { .init(Department.ID($0)) })
            let announcement = try await engine.announcements.publish(
                AnnouncementDraft(
                    title: body.title, body: body.body, audience: audience,
                    publisherDepartmentID: publisher,
                    acknowledgement: body.acknowledgeBy.map { AcknowledgementRequirement(deadline: $0) },
                    isPinned: body.pinned ?? false),
                by: me, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .created(.init(body: .json(.init(announcement, acknowledged: false))))
        } catch { return .default(failure: error) }
    }

    func getAnnouncement(_ input: Operations.getAnnouncement.Input) async throws -> Operations.getAnnouncement.Output {
        do {
            let me = try me
            let id = Announcement.ID(input.path.announcementId)
            let announcement = try await engine.announcements.announcement(id, as: me)
            // Opening it records the read (a no-op for its author or a reader without a receipt).
            let received = try? await engine.announcements.open(id, by: me)
            return .ok(.init(body: .json(.init(announcement, acknowledged: received?.receipt.acknowledgedAt != nil))))
        } catch { return .default(failure: error) }
    }

    func acknowledgeAnnouncement(_ input: Operations.acknowledgeAnnouncement.Input) async throws
        -> Operations.acknowledgeAnnouncement.Output
    {
        do {
            let me = try me
            let id = Announcement.ID(input.path.announcementId)
            try await engine.announcements.acknowledge(id, by: me, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            let announcement = try await engine.announcements.announcement(id, as: me)
            return .ok(.init(body: .json(.init(announcement, acknowledged: true))))
        } catch { return .default(failure: error) }
    }

    func getAnnouncementReach(_ input: Operations.getAnnouncementReach.Input) async throws
        -> Operations.getAnnouncementReach.Output
    {
        do {
            let reach = try await engine.announcements.reach(of: Announcement.ID(input.path.announcementId), as: try me)
            return .ok(.init(body: .json(.init(
                recipients: reach.total.recipients, delivered: reach.total.delivered, read: reach.total.read,
                acknowledged: reach.total.acknowledged,
                departments: reach.departments.map {
                    .init(department: $0.departmentID?.rawValue ?? "", recipients: $0.figures.recipients,
                        read: $0.figures.read, acknowledged: $0.figures.acknowledged)
                }))))
        } catch { return .default(failure: error) }
    }

    // MARK: Board and exports

    func getBoard(_ input: Operations.getBoard.Input) async throws -> Operations.getBoard.Output {
        do {
            let me = try me
            let board = try await reports.dashboard(
                of: input.query.department.map { Department.ID($0) }, as: me, weeks: input.query.weeks ?? 8)
            let charts = try await reports.charts(for: me)
            let now = engine.clock.now()
            return .ok(.init(body: .json(.init(
                title: board.title, generatedAt: board.generatedAt, figures: .init(board.title, board.figures),
                departments: board.departments.map { .init($0.label, $0.metrics) },
                trend: board.trend.map { .init($0.label, $0.metrics) },
                topOverdue: board.topOverdue.map { .init($0, now: now) },
                departmentChartSVG: charts.completionByDepartment(of: board),
                trendChartSVG: charts.completionTrend(of: board)))))
        } catch { return .default(failure: error) }
    }

    func exportReport(_ input: Operations.exportReport.Input) async throws -> Operations.exportReport.Output {
        do {
            let me = try me
            let url = scratch.appendingPathComponent("report-\(UUID().uuidString).xlsx")
            defer { try? FileManager.default.removeItem(at: url) }
            let weeks = input.query.weeks ?? 8
            guard (1...104).contains(weeks) else { throw APIFailure.invalid("weeks", "\(weeks) is not in 1...104") }
            let now = engine.clock.now()
            let zone = try await organizationZone()
            let today = CalendarDate(now, in: zone)
            try await reports.exportReport(
                ReportWorkbook(
                    sections: [
                        .init(ReportSpec(scope: .organization, grouping: .department)),
                        .init(ReportSpec(scope: .organization, period: today.adding(days: -7 * weeks)...today, grouping: .week)),
                    ],
                    items: .all(.all), overview: .standard),
                as: me, to: url)
            let data = try Data(contentsOf: url)
            return .ok(.init(
                headers: .init(Content_hyphen_Disposition: #"attachment; filename="collab-report.xlsx""#),
                body: .application_vnd_period_openxmlformats_hyphen_officedocument_period_spreadsheetml_period_sheet(
                    HTTPBody([UInt8](data)))))
        } catch { return .default(failure: error) }
    }

    func exportItemsCSV(_ input: Operations.exportItemsCSV.Input) async throws -> Operations.exportItemsCSV.Output {
        do {
            let url = scratch.appendingPathComponent("items-\(UUID().uuidString).csv")
            defer { try? FileManager.default.removeItem(at: url) }
            try await reports.exportItems(as: try me, to: url, format: .csv(.init()))
            let data = try Data(contentsOf: url)
            return .ok(.init(
                headers: .init(Content_hyphen_Disposition: #"attachment; filename="collab-items.csv""#),
                body: .csv(HTTPBody([UInt8](data)))))
        } catch { return .default(failure: error) }
    }

    // MARK: Orders

    func listOrders(_ input: Operations.listOrders.Input) async throws -> Operations.listOrders.Output {
        do {
            let page = try await engine.orders.list(as: try me, page: try pageRequest(input.query.limit, input.query.cursor))
            return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Order.init), nextCursor: page.nextCursor))))
        } catch { return .default(failure: error) }
    }

    func getOrder(_ input: Operations.getOrder.Input) async throws -> Operations.getOrder.Output {
        do {
            return .ok(.init(body: .json(try await orderDetail(PurchaseOrder.ID(input.path.orderId)))))
        } catch { return .default(failure: error) }
    }

    private func orderDetail(_ id: PurchaseOrder.ID) async throws -> Components.Schemas.OrderDetail {
        let me = try me
        let order = try await engine.orders.order(id, as: me)
        let proposals = try await engine.orders.proposals(of: id, as: me)
        return .init(order: .init(order), proposals: proposals.map(Components.Schemas.Proposal.init))
    }

    func proposeDeliveryDates(_ input: Operations.proposeDeliveryDates.Input) async throws
        -> Operations.proposeDeliveryDates.Output
    {
        do {
            let caller = try caller
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            var lines: [DeliveryProposal.LineDate] = []
            for (index, line) in body.lines.enumerated() {
                lines.append(.init(line: line.line, date: try calendarDate(line.date, field: "lines[\(index)].date")))
            }
            let id = PurchaseOrder.ID(input.path.orderId)
            // The supplier proposes; the buyer's side answers with a counter-proposal.
            let proposal = if caller.isOutside {
                try await engine.orders.proposeDeliveryDates(
                    for: id, lines: lines, note: body.note, by: caller.memberID, expectedVersion: body.expectedVersion,
                    idempotencyKey: input.headers.Idempotency_hyphen_Key)
            } else {
                try await engine.orders.counterPropose(
                    for: id, lines: lines, note: body.note, by: caller.memberID, expectedVersion: body.expectedVersion,
                    idempotencyKey: input.headers.Idempotency_hyphen_Key)
            }
            return .created(.init(body: .json(.init(proposal))))
        } catch { return .default(failure: error) }
    }

    func confirmProposal(_ input: Operations.confirmProposal.Input) async throws -> Operations.confirmProposal.Output {
        do {
            let id = PurchaseOrder.ID(input.path.orderId)
            try await engine.orders.confirmProposal(
                input.path.number, of: id, by: try me, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(try await orderDetail(id))))
        } catch { return .default(failure: error) }
    }

    // MARK: Tickets

    func listTickets(_ input: Operations.listTickets.Input) async throws -> Operations.listTickets.Output {
        do {
            let caller = try caller
            let request = try pageRequest(input.query.limit, input.query.cursor)
            if caller.isOutside {
                let page = try await engine.tickets.customerTickets(as: caller.memberID, page: request)
                return .ok(.init(body: .json(.init(
                    items: page.items.map { .init($0, customer: caller.organizationID) }, nextCursor: page.nextCursor))))
            }
            let page = try await engine.tickets.list(as: caller.memberID, page: request)
            return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Ticket.init), nextCursor: page.nextCursor))))
        } catch { return .default(failure: error) }
    }

    func openTicket(_ input: Operations.openTicket.Input) async throws -> Operations.openTicket.Output {
        do {
            let caller = try caller
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let ticket = try await engine.tickets.open(
                TicketDraft(
                    subject: body.title, description: body.body, category: body.category ?? "general",
                    priority: body.priority.flatMap { Priority(rawValue: $0.rawValue) } ?? .medium),
                by: caller.memberID, idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .created(.init(body: .json(try await ticketDetail(ticket.id))))
        } catch { return .default(failure: error) }
    }

    func getTicket(_ input: Operations.getTicket.Input) async throws -> Operations.getTicket.Output {
        do {
            return .ok(.init(body: .json(try await ticketDetail(Ticket.ID(input.path.ticketId)))))
        } catch { return .default(failure: error) }
    }

    func replyToTicket(_ input: Operations.replyToTicket.Input) async throws -> Operations.replyToTicket.Output {
        do {
            let caller = try caller
            guard case .json(let body) = input.body else { throw APIFailure.invalid("body", "expected JSON") }
            let id = Ticket.ID(input.path.ticketId)
            try await engine.tickets.reply(
                to: id, body.body, audience: body._internal == true ? .internal : .customer, by: caller.memberID,
                idempotencyKey: input.headers.Idempotency_hyphen_Key)
            return .ok(.init(body: .json(try await ticketDetail(id))))
        } catch { return .default(failure: error) }
    }

    /// The ticket as the caller may see it: a customer's contact sees the replies only.
    private func ticketDetail(_ id: Ticket.ID) async throws -> Components.Schemas.TicketDetail {
        let caller = try caller
        if caller.isOutside {
            let view = try await engine.tickets.customerTicket(id, as: caller.memberID)
            return .init(
                ticket: .init(view, customer: caller.organizationID),
                messages: try await messages(view.replies))
        }
        let ticket = try await engine.tickets.ticket(id, as: caller.memberID)
        return .init(ticket: .init(ticket), messages: try await messages(try await engine.tickets.messages(of: id, as: caller.memberID)))
    }

    private func messages(_ messages: [TicketMessage]) async throws -> [Components.Schemas.TicketMessage] {
        let names = try await displayNames(messages.map(\.authorID))
        return messages.map {
            .init(author: $0.authorID.rawValue, authorName: names[$0.authorID], body: $0.body, at: $0.createdAt,
                _internal: $0.audience == .internal)
        }
    }

    // MARK: Helpers

    /// The display names of `members` (once each), for the records that name them; a member the store no
    /// longer has is left out.
    private func displayNames(_ members: [Member.ID]) async throws -> [Member.ID: String] {
        var names: [Member.ID: String] = [:]
        for member in Set(members) {
            if let record = try await engine.store.member(member) { names[member] = record.displayName }
        }
        return names
    }

    /// The caller's organization's time zone: where a day (a deadline's, a report's) begins and ends.
    private func organizationZone() async throws -> TimeZone {
        try await engine.store.organization(try caller.organizationID)?.timeZone ?? .gmt
    }

    private func pageRequest(_ limit: Int?, _ cursor: String?) throws -> PageRequest {
        if let limit, !(1...200).contains(limit) { throw APIFailure.invalid("limit", "\(limit) is not in 1...200") }
        return PageRequest(limit: limit ?? 50, cursor: cursor)
    }

    private func calendarDate(_ text: String, field: String) throws -> CalendarDate {
        guard let date = CalendarDate(iso: text) else { throw APIFailure.invalid(field, "'\(text)' is not a date such as 2026-12-31") }
        return date
    }
}

/// Every operation's output has the `default` case of the API's `Error` response.
protocol DefaultErrorOutput {
    static func `default`(statusCode: Int, _ response: Components.Responses._Error) -> Self
}

extension DefaultErrorOutput {
    static func `default`(failure error: any Error) -> Self {
        let failure = APIFailure(error)
        return .default(statusCode: failure.status, .init(body: .json(failure.body)))
    }
}

extension Operations.getMe.Output: DefaultErrorOutput {}
extension Operations.listMembers.Output: DefaultErrorOutput {}
extension Operations.listItems.Output: DefaultErrorOutput {}
extension Operations.createItem.Output: DefaultErrorOutput {}
extension Operations.getItem.Output: DefaultErrorOutput {}
extension Operations.getAuditTrail.Output: DefaultErrorOutput {}
extension Operations.acceptItem.Output: DefaultErrorOutput {}
extension Operations.reportProgress.Output: DefaultErrorOutput {}
extension Operations.submitItem.Output: DefaultErrorOutput {}
extension Operations.approveItem.Output: DefaultErrorOutput {}
extension Operations.rejectItem.Output: DefaultErrorOutput {}
extension Operations.requestAdjustment.Output: DefaultErrorOutput {}
extension Operations.approveAdjustment.Output: DefaultErrorOutput {}
extension Operations.rejectAdjustment.Output: DefaultErrorOutput {}
extension Operations.reassignItem.Output: DefaultErrorOutput {}
extension Operations.downloadDocument.Output: DefaultErrorOutput {}
extension Operations.listNotices.Output: DefaultErrorOutput {}
extension Operations.markNoticesRead.Output: DefaultErrorOutput {}
extension Operations.listTodo.Output: DefaultErrorOutput {}
extension Operations.listAnnouncements.Output: DefaultErrorOutput {}
extension Operations.publishAnnouncement.Output: DefaultErrorOutput {}
extension Operations.getAnnouncement.Output: DefaultErrorOutput {}
extension Operations.acknowledgeAnnouncement.Output: DefaultErrorOutput {}
extension Operations.getAnnouncementReach.Output: DefaultErrorOutput {}
extension Operations.getBoard.Output: DefaultErrorOutput {}
extension Operations.exportReport.Output: DefaultErrorOutput {}
extension Operations.exportItemsCSV.Output: DefaultErrorOutput {}
extension Operations.listOrders.Output: DefaultErrorOutput {}
extension Operations.getOrder.Output: DefaultErrorOutput {}
extension Operations.proposeDeliveryDates.Output: DefaultErrorOutput {}
extension Operations.confirmProposal.Output: DefaultErrorOutput {}
extension Operations.listTickets.Output: DefaultErrorOutput {}
extension Operations.openTicket.Output: DefaultErrorOutput {}
extension Operations.getTicket.Output: DefaultErrorOutput {}
extension Operations.replyToTicket.Output: DefaultErrorOutput {}
