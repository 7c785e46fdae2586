import CollabModel

/// What a ``DocumentInspector`` accepts: the kinds of file, their size, and the limits that keep a
/// compressed archive from expanding into more than it should (ZIP bombs).
///
/// The limits are per file; how much an organization may store in all lives elsewhere.
///
/// ```swift
/// var policy = DocumentPolicy.default
/// policy.acceptedMediaTypes.remove("application/msword")   // no legacy Word files
/// policy.maximumFileSize = 20 * 1024 * 1024
/// let inspector = DocumentInspector(policy: policy)
/// ```
public struct DocumentPolicy: Hashable, Sendable, Codable {
    /// The media types accepted, lower-case, as ``DocumentInspection/mediaType`` names them:
    /// `application/pdf`; the Office Open XML types of `.docx`, `.xlsx` and `.pptx`; `application/msword`,
    /// `application/vnd.ms-excel` and `application/vnd.ms-powerpoint` for the legacy `.doc`, `.xls` and
    /// `.ppt`; `image/png`, `image/jpeg`, `image/gif`, `image/webp`; `text/plain` and `text/csv`. Other
    /// types an inspection may detect, never accepted by default: `application/zip` (an archive that is not
    /// an Office document) and `application/x-ole-storage` (another compound file, such as an `.msi`
    /// installer or an Outlook `.msg`).
    public var acceptedMediaTypes: Set<String>
    /// The largest file accepted, in bytes (100 MiB by default).
    public var maximumFileSize: Int64
    /// The most an archive (an Office Open XML file) may expand to, in bytes: the sum of its entries'
    /// declared sizes, which inflating never passes (1 GiB by default).
    public var maximumExpandedSize: Int64
    /// The most an archive entry of more than 64 KiB may expand relative to its compressed size (100 by
    /// default); a ZIP bomb expands thousands of times.
    public var maximumCompressionRatio: Int
    /// The most entries an archive may hold (10,000 by default).
    public var maximumArchiveEntries: Int
    /// The most text kept from a document for search, in bytes of UTF-8 (1 MiB by default); the rest is
    /// not read. The built-in extraction also stops after inflating 64 times this much of an archive's
    /// parts (64 MiB by default, counted every 64 KiB inflated), keeping the text found so far.
    public var maximumExtractedText: Int
    /// Whether Office documents holding macros (a `vbaProject.bin` part, or the `Macros` or
    /// `_VBA_PROJECT_CUR` storage of a legacy file) are accepted; `false` by default.
    public var acceptsMacros: Bool

    /// Creates a policy; media types are lower-cased.
    public init(
        acceptedMediaTypes: Set<String> = DocumentPolicy.defaultMediaTypes,
        maximumFileSize: Int64 = 100 * 1024 * 1024,
        maximumExpandedSize: Int64 = 1024 * 1024 * 1024,
        maximumCompressionRatio: Int = 100,
        maximumArchiveEntries: Int = 10_000,
        maximumExtractedText: Int = 1024 * 1024,
        acceptsMacros: Bool = false
    ) {
        self.acceptedMediaTypes = Set(acceptedMediaTypes.map { $0.lowercased() })
        self.maximumFileSize = maximumFileSize
        self.maximumExpandedSize = maximumExpandedSize
        self.maximumCompressionRatio = maximumCompressionRatio
        self.maximumArchiveEntries = maximumArchiveEntries
        self.maximumExtractedText = maximumExtractedText
        self.acceptsMacros = acceptsMacros
    }

    /// PDF, Word, Excel and PowerPoint (current and legacy), PNG, JPEG, GIF, WebP, plain text and CSV, up to
    /// 100 MiB.
    public static let `default` = DocumentPolicy()

    /// The media types of ``default``.
    public static let defaultMediaTypes: Set<String> = [
        MediaType.pdf, MediaType.docx, MediaType.xlsx, MediaType.pptx, MediaType.doc, MediaType.xls, MediaType.ppt,
        MediaType.png, MediaType.jpeg, MediaType.gif, MediaType.webp, MediaType.text, MediaType.csv,
    ]

    private enum CodingKeys: String, CodingKey {
        case acceptedMediaTypes, maximumFileSize, maximumExpandedSize, maximumCompressionRatio
        case maximumArchiveEntries, maximumExtractedText, acceptsMacros
    }

    /// Decodes a policy; a missing key takes its default, and media types are lower-cased as
    /// ``init(acceptedMediaTypes:maximumFileSize:maximumExpandedSize:maximumCompressionRatio:maximumArchiveEntries:maximumExtractedText:acceptsMacros:)``
    /// does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = DocumentPolicy()
        self.init(
            acceptedMediaTypes: try container.decodeIfPresent(Set<String>.self, forKey: .acceptedMediaTypes)
                ?? defaults.acceptedMediaTypes,
            maximumFileSize: try container.decodeIfPresent(Int64.self, forKey: .maximumFileSize) ?? defaults.maximumFileSize,
            maximumExpandedSize: try container.decodeIfPresent(Int64.self, forKey: .maximumExpandedSize)
                ?? defaults.maximumExpandedSize,
            maximumCompressionRatio: try container.decodeIfPresent(Int.self, forKey: .maximumCompressionRatio)
                ?? defaults.maximumCompressionRatio,
            maximumArchiveEntries: try container.decodeIfPresent(Int.self, forKey: .maximumArchiveEntries)
                ?? defaults.maximumArchiveEntries,
            maximumExtractedText: try container.decodeIfPresent(Int.self, forKey: .maximumExtractedText)
                ?? defaults.maximumExtractedText,
            acceptsMacros: try container.decodeIfPresent(Bool.self, forKey: .acceptsMacros) ?? defaults.acceptsMacros)
    }
}

/// The media types an inspection tells apart, and the file extensions that name them.
enum MediaType {
    static let pdf = "application/pdf"
    static let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    static let pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    static let doc = "application/msword"
    static let xls = "application/vnd.ms-excel"
    static let ppt = "application/vnd.ms-powerpoint"
    static let png = "image/png"
    static let jpeg = "image/jpeg"
    static let gif = "image/gif"
    static let webp = "image/webp"
    static let text = "text/plain"
    static let csv = "text/csv"
    static let zip = "application/zip"
    static let ole = "application/x-ole-storage"
    static let unknown = "application/octet-stream"

    /// The media type a lower-case file extension names.
    static let byExtension: [String: String] = [
        "pdf": pdf, "docx": docx, "xlsx": xlsx, "pptx": pptx, "doc": doc, "xls": xls, "ppt": ppt,
        "png": png, "jpg": jpeg, "jpeg": jpeg, "gif": gif, "webp": webp,
        "txt": text, "text": text, "md": text, "log": text, "csv": csv, "zip": zip,
    ]
}
