import CollabModel
import CollabReports
import CollabTesting
import Foundation
import Testing

@testable import CollabWorkflow

// Document inspection: valid files accepted with their type and text, and a corpus of hostile files each
// refused with a typed error naming the problem.

@Suite struct DocumentsInspectionTests {
    typealias Fx = DocFixtures

    /// Inspects `bytes` under `name` expecting a refusal; returns its one problem.
    func refusal(
        _ bytes: [UInt8], name: String, policy: DocumentPolicy = .default,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> ValidationProblem? {
        do {
            let inspection = try await Fx.inspect(bytes, name: name, policy: policy)
            Issue.record("'\(name)' was accepted as \(inspection.mediaType)", sourceLocation: sourceLocation)
            return nil
        } catch {
            let problem = Fx.problem(of: error)
            #expect(problem != nil, "not one validation problem: \(error)", sourceLocation: sourceLocation)
            return problem
        }
    }

    // MARK: Accepted

    @Test("an .xlsx written by CollabReports' XLSXWriter: detected, and a cell's text extracted")
    func generatedWorkbook() async throws {
        let folder = try Fx.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("任务.xlsx")
        let writer = try XLSXWriter(url: url, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)
        try writer.beginSheet(named: "任务", columns: [ExportColumn("标题"), ExportColumn("数量")])
        try writer.appendRow([.text("季度报告 <审核> & 签字"), .integer(42)])
        try writer.appendRow([.text("second row"), .integer(7)])
        try writer.beginSheet(named: "Other", columns: [ExportColumn("Note")])
        try writer.appendRow([.text("on the second sheet")])
        try writer.finish()

        let inspection = try await DocumentInspector().inspect(fileAt: url, name: "任务.xlsx")
        #expect(inspection.mediaType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(inspection.fileName == "任务.xlsx")
        let text = try #require(inspection.extractedText)
        #expect(text.contains("季度报告 <审核> & 签字"))
        #expect(text.contains("second row"))
        #expect(text.contains("on the second sheet"))
        #expect(text.contains("标题"))
        #expect((inspection.archiveEntryCount ?? 0) >= 5)
        #expect((inspection.expandedSize ?? 0) > 0)
    }

    @Test("a hand-made .docx, stored and deflated: paragraphs become lines, entities are decoded")
    func handMadeDocument() async throws {
        for deflate in [false, true] {
            let bytes = Fx.docx(["First paragraph", "Tom & Jerry <3", "中文段落"], deflate: deflate)
            let inspection = try await Fx.inspect(bytes, name: "notes.docx")
            #expect(inspection.mediaType == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            #expect(inspection.extractedText == "First paragraph\nTom & Jerry <3\n中文段落")
            #expect(inspection.archiveEntryCount == 3)
        }
    }

    @Test("a hand-made .xlsx: shared strings (without phonetic guides) then inline strings, sheets in numeric order")
    func handMadeWorkbook() async throws {
        let shared = """
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">\
            <si><t>共享字符串</t></si><si><r><t>rich </t></r><r><t>text</t></r><rPh sb="0" eb="1"><t>ヨミ</t></rPh></si></sst>
            """
        func sheet(_ text: String) -> String {
            "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>\(text)</t></is></c>"
                + "<c r=\"B1\"><v>12</v></c></row></sheetData></worksheet>"
        }
        let bytes = Fx.zip([
            .init("[Content_Types].xml", Fx.contentTypes, deflate: true),
            .init("xl/workbook.xml", "<workbook/>", deflate: true),
            .init("xl/worksheets/sheet10.xml", sheet("ten"), deflate: true),
            .init("xl/worksheets/sheet2.xml", sheet("two"), deflate: true),
            .init("xl/worksheets/_rels/sheet2.xml.rels", "<Relationships/>", deflate: true),
            .init("xl/sharedStrings.xml", shared, deflate: true),
        ])
        let inspection = try await Fx.inspect(bytes, name: "book.xlsx")
        #expect(inspection.extractedText == "共享字符串\nrich text\ntwo\nten")
    }

    @Test("a hand-made .pptx: slide text in slide order, paragraphs on lines")
    func handMadePresentation() async throws {
        func slide(_ lines: [String]) -> String {
            "<p:sld xmlns:a=\"a\" xmlns:p=\"p\"><p:cSld><p:spTree><p:sp><p:txBody>"
                + lines.map { "<a:p><a:r><a:rPr lang=\"en\"/><a:t>\($0)</a:t></a:r></a:p>" }.joined()
                + "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        }
        let bytes = Fx.zip([
            .init("[Content_Types].xml", Fx.contentTypes),
            .init("ppt/presentation.xml", "<p:presentation/>"),
            .init("ppt/slides/slide2.xml", slide(["Second"]), deflate: true),
            .init("ppt/slides/slide1.xml", slide(["Title", "1 &lt; 2"]), deflate: true),
            .init("ppt/slideLayouts/slideLayout1.xml", slide(["layout placeholder"])),
        ])
        let inspection = try await Fx.inspect(bytes, name: "deck.pptx")
        #expect(inspection.mediaType == "application/vnd.openxmlformats-officedocument.presentationml.presentation")
        #expect(inspection.extractedText == "Title\n1 < 2\nSecond")
    }

    @Test("XML text: CDATA, character references, comments and hidden elements")
    func xmlScanner() {
        let xml = """
            <?xml version="1.0"?><!-- <w:t>comment</w:t> --><w:document><w:body><w:p><w:pPr><w:tabs>\
            <w:tab w:val="left"/></w:tabs></w:pPr><w:r><w:t>a&#20013;&#x6587;&amp;&bogus;</w:t><w:tab/>\
            <w:t><![CDATA[<b>]]]]></w:t></w:r></w:p><w:p><w:r><w:t attr=">">z</w:t><w:br/><w:t>y</w:t></w:r></w:p>\
            </w:body></w:document>
            """
        for chunk in [1, 3, 1000] {
            var scanner = XMLTextScanner(.word)
            var collector = TextCollector(limit: 1000)
            let bytes = Array(xml.utf8)
            for start in stride(from: 0, to: bytes.count, by: chunk) {
                scanner.scan(bytes[start..<min(bytes.count, start + chunk)], into: &collector)
            }
            #expect(collector.text == "a中文&&bogus;\t<b>]]\nz\ny\n", "chunk \(chunk)")
        }
    }

    @Test("the built-in extraction inflates at most 64 times the text limit")
    func extractionBudget() async throws {
        var policy = DocumentPolicy.default
        policy.maximumExtractedText = 100
        // 90 KB of markup before any text: more than 64 × 100 bytes (checked per 64 KiB of output), so the
        // text after it is not reached.
        let padding = String(repeating: "<w:bookmarkStart w:id=\"0\"/>", count: 3000)
        let bytes = Fx.zip([
            .init("[Content_Types].xml", Fx.contentTypes),
            .init("word/document.xml", "<w:document><w:body>\(padding)<w:p><w:r><w:t>late</w:t></w:r></w:p></w:body></w:document>", deflate: true),
        ])
        #expect(try await Fx.inspect(bytes, name: "a.docx", policy: policy).extractedText == "")
        #expect(try await Fx.inspect(bytes, name: "a.docx").extractedText == "late")
    }

    @Test("extracted text stops at the policy's limit, on a whole character")
    func textLimit() async throws {
        var policy = DocumentPolicy.default
        policy.maximumExtractedText = 10
        let docx = try await Fx.inspect(Fx.docx(["中文段落中文段落"]), name: "a.docx", policy: policy)
        #expect(docx.extractedText == "中文段")
        let text = try await Fx.inspect(Array("abcdefgh中文".utf8), name: "a.txt", policy: policy)
        #expect(text.extractedText == "abcdefgh")
    }

    @Test("a minimal PDF, a PNG header, a GIF and a JPEG are accepted by their bytes")
    func simpleFormats() async throws {
        let pdf = try await Fx.inspect(Fx.pdf, name: "scan.PDF")
        #expect(pdf.mediaType == "application/pdf")
        #expect(pdf.extractedText == nil)
        #expect(pdf.fileName == "scan.PDF")
        #expect(try await Fx.inspect(Fx.png, name: "chart.png").mediaType == "image/png")
        #expect(try await Fx.inspect(Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0], name: "a.gif").mediaType == "image/gif")
        #expect(try await Fx.inspect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], name: "photo.jpg").mediaType == "image/jpeg")
        let webp = Array("RIFF".utf8) + [4, 0, 0, 0] + Array("WEBPVP8 ".utf8)
        #expect(try await Fx.inspect(webp, name: "a.webp").mediaType == "image/webp")
    }

    @Test("UTF-8 Chinese text, with and without a BOM, UTF-16 with a BOM, and CSV")
    func plainText() async throws {
        let chinese = "季度报告：收入增长百分之十二。\n第二行"
        let utf8 = try await Fx.inspect(Array(chinese.utf8), name: "报告.txt")
        #expect(utf8.mediaType == "text/plain")
        #expect(utf8.extractedText == chinese)
        let bom = try await Fx.inspect([0xEF, 0xBB, 0xBF] + Array(chinese.utf8), name: "报告.md")
        #expect(bom.extractedText == chinese)
        let utf16 = try await Fx.inspect([0xFF, 0xFE] + chinese.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }, name: "u.txt")
        #expect(utf16.extractedText == chinese)
        let utf16BE = try await Fx.inspect([0xFE, 0xFF] + chinese.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }, name: "u.txt")
        #expect(utf16BE.extractedText == chinese)
        let csv = try await Fx.inspect(Array("名字,数量\n苹果,3\n".utf8), name: "data.csv")
        #expect(csv.mediaType == "text/csv")
        #expect(csv.extractedText == "名字,数量\n苹果,3\n")
    }

    @Test("a legacy OLE .xls (a Workbook stream) and .doc (a WordDocument stream)")
    func legacyOffice() async throws {
        let xls = try await Fx.inspect(Fx.compoundFile(streams: ["Workbook"]), name: "budget.xls")
        #expect(xls.mediaType == "application/vnd.ms-excel")
        #expect(xls.extractedText == nil)
        let doc = try await Fx.inspect(Fx.compoundFile(streams: ["WordDocument", "1Table"]), name: "letter.doc")
        #expect(doc.mediaType == "application/msword")
        let ppt = try await Fx.inspect(Fx.compoundFile(streams: ["PowerPoint Document"]), name: "deck.ppt")
        #expect(ppt.mediaType == "application/vnd.ms-powerpoint")
    }

    @Test("a host extractor is asked first, and what it returns is cut to the limit")
    func hostExtractor() async throws {
        struct Fake: DocumentTextExtractor {
            func extractText(from file: URL, mediaType: String, limit: Int) async throws(CollabError) -> String? {
                mediaType == "application/pdf" ? String(repeating: "p\u{0}", count: 50) : nil
            }
        }
        var policy = DocumentPolicy.default
        policy.maximumExtractedText = 20
        let pdf = try await Fx.inspect(Fx.pdf, name: "a.pdf", policy: policy, extractors: [Fake()])
        #expect(pdf.extractedText == String(repeating: "p", count: 10))
        let docx = try await Fx.inspect(Fx.docx(["built in"]), name: "a.docx", extractors: [Fake()])
        #expect(docx.extractedText == "built in")
    }

    @Test("a policy decodes with defaults for missing keys and lower-cased media types; one accepting ZIP takes a plain .zip")
    func policy() async throws {
        let json = Data(#"{"acceptedMediaTypes": ["Application/ZIP"], "maximumFileSize": 2048}"#.utf8)
        let policy = try JSONDecoder().decode(DocumentPolicy.self, from: json)
        #expect(policy.acceptedMediaTypes == ["application/zip"])
        #expect(policy.maximumFileSize == 2048)
        #expect(policy.maximumExpandedSize == DocumentPolicy.default.maximumExpandedSize)
        #expect(policy.acceptsMacros == false)
        let roundTrip = try JSONDecoder().decode(DocumentPolicy.self, from: JSONEncoder().encode(policy))
        #expect(roundTrip == policy)
        let zip = Fx.zip([.init("a.txt", "hello", deflate: true)])
        let inspection = try await Fx.inspect(zip, name: "archive.zip", policy: policy)
        #expect(inspection.mediaType == "application/zip")
        #expect(inspection.extractedText == nil)
        #expect(inspection.archiveEntryCount == 1)
        #expect(inspection.expandedSize == 5)
        let pdf = await refusal(Fx.pdf, name: "a.pdf", policy: policy)
        #expect(pdf?.message.contains("application/pdf, which is not accepted") == true)
    }

    // MARK: Refused: types and names

    @Test("an ELF binary, a Windows program, a Mach-O and a #! script are refused as executables, whatever the name")
    func executables() async throws {
        let cases: [([UInt8], String)] = [
            (Fx.elf, "report.pdf"), (Fx.windowsProgram, "invoice.docx"), (Fx.windowsProgram, "setup.exe"),
            ([0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1], "image.png"), (Array("#!/bin/sh\nrm -rf /\n".utf8), "notes.txt"),
        ]
        for (bytes, name) in cases {
            let problem = await refusal(bytes, name: name)
            #expect(problem?.field == "content")
            #expect(problem?.kind == .refusedAttachmentType)
            #expect(problem?.message.contains("is an executable") == true, "\(name): \(problem?.message ?? "")")
        }
        // Text that merely starts with the letters MZ is text.
        #expect(try await Fx.inspect(Array("MZ is a postcode prefix".utf8), name: "a.txt").mediaType == "text/plain")
    }

    @Test("a PDF named .docx is refused, naming both types")
    func pdfNamedDocx() async {
        let problem = await refusal(Fx.pdf, name: "contract.docx")
        #expect(problem?.field == "fileName")
        #expect(problem?.kind == .refusedAttachmentType)
        #expect(problem?.message.contains("application/pdf") == true)
        #expect(problem?.message.contains("wordprocessingml") == true)
    }

    @Test("a .docx whose bytes are a plain ZIP archive is refused, naming both types")
    func plainZipNamedDocx() async {
        let zip = Fx.zip([.init("readme.txt", "hello"), .init("payload.bin", [1, 2, 3])])
        let problem = await refusal(zip, name: "report.docx")
        #expect(problem?.field == "fileName")
        #expect(problem?.kind == .refusedAttachmentType)
        #expect(problem?.message.contains("application/zip") == true)
        // Named .zip it agrees with itself, but ZIP archives are not accepted by default.
        let asZip = await refusal(zip, name: "report.zip")
        #expect(asZip?.field == "content")
        #expect(asZip?.message.contains("not accepted") == true)
    }

    @Test("an extension that names no type, no extension, and unknown bytes are refused")
    func unknownTypes() async {
        let exe = await refusal(Array("hello".utf8), name: "invoice\u{202E}fdp.exe")
        #expect(exe?.field == "fileName")
        #expect(exe?.message.contains("'invoicefdp.exe'") == true)
        #expect(exe?.message.contains(".exe") == true)
        let bare = await refusal(Array("hello".utf8), name: "../../etc/passwd")
        #expect(bare?.message.contains("no extension") == true)
        let binary = await refusal([0x00, 0x01, 0x02, 0xFE, 0x80], name: "data.txt")
        #expect(binary?.field == "content")
        #expect(binary?.message.contains("not of a type Collab recognizes") == true)
        let utf16Binary = await refusal([0xFF, 0xFE, 0x00, 0x00, 0x41, 0x00] + Fx.elf, name: "a.txt")
        #expect(utf16Binary?.field == "content")
        let utf16Surrogate = await refusal([0xFF, 0xFE, 0x41, 0x00, 0x00, 0xDC, 0x41, 0x00], name: "a.txt")
        #expect(utf16Surrogate?.field == "content")
        let empty = await refusal([], name: "a.txt")
        #expect(empty?.kind == .empty)
    }

    @Test("the file name's own problems come first: empty, NUL, reserved")
    func badNames() async {
        for name in ["", "a\u{0}.pdf", "NUL.pdf", "..\\.."] {
            let problem = await refusal(Fx.pdf, name: name)
            #expect(problem?.field == "fileName")
        }
    }

    @Test("a file beyond the size limit is refused on `size`")
    func tooLarge() async {
        var policy = DocumentPolicy.default
        policy.maximumFileSize = 100
        let problem = await refusal(Fx.pdf, name: "a.pdf", policy: policy)
        #expect(problem?.field == "size")
        #expect(problem?.kind == .outOfRange)
    }

    @Test("macros and password-protected Office files are refused")
    func macrosAndEncryption() async throws {
        let docm = Fx.docx(["x"], extra: [.init("word/vbaProject.bin", [1, 2, 3])])
        let macro = await refusal(docm, name: "a.docx")
        #expect(macro?.message.contains("macros") == true)
        var policy = DocumentPolicy.default
        policy.acceptsMacros = true
        #expect(try await Fx.inspect(docm, name: "a.docx", policy: policy).extractedText == "x")
        let legacyMacro = await refusal(Fx.compoundFile(streams: ["Workbook", "_VBA_PROJECT_CUR"]), name: "a.xls")
        #expect(legacyMacro?.message.contains("macros") == true)
        let encrypted = await refusal(Fx.compoundFile(streams: ["EncryptionInfo", "EncryptedPackage"]), name: "a.docx")
        #expect(encrypted?.message.contains("password-protected") == true)
        let msi = await refusal(Fx.compoundFile(streams: ["SummaryInformation"]), name: "setup.doc")
        #expect(msi?.message.contains("application/x-ole-storage") == true)
    }

    @Test("broken OLE compound files are refused as malformed: truncated, a directory beyond the end, a looping chain")
    func brokenCompoundFiles() async {
        let valid = Fx.compoundFile(streams: ["Workbook"])
        let truncated = await refusal(Array(valid[..<700]), name: "a.xls")
        #expect(truncated?.kind == .malformed)
        var beyond = valid
        beyond[48] = 50  // the first directory sector
        let beyondProblem = await refusal(beyond, name: "a.xls")
        #expect(beyondProblem?.message.contains("beyond the end of the file") == true)
        var loop = valid
        loop[512 + 4] = 1  // the FAT entry of sector 1 (the directory) points back at sector 1
        loop[512 + 5] = 0
        loop[512 + 6] = 0
        loop[512 + 7] = 0
        let loopProblem = await refusal(loop, name: "a.xls")
        #expect(loopProblem?.message.contains("loops") == true)
        var badOrder = valid
        badOrder[28] = 0
        #expect(await refusal(badOrder, name: "a.xls")?.kind == .malformed)
    }

    // MARK: Refused: ZIP bombs and broken archives

    @Test("a zip bomb: an entry of 4 MiB of zeros compressed about 160 times is refused by its ratio")
    func compressionRatio() async {
        let bomb = Fx.docx(["x"], extra: [.init("word/media/zeros.bin", [UInt8](repeating: 0, count: 4 << 20), deflate: true)])
        let problem = await refusal(bomb, name: "bomb.docx")
        #expect(problem?.kind == .outOfRange)
        #expect(problem?.message.contains("word/media/zeros.bin") == true)
        #expect(problem?.message.contains("more than 100 times") == true)
    }

    @Test("an archive whose declared sizes sum beyond the expanded-size limit is refused before inflating")
    func expandedSize() async {
        var policy = DocumentPolicy.default
        policy.maximumExpandedSize = 1000
        let bytes = Fx.docx(["x"], extra: [.init("word/big.xml", String(repeating: "<a/>", count: 300))])
        let problem = await refusal(bytes, name: "a.docx", policy: policy)
        #expect(problem?.kind == .outOfRange)
        #expect(problem?.message.contains("expand to more than the limit of 1000 bytes") == true)
    }

    @Test("an archive with more entries than the limit is refused")
    func tooManyEntries() async {
        var policy = DocumentPolicy.default
        policy.maximumArchiveEntries = 50
        let entries = (0..<51).map { Fx.ZipEntry("word/e\($0).xml", "x") }
        let problem = await refusal(Fx.docx(["x"], extra: entries), name: "a.docx", policy: policy)
        #expect(problem?.kind == .outOfRange)
        #expect(problem?.message.contains("54 entries, more than the limit of 50") == true)
    }

    @Test("an entry that inflates beyond the size it declares is refused when extracted")
    func lyingSize() async {
        let document = Array("<w:document><w:body><w:p><w:r><w:t>\(String(repeating: "a", count: 4000))</w:t></w:r></w:p></w:body></w:document>".utf8)
        let bytes = Fx.zip([
            .init("[Content_Types].xml", Fx.contentTypes),
            .init("word/document.xml", document, deflate: true, declaredSize: 100),
        ])
        let problem = await refusal(bytes, name: "a.docx")
        #expect(problem?.kind == .outOfRange)
        #expect(problem?.message.contains("inflates to more than the 100 bytes it declares") == true)
        // Declaring more than it holds, or a wrong CRC, is refused too.
        let short = Fx.zip([
            .init("[Content_Types].xml", Fx.contentTypes),
            .init("word/document.xml", document, deflate: true, declaredSize: 5000),
        ])
        #expect(await refusal(short, name: "a.docx")?.message.contains("not the 5000 it declares") == true)
        let badCRC = Fx.zip([
            .init("[Content_Types].xml", Fx.contentTypes),
            .init("word/document.xml", document, deflate: true, declaredCRC: 12345),
        ])
        #expect(await refusal(badCRC, name: "a.docx")?.message.contains("CRC-32") == true)
    }

    @Test("overlapping entries (two central records sharing bytes) are refused")
    func overlapping() async {
        let problem = await refusal(Fx.overlappingZip(), name: "a.xlsx")
        #expect(problem?.kind == .malformed)
        #expect(problem?.message.contains("overlap") == true)
    }

    @Test("a truncated .docx is refused as malformed, wherever it is cut")
    func truncated() async {
        let docx = Fx.docx(["some text to cut"])
        for cut in stride(from: 4, to: docx.count, by: max(1, docx.count / 60)) {
            let problem = await refusal(Array(docx[..<cut]), name: "cut.docx")
            #expect(problem?.field == "content", "cut at \(cut): \(problem?.message ?? "")")
        }
    }

    @Test("ZIP64, encrypted entries and other compression methods are refused clearly")
    func unsupportedArchives() async {
        // An end record whose entry count says "see ZIP64".
        var zip64 = Fx.docx(["x"])
        let end = zip64.count - 22
        zip64[end + 8] = 0xFF
        zip64[end + 9] = 0xFF
        zip64[end + 10] = 0xFF
        zip64[end + 11] = 0xFF
        #expect(await refusal(zip64, name: "a.docx")?.message.contains("ZIP64") == true)
        // Flag bit 0 (encrypted) on the first central record.
        var encrypted = Fx.docx(["x"])
        let directory = Int(UInt32(encrypted[end + 16]) | UInt32(encrypted[end + 17]) << 8 | UInt32(encrypted[end + 18]) << 16)
        encrypted[directory + 8] |= 1
        #expect(await refusal(encrypted, name: "a.docx")?.message.contains("encrypted") == true)
        var method = Fx.docx(["x"])
        method[directory + 10] = 14  // LZMA
        #expect(await refusal(method, name: "a.docx")?.message.contains("compression method 14") == true)
    }

    // MARK: Fuzz

    @Test("seeded random mutations of a valid .docx never crash: each is accepted or refused with a CollabError")
    func mutations() async {
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_261_204
        var rng = SeededRandomNumberGenerator(seed: seed)
        let original = Fx.docx(["The quick brown fox", "jumps over the lazy dog", "任务 12"])
        var accepted = 0
        var refused = 0
        for _ in 0..<200 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes[at] = [0x00, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &rng)]
                default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
                }
                if bytes.isEmpty { bytes = [0] }
            }
            do {
                let inspection = try await Fx.inspect(bytes, name: "fuzz.docx")
                #expect((inspection.extractedText?.utf8.count ?? 0) <= DocumentPolicy.default.maximumExtractedText)
                accepted += 1
            } catch {
                #expect(error.code == .invalidInput, "seed \(seed): \(error)")
                refused += 1
            }
        }
        #expect(accepted + refused == 200)
        #expect(refused > 0)
    }
}
