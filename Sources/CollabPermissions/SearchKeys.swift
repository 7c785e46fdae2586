import CollabModel

/// Search access keys: who may find a record, as strings a store indexes next to it.
///
/// A record is indexed with the keys of everyone its `view` rule lets see it (``AccessControl/searchKeys(for:recipients:)``),
/// a reader holds keys of their own (``AccessControl/searchKeys(of:)``), and a store returns a record only when
/// the two sets meet. Both derivations live here, beside the rules they mirror, so the rules and what search
/// pushes into its queries cannot drift apart unnoticed: the engine re-checks every hit with
/// ``AccessControl/isAllowed(_:_:on:)``, and a differential test compares both on seeded worlds.
///
/// Keys of people, departments and roles name the organization too, so a key never reaches outside it:
/// `member:<org>:<id>`, `department:<org>:<id>` (direct members), `head:<org>:<id>` (heads, with every
/// sub-department), `administrators:<org>`, `auditors:<org>`, `outside:<org>` (the active members of an
/// outside organization whose external collaboration is enabled), and for work items the keys of their
/// ``VisibilityScope`` grants (`wi.all:<org>`, `wi.<grant>:<org>:<id>`, `wi.shared_organization:<org>`), which
/// the policy decides on the reader's side.
public enum SearchKey {
    /// Escapes `:` and `%` in one part of a key, so parts never run into each other.
    static func part(_ value: String) -> String {
        guard value.contains(":") || value.contains("%") else { return value }
        return value.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: ":", with: "%3A")
    }

    static func key(_ kind: String, _ parts: String...) -> String {
        ([kind] + parts.map(part)).joined(separator: ":")
    }

    /// The key of one member of `organization`.
    public static func member(_ id: Member.ID, in organization: Organization.ID) -> String {
        key("member", organization.rawValue, id.rawValue)
    }

    /// The key of the direct members of a department of `organization`.
    public static func department(_ id: Department.ID, in organization: Organization.ID) -> String {
        key("department", organization.rawValue, id.rawValue)
    }

    /// The key of the heads of a department of `organization` (and of the departments above it).
    public static func head(_ id: Department.ID, in organization: Organization.ID) -> String {
        key("head", organization.rawValue, id.rawValue)
    }

    /// The key of the administrators of `organization`.
    public static func administrators(of organization: Organization.ID) -> String {
        key("administrators", organization.rawValue)
    }

    /// The key of the auditors of `organization`.
    public static func auditors(of organization: Organization.ID) -> String { key("auditors", organization.rawValue) }

    /// The key of the members of the outside organization `organization` (supplier, customer).
    public static func outside(_ organization: Organization.ID) -> String { key("outside", organization.rawValue) }

    /// The key of one ``VisibilityScope/Grant`` of a work item of `organization`.
    public static func workItem(_ grant: VisibilityScope.Grant, in organization: Organization.ID) -> String {
        grant.kind == .sharedOrganization
            ? key("wi.shared_organization", grant.key) : key("wi.\(grant.kind.rawValue)", organization.rawValue, grant.key)
    }

    /// The key of whoever sees every work item of `organization`.
    public static func allWorkItems(of organization: Organization.ID) -> String { key("wi.all", organization.rawValue) }
}

extension AccessControl {
    /// The keys a reader holds: none for a deactivated member; for a member of an outside organization, the
    /// organization's `outside` key while its external collaboration is enabled (and the work-item grant of
    /// its ``visibilityScope(for:)``); for a member of the organization itself, their member key, their
    /// departments (direct) and the departments they head (with every sub-department), their roles, and the
    /// work-item keys of their visibility scope under the policy.
    public func searchKeys(of subject: Subject) -> [String] {
        guard subject.isActive else { return [] }
        let organization = subject.organizationID
        var keys: [String] = []
        if subject.isExternal {
            if subject.externalCollaborationEnabled { keys.append(SearchKey.outside(organization)) }
        } else {
            keys.append(SearchKey.member(subject.memberID, in: organization))
            keys += subject.departmentIDs.map { SearchKey.department($0, in: organization) }
            keys += subject.headedDepartmentIDs.map { SearchKey.head($0, in: organization) }
            if subject.isAdministrator { keys.append(SearchKey.administrators(of: organization)) }
            if subject.roles.contains(.auditor) { keys.append(SearchKey.auditors(of: organization)) }
        }
        let scope = visibilityScope(for: subject)
        if let whole = scope.wholeOrganization { keys.append(SearchKey.allWorkItems(of: whole)) }
        keys += scope.grants.map { SearchKey.workItem($0, in: organization) }
        return Array(Set(keys)).sorted()
    }

    /// The keys a record is indexed with: the readers its `view` rule lets see it.
    ///
    /// - work items: every way of being related to it (``VisibilityScope/Grant``) and `wi.all` of its
    ///   organization; which relations see it is the policy's, decided on the reader's side;
    /// - announcements: its `recipients` (the members with a receipt), its author, administrators and auditors,
    ///   and heads of the department it was published for (``ScenarioRules/canSee(_:_:isRecipient:)``);
    /// - meetings: organizer, attendees, decision owners, administrators and auditors;
    /// - incidents (documents belong to them): who triggered it, responders, informed members, members and
    ///   heads of its departments, administrators and auditors;
    /// - purchase orders: its supplier, buyer, members and heads of its purchasing department, administrators
    ///   and auditors (`ExternalRules.canSee`);
    /// - tickets: its customer, members and heads of every department that handled it, administrators and auditors;
    /// - a department's folder (`.department(id, in:)`): its members and heads, administrators and auditors.
    ///
    /// A document is not keyed itself: it is found through the keys of the record it belongs to, and members of
    /// other organizations find only external ones. Any other target has no keys (no one finds it).
    /// Whether two versions of a work item have the same ``searchKeys(for:recipients:)``: they agree on
    /// everything those keys are made of (organization, initiator, reviewer, assignees, watchers,
    /// departments, partner organizations). Most commands change none of it, and comparing is cheaper than
    /// building both lists.
    public static func sameSearchKeys(_ item: WorkItem, _ other: WorkItem) -> Bool {
        item.organizationID == other.organizationID && item.initiatorID == other.initiatorID
            && item.effectiveReviewerID == other.effectiveReviewerID && item.assigneeIDs == other.assigneeIDs
            && item.watcherIDs == other.watcherIDs && item.departmentIDs == other.departmentIDs
            && item.partnerOrganizationIDs == other.partnerOrganizationIDs
    }

    public static func searchKeys(for target: AccessTarget, recipients: [Member.ID] = []) -> [String] {
        var keys: [String] = []
        func overseers(_ organization: Organization.ID) {
            keys += [SearchKey.administrators(of: organization), SearchKey.auditors(of: organization)]
        }
        func departments(_ ids: [Department.ID], _ organization: Organization.ID) {
            for id in ids { keys += [SearchKey.department(id, in: organization), SearchKey.head(id, in: organization)] }
        }
        func members(_ ids: [Member.ID], _ organization: Organization.ID) {
            keys += ids.map { SearchKey.member($0, in: organization) }
        }
        switch target {
        case .workItem(let item):
            keys.append(SearchKey.allWorkItems(of: item.organizationID))
            var grants: [VisibilityScope.Grant] = [
                .init(.initiator, item.initiatorID.rawValue), .init(.reviewer, item.effectiveReviewerID.rawValue),
            ]
            grants += item.assigneeIDs.map { .init(.assignee, $0.rawValue) }
            grants += item.watcherIDs.map { .init(.watcher, $0.rawValue) }
            grants += item.departmentIDs.map { .init(.department, $0.rawValue) }
            grants += item.partnerOrganizationIDs.filter { $0 != item.organizationID }
                .map { .init(.sharedOrganization, $0.rawValue) }
            keys += grants.map { SearchKey.workItem($0, in: item.organizationID) }
        case .announcement(let announcement, _):
            let organization = announcement.organizationID
            overseers(organization)
            members([announcement.authorID] + recipients, organization)
            if let department = announcement.publisherDepartmentID {
                keys.append(SearchKey.head(department, in: organization))
            }
        case .meeting(let meeting):
            overseers(meeting.organizationID)
            members([meeting.organizerID] + meeting.attendeeIDs + meeting.decisions.compactMap(\.ownerID),
                meeting.organizationID)
        case .incident(let incident):
            overseers(incident.organizationID)
            members([incident.triggeredBy] + incident.responderIDs + incident.informedMemberIDs, incident.organizationID)
            departments(incident.departmentIDs, incident.organizationID)
        case .purchaseOrder(let order):
            overseers(order.organizationID)
            keys.append(SearchKey.outside(order.supplierID))
            members([order.buyerID], order.organizationID)
            departments(order.departmentID.map { [$0] } ?? [], order.organizationID)
        case .ticket(let ticket):
            overseers(ticket.organizationID)
            keys.append(SearchKey.outside(ticket.customerID))
            departments(ticket.handledBy, ticket.organizationID)
        case .department(let department?, in: let organization):
            overseers(organization)
            departments([department], organization)
        default:
            break
        }
        return Array(Set(keys)).sorted()
    }
}
