import CollabModel
import Foundation
import PostgresNIO

// Value conversions shared by the store's files: the same stored forms as SQLiteStore's (instants as
// milliseconds since 1970, lists joined by U+001F, JSON text with sorted keys), so both stores hold the same
// values and decode them the same way.

extension Date {
    /// Milliseconds since 1970, as stored. Validation keeps instants within the years 1 to 9999; beyond
    /// that the value saturates rather than trap.
    var storedMilliseconds: Int64 { millisecondsSince1970 }

    init(storedMilliseconds value: Int64) {
        self.init(timeIntervalSince1970: TimeInterval(value) / 1000)
    }
}

/// Lists of identifiers and tags are stored as text joined by U+001F (validation keeps control characters
/// out of both).
enum StoredList {
    static let separator: Character = "\u{1F}"

    static func encode<S: Sequence>(_ values: S) -> String where S.Element == String {
        values.joined(separator: String(separator))
    }

    static func decode(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return text.utf8.split(separator: 0x1F, omittingEmptySubsequences: false).map { String(Substring($0)) }
    }

    static func ids<E>(_ text: String?) -> [Identifier<E>] { decode(text).map(Identifier<E>.init(rawValue:)) }
}

/// JSON text as SQLiteStore stores it.
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T? {
        guard let text, !text.isEmpty else { return nil }
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// A string dictionary as a JSON object with sorted keys: the same text `JSONEncoder` with
    /// `.sortedKeys` writes.
    static func encodeObject(_ values: [String: String]) -> String {
        var text = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += quoted(key) + ":" + quoted(values[key] ?? "")
        }
        return text + "}"
    }

    static func quoted(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "/": text += "\\/"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }
}

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
