import CollabModel
import Foundation
import Testing

/// The one text check every validator uses (`ValidationReport.checkText`): characters, UTF-8 bytes,
/// combining-mark runs and invisible or direction-changing characters, at their boundaries.
@Suite struct TextValidationTests {
    private func problems(_ text: String, maxLength: Int = 10) -> [ValidationProblem] {
        var report = ValidationReport()
        report.checkText(text, field: "title", maxLength: maxLength)
        return report.problems
    }

    @Test("at most maxLength characters")
    func characterBoundary() {
        #expect(problems(String(repeating: "a", count: 10)).isEmpty)
        #expect(problems(String(repeating: "a", count: 11)).map(\.message) == ["has 11 characters, at most 10 are allowed"])
        #expect(problems(String(repeating: "长", count: 10)).isEmpty, "ten Chinese characters are 30 bytes")
    }

    @Test("at most four UTF-8 bytes per allowed character")
    func byteBoundary() {
        let rockets = String(repeating: "🚀", count: 9)
        // Ten characters of 40 bytes: the last one is 'é' and a combining grave accent.
        #expect(problems(rockets + "\u{E9}\u{300}").isEmpty)
        // Ten characters of 41 bytes.
        let over = problems(rockets + "e\u{301}\u{300}")
        #expect(over.map(\.kind) == [.tooLong])
        #expect(over.map(\.message) == ["is 41 bytes in UTF-8, at most 40 are allowed"])
        #expect(problems(String(repeating: "🚀", count: 10)).isEmpty, "ten emoji of four bytes each are allowed")
    }

    @Test("at most eight combining marks in a row")
    func combiningRunBoundary() {
        let eight = "e" + (0..<8).map { String(UnicodeScalar(0x300 + $0).map(Character.init) ?? "?") }.joined()
        #expect(problems(eight, maxLength: 100).isEmpty)
        let nine = eight + "\u{308}"
        #expect(problems(nine, maxLength: 100).map(\.kind) == [.malformed])
        #expect(problems(nine, maxLength: 100).map(\.message) == ["has a run of 9 combining marks, at most 8 in a row are allowed"])
        // Vietnamese and Hindi stay well under the bound.
        #expect(problems("Tiếng Việt \u{1EC7}\u{0323} हिन्दी", maxLength: 100).isEmpty)
        // Two runs of eight separated by a letter are fine.
        #expect(problems(eight + eight, maxLength: 100).isEmpty)
    }

    @Test("direction marks, the Arabic letter mark and the line and paragraph separators are refused",
        arguments: [0x200E, 0x200F, 0x061C, 0x2028, 0x2029, 0x202E, 0x2067] as [UInt32])
    func invisibleMarksAreRefused(_ value: UInt32) throws {
        let scalar = try #require(Unicode.Scalar(value))
        var report = ValidationReport()
        report.checkText("a\(Character(scalar))b", field: "body", maxLength: 100, allowNewlines: true)
        let hex = String(value, radix: 16, uppercase: true)
        #expect(report.problems.map(\.kind) == [.malformed])
        #expect(report.problems.first?.message.contains("U+\(hex)") == true)
    }

    @Test("a member handle is bounded like every other text")
    func handleIsBounded() {
        // U+0345 is a combining mark that is also alphabetic, so every scalar passes the handle's alphabet.
        let member = Member(
            id: "m", organizationID: "acme", displayName: "M", handle: "a" + String(repeating: "\u{345}", count: 1_000))
        let problems = member.validate().problems
        #expect(problems.map(\.field).allSatisfy { $0 == "handle" } && !problems.isEmpty)
        #expect(problems.contains { $0.kind == .tooLong || $0.message.contains("combining marks") })
    }

    private func fileNameProblems(_ name: String) -> [ValidationProblem] {
        FileAttachment(
            fileName: name, mediaType: "application/pdf", size: 1, sha256: String(repeating: "ab", count: 32),
            storageKey: "files/1"
        ).validate(policy: .default).problems
    }

    @Test("a file name with a colon, a slash or a backslash look-alike is refused",
        arguments: ["a:b.pdf", "a/b.pdf", "a\\b.pdf", "a\u{2215}b.pdf", "a\u{FF0F}b.pdf", "a\u{2044}b.pdf",
                    "a\u{29F8}b.pdf", "a\u{FE68}b.pdf", "a\u{FF3C}b.pdf", "a\u{2216}b.pdf", "a\u{29F9}b.pdf"])
    func fileNameSeparatorsAreRefused(_ name: String) {
        let problems = fileNameProblems(name)
        #expect(problems.map(\.field) == ["attachment.fileName"] && problems.map(\.kind) == [.malformed], "\(name)")
    }

    @Test("plain file names, Chinese ones included, are accepted")
    func plainFileNamesAreAccepted() {
        for name in ["plan.pdf", "季度计划 (v2).xlsx", "Q1 report - final.docx", "a.b.c.pdf"] {
            #expect(fileNameProblems(name).isEmpty, "\(name)")
        }
    }
}
