import Foundation

/// A reference to a record that is not a work item: what a notification or an audit event is about when it
/// concerns an announcement, a meeting, an incident, an emergency plan or a resource request.
///
/// Stored as `kind:id` (``stored``), so a host can deep-link a notification to its screen.
public struct RecordReference: Hashable, Sendable, Codable, CustomStringConvertible {
    /// What kind of record.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A ``WorkItem``.
        public static let workItem = Kind(rawValue: "work_item")
        /// An ``Announcement``.
        public static let announcement = Kind(rawValue: "announcement")
        /// A ``Meeting``.
        public static let meeting = Kind(rawValue: "meeting")
        /// An ``EmergencyPlan``.
        public static let emergencyPlan = Kind(rawValue: "emergency_plan")
        /// An ``Incident``.
        public static let incident = Kind(rawValue: "incident")
        /// A ``ResourceRequest`` of an incident.
        public static let resourceRequest = Kind(rawValue: "resource_request")
        /// A ``PurchaseOrder``.
        public static let purchaseOrder = Kind(rawValue: "purchase_order")
        /// A partner organization (a ``Partnership``).
        public static let partner = Kind(rawValue: "partner")
        /// A customer in the archive (``CustomerRecord``).
        public static let customer = Kind(rawValue: "customer")
        /// A ``Ticket``.
        public static let ticket = Kind(rawValue: "ticket")
        /// An organization's run-time settings (``StoredSettings``); the id is the organization's.
        public static let settings = Kind(rawValue: "settings")
        /// An ``ApprovalRequest``.
        public static let approvalRequest = Kind(rawValue: "approval_request")
        /// An ``ApprovalFlow`` (all its versions).
        public static let approvalFlow = Kind(rawValue: "approval_flow")
    }

    /// What kind of record.
    public var kind: Kind
    /// The record's identifier.
    public var id: String

    /// Creates a reference.
    public init(_ kind: Kind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    /// The work item `id`.
    public static func workItem(_ id: WorkItem.ID) -> Self { Self(.workItem, id.rawValue) }
    /// The announcement `id`.
    public static func announcement(_ id: Announcement.ID) -> Self { Self(.announcement, id.rawValue) }
    /// The meeting `id`.
    public static func meeting(_ id: Meeting.ID) -> Self { Self(.meeting, id.rawValue) }
    /// The emergency plan `id`.
    public static func emergencyPlan(_ id: EmergencyPlan.ID) -> Self { Self(.emergencyPlan, id.rawValue) }
    /// The incident `id`.
    public static func incident(_ id: Incident.ID) -> Self { Self(.incident, id.rawValue) }
    /// The resource request `id`.
    public static func resourceRequest(_ id: ResourceRequest.ID) -> Self { Self(.resourceRequest, id.rawValue) }

    /// The purchase order `id`.
    public static func purchaseOrder(_ id: PurchaseOrder.ID) -> Self { Self(.purchaseOrder, id.rawValue) }
    /// The partner organization `id`.
    public static func partner(_ id: Organization.ID) -> Self { Self(.partner, id.rawValue) }
    /// The customer whose organization is `id`.
    public static func customer(_ id: Organization.ID) -> Self { Self(.customer, id.rawValue) }
    /// The ticket `id`.
    public static func ticket(_ id: Ticket.ID) -> Self { Self(.ticket, id.rawValue) }
    /// The run-time settings of the organization `id`.
    public static func settings(_ id: Organization.ID) -> Self { Self(.settings, id.rawValue) }
    /// The approval request `id`.
    public static func approvalRequest(_ id: ApprovalRequest.ID) -> Self { Self(.approvalRequest, id.rawValue) }
    /// The approval flow `id`.
    public static func approvalFlow(_ id: ApprovalFlow.ID) -> Self { Self(.approvalFlow, id.rawValue) }

    /// `kind:id`, as stored.
    public var stored: String { "\(kind.rawValue):\(id)" }

    /// Reads a stored reference; `nil` when it has no `kind:` prefix.
    public init?(stored: String) {
        guard let colon = stored.firstIndex(of: ":"), colon != stored.startIndex else { return nil }
        self.init(Kind(rawValue: String(stored[..<colon])), String(stored[stored.index(after: colon)...]))
    }

    public var description: String { stored }
}
