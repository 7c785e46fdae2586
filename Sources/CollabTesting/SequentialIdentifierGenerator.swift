import CollabModel

/// Identifiers `prefix-1`, `prefix-2`, ... in order: reproducible runs and readable test failures.
public final class SequentialIdentifierGenerator: IdentifierGenerator {
    private let prefix: String
    private let counter: Locked<Int>

    /// Creates a generator; the first identifier is `"\(prefix)-\(start)"`.
    public init(prefix: String = "id", start: Int = 1) {
        self.prefix = prefix
        self.counter = Locked(start - 1)
    }

    public func next() -> String {
        let value = counter.withLock { value -> Int in
            value += 1
            return value
        }
        return "\(prefix)-\(value)"
    }
}
