import CollabModel
import CollabPermissions
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// The visibility reads (lists, counts, search, counts and reports by scope) on a generated world (fixed
/// seed), built the same way on SQLiteStore and on PostgresStore: every actor must see the same items in the
/// same order on both. The generator is IsolationTests' (CollabWorkflowTests), trimmed to the world.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct DifferentialVisibilityTests {
    static let words = ["alpha", "bravo", "delta", "gamma", "kilo", "lima", "oscar", "sierra", "tango", "zulu"]

    /// Builds a world from `seed` on `w` and answers every visibility read for every actor.
    static func world(seed: UInt64, _ w: DifferentialWorld) async throws -> Answers {
        var rng = SeededRandomNumberGenerator(seed: seed)
        func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
        func some<T: Hashable>(_ values: [T], max: Int) -> [T] {
            guard !values.isEmpty else { return [] }
            var chosen: [T] = []
            for _ in 0..<int(0...max) {
                let value = pick(values)
                if !chosen.contains(value) { chosen.append(value) }
            }
            return chosen
        }
        let store = w.store, engine = w.engine, clock = w.clock
        let companies: [Organization.ID] = ["acme", "globex"]
        let outside: [(Organization.ID, Organization.Kind)] = [("supplier-a", .partner), ("supplier-b", .partner),
            ("customer-c", .customer)]
        for id in companies {
            try await store.save(Organization(id: id, name: id.rawValue, kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
        }
        for (id, kind) in outside {
            try await store.save(Organization(id: id, name: id.rawValue, kind: kind))
        }
        var members: [Organization.ID: [Member.ID]] = [:]
        var departments: [Organization.ID: [Department.ID]] = [:]
        for company in companies {
            var list: [Department.ID] = []
            for d in 0..<int(4...8) {
                let id = Department.ID("\(company)-d\(d)")
                let parent: Department.ID? = list.isEmpty || chance(0.3) ? nil : pick(list)
                try await store.save(Department(id: id, organizationID: company, name: id.rawValue, parentID: parent))
                list.append(id)
            }
            departments[company] = list
            for m in 0..<int(8...14) {
                let id = Member.ID("\(company)-m\(m)")
                var memberships: [DepartmentMembership] = []
                for department in some(list, max: 2) {
                    memberships.append(DepartmentMembership(department, role: chance(0.25) ? .head : .member))
                }
                var roles: Set<Member.OrganizationRole> = []
                if m == 0 { roles.insert(.administrator) }
                if m == 1 { roles.insert(.auditor) }
                try await store.save(Member(id: id, organizationID: company, displayName: id.rawValue, handle: "m\(m)",
                    roles: roles, departments: memberships))
                members[company, default: []].append(id)
            }
        }
        for (org, _) in outside {
            for m in 0..<int(2...3) {
                let id = Member.ID("\(org)-m\(m)")
                try await store.save(Member(id: id, organizationID: org, displayName: id.rawValue, handle: "p\(m)"))
                members[org, default: []].append(id)
            }
        }
        var partnerships = ChangeSet()
        partnerships.external.partnerships = outside.map { id, kind in
            Partnership(organizationID: "acme", partnerID: id, role: kind == .customer ? .customer : .supplier,
                invitedBy: "acme-m0", invitedAt: clock.now())
        }
        _ = try await store.commit(partnerships)
        for (org, _) in outside {
            try await engine.settings.setExternalCollaboration(org, enabled: true, by: "acme-m0")
        }
        var itemIDs: [WorkItem.ID] = []
        for company in companies {
            let people = members[company] ?? []
            for n in 0..<int(10...18) {
                let initiator = pick(people)
                let assignees = some(people, max: 3)
                let word = pick(Self.words)
                let partners = company == "acme" ? some(outside.map(\.0), max: 2) : []
                let draft = WorkItemDraft(
                    title: "\(word) item \(company) \(n)", description: "secret-\(pick(Self.words))-notes",
                    priority: pick([Priority.low, .medium, .high]),
                    assigneeIDs: assignees.isEmpty ? [pick(people)] : assignees,
                    reviewerID: chance(0.4) ? pick(people) : nil, watcherIDs: some(people, max: 2),
                    departmentIDs: some(departments[company] ?? [], max: 2), partnerOrganizationIDs: partners,
                    deadline: .instant(clock.now().addingTimeInterval(Double(int(1...60)) * 86_400)),
                    tags: ["tag-\(pick(Self.words))"] + (chance(0.3) ? ["Ünïcode-\(n)"] : []))
                let item = try await engine.workItems.create(draft, by: initiator, submit: !chance(0.1))
                itemIDs.append(item.id)
                // Some items move on, so that states, closing times and reports differ.
                if item.state == .assigned, chance(0.6), let assignee = item.assigneeIDs.first {
                    _ = try? await engine.workItems.accept(item.id, by: assignee)
                    if chance(0.7) {
                        _ = try? await engine.workItems.start(item.id, by: assignee)
                        clock.advance(by: .seconds(Int64(int(1...30)) * 3600))
                        if chance(0.5) {
                            _ = try? await engine.workItems.submitForReview(item.id, by: assignee)
                            let stored = try await store.workItem(item.id)
                            if let stored, chance(0.7) {
                                _ = try? await engine.workItems.approve(item.id, by: stored.effectiveReviewerID)
                            }
                        }
                    }
                }
                if chance(0.1) { _ = try? await engine.workItems.cancel(item.id, by: initiator, reason: "no longer needed") }
            }
        }
        // Access lost after the fact: an organization disabled, a member deactivated.
        try await engine.settings.setExternalCollaboration(pick(outside.map(\.0)), enabled: false, by: "acme-m0")
        let leaver = pick(Array((members["acme"] ?? []).dropFirst(2)))
        if var member = try await store.member(leaver) {
            member.isActive = false
            try await store.save(member)
        }

        var answers = Answers()
        let actors = members.values.flatMap { $0 }.sorted()
        let now = clock.now()
        for actor in actors {
            await answers.add("list \(actor)") {
                var listed: [String] = []
                var cursor: String?
                repeat {
                    let page = try await engine.workItems.list(as: actor, page: PageRequest(limit: 7, cursor: cursor))
                    listed += page.items.map { "\($0.id) \($0.state) \($0.assigneeIDs) \($0.tags)" }
                    cursor = page.nextCursor
                } while cursor != nil
                return listed
            }
            await answers.add("count \(actor)") { try await engine.workItems.count(as: actor) }
            for text in ["secret", pick(Self.words), "ta", "TANGO", "a", " item ", "ünï", "50%", "x_y"] {
                await answers.add("search '\(text)' \(actor)") {
                    try await engine.workItems.search(text, as: actor, page: PageRequest(limit: 500)).items.map(\.id)
                }
            }
            // The store's reads with the actor's scope and filters.
            guard let scope = try? await engine.visibilityScope(of: actor) else {
                answers.note("scope \(actor)", "refused")
                continue
            }
            let filters: [WorkItemFilter] = [
                .all, WorkItemFilter(states: [.assigned, .inProgress]), WorkItemFilter(states: []),
                WorkItemFilter(priorities: [.high]), WorkItemFilter(assigneeID: actor),
                WorkItemFilter(departmentID: pick(departments["acme"] ?? ["none"])),
                WorkItemFilter(tag: "tag-\(pick(Self.words))"),
                WorkItemFilter(dueFrom: now.addingTimeInterval(10 * 86_400), dueBefore: now.addingTimeInterval(40 * 86_400)),
            ]
            for (index, filter) in filters.enumerated() {
                await answers.add("store list \(actor) \(index)") {
                    var listed: [WorkItem.ID] = []
                    var cursor: String?
                    repeat {
                        let page = try await store.workItems(in: scope, matching: filter, page: PageRequest(limit: 5, cursor: cursor))
                        listed += page.items.map(\.id)
                        cursor = page.nextCursor
                    } while cursor != nil
                    return listed
                }
                await answers.add("store count \(actor) \(index)") { try await store.countWorkItems(in: scope, matching: filter) }
                await answers.add("counts \(actor) \(index)") { try await store.workItemCounts(in: scope, matching: filter, now: now) }
            }
            await answers.add("assignment counts \(actor)") { try await store.assignmentCounts(for: actor, createdIn: nil, now: now) }
            for grouping in ReportQuery.Grouping.allCases {
                let periods = [DateInterval(start: now.addingTimeInterval(-30 * 86_400), duration: 30 * 86_400),
                    DateInterval(start: now, duration: 30 * 86_400)]
                await answers.add("report \(actor) \(grouping)") {
                    try await store.report(ReportQuery(periods: grouping == .period ? periods : [], grouping: grouping),
                        in: scope, now: now)
                }
            }
        }
        // Whole-organization and partner scopes built by hand, with the lead-department and period options.
        let scopes: [VisibilityScope] = [
            VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false),
            VisibilityScope(wholeOrganization: nil, grants: [.init(.sharedOrganization, "supplier-a")],
                organizationID: "supplier-a", isExternal: true),
            VisibilityScope(wholeOrganization: nil, grants: [.init(.department, "acme-d0"), .init(.assignee, "globex-m3")],
                organizationID: "acme", isExternal: false),
            .nothing(in: "acme"),
        ]
        for (index, scope) in scopes.enumerated() {
            await answers.add("scope list \(index)") { try await store.workItems(in: scope, matching: .all, page: PageRequest(limit: 500)).items.map(\.id) }
            for text in ["item", "", "  ", "a", "Ü"] {
                await answers.add("scope search '\(text)' \(index)") {
                    try await store.searchWorkItems(text, in: scope, page: PageRequest(limit: 500)).items.map(\.id)
                }
            }
            await answers.add("scope count \(index)") { try await store.countWorkItems(in: scope, matching: .all) }
            for grouping in ReportQuery.Grouping.allCases {
                let query = ReportQuery(
                    periods: [DateInterval(start: now.addingTimeInterval(-86_400 * 60), duration: 86_400 * 90)],
                    filter: WorkItemFilter(priorities: [.medium, .high]),
                    leadDepartments: index == 0 ? ["acme-d0", "acme-d1", ""] : nil, grouping: grouping)
                await answers.add("scope report \(index) \(grouping)") { try await store.report(query, in: scope, now: now) }
            }
        }
        await answers.add("bad cursor") { try await store.workItems(in: scopes[0], matching: .all, page: PageRequest(cursor: "oops")) }
        return answers
    }

    @Test("every actor sees the same items, counts, search results and reports on both stores (seed 20261201)")
    func generatedWorld() async throws {
        try await differential(configuration: WorkflowEngine.Configuration()) { w in
            try await Self.world(seed: 20_261_201, w)
        }
    }
}
