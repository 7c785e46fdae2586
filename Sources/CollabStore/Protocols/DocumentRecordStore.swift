import CollabModel
import Foundation

/// The document records a ``ChangeSet`` writes (``ChangeSet/documents``).
public struct DocumentChanges: Sendable {
    /// New or changed documents. A document is written only over the stored version one less (or, for
    /// version 1, when there is none); otherwise the change fails with `CollabError.Code.conflict`.
    public var documents: [Document] = []
    /// The text extracted from a document's newest version, kept for search (replaces the document's text).
    public var texts: [DocumentText] = []
    /// Deleted documents removed for good after their retention period: the rows go, the audit trail stays,
    /// and the bytes no document names any more are left for the orphan collection.
    public var purged: [Document.ID] = []
    /// A limit the change must respect: after its writes, the organization's documents that are not deleted
    /// may hold at most `maximumBytes` (`Document.storedSize`); otherwise the change fails with
    /// `CollabError.Code.quotaExceeded` and nothing is written. Checked inside the commit, so two uploads
    /// racing for the last megabytes cannot both pass.
    public var quota: DocumentQuota?

    /// Creates an empty set.
    public init() {}

    /// Whether there is nothing to write.
    public var isEmpty: Bool { documents.isEmpty && texts.isEmpty && purged.isEmpty }
}

/// The text of a document's version, as search reads it.
public struct DocumentText: Hashable, Sendable {
    /// The document.
    public var documentID: Document.ID
    /// The version the text was extracted from.
    public var versionNumber: Int
    /// The text (bounded by the engine's policy).
    public var text: String

    /// Creates a text.
    public init(documentID: Document.ID, versionNumber: Int, text: String) {
        self.documentID = documentID
        self.versionNumber = versionNumber
        self.text = text
    }
}

/// An organization's document quota, checked at commit (``DocumentChanges/quota``).
public struct DocumentQuota: Hashable, Sendable {
    /// The organization.
    public var organizationID: Organization.ID
    /// The most bytes its documents may hold.
    public var maximumBytes: Int64

    /// Creates a quota.
    public init(organizationID: Organization.ID, maximumBytes: Int64) {
        self.organizationID = organizationID
        self.maximumBytes = maximumBytes
    }
}

/// Documents as records: which exist, what they belong to, which bytes they name.
///
/// Used by `DocumentDesk` and by the engine's orphan collection and retention. Point reads return `nil` for
/// an unknown document and do not check who may see it: the engine applies the rules. Changes are committed
/// with ``ChangeStore/commit(_:)`` (``ChangeSet/documents``).
public protocol DocumentRecordStore: Sendable {
    /// The document with `id` (deleted or not), or `nil`.
    func document(_ id: Document.ID) async throws(CollabError) -> Document?

    /// The documents that are not deleted and belong to `record` (`DocumentOwner.record`), most recently
    /// changed first (by `Document.updatedAt`, then by id, descending), paged.
    func documents(of record: RecordReference, page: PageRequest) async throws(CollabError) -> Page<Document>

    /// The bytes `organizationID`'s documents that are not deleted hold (the sum of their
    /// `Document.storedSize`).
    func documentUsage(of organizationID: Organization.ID) async throws(CollabError) -> Int64

    /// Which of `digests` a version of some document names (deleted documents included until they are
    /// purged; rejected versions excluded): the bytes the orphan collection must keep.
    func referencedDigests(among digests: [ContentDigest]) async throws(CollabError) -> Set<ContentDigest>

    /// Up to `limit` documents deleted before `date`, oldest deletion first: what the retention sweep purges.
    func documentsDeleted(before date: Date, limit: Int) async throws(CollabError) -> [Document.ID]

    /// The text kept for search of the document `id`, or `nil`.
    func documentText(_ id: Document.ID) async throws(CollabError) -> DocumentText?
}
