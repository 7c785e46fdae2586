import CollabModel
import CollabStore
import Foundation
import PostgresNIO

// Reading PostgreSQL rows in the stored forms both stores share (CollabStore's `package` StoredList,
// StoredJSON and Date(storedMilliseconds:): instants as milliseconds since 1970, lists joined by U+001F, JSON
// text with sorted keys), so both stores hold the same values and decode them the same way.

extension PostgresRandomAccessRow {
    /// A nullable text column.
    func text(_ column: String) throws -> String? { try value(column, as: String?.self) }

    /// A nullable instant column (milliseconds since 1970).
    func date(_ column: String) throws -> Date? {
        try value(column, as: Int64?.self).map(Date.init(storedMilliseconds:))
    }

    /// A non-null instant column (milliseconds since 1970).
    func requiredDate(_ column: String) throws -> Date {
        Date(storedMilliseconds: try value(column, as: Int64.self))
    }

    /// A JSON body column decoded as `type`, or `storageCorrupt` naming what could not be read.
    func json<T: Decodable>(_ type: T.Type, _ column: String, of what: @autoclosure () -> String) throws -> T? {
        do {
            return try StoredJSON.decode(type, try text(column))
        } catch let error as CollabError {
            throw error
        } catch {
            throw CollabError(.storageCorrupt, "\(what()) is unreadable: \(error)")
        }
    }
}
