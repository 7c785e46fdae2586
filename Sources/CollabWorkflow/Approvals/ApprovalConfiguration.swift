import CollabModel
import Foundation

/// Resolves the host's approver groups (`ApproverSource.group(name:)`): "it-asset-admins" to the members
/// who hold that duty, from the host's own data.
///
/// Called when a step naming the group starts (and when a deactivated approver's place is given again). The
/// engine keeps only the active members of the request's organization among those returned, in order.
public protocol ApprovalGroupResolver: Sendable {
    /// The members of `group` in `organizationID`, in the order they should hold places.
    func members(of group: String, in organizationID: Organization.ID) async throws -> [Member.ID]
}

/// How the engine runs approval flows (``WorkflowEngine/Configuration/approvals``).
public struct ApprovalConfiguration: Sendable {
    /// Resolves `ApproverSource.group(name:)`; with none, a group resolves to nobody (and the flow's
    /// `ApprovalPolicies.nobodyToApprove` applies).
    public var groups: (any ApprovalGroupResolver)?
    /// How long after a reminder (催办) of a request the next one may be sent: one hour by default. A reminder
    /// within it is refused with `CollabError.Code.rateLimited`.
    public var reminderInterval: Duration
    /// How many members one call may copy (抄送): 50 by default.
    public var copyLimit: Int

    /// Creates a configuration.
    public init(groups: (any ApprovalGroupResolver)? = nil, reminderInterval: Duration = .seconds(3600), copyLimit: Int = 50) {
        self.groups = groups
        self.reminderInterval = reminderInterval
        self.copyLimit = copyLimit
    }
}
