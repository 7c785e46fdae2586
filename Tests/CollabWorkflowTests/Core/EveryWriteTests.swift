import CollabModel
import CollabTesting
import CollabWorkflow
import Testing

/// The guarantees every write of the engine gives, checked over the whole `WriteCatalog`: a replay under the
/// same idempotency key returns the recorded result and writes nothing; the same key with another payload is
/// refused and writes nothing; a deactivated actor is refused and writes nothing.
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
