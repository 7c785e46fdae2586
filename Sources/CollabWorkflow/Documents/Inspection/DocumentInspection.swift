import CollabModel
import Foundation

/// What ``DocumentInspector/inspect(fileAt:name:)`` found in an accepted upload.
public struct DocumentInspection: Sendable, Hashable {
    /// The media type detected from the bytes (`application/pdf`), which the name's extension agrees with.
    public var mediaType: String
    /// The file name to keep, as ``DocumentName/normalize(_:)`` made it.
    public var fileName: String
    /// The file's size in bytes.
    public var size: Int64
    /// Text for search, at most ``DocumentPolicy/maximumExtractedText`` bytes of UTF-8 (cut at a whole code
    /// point, without NUL characters); `nil` when no extractor handles the type (images; PDF and the legacy
    /// Office formats unless the host adds a ``DocumentTextExtractor`` for them).
    public var extractedText: String?
    /// For an archive (`.docx`, `.xlsx`, `.pptx`): how many entries it holds.
    public var archiveEntryCount: Int?
    /// For an archive: the sum of its entries' declared uncompressed sizes, in bytes.
    public var expandedSize: Int64?

    /// Creates an inspection result.
    public init(
        mediaType: String, fileName: String, size: Int64, extractedText: String? = nil,
        archiveEntryCount: Int? = nil, expandedSize: Int64? = nil
    ) {
        self.mediaType = mediaType
        self.fileName = fileName
        self.size = size
        self.extractedText = extractedText
        self.archiveEntryCount = archiveEntryCount
        self.expandedSize = expandedSize
    }
}

/// Extracts searchable text from an inspected file: the hook a host uses for the formats Collab does not
/// read itself, such as PDF through an external tool.
///
/// A ``DocumentInspector`` asks its extractors in order, after every check has passed, and keeps the first
/// text returned; when all return `nil`, the built-in extraction (Word, Excel and PowerPoint documents,
/// plain text and CSV) runs. The text kept is cut to `limit` bytes whatever an extractor returns.
///
/// ```swift
/// struct PDFTextExtractor: DocumentTextExtractor {
///     func extractText(from file: URL, mediaType: String, limit: Int) async throws(CollabError) -> String? {
///         guard mediaType == "application/pdf" else { return nil }
///         return try await runPDFToText(file, maximumBytes: limit)   // the host's own tool
///     }
/// }
/// let inspector = DocumentInspector(policy: .default, extractors: [PDFTextExtractor()])
/// ```
public protocol DocumentTextExtractor: Sendable {
    /// The text of `file`, whose bytes were detected as `mediaType`, or `nil` when this extractor does not
    /// handle the type.
    ///
    /// - Parameters:
    ///   - file: The staged upload; it is hostile input even though it passed inspection, so read it with
    ///     limits.
    ///   - mediaType: The detected media type (``DocumentInspection/mediaType``).
    ///   - limit: The most text kept, in bytes of UTF-8; reading beyond what yields it is wasted.
    /// - Throws: A `CollabError`, which fails the inspection: throw only to refuse the file.
    func extractText(from file: URL, mediaType: String, limit: Int) async throws(CollabError) -> String?
}
