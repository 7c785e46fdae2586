import CollabModel
import CollabPermissions
import CollabReports
import CollabStore
import CollabWorkflow
import Foundation
import GRDBSQLite
import Logging

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
/// 2,000 members in 50 departments (a tree), three outside organizations, one partner enabled.
struct World {
    let store: SQLiteStore
    let engine: WorkflowEngine
    let path: String
    let members: [Member.ID]
    let departmentOf: [Member.ID: Department.ID]
    let partnerMember: Member.ID
}

/// Replays, through prepared statements, the write transactions Collab commits for a create and for each
/// lifecycle command (the rows written are the same: item, access index, search index, audit event,
/// notification, timers, activity).
struct RawWorkload {
    let db: RawSQLite
    /// Parts of Collab's transactions this workload leaves out (`--write-parts`); none by default.
    var skip: Set<RawPart> = []
    /// The audit events' details by action (`--write-parts` uses the ones Collab wrote); a short JSON by default.
    var auditDetails: [String: String] = [:]
    static let itemColumns = """
        id, organization_id, title, description, priority, initiator_id, reviewer_id, review_by, assignee_ids,
        watcher_ids, department_ids, partner_ids, start_at, deadline_date, deadline_at, due_at, attachments, tags,
        state, progress, pending_adjustment_id, version, created_at, updated_at, closed_at, state_changed_at,
        waiting_since, external_waits, recurrence, series_id
        """
    static let insertItem = "INSERT INTO work_items (\(itemColumns)) VALUES (\(Array(repeating: "?", count: 30).joined(separator: ",")))"
    static let updateItem = """
        UPDATE work_items SET title = ?, state = ?, progress = ?, version = ?, updated_at = ?, closed_at = ?,
            state_changed_at = ? WHERE id = ? AND version = ?
        """

    func item(_ id: String, assignee: String, department: String, due: Int64, now: Int64, state: String, version: Int64)
        -> [RawSQLite.Value]
    {
        [.text(id), .text("acme"), .text("Raw item \(id)"), .text("Benchmark item"), .text("medium"), .text("m1"), .null,
         .text("m1"), .text(assignee), .text(""), .text(department), .text(""), .int(now), .text("2030-01-01"), .null,
         .int(due), .null, .text(""), .text(state), .null, .null, .int(version), .int(now), .int(now), .null, .int(now),
         .null, .int(0), .null, .null]
    }

    func timers(_ id: String, due: Int64, count: Int) throws {
        if skip.contains(.timers) { return }
        let ids = (0..<count).map { "\(id)|t\($0)|\(due)" }
        let record = "work_item:" + id
        try db.run("DELETE FROM timers WHERE record = ? AND state = 'pending' AND id NOT IN (\(Array(repeating: "?", count: count).joined(separator: ",")))",
            [.text(record)] + ids.map { .text($0) })
        for timer in ids {
            try db.run("""
                INSERT INTO timers (id, record, organization_id, kind, detail, fire_at, state) VALUES (?, ?, ?, ?, '', ?, 'pending')
                ON CONFLICT(id) DO UPDATE SET fire_at = excluded.fire_at,
                    claim_token = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.claim_token END,
                    lease_until = CASE WHEN timers.fire_at = excluded.fire_at THEN timers.lease_until END
                WHERE timers.state = 'pending'
                """, [.text(timer), .text(record), .text("acme"), .text("overdue"), .int(due)])
        }
    }

    func audit(_ id: String, _ action: String, now: Int64) throws {
        try db.run("""
            INSERT INTO audit_events (id, organization_id, item_id, actor_id, action, from_state, to_state, details,
                occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text("a-\(id)-\(action)"), .text("acme"), .text(id), .text("m1"), .text(action), .text("assigned"),
                  .text("accepted"), skip.contains(.auditDetails) ? .text("{}") : .text(auditDetails[action] ?? "{\"assignees\":\"m2\"}"),
                  .int(now)])
    }

    func notify(_ id: String, _ kind: String, to recipient: String, now: Int64) throws {
        if skip.contains(.notification) { return }
        try db.run("""
            INSERT INTO notifications (id, organization_id, recipient_id, kind, urgency, item_id, actor_id, title, body,
                created_at, read_at, delivery_state, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)
            """, [.text("n-\(id)-\(kind)"), .text("acme"), .text(recipient), .text(kind), .text("normal"), .text(id), .text("m1"),
                  .text("New assignment: Raw item"), .text("Member 1 assigned you \"Raw item\", due end of 2030-01-01."),
                  .int(now), .null, .int(now)])
    }

    func create(_ id: String, assignee: String, department: String, due given: Int64? = nil, now: Int64) throws {
        let due = given ?? now + 7 * 86_400_000
        try db.exec("BEGIN IMMEDIATE")
        try db.run(Self.insertItem, item(id, assignee: assignee, department: department, due: due, now: now,
            state: "assigned", version: 1))
        let rowid = db.lastInsertedRowID
        for (kind, key) in [("initiator", "m1"), ("reviewer", "m1"), ("assignee", assignee), ("department", department)]
        where !skip.contains(.access) {
            try db.run("INSERT OR IGNORE INTO work_item_access (kind, key, due_at, item_id, item_rowid) VALUES (?, ?, ?, ?, ?)",
                [.text(kind), .text(key), .int(due), .text(id), .int(rowid)])
        }
        try todo(id, member: assignee, due: due, from: nil, to: "accept")
        try searchRows(id, assignee: assignee, department: department, now: now)
        try audit(id, "create", now: now)
        try notify(id, "assigned", to: assignee, now: now)
        try timers(id, due: due, count: 4)
        try db.exec("COMMIT")
    }

    /// Moves the item's to-do row of `member` from one reason to another (`nil`: none), as the commit does.
    func todo(_ id: String, member: String, due: Int64, from old: String?, to new: String?) throws {
        if let old {
            try db.run("DELETE FROM work_item_todo WHERE member_id = ? AND due_at = ? AND item_id = ? AND reason = ?",
                [.text(member), .int(due), .text(id), .text(old)])
        }
        if let new {
            try db.run("""
                INSERT OR REPLACE INTO work_item_todo (member_id, due_at, item_id, reason, item_rowid)
                VALUES (?, ?, ?, ?, (SELECT rowid FROM work_items WHERE id = ?))
                """, [.text(member), .int(due), .text(id), .text(new), .text(id)])
        }
    }

    /// The search index's rows of a new item: its entry, its text (trigrams) and who may find it.
    func searchRows(_ id: String, assignee: String, department: String, now: Int64) throws {
        if skip.contains(.search) { return }
        let entry = SearchIndex.entry("work_item", id)
        try db.run("""
            INSERT INTO search_entries (entry, kind, record_id, organization_id, access_record, outside_visible,
                title, status, people, departments, tags, occurred_at) VALUES (?, 'work_item', ?, 'acme', ?, 1, ?, ?, ?, ?, '', ?)
            """, [.text(entry), .text(id), .text(entry), .text("Raw item \(id)"), .text("assigned"),
                  .text(SearchIndex.joined(["m1", assignee])), .text(SearchIndex.joined([department])), .int(now)])
        if !skip.contains(.searchText) {
            try db.run("INSERT INTO search_text (rowid, title, labels, body, internal) VALUES (?, ?, '', ?, '')",
                [.int(db.lastInsertedRowID), .text("Raw item \(id)"), .text("Benchmark item")])
        }
        let organization: Organization.ID = "acme"
        let keys = [SearchKey.allWorkItems(of: organization)] + [
            VisibilityScope.Grant(.initiator, "m1"), VisibilityScope.Grant(.reviewer, "m1"),
            VisibilityScope.Grant(.assignee, assignee), VisibilityScope.Grant(.department, department),
        ].map { SearchKey.workItem($0, in: organization) }
        for key in Set(keys) where !skip.contains(.searchKeys) {
            try db.run("INSERT OR IGNORE INTO search_access (record, key) VALUES (?, ?)", [.text(entry), .text(key)])
        }
    }

    /// start, report progress, submit for review, approve.
    /// The notifications go where Collab's go: progress and the review request to the initiator (also the
    /// reviewer), the review result to the assignee.
    func lifecycle(_ id: String, assignee: String, due given: Int64? = nil, now: Int64) throws {
        let due = given ?? now + 7 * 86_400_000
        let steps: [(String, String, Int64, Int)] = [
            ("start", "in_progress", 3, 4), ("report_progress", "in_progress", 4, 4),
            ("submit_for_review", "in_review", 5, 5), ("approve", "completed", 6, 0),
        ]
        for (action, state, version, timerCount) in steps {
            try db.exec("BEGIN IMMEDIATE")
            let changed = try db.run(Self.updateItem, [.text("Raw item \(id)"), .text(state), .int(50), .int(version),
                .int(now), action == "approve" ? .int(now) : .null, .int(now), .text(id), .int(version - 1)])
            guard changed == 1 else { throw BenchError("raw update of \(id) changed \(changed) rows") }
            if !skip.contains(.search) {
                try db.run("UPDATE search_entries SET status = ? WHERE entry = ?",
                    [.text(state), .text(SearchIndex.entry("work_item", id))])
            }
            switch action {
            case "start": try todo(id, member: assignee, due: due, from: "start", to: "work")
            case "submit_for_review":
                try todo(id, member: assignee, due: due, from: "work", to: nil)
                try todo(id, member: "m1", due: due, from: nil, to: "review")
            case "approve": try todo(id, member: "m1", due: due, from: "review", to: nil)
            default: break
            }
            if action == "report_progress" && !skip.contains(.activity) {
                try db.run("""
                    INSERT INTO progress_updates (id, item_id, author_id, text, percent, attachments, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, [.text("p-\(id)"), .text(id), .text(assignee), .text("Half way"), .int(50), .null, .int(now)])
            }
            if action == "approve" && !skip.contains(.activity) {
                try db.run("""
                    INSERT INTO review_decisions (id, item_id, reviewer_id, outcome, reason, decided_at) VALUES (?, ?, ?, ?, ?, ?)
                    """, [.text("r-\(id)"), .text(id), .text("m1"), .text("approved"), .null, .int(now)])
            }
            try audit(id, action, now: now)
            if action != "start" { try notify(id, action, to: action == "approve" ? assignee : "m1", now: now) }
            if timerCount == 0 && !skip.contains(.timers) {
                try db.run("DELETE FROM timers WHERE record = ? AND state = 'pending'", [.text("work_item:" + id)])
            } else {
                try timers(id, due: due, count: timerCount)
            }
            try db.exec("COMMIT")
        }
    }

    /// Moves an item from assigned to accepted (the set-up of a lifecycle run).
    func accept(_ id: String, assignee: String, due given: Int64? = nil, now: Int64) throws {
        try db.exec("BEGIN IMMEDIATE")
        try db.run(Self.updateItem, [.text("Raw item \(id)"), .text("accepted"), .null, .int(2), .int(now), .null,
            .int(now), .text(id), .int(1)])
        if !skip.contains(.search) {
            try db.run("UPDATE search_entries SET status = 'accepted' WHERE entry = ?", [.text(SearchIndex.entry("work_item", id))])
        }
        try todo(id, member: assignee, due: given ?? now + 7 * 86_400_000, from: "accept", to: "start")
        try db.exec("COMMIT")
    }
}

/// The frames of the WAL of the database at `path`, by the table or index (`dbstat`'s name) that owns each
/// frame's page now; pages on no b-tree (the free list) count as `(free)`.
func walFramesByBtree(_ path: String) throws -> [String: Int] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path + "-wal"))
    guard data.count >= 32 else { return [:] }
    func be32(_ offset: Int) -> UInt32 { data[offset..<(offset + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    let pageSize = Int(be32(8))
    let salts = (be32(16), be32(20))
    var frames: [Int: Int] = [:]
    var offset = 32
    while pageSize > 0 && offset + 24 + pageSize <= data.count {
        if (be32(offset + 8), be32(offset + 12)) == salts { frames[Int(be32(offset)), default: 0] += 1 }
        offset += 24 + pageSize
    }
    let db = try RawSQLite(path: path, synchronous: "NORMAL")
    var owner: [Int: String] = [:]
    for row in try db.rows("SELECT name, pageno FROM dbstat", []) {
        if case .text(let name) = row[0], case .int(let page) = row[1] { owner[Int(page)] = name }
    }
    var result: [String: Int] = [:]
    for (page, count) in frames { result[owner[page] ?? "(free)", default: 0] += count }
    return result
}

/// `name 1.2, other 0.8, …`: the b-trees with the most frames per command, `count` commands.
func describeFrames(_ frames: [String: Int], per count: Int, top: Int = 40) -> String {
    frames.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.prefix(top)
        .map { String(format: "%@ %.1f", $0.key, Double($0.value) / Double(count)) }.joined(separator: ", ")
}

func walPages(_ path: String) -> Double {
    let size = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.doubleValue ?? 0
    return size / Double(4096 + 24)
}


/// The benchmark run, off the main actor (as a server's requests are).
struct Bench {
    let options: Options
    let folder: URL
    let clock = ContinuousClock()
    let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The human-readable report: standard output, or standard error with `--json` (which keeps standard
    /// output for the JSON alone), so one run gives both.
    func log(_ text: String) {
        if options.json {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } else {
            print(text)
        }
    }


    // MARK: A realistic organization

    func makeWorld(_ name: String, walAutocheckpoint: Int? = nil, at givenPath: String? = nil) async throws -> World {
        let path = givenPath ?? folder.appendingPathComponent("\(name).sqlite").path
        var configuration = SQLiteStore.Configuration()
        configuration.durability = options.durability
        configuration.logger = quiet
        configuration.walAutocheckpointPages = walAutocheckpoint
        let store = try SQLiteStore(path: path, configuration: configuration)
        var engineConfiguration = WorkflowEngine.Configuration()
        engineConfiguration.logger = quiet
        let engine = WorkflowEngine(store: store, configuration: engineConfiguration)
        try await store.save(Organization(id: "acme", name: "Acme", kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
        for (id, kind) in [("supplier-b", Organization.Kind.partner), ("customer-c", .customer)] {
            try await store.save(Organization(id: Organization.ID(id), name: id, kind: kind))
        }
        var departments: [Department.ID] = []
        for d in 0..<50 {
            let id = Department.ID("d\(d)")
            try await store.save(Department(id: id, organizationID: "acme", name: "Department \(d)",
                parentID: d == 0 ? nil : departments[(d - 1) / 3]))
            departments.append(id)
        }
        var members: [Member.ID] = []
        var departmentOf: [Member.ID: Department.ID] = [:]
        for m in 0..<2000 {
            let id = Member.ID("m\(m)")
            let department = departments[m % 50]
            try await store.save(Member(
                id: id, organizationID: "acme", displayName: "Member \(m)", handle: "m\(m)",
                roles: m == 0 ? [.administrator] : [],
                departments: [DepartmentMembership(department, role: m < 50 ? .head : .member)]))
            members.append(id)
            departmentOf[id] = department
        }
        // The company's own partner (items are shared only with those): invited by its administrator, with
        // collaboration enabled and one contact.
        try await engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "supplier-a",
            contacts: [ExternalContact(memberID: "p0", displayName: "Supplier rep")]), by: "m0")
        return World(store: store, engine: engine, path: path, members: members, departmentOf: departmentOf,
            partnerMember: "p0")
    }

    /// The assignee, department and due time (milliseconds) of the draft with this index, for the raw
    /// workload: the same people and spread of deadlines, so that both write to the same parts of the
    /// indexes.
    func rawPlacement(_ world: World, index: Int) -> (assignee: String, department: String, due: Int64) {
        let draft = draft(world, index: index)
        let due = TimeZone(identifier: "Asia/Shanghai").flatMap { draft.deadline.dueInstant(in: $0) }
        return (draft.assigneeIDs.first?.rawValue ?? "m1", draft.departmentIDs.first?.rawValue ?? "d0",
                Int64(((due?.timeIntervalSince1970 ?? 0) * 1000).rounded()))
    }

    func draft(_ world: World, index: Int, shared: Bool = false) -> WorkItemDraft {
        let assignee = world.members[(index * 7919) % world.members.count]
        return WorkItemDraft(
            title: "Work item \(index)", description: "Benchmark item number \(index)",
            assigneeIDs: [assignee], departmentIDs: [world.departmentOf[assignee] ?? "d0"],
            partnerOrganizationIDs: shared ? ["supplier-a"] : [],
            deadline: .endOfDay(CalendarDate(year: 2030, month: 1 + index % 12, day: 1 + index % 28)))
    }

    // MARK: The same writes through the C API

    /// Opens a copy of Collab's schema (or of a whole database) for the raw workload.
    func rawDatabase(_ name: String, copying source: String? = nil, walAutocheckpoint: Int? = nil) async throws -> (RawWorkload, String) {
        let path = folder.appendingPathComponent("\(name).sqlite").path
        if let source {
            try FileManager.default.copyItem(atPath: source, toPath: path)
        } else {
            var configuration = SQLiteStore.Configuration()
            configuration.logger = quiet
            _ = try SQLiteStore(path: path, configuration: configuration)  // creates the schema
        }
        let db = try RawSQLite(path: path, synchronous: options.synchronous)
        if let pages = walAutocheckpoint { try db.exec("PRAGMA wal_autocheckpoint = \(pages)") }
        try db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
        return (RawWorkload(db: db), path)
    }

    // MARK: Create and transition, beside the raw limit

    func measureCreates(_ world: World, raw: RawWorkload, label: String, offset: Int) async throws -> (Double, Double) {
        let (collab, rawRate, _) = try await measureCreates(world, raw: raw, lean: nil, label: label, offset: offset)
        return (collab, rawRate)
    }

    /// Rounds of Collab's creates, the own-schema raw twin's and (with `lean`) the lean limit's, interleaved;
    /// the medians of the rounds.
    func measureCreates(_ world: World, raw: RawWorkload, lean: LeanWorkload?, label: String, offset: Int) async throws
        -> (Double, Double, Double)
    {
        var collabRates: [Double] = []
        var rawRates: [Double] = []
        var leanRates: [Double] = []
        for round in 0..<options.rounds {
            let base = offset + round * options.creates
            // Each round pays for the search index of its own commands: nothing waits before it, and what
            // waits at its end is brought up to date inside it.
            try await world.store.updateSearchIndex()
            let started = clock.now
            for n in 0..<options.creates {
                try await world.engine.workItems.create(draft(world, index: base + n), by: "m1")
            }
            try await world.store.updateSearchIndex()
            collabRates.append(Double(options.creates) / seconds(clock.now - started))
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let placements = (0..<options.creates).map { rawPlacement(world, index: base + $0) }
            let rawStarted = clock.now
            for (n, placement) in placements.enumerated() {
                try raw.create("raw-\(label)-\(base + n)", assignee: placement.assignee,
                    department: placement.department, due: placement.due, now: now)
            }
            rawRates.append(Double(options.creates) / seconds(clock.now - rawStarted))
            if let lean {
                let leanStarted = clock.now
                for (n, placement) in placements.enumerated() {
                    try lean.create("lean-\(label)-\(base + n)", assignee: placement.assignee,
                        department: placement.department, due: placement.due, now: now)
                }
                leanRates.append(Double(options.creates) / seconds(clock.now - leanStarted))
            }
        }
        return (median(collabRates), median(rawRates), median(leanRates))
    }

    func measureTransitions(_ world: World, raw: RawWorkload, label: String, offset: Int) async throws -> (Double, Double) {
        let (collab, rawRate, _) = try await measureTransitions(world, raw: raw, lean: nil, label: label, offset: offset)
        return (collab, rawRate)
    }

    /// Rounds of Collab's transitions (start, progress, submit, approve), the raw twin's and (with `lean`) the
    /// lean limit's, interleaved; the medians of the rounds.
    func measureTransitions(_ world: World, raw: RawWorkload, lean: LeanWorkload?, label: String, offset: Int) async throws
        -> (Double, Double, Double)
    {
        let count = options.creates / 4
        var collabRates: [Double] = []
        var rawRates: [Double] = []
        var leanRates: [Double] = []
        for round in 0..<options.rounds {
            var items: [(WorkItem.ID, Member.ID)] = []
            for n in 0..<count {
                let item = try await world.engine.workItems.create(draft(world, index: offset + round * count + n), by: "m1")
                try await world.engine.workItems.accept(item.id, by: item.assigneeIDs[0])
                items.append((item.id, item.assigneeIDs[0]))
            }
            try await world.store.updateSearchIndex()
            let started = clock.now
            for (id, worker) in items {
                try await world.engine.workItems.start(id, by: worker)
                try await world.engine.workItems.reportProgress(id, by: worker, text: "Half way", percent: 50)
                try await world.engine.workItems.submitForReview(id, by: worker)
                try await world.engine.workItems.approve(id, by: "m1")
            }
            try await world.store.updateSearchIndex()
            collabRates.append(Double(count * 4) / seconds(clock.now - started))

            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var rawIDs: [(String, String, Int64)] = []
            for n in 0..<count {
                let id = "raw-t-\(label)-\(round)-\(n)"
                let placement = rawPlacement(world, index: offset + round * count + n)
                try raw.create(id, assignee: placement.assignee, department: placement.department,
                    due: placement.due, now: now)
                try raw.accept(id, assignee: placement.assignee, due: placement.due, now: now)
                rawIDs.append((id, placement.assignee, placement.due))
            }
            let rawStarted = clock.now
            for (id, assignee, due) in rawIDs { try raw.lifecycle(id, assignee: assignee, due: due, now: now) }
            rawRates.append(Double(count * 4) / seconds(clock.now - rawStarted))

            if let lean {
                var leanIDs: [(String, String)] = []
                for n in 0..<count {
                    let id = "lean-t-\(label)-\(round)-\(n)"
                    let placement = rawPlacement(world, index: offset + round * count + n)
                    try lean.create(id, assignee: placement.assignee, department: placement.department, due: placement.due, now: now)
                    leanIDs.append((id, placement.assignee))
                }
                try lean.accept(leanIDs.map { $0.0 }, now: now)
                let leanStarted = clock.now
                for (id, assignee) in leanIDs { try lean.lifecycle(id, assignee: assignee, now: now) }
                leanRates.append(Double(count * 4) / seconds(clock.now - leanStarted))
            }
        }
        return (median(collabRates), median(rawRates), median(leanRates))
    }

    /// Per-call latencies of the store's and engine's main calls (off the main actor, as in a server).
    func breakdown() async throws {
        let world = try await makeWorld("breakdown")
        var items: [WorkItem] = []
        for n in 0..<300 { items.append(try await world.engine.workItems.create(draft(world, index: n), by: "m1")) }
        func time(_ label: String, _ body: () async throws -> Void) async throws {
            var samples: [Double] = []
            for _ in 0..<200 {
                let before = clock.now
                try await body()
                samples.append(seconds(clock.now - before) * 1e6)
            }
            print(label.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "p50 %7.1f µs", percentile(samples, 0.5)))
        }
        try await time("store.subject") { _ = try await world.store.subject(for: "m5") }
        try await time("store.member") { _ = try await world.store.member("m5") }
        try await time("store.organization") { _ = try await world.store.organization("acme") }
        try await time("store.departments(in:)") { _ = try await world.store.departments(in: "acme") }
        try await time("store.workItem") { _ = try await world.store.workItem(items[7].id) }
        try await time("store.calendar") { _ = try await world.store.calendar(for: "acme", department: "d3") }
        try await time("store.todo") { _ = try await world.store.todo(for: items[7].assigneeIDs[0], page: PageRequest(limit: 50)) }
        let scope = try await world.engine.visibilityScope(of: "m0")
        try await time("store.workItems admin 50") { _ = try await world.store.workItems(in: scope, matching: .all, page: PageRequest(limit: 50)) }
        try await time("engine.todo") { _ = try await world.engine.inbox.todo(of: items[7].assigneeIDs[0]) }
        try await time("engine.list admin") { _ = try await world.engine.workItems.list(as: "m0") }
        var n = 1000
        try await time("engine.create") { n += 1; _ = try await world.engine.workItems.create(draft(world, index: n), by: "m1") }
    }


    /// Only creates and transitions through the engine, for a profiler (`perf record`) to look at.
    func profile() async throws {
        let world = try await makeWorld("profile")
        let started = clock.now
        var created: [WorkItem] = []
        for n in 0..<options.creates { created.append(try await world.engine.workItems.create(draft(world, index: n), by: "m1")) }
        let createSeconds = seconds(clock.now - started)
        let transitionStarted = clock.now
        for item in created.prefix(options.creates / 4) {
            let worker = item.assigneeIDs[0]
            try await world.engine.workItems.accept(item.id, by: worker)
            try await world.engine.workItems.start(item.id, by: worker)
            try await world.engine.workItems.submitForReview(item.id, by: worker)
            try await world.engine.workItems.approve(item.id, by: "m1")
        }
        let transitionSeconds = seconds(clock.now - transitionStarted)
        print(String(format: "profile: %.0f creates/s, %.0f transitions/s",
            Double(options.creates) / createSeconds, Double(options.creates) / transitionSeconds))
    }

    /// To-do pages and visibility lists on the database at scale, for members taken across the directory.
    /// 100,000 rows of 12 columns (text with Chinese, numbers, percentages, dates, date-times) written to an
    /// .xlsx file. Run first: the peak reported is the whole process's highest resident memory (VmHWM).
    func measureExport(into results: inout [String: Double]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-bench-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("items.xlsx")
        let columns = [
            ExportColumn("编号"), ExportColumn("标题"), ExportColumn("状态"), ExportColumn("优先级"), ExportColumn("负责人"),
            ExportColumn("部门"), ExportColumn("截止日期"), ExportColumn("创建时间"), ExportColumn("进度", format: .percent(places: 0)),
            ExportColumn("版本"), ExportColumn("逾期天数", format: .decimal(places: 1)), ExportColumn("标签"),
        ]
        let states = ["assigned", "in_progress", "completed"], priorities = ["高", "中", "低"]
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        let rows = 100_000
        let before = Self.memory("VmRSS")
        let started = clock.now
        let writer = try XLSXWriter(url: url, timeZone: TimeZone(identifier: "Asia/Shanghai") ?? .gmt)
        try writer.beginSheet(named: "任务", columns: columns)
        for n in 0..<rows {
            try writer.appendRow([
                .text("item-\(n)"), .text("设备巡检与保养计划 \(n)"), .text(states[n % 3]), .text(priorities[n % 3]),
                .text("员工 \(n % 2_000)"), .text("生产部 \(n % 50)"),
                .date(start.addingTimeInterval(Double(n % 365) * 86_400)),
                .dateTime(start.addingTimeInterval(Double(n) * 60)), .number(Double(n % 101) / 100), .integer(1 + n % 7),
                .number(Double(n % 40) / 4), .text(n % 5 == 0 ? "=cmd|' /C calc'!A0" : "季度,安全"),
            ])
        }
        try writer.finish()
        let elapsed = seconds(clock.now - started)
        let peak = Self.memory("VmHWM")
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        results["export_100k_s"] = elapsed
        results["export_peak_mb"] = peak
        log(String(format: "export:      100,000 rows × 12 columns to .xlsx in %.2f s, peak %.1f MB resident (%.1f MB before; %.0f MB file)",
            elapsed, peak, before, Double(size) / 1_048_576))
    }

    /// A line of /proc/self/status in megabytes (0 where there is none).
    static func memory(_ field: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
            return kilobytes / 1024
        }
        return 0
    }

    /// The organization's report by lead department over every item, through Collab and as the same SQL
    /// stepped through SQLite's C API; a third of the items are made completed (some late) first.
    func measureReport(_ big: World, into results: inout [String: Double]) async throws {
        let raw = try RawSQLite(path: big.path, synchronous: "NORMAL")
        try raw.exec("""
            BEGIN IMMEDIATE;
            UPDATE work_items SET state = 'completed', closed_at = created_at + (rowid * 7919 % 20) * 86400000
                WHERE rowid % 3 = 0 AND state <> 'completed';
            DELETE FROM work_item_todo WHERE item_rowid % 3 = 0;
            COMMIT;
            """)
        let scope = try await big.engine.visibilityScope(of: "m0")
        let query = ReportQuery(grouping: .department)
        let now = Date()
        let source = SQLiteStore.reportSource(query, in: scope, ignoreOrganization: false)
        let nowMS = Int64(now.timeIntervalSince1970 * 1000)
        var collab: [Double] = []
        var direct: [Double] = []
        var groups = 0
        var same = true
        for _ in 0..<(options.quick ? 5 : 7) {
            var before = clock.now
            let report = try await big.store.report(query, in: scope, now: now)
            groups = report.count
            collab.append(seconds(clock.now - before) * 1000)
            // The same statements, bound and stepped through the C API: the counts, then each department's
            // median and 90th percentile.
            before = clock.now
            var completed: [String: Int] = [:]
            for row in try raw.rows(SQLiteStore.reportCountsSQL(source), [.int(nowMS), .text("acme")]) {
                guard case .text(let key) = row[0], case .text("completed") = row[1], case .int(let n) = row[2] else { continue }
                completed[key, default: 0] += Int(n)
            }
            var medians: [String: Int64] = [:]
            for (key, n) in completed {
                for percent in [50, 90] {
                    let found = try raw.rows(SQLiteStore.departmentPercentileSQL(source),
                        [.text(key), .text("acme"), .int(Int64((n * percent + 99) / 100 - 1))])
                    if percent == 50, case .int(let cycle) = found.first?.first { medians[key] = cycle }
                }
            }
            direct.append(seconds(clock.now - before) * 1000)
            for row in report where row.metrics.completed > 0 {
                same = same && row.metrics.cycleTimeMedian == medians[row.key].map { .milliseconds($0) }
            }
        }
        guard same else { throw BenchError("the raw report's medians differ from Collab's") }
        results["report_ms"] = percentile(collab, 0.5)
        results["report_raw_ms"] = percentile(direct, 0.5)
        results["report_ratio"] = (results["report_ms"] ?? 0) / max(results["report_raw_ms"] ?? 1, 1e-9)
        log(String(format: "report:      %6.1f ms   raw %6.1f ms   ratio %.2f   (%d departments, %d items)",
            results["report_ms"] ?? 0, results["report_raw_ms"] ?? 0, results["report_ratio"] ?? 0, groups, options.scale))
    }

    func measureReadsAtScale(_ big: World, into results: inout [String: Double]) async throws {
            let samples = options.quick ? 200 : 1_000
            var todo: [Double] = []
            var internalList: [Double] = []
            var partnerList: [Double] = []
            for n in 0..<samples {
                let member = big.members[(n * 31) % big.members.count]
                var before = clock.now
                _ = try await big.engine.inbox.todo(of: member, page: PageRequest(limit: 50))
                todo.append(seconds(clock.now - before) * 1e6)
                before = clock.now
                _ = try await big.engine.workItems.list(as: member, page: PageRequest(limit: 50))
                internalList.append(seconds(clock.now - before) * 1e6)
                before = clock.now
                _ = try await big.engine.workItems.list(as: big.partnerMember, page: PageRequest(limit: 50))
                partnerList.append(seconds(clock.now - before) * 1e6)
            }
            results["todo_p50_us"] = percentile(todo, 0.5)
            results["todo_p99_us"] = percentile(todo, 0.99)
            results["internal_list_p50_us"] = percentile(internalList, 0.5)
            results["internal_list_p99_us"] = percentile(internalList, 0.99)
            results["partner_list_p50_us"] = percentile(partnerList, 0.5)
            results["partner_list_p99_us"] = percentile(partnerList, 0.99)
            log(String(format: "to-do:       p50 %6.0f µs   p99 %6.0f µs   (page of 50, %d items)", results["todo_p50_us"] ?? 0,
                results["todo_p99_us"] ?? 0, options.scale))
            log(String(format: "list:        p50 %6.0f µs   p99 %6.0f µs   internal member", results["internal_list_p50_us"] ?? 0,
                results["internal_list_p99_us"] ?? 0))
            log(String(format: "list:        p50 %6.0f µs   p99 %6.0f µs   partner", results["partner_list_p50_us"] ?? 0,
                results["partner_list_p99_us"] ?? 0))
    }

    /// Imports items into `world` until it holds `options.scale` of them (a kept database is topped up).
    func fill(_ world: World, from start: Int = 0) async throws -> Double {
        try await fill(world, from: start, lean: nil).collab
    }

    /// Imports items into `world` until it holds `options.scale` of them; with `lean`, each chunk is followed
    /// by the same items created in the lean database, 1,000 per transaction (the lean limit of an import).
    func fill(_ world: World, from start: Int = 0, lean: LeanWorkload?) async throws -> (collab: Double, lean: Double) {
        let chunk = 2_000
        var imported = start
        var collabTime = Duration.zero
        var leanTime = Duration.zero
        while imported < options.scale {
            let size = min(chunk, options.scale - imported)
            let started = clock.now
            let drafts = (0..<size).map { draft(world, index: imported + $0, shared: (imported + $0) % 10 == 0) }
            try await world.engine.workItems.importItems(drafts, by: "m1")
            collabTime += clock.now - started
            if let lean {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let items = (0..<size).map { n in
                    let placement = rawPlacement(world, index: imported + n)
                    return (id: "lean-bulk-\(imported + n)", assignee: placement.assignee, department: placement.department,
                        due: placement.due)
                }
                let leanStarted = clock.now
                try lean.createBatched(items, batch: 1_000, now: now)
                leanTime += clock.now - leanStarted
            }
            imported += size
        }
        let rate = Double(imported - start) / seconds(collabTime)
        try await world.store.checkpoint()
        return (rate, lean == nil ? 0 : Double(imported - start) / seconds(leanTime))
    }

    /// `--reads-at PATH`: to-do and lists only, on a database kept at PATH between runs (built on first use).
    func readsAt(_ path: String) async throws {
        let world = try await makeWorld("kept", at: path)
        let scope = try await world.engine.visibilityScope(of: "m0")
        let present = try await world.store.countWorkItems(in: scope, matching: .all)
        if present < options.scale {
            log("filling \(path) from \(present) to \(options.scale) items")
            _ = try await fill(world, from: present)
        }
        var results: [String: Double] = [:]
        try await measureReadsAtScale(world, into: &results)
    }

    func printJSON(_ results: [String: Double]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(results), as: UTF8.self))
    }

    func run() async throws {
        var results: [String: Double] = [:]
        var rng = SystemRandomNumberGenerator()
        if CommandLine.arguments.contains("--breakdown") {
            try await breakdown()
            return
        }
        if let index = CommandLine.arguments.firstIndex(of: "--reads-at"), index + 1 < CommandLine.arguments.count {
            try await readsAt(CommandLine.arguments[index + 1])
            return
        }
        if CommandLine.arguments.contains("--profile") {
            try await profile()
            return
        }
        if CommandLine.arguments.contains("--write-parts") {
            try await measureWriteParts(into: &results)
            if options.json { try printJSON(results) }
            return
        }
        if CommandLine.arguments.contains("--search-only") {
            try await measureSearch(into: &results)
            if options.json { try printJSON(results) }
            return
        }

        if options.documentsOnly {
            try await measureDocuments(into: &results)
            if let url = options.postgres { try await measurePostgresDocuments(url, into: &results) }
            if options.json { try printJSON(results) }
            return
        }
        if let url = options.postgres, options.postgresOnly {
            try await measurePostgres(url, into: &results)
            try await measurePostgresDocuments(url, into: &results)
            if options.json { try printJSON(results) }
            return
        }

        log("collab-bench: \(options.quick ? "quick" : "full") run, synchronous=\(options.synchronous), scale \(options.scale)")
        // First, while the process is small: the export's peak is the process's.
        try measureExport(into: &results)
        // Then the documents' bytes, while the process is still small (their peak is measured from there).
        try await measureDocuments(into: &results)

        // The process's peak resident memory from here on (`rss_mb_1m`): the export's and the documents'
        // buffers above are not the stores'.
        let peakReset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
        _ = sqlite3_memory_highwater(1)  // SQLite's own heap (page caches, statements, FTS buffers) from here on

        let small = try await makeWorld("small")
        let concurrentWorld = try await fullDurabilityWorld(copying: small, name: "concurrent")
        let (smallRaw, _) = try await rawDatabase("small-raw")
        let smallLean = try LeanWorkload.open(folder.appendingPathComponent("small-lean.sqlite").path,
            synchronous: options.synchronous)
        let (create, createRaw, createLean) = try await measureCreates(small, raw: smallRaw, lean: smallLean, label: "s", offset: 0)
        results["create_per_s"] = create
        results["create_raw_per_s"] = createRaw
        results["create_ratio"] = create / createRaw
        results["create_lean_raw_per_s"] = createLean
        results["create_lean_ratio"] = create / createLean
        log(String(format: "create:      %8.0f/s   raw %8.0f/s   ratio %.2f   lean %8.0f/s   ratio %.2f", create, createRaw,
            create / createRaw, createLean, create / createLean))
        let (transition, transitionRaw, transitionLean) = try await measureTransitions(small, raw: smallRaw, lean: smallLean,
            label: "s", offset: 1_000_000)
        results["transition_per_s"] = transition
        results["transition_raw_per_s"] = transitionRaw
        results["transition_ratio"] = transition / transitionRaw
        results["transition_lean_raw_per_s"] = transitionLean
        results["transition_lean_ratio"] = transition / transitionLean
        log(String(format: "transition:  %8.0f/s   raw %8.0f/s   ratio %.2f   lean %8.0f/s   ratio %.2f", transition,
            transitionRaw, transition / transitionRaw, transitionLean, transition / transitionLean))
        let approvalSteps = try await measureApprovalSteps(small.engine) { try await small.store.updateSearchIndex() }
        results["approval_step_per_s"] = approvalSteps
        log(String(format: "approval step: %6.0f/s   (one approve per transaction, 3-step flow; transition %.0f/s)",
            approvalSteps, transition))

        // MARK: 64 concurrent callers at FULL

        let concurrentStarted = clock.now
        try await measureConcurrent(concurrentWorld, into: &results)
        log(String(format: "concurrent:  %.1f s for the concurrent figures", seconds(clock.now - concurrentStarted)))

        // MARK: WAL pages per command (deterministic)

        do {
            let world = try await makeWorld("wal", walAutocheckpoint: 0)
            let (raw, rawPath) = try await rawDatabase("wal-raw", walAutocheckpoint: 0)
            let count = 100
            try await world.store.checkpoint()
            var items: [WorkItem] = []
            for n in 0..<count { items.append(try await world.engine.workItems.create(draft(world, index: 5_000_000 + n), by: "m1")) }
            // The search index of these commands is counted: brought up to date as one batch of `count`.
            try await world.store.updateSearchIndex()
            results["create_wal_pages"] = walPages(world.path) / Double(count)
            log("WAL pages by table or index, per create: " + describeFrames(try walFramesByBtree(world.path), per: count))
            for item in items { try await world.engine.workItems.accept(item.id, by: item.assigneeIDs[0]) }
            try await world.store.updateSearchIndex()
            try await world.store.checkpoint()
            for item in items {
                try await world.engine.workItems.start(item.id, by: item.assigneeIDs[0])
                try await world.engine.workItems.reportProgress(item.id, by: item.assigneeIDs[0], text: "Half way", percent: 50)
                try await world.engine.workItems.submitForReview(item.id, by: item.assigneeIDs[0])
                try await world.engine.workItems.approve(item.id, by: "m1")
            }
            try await world.store.updateSearchIndex()
            results["transition_wal_pages"] = walPages(world.path) / Double(count * 4)
            log("WAL pages by table or index, per transition: "
                + describeFrames(try walFramesByBtree(world.path), per: count * 4))
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try raw.db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            for n in 0..<count { try raw.create("w-\(n)", assignee: "m2", department: "d2", now: now) }
            results["create_raw_wal_pages"] = walPages(rawPath) / Double(count)
            for n in 0..<count { try raw.accept("w-\(n)", assignee: "m2", now: now) }
            try raw.db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            for n in 0..<count { try raw.lifecycle("w-\(n)", assignee: "m2", now: now) }
            results["transition_raw_wal_pages"] = walPages(rawPath) / Double(count * 4)
            let leanPath = folder.appendingPathComponent("wal-lean.sqlite").path
            let lean = try LeanWorkload.open(leanPath, synchronous: options.synchronous, walAutocheckpoint: 0)
            let leanItems = (0..<count).map { n in
                let placement = rawPlacement(world, index: 5_000_000 + n)
                return (id: "w-\(n)", assignee: placement.assignee, department: placement.department, due: placement.due)
            }
            for item in leanItems {
                try lean.create(item.id, assignee: item.assignee, department: item.department, due: item.due, now: now)
            }
            results["create_lean_wal_pages"] = walPages(leanPath) / Double(count)
            try lean.accept(leanItems.map { $0.id }, now: now)
            try lean.db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            for item in leanItems { try lean.lifecycle(item.id, assignee: item.assignee, now: now) }
            results["transition_lean_wal_pages"] = walPages(leanPath) / Double(count * 4)
            log(String(format: "WAL pages:   create %.1f (raw %.1f, lean %.1f), transition %.1f (raw %.1f, lean %.1f)",
                results["create_wal_pages"] ?? 0, results["create_raw_wal_pages"] ?? 0, results["create_lean_wal_pages"] ?? 0,
                results["transition_wal_pages"] ?? 0, results["transition_raw_wal_pages"] ?? 0,
                results["transition_lean_wal_pages"] ?? 0))
        }

        // MARK: Permission checks

        do {
            var subjects: [Subject] = []
            for member in small.members { if let subject = try await small.store.subject(for: member) { subjects.append(subject) } }
            if let partner = try await small.store.subject(for: small.partnerMember) { subjects.append(partner) }
            var items: [WorkItem] = []
            for n in 0..<500 { items.append(try await small.engine.workItems.create(draft(small, index: 9_000_000 + n, shared: n % 10 == 0), by: "m1")) }
            let authorizer = Authorizer()
            let actions = WorkItemAction.allCases.filter { !$0.isSurfaceAction }
            let checks = options.quick ? 200_000 : 2_000_000
            var picks: [(Int, Int, Int)] = []
            for _ in 0..<checks {
                picks.append((Int.random(in: 0..<subjects.count, using: &rng), Int.random(in: 0..<items.count, using: &rng),
                    Int.random(in: 0..<actions.count, using: &rng)))
            }
            var allowed = 0
            let started = clock.now
            for (s, i, a) in picks where authorizer.isAllowed(subjects[s], actions[a], on: items[i]) { allowed += 1 }
            let perSecond = Double(checks) / seconds(clock.now - started)
            var latencies: [Double] = []
            latencies.reserveCapacity(checks / 10)
            for (s, i, a) in picks.prefix(checks / 10) {
                let before = clock.now
                if authorizer.isAllowed(subjects[s], actions[a], on: items[i]) { allowed += 1 }
                latencies.append(seconds(clock.now - before) * 1e6)
            }
            results["permission_checks_per_s"] = perSecond
            results["permission_p50_us"] = percentile(latencies, 0.5)
            results["permission_p99_us"] = percentile(latencies, 0.99)
            log(String(format: "permission:  %8.0f checks/s   p50 %.2f µs   p99 %.2f µs (%d allowed)", perSecond,
                results["permission_p50_us"] ?? 0, results["permission_p99_us"] ?? 0, allowed))
        }

        // MARK: Working-time arithmetic

        do {
            // A year of New York working time measured and added back, with 50 pauses: the escalation and
            // service-target clocks do this per item, so it must jump over periods, not walk minutes.
            var calendar = BusinessCalendar.standard(timeZoneIdentifier: "America/New_York")
            calendar.holidays = [CalendarDate(year: 2026, month: 7, day: 3), CalendarDate(year: 2026, month: 12, day: 25)]
            let start = Date(timeIntervalSince1970: 1_767_225_600), end = Date(timeIntervalSince1970: 1_798_761_600)
            let pauses = (0..<50).map { DateInterval(start: start.addingTimeInterval(Double($0) * 7 * 86_400), duration: 3600) }
            let rounds = options.quick ? 200 : 2_000
            var measured = Duration.zero
            let started = clock.now
            for _ in 0..<rounds {
                measured = calendar.workingTime(from: start, to: end, excluding: pauses)
                _ = calendar.addingWorkingTime(measured, to: start, excluding: pauses)
            }
            results["working_time_year_us"] = seconds(clock.now - started) / Double(rounds) * 1e6
            log(String(format: "working time: a year measured and added in %.0f µs (%.0f working hours)",
                results["working_time_year_us"] ?? 0, Double(measured.components.seconds) / 3600))
        }

        // MARK: Bulk import, and a database at scale

        let big = try await makeWorld("big")
        let bulkLean = try LeanWorkload.open(folder.appendingPathComponent("big-lean.sqlite").path, synchronous: options.synchronous)
        let (rate, leanRate) = try await fill(big, lean: bulkLean)
        results["bulk_per_s"] = rate
        results["bulk_lean_raw_per_s"] = leanRate
        results["bulk_lean_ratio"] = rate / leanRate
        log(String(format: "bulk:        %8.0f items/s (%d items imported)   lean %8.0f items/s (1,000 per transaction)   ratio %.2f",
            rate, options.scale, leanRate, rate / leanRate))

        // MARK: To-do and visibility lists at scale

        try await measureReadsAtScale(big, into: &results)
        log(String(format: "memory:      %.1f MB resident now, peak %.1f MB, after the fill and the reads at scale; SQLite's heap peak %.1f MB",
            Self.memory("VmRSS"), Self.memory("VmHWM"), Double(sqlite3_memory_highwater(0)) / 1_048_576))

        // MARK: A department report at scale

        try await measureReport(big, into: &results)

        // MARK: Create and transition on the large database

        do {
            let (bigRaw, _) = try await rawDatabase("big-raw", copying: big.path)
            let (createBig, createBigRaw) = try await measureCreates(big, raw: bigRaw, label: "b", offset: 20_000_000)
            let (transitionBig, transitionBigRaw) = try await measureTransitions(big, raw: bigRaw, label: "b", offset: 30_000_000)
            results["create_1m_per_s"] = createBig
            results["create_1m_raw_per_s"] = createBigRaw
            results["create_1m_ratio"] = createBig / createBigRaw
            results["transition_1m_per_s"] = transitionBig
            results["transition_1m_raw_per_s"] = transitionBigRaw
            results["transition_1m_ratio"] = transitionBig / transitionBigRaw
            log(String(format: "create@%d:   %8.0f/s   raw %8.0f/s   ratio %.2f", options.scale, createBig, createBigRaw,
                createBig / createBigRaw))
            log(String(format: "transition@%d: %6.0f/s   raw %8.0f/s   ratio %.2f", options.scale, transitionBig,
                transitionBigRaw, transitionBig / transitionBigRaw))
        }

        // MARK: Search across records at scale

        try await measureSearch(into: &results)

        // MARK: Outbox

        do {
            struct NoOpHook: NotificationHook {
                let name = "noop"
                func deliver(_ delivery: NoticeDelivery) async throws {}
            }
            var configuration = NotificationDispatcher.Configuration()
            configuration.logger = quiet
            configuration.batchSize = 500
            let dispatcher = try small.engine.makeDispatcher(hooks: [NoOpHook()], configuration: configuration)
            let started = clock.now
            let report = try await dispatcher.deliverDue()
            let rate = Double(report.delivered) / seconds(clock.now - started)
            results["outbox_per_s"] = rate
            log(String(format: "outbox:      %8.0f notifications/s (%d delivered)", rate, report.delivered))
        }

        // MARK: Peak resident memory of the run at scale

        results["rss_mb_1m"] = Self.memory("VmHWM")
        results["sqlite_heap_peak_mb"] = Double(sqlite3_memory_highwater(0)) / 1_048_576
        if case .int(let pages)? = try RawSQLite(path: small.path, synchronous: "NORMAL").rows("PRAGMA cache_size", []).first?.first {
            log("memory:      PRAGMA cache_size of a raw connection, as the store's writer: \(pages) (negative: KiB)")
        }
        log(String(format: "memory:      SQLite's heap: %.1f MB now, peak %.1f MB (every connection's page cache, statements, FTS buffers)",
            Double(sqlite3_memory_used()) / 1_048_576, results["sqlite_heap_peak_mb"] ?? 0))
        log(String(format: "memory:      peak %.1f MB resident through the run at %d items (%@)", results["rss_mb_1m"] ?? 0,
            options.scale, peakReset ? "VmHWM, reset after the export and documents" : "VmHWM of the whole process"))

        // MARK: PostgreSQL (--postgres URL)

        if let url = options.postgres {
            try await measurePostgres(url, into: &results)
            try await measurePostgresDocuments(url, into: &results)
        }

        results["scale_items"] = Double(options.scale)
        results["synchronous_full"] = options.durability == .full ? 1 : 0
        if options.json { try printJSON(results) }

    }
}
