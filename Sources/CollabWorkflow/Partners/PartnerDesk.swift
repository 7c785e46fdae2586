import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The partner desk: a company's administrators invite partner organizations (suppliers, distributors) and
/// their contacts, who then work with the company through the partner portal (``OrderDesk``).
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data, the rights re-checked at commit, and one atomic commit with the audit event.
///
/// ```swift
/// let partnership = try await engine.partners.invite(
///     PartnerInvitation(partnerID: "ningbo-bearings", name: "Ningbo Bearings",
///                       contacts: [ExternalContact(displayName: "Ma Lin", email: "ma.lin@ningbo.example")]),
///     by: "admin", idempotencyKey: "invite-ningbo")
/// ```
public struct PartnerDesk: Sendable {
    let engine: WorkflowEngine

    /// Invites a partner organization (a supplier, a distributor) and its contacts: the organization is
    /// created (or, when it exists, its contacts are added) with external collaboration enabled, each contact
    /// becomes a member of it, and the partnership with the administrator's company is recorded, in one
    /// transaction.
    ///
    /// - Parameter invitation: the partner organization: its name, role (supplier, distributor …), time zone
    ///   and contacts.
    /// - Parameter admin: an administrator of the company inviting it.
    /// - Parameter idempotencyKey: a key chosen by the caller; a retry with the same key and the same
    ///   invitation returns the first partnership and changes nothing (to an administrator who may still
    ///   invite for the company). Keys are scoped to the actor.
    /// - Returns: the partnership.
    /// - Throws: `CollabError.Code.forbidden` unless `admin` is an active administrator of an internal
    ///   organization; `CollabError.Code.invalidInput` listing every problem (a contact id used by a member of
    ///   another organization, an organization id taken by an internal organization, a customer, or a partner
    ///   another company invited: a partner organization belongs to the company that invited it);
    ///   `CollabError.Code.idempotencyKeyReused` for a key first used with another input. Nothing is written
    ///   when it throws.
    @discardableResult
    public func invite(_ invitation: PartnerInvitation, by admin: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> Partnership
    {
        let engine = engine
        let partnership = try await engine.run(Command("invite_partner", by: admin, inputs: ["invitation": invitation],
            idempotencyKey: idempotencyKey, visible: { subject, partnership throws(CollabError) in
                try engine.partnershipVisible(subject, partnership)
            })) { planning throws(CollabError) in
            try await engine.planInvitePartner(invitation, planning)
        }
        engine.logger.info("partner invited", metadata: ["partner": "\(invitation.partnerID)", "by": "\(admin)"])
        return partnership
    }
}

extension WorkflowEngine {
    /// The partner desk: inviting partner organizations and their contacts.
    public var partners: PartnerDesk { PartnerDesk(engine: self) }
}
