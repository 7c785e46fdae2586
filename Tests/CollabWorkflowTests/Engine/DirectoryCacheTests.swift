import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// The engine keeps directory values (subjects, members, organizations, departments, calendars) between
// calls. These tests change the directory behind its back, from a second store on the same file as another
// process would, and check that no command and no read ever acts on the old values.

@Suite struct DirectoryCacheTests {
    /// A harness with an organization, a department headed by "boss", and "worker" and "peer" in it.
    private func workplace() async throws -> TestHarness {
        let h = try await TestHarness(storage: .underTest)
        try await h.addOrganization("acme")
        try await h.addDepartment("ops", in: "acme")
        try await h.addDepartment("sales", in: "acme")
        try await h.addMember("boss", in: "acme", departments: [DepartmentMembership("ops", role: .head)])
        try await h.addMember("worker", in: "acme", departments: [DepartmentMembership("ops")])
        try await h.addMember("peer", in: "acme", departments: [DepartmentMembership("ops")])
        return h
    }

    @Test("every kind of directory save moves the revision, through any store on the file; work-item commands do not")
    func revisionMoves() async throws {
        let h = try await workplace()
        let other = try await h.openPeerStore()
        var last = try await h.store.directoryRevision()
        func moved(_ what: String) async throws {
            let now = try await h.store.directoryRevision()
            #expect(now > last, "\(what) did not move the directory revision")
            last = now
        }
        try await other.save(Organization(id: "acme", name: "Acme Ltd", kind: .internal, timeZoneIdentifier: "UTC"))
        try await moved("an organization save")
        try await other.save(Department(id: "ops", organizationID: "acme", name: "Operations"))
        try await moved("a department save")
        try await other.save(Member(id: "worker", organizationID: "acme", displayName: "Worker", handle: "worker",
                                    departments: [DepartmentMembership("sales")]))
        try await moved("a member save")
        try await other.save(BusinessCalendar.standard(timeZoneIdentifier: "UTC"), for: "acme", department: nil)
        try await moved("a calendar save")
        try await h.addOrganization("supplier", kind: .partner)
        try await moved("a new partner")
        try await h.addMember("admin", in: "acme", administrator: true)
        try await moved("a new administrator")
        try await h.engine.settings.setExternalCollaboration("supplier", enabled: true, by: "admin")
        try await moved("enabling external collaboration")

        let item = try await h.engine.workItems.create(h.draft(assignees: ["peer"]), by: "boss")
        try await h.engine.workItems.accept(item.id, by: "peer")
        #expect(try await h.store.directoryRevision() == last, "a work-item command moved the directory revision")
    }

    @Test("a change planned under an older directory revision is refused and writes nothing")
    func staleChangeIsRefused() async throws {
        let h = try await workplace()
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        let planned = try await h.store.directoryRevision()
        try await h.addMember("newcomer", in: "acme")
        var change = ChangeSet()
        change.comments = [ItemComment(id: "c-stale", itemID: item.id, authorID: "worker", body: "late", mentionedIDs: [],
                                       createdAt: h.clock.now())]
        change.directoryRevision = planned
        do {
            _ = try await h.store.commit(change)
            Issue.record("a change planned at revision \(planned) committed after the directory moved")
        } catch {
            #expect(error.code == .staleDirectory, "\(error)")
        }
        #expect(try await h.store.comments(on: item.id).isEmpty)
        change.directoryRevision = try await h.store.directoryRevision()
        #expect(try await h.store.commit(change) == .committed)
        #expect(try await h.store.comments(on: item.id).map(\.id) == ["c-stale"])
    }

    @Test("a member deactivated by another process cannot act on the next command, though the engine had cached them")
    func deactivationTakesEffectAtOnce() async throws {
        let h = try await workplace()
        let item = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")
        try await h.engine.workItems.accept(item.id, by: "worker")  // the worker's subject is now cached
        let otherProcess = try await h.openPeerStore()
        try await otherProcess.save(Member(id: "worker", organizationID: "acme", displayName: "worker", handle: "worker",
                                           departments: [DepartmentMembership("ops")], isActive: false))
        do {
            try await h.engine.workItems.start(item.id, by: "worker")
            Issue.record("a deactivated member started an item")
        } catch {
            #expect(error.code == .forbidden, "\(error)")
        }
        #expect(try await h.store.workItem(item.id)?.state == .accepted)
    }

    @Test("a head moved out of a department by another process stops seeing its items on every surface")
    func movedHeadLosesSight() async throws {
        let h = try await workplace()
        let item = try await h.engine.workItems.create(
            h.draft(title: "Inventory count", assignees: ["worker"], departments: ["ops"]), by: "peer")
        #expect(try await h.engine.workItems.list(as: "boss").items.map(\.id) == [item.id])  // boss heads ops: cached
        let otherProcess = try await h.openPeerStore()
        try await otherProcess.save(Member(id: "boss", organizationID: "acme", displayName: "boss", handle: "boss",
                                           departments: [DepartmentMembership("sales", role: .head)]))
        #expect(try await h.engine.workItems.list(as: "boss").items.isEmpty)
        #expect(try await h.engine.workItems.count(as: "boss") == 0)
        #expect(try await h.engine.workItems.search("Inventory", as: "boss").items.isEmpty)
        do {
            _ = try await h.engine.workItems.workItem(item.id, as: "boss")
            Issue.record("a former head still opened the item")
        } catch {
            #expect(error.code == .notFound, "\(error)")
        }
        do {
            try await h.engine.workItems.cancel(item.id, by: "boss", reason: "no longer needed")
            Issue.record("a former head still cancelled the item")
        } catch {
            #expect(error.code == .notFound, "\(error)")
        }
        #expect(try await h.store.workItem(item.id)?.state == .assigned)
    }

    @Test("a member promoted by another process may act at once, though the engine had cached them as unable to")
    func promotionTakesEffectAtOnce() async throws {
        let h = try await workplace()
        let item = try await h.engine.workItems.create(h.draft(assignees: ["peer"]), by: "boss")
        do {
            try await h.engine.workItems.cancel(item.id, by: "worker", reason: "not needed")  // caches the worker as a member
            Issue.record("a plain member cancelled an item they are not part of")
        } catch {
            #expect(error.code == .notFound, "\(error)")
        }
        let otherProcess = try await h.openPeerStore()
        try await otherProcess.save(Member(id: "worker", organizationID: "acme", displayName: "worker", handle: "worker",
                                           roles: [.administrator], departments: [DepartmentMembership("ops")]))
        try await h.engine.workItems.cancel(item.id, by: "worker", reason: "not needed")
        #expect(try await h.store.workItem(item.id)?.state == .cancelled)
    }

    @Test("a member added by another process can be assigned at once")
    func newMemberIsKnownAtOnce() async throws {
        let h = try await workplace()
        _ = try await h.engine.workItems.create(h.draft(assignees: ["worker"]), by: "boss")  // the directory is cached
        let otherProcess = try await h.openPeerStore()
        try await otherProcess.save(Member(id: "hire", organizationID: "acme", displayName: "New hire", handle: "hire",
                                           departments: [DepartmentMembership("ops")]))
        let item = try await h.engine.workItems.create(h.draft(assignees: ["hire"]), by: "boss")
        #expect(item.assigneeIDs == ["hire"])
    }

    @Test("commands racing with directory saves all commit, each under the revision it was planned at")
    func racingSaves() async throws {
        let h = try await workplace()
        let otherProcess = try await h.openPeerStore()
        let engine = h.engine
        let draft = h.draft(assignees: ["worker"])
        let commands = Task {
            var created: [WorkItem.ID] = []
            for _ in 0..<60 { created.append(try await engine.workItems.create(draft, by: "boss").id) }
            return created
        }
        for n in 0..<60 {
            try await otherProcess.save(Department(id: Department.ID("extra-\(n % 5)"), organizationID: "acme",
                                                   name: "Extra \(n)"))
        }
        let created = try await commands.value
        #expect(Set(created).count == 60)
        for id in created { #expect(try await h.store.auditTrail(of: id).map(\.action) == ["create"]) }
    }
}
