import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// One write of a desk, for the desks' key tests: what it needs prepared on a fresh ``Workplace``, and how
/// to run it under an idempotency key with one payload or another.
struct ScenarioKeyCase: Sendable, CustomTestStringConvertible {
    /// The command, as the test lists it.
    let testDescription: String
    /// Who runs the write (deactivated by the refusal check).
    let actor: Member.ID
    /// Sets up the records the write works on; returns their ids.
    let prepare: @Sendable (Workplace) async throws -> [String]
    /// Runs the write with `key` on payload `variant` (0: the first payload, 1: another one) on the prepared
    /// ids; returns its result as text, to compare a replay with the first run.
    let write: @Sendable (_ w: Workplace, _ ids: [String], _ key: String?, _ variant: Int) async throws -> String

    init(
        _ name: String, by actor: Member.ID, prepare: @escaping @Sendable (Workplace) async throws -> [String] = { _ in [] },
        write: @escaping @Sendable (_ w: Workplace, _ ids: [String], _ key: String?, _ variant: Int) async throws -> String
    ) {
        self.testDescription = name
        self.actor = actor
        self.prepare = prepare
        self.write = write
    }
}

/// The checks every write of a desk passes (issue 16): (a) a replay under the same key returns the first
/// result and writes nothing; (b) the same key with another payload is `idempotency_key_reused` and writes
/// nothing; (c) a deactivated actor is refused (`forbidden`) and nothing is written. "Nothing" is every row of
/// every table of the database (``tableSnapshot(_:)``).
enum ScenarioKeyChecks {
    static func replayWritesNothing(_ write: ScenarioKeyCase) async throws {
        let w = try await Workplace(storage: .underTest)
        let ids = try await write.prepare(w)
        let first = try await write.write(w, ids, "retry-1", 0)
        let after = try await w.h.tableSnapshot()
        let replayed = try await write.write(w, ids, "retry-1", 0)
        #expect(replayed == first)
        #expect(try await w.h.tableSnapshot() == after)
    }

    static func otherPayloadIsRefused(_ write: ScenarioKeyCase) async throws {
        let w = try await Workplace(storage: .underTest)
        let ids = try await write.prepare(w)
        _ = try await write.write(w, ids, "retry-1", 0)
        let after = try await w.h.tableSnapshot()
        await expectFailure(.idempotencyKeyReused, "\(write.testDescription), another payload under the same key") {
            _ = try await write.write(w, ids, "retry-1", 1)
        }
        #expect(try await w.h.tableSnapshot() == after)
    }

    static func deactivatedActorIsRefused(_ write: ScenarioKeyCase) async throws {
        let w = try await Workplace(storage: .underTest)
        let ids = try await write.prepare(w)
        try await w.deactivate(write.actor)
        let before = try await w.h.tableSnapshot()
        await expectFailure(.forbidden, "\(write.testDescription) by a deactivated actor, without a key") {
            _ = try await write.write(w, ids, nil, 0)
        }
        await expectFailure(.forbidden, "\(write.testDescription) by a deactivated actor, with a key") {
            _ = try await write.write(w, ids, "retry-2", 0)
        }
        #expect(try await w.h.tableSnapshot() == before)
    }
}
