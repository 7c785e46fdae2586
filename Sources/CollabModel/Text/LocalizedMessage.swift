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
}

extension MessageArgument: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// Text, as ``text(_:)``.
    public init(stringLiteral value: String) { self = .text(value) }
}
