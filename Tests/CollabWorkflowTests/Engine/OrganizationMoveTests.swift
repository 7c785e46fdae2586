import CollabModel
import CollabReports
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// A member or a department belongs to one organization for good: saving one into another organization is
// refused (someone who joins another company is a new member there). Were it accepted, the moved member
// would keep every grant matched by their id — assignee, watcher, department — and read the old
// organization's work from the new one.

@Suite struct OrganizationMoveTests {
    /// Everything `member` reads on the work-item surfaces, the announcements and the inbox, with the
    /// organization each row belongs to.
    private func readings(of member: Member.ID, in w: Workplace) async throws -> [(String, Organization.ID)] {
        var rows: [(String, Organization.ID)] = []
        for item in try await w.engine.workItems.list(as: member, page: PageRequest(limit: 500)).items {
            rows.append(("list \(item.id)", item.organizationID))
        }
        for item in try await w.engine.workItems.search("release", as: member, page: PageRequest(limit: 500)).items {
            rows.append(("search \(item.id)", item.organizationID))
        }
        for received in try await w.engine.announcements.received(for: member).items {
            rows.append(("announcement \(received.announcement.id)", received.announcement.organizationID))
        }
        for notice in try await w.engine.inbox.notices(of: member, page: PageRequest(limit: 500)).items {
            if let itemID = notice.itemID, let item = try await w.h.store.workItem(itemID) {
                rows.append(("inbox \(notice.kind) about \(itemID)", item.organizationID))
            }
        }
        return rows
    }

    /// What `member` counts, sums up and exports, beside how many items of `own` their list shows.
    private func totals(of member: Member.ID, own: Organization.ID, in w: Workplace) async throws
        -> (listedOwn: Int, count: Int, summary: Int, exported: Int)
    {
        let count = try await w.engine.workItems.count(as: member)
        let reports = ReportGenerator(store: w.h.store, clock: w.h.clock)
        let summary = try await reports.summary(as: member).total
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-move-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let exported = try await reports.exportItems(as: member, to: folder.appendingPathComponent("items.csv"),
            format: .csv(CSVWriter.Options())).sheets.map(\.rows).reduce(0, +)
        let listedOwn = try await w.engine.workItems.list(as: member, page: PageRequest(limit: 500)).items
            .filter { $0.organizationID == own }.count
        return (listedOwn, count, summary, exported)
    }

    /// Counts, summaries and exports cover no more than the member's own organization's listed items.
    private func expectOnlyOwn(_ totals: (listedOwn: Int, count: Int, summary: Int, exported: Int), _ who: String) {
        #expect(totals.count == totals.listedOwn && totals.summary <= totals.listedOwn
            && totals.exported == totals.listedOwn,
            "\(who) counts, sums up or exports items of another organization: \(totals)")
    }

    @Test("a member saved into another organization is refused, and never reads the old organization's work")
    func memberMoveIsRefused() async throws {
        let w = try await Workplace(storage: .underTest)
        let mover = Workplace.assignee
        _ = try await w.engine.workItems.create(w.draft("Ship the release checklist"), by: Workplace.initiator)
        _ = try await w.engine.announcements.publish(
            AnnouncementDraft(title: "Release freeze", body: "No merges on Friday.", audience: .organization),
            by: Workplace.admin)
        let before = try #require(try await w.h.store.member(mover))
        #expect(try await readings(of: mover, in: w).contains { $0.1 == "acme" })

        var moved = before
        moved.organizationID = "globex"
        moved.departments = []
        do {
            try await w.h.store.save(moved)
            Issue.record("moving \(mover) from acme to globex was accepted")
        } catch {
            #expect(error.code == .invalidInput)
            let problem = error.problems.first { $0.field == "organizationID" }
            #expect(problem?.kind == .organizationChange)
            #expect(problem.map { $0.message.contains("'acme'") && $0.message.contains("'globex'") } == true,
                "\(error)")
        }
        // Nothing written: the member is as before, and reads only their own organization's work.
        let after = try #require(try await w.h.store.member(mover))
        #expect(after == before)
        let leaks = try await readings(of: mover, in: w).filter { $0.1 != after.organizationID }
        #expect(leaks.isEmpty, "\(mover), now of \(after.organizationID), reads: \(leaks.map(\.0))")
        expectOnlyOwn(try await totals(of: mover, own: after.organizationID, in: w),
            "\(mover), now of \(after.organizationID),")
    }

    @Test("a department saved into another organization is refused, and its items stay out of the other's reach")
    func departmentMoveIsRefused() async throws {
        let w = try await Workplace(storage: .underTest)
        _ = try await w.engine.workItems.create(w.draft("Ship the release checklist"), by: Workplace.initiator)
        let before = try #require(try await w.h.store.department("eng-mobile"))
        var moved = before
        moved.organizationID = "globex"
        moved.parentID = nil
        do {
            try await w.h.store.save(moved)
            Issue.record("moving department eng-mobile from acme to globex was accepted")
        } catch {
            #expect(error.code == .invalidInput)
            let problem = error.problems.first { $0.field == "organizationID" }
            #expect(problem?.kind == .organizationChange)
            #expect(problem.map { $0.message.contains("'acme'") && $0.message.contains("'globex'") } == true,
                "\(error)")
        }
        let after = try #require(try await w.h.store.department("eng-mobile"))
        #expect(after == before)
        // A member of globex put into the department (refused unless the move went through) sees nothing of acme.
        do {
            try await w.h.store.save(Member(id: "newcomer", organizationID: "globex", displayName: "Newcomer",
                handle: "newcomer", departments: [DepartmentMembership("eng-mobile")]))
        } catch {
            #expect(error.code == .invalidInput)
            try await w.h.store.save(Member(id: "newcomer", organizationID: "globex", displayName: "Newcomer",
                handle: "newcomer"))
        }
        let leaks = try await readings(of: "newcomer", in: w).filter { $0.1 != "globex" }
        #expect(leaks.isEmpty, "newcomer of globex reads: \(leaks.map(\.0))")
        expectOnlyOwn(try await totals(of: "newcomer", own: "globex", in: w), "newcomer of globex")
    }

    @Test("an internal organization never becomes an outside one, nor the reverse; partner and customer may swap")
    func organizationKindChange() async throws {
        let w = try await Workplace(storage: .underTest)
        _ = try await w.engine.workItems.create(w.draft("Ship the release checklist"), by: Workplace.initiator)
        for (id, kind) in [("acme", Organization.Kind.partner), ("acme", .customer), ("partnerco", .internal)]
            as [(Organization.ID, Organization.Kind)]
        {
            let before = try #require(try await w.h.store.organization(id))
            var changed = before
            changed.kind = kind
            do {
                try await w.h.store.save(changed)
                Issue.record("\(id) was saved as \(kind.rawValue)")
            } catch {
                let problem = error.problems.first { $0.field == "kind" }
                #expect(error.code == .invalidInput && problem?.kind == .organizationChange, "\(error)")
                #expect(problem.map { $0.message.contains("'\(id)'") && $0.message.contains(kind.rawValue) } == true,
                    "\(error)")
            }
            #expect(try await w.h.store.organization(id) == before)
        }
        // acme's administrator, were acme an outside organization, would read acme's items by id but list none.
        let item = try #require(try await w.engine.workItems.list(as: Workplace.admin).items.first)
        #expect(try await w.engine.workItems.workItem(item.id, as: Workplace.admin).id == item.id)
        #expect(try await w.engine.workItems.count(as: Workplace.admin) == 1)
        // Both outside: a partner may become a customer and back.
        var partner = try #require(try await w.h.store.organization("partnerco"))
        partner.kind = .customer
        try await w.h.store.save(partner)
        #expect(try await w.h.store.organization("partnerco")?.kind == .customer)
        partner.kind = .partner
        try await w.h.store.save(partner)
        #expect(try await w.h.store.organization("partnerco") == partner)
    }

    @Test("saving an existing member or department again in its own organization still works")
    func resaveInSameOrganization() async throws {
        let w = try await Workplace(storage: .underTest)
        var member = try #require(try await w.h.store.member(Workplace.assignee))
        member.displayName = "Li Wei (Mobile)"
        member.departments = [DepartmentMembership("sales")]
        try await w.h.store.save(member)
        #expect(try await w.h.store.member(Workplace.assignee) == member)
        var department = try #require(try await w.h.store.department("eng-mobile"))
        department.name = "Mobile"
        department.parentID = nil
        try await w.h.store.save(department)
        #expect(try await w.h.store.department("eng-mobile") == department)
    }
}
