import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// The engine's methods before the desks (issue 16), kept for one release as forwards to the desks.

extension WorkflowEngine {
    @available(*, deprecated, renamed: "partners.invite(_:by:idempotencyKey:)")
    @discardableResult
    public func invitePartner(_ invitation: PartnerInvitation, by admin: Member.ID, idempotencyKey: String? = nil) async throws(CollabError) -> Partnership {
        try await partners.invite(invitation, by: admin, idempotencyKey: idempotencyKey)
    }
}
