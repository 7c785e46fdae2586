import CollabModel
import CollabPermissions
import Foundation

/// Stores work items and their activity, and commits ``ChangeSet``s atomically.
public protocol WorkItemStore: Sendable {
    /// Commits a command's whole effect in one transaction: the item's new state (checked against its
    /// expected version), its activity, audit events, notifications (the outbox) and the idempotency
    /// record. All or nothing.
    ///
    /// - Returns: ``CommitOutcome/committed``, or ``CommitOutcome/replayed(_:)`` with the first result when
    ///   the change's idempotency key was already recorded (nothing is written then).
    /// - Throws: `CollabError.Code.conflict` when the item's version is not the expected one;
    ///   storage codes when the database fails (nothing is written).
    func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome

    /// The result recorded for an idempotency key, if any.
    func recordedResult(for key: IdempotencyKey) async throws(CollabError) -> RecordedResult?

    /// The item with `id`, if any.
    func workItem(_ id: WorkItem.ID) async throws(CollabError) -> WorkItem?

    /// The comments on an item, oldest first.
    func comments(on itemID: WorkItem.ID) async throws(CollabError) -> [ItemComment]

    /// The progress updates on an item, oldest first.
    func progressUpdates(on itemID: WorkItem.ID) async throws(CollabError) -> [ProgressUpdate]

    /// The review decisions on an item, oldest first.
    func reviewDecisions(on itemID: WorkItem.ID) async throws(CollabError) -> [ReviewDecision]

    /// The adjustment requests on an item, oldest first.
    func adjustmentRequests(on itemID: WorkItem.ID) async throws(CollabError) -> [AdjustmentRequest]

    /// The adjustment request with `id`, if any.
    func adjustmentRequest(_ id: AdjustmentRequest.ID) async throws(CollabError) -> AdjustmentRequest?

    /// The audit events of an item, in the order they were committed.
    func auditTrail(of itemID: WorkItem.ID) async throws(CollabError) -> [AuditEvent]

    /// The items where `memberID` must act now, soonest deadline first.
    func todo(for memberID: Member.ID, page: PageRequest) async throws(CollabError) -> Page<TodoEntry>




    /// The ids of the open items of an organization, for rescheduling their timers (paged by id).
    func openItemIDs(in organizationID: Organization.ID, after: WorkItem.ID?, limit: Int) async throws(CollabError)
        -> [WorkItem.ID]

    /// The items visible in `scope` that match `filter`, soonest deadline first (then by id), paged.
    ///
    /// The scope is applied in the query: a store never loads items it then throws away.
    func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page: PageRequest)
        async throws(CollabError) -> Page<WorkItem>

    /// How many items visible in `scope` match `filter`.
    func countWorkItems(in scope: VisibilityScope, matching filter: WorkItemFilter) async throws(CollabError) -> Int

    /// The items visible in `scope` whose title, description or (for internal scopes) tags contain `text`,
    /// soonest deadline first, paged. Matching is case-insensitive substring matching.
    func searchWorkItems(_ text: String, in scope: VisibilityScope, page: PageRequest) async throws(CollabError)
        -> Page<WorkItem>
}

/// A command's whole effect, committed by ``WorkItemStore/commit(_:)`` in one transaction.
public struct ChangeSet: Sendable {
    /// How the item changes.
    public enum ItemWrite: Sendable {
        /// A new item.
        case insert(WorkItem)
        /// A new state of an existing item, written only if the stored version is still
        /// `previous.version`.
        case update(WorkItem, previous: WorkItem)
    }

    /// Recorded with the change so a retry returns the first result.
    public var idempotency: IdempotencyRecord?
    /// The item's change, if any.
    public var item: ItemWrite?
    /// New comments.
    public var comments: [ItemComment] = []
    /// New progress updates.
    public var progressUpdates: [ProgressUpdate] = []
    /// New review decisions.
    public var reviewDecisions: [ReviewDecision] = []
    /// New or changed adjustment requests.
    public var adjustmentRequests: [AdjustmentRequest] = []
    /// The audit events the command causes.
    public var auditEvents: [AuditEvent] = []
    /// The notifications the command causes (put in the outbox).
    public var notifications: [Notice] = []
    /// Notifications their recipient has read (the inbox's read marks), written with the change.
    public var readMarks: ReadMarks?
    /// A changed organization (an administrator's settings), written whole.
    public var organization: Organization?
    /// An organization's external-collaboration switch, set alone: a concurrent change of the organization's
    /// other fields (a rename) is kept.
    public var externalCollaboration: (organizationID: Organization.ID, enabled: Bool)?
    /// More new items committed with the change (the next occurrence of a recurring item).
    public var additionalItems: [WorkItem] = []
    /// The pending timers each named record should have after the change: others of its pending timers are
    /// cancelled, new ones scheduled, moved ones rescheduled (a moved timer loses its claim); timers that
    /// already fired are never scheduled again.
    public var timerPlans: [TimerPlan] = []
    /// The claimed timer this change is the effect of. The change commits only if the timer is still pending,
    /// still claimed by this claim (``TimerClaim/token``), and the claim's lease has not run out on the store's
    /// clock; otherwise the commit throws `CollabError.Code.conflict` and writes nothing. The timer is marked
    /// fired with the change, so a timer fires exactly once.
    public var firedTimer: TimerFiring?
    /// Announcements, meetings, plans, incidents and their timers written with the change.
    public var scenario = ScenarioChanges()
    /// Partnerships, purchase orders, the customer archive and tickets written with the change.
    public var external = ExternalChanges()
    /// The directory revision (``DirectoryStore/directoryRevision()``) the change was planned under: when
    /// set, the change commits only if the directory has not changed since, and otherwise fails with
    /// `CollabError.Code.staleDirectory`, so a command is never authorized against an outdated directory.
    public var directoryRevision: Int64?
    /// An organization's new settings, written only if the stored version is still `settings.version - 1`
    /// (nothing stored, for version 1); otherwise the change fails with `CollabError.Code.conflict` and
    /// nothing is written. Moves the settings revision.
    public var settings: StoredSettings?
    /// The settings revision (``SettingsStore/settingsRevision()``) the change was planned under: when set,
    /// the change commits only if no organization's settings changed since, and otherwise fails with
    /// `CollabError.Code.staleSettings`, so a command never acts on routing or timer defaults that were
    /// replaced while it planned.
    public var settingsRevision: Int64?
    /// An item the change adds to without changing it (a comment's item): the change commits only if the item
    /// is still at this version, and otherwise fails with `CollabError.Code.conflict`, so a comment never
    /// lands after an unshare or a reassignment that took its author's right to comment.
    public var unchangedItem: (id: WorkItem.ID, version: Int)?

    /// Creates an empty change.
    public init(idempotency: IdempotencyRecord? = nil, item: ItemWrite? = nil) {
        self.idempotency = idempotency
        self.item = item
    }
}

/// The outcome of ``WorkItemStore/commit(_:)``.
public enum CommitOutcome: Sendable, Equatable {
    /// The change was written.
    case committed
    /// The idempotency key had been used already; this is the first result, and nothing was written.
    case replayed(RecordedResult)
}

/// A member's notifications marked read: each is marked only if it is theirs and still unread.
public struct ReadMarks: Sendable, Hashable {
    /// Whose notifications.
    public var memberID: Member.ID
    /// Which of them.
    public var noticeIDs: [Notice.ID]
    /// When they were read.
    public var readAt: Date

    /// Marks `noticeIDs` of `memberID` read at `readAt`.
    public init(memberID: Member.ID, noticeIDs: [Notice.ID], readAt: Date) {
        self.memberID = memberID
        self.noticeIDs = noticeIDs
        self.readAt = readAt
    }
}

/// An idempotency key, scoped to the member who sent it (one member's key never replays another's).
public struct IdempotencyKey: Hashable, Sendable, Codable {
    /// Who sent the command.
    public var actorID: Member.ID
    /// The caller's key.
    public var key: String

    /// Creates a key.
    public init(actorID: Member.ID, key: String) {
        self.actorID = actorID
        self.key = key
    }
}

/// What is recorded under an idempotency key.
public struct IdempotencyRecord: Sendable, Equatable {
    /// The key.
    public var key: IdempotencyKey
    /// The recorded result.
    public var result: RecordedResult

    /// Creates a record.
    public init(key: IdempotencyKey, result: RecordedResult) {
        self.key = key
        self.result = result
    }
}

/// A command's first result, kept under its idempotency key.
public struct RecordedResult: Sendable, Equatable {
    /// The command's name (`approve`).
    public var command: String
    /// A digest of the command's input, so a key reused for a different command is detected.
    public var fingerprint: String
    /// The encoded result.
    public var payload: Data

    /// Creates a recorded result.
    public init(command: String, fingerprint: String, payload: Data) {
        self.command = command
        self.fingerprint = fingerprint
        self.payload = payload
    }
}

/// One entry of a member's to-do list: an item and why the member must act on it.
public struct TodoEntry: Hashable, Sendable {
    /// Why the member must act.
    public enum Reason: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
        /// Submit your draft.
        case submitDraft = "submit_draft"
        /// Accept an item assigned to you.
        case accept
        /// Start an item you accepted.
        case start
        /// Work on the item and submit it for review.
        case work
        /// Review submitted work.
        case review
        /// Decide an adjustment request.
        case decideAdjustment = "decide_adjustment"

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
        }
    }

    /// The item.
    public var item: WorkItem
    /// Why the member must act (an item can need several actions of one member).
    public var reasons: [Reason]

    /// Creates an entry.
    public init(item: WorkItem, reasons: [Reason]) {
        self.item = item
        self.reasons = reasons
    }
}
