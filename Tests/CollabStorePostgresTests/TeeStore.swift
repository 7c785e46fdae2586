import CollabModel
import CollabStore
import CollabStorePostgres
import CollabTesting
import Foundation
import Synchronization

/// A store for differential tests: an engine runs on it as on any store; it reads from `primary` (an
/// SQLiteStore) and sends every commit and every directory save to `primary` and then, unchanged, to
/// `mirror` (a PostgresStore), noting every time the two answer differently (an outcome, or an error's code).
/// The reads of both stores are then compared. Every requirement it does not override goes to `primary`.
final class TeeStore: ForwardingStore, @unchecked Sendable {
    let primary: SQLiteStore
    let mirror: PostgresStore
    private let notes = Mutex<[String]>([])
    private let commits = Mutex(0)
    /// The mirror's claim of each timer the primary last handed out, by timer id: a firing committed under the
    /// primary's claim commits on the mirror under the mirror's.
    private let mirrorClaims = Mutex<[String: TimerClaim]>([:])

    init(primary: SQLiteStore, mirror: PostgresStore) {
        self.primary = primary
        self.mirror = mirror
        super.init(primary)
    }

    // The writes both stores are sent.

    override func save(_ organization: Organization) async throws(CollabError) {
        try await mirrorSave { (store: any DirectoryStore) async throws(CollabError) in try await store.save(organization) }
    }

    override func save(_ department: Department) async throws(CollabError) {
        try await mirrorSave { (store: any DirectoryStore) async throws(CollabError) in try await store.save(department) }
    }

    override func save(_ member: Member) async throws(CollabError) {
        try await mirrorSave { (store: any DirectoryStore) async throws(CollabError) in try await store.save(member) }
    }

    override func save(_ calendar: BusinessCalendar, for organizationID: Organization.ID, department: Department.ID?)
        async throws(CollabError)
    {
        try await mirrorSave { (store: any DirectoryStore) async throws(CollabError) in
            try await store.save(calendar, for: organizationID, department: department)
        }
    }

    override func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        try await mirrorCommit(change)
    }

    override func claimDueTimers(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError)
        -> [TimerClaim]
    {
        try await mirrorClaim(now: now, limit: limit, lease: lease, owner: owner)
    }

    override func releaseTimerClaims(_ claims: [TimerClaim]) async throws(CollabError) {
        try await mirrorRelease(claims)
    }

    /// Where the two stores answered a write differently.
    var divergences: [String] { notes.withLock { $0 } }

    /// How many commits both stores were sent.
    var commitCount: Int { commits.withLock { $0 } }

    private func note(_ text: String) {
        notes.withLock { $0.append(text) }
    }

    private static func describe<T>(_ result: Result<T, CollabError>) -> String {
        switch result {
        case .success(let value): "\(value)"
        case .failure(let error): "error \(error.code)"
        }
    }

    func mirrorCommit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        commits.withLock { $0 += 1 }
        let first: Result<CommitOutcome, CollabError>
        do { first = .success(try await primary.commit(change)) } catch { first = .failure(error) }
        var mirrored = change
        if let firing = change.firedTimer, let claim = mirrorClaims.withLock({ $0[firing.timerID] }) {
            mirrored.firedTimer = TimerFiring(claim: claim, firedAt: firing.firedAt)
        }
        let second: Result<CommitOutcome, CollabError>
        do { second = .success(try await mirror.commit(mirrored)) } catch { second = .failure(error) }
        let (a, b) = (Self.describe(first), Self.describe(second))
        if a != b {
            let item: String = switch change.item {
            case .insert(let item)?: "insert \(item.id)"
            case .update(let item, _)?: "update \(item.id) v\(item.version)"
            case nil: "no item"
            }
            note("commit (\(item), \(change.auditEvents.map(\.action))): SQLite \(a), PostgreSQL \(b)")
        }
        return try first.get()
    }

    /// Claims on both stores, noting when they hand out different timers; returns the primary's claims.
    func mirrorClaim(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError) -> [TimerClaim] {
        let first = try await primary.claimDueTimers(now: now, limit: limit, lease: lease, owner: owner)
        let second: [TimerClaim]
        do { second = try await mirror.claimDueTimers(now: now, limit: limit, lease: lease, owner: owner) } catch {
            note("timer claim: SQLite \(first.map(\.timer.id)), PostgreSQL error \(error.code)")
            return first
        }
        if first.map(\.timer) != second.map(\.timer) {
            note("timer claim: SQLite \(first.map(\.timer.id)), PostgreSQL \(second.map(\.timer.id))")
        }
        mirrorClaims.withLock { claims in for claim in second { claims[claim.timer.id] = claim } }
        return first
    }

    /// Releases claims on both stores.
    func mirrorRelease(_ claims: [TimerClaim]) async throws(CollabError) {
        let mirrored = mirrorClaims.withLock { all in claims.compactMap { all[$0.timer.id] } }
        try await primary.releaseTimerClaims(claims)
        do { try await mirror.releaseTimerClaims(mirrored) } catch { note("timer release: PostgreSQL error \(error.code)") }
    }

    func mirrorSave(_ save: (any DirectoryStore) async throws(CollabError) -> Void) async throws(CollabError) {
        let first: Result<Void, CollabError>
        do { try await save(primary); first = .success(()) } catch { first = .failure(error) }
        let second: Result<Void, CollabError>
        do { try await save(mirror); second = .success(()) } catch { second = .failure(error) }
        let (a, b) = (Self.describe(first), Self.describe(second))
        if a != b { note("directory save: SQLite \(a), PostgreSQL \(b)") }
        try first.get()
    }
}
