import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The announcement desk: notices from the leadership or a department to an audience of members — publish,
/// open, acknowledge, pin, expire — with reminders and escalation of missing acknowledgements, and the reach
/// of each announcement.
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data (a deactivated member is refused with `CollabError.Code.forbidden`), the rights
/// re-checked at commit, and one atomic commit of the change with its audit event, notifications and timers.
///
/// Every right is decided by the engine's one `AccessControl` (its `scenario_rules` rule set, then the host's
/// rules): a host `AccessRuleExtension` that denies `announcement.publish`, `.open`, `.acknowledge`, `.pin`
/// (pinning and unpinning) or `.set_expiry` refuses that write with `CollabError.Code.forbidden`, and nothing
/// is written.
///
/// ```swift
/// let notice = try await engine.announcements.publish(
///     AnnouncementDraft(title: "Office closed on Friday", body: "The building is closed for maintenance.",
///                       audience: .organization),
///     by: "admin", idempotencyKey: "closure-2026-12-04")
/// try await engine.announcements.acknowledge(notice.id, by: "li.wei")
/// ```
public struct AnnouncementDesk: Sendable {
    let engine: WorkflowEngine

    // MARK: Publishing

    /// Publishes an announcement: resolves its audience to the organization's active members (the author
    /// excepted), gives each a receipt and a notification (`Notice.Urgency.urgent` ones go out at once
    /// with the urgency the host maps to SMS or a call), and schedules the acknowledgement reminder and
    /// deadline, all in one transaction.
    ///
    /// Administrators publish for the leadership or any department, to any audience; a department head
    /// publishes for a department they head, to the departments they head and their members.
    ///
    /// - Parameter draft: the announcement: its title and body, the department or leadership it is published
    ///   for, its audience, urgency and acknowledgement requirement.
    /// - Parameter author: who publishes it: an administrator, or the head of the departments it is for.
    /// - Parameter idempotencyKey: a retry with the same key and draft returns the first announcement and
    ///   publishes nothing again — while the author is active (else `forbidden`, as a fresh publish) and may
    ///   still see it (else `notFound`); the same key with another draft is
    ///   `CollabError.Code.idempotencyKeyReused`. Keys are scoped to the author.
    /// - Throws: `CollabError.Code.forbidden` when the author is deactivated or may not publish to that
    ///   audience; `CollabError.Code.invalidInput` listing every problem (an unknown department or member, an
    ///   audience with nobody in it, a deadline in the past).
    @discardableResult
    public func publish(_ draft: AnnouncementDraft, by author: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> Announcement
    {
        let engine = engine
        return try await engine.run(Command("publish", by: author, inputs: ["draft": draft],
            idempotencyKey: idempotencyKey, visible: engine.announcementVisible)) { planning throws(CollabError) in
            try await engine.planPublish(draft, planning)
        }
    }

    // MARK: Reading and acknowledging

    /// The announcements `viewer` received, pinned first then newest first; expired ones only when
    /// `includeExpired`.
    public func received(for viewer: Member.ID, includeExpired: Bool = false, page: PageRequest = .first)
        async throws(CollabError) -> Page<ReceivedAnnouncement>
    {
        try await engine.receivedAnnouncements(for: viewer, includeExpired: includeExpired, page: page)
    }

    /// The announcements of `viewer`'s organization they may manage or see the reach of (their own, or every
    /// one for administrators and auditors), newest first.
    public func published(as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<Announcement>
    {
        try await engine.announcementsPublished(as: viewer, page: page)
    }

    /// The announcement, if `viewer` may see it: a recipient, or one who sees its reach.
    ///
    /// - Throws: `CollabError.Code.notFound` when it does not exist or the viewer may not see it.
    public func announcement(_ id: Announcement.ID, as viewer: Member.ID) async throws(CollabError) -> Announcement {
        try await engine.readAnnouncement(id, as: viewer)
    }

    /// Opens an announcement as a recipient: records that they read it (the first time) and marks its
    /// notification read.
    ///
    /// - Parameter id: the announcement.
    /// - Parameter reader: the recipient opening it.
    /// - Parameter idempotencyKey: a retry with the same key returns the first result and writes nothing;
    ///   the same key for another announcement is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.notFound` when the announcement does not exist or `reader` may not see
    ///   it; `CollabError.Code.forbidden` when `reader` is deactivated or did not receive it.
    @discardableResult
    public func open(_ id: Announcement.ID, by reader: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> ReceivedAnnouncement
    {
        let engine = engine
        let received = try await engine.run(Command("open_announcement", by: reader, inputs: ["id": id],
            idempotencyKey: idempotencyKey, visible: Self.receivedVisible(engine))) { planning throws(CollabError) in
            var planned = try await engine.planOpenAnnouncement(id, planning)
            Self.markNoticeRead(&planned, of: reader, at: planning.now)
            return planned
        }
        return received
    }

    /// Acknowledges an announcement that asks for it (reading it too). Acknowledging again changes nothing;
    /// an acknowledgement after the deadline is recorded as late in the audit trail. Two acknowledgements at
    /// the same time commit one: the second returns the receipt as the first left it.
    ///
    /// - Parameter id: the announcement.
    /// - Parameter member: the recipient acknowledging it.
    /// - Parameter idempotencyKey: a retry with the same key returns the first result and writes nothing;
    ///   the same key for another announcement is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.invalidTransition` when the announcement asks no acknowledgement;
    ///   `CollabError.Code.forbidden` when `member` is deactivated or did not receive it.
    @discardableResult
    public func acknowledge(_ id: Announcement.ID, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> ReceivedAnnouncement
    {
        let engine = engine
        let command = Command("acknowledge", by: member, inputs: ["id": id], idempotencyKey: idempotencyKey,
            visible: Self.receivedVisible(engine))
        let received = try await engine.run(command) { planning throws(CollabError) in
            var planned = try await engine.planAcknowledge(id, recording: (command.name, command.fingerprint), planning)
            Self.markNoticeRead(&planned, of: member, at: planning.now)
            return planned
        }
        return received
    }

    /// How far an announcement reached: recipients, delivered (every hook accepted the notification), read
    /// and acknowledged, overall and per department, with who has not read or acknowledged it.
    ///
    /// - Throws: `CollabError.Code.notFound` unless `viewer` is its author, an administrator, an auditor or a
    ///   head of the department it was published for, or when a host rule refuses it `announcement.view_reach`
    ///   (then ``published(as:page:)`` leaves the announcement out too).
    public func reach(of id: Announcement.ID, as viewer: Member.ID) async throws(CollabError) -> AnnouncementReach {
        try await engine.announcementReach(of: id, as: viewer)
    }

    // MARK: Managing

    /// Pins or unpins an announcement (its author or an administrator).
    ///
    /// - Parameter pinned: `true` pins the announcement, `false` unpins it.
    /// - Parameter id: the announcement.
    /// - Parameter member: its author or an administrator.
    /// - Parameter idempotencyKey: a retry with the same key returns the first result and writes nothing;
    ///   the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.notFound` when `member` may not see it; `CollabError.Code.forbidden` when
    ///   `member` is deactivated or may not manage it.
    @discardableResult
    public func setPinned(_ pinned: Bool, on id: Announcement.ID, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> Announcement
    {
        let engine = engine
        return try await engine.run(Command("set_pinned", by: member, inputs: ["pinned": pinned, "id": id],
            idempotencyKey: idempotencyKey, visible: engine.announcementVisible)) { planning throws(CollabError) in
            try await engine.planAnnouncementChange(id, .pinAnnouncement, action: pinned ? "pin" : "unpin", planning) { announcement, _ in
                announcement.isPinned = pinned
            }
        }
    }

    /// Sets when an announcement expires (`nil`: never; an instant in the past: at once). Its author or an
    /// administrator.
    ///
    /// - Parameter expiresAt: when the announcement expires; `nil`: never.
    /// - Parameter id: the announcement.
    /// - Parameter member: its author or an administrator.
    /// - Parameter idempotencyKey: a retry with the same key returns the first result and writes nothing;
    ///   the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.invalidInput` for an instant out of range; `CollabError.Code.notFound`
    ///   when `member` may not see it; `CollabError.Code.forbidden` when `member` is deactivated or may not
    ///   manage it.
    @discardableResult
    public func setExpiry(_ expiresAt: Date?, on id: Announcement.ID, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> Announcement
    {
        var report = ValidationReport()
        report.checkInstant(expiresAt, field: "expiresAt")
        try report.throwIfInvalid()
        let engine = engine
        return try await engine.run(Command("set_expiry", by: member, inputs: ["expiresAt": expiresAt, "id": id],
            idempotencyKey: idempotencyKey, visible: engine.announcementVisible)) { planning throws(CollabError) in
            try await engine.planAnnouncementChange(id, .setAnnouncementExpiry, action: "set_expiry", planning) { announcement, now in
                announcement.expiresAt = expiresAt.map { max(WorkflowEngine.truncated($0), now) }
            }
        }
    }

    /// The announcement's notification is marked read in the same commit as the receipt: once, when the receipt
    /// changes (not again on a replay, nor on a second opening).
    static func markNoticeRead(_ planned: inout Planned<ReceivedAnnouncement>, of member: Member.ID, at now: Date) {
        guard !planned.change.scenario.receipts.isEmpty else { return }
        planned.change.readMarks = ReadMarks(memberID: member, noticeIDs: [planned.output.receipt.noticeID], readAt: now)
    }

    /// A replay's check for a received announcement: `CollabError.Code.notFound` unless the subject may still
    /// see the announcement.
    private static func receivedVisible(_ engine: WorkflowEngine)
        -> (Subject, ReceivedAnnouncement) async throws(CollabError) -> Void
    {
        { subject, received throws(CollabError) in _ = try await engine.visibleAnnouncement(received.announcement.id, to: subject) }
    }
}

extension WorkflowEngine {
    /// The announcement desk: publish, open, acknowledge and manage announcements, and see their reach.
    public var announcements: AnnouncementDesk { AnnouncementDesk(engine: self) }
}
