import Foundation
import GRDB

/// Every row of every table of the database at `path`, in a stable order, read through a connection of its
/// own: equal snapshots before and after a refused command mean it changed nothing.
func tableSnapshot(_ path: String) async throws -> String {
    try await DatabaseQueue(path: path).read { db in
        var text = ""
        for table in try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
            """)
        {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map({ "\($0)" }).sorted() {
                text += "\(table) \(row)\n"
            }
        }
        return text
    }
}
