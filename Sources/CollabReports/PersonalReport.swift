import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// One member's task report: the source's "个人任务报表" (completion rate, overdue rate).
///
/// Counts the items assigned to the member that were submitted (drafts and cancelled items are left out).
/// An item is *overdue* when it is open at or past its deadline, or was completed at or after it. *On time*
/// has the meaning it has in `ReportMetrics`: completed before the deadline in force, counted in
/// `completedOnTime` when no approved adjustment had moved the deadline later and in
/// `completedOnTimeAfterExtension` when one had.
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

    /// Completed on time, with or without an extension, ÷ completed, 0...1 (as `ReportMetrics.onTimeRate`).
    public var onTimeRate: Double {
        Self.ratio(counts.completedOnTime + counts.completedOnTimeAfterExtension, counts.completed)
    }

    private static func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
}

/// Computes reports from a store, in the database.
public struct ReportGenerator: Sendable {
    let store: any CollabStorage
    let clock: any CollabClock
    /// What decides what a reader may read and export.
    public let accessControl: AccessControl
    var authorizer: Authorizer { accessControl.authorizer }

    /// The texts exports and charts are written with: `CollabModel.MessageCatalog.standard` with the
    /// host's catalog, if any, layered over it.
    public let messages: MessageCatalog

    /// Creates a generator over `store`; "now" (for overdue) comes from `clock`. Reports count only what
    /// their reader may see under `accessControl` (give it the engine's, `WorkflowEngine.accessControl`).
    ///
    /// Every text an export or a chart writes for a person — headers, sheet names, labels, chart titles —
    /// comes from `messages` layered over `CollabModel.MessageCatalog.standard` (`report.*`, `export.*`,
    /// `chart.*` and the common `state.*`, `priority.*` keys), in the reader's language: pass a catalog to
    /// override any of them or to add a language; pass none for the standard English and Chinese texts.
    public init(
        store: any CollabStorage, clock: any CollabClock = SystemClock(), accessControl: AccessControl = AccessControl(),
        messages: MessageCatalog? = nil
    ) {
        self.store = store
        self.clock = clock
        self.accessControl = accessControl
        self.messages = messages.map { MessageCatalog.standard.merging($0) } ?? .standard
    }

    /// Creates a generator deciding with `accessPolicy` and the host's `accessExtensions`.
    @available(*, deprecated, message: "pass accessControl: AccessControl(policy:rules:) (the engine's accessControl)")
    public init(
        store: any CollabStorage, clock: any CollabClock = SystemClock(), accessPolicy: AccessPolicy,
        accessExtensions: [any AccessRuleExtension] = []
    ) {
        self.init(store: store, clock: clock, accessControl: AccessControl(policy: accessPolicy, rules: accessExtensions))
    }

    /// Creates a generator deciding with the standard policy and the host's `accessExtensions`.
    @available(*, deprecated, message: "pass accessControl: AccessControl(rules:) (the engine's accessControl)")
    public init(
        store: any CollabStorage, clock: any CollabClock = SystemClock(), accessExtensions: [any AccessRuleExtension]
    ) {
        self.init(store: store, clock: clock, accessControl: AccessControl(rules: accessExtensions))
    }

    /// Counts of the items `reader` may see that match `filter`: an administrator's cover the organization,
    /// a department head's their departments, an outside member's only what is shared with them.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader; `CollabError.Code.forbidden` when the
    ///   reader may not read reports (`CollabPermissions.RecordAction.readReport`: deactivated, or a host
    ///   rule forbids it or listing); `CollabError.Code.invalidInput` when an outside reader filters by an
    ///   internal field.
    public func summary(as reader: Member.ID, filter: WorkItemFilter = .all) async throws(CollabError)
        -> WorkItemCounts
    {
        guard let subject = try await store.subject(for: reader) else {
            throw CollabError.notFound("member", reader.rawValue)
        }
        let scope = try accessControl.surface(.readReport, for: subject, usesInternalFields: filter.usesInternalFields)
        return try await store.workItemCounts(in: scope, matching: filter, now: clock.now())
    }

    /// The personal report of `member`, for items created in `period` (all time when `nil`), as `reader`
    /// may read it.
    ///
    /// The report counts every item assigned to the member, so it is read by those who answer for the
    /// member's work: the member themself, heads of a department the member belongs to (or of a department
    /// above it), and administrators and auditors of the member's organization. Anyone else — another
    /// member, a head of an unrelated department, a member of another organization or of an outside one —
    /// gets exactly the answer a member who does not exist gets, so a report never tells which ids exist.
    ///
    /// The rule is `CollabPermissions.RecordAction.readPersonalReport` of the access control, decided on
    /// the member after the reader's right to read reports.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown reader, and for a member who does not exist or
    ///   whom `reader` may not report on; `CollabError.Code.forbidden` when the reader may not read reports
    ///   (deactivated, or a host rule forbids it or listing), or a host rule refuses this personal report.
    public func personalReport(for member: Member.ID, period: DateInterval? = nil, as reader: Member.ID)
        async throws(CollabError) -> PersonalReport
    {
        guard let subject = try await store.subject(for: reader) else {
            throw CollabError.notFound("member", reader.rawValue)
        }
        _ = try accessControl.surface(.readReport, for: subject)
        guard let found = try await store.member(member) else { throw CollabError.notFound("member", member.rawValue) }
        let decision = accessControl.decide(subject, .readPersonalReport, on: .member(found))
        if decision.denial == .deniedByExtension {
            throw CollabError(.forbidden, "member '\(reader)' may not read the personal report of '\(member)': \(decision)")
        }
        guard decision.isAllowed else { throw CollabError.notFound("member", member.rawValue) }
        let now = clock.now()
        let counts = try await store.assignmentCounts(for: member, createdIn: period, now: now)
        return PersonalReport(memberID: member, period: period, generatedAt: now, counts: counts)
    }
}
