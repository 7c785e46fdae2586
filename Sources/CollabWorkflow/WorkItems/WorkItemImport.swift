import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Plans and commits an import (``WorkItemDesk/importItems(_:by:submit:idempotencyKey:)``).
    func runImport(_ drafts: [WorkItemDraft], by initiator: Member.ID, submit: Bool, idempotencyKey: String?)
        async throws(CollabError) -> [WorkItem]
    {
        guard !drafts.isEmpty else { return [] }
        guard drafts.count <= 10_000 else {
            throw CollabError.invalid([ValidationProblem(field: "items", kind: .tooLong,
                message: "has \(drafts.count) items, at most 10000 per import")])
        }
        let visible: (Subject, [WorkItem]) async throws(CollabError) -> Void = { subject, items throws(CollabError) in
            for item in items { _ = try await visibleItem(item.id, to: subject) }
        }
        return try await run(Command("import", by: initiator, inputs: ["drafts": drafts, "submit": submit],
            idempotencyKey: idempotencyKey, visible: visible)) { planning throws(CollabError) in
            try await planImport(drafts, submit: submit, planning)
        }
    }

    private func planImport(_ drafts: [WorkItemDraft], submit: Bool, _ planning: Planning)
        async throws(CollabError) -> Planned<[WorkItem]>
    {
        let subject = planning.subject
        let initiator = subject.memberID
        let target = AccessTarget.organization(subject.organizationID)
        try authorize(subject, .importWorkItems, on: target, otherwise: refusal(subject, .importWorkItems, on: target,
            CollabError(.forbidden, "member '\(initiator)' may not create work items")))
        guard let organization = try await directory.organization(subject.organizationID), let zone = organization.timeZone
        else { throw CollabError.notFound("organization", subject.organizationID.rawValue) }
        let now = planning.now
        // One directory look-up for the whole batch.
        var union = WorkItemDraft(title: "", assigneeIDs: [], deadline: .instant(now))
        for draft in drafts {
            union.assigneeIDs += draft.assigneeIDs + draft.watcherIDs + (draft.reviewerID.map { [$0] } ?? [])
            union.partnerOrganizationIDs += draft.partnerOrganizationIDs
            union.departmentIDs += draft.departmentIDs
        }
        union.departmentIDs = Array(Set(union.departmentIDs))
        union.assigneeIDs = Array(Set(union.assigneeIDs))
        union.partnerOrganizationIDs = Array(Set(union.partnerOrganizationIDs))
        let context = try await validationContext(for: union, in: organization)
        var report = ValidationReport()
        var drafts = drafts
        for (index, draft) in drafts.enumerated() {
            var resolution = ValidationReport()
            drafts[index].attachments = try await resolveAttachments(draft.attachments, for: subject, report: &resolution)
            report.merge(drafts[index].validate(in: context, now: now), prefix: "items[\(index)]")
            report.merge(resolution, prefix: "items[\(index)]")
        }
        try report.throwIfInvalid()
        let actorName = subject.displayName ?? initiator.rawValue

        var change = ChangeSet()
        var items: [WorkItem] = []
        for draft in drafts {
            guard let dueAt = draft.deadline.dueInstant(in: zone) else { continue }
            let item = WorkItem(
                id: WorkItem.ID(identifiers.next()), organizationID: organization.id, title: draft.title,
                description: draft.description, priority: draft.priority, initiatorID: initiator,
                assigneeIDs: draft.assigneeIDs, reviewerID: draft.reviewerID, watcherIDs: draft.watcherIDs,
                departmentIDs: draft.departmentIDs, partnerOrganizationIDs: draft.partnerOrganizationIDs,
                start: Self.truncated(draft.start ?? now), deadline: Self.truncated(draft.deadline),
                dueAt: Self.truncated(dueAt), attachments: draft.attachments, tags: draft.tags,
                state: submit ? .assigned : .draft, createdAt: now, updatedAt: now, recurrence: draft.recurrence)
            var itemContext = CommandContext(
                engine: self, command: .create(draft, submit: submit), subject: subject, actorName: actorName,
                original: nil, item: item, now: now)
            itemContext.audit(details: [
                "title": item.title, "assignees": item.assigneeIDs.map(\.rawValue).joined(separator: ","),
                "deadline": item.deadline.description, "import": "true",
            ])
            if submit { itemContext.notifyAssigned(item.assigneeIDs) }
            change.auditEvents += itemContext.change.auditEvents
            change.notifications += itemContext.change.notifications
            items.append(item)
        }
        change.additionalItems = items
        try await planTimers(for: &change, now: now)
        return Planned(change, items.map { authorizer.redacted($0, for: subject) })
    }
}
