import CollabStore
import Foundation
import GRDBSQLite

/// The SQLite C API, directly: the limit Collab's figures are compared with.
final class RawSQLite {
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    init(path: String, synchronous: String) throws {
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            throw BenchError("cannot open \(path)")
        }
        try exec("PRAGMA journal_mode = WAL")
        try exec("PRAGMA synchronous = \(synchronous)")
        try exec("PRAGMA foreign_keys = ON")
        // The page cache of the store's writing connection, so that both sides keep the same pages in memory.
        try exec("PRAGMA cache_size = -\(SQLiteStore.Configuration().writerPageCacheBytes / 1024)")
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    func exec(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "?"
            sqlite3_free(error)
            throw BenchError("\(message) in \(sql)")
        }
    }

    enum Value {
        case text(String)
        case int(Int64)
        case null
    }

    /// Runs a cached prepared statement with `values` bound; returns the number of changed rows.
    @discardableResult
    func run(_ sql: String, _ values: [Value]) throws -> Int {
        let statement = try prepared(sql)
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, SQLITE_TRANSIENT_SWIFT)
            case .int(let number): sqlite3_bind_int64(statement, position, number)
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        var result = sqlite3_step(statement)
        while result == SQLITE_ROW { result = sqlite3_step(statement) }
        guard result == SQLITE_DONE else {
            throw BenchError("step failed (\(result)): \(String(cString: sqlite3_errmsg(handle))) in \(sql)")
        }
        return Int(sqlite3_changes(handle))
    }

    /// Runs a cached prepared statement with `values` bound and returns its rows (integers and texts).
    func rows(_ sql: String, _ values: [Value]) throws -> [[Value]] {
        let statement = try prepared(sql)
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        guard Int(sqlite3_bind_parameter_count(statement)) == values.count else {
            throw BenchError("\(values.count) values for \(sqlite3_bind_parameter_count(statement)) parameters in \(sql)")
        }
        for (index, value) in values.enumerated() {
            let position = Int32(index + 1)
            switch value {
            case .text(let text): sqlite3_bind_text(statement, position, text, -1, SQLITE_TRANSIENT_SWIFT)
            case .int(let number): sqlite3_bind_int64(statement, position, number)
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        var rows: [[Value]] = []
        var result = sqlite3_step(statement)
        while result == SQLITE_ROW {
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: .int(sqlite3_column_int64(statement, column))
                case SQLITE_NULL: .null
                default: .text(sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "")
                }
            })
            result = sqlite3_step(statement)
        }
        guard result == SQLITE_DONE else {
            throw BenchError("step failed (\(result)): \(String(cString: sqlite3_errmsg(handle))) in \(sql)")
        }
        return rows
    }

    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else {
            throw BenchError("prepare failed: \(String(cString: sqlite3_errmsg(handle))) in \(sql)")
        }
        statements[sql] = statement
        return statement
    }
}

let SQLITE_TRANSIENT_SWIFT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
