import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// One member's task report: the source's "个人任务报表" (completion rate, overdue rate).
///
/// Counts the items assigned to the member that were submitted (drafts and cancelled items are left out).
/// An item is *overdue* when it is open at or past its deadline, or was completed at or after it.
public struct PersonalReport: Hashable, Sendable, Codable {
    /// Whose report this is.
    public var memberID: Member.ID
    /// The creation-time window counted (`nil`: all time).
    public var period: DateInterval?
    /// When the report was computed.
    public var generatedAt: Date
    /// The underlying counts.
    public var counts: WorkItemCounts

    /// Completed ÷ counted, 0...1 (0 when nothing is counted).
    public var completionRate: Double { Self.ratio(counts.completed, counts.total) }

    /// (Open and overdue + completed late) ÷ counted, 0...1.
    public var overdueRate: Double { Self.ratio(counts.overdueOpen + counts.completedLate, counts.total) }

    /// Completed on time ÷ completed, 0...1.
    public var onTimeRate: Double { Self.ratio(counts.completedOnTime, counts.completed) }

    private static func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
}

/// Computes reports from a store, in the database.
public struct ReportGenerator: Sendable {
    let store: any CollabStorage
    let clock: any CollabClock
    let authorizer: Authorizer

    /// Creates a generator over `store`; "now" (for overdue) comes from `clock`. Reports count only what
    /// their reader may see under `accessPolicy` and the host's `accessExtensions` (use the engine's).
    public init(
        store: any CollabStorage, clock: any CollabClock = SystemClock(), accessPolicy: AccessPolicy = .standard,
        accessExtensions: [any AccessRuleExtension] = []
    ) {
        self.store = store
        self.clock = clock
        self.authorizer = Authorizer(policy: accessPolicy, extensions: accessExtensions)
    }

    /// Counts of the items `reader` may see that match `filter`: an administrator's cover the organization,
    /// a department head's their departments, an outside member's only what is shared with them.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader; `CollabError.Code.forbidden` when a
    ///   host rule forbids listing; `CollabError.Code.invalidInput` when an outside reader filters by an
    ///   internal field.
    public func summary(as reader: Member.ID, filter: WorkItemFilter = .all) async throws(CollabError)
        -> WorkItemCounts
    {
        guard let subject = try await store.subject(for: reader) else {
            throw CollabError.notFound("member", reader.rawValue)
        }
        let decision = authorizer.decide(subject, .list)
        guard decision.isAllowed else { throw CollabError(.forbidden, "member '\(reader)' may not read reports: \(decision)") }
        if subject.isExternal && filter.usesInternalFields {
            throw CollabError.invalid([ValidationProblem(field: "filter", kind: .malformed,
                message: "members of outside organizations may filter by state, priority and due date only")])
        }
        return try await store.workItemCounts(
            in: authorizer.visibilityScope(for: subject), matching: filter, now: clock.now())
    }

    /// The personal report of `member`, for items created in `period` (all time when `nil`).
    ///
    /// A member may read their own report; reports over other members and departments come with the
    /// permission-aware reports of a later release.
    ///
    /// - Throws: `CollabError.Code.notFound` when the member does not exist.
    public func personalReport(for member: Member.ID, period: DateInterval? = nil) async throws(CollabError)
        -> PersonalReport
    {
        guard try await store.member(member) != nil else { throw CollabError.notFound("member", member.rawValue) }
        let now = clock.now()
        let counts = try await store.assignmentCounts(for: member, createdIn: period, now: now)
        return PersonalReport(memberID: member, period: period, generatedAt: now, counts: counts)
    }
}
