/// One rule: members with ``relationship`` to an item may perform ``action`` on it.
public struct AccessRule: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A stable name, used in explanations and audit logs (`assignee-may-accept`).
    public var name: String
    /// The action granted.
    public var action: WorkItemAction
    /// To whom.
    public var relationship: Relationship

    /// Creates a rule.
    public init(_ name: String, action: WorkItemAction, relationship: Relationship) {
        self.name = name
        self.action = action
        self.relationship = relationship
    }

    public var description: String { "\(name) (\(relationship.rawValue) may \(action.rawValue))" }
}

/// The rules that decide who may do what with work items. Deny by default: an action is allowed only
/// when a rule grants it to a relationship the member has.
///
/// The policy is data: a host reads ``rules``, removes or adds some, and passes the result to the engine.
///
/// ```swift
/// var policy = AccessPolicy.standard
/// policy.remove(action: .cancel, relationship: .administrator)
/// ```
public struct AccessPolicy: Hashable, Sendable, Codable {
    /// The rules, in the order explanations prefer them.
    public private(set) var rules: [AccessRule]
    private var grants: [WorkItemAction: UInt16]

    /// Creates a policy from rules.
    public init(rules: [AccessRule]) {
        self.rules = []
        self.grants = [:]
        for rule in rules { add(rule) }
    }

    private enum CodingKeys: String, CodingKey {
        case rules
    }

    /// Decodes a policy from its rules. What the policy grants is derived from the rules, never read from
    /// the input, so decoded data cannot grant an action that no rule names.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rules: try container.decode([AccessRule].self, forKey: .rules))
    }

    /// Encodes the policy as its rules.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rules, forKey: .rules)
    }

    /// Adds a rule.
    public mutating func add(_ rule: AccessRule) {
        rules.append(rule)
        grants[rule.action, default: 0] |= rule.relationship.bit
    }

    /// Removes every rule granting `action` to `relationship`.
    public mutating func remove(action: WorkItemAction, relationship: Relationship) {
        self = AccessPolicy(rules: rules.filter { !($0.action == action && $0.relationship == relationship) })
    }

    /// The relationships to which `action` is granted.
    public func relationships(allowedTo action: WorkItemAction) -> [Relationship] {
        Relationship.allCases.filter { (grants[action] ?? 0) & $0.bit != 0 }
    }

    func grantMask(_ action: WorkItemAction) -> UInt16 { grants[action] ?? 0 }

    /// Collab's default rules; see `Documentation/Workflow.md` for the table.
    public static let standard: AccessPolicy = {
        var rules: [AccessRule] = []
        func grant(_ action: WorkItemAction, to relationships: [Relationship]) {
            for relationship in relationships {
                rules.append(AccessRule("\(relationship.rawValue)-may-\(action.rawValue)", action: action,
                    relationship: relationship))
            }
        }
        let involved: [Relationship] = [.initiator, .assignee, .reviewer, .watcher, .departmentMember, .departmentHead]
        grant(.view, to: involved + [.administrator, .auditor, .sharedOrganization])
        grant(.list, to: [.organizationMember, .sharedOrganization])
        grant(.search, to: [.organizationMember, .sharedOrganization])
        grant(.export, to: [.organizationMember, .sharedOrganization])
        grant(.comment, to: involved + [.administrator, .sharedOrganization])
        grant(.watch, to: involved + [.administrator, .auditor])
        grant(.submit, to: [.initiator])
        grant(.accept, to: [.assignee])
        grant(.start, to: [.assignee])
        grant(.reportProgress, to: [.assignee])
        grant(.submitForReview, to: [.assignee])
        grant(.review, to: [.reviewer])
        grant(.requestAdjustment, to: [.assignee])
        grant(.decideAdjustment, to: [.initiator])
        grant(.reassign, to: [.departmentHead, .administrator])
        grant(.cancel, to: [.initiator, .administrator])
        grant(.share, to: [.initiator, .administrator])
        grant(.waitExternal, to: [.initiator, .assignee, .administrator])
        return AccessPolicy(rules: rules)
    }()
}
