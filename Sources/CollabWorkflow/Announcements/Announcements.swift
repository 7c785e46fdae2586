import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// An announcement as one recipient has it: with when they read and acknowledged it.
public struct ReceivedAnnouncement: Hashable, Sendable, Codable {
    /// The announcement.
    public var announcement: Announcement
    /// The recipient's receipt.
    public var receipt: AnnouncementReceipt

    /// Whether the recipient still has to acknowledge it.
    public var awaitsAcknowledgement: Bool { announcement.acknowledgement != nil && receipt.acknowledgedAt == nil }
}

extension WorkflowEngine {
    // MARK: Publishing

    /// Plans ``AnnouncementDesk/publish(_:by:idempotencyKey:)``.
    func planPublish(_ draft: AnnouncementDraft, _ planning: Planning) async throws(CollabError)
        -> Planned<Announcement>
    {
        let subject = planning.subject
        let author = subject.memberID
        let now = planning.now
        var resolution = ValidationReport()
        var draft = draft
        draft.attachments = try await resolveAttachments(draft.attachments, for: subject, report: &resolution)
        var report = draft.validate(now: now, limits: configuration.limits, attachmentPolicy: configuration.attachmentPolicy)
        report.merge(resolution)
        let organization = subject.organizationID
        let directory = try await organizationDirectory(organization)
        if let department = draft.publisherDepartmentID, !directory.departmentIDs.contains(department) {
            report.add("publisherDepartmentID", .unknownDepartment, "department '\(department)' does not exist")
        }
        for (index, target) in draft.audience.departments.enumerated()
        where !directory.departmentIDs.contains(target.departmentID) {
            report.add("audience.departments[\(index)]", .unknownDepartment,
                "department '\(target.departmentID)' does not exist")
        }
        for (index, member) in draft.audience.memberIDs.enumerated() where directory.memberByID[member] == nil {
            report.add("audience.memberIDs[\(index)]", .unknownMember,
                "'\(member)' is not an active member of the organization")
        }
        try report.throwIfInvalid()
        let memberDepartments = directory.memberByID.mapValues { Set($0.departments.map(\.departmentID)) }
        let publication = AccessTarget.publication(in: organization, onBehalfOf: draft.publisherDepartmentID,
            to: draft.audience, memberDepartments: memberDepartments)
        try authorize(subject, .publishAnnouncement, on: publication, otherwise: refusal(
            subject, .publishAnnouncement, on: publication, CollabError(.forbidden,
                "member '\(author)' may not publish this announcement: \(publishDenial(subject, publication))")))

        var recipients = Set<Member.ID>()
        if draft.audience.wholeOrganization { recipients.formUnion(directory.members.map(\.id)) }
        for target in draft.audience.departments {
            recipients.formUnion(directory.members(of: directory.subtree(target.departmentID,
                deep: target.includesSubdepartments)))
        }
        for role in draft.audience.roles {
            switch role {
            case .administrators: recipients.formUnion(directory.members.filter(\.isAdministrator).map(\.id))
            case .auditors: recipients.formUnion(directory.members.filter { $0.roles.contains(.auditor) }.map(\.id))
            case .departmentHeads:
                recipients.formUnion(directory.members.filter { $0.departments.contains { $0.role == .head } }.map(\.id))
            }
        }
        recipients.formUnion(draft.audience.memberIDs)
        recipients.remove(author)
        guard !recipients.isEmpty else {
            throw CollabError.invalid([ValidationProblem(field: "audience", kind: .empty,
                message: "reaches no active member of the organization besides the author")])
        }

        let announcement = Announcement(
            id: Announcement.ID(identifiers.next()), organizationID: organization, authorID: author,
            publisherDepartmentID: draft.publisherDepartmentID, title: draft.title, body: draft.body,
            audience: draft.audience, urgency: draft.urgency,
            acknowledgement: draft.acknowledgement.map {
                AcknowledgementRequirement(deadline: Self.truncated($0.deadline), reminderLead: $0.reminderLead)
            },
            attachments: draft.attachments, isPinned: draft.isPinned, expiresAt: draft.expiresAt.map(Self.truncated),
            publishedAt: now)
        let record = RecordReference.announcement(announcement.id)
        var change = ChangeSet()
        change.scenario.announcements = [announcement]
        let authorName = subject.displayName ?? author.rawValue
        for recipient in recipients.sorted() {
            let notice = recordNotice(
                record, organization: organization, to: recipient, kind: .announcement, urgency: announcement.urgency,
                actor: author, message: LocalizedMessage(
                    (announcement.urgency == .urgent ? "notice.announcement_urgent" : "notice.announcement")
                        + (announcement.acknowledgement == nil ? "" : "_acknowledge"), [
                        "title": .text(announcement.title), "actor": .text(authorName),
                        "text": .text(announcement.body.clipped(500)),
                        "deadline": announcement.acknowledgement.map { .dateTime($0.deadline) } ?? .text(""),
                    ]), at: now)
            change.notifications.append(notice)
            change.scenario.receipts.append(AnnouncementReceipt(
                announcementID: announcement.id, memberID: recipient,
                departmentID: directory.memberByID[recipient]?.departments.first?.departmentID, noticeID: notice.id))
        }
        change.auditEvents.append(recordEvent(record, organization: organization, actor: author, action: "publish",
            details: [
                "title": announcement.title, "recipients": String(recipients.count),
                "urgency": announcement.urgency.rawValue,
                "acknowledge_by": announcement.acknowledgement.map { String($0.deadline.storedKey) } ?? "",
            ], at: now))
        if let acknowledgement = announcement.acknowledgement {
            if let reminderAt = acknowledgement.reminderAt, reminderAt > now {
                change.scenario.timers.append(ScheduledTimer(
                    id: "\(record)|reminder", record: record, organizationID: organization,
                    kind: .acknowledgementReminder, fireAt: reminderAt))
            }
            change.scenario.timers.append(ScheduledTimer(
                id: "\(record)|deadline", record: record, organizationID: organization,
                kind: .acknowledgementDeadline, fireAt: acknowledgement.deadline))
        }
        return Planned(change, announcement)
    }

    /// Why the rule sets refuse `subject` to publish `publication`: the publishing rule's reason.
    private func publishDenial(_ subject: Subject, _ publication: AccessTarget) -> String {
        let decision = configuration.accessControl.decide(subject, .publishAnnouncement, on: publication)
        return decision.reason ?? "\(decision)"
    }

    /// Throws `CollabError.Code.notFound` unless `subject` may still see the announcement (a replay's check).
    func announcementVisible(_ subject: Subject, _ announcement: Announcement) async throws(CollabError) {
        _ = try await visibleAnnouncement(announcement.id, to: subject)
    }

    // MARK: Reading and acknowledging

    /// The announcements `viewer` received (``AnnouncementDesk/received(for:includeExpired:page:)``).
    func receivedAnnouncements(for viewer: Member.ID, includeExpired: Bool = false, page: PageRequest = .first)
        async throws(CollabError) -> Page<ReceivedAnnouncement>
    {
        let subject = try await subject(viewer)
        let found = try await store.announcements(receivedBy: viewer, now: now(), includeExpired: includeExpired,
            page: page)
        var items: [ReceivedAnnouncement] = []
        for announcement in found.items
        where isAllowed(subject, .viewAnnouncement, on: .announcement(announcement, isRecipient: true)) {
            if let receipt = try await store.receipt(of: announcement.id, for: viewer) {
                items.append(ReceivedAnnouncement(announcement: announcement, receipt: receipt))
            }
        }
        return Page(items: items, nextCursor: found.nextCursor)
    }

    /// The announcements `viewer` may manage (``AnnouncementDesk/published(as:page:)``).
    func announcementsPublished(as viewer: Member.ID, page: PageRequest = .first)
        async throws(CollabError) -> Page<Announcement>
    {
        let subject = try await subject(viewer)
        // The query's scope (every announcement of the organization for overseers, else one's own) only narrows
        // what is read; the access control decides what is returned.
        let overseer = subject.isAdministrator || subject.roles.contains(.auditor)
        var found = try await store.announcements(in: subject.organizationID, authorID: overseer ? nil : viewer,
            page: page)
        found.items = found.items.filter {
            isAllowed(subject, .viewAnnouncementReach, on: .announcement($0, isRecipient: false))
        }
        return found
    }

    /// The announcement, if `viewer` may see it (``AnnouncementDesk/announcement(_:as:)``).
    func readAnnouncement(_ id: Announcement.ID, as viewer: Member.ID) async throws(CollabError) -> Announcement {
        try await visibleAnnouncement(id, to: try await subject(viewer)).announcement
    }

    /// Plans ``AnnouncementDesk/open(_:by:idempotencyKey:)``: the receipt, read now unless it was read before.
    func planOpenAnnouncement(_ id: Announcement.ID, _ planning: Planning) async throws(CollabError)
        -> Planned<ReceivedAnnouncement>
    {
        let subject = planning.subject
        let reader = subject.memberID
        let (announcement, found) = try await visibleAnnouncement(id, to: subject)
        let target = AccessTarget.announcement(announcement, isRecipient: found != nil)
        let notReceived = CollabError(.forbidden, "member '\(reader)' did not receive announcement '\(id)'")
        try authorize(subject, .openAnnouncement, on: target,
            otherwise: refusal(subject, .openAnnouncement, on: target, notReceived))
        guard var receipt = found else { throw notReceived }  // the rule admits recipients only
        var change = ChangeSet()
        if receipt.readAt == nil {
            receipt.readAt = planning.now
            change.scenario.receipts = [receipt]
        }
        return Planned(change, ReceivedAnnouncement(announcement: announcement, receipt: receipt))
    }

    /// Plans ``AnnouncementDesk/acknowledge(_:by:idempotencyKey:)``. The change records its result under a
    /// key of the member and the announcement (`recording`, the command's name and input digest): of two
    /// acknowledgements at the same time, the second commits nothing (no second audit event) and returns the
    /// receipt as the first left it.
    func planAcknowledge(_ id: Announcement.ID, recording: (command: String, fingerprint: String),
        _ planning: Planning) async throws(CollabError) -> Planned<ReceivedAnnouncement>
    {
        let subject = planning.subject
        let member = subject.memberID
        let (announcement, found) = try await visibleAnnouncement(id, to: subject)
        let target = AccessTarget.announcement(announcement, isRecipient: found != nil)
        let notReceived = CollabError(.forbidden, "member '\(member)' did not receive announcement '\(id)'")
        try authorize(subject, .acknowledgeAnnouncement, on: target,
            otherwise: refusal(subject, .acknowledgeAnnouncement, on: target, notReceived))
        guard var receipt = found else { throw notReceived }  // the rule admits recipients only
        guard let requirement = announcement.acknowledgement else {
            throw CollabError(.invalidTransition, "announcement '\(id)' does not ask for an acknowledgement")
        }
        guard receipt.acknowledgedAt == nil else {
            return Planned(ChangeSet(), ReceivedAnnouncement(announcement: announcement, receipt: receipt))
        }
        let now = planning.now
        receipt.readAt = receipt.readAt ?? now
        receipt.acknowledgedAt = now
        let output = ReceivedAnnouncement(announcement: announcement, receipt: receipt)
        var change = ChangeSet()
        change.scenario.receipts = [receipt]
        change.auditEvents = [recordEvent(.announcement(id), organization: announcement.organizationID, actor: member,
            action: "acknowledge", details: now > requirement.deadline ? ["late": "true"] : [:], at: now)]
        let payload: Data
        do {
            payload = try JSONEncoder().encode(output)
        } catch {
            throw CollabError(.storageFailure, "could not encode the result of 'acknowledge': \(error)")
        }
        change.idempotency = IdempotencyRecord(
            key: IdempotencyKey(actorID: member, key: "collab.acknowledge:\(id)"),
            result: RecordedResult(command: recording.command, fingerprint: recording.fingerprint, payload: payload))
        return Planned(change, output)
    }

    /// How far an announcement reached (``AnnouncementDesk/reach(of:as:)``).
    func announcementReach(of id: Announcement.ID, as viewer: Member.ID) async throws(CollabError) -> AnnouncementReach {
        let subject = try await subject(viewer)
        guard let announcement = try await store.announcement(id),
            isAllowed(subject, .viewAnnouncementReach, on: .announcement(announcement,
                isRecipient: try await store.receipt(of: id, for: viewer) != nil))
        else { throw CollabError.notFound("announcement", id.rawValue) }
        var total = AnnouncementReach.Figures()
        var byDepartment: [Department.ID?: AnnouncementReach.Figures] = [:]
        var unread: [Member.ID] = [], unacknowledged: [Member.ID] = []
        let asksAcknowledgement = announcement.acknowledgement != nil
        for (receipt, delivered) in try await store.receipts(of: id) {
            func count(_ figures: inout AnnouncementReach.Figures) {
                figures.recipients += 1
                if delivered { figures.delivered += 1 }
                if receipt.readAt != nil { figures.read += 1 }
                if receipt.acknowledgedAt != nil { figures.acknowledged += 1 }
            }
            count(&total)
            count(&byDepartment[receipt.departmentID, default: AnnouncementReach.Figures()])
            if receipt.readAt == nil { unread.append(receipt.memberID) }
            if asksAcknowledgement && receipt.acknowledgedAt == nil { unacknowledged.append(receipt.memberID) }
        }
        let departments = byDepartment.map { AnnouncementReach.DepartmentFigures(departmentID: $0.key, figures: $0.value) }
            .sorted { ($0.departmentID?.rawValue ?? "\u{10FFFF}") < ($1.departmentID?.rawValue ?? "\u{10FFFF}") }
        return AnnouncementReach(announcementID: id, total: total, departments: departments, unread: unread.sorted(),
            unacknowledged: unacknowledged.sorted())
    }

    // MARK: Managing

    /// Plans a change of an announcement by its author or an administrator (pin, unpin, set its expiry):
    /// nothing to commit when it changes nothing. `right` is the action the access control decides
    /// (``RecordAction/pinAnnouncement`` or ``RecordAction/setAnnouncementExpiry``); `action` names it in the
    /// audit trail.
    func planAnnouncementChange(
        _ id: Announcement.ID, _ right: RecordAction, action: String, _ planning: Planning,
        _ body: (inout Announcement, Date) -> Void
    ) async throws(CollabError) -> Planned<Announcement> {
        let subject = planning.subject
        let member = subject.memberID
        let visible = try await visibleAnnouncement(id, to: subject)
        var announcement = visible.announcement
        let target = AccessTarget.announcement(announcement, isRecipient: visible.receipt != nil)
        try authorize(subject, right, on: target, otherwise: refusal(subject, right, on: target,
            CollabError(.forbidden, "member '\(member)' may not \(action) announcement '\(id)'")))
        let now = planning.now
        let before = announcement
        body(&announcement, now)
        guard announcement != before else { return Planned(ChangeSet(), announcement) }
        announcement.version += 1
        var change = ChangeSet()
        change.scenario.announcements = [announcement]
        change.auditEvents = [recordEvent(.announcement(id), organization: announcement.organizationID, actor: member,
            action: action, details: ["expires_at": announcement.expiresAt.map { String($0.storedKey) } ?? ""], at: now)]
        return Planned(change, announcement)
    }

    /// The announcement and `subject`'s receipt of it, if they may see it; else `CollabError.Code.notFound`.
    func visibleAnnouncement(_ id: Announcement.ID, to subject: Subject) async throws(CollabError)
        -> (announcement: Announcement, receipt: AnnouncementReceipt?)
    {
        guard let announcement = try await store.announcement(id) else {
            throw CollabError.notFound("announcement", id.rawValue)
        }
        let receipt = try await store.receipt(of: id, for: subject.memberID)
        guard isAllowed(subject, .viewAnnouncement, on: .announcement(announcement, isRecipient: receipt != nil)) else {
            throw CollabError.notFound("announcement", id.rawValue)
        }
        return (announcement, receipt)
    }

    // MARK: Timers

    /// Reminds the recipients who have not acknowledged, or, at the deadline, tells each missing member's
    /// department heads who is missing.
    func fireAnnouncementTimer(_ timer: ScheduledTimer, into change: inout ChangeSet, now: Date)
        async throws(CollabError) -> [Member.ID]
    {
        guard let announcement = try await store.announcement(Announcement.ID(timer.record.id)),
            let requirement = announcement.acknowledgement, !announcement.isExpired(at: now)
        else { return [] }
        let missing = try await store.receipts(of: announcement.id).map(\.receipt).filter { $0.acknowledgedAt == nil }
        guard !missing.isEmpty else { return [] }
        let record = RecordReference.announcement(announcement.id)
        var notified: [Member.ID] = []
        var updated = announcement
        updated.version += 1
        switch timer.kind {
        case .acknowledgementReminder:
            for receipt in missing {
                change.notifications.append(recordNotice(record, organization: announcement.organizationID,
                    to: receipt.memberID, kind: .acknowledgementReminder, urgency: announcement.urgency, actor: nil,
                    message: LocalizedMessage("notice.acknowledge_reminder", [
                        "title": .text(announcement.title), "deadline": .dateTime(requirement.deadline),
                    ]), at: now))
                notified.append(receipt.memberID)
            }
            updated.remindedAt = now
            change.auditEvents.append(recordEvent(record, organization: announcement.organizationID,
                actor: AuditEvent.systemActor, action: "remind_acknowledgement",
                details: ["missing": String(missing.count), "timer": timer.id], at: now))
        case .acknowledgementDeadline:
            let directory = try await organizationDirectory(announcement.organizationID)
            var missingByHead: [Member.ID: [Member.ID]] = [:]
            for receipt in missing {
                // A member with no head above them (the head of a top-level department) is reported to the
                // author, so that no missing acknowledgement goes untold.
                let heads = directory.heads(of: receipt.memberID)
                for head in heads.isEmpty ? [announcement.authorID] : heads {
                    missingByHead[head, default: []].append(receipt.memberID)
                }
            }
            for (head, members) in missingByHead.sorted(by: { $0.key < $1.key }) {
                let names = members.map { directory.memberByID[$0]?.displayName ?? $0.rawValue }.sorted()
                change.notifications.append(recordNotice(record, organization: announcement.organizationID,
                    to: head, kind: .acknowledgementMissed, urgency: .urgent, actor: nil,
                    message: LocalizedMessage("notice.announcement_not_acknowledged", [
                        "title": .text(announcement.title), "count": .integer(members.count),
                        "deadline": .dateTime(requirement.deadline), "names": .list(names.map { .text($0) }),
                    ]), at: now))
                notified.append(head)
            }
            updated.escalatedAt = now
            change.auditEvents.append(recordEvent(record, organization: announcement.organizationID,
                actor: AuditEvent.systemActor, action: "escalate_acknowledgement",
                details: ["missing": missing.map(\.memberID.rawValue).sorted().joined(separator: ","),
                    "heads": missingByHead.keys.map(\.rawValue).sorted().joined(separator: ","), "timer": timer.id],
                at: now))
        case .incidentAcknowledgement, .ticketFirstResponse, .ticketResolution, .approvalTimeout, .reminder, .overdue,
            .escalation,
            .reviewReminder, .adjustmentReminder:
            return []
        }
        change.scenario.announcements = [updated]
        return notified
    }
}
