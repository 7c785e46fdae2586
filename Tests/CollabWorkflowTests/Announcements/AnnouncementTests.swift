import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// Tiered announcements on the `Workplace` fixture: acme with `eng` ⊃ `eng-mobile` (zhang, li, zheng; sun
// heads it), `eng` headed by zhou, `sales` headed by wu; admin, auditor and people in no department
// (wang, zhao, chen, qian); bob of globex and amy of the partner company.

/// A member of `sales` under wu, added by the tests that need a department with a plain member and a head.
private let salesRep: Member.ID = "ma"

/// A second administrator, so that an administrator can publish to the administrators.
private let secondAdmin: Member.ID = "admin2"

/// Everyone of acme but the administrator `admin`, as the fixture has them.
private let acmeExceptAdmin: [Member.ID] = [
    "auditor", "chen", "li", "qian", "sun", "wang", "wu", "zhang", "zhao", "zheng", "zhou",
]

/// A hook that refuses every notification of some recipients and accepts the others.
private final class RefusingAnnouncementHook: NotificationHook {
    struct Refused: Error {}
    let name: String
    let refused: Set<Member.ID>

    init(name: String, refusing refused: Set<Member.ID>) {
        self.name = name
        self.refused = refused
    }

    func deliver(_ delivery: NoticeDelivery) async throws {
        if refused.contains(delivery.notice.recipientID) { throw Refused() }
    }
}

/// Everything a publication could have written in acme.
private struct AnnouncementFootprint: Equatable {
    var announcements: [Announcement.ID]
    var notifications: Int
    var nextTimer: Date?
}

extension Workplace {
    fileprivate func announcementFootprint() async throws -> AnnouncementFootprint {
        let outbox = try await h.store.outboxCounts()
        return AnnouncementFootprint(
            announcements: try await h.store.announcements(in: "acme", authorID: nil, page: PageRequest(limit: 500))
                .items.map(\.id),
            notifications: outbox.pending + outbox.delivered + outbox.parked + outbox.suppressed,
            nextTimer: try await h.store.nextTimerDue())
    }

    /// The members who received an announcement (from its receipts), by id.
    fileprivate func recipients(of id: Announcement.ID) async throws -> [Member.ID] {
        try await h.store.receipts(of: id).map(\.receipt.memberID).sorted()
    }

    /// A member's notifications of a kind about an announcement, oldest first.
    fileprivate func notices(of member: Member.ID, kind: Notice.Kind, about id: Announcement.ID) async throws
        -> [Notice]
    {
        try await h.notices(of: member, kind: kind).filter { $0.record == .announcement(id) }
    }

    /// The ids of the announcements in a member's list (first page of 500).
    fileprivate func listed(_ member: Member.ID, includeExpired: Bool = false) async throws -> [Announcement.ID] {
        try await engine.announcements.received(for: member, includeExpired: includeExpired, page: PageRequest(limit: 500))
            .items.map(\.announcement.id)
    }

    fileprivate func addSalesRep() async throws {
        try await h.addMember(salesRep, in: "acme", departments: [DepartmentMembership("sales")], name: "Ma Lin")
    }
}

/// A draft to `audience`, normal urgency, published for the leadership unless a department is given.
private func notice(
    _ title: String = "The office moves on Monday", to audience: AnnouncementAudience,
    for department: Department.ID? = nil, urgency: Notice.Urgency = .normal,
    acknowledgeBy deadline: Date? = nil, reminderLead: Duration? = .seconds(3600), pinned: Bool = false,
    expiresAt: Date? = nil
) -> AnnouncementDraft {
    AnnouncementDraft(
        title: title, body: "Details of \(title).", audience: audience, urgency: urgency,
        publisherDepartmentID: department,
        acknowledgement: deadline.map { AcknowledgementRequirement(deadline: $0, reminderLead: reminderLead) },
        isPinned: pinned, expiresAt: expiresAt)
}

/// An audience case of ``AnnouncementTests/audience(_:)``.
struct AudienceCase: Sendable, CustomTestStringConvertible {
    var name: String
    var audience: AnnouncementAudience
    var expected: [Member.ID]
    var testDescription: String { name }
}

/// A publication that must be forbidden, for ``AnnouncementTests/forbiddenPublications(_:)``.
struct PublishCase: Sendable, CustomTestStringConvertible {
    var author: Member.ID
    var what: String
    var audience: AnnouncementAudience
    var department: Department.ID?

    init(_ author: Member.ID, _ what: String, _ audience: AnnouncementAudience, for department: Department.ID?) {
        self.author = author
        self.what = what
        self.audience = audience
        self.department = department
    }

    var testDescription: String { "\(author) \(what)" }
}

@Suite(.timeLimit(.minutes(10))) struct AnnouncementTests {
    // MARK: Audience

    @Test("an administrator's announcement reaches exactly the active members its audience names, never the author",
        arguments: [
            AudienceCase(name: "whole organization", audience: .organization, expected: acmeExceptAdmin + [secondAdmin]),
            AudienceCase(name: "eng with sub-departments", audience: .department("eng"),
                expected: ["li", "sun", "zhang", "zheng", "zhou"]),
            AudienceCase(name: "eng without sub-departments",
                audience: .department("eng", includingSubdepartments: false), expected: ["zhou"]),
            AudienceCase(name: "eng-mobile", audience: .department("eng-mobile"),
                expected: ["li", "sun", "zhang", "zheng"]),
            AudienceCase(name: "department heads", audience: AnnouncementAudience(roles: [.departmentHeads]),
                expected: ["sun", "wu", "zhou"]),
            AudienceCase(name: "administrators (the author excepted)",
                audience: AnnouncementAudience(roles: [.administrators]), expected: [secondAdmin]),
            AudienceCase(name: "auditors", audience: AnnouncementAudience(roles: [.auditors]), expected: ["auditor"]),
            AudienceCase(name: "named members (the author excepted)",
                audience: AnnouncementAudience(memberIDs: ["wang", "admin", "li"]), expected: ["li", "wang"]),
            AudienceCase(name: "union of a department, a role and a member",
                audience: AnnouncementAudience(departments: [.init("sales")], roles: [.administrators],
                    memberIDs: ["chen", "wu"]),
                expected: [secondAdmin, "chen", "wu"]),
        ])
    func audience(_ testCase: AudienceCase) async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.h.addMember(secondAdmin, in: "acme", administrator: true)
        let published = try await w.engine.announcements.publish(notice(to: testCase.audience), by: Workplace.admin)

        let expected = testCase.expected.sorted()
        #expect(try await w.recipients(of: published.id) == expected)
        // Each recipient is told once; nobody else (the author, outsiders, the rest of acme) is told at all.
        let everyone = acmeExceptAdmin + [Workplace.admin, secondAdmin, Workplace.stranger, Workplace.partner]
        for member in everyone {
            let told = try await w.notices(of: member, kind: .announcement, about: published.id)
            #expect(told.count == (expected.contains(member) ? 1 : 0), "\(member)")
            let listed = try await w.listed(member)
            #expect(listed == (expected.contains(member) ? [published.id] : []), "\(member)")
        }
    }

    @Test("deactivated members are not recipients, and cannot be named")
    func deactivatedMembers() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.deactivate(Workplace.assignee)
        let toMobile = try await w.engine.announcements.publish(notice(to: .department("eng-mobile")), by: Workplace.admin)
        #expect(try await w.recipients(of: toMobile.id) == ["sun", "zhang", "zheng"])
        let toAll = try await w.engine.announcements.publish(notice(to: .organization), by: Workplace.admin)
        #expect(try await w.recipients(of: toAll.id) == acmeExceptAdmin.filter { $0 != Workplace.assignee })
        #expect(try await w.h.notices(of: Workplace.assignee, kind: .announcement).isEmpty)

        let before = try await w.announcementFootprint()
        let error = await expectFailure(.invalidInput) {
            try await w.engine.announcements.publish(notice(to: AnnouncementAudience(memberIDs: [Workplace.assignee])),
                by: Workplace.admin)
        }
        #expect(error?.problems.map(\.field) == ["audience.memberIDs[0]"])
        #expect(error?.problems.map(\.kind) == [.unknownMember])
        #expect(try await w.announcementFootprint() == before)
    }

    @Test("members of other organizations never receive, see or list an announcement")
    func outsiders() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(notice(to: .organization), by: Workplace.admin)
        for outsider in [Workplace.stranger, Workplace.partner] {
            #expect(try await w.h.notices(of: outsider).isEmpty)
            #expect(try await w.listed(outsider, includeExpired: true).isEmpty)
            #expect(try await w.engine.announcements.published(as: outsider).items.isEmpty)
            await expectFailure(.notFound, "\(outsider)") {
                _ = try await w.engine.announcements.announcement(published.id, as: outsider)
            }
            await expectFailure(.notFound, "\(outsider)") {
                _ = try await w.engine.announcements.reach(of: published.id, as: outsider)
            }
        }
        // Naming them is naming somebody who is not a member of acme.
        let before = try await w.announcementFootprint()
        let error = await expectFailure(.invalidInput) {
            try await w.engine.announcements.publish(
                notice(to: AnnouncementAudience(memberIDs: ["li", Workplace.stranger, Workplace.partner])),
                by: Workplace.admin)
        }
        #expect(error?.problems.map(\.field) == ["audience.memberIDs[1]", "audience.memberIDs[2]"])
        #expect(try await w.announcementFootprint() == before)
    }

    // MARK: Permissions

    @Test("a department head publishes for their department to it, its sub-departments and their members")
    func headMayPublishDownwards() async throws {
        let w = try await Workplace(storage: .underTest)
        let toEng = try await w.engine.announcements.publish(notice(to: .department("eng"), for: "eng"), by: Workplace.engHead)
        #expect(try await w.recipients(of: toEng.id) == ["li", "sun", "zhang", "zheng"])
        #expect(toEng.publisherDepartmentID == "eng" && toEng.authorID == Workplace.engHead)
        let toSub = try await w.engine.announcements.publish(notice(to: .department("eng-mobile"), for: "eng"), by: Workplace.engHead)
        #expect(try await w.recipients(of: toSub.id) == ["li", "sun", "zhang", "zheng"])
        let named = try await w.engine.announcements.publish(
            notice(to: AnnouncementAudience(memberIDs: ["li"]), for: "eng"), by: Workplace.engHead)
        #expect(try await w.recipients(of: named.id) == ["li"])
        let own = try await w.engine.announcements.publish(notice(to: .department("eng-mobile"), for: "eng-mobile"),
            by: Workplace.mobileHead)
        #expect(try await w.recipients(of: own.id) == ["li", "zhang", "zheng"])
    }

    @Test("a head may not publish beyond their departments, a plain or outside member not at all; nothing is written",
        arguments: [
            PublishCase("sun", "to the whole organization", .organization, for: "eng-mobile"),
            PublishCase("sun", "to another department", .department("sales"), for: "eng-mobile"),
            PublishCase("sun", "to the parent department", .department("eng"), for: "eng-mobile"),
            PublishCase("sun", "to a role", AnnouncementAudience(roles: [.departmentHeads]), for: "eng-mobile"),
            PublishCase("sun", "to a member in no department", AnnouncementAudience(memberIDs: ["wang"]),
                for: "eng-mobile"),
            PublishCase("sun", "to a member of another department", AnnouncementAudience(memberIDs: ["wu"]),
                for: "eng-mobile"),
            PublishCase("sun", "to the own department mixed with another",
                AnnouncementAudience(departments: [.init("eng-mobile"), .init("sales")]), for: "eng-mobile"),
            PublishCase("sun", "for the leadership", .department("eng-mobile"), for: nil),
            PublishCase("sun", "for a department they do not head", .department("eng-mobile"), for: "sales"),
            PublishCase("zhou", "to the whole organization", .organization, for: "eng"),
            PublishCase("li", "as a plain member for their department", .department("eng-mobile"), for: "eng-mobile"),
            PublishCase("li", "as a plain member for the leadership", .department("eng-mobile"), for: nil),
            PublishCase("qian", "as a plain member to named members", AnnouncementAudience(memberIDs: ["wang"]),
                for: nil),
            PublishCase("auditor", "as an auditor", .organization, for: nil),
            PublishCase("amy", "as a partner member", .organization, for: nil),
            PublishCase("bob", "as a member of another organization", .organization, for: nil),
        ])
    func forbiddenPublications(_ testCase: PublishCase) async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.announcementFootprint()
        await expectFailure(.forbidden, "\(testCase.testDescription)") {
            try await w.engine.announcements.publish(notice(to: testCase.audience, for: testCase.department), by: testCase.author)
        }
        #expect(try await w.announcementFootprint() == before)
        #expect(before.announcements.isEmpty && before.notifications == 0 && before.nextTimer == nil)
    }

    @Test("invalid input fails once listing every problem, and writes nothing")
    func invalidInput() async throws {
        let w = try await Workplace(storage: .underTest)
        let before = try await w.announcementFootprint()
        let error = await expectFailure(.invalidInput) {
            try await w.engine.announcements.publish(notice(
                to: AnnouncementAudience(departments: [.init("eng"), .init("marketing")], memberIDs: ["li", "ghost"]),
                for: "support", acknowledgeBy: w.now.addingTimeInterval(-60)), by: Workplace.admin)
        }
        let problems = Dictionary((error?.problems ?? []).map { ($0.field, $0.kind) }, uniquingKeysWith: { a, _ in a })
        #expect(problems == [
            "publisherDepartmentID": .unknownDepartment,
            "audience.departments[1]": .unknownDepartment,
            "audience.memberIDs[1]": .unknownMember,
            "acknowledgement.deadline": .outOfRange,
        ])
        #expect(error?.problems.count == 4)

        let empty = await expectFailure(.invalidInput) {
            try await w.engine.announcements.publish(notice(to: AnnouncementAudience()), by: Workplace.admin)
        }
        #expect(empty?.problems.map(\.field) == ["audience"])
        #expect(empty?.problems.map(\.kind) == [.empty])

        let now = await expectFailure(.invalidInput, "a deadline of now is not in the future") {
            try await w.engine.announcements.publish(notice(to: .organization, acknowledgeBy: w.now), by: Workplace.admin)
        }
        #expect(now?.problems.map(\.field) == ["acknowledgement.deadline"])

        let onlyAuthor = await expectFailure(.invalidInput, "an audience of the author alone reaches nobody") {
            try await w.engine.announcements.publish(notice(to: AnnouncementAudience(memberIDs: [Workplace.admin])),
                by: Workplace.admin)
        }
        #expect(onlyAuthor?.problems.map(\.field) == ["audience"])

        #expect(try await w.announcementFootprint() == before)
        #expect(before.notifications == 0 && before.announcements.isEmpty && before.nextTimer == nil)
    }

    // MARK: Urgency and delivery

    @Test("an urgent announcement notifies each recipient urgently about the announcement, and hooks get that urgency")
    func urgentDelivery() async throws {
        let w = try await Workplace(storage: .underTest)
        let urgent = try await w.engine.announcements.publish(
            notice("Fire drill at 3 pm", to: .department("eng-mobile"), urgency: .urgent), by: Workplace.admin)
        #expect(urgent.urgency == .urgent)
        let told = try await w.h.notices(of: Workplace.assignee)
        #expect(told.count == 1)
        let first = try #require(told.first)
        #expect(first.kind == .announcement)
        #expect(first.urgency == .urgent)
        #expect(first.record == .announcement(urgent.id))
        #expect(first.itemID == nil)
        #expect(first.actorID == Workplace.admin)
        #expect(first.title.contains("Fire drill at 3 pm"))

        let hook = RecordingNotificationHook(name: "sms")
        let dispatcher = try w.engine.makeDispatcher(hooks: [hook], configuration: .quiet())
        let report = try await dispatcher.deliverDue()
        #expect(report.delivered == 4)
        let deliveries = hook.deliveries
        #expect(deliveries.map(\.notice.recipientID).sorted() == ["li", "sun", "zhang", "zheng"])
        #expect(deliveries.allSatisfy { $0.notice.urgency == .urgent })
        #expect(deliveries.allSatisfy { $0.notice.kind == .announcement && $0.notice.record == .announcement(urgent.id) })

        // A normal one is normal.
        let normal = try await w.engine.announcements.publish(notice(to: .department("eng-mobile")), by: Workplace.admin)
        try await dispatcher.deliverDue()
        let later = hook.deliveries.filter { $0.notice.record == .announcement(normal.id) }
        #expect(later.count == 4)
        #expect(later.allSatisfy { $0.notice.urgency == .normal })
    }

    // MARK: Reach

    @Test("reach counts recipients, deliveries, reads and acknowledgements, overall and per department")
    func reachFigures() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.addSalesRep()
        let published = try await w.engine.announcements.publish(
            notice(to: AnnouncementAudience(departments: [.init("eng"), .init("sales")]),
                acknowledgeBy: w.now.addingTimeInterval(86_400)),
            by: Workplace.admin)
        #expect(try await w.recipients(of: published.id) == ["li", "ma", "sun", "wu", "zhang", "zheng", "zhou"])

        // Before anything is delivered.
        var reach = try await w.engine.announcements.reach(of: published.id, as: Workplace.admin)
        #expect(reach.total == AnnouncementReach.Figures(recipients: 7, delivered: 0, read: 0, acknowledged: 0))

        // Mail takes everything; SMS refuses li, so li's notification is not delivered.
        let mail = RecordingNotificationHook(name: "mail")
        let sms = RefusingAnnouncementHook(name: "sms", refusing: [Workplace.assignee])
        let dispatcher = try w.engine.makeDispatcher(hooks: [mail, sms], configuration: .quiet())
        let report = try await dispatcher.deliverDue()
        #expect(report.delivered == 6 && report.retried == 1)

        w.h.clock.advance(by: .seconds(60))
        try await w.engine.announcements.open(published.id, by: Workplace.initiator)
        try await w.engine.announcements.open(published.id, by: Workplace.mobileHead)
        try await w.engine.announcements.open(published.id, by: salesRep)
        try await w.engine.announcements.acknowledge(published.id, by: Workplace.initiator)
        try await w.engine.announcements.acknowledge(published.id, by: Workplace.salesHead)  // acknowledging reads it too

        reach = try await w.engine.announcements.reach(of: published.id, as: Workplace.admin)
        #expect(reach.announcementID == published.id)
        #expect(reach.total == AnnouncementReach.Figures(recipients: 7, delivered: 6, read: 4, acknowledged: 2))
        #expect(reach.departments == [
            AnnouncementReach.DepartmentFigures(departmentID: "eng",
                figures: .init(recipients: 1, delivered: 1, read: 0, acknowledged: 0)),
            AnnouncementReach.DepartmentFigures(departmentID: "eng-mobile",
                figures: .init(recipients: 4, delivered: 3, read: 2, acknowledged: 1)),
            AnnouncementReach.DepartmentFigures(departmentID: "sales",
                figures: .init(recipients: 2, delivered: 2, read: 2, acknowledged: 1)),
        ])
        #expect(reach.unread == ["li", "zheng", "zhou"])
        #expect(reach.unacknowledged == ["li", "ma", "sun", "zheng", "zhou"])

        // Once li's retry goes through, li counts as delivered.
        w.h.clock.advance(by: .seconds(3600))
        let retryOK = try w.engine.makeDispatcher(hooks: [mail, RefusingAnnouncementHook(name: "sms", refusing: [])],
            configuration: .quiet())
        #expect(try await retryOK.deliverDue().delivered == 1)
        reach = try await w.engine.announcements.reach(of: published.id, as: Workplace.admin)
        #expect(reach.total.delivered == 7)
    }

    @Test("reach of an announcement without acknowledgement lists nobody as unacknowledged; members in no department come last")
    func reachWithoutAcknowledgement() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(
            notice(to: AnnouncementAudience(departments: [.init("sales")], memberIDs: ["wang", "chen"])),
            by: Workplace.admin)
        try await w.engine.announcements.open(published.id, by: "wang")
        let reach = try await w.engine.announcements.reach(of: published.id, as: Workplace.auditor)
        #expect(reach.total == .init(recipients: 3, delivered: 0, read: 1, acknowledged: 0))
        #expect(reach.departments == [
            .init(departmentID: "sales", figures: .init(recipients: 1)),
            .init(departmentID: nil, figures: .init(recipients: 2, read: 1)),
        ])
        #expect(reach.unread == ["chen", "wu"])
        #expect(reach.unacknowledged.isEmpty)
    }

    @Test("reach is shown to the author, administrators, auditors and heads of the publishing department only")
    func reachVisibility() async throws {
        let w = try await Workplace(storage: .underTest)
        // A second head of eng-mobile, so a head of the publishing department other than the author exists.
        try await w.h.addMember("xu", in: "acme", departments: [DepartmentMembership("eng-mobile", role: .head)])
        let published = try await w.engine.announcements.publish(notice(to: .department("eng-mobile"), for: "eng-mobile"),
            by: Workplace.mobileHead)
        // zhou heads eng, and so (by the expansion of headed departments) eng-mobile too.
        for viewer in [Workplace.mobileHead, Workplace.admin, Workplace.auditor, "xu", Workplace.engHead] {
            let reach = try await w.engine.announcements.reach(of: published.id, as: viewer)
            #expect(reach.total.recipients == 4, "\(viewer)")  // li, zhang, zheng, xu
        }
        for viewer in [Workplace.assignee, Workplace.peer, Workplace.salesHead, Workplace.bystander,
            Workplace.stranger, Workplace.partner]
        {
            await expectFailure(.notFound, "\(viewer)") { _ = try await w.engine.announcements.reach(of: published.id, as: viewer) }
        }
        // A recipient still reads the announcement itself.
        #expect(try await w.engine.announcements.announcement(published.id, as: Workplace.assignee).id == published.id)
        await expectFailure(.notFound) { _ = try await w.engine.announcements.announcement(published.id, as: Workplace.bystander) }
        await expectFailure(.notFound) { _ = try await w.engine.announcements.reach(of: "no-such-announcement", as: Workplace.admin) }
    }

    @Test("published announcements: an author lists their own, administrators and auditors every one")
    func publishedLists() async throws {
        let w = try await Workplace(storage: .underTest)
        let byAdmin = try await w.engine.announcements.publish(notice(to: .organization), by: Workplace.admin)
        w.h.clock.advance(by: .seconds(60))
        let bySun = try await w.engine.announcements.publish(notice(to: .department("eng-mobile"), for: "eng-mobile"),
            by: Workplace.mobileHead)
        #expect(try await w.engine.announcements.published(as: Workplace.mobileHead).items.map(\.id) == [bySun.id])
        #expect(try await w.engine.announcements.published(as: Workplace.admin).items.map(\.id) == [bySun.id, byAdmin.id])
        #expect(try await w.engine.announcements.published(as: Workplace.auditor).items.map(\.id)
            == [bySun.id, byAdmin.id])
        #expect(try await w.engine.announcements.published(as: Workplace.assignee).items.isEmpty)
    }

    // MARK: Acknowledgement under virtual time

    @Test("reminder goes to those who have not acknowledged; at the deadline their heads are told once who is missing")
    func acknowledgementEscalation() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.addSalesRep()
        let start = w.now
        let published = try await w.engine.announcements.publish(
            notice("New security policy", to: AnnouncementAudience(departments: [.init("eng"), .init("sales")]),
                acknowledgeBy: start.addingTimeInterval(7200), reminderLead: .seconds(3600)),
            by: Workplace.admin)
        let record = RecordReference.announcement(published.id)
        let recipients: [Member.ID] = ["li", "ma", "sun", "wu", "zhang", "zheng", "zhou"]
        #expect(try await w.recipients(of: published.id) == recipients)

        try await w.engine.announcements.acknowledge(published.id, by: Workplace.initiator)
        try await w.engine.announcements.acknowledge(published.id, by: salesRep)
        try await w.engine.announcements.acknowledge(published.id, by: Workplace.salesHead)

        // Not yet at the reminder.
        try await w.h.advance(by: .seconds(3599))
        for member in recipients {
            #expect(try await w.notices(of: member, kind: .acknowledgementReminder, about: published.id).isEmpty)
        }

        // The reminder, at its own time: only those who have not acknowledged.
        try await w.h.advance(by: .seconds(1))
        let remindedMembers: [Member.ID] = ["li", "sun", "zheng", "zhou"]
        for member in recipients + [Workplace.admin, Workplace.bystander] {
            let reminders = try await w.notices(of: member, kind: .acknowledgementReminder, about: published.id)
            #expect(reminders.count == (remindedMembers.contains(member) ? 1 : 0), "\(member)")
            #expect(reminders.allSatisfy { $0.createdAt == start.addingTimeInterval(3600) })
        }
        #expect(try await w.h.store.announcement(published.id)?.remindedAt == start.addingTimeInterval(3600))
        #expect(try await w.h.store.announcement(published.id)?.escalatedAt == nil)

        // zheng acknowledges after the reminder, before the deadline.
        try await w.h.advance(by: .seconds(1800))
        try await w.engine.announcements.acknowledge(published.id, by: Workplace.peer)

        // The deadline: li (head sun) and sun (whose own department has no other head: zhou, head of eng) are
        // missing; zhou is missing too but eng has no other head and no parent. wu (sales) acknowledged.
        try await w.h.advance(by: .seconds(1800))
        let sunMissed = try await w.notices(of: Workplace.mobileHead, kind: .acknowledgementMissed, about: published.id)
        #expect(sunMissed.count == 1)
        let toSun = try #require(sunMissed.first)
        #expect(toSun.urgency == .urgent)
        #expect(toSun.createdAt == start.addingTimeInterval(7200))
        #expect(toSun.body.contains("Li Wei"))
        #expect(!toSun.body.contains("zheng") && !toSun.body.contains("Zhang Min") && !toSun.body.contains("sun"))

        let zhouMissed = try await w.notices(of: Workplace.engHead, kind: .acknowledgementMissed, about: published.id)
        #expect(zhouMissed.count == 1)
        let toZhou = try #require(zhouMissed.first)
        #expect(toZhou.urgency == .urgent)
        #expect(toZhou.body.contains("sun"))
        #expect(!toZhou.body.contains("Li Wei"))

        // zhou heads a top-level department: nobody is above him, so the author is told he is missing.
        let toAuthor = try await w.notices(of: Workplace.admin, kind: .acknowledgementMissed, about: published.id)
        #expect(toAuthor.count == 1)
        #expect(toAuthor.first?.body.contains("zhou") == true)
        #expect(toAuthor.first?.body.contains("Li Wei") == false)
        for member in [Workplace.salesHead, salesRep, Workplace.initiator, Workplace.assignee, Workplace.peer,
            Workplace.auditor]
        {
            #expect(try await w.notices(of: member, kind: .acknowledgementMissed, about: published.id).isEmpty,
                "\(member)")
        }
        let stored = try #require(try await w.h.store.announcement(published.id))
        #expect(stored.escalatedAt == start.addingTimeInterval(7200))
        let reach = try await w.engine.announcements.reach(of: published.id, as: Workplace.admin)
        #expect(reach.unacknowledged == ["li", "sun", "zhou"])

        // The timers fired exactly once: nothing more, however much time passes.
        let counts = try await w.h.store.outboxCounts()
        try await w.h.advance(by: .seconds(86_400 * 3))
        #expect(try await w.engine.timers.fireDue().isEmpty)
        #expect(try await w.h.store.outboxCounts() == counts)
        #expect(try await w.h.store.nextTimerDue() == nil)

        // A late acknowledgement is recorded as late.
        try await w.engine.announcements.acknowledge(published.id, by: Workplace.assignee)

        let trail = try await w.h.store.auditTrail(of: record)
        #expect(trail.map(\.action) == [
            "publish", "acknowledge", "acknowledge", "acknowledge", "remind_acknowledgement", "acknowledge",
            "escalate_acknowledgement", "acknowledge",
        ])
        #expect(trail.filter { $0.action == "acknowledge" }.map(\.actorID) == ["zhang", "ma", "wu", "zheng", "li"])
        #expect(trail.last?.details["late"] == "true")
        #expect(trail.filter { $0.action == "acknowledge" }.dropLast().allSatisfy { $0.details["late"] == nil })
        let escalation = try #require(trail.first { $0.action == "escalate_acknowledgement" })
        #expect(escalation.details["missing"] == "li,sun,zhou")
        #expect(escalation.details["heads"] == "admin,sun,zhou")
        #expect(escalation.actorID == AuditEvent.systemActor)
    }

    @Test("when everyone acknowledged before the deadline, nobody is reminded or escalated")
    func everyoneAcknowledged() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(
            notice(to: .department("eng-mobile"), acknowledgeBy: w.now.addingTimeInterval(7200)), by: Workplace.admin)
        for member in try await w.recipients(of: published.id) {
            try await w.engine.announcements.acknowledge(published.id, by: member)
        }
        let counts = try await w.h.store.outboxCounts()
        try await w.h.advance(by: .seconds(3 * 3600))
        #expect(try await w.h.store.outboxCounts() == counts, "no notification at all")
        for member in ["li", "sun", "zhang", "zheng", "zhou", "admin"] as [Member.ID] {
            #expect(try await w.notices(of: member, kind: .acknowledgementReminder, about: published.id).isEmpty)
            #expect(try await w.notices(of: member, kind: .acknowledgementMissed, about: published.id).isEmpty)
        }
        let stored = try #require(try await w.h.store.announcement(published.id))
        #expect(stored.escalatedAt == nil && stored.remindedAt == nil)
        #expect(try await w.h.store.nextTimerDue() == nil, "both timers are done")
        let actions = try await w.h.store.auditTrail(of: .announcement(published.id)).map(\.action)
        #expect(actions == ["publish", "acknowledge", "acknowledge", "acknowledge", "acknowledge"])
    }

    @Test("a missing member of a department without a head is escalated to the parent's head; one in no department to the author")
    func escalationWithoutHead() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.h.addDepartment("eng-web", in: "acme", parent: "eng")
        try await w.h.addMember("hu", in: "acme", departments: [DepartmentMembership("eng-web")], name: "Hu Jun")
        let published = try await w.engine.announcements.publish(
            notice(to: AnnouncementAudience(memberIDs: ["hu", "wang"]), acknowledgeBy: w.now.addingTimeInterval(7200)),
            by: Workplace.admin)
        try await w.h.advance(by: .seconds(7200))
        let toZhou = try await w.notices(of: Workplace.engHead, kind: .acknowledgementMissed, about: published.id)
        #expect(toZhou.count == 1)
        #expect(toZhou.first?.body.contains("Hu Jun") == true)
        #expect(toZhou.first?.body.contains("Wang Fang") == false)
        let toAuthor = try await w.notices(of: Workplace.admin, kind: .acknowledgementMissed, about: published.id)
        #expect(toAuthor.count == 1)
        #expect(toAuthor.first?.body.contains("Wang Fang") == true)
        #expect(toAuthor.first?.body.contains("Hu Jun") == false)
        for member in [Workplace.mobileHead, Workplace.salesHead, "hu", "wang"] as [Member.ID] {
            #expect(try await w.notices(of: member, kind: .acknowledgementMissed, about: published.id).isEmpty,
                "\(member)")
        }
        let escalation = try #require(try await w.h.store.auditTrail(of: .announcement(published.id))
            .first { $0.action == "escalate_acknowledgement" })
        #expect(escalation.details["missing"] == "hu,wang")
        #expect(escalation.details["heads"] == "admin,zhou")
    }

    @Test("without a reminder lead only the deadline fires")
    func noReminder() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(
            notice(to: .department("eng-mobile"), acknowledgeBy: w.now.addingTimeInterval(7200), reminderLead: nil),
            by: Workplace.admin)
        try await w.h.advance(by: .seconds(7200))
        #expect(try await w.notices(of: Workplace.assignee, kind: .acknowledgementReminder, about: published.id).isEmpty)
        #expect(try await w.notices(of: Workplace.mobileHead, kind: .acknowledgementMissed, about: published.id).count
            == 1)
        let actions = try await w.h.store.auditTrail(of: .announcement(published.id)).map(\.action)
        #expect(actions == ["publish", "escalate_acknowledgement"])
    }

    @Test("a reminder lead longer than the time left sends no reminder; the deadline still escalates")
    func reminderLeadBeyondNow() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(
            notice(to: .department("eng-mobile"), acknowledgeBy: w.now.addingTimeInterval(1800),
                reminderLead: .seconds(3600)),
            by: Workplace.admin)
        try await w.h.advance(by: .seconds(1799))
        #expect(try await w.notices(of: Workplace.mobileHead, kind: .acknowledgementMissed, about: published.id).isEmpty)
        try await w.h.advance(by: .seconds(1))
        for member in ["li", "sun", "zhang", "zheng"] as [Member.ID] {
            #expect(try await w.notices(of: member, kind: .acknowledgementReminder, about: published.id).isEmpty)
        }
        #expect(try await w.notices(of: Workplace.mobileHead, kind: .acknowledgementMissed, about: published.id).count
            == 1)
        #expect(try await w.h.store.auditTrail(of: .announcement(published.id)).map(\.action)
            == ["publish", "escalate_acknowledgement"])
    }

    @Test("a deactivated administrator may not publish")
    func deactivatedAuthor() async throws {
        let w = try await Workplace(storage: .underTest)
        try await w.deactivate(Workplace.admin)
        let before = try await w.announcementFootprint()
        await expectFailure(.forbidden) { try await w.engine.announcements.publish(notice(to: .organization), by: Workplace.admin) }
        #expect(try await w.announcementFootprint() == before)
    }

    // MARK: Opening and acknowledging

    @Test("opening records the first read and marks the notification read")
    func opening() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(notice(to: .department("eng-mobile")), by: Workplace.admin)
        let start = w.now
        let opened = try await w.engine.announcements.open(published.id, by: Workplace.assignee)
        #expect(opened.receipt.readAt == start)
        #expect(!opened.awaitsAcknowledgement)
        w.h.clock.advance(by: .seconds(600))
        let again = try await w.engine.announcements.open(published.id, by: Workplace.assignee)
        #expect(again.receipt.readAt == start, "the first read counts")
        let told = try #require(try await w.h.notices(of: Workplace.assignee, kind: .announcement).first)
        #expect(told.readAt == start)
        let other = try #require(try await w.h.notices(of: Workplace.peer, kind: .announcement).first)
        #expect(other.readAt == nil)
    }

    @Test("acknowledging twice changes nothing the second time")
    func acknowledgeTwice() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(
            notice(to: .department("eng-mobile"), acknowledgeBy: w.now.addingTimeInterval(86_400)), by: Workplace.admin)
        let before = try await w.engine.announcements.received(for: Workplace.assignee).items
        #expect(before.map(\.awaitsAcknowledgement) == [true])
        let first = try await w.engine.announcements.acknowledge(published.id, by: Workplace.assignee)
        let acknowledgedAt = w.now
        #expect(first.receipt.acknowledgedAt == acknowledgedAt && first.receipt.readAt == acknowledgedAt)
        #expect(!first.awaitsAcknowledgement)
        w.h.clock.advance(by: .seconds(600))
        let second = try await w.engine.announcements.acknowledge(published.id, by: Workplace.assignee)
        #expect(second.receipt == first.receipt)
        #expect(try await w.h.store.receipt(of: published.id, for: Workplace.assignee) == first.receipt)
        let actions = try await w.h.store.auditTrail(of: .announcement(published.id)).map(\.action)
        #expect(actions == ["publish", "acknowledge"])
        #expect(try await w.engine.announcements.reach(of: published.id, as: Workplace.admin).total.acknowledged == 1)
    }

    @Test("acknowledging an announcement that asks no acknowledgement is an invalid transition; nothing is written")
    func acknowledgeWithoutRequirement() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(notice(to: .department("eng-mobile")), by: Workplace.admin)
        await expectFailure(.invalidTransition) { try await w.engine.announcements.acknowledge(published.id, by: Workplace.assignee) }
        #expect(try await w.h.store.receipt(of: published.id, for: Workplace.assignee)?.acknowledgedAt == nil)
        #expect(try await w.h.store.auditTrail(of: .announcement(published.id)).map(\.action) == ["publish"])
    }

    @Test("a non-recipient cannot open or acknowledge: not found unless they may see it, then forbidden")
    func nonRecipients() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(
            notice(to: .department("eng-mobile"), acknowledgeBy: w.now.addingTimeInterval(86_400)), by: Workplace.admin)
        // Who may not see it at all: it does not exist for them.
        for member in [Workplace.bystander, Workplace.salesHead, Workplace.stranger, Workplace.partner] {
            await expectFailure(.notFound, "\(member) opens") {
                try await w.engine.announcements.open(published.id, by: member)
            }
            await expectFailure(.notFound, "\(member) acknowledges") {
                try await w.engine.announcements.acknowledge(published.id, by: member)
            }
        }
        // Who sees it (the author, an auditor) but did not receive it: forbidden.
        for member in [Workplace.admin, Workplace.auditor] {
            await expectFailure(.forbidden, "\(member) opens") {
                try await w.engine.announcements.open(published.id, by: member)
            }
            await expectFailure(.forbidden, "\(member) acknowledges") {
                try await w.engine.announcements.acknowledge(published.id, by: member)
            }
        }
        await expectFailure(.notFound) { try await w.engine.announcements.acknowledge("no-such-announcement", by: Workplace.assignee) }
        // A recipient who was deactivated since may not acknowledge.
        try await w.deactivate(Workplace.peer)
        await expectFailure(.forbidden) { try await w.engine.announcements.acknowledge(published.id, by: Workplace.peer) }

        let reach = try await w.engine.announcements.reach(of: published.id, as: Workplace.admin)
        #expect(reach.total == .init(recipients: 4, delivered: 0, read: 0, acknowledged: 0))
        #expect(try await w.h.store.auditTrail(of: .announcement(published.id)).map(\.action) == ["publish"])
    }

    @Test("an open racing an acknowledgement never loses the acknowledgement (receipts only gain instants)")
    func openRacesAcknowledge() async throws {
        let w = try await Workplace(storage: .underTest)
        var ids: [Announcement.ID] = []
        for n in 0..<40 {
            ids.append(try await w.engine.announcements.publish(
                notice("Policy \(n)", to: AnnouncementAudience(memberIDs: [Workplace.assignee]),
                    acknowledgeBy: w.now.addingTimeInterval(86_400)),
                by: Workplace.admin).id)
        }
        let engine = w.engine
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask { try await engine.announcements.open(id, by: Workplace.assignee) }
                group.addTask { try await engine.announcements.acknowledge(id, by: Workplace.assignee) }
            }
            try await group.waitForAll()
        }
        var lost: [Announcement.ID] = []
        for id in ids {
            let receipt = try #require(try await w.h.store.receipt(of: id, for: Workplace.assignee))
            #expect(receipt.readAt == w.now, "\(id)")
            // The audit trail says it was acknowledged: the receipt must say so too.
            #expect(try await w.h.store.auditTrail(of: .announcement(id)).map(\.action).contains("acknowledge"))
            if receipt.acknowledgedAt == nil { lost.append(id) }
        }
        #expect(lost.isEmpty, "acknowledgements lost: \(lost.count) of \(ids.count)")
        let reach = try await w.engine.announcements.reach(of: ids[0], as: Workplace.admin)
        #expect(reach.total.acknowledged == 1 && reach.unacknowledged.isEmpty)
    }

    // MARK: Pinning and expiry

    @Test("a member's list shows pinned first, then newest first")
    func listOrder() async throws {
        let w = try await Workplace(storage: .underTest)
        var ids: [Announcement.ID] = []
        for n in 1...4 {
            ids.append(try await w.engine.announcements.publish(notice("Notice \(n)", to: .department("eng-mobile")),
                by: Workplace.admin).id)
            w.h.clock.advance(by: .seconds(60))
        }
        #expect(try await w.listed(Workplace.assignee) == [ids[3], ids[2], ids[1], ids[0]])

        let pinned = try await w.engine.announcements.setPinned(true, on: ids[1], by: Workplace.admin)
        #expect(pinned.isPinned && pinned.version == 2)
        #expect(try await w.listed(Workplace.assignee) == [ids[1], ids[3], ids[2], ids[0]])
        try await w.engine.announcements.setPinned(true, on: ids[0], by: Workplace.admin)
        #expect(try await w.listed(Workplace.assignee) == [ids[1], ids[0], ids[3], ids[2]])

        // Pinning again changes nothing; unpinning moves the version on.
        let again = try await w.engine.announcements.setPinned(true, on: ids[1], by: Workplace.admin)
        #expect(again.version == 2)
        let unpinned = try await w.engine.announcements.setPinned(false, on: ids[1], by: Workplace.admin)
        #expect(!unpinned.isPinned && unpinned.version == 3)
        #expect(try await w.h.store.announcement(ids[1]) == unpinned)
        #expect(try await w.listed(Workplace.assignee) == [ids[0], ids[3], ids[2], ids[1]])
        #expect(try await w.h.store.auditTrail(of: .announcement(ids[1])).map(\.action) == ["publish", "pin", "unpin"])

        // Published pinned comes first straight away.
        let fresh = try await w.engine.announcements.publish(notice("Pinned from the start", to: .department("eng-mobile"),
            pinned: true), by: Workplace.admin)
        #expect(try await w.listed(Workplace.assignee) == [fresh.id, ids[0], ids[3], ids[2], ids[1]])
    }

    @Test("only the author and administrators pin or expire an announcement; the version moves on each change")
    func managePermissions() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(notice(to: .department("eng-mobile"), for: "eng-mobile"),
            by: Workplace.mobileHead)
        // Recipients, an auditor and the head of the parent department see it but may not manage it.
        for member in [Workplace.assignee, Workplace.auditor, Workplace.engHead] {
            await expectFailure(.forbidden, "\(member) pins") {
                try await w.engine.announcements.setPinned(true, on: published.id, by: member)
            }
            await expectFailure(.forbidden, "\(member) expires") {
                try await w.engine.announcements.setExpiry(w.now, on: published.id, by: member)
            }
        }
        // Those who do not see it: not found.
        for member in [Workplace.bystander, Workplace.salesHead, Workplace.stranger, Workplace.partner] {
            await expectFailure(.notFound, "\(member) pins") {
                try await w.engine.announcements.setPinned(true, on: published.id, by: member)
            }
        }
        #expect(try await w.h.store.announcement(published.id) == published)

        let byAuthor = try await w.engine.announcements.setPinned(true, on: published.id, by: Workplace.mobileHead)
        #expect(byAuthor.isPinned && byAuthor.version == 2)
        let byAdmin = try await w.engine.announcements.setPinned(false, on: published.id, by: Workplace.admin)
        #expect(!byAdmin.isPinned && byAdmin.version == 3)
        #expect(try await w.h.store.announcement(published.id)?.version == 3)
    }

    @Test("an expired announcement leaves the members' lists but stays with includeExpired, and in the reach")
    func expiry() async throws {
        let w = try await Workplace(storage: .underTest)
        let older = try await w.engine.announcements.publish(notice("Older", to: .department("eng-mobile")), by: Workplace.admin)
        w.h.clock.advance(by: .seconds(60))
        let published = try await w.engine.announcements.publish(notice("Canteen closed", to: .department("eng-mobile")),
            by: Workplace.admin)
        #expect(try await w.listed(Workplace.assignee) == [published.id, older.id])

        // An instant in the past means at once.
        let expired = try await w.engine.announcements.setExpiry(w.now.addingTimeInterval(-3600), on: published.id,
            by: Workplace.admin)
        #expect(expired.expiresAt == w.now)
        #expect(expired.version == 2)
        #expect(expired.isExpired(at: w.now))
        #expect(try await w.listed(Workplace.assignee) == [older.id])
        #expect(try await w.listed(Workplace.assignee, includeExpired: true) == [published.id, older.id])
        #expect(try await w.engine.announcements.reach(of: published.id, as: Workplace.admin).total.recipients == 4)
        #expect(try await w.engine.announcements.announcement(published.id, as: Workplace.assignee).expiresAt == w.now)

        // Expiry set ahead: listed until then.
        let later = w.now.addingTimeInterval(3600)
        let extended = try await w.engine.announcements.setExpiry(later, on: older.id, by: Workplace.admin)
        #expect(extended.expiresAt == later && extended.version == 2)
        try await w.h.advance(by: .seconds(3599))
        #expect(try await w.listed(Workplace.assignee) == [older.id])
        try await w.h.advance(by: .seconds(1))
        #expect(try await w.listed(Workplace.assignee).isEmpty)
        #expect(try await w.listed(Workplace.assignee, includeExpired: true) == [published.id, older.id])
        let actions = try await w.h.store.auditTrail(of: .announcement(published.id)).map(\.action)
        #expect(actions == ["publish", "set_expiry"])
    }

    @Test("an announcement published with an expiry leaves the lists when it comes")
    func draftExpiry() async throws {
        let w = try await Workplace(storage: .underTest)
        let published = try await w.engine.announcements.publish(
            notice(to: .department("eng-mobile"), expiresAt: w.now.addingTimeInterval(1800)), by: Workplace.admin)
        #expect(try await w.listed(Workplace.peer) == [published.id])
        try await w.h.advance(by: .seconds(1800))
        #expect(try await w.listed(Workplace.peer).isEmpty)
        #expect(try await w.listed(Workplace.peer, includeExpired: true) == [published.id])
    }

    // MARK: Idempotency

    @Test("publishing again under the same idempotency key returns the first announcement and publishes nothing")
    func idempotentPublish() async throws {
        let w = try await Workplace(storage: .underTest)
        let draft = notice(to: .department("eng-mobile"), acknowledgeBy: w.now.addingTimeInterval(7200))
        let first = try await w.engine.announcements.publish(draft, by: Workplace.admin, idempotencyKey: "office-move-1")
        let after = try await w.announcementFootprint()
        w.h.clock.advance(by: .seconds(30))
        let retry = try await w.engine.announcements.publish(draft, by: Workplace.admin, idempotencyKey: "office-move-1")
        #expect(retry == first)
        #expect(try await w.announcementFootprint() == after)
        #expect(after.announcements == [first.id] && after.notifications == 4)
        #expect(try await w.h.store.receipts(of: first.id).count == 4)
        #expect(try await w.h.notices(of: Workplace.assignee, kind: .announcement).count == 1)
        #expect(try await w.h.store.auditTrail(of: .announcement(first.id)).map(\.action) == ["publish"])

        var changed = draft
        changed.title = "The office moves on Tuesday"
        await expectFailure(.idempotencyKeyReused) {
            try await w.engine.announcements.publish(changed, by: Workplace.admin, idempotencyKey: "office-move-1")
        }
        #expect(try await w.announcementFootprint() == after)

        // The key is the author's: another author using it publishes their own.
        let other = try await w.engine.announcements.publish(notice(to: .department("eng-mobile"), for: "eng-mobile"),
            by: Workplace.mobileHead, idempotencyKey: "office-move-1")
        #expect(other.id != first.id)
    }

    // MARK: Paging

    @Test("paging through a member's announcements returns each exactly once, in list order", arguments: [1, 2, 3])
    func paging(limit: Int) async throws {
        let w = try await Workplace(storage: .underTest)
        var published: [Announcement.ID] = []
        for n in 0..<9 {
            let announcement = try await w.engine.announcements.publish(
                notice("Notice \(n)", to: .department("eng-mobile"), pinned: n % 4 == 1), by: Workplace.admin)
            published.append(announcement.id)
            // Some are published at the same instant.
            if n % 3 != 0 { w.h.clock.advance(by: .seconds(60)) }
        }
        let all = try await w.listed(Workplace.assignee)
        #expect(Set(all) == Set(published) && all.count == 9)
        #expect(Array(all.prefix(2)).sorted() == [published[1], published[5]].sorted(), "the pinned first")

        var seen: [Announcement.ID] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try await w.engine.announcements.received(for: Workplace.assignee,
                page: PageRequest(limit: limit, cursor: cursor))
            #expect(page.items.count <= limit)
            seen += page.items.map(\.announcement.id)
            #expect(page.items.allSatisfy { $0.receipt.memberID == Workplace.assignee })
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 20
        #expect(seen == all)
        #expect(pages == (9 + limit - 1) / limit)
    }
}

