import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// Reviews and adjustment requests of work items through an approval flow (`OrganizationSettings.approvalFlows`):
// the work-item command starts the request in its own commit, and the commit that finishes the request decides
// the item — one change, so the flow never completes while the business data does not. The decisions
// themselves (approve or reject a review, decide an adjustment) are the same functions the reviewer's and the
// initiator's own commands use.

extension WorkflowEngine {
    // MARK: Deciding a work item (shared with the work-item commands)

    /// Approves the review of `context`'s item as `context.subject`: the item completes, a pending adjustment
    /// and any approval request still open about it are withdrawn, the next occurrence is planned, the
    /// assignees are told. `open` are the item's open requests when the caller read them already.
    func approveReview(_ context: inout CommandContext, note: String?, open: [ApprovalRequest]? = nil)
        async throws(CollabError)
    {
        let decision = ReviewDecision(
            id: ReviewDecision.ID(identifiers.next()), itemID: context.item.id, reviewerID: context.subject.memberID,
            outcome: .approved, reason: note, decidedAt: context.now)
        context.item.state = .completed
        context.item.closedAt = context.now
        try await context.withdrawPendingAdjustment(store: store)
        try await abandonItemApprovals(in: &context, except: .workItemReview(context.item.id), open: open)
        try await scheduleNextOccurrence(of: context.item, in: &context)
        context.change.reviewDecisions.append(decision)
        context.notify(context.item.assigneeIDs, .reviewResult,
            message: context.message(note == nil ? "notice.approved" : "notice.approved_note", ["note": .text(note ?? "")]))
        context.result.reviewDecision = decision
    }

    /// Rejects the review of `context`'s item as `context.subject`: the work goes back to the assignees with the
    /// reason.
    func rejectReview(_ context: inout CommandContext, reason: String) {
        let decision = ReviewDecision(
            id: ReviewDecision.ID(identifiers.next()), itemID: context.item.id, reviewerID: context.subject.memberID,
            outcome: .rejected, reason: reason, decidedAt: context.now)
        context.item.state = .inProgress
        context.change.reviewDecisions.append(decision)
        context.notify(context.item.assigneeIDs, .reviewResult,
            message: context.message("notice.rejected", ["reason": .text(reason)]))
        context.result.reviewDecision = decision
    }

    /// Decides a pending adjustment request of `context`'s item as `context.subject`: approving applies the
    /// change (deadline, title, description); the requester is told either way.
    func decideAdjustment(
        _ request: inout AdjustmentRequest, approving: Bool, note: String?, in context: inout CommandContext
    ) async throws(CollabError) {
        request.deciderID = context.subject.memberID
        request.decisionReason = note
        request.decidedAt = context.now
        context.item.pendingAdjustmentID = nil
        var details = ["request": request.id.rawValue]
        if approving {
            request.status = .approved
            if let deadline = request.change.deadline {
                request.previousDeadline = context.item.deadline
                context.item.deadline = Self.truncated(deadline)
                context.item.dueAt = try await dueInstant(of: deadline, in: context.item.organizationID)
                details["new_deadline"] = deadline.description
                details["previous_deadline"] = request.previousDeadline?.description
            }
            if let title = request.change.title { context.item.title = title; details["new_title"] = title }
            if let description = request.change.description {
                context.item.description = description
                details["new_description"] = description.clipped(200)
            }
        } else {
            request.status = .rejected
        }
        if let note { details[approving ? "note" : "reason"] = note }
        context.change.adjustmentRequests.append(request)
        context.audit(details: details)
        context.notify([request.requesterID], .adjustmentDecided,
            message: context.message(
                "notice.adjustment_" + (approving ? "approved" : "rejected") + (note == nil ? "" : "_note"),
                ["change": Self.summary(of: request.change), "note": .text(note ?? "")]))
        context.result.adjustmentRequest = request
    }

    // MARK: Requests about a work item

    /// The open approval requests about `item`: its review, and its pending adjustment request (`adjustment`,
    /// the one pending when the command started) — or, with `only`, about that subject alone. One indexed
    /// look-up per subject.
    func openApprovals(of item: WorkItem, adjustment: AdjustmentRequest.ID?, only: ApprovalRequest.Subject? = nil)
        async throws(CollabError) -> [ApprovalRequest]
    {
        var subjects: [ApprovalRequest.Subject] = [.workItemReview(item.id)]
        if let adjustment { subjects.append(.adjustment(adjustment, item: item.id)) }
        if let only { subjects = [only] }
        var open: [ApprovalRequest] = []
        for subject in subjects {
            open += try await store.approvalRequests(in: item.organizationID,
                matching: ApprovalRequestFilter(subject: subject), page: PageRequest(limit: 20)).items.filter(\.isOpen)
        }
        return open
    }

    /// Refuses a decision made outside the flow while one of `open` is about `subject`.
    static func refuseWhileApprovalRuns(_ subject: ApprovalRequest.Subject, of item: WorkItem, among open: [ApprovalRequest])
        throws(CollabError)
    {
        if let running = open.first(where: { $0.subject == subject }) {
            throw CollabError(.invalidTransition,
                "the decision on work item '\(item.id)' runs through approval request '\(running.id)' (\(running.flowName))")
        }
    }

    /// Withdraws the open approval requests about `context`'s item (but `except`) in the same change: the item
    /// closed, or the adjustment they decide went away.
    func abandonItemApprovals(
        in context: inout CommandContext, except: ApprovalRequest.Subject? = nil, open: [ApprovalRequest]? = nil
    ) async throws(CollabError) {
        let pending = context.original?.pendingAdjustmentID ?? context.item.pendingAdjustmentID
        let known: [ApprovalRequest]
        if let open { known = open } else { known = try await openApprovals(of: context.item, adjustment: pending) }
        for before in known
        where before.subject != except && !context.change.approvals.requests.contains(where: { $0.id == before.id }) {
            var request = before
            try request.run.abandon(expectedVersion: request.run.version)
            request.events.append(.init(at: context.now, actorID: context.subject.memberID, action: .withdrawn,
                detail: "work item \(context.command.name)"))
            let flow = try await flowVersion(of: request)
            try await settleApproval(from: before, to: &request, flow: flow, actor: context.subject.memberID,
                command: "withdraw_approval", details: ["because": "work item \(context.command.name)"],
                into: &context.change, now: context.now, applyOutcome: false)
        }
    }

    /// Starts a request on the latest version of `flowID` about `subject`, by `context`'s actor, in `context`'s
    /// change. `candidates` are the values the engine can fill from the item; the form gets those it declares
    /// (with the same kind).
    func startItemApproval(
        _ flowID: ApprovalFlow.ID, _ subject: ApprovalRequest.Subject, values candidates: [String: ApprovalFieldValue],
        in context: inout CommandContext
    ) async throws(CollabError) -> ApprovalRequest {
        guard let flow = try await store.approvalFlow(flowID, version: nil), flow.organizationID == context.item.organizationID
        else {
            throw CollabError(.invalidTransition,
                "the approval flow '\(flowID)' bound in the organization's settings does not exist")
        }
        var values = ApprovalFormValues()
        for field in flow.fields {
            if let value = candidates[field.key], value.kind == field.kind { values.values[field.key] = value }
        }
        return try await submitApproval(flow, values: values, title: context.item.title.clipped(configuration.limits.titleLength),
            cc: [], by: context.subject, about: subject, into: &context.change, now: context.now, applyOutcome: false)
    }

    /// What a review flow's form may receive from the item: `title`, `priority`, `department`, `initiator`,
    /// `reviewer`, `assignee` (who submitted) and `note`.
    func reviewValues(of item: WorkItem, note: String?) -> [String: ApprovalFieldValue] {
        var values = itemValues(of: item)
        values["reviewer"] = .member(item.effectiveReviewerID)
        if let note { values["note"] = .text(note) }
        return values
    }

    /// What an adjustment flow's form may receive: the item's values, `reason`, `requester`, `deadline` (the
    /// new deadline's day) and `extensionDays` (how many days later than the current deadline it is).
    func adjustmentValues(_ request: AdjustmentRequest, of item: WorkItem) async throws(CollabError)
        -> [String: ApprovalFieldValue]
    {
        var values = itemValues(of: item)
        values["reason"] = .text(request.reason)
        values["requester"] = .member(request.requesterID)
        if let deadline = request.change.deadline {
            let zone = try await directory.organization(item.organizationID)?.timeZone ?? .gmt
            func day(_ deadline: Deadline) -> CalendarDate {
                switch deadline {
                case .endOfDay(let day): day
                case .instant(let instant): CalendarDate(instant, in: zone)
                }
            }
            let new = day(deadline)
            values["deadline"] = .date(new)
            if let from = day(item.deadline).startOfDay(in: zone), let to = new.startOfDay(in: zone) {
                values["extensionDays"] = .number(Decimal(Int((to.timeIntervalSince(from) / 86_400).rounded())))
            }
        }
        return values
    }

    private func itemValues(of item: WorkItem) -> [String: ApprovalFieldValue] {
        var values: [String: ApprovalFieldValue] = [
            "title": .text(item.title), "priority": .choice(item.priority.rawValue), "initiator": .member(item.initiatorID),
        ]
        if let department = item.departmentIDs.first { values["department"] = .department(department) }
        if let assignee = item.assigneeIDs.first { values["assignee"] = .member(assignee) }
        return values
    }

    /// Decides `context`'s item by the outcome of `request` (finished): a review approved or rejected (the
    /// last rejection's reason), an adjustment approved or rejected; a withdrawn review puts the work back in
    /// progress, a withdrawn adjustment request is withdrawn.
    func applyApprovalOutcome(_ request: ApprovalRequest, to context: inout CommandContext) async throws(CollabError) {
        let rejection = request.run.history.reversed().lazy.flatMap { $0.seats.flatMap(\.signers) }
            .compactMap { signer -> String? in
                if case .rejected(let reason) = signer.decision { reason } else { nil }
            }.first
        let reason = rejection ?? "rejected by approval flow \(request.flowName)"
        let details = ["approval_request": request.id.rawValue, "flow": request.flowName]
        switch request.subject {
        case .standalone:
            return
        case .workItemReview:
            guard context.item.state == .inReview else {
                throw CollabError(.conflict, "work item '\(context.item.id)' is no longer in review")
            }
            switch request.status {
            case .approved:
                try await approveReview(&context, note: nil)
                context.change.auditEvents.append(itemEvent(context, action: "approve", details: details))
            case .rejected:
                rejectReview(&context, reason: reason)
                context.change.auditEvents.append(itemEvent(context, action: "reject",
                    details: details.merging(["reason": reason]) { a, _ in a }))
            case .withdrawn:
                context.item.state = .inProgress
                context.change.auditEvents.append(itemEvent(context, action: "withdraw_review", details: details))
            case .pending, .returned:
                return
            }
        case .adjustment(let requestID, _):
            guard var adjustment = try await store.adjustmentRequest(requestID), adjustment.status == .pending,
                context.item.pendingAdjustmentID == requestID
            else { throw CollabError(.conflict, "adjustment request '\(requestID)' is no longer pending") }
            switch request.status {
            case .approved, .rejected:
                try await decideAdjustment(&adjustment, approving: request.status == .approved,
                    note: request.status == .rejected ? reason : nil, in: &context)
            case .withdrawn:
                adjustment.status = .withdrawn
                adjustment.decidedAt = context.now
                context.item.pendingAdjustmentID = nil
                context.change.adjustmentRequests.append(adjustment)
                context.change.auditEvents.append(itemEvent(context, action: "withdraw_adjustment", details: details))
            case .pending, .returned:
                return
            }
        }
    }

    private func itemEvent(_ context: CommandContext, action: String, details: [String: String]) -> AuditEvent {
        AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: context.item.organizationID, itemID: context.item.id,
            actorID: context.subject.memberID, action: action, fromState: context.original?.state,
            toState: context.item.state, details: details, occurredAt: context.now)
    }

    /// Adds to `change` the decision of the work item a finished `request` is about, as `actor` (the engine
    /// for a timeout), with the item's timers.
    func applyApprovalOutcome(
        _ request: ApprovalRequest, actor: Member.ID?, into change: inout ChangeSet, now: Date
    ) async throws(CollabError) {
        guard let itemID = request.subject.workItemID else { return }
        guard let item = try await store.workItem(itemID) else {
            throw CollabError(.conflict, "work item '\(itemID)' of approval request '\(request.id)' no longer exists")
        }
        let subject: Subject
        if let actor, let found = try await directory.subject(for: actor) {
            subject = found
        } else {
            subject = Subject(memberID: AuditEvent.systemActor, organizationID: item.organizationID, organizationKind: .internal)
        }
        let command: WorkItemCommand = switch (request.subject, request.status) {
        case (.adjustment(let id, _), .approved): .approveAdjustment(id, note: nil)
        case (.adjustment(let id, _), _): .rejectAdjustment(id, reason: "")
        case (_, .approved): .approve(itemID, note: nil)
        default: .reject(itemID, reason: "")
        }
        let name = subject.memberID == AuditEvent.systemActor ? "Collab" : (subject.displayName ?? subject.memberID.rawValue)
        var context = CommandContext(engine: self, command: command, subject: subject, actorName: name, original: item,
            item: item, now: now)
        try await applyApprovalOutcome(request, to: &context)
        let decided = context.plan().change
        change.item = decided.item
        change.reviewDecisions += decided.reviewDecisions
        change.adjustmentRequests += decided.adjustmentRequests
        change.auditEvents += decided.auditEvents
        change.notifications += decided.notifications
        change.additionalItems += decided.additionalItems
        change.timerPlans += decided.timerPlans
        for other in decided.approvals.requests {
            change.approvals.requests.removeAll { $0.id == other.id }
            change.approvals.requests.append(other)
        }
        try await planTimers(for: &change, now: now)
    }
}
