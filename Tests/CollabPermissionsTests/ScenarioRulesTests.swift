import CollabModel
import CollabPermissions
import Testing

// Decision tables for `ScenarioRules`: announcements, meetings, emergency plans, incidents and resource
// requests of acme. Every expected value is written by hand from Documentation/Permissions.md
// ("Announcements, meetings and emergency plans": internal records, seen by nobody outside the
// organization and by no deactivated member), never computed by calling the code under test.

/// What is decided, on acme's records (see ``ScenarioRecords``).
enum ScenarioCheck: String, CaseIterable, Sendable {
    /// Sees the department announcement as one of its recipients.
    case seeAnnouncementAsRecipient
    /// Sees the department announcement without being a recipient.
    case seeAnnouncement
    /// Sees its reach figures.
    case seeReach
    /// Pins, unpins, expires it.
    case manageAnnouncement
    /// Sees the leadership announcement (no publishing department) without being a recipient.
    case seeLeadershipAnnouncement
    /// Publishes for the leadership to the whole organization.
    case publishToOrganization
    /// Publishes for `eng-mobile` to `eng-mobile`.
    case publishForDepartment
    /// Publishes for `eng-mobile` to the whole organization.
    case publishForDepartmentToOrganization
    case recordMeeting, seeMeeting
    case managePlans, seePlan, triggerPlan
    case seeIncident, takePartInIncident, closeIncident
    case decideResourceRequest
}

enum ScenarioRecords {
    static let now = People.instant
    /// Published for `eng-mobile` by `author`, to `eng-mobile`.
    static let announcement = Announcement(
        id: "ann-1", organizationID: "acme", authorID: "author", publisherDepartmentID: "eng-mobile", title: "Freeze",
        body: "No merges.", audience: .department("eng-mobile"), urgency: .normal, acknowledgement: nil,
        isPinned: false, expiresAt: nil, publishedAt: now)
    /// Published for the leadership by `admin`.
    static let leadership = Announcement(
        id: "ann-2", organizationID: "acme", authorID: "admin", publisherDepartmentID: nil, title: "Results",
        body: "Good year.", audience: .organization, urgency: .normal, acknowledgement: nil, isPinned: false,
        expiresAt: nil, publishedAt: now)
    /// Organized by `organizer`, attended by `attendee`, with a decision owned by `owner`.
    static let meeting = Meeting(
        id: "meet-1", organizationID: "acme", title: "Planning", startsAt: now, endsAt: nil, location: nil,
        organizerID: "organizer", attendeeIDs: ["attendee"], minutes: "",
        decisions: [MeetingDecision(id: "dec-1", text: "Ship", ownerID: "owner", due: nil, actionItemID: nil)],
        recordedAt: now)
    /// `eng-mobile` responds, with `responder` named; `informed` is kept informed.
    static let plan = EmergencyPlan(
        id: "plan-1", version: 1, organizationID: "acme", name: "Fire", severity: .major,
        departments: [.init("eng-mobile", responders: ["responder"], checklist: [])],
        alert: .init(title: "Fire", body: "Leave the building."), informedMemberIDs: ["informed"], savedBy: "admin",
        savedAt: now)
    /// Triggered by `trigger` from the plan.
    static let incident = Incident(
        id: "inc-1", organizationID: "acme", planID: "plan-1", planVersion: 1, title: "Fire", details: "",
        severity: .major, triggeredBy: "trigger", triggeredAt: now, triggerKey: "k", tasks: [],
        departmentIDs: ["eng-mobile"], responderIDs: ["responder"], informedMemberIDs: ["informed"])
    /// Asked of `eng-mobile`.
    static let request = ResourceRequest(
        id: "req-1", incidentID: "inc-1", organizationID: "acme", requesterID: "trigger", departmentID: "eng-mobile",
        resource: "Extinguishers", quantity: 3, neededBy: nil, createdAt: now)

    static func decide(_ check: ScenarioCheck, for subject: Subject) -> Bool {
        // Recipients of the department announcement, as the engine resolves them, for the publish checks.
        let memberDepartments: [Member.ID: Set<Department.ID>] = [:]
        switch check {
        case .seeAnnouncementAsRecipient: return ScenarioRules.canSee(subject, announcement, isRecipient: true)
        case .seeAnnouncement: return ScenarioRules.canSee(subject, announcement, isRecipient: false)
        case .seeReach: return ScenarioRules.canSeeReach(subject, announcement)
        case .manageAnnouncement: return ScenarioRules.canManage(subject, announcement)
        case .seeLeadershipAnnouncement: return ScenarioRules.canSee(subject, leadership, isRecipient: false)
        case .publishToOrganization:
            return ScenarioRules.publishDenial(subject, audience: .organization, department: nil,
                memberDepartments: memberDepartments) == nil
        case .publishForDepartment:
            return ScenarioRules.publishDenial(subject, audience: .department("eng-mobile"), department: "eng-mobile",
                memberDepartments: memberDepartments) == nil
        case .publishForDepartmentToOrganization:
            return ScenarioRules.publishDenial(subject, audience: .organization, department: "eng-mobile",
                memberDepartments: memberDepartments) == nil
        case .recordMeeting: return ScenarioRules.canRecordMeeting(subject, in: "acme")
        case .seeMeeting: return ScenarioRules.canSee(subject, meeting)
        case .managePlans: return ScenarioRules.canManagePlans(subject, in: "acme")
        case .seePlan: return ScenarioRules.canSee(subject, plan)
        case .triggerPlan: return ScenarioRules.canTrigger(subject, plan)
        case .seeIncident: return ScenarioRules.canSee(subject, incident)
        case .takePartInIncident: return ScenarioRules.canTakePart(subject, incident)
        case .closeIncident: return ScenarioRules.canClose(subject, incident)
        case .decideResourceRequest: return ScenarioRules.canDecide(subject, request)
        }
    }
}

/// One row: a kind of member, and everything they may do with acme's records.
struct ScenarioCase: Sendable, CustomTestStringConvertible {
    var profile: Profile
    var allowed: Set<ScenarioCheck>
    var testDescription: String { profile.name }
}

private let everything = Set(ScenarioCheck.allCases)
/// What every active member of acme may: see an announcement they received, record a meeting.
private let anyInsider: Set<ScenarioCheck> = [.seeAnnouncementAsRecipient, .recordMeeting]

let scenarioCases: [ScenarioCase] = [
    .init(profile: .init(name: "administrator", subject: People.administrator), allowed: everything),
    .init(profile: .init(name: "auditor", subject: People.auditor),
        allowed: anyInsider.union([.seeAnnouncement, .seeReach, .seeLeadershipAnnouncement, .seeMeeting, .seePlan,
            .seeIncident])),
    .init(profile: .init(name: "head of eng (above eng-mobile)", subject: People.engHead),
        allowed: anyInsider.union([.seeAnnouncement, .seeReach, .publishForDepartment, .seePlan, .triggerPlan,
            .seeIncident, .takePartInIncident, .decideResourceRequest])),
    .init(profile: .init(name: "member of eng-mobile", subject: People.mobileMember),
        allowed: anyInsider.union([.seePlan, .seeIncident, .takePartInIncident, .decideResourceRequest])),
    .init(profile: .init(name: "head of an unrelated department", subject: People.salesHead), allowed: anyInsider),
    .init(profile: .init(name: "member of an unrelated department", subject: People.salesMember), allowed: anyInsider),
    .init(profile: .init(name: "member with no relationship", subject: People.bystander), allowed: anyInsider),
    .init(profile: .init(name: "author of the announcement", subject: People.insider("author")),
        allowed: anyInsider.union([.seeAnnouncement, .seeReach, .manageAnnouncement])),
    .init(profile: .init(name: "organizer of the meeting", subject: People.insider("organizer")),
        allowed: anyInsider.union([.seeMeeting])),
    .init(profile: .init(name: "attendee of the meeting", subject: People.insider("attendee")),
        allowed: anyInsider.union([.seeMeeting])),
    .init(profile: .init(name: "owner of a meeting decision", subject: People.insider("owner")),
        allowed: anyInsider.union([.seeMeeting])),
    .init(profile: .init(name: "named responder of the plan and incident", subject: People.insider("responder")),
        allowed: anyInsider.union([.seePlan, .triggerPlan, .seeIncident, .takePartInIncident])),
    .init(profile: .init(name: "informed member of the plan and incident", subject: People.insider("informed")),
        allowed: anyInsider.union([.seePlan, .seeIncident, .takePartInIncident])),
    .init(profile: .init(name: "who triggered the incident", subject: People.insider("trigger")),
        allowed: anyInsider.union([.seeIncident, .takePartInIncident, .closeIncident])),
    .init(profile: .init(name: "partner member", subject: People.partner), allowed: []),
    .init(profile: .init(name: "partner administrator", subject: People.partnerAdministrator), allowed: []),
    .init(profile: .init(name: "partner member with the author's, organizer's and responder's ids",
        subject: People.outsider("author", of: "partnerco", kind: .partner)), allowed: []),
    .init(profile: .init(name: "customer contact", subject: People.customer), allowed: []),
    .init(profile: .init(name: "deactivated administrator", subject: People.deactivatedAdministrator), allowed: []),
    .init(profile: .init(name: "deactivated author and organizer",
        subject: People.insider("author", active: false)), allowed: []),
    .init(profile: .init(name: "deactivated head of eng", subject: People.insider("eng-head", departments: ["eng"],
        heads: ["eng", "eng-mobile"], active: false)), allowed: []),
    // `publishDenial` decides for the publisher's own organization (the engine checks that the audience's
    // departments and members belong to it): another company's administrator publishes there, nothing here.
    .init(profile: .init(name: "administrator of another company", subject: People.strangerAdministrator),
        allowed: [.publishToOrganization, .publishForDepartment, .publishForDepartmentToOrganization]),
]

@Suite struct ScenarioRulesTests {
    @Test("every announcement, meeting, plan, incident and request decision, for every kind of member",
        arguments: scenarioCases, ScenarioCheck.allCases)
    func decision(row: ScenarioCase, check: ScenarioCheck) {
        #expect(ScenarioRecords.decide(check, for: row.profile.subject) == row.allowed.contains(check))
    }

    @Test("a department head publishes only to the departments they head and their members")
    func headPublishesWithinHeadedDepartments() {
        let head = People.engHead
        let inMobile: [Member.ID: Set<Department.ID>] = ["li": ["eng-mobile"], "wu": ["sales"]]
        #expect(ScenarioRules.publishDenial(head, audience: AnnouncementAudience(memberIDs: ["li"]),
            department: "eng", memberDepartments: inMobile) == nil)
        #expect(ScenarioRules.publishDenial(head, audience: AnnouncementAudience(memberIDs: ["wu"]),
            department: "eng", memberDepartments: inMobile) != nil)
        #expect(ScenarioRules.publishDenial(head, audience: .department("sales"), department: "eng",
            memberDepartments: inMobile) != nil)
        #expect(ScenarioRules.publishDenial(head, audience: AnnouncementAudience(roles: [.departmentHeads]),
            department: "eng", memberDepartments: inMobile) != nil)
        #expect(ScenarioRules.publishDenial(head, audience: .department("eng-mobile"), department: "sales",
            memberDepartments: inMobile) != nil)
    }
}
