import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// The idempotency-key checks every write of a desk passes (issue 16): a desk's key tests list its writes as
// `KeyedWrite`s and run the three checks below over them.

/// One write of a desk, prepared on a fresh workplace: who runs it, the write itself under a key, and the
/// same write with another payload.
struct KeyedWriteSetup {
    let h: TestHarness
    /// The member who runs the write.
    let actor: Member.ID
    /// Runs the write with the key (none when `nil`); returns its result as JSON, for comparing results.
    let write: (String?) async throws -> Data
    /// Runs the same write with another payload under the key.
    let other: (String?) async throws -> Data
}

/// A write of a desk, named for the test report.
struct KeyedWrite: Sendable, CustomTestStringConvertible {
    let name: String
    let prepare: @Sendable () async throws -> KeyedWriteSetup

    var testDescription: String { name }

    init(_ name: String, prepare: @escaping @Sendable () async throws -> KeyedWriteSetup) {
        self.name = name
        self.prepare = prepare
    }
}

/// `value` as JSON with sorted keys: equal results give equal bytes.
func resultJSON(_ value: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(value)
}

/// (a) A replay with the same key returns an equal result and writes nothing.
func expectReplayWritesNothing(_ write: KeyedWrite, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let s = try await write.prepare()
    let first = try await s.write("key-1")
    let before = try await s.h.tableSnapshot()
    let again = try await s.write("key-1")
    #expect(again == first, "the replay returns the first result", sourceLocation: sourceLocation)
    #expect(try await s.h.tableSnapshot() == before, "the replay writes nothing",
        sourceLocation: sourceLocation)
}

/// (b) The same key with another payload is `idempotency_key_reused`, with every table unchanged.
func expectOtherPayloadRefused(_ write: KeyedWrite, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let s = try await write.prepare()
    _ = try await s.write("key-1")
    let before = try await s.h.tableSnapshot()
    await expectFailure(.idempotencyKeyReused, "\(write.name) with another payload", sourceLocation: sourceLocation) {
        _ = try await s.other("key-1")
    }
    #expect(try await s.h.tableSnapshot() == before, sourceLocation: sourceLocation)
}

/// (c) A deactivated actor is refused (`forbidden`) with every table unchanged: a fresh write, with a key or
/// without, and the replay of a write they ran before.
func expectDeactivatedActorRefused(_ write: KeyedWrite, sourceLocation: SourceLocation = #_sourceLocation)
    async throws
{
    let s = try await write.prepare()
    // A write they ran while active, under a key, to replay.
    let recorded = try await write.prepare()
    _ = try await recorded.write("key-1")
    for setup in [s, recorded] {
        var member = try #require(try await setup.h.store.member(setup.actor))
        member.isActive = false
        try await setup.h.store.save(member)
    }
    let before = try await s.h.tableSnapshot()
    for key in ["key-2", nil] as [String?] {
        await expectFailure(.forbidden, "\(write.name) by a deactivated actor, key \(key ?? "none")",
            sourceLocation: sourceLocation) {
            _ = try await s.write(key)
        }
    }
    #expect(try await s.h.tableSnapshot() == before, sourceLocation: sourceLocation)
    let recordedBefore = try await recorded.h.tableSnapshot()
    await expectFailure(.forbidden, "\(write.name) replayed for a deactivated actor", sourceLocation: sourceLocation) {
        _ = try await recorded.write("key-1")
    }
    #expect(try await recorded.h.tableSnapshot() == recordedBefore, sourceLocation: sourceLocation)
}
