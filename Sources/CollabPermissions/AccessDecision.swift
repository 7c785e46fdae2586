/// The answer to "may this member do this?", with the reason.
///
/// A denial is a value, not an error: only the engine's enforcing calls throw. Every decision names the
/// ``ruleSet`` that decided it and the rule (``rule`` for the work-item policy, ``ruleName`` for every rule
/// set); a host rule's denial names the extension and its reason.
public struct AccessDecision: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Why access was denied.
    public enum Denial: String, Hashable, Sendable, Codable {
        /// The member is deactivated.
        case inactiveMember = "inactive_member"
        /// The record belongs to an organization the member has no access to.
        case otherOrganization = "other_organization"
        /// No rule grants the action to the member: the policy grants it to no relationship the member has,
        /// or the rule set's rule for the action does not include the member.
        case noMatchingRule = "no_matching_rule"
        /// A rule granted it, but a host extension denied it.
        case deniedByExtension = "denied_by_extension"
        /// The action is not decided on this kind of target (a ticket action asked about a meeting).
        case wrongTarget = "wrong_target"
    }

    /// The rules that decided an action.
    public enum RuleSet: String, Hashable, Sendable, Codable, CaseIterable {
        /// The ``AccessPolicy``: work-item actions, and reading and exporting reports (by the policy's `list`
        /// and `export` rules).
        case policy
        /// ``ScenarioRules``: announcements, meetings, emergency plans and incidents.
        case scenarioRules = "scenario_rules"
        /// ``ExternalRules``: partners, purchase orders, customers and tickets.
        case externalRules = "external_rules"
        /// ``ApprovalRules``: approval flows and requests.
        case approvalRules = "approval_rules"
        /// Rules of ``AccessControl`` itself: creating and importing work items, the dashboard, personal
        /// reports, settings, the external-collaboration switch and a partner's audit trail.
        case accessControl = "access_control"
    }

    /// Whether the action is allowed.
    public var isAllowed: Bool
    /// The work-item action decided by the policy (``RecordAction/policyAction``), `nil` for actions of
    /// other rule sets.
    public var action: WorkItemAction?
    /// The action decided.
    public var recordAction: RecordAction
    /// The rule set that decided (or would have decided) the action.
    public var ruleSet: RuleSet
    /// The policy rule that allowed it.
    public var rule: AccessRule?
    /// The rule of ``ruleSet`` that allowed or refused it: the policy rule's name, or the rule set's
    /// function (`ScenarioRules.canTrigger`).
    public var ruleName: String?
    /// Why it was denied.
    public var denial: Denial?
    /// What the rule set says about the denial (the publishing rule's reason, who the rule admits).
    public var reason: String?
    /// The member's relationships to the item (work-item policy decisions only).
    public var relationships: [Relationship]
    /// The host extension that denied the action, if one did.
    public var extensionName: String?
    /// The extension's reason.
    public var extensionReason: String?

    /// Creates a work-item policy decision.
    public init(
        isAllowed: Bool, action: WorkItemAction, rule: AccessRule?, denial: Denial?, relationships: [Relationship],
        extensionName: String? = nil, extensionReason: String? = nil
    ) {
        self.init(
            isAllowed: isAllowed, recordAction: .workItem(action), ruleSet: .policy, rule: rule, ruleName: rule?.name,
            denial: denial, reason: nil, relationships: relationships, extensionName: extensionName,
            extensionReason: extensionReason)
    }

    /// Creates a decision of any rule set.
    public init(
        isAllowed: Bool, recordAction: RecordAction, ruleSet: RuleSet, rule: AccessRule? = nil, ruleName: String?,
        denial: Denial?, reason: String? = nil, relationships: [Relationship] = [], extensionName: String? = nil,
        extensionReason: String? = nil
    ) {
        self.isAllowed = isAllowed
        self.action = recordAction.policyAction
        self.recordAction = recordAction
        self.ruleSet = ruleSet
        self.rule = rule
        self.ruleName = ruleName
        self.denial = denial
        self.reason = reason
        self.relationships = relationships
        self.extensionName = extensionName
        self.extensionReason = extensionReason
    }

    /// One line fit for an audit log or a support screen.
    public var description: String {
        // Work-item actions read as before (`accept`); the others with their kind (`ticket.forward`).
        let action = recordAction.kind == .workItem ? recordAction.name : recordAction.description
        if isAllowed {
            if let rule { return "allowed \(action) by rule \(rule)" }
            return "allowed \(action) by \(ruleSet.rawValue) rule \(ruleName ?? "?")"
        }
        let held = relationships.isEmpty ? "none" : relationships.map(\.rawValue).joined(separator: ", ")
        switch denial {
        case .inactiveMember: return "denied \(action): the member is deactivated"
        case .otherOrganization:
            let record = recordAction.kind == .workItem ? "item" : "record"
            return "denied \(action): the \(record) belongs to another organization"
        case .wrongTarget: return "denied \(action): \(reason ?? "it is not decided on this target")"
        case .deniedByExtension:
            let allowedBy = rule.map { "policy rule \($0.name)" } ?? ruleName.map { "\(ruleSet.rawValue) rule \($0)" }
            return "denied \(action) by host rule \(extensionName ?? "?"): \(extensionReason ?? "")"
                + (allowedBy.map { " (\($0) would allow it)" } ?? "")
        case .noMatchingRule, nil:
            if ruleSet == .policy, recordAction.kind == .workItem || ruleName == nil {
                return "denied \(action): no rule grants it to the member's relationships (\(held))"
            }
            return "denied \(action) by \(ruleSet.rawValue) rule \(ruleName ?? "?"): \(reason ?? "it does not admit the member")"
        }
    }
}
