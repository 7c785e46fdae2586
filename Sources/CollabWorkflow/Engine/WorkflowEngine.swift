import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Logging

/// The workflow engine: runs commands on work items and answers authorized reads.
///
/// Every command goes through one path: idempotency check, authorization (`CollabPermissions`),
/// state-machine check, validation, then one atomic commit of the new state, its audit event and the
/// notifications it causes.
///
/// ```swift
/// let store = try SQLiteStore(path: "collab.sqlite")
/// let engine = WorkflowEngine(store: store)
/// let item = try await engine.create(
///     WorkItemDraft(title: "Q4 campaign plan", assigneeIDs: ["li.wei"],
///                   deadline: .endOfDay(CalendarDate(year: 2026, month: 12, day: 15))),
///     by: "zhang.min")
/// try await engine.accept(item.id, by: "li.wei")
/// ```
public struct WorkflowEngine: Sendable {
    /// How an engine is set up.
    public struct Configuration: Sendable {
        /// Who may do what.
        public var accessPolicy: AccessPolicy = .standard
        /// The host's own access rules, applied after the policy (they can only deny).
        public var accessExtensions: [any AccessRuleExtension] = []
        /// Which attachments are accepted.
        public var attachmentPolicy: AttachmentPolicy = .default
        /// Size limits of validated input.
        public var limits: ValidationLimits = .default
        /// Where the engine logs.
        public var logger = Logger(label: "collab.workflow")
        /// The run-time settings of an organization that has none stored: ticket routing, service targets
        /// and timer defaults.
        ///
        /// These are initial defaults only. Administrators change an organization's settings while the system
        /// runs with ``SettingsDesk/save(_:for:by:expectedVersion:idempotencyKey:)`` (`engine.settings.save`):
        /// the saved settings are stored, versioned and audited, and every engine on the database follows
        /// them from its next command on, whatever its own defaults.
        public var defaultSettings = OrganizationSettings()
        /// Reminders, escalations and decision reminders of an organization with no stored settings.
        @available(*, deprecated, message: "an initial default only: set defaultSettings.timers, and change an organization's timers at run time with engine.settings.save")
        public var timers: TimerPolicy {
            get { defaultSettings.timers }
            set { defaultSettings.timers = newValue }
        }
        /// How customer tickets route between departments, for an organization with no stored settings.
        @available(*, deprecated, message: "an initial default only: set defaultSettings.ticketRouting, and change an organization's routing at run time with engine.settings.save")
        public var ticketRouting: TicketRouting {
            get { defaultSettings.ticketRouting }
            set { defaultSettings.ticketRouting = newValue }
        }
        /// The service targets of tickets, in working time, for an organization with no stored settings.
        @available(*, deprecated, message: "an initial default only: set defaultSettings.ticketServiceTargets, and change an organization's targets at run time with engine.settings.save")
        public var ticketServiceTargets: TicketServiceTargets {
            get { defaultSettings.ticketServiceTargets }
            set { defaultSettings.ticketServiceTargets = newValue }
        }
        /// Deliberate isolation faults, for tests that prove the isolation tests can fail (internal).
        var externalIsolationFaults: ExternalIsolationFaults = []

        /// Creates a configuration; every value has a default.
        public init() {}
    }

    /// The store the engine reads and commits to.
    public let store: any CollabStorage
    /// The clock every time stamp comes from.
    public let clock: any CollabClock
    let identifiers: any IdentifierGenerator
    let configuration: Configuration
    let authorizer: Authorizer
    let directory: DirectoryCache
    let settingsCache: SettingsCache
    var logger: Logger { configuration.logger }

    /// Creates an engine over `store`.
    ///
    /// - Parameters:
    ///   - clock: the source of "now" (the system clock by default; a manual clock in tests).
    ///   - identifiers: the source of new identifiers (random UUIDs by default).
    public init(
        store: any CollabStorage, clock: any CollabClock = SystemClock(),
        identifiers: any IdentifierGenerator = RandomIdentifierGenerator(), configuration: Configuration = Configuration()
    ) {
        self.store = store
        self.clock = clock
        self.identifiers = identifiers
        self.configuration = configuration
        self.authorizer = Authorizer(policy: configuration.accessPolicy, extensions: configuration.accessExtensions)
        self.directory = DirectoryCache(store: store)
        self.settingsCache = SettingsCache(store: store)
    }

    /// "Now", at the millisecond precision the store keeps.
    func now() -> Date {
        Date(timeIntervalSince1970: (clock.now().timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    // MARK: Reads

    /// The item as `viewer` may see it (outside members see only its external parts).
    ///
    /// - Throws: `CollabError.Code.notFound` when the item does not exist *or* the viewer may not see it
    ///   (the two are never told apart, so ids cannot be probed).
    public func workItem(_ id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> WorkItem {
        let subject = try await subject(viewer)
        return authorizer.redacted(try await visibleItem(id, to: subject), for: subject)
    }

    /// Everything that happened on an item that `viewer` may see: for members of the owning organization,
    /// comments, progress updates, review decisions and adjustment requests; for outside members, the
    /// external comments only.
    public func activity(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> WorkItemActivity {
        let subject = try await subject(viewer)
        let item = try await visibleItem(id, to: subject)
        let comments = try await store.comments(on: id).filter { authorizer.canSee($0, on: item, by: subject) }
        guard subject.organizationID == item.organizationID else {
            return WorkItemActivity(
                item: authorizer.redacted(item, for: subject), comments: comments, progressUpdates: [],
                reviewDecisions: [], adjustmentRequests: [])
        }
        return WorkItemActivity(
            item: item, comments: comments, progressUpdates: try await store.progressUpdates(on: id),
            reviewDecisions: try await store.reviewDecisions(on: id),
            adjustmentRequests: try await store.adjustmentRequests(on: id))
    }

    /// The attachments of an item that `viewer` may see (outside members: the external ones).
    public func attachments(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> [FileAttachment] {
        try await workItem(id, as: viewer).attachments
    }

    /// The item's audit trail, oldest first, if `viewer` may see the item. The trail is internal: outside
    /// members get an empty list.
    public func auditTrail(of id: WorkItem.ID, as viewer: Member.ID) async throws(CollabError) -> [AuditEvent] {
        let subject = try await subject(viewer)
        let item = try await visibleItem(id, to: subject)
        guard subject.organizationID == item.organizationID else { return [] }
        return try await store.auditTrail(of: id)
    }

    /// The items `viewer` may see that match `filter`, soonest deadline first, paged.
    ///
    /// - Throws: `CollabError.Code.forbidden` when a host rule forbids listing;
    ///   `CollabError.Code.invalidInput` when an outside member filters by an internal field.
    public func list(as viewer: Member.ID, filter: WorkItemFilter = .all, page: PageRequest = .first)
        async throws(CollabError) -> Page<WorkItem>
    {
        let (subject, scope) = try await surface(.list, viewer, filter: filter)
        var result = try await store.workItems(in: scope, matching: filter, page: page)
        result.items = result.items.map { authorizer.redacted($0, for: subject) }
        return result
    }

    /// How many items `viewer` may see that match `filter`.
    public func count(as viewer: Member.ID, filter: WorkItemFilter = .all) async throws(CollabError) -> Int {
        let (_, scope) = try await surface(.list, viewer, filter: filter)
        return try await store.countWorkItems(in: scope, matching: filter)
    }

    /// The items `viewer` may see whose title or description (and, for members of the owning organization,
    /// tags) contain `text`, soonest deadline first, paged.
    public func search(_ text: String, as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<WorkItem>
    {
        var report = ValidationReport()
        report.checkText(text, field: "text", maxLength: 200)
        try report.throwIfInvalid()
        let (subject, scope) = try await surface(.search, viewer, filter: .all)
        var result = try await store.searchWorkItems(text, in: scope, page: page)
        result.items = result.items.map { authorizer.redacted($0, for: subject) }
        return result
    }

    /// Whether `member` may perform `action` on the item, and why: for support screens and audits.
    ///
    /// Only a member who may view the item gets an explanation (also for actions they may not perform);
    /// to anyone else — another organization's member, an unrelated or deactivated member — the item does
    /// not exist, with exactly the error of an unknown id, so `explain` cannot be used to probe ids.
    ///
    /// - Throws: `CollabError.Code.notFound` when the member or the item does not exist, or the member may
    ///   not view the item.
    public func explain(_ action: WorkItemAction, on id: WorkItem.ID, for member: Member.ID)
        async throws(CollabError) -> AccessDecision
    {
        let subject = try await subject(member)
        return authorizer.decide(subject, action, on: try await visibleItem(id, to: subject))
    }

    /// The visibility scope of `member`: what the store filters their lists, searches and reports by.
    public func visibilityScope(of member: Member.ID) async throws(CollabError) -> VisibilityScope {
        authorizer.visibilityScope(for: try await subject(member))
    }

    // MARK: Helpers shared by commands and reads

    /// The member's subject, as of the directory's current revision.
    func subject(_ id: Member.ID) async throws(CollabError) -> Subject {
        try await directory.refresh()
        return try await cachedSubject(id)
    }

    /// The member's subject from the directory cache, without checking the revision first: only after
    /// ``DirectoryCache/refresh()`` in the same call.
    func cachedSubject(_ id: Member.ID) async throws(CollabError) -> Subject {
        guard let subject = try await directory.subject(for: id) else { throw CollabError.notFound("member", id.rawValue) }
        return subject
    }

    /// The subject of an active member; a deactivated member is `CollabError.Code.forbidden`.
    func activeSubject(_ id: Member.ID) async throws(CollabError) -> Subject {
        let subject = try await subject(id)
        guard subject.isActive else { throw CollabError(.forbidden, "member '\(id)' is deactivated") }
        return subject
    }

    /// Checks a surface action and returns the viewer's subject and scope.
    func surface(_ action: WorkItemAction, _ viewer: Member.ID, filter: WorkItemFilter)
        async throws(CollabError) -> (Subject, VisibilityScope)
    {
        let subject = try await subject(viewer)
        let decision = authorizer.decide(subject, action)
        guard decision.isAllowed else {
            throw CollabError(.forbidden, "member '\(viewer)' may not \(action.rawValue): \(decision)")
        }
        if subject.isExternal && filter.usesInternalFields {
            throw CollabError.invalid([ValidationProblem(field: "filter", kind: .malformed,
                message: "members of outside organizations may filter by state, priority and due date only")])
        }
        return (subject, authorizer.visibilityScope(for: subject))
    }

    func visibleItem(_ id: WorkItem.ID, to subject: Subject) async throws(CollabError) -> WorkItem {
        guard let item = try await store.workItem(id), authorizer.isAllowed(subject, .view, on: item) else {
            throw CollabError.notFound("work item", id.rawValue)
        }
        return item
    }
}

/// An item with everything that happened on it.
public struct WorkItemActivity: Hashable, Sendable {
    /// The item.
    public var item: WorkItem
    /// Comments, oldest first.
    public var comments: [ItemComment]
    /// Progress updates, oldest first.
    public var progressUpdates: [ProgressUpdate]
    /// Review decisions, oldest first.
    public var reviewDecisions: [ReviewDecision]
    /// Adjustment requests, oldest first.
    public var adjustmentRequests: [AdjustmentRequest]
}
