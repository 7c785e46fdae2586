import CollabModel
import Foundation

/// The kinds of records one search covers.
public enum SearchKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Work items (title, description; tags for members of the organization itself).
    case workItem = "work_item"
    /// Documents (name, tags and the text extracted from the newest version).
    case document
    /// Announcements (title and body).
    case announcement
    /// Meetings (title, minutes and decisions).
    case meeting
    /// Tickets (subject and description).
    case ticket
    /// Purchase orders (number, title and the lines' descriptions).
    case purchaseOrder = "purchase_order"
}

/// What to find: text, and filters that all must hold.
///
/// The text is split at white space into terms that must all occur (case-insensitively, as substrings).
/// A term of three characters or more is matched through the trigram index; a term of one or two CJK
/// characters (会议, 预算, 会) through the CJK bigram index; a term of one or two other characters (`X1`,
/// `QA`) is compared within the records the other terms found (`X1 kettle`), and a text of such terms only
/// is refused (`invalid_input`: no index can find them). Without text, at least one filter must be given
/// and the hits come newest first.
public struct SearchQuery: Hashable, Sendable, Codable {
    /// The text to find; empty to list by filters only.
    public var text: String
    /// Only these kinds (`nil`: every kind).
    public var kinds: Set<SearchKind>?
    /// Only records carrying every one of these tags (work items and documents have tags).
    public var tags: Set<String>
    /// Only records in one of these states (a work item's, ticket's or order's state raw value).
    public var statuses: Set<String>
    /// Only records involving one of these people (initiator, assignees, reviewer, watchers; organizer and
    /// attendees; buyer; requester and handler; author; uploader).
    public var people: Set<Member.ID>
    /// Only records of one of these departments.
    public var departments: Set<Department.ID>
    /// Only records whose date (created, published, held, uploaded) is at or after this.
    public var from: Date?
    /// Only records whose date is before this.
    public var before: Date?

    /// Creates a query.
    public init(
        _ text: String, kinds: Set<SearchKind>? = nil, tags: Set<String> = [], statuses: Set<String> = [],
        people: Set<Member.ID> = [], departments: Set<Department.ID> = [], from: Date? = nil, before: Date? = nil
    ) {
        self.text = text
        self.kinds = kinds
        self.tags = tags
        self.statuses = statuses
        self.people = people
        self.departments = departments
        self.from = from
        self.before = before
    }

    /// Whether the query filters by fields internal to an organization (tags, people, departments), which
    /// members of outside organizations may not use.
    public var usesInternalFields: Bool { !tags.isEmpty || !people.isEmpty || !departments.isEmpty }

    /// Whether any filter is given.
    public var hasFilters: Bool {
        kinds != nil || usesInternalFields || !statuses.isEmpty || from != nil || before != nil
    }
}

/// One record found.
public struct SearchHit: Hashable, Sendable, Codable {
    /// Its kind.
    public var kind: SearchKind
    /// The record.
    public var record: RecordReference
    /// Its title (a document's name, a ticket's subject, an order's number and title).
    public var title: String
    /// At most ``SearchHit/snippetLength`` characters of its text around the first match, from text the reader
    /// may see (never a work item's tags for an outside reader).
    public var snippet: String
    /// The relevance: higher is better; comparable within one result list only.
    public var score: Double
    /// The record's date (created, published, held, uploaded).
    public var date: Date

    /// The longest snippet.
    public static let snippetLength = 160

    /// Creates a hit.
    public init(kind: SearchKind, record: RecordReference, title: String, snippet: String, score: Double, date: Date) {
        self.kind = kind
        self.record = record
        self.title = title
        self.snippet = snippet
        self.score = score
        self.date = date
    }
}

/// Who searches, as a store filters by it: the reader's search keys (`AccessControl.searchKeys(of:)`), their
/// organization and whether it is an outside one.
public struct SearchReader: Hashable, Sendable {
    /// The keys; a record is found when one of its keys is among them.
    public var keys: [String]
    /// The reader's organization (internal documents are found only inside it).
    public var organizationID: Organization.ID
    /// Whether the reader belongs to an outside organization (work items' tags are not searched for them).
    public var isExternal: Bool

    /// Creates a reader.
    public init(keys: [String], organizationID: Organization.ID, isExternal: Bool) {
        self.keys = keys
        self.organizationID = organizationID
        self.isExternal = isExternal
    }
}

/// One search across records, filtered in the query by what the reader may see.
///
/// Used by `SearchDesk`. The index is derived from every committed ``ChangeSet`` (one derivation for every
/// backend): in the commit's transaction (`PostgresStore`), or from the entries each commit records as stale,
/// in batches (`SQLiteStore`, see ``updateSearchIndex()``). Either way a search sees every change committed
/// before it began. A store returns exactly the indexed records
/// one of whose access keys is among ``SearchReader/keys`` (for an internal document, also only to readers
/// of its organization), whose text contains every term and which pass every filter; ranked (best first,
/// then newest, then by record), paged with an opaque cursor (at most ``SearchPaging/maximumOffset`` hits
/// deep).
public protocol SearchStore: Sendable {
    /// One page of the records `reader` may find for `query`.
    ///
    /// - Throws: `CollabError.Code.invalidInput` for a malformed query (a short non-CJK term, no text and no
    ///   filter) or cursor.
    func search(_ query: SearchQuery, for reader: SearchReader, page: PageRequest) async throws(CollabError)
        -> Page<SearchHit>

    /// Rebuilds the whole search index from the stored records (for a database written before the index
    /// existed, or after restoring one); returns how many records it indexed.
    func rebuildSearchIndex() async throws(CollabError) -> Int

    /// Brings the index up to date with every committed change now; returns how many index entries it
    /// derived again. A store that keeps its index in every commit has nothing to do (the default returns
    /// 0); one that keeps it in batches does the batch's work now, which a search would otherwise do first.
    @discardableResult
    func updateSearchIndex() async throws(CollabError) -> Int
}

extension SearchStore {
    /// Nothing waits: the index is kept in every commit.
    @discardableResult
    public func updateSearchIndex() async throws(CollabError) -> Int { 0 }
}

/// Paging limits of search.
public enum SearchPaging {
    /// The deepest a cursor may reach: search is for finding, not for exporting.
    public static let maximumOffset = 5_000
    /// The largest page.
    public static let maximumLimit = 100
}
