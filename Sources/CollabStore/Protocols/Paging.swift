/// Which page of a list to read: at most ``limit`` elements after ``cursor``.
public struct PageRequest: Hashable, Sendable, Codable {
    /// The most elements to return (1...500).
    public var limit: Int
    /// Where the previous page ended (its ``Page/nextCursor``); `nil` for the first page.
    public var cursor: String?

    /// Creates a page request; `limit` is clamped to 1...500.
    public init(limit: Int = 50, cursor: String? = nil) {
        self.limit = min(max(limit, 1), 500)
        self.cursor = cursor
    }

    /// The first page of 50.
    public static let first = PageRequest()
}

/// One page of a list.
public struct Page<Element: Sendable>: Sendable {
    /// The elements.
    public var items: [Element]
    /// Pass this in the next ``PageRequest`` for the following page; `nil` on the last page.
    public var nextCursor: String?

    /// Creates a page.
    public init(items: [Element], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page: Equatable where Element: Equatable {}
