import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// The engine's methods before the desks (issue 16), kept for one release as forwards to the desks.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "customers.recordSignedContract(_:by:idempotencyKey:)")
    @discardableResult
    public func recordSignedContract(_ contract: SignedContract, by member: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> CustomerRegistration {
        try await customers.recordSignedContract(contract, by: member, idempotencyKey: idempotencyKey)
    }

    @available(*, deprecated, renamed: "customers.customer(_:as:)")
    public func customer(_ id: Organization.ID, as viewer: Member.ID) async throws(CollabError) -> CustomerRecord {
        try await customers.customer(id, as: viewer)
    }

    @available(*, deprecated, renamed: "customers.list(as:page:)")
    public func customers(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError) -> Page<CustomerRecord> {
        try await customers.list(as: viewer, page: page)
    }
}
