import CollabModel

/// Decides whether a ``Subject`` may perform a ``WorkItemAction`` on a work item, under an ``AccessPolicy``.
///
/// A decision is a handful of set look-ups: no I/O, no allocation on the allowed path.
public struct Authorizer: Sendable {
    /// The rules applied.
    public var policy: AccessPolicy

    /// Creates an authorizer with `policy` (the standard rules by default).
    public init(policy: AccessPolicy = .standard) {
        self.policy = policy
    }

    /// The relationships `subject` has to `item`.
    public func relationships(of subject: Subject, to item: WorkItem) -> [Relationship] {
        let mask = relationshipMask(of: subject, to: item)
        return Relationship.allCases.filter { mask & $0.bit != 0 }
    }

    /// Whether `subject` may perform `action` on `item`.
    public func isAllowed(_ subject: Subject, _ action: WorkItemAction, on item: WorkItem) -> Bool {
        guard subject.isActive, subject.organizationID == item.organizationID else { return false }
        let granted = policy.grantMask(action)
        return granted != 0 && relationshipMask(of: subject, to: item, only: granted) & granted != 0
    }

    /// Decides and explains.
    public func decide(_ subject: Subject, _ action: WorkItemAction, on item: WorkItem) -> AccessDecision {
        guard subject.isActive else {
            return AccessDecision(isAllowed: false, action: action, rule: nil, denial: .inactiveMember, relationships: [])
        }
        guard subject.organizationID == item.organizationID else {
            return AccessDecision(
                isAllowed: false, action: action, rule: nil, denial: .otherOrganization, relationships: [])
        }
        let held = relationships(of: subject, to: item)
        if let rule = policy.rules.first(where: { $0.action == action && held.contains($0.relationship) }) {
            return AccessDecision(isAllowed: true, action: action, rule: rule, denial: nil, relationships: held)
        }
        return AccessDecision(isAllowed: false, action: action, rule: nil, denial: .noMatchingRule, relationships: held)
    }

    private func relationshipMask(of subject: Subject, to item: WorkItem, only wanted: UInt8 = 0xFF) -> UInt8 {
        guard subject.organizationID == item.organizationID else { return 0 }
        var mask: UInt8 = 0
        let me = subject.memberID
        if wanted & Relationship.administrator.bit != 0, subject.isAdministrator {
            mask |= Relationship.administrator.bit
        }
        if wanted & Relationship.initiator.bit != 0, item.initiatorID == me { mask |= Relationship.initiator.bit }
        if wanted & Relationship.reviewer.bit != 0, item.effectiveReviewerID == me { mask |= Relationship.reviewer.bit }
        if wanted & Relationship.assignee.bit != 0, item.assigneeIDs.contains(me) { mask |= Relationship.assignee.bit }
        if wanted & Relationship.departmentHead.bit != 0, !subject.headedDepartmentIDs.isEmpty,
            item.departmentIDs.contains(where: subject.headedDepartmentIDs.contains)
        {
            mask |= Relationship.departmentHead.bit
        }
        return mask
    }
}
