import Foundation

/// Makes the identifiers of new values (items, comments, notifications, audit events).
///
/// Injected so that tests and simulations get reproducible identifiers.
public protocol IdentifierGenerator: Sendable {
    /// Returns a new identifier text, unique within the store.
    func next() -> String
}

/// Random identifiers: lower-case UUIDs.
public struct RandomIdentifierGenerator: IdentifierGenerator {
    /// Creates a random generator.
    public init() {}

    public func next() -> String { UUID().uuidString.lowercased() }
}
