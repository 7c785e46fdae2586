import CollabModel
import Foundation
import GRDB
import GRDBSQLite

/// A value bound to a statement parameter through SQLite's C API.
///
/// The commit path binds through this instead of GRDB's `StatementArguments`, which converts every value
/// to a `DatabaseValue` through existentials and key paths: on a create that wrote 40 rows, that was a
/// third of the write transaction's CPU time.
protocol SQLBindable {
    func bind(to statement: SQLiteStatement, at position: Int32) -> Int32
    /// The value bound, `nil` for NULL (an optional unwrapped).
    var boundValue: (any SQLBindable)? { get }
    /// Whether `other`, a non-optional value, is equal to this non-optional value.
    func equals(_ other: any SQLBindable) -> Bool
}

extension SQLBindable where Self: Equatable {
    var boundValue: (any SQLBindable)? { self }
    func equals(_ other: any SQLBindable) -> Bool { (other as? Self) == self }
}

extension SQLBindable {
    /// Whether `other` binds the same value (both NULL, or equal values of one type).
    func isSameValue(as other: any SQLBindable) -> Bool {
        switch (boundValue, other.boundValue) {
        case (nil, nil): true
        case (let value?, let otherValue?): value.equals(otherValue)
        default: false
        }
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension String: SQLBindable {
    func bind(to statement: SQLiteStatement, at position: Int32) -> Int32 {
        sqlite3_bind_text(statement, position, self, -1, transient)
    }
}

extension Int: SQLBindable {
    func bind(to statement: SQLiteStatement, at position: Int32) -> Int32 {
        sqlite3_bind_int64(statement, position, Int64(self))
    }
}

extension Int64: SQLBindable {
    func bind(to statement: SQLiteStatement, at position: Int32) -> Int32 {
        sqlite3_bind_int64(statement, position, self)
    }
}

extension Data: SQLBindable {
    func bind(to statement: SQLiteStatement, at position: Int32) -> Int32 {
        withUnsafeBytes { bytes in
            sqlite3_bind_blob(statement, position, bytes.baseAddress, Int32(bytes.count), transient)
        }
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    var boundValue: (any SQLBindable)? { self?.boundValue }
    func equals(_ other: any SQLBindable) -> Bool { self?.equals(other) ?? false }

    func bind(to statement: SQLiteStatement, at position: Int32) -> Int32 {
        switch self {
        case .some(let value): value.bind(to: statement, at: position)
        case .none: sqlite3_bind_null(statement, position)
        }
    }
}

extension Database {
    /// Runs the cached statement for `sql` with `values` bound in order, through SQLite's C API, and
    /// returns the number of rows it changed.
    ///
    /// Only for statements that return no rows (inserts, updates, deletes) inside a transaction the store
    /// opened. Errors are GRDB's `DatabaseError`, so ``SQLiteStore/map(_:logger:)`` and the busy retries
    /// treat them like any other.
    @discardableResult
    func run(_ sql: String, _ values: [any SQLBindable]) throws -> Int {
        let statement = try cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (index, value) in values.enumerated() {
            let code = value.bind(to: statement, at: Int32(index + 1))
            guard code == SQLITE_OK else { throw failure(code, sql) }
        }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else {
            let error = failure(code, sql)
            sqlite3_reset(statement)
            throw error
        }
        sqlite3_reset(statement)
        return Int(sqlite3_changes(sqliteConnection))
    }

    fileprivate func failure(_ code: Int32, _ sql: String) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: sqliteConnection.map { String(cString: sqlite3_errmsg($0)) },
            sql: sql)
    }
}

/// The current row of a statement being stepped, read through SQLite's C API by column position.
///
/// GRDB's `Row` copies each value into a `DatabaseValue` and decodes through generic conversions; item
/// reads (one per command, fifty per list page) decode here instead, about three times faster.
struct RawRow {
    let statement: SQLiteStatement

    func isNull(_ column: Int) -> Bool {
        sqlite3_column_type(statement, Int32(column)) == SQLITE_NULL
    }

    func text(_ column: Int) -> String? {
        let index = Int32(column)
        guard let bytes = sqlite3_column_text(statement, index) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func int64(_ column: Int) -> Int64? {
        isNull(column) ? nil : sqlite3_column_int64(statement, Int32(column))
    }

    func int(_ column: Int) -> Int? {
        int64(column).map { Int($0) }
    }

    func double(_ column: Int) -> Double {
        sqlite3_column_double(statement, Int32(column))
    }
}

extension Database {
    /// Steps `statement` with `arguments` bound and hands each row to `body`, through SQLite's C API.
    func forEachRow(
        _ statement: Statement, _ arguments: StatementArguments, _ body: (RawRow) throws -> Void
    ) throws {
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw failure(code, statement.sql) }
            try body(RawRow(statement: handle))
        }
    }
}

extension SQLiteStore {
    /// How many statements are prepared on the writing connection and on one reading connection: the
    /// cached ones and any still open. Tests check that lists whose length comes from input do not grow
    /// GRDB's statement cache, which never evicts.
    func preparedStatementCount() async throws(CollabError) -> Int {
        let count: @Sendable (Database) -> Int = { db in
            guard let connection = db.sqliteConnection else { return 0 }
            var total = 0
            var statement = sqlite3_next_stmt(connection, nil)
            while let current = statement {
                total += 1
                statement = sqlite3_next_stmt(connection, current)
            }
            return total
        }
        do {
            let writing = try await writer.writeWithoutTransaction { db in count(db) }
            let reading = try await writer.read { db in count(db) }
            return writing + (writer is DatabasePool ? reading : 0)
        } catch {
            throw Self.map(error, logger: logger)
        }
    }
}

// MARK: - SQL whose text would depend on input

// GRDB's statement cache never evicts: every distinct SQL text passed to `cachedStatement(sql:)` stays
// prepared for the life of the connection. A text built from input — one `?` per id of a list, one term per
// grant of a scope or per period of a report — would leave one statement behind for every new length
// (reading members by 1 … 1,400 ids grew the process by 1.2 GB). So:
// - a list of values from input is bound as one JSON array, `IN (SELECT value FROM json_each(?))`
//   (``SQLiteStore/jsonList(_:)``): one fixed text, one cached statement, the same index searches;
// - a statement whose text still grows with input goes through ``Database/statement(sql:terms:)``, which
//   caches it only while its input-built terms are few, so the cache holds a bounded number of texts.

extension SQLiteStore {
    /// `IN` over a list bound as one JSON array: `column IN \(inJSONList)`, bound to ``jsonList(_:)``.
    static let inJSONList = "(SELECT value FROM json_each(?))"

    /// Up to this many input-built terms (grants, periods), a statement's text is cached; beyond, it is
    /// prepared for one use. The cache then holds at most this many shapes of each statement.
    static let maximumCachedTerms = 8

    /// `values` as a JSON array of strings, for ``inJSONList``.
    static func jsonList<Values: Sequence<String>>(_ values: Values) -> String {
        var json = "["
        var first = true
        for value in values {
            if !first { json += "," }
            first = false
            json += "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": json += "\\\""
                case "\\": json += "\\\\"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: json.unicodeScalars.append(scalar)
                }
            }
            json += "\""
        }
        return json + "]"
    }
}

extension Database {
    /// The statement for `sql`, whose text holds `terms` terms built from input (a scope's grants, a
    /// report's periods): cached while `terms` is at most ``SQLiteStore/maximumCachedTerms``, otherwise
    /// prepared for this use only, so that GRDB's cache, which never evicts, stays bounded.
    func statement(sql: String, terms: Int) throws -> Statement {
        terms <= SQLiteStore.maximumCachedTerms ? try cachedStatement(sql: sql) : try makeStatement(sql: sql)
    }
}
