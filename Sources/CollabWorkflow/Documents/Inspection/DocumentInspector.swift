import CollabModel
import Foundation

/// Inspects a staged upload before its bytes are accepted: what it really is, whether its name says the
/// same, whether it is within the policy's limits, and what text it holds for search.
///
/// ```swift
/// let inspector = DocumentInspector(policy: .default)
/// let inspection = try await inspector.inspect(fileAt: stagedFile, name: "../季度报告.docx")
/// inspection.fileName        // "季度报告.docx"
/// inspection.mediaType       // "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
/// inspection.extractedText   // the document's paragraphs, one per line
/// ```
///
/// The kind of file is taken from its bytes, never from its name: PDF (`%PDF-`), PNG, JPEG, GIF, WebP; a
/// ZIP archive, which is a Word, Excel or PowerPoint document (`.docx`, `.xlsx`, `.pptx`) when it holds
/// `[Content_Types].xml` and the parts under `word/`, `xl/` or `ppt/`, and a plain `application/zip`
/// otherwise; an OLE compound file, told apart by its directory: a legacy `.doc` (a `WordDocument`
/// stream), `.xls` (`Workbook` or `Book`) or `.ppt` (`PowerPoint Document`); and plain text (UTF-8 without
/// NUL bytes, or UTF-16 with a byte-order mark). Executables — ELF, Mach-O, Windows (`MZ`) and scripts
/// (`#!`) — are refused whatever their name.
///
/// Only what is needed is read, never the whole file: the first 64 KiB, a ZIP archive's central directory
/// and the local header of each entry, an OLE file's directory, and the entries text is extracted from,
/// inflated a chunk at a time by a bounded DEFLATE decoder that stops at each entry's declared size.
///
/// An inspector is a value without state: one may inspect any number of files concurrently.
public struct DocumentInspector: Sendable {
    /// What is accepted.
    public var policy: DocumentPolicy
    /// The host's text extractors, asked in order before the built-in extraction.
    public var extractors: [any DocumentTextExtractor]

    /// How much of the file's start is read to tell its type.
    static let headSize = 64 * 1024
    /// The built-in extraction inflates at most this many times ``DocumentPolicy/maximumExtractedText``
    /// bytes of an archive's parts: a workbook of numbers holds little text for much XML.
    static let extractionInflationFactor = 64

    /// Creates an inspector.
    ///
    /// - Parameters:
    ///   - policy: The accepted types and limits.
    ///   - extractors: Extractors for the formats Collab does not read itself (PDF, legacy Office), asked in
    ///     order; the first text returned is kept.
    public init(policy: DocumentPolicy = .default, extractors: [any DocumentTextExtractor] = []) {
        self.policy = policy
        self.extractors = extractors
    }

    /// Inspects the file at `url`, uploaded under the name `name`.
    ///
    /// - Parameters:
    ///   - url: The staged upload, a local file; it is only read.
    ///   - name: The file name the uploader gave, normalized by ``DocumentName/normalize(_:)``.
    /// - Returns: The detected type, the name to keep, and the text for search.
    /// - Throws: `CollabError.Code.invalidInput` with one problem:
    ///   - on `fileName`: the name's problems (see ``DocumentName/normalize(_:)``), and
    ///     `ValidationProblem.Kind.refusedAttachmentType` when the name's extension names another type
    ///     than the bytes hold, or no type at all (the message names both);
    ///   - on `size`: `ValidationProblem.Kind.outOfRange` beyond ``DocumentPolicy/maximumFileSize``;
    ///   - on `content`: `ValidationProblem.Kind.empty` for an empty file;
    ///     `ValidationProblem.Kind.refusedAttachmentType` for an executable, a type the policy does not
    ///     accept, unknown bytes, encrypted or macro-holding documents, ZIP64 and encrypted archives;
    ///     `ValidationProblem.Kind.outOfRange` for an archive beyond the policy's limits (entries,
    ///     expanded size, compression ratio: a ZIP bomb); `ValidationProblem.Kind.malformed` for a
    ///     truncated or inconsistent archive or compound file (overlapping entries, sizes that lie, a bad
    ///     CRC-32, a corrupt DEFLATE stream).
    ///
    ///   `CollabError.Code.storageFailure` when the file cannot be read; and whatever a host extractor
    ///   throws.
    public func inspect(fileAt url: URL, name: String) async throws(CollabError) -> DocumentInspection {
        let fileName = try DocumentName.normalize(name)
        let shown = fileName.clipped()
        let file = try StagedFile(url: url, displayName: fileName)
        guard file.size > 0 else {
            throw CollabError.invalid([ValidationProblem(field: "content", kind: .empty, message: "'\(shown)' is empty")])
        }
        guard file.size <= UInt64(max(0, policy.maximumFileSize)) else {
            throw InspectionFailure.tooLarge(
                "'\(shown)' is \(file.size) bytes, more than the limit of \(policy.maximumFileSize)", field: "size")
        }
        let head = try file.read(at: 0, upTo: Self.headSize)
        if let kind = Self.executableKind(head, fileGoesOn: file.size > UInt64(head.count)) {
            throw InspectionFailure.refused("'\(shown)' is an executable (\(kind)); executables are never accepted")
        }
        var detected = try detect(file, head: head)
        let ext = DocumentName.fileExtension(of: fileName)
        let claimed = ext.flatMap { MediaType.byExtension[$0] }
        if detected.mediaType == MediaType.text, claimed == MediaType.csv { detected.mediaType = MediaType.csv }

        if detected.mediaType == MediaType.unknown {
            throw InspectionFailure.refused(
                "the content of '\(shown)' is not of a type Collab recognizes"
                    + (claimed.map { " (its name claims \($0))" } ?? ""))
        }
        guard let claimed else {
            throw InspectionFailure.refused(
                "'\(shown)' has "
                    + (ext.map { "the extension '.\($0.clipped(16))', which names no accepted type" } ?? "no extension")
                    + "; its content is \(detected.mediaType)",
                field: "fileName")
        }
        guard claimed == detected.mediaType else {
            throw InspectionFailure.refused(
                "'\(shown)' is named as \(claimed) but its content is \(detected.mediaType)", field: "fileName")
        }
        guard policy.acceptedMediaTypes.contains(detected.mediaType) else {
            throw InspectionFailure.refused("'\(shown)' is \(detected.mediaType), which is not accepted")
        }
        if !policy.acceptsMacros, let macros = detected.macros {
            throw InspectionFailure.refused("'\(shown)' holds macros (\(macros.clipped())), which are not accepted")
        }

        let limit = max(0, policy.maximumExtractedText)
        var text: String?
        for extractor in extractors {
            if let found = try await extractor.extractText(from: url, mediaType: detected.mediaType, limit: limit) {
                var collector = TextCollector(limit: limit)
                collector.append(found.utf8)
                text = collector.text
                break
            }
        }
        if text == nil {
            text = try builtInText(file, head: head, detected: detected, limit: limit)
        }
        return DocumentInspection(
            mediaType: detected.mediaType, fileName: fileName, size: Int64(file.size), extractedText: text,
            archiveEntryCount: detected.zip?.entries.count,
            expandedSize: detected.zip.map { Int64($0.expandedSize) })
    }

    // MARK: Detection

    /// What the bytes are.
    struct Detected {
        var mediaType: String
        var zip: ZipDirectory?
        var text: PlainText.Encoding?
        /// Where the macros are, if the document holds any.
        var macros: String?
    }

    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46]
    static let machO: [[UInt8]] = [
        [0xFE, 0xED, 0xFA, 0xCE], [0xFE, 0xED, 0xFA, 0xCF], [0xCE, 0xFA, 0xED, 0xFE], [0xCF, 0xFA, 0xED, 0xFE],
        [0xCA, 0xFE, 0xBA, 0xBE], [0xCA, 0xFE, 0xBA, 0xBF],
    ]

    /// The kind of executable `head` starts, if any.
    static func executableKind(_ head: [UInt8], fileGoesOn: Bool) -> String? {
        if head.hasPrefix(elf) { return "ELF" }
        if machO.contains(where: { head.hasPrefix($0) }) { return "Mach-O" }
        if head.hasPrefix(Array("#!".utf8)) { return "a script starting with #!" }
        // `MZ` starts a Windows or DOS program, whose header holds NUL bytes; a text that happens to start
        // with the letters MZ is still text.
        if head.hasPrefix(Array("MZ".utf8)), PlainText.encoding(of: head, fileGoesOn: fileGoesOn) == nil {
            return "a Windows program"
        }
        return nil
    }

    private func detect(_ file: StagedFile, head: [UInt8]) throws(CollabError) -> Detected {
        if head.hasPrefix(Array("%PDF-".utf8)) { return Detected(mediaType: MediaType.pdf) }
        if head.hasPrefix([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return Detected(mediaType: MediaType.png) }
        if head.hasPrefix([0xFF, 0xD8, 0xFF]) { return Detected(mediaType: MediaType.jpeg) }
        if head.hasPrefix(Array("GIF87a".utf8)) || head.hasPrefix(Array("GIF89a".utf8)) {
            return Detected(mediaType: MediaType.gif)
        }
        if head.hasPrefix(Array("RIFF".utf8)) && head.hasPrefix(Array("WEBP".utf8), at: 8) {
            return Detected(mediaType: MediaType.webp)
        }
        if head.hasPrefix(CompoundFile.signature) { return try detectCompound(file) }
        if head.hasPrefix([0x50, 0x4B, 0x03, 0x04]) || head.hasPrefix([0x50, 0x4B, 0x05, 0x06]) {
            return try detectArchive(file)
        }
        if let encoding = PlainText.encoding(of: head, fileGoesOn: file.size > UInt64(head.count)) {
            return Detected(mediaType: MediaType.text, text: encoding)
        }
        return Detected(mediaType: MediaType.unknown)
    }

    private func detectCompound(_ file: StagedFile) throws(CollabError) -> Detected {
        let names = Set(try CompoundFile.read(file).names.map { $0.uppercased() })
        if names.contains("ENCRYPTEDPACKAGE") || names.contains("ENCRYPTIONINFO") {
            throw InspectionFailure.refused(
                "'\(file.displayName.clipped())' is a password-protected Office document, which cannot be inspected; remove the password and upload it again")
        }
        let macros = ["MACROS", "_VBA_PROJECT_CUR", "VBA"].first(where: names.contains)
        if names.contains("WORDDOCUMENT") { return Detected(mediaType: MediaType.doc, macros: macros) }
        if names.contains("WORKBOOK") || names.contains("BOOK") { return Detected(mediaType: MediaType.xls, macros: macros) }
        if names.contains("POWERPOINT DOCUMENT") { return Detected(mediaType: MediaType.ppt, macros: macros) }
        return Detected(mediaType: MediaType.ole)
    }

    private func detectArchive(_ file: StagedFile) throws(CollabError) -> Detected {
        let zip = try ZipDirectory.read(file, policy: policy)
        guard zip.contains("[Content_Types].xml") else { return Detected(mediaType: MediaType.zip, zip: zip) }
        var kinds: [String] = []
        if zip.entries.contains(where: { $0.name.hasPrefix("word/") }) { kinds.append(MediaType.docx) }
        if zip.entries.contains(where: { $0.name.hasPrefix("xl/") }) { kinds.append(MediaType.xlsx) }
        if zip.entries.contains(where: { $0.name.hasPrefix("ppt/") }) { kinds.append(MediaType.pptx) }
        guard kinds.count <= 1 else {
            throw InspectionFailure.malformed(
                "'\(file.displayName.clipped())' holds the parts of more than one kind of Office document")
        }
        let macros = zip.entries.first(where: { $0.name.lowercased().hasSuffix("vbaproject.bin") })?.name
        return Detected(mediaType: kinds.first ?? MediaType.zip, zip: zip, macros: macros)
    }

    // MARK: Built-in extraction

    private func builtInText(_ file: StagedFile, head: [UInt8], detected: Detected, limit: Int) throws(CollabError) -> String? {
        if let encoding = detected.text { return try PlainText.extract(file, encoding: encoding, limit: limit) }
        guard let zip = detected.zip else { return nil }
        let parts: [String]
        let vocabulary: XMLTextScanner.Vocabulary
        switch detected.mediaType {
        case MediaType.docx:
            parts = ["word/document.xml"]
            vocabulary = .word
        case MediaType.xlsx:
            parts = ["xl/sharedStrings.xml"] + Self.numbered(zip, prefix: "xl/worksheets/sheet")
            vocabulary = .sheet
        case MediaType.pptx:
            parts = Self.numbered(zip, prefix: "ppt/slides/slide")
            vocabulary = .slide
        default:
            return nil
        }
        let collector = CollectorBox(limit: limit)
        let (product, overflow) = limit.multipliedReportingOverflow(by: Self.extractionInflationFactor)
        var budget = Int64(overflow ? Int.max : product)
        for part in parts {
            guard !collector.value.isFull, budget > 0 else { break }
            guard let entry = zip.entry(part) else { continue }
            var scanner = XMLTextScanner(vocabulary)
            try ZipDirectory.stream(entry, from: file) { bytes in
                budget -= Int64(bytes.count)
                scanner.scan(bytes, into: &collector.value)
                return !collector.value.isFull && budget > 0
            }
            collector.value.lineBreak()
        }
        var text = collector.value.text
        while text.last == "\n" { text.removeLast() }
        return text
    }

    /// The parts `<prefix><n>.xml` in the order of `n` (`sheet2` before `sheet10`).
    private static func numbered(_ zip: ZipDirectory, prefix: String) -> [String] {
        zip.entries.map(\.name)
            .filter { name in
                guard name.hasPrefix(prefix), name.hasSuffix(".xml") else { return false }
                let middle = name.dropFirst(prefix.count).dropLast(4)
                return !middle.isEmpty && middle.allSatisfy(\.isASCIIDigit)
            }
            .sorted { ($0.count, $0) < ($1.count, $1) }
    }
}

/// The text collected from one document's parts, shared with the inflater's sink.
private final class CollectorBox {
    var value: TextCollector
    init(limit: Int) { value = TextCollector(limit: limit) }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
