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
    public func execute(
        _ command: WorkItemCommand, by actor: Member.ID, expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> CommandResult {
        var key: IdempotencyKey?
        var fingerprint = ""
        if let idempotencyKey {
            var report = ValidationReport()
            report.checkText(idempotencyKey, field: "idempotencyKey", maxLength: 255)
            try report.throwIfInvalid()
            key = IdempotencyKey(actorID: actor, key: idempotencyKey)
            fingerprint = Self.fingerprint(command, expectedVersion: expectedVersion)
            if let recorded = try await store.recordedResult(for: IdempotencyKey(actorID: actor, key: idempotencyKey)) {
                return try await stillVisible(try Self.replay(recorded, command: command, fingerprint: fingerprint), to: actor)
            }
        }

        // Planned against the directory cache at the revision it was last read at, without reading the
        // revision first: the change commits only if the directory is still at that revision, else the
        // command is planned again on fresh values. A command that fails before it commits (forbidden, not
        // found) fails only if the directory has not moved since, so no caller is turned away on stale
        // values. A comment (which adds to an item without changing it) commits only while the item is at
        // the version it was authorized against, else it is planned again too. Every attempt commits under
        // these conditions: after `staleDirectoryAttempts` plans the command fails (`staleDirectory`,
        // `conflict`) rather than commit unchecked.
        var attempt = 0
        while true {
            attempt += 1
            let known = attempt == 1 ? directory.knownRevision : nil
            let revision: Int64
            if let known { revision = known } else { revision = try await directory.refresh() }
            let last = attempt >= Self.staleDirectoryAttempts
            do throws(CollabError) {
                if let result = try await atSettingsRevision(command.name, usesKnownRevision: true, {
                    () async throws(CollabError) in
                    try await run(command, by: actor, expectedVersion: expectedVersion, key: key,
                        fingerprint: fingerprint, directoryRevision: revision)
                }) {
                    return result
                }
                guard !last else {
                    throw CollabError(.conflict,
                        "the item changed while '\(command.name)' was planned, \(attempt) times; nothing was written")
                }
                logger.debug("item changed while planning, planning again", metadata: [
                    "command": "\(command.name)", "actor": "\(actor)", "attempt": "\(attempt)",
                ])
            } catch where error.code == .staleDirectory {
                directory.invalidate()
                guard !last else {
                    throw CollabError(.staleDirectory,
                        "the directory changed while '\(command.name)' was planned, \(attempt) times; nothing was written")
                }
                logger.debug("directory changed while planning, planning again", metadata: [
                    "command": "\(command.name)", "actor": "\(actor)", "attempt": "\(attempt)",
                ])
            } catch where known != nil {
                // Planned on values not read in this call: fail only if they are still current.
                guard try await directory.refresh() != known else { throw error }
                logger.debug("directory had changed before planning, planning again", metadata: [
                    "command": "\(command.name)", "actor": "\(actor)", "error": "\(error.code.rawValue)",
                ])
            }
        }
    }

    /// How many times a command is planned when the directory keeps changing under it. A plan takes well under
    /// a millisecond, so only a directory rewritten without pause (a bulk HR sync racing the command) reaches
    /// it; generous, so such a burst delays commands rather than turning them away.
    static let staleDirectoryAttempts = 16

    /// Plans and commits the command once; `nil` when the item it adds to changed after it was read (plan
    /// again).
    private func run(
        _ command: WorkItemCommand, by actor: Member.ID, expectedVersion: Int?, key: IdempotencyKey?,
        fingerprint: String, directoryRevision: Int64
    ) async throws(CollabError) -> CommandResult? {
        let subject = try await cachedSubject(actor)
        guard subject.isActive else { throw Self.cannotAct(actor) }
        let now = now()
        var plan = try await plan(command, subject: subject, expectedVersion: expectedVersion, now: now)
        plan.change.directoryRevision = directoryRevision
        try await planTimers(for: &plan.change, now: now)
        // The actor gets the item as they may see it: an outside member's comment returns external parts only.
        plan.result.item = authorizer.redacted(plan.result.item, for: subject)

        if let key {
            let payload: Data
            do {
                payload = try JSONEncoder().encode(plan.result)
            } catch {
                throw CollabError(.storageFailure, "could not encode the result of '\(command.name)': \(error)")
            }
            plan.change.idempotency = IdempotencyRecord(
                key: key, result: RecordedResult(command: command.name, fingerprint: fingerprint, payload: payload))
        }
        let outcome: CommitOutcome
        do {
            outcome = try await commit(plan.change)
        } catch where error.code == .conflict && plan.change.item == nil && plan.change.unchangedItem != nil {
            return nil
        }
        switch outcome {
        case .committed:
            logger.debug("committed command", metadata: [
                "command": "\(command.name)", "actor": "\(actor)", "item": "\(plan.result.item.id)",
            ])
            return plan.result
        case .replayed(let recorded):
            return try await stillVisible(try Self.replay(recorded, command: command, fingerprint: fingerprint), to: actor)
        }
    }

    /// A replayed result is returned only as a fresh command would be answered now: a deactivated actor is
    /// refused as the command refuses them, and a retry after access was revoked does not hand out the old
    /// snapshot (`CollabError.Code.notFound`, as for an unknown item).
    private func stillVisible(_ result: CommandResult, to actor: Member.ID) async throws(CollabError) -> CommandResult {
        let subject = try await subject(actor)
        guard subject.isActive else { throw Self.cannotAct(actor) }
        _ = try await visibleItem(result.item.id, to: subject)
        return result
    }

    /// What a deactivated member's command fails with.
    static func cannotAct(_ actor: Member.ID) -> CollabError {
        CollabError(.forbidden, "member '\(actor)' is deactivated and cannot act")
    }

    private static func replay(_ recorded: RecordedResult, command: WorkItemCommand, fingerprint: String)
        throws(CollabError) -> CommandResult
    {
        try decodeRecorded(CommandResult.self, recorded, command: command.name, fingerprint: fingerprint)
    }

    /// The result recorded under an idempotency key, if it was recorded for this command and input.
    ///
    /// - Throws: `CollabError.Code.idempotencyKeyReused` when the key was first used for another command or
    ///   input; `CollabError.Code.storageCorrupt` when the recorded result is unreadable.
    static func decodeRecorded<Result: Decodable>(
        _ type: Result.Type, _ recorded: RecordedResult, command: String, fingerprint: String
    ) throws(CollabError) -> Result {
        guard recorded.command == command, recorded.fingerprint == fingerprint else {
            throw CollabError(.idempotencyKeyReused,
                "the idempotency key was first used for a different '\(recorded.command)' command")
        }
        do {
            return try JSONDecoder().decode(type, from: recorded.payload)
        } catch {
            throw CollabError(.storageCorrupt, "the result recorded under the idempotency key is unreadable")
        }
    }

    /// A stable digest of a command's input (FNV-1a over its canonical JSON).
    static func fingerprint(_ command: WorkItemCommand, expectedVersion: Int?) -> String {
        var bytes = canonicalJSON(command) ?? Data(command.name.utf8)
        bytes.append(contentsOf: Array("|\(expectedVersion ?? -1)".utf8))
        return fnv1a(bytes)
    }

    /// A value's JSON with sorted keys and dates in milliseconds: the same input gives the same bytes.
    static func canonicalJSON(_ value: some Encodable) -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return try? encoder.encode(value)
    }

    /// FNV-1a over `bytes`, in hexadecimal.
    static func fnv1a(_ bytes: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}

/// A command's planned effect: what to commit, and what to return.
struct CommandPlan {
    var change: ChangeSet
    var result: CommandResult
}
