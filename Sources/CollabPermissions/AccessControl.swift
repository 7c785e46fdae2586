import CollabModel

/// The one authorization seam: the work-item policy, the host's rules and the rule sets of every other
/// record, deciding and explaining every ``RecordAction`` on every ``AccessTarget``.
///
/// One value serves the engine (`WorkflowEngine.Configuration.accessControl`), the notification dispatcher's
/// delivery re-check and the report generator: give each the same value.
///
/// A decision runs in three steps, with no I/O:
/// 1. a deactivated subject is denied everything (``AccessDecision/Denial/inactiveMember``);
/// 2. the rule set of the action decides: the ``AccessPolicy`` (through the ``Authorizer``, its work-item
///    rule set) for work-item actions and for reading and exporting reports, ``ScenarioRules`` for
///    announcements, meetings, plans and incidents, ``ExternalRules`` for partners, orders, customers and
///    tickets, and the few rules of this type for creating and importing work items, the dashboard,
///    personal reports, settings and the external-collaboration switch;
/// 3. when the rule set allows it, each host ``AccessRuleExtension`` may refuse it — every action except the
///    `view` actions (``RecordAction/isVisibility``), which are pushed into queries and list filters.
///
/// ```swift
/// struct CrisisTeamOnly: AccessRuleExtension {
///     let name = "crisis-team-triggers"
///     let team: Set<Member.ID>
///     func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
///         request.recordAction == .triggerPlan && !team.contains(request.subject.memberID)
///             ? .deny("only the crisis team triggers plans") : .abstain
///     }
/// }
/// let access = AccessControl(rules: [CrisisTeamOnly(team: ["wang.fang"])])
/// let decision = access.decide(subject, .triggerPlan, on: .emergencyPlan(plan))
/// ```
public struct AccessControl: Sendable {
    /// The work-item rule set: the policy and the host rules, visibility scopes and redaction.
    public private(set) var authorizer: Authorizer

    /// Creates an access control from the work-item `policy` (the standard rules by default) and the host's
    /// `rules`.
    public init(policy: AccessPolicy = .standard, rules: [any AccessRuleExtension] = []) {
        self.authorizer = Authorizer(policy: policy, extensions: rules)
    }

    /// The rules that decide work-item actions (and reading and exporting reports).
    public var policy: AccessPolicy {
        get { authorizer.policy }
        set { authorizer.policy = newValue }
    }

    /// The host's rules, consulted after the rule sets (they can only deny, and are not asked about `view`).
    public var rules: [any AccessRuleExtension] {
        get { authorizer.extensions }
        set { authorizer.extensions = newValue }
    }

    // MARK: Decisions

    /// Whether `subject` may perform `action` on `target`.
    public func isAllowed(_ subject: Subject, _ action: RecordAction, on target: AccessTarget) -> Bool {
        if action == .viewWorkItem, case .workItem(let item) = target {
            return authorizer.isAllowed(subject, .view, on: item)  // the hot path: set look-ups only
        }
        return decide(subject, action, on: target).isAllowed
    }

    /// Decides `action` for `subject` on `target`, and explains the decision: the rule set and rule that
    /// allowed it, or the denial, the rule that refused it, and — for a host rule — its name and reason.
    public func decide(_ subject: Subject, _ action: RecordAction, on target: AccessTarget) -> AccessDecision {
        var decision = ruleSetDecision(subject, action, on: target)
        guard decision.isAllowed, !action.isVisibility, !rules.isEmpty else { return decision }
        let request = AccessRequest(
            subject: subject, recordAction: action, target: target, relationships: decision.relationships)
        if let (name, reason) = Self.hostDenial(rules, request) {
            decision.isAllowed = false
            decision.denial = .deniedByExtension
            decision.extensionName = name
            decision.extensionReason = reason
        }
        return decision
    }

    /// The first host rule that denies `request`, with its reason.
    static func hostDenial(_ rules: [any AccessRuleExtension], _ request: AccessRequest) -> (String, String)? {
        for rule in rules {
            if case .deny(let reason) = rule.evaluate(request) { return (rule.name, reason) }
        }
        return nil
    }

    // MARK: Surfaces

    /// Checks a surface — listing, counting, searching or exporting work items, reading or exporting reports
    /// — and returns the ``VisibilityScope`` its query filters by.
    ///
    /// Decides `action` on the subject's own organization, then refuses a member of an outside organization
    /// who filters by an internal field (`usesInternalFields`: assignee, department or tag).
    ///
    /// - Throws: `CollabError.Code.forbidden` when the action is denied (deactivated, no rule, or a host
    ///   rule); `CollabError.Code.invalidInput` (field `filter`) for an outside member's internal filter.
    public func surface(_ action: RecordAction, for subject: Subject, usesInternalFields: Bool = false)
        throws(CollabError) -> VisibilityScope
    {
        let decision = decide(subject, action, on: .organization(subject.organizationID))
        guard decision.isAllowed else {
            throw CollabError(.forbidden, "member '\(subject.memberID)' may not \(action): \(decision)")
        }
        if subject.isExternal && usesInternalFields {
            throw CollabError.invalid([ValidationProblem(field: "filter", kind: .malformed,
                message: "members of outside organizations may filter by state, priority and due date only")])
        }
        return authorizer.visibilityScope(for: subject)
    }

    // MARK: Work-item visibility and redaction

    /// The work items `subject` may see, as a store filters them (``Authorizer/visibilityScope(for:)``).
    public func visibilityScope(for subject: Subject) -> VisibilityScope { authorizer.visibilityScope(for: subject) }

    /// The item as `subject` may see it (``Authorizer/redacted(_:for:)``).
    public func redacted(_ item: WorkItem, for subject: Subject) -> WorkItem { authorizer.redacted(item, for: subject) }

    /// Whether `subject` may see `comment` on an item it may view (``Authorizer/canSee(_:on:by:)``).
    public func canSee(_ comment: ItemComment, on item: WorkItem, by subject: Subject) -> Bool {
        authorizer.canSee(comment, on: item, by: subject)
    }

    // MARK: The rule sets

    private func ruleSetDecision(_ subject: Subject, _ action: RecordAction, on target: AccessTarget)
        -> AccessDecision
    {
        let ruleSet = Self.ruleSet(of: action)
        guard subject.isActive else {
            return AccessDecision(
                isAllowed: false, recordAction: action, ruleSet: ruleSet, ruleName: nil, denial: .inactiveMember)
        }
        if ruleSet == .policy, let policyAction = action.policyAction {
            return policyDecision(subject, action, policyAction, on: target)
        }
        guard let (ruleName, verdict) = rule(for: action, subject, on: target) else {
            return AccessDecision(
                isAllowed: false, recordAction: action, ruleSet: ruleSet, ruleName: nil, denial: .wrongTarget,
                reason: "\(action) is not decided on \(target.kindName)s")
        }
        switch verdict {
        case .allowed:
            return AccessDecision(isAllowed: true, recordAction: action, ruleSet: ruleSet, ruleName: ruleName, denial: nil)
        case .denied(let reason):
            return AccessDecision(
                isAllowed: false, recordAction: action, ruleSet: ruleSet, ruleName: ruleName, denial: .noMatchingRule,
                reason: reason)
        }
    }

    /// The rule set that decides `action`.
    static func ruleSet(of action: RecordAction) -> AccessDecision.RuleSet {
        if action == .readDashboard || action == .readPersonalReport { return .accessControl }
        if action.policyAction != nil { return .policy }
        switch action.kind {
        case .workItem, .settings, .report, .document: return .accessControl
        case .announcement, .meeting, .emergencyPlan, .incident: return .scenarioRules
        case .partnership:
            return action == .invitePartner ? .externalRules : .accessControl
        case .purchaseOrder, .customer, .ticket: return .externalRules
        case .approval: return .approvalRules
        }
    }

    /// A work-item action (or a report read or export) decided by the policy: on an item, by the subject's
    /// relationships to it; on an organization, as a surface.
    private func policyDecision(
        _ subject: Subject, _ action: RecordAction, _ policyAction: WorkItemAction, on target: AccessTarget
    ) -> AccessDecision {
        let held: [Relationship]
        switch target {
        case .workItem(let item) where action.kind == .workItem:
            held = authorizer.relationships(of: subject, to: item)
            if held.isEmpty, subject.organizationID != item.organizationID {
                return AccessDecision(
                    isAllowed: false, recordAction: action, ruleSet: .policy, ruleName: nil, denial: .otherOrganization)
            }
        case .organization(let organization) where action.kind == .workItem || action.kind == .report:
            guard organization == subject.organizationID else {
                return AccessDecision(
                    isAllowed: false, recordAction: action, ruleSet: .policy, ruleName: nil, denial: .otherOrganization)
            }
            held = subject.isExternal ? [.sharedOrganization] : [.organizationMember]
        default:
            return AccessDecision(
                isAllowed: false, recordAction: action, ruleSet: .policy, ruleName: nil, denial: .wrongTarget,
                reason: "\(action) is not decided on \(target.kindName)s")
        }
        guard let rule = policy.rules.first(where: { $0.action == policyAction && held.contains($0.relationship) })
        else {
            return AccessDecision(
                isAllowed: false, recordAction: action, ruleSet: .policy, ruleName: nil, denial: .noMatchingRule,
                relationships: held)
        }
        return AccessDecision(
            isAllowed: true, recordAction: action, ruleSet: .policy, rule: rule, ruleName: rule.name, denial: nil,
            relationships: held)
    }

    private enum Verdict {
        case allowed
        case denied(String)
    }

    /// The rule that decides `action` on `target`, and its verdict; `nil` when the action is not decided
    /// on such a target.
    private func rule(for action: RecordAction, _ subject: Subject, on target: AccessTarget) -> (String, Verdict)? {
        func check(_ name: String, _ allowed: Bool, _ who: String) -> (String, Verdict) {
            (name, allowed ? .allowed : .denied("only \(who)"))
        }
        switch (action, target) {
        // Work items: creating and importing.
        case (.createWorkItem, .organization(let organization)), (.importWorkItems, .organization(let organization)):
            return check("internal-members-may-create", subject.organizationID == organization && !subject.isExternal,
                "members of the organization itself create work items")

        // Announcements.
        case (.publishAnnouncement, .publication(let organization, let department, let audience, let members)):
            guard subject.organizationID == organization else {
                return ("ScenarioRules.publishDenial", .denied("members of another organization do not publish here"))
            }
            let denial = ScenarioRules.publishDenial(
                subject, audience: audience, department: department, memberDepartments: members)
            return ("ScenarioRules.publishDenial", denial.map(Verdict.denied) ?? .allowed)
        case (.viewAnnouncement, .announcement(let announcement, let isRecipient)):
            return check("ScenarioRules.canSee", ScenarioRules.canSee(subject, announcement, isRecipient: isRecipient),
                "its recipients, author, administrators, auditors and heads of its department see it")
        case (.openAnnouncement, .announcement(let announcement, let isRecipient)),
            (.acknowledgeAnnouncement, .announcement(let announcement, let isRecipient)):
            return check("ScenarioRules.canSee(isRecipient:)",
                isRecipient && ScenarioRules.canSee(subject, announcement, isRecipient: true),
                "its recipients open and acknowledge it")
        case (.viewAnnouncementReach, .announcement(let announcement, _)):
            return check("ScenarioRules.canSeeReach", ScenarioRules.canSeeReach(subject, announcement),
                "its author, administrators, auditors and heads of its department see its reach")
        case (.pinAnnouncement, .announcement(let announcement, _)),
            (.setAnnouncementExpiry, .announcement(let announcement, _)):
            return check("ScenarioRules.canManage", ScenarioRules.canManage(subject, announcement),
                "its author and administrators pin it or set its expiry")

        // Approvals.
        case (.defineApprovalFlow, .organization(let organization)):
            return check("ApprovalRules.canDefineFlows", ApprovalRules.canDefineFlows(subject, in: organization),
                "administrators save approval flows")
        case (.submitApproval, .organization(let organization)):
            return check("ApprovalRules.canSubmit", ApprovalRules.canSubmit(subject, in: organization),
                "members of the organization itself submit approval requests")
        case (.viewApproval, .approvalRequest(let request)):
            return check("ApprovalRules.canSee", ApprovalRules.canSee(subject, request),
                "its applicant, its approvers, those copied, administrators and auditors see it")
        case (.decideApproval, .approvalRequest(let request)):
            return check("ApprovalRules.canDecide", ApprovalRules.canDecide(subject, request),
                "who holds a place on the step under way acts on it")
        case (.remindApproval, .approvalRequest(let request)):
            return check("ApprovalRules.canRemind", ApprovalRules.canRemind(subject, request),
                "its applicant and administrators remind its approvers while it waits")
        case (.copyApproval, .approvalRequest(let request)):
            return check("ApprovalRules.canCopy", ApprovalRules.canCopy(subject, request),
                "its applicant and who holds a place on the step under way copy others")
        case (.withdrawApproval, .approvalRequest(let request)):
            return check("ApprovalRules.canWithdraw", ApprovalRules.canWithdraw(subject, request),
                "its applicant withdraws or resubmits it")

        // Meetings.
        case (.recordMeeting, .organization(let organization)):
            return check("ScenarioRules.canRecordMeeting", ScenarioRules.canRecordMeeting(subject, in: organization),
                "members of the organization itself record meetings")
        case (.viewMeeting, .meeting(let meeting)):
            return check("ScenarioRules.canSee", ScenarioRules.canSee(subject, meeting),
                "its organizer, attendees, decision owners, administrators and auditors see it")

        // Emergency plans and incidents.
        case (.savePlan, .organization(let organization)):
            return check("ScenarioRules.canManagePlans", ScenarioRules.canManagePlans(subject, in: organization),
                "administrators save emergency plans")
        case (.viewPlan, .emergencyPlan(let plan)):
            return check("ScenarioRules.canSee", ScenarioRules.canSee(subject, plan),
                "administrators, auditors, its responders, informed members and members of its departments see it")
        case (.triggerPlan, .emergencyPlan(let plan)):
            return check("ScenarioRules.canTrigger", ScenarioRules.canTrigger(subject, plan),
                "administrators, its named responders and heads of its departments trigger it")
        case (.viewIncident, .incident(let incident)):
            return check("ScenarioRules.canSee", ScenarioRules.canSee(subject, incident),
                "administrators, auditors, who triggered it, its responders, informed members and departments see it")
        case (.postIncidentUpdate, .incident(let incident)), (.requestResource, .incident(let incident)):
            return check("ScenarioRules.canTakePart", ScenarioRules.canTakePart(subject, incident),
                "those who see it, auditors excepted, take part in it")
        case (.closeIncident, .incident(let incident)):
            return check("ScenarioRules.canClose", ScenarioRules.canClose(subject, incident),
                "who triggered it and administrators close it")
        case (.viewResourceRequest, .resourceRequest(let request, let incident)):
            return check("ScenarioRules.canSee(incident) or canDecide",
                ScenarioRules.canSee(subject, incident) || ScenarioRules.canDecide(subject, request),
                "who sees its incident and the department asked see it")
        case (.decideResourceRequest, .resourceRequest(let request, _)):
            return check("ScenarioRules.canDecide", ScenarioRules.canDecide(subject, request),
                "members and heads of the department asked, and administrators, fulfil or decline it")

        // Partners.
        case (.invitePartner, .organization(let organization)):
            return check("ExternalRules.canInvitePartners",
                ExternalRules.canInvitePartners(subject, for: organization), "administrators invite partners")
        case (.viewPartner, .partner(_, let companies)):
            return check("partner-trail-readers",
                !subject.isExternal && companies.contains(subject.organizationID)
                    && (subject.isAdministrator || subject.roles.contains(.auditor)),
                "administrators and auditors of a company that invited it see its trail")
        case (.switchExternalCollaboration, .partner(_, let companies)):
            return check("administrators-switch-collaboration",
                !subject.isExternal && subject.isAdministrator
                    && (companies.isEmpty || companies.contains(subject.organizationID)),
                "administrators of the company that invited it switch its external collaboration")

        // Purchase orders.
        case (.shareOrder, .department(let department, let organization)):
            return check("ExternalRules.canShareOrders",
                subject.organizationID == organization && ExternalRules.canShareOrders(subject, department: department),
                "administrators and members of the purchasing department share orders")
        case (.viewOrder, .purchaseOrder(let order)):
            return check("ExternalRules.canSee", ExternalRules.canSee(subject, order),
                "its buyer, purchasing department, administrators, auditors and its supplier see it")
        case (.changeRequirements, .purchaseOrder(let order)), (.counterPropose, .purchaseOrder(let order)),
            (.confirmProposal, .purchaseOrder(let order)), (.cancelOrder, .purchaseOrder(let order)):
            return check("ExternalRules.actsForBuyer", ExternalRules.actsForBuyer(subject, order),
                "its buyer, purchasing department and administrators act for purchasing")
        case (.proposeDeliveryDates, .purchaseOrder(let order)), (.confirmCounterProposal, .purchaseOrder(let order)):
            return check("ExternalRules.actsForSupplier", ExternalRules.actsForSupplier(subject, order),
                "its supplier's members act for the supplier")

        // Customers.
        case (.recordContract, .organization(let organization)):
            return check("ExternalRules.canRecordContracts",
                ExternalRules.canRecordContracts(subject, for: organization),
                "members of the organization itself record contracts")
        case (.recordContract, .customer(let customer)):
            return check("ExternalRules.canAddContracts", ExternalRules.canAddContracts(subject, to: customer),
                "its sales owner and administrators add contracts")
        case (.viewCustomer, .customer(let customer)):
            return check("ExternalRules.canSee", ExternalRules.canSee(subject, customer),
                "its sales owner, administrators and auditors see it")

        // Tickets.
        case (.openTicket, .organization(let organization)):
            return check("ExternalRules.canOpenTickets", ExternalRules.canOpenTickets(subject, in: organization),
                "a customer's contacts, and members of the company on their behalf, open tickets")
        case (.viewTicket, .ticket(let ticket)):
            return check("ExternalRules.canSee", ExternalRules.canSee(subject, ticket),
                "the customer, the departments that handled it, administrators and auditors see it")
        case (.viewTicket, .organization(let organization)):
            return check("ExternalRules.canSeeArchive", ExternalRules.canSeeArchive(subject, of: organization),
                "administrators and auditors of the company see every ticket")
        case (.viewTicketInternals, .ticket(let ticket)):
            return check("ExternalRules.canSee(internal)", !subject.isExternal && ExternalRules.canSee(subject, ticket),
                "members of the company who see it see its internal notes")
        case (.replyToTicket, .ticket(let ticket)), (.closeTicket, .ticket(let ticket)):
            return check("ExternalRules.isCustomer or canHandle",
                ExternalRules.isCustomer(subject, ticket) || ExternalRules.canHandle(subject, ticket),
                "the customer, the department handling it and administrators")
        case (.forwardTicket, .ticket(let ticket)), (.waitForCustomer, .ticket(let ticket)),
            (.resolveTicket, .ticket(let ticket)):
            return check("ExternalRules.canHandle", ExternalRules.canHandle(subject, ticket),
                "the department handling it and administrators")
        case (.rateTicket, .ticket(let ticket)):
            return check("ExternalRules.isCustomer", ExternalRules.isCustomer(subject, ticket), "the customer rates it")

        // Settings.
        case (.changeSettings, .organization(let organization)):
            return check("administrators-change-settings",
                subject.organizationID == organization && !subject.isExternal && subject.isAdministrator,
                "administrators of the organization change its settings")

        // Reports (reading and exporting are the policy's; these add to it).
        case (.readDashboard, .organization(let organization)):
            return policyThen(subject, .readDashboard,
                check("internal-members-read-boards", subject.organizationID == organization && !subject.isExternal,
                    "members of the organization itself read department boards"))
        case (.readPersonalReport, .member(let member)):
            return policyThen(subject, .readPersonalReport,
                check("personal-report-readers", Self.mayReadPersonalReport(of: member, subject),
                    "the member, heads of their departments, administrators and auditors read it"))

        // Documents: decided on what they belong to.
        case (.viewDocument, .document(let document, let owner)):
            return ("document-follows-its-record", documentVisibility(subject, document, owner))
        case (.uploadDocument, .document(let document, let owner)):
            if case .denied(let reason) = documentVisibility(subject, document, owner) {
                return ("document-contributors", .denied(reason))
            }
            return check("document-contributors", mayContribute(subject, to: owner),
                "who may contribute to \(owner.kindName == "department" ? "the department" : "the \(owner.kindName)")")
        case (.deleteDocument, .document(let document, let owner)):
            if case .denied(let reason) = documentVisibility(subject, document, owner) {
                return ("document-uploader-or-administrator", .denied(reason))
            }
            return check("document-uploader-or-administrator",
                subject.memberID == document.creatorID
                    || (subject.isAdministrator && subject.organizationID == document.organizationID),
                "who uploaded its first version and administrators of its organization delete it")
        case (.decideQuarantine, .document(let document, _)):
            return check("administrators-decide-quarantine",
                subject.isAdministrator && !subject.isExternal && subject.organizationID == document.organizationID,
                "administrators of its organization clear or refuse a quarantined version")

        default:
            return nil
        }
    }

    // MARK: Documents

    /// Whether `subject` sees `document`: never a deleted one; otherwise whoever sees the record it belongs
    /// to (decided here by that record's own `view` rule), and a member of another organization only an
    /// external document.
    private func documentVisibility(_ subject: Subject, _ document: Document, _ owner: AccessTarget) -> Verdict {
        if document.isDeleted { return .denied("a deleted document is seen by no one") }
        if subject.organizationID != document.organizationID && document.visibility != .external {
            return .denied("members of other organizations see external documents only")
        }
        let sees: Bool
        switch owner {
        case .department(let department?, in: let organization):
            sees = subject.organizationID == organization && !subject.isExternal
                && (subject.isAdministrator || subject.roles.contains(.auditor)
                    || subject.departmentIDs.contains(department) || subject.headedDepartmentIDs.contains(department))
        case .workItem: sees = ruleSetDecision(subject, .viewWorkItem, on: owner).isAllowed
        case .ticket: sees = ruleSetDecision(subject, .viewTicket, on: owner).isAllowed
        case .purchaseOrder: sees = ruleSetDecision(subject, .viewOrder, on: owner).isAllowed
        case .incident: sees = ruleSetDecision(subject, .viewIncident, on: owner).isAllowed
        case .meeting: sees = ruleSetDecision(subject, .viewMeeting, on: owner).isAllowed
        default: return .denied("documents belong to work items, tickets, orders, incidents, meetings or folders")
        }
        return sees ? .allowed : .denied("whoever sees the \(owner.kindName) it belongs to sees it")
    }

    /// Whether `subject` may add a document to `owner` (decided by the owner's own rules).
    private func mayContribute(_ subject: Subject, to owner: AccessTarget) -> Bool {
        switch owner {
        case .department(let department?, in: let organization):
            return subject.organizationID == organization && !subject.isExternal
                && (subject.isAdministrator || subject.departmentIDs.contains(department)
                    || subject.headedDepartmentIDs.contains(department))
        case .workItem: return ruleSetDecision(subject, .commentOnWorkItem, on: owner).isAllowed
        case .ticket: return ruleSetDecision(subject, .replyToTicket, on: owner).isAllowed
        case .purchaseOrder:
            return ruleSetDecision(subject, .changeRequirements, on: owner).isAllowed
                || ruleSetDecision(subject, .proposeDeliveryDates, on: owner).isAllowed
        case .incident: return ruleSetDecision(subject, .postIncidentUpdate, on: owner).isAllowed
        case .meeting:
            return !subject.isExternal && ruleSetDecision(subject, .viewMeeting, on: owner).isAllowed
        default: return false
        }
    }

    /// The policy's decision of a report action (its `list` or `export` rule, as a surface of the subject's
    /// organization), then `then`.
    private func policyThen(_ subject: Subject, _ action: RecordAction, _ then: (String, Verdict)) -> (String, Verdict) {
        guard let policyAction = action.policyAction else { return then }
        let surface = policyDecision(subject, action, policyAction, on: .organization(subject.organizationID))
        guard surface.isAllowed else { return (then.0, .denied("the policy denies \(policyAction.rawValue): \(surface)")) }
        return then
    }

    /// Whether `reader` may read the personal report of `member`: the member, heads of the member's
    /// departments or of departments above them (a subject's headed departments include every
    /// sub-department), administrators and auditors of the member's (internal) organization.
    static func mayReadPersonalReport(of member: Member, _ reader: Subject) -> Bool {
        guard reader.isActive, !reader.isExternal, reader.organizationID == member.organizationID else { return false }
        if reader.memberID == member.id || reader.isAdministrator || reader.roles.contains(.auditor) { return true }
        return member.departments.contains { reader.headedDepartmentIDs.contains($0.departmentID) }
    }
}
