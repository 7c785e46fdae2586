import CollabModel
import CollabPermissions
import CollabStore
import CollabWorkflow
import Foundation
import FuzzSupport

// Filters, paging, commands and access policies: the input is read as a WorkItemFilter, a PageRequest, a
// WorkItemCommand, an AccessPolicy, an AccessRule and a VisibilityScope. Every decoded value round-trips;
// a page request's limit stays within 1...500 and a policy's grants are those of its rules.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let filter = FuzzCheck.decode(WorkItemFilter.self, from: bytes) {
        FuzzCheck.roundTrip(filter)
        _ = filter.usesInternalFields
    }
    if let page = FuzzCheck.decode(PageRequest.self, from: bytes) {
        FuzzCheck.require((1...500).contains(page.limit), "a decoded page request asks for \(page.limit) rows")
        FuzzCheck.roundTrip(page)
    }
    if let command = FuzzCheck.decode(WorkItemCommand.self, from: bytes) {
        FuzzCheck.roundTrip(command)
        FuzzCheck.require(!command.name.isEmpty, "a command without a name")
        switch command {
        case .create(let draft, _): FuzzCheck.check(draft)
        case .reportProgress(_, _, _, let attachments): for attachment in attachments { FuzzCheck.check(attachment) }
        default: break
        }
    }
    if let policy = FuzzCheck.decode(AccessPolicy.self, from: bytes) {
        FuzzCheck.roundTrip(policy)
        let rebuilt = AccessPolicy(rules: policy.rules)
        for action in WorkItemAction.allCases {
            FuzzCheck.require(
                policy.relationships(allowedTo: action) == rebuilt.relationships(allowedTo: action),
                "a decoded policy grants \(action) to \(policy.relationships(allowedTo: action)), its rules to \(rebuilt.relationships(allowedTo: action))")
        }
        FuzzCheck.require(policy == rebuilt, "a decoded policy differs from the policy of its rules")
    }
    if let rule = FuzzCheck.decode(AccessRule.self, from: bytes) {
        FuzzCheck.roundTrip(rule)
    }
    if let scope = FuzzCheck.decode(VisibilityScope.self, from: bytes) {
        FuzzCheck.roundTrip(scope)
        _ = scope.isEmpty
    }
    return 0
}
