import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import Foundation
import Testing

// Deliberately broken stores: each forwards to an SQLiteStore with one fault, and the checks named for the fault
// must fail on it (and pass on the real store), so the suite is shown to catch what it claims to.

/// The store's clock leaps a fortnight at every reading, so every lease it granted has run out by the next claim:
/// claims ignore leases, and a notification leased to another owner is handed out again. (Leases are judged on
/// the store's clock, so a broken lease check is a broken clock as far as a forwarding store can make one.)
final class LeapingClock: CollabClock, @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date()

    func now() -> Date {
        lock.withLock {
            last = last.addingTimeInterval(14 * 86_400)
            return last
        }
    }

    func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

/// Commits drop their audit events.
final class AuditDropping: ForwardingStore, @unchecked Sendable {
    override func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        var change = change
        change.auditEvents = []
        return try await base.commit(change)
    }
}

/// Every page after the first skips its first row.
final class PageSkipping: ForwardingStore, @unchecked Sendable {
    override func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page: PageRequest)
        async throws(CollabError) -> Page<WorkItem>
    {
        var result = try await base.workItems(in: scope, matching: filter, page: page)
        if page.cursor != nil, !result.items.isEmpty { result.items.removeFirst() }
        return result
    }
}

/// A member's scope also sees department d2's items.
final class ScopeLeaking: ForwardingStore, @unchecked Sendable {
    override func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page: PageRequest)
        async throws(CollabError) -> Page<WorkItem>
    {
        var scope = scope
        if scope.wholeOrganization == nil && !scope.grants.isEmpty && !scope.isExternal {
            scope.grants.insert(.init(.department, "d2"))
        }
        return try await base.workItems(in: scope, matching: filter, page: page)
    }
}

/// Outcomes are recorded under whatever lease the notification holds now, not the caller's.
final class LeaseIgnoringOutcomes: ForwardingStore, @unchecked Sendable {
    override func recordDelivery(_ outcome: DeliveryOutcome, lease: OutboxLease) async throws(CollabError) -> Bool {
        let current = try await base.deliveryState(of: outcome.notificationID)?.lease ?? lease
        return try await base.recordDelivery(outcome, lease: current)
    }
}

/// Commits ignore the directory revision they were planned at.
final class RevisionIgnoring: ForwardingStore, @unchecked Sendable {
    override func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        var change = change
        change.directoryRevision = nil
        return try await base.commit(change)
    }
}

/// A fired timer can fire again (the guard is lost when the change also re-plans it).
final class TimerRefiring: ForwardingStore, @unchecked Sendable {
    override func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        var change = change
        change.firedTimer = nil
        return try await base.commit(change)
    }
}

/// Approval request lists ignore the awaiting condition of their filter.
final class ApprovalAwaitingIgnoring: ForwardingStore, @unchecked Sendable {
    override func approvalRequests(
        in organizationID: Organization.ID, matching filter: ApprovalRequestFilter, page: PageRequest
    ) async throws(CollabError) -> Page<ApprovalRequest> {
        var filter = filter
        filter.awaiting = nil
        return try await base.approvalRequests(in: organizationID, matching: filter, page: page)
    }
}

/// Every page of approval requests after the first skips its first row.
final class ApprovalPageSkipping: ForwardingStore, @unchecked Sendable {
    override func approvalRequests(
        in organizationID: Organization.ID, matching filter: ApprovalRequestFilter, page: PageRequest
    ) async throws(CollabError) -> Page<ApprovalRequest> {
        var result = try await base.approvalRequests(in: organizationID, matching: filter, page: page)
        if page.cursor != nil, !result.items.isEmpty { result.items.removeFirst() }
        return result
    }
}

/// A change's approval requests are committed one by one ahead of the rest of it, so a refused change leaves
/// them written.
final class ApprovalRequestsSplitting: ForwardingStore, @unchecked Sendable {
    override func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        var change = change
        for request in change.approvals.requests {
            var alone = ChangeSet()
            alone.approvals.requests = [request]
            _ = try await base.commit(alone)
        }
        change.approvals.requests = []
        return try await base.commit(change)
    }
}

struct Mutant: Sendable, CustomTestStringConvertible {
    let name: String
    /// The clock of the stores (the system clock when `nil`): a fresh one for each check.
    var clock: (@Sendable () -> any CollabClock)?
    let wrap: @Sendable (any CollabStorage) -> any CollabStorage
    /// Checks that must fail on it.
    let caughtBy: [String]

    init(name: String, clock: (@Sendable () -> any CollabClock)? = nil,
        wrap: @escaping @Sendable (any CollabStorage) -> any CollabStorage, caughtBy: [String])
    {
        self.name = name
        self.clock = clock
        self.wrap = wrap
        self.caughtBy = caughtBy
    }

    var testDescription: String { name }

    static let all: [Mutant] = [
        Mutant(name: "claims ignore leases", clock: { LeapingClock() }, wrap: { ForwardingStore($0) },
            caughtBy: ["outbox.claim-skips-leased", "outbox.renew-lease", "outbox.racing-claimers",
                "shared-database.outbox-lease-clock-skew"]),
        Mutant(name: "commit drops audit events", wrap: { AuditDropping($0) },
            caughtBy: ["commit.atomic-with-audit-outbox-timers", "workItems.audit-trail-commit-order",
                "scenarios.record-audit-trail"].map { $0.replacingOccurrences(of: "workItems", with: "work-items") }),
        Mutant(name: "a paged read skips a row", wrap: { PageSkipping($0) },
            caughtBy: ["paging.work-items-walk", "paging.filtered-walk", "paging.cursor-survives-inserts"]),
        Mutant(name: "a visibility scope leaks items", wrap: { ScopeLeaking($0) },
            caughtBy: ["visibility.list-matches-reference", "visibility.filters-match-reference"]),
        Mutant(name: "outcomes ignore the caller's lease", wrap: { LeaseIgnoringOutcomes($0) },
            caughtBy: ["outbox.late-ack-after-rescue-rejected", "outbox.record-wrong-owner-refused",
                "outbox.lease-runs-out-on-store-clock"]),
        Mutant(name: "commits ignore the directory revision", wrap: { RevisionIgnoring($0) },
            caughtBy: ["commit.stale-directory-refused", "shared-database.revisions-shared"]),
        Mutant(name: "approval lists ignore awaiting", wrap: { ApprovalAwaitingIgnoring($0) },
            caughtBy: ["approvals.filter-involving-awaiting", "approvals.filters-match-reference",
                "approvals.racing-request-updates"]),
        Mutant(name: "a page of approval requests skips a row", wrap: { ApprovalPageSkipping($0) },
            caughtBy: ["approvals.newest-first-paging", "approvals.filters-match-reference"]),
        Mutant(name: "approval requests commit apart from their change", wrap: { ApprovalRequestsSplitting($0) },
            caughtBy: ["approvals.flow-version-conflict", "approvals.request-versions"]),
        Mutant(name: "timers fire twice", wrap: { TimerRefiring($0) },
            caughtBy: ["commit.fired-timer-guard", "timers.racing-fire-once", "timers.plan-never-resurrects-fired"]),
    ]
}

@Suite struct ConformanceMutantTests {
    @Test(arguments: Mutant.all)
    func caught(_ mutant: Mutant) async throws {
        for name in mutant.caughtBy {
            let check = try #require(StoreConformance.checks.first { $0.name == name }, "no check \(name)")
            do {
                try await check.run(on: SQLiteStoreFactory(clock: mutant.clock?(), wrap: mutant.wrap))
                Issue.record("\(name) passed on the mutant '\(mutant.name)'")
            } catch let failure as StoreConformanceFailure {
                #expect(failure.check == name, "\(failure)")
            }
            // The same check passes on the real store behind a faithful forwarder.
            #expect(try await check.run(on: SQLiteStoreFactory(wrap: { ForwardingStore($0) })) == .passed)
        }
    }
}
