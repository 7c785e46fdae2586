/// A typed identifier: an opaque string that names one value of `Entity`.
///
/// The phantom `Entity` parameter keeps identifiers of different kinds apart at compile time,
/// so a ``Member/ID`` can never be passed where a ``WorkItem/ID`` is expected.
///
/// ```swift
/// let item: WorkItem.ID = "item-42"
/// ```
public struct Identifier<Entity>: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    /// The identifier's text, as stored and as exchanged with hosts.
    public let rawValue: String

    /// Creates an identifier from its text.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Creates an identifier from its text.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates an identifier from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}
