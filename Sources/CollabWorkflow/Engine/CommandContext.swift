import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The item a command works on, and the effects it collects: audit events, notifications, records.
struct CommandContext {
    let engine: WorkflowEngine
    let command: WorkItemCommand
    let subject: Subject
    var actorName: String
    let original: WorkItem?
    var item: WorkItem
    let now: Date
    var change = ChangeSet()
    var result: CommandResult
    /// Comments do not change the item, so they do not move its version.
    var bumpsVersion = true

    init(
        engine: WorkflowEngine, command: WorkItemCommand, subject: Subject, actorName: String, original: WorkItem?,
        item: WorkItem, now: Date
    ) {
        self.engine = engine
        self.command = command
        self.subject = subject
        self.actorName = actorName
        self.original = original
        self.item = item
        self.now = now
        self.result = CommandResult(item: item)
    }

    /// Fails with `CollabError.Code.invalidTransition` unless the item is in one of `states`.
    func require(_ states: WorkItemState...) throws(CollabError) {
        guard states.contains(item.state) else {
            throw CollabError(.invalidTransition,
                "cannot \(command.name) work item '\(item.id)' in state '\(item.state.rawValue)'")
        }
    }

    mutating func audit(details: [String: String] = [:]) {
        change.auditEvents.append(AuditEvent(
            id: AuditEvent.ID(engine.identifiers.next()), organizationID: item.organizationID, itemID: item.id,
            actorID: subject.memberID, action: command.name, fromState: original?.state, toState: item.state,
            details: details, occurredAt: now))
    }

    /// Queues a notification for each recipient except the actor, once each.
    ///
    /// - Parameter aboutItem: `false` for a notice to someone who is losing access to the item (an
    ///   assignee reassigned away): it then names no item, so neither the inbox nor delivery hides it.
    mutating func notify(
        _ recipients: [Member.ID], _ kind: Notice.Kind, urgency: Notice.Urgency = .normal,
        organization: Organization.ID? = nil, aboutItem: Bool = true, message: LocalizedMessage
    ) {
        var seen = Set(change.notifications.filter { $0.kind == kind }.map(\.recipientID))
        seen.insert(subject.memberID)
        for recipient in recipients where seen.insert(recipient).inserted {
            change.notifications.append(Notice(
                id: Notice.ID(engine.identifiers.next()), organizationID: organization ?? item.organizationID,
                recipientID: recipient, kind: kind, urgency: urgency, itemID: aboutItem ? item.id : nil,
                actorID: subject.memberID, message: message, createdAt: now))
        }
    }

    /// A notice's message about this item: `title` (the item's) and `actor` (who acts) with `arguments`.
    func message(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> LocalizedMessage {
        LocalizedMessage(key, arguments.merging(["title": .text(item.title), "actor": .text(actorName)]) { own, _ in own })
    }

    mutating func notifyAssigned(_ assignees: [Member.ID]) {
        let urgency: Notice.Urgency = item.priority == .high ? .urgent : .normal
        notify(assignees, .assigned, urgency: urgency, message: LocalizedMessage("notice.assigned", [
            "title": .text(item.title), "actor": .text(actorName), "deadline": .deadline(item.deadline),
        ]))
    }

    /// Closes the pending adjustment request (as withdrawn) when the item closes before a decision.
    mutating func withdrawPendingAdjustment(store: any WorkItemReads) async throws(CollabError) {
        guard let pendingID = item.pendingAdjustmentID else { return }
        item.pendingAdjustmentID = nil
        if var request = try await store.adjustmentRequest(pendingID), request.status == .pending {
            request.status = .withdrawn
            request.decidedAt = now
            change.adjustmentRequests.append(request)
        }
    }

    /// A command that changes nothing (sharing with an organization already shared with): no write.
    func unchanged() -> CommandPlan {
        CommandPlan(change: ChangeSet(), result: CommandResult(item: item))
    }

    /// The change to commit and the result to return, with the item's version and time stamps moved on.
    func plan() -> CommandPlan {
        var item = item
        var change = change
        var result = result
        if let original {
            if bumpsVersion {
                item.version = original.version + 1
                item.updatedAt = now
                if item.state != original.state { item.stateChangedAt = now }
                change.item = .update(item, previous: original)
            } else {
                // Added to the item as it was authorized: commits only while the item is unchanged.
                change.unchangedItem = (original.id, original.version)
            }
        } else {
            change.item = .insert(item)
        }
        result.item = item
        return CommandPlan(change: change, result: result)
    }
}
