import CollabModel
import Foundation

/// The durable timers of every record: what the timer desk (`CollabRunner`'s rounds, a test's
/// `advance(by:)`) claims, fires and acknowledges.
///
/// A timer belongs to one record (a work item, an announcement, an incident, a ticket: ``ScheduledTimer/record``)
/// and is written with the change that plans it (``ChangeSet/timerPlans``, ``ScenarioChanges/timers``). A
/// scheduler fires due timers in three steps:
///
/// 1. ``claimDueTimers(now:limit:lease:owner:)`` leases due timers to it, so racing schedulers (in this process
///    or another instance on the database) never work on the same timer at once;
/// 2. it plans each timer's effect (notices, audit events);
/// 3. it commits the effect with ``ChangeSet/firedTimer`` set to the claim: the commit marks the timer fired
///    only if the claim still holds, so a scheduler that stalled past its lease cannot fire a timer another one
///    rescued meanwhile, and a timer fires exactly once.
///
/// Leases are decided by the store's clock — the database server's for a shared database, the
/// `SQLiteStore.Configuration/clock` for SQLite — never by the claimer's, so instances whose clocks disagree
/// cannot steal each other's claims. Whether a timer is *due* is decided by the caller's `now`: it is the
/// business time the timer was planned in (a virtual clock in tests and simulations).
public protocol TimerStore: Sendable {
    /// Claims up to `limit` pending timers due at or before `now` that no live claim holds, earliest first
    /// (by ``ScheduledTimer/fireAt``, then by id), for `owner`, until `lease` has passed on the store's clock.
    ///
    /// One transaction; a timer whose lease ran out is claimed again (it is *rescued*) and its earlier claim
    /// can no longer acknowledge it. Every claim carries a fresh ``TimerClaim/token``: two claims of one timer,
    /// even by the same owner, are told apart. Claims by racing callers, on one store instance or several on
    /// one database, never return the same timer while a lease runs.
    ///
    /// - Parameters:
    ///   - now: the business time; timers with `fireAt <= now` are due.
    ///   - limit: at most this many claims (at least 1).
    ///   - lease: how long the claims hold, on the store's clock (at least 1 ms).
    ///   - owner: who claims (for diagnostics; the token, not the owner, identifies a claim).
    func claimDueTimers(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError)
        -> [TimerClaim]

    /// Gives claims back before their lease runs out (a scheduler that stops), so another scheduler may claim
    /// those timers at once. A claim that no longer holds (fired, rescued, cancelled) is left alone. One
    /// transaction.
    func releaseTimerClaims(_ claims: [TimerClaim]) async throws(CollabError)

    /// The earliest ``ScheduledTimer/fireAt`` of the pending timers no live claim holds, if any: when a
    /// scheduler should look again. A timer under another scheduler's claim does not count (it would be due
    /// at once and keep a poller spinning); it counts again when its lease runs out.
    func nextTimerDue() async throws(CollabError) -> Date?

    /// The pending timers of `record` (claimed or not), earliest first (then by id).
    func pendingTimers(of record: RecordReference) async throws(CollabError) -> [ScheduledTimer]
}

extension TimerStore {
    /// The pending timers of a work item, earliest first (then by id).
    public func pendingTimers(of itemID: WorkItem.ID) async throws(CollabError) -> [ScheduledTimer] {
        try await pendingTimers(of: .workItem(itemID))
    }
}

/// A durable timer: something that must happen to a record at an instant — a work item's reminder, overdue
/// notice or escalation, an announcement's acknowledgement reminder, an incident department's acknowledgement
/// deadline, a ticket's service target. It fires exactly once (see ``TimerStore``).
public struct ScheduledTimer: Hashable, Sendable, Codable {
    /// What the timer does.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Remind a work item's assignees that the deadline approaches.
        case reminder
        /// A work item's deadline passed: audit it and tell the assignees and the initiator.
        case overdue
        /// A work item is overdue beyond the escalation delay: tell the department heads.
        case escalation
        /// A review has waited for a decision: remind the reviewer.
        case reviewReminder = "review_reminder"
        /// An adjustment request has waited for a decision: remind the initiator.
        case adjustmentReminder = "adjustment_reminder"
        /// Remind the recipients of an announcement who have not acknowledged it.
        case acknowledgementReminder = "acknowledgement_reminder"
        /// An announcement's acknowledgement deadline passed: tell the department heads who is missing.
        case acknowledgementDeadline = "acknowledgement_deadline"
        /// An incident department's acknowledgement deadline passed: escalate its unaccepted tasks.
        case incidentAcknowledgement = "incident_acknowledgement"
        /// A ticket's first-response target falls due: tell the department if it is missed.
        case ticketFirstResponse = "ticket_first_response"
        /// A ticket's resolution target falls due: tell the department if it is missed.
        case ticketResolution = "ticket_resolution"
        /// An attempt of an approval step reached its timeout (``ScheduledTimer/detail``: `attempt|stepKey`):
        /// apply the step's timeout action.
        case approvalTimeout = "approval_timeout"
    }

    /// A stable identity: the same timer planned again keeps its id, so it never fires twice.
    public var id: String
    /// The record the timer belongs to.
    public var record: RecordReference
    /// The record's organization.
    public var organizationID: Organization.ID
    /// What it does.
    public var kind: Kind
    /// A detail of what it does (the department of an incident's deadline); empty for most timers.
    public var detail: String
    /// When it is due.
    public var fireAt: Date

    /// Creates a timer.
    public init(
        id: String, record: RecordReference, organizationID: Organization.ID, kind: Kind, detail: String = "",
        fireAt: Date
    ) {
        self.id = id
        self.record = record
        self.organizationID = organizationID
        self.kind = kind
        self.detail = detail
        self.fireAt = fireAt
    }

    /// The work item the timer belongs to, if it belongs to one.
    public var itemID: WorkItem.ID? { record.kind == .workItem ? WorkItem.ID(rawValue: record.id) : nil }
}

/// The former name of a timer of a record other than a work item: every timer is a ``ScheduledTimer`` now.
@available(*, deprecated, renamed: "ScheduledTimer")
public typealias RecordTimer = ScheduledTimer

/// The pending timers a record should have (``ChangeSet/timerPlans``).
public struct TimerPlan: Hashable, Sendable {
    /// The record.
    public var record: RecordReference
    /// Its organization.
    public var organizationID: Organization.ID
    /// The timers; an empty list cancels every pending timer of the record.
    public var timers: [ScheduledTimer]

    /// Creates a plan.
    public init(record: RecordReference, organizationID: Organization.ID, timers: [ScheduledTimer]) {
        self.record = record
        self.organizationID = organizationID
        self.timers = timers
    }

    /// Creates the plan of a work item.
    public init(itemID: WorkItem.ID, organizationID: Organization.ID, timers: [ScheduledTimer]) {
        self.init(record: .workItem(itemID), organizationID: organizationID, timers: timers)
    }
}

/// A timer leased to one scheduler by ``TimerStore/claimDueTimers(now:limit:lease:owner:)``.
public struct TimerClaim: Hashable, Sendable {
    /// The timer.
    public var timer: ScheduledTimer
    /// The claim's identity, fresh for every claim: the acknowledgement (``ChangeSet/firedTimer``) must carry it.
    public var token: String
    /// Who claimed it.
    public var owner: String
    /// When the lease runs out, on the store's clock (compare it with nothing but the store's clock).
    public var leaseExpiresAt: Date

    /// Creates a claim (stores create them; tests may too).
    public init(timer: ScheduledTimer, token: String, owner: String, leaseExpiresAt: Date) {
        self.timer = timer
        self.token = token
        self.owner = owner
        self.leaseExpiresAt = leaseExpiresAt
    }
}

/// A claimed timer's acknowledgement, committed with its effect (``ChangeSet/firedTimer``).
public struct TimerFiring: Hashable, Sendable {
    /// The claim under which the timer fires.
    public var claim: TimerClaim
    /// When it fired, on the scheduler's clock (business time).
    public var firedAt: Date

    /// Creates an acknowledgement.
    public init(claim: TimerClaim, firedAt: Date) {
        self.claim = claim
        self.firedAt = firedAt
    }

    /// The timer's id.
    public var timerID: String { claim.timer.id }

    /// The `conflict` a store throws when this acknowledgement is refused, saying why from the timer's stored
    /// `state` and claim `token` (`nil` state: no such timer). Both stores word it alike.
    package func refused(state: String?, token: String?) -> CollabError {
        let timer = "timer '\(timerID)'"
        guard let state else { return CollabError(.conflict, "\(timer) was cancelled") }
        if state != "pending" { return CollabError(.conflict, "\(timer) has already fired") }
        if token != claim.token {
            return CollabError(.conflict, "\(timer) is no longer claimed by claim '\(claim.token)': it was rescued or moved")
        }
        return CollabError(.conflict, "the claim of \(timer) ran out before it was acknowledged")
    }
}
