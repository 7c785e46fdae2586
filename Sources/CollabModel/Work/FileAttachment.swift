/// A document attached to a work item, a progress update, an announcement, a ticket message or an incident
/// update: it names a stored ``Document`` (and a version of it), and carries the version's metadata.
///
/// Build one with ``init(document:version:visibility:)``: the engine looks the document up when the command
/// plans — the actor must see it, and the version must be cleared by the scanner — and fills in
/// ``fileName``, ``mediaType``, ``size``, ``sha256`` and ``storageKey`` from the stored version; whatever a
/// caller put in those fields is replaced. An attachment that names no document is refused
/// (`attachments[i].documentID`): a caller can no longer point an attachment at bytes of their choosing.
///
/// Downloading an attachment is downloading its document (`DocumentDesk.download`), with the document's own
/// rights: attach documents of the record itself (upload them to the work item first) so that whoever sees
/// the record can read them.
public struct FileAttachment: Hashable, Sendable, Codable {
    /// The file name shown to people: no folders, no `:` and no look-alike slashes (such as U+2215 or U+FF0F).
    public var fileName: String
    /// The media type (`application/pdf`), as detected from the document's bytes.
    public var mediaType: String
    /// The size in bytes.
    public var size: Int64
    /// The SHA-256 digest of the bytes, as 64 lower-case hex digits (the document version's digest).
    public var sha256: String
    /// Where the bytes are: `document:<id>@<version>`, set by the engine.
    public var storageKey: String
    /// Whether outside organizations the item is shared with may see the file (internal by default; an
    /// internal document is always attached as internal).
    public var visibility: Visibility
    /// The stored document this attachment names.
    public var documentID: Document.ID?
    /// The version of the document (its newest cleared version when created without one).
    public var documentVersion: Int?

    /// An attachment of the stored document `document` (its newest cleared version unless `version` is
    /// given); the engine fills in the rest when the command plans.
    public init(document: Document.ID, version: Int? = nil, visibility: Visibility = .internal) {
        self.init(fileName: "", mediaType: "", size: 0, sha256: "", storageKey: "", visibility: visibility,
            documentID: document, documentVersion: version)
    }

    /// Attachment metadata with every field given: what the engine stores once it resolved the document, and
    /// what a decoder reads. A command refuses an attachment without `documentID`.
    public init(
        fileName: String, mediaType: String, size: Int64, sha256: String, storageKey: String,
        visibility: Visibility = .internal, documentID: Document.ID? = nil, documentVersion: Int? = nil
    ) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.size = size
        self.sha256 = sha256
        self.storageKey = storageKey
        self.visibility = visibility
        self.documentID = documentID
        self.documentVersion = documentVersion
    }

    private enum CodingKeys: String, CodingKey {
        case fileName, mediaType, size, sha256, storageKey, visibility, documentID, documentVersion
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fileName = try container.decode(String.self, forKey: .fileName)
        mediaType = try container.decode(String.self, forKey: .mediaType)
        size = try container.decode(Int64.self, forKey: .size)
        sha256 = try container.decode(String.self, forKey: .sha256)
        storageKey = try container.decode(String.self, forKey: .storageKey)
        visibility = try container.decodeIfPresent(Visibility.self, forKey: .visibility) ?? .internal
        documentID = try container.decodeIfPresent(Document.ID.self, forKey: .documentID)
        documentVersion = try container.decodeIfPresent(Int.self, forKey: .documentVersion)
    }

    /// Characters a file name may not hold: the folder separators of every system (`/`, `\\`, `:`) and the
    /// characters that look like them (U+2215 division slash, U+2044 fraction slash, U+29F8 big solidus,
    /// U+FF0F fullwidth solidus, U+2216 set minus, U+29F5 reverse solidus operator, U+29F9 big reverse
    /// solidus, U+FE68 small reverse solidus, U+FF3C fullwidth reverse solidus), which make a name read
    /// as a path it is not.
    static let pathLikeScalars: Set<Unicode.Scalar> = [
        "/", "\\", ":", "\u{2215}", "\u{2044}", "\u{29F8}", "\u{FF0F}", "\u{2216}", "\u{29F5}", "\u{29F9}",
        "\u{FE68}", "\u{FF3C}",
    ]

    /// Lists every problem with this attachment under `policy`.
    public func validate(policy: AttachmentPolicy, field: String = "attachment") -> ValidationReport {
        var report = ValidationReport()
        report.checkText(fileName, field: "\(field).fileName", maxLength: 255)
        if let separator = fileName.unicodeScalars.first(where: Self.pathLikeScalars.contains) {
            report.add("\(field).fileName", .malformed,
                "'\(fileName.clipped())' must be a plain file name, without folders: it contains "
                    + "U+\(String(separator.value, radix: 16, uppercase: true))")
        } else if fileName == "." || fileName == ".." {
            report.add("\(field).fileName", .malformed, "'\(fileName.clipped())' must be a plain file name, without folders")
        }
        let type = mediaType.lowercased()
        if !policy.acceptedMediaTypes.contains(type) {
            report.add(
                "\(field).mediaType", .refusedAttachmentType,
                "'\(mediaType.clipped())' is not an accepted attachment type")
        }
        if size < 0 {
            report.add("\(field).size", .outOfRange, "\(size) is negative")
        } else if size > policy.maximumSize {
            report.add("\(field).size", .outOfRange, "\(size) bytes exceeds the limit of \(policy.maximumSize)")
        }
        if sha256.count != 64 || !sha256.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) {
            report.add("\(field).sha256", .malformed, "'\(sha256.clipped(16))' is not 64 lower-case hex digits")
        }
        report.checkText(storageKey, field: "\(field).storageKey", maxLength: 1024)
        return report
    }
}

/// Which attachments are accepted.
public struct AttachmentPolicy: Hashable, Sendable, Codable {
    /// Accepted media types, lower-case.
    public var acceptedMediaTypes: Set<String>
    /// The largest accepted size in bytes.
    public var maximumSize: Int64

    /// Creates a policy.
    public init(acceptedMediaTypes: Set<String>, maximumSize: Int64 = 100 * 1024 * 1024) {
        self.acceptedMediaTypes = Set(acceptedMediaTypes.map { $0.lowercased() })
        self.maximumSize = maximumSize
    }

    private enum CodingKeys: String, CodingKey {
        case acceptedMediaTypes, maximumSize
    }

    /// Decodes a policy; media types are lower-cased as ``init(acceptedMediaTypes:maximumSize:)`` does, so
    /// `Application/PDF` in a configuration file accepts `application/pdf` attachments.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            acceptedMediaTypes: try container.decode(Set<String>.self, forKey: .acceptedMediaTypes),
            maximumSize: try container.decode(Int64.self, forKey: .maximumSize))
    }

    /// PDF, Word, Excel, PowerPoint, plain text, CSV and common images, up to 100 MiB.
    public static let `default` = AttachmentPolicy(acceptedMediaTypes: [
        "application/pdf",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "text/plain", "text/csv",
        "image/png", "image/jpeg", "image/gif", "image/webp", "image/heic",
    ])
}
