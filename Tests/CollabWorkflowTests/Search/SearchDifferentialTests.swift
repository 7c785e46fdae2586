import CollabModel
import CollabPermissions
import CollabStore
import CollabStorePostgres
import CollabTesting
import Foundation
import Testing

/// A seeded random world of every searchable record, committed straight to the store, and for every reader
/// and several queries: the store's hits (before the engine's re-check) are exactly the records the one
/// `AccessControl` lets the reader see whose text matches. `COLLAB_SEED` adds a seed to the fixed one.
@Suite struct SearchDifferentialTests {
    static let words = ["budget", "Budget", "rollout", "invoice", "会议", "预算", "合同", "季度预算", "会议纪要", "供应商", "交付",
        "launch", "review", "安全", "X1", "qa"]

    /// The world: records, their documents' texts, and the answer `AccessControl` gives.
    struct World {
        var items: [WorkItem] = []
        var announcements: [(Announcement, [Member.ID])] = []
        var meetings: [Meeting] = []
        var tickets: [Ticket] = []
        var orders: [PurchaseOrder] = []
        var incidents: [Incident] = []
        var documents: [(Document, String)] = []

        /// The targets whose `view` rule decides each searchable record, and the texts searched.
        func records(for subject: Subject) -> [(RecordReference, AccessTarget, RecordAction, [String], [String])] {
            var result: [(RecordReference, AccessTarget, RecordAction, [String], [String])] = []
            for item in items {
                result.append((.workItem(item.id), .workItem(item), .viewWorkItem, [item.title, item.description],
                    item.tags))
            }
            for (announcement, recipients) in announcements {
                result.append((.announcement(announcement.id),
                    .announcement(announcement, isRecipient: recipients.contains(subject.memberID)), .viewAnnouncement,
                    [announcement.title, announcement.body], []))
            }
            for meeting in meetings {
                result.append((.meeting(meeting.id), .meeting(meeting), .viewMeeting,
                    [meeting.title, meeting.minutes] + meeting.decisions.map(\.text), []))
            }
            for ticket in tickets {
                result.append((.ticket(ticket.id), .ticket(ticket), .viewTicket, [ticket.subject, ticket.description], []))
            }
            for order in orders {
                result.append((.purchaseOrder(order.id), .purchaseOrder(order), .viewOrder,
                    ["\(order.number) \(order.title)"] + order.lines.map(\.description), []))
            }
            for (document, text) in documents {
                guard let owner = owner(of: document) else { continue }
                result.append((.document(document.id), .document(document, in: owner), .viewDocument,
                    [document.name, document.tags.joined(separator: " "), text], []))
            }
            return result
        }

        func owner(of document: Document) -> AccessTarget? {
            switch document.owner {
            case .workItem(let id): items.first { $0.id == id }.map { .workItem($0) }
            case .ticket(let id): tickets.first { $0.id == id }.map { .ticket($0) }
            case .purchaseOrder(let id): orders.first { $0.id == id }.map { .purchaseOrder($0) }
            case .meeting(let id): meetings.first { $0.id == id }.map { .meeting($0) }
            case .incident(let id): incidents.first { $0.id == id }.map { .incident($0) }
            case .departmentFolder(let id): .department(id, in: document.organizationID)
            case .progressUpdate: nil
            }
        }
    }

    static let internalMembers: [Member.ID] = [
        Workplace.initiator, Workplace.assignee, Workplace.coAssignee, Workplace.spare, Workplace.reviewer,
        Workplace.mobileHead, Workplace.engHead, Workplace.salesHead, Workplace.peer, Workplace.admin,
        Workplace.auditor, Workplace.bystander,
    ]
    static let departments: [Department.ID] = ["eng", "eng-mobile", "sales"]

    /// Builds and commits a world from `seed`.
    static func world(_ w: Workplace, seed: UInt64) async throws -> World {
        var random = SeededRandomNumberGenerator(seed: seed)
        let store = w.harness.store
        try await store.save(Organization(id: "custco", name: "Cust Co", kind: .customer, timeZoneIdentifier: "UTC",
            externalCollaborationEnabled: true))
        try await w.harness.addMember("carl", in: "custco")
        try await store.save(Organization(id: "quietco", name: "Quiet Co", kind: .partner, timeZoneIdentifier: "UTC",
            externalCollaborationEnabled: false))
        try await w.harness.addMember("quinn", in: "quietco")
        func some<T>(_ pool: [T], max: Int) -> [T] {
            let count = Int.random(in: 0...max, using: &random)
            return (0..<count).map { _ in pool[Int.random(in: 0..<pool.count, using: &random)] }
        }
        func one<T>(_ pool: [T]) -> T { pool[Int.random(in: 0..<pool.count, using: &random)] }
        func text() -> String { some(words, max: 3).joined(separator: " ") + " note" }
        let now = w.now
        var world = World()
        var n = 0
        func next(_ prefix: String) -> String {
            n += 1
            return "\(prefix)-\(seed % 1000)-\(n)"
        }
        for _ in 0..<24 {
            let item = WorkItem(
                id: WorkItem.ID(next("wi")), organizationID: "acme", title: text(), description: text(),
                priority: .medium, initiatorID: one(internalMembers), assigneeIDs: Array(Set(some(internalMembers, max: 2))),
                reviewerID: Bool.random(using: &random) ? one(internalMembers) : nil,
                watcherIDs: Array(Set(some(internalMembers, max: 1))), departmentIDs: Array(Set(some(departments, max: 2))),
                partnerOrganizationIDs: Bool.random(using: &random) ? [one(["partnerco", "quietco"])] : [],
                start: now, deadline: .instant(now.addingTimeInterval(86_400)), dueAt: now.addingTimeInterval(86_400),
                attachments: [], tags: Array(Set(some(words, max: 2))), state: .assigned, createdAt: now, updatedAt: now)
            world.items.append(item)
            _ = try await store.commit(ChangeSet(item: .insert(item)))
        }
        for _ in 0..<10 {
            let announcement = Announcement(
                id: Announcement.ID(next("an")), organizationID: "acme", authorID: one(internalMembers),
                publisherDepartmentID: Bool.random(using: &random) ? one(departments) : nil, title: text(), body: text(),
                audience: AnnouncementAudience(memberIDs: [Workplace.peer]), urgency: .normal, acknowledgement: nil,
                isPinned: false, expiresAt: nil, publishedAt: now)
            let recipients = Array(Set(some(internalMembers, max: 3)))
            var change = ChangeSet()
            change.scenario.announcements = [announcement]
            change.scenario.receipts = recipients.map {
                AnnouncementReceipt(announcementID: announcement.id, memberID: $0, departmentID: nil,
                    noticeID: Notice.ID(next("no")))
            }
            _ = try await store.commit(change)
            world.announcements.append((announcement, recipients))
        }
        for _ in 0..<8 {
            let meeting = Meeting(
                id: Meeting.ID(next("me")), organizationID: "acme", title: text(), startsAt: now, endsAt: nil,
                location: nil, organizerID: one(internalMembers), attendeeIDs: Array(Set(some(internalMembers, max: 3))),
                minutes: text(), decisions: [], recordedAt: now)
            var change = ChangeSet()
            change.scenario.meetings = [meeting]
            _ = try await store.commit(change)
            world.meetings.append(meeting)
        }
        for _ in 0..<3 {
            let incident = Incident(
                id: Incident.ID(next("in")), organizationID: "acme", planID: "plan", planVersion: 1, title: text(),
                details: text(), severity: .major, triggeredBy: one(internalMembers), triggeredAt: now,
                triggerKey: next("key"), tasks: [], departmentIDs: Array(Set(some(departments, max: 1))),
                responderIDs: Array(Set(some(internalMembers, max: 2))), informedMemberIDs: [])
            var change = ChangeSet()
            change.scenario.incidents = [incident]
            _ = try await store.commit(change)
            world.incidents.append(incident)
        }
        for _ in 0..<8 {
            let handled = Array(Set([one(departments)] + some(departments, max: 1)))
            let ticket = Ticket(
                id: Ticket.ID(next("tk")), organizationID: "acme", customerID: one(["custco", "quietco"]),
                requesterID: "carl", subject: text(), description: text(), category: "general", priority: .medium,
                route: "general", routeDepartmentIDs: handled, departmentID: handled[0], handledBy: handled,
                createdAt: now)
            var change = ChangeSet()
            change.external.tickets = [ticket]
            _ = try await store.commit(change)
            world.tickets.append(ticket)
        }
        for _ in 0..<8 {
            let order = PurchaseOrder(
                id: PurchaseOrder.ID(next("po")), organizationID: "acme", supplierID: one(["partnerco", "quietco"]),
                number: next("PO"), title: text(),
                lines: [.init(number: 1, description: text(), quantity: 3, requiredDate: CalendarDate(now, in: .gmt))],
                buyerID: one(internalMembers), departmentID: Bool.random(using: &random) ? one(departments) : nil,
                createdAt: now, updatedAt: now)
            var change = ChangeSet()
            change.external.purchaseOrders = [order]
            _ = try await store.commit(change)
            world.orders.append(order)
        }
        for index in 0..<20 {
            let owner: DocumentOwner = switch index % 6 {
            case 0: .workItem(one(world.items).id)
            case 1: .ticket(one(world.tickets).id)
            case 2: .purchaseOrder(one(world.orders).id)
            case 3: .meeting(one(world.meetings).id)
            case 4: .incident(one(world.incidents).id)
            default: .departmentFolder(one(departments))
            }
            let id = Document.ID(next("doc"))
            let digest = try #require(ContentDigest(hex: String(repeating: "ab", count: 32)))
            let document = Document(
                id: id, organizationID: "acme", owner: owner, name: text() + ".pdf", tags: Array(Set(some(words, max: 2))),
                visibility: Bool.random(using: &random) ? .external : .internal,
                versions: [DocumentVersion(number: 1, fileName: "f.pdf", digest: digest, size: 10,
                    mediaType: "application/pdf", uploaderID: Workplace.admin, uploadedAt: now)],
                creatorID: Workplace.admin, createdAt: now, updatedAt: now)
            let extracted = text()
            var change = ChangeSet()
            change.documents.documents = [document]
            change.documents.texts = [DocumentText(documentID: id, versionNumber: 1, text: extracted)]
            _ = try await store.commit(change)
            if index % 7 == 6 {  // some are deleted afterwards: they must leave the index
                var deleted = document
                deleted.deletedAt = now
                deleted.deletedBy = Workplace.admin
                deleted.version = 2
                var delete = ChangeSet()
                delete.documents.documents = [deleted]
                _ = try await store.commit(delete)
                world.documents.append((deleted, extracted))
            } else {
                world.documents.append((document, extracted))
            }
        }
        return world
    }

    /// The readers: every member of every organization, and a deactivated one.
    static let readers: [Member.ID] = internalMembers + [Workplace.stranger, Workplace.partner, "carl", "quinn", "gone"]

    /// Every mismatch between the store's hits and the rules, for `keys` as the reader-key derivation.
    static func mismatches(
        _ w: Workplace, _ world: World, keys: (AccessControl, Subject) -> [String]
    ) async throws -> [String] {
        try await comparison(w, world, keys: keys).problems
    }

    /// The mismatches, and how many records each reader found over all queries.
    static func comparison(
        _ w: Workplace, _ world: World, store: (any SearchStore)? = nil, keys: (AccessControl, Subject) -> [String]
    ) async throws -> (problems: [String], found: [Member.ID: Int]) {
        let searched = store ?? w.harness.store
        let access = AccessControl()
        var problems: [String] = []
        var counts: [Member.ID: Int] = [:]
        let queries = ["budget", "会议", "预算", "季度预算", "会", "note", "安全 review", "供应商", "x1 note", "QA budget",
            "会议 X1"]
        for reader in readers {
            let subject = try #require(try await w.harness.store.subject(for: reader))
            let searchReader = SearchReader(keys: keys(access, subject), organizationID: subject.organizationID,
                isExternal: subject.isExternal)
            for text in queries {
                let terms = text.split(separator: " ").map(String.init)
                var expected = Set<RecordReference>()
                for (reference, target, action, texts, internalTexts) in world.records(for: subject)
                where access.isAllowed(subject, action, on: target) {
                    let searched = texts + (subject.isExternal ? [] : internalTexts)
                    if terms.allSatisfy({ term in searched.contains { $0.range(of: term, options: .caseInsensitive) != nil } }) {
                        expected.insert(reference)
                    }
                }
                var found = Set<RecordReference>()
                var page = PageRequest(limit: 100)
                while true {
                    let result = try await searched.search(SearchQuery(text), for: searchReader, page: page)
                    let records = result.items.map(\.record)
                    if !found.isDisjoint(with: records) { problems.append("\(reader) '\(text)': a record on two pages") }
                    found.formUnion(records)
                    guard let cursor = result.nextCursor else { break }
                    page = PageRequest(limit: 100, cursor: cursor)
                }
                counts[reader, default: 0] += found.count
                if found != expected {
                    problems.append("\(reader) '\(text)': extra \(found.subtracting(expected).map(\.description).sorted()), "
                        + "missing \(expected.subtracting(found).map(\.description).sorted())")
                }
            }
        }
        return (problems, counts)
    }

    static var seeds: [UInt64] {
        var seeds: [UInt64] = [20_261_204]
        if let extra = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap(UInt64.init) { seeds.append(extra) }
        return seeds
    }

    @Test("for every reader and query, the store finds exactly what the rules allow and the text matches")
    func storeAgreesWithTheRules() async throws {
        for seed in Self.seeds {
            let w = try await Workplace(storage: .underTest)
            try await w.harness.addMember("gone", in: "acme", departments: [DepartmentMembership("eng", role: .head)],
                administrator: true, active: false)
            let world = try await Self.world(w, seed: seed)
            let (problems, found) = try await Self.comparison(w, world) { access, subject in access.searchKeys(of: subject) }
            #expect(problems.isEmpty, "seed \(seed): \(problems.joined(separator: "\n"))")
            // The world is not trivial: insiders find much, outsiders something, strangers and the deactivated nothing.
            #expect(found[Workplace.admin, default: 0] > 40)
            #expect(found[Workplace.peer, default: 0] > 0)
            #expect(found[Workplace.partner, default: 0] > 0)
            #expect(found["carl", default: 0] > 0)
            #expect(found[Workplace.stranger, default: 0] == 0)
            #expect(found["quinn", default: 0] == 0)
            #expect(found["gone", default: 0] == 0)
            // The index rebuilt from the stored records gives the same answers.
            _ = try await w.harness.store.rebuildSearchIndex()
            let rebuilt = try await Self.mismatches(w, world) { access, subject in access.searchKeys(of: subject) }
            #expect(rebuilt.isEmpty, "seed \(seed) after a rebuild: \(rebuilt.joined(separator: "\n"))")
        }
    }

    @Test("on SQLite, a search that starts from the reader's records and one that starts from the text find the same")
    func bothStartsAgree() async throws {
        let w = try await Workplace(storage: .sqlite)
        try await w.harness.addMember("gone", in: "acme", departments: [DepartmentMembership("eng", role: .head)],
            administrator: true, active: false)
        let world = try await Self.world(w, seed: Self.seeds[0])
        let path = try #require(w.harness.databasePath)
        for start in [SQLiteStore.SearchStart.readerRecords, .text] {
            var configuration = SQLiteStore.Configuration()
            configuration.searchStart = start
            let store = try SQLiteStore(path: path, configuration: configuration)
            let (problems, found) = try await Self.comparison(w, world, store: store) { access, subject in
                access.searchKeys(of: subject)
            }
            #expect(problems.isEmpty, "starting from \(start): \(problems.joined(separator: "\n"))")
            #expect(found[Workplace.admin, default: 0] > 40)
            #expect(found[Workplace.partner, default: 0] > 0)
            // Both rank: the hits come best first.
            let reader = SearchReader(keys: AccessControl().searchKeys(of: try #require(try await store.subject(for: Workplace.admin))),
                organizationID: "acme", isExternal: false)
            let hits = try await store.search(SearchQuery("rollout"), for: reader, page: PageRequest(limit: 100)).items
            #expect(hits.count > 2)
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score }, "starting from \(start)")
        }
    }

    /// A PostgreSQL store's search with its start forced.
    struct ForcedPostgresStart: SearchStore {
        let store: PostgresStore
        let fromKeys: Bool
        func search(_ query: SearchQuery, for reader: SearchReader, page: PageRequest) async throws(CollabError)
            -> Page<SearchHit>
        {
            try await store.search(query, for: reader, page: page, fromKeys: fromKeys)
        }
        func rebuildSearchIndex() async throws(CollabError) -> Int { try await store.rebuildSearchIndex() }
    }

    @Test("on PostgreSQL, a search that starts from the reader's records and one that starts from the entries find the same",
        .enabled(if: ProcessInfo.processInfo.environment["COLLAB_POSTGRES_URL"]?.isEmpty == false,
            "needs COLLAB_POSTGRES_URL"))
    func bothPostgresStartsAgree() async throws {
        let w = try await Workplace(storage: EngineTestStore.postgres)
        try await w.harness.addMember("gone", in: "acme", departments: [DepartmentMembership("eng", role: .head)],
            administrator: true, active: false)
        let world = try await Self.world(w, seed: Self.seeds[0])
        let store = try #require(w.harness.store as? PostgresStore)
        for fromKeys in [true, false] {
            let (problems, found) = try await Self.comparison(w, world, store: ForcedPostgresStart(store: store, fromKeys: fromKeys)) {
                access, subject in access.searchKeys(of: subject)
            }
            #expect(problems.isEmpty, "from keys \(fromKeys): \(problems.joined(separator: "\n"))")
            #expect(found[Workplace.admin, default: 0] > 40)
            #expect(found[Workplace.partner, default: 0] > 0)
        }
    }

    @Test("the comparison catches a key derivation that forgets heads of departments, or outside organizations")
    func mutantsAreCaught() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.harness.addMember("gone", in: "acme", active: false)
        let world = try await Self.world(w, seed: Self.seeds[0])
        let withoutHeads = try await Self.mismatches(w, world) { access, subject in
            access.searchKeys(of: subject).filter { !$0.hasPrefix("head:") }
        }
        #expect(!withoutHeads.isEmpty)
        let withoutOutside = try await Self.mismatches(w, world) { access, subject in
            access.searchKeys(of: subject).filter { !$0.hasPrefix("outside:") }
        }
        #expect(!withoutOutside.isEmpty)
    }
}
