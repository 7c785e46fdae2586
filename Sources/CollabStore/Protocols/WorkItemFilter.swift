import CollabModel
import Foundation

/// Narrows a list, count or report of work items. Every condition is optional; all given ones must hold.
///
/// Members of outside organizations may filter only by what they can see (state, priority, due dates):
/// filtering by assignee, department or tag would let them probe internal fields, so the engine refuses it.
public struct WorkItemFilter: Hashable, Sendable, Codable {
    /// Only items in one of these states.
    public var states: Set<WorkItemState>?
    /// Only items of one of these priorities.
    public var priorities: Set<Priority>?
    /// Only items assigned to this member.
    public var assigneeID: Member.ID?
    /// Only items in which this department takes part.
    public var departmentID: Department.ID?
    /// Only items with this tag.
    public var tag: String?
    /// Only items due at or after this instant.
    public var dueFrom: Date?
    /// Only items due before this instant.
    public var dueBefore: Date?

    /// Creates a filter; with no arguments it matches everything.
    public init(
        states: Set<WorkItemState>? = nil, priorities: Set<Priority>? = nil, assigneeID: Member.ID? = nil,
        departmentID: Department.ID? = nil, tag: String? = nil, dueFrom: Date? = nil, dueBefore: Date? = nil
    ) {
        self.states = states
        self.priorities = priorities
        self.assigneeID = assigneeID
        self.departmentID = departmentID
        self.tag = tag
        self.dueFrom = dueFrom
        self.dueBefore = dueBefore
    }

    /// Matches everything.
    public static let all = WorkItemFilter()

    /// Whether the filter reads internal fields (assignee, department, tag).
    public var usesInternalFields: Bool { assigneeID != nil || departmentID != nil || tag != nil }
}
