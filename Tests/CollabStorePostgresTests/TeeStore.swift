import CollabModel
import CollabStore
import CollabStorePostgres
import Foundation
import Synchronization

/// A store for differential tests: an engine runs on it as on any store; it reads from `primary` (an
/// SQLiteStore) and sends every commit and every directory save to `primary` and then, unchanged, to
/// `mirror` (a PostgresStore), noting every time the two answer differently (an outcome, or an error's code).
/// The reads of both stores are then compared.
final class TeeStore: Sendable {
    let primary: SQLiteStore
    let mirror: PostgresStore
    private let notes = Mutex<[String]>([])
    private let commits = Mutex(0)

    init(primary: SQLiteStore, mirror: PostgresStore) {
        self.primary = primary
        self.mirror = mirror
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
        let second: Result<CommitOutcome, CollabError>
        do { second = .success(try await mirror.commit(change)) } catch { second = .failure(error) }
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
