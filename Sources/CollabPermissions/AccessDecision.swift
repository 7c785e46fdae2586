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

    /// Creates a decision.
    public init(
        isAllowed: Bool, action: WorkItemAction, rule: AccessRule?, denial: Denial?, relationships: [Relationship]
    ) {
        self.isAllowed = isAllowed
        self.action = action
        self.rule = rule
        self.denial = denial
        self.relationships = relationships
    }

    /// One line fit for an audit log or a support screen.
    public var description: String {
        if isAllowed, let rule { return "allowed \(action.rawValue) by rule \(rule)" }
        let held = relationships.isEmpty ? "none" : relationships.map(\.rawValue).joined(separator: ", ")
        switch denial {
        case .inactiveMember: return "denied \(action.rawValue): the member is deactivated"
        case .otherOrganization: return "denied \(action.rawValue): the item belongs to another organization"
        case .noMatchingRule, nil:
            return "denied \(action.rawValue): no rule grants it to the member's relationships (\(held))"
        }
    }
}
