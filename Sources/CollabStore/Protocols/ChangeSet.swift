import CollabModel
import Foundation

/// A command's whole effect, committed by ``ChangeStore/commit(_:)`` in one transaction.
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
    /// Documents, their search text and purges written with the change, and the quota it must respect.
    public var documents = DocumentChanges()
    /// Approval flows and requests written with the change.
    public var approvals = ApprovalChanges()
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

/// The outcome of ``ChangeStore/commit(_:)``.
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
