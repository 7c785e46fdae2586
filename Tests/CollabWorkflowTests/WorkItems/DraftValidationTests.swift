import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Validation of what a caller creates: every problem at once, in one error, and nothing written.
@Suite struct DraftValidationTests {
    typealias W = Workplace

    /// Checks that nothing at all was written by a refused create.
    static func expectNothingWritten(_ w: Workplace, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await w.engine.workItems.count(as: W.admin) == 0, sourceLocation: sourceLocation)
        let outbox = try await w.h.store.outboxCounts()
        #expect(outbox.pending + outbox.delivered + outbox.parked + outbox.suppressed == 0, sourceLocation: sourceLocation)
        #expect(try await w.todo(W.initiator).isEmpty, sourceLocation: sourceLocation)
        #expect(try await w.todo(W.assignee).isEmpty, sourceLocation: sourceLocation)
    }

    @Test("a draft with five different problems fails once, listing all five with their field and kind",
        arguments: [true, false])
    func fiveProblemsAtOnce(submit: Bool) async throws {
        let w = try await Workplace(storage: .underTest)
        // The item does not exist yet: the plan is kept in the initiator's department folder.
        let plan = try await w.h.attach("plan.pdf", to: .departmentFolder("eng-mobile"), by: W.initiator)
        let draft = WorkItemDraft(
            title: "", description: String(repeating: "x", count: 20_001), assigneeIDs: [W.assignee, "nobody"],
            departmentIDs: ["eng-mobile"], start: w.now.addingTimeInterval(3 * 86_400),
            deadline: .endOfDay(CalendarDate(year: 2026, month: 1, day: 2)),
            attachments: [plan, FileAttachment(document: "no-such-document")])
        let error = try #require(await expectFailure(.invalidInput) {
            try await w.engine.workItems.create(draft, by: W.initiator, submit: submit)
        })
        #expect(error.message == "5 problems in the input")
        #expect(error.problems.count == 5)
        let byField = Dictionary(uniqueKeysWithValues: error.problems.map { ($0.field, $0.kind) })
        #expect(byField == [
            "title": .empty,
            "description": .tooLong,
            "assigneeIDs[1]": .unknownMember,
            "deadline": .deadlineBeforeStart,
            "attachments[1].documentID": .unknownDocument,
        ])
        let messages = Dictionary(uniqueKeysWithValues: error.problems.map { ($0.field, $0.message) })
        #expect(messages["description"]?.contains("20001") == true)
        #expect(messages["assigneeIDs[1]"]?.contains("'nobody'") == true)
        #expect(messages["attachments[1].documentID"]?.contains("'no-such-document'") == true)
        try await Self.expectNothingWritten(w)
    }

    @Test("references to other organizations, inactive members and unknown departments are refused like missing ones")
    func references() async throws {
        let w = try await Workplace(storage: .underTest)
        // acme's own customer, with collaboration switched off: refused like an unknown organization.
        let closedco = try await w.engine.customers.recordSignedContract(SignedContract(
            contractID: "K-1", customerKey: "CLOSED", customerName: "Closed Co",
            contacts: [ExternalContact(displayName: "Carla Closed")], signedAt: w.now, salesOwnerID: W.salesHead),
            by: W.salesHead).customer.id
        try await w.engine.settings.setExternalCollaboration(closedco, enabled: false, by: W.admin)
        try await w.deactivate(W.spare)
        var draft = w.draft(assignees: [W.assignee, W.stranger, W.spare, W.assignee], reviewer: "ghost")
        draft.watcherIDs = [W.partner]
        draft.departmentIDs = ["eng-mobile", "nowhere", "eng-mobile"]
        draft.partnerOrganizationIDs = ["globex", closedco, "nowhere"]
        let error = try #require(await expectFailure(.invalidInput) { try await w.engine.workItems.create(draft, by: W.initiator) })
        let found = Set(error.problems.map { "\($0.field):\($0.kind)" })
        #expect(found == [
            "assigneeIDs[1]:unknown_member", "assigneeIDs[2]:unknown_member", "assigneeIDs[3]:duplicate",
            "reviewerID:unknown_member", "watcherIDs[0]:unknown_member",
            "departmentIDs[1]:unknown_department", "departmentIDs[2]:duplicate",
            "partnerOrganizationIDs[0]:unknown_organization",
            "partnerOrganizationIDs[1]:unknown_organization",
            "partnerOrganizationIDs[2]:unknown_organization",
        ])
        #expect(error.problems.count == found.count, "each problem is listed once")
        try await Self.expectNothingWritten(w)
    }

    @Test("texts, tags and attachment metadata are each checked")
    func textsAndAttachments() async throws {
        let w = try await Workplace(storage: .underTest)
        var draft = w.draft(String(repeating: "t", count: 201), assignees: [])
        draft.tags = ["ok", " ", String(repeating: "g", count: 51)]
        // Metadata a caller made up names no document: the engine refuses it without reading it (the metadata's
        // own checks are the model's, in CollabModelTests).
        draft.attachments = [FileAttachment(
            fileName: "../etc/passwd", mediaType: "application/pdf", size: -1, sha256: "XYZ", storageKey: "k")]
        let error = try #require(await expectFailure(.invalidInput) { try await w.engine.workItems.create(draft, by: W.initiator) })
        let found = Set(error.problems.map { "\($0.field):\($0.kind)" })
        #expect(found == [
            "title:too_long", "assigneeIDs:missing", "tags[1]:empty", "tags[2]:too_long",
            "attachments[0].documentID:missing",
        ])
        var spoofed = w.draft("Invoice\u{202E}fdp.exe")
        spoofed.description = "Tab\tand\nnew lines are fine here, a bell \u{07} is not"
        let controls = await expectFailure(.invalidInput) { try await w.engine.workItems.create(spoofed, by: W.initiator) }
        #expect(controls?.problems.map { "\($0.field):\($0.kind)" } == ["title:malformed", "description:malformed"])
        try await Self.expectNothingWritten(w)
    }

    @Test("an attachment names a stored document: without one it is missing; one the actor does not see is unknown")
    func attachmentsNameDocuments() async throws {
        let w = try await Workplace(storage: .underTest)
        var draft = w.draft()
        draft.attachments = [w.h.attachment("plan.pdf")]
        let missing = try #require(await expectFailure(.invalidInput) {
            try await w.engine.workItems.create(draft, by: W.initiator)
        })
        #expect(missing.problems.map(\.field) == ["attachments[0].documentID"])
        #expect(missing.problems.map(\.kind) == [.missing])

        // A document of sales' folder, which the initiator (of eng-mobile) does not see, is refused exactly as
        // an id that names nothing: the same kind, the same message but for the id.
        let hidden = try await w.h.upload(TestHarness.sampleBytes(named: "prices.pdf"), named: "prices.pdf",
            to: .departmentFolder("sales"), by: W.salesHead)
        func problem(naming id: Document.ID) async throws -> ValidationProblem? {
            var naming = w.draft()
            naming.attachments = [FileAttachment(document: id)]
            let error = await expectFailure(.invalidInput) { try await w.engine.workItems.create(naming, by: W.initiator) }
            #expect(error?.problems.count == 1)
            return error?.problems.first
        }
        let invisible = try #require(try await problem(naming: hidden.id))
        let unknown = try #require(try await problem(naming: "no-such-document"))
        #expect(invisible.field == "attachments[0].documentID" && unknown.field == invisible.field)
        #expect(invisible.kind == .unknownDocument && unknown.kind == .unknownDocument)
        #expect(invisible.message == unknown.message.replacingOccurrences(of: "no-such-document", with: hidden.id.rawValue))
        #expect(!invisible.message.contains("prices"), "nothing of the hidden document is told")
        #expect(try await w.engine.workItems.count(as: W.admin) == 0)

        // Once the initiator may see it (an administrator does), the same attachment is accepted, with the
        // document's metadata.
        draft.attachments = [FileAttachment(document: hidden.id)]
        let item = try await w.engine.workItems.create(draft, by: W.admin)
        #expect(item.attachments.map(\.fileName) == ["prices.pdf"])
        #expect(item.attachments.first?.storageKey == "document:\(hidden.id.rawValue)@1")
    }

    // needs the real inspector
    @Test("an attachment that is a shell script is refused at upload, and nothing is recorded")
    func scriptRefusedAtUpload() async throws {
        let w = try await Workplace(storage: .underTest)
        try await expectUploadRefused(w.h, shellScript, named: "install.sh", to: .departmentFolder("eng-mobile"),
            by: W.initiator)
        try await Self.expectNothingWritten(w)
    }

    @Test("a deadline equal to the start is refused; one a millisecond later is accepted")
    func deadlineAtStart() async throws {
        let w = try await Workplace(storage: .underTest)
        let start = w.now.addingTimeInterval(3_600)
        var draft = w.draft()
        draft.start = start
        draft.deadline = .instant(start)
        let error = await expectFailure(.invalidInput) { try await w.engine.workItems.create(draft, by: W.initiator) }
        #expect(error?.problems.map(\.kind) == [.deadlineBeforeStart])
        draft.deadline = .instant(start.addingTimeInterval(0.001))
        let item = try await w.engine.workItems.create(draft, by: W.initiator)
        func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        #expect(item.start == start && milliseconds(item.dueAt) == milliseconds(start) + 1)
    }
}
