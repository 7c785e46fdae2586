import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension StoreConformance {
    /// Walks `read` with several page sizes and compares each walk to one page of 500.
    static func pagesAgree<T, K: Equatable>(
        _ ctx: ConformanceContext, _ what: String, limits: [Int] = [1, 3, 7], key: (T) -> K,
        _ read: (PageRequest) async throws -> Page<T>
    ) async throws -> [K] {
        let all = try await read(PageRequest(limit: 500))
        try ctx.equal(all.nextCursor, nil, "the cursor after one page of all of \(what)")
        let expected = all.items.map(key)
        for limit in limits {
            let walked = try await ctx.walk(limit: limit, read).map(key)
            try ctx.equal(walked, expected, "\(what) walked in pages of \(limit)")
        }
        return expected
    }

    static func meeting(_ ctx: ConformanceContext, _ id: String, startsAt seconds: Double, organizer: Member.ID = "boss",
        attendees: [Member.ID] = ["worker"]) -> Meeting
    {
        Meeting(id: Meeting.ID(id), organizationID: "acme", title: "Meeting \(id)", startsAt: ctx.at(seconds), endsAt: nil,
            location: nil, organizerID: organizer, attendeeIDs: attendees, minutes: "Minutes", decisions: [],
            recordedAt: ctx.at(seconds), version: 1)
    }

    static let pagingChecks: [Check] = [
        Check(.paging, "work-items-walk",
            "Walking workItems(in:matching:page:) page by page (1, 3, 7 per page) gives the same items in the same order as one big page, for every scope, with no overlap and no gap.", seeds { ctx, world in
                for (name, scope) in world.scopes {
                    let ids = try await pagesAgree(ctx, "the items of \(name)", key: \WorkItem.id) {
                        try await ctx.store.workItems(in: scope, matching: .all, page: $0)
                    }
                    try ctx.equal(Set(ids).count, ids.count, "distinct items of \(name)")
                }
            }),
        Check(.paging, "filtered-walk",
            "Walking a filtered list (open states, tag red) in pages gives the one-page result.", seeds { ctx, world in
                for (name, scope) in world.scopes.prefix(6) {
                    for (filterName, filter) in [GeneratedWorld.filters[1], GeneratedWorld.filters[5]] {
                        _ = try await pagesAgree(ctx, "\(filterName) of \(name)", limits: [2, 5], key: \WorkItem.id) {
                            try await ctx.store.workItems(in: scope, matching: filter, page: $0)
                        }
                    }
                }
            }),
        Check(.paging, "search-walk",
            "Walking searchWorkItems in pages gives the one-page result.", seeds { ctx, world in
                for (name, scope) in world.scopes.prefix(6) {
                    _ = try await pagesAgree(ctx, "search 'a' of \(name)", limits: [2, 5], key: \WorkItem.id) {
                        try await ctx.store.searchWorkItems("alpha", in: scope, page: $0)
                    }
                }
            }),
        Check(.paging, "limit-honoured",
            "A page holds exactly limit elements while more remain, and the last page has no cursor.", seeds { ctx, world in
                let scope = world.scopes[0].scope
                let total = world.expected(scope).count
                let first = try await ctx.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 5))
                try ctx.equal(first.items.count, min(5, total), "the first page's size")
                try ctx.expect((first.nextCursor != nil) == (total > 5), "a cursor exactly when more remain",
                    found: "cursor \(first.nextCursor ?? "nil") with \(total) items")
                let one = try await ctx.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 0))
                try ctx.equal(one.items.count, min(1, total), "a page asked with limit 0 (clamped to 1)")
                let exact = try await ctx.store.workItems(in: scope, matching: .all, page: PageRequest(limit: total))
                try ctx.equal(exact.nextCursor, nil, "the cursor of a page holding exactly every item")
            }),
        Check(.paging, "inbox-walk",
            "Walking a member's inbox (all, and unread only) in pages gives the one-page result, newest first.") { ctx in
            try await ctx.basicWorld()
            var notices: [Notice] = []
            for n in 0..<17 {
                let batch = try await ctx.itemWithNotices(["worker"], at: ctx.at(Double(n * 10)))
                notices += batch
            }
            _ = try await ctx.store.markRead([notices[2].id, notices[9].id], of: "worker", at: ctx.at(1000))
            let scope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
            let all = try await pagesAgree(ctx, "the inbox", key: \Notice.id) {
                try await ctx.store.inbox(for: "worker", visibleIn: scope, unreadOnly: false, page: $0)
            }
            try ctx.equal(all, notices.reversed().map(\.id), "the inbox, newest first")
            let unread = try await pagesAgree(ctx, "the unread inbox", key: \Notice.id) {
                try await ctx.store.inbox(for: "worker", visibleIn: scope, unreadOnly: true, page: $0)
            }
            try ctx.equal(unread, all.filter { $0 != notices[2].id && $0 != notices[9].id }, "the unread inbox")
        },
        Check(.paging, "todo-walk",
            "Walking todo(for:page:) in pages gives the one-page result, soonest deadline first then by id.") { ctx in
            try await ctx.basicWorld()
            var items: [WorkItem] = []
            let states: [WorkItemState] = [.assigned, .accepted, .inProgress]
            for n in 0..<19 {
                let due: Date = ctx.at(Double((n % 4) + 1) * 86_400)
                let id = String(format: "t-%02d", n)
                items.append(try await ctx.item(id, due: due, state: states[n % 3]))
            }
            let sorted: [WorkItem] = items.sorted { ($0.dueAt, $0.id.rawValue) < ($1.dueAt, $1.id.rawValue) }
            let ids = try await pagesAgree(ctx, "the to-do list", key: { (entry: TodoEntry) in entry.item.id }) {
                try await ctx.store.todo(for: "worker", page: $0)
            }
            try ctx.equal(ids, sorted.map(\.id), "the to-do order")
        },
        Check(.paging, "meetings-walk",
            "meetings(in:involving:page:) pages newest (start) first with no overlap or gap, and involving a member keeps only meetings they organized or attended.") { ctx in
            try await ctx.basicWorld()
            var change = ChangeSet()
            for n in 0..<11 {
                let organizer: Member.ID = n % 3 == 0 ? "worker" : "boss"
                let attendees: [Member.ID] = n % 2 == 0 ? ["rev"] : ["worker"]
                let start = Double((n % 5) * 3600)
                change.scenario.meetings.append(meeting(ctx, String(format: "mt-%02d", n), startsAt: start,
                    organizer: organizer, attendees: attendees))
            }
            _ = try await ctx.store.commit(change)
            let all = try await pagesAgree(ctx, "acme's meetings", key: \Meeting.id) {
                try await ctx.store.meetings(in: "acme", involving: nil, page: $0)
            }
            let expected: [Meeting] = change.scenario.meetings.sorted { a, b in
                a.startsAt != b.startsAt ? a.startsAt > b.startsAt : a.id.rawValue > b.id.rawValue
            }
            try ctx.equal(all, expected.map(\.id), "the meetings, newest first")
            let revs = try await pagesAgree(ctx, "rev's meetings", limits: [2], key: \Meeting.id) {
                try await ctx.store.meetings(in: "acme", involving: "rev", page: $0)
            }
            try ctx.equal(revs, expected.filter { $0.attendeeIDs.contains("rev") }.map(\.id), "rev's meetings")
        },
        Check(.paging, "cursor-survives-inserts",
            "A cursor stays valid after new items are inserted: the rest of the walk neither repeats nor skips the items that existed.") { ctx in
            try await ctx.basicWorld()
            for n in 0..<10 { try await ctx.item(String(format: "c-%02d", n), due: ctx.at(Double(n + 1) * 86_400)) }
            let scope = VisibilityScope(wholeOrganization: "acme", grants: [], organizationID: "acme", isExternal: false)
            let first = try await ctx.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 4))
            try await ctx.item("c-early", due: ctx.at(3600))
            let rest = try await ctx.walk(limit: 4) { request in
                try await ctx.store.workItems(in: scope, matching: .all,
                    page: PageRequest(limit: request.limit, cursor: request.cursor ?? first.nextCursor))
            }
            try ctx.equal((first.items + rest).map(\.id.rawValue), (0..<10).map { String(format: "c-%02d", $0) },
                "the walk across an insert before the cursor")
        },
    ]
}
