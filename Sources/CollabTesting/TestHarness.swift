import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

/// A complete Collab for a test: a store (by default an SQLite file in a fresh temporary folder), a
/// ``ManualClock``, sequential identifiers, an engine, and builders for the directory and work items.
///
/// The folder is deleted, and a store opened by a ``HarnessStorage`` closed, when the harness is released.
///
/// ```swift
/// let harness = try TestHarness()
/// let org = try await harness.addOrganization("acme")
/// let boss = try await harness.addMember("boss", in: org.id)
/// let worker = try await harness.addMember("worker", in: org.id)
/// let item = try await harness.engine.create(harness.draft(assignees: [worker.id]), by: boss.id)
/// ```
///
/// To run the same test on another store (PostgreSQL, or a host's own), build the harness with a
/// ``HarnessStorage``: `try await TestHarness(storage: myStorage)`.
public final class TestHarness: Sendable {
    /// The temporary folder of the harness (it holds the database when the store is SQLite).
    public let folder: URL
    /// The SQLite database file, or `nil` when the harness runs on another store.
    public let databasePath: String?
    /// The store the engine runs on.
    public let store: any CollabStorage
    /// The SQLite store, or `nil` when the harness runs on another store.
    public let sqliteStore: SQLiteStore?
    /// The clock; advance it to move time.
    public let clock: ManualClock
    /// The identifier generator (`id-1`, `id-2`, ...).
    public let identifiers: SequentialIdentifierGenerator
    /// An engine on the store, the clock and the identifiers.
    public let engine: WorkflowEngine
    /// Where the engine keeps documents' bytes: the configuration's store, or — when it names none — a
    /// `FileSystemDocumentStore` in ``folder`` (`documents/`) on the harness's clock.
    public let documentStore: any DocumentStore
    /// Reads a snapshot of every table, when the storage can.
    private let snapshot: (@Sendable () async throws(CollabError) -> TableSnapshot)?
    /// Opens another instance of the store, when the storage can.
    private let openPeer: (@Sendable () async throws -> any CollabStorage)?
    /// Closes the store, when the storage opened one that needs closing.
    private let close: (@Sendable () async -> Void)?

    /// Creates a harness with a new SQLite database.
    ///
    /// - Parameter engineConfiguration: the engine's configuration (`WorkflowEngine.Configuration` defaults
    ///   when omitted).
    /// - Parameter now: the manual clock's first instant (2026-01-01T00:00:00Z by default).
    /// - Parameter durability: `synchronous=NORMAL` by default, unlike `SQLiteStore`'s default of
    ///   `FULL`: a test harness commits thousands of times and NORMAL commits about twice as fast. NORMAL
    ///   loses nothing when a process crashes (WAL mode); only the last commits before a power loss or an
    ///   operating-system crash may roll back, which a test never meets. Tests of durability itself (the
    ///   crash test) run at the store's default; pass `.full` to do the same.
    public init(
        durability: SQLiteStore.Configuration.Durability = .normal,
        engineConfiguration: WorkflowEngine.Configuration = WorkflowEngine.Configuration(),
        now: Date = Date(timeIntervalSince1970: 1_767_225_600)
    ) throws {
        folder = try Self.makeFolder()
        clock = ManualClock(now: now)
        let opened = try HarnessStorage.openSQLite(in: folder, clock: clock, durability: durability)
        databasePath = opened.path
        sqliteStore = opened.store
        store = opened.store
        snapshot = nil
        openPeer = nil
        close = nil
        identifiers = SequentialIdentifierGenerator()
        (engine, documentStore) = try Self.makeEngine(
            store: store, clock: clock, identifiers: identifiers, configuration: engineConfiguration, folder: folder)
    }

    /// Creates a harness on the store `storage` opens: the same engine, clock, identifiers and builders as
    /// on SQLite.
    ///
    /// - Throws: what `storage` throws when it cannot open its store.
    public init(
        storage: HarnessStorage,
        engineConfiguration: WorkflowEngine.Configuration = WorkflowEngine.Configuration(),
        now: Date = Date(timeIntervalSince1970: 1_767_225_600)
    ) async throws {
        let folder = try Self.makeFolder()
        let clock = ManualClock(now: now)
        let opening: HarnessStorage.Opening
        do {
            opening = try await storage.open(clock, folder)
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        self.folder = folder
        self.clock = clock
        store = opening.store
        sqliteStore = opening.store as? SQLiteStore
        databasePath = opening.databasePath
        snapshot = opening.snapshot
        openPeer = opening.openPeer
        close = opening.close
        identifiers = SequentialIdentifierGenerator()
        (engine, documentStore) = try Self.makeEngine(
            store: store, clock: clock, identifiers: identifiers, configuration: engineConfiguration, folder: folder)
    }

    /// The engine, with a document store in `folder` unless the configuration names one.
    private static func makeEngine(
        store: any CollabStorage, clock: ManualClock, identifiers: SequentialIdentifierGenerator,
        configuration: WorkflowEngine.Configuration, folder: URL
    ) throws(CollabError) -> (WorkflowEngine, any DocumentStore) {
        var configuration = configuration
        let documents: any DocumentStore
        if let configured = configuration.documents.store {
            documents = configured
        } else {
            documents = try FileSystemDocumentStore(directory: folder.appending(path: "documents"), clock: clock)
            configuration.documents.store = documents
        }
        return (WorkflowEngine(store: store, clock: clock, identifiers: identifiers, configuration: configuration), documents)
    }

    private static func makeFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    deinit {
        try? FileManager.default.removeItem(at: folder)
        if let close {
            Task { await close() }
        }
    }

    /// A ``TableSnapshot`` of every table of the harness's store: read from the SQLite file directly, or
    /// through the snapshot its ``HarnessStorage`` supplies.
    ///
    /// The store's search index is brought up to date first (`SearchStore.updateSearchIndex()`): it is
    /// derived from the other rows, and a store that keeps it in batches would otherwise show the batch's
    /// work in the first snapshot after a search, which brings it up to date as well.
    ///
    /// - Throws: `CollabError.Code.storageUnavailable` when the store cannot be read, or when the harness's
    ///   storage supplies no snapshot.
    public func tableSnapshot() async throws(CollabError) -> TableSnapshot {
        try await store.updateSearchIndex()
        if let snapshot { return try await snapshot() }
        guard let databasePath else {
            throw CollabError(.storageUnavailable, "the harness's storage does not supply table snapshots")
        }
        return try await TableSnapshot(databasePath: databasePath)
    }

    /// Moves the clock forward by `duration`, firing every timer that falls due on the way at its own
    /// time, earliest first; returns what fired, in order.
    @discardableResult
    public func advance(by duration: Duration) async throws -> [FiredTimer] {
        try await advance(to: clock.now().addingTimeInterval(duration.timeInterval))
    }

    /// Moves the clock to `date`, firing every timer that falls due on the way at its own time, earliest
    /// first; returns what fired, in order.
    @discardableResult
    public func advance(to date: Date) async throws -> [FiredTimer] {
        var fired: [FiredTimer] = []
        while let next = try await nextDue(), next <= date {
            if next > clock.now() { clock.advance(to: next) }
            fired += try await engine.timers.fireDue()
        }
        clock.advance(to: date)
        fired += try await engine.timers.fireDue()
        return fired
    }

    /// The earliest pending timer of any record.
    private func nextDue() async throws -> Date? {
        try await store.nextTimerDue()
    }

    /// The notifications of `member` of a kind, oldest first: for an active member, those their inbox shows;
    /// for a deactivated member (whose inbox shows nothing), every notification stored for them, so a test
    /// can check what they were sent.
    public func notices(of member: Member.ID, kind: Notice.Kind? = nil) async throws -> [Notice] {
        if let subject = try await store.subject(for: member), !subject.isActive {
            return try await store.storedNotices(of: member).filter { kind == nil || $0.kind == kind }
        }
        var all: [Notice] = []
        var cursor: String?
        repeat {
            let page = try await store.inbox(
                for: member, visibleIn: engine.visibilityScope(of: member), unreadOnly: false,
                page: PageRequest(limit: 500, cursor: cursor))
            all += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return all.reversed().filter { kind == nil || $0.kind == kind }
    }

    /// The audit actions of an item, oldest first.
    public func auditActions(of item: WorkItem.ID) async throws -> [String] {
        try await store.auditTrail(of: item).map(\.action)
    }

    /// Opens a second store on the same database file (as another process would).
    ///
    /// - Throws: `CollabError.Code.storageUnavailable` when the harness does not run on SQLite.
    public func reopenStore() throws -> SQLiteStore {
        guard let databasePath else {
            throw CollabError(.storageUnavailable, "the harness does not run on SQLite: there is no file to reopen")
        }
        var configuration = SQLiteStore.Configuration()
        configuration.clock = clock
        return try SQLiteStore(path: databasePath, configuration: configuration)
    }

    /// Opens a second store on the same database (as another process or machine would): another
    /// `SQLiteStore` on the file, or what the harness's ``HarnessStorage`` opens as a peer.
    ///
    /// - Throws: `CollabError.Code.storageUnavailable` when the harness's storage cannot open a peer.
    public func openPeerStore() async throws -> any CollabStorage {
        if let openPeer { return try await openPeer() }
        return try reopenStore()
    }

    /// Adds an organization.
    ///
    /// A partner organization given `partnerOf` is then invited by that company, through the engine's
    /// `CollabWorkflow.WorkflowEngine.invitePartner(_:by:)` by the company's first active administrator
    /// (in order of member id): the partnership is recorded and audited as a host's invitation is, and
    /// only then may the company share work items with the partner. Its `role` defaults to `.distributor`
    /// (a partner that receives no purchase orders; pass `.supplier` for one that does). When
    /// `externalCollaboration` is `false`, the same administrator then switches it off
    /// (`CollabWorkflow.WorkflowEngine.setExternalCollaboration(_:enabled:by:)`), audited too.
    ///
    /// - Throws: `CollabError.Code.invalidInput` when `partnerOf` is given and the company has no active
    ///   administrator yet (add one first), or the organization is not a partner: a customer is registered
    ///   from a signed contract (`CollabWorkflow.WorkflowEngine.recordSignedContract(_:by:)`), which chooses
    ///   its id.
    @discardableResult
    public func addOrganization(
        _ id: Organization.ID, name: String? = nil, kind: Organization.Kind = .internal, timeZone: String = "UTC",
        externalCollaboration: Bool = false, partnerOf company: Organization.ID? = nil, role: Partnership.Role? = nil,
        locale: CollabLocale = .english
    ) async throws -> Organization {
        let organization = Organization(
            id: id, name: name ?? id.rawValue, kind: kind, timeZoneIdentifier: timeZone,
            externalCollaborationEnabled: externalCollaboration, locale: locale)
        var administrator: Member.ID?
        if let company {
            guard kind == .partner else {
                throw CollabError(.invalidInput, """
                    organization '\(id)' is a \(kind.rawValue) organization: only a partner is invited with \
                    partnerOf; register a customer of '\(company)' with engine.recordSignedContract
                    """)
            }
            administrator = try await store.members(in: company).filter { $0.isActive && $0.roles.contains(.administrator) }
                .map(\.id).min { $0.rawValue < $1.rawValue }
            guard administrator != nil else {
                throw CollabError(.invalidInput,
                    "organization '\(company)' has no active administrator to invite '\(id)'; add one first")
            }
        }
        guard let administrator else {
            try await store.save(organization)
            return organization
        }
        // The invitation creates the organization, with external collaboration enabled.
        try await engine.partners.invite(
            PartnerInvitation(partnerID: id, name: organization.name, role: role ?? .distributor,
                timeZoneIdentifier: timeZone, contacts: []),
            by: administrator)
        if !externalCollaboration {
            try await engine.settings.setExternalCollaboration(id, enabled: false, by: administrator)
        }
        return organization
    }

    /// Adds a department.
    @discardableResult
    public func addDepartment(
        _ id: Department.ID, in organization: Organization.ID, parent: Department.ID? = nil, name: String? = nil
    ) async throws -> Department {
        let department = Department(id: id, organizationID: organization, name: name ?? id.rawValue, parentID: parent)
        try await store.save(department)
        return department
    }

    /// Adds a member; the handle defaults to the id.
    @discardableResult
    public func addMember(
        _ id: Member.ID, in organization: Organization.ID, departments: [DepartmentMembership] = [],
        administrator: Bool = false, name: String? = nil, handle: String? = nil, active: Bool = true,
        locale: CollabLocale? = nil
    ) async throws -> Member {
        let member = Member(
            id: id, organizationID: organization, displayName: name ?? id.rawValue, handle: handle ?? id.rawValue,
            roles: administrator ? [.administrator] : [], departments: departments, isActive: active, locale: locale)
        try await store.save(member)
        return member
    }

    /// A valid draft due at the end of the day a week from the clock's now (in UTC), with defaults for
    /// every field a test does not care about.
    public func draft(
        title: String = "Prepare the Q4 plan", assignees: [Member.ID], reviewer: Member.ID? = nil,
        departments: [Department.ID] = [], deadline: Deadline? = nil, priority: Priority = .medium
    ) -> WorkItemDraft {
        let inAWeek = CalendarDate(clock.now().addingTimeInterval(7 * 86_400), in: .gmt)
        return WorkItemDraft(
            title: title, description: "Details of \(title)", priority: priority, assigneeIDs: assignees,
            reviewerID: reviewer, departmentIDs: departments, deadline: deadline ?? .endOfDay(inAWeek))
    }

    /// A valid PDF attachment's metadata, naming no stored document: for tests of the model alone.
    ///
    /// The engine refuses it (`invalidInput`, `attachments[i].documentID` `missing`): an attachment passed
    /// to a command names an uploaded document — use ``attach(_:to:by:visibility:)``.
    public func attachment(_ name: String = "plan.pdf", mediaType: String = "application/pdf") -> FileAttachment {
        FileAttachment(
            fileName: name, mediaType: mediaType, size: 1024, sha256: String(repeating: "ab", count: 32),
            storageKey: "files/\(name)")
    }

    /// Uploads a small file named `name` to `owner` as `member` through the engine's document desk, and
    /// returns the attachment naming the stored document, with the metadata the engine gives it when a
    /// command plans (so a test may compare it with what the command stored).
    ///
    /// The bytes agree with the extension, as the upload's inspection requires: see ``sampleBytes(named:)``.
    ///
    /// ```swift
    /// let photo = try await harness.attach("spindle.jpg", to: .incident(incident.id), by: technician)
    /// try await harness.engine.incidents.postUpdate(to: incident.id, text: "...", attachments: [photo], by: technician)
    /// ```
    ///
    /// - Parameter name: the file's name; its extension decides the sample bytes.
    /// - Parameter owner: the record the document belongs to.
    /// - Parameter member: the uploader.
    /// - Parameter visibility: the document's visibility, and the attachment's (an internal document is always
    ///   attached as internal).
    /// - Throws: what `CollabWorkflow.DocumentDesk.upload(_:named:to:tags:visibility:by:idempotencyKey:)`
    ///   throws: `notFound` when `member` does not see `owner`, `forbidden` when they may not add to it,
    ///   `invalidInput` when the upload is refused.
    public func attach(
        _ name: String = "plan.pdf", to owner: DocumentOwner, by member: Member.ID, visibility: Visibility = .internal
    ) async throws(CollabError) -> FileAttachment {
        let document = try await upload(Self.sampleBytes(named: name), named: name, to: owner, by: member,
            visibility: visibility)
        guard let version = document.current else {
            throw CollabError(.invalidInput, "the upload of '\(name)' has no version cleared by the scanner")
        }
        return FileAttachment(
            fileName: version.fileName, mediaType: version.mediaType, size: version.size, sha256: version.digest.hex,
            storageKey: "document:\(document.id.rawValue)@\(version.number)", visibility: document.visibility,
            documentID: document.id, documentVersion: version.number)
    }

    /// Uploads `bytes` as a file named `name` to `owner` as `member`, in small chunks, through the engine's
    /// document desk.
    ///
    /// - Throws: what `CollabWorkflow.DocumentDesk.upload(_:named:to:tags:visibility:by:idempotencyKey:)`
    ///   throws.
    @discardableResult
    public func upload(
        _ bytes: [UInt8], named name: String, to owner: DocumentOwner, by member: Member.ID,
        visibility: Visibility = .internal, tags: [String] = []
    ) async throws(CollabError) -> Document {
        let chunks = AsyncThrowingStream<[UInt8], any Error> { continuation in
            var start = 0
            while start < bytes.count {
                continuation.yield(Array(bytes[start..<min(start + 4096, bytes.count)]))
                start += 4096
            }
            continuation.finish()
        }
        return try await engine.documents.upload(chunks, named: name, to: owner, tags: tags, visibility: visibility,
            by: member)
    }

    /// The bytes of a small, valid file of the type `name`'s extension names, as type detection reads them:
    /// `.pdf` a one-page PDF, `.png` a PNG signature and header chunk, `.jpg`/`.jpeg` a JPEG (JFIF) start,
    /// `.txt`/`.csv` (and anything else) a line of text naming the file.
    public static func sampleBytes(named name: String) -> [UInt8] {
        switch name.split(separator: ".").last.map({ $0.lowercased() }) {
        case "pdf":
            return Array("""
                %PDF-1.4
                1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
                2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
                3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
                trailer << /Root 1 0 R >>
                %%EOF

                """.utf8)
        case "png":
            // The signature, then an IHDR chunk: 1×1, 8-bit RGB, with its CRC; then IEND.
            return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
                    0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
                    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00,
                    0x90, 0x77, 0x53, 0xDE,
                    0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        case "jpg", "jpeg":
            // SOI, a JFIF APP0 segment, then EOI.
            return [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00,
                    0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9]
        case "csv":
            return Array("name,quantity\n\(name),1\n".utf8)
        default:
            return Array("The contents of \(name).\n".utf8)
        }
    }
}
