import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Runs a command as `actor`.
    ///
    /// - Parameters:
    ///   - expectedVersion: the item version the caller based the command on (what their screen showed);
    ///     if the item has changed since, the command fails with `CollabError.Code.conflict`.
    ///   - idempotencyKey: a key chosen by the caller; a retry with the same key (and the same command)
    ///     returns the first result and changes nothing. Keys are scoped to the actor.
    /// - Throws: `CollabError` with `CollabError.Code.notFound` (unknown or invisible item),
    ///   `CollabError.Code.forbidden`, `CollabError.Code.invalidTransition`,
    ///   `CollabError.Code.invalidInput` (every problem listed), `CollabError.Code.conflict`,
    ///   `CollabError.Code.staleDirectory` (the directory changed under every plan of the command),
    ///   `CollabError.Code.idempotencyKeyReused`, or a storage code. Nothing is written when it throws.
    ///   A replay under `idempotencyKey` is refused as a fresh command would be: `forbidden` for a
    ///   deactivated actor, `notFound` for one who may no longer see the item.
    @discardableResult
    func runWorkItemCommand(
        _ command: WorkItemCommand, by actor: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> CommandResult {
        let visible: (Subject, CommandResult) async throws(CollabError) -> Void = { subject, result throws(CollabError) in
            _ = try await visibleItem(result.item.id, to: subject)
        }
        return try await run(Command(command.name, by: actor,
            fingerprint: idempotencyKey == nil ? "" : Self.fingerprint(command, expectedVersion: expectedVersion),
            idempotencyKey: idempotencyKey,
            visible: visible)) { planning throws(CollabError) in
            var plan = try await plan(command, subject: planning.subject, expectedVersion: expectedVersion, now: planning.now)
            try await planTimers(for: &plan.change, now: planning.now)
            // The actor gets the item as they may see it: an outside member's comment returns external parts only.
            plan.result.item = authorizer.redacted(plan.result.item, for: planning.subject)
            return Planned(plan.change, plan.result)
        }
    }

    /// A stable digest of a command's input (FNV-1a over its canonical JSON).
    static func fingerprint(_ command: WorkItemCommand, expectedVersion: Int?) -> String {
        var bytes = canonicalJSON(command) ?? Data(command.name.utf8)
        bytes.append(contentsOf: Array("|\(expectedVersion ?? -1)".utf8))
        return fnv1a(bytes)
    }
}

/// A command's planned effect: what to commit, and what to return.
struct CommandPlan {
    var change: ChangeSet
    var result: CommandResult
}
