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
