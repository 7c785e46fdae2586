import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    func plan(_ command: WorkItemCommand, subject: Subject, expectedVersion: Int?, now: Date)
        async throws(CollabError) -> CommandPlan
    {
        switch command {
        case .create(let draft, let submit):
            return try await planCreate(draft, submit: submit, subject: subject, now: now)

        case .submit(let id):
            var context = try await load(id, for: .submit, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.draft)
            context.item.state = .assigned
            context.audit(details: ["assignees": context.item.assigneeIDs.map(\.rawValue).joined(separator: ",")])
            context.notifyAssigned(context.item.assigneeIDs)
            return context.plan()

        case .accept(let id):
            var context = try await load(id, for: .accept, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.assigned)
            context.item.state = .accepted
            context.audit()
            context.notify([context.item.initiatorID], .accepted,
                message: context.message("notice.accepted"))
            return context.plan()

        case .start(let id):
            var context = try await load(id, for: .start, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.accepted)
            context.item.state = .inProgress
            context.audit()
            return context.plan()

        case .reportProgress(let id, let text, let percent, let named):
            var context = try await load(
                id, for: .reportProgress, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.inProgress)
            var report = ValidationReport()
            let attachments = try await resolveAttachments(named, for: subject, report: &report)
            report.checkText(text, field: "text", maxLength: configuration.limits.textLength, allowNewlines: true)
            if let percent, !(0...100).contains(percent) {
                report.add("percent", .outOfRange, "\(percent) is not between 0 and 100")
            }
            if attachments.count > configuration.limits.attachmentCount {
                report.add("attachments", .tooLong,
                    "has \(attachments.count) attachments, at most \(configuration.limits.attachmentCount)")
            }
            for (index, attachment) in attachments.enumerated() {
                report.merge(attachment.validate(policy: configuration.attachmentPolicy, field: "attachments[\(index)]"))
            }
            try report.throwIfInvalid()
            let update = ProgressUpdate(
                id: ProgressUpdate.ID(identifiers.next()), itemID: id, authorID: subject.memberID, text: text,
                percent: percent, attachments: attachments, createdAt: now)
            if let percent { context.item.progressPercent = percent }
            context.change.progressUpdates.append(update)
            context.audit(details: ["percent": percent.map(String.init) ?? "", "progress_update": update.id.rawValue])
            context.notify([context.item.initiatorID], .progressReported,
                message: context.message(percent == nil ? "notice.progress" : "notice.progress_percent", [
                    "text": .text(text), "percent": .text("\(percent ?? 0)%"),
                ]))
            context.result.progressUpdate = update
            return context.plan()

        case .submitForReview(let id, let note):
            var context = try await load(
                id, for: .submitForReview, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.inProgress)
            try checkOptionalText(note, field: "note")
            context.item.state = .inReview
            // With a review flow bound, the flow's approvers decide (they are told by the request); otherwise
            // the reviewer alone.
            if let flowID = try await organizationSettings(context.item.organizationID).approvalFlows.review {
                let request = try await startItemApproval(flowID, .workItemReview(id), values: reviewValues(of: context.item, note: note),
                    in: &context)
                context.audit(details: ["approval_request": request.id.rawValue].merging(note.map { ["note": $0] } ?? [:]) { a, _ in a })
                if !request.isOpen { try await applyApprovalOutcome(request, to: &context) }
                return context.plan()
            }
            context.audit(details: note.map { ["note": $0] } ?? [:])
            context.notify([context.item.effectiveReviewerID], .reviewRequested,
                message: context.message(note == nil ? "notice.review_requested" : "notice.review_requested_note",
                    ["note": .text(note ?? "")]))
            return context.plan()

        case .approve(let id, let note):
            var context = try await load(id, for: .review, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.inReview)
            try checkOptionalText(note, field: "note")
            // One look-up of the item's open requests: none may be deciding the review; the others are withdrawn.
            let open = try await openApprovals(of: context.item, adjustment: context.item.pendingAdjustmentID)
            try Self.refuseWhileApprovalRuns(.workItemReview(id), of: context.item, among: open)
            try await approveReview(&context, note: note, open: open)
            context.audit(details: note.map { ["note": $0] } ?? [:])
            return context.plan()

        case .reject(let id, let reason):
            var context = try await load(id, for: .review, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.inReview)
            try checkReason(reason)
            try Self.refuseWhileApprovalRuns(.workItemReview(id), of: context.item,
                among: try await openApprovals(of: context.item, adjustment: nil))
            rejectReview(&context, reason: reason)
            context.audit(details: ["reason": reason])
            return context.plan()

        case .requestAdjustment(let id, let change, let reason):
            var context = try await load(
                id, for: .requestAdjustment, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.assigned, .accepted, .inProgress)
            if let pending = context.item.pendingAdjustmentID {
                throw CollabError(.invalidTransition,
                    "work item '\(id)' already has adjustment request '\(pending)' waiting for a decision")
            }
            var report = ValidationReport()
            report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength, allowNewlines: true)
            try await validate(change, of: context.item, into: &report)
            try report.throwIfInvalid()
            let request = AdjustmentRequest(
                id: AdjustmentRequest.ID(identifiers.next()), itemID: id, requesterID: subject.memberID,
                change: change, reason: reason, status: .pending, createdAt: now)
            context.item.pendingAdjustmentID = request.id
            context.change.adjustmentRequests.append(request)
            context.result.adjustmentRequest = request
            // With an adjustment flow bound, the flow's approvers decide; otherwise the initiator alone.
            if let flowID = try await organizationSettings(context.item.organizationID).approvalFlows.adjustment {
                let approval = try await startItemApproval(flowID, .adjustment(request.id, item: id),
                    values: try await adjustmentValues(request, of: context.item), in: &context)
                context.audit(details: Self.details(of: change, reason: reason, request: request.id)
                    .merging(["approval_request": approval.id.rawValue]) { a, _ in a })
                if !approval.isOpen { try await applyApprovalOutcome(approval, to: &context) }
                return context.plan()
            }
            context.audit(details: Self.details(of: change, reason: reason, request: request.id))
            context.notify([context.item.initiatorID], .adjustmentRequested,
                message: context.message("notice.adjustment_requested",
                    ["change": Self.summary(of: change), "reason": .text(reason)]))
            return context.plan()

        case .approveAdjustment(let requestID, let note), .rejectAdjustment(let requestID, reason: let note as String?):
            guard var request = try await store.adjustmentRequest(requestID) else {
                throw CollabError.notFound("adjustment request", requestID.rawValue)
            }
            var context = try await load(
                request.itemID, for: .decideAdjustment, by: subject, expectedVersion: expectedVersion, command, now,
                missing: CollabError.notFound("adjustment request", requestID.rawValue))
            guard request.status == .pending, context.item.pendingAdjustmentID == request.id else {
                throw CollabError(.invalidTransition,
                    "adjustment request '\(requestID)' is \(request.status.rawValue), not pending; it cannot be decided")
            }
            try context.require(.assigned, .accepted, .inProgress, .inReview)
            let approving: Bool
            if case .approveAdjustment = command { approving = true } else { approving = false }
            if approving { try checkOptionalText(note, field: "note") } else { try checkReason(note ?? "") }
            let subject = ApprovalRequest.Subject.adjustment(request.id, item: request.itemID)
            try Self.refuseWhileApprovalRuns(subject, of: context.item,
                among: try await openApprovals(of: context.item, adjustment: nil, only: subject))
            try await decideAdjustment(&request, approving: approving, note: note, in: &context)
            return context.plan()

        case .reassign(let id, let from, let to, let reason):
            var context = try await load(id, for: .reassign, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.draft, .assigned, .accepted, .inProgress, .inReview)
            var report = ValidationReport()
            guard let index = context.item.assigneeIDs.firstIndex(of: from) else {
                report.add("from", .unknownMember, "'\(from.rawValue.clipped())' is not an assignee of the item")
                try report.throwIfInvalid()
                return context.plan()
            }
            if context.item.assigneeIDs.contains(to) {
                report.add("to", .duplicate, "'\(to.rawValue.clipped())' is already an assignee of the item")
            }
            let newAssignee = try await directory.members([to]).first
            if newAssignee == nil || newAssignee?.organizationID != context.item.organizationID
                || newAssignee?.isActive == false
            {
                report.add("to", .unknownMember, "'\(to.rawValue.clipped())' is not an active member of the organization")
            }
            if let reason {
                report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength, allowNewlines: true)
            }
            try report.throwIfInvalid()
            context.item.assigneeIDs[index] = to
            var details = ["from": from.rawValue, "to": to.rawValue]
            if let reason { details["reason"] = reason }
            context.audit(details: details)
            // A draft has not been sent to anyone yet: the new assignee hears of it when it is submitted.
            if context.item.state != .draft {
                let why = reason == nil ? "" : "_reason"
                context.notify([to], .assigned,
                    message: context.message("notice.reassigned_to" + why, ["reason": .text(reason ?? "")]))
                context.notify([from], .reassigned, aboutItem: false,
                    message: context.message("notice.reassigned_from" + why, ["reason": .text(reason ?? "")]))
            }
            return context.plan()

        case .cancel(let id, let reason):
            var context = try await load(id, for: .cancel, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.draft, .assigned, .accepted, .inProgress, .inReview)
            try checkOptionalText(reason, field: "reason")
            let wasDraft = context.item.state == .draft
            context.item.state = .cancelled
            context.item.closedAt = now
            try await context.withdrawPendingAdjustment(store: store)
            try await abandonItemApprovals(in: &context)
            context.audit(details: reason.map { ["reason": $0] } ?? [:])
            if !wasDraft {
                var recipients = context.item.assigneeIDs + [context.item.initiatorID]
                if let reviewer = context.item.reviewerID { recipients.append(reviewer) }
                context.notify(recipients, .cancelled,
                    message: context.message(reason == nil ? "notice.cancelled" : "notice.cancelled_reason",
                        ["reason": .text(reason ?? "")]))
            }
            return context.plan()

        case .comment(let id, let body, let requestedVisibility):
            var context = try await load(id, for: .comment, by: subject, expectedVersion: expectedVersion, command, now)
            var report = ValidationReport()
            report.checkText(body, field: "body", maxLength: configuration.limits.textLength, allowNewlines: true)
            try report.throwIfInvalid()
            let visibility: Visibility = subject.organizationID == context.item.organizationID ? requestedVisibility : .external
            let comment = ItemComment(
                id: ItemComment.ID(identifiers.next()), itemID: id, authorID: subject.memberID, body: body,
                mentionedIDs: [], createdAt: now, visibility: visibility)
            // Mention only members who may see this comment: a mention must not leak it to anyone else.
            let handles = Set(ItemComment.mentionedHandles(in: body))
            var organizations = [context.item.organizationID]
            if visibility == .external { organizations += context.item.partnerOrganizationIDs }
            var mentioned: [(Member.ID, Organization.ID)] = []
            for organization in organizations {
                for member in try await store.members(handles: handles, in: organization) {
                    if let mentionedSubject = try await directory.subject(for: member.id),
                        authorizer.isAllowed(mentionedSubject, .view, on: context.item),
                        authorizer.canSee(comment, on: context.item, by: mentionedSubject)
                    {
                        mentioned.append((member.id, organization))
                    }
                }
            }
            mentioned.sort { $0.0 < $1.0 }
            var stored = comment
            stored.mentionedIDs = mentioned.map(\.0)
            context.bumpsVersion = false
            context.change.comments.append(stored)
            context.audit(details: ["comment": comment.id.rawValue, "visibility": visibility.rawValue])
            for (member, organization) in mentioned {
                context.notify([member], .mentioned, organization: organization,
                    message: context.message("notice.mentioned", ["comment": .text(body.clipped(280))]))
            }
            let involved = (context.item.assigneeIDs + [context.item.initiatorID, context.item.effectiveReviewerID]
                + context.item.watcherIDs)
                .filter { member in !mentioned.contains { $0.0 == member } }
            context.notify(involved, .commented,
                message: context.message("notice.commented", ["comment": .text(body.clipped(280))]))
            context.result.comment = stored
            return context.plan()

        case .share(let id, let organizationID), .unshare(let id, let organizationID):
            var context = try await load(id, for: .share, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.draft, .assigned, .accepted, .inProgress, .inReview)
            let sharing: Bool
            if case .share = command { sharing = true } else { sharing = false }
            if sharing {
                // Another company's partner, one switched off and an unknown id read the same to the caller.
                guard try await shareableOrganization(organizationID, for: subject.organizationID) != nil else {
                    throw CollabError.notFound("organization", organizationID.rawValue)
                }
                guard !context.item.partnerOrganizationIDs.contains(organizationID) else { return context.unchanged() }
                context.item.partnerOrganizationIDs.append(organizationID)
            } else {
                guard context.item.partnerOrganizationIDs.contains(organizationID) else { return context.unchanged() }
                context.item.partnerOrganizationIDs.removeAll { $0 == organizationID }
            }
            context.audit(details: ["organization": organizationID.rawValue])
            return context.plan()

        case .waitForExternal(let id, let reason):
            var context = try await load(id, for: .waitExternal, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.assigned, .accepted, .inProgress, .inReview)
            try checkReason(reason)
            guard context.item.waitingOnExternalSince == nil else {
                throw CollabError(.invalidTransition, "work item '\(id)' is already waiting on an outside party")
            }
            context.item.waitingOnExternalSince = now
            context.item.externalWaitCount += 1
            context.audit(details: ["reason": reason])
            return context.plan()

        case .resumeFromExternal(let id):
            var context = try await load(id, for: .waitExternal, by: subject, expectedVersion: expectedVersion, command, now)
            try context.require(.assigned, .accepted, .inProgress, .inReview)
            guard let since = context.item.waitingOnExternalSince else {
                throw CollabError(.invalidTransition, "work item '\(id)' is not waiting on an outside party")
            }
            context.item.waitingOnExternalSince = nil
            context.audit(details: ["waited_seconds": String(Int(now.timeIntervalSince(since)))])
            return context.plan()

        case .watch(let id), .unwatch(let id):
            var context = try await load(id, for: .watch, by: subject, expectedVersion: expectedVersion, command, now)
            if case .watch = command {
                guard !context.item.watcherIDs.contains(subject.memberID) else { return context.unchanged() }
                context.item.watcherIDs.append(subject.memberID)
            } else {
                guard context.item.watcherIDs.contains(subject.memberID) else { return context.unchanged() }
                context.item.watcherIDs.removeAll { $0 == subject.memberID }
            }
            context.audit()
            return context.plan()
        }
    }

    // MARK: Create

    func planCreate(_ draft: WorkItemDraft, submit: Bool, subject: Subject, now: Date)
        async throws(CollabError) -> CommandPlan
    {
        let target = AccessTarget.organization(subject.organizationID)
        try authorize(subject, .createWorkItem, on: target, otherwise: refusal(subject, .createWorkItem, on: target,
            CollabError(.forbidden, "members of outside organizations cannot create work items")))
        guard let organization = try await directory.organization(subject.organizationID) else {
            throw CollabError.notFound("organization", subject.organizationID.rawValue)
        }
        var resolution = ValidationReport()
        var draft = draft
        draft.attachments = try await resolveAttachments(draft.attachments, for: subject, report: &resolution)
        let validation = try await validationContext(for: draft, in: organization)
        var report = draft.validate(in: validation, now: now)
        report.merge(resolution)
        try report.throwIfInvalid()
        guard let zone = validation.timeZone, let dueAt = draft.deadline.dueInstant(in: zone) else {
            throw CollabError.invalid([ValidationProblem(field: "deadline", kind: .malformed,
                message: "\(draft.deadline) cannot be resolved in '\(organization.timeZoneIdentifier)'")])
        }
        let item = WorkItem(
            id: WorkItem.ID(identifiers.next()), organizationID: organization.id, title: draft.title,
            description: draft.description, priority: draft.priority, initiatorID: subject.memberID,
            assigneeIDs: draft.assigneeIDs, reviewerID: draft.reviewerID, watcherIDs: draft.watcherIDs,
            departmentIDs: draft.departmentIDs,
            partnerOrganizationIDs: draft.partnerOrganizationIDs, start: Self.truncated(draft.start ?? now),
            deadline: Self.truncated(draft.deadline), dueAt: Self.truncated(dueAt), attachments: draft.attachments,
            tags: draft.tags, state: submit ? .assigned : .draft, version: 1, createdAt: now, updatedAt: now,
            recurrence: draft.recurrence)
        var context = CommandContext(
            engine: self, command: .create(draft, submit: submit), subject: subject, actorName: "",
            original: nil, item: item, now: now)
        context.actorName = subject.displayName ?? subject.memberID.rawValue
        context.audit(details: [
            "title": item.title, "assignees": item.assigneeIDs.map(\.rawValue).joined(separator: ","),
            "deadline": item.deadline.description,
        ])
        if submit { context.notifyAssigned(item.assigneeIDs) }
        return context.plan()
    }

    func validationContext(for draft: WorkItemDraft, in organization: Organization) async throws(CollabError)
        -> ValidationContext
    {
        var memberIDs = Set(draft.assigneeIDs + draft.watcherIDs)
        if let reviewer = draft.reviewerID { memberIDs.insert(reviewer) }
        let members = try await directory.members(memberIDs)
        let active = Set(members.filter { $0.organizationID == organization.id && $0.isActive }.map(\.id))
        let departments = Set(try await directory.departments(Set(draft.departmentIDs))
            .filter { $0.organizationID == organization.id }.map(\.id))
        var outside: [Organization.ID: Organization] = [:]
        for id in Set(draft.partnerOrganizationIDs) {
            // Only what `share` accepts: any other id is reported as an unknown organization.
            if let partner = try await shareableOrganization(id, for: organization.id) { outside[id] = partner }
        }
        return ValidationContext(
            timeZone: organization.timeZone, activeMemberIDs: active, departmentIDs: departments,
            outsideOrganizations: outside, attachmentPolicy: configuration.attachmentPolicy,
            limits: configuration.limits)
    }

    /// The outside organization `id`, if `company` may share work items with it: one the company invited as
    /// a partner or registered as its customer (a partnership of the company with it), whose external
    /// collaboration is enabled. `nil` for every other id — unknown, internal, another company's partner or
    /// customer, or one switched off — so that every refusal reads the same.
    func shareableOrganization(_ id: Organization.ID, for company: Organization.ID) async throws(CollabError)
        -> Organization?
    {
        guard let organization = try await directory.organization(id), organization.kind != .internal,
            organization.externalCollaborationEnabled,
            try await store.partnership(of: company, with: id) != nil
        else { return nil }
        return organization
    }

    // MARK: Loading and checking

    func load(
        _ id: WorkItem.ID, for action: WorkItemAction, by subject: Subject, expectedVersion: Int?,
        _ command: WorkItemCommand, _ now: Date, missing: CollabError? = nil
    ) async throws(CollabError) -> CommandContext {
        guard let item = try await store.workItem(id), authorizer.isAllowed(subject, .view, on: item) else {
            throw missing ?? CollabError.notFound("work item", id.rawValue)
        }
        let decision = authorizer.decide(subject, action, on: item)
        guard decision.isAllowed else {
            logger.info("command denied", metadata: [
                "command": "\(command.name)", "actor": "\(subject.memberID)", "item": "\(id)",
                "decision": "\(decision)",
            ])
            throw CollabError(.forbidden, "member '\(subject.memberID)' may not \(command.name) item '\(id)': \(decision)")
        }
        if let expectedVersion, expectedVersion != item.version {
            throw CollabError(.conflict,
                "work item '\(id)' is at version \(item.version), the command was based on version \(expectedVersion)")
        }
        return CommandContext(
            engine: self, command: command, subject: subject, actorName: subject.displayName ?? subject.memberID.rawValue,
            original: item, item: item, now: now)
    }

    func displayName(of id: Member.ID) async throws(CollabError) -> String {
        try await directory.member(id)?.displayName ?? id.rawValue
    }

    func checkReason(_ reason: String) throws(CollabError) {
        var report = ValidationReport()
        report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength, allowNewlines: true)
        try report.throwIfInvalid()
    }

    func checkOptionalText(_ text: String?, field: String) throws(CollabError) {
        guard let text else { return }
        var report = ValidationReport()
        report.checkText(text, field: field, maxLength: configuration.limits.textLength, required: false,
            allowNewlines: true)
        try report.throwIfInvalid()
    }

    func validate(_ change: AdjustmentRequest.Change, of item: WorkItem, into report: inout ValidationReport)
        async throws(CollabError)
    {
        if change.isEmpty {
            report.add("change", .missing, "ask for a new deadline, title or description")
        }
        if let title = change.title {
            report.checkText(title, field: "change.title", maxLength: configuration.limits.titleLength)
        }
        if let description = change.description {
            report.checkText(description, field: "change.description",
                maxLength: configuration.limits.descriptionLength, required: false, allowNewlines: true)
        }
        if let deadline = change.deadline {
            if case .endOfDay(let date) = deadline, !date.isValid {
                report.add("change.deadline", .malformed, "'\(date)' is not a real day")
            } else {
                let due = try await dueInstant(of: deadline, in: item.organizationID)
                if due <= item.start {
                    report.add("change.deadline", .deadlineBeforeStart,
                        "\(deadline) is not after the start \(item.start.formatted(.iso8601))")
                }
            }
        }
    }

    func dueInstant(of deadline: Deadline, in organizationID: Organization.ID) async throws(CollabError) -> Date {
        guard let organization = try await directory.organization(organizationID), let zone = organization.timeZone,
            let due = deadline.dueInstant(in: zone)
        else {
            throw CollabError.invalid([ValidationProblem(field: "deadline", kind: .malformed,
                message: "\(deadline) cannot be resolved in the organization's time zone")])
        }
        return Self.truncated(due)
    }

    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    static func truncated(_ deadline: Deadline) -> Deadline {
        if case .instant(let date) = deadline { return .instant(truncated(date)) }
        return deadline
    }

    /// What an adjustment request asks for, as a phrase in the reader's language ("move the deadline to … and
    /// retitle it …").
    static func summary(of change: AdjustmentRequest.Change) -> MessageArgument {
        var parts: [MessageArgument] = []
        if let deadline = change.deadline {
            parts.append(.message(LocalizedMessage("adjustment.deadline", ["deadline": .deadline(deadline)])))
        }
        if let title = change.title {
            parts.append(.message(LocalizedMessage("adjustment.title", ["title": .text(title.clipped(60))])))
        }
        if change.description != nil { parts.append(.term("adjustment.description")) }
        return parts.isEmpty ? .term("adjustment.other") : .list(parts)
    }

    static func details(of change: AdjustmentRequest.Change, reason: String, request: AdjustmentRequest.ID)
        -> [String: String]
    {
        var details = ["reason": reason, "request": request.rawValue]
        if let deadline = change.deadline { details["requested_deadline"] = deadline.description }
        if let title = change.title { details["requested_title"] = title }
        if let description = change.description { details["requested_description"] = description.clipped(200) }
        return details
    }
}
