/// The families of records an ``AccessControl`` decides on.
public enum RecordKind: String, Hashable, Codable, CaseIterable, Sendable {
    /// Work items (tasks between departments).
    case workItem = "work_item"
    /// Announcements.
    case announcement
    /// Meetings and their decisions.
    case meeting
    /// Emergency plans.
    case emergencyPlan = "emergency_plan"
    /// Incidents triggered from plans, with their updates and resource requests.
    case incident
    /// Partner organizations: invitations, the external-collaboration switch, their audit trail.
    case partnership
    /// Purchase orders and their delivery proposals.
    case purchaseOrder = "purchase_order"
    /// The customer archive.
    case customer
    /// Customer tickets.
    case ticket
    /// An organization's run-time settings.
    case settings
    /// Reports, dashboards and exports.
    case report
    /// Documents: files kept with a record or in a department's folder.
    case document
    /// Approval flows and requests (审批).
    case approval
}

/// One right on one kind of record: what an ``AccessControl`` decides and a host rule may refuse.
///
/// Every action Collab decides has a constant (``all`` lists them); a command or read asks for exactly one.
/// Where two commands are two outcomes of one decision they share an action (approve and reject are
/// ``reviewWorkItem``; fulfil and decline are ``decideResourceRequest``).
///
/// Actions named `view` are *visibility*: they decide what lists and look-ups return, are pushed into the
/// store's queries or filters, and are therefore decided by the rule sets alone — a host rule is never
/// asked about them (``isVisibility``). Every other action, reads such as ``exportReport`` included, can be
/// refused by a host ``AccessRuleExtension``.
public struct RecordAction: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The kind of record.
    public var kind: RecordKind
    /// The action's name within its kind, in snake_case (`trigger`, `forward`, `record_contract`).
    public var name: String

    /// Creates an action. Collab's own are the static constants; an action no rule set knows is denied.
    public init(_ kind: RecordKind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    /// `kind.name`, as in explanations and audit logs: `emergency_plan.trigger`.
    public var description: String { "\(kind.rawValue).\(name)" }

    /// Whether the action is visibility (`view`): decided by the rule sets alone, never by a host rule.
    public var isVisibility: Bool { name == "view" }

    /// Whether the action changes something (every action but the reads: views, lists, searches, reach
    /// figures, reports and exports).
    public var isWrite: Bool { !Self.reads.contains(self) }

    /// The work-item action of the ``AccessPolicy`` that grants this action: the action itself for work-item
    /// actions, ``WorkItemAction/list`` for reading reports, the dashboard and personal reports,
    /// ``WorkItemAction/export`` for exporting reports; `nil` for actions of other rule sets. A host rule sees
    /// it as ``AccessRequest/action``, so a rule on `.list` or `.export` keeps applying to reports.
    public var policyAction: WorkItemAction? {
        switch kind {
        case .workItem: WorkItemAction(rawValue: name)
        case .report:
            switch name {
            case Self.exportReport.name: .export
            case Self.readReport.name, Self.readDashboard.name, Self.readPersonalReport.name: .list
            default: nil
            }
        default: nil
        }
    }

    /// The action deciding `action` on work items.
    public static func workItem(_ action: WorkItemAction) -> RecordAction { RecordAction(.workItem, action.rawValue) }

    // MARK: Work items

    /// See a work item, its activity, attachments and audit trail (visibility).
    public static let viewWorkItem = workItem(.view)
    /// List and count work items (a surface).
    public static let listWorkItems = workItem(.list)
    /// Search work items by text (a surface).
    public static let searchWorkItems = workItem(.search)
    /// Export work items to a file (a surface).
    public static let exportWorkItems = workItem(.export)
    /// Create a work item in an organization.
    public static let createWorkItem = RecordAction(.workItem, "create")
    /// Import many work items at once into an organization.
    public static let importWorkItems = RecordAction(.workItem, "import")
    /// Submit a draft.
    public static let submitWorkItem = workItem(.submit)
    /// Accept an assigned item.
    public static let acceptWorkItem = workItem(.accept)
    /// Start work on an accepted item.
    public static let startWorkItem = workItem(.start)
    /// Report progress.
    public static let reportProgress = workItem(.reportProgress)
    /// Submit the work for review.
    public static let submitForReview = workItem(.submitForReview)
    /// Approve or reject submitted work.
    public static let reviewWorkItem = workItem(.review)
    /// Ask for a new deadline or a change of scope.
    public static let requestAdjustment = workItem(.requestAdjustment)
    /// Approve or reject an adjustment request.
    public static let decideAdjustment = workItem(.decideAdjustment)
    /// Replace an assignee.
    public static let reassignWorkItem = workItem(.reassign)
    /// Cancel an item.
    public static let cancelWorkItem = workItem(.cancel)
    /// Comment on an item.
    public static let commentOnWorkItem = workItem(.comment)
    /// Start or stop following an item.
    public static let watchWorkItem = workItem(.watch)
    /// Share an item with an outside organization, or stop sharing it.
    public static let shareWorkItem = workItem(.share)
    /// Mark an item as waiting on an outside party, or resume it.
    public static let waitExternal = workItem(.waitExternal)

    // MARK: Announcements

    /// Publish an announcement on behalf of a department (or the leadership) to an audience.
    public static let publishAnnouncement = RecordAction(.announcement, "publish")
    /// See an announcement (visibility).
    public static let viewAnnouncement = RecordAction(.announcement, "view")
    /// Open (mark as read) an announcement one received.
    public static let openAnnouncement = RecordAction(.announcement, "open")
    /// Acknowledge an announcement one received.
    public static let acknowledgeAnnouncement = RecordAction(.announcement, "acknowledge")
    /// See an announcement's reach figures and audit trail.
    public static let viewAnnouncementReach = RecordAction(.announcement, "view_reach")
    /// Pin or unpin an announcement.
    public static let pinAnnouncement = RecordAction(.announcement, "pin")
    /// Set or clear an announcement's expiry.
    public static let setAnnouncementExpiry = RecordAction(.announcement, "set_expiry")

    // MARK: Meetings

    /// Record a meeting (with its decisions and their action items) in an organization.
    public static let recordMeeting = RecordAction(.meeting, "record")
    /// See a meeting, its follow-up and audit trail (visibility).
    public static let viewMeeting = RecordAction(.meeting, "view")

    // MARK: Emergency plans and incidents

    /// Save (create or revise) emergency plans of an organization.
    public static let savePlan = RecordAction(.emergencyPlan, "save")
    /// See a plan, its versions and a preview (visibility).
    public static let viewPlan = RecordAction(.emergencyPlan, "view")
    /// Trigger a plan: open an incident.
    public static let triggerPlan = RecordAction(.emergencyPlan, "trigger")
    /// See an incident, its timeline and summary (visibility).
    public static let viewIncident = RecordAction(.incident, "view")
    /// Post an update to an open incident.
    public static let postIncidentUpdate = RecordAction(.incident, "post_update")
    /// Ask a department for resources during an incident.
    public static let requestResource = RecordAction(.incident, "request_resource")
    /// See a resource request (visibility): who sees its incident, and the department asked.
    public static let viewResourceRequest = RecordAction(.incident, "view_resource_request")
    /// Fulfil or decline a resource request.
    public static let decideResourceRequest = RecordAction(.incident, "decide_resource_request")
    /// Close an incident.
    public static let closeIncident = RecordAction(.incident, "close")

    // MARK: Partners

    /// Invite partner organizations for one's own company.
    public static let invitePartner = RecordAction(.partnership, "invite")
    /// See a partner organization's audit trail (visibility).
    public static let viewPartner = RecordAction(.partnership, "view")
    /// Enable or disable external collaboration with a partner or customer organization.
    public static let switchExternalCollaboration = RecordAction(.partnership, "switch_external_collaboration")

    // MARK: Purchase orders

    /// Share purchase orders with a supplier on behalf of a (purchasing) department.
    public static let shareOrder = RecordAction(.purchaseOrder, "share")
    /// See a purchase order and its delivery proposals (visibility).
    public static let viewOrder = RecordAction(.purchaseOrder, "view")
    /// Change an order's requirements (purchasing).
    public static let changeRequirements = RecordAction(.purchaseOrder, "change_requirements")
    /// Answer the supplier's proposal with other dates (purchasing).
    public static let counterPropose = RecordAction(.purchaseOrder, "counter_propose")
    /// Confirm the supplier's proposal (purchasing).
    public static let confirmProposal = RecordAction(.purchaseOrder, "confirm_proposal")
    /// Cancel an order (purchasing).
    public static let cancelOrder = RecordAction(.purchaseOrder, "cancel")
    /// Propose delivery dates (the supplier).
    public static let proposeDeliveryDates = RecordAction(.purchaseOrder, "propose_delivery_dates")
    /// Confirm purchasing's counter-proposal (the supplier).
    public static let confirmCounterProposal = RecordAction(.purchaseOrder, "confirm_counter_proposal")

    // MARK: Customers

    /// Record a signed contract: of a new customer (decided on the organization) or of one already in the
    /// archive (decided on its record).
    public static let recordContract = RecordAction(.customer, "record_contract")
    /// See a customer in the archive (visibility).
    public static let viewCustomer = RecordAction(.customer, "view")

    // MARK: Tickets

    /// Open a ticket: a customer's contact, or a member of the company on a contact's behalf.
    public static let openTicket = RecordAction(.ticket, "open")
    /// See a ticket (visibility): on a ticket, the ticket; on an organization, every ticket of it (the whole
    /// archive, for the ticket list).
    public static let viewTicket = RecordAction(.ticket, "view")
    /// See a ticket as the company does — its internal notes, its handler and service status — beyond what
    /// its customer sees: members of the company who see it.
    public static let viewTicketInternals = RecordAction(.ticket, "view_internals")
    /// Reply to a ticket, or leave an internal note on it.
    public static let replyToTicket = RecordAction(.ticket, "reply")
    /// Forward a ticket to the next department of its route.
    public static let forwardTicket = RecordAction(.ticket, "forward")
    /// Ask the customer a question and wait for the answer.
    public static let waitForCustomer = RecordAction(.ticket, "wait_for_customer")
    /// Resolve a ticket.
    public static let resolveTicket = RecordAction(.ticket, "resolve")
    /// Close a resolved ticket.
    public static let closeTicket = RecordAction(.ticket, "close")
    /// Rate a closed ticket.
    public static let rateTicket = RecordAction(.ticket, "rate")

    // MARK: Settings

    /// Change an organization's run-time settings.
    public static let changeSettings = RecordAction(.settings, "change")

    // MARK: Documents

    /// See a document, list it and download its cleared versions: whoever sees what it belongs to (an outside
    /// member only an external document of a record shared with them). Also decides what searches find.
    public static let viewDocument = RecordAction(.document, "view")
    /// Upload a document, or a new version of one, to a record or a folder: who may contribute to the record
    /// (comment on the item, reply to the ticket, act on the order, take part in the incident, attend the
    /// meeting, belong to or head the department).
    public static let uploadDocument = RecordAction(.document, "upload")
    /// Delete a document (every version): who uploaded its first version, and administrators.
    public static let deleteDocument = RecordAction(.document, "delete")
    /// Decide a quarantined version (clear or refuse it, for the host's scanner): administrators.
    public static let decideQuarantine = RecordAction(.document, "decide_quarantine")

    // MARK: Approvals

    /// Save an approval flow (a new flow, or its next version) in an organization.
    public static let defineApprovalFlow = RecordAction(.approval, "define_flow")
    /// Read an organization's approval flows and submit requests on them.
    public static let submitApproval = RecordAction(.approval, "submit")
    /// See an approval request, its timeline and audit trail (visibility).
    public static let viewApproval = RecordAction(.approval, "view")
    /// Act on the step under way: approve, reject, transfer, add a signer, send back.
    public static let decideApproval = RecordAction(.approval, "decide")
    /// Remind the approvers whose turn it is (催办).
    public static let remindApproval = RecordAction(.approval, "remind")
    /// Copy members on a request (抄送).
    public static let copyApproval = RecordAction(.approval, "copy")
    /// Withdraw (撤回) or resubmit a request.
    public static let withdrawApproval = RecordAction(.approval, "withdraw")

    // MARK: Reports

    /// Read reports and summaries of the work items one may see.
    public static let readReport = RecordAction(.report, "read")
    /// Read a department's (or the organization's) board.
    public static let readDashboard = RecordAction(.report, "read_dashboard")
    /// Read a member's personal report.
    public static let readPersonalReport = RecordAction(.report, "read_personal")
    /// Export a report workbook.
    public static let exportReport = RecordAction(.report, "export")

    /// Every action Collab decides, by kind.
    public static let all: [RecordAction] = [
        viewWorkItem, listWorkItems, searchWorkItems, exportWorkItems, createWorkItem, importWorkItems,
        submitWorkItem, acceptWorkItem, startWorkItem, reportProgress, submitForReview, reviewWorkItem,
        requestAdjustment, decideAdjustment, reassignWorkItem, cancelWorkItem, commentOnWorkItem, watchWorkItem,
        shareWorkItem, waitExternal,
        publishAnnouncement, viewAnnouncement, openAnnouncement, acknowledgeAnnouncement, viewAnnouncementReach,
        pinAnnouncement, setAnnouncementExpiry,
        recordMeeting, viewMeeting,
        savePlan, viewPlan, triggerPlan,
        viewIncident, postIncidentUpdate, requestResource, viewResourceRequest, decideResourceRequest, closeIncident,
        invitePartner, viewPartner, switchExternalCollaboration,
        shareOrder, viewOrder, changeRequirements, counterPropose, confirmProposal, cancelOrder, proposeDeliveryDates,
        confirmCounterProposal,
        recordContract, viewCustomer,
        openTicket, viewTicket, viewTicketInternals, replyToTicket, forwardTicket, waitForCustomer, resolveTicket,
        closeTicket, rateTicket,
        changeSettings,
        readReport, readDashboard, readPersonalReport, exportReport,
        viewDocument, uploadDocument, deleteDocument, decideQuarantine,
        defineApprovalFlow, submitApproval, viewApproval, decideApproval, remindApproval, copyApproval,
        withdrawApproval,
    ]

    private static let reads: Set<RecordAction> = [
        viewWorkItem, listWorkItems, searchWorkItems, exportWorkItems, viewAnnouncement, viewAnnouncementReach,
        viewMeeting, viewPlan, viewIncident, viewResourceRequest, viewPartner, viewOrder, viewCustomer, viewTicket,
        viewTicketInternals, viewDocument, viewApproval,
        readReport, readDashboard, readPersonalReport, exportReport,
    ]
}
