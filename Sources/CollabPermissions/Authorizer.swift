import CollabModel

/// The work-item rule set of ``AccessControl``: decides whether a ``Subject`` may perform a
/// ``WorkItemAction``, under an ``AccessPolicy`` and the host's ``AccessRuleExtension``s; derives the
/// ``VisibilityScope`` a store filters by; and cuts items down to what an outside member may see.
///
/// Its decisions are ``AccessControl``'s for ``RecordAction/workItem(_:)`` actions (it forwards to it), so a
/// work-item decision reads the same from either. A decision is a handful of set look-ups: no I/O.
public struct Authorizer: Sendable {
    /// The rules applied.
    public var policy: AccessPolicy
    /// The host's extra rules, consulted after the policy (they can only deny).
    public var extensions: [any AccessRuleExtension]

    /// Creates an authorizer with `policy` (the standard rules by default) and host `extensions`.
    public init(policy: AccessPolicy = .standard, extensions: [any AccessRuleExtension] = []) {
        self.policy = policy
        self.extensions = extensions
    }

    // MARK: Item decisions

    /// The relationships `subject` has to `item`.
    public func relationships(of subject: Subject, to item: WorkItem) -> [Relationship] {
        let mask = relationshipMask(of: subject, to: item)
        return Relationship.allCases.filter { mask & $0.bit != 0 }
    }

    /// Whether `subject` may perform `action` on `item`.
    public func isAllowed(_ subject: Subject, _ action: WorkItemAction, on item: WorkItem) -> Bool {
        guard subject.isActive else { return false }
        let granted = policy.grantMask(action)
        guard granted != 0, relationshipMask(of: subject, to: item, only: granted) & granted != 0 else { return false }
        if extensions.isEmpty || action == .view { return true }
        let request = AccessRequest(
            subject: subject, recordAction: .workItem(action), target: .workItem(item),
            relationships: relationships(of: subject, to: item))
        return AccessControl.hostDenial(extensions, request) == nil
    }

    /// Decides and explains (as ``AccessControl/decide(_:_:on:)`` with ``RecordAction/workItem(_:)``).
    public func decide(_ subject: Subject, _ action: WorkItemAction, on item: WorkItem) -> AccessDecision {
        accessControl.decide(subject, .workItem(action), on: .workItem(item))
    }

    // MARK: Surface decisions

    /// Decides a surface action (``WorkItemAction/list``, ``WorkItemAction/search``, ``WorkItemAction/export``)
    /// for `subject`: members of an internal organization relate to it as ``Relationship/organizationMember``,
    /// outside members as ``Relationship/sharedOrganization``. What the surface then shows is the subject's
    /// ``visibilityScope(for:)``: nothing at all for an outside member whose organization's external
    /// collaboration is disabled.
    public func decide(_ subject: Subject, _ action: WorkItemAction) -> AccessDecision {
        accessControl.decide(subject, .workItem(action), on: .organization(subject.organizationID))
    }

    /// The access control made of this rule set.
    var accessControl: AccessControl { AccessControl(policy: policy, rules: extensions) }

    // MARK: Visibility

    /// The items `subject` may see, as a store filters them. Agrees exactly with
    /// `isAllowed(subject, .view, on:)`.
    public func visibilityScope(for subject: Subject) -> VisibilityScope {
        let viewers = policy.grantMask(.view)
        func grants(_ relationship: Relationship) -> Bool { viewers & relationship.bit != 0 }
        guard subject.isActive else { return .nothing(in: subject.organizationID) }
        if subject.isExternal {
            guard subject.externalCollaborationEnabled, grants(.sharedOrganization) else {
                return .nothing(in: subject.organizationID)
            }
            return VisibilityScope(
                wholeOrganization: nil, grants: [.init(.sharedOrganization, subject.organizationID.rawValue)],
                organizationID: subject.organizationID, isExternal: true)
        }
        if (grants(.administrator) && subject.roles.contains(.administrator))
            || (grants(.auditor) && subject.roles.contains(.auditor))
            || (grants(.organizationMember))
        {
            return VisibilityScope(
                wholeOrganization: subject.organizationID, grants: [], organizationID: subject.organizationID,
                isExternal: false)
        }
        var result = Set<VisibilityScope.Grant>()
        let me = subject.memberID.rawValue
        if grants(.initiator) { result.insert(.init(.initiator, me)) }
        if grants(.assignee) { result.insert(.init(.assignee, me)) }
        if grants(.reviewer) { result.insert(.init(.reviewer, me)) }
        if grants(.watcher) { result.insert(.init(.watcher, me)) }
        var departments = Set<Department.ID>()
        if grants(.departmentMember) { departments.formUnion(subject.departmentIDs) }
        if grants(.departmentHead) { departments.formUnion(subject.headedDepartmentIDs) }
        for department in departments { result.insert(.init(.department, department.rawValue)) }
        return VisibilityScope(
            wholeOrganization: nil, grants: result, organizationID: subject.organizationID, isExternal: false)
    }

    // MARK: What outsiders see

    /// The item as `subject` may see it: unchanged for members of the owning organization; for a member
    /// of an outside organization, only the parts marked external: internal attachments, tags,
    /// departments, the people involved and the other organizations it is shared with are removed.
    ///
    /// Call it only for items the subject may view.
    public func redacted(_ item: WorkItem, for subject: Subject) -> WorkItem {
        guard subject.organizationID != item.organizationID else { return item }
        var copy = item
        copy.assigneeIDs = []
        copy.reviewerID = nil
        copy.watcherIDs = []
        copy.departmentIDs = []
        copy.tags = []
        copy.pendingAdjustmentID = nil
        copy.partnerOrganizationIDs = item.partnerOrganizationIDs.filter { $0 == subject.organizationID }
        copy.attachments = item.attachments.filter { $0.visibility == .external }
        return copy
    }

    /// Whether `subject` may see `comment` on an item it may view: outsiders see external comments only.
    public func canSee(_ comment: ItemComment, on item: WorkItem, by subject: Subject) -> Bool {
        subject.organizationID == item.organizationID || comment.visibility == .external
    }

    // MARK: Relationships

    private func relationshipMask(of subject: Subject, to item: WorkItem, only wanted: UInt16 = 0xFFFF) -> UInt16 {
        var mask: UInt16 = 0
        if subject.organizationID != item.organizationID {
            if wanted & Relationship.sharedOrganization.bit != 0, subject.isExternal,
                subject.externalCollaborationEnabled, item.partnerOrganizationIDs.contains(subject.organizationID)
            {
                mask |= Relationship.sharedOrganization.bit
            }
            return mask
        }
        let me = subject.memberID
        if wanted & Relationship.organizationMember.bit != 0, !subject.isExternal {
            mask |= Relationship.organizationMember.bit
        }
        if wanted & Relationship.administrator.bit != 0, subject.roles.contains(.administrator) {
            mask |= Relationship.administrator.bit
        }
        if wanted & Relationship.auditor.bit != 0, subject.roles.contains(.auditor) {
            mask |= Relationship.auditor.bit
        }
        if wanted & Relationship.initiator.bit != 0, item.initiatorID == me { mask |= Relationship.initiator.bit }
        if wanted & Relationship.reviewer.bit != 0, item.effectiveReviewerID == me { mask |= Relationship.reviewer.bit }
        if wanted & Relationship.assignee.bit != 0, item.assigneeIDs.contains(me) { mask |= Relationship.assignee.bit }
        if wanted & Relationship.watcher.bit != 0, item.watcherIDs.contains(me) { mask |= Relationship.watcher.bit }
        if wanted & Relationship.departmentMember.bit != 0, !subject.departmentIDs.isEmpty,
            item.departmentIDs.contains(where: subject.departmentIDs.contains)
        {
            mask |= Relationship.departmentMember.bit
        }
        if wanted & Relationship.departmentHead.bit != 0, !subject.headedDepartmentIDs.isEmpty,
            item.departmentIDs.contains(where: subject.headedDepartmentIDs.contains)
        {
            mask |= Relationship.departmentHead.bit
        }
        return mask
    }
}
