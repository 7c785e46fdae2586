import CollabModel
import CollabPermissions
import CollabStore
import Foundation
import Logging
import Metrics
import Tracing

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
        /// Who may do what: the work-item policy and the host's rules, with the rule sets of every other
        /// record. Hand the same value to the notification dispatcher (``WorkflowEngine/makeDispatcher(hooks:configuration:)``
        /// does) and the report generator (``WorkflowEngine/accessControl``).
        public var accessControl = AccessControl()
        /// The work-item policy of ``accessControl``.
        public var accessPolicy: AccessPolicy {
            get { accessControl.policy }
            set { accessControl.policy = newValue }
        }
        /// The host's own access rules of ``accessControl``, applied after the rule sets (they can only deny).
        public var accessExtensions: [any AccessRuleExtension] {
            get { accessControl.rules }
            set { accessControl.rules = newValue }
        }
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
        /// How long a timer claimed for firing stays claimed, on the store's clock, before another scheduler may
        /// rescue it (one minute by default). Firing a timer takes a few milliseconds; the lease only matters
        /// when a scheduler dies or stalls mid-batch, and then it is how long its timers wait.
        public var timerLease: Duration = .seconds(60)
        /// Documents: where their bytes go, what is accepted, quotas, the host's scanner, retention.
        public var documents = DocumentConfiguration()
        /// Approval flows: the host's approver groups, the reminder interval.
        public var approvals = ApprovalConfiguration()
        /// The host's own texts for notices, layered over `MessageCatalog.standard`: a key given here, in a
        /// language, replaces Collab's text; a language given here is one members may read in. Empty by default:
        /// Collab's English and Simplified Chinese texts.
        public var messages = MessageCatalog()
        /// Where the engine reports its metrics (``CollabTelemetry``): `nil`, the default, reports to the
        /// process's `MetricsSystem` as bootstrapped by the host (or nowhere if it never is).
        /// ``WorkflowEngine/makeDispatcher(hooks:configuration:)`` hands it to the dispatcher.
        public var metricsFactory: (any MetricsFactory)?
        /// Where the engine starts its spans (one per command, `collab.command <name>`): `nil`, the default,
        /// starts them on `InstrumentationSystem.tracer`. ``WorkflowEngine/makeDispatcher(hooks:configuration:)``
        /// hands it to the dispatcher.
        public var tracer: (any Tracer)?
        /// Deliberate isolation faults, for tests that prove the isolation tests can fail (internal).
        var externalIsolationFaults: ExternalIsolationFaults = []
        /// Runs between a command's plan and its commit, with the command's name and attempt (internal: the
        /// tests that change rights between the two, for every command).
        var beforeCommit: (@Sendable (_ command: String, _ attempt: Int) async -> Void)?

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
    /// Who this engine's timer claims are from (process, a random part): for diagnostics.
    let timerOwner: String
    /// The standard texts with the host's (``Configuration/messages``) layered over them.
    let messages: MessageCatalog
    var logger: Logger { configuration.logger }
    /// Where metrics and spans go.
    var telemetry: Telemetry { Telemetry(metricsFactory: configuration.metricsFactory, tracer: configuration.tracer) }

    /// Creates an engine over `store`.
    ///
    /// - Parameters:
    ///   - store: where the engine keeps everything: an `SQLiteStore`, a `PostgresStore` or a store of your
    ///     own.
    ///   - configuration: the engine's settings (``Configuration``): access control, limits, an organization's
    ///     default settings, documents, approvals, messages, metrics and tracing.
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
        self.authorizer = configuration.accessControl.authorizer
        self.directory = DirectoryCache(store: store)
        self.settingsCache = SettingsCache(store: store)
        self.messages = MessageCatalog.standard.merging(configuration.messages)
        self.timerOwner = "pid \(ProcessInfo.processInfo.processIdentifier) engine \(UUID().uuidString.prefix(8))"
    }

    /// The access control this engine decides with: give the same value to a `ReportGenerator`.
    public var accessControl: AccessControl { configuration.accessControl }

    // MARK: Desks

    /// Work items: tasks that flow between departments, their reviews, adjustments, comments and shares.
    public var workItems: WorkItemDesk { WorkItemDesk(engine: self) }

    /// "Now", at the millisecond precision the store keeps.
    func now() -> Date {
        Date(timeIntervalSince1970: (clock.now().timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    // MARK: Access

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
        // A NUL is in no stored text (every text a caller stores is refused with one), and PostgreSQL cannot
        // even compare one: a filter holding one is refused the same way on every store.
        for (field, value) in [("assigneeID", filter.assigneeID?.rawValue), ("departmentID", filter.departmentID?.rawValue),
                               ("tag", filter.tag)]
        where value?.unicodeScalars.contains("\u{0}") == true {
            throw CollabError(.invalidInput, "filter.\(field) contains the control character U+0")
        }
        let subject = try await subject(viewer)
        let scope = try configuration.accessControl.surface(
            .workItem(action), for: subject, usesInternalFields: filter.usesInternalFields)
        return (subject, scope)
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
