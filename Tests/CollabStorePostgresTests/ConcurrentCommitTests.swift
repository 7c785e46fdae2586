import CollabModel
import CollabStore
@testable import CollabStorePostgres
import Foundation
import Testing

/// Several instances of the store on one database commit at once: the checks SQLite made with one writer
/// hold under concurrency (one winner, the same error codes for the others).
@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct ConcurrentCommitTests {
    static func errorCodes(_ outcomes: [Result<CommitOutcome, CollabError>]) -> [CollabError.Code] {
        outcomes.compactMap { outcome -> CollabError.Code? in
            if case .failure(let error) = outcome { return error.code }
            return nil
        }
    }

    /// Two instances, one item created through the differential world's engine.
    static func world(_ store: PostgresStore) async throws -> (DifferentialTests.World, PostgresStore, WorkItem) {
        let w = try await DifferentialTests.makeWorld(store)
        let created = try await w.engine.workItems.create(
            w.draft("Shared item", assignees: [DifferentialTests.assignee], days: 5), by: DifferentialTests.initiator)
        let peer = try await PostgresTestServer.makePeer(of: store)
        let stored = try #require(try await peer.workItem(created.id))
        return (w, peer, stored)
    }

    @Test func oneOfManyUpdatesAtTheSameVersionWinsTheOthersConflict() async throws {
        try await PostgresTestServer.withStore { store in
            let (w, peer, item) = try await Self.world(store)
            let stores = [store, peer, store, peer, store, peer]
            let outcomes = await withTaskGroup(of: Result<CommitOutcome, CollabError>.self) { group in
                for (index, target) in stores.enumerated() {
                    var next = item
                    next.title = "Title \(index)"
                    next.version = item.version + 1
                    let change = ChangeSet(item: .update(next, previous: item))
                    group.addTask {
                        do { return .success(try await target.commit(change)) } catch { return .failure(error as? CollabError ?? CollabError(.storageFailure, "\(error)")) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let committed = outcomes.filter { if case .success(.committed) = $0 { true } else { false } }
            let conflicts = Self.errorCodes(outcomes)
            #expect(committed.count == 1)
            #expect(conflicts == Array(repeating: .conflict, count: stores.count - 1))
            let stored = try #require(try await peer.workItem(item.id))
            #expect(stored.version == item.version + 1)
            #expect(stored.title.hasPrefix("Title "))
            _ = w
            await peer.shutdown()
        }
    }

    @Test func oneIdempotencyKeyUsedAtOnceCommitsOnceAndReplaysForTheRest() async throws {
        try await PostgresTestServer.withStore { store in
            let (w, peer, item) = try await Self.world(store)
            let key = IdempotencyKey(actorID: DifferentialTests.initiator, key: "same-key")
            let outcomes = await withTaskGroup(of: Result<CommitOutcome, CollabError>.self) { group in
                for index in 0..<6 {
                    let target = index % 2 == 0 ? store : peer
                    var next = item
                    next.title = "Keyed \(index)"
                    next.version = item.version + 1
                    var change = ChangeSet(
                        idempotency: IdempotencyRecord(key: key, result: RecordedResult(
                            command: "rename", fingerprint: "f", payload: Data("\(index)".utf8))),
                        item: .update(next, previous: item))
                    change.auditEvents = [AuditEvent(
                        id: AuditEvent.ID("audit-\(index)"), organizationID: "acme", itemID: item.id,
                        actorID: DifferentialTests.initiator, action: "renamed", fromState: nil, toState: nil,
                        details: ["n": "\(index)"], occurredAt: w.clock.now())]
                    group.addTask {
                        do { return .success(try await target.commit(change)) } catch { return .failure(error as? CollabError ?? CollabError(.storageFailure, "\(error)")) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let committed = outcomes.filter { if case .success(.committed) = $0 { true } else { false } }
            let replays = outcomes.compactMap { if case .success(.replayed(let result)) = $0 { result } else { nil } }
            #expect(committed.count == 1)
            #expect(replays.count == 5)
            let recorded = try #require(try await peer.recordedResult(for: key))
            #expect(Set(replays.map(\.payload)) == [recorded.payload])
            #expect(try await store.auditTrail(of: item.id).filter { $0.action == "renamed" }.count == 1)
            await peer.shutdown()
        }
    }

    @Test func aTimerFiresOnceWhoeverFiresIt() async throws {
        try await PostgresTestServer.withStore { store in
            let (_, peer, item) = try await Self.world(store)
            let timer = try #require(try await peer.pendingTimers(of: item.id).first)
            let claim = try #require(try await peer.claimDueTimers(now: timer.fireAt, limit: 100, lease: .seconds(60), owner: "test")
                .first { $0.timer.id == timer.id })
            let outcomes = await withTaskGroup(of: Result<CommitOutcome, CollabError>.self) { group in
                for index in 0..<4 {
                    let target = index % 2 == 0 ? store : peer
                    var change = ChangeSet()
                    change.firedTimer = TimerFiring(claim: claim, firedAt: timer.fireAt)
                    group.addTask {
                        do { return .success(try await target.commit(change)) } catch { return .failure(error as? CollabError ?? CollabError(.storageFailure, "\(error)")) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { if case .success = $0 { true } else { false } }.count == 1)
            #expect(Self.errorCodes(outcomes)
                == [.conflict, .conflict, .conflict])
            #expect(try await store.pendingTimers(of: item.id).contains { $0.id == timer.id } == false)
            await peer.shutdown()
        }
    }

    @Test func aDirectoryChangeByAnotherInstanceMakesAPlannedChangeStale() async throws {
        try await PostgresTestServer.withStore { store in
            let (_, peer, item) = try await Self.world(store)
            let planned = try await store.directoryRevision()
            try await peer.save(Department(id: "support", organizationID: "acme", name: "Support"))
            #expect(try await store.directoryRevision() == planned + 1)
            var next = item
            next.version += 1
            var change = ChangeSet(item: .update(next, previous: item))
            change.directoryRevision = planned
            let error = await #expect(throws: CollabError.self) { _ = try await store.commit(change) }
            #expect(error?.code == .staleDirectory)
            #expect(try await store.workItem(item.id)?.version == item.version)
            change.directoryRevision = planned + 1
            #expect(try await store.commit(change) == .committed)
            await peer.shutdown()
        }
    }

    @Test func retentionDeletesExpiredRowsInBatches() async throws {
        try await PostgresTestServer.withStore { store in
            let (w, peer, _) = try await Self.world(store)
            for index in 0..<5 {
                var change = ChangeSet(idempotency: IdempotencyRecord(
                    key: IdempotencyKey(actorID: "li", key: "k\(index)"),
                    result: RecordedResult(command: "c", fingerprint: "f", payload: Data([UInt8(index)]))))
                change.comments = []
                #expect(try await store.commit(change) == .committed)
            }
            let now = w.clock.now()
            // Keys without a time are stamped first, in batches; then those older than the cutoff go.
            let first = try await store.deleteExpired(.idempotencyKeys, before: now, now: now, limit: 3)
            #expect(first == RetentionBatch(deleted: 0, stamped: 3))
            let second = try await peer.deleteExpired(.idempotencyKeys, before: now.addingTimeInterval(-1), now: now, limit: 3)
            #expect(second == RetentionBatch(deleted: 0, stamped: 2))
            let third = try await store.deleteExpired(.idempotencyKeys, before: now, now: now, limit: 3)
            #expect(third == RetentionBatch(deleted: 3, stamped: 0))
            let fourth = try await peer.deleteExpired(.idempotencyKeys, before: now, now: now, limit: 3)
            #expect(fourth == RetentionBatch(deleted: 2, stamped: 0))
            #expect(try await store.recordedResult(for: IdempotencyKey(actorID: "li", key: "k0")) == nil)
            #expect(try await store.deleteExpired(.hookDeliveries, before: now, now: now, limit: 10) == RetentionBatch(deleted: 0))
            #expect(try await store.deleteExpired(.readNotices, before: now, now: now, limit: 10) == RetentionBatch(deleted: 0))
            await peer.shutdown()
        }
    }
}
