import CollabModel
import CollabTesting
import CollabWorkflow
import Testing

// The examples of CollabTesting's "Building a workplace in your tests" and getting-started articles, and
// the testing tools they show (`Workplace`, `TableSnapshot`, `requireFailure`), run so that they cannot rot.
@Suite struct WorkplaceArticleTests {
    @Test("a bystander approving an item in review is told it does not exist, and nothing is written")
    func aBystanderCannotApprove() async throws {
        let w = try await Workplace()
        let item = try await w.item(.inReview)
        let before = try await w.footprint(item.id)

        let error = try await requireFailure(.notFound) {
            try await w.engine.workItems.approve(item.id, by: Workplace.bystander)
        }
        #expect(error.message.contains(item.id.rawValue))
        #expect(try await w.footprint(item.id) == before)
    }

    @Test("an auditor may not approve; the table snapshot is unchanged")
    func anAuditorCannotApprove() async throws {
        let w = try await Workplace()
        let item = try await w.item(.inProgress)
        let before = try await w.harness.tableSnapshot()
        try await requireFailure(.forbidden) { try await w.engine.workItems.approve(item.id, by: Workplace.auditor) }
        #expect(try await w.harness.tableSnapshot() == before)
    }

    @Test("a plain member may not publish; the snapshot lists no difference")
    func aPeerCannotPublish() async throws {
        let w = try await Workplace()
        let draft = AnnouncementDraft(title: "Release freeze", body: "No merges on Friday.", audience: .organization)
        let before = try await w.harness.tableSnapshot()
        try await requireFailure(.forbidden) {
            try await w.engine.announcements.publish(draft, by: Workplace.peer)
        }
        #expect(try await w.harness.tableSnapshot().differences(from: before) == [])
    }

    @Test("the workplace's items reach each state through the engine, by the people allowed to move them")
    func itemsInEveryState() async throws {
        let w = try await Workplace()
        for state in WorkItemState.allCases {
            let item = try await w.item(state, reviewer: Workplace.reviewer)
            #expect(item.state == state)
            #expect(try await w.stored(item.id).state == state)
        }
        let completed = try await w.item(.completed)
        #expect(try await w.actions(completed.id) == ["create", "accept", "start", "submit_for_review", "approve"])
        #expect(try await w.kinds(Workplace.assignee).count >= 1)
        #expect(try await w.todo(Workplace.assignee).isEmpty == false)
    }

    @Test("the partner was invited by acme's administrator through the engine, audited, with collaboration on")
    func partnerInvitedThroughTheEngine() async throws {
        let w = try await Workplace()
        let partnership = try #require(try await w.harness.store.partnership(of: "acme", with: "partnerco"))
        #expect(partnership.invitedBy == Workplace.admin && partnership.role == .distributor)
        #expect(try await w.harness.store.organization("partnerco")?.externalCollaborationEnabled == true)
        #expect(try await w.harness.store.auditTrail(of: .partner("partnerco")).map(\.action) == ["invite_partner"])
        // Shared items reach the partner.
        let item = try await w.item(.assigned)
        try await w.engine.workItems.share(item.id, with: "partnerco", by: Workplace.initiator)
        #expect(try await w.engine.workItems.workItem(item.id, as: Workplace.partner).id == item.id)
    }

    @Test("a partner added with collaboration off is invited, then switched off by the same administrator")
    func partnerWithCollaborationOff() async throws {
        let w = try await Workplace()
        try await w.harness.addOrganization("closedco", kind: .partner, partnerOf: "acme", role: .supplier)
        #expect(try await w.harness.store.partnership(of: "acme", with: "closedco")?.role == .supplier)
        #expect(try await w.harness.store.organization("closedco")?.externalCollaborationEnabled == false)
    }

    @Test("a partner needs an administrator of the company; a customer comes from a signed contract")
    func partnerPreconditions() async throws {
        let h = try TestHarness()
        try await h.addOrganization("acme")
        let noAdministrator = try await requireFailure(.invalidInput) {
            try await h.addOrganization("supplier", kind: .partner, partnerOf: "acme")
        }
        #expect(noAdministrator.message.contains("'acme' has no active administrator"))
        try await h.addMember("boss", in: "acme", administrator: true)
        let customer = try await requireFailure(.invalidInput) {
            try await h.addOrganization("lotus", kind: .customer, partnerOf: "acme")
        }
        #expect(customer.message.contains("recordSignedContract"))
        #expect(try await h.store.organization("supplier") == nil)
        #expect(try await h.store.organization("lotus") == nil)
    }

    @Test("requireFailure returns the error of the expected code and throws expectation_failed otherwise")
    func requireFailureReports() async throws {
        let w = try await Workplace()
        let item = try await w.item(.assigned)
        let succeeded = try await requireFailure(.expectationFailed) {
            try await requireFailure(.forbidden, "accepting") { try await w.engine.workItems.accept(item.id, by: Workplace.assignee) }
        }
        #expect(succeeded.message == "expected forbidden (accepting), but the call succeeded")
        let otherCode = try await requireFailure(.expectationFailed) {
            try await requireFailure(.forbidden) { try await w.engine.workItems.accept(item.id, by: Workplace.bystander) }
        }
        #expect(otherCode.message.hasPrefix("expected forbidden, got not_found: "))
        struct Elsewhere: Error {}
        let foreign = try await requireFailure(.expectationFailed) {
            try await requireFailure(.notFound) { throw Elsewhere() }
        }
        #expect(foreign.message.contains("not a CollabError"))
    }

    @Test("a table snapshot lists the rows a call added and removed")
    func snapshotDifferences() async throws {
        let w = try await Workplace()
        let item = try await w.item(.assigned)
        let before = try await w.harness.tableSnapshot()
        #expect(before.rows.contains { $0.hasPrefix("work_items ") })
        try await w.engine.workItems.comment(on: item.id, by: Workplace.initiator, "Looks good")
        let after = try await w.harness.tableSnapshot()
        let differences = after.differences(from: before)
        #expect(differences.contains { $0.hasPrefix("+ comments ") && $0.contains("Looks good") })
        #expect(differences.allSatisfy { $0.hasPrefix("+ ") || $0.hasPrefix("- ") })
        #expect(before.differences(from: before).isEmpty)
        let missing = try await requireFailure(.storageUnavailable) {
            _ = try await TableSnapshot(databasePath: w.harness.folder.appendingPathComponent("none/x.sqlite").path)
        }
        #expect(missing.message.contains("none/x.sqlite"))
    }

    @Test("the harness's outbox fixture holds one pending notification per item")
    func outboxFixture() async throws {
        let h = try await TestHarness.outbox(3)
        let counts = try await h.store.outboxCounts()
        #expect(counts.pending == 3)
    }
}
