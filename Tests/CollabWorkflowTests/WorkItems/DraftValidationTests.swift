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
        let draft = WorkItemDraft(
            title: "", description: String(repeating: "x", count: 20_001), assigneeIDs: [W.assignee, "nobody"],
            departmentIDs: ["eng-mobile"], start: w.now.addingTimeInterval(3 * 86_400),
            deadline: .endOfDay(CalendarDate(year: 2026, month: 1, day: 2)),
            attachments: [w.h.attachment("plan.pdf"), w.h.attachment("install.sh", mediaType: "application/x-sh")])
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
            "attachments[1].mediaType": .refusedAttachmentType,
        ])
        let messages = Dictionary(uniqueKeysWithValues: error.problems.map { ($0.field, $0.message) })
        #expect(messages["description"]?.contains("20001") == true)
        #expect(messages["assigneeIDs[1]"]?.contains("'nobody'") == true)
        #expect(messages["attachments[1].mediaType"]?.contains("application/x-sh") == true)
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
        draft.attachments = [FileAttachment(
            fileName: "../etc/passwd", mediaType: "application/pdf", size: -1, sha256: "XYZ", storageKey: "k")]
        let error = try #require(await expectFailure(.invalidInput) { try await w.engine.workItems.create(draft, by: W.initiator) })
        let found = Set(error.problems.map { "\($0.field):\($0.kind)" })
        #expect(found == [
            "title:too_long", "assigneeIDs:missing", "tags[1]:empty", "tags[2]:too_long",
            "attachments[0].fileName:malformed", "attachments[0].size:out_of_range", "attachments[0].sha256:malformed",
        ])
        var spoofed = w.draft("Invoice\u{202E}fdp.exe")
        spoofed.description = "Tab\tand\nnew lines are fine here, a bell \u{07} is not"
        let controls = await expectFailure(.invalidInput) { try await w.engine.workItems.create(spoofed, by: W.initiator) }
        #expect(controls?.problems.map { "\($0.field):\($0.kind)" } == ["title:malformed", "description:malformed"])
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
