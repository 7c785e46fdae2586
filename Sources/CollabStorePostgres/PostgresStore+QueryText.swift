import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import PostgresNIO

/// A statement whose text is assembled piece by piece (a scope's grants, a filter's conditions): fixed SQL
/// text from this module, and every value bound as a parameter (`$n`), never spliced into the text.
struct QueryText {
    private(set) var sql: String
    private(set) var binds = PostgresBindings()

    init(_ sql: String = "") {
        self.sql = sql
    }

    /// Appends fixed SQL text (never input).
    mutating func add(_ text: String) {
        sql += text
    }

    /// Binds `value` as the next parameter and appends its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) {
        binds.append(value)
        sql += "$\(binds.count)"
    }

    /// Binds `value` (NULL when `nil`) as the next parameter and appends its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value?) {
        binds.append(value)
        sql += "$\(binds.count)"
    }

    /// The statement: fixed text with placeholders, the values bound.
    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}

extension PostgresStore {
    /// A record's JSON body (`body` column), or `storageCorrupt` naming the record.
    static func body<T: Decodable>(_ type: T.Type, _ row: PostgresRandomAccessRow, _ what: String) throws -> T {
        let id = (try? row.value("id", as: String.self)) ?? "?"
        do {
            guard let value = try StoredJSON.decode(type, row.value("body", as: String?.self)) else {
                throw CollabError(.storageCorrupt, "\(what) '\(id.clipped())' has no body")
            }
            return value
        } catch let error as CollabError {
            throw error
        } catch {
            throw CollabError(.storageCorrupt, "\(what) '\(id.clipped())' is unreadable: \(error)")
        }
    }

    /// A newest-first cursor "key|id": the sort key and id of the last row of the previous page.
    static func newestCursor(_ cursor: String?, of list: String) throws(CollabError) -> (Int64, String)? {
        guard let cursor else { return nil }
        let parts = cursor.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let key = Int64(parts[0]) else {
            throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                message: "'\(cursor.clipped())' is not a cursor of the \(list) list")])
        }
        return (key, String(parts[1]))
    }

    /// One newest-first page from `limit + 1` rows: the cursor names the last row kept by `key` and `id`.
    static func newestPage<T: Sendable>(
        _ rows: [PostgresRandomAccessRow], limit: Int, key: String, decode: (PostgresRandomAccessRow) throws -> T
    ) throws -> Page<T> {
        let kept = rows.prefix(limit)
        let items = try kept.map(decode)
        var next: String?
        if rows.count > limit, let last = kept.last {
            next = "\(try last.value(key, as: Int64.self))|\(try last.value("id", as: String.self))"
        }
        return Page(items: items, nextCursor: next)
    }
}
