import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// A small generated world and an in-memory reference of what each scope sees, from first principles.
struct GeneratedWorld: Sendable {
    /// The default seed of every generated world.
    static let seed: UInt64 = 0xC011AB

    var items: [WorkItem] = []
    var scopes: [(name: String, scope: VisibilityScope)] = []
    static let members: [Member.ID] = ["m0", "m1", "m2", "m3", "m4", "m5"]
    static let departments: [Department.ID] = ["d0", "d1", "d2"]
    static let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    static let tags = ["red", "green", "blue"]

    /// Builds the directory and `count` items (and two of another organization) on the context's store.
    static func build(_ ctx: ConformanceContext, seed: UInt64 = seed, count: Int = 36) async throws -> GeneratedWorld {
        var rng = SeededRandomNumberGenerator(seed: seed)
        try await ctx.organization("acme")
        try await ctx.organization("globex")
        try await ctx.organization("pco", kind: .partner)
        try await ctx.organization("pco2", kind: .partner)
        for department in departments { try await ctx.department(department) }
        for (n, member) in members.enumerated() {
            try await ctx.member(member, departments: n < 3 ? [DepartmentMembership(departments[n])] : [])
        }
        try await ctx.member("g0", in: "globex")
        try await ctx.member("p0", in: "pco")
        var world = GeneratedWorld()
        let states = WorkItemState.allCases
        for n in 0..<count {
            func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
            func some<T: Hashable>(_ values: [T], max: Int) -> [T] {
                var chosen: [T] = []
                for _ in 0..<Int.random(in: 0...max, using: &rng) {
                    let value = pick(values)
                    if !chosen.contains(value) { chosen.append(value) }
                }
                return chosen
            }
            let initiator = pick(members)
            var assignees = some(members, max: 2)
            if assignees.isEmpty { assignees = [pick(members)] }
            let title = "\(pick(words).capitalized) \(pick(words)) \(n)"
            let created = ctx.at(Double(Int.random(in: 0..<(20 * 86_400), using: &rng)))
            // Several items share a deadline, so ties are broken by id.
            let due = ctx.at(Double(Int.random(in: 1...12, using: &rng) * 86_400))
            var item = ctx.makeItem(String(format: "w-%03d", n), title: title, description: "Notes on \(pick(words))",
                initiator: initiator, assignees: assignees,
                reviewer: Bool.random(using: &rng) ? pick(members) : nil, watchers: some(members, max: 1),
                departments: some(departments, max: 2), partners: Int.random(in: 0..<4, using: &rng) == 0 ? ["pco"] : [],
                due: due, state: pick(states), tags: some(tags, max: 2),
                priority: pick([Priority.high, .medium, .low]), created: created)
            if item.state == .completed {
                item.closedAt = created.addingTimeInterval(Double(Int.random(in: 1...(14 * 86_400), using: &rng)))
            }
            try await ctx.insert(item)
            world.items.append(item)
        }
        for n in 0..<2 {
            let item = ctx.makeItem("g-\(n)", in: "globex", title: "Alpha globex \(n)", initiator: "g0", assignees: ["g0"],
                due: ctx.at(Double(n + 1) * 86_400))
            try await ctx.insert(item)
            world.items.append(item)
        }
        func scope(_ grants: [VisibilityScope.Grant], in organization: Organization.ID = "acme", external: Bool = false)
            -> VisibilityScope
        {
            VisibilityScope(wholeOrganization: nil, grants: Set(grants), organizationID: organization, isExternal: external)
        }
        world.scopes = [
            ("whole acme", VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)),
            ("nothing", .nothing(in: "acme")),
            ("partner pco", scope([.init(.sharedOrganization, "pco")], in: "pco", external: true)),
            ("partner pco2", scope([.init(.sharedOrganization, "pco2")], in: "pco2", external: true)),
            ("globex whole", VisibilityScope(wholeOrganization: "globex", grants: [], organizationID: "globex", isExternal: false)),
        ]
        for member in members.prefix(4) {
            var grants: [VisibilityScope.Grant] = [.init(.initiator, member.rawValue), .init(.assignee, member.rawValue),
                .init(.reviewer, member.rawValue), .init(.watcher, member.rawValue)]
            if let n = members.firstIndex(of: member), n < 3 { grants.append(.init(.department, departments[n].rawValue)) }
            world.scopes.append(("member \(member)", scope(grants)))
        }
        world.scopes.append(("department head d0+d1", scope([.init(.department, "d0"), .init(.department, "d1"),
            .init(.assignee, "m5")])))
        return world
    }

    /// Whether `scope` sees `item`, from the scope's definition.
    static func sees(_ scope: VisibilityScope, _ item: WorkItem) -> Bool {
        if scope.wholeOrganization == item.organizationID { return true }
        return scope.grants.contains { grant in
            switch grant.kind {
            case .sharedOrganization: return item.partnerOrganizationIDs.map(\.rawValue).contains(grant.key)
            // Member and department ids are unique across organizations, so a grant's key alone names the
            // relation (an outside member assigned to a shared item sees it through their assignee grant).
            case .initiator: return item.initiatorID.rawValue == grant.key
            case .assignee: return item.assigneeIDs.map(\.rawValue).contains(grant.key)
            case .reviewer: return item.effectiveReviewerID.rawValue == grant.key
            case .watcher: return item.watcherIDs.map(\.rawValue).contains(grant.key)
            case .department: return item.departmentIDs.map(\.rawValue).contains(grant.key)
            }
        }
    }

    static func matches(_ filter: WorkItemFilter, _ item: WorkItem) -> Bool {
        if let states = filter.states, !states.contains(item.state) { return false }
        if let priorities = filter.priorities, !priorities.contains(item.priority) { return false }
        if let assignee = filter.assigneeID, !item.assigneeIDs.contains(assignee) { return false }
        if let department = filter.departmentID, !item.departmentIDs.contains(department) { return false }
        if let tag = filter.tag, !item.tags.contains(tag) { return false }
        if let from = filter.dueFrom, item.dueAt < from { return false }
        if let before = filter.dueBefore, item.dueAt >= before { return false }
        return true
    }

    /// The ids `scope` sees matching `filter`, in deadline order then by id.
    func expected(_ scope: VisibilityScope, _ filter: WorkItemFilter = .all) -> [WorkItem.ID] {
        items.filter { Self.sees(scope, $0) && Self.matches(filter, $0) }
            .sorted { ($0.dueAt, $0.id.rawValue) < ($1.dueAt, $1.id.rawValue) }.map(\.id)
    }

    func searched(_ text: String, _ scope: VisibilityScope) -> [WorkItem.ID] {
        let needle = text.lowercased()
        return items.filter { item in
            guard Self.sees(scope, item) else { return false }
            var haystack = [item.title, item.description]
            if !scope.isExternal { haystack += item.tags }
            return haystack.contains { $0.lowercased().contains(needle) }
        }.sorted { ($0.dueAt, $0.id.rawValue) < ($1.dueAt, $1.id.rawValue) }.map(\.id)
    }

    static let filters: [(String, WorkItemFilter)] = [
        ("all", .all),
        ("open states", WorkItemFilter(states: [.assigned, .accepted, .inProgress, .inReview])),
        ("high priority", WorkItemFilter(priorities: [.high])),
        ("assignee m1", WorkItemFilter(assigneeID: "m1")),
        ("department d2", WorkItemFilter(departmentID: "d2")),
        ("tag red", WorkItemFilter(tag: "red")),
        ("due window", WorkItemFilter(dueFrom: ConformanceContext.t0.addingTimeInterval(3 * 86_400),
            dueBefore: ConformanceContext.t0.addingTimeInterval(8 * 86_400))),
    ]

    /// The counts of ``ReportStore/workItemCounts(in:matching:now:)``, from the items.
    func counts(_ items: [WorkItem], now: Date) -> WorkItemCounts {
        let counted = items.filter { $0.state != .draft && $0.state != .cancelled }
        let completed = counted.filter { $0.state == .completed }
        let open = counted.filter { $0.state != .completed }
        return WorkItemCounts(
            total: counted.count, open: open.count, completed: completed.count,
            completedOnTime: completed.filter { ($0.closedAt ?? .distantFuture) < $0.dueAt }.count,
            completedLate: completed.filter { ($0.closedAt ?? .distantFuture) >= $0.dueAt }.count,
            overdueOpen: open.filter { $0.dueAt <= now }.count)
    }
}

extension StoreConformance {
    static func seeds(_ body: @escaping @Sendable (ConformanceContext, GeneratedWorld) async throws -> Void)
        -> @Sendable (ConformanceContext) async throws -> Void
    {
        { ctx in
            let world = try await GeneratedWorld.build(ctx)
            try await body(ctx, world)
        }
    }

    static let visibilityChecks: [Check] = [
        Check(.visibility, "list-matches-reference",
            "workItems(in:matching:page:) returns, for every scope of a generated world (seed 0xC011AB), exactly the items the scope's grants name, soonest deadline first then by id.", seeds { ctx, world in
                for (name, scope) in world.scopes {
                    let found = try await ctx.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 500))
                    try ctx.equal(found.items.map(\.id), world.expected(scope), "the items of scope \(name)")
                }
            }),
        Check(.visibility, "filters-match-reference",
            "workItems(in:matching:page:) applies every filter field (states, priorities, assignee, department, tag, due range) on top of the scope, as the reference does.", seeds { ctx, world in
                for (name, scope) in world.scopes.prefix(7) {
                    for (filterName, filter) in GeneratedWorld.filters {
                        let found = try await ctx.store.workItems(in: scope, matching: filter, page: PageRequest(limit: 500))
                        try ctx.equal(found.items.map(\.id), world.expected(scope, filter), "\(filterName) in scope \(name)")
                    }
                }
            }),
        Check(.visibility, "count-matches-reference",
            "countWorkItems(in:matching:) equals the number of items the reference sees, for every scope and filter.", seeds { ctx, world in
                for (name, scope) in world.scopes {
                    for (filterName, filter) in GeneratedWorld.filters {
                        try ctx.equal(try await ctx.store.countWorkItems(in: scope, matching: filter),
                            world.expected(scope, filter).count, "the count of \(filterName) in scope \(name)")
                    }
                }
            }),
        Check(.visibility, "search-matches-reference",
            "searchWorkItems finds, case-insensitively, the visible items whose title, description or (internal scopes only) tags contain the text, in deadline order.", seeds { ctx, world in
                for (name, scope) in world.scopes {
                    for text in ["ALPHA", "otel", "red", "notes on echo"] {
                        let found = try await ctx.store.searchWorkItems(text, in: scope, page: PageRequest(limit: 500))
                        try ctx.equal(found.items.map(\.id), world.searched(text, scope), "search '\(text)' in scope \(name)")
                    }
                }
            }),
        Check(.visibility, "other-organization-never-leaks",
            "A scope of one organization (whole organization, or its members' grants) finds no item of another organization through lists, counts or search.", seeds { ctx, world in
                for (name, scope) in world.scopes where scope.organizationID != "globex" {
                    let found = try await ctx.store.searchWorkItems("globex", in: scope, page: .first).items
                    try ctx.equal(found.map(\.id), [], "globex items found by '\(name)'")
                    let listed = try await ctx.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 500)).items
                    try ctx.equal(listed.filter { $0.organizationID == "globex" }.map(\.id), [], "globex items listed for '\(name)'")
                }
                let acme = world.scopes[0].scope
                try ctx.equal(try await ctx.store.countWorkItems(in: acme, matching: .all),
                    world.items.filter { $0.organizationID == "acme" }.count, "acme's whole-organization count")
            }),
        Check(.visibility, "inbox-follows-scope",
            "inbox and unreadCount leave out notifications about items the scope does not see, and keep those it sees.") { ctx in
            let world = try await GeneratedWorld.build(ctx, count: 16)
            var notices: [Notice] = []
            for (n, item) in world.items.prefix(16).enumerated() {
                notices.append(ctx.notice(item, to: "m1", at: ctx.at(Double(n))))
            }
            try await ctx.send(notices)
            let scope = try ctx.some(world.scopes.first { $0.name == "member m1" }?.scope, "m1's scope")
            let expected = notices.filter { n in world.items.contains { $0.id == n.itemID && GeneratedWorld.sees(scope, $0) } }
            let inbox = try await ctx.store.inbox(for: "m1", visibleIn: scope, unreadOnly: false, page: PageRequest(limit: 500))
            try ctx.equal(inbox.items.map(\.id), expected.reversed().map(\.id), "m1's inbox, newest first")
            try ctx.equal(try await ctx.store.unreadCount(for: "m1", visibleIn: scope), expected.count, "m1's unread count")
            let whole = world.scopes[0].scope
            try ctx.equal(try await ctx.store.unreadCount(for: "m1", visibleIn: whole), notices.count, "unread in the whole org")
        },
        Check(.visibility, "external-scope-search-skips-tags",
            "A search in an external scope does not match tags (internal fields), while an internal scope does.") { ctx in
            try await ctx.basicWorld()
            try await ctx.organization("pco", kind: .partner)
            try await ctx.insert(ctx.makeItem("shared", title: "Plain title", partners: ["pco"], tags: ["secretive"]))
            let external = VisibilityScope(wholeOrganization: nil, grants: [.init(.sharedOrganization, "pco")],
                organizationID: "pco", isExternal: true)
            let internalScope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
            try ctx.equal(try await ctx.store.searchWorkItems("secretive", in: external, page: .first).items.map(\.id), [],
                "the partner's search for a tag")
            try ctx.equal(try await ctx.store.searchWorkItems("secretive", in: internalScope, page: .first).items.map(\.id),
                ["shared"], "acme's search for the tag")
            try ctx.equal(try await ctx.store.searchWorkItems("plain", in: external, page: .first).items.map(\.id), ["shared"],
                "the partner's search for the title")
        },
        Check(.visibility, "second-world",
            "A second generated world (seed 0xC011AC, 24 items) agrees with the reference for lists and counts.") { ctx in
            let world = try await GeneratedWorld.build(ctx, seed: GeneratedWorld.seed + 1, count: 24)
            for (name, scope) in world.scopes {
                let found = try await ctx.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 500))
                try ctx.equal(found.items.map(\.id), world.expected(scope), "the items of scope \(name)")
                try ctx.equal(try await ctx.store.countWorkItems(in: scope, matching: .all), world.expected(scope).count,
                    "the count of scope \(name)")
            }
        },
    ]

    static let reportChecks: [Check] = [
        Check(.reports, "work-item-counts-match-reference",
            "workItemCounts(in:matching:now:) equals the reference counts (drafts and cancelled left out; on time = closed before due; overdue open = due at or before now) for every scope and filter.", seeds { ctx, world in
                let now = ctx.at(6 * 86_400)
                for (name, scope) in world.scopes {
                    for (filterName, filter) in GeneratedWorld.filters.prefix(4) {
                        let visible = world.items.filter { GeneratedWorld.sees(scope, $0) && GeneratedWorld.matches(filter, $0) }
                        try ctx.equal(try await ctx.store.workItemCounts(in: scope, matching: filter, now: now),
                            world.counts(visible, now: now), "the counts of \(filterName) in scope \(name)")
                    }
                }
            }),
        Check(.reports, "assignment-counts-match-reference",
            "assignmentCounts(for:createdIn:now:) counts the member's assigned items (not drafts or cancelled), within the creation interval when given.", seeds { ctx, world in
                let now = ctx.at(6 * 86_400)
                let window = DateInterval(start: ctx.at(5 * 86_400 + 1), end: ctx.at(15 * 86_400 + 1))
                for member in GeneratedWorld.members {
                    let mine = world.items.filter { $0.assigneeIDs.contains(member) }
                    try ctx.equal(try await ctx.store.assignmentCounts(for: member, createdIn: nil, now: now),
                        world.counts(mine, now: now), "\(member)'s counts")
                    let inWindow = mine.filter { window.start <= $0.createdAt && $0.createdAt < window.end }
                    try ctx.equal(try await ctx.store.assignmentCounts(for: member, createdIn: window, now: now),
                        world.counts(inWindow, now: now), "\(member)'s counts in the window")
                }
            }),
        Check(.reports, "report-total-matches-reference",
            "report(_:in:now:) with no grouping gives one row (key \"\") whose created, cancelled, open, completed, on-time, late and overdue figures equal the reference.", seeds { ctx, world in
                let now = ctx.at(6 * 86_400)
                for (name, scope) in world.scopes where !world.expected(scope).isEmpty {
                    let rows = try await ctx.store.report(ReportQuery(), in: scope, now: now)
                    let visible = world.items.filter { GeneratedWorld.sees(scope, $0) }
                    try ctx.equal(rows.map(\.key), [""], "the keys of scope \(name)")
                    try ctx.equal(figures(rows.first?.metrics), reference(visible, now: now), "the figures of scope \(name)")
                }
            }),
        Check(.reports, "report-by-assignee",
            "report grouped by assignee has one row per assignee (an item with two counts for each), in key order, each equal to the reference.", seeds { ctx, world in
                let now = ctx.at(6 * 86_400)
                let scope = world.scopes[0].scope
                let rows = try await ctx.store.report(ReportQuery(grouping: .assignee), in: scope, now: now)
                let visible = world.items.filter { GeneratedWorld.sees(scope, $0) }
                let keys = Set(visible.filter { $0.state != .draft }.flatMap(\.assigneeIDs).map(\.rawValue)).sorted()
                try ctx.equal(rows.map(\.key), keys, "the row keys")
                for row in rows {
                    let mine = visible.filter { $0.assigneeIDs.map(\.rawValue).contains(row.key) }
                    try ctx.equal(figures(row.metrics), reference(mine, now: now), "the figures of assignee \(row.key)")
                }
            }),
        Check(.reports, "report-by-period",
            "report grouped by period counts the items created in each half-open period, with keys \"0\", \"1\", ... for periods that have items.", seeds { ctx, world in
                let now = ctx.at(6 * 86_400)
                let periods = [DateInterval(start: ctx.t0, end: ctx.at(7 * 86_400)),
                    DateInterval(start: ctx.at(7 * 86_400), end: ctx.at(14 * 86_400))]
                let scope = world.scopes[0].scope
                let rows = try await ctx.store.report(ReportQuery(periods: periods, grouping: .period), in: scope, now: now)
                let visible = world.items.filter { GeneratedWorld.sees(scope, $0) }
                var expected: [String] = []
                for (n, period) in periods.enumerated() {
                    let inPeriod = visible.filter { period.start <= $0.createdAt && $0.createdAt < period.end }
                    if inPeriod.contains(where: { $0.state != .draft }) { expected.append("\(n)") }
                    if let row = rows.first(where: { $0.key == "\(n)" }) {
                        try ctx.equal(figures(row.metrics), reference(inPeriod, now: now), "the figures of period \(n)")
                    }
                }
                try ctx.equal(rows.map(\.key), expected, "the row keys")
            }),
        Check(.reports, "report-by-tag",
            "report grouped by tag has one row per tag (key \"\" for items without; an item with two tags counts for each), in key order, groups of drafts only left out, each equal to the reference.", seeds { ctx, world in
                let now = ctx.at(6 * 86_400)
                for (name, scope) in world.scopes.prefix(6) {
                    let rows = try await ctx.store.report(ReportQuery(grouping: .tag), in: scope, now: now)
                    let visible = world.items.filter { GeneratedWorld.sees(scope, $0) }
                    func keys(_ item: WorkItem) -> [String] { item.tags.isEmpty ? [""] : item.tags }
                    let expected = Set(visible.filter { $0.state != .draft }.flatMap(keys)).sorted()
                    try ctx.equal(rows.map(\.key), expected, "the tag keys of scope \(name)")
                    for row in rows {
                        try ctx.equal(figures(row.metrics), reference(visible.filter { keys($0).contains(row.key) }, now: now),
                            "the figures of tag '\(row.key)' in scope \(name)")
                    }
                }
            }),
        Check(.reports, "report-by-lead-department",
            "report grouped by department keys each item by its lead (first) department (\"\" without one), and leadDepartments keeps only items led by those departments.", seeds { ctx, world in
                let now = ctx.at(6 * 86_400)
                let scope = world.scopes[0].scope
                let visible = world.items.filter { GeneratedWorld.sees(scope, $0) }
                func lead(_ item: WorkItem) -> String { item.departmentIDs.first?.rawValue ?? "" }
                let rows = try await ctx.store.report(ReportQuery(grouping: .department), in: scope, now: now)
                try ctx.equal(rows.map(\.key), Set(visible.filter { $0.state != .draft }.map(lead)).sorted(), "the keys")
                for row in rows {
                    try ctx.equal(figures(row.metrics), reference(visible.filter { lead($0) == row.key }, now: now),
                        "the figures of department '\(row.key)'")
                }
                let led = try await ctx.store.report(ReportQuery(leadDepartments: ["d1"]), in: scope, now: now)
                try ctx.equal(figures(led.first?.metrics), reference(visible.filter { lead($0) == "d1" }, now: now),
                    "the figures of items led by d1")
            }),
    ]

    /// The figures compared by the report checks: created, cancelled, open, completed, on time, late, overdue open.
    static func figures(_ metrics: ReportMetrics?) -> [Int] {
        guard let m = metrics else { return [] }
        return [m.created, m.cancelled, m.open, m.completed, m.completedOnTime, m.completedLate, m.overdueOpen]
    }

    static func reference(_ items: [WorkItem], now: Date) -> [Int] {
        let counted = items.filter { $0.state != .draft && $0.state != .cancelled }
        let completed = counted.filter { $0.state == .completed }
        let open = counted.filter { $0.state != .completed }
        return [counted.count, items.filter { $0.state == .cancelled }.count, open.count, completed.count,
            completed.filter { ($0.closedAt ?? .distantFuture) < $0.dueAt }.count,
            completed.filter { ($0.closedAt ?? .distantFuture) >= $0.dueAt }.count,
            open.filter { $0.dueAt <= now }.count]
    }
}
