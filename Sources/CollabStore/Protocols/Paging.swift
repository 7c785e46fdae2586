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

    private enum CodingKeys: String, CodingKey {
        case limit, cursor
    }

    /// Decodes a page request; like ``init(limit:cursor:)`` it clamps `limit` to 1...500, so a decoded
    /// request never asks a store for a negative or overflowing number of rows.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            limit: try container.decode(Int.self, forKey: .limit),
            cursor: try container.decodeIfPresent(String.self, forKey: .cursor))
    }
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
