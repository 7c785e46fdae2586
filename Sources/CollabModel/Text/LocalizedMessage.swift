import Foundation

/// A text for a person, kept as data: a key of a ``MessageCatalog`` and the values its template names.
///
/// Notices carry one (``Notice/message``), so a host can render them its own way — in another language, as a
/// card in a chat app — from the kind and the values rather than by parsing the text Collab wrote. Render one
/// with ``MessageFormatter/string(_:)``.
public struct LocalizedMessage: Hashable, Sendable, Codable {
    /// The catalog key (`notice.assigned`); a notice's title and body are the templates `<key>.title` and
    /// `<key>.body`.
    public var key: String
    /// The values the templates name, by placeholder (`{title}` → `arguments["title"]`).
    public var arguments: [String: MessageArgument]

    /// Creates a message.
    public init(_ key: String, _ arguments: [String: MessageArgument] = [:]) {
        self.key = key
        self.arguments = arguments
    }
}

/// One value of a ``LocalizedMessage``, formatted for the reader's locale when the message is rendered.
public enum MessageArgument: Hashable, Sendable, Codable {
    /// Text written as it is: a title, a name, a reason.
    case text(String)
    /// A whole number (`1,234`).
    case integer(Int)
    /// A number with this many decimals (`12.5`).
    case decimal(Double, fractionDigits: Int)
    /// A fraction 0...1 written as a percentage with one decimal (`45.7%`).
    case percent(Double)
    /// A calendar day with its weekday (`2026年12月3日 周四`, `Thu, Dec 3, 2026`).
    case date(CalendarDate)
    /// An instant with its day, weekday and time, in the reader's organization's time zone
    /// (`2026年12月3日 周四 16:00`).
    case dateTime(Date)
    /// A deadline: a date-only one as ``date(_:)``, an exact one as ``dateTime(_:)``.
    case deadline(Deadline)
    /// A length of time in minutes, hours or days, one decimal (`2.5 小时`, `3.0 days`).
    case duration(Duration)
    /// Another catalog key, rendered in the same language (a state, a priority: `state.in_progress` → `进行中`).
    case term(String)
    /// Another message, rendered in the same language (a phrase with values of its own).
    indirect case message(LocalizedMessage)
    /// Several values joined as the language joins a list (`a, b and c`, `a、b和c`).
    indirect case list([MessageArgument])
}

extension MessageArgument: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// Text, as ``text(_:)``.
    public init(stringLiteral value: String) { self = .text(value) }
}

extension MessageArgument {
    private enum CodingKeys: String, CodingKey {
        case text, integer, decimal, fractionDigits, percent, date, dateTime, deadline, durationSeconds, term, message, list
    }

    /// Encodes the argument as an object with one key naming its kind (`{"text": "…"}`, `{"date": "2026-12-03"}`,
    /// `{"durationSeconds": 7200}`), readable by a host in any language.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text(let value): try container.encode(value, forKey: .text)
        case .integer(let value): try container.encode(value, forKey: .integer)
        case .decimal(let value, let digits):
            try container.encode(value, forKey: .decimal)
            try container.encode(digits, forKey: .fractionDigits)
        case .percent(let value): try container.encode(value, forKey: .percent)
        case .date(let value): try container.encode(value, forKey: .date)
        case .dateTime(let value): try container.encode(value.timeIntervalSince1970, forKey: .dateTime)
        case .deadline(let value): try container.encode(value, forKey: .deadline)
        case .duration(let value):
            let (seconds, attoseconds) = value.components
            try container.encode(Double(seconds) + Double(attoseconds) / 1e18, forKey: .durationSeconds)
        case .term(let value): try container.encode(value, forKey: .term)
        case .message(let value): try container.encode(value, forKey: .message)
        case .list(let values): try container.encode(values, forKey: .list)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let value = try container.decodeIfPresent(String.self, forKey: .text) { self = .text(value) }
        else if let value = try container.decodeIfPresent(Int.self, forKey: .integer) { self = .integer(value) }
        else if let value = try container.decodeIfPresent(Double.self, forKey: .decimal) {
            self = .decimal(value, fractionDigits: try container.decodeIfPresent(Int.self, forKey: .fractionDigits) ?? 1)
        } else if let value = try container.decodeIfPresent(Double.self, forKey: .percent) { self = .percent(value) }
        else if let value = try container.decodeIfPresent(CalendarDate.self, forKey: .date) { self = .date(value) }
        else if let value = try container.decodeIfPresent(Double.self, forKey: .dateTime) {
            self = .dateTime(Date(timeIntervalSince1970: value))
        } else if let value = try container.decodeIfPresent(Deadline.self, forKey: .deadline) { self = .deadline(value) }
        else if let value = try container.decodeIfPresent(Double.self, forKey: .durationSeconds), value.isFinite,
            abs(value) < 1e15
        {
            self = .duration(.milliseconds(Int64((value * 1000).rounded())))
        } else if let value = try container.decodeIfPresent(String.self, forKey: .term) { self = .term(value) }
        else if let value = try container.decodeIfPresent(LocalizedMessage.self, forKey: .message) { self = .message(value) }
        else if let values = try container.decodeIfPresent([MessageArgument].self, forKey: .list) { self = .list(values) }
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a message argument needs one of text, integer, decimal, percent, date, dateTime, deadline, durationSeconds, term, message, list"))
        }
    }
}

extension LocalizedMessage {
    /// The message as compact JSON with sorted keys (`{"arguments":{…},"key":"notice.assigned"}`): how stores keep it.
    /// The text `JSONEncoder` would write with `.sortedKeys` and `.withoutEscapingSlashes` (numbers may be
    /// spelled differently, with the same value), written by hand: it is encoded for every notice inside the
    /// command that sends it. `nil` if a number is not finite.
    package var storedJSON: String? {
        var text = ""
        return Self.write(self, into: &text) ? text : nil
    }

    private static func write(_ message: LocalizedMessage, into text: inout String) -> Bool {
        text += "{\"arguments\":{"
        for (index, name) in message.arguments.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            text += JSONText.quoted(name) + ":"
            guard let argument = message.arguments[name], write(argument, into: &text) else { return false }
        }
        text += "},\"key\":" + JSONText.quoted(message.key) + "}"
        return true
    }

    private static func write(_ argument: MessageArgument, into text: inout String) -> Bool {
        func number(_ key: String, _ value: Double) -> Bool {
            guard let number = JSONText.number(value) else { return false }
            text += "{\"\(key)\":\(number)}"
            return true
        }
        switch argument {
        case .text(let value): text += "{\"text\":" + JSONText.quoted(value) + "}"
        case .integer(let value): text += "{\"integer\":\(value)}"
        case .decimal(let value, let digits):
            guard let number = JSONText.number(value) else { return false }
            text += "{\"decimal\":\(number),\"fractionDigits\":\(digits)}"
        case .percent(let value): return number("percent", value)
        case .date(let value): text += "{\"date\":\"\(value.description)\"}"
        case .dateTime(let value): return number("dateTime", value.timeIntervalSince1970)
        case .deadline(.endOfDay(let date)): text += "{\"deadline\":{\"endOfDay\":{\"_0\":\"\(date.description)\"}}}"
        case .deadline(.instant(let date)):
            // `Date`'s own Codable form: seconds since 2001-01-01.
            guard let number = JSONText.number(date.timeIntervalSinceReferenceDate) else { return false }
            text += "{\"deadline\":{\"instant\":{\"_0\":\(number)}}}"
        case .duration(let value):
            let (seconds, attoseconds) = value.components
            return number("durationSeconds", Double(seconds) + Double(attoseconds) / 1e18)
        case .term(let value): text += "{\"term\":" + JSONText.quoted(value) + "}"
        case .message(let value):
            text += "{\"message\":"
            guard write(value, into: &text) else { return false }
            text += "}"
        case .list(let values):
            text += "{\"list\":["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                guard write(value, into: &text) else { return false }
            }
            text += "]}"
        }
        return true
    }

    /// A message read back from ``storedJSON``; `nil` when the text is not one.
    package init?(storedJSON text: String) {
        guard let message = try? JSONDecoder().decode(LocalizedMessage.self, from: Data(text.utf8)) else { return nil }
        self = message
    }
}

extension LocalizedMessage: CustomStringConvertible {
    /// The key and the values in key order (`notice.rejected(actor: …, reason: …)`): the same text for equal
    /// messages, whatever order their dictionary keeps.
    public var description: String {
        let values = arguments.keys.sorted().map { "\($0): \(arguments[$0].map(String.init(describing:)) ?? "")" }
        return "\(key)(\(values.joined(separator: ", ")))"
    }
}

extension MessageArgument: CustomStringConvertible {
    /// The value with its kind (`text("周报")`, `date(2026-12-03)`), nested messages in key order.
    public var description: String {
        switch self {
        case .text(let value): "text(\(String(reflecting: value)))"
        case .integer(let value): "integer(\(value))"
        case .decimal(let value, let digits): "decimal(\(value), \(digits))"
        case .percent(let value): "percent(\(value))"
        case .date(let value): "date(\(value))"
        case .dateTime(let value): "dateTime(\(value.timeIntervalSince1970))"
        case .deadline(let value): "deadline(\(value))"
        case .duration(let value): "duration(\(value))"
        case .term(let value): "term(\(value))"
        case .message(let value): "message(\(value))"
        case .list(let values): "list(\(values.map(\.description).joined(separator: ", ")))"
        }
    }
}
