import Foundation

/// A file kept by Collab: its versions, who uploaded them, and the record or folder it belongs to.
///
/// The bytes of each version live in a `DocumentStore` under their SHA-256 digest; the record holds what
/// people read and what the rules need. Seeing a document takes the right to see what it belongs to
/// (``owner``): a document of a work item is seen by whoever sees the item, and a member of an outside
/// organization sees it only when the item is shared with their organization and the document is
/// ``Visibility/external``.
///
/// Uploading a new version keeps the old ones. A version a host's scanner holds back
/// (``DocumentVersion/Scan/quarantined``) is listed but cannot be downloaded until the scanner clears it.
/// A deleted document is gone for everyone at once; its bytes are kept for the retention period and then
/// collected.
public struct Document: Identifiable, Hashable, Sendable, Codable {
    /// A document's identifier.
    public typealias ID = Identifier<Document>

    /// The identifier.
    public var id: ID
    /// The organization that keeps it (the owner record's organization).
    public var organizationID: Organization.ID
    /// What it belongs to.
    public var owner: DocumentOwner
    /// The file name of the newest version (normalized: no folders, no control characters).
    public var name: String
    /// Tags, for finding it later.
    public var tags: [String]
    /// Whether outside organizations that see the owner record may see it (internal by default).
    public var visibility: Visibility
    /// Every version, oldest first; the newest is last.
    public var versions: [DocumentVersion]
    /// Who uploaded the first version.
    public var creatorID: Member.ID
    /// When the first version was uploaded.
    public var createdAt: Date
    /// When anything about it last changed.
    public var updatedAt: Date
    /// When it was deleted, if it was.
    public var deletedAt: Date?
    /// Who deleted it.
    public var deletedBy: Member.ID?
    /// Moves on every change of the record; a change based on an older version is a conflict.
    public var version: Int

    /// Creates a document.
    public init(
        id: ID, organizationID: Organization.ID, owner: DocumentOwner, name: String, tags: [String] = [],
        visibility: Visibility = .internal, versions: [DocumentVersion], creatorID: Member.ID, createdAt: Date,
        updatedAt: Date, deletedAt: Date? = nil, deletedBy: Member.ID? = nil, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.owner = owner
        self.name = name
        self.tags = tags
        self.visibility = visibility
        self.versions = versions
        self.creatorID = creatorID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
        self.deletedBy = deletedBy
        self.version = version
    }

    /// The newest version that may be downloaded (cleared by the scanner), or `nil`.
    public var current: DocumentVersion? { versions.last { $0.scan == .clean } }

    /// The version numbered `number`, or `nil`.
    public func version(numbered number: Int) -> DocumentVersion? { versions.first { $0.number == number } }

    /// Whether it was deleted.
    public var isDeleted: Bool { deletedAt != nil }

    /// The bytes all its versions hold, counted once per version (what the organization's quota counts).
    public var storedSize: Int64 { versions.reduce(0) { $0 + $1.size } }
}

/// One uploaded version of a ``Document``.
public struct DocumentVersion: Hashable, Sendable, Codable {
    /// Where a version stands with the host's scanner.
    public enum Scan: String, Hashable, Sendable, Codable, CaseIterable {
        /// Cleared (or no scanner is installed): it may be downloaded.
        case clean
        /// Held back until the scanner decides; nobody can download it.
        case quarantined
        /// The scanner refused it; it can never be downloaded and its bytes are collected.
        case rejected
    }

    /// 1 for the first upload, then 2, 3, …
    public var number: Int
    /// The normalized file name it was uploaded under.
    public var fileName: String
    /// The SHA-256 digest of its bytes, which names them in the document store.
    public var digest: ContentDigest
    /// Its size in bytes.
    public var size: Int64
    /// The media type detected from its bytes (never the one a caller claimed).
    public var mediaType: String
    /// Who uploaded it.
    public var uploaderID: Member.ID
    /// When it was uploaded.
    public var uploadedAt: Date
    /// Where it stands with the scanner.
    public var scan: Scan
    /// What the scanner said, when it held the version back or refused it.
    public var scanNote: String?

    /// Creates a version.
    public init(
        number: Int, fileName: String, digest: ContentDigest, size: Int64, mediaType: String, uploaderID: Member.ID,
        uploadedAt: Date, scan: Scan = .clean, scanNote: String? = nil
    ) {
        self.number = number
        self.fileName = fileName
        self.digest = digest
        self.size = size
        self.mediaType = mediaType
        self.uploaderID = uploaderID
        self.uploadedAt = uploadedAt
        self.scan = scan
        self.scanNote = scanNote
    }
}

/// What a ``Document`` belongs to: a record, or the shared folder of a department.
public enum DocumentOwner: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A work item (a cross-department project's item holds the project's documents).
    case workItem(WorkItem.ID)
    /// A progress update of a work item.
    case progressUpdate(ProgressUpdate.ID, of: WorkItem.ID)
    /// A customer ticket.
    case ticket(Ticket.ID)
    /// A purchase order.
    case purchaseOrder(PurchaseOrder.ID)
    /// An incident.
    case incident(Incident.ID)
    /// A meeting.
    case meeting(Meeting.ID)
    /// The shared folder of a department.
    case departmentFolder(Department.ID)

    /// The record whose rights decide who sees the document: a progress update's work item, the record
    /// itself otherwise, and `department_folder:<id>` for a department's folder.
    public var record: RecordReference {
        switch self {
        case .workItem(let id), .progressUpdate(_, of: let id): .workItem(id)
        case .ticket(let id): .ticket(id)
        case .purchaseOrder(let id): .purchaseOrder(id)
        case .incident(let id): .incident(id)
        case .meeting(let id): .meeting(id)
        case .departmentFolder(let id): RecordReference(.departmentFolder, id.rawValue)
        }
    }

    public var description: String {
        switch self {
        case .progressUpdate(let update, of: let item): "progress update '\(update)' of work item '\(item)'"
        case .departmentFolder(let id): "the folder of department '\(id)'"
        default: "\(record.kind.rawValue.replacingOccurrences(of: "_", with: " ")) '\(record.id)'"
        }
    }
}

extension RecordReference.Kind {
    /// A ``Document``.
    public static let document = Self(rawValue: "document")
    /// The shared folder of a department (the id is the department's).
    public static let departmentFolder = Self(rawValue: "department_folder")
}

extension RecordReference {
    /// The document `id`.
    public static func document(_ id: Document.ID) -> Self { Self(.document, id.rawValue) }
}
