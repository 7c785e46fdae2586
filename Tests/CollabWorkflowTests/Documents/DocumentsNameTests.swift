import CollabModel
import CollabWorkflow
import Foundation
import Testing

@Suite struct DocumentsNameTests {
    @Test(
        "folders are dropped, whatever separator or look-alike they use",
        arguments: [
            ("../../etc/passwd", "passwd"),
            ("..\\..\\boot.ini", "boot.ini"),
            ("a/b.pdf", "b.pdf"),
            ("C:report.pdf", "report.pdf"),
            ("evil\u{2215}..\u{2215}plan.docx", "plan.docx"),
            ("x\u{FF0F}y\u{FF3C}z.txt", "z.txt"),
            ("a\u{2044}b\u{29F8}c\u{2216}d\u{29F5}e\u{29F9}f\u{FE68}g.png", "g.png"),
        ])
    func folders(raw: String, expected: String) throws {
        #expect(try DocumentName.normalize(raw) == expected)
    }

    @Test("control and direction characters are removed, so the real extension shows")
    func controls() throws {
        #expect(try DocumentName.normalize("invoice\u{202E}fdp.exe") == "invoicefdp.exe")
        #expect(try DocumentName.normalize("report\u{2066}.pdf\u{2069}.exe") == "report.pdf.exe")
        #expect(try DocumentName.normalize("zero\u{200B}width\u{FEFF}.txt") == "zerowidth.txt")
        #expect(try DocumentName.normalize("tab\tand\nnewline.csv") == "tabandnewline.csv")
        #expect(DocumentName.fileExtension(of: try DocumentName.normalize("invoice\u{202E}fdp.exe")) == "exe")
    }

    @Test("NFC, and leading or trailing spaces and dots")
    func trimming() throws {
        #expect(try DocumentName.normalize("Cafe\u{301}.pdf") == "Caf\u{E9}.pdf")
        #expect(try DocumentName.normalize("Cafe\u{301}.pdf").unicodeScalars.count == 8)
        #expect(try DocumentName.normalize("  .hidden.txt. . ") == "hidden.txt")
        #expect(try DocumentName.normalize("季度报告 (final).docx") == "季度报告 (final).docx")
    }

    @Test(
        "refused names",
        arguments: [
            ("", ValidationProblem.Kind.empty),
            ("   ", .empty),
            (".", .empty),
            ("..", .empty),
            ("a/", .empty),
            ("../..", .empty),
            ("\u{202E}", .empty),
            ("report\u{0}.pdf", .malformed),
            ("CON", .malformed),
            ("con.txt", .malformed),
            ("Lpt1.tar.gz", .malformed),
            ("COM9 .pdf", .malformed),
            ("dir/AUX.docx", .malformed),
            ("a" + String(repeating: "\u{301}", count: 40) + ".txt", .malformed),
        ])
    func refused(raw: String, kind: ValidationProblem.Kind) {
        let error = #expect(throws: CollabError.self) { try DocumentName.normalize(raw) }
        #expect(error?.code == .invalidInput)
        #expect(error?.problems.count == 1)
        #expect(error?.problems.first?.field == "fileName")
        #expect(error?.problems.first?.kind == kind)
    }

    @Test("a 300-byte name is cut to 255 bytes of UTF-8, keeping its extension and whole characters")
    func long() throws {
        let ascii = try DocumentName.normalize(String(repeating: "a", count: 296) + ".pdf")
        #expect(ascii.utf8.count == 255)
        #expect(ascii.hasSuffix("a.pdf"))
        let chinese = try DocumentName.normalize(String(repeating: "报", count: 100) + ".xlsx")
        #expect(chinese.utf8.count <= 255)
        #expect(chinese.hasSuffix("报.xlsx"))
        #expect(chinese == String(repeating: "报", count: 83) + ".xlsx")
        let refused = #expect(throws: CollabError.self) {
            try DocumentName.normalize(String(repeating: "x", count: 20_000))
        }
        #expect(refused?.problems.first?.kind == .tooLong)
    }
}
