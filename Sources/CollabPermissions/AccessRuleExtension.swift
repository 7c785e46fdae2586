import CollabModel

/// A host's own rule, evaluated after Collab's rule sets: "contractors may not export", "nobody cancels
/// items of the audit department", "only the crisis team triggers plans".
///
/// Extensions can only *narrow* access: a ``ExtensionVerdict/deny(_:)`` overrides any grant, an
/// ``ExtensionVerdict/abstain`` leaves the decision to the rule sets. An extension is asked about every
/// ``RecordAction`` of every kind (``AccessRequest/recordAction``) that a rule set allowed — creating,
/// sharing, exporting, recording a contract, triggering a plan, forwarding a ticket — except visibility:
/// the `view` actions (``RecordAction/isVisibility``) are decided by the rule sets alone, because they are
/// pushed into the store's queries and list filters. Every verdict appears in ``AccessDecision`` explanations
/// under ``name``.
///
/// ```swift
/// struct NoExportForContractors: AccessRuleExtension {
///     let name = "no-export-for-contractors"
///     let contractors: Set<Member.ID>
///     func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
///         request.action == .export && contractors.contains(request.subject.memberID)
///             ? .deny("contractors may not export") : .abstain
///     }
/// }
/// ```
public protocol AccessRuleExtension: Sendable {
    /// A stable name, shown in explanations and audit logs.
    var name: String { get }

    /// Judges one request. Must be fast and free of I/O: it runs for every decision.
    func evaluate(_ request: AccessRequest) -> ExtensionVerdict
}

/// What an ``AccessRuleExtension`` is asked about.
public struct AccessRequest: Sendable {
    /// Who acts.
    public var subject: Subject
    /// What they try, as the work-item policy names it (``RecordAction/policyAction``): set for work-item
    /// actions and for reading (`list`) and exporting (`export`) reports, `nil` for every other action.
    public var action: WorkItemAction?
    /// What they try.
    public var recordAction: RecordAction
    /// What it is tried on.
    public var target: AccessTarget
    /// The item, for an action on one work item; `nil` otherwise.
    public var item: WorkItem?
    /// The relationships the subject has to the item (or surface), for work-item policy decisions.
    public var relationships: [Relationship]

    /// Creates a request (for testing a host rule; ``AccessControl`` makes them).
    public init(
        subject: Subject, recordAction: RecordAction, target: AccessTarget, relationships: [Relationship] = []
    ) {
        self.subject = subject
        self.action = recordAction.policyAction
        self.recordAction = recordAction
        self.target = target
        self.item = target.workItem
        self.relationships = relationships
    }
}

/// An extension's verdict.
public enum ExtensionVerdict: Hashable, Sendable {
    /// No opinion: the policy decides.
    case abstain
    /// Forbidden, with the reason shown in explanations.
    case deny(String)
}
