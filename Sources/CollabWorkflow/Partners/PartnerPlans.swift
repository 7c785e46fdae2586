import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// Plans ``PartnerDesk/invite(_:by:idempotencyKey:)`` as `planning.subject` (an administrator of an
    /// internal organization): the partner organization (created, or its contacts added), its new members and
    /// the partnership, with the audit event.
    func planInvitePartner(_ invitation: PartnerInvitation, _ planning: Planning) async throws(CollabError)
        -> Planned<Partnership>
    {
        let subject = planning.subject
        let admin = subject.memberID
        try authorize(subject, .invitePartner, on: .organization(subject.organizationID),
            otherwise: CollabError(.forbidden, "member '\(admin)' may not invite partners: administrators only"))
        var report = invitation.validate(limits: configuration.limits)
        try report.throwIfInvalid()
        let existing = try await store.organization(invitation.partnerID)
        if let existing, existing.kind != .partner {
            report.add("partnerID", .duplicate, "'\(invitation.partnerID)' is already a \(existing.kind.rawValue) organization")
        } else if existing != nil {
            // A partner organization belongs to the company that invited it: only that company adds its
            // contacts, or another company's admin could add a member who then reads that company's orders.
            let companies = Set(try await store.partnerships(of: invitation.partnerID, asPartner: true).map(\.organizationID))
            if companies != [subject.organizationID] {
                report.add("partnerID", .duplicate,
                    "'\(invitation.partnerID)' is an organization the company did not invite; choose another id")
            }
        }
        let now = planning.now
        var organization = Organization(
            id: invitation.partnerID, name: invitation.name, kind: .partner,
            timeZoneIdentifier: invitation.timeZoneIdentifier, externalCollaborationEnabled: true)
        if let existing, existing.kind == .partner {
            // Invited again: contacts are added; the time zone and whether collaboration is enabled stay.
            organization.timeZoneIdentifier = existing.timeZoneIdentifier
            organization.externalCollaborationEnabled = existing.externalCollaborationEnabled
        }
        let known: [Member] = existing == nil ? [] : try await store.members(in: invitation.partnerID)
        var change = ChangeSet()
        change.external.organizations = [organization]
        var added: [Member.ID] = []
        var handles = Set(known.map(\.handle))
        var listed = Set<Member.ID>()
        for (index, contact) in invitation.contacts.enumerated() {
            let id = contact.memberID ?? Member.ID(identifiers.next())
            guard listed.insert(id).inserted else {
                report.add("contacts[\(index)].memberID", .duplicate, "'\(id)' is listed twice")
                continue
            }
            if let holder = try await store.member(id) {
                // Invited again: an existing member of the partner stays as they are.
                if holder.organizationID == invitation.partnerID { continue }
                report.add("contacts[\(index)].memberID", .duplicate, "'\(id)' is a member of another organization")
                continue
            }
            let member = Member(id: id, organizationID: invitation.partnerID, displayName: contact.displayName,
                handle: Self.uniqueHandle(for: contact, taken: &handles))
            change.external.members.append(member)
            added.append(id)
        }
        try report.throwIfInvalid()
        let partnership = Partnership(organizationID: subject.organizationID, partnerID: invitation.partnerID,
            role: invitation.role, invitedBy: admin, invitedAt: now)
        change.external.partnerships = [partnership]
        change.auditEvents = [AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: subject.organizationID, itemID: nil, actorID: admin,
            action: "invite_partner", fromState: nil, toState: nil,
            details: ["partner": invitation.partnerID.rawValue, "role": invitation.role.rawValue,
                "contacts": added.map(\.rawValue).joined(separator: ",")],
            occurredAt: now, record: .partner(invitation.partnerID))]
        return Planned(change, partnership)
    }

    /// A handle for a contact: the e-mail address's local part, or the name, made of allowed characters, and
    /// unique in the organization.
    static func uniqueHandle(for contact: ExternalContact, taken: inout Set<String>) -> String {
        let source = contact.email.flatMap { $0.split(separator: "@").first.map(String.init) } ?? contact.displayName
        var base = String(source.lowercased().unicodeScalars.map { scalar -> Character in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_"
                || scalar == "-" ? Character(scalar) : "."
        })
        base = String(base.prefix(60))
        if base.allSatisfy({ $0 == "." }) { base = "contact" }
        var handle = base
        var suffix = 2
        while taken.contains(handle) {
            handle = "\(base)-\(suffix)"
            suffix += 1
        }
        taken.insert(handle)
        return handle
    }

    /// Throws `CollabError.Code.notFound` unless `subject` may still invite partners for the partnership's
    /// company (a replay's check: the partnership is the company administrators' business).
    func partnershipVisible(_ subject: Subject, _ partnership: Partnership) throws(CollabError) {
        try authorize(subject, .invitePartner, on: .organization(partnership.organizationID),
            otherwise: CollabError.notFound("partner", partnership.partnerID.rawValue))
    }
}
