import CollabModel

/// A host's own rule, evaluated after Collab's policy: "contractors may not export", "nobody cancels
/// items of the audit department".
///
/// Extensions can only *narrow* access: a ``ExtensionVerdict/deny(_:)`` overrides any grant, an
/// ``ExtensionVerdict/abstain`` leaves the decision to the policy. Visibility itself (``WorkItemAction/view``)
/// is decided by the policy alone, because it is pushed into the store's queries; an extension asked
/// about `view` is ignored. Every verdict appears in ``AccessDecision`` explanations under ``name``.
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
    /// What they try.
    public var action: WorkItemAction
    /// The item, or `nil` for a surface action.
    public var item: WorkItem?
    /// The relationships the subject has to the item (or surface).
    public var relationships: [Relationship]
}

/// An extension's verdict.
public enum ExtensionVerdict: Hashable, Sendable {
    /// No opinion: the policy decides.
    case abstain
    /// Forbidden, with the reason shown in explanations.
    case deny(String)
}
