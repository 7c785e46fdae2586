import Foundation

/// A comment on a work item. `@handle` mentions notify the members named.
public struct ItemComment: Identifiable, Hashable, Sendable, Codable {
    /// A comment's identifier.
    public typealias ID = Identifier<ItemComment>

    /// The comment's identifier.
    public var id: ID
    /// The item commented on.
    public var itemID: WorkItem.ID
    /// Who wrote it.
    public var authorID: Member.ID
    /// The text.
    public var body: String
    /// The members mentioned (resolved from `@handle`s).
    public var mentionedIDs: [Member.ID]
    /// When it was written.
    public var createdAt: Date
    /// Internal (the default) or also visible to the outside organizations the item is shared with.
    public var visibility: Visibility

    /// Creates a comment.
    public init(
        id: ID, itemID: WorkItem.ID, authorID: Member.ID, body: String, mentionedIDs: [Member.ID], createdAt: Date,
        visibility: Visibility = .internal
    ) {
        self.id = id
        self.itemID = itemID
        self.authorID = authorID
        self.body = body
        self.mentionedIDs = mentionedIDs
        self.createdAt = createdAt
        self.visibility = visibility
    }

    /// The handles mentioned in `text` (`@li.wei` → `li.wei`), in order of appearance, without repeats.
    ///
    /// A mention starts with `@` at the start of the text or after a character that is not a letter or
    /// digit (so `a@b.com` mentions nobody), and runs over letters, digits, `.`, `_` and `-`; a trailing
    /// `.` ends a sentence, not the handle.
    public static func mentionedHandles(in text: String) -> [String] {
        var handles: [String] = []
        var seen = Set<String>()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            defer { index += 1 }
            guard scalars[index] == "@" else { continue }
            if index > 0 {
                let before = scalars[index - 1]
                if before.properties.isAlphabetic || ("0"..."9").contains(before) { continue }
            }
            var end = index + 1
            while end < scalars.count, Member.isHandleScalar(scalars[end]) { end += 1 }
            var handle = String(String.UnicodeScalarView(scalars[(index + 1)..<end]))
            while handle.hasSuffix(".") { handle.removeLast() }
            if !handle.isEmpty, seen.insert(handle).inserted { handles.append(handle) }
            index = end - 1
        }
        return handles
    }
}
