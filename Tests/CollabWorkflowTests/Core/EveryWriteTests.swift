import CollabModel
import CollabTesting
@testable import CollabWorkflow
import Testing

/// The guarantees every write of the engine gives, checked over the whole `WriteCatalog`: a replay under the
/// same idempotency key returns the recorded result and writes nothing; the same key with another payload is
/// refused and writes nothing; a deactivated actor is refused and writes nothing; an actor deactivated between
/// the write's plan and its commit is refused and nothing is written (the runner's condition at commit).
///
/// Writes that take no idempotency key yet (`supportsKey` false) skip the checks that need one.
@Suite(.timeLimit(.minutes(10))) struct EveryWriteTests {
    @Test("the catalog lists each write once, in the order of its list of names")
    func catalogNames() {
        #expect(WriteCatalog.all.map(\.name) == WriteCatalog.names)
        #expect(Set(WriteCatalog.names).count == WriteCatalog.names.count, "each name once")
    }

    @Test("a replay with the same idempotency key returns the same result and writes nothing",
        arguments: WriteCatalog.all)
    func replay(_ write: WriteCase) async throws {
        guard write.supportsKey else { return }  // key: pending runner
        let staged = try await write.setup()
        let h = staged.workplace.harness
        let first = try await staged.run("key-\(write.name)")
        let before = try await h.tableSnapshot()
        h.clock.advance(by: .seconds(60))
        let again = try await staged.run("key-\(write.name)")
        #expect(again == first, "\(write.name): the recorded result")
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote on replay")
    }

    @Test("the same idempotency key with another payload is refused and writes nothing", arguments: WriteCatalog.all)
    func keyReused(_ write: WriteCase) async throws {
        guard write.supportsKey else { return }  // key: pending runner
        let staged = try await write.setup()
        let h = staged.workplace.harness
        _ = try await staged.run("key-\(write.name)")
        let before = try await h.tableSnapshot()
        h.clock.advance(by: .seconds(60))
        await expectFailure(.idempotencyKeyReused, "\(write.name)") {
            _ = try await staged.runOther("key-\(write.name)")
        }
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote")
    }

    @Test("a deactivated actor is refused and nothing is written", arguments: WriteCatalog.all)
    func deactivatedActor(_ write: WriteCase) async throws {
        let staged = try await write.setup()
        let h = staged.workplace.harness
        try await staged.workplace.deactivate(staged.actor)
        let before = try await h.tableSnapshot()
        await expectFailure(.forbidden, "\(write.name) by deactivated '\(staged.actor)'") {
            _ = try await staged.run(nil)
        }
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote")
    }
}

extension EveryWriteTests {
    @Test("a deactivated actor replaying their own recorded key is refused, not handed the recorded result",
        arguments: WriteCatalog.all)
    func deactivatedReplay(_ write: WriteCase) async throws {
        guard write.supportsKey else { return }  // key: pending runner
        let staged = try await write.setup()
        let h = staged.workplace.harness
        _ = try await staged.run("key-\(write.name)")
        try await staged.workplace.deactivate(staged.actor)
        let before = try await h.tableSnapshot()
        await expectFailure(.forbidden, "\(write.name) replayed by deactivated '\(staged.actor)'") {
            _ = try await staged.run("key-\(write.name)")
        }
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote")
    }
}

extension EveryWriteTests {
    /// Writes that do not run through the command runner: read marks are the member's own view of their inbox,
    /// written straight to the store (checked for an active member first).
    static let notPlanned: Set<String> = ["inbox.markRead", "inbox.markAllRead"]

    @Test("an actor deactivated between the write's plan and its commit is refused, and nothing is written",
        arguments: WriteCatalog.all)
    func rightRevokedBeforeCommit(_ write: WriteCase) async throws {
        guard !Self.notPlanned.contains(write.name) else { return }
        let staged = try await write.setup()
        let workplace = staged.workplace
        let h = workplace.harness
        let actor = staged.actor
        let revocations = Locked(0)
        // Another process deactivates the actor after the write was planned (its rights checked) and before it
        // commits: the commit must fail its directory condition, and the plan made again must refuse.
        var configuration = workplace.engine.configuration
        configuration.beforeCommit = { _, attempt in
            guard attempt == 1 else { return }
            do {
                try await workplace.deactivate(actor)
                revocations.withLock { $0 += 1 }
            } catch {
                Issue.record("could not deactivate '\(actor)': \(error)")
            }
        }
        let engine = WorkflowEngine(store: h.store, clock: h.clock, identifiers: h.identifiers, configuration: configuration)
        let before = try await h.tableSnapshot()
        await expectFailure(.forbidden, "\(write.name) by '\(actor)', deactivated before its commit") {
            _ = try await staged.runOn(engine, nil)
        }
        #expect(revocations.withLock { $0 } == 1, "\(write.name): planned, then revoked once")
        // Only the deactivation itself was written: the member's row and the directory revision.
        let written = try await h.tableSnapshot().differences(from: before)
            .filter { !$0.hasPrefix("- members ") && !$0.hasPrefix("+ members ") && !$0.contains(" directory_revision ") }
        #expect(written == [], "\(write.name) committed on rights revoked before its commit")
    }
}
