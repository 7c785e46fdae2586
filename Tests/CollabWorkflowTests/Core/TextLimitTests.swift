import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Text limits through the engine: a text whose characters are many code points each (combining marks,
/// joiners) is bounded by its size in UTF-8, not by its character count, and a refused command writes
/// nothing.
@Suite struct TextLimitTests {
    typealias W = Workplace

    /// One letter followed by 500,000 combining acute accents: one character, about 1 MB.
    static let zalgoTitle = "a" + String(repeating: "\u{301}", count: 500_000)

    /// About 1 MB in 6,000 characters: each is a letter with 60 zero-width joiners (no combining mark).
    static let megabyteText = String(repeating: "b" + String(repeating: "\u{200D}", count: 60), count: 6_000)

    /// The draft with a description of its own (the fixture's repeats the title).
    static func plainDescription(_ draft: WorkItemDraft) -> WorkItemDraft {
        var draft = draft
        draft.description = "Plain details"
        return draft
    }

    @Test("a title of one letter and 500,000 combining marks is refused and nothing is written")
    func combiningMarkTitleIsRefused() async throws {
        let w = try await Workplace(storage: .underTest)
        let anchor = try await w.item(.inProgress)
        let before = try await w.h.tableSnapshot()
        #expect(Self.zalgoTitle.count == 1 && Self.zalgoTitle.utf8.count == 1_000_001)
        let error = await expectFailure(.invalidInput) {
            _ = try await w.engine.workItems.create(Self.plainDescription(w.draft(Self.zalgoTitle)), by: W.initiator)
        }
        let problems = error?.problems ?? []
        #expect(Set(problems.map(\.field)) == ["title"])
        #expect(Set(problems.map(\.kind)) == [.tooLong, .malformed])
        let size = try #require(problems.first { $0.kind == .tooLong })
        #expect(size.message == "is 1000001 bytes in UTF-8, at most 800 are allowed")
        let run = try #require(problems.first { $0.kind == .malformed })
        #expect(run.message == "has a run of 500000 combining marks, at most 8 in a row are allowed")
        #expect(error.map { "\($0)".utf8.count < 2_000 } == true, "the error does not echo the megabyte")
        #expect(try await w.h.tableSnapshot() == before)
        _ = anchor
    }

    @Test("a 1 MB description and a 1 MB comment of few characters are refused and nothing is written")
    func megabyteDescriptionAndCommentAreRefused() async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        #expect(Self.megabyteText.count == 6_000 && Self.megabyteText.utf8.count == 1_086_000)
        let before = try await w.h.tableSnapshot()
        var draft = w.draft()
        draft.description = Self.megabyteText
        let create = await expectFailure(.invalidInput) { _ = try await w.engine.workItems.create(draft, by: W.initiator) }
        #expect(create?.problems.map(\.field) == ["description"] && create?.problems.map(\.kind) == [.tooLong])
        #expect(create?.problems.first?.message == "is 1086000 bytes in UTF-8, at most 80000 are allowed")
        let comment = await expectFailure(.invalidInput) {
            _ = try await w.engine.workItems.comment(on: item.id, by: W.assignee, Self.megabyteText)
        }
        #expect(comment?.problems.map(\.field) == ["body"] && comment?.problems.map(\.kind) == [.tooLong])
        #expect(comment?.problems.first?.message == "is 1086000 bytes in UTF-8, at most 40000 are allowed")
        let progress = await expectFailure(.invalidInput) {
            _ = try await w.engine.workItems.reportProgress(item.id, by: W.assignee, text: Self.megabyteText, percent: 10)
        }
        #expect(progress?.problems.map(\.kind) == [.tooLong])
        #expect(try await w.h.tableSnapshot() == before)
    }

    @Test("a 200-character Chinese title is accepted and read back as given")
    func chineseTitleIsAccepted() async throws {
        let w = try await Workplace(storage: .underTest)
        let title = String(repeating: "季度计划与设备维护", count: 23).prefix(200)
        #expect(title.count == 200 && title.utf8.count == 600)
        let item = try await w.engine.workItems.create(w.draft(String(title)), by: W.initiator)
        #expect(try await w.stored(item.id).title == String(title))
        let emoji = String(repeating: "🚀", count: 200)
        #expect(emoji.utf8.count == 800)
        let rocket = try await w.engine.workItems.create(w.draft(emoji), by: W.initiator)
        #expect(try await w.stored(rocket.id).title == emoji, "200 characters of four bytes each are allowed")
    }

    @Test("text with a left-to-right or right-to-left mark, Arabic letter mark or line separator is refused",
        arguments: ["\u{200E}", "\u{200F}", "\u{061C}", "\u{2028}", "\u{2029}"])
    func invisibleDirectionMarksAreRefused(_ mark: String) async throws {
        let w = try await Workplace(storage: .underTest)
        let item = try await w.item(.inProgress)
        let before = try await w.h.tableSnapshot()
        let create = await expectFailure(.invalidInput) {
            _ = try await w.engine.workItems.create(Self.plainDescription(w.draft("invoice\(mark)fdp.exe")), by: W.initiator)
        }
        #expect(create?.problems.map(\.field) == ["title"] && create?.problems.map(\.kind) == [.malformed])
        let hex = String(mark.unicodeScalars.first?.value ?? 0, radix: 16, uppercase: true)
        #expect(create?.problems.first?.message.contains("U+\(hex)") == true)
        let comment = await expectFailure(.invalidInput) {
            _ = try await w.engine.workItems.comment(on: item.id, by: W.assignee, "see\(mark)below")
        }
        #expect(comment?.problems.map(\.kind) == [.malformed])
        #expect(try await w.h.tableSnapshot() == before)
    }
}
