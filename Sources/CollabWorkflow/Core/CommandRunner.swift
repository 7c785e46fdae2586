import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Tracing

// The one write pipeline. Every write of every desk — a work-item command, an import, a share, a ticket reply,
// a settings change — is a `Command` value that `WorkflowEngine.run(_:plan:)` handles, and a timer's effect is
// run by `runEffect(_:plan:)` through the same commit. The runner owns, for every write:
//   1. the idempotency key: same key and payload → the recorded result, handed out only as a fresh command
//      would be answered now (active actor, record still visible); same key, other payload → a typed error;
//   2. the actor check against fresh data: a deactivated actor is refused before anything is planned;
//   3. the conditions that make the authorization hold at commit: the change carries the directory revision
//      the command was planned at (and the version of any record it adds to), so a right revoked between the
//      plan and the commit makes the commit fail and the command is planned again on fresh values;
//   4. the commit itself — the change, its audit events, its notifications (outbox) and its timers in one
//      transaction. `commit(_:)` below is the only call of the store's commit in the package.

/// One write, as the runner runs it: what it is called, who runs it, its input (whose digest an idempotency key
/// is bound to), and how a replayed result is re-checked.
struct Command<Output: Codable & Sendable> {
    /// The command's name: the tag of its recorded result, and what logs and errors call it.
    let name: String
    /// Who runs it.
    let actor: Member.ID
    /// A digest of the input: a retry under the same key must carry the same input.
    let fingerprint: String
    /// The caller's idempotency key, scoped to the actor.
    let idempotencyKey: String?
    /// Throws `CollabError.Code.notFound` unless the subject may still see the output: a replay's check.
    let visible: (Subject, Output) async throws(CollabError) -> Void

    /// A command named `name`, run by `actor` on `input`.
    init(
        _ name: String, by actor: Member.ID, input: some Encodable, idempotencyKey: String?,
        visible: @escaping (Subject, Output) async throws(CollabError) -> Void
    ) {
        self.name = name
        self.actor = actor
        // The digest only matters under a key: without one, nothing is recorded or replayed.
        self.fingerprint = idempotencyKey == nil ? "" : WorkflowEngine.recordFingerprint(input)
        self.idempotencyKey = idempotencyKey
        self.visible = visible
    }

    /// A command named `name`, run by `actor` on the named parts of its input (ids, drafts, texts, the expected
    /// version): a retry under the same key must carry the same parts.
    init(
        _ name: String, by actor: Member.ID, inputs: KeyValuePairs<String, (any Encodable & Sendable)?>,
        idempotencyKey: String?, visible: @escaping (Subject, Output) async throws(CollabError) -> Void
    ) {
        guard idempotencyKey != nil else {
            // Without a key nothing is recorded or replayed: no digest to compute.
            self.init(name, by: actor, fingerprint: "", idempotencyKey: nil, visible: visible)
            return
        }
        self.init(name, by: actor, fingerprint: WorkflowEngine.fingerprint(inputs.map { ($0.key, $0.value) }),
            idempotencyKey: idempotencyKey, visible: visible)
    }

    /// A command whose input digest is computed by the caller (the work-item commands keep theirs).
    init(
        _ name: String, by actor: Member.ID, fingerprint: String, idempotencyKey: String?,
        visible: @escaping (Subject, Output) async throws(CollabError) -> Void
    ) {
        self.name = name
        self.actor = actor
        self.fingerprint = fingerprint
        self.idempotencyKey = idempotencyKey
        self.visible = visible
    }
}

/// What a command plans with: the actor as of the directory revision the change will be conditioned on, and
/// "now".
struct Planning {
    /// The actor (active: a deactivated actor never reaches a plan).
    let subject: Subject
    /// The time of the command.
    let now: Date
    /// The directory revision the plan is checked against at commit.
    let directoryRevision: Int64
}

/// A command's planned effect: the change to commit and the result to return.
struct Planned<Output> {
    /// What to commit (rows, audit events, notifications, timers).
    var change: ChangeSet
    /// What the caller gets.
    var output: Output

    init(_ change: ChangeSet, _ output: Output) {
        self.change = change
        self.output = output
    }
}

extension WorkflowEngine {
    /// How many times a command is planned when the directory keeps changing under it. A plan takes well under
    /// a millisecond, so only a directory rewritten without pause (a bulk HR sync racing the command) reaches
    /// it; generous, so such a burst delays commands rather than turning them away.
    static let staleDirectoryAttempts = 16

    /// Pauses before the next plan once a command has been planned `attempt` times in vain, the last of them
    /// since `started`: the first three plans follow each other at once; later ones wait a jittered multiple
    /// of how long the last plan took (at least a millisecond), doubling from one plan to the next up to 64
    /// times and at most 2 s. A command racing a burst of directory writes from another instance so outlasts
    /// the burst instead of losing every round trip to it, and a slower database (or a busier machine) makes
    /// the pauses longer in step. Real time: it paces round trips, not business time.
    static func pauseBeforePlanning(after attempt: Int, started: ContinuousClock.Instant) async {
        guard attempt >= 3 else { return }
        let took = max(ContinuousClock.now - started, .milliseconds(1))
        let factor = Double(1 << min(attempt - 3, 6)) * Double.random(in: 0.5...1)
        try? await Task.sleep(for: min(took * factor, .seconds(2)))
    }

    /// Runs `command`: replays a recorded result, or plans it with `plan` and commits the plan under the
    /// conditions that keep its checks true at commit, planning again (at most ``staleDirectoryAttempts``
    /// times) when they no longer hold.
    ///
    /// - Throws: what `plan` throws; `CollabError.Code.forbidden` for a deactivated actor;
    ///   `CollabError.Code.idempotencyKeyReused` for a key first used with another command or input;
    ///   `CollabError.Code.staleDirectory` or `CollabError.Code.conflict` when the directory or the record
    ///   changed under every plan. Nothing is written when it throws.
    ///
    /// Every call is one span, `collab.command <name>` (attributes `collab.command`, `collab.actor_id`,
    /// `collab.organization_id`, `collab.outcome`; a thrown error is recorded on it), child of the task's
    /// current service context, and counts in `collab_commands_total` and `collab_command_duration_seconds`
    /// (``CollabTelemetry``).
    func run<Output: Codable & Sendable>(
        _ command: Command<Output>, plan: (Planning) async throws(CollabError) -> Planned<Output>
    ) async throws(CollabError) -> Output {
        let telemetry = self.telemetry
        let started = ContinuousClock.now
        func report(_ outcome: String) {
            let dimensions = [("command", command.name), ("outcome", outcome)]
            telemetry.count(CollabTelemetry.commandsTotal, dimensions)
            telemetry.record(CollabTelemetry.commandDuration, dimensions, duration: ContinuousClock.now - started)
        }
        let output: Output
        let outcome: String
        do throws(CollabError) {
            (output, outcome) = try await telemetry.withSpan("\(CollabTelemetry.commandSpanPrefix) \(command.name)") {
                (span: any Span) throws(CollabError) -> (Output, String) in
                span.attributes["collab.command"] = command.name
                span.attributes["collab.actor_id"] = command.actor.rawValue
                do throws(CollabError) {
                    let (output, replayed) = try await runPipeline(command, span: span, plan: plan)
                    let outcome = replayed ? "replayed" : "committed"
                    span.attributes["collab.outcome"] = outcome
                    return (output, outcome)
                } catch {
                    span.attributes["collab.outcome"] = error.metricOutcome
                    throw error
                }
            }
        } catch {
            report(error.metricOutcome)
            throw error
        }
        report(outcome)
        return output
    }

    /// ``run(_:plan:)`` without its span and metrics: the output, and whether it was a recorded result.
    private func runPipeline<Output: Codable & Sendable>(
        _ command: Command<Output>, span: any Span, plan: (Planning) async throws(CollabError) -> Planned<Output>
    ) async throws(CollabError) -> (Output, replayed: Bool) {
        var key: IdempotencyKey?
        if let idempotencyKey = command.idempotencyKey {
            var report = ValidationReport()
            report.checkText(idempotencyKey, field: "idempotencyKey", maxLength: 255)
            try report.throwIfInvalid()
            key = IdempotencyKey(actorID: command.actor, key: idempotencyKey)
            if let key, let recorded = try await store.recordedResult(for: key) {
                return (try await replay(recorded, of: command, span: span), true)
            }
        }

        // The first plan runs against the directory cache at the revision it was last read at, without reading
        // the revision first: the change commits only if the directory is still at that revision, and a command
        // refused before it commits (forbidden, not found) is refused only if the directory has not moved
        // since, so no caller is turned away on stale values. Later plans read the revision afresh.
        var attempt = 0
        while true {
            attempt += 1
            let started = ContinuousClock.now
            let known = attempt == 1 ? directory.knownRevision : nil
            let revision: Int64
            if let known { revision = known } else { revision = try await directory.refresh() }
            let last = attempt >= Self.staleDirectoryAttempts
            // The settings the plan reads (routing, service targets, timer defaults) hold at commit too; the
            // first plan takes the settings revision the cache last saw, as it does the directory's.
            let settings = SettingsReading(usesKnownRevision: attempt == 1)
            do throws(CollabError) {
                let subject = try await cachedSubject(command.actor)
                span.attributes["collab.organization_id"] = subject.organizationID.rawValue
                guard subject.isActive else { throw Self.cannotAct(command.actor) }
                let planning = Planning(subject: subject, now: now(), directoryRevision: revision)
                let result: Result<Planned<Output>, CollabError> = await Self.$settingsReading.withValue(settings) {
                    do throws(CollabError) { return .success(try await plan(planning)) } catch { return .failure(error) }
                }
                var planned = try result.get()
                planned.change.directoryRevision = revision
                planned.change.settingsRevision = settings.revision
                if let key {
                    let payload: Data
                    do {
                        payload = try JSONEncoder().encode(planned.output)
                    } catch {
                        throw CollabError(.storageFailure, "could not encode the result of '\(command.name)': \(error)")
                    }
                    planned.change.idempotency = IdempotencyRecord(key: key,
                        result: RecordedResult(command: command.name, fingerprint: command.fingerprint, payload: payload))
                }
                if let beforeCommit = configuration.beforeCommit { await beforeCommit(command.name, attempt) }
                let outcome: CommitOutcome
                do {
                    outcome = try await commit(planned.change)
                } catch where error.code == .conflict && planned.change.item == nil
                    && planned.change.unchangedItem != nil
                {
                    // The item it adds to changed after it was authorized: plan again on the new item.
                    guard !last else {
                        throw CollabError(.conflict,
                            "the item changed while '\(command.name)' was planned, \(attempt) times; nothing was written")
                    }
                    logger.debug("item changed while planning, planning again", metadata: [
                        "command": "\(command.name)", "actor": "\(command.actor)", "attempt": "\(attempt)",
                    ])
                    await Self.pauseBeforePlanning(after: attempt, started: started)
                    continue
                }
                switch outcome {
                case .committed:
                    logger.debug("committed command", metadata: ["command": "\(command.name)", "actor": "\(command.actor)"])
                    telemetry.count(CollabTelemetry.commitsTotal, [("source", "command"), ("command", command.name)])
                    return (planned.output, false)
                case .replayed(let recorded):
                    return (try await replay(recorded, of: command, span: span), true)
                }
            } catch where error.code == .staleSettings {
                settingsCache.invalidate()
                guard !last else {
                    throw CollabError(.staleSettings,
                        "the settings changed while '\(command.name)' was planned, \(attempt) times; nothing was written")
                }
                logger.debug("settings changed while planning, planning again", metadata: [
                    "command": "\(command.name)", "actor": "\(command.actor)", "attempt": "\(attempt)",
                ])
                await Self.pauseBeforePlanning(after: attempt, started: started)
            } catch where error.code == .staleDirectory {
                directory.invalidate()
                guard !last else {
                    throw CollabError(.staleDirectory,
                        "the directory changed while '\(command.name)' was planned, \(attempt) times; nothing was written")
                }
                logger.debug("directory changed while planning, planning again", metadata: [
                    "command": "\(command.name)", "actor": "\(command.actor)", "attempt": "\(attempt)",
                ])
                await Self.pauseBeforePlanning(after: attempt, started: started)
            } catch where known != nil || settings.usesKnownRevision {
                // Planned on values not read in this call: fail only if they are still current.
                var directoryMoved = false
                if let known { directoryMoved = try await directory.refresh() != known }
                var settingsMoved = false
                if settings.usesKnownRevision, let read = settings.revision {
                    settingsMoved = try await settingsCache.refresh() != read
                }
                guard directoryMoved || settingsMoved else { throw error }
                logger.debug("directory or settings had changed before planning, planning again", metadata: [
                    "command": "\(command.name)", "actor": "\(command.actor)", "error": "\(error.code.rawValue)",
                ])
            }
        }
    }

    /// Runs the effect of a timer (a reminder, an escalation, a service-target breach, a rescheduling): no actor
    /// and no key — the change names the timer it is the effect of, so it commits once — planned against the
    /// directory at a revision it commits under, and planned again when the directory changes in between.
    ///
    /// - Throws: what `plan` throws; `CollabError.Code.conflict` when the timer already fired or was cancelled
    ///   (another scheduler's commit won); `CollabError.Code.staleDirectory` when the directory changed under
    ///   every plan.
    func runEffect<Output>(_ name: String, plan: (Date) async throws(CollabError) -> Planned<Output>)
        async throws(CollabError) -> Output
    {
        var attempt = 0
        while true {
            attempt += 1
            let started = ContinuousClock.now
            let revision = try await directory.refresh()
            do throws(CollabError) {
                let settings = SettingsReading(usesKnownRevision: false)
                let now = now()
                let result: Result<Planned<Output>, CollabError> = await Self.$settingsReading.withValue(settings) {
                    do throws(CollabError) { return .success(try await plan(now)) } catch { return .failure(error) }
                }
                var planned = try result.get()
                planned.change.directoryRevision = revision
                planned.change.settingsRevision = settings.revision
                _ = try await commit(planned.change)
                telemetry.count(CollabTelemetry.commitsTotal, [("source", "effect"), ("command", name)])
                return planned.output
            } catch where error.code == .staleSettings || error.code == .staleDirectory {
                if error.code == .staleSettings { settingsCache.invalidate() } else { directory.invalidate() }
                guard attempt < Self.staleDirectoryAttempts else {
                    throw CollabError(error.code,
                        "the directory or the settings changed while '\(name)' was planned, \(attempt) times; nothing was written")
                }
                await Self.pauseBeforePlanning(after: attempt, started: started)
            }
        }
    }

    /// Commits `change`: the package's one call of the store's commit, reached only through ``run(_:plan:)`` and
    /// ``runEffect(_:plan:)``.
    private func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        var change = change
        try await writeNoticeTexts(&change.notifications)
        return try await store.commit(change)
    }

    /// A recorded result, handed out again only as a fresh command would be answered now: a deactivated actor
    /// is refused (`CollabError.Code.forbidden`, as the command itself refuses them), and an actor who may no
    /// longer see the record gets the command's `visible` check's `CollabError.Code.notFound`.
    private func replay<Output: Codable & Sendable>(
        _ recorded: RecordedResult, of command: Command<Output>, span: any Span
    ) async throws(CollabError) -> Output {
        let output = try Self.decodeRecorded(Output.self, recorded, command: command.name, fingerprint: command.fingerprint)
        let subject = try await subject(command.actor)
        span.attributes["collab.organization_id"] = subject.organizationID.rawValue
        guard subject.isActive else { throw Self.cannotAct(command.actor) }
        try await command.visible(subject, output)
        return output
    }

    /// What a deactivated member's command fails with.
    static func cannotAct(_ actor: Member.ID) -> CollabError {
        CollabError(.forbidden, "member '\(actor)' is deactivated and cannot act")
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

    /// A stable digest of a command's named inputs, in order (FNV-1a over `label=` and each value's canonical
    /// JSON): what ``Command``'s named-input initializer binds an idempotency key to.
    static func fingerprint(_ inputs: [(String, (any Encodable & Sendable)?)]) -> String {
        var bytes = Data()
        for (label, value) in inputs {
            bytes.append(contentsOf: Array("\(label)=".utf8))
            if let value { bytes.append(canonicalJSON(value) ?? Data("?".utf8)) } else { bytes.append(contentsOf: Array("null".utf8)) }
            bytes.append(0x1F)
        }
        return fnv1a(bytes)
    }

    /// A stable digest of a command's input (FNV-1a over its canonical JSON).
    static func recordFingerprint(_ input: some Encodable) -> String {
        fnv1a(canonicalJSON(input) ?? Data())
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
