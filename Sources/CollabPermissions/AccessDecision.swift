/// The answer to "may this member do this?", with the reason.
///
/// A denial is a value, not an error: only the engine's enforcing calls throw.
public struct AccessDecision: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Why access was denied.
    public enum Denial: String, Hashable, Sendable, Codable {
        /// The member is deactivated.
        case inactiveMember = "inactive_member"
        /// The item belongs to an organization the member has no access to.
        case otherOrganization = "other_organization"
        /// No rule grants the action to any relationship the member has.
        case noMatchingRule = "no_matching_rule"
        /// A rule granted it, but a host extension denied it.
        case deniedByExtension = "denied_by_extension"
    }

    /// Whether the action is allowed.
    public var isAllowed: Bool
    /// The action decided.
    public var action: WorkItemAction
    /// The rule that allowed it.
    public var rule: AccessRule?
    /// Why it was denied.
    public var denial: Denial?
    /// The member's relationships to the item.
    public var relationships: [Relationship]
    /// The host extension that denied the action, if one did.
    public var extensionName: String?
    /// The extension's reason.
    public var extensionReason: String?

    /// Creates a decision.
    public init(
        isAllowed: Bool, action: WorkItemAction, rule: AccessRule?, denial: Denial?, relationships: [Relationship],
        extensionName: String? = nil, extensionReason: String? = nil
    ) {
        self.isAllowed = isAllowed
        self.action = action
        self.rule = rule
        self.denial = denial
        self.relationships = relationships
        self.extensionName = extensionName
        self.extensionReason = extensionReason
    }

    /// One line fit for an audit log or a support screen.
    public var description: String {
        if isAllowed, let rule { return "allowed \(action.rawValue) by rule \(rule)" }
        let held = relationships.isEmpty ? "none" : relationships.map(\.rawValue).joined(separator: ", ")
        switch denial {
        case .inactiveMember: return "denied \(action.rawValue): the member is deactivated"
        case .otherOrganization: return "denied \(action.rawValue): the item belongs to another organization"
        case .deniedByExtension:
            return "denied \(action.rawValue) by host rule \(extensionName ?? "?"): \(extensionReason ?? "")"
                + (rule.map { " (policy rule \($0.name) would allow it)" } ?? "")
        case .noMatchingRule, nil:
            return "denied \(action.rawValue): no rule grants it to the member's relationships (\(held))"
        }
    }
}
