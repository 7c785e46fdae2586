import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// `engine.search`: one search across records, through the engine, on the store under test.
@Suite struct SearchDeskTests {
    /// An item created by the initiator for the assignee, in eng-mobile.
    func item(
        _ w: Workplace, _ title: String, description: String = "", tags: [String] = [],
        departments: [Department.ID] = ["eng-mobile"], assignees: [Member.ID] = [Workplace.assignee]
    ) async throws -> WorkItem {
        var draft = w.draft(title, assignees: assignees, departments: departments)
        draft.description = description
        draft.tags = tags
        return try await w.engine.workItems.create(draft, by: Workplace.initiator)
    }

    func titles(_ page: Page<SearchHit>) -> Set<String> { Set(page.items.map(\.title)) }

    func find(_ w: Workplace, _ text: String, as member: Member.ID, _ adjust: (inout SearchQuery) -> Void = { _ in })
        async throws -> Page<SearchHit>
    {
        var query = SearchQuery(text)
        adjust(&query)
        return try await w.engine.search.find(query, as: member)
    }

    @Test("English and Chinese: 3+ characters by trigrams, 1–2 CJK characters by grams, short Latin narrows only")
    func languages() async throws {
        let w = try await Workplace(storage: .underTest)
        _ = try await item(w, "季度预算评审", description: "Review the quarterly Budget before the 会议")
        _ = try await item(w, "Launch checklist", description: "合同 signed; 供应商交付 next week")
        _ = try await item(w, "Unrelated", description: "nothing to see")

        #expect(titles(try await find(w, "budget", as: Workplace.assignee)) == ["季度预算评审"])  // case-insensitive
        #expect(titles(try await find(w, "预算", as: Workplace.assignee)) == ["季度预算评审"])  // 2 CJK characters
        #expect(titles(try await find(w, "季度预算", as: Workplace.assignee)) == ["季度预算评审"])  // 4, trigrams
        #expect(titles(try await find(w, "合同", as: Workplace.assignee)) == ["Launch checklist"])
        #expect(titles(try await find(w, "会", as: Workplace.assignee)) == ["季度预算评审"])  // 1 CJK character
        #expect(titles(try await find(w, "交付 next", as: Workplace.assignee)) == ["Launch checklist"])  // terms AND
        #expect(titles(try await find(w, "交付 budget", as: Workplace.assignee)).isEmpty)
        #expect(titles(try await find(w, "\"budget\" NEAR(budget*)", as: Workplace.assignee)).isEmpty)  // no FTS syntax
        let error = await #expect(throws: CollabError.self) { try await find(w, "ab", as: Workplace.assignee) }
        #expect(error?.code == .invalidInput)
        #expect(error.map { "\($0)" }?.contains("'ab'") == true)
        let onlyShort = await #expect(throws: CollabError.self) { try await find(w, "X1 qa", as: Workplace.assignee) }
        #expect(onlyShort?.code == .invalidInput)
        // One or two Latin characters narrow what another term found, case-insensitively, in any field.
        _ = try await item(w, "X1 kettle: design", description: "QA sign-off pending")
        _ = try await item(w, "X2 kettle: design", description: "qa sign-off done")
        #expect(titles(try await find(w, "x1 kettle", as: Workplace.assignee)) == ["X1 kettle: design"])
        #expect(titles(try await find(w, "kettle QA", as: Workplace.assignee)) == ["X1 kettle: design", "X2 kettle: design"])
        #expect(titles(try await find(w, "X2 qa design", as: Workplace.assignee)) == ["X2 kettle: design"])
        #expect(titles(try await find(w, "预算 Q", as: Workplace.assignee)) == ["季度预算评审"])  // with a CJK gram
        #expect(titles(try await find(w, "kettle X3", as: Workplace.assignee)).isEmpty)
        #expect(titles(try await find(w, "kettle %", as: Workplace.assignee)).isEmpty)  // no LIKE syntax
        let empty = await #expect(throws: CollabError.self) { try await find(w, "  ", as: Workplace.assignee) }
        #expect(empty?.code == .invalidInput)
        // The snippet comes from the text around the match, bounded.
        let hit = try #require(try await find(w, "quarterly", as: Workplace.assignee).items.first)
        #expect(hit.snippet.contains("quarterly"))
        #expect(hit.snippet.count <= SearchHit.snippetLength + 2)
        #expect(hit.kind == .workItem)
    }

    @Test("filters: kinds, tags, status, people, departments and dates, each")
    func filters() async throws {
        let w = try await Workplace(storage: .underTest)
        let first = try await item(w, "Budget alpha", tags: ["finance"], departments: ["eng-mobile"])
        w.harness.clock.advance(by: .seconds(3600))
        let second = try await item(w, "Budget beta", tags: ["legal"], departments: ["eng"],
            assignees: [Workplace.coAssignee])
        _ = try await w.engine.workItems.accept(second.id, by: Workplace.coAssignee)
        let admin = Workplace.admin
        #expect(titles(try await find(w, "budget", as: admin)) == ["Budget alpha", "Budget beta"])
        #expect(titles(try await find(w, "budget", as: admin) { $0.kinds = [.document] }).isEmpty)
        #expect(titles(try await find(w, "budget", as: admin) { $0.kinds = [.workItem] }).count == 2)
        #expect(titles(try await find(w, "budget", as: admin) { $0.tags = ["finance"] }) == ["Budget alpha"])
        #expect(titles(try await find(w, "budget", as: admin) { $0.statuses = ["accepted"] }) == ["Budget beta"])
        #expect(titles(try await find(w, "budget", as: admin) { $0.people = [Workplace.coAssignee] }) == ["Budget beta"])
        #expect(titles(try await find(w, "budget", as: admin) { $0.departments = ["eng-mobile"] }) == ["Budget alpha"])
        #expect(titles(try await find(w, "budget", as: admin) { $0.from = second.createdAt }) == ["Budget beta"])
        #expect(titles(try await find(w, "budget", as: admin) { $0.before = second.createdAt }) == ["Budget alpha"])
        // Filters alone, newest first.
        let listed = try await find(w, "", as: admin) { $0.kinds = [.workItem] }
        #expect(listed.items.map(\.record.id) == [second.id.rawValue, first.id.rawValue])
    }

    @Test("paging is stable: pages of 3 over 8 equal hits cover each once, in the order of one big page")
    func paging() async throws {
        let w = try await Workplace(storage: .underTest)
        for index in 0..<8 { _ = try await item(w, "Rollout step \(index)") }
        let all = try await w.engine.search.find(SearchQuery("rollout"), as: Workplace.admin, page: PageRequest(limit: 50))
        var seen: [RecordReference] = []
        var page = PageRequest(limit: 3)
        while true {
            let result = try await w.engine.search.find(SearchQuery("rollout"), as: Workplace.admin, page: page)
            seen += result.items.map(\.record)
            guard let cursor = result.nextCursor else { break }
            page = PageRequest(limit: 3, cursor: cursor)
        }
        #expect(seen == all.items.map(\.record))
        #expect(seen.count == 8)
        let bad = await #expect(throws: CollabError.self) {
            try await w.engine.search.find(SearchQuery("rollout"), as: Workplace.admin,
                page: PageRequest(limit: 3, cursor: "not-a-cursor"))
        }
        #expect(bad?.code == .invalidInput)
    }

    @Test("isolation: another organization's member and an unrelated member find nothing; a partner only what is shared, never by tags")
    func isolation() async throws {
        let w = try await Workplace(storage: .underTest)
        let shared = try await item(w, "Budget for the partner", description: "预算 shared", tags: ["secretword"])
        _ = try await item(w, "Budget internal", description: "预算 internal")
        _ = try await w.engine.workItems.share(shared.id, with: "partnerco", by: Workplace.initiator)

        #expect(titles(try await find(w, "budget", as: Workplace.stranger)).isEmpty)
        #expect(titles(try await find(w, "预算", as: Workplace.stranger)).isEmpty)
        #expect(titles(try await find(w, "budget", as: Workplace.bystander)).isEmpty)
        #expect(titles(try await find(w, "budget", as: Workplace.partner)) == ["Budget for the partner"])
        #expect(titles(try await find(w, "预算", as: Workplace.partner)) == ["Budget for the partner"])
        // A work item's tags are internal: an insider finds them, the partner does not.
        #expect(titles(try await find(w, "secretword", as: Workplace.assignee)) == ["Budget for the partner"])
        #expect(titles(try await find(w, "secretword", as: Workplace.partner)).isEmpty)
        let filter = await #expect(throws: CollabError.self) {
            try await find(w, "budget", as: Workplace.partner) { $0.tags = ["secretword"] }
        }
        #expect(filter?.code == .invalidInput)
        // Unsharing re-keys the item (and its documents) in the same commit.
        _ = try await w.engine.workItems.unshare(shared.id, from: "partnerco", by: Workplace.initiator)
        #expect(titles(try await find(w, "budget", as: Workplace.partner)).isEmpty)
        // A deactivated member is refused whatever they search for, the same way.
        try await w.deactivate(Workplace.assignee)
        let known = await #expect(throws: CollabError.self) { try await find(w, "budget", as: Workplace.assignee) }
        let unknown = await #expect(throws: CollabError.self) { try await find(w, "zzzqqq", as: Workplace.assignee) }
        #expect(known?.code == .forbidden)
        #expect(known?.code == unknown?.code)
        #expect(known?.message == unknown?.message)
    }

    @Test("reassignment re-keys an item: the new assignee finds it, the old one no longer does")
    func reassignment() async throws {
        let w = try await Workplace(storage: .underTest)
        let moved = try await item(w, "Handover budget", departments: [], assignees: [Workplace.coAssignee])
        #expect(titles(try await find(w, "handover", as: Workplace.coAssignee)) == ["Handover budget"])
        #expect(titles(try await find(w, "handover", as: Workplace.spare)).isEmpty)
        _ = try await w.engine.workItems.reassign(moved.id, from: Workplace.coAssignee, to: Workplace.spare,
            by: Workplace.admin)
        #expect(titles(try await find(w, "handover", as: Workplace.spare)) == ["Handover budget"])
        #expect(titles(try await find(w, "handover", as: Workplace.coAssignee)).isEmpty)
    }

    @Test("documents: found by name, tags and extracted text by whoever sees their record; external ones by the partner; deleted ones by no one")
    func documents() async throws {
        let w = try await documentWorkplace()
        let shared = try await item(w, "Supplier rollout")
        _ = try await w.engine.workItems.share(shared.id, with: "partnerco", by: Workplace.initiator)
        let internalDocument = try await w.engine.documents.upload(
            chunks(smallPDF), named: "合同草案.pdf", to: .workItem(shared.id), tags: ["contract"], by: Workplace.assignee)
        let external = try await w.engine.documents.upload(
            chunks(smallPDF), named: "delivery-plan.pdf", to: .workItem(shared.id), tags: ["schedule"],
            visibility: .external, by: Workplace.assignee)
        // The extracted text arrives through the document changes (inspection extracts none yet here).
        var change = ChangeSet()
        change.documents.texts = [
            DocumentText(documentID: external.id, versionNumber: 1, text: "交付日期 and quantities for Q3"),
            DocumentText(documentID: internalDocument.id, versionNumber: 1, text: "付款条款 penalty clause"),
        ]
        _ = try await w.harness.store.commit(change)

        #expect(titles(try await find(w, "合同", as: Workplace.assignee) { $0.kinds = [.document] }) == ["合同草案.pdf"])
        #expect(titles(try await find(w, "contract", as: Workplace.initiator)) == ["合同草案.pdf"])
        #expect(titles(try await find(w, "penalty", as: Workplace.mobileHead)) == ["合同草案.pdf"])
        #expect(titles(try await find(w, "交付", as: Workplace.partner)) == ["delivery-plan.pdf"])
        #expect(titles(try await find(w, "quantities", as: Workplace.partner)) == ["delivery-plan.pdf"])
        #expect(titles(try await find(w, "penalty", as: Workplace.partner)).isEmpty)  // internal document
        #expect(titles(try await find(w, "合同", as: Workplace.partner)).isEmpty)
        #expect(titles(try await find(w, "penalty", as: Workplace.stranger)).isEmpty)
        #expect(titles(try await find(w, "penalty", as: Workplace.bystander)).isEmpty)
        let hit = try #require(try await find(w, "quantities", as: Workplace.partner).items.first)
        #expect(hit.kind == .document)
        #expect(hit.snippet.contains("quantities"))

        _ = try await w.engine.documents.delete(internalDocument.id, by: Workplace.assignee)
        #expect(titles(try await find(w, "penalty", as: Workplace.admin)).isEmpty)
        #expect(titles(try await find(w, "delivery", as: Workplace.admin)) == ["delivery-plan.pdf"])
    }

    @Test("rebuilding the index gives the same answers")
    func rebuild() async throws {
        let w = try await Workplace(storage: .underTest)
        _ = try await item(w, "Budget rebuilt", description: "会议")
        let before = try await find(w, "会议", as: Workplace.assignee)
        #expect(try await w.engine.search.rebuildIndex() >= 1)
        let after = try await find(w, "会议", as: Workplace.assignee)
        #expect(before.items.map(\.record) == after.items.map(\.record))
        #expect(after.items.count == 1)
    }
}
