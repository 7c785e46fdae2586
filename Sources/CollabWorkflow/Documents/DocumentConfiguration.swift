import CollabModel
import CollabStore
import Foundation

/// How an engine keeps documents: where their bytes go, what it accepts, how much each organization may
/// keep, the host's scanner, and how long deleted documents and unnamed bytes are kept.
///
/// ```swift
/// var configuration = WorkflowEngine.Configuration()
/// configuration.documents.store = try FileSystemDocumentStore(directory: dataFolder.appending(path: "documents"))
/// configuration.documents.quotaPerOrganization = 20 << 30      // 20 GiB
/// configuration.documents.scanner = MyAntivirus()               // optional: may hold a version in quarantine
/// ```
public struct DocumentConfiguration: Sendable {
    /// Where the bytes live; without one, every document operation throws `CollabError.Code.storageUnavailable`.
    public var store: (any DocumentStore)?
    /// What is accepted: media types, the size of one file, archive limits, how much text is kept for search.
    public var policy: DocumentPolicy = .default
    /// The most bytes one organization's documents (every version of those not deleted) may hold: 10 GiB by
    /// default. An upload past it fails with `CollabError.Code.quotaExceeded`, checked at commit.
    public var quotaPerOrganization: Int64 = 10 << 30
    /// The host's scanner (an antivirus, a data-loss check): asked about every upload before it is kept; it can
    /// clear it, hold it in quarantine, or refuse it. None by default: every upload is clean.
    public var scanner: (any DocumentScanner)?
    /// Extractors for formats the built-in one does not read (PDF through a host tool, say), asked first.
    public var extractors: [any DocumentTextExtractor] = []
    /// Where uploads are staged while they are inspected (the system's temporary folder by default). Each upload
    /// gets a file of its own, removed when the upload ends, whatever its outcome.
    public var stagingDirectory: URL = FileManager.default.temporaryDirectory
    /// How long a deleted document's versions stay before they are purged for good (30 days by default); its
    /// audit trail stays.
    public var deletedRetention: Duration = .seconds(30 * 86_400)
    /// How long stored bytes no document names are kept before they are collected (one day by default): an
    /// upload stores its bytes a moment before its record commits.
    public var orphanGracePeriod: Duration = .seconds(86_400)

    /// Creates a configuration with the defaults and no document store.
    public init() {}
}

/// What a host's scanner says about an upload.
public enum DocumentScanVerdict: Hashable, Sendable {
    /// Nothing found: the version may be downloaded.
    case clean
    /// Keep it, but let nobody download it until an administrator (or the scanner, later) decides
    /// (``DocumentDesk/decideQuarantine(_:version:clear:note:by:expectedVersion:idempotencyKey:)``).
    case quarantine(String)
    /// Refuse the upload: nothing is kept, and the uploader gets `CollabError.Code.invalidInput` with the reason.
    case refuse(String)
}

/// A host's scanner, asked about every upload while it is staged, before anything is kept.
///
/// ```swift
/// struct ClamScan: DocumentScanner {
///     func scan(_ file: URL, fileName: String, mediaType: String) async -> DocumentScanVerdict {
///         let infected = await runClamdscan(file)            // the host's own tool
///         return infected ? .refuse("malware found") : .clean
///     }
/// }
/// ```
public protocol DocumentScanner: Sendable {
    /// The verdict on the staged `file` (read it, never move or change it), uploaded as `fileName` and detected
    /// as `mediaType`. A scanner that cannot decide now returns ``DocumentScanVerdict/quarantine(_:)``.
    func scan(_ file: URL, fileName: String, mediaType: String) async -> DocumentScanVerdict
}
