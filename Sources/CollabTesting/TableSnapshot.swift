import CollabModel
import Foundation
import GRDB

/// Every row of every table of a Collab database, in a stable order, read through a connection of its own.
///
/// Take one before a call and one after: equal snapshots mean the call wrote nothing — not a row, not an
/// audit event, not a notification, not a timer, not an idempotency key. That is the strongest check that a
/// refused command left the database as it was.
///
/// ```swift
/// let before = try await harness.tableSnapshot()
/// let error = try await requireFailure(.forbidden) { try await engine.approve(item.id, by: "intruder") }
/// #expect(try await harness.tableSnapshot() == before)
/// ```
///
/// The snapshot reads the file directly (not through the store), so it sees exactly what was committed. It
/// holds every row as text, so take it of test-sized databases only.
public struct TableSnapshot: Equatable, Sendable, CustomStringConvertible {
    /// One line per row, `table row`, tables in name order and the rows of each table sorted.
    public let rows: [String]

    /// A snapshot of `rows` as another store renders them: one line per row, `table row`, tables in name
    /// order and the rows of each table sorted (the order is the caller's to keep; see
    /// ``HarnessStorage/Opening/snapshot``).
    public init(rows: [String]) {
        self.rows = rows
    }

    /// Reads every row of every table of the SQLite database at `databasePath` (tables whose names start
    /// with `sqlite_` are left out).
    ///
    /// - Throws: `CollabError.Code.storageUnavailable` naming the path when the file cannot be opened or read.
    public init(databasePath: String) async throws(CollabError) {
        do {
            rows = try await DatabaseQueue(path: databasePath).read { db in
                var rows: [String] = []
                for table in try String.fetchAll(db, sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
                    """)
                {
                    rows += try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map { "\(table) \($0)" }.sorted()
                }
                return rows
            }
        } catch {
            throw CollabError(.storageUnavailable, "could not read the tables of '\(databasePath)': \(error)")
        }
    }

    /// What changed from `earlier` to this snapshot: `+ ` before each row added, `- ` before each row removed
    /// (a changed row is one of each); empty when the two are equal.
    public func differences(from earlier: TableSnapshot) -> [String] {
        let now = Set(rows), before = Set(earlier.rows)
        return earlier.rows.filter { !now.contains($0) }.map { "- \($0)" }
            + rows.filter { !before.contains($0) }.map { "+ \($0)" }
    }

    /// The rows, one a line.
    public var description: String { rows.map { $0 + "\n" }.joined() }
}
