import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Testing

/// Every write of the announcement desk with the action that decides it (the key tests' cases).
private let announcementRules: [HostRuleCase] = [
    HostRuleCase(announcementWrites[0], .publishAnnouncement, unrelated: .pinAnnouncement),
    HostRuleCase(announcementWrites[1], .openAnnouncement, unrelated: .acknowledgeAnnouncement),
    HostRuleCase(announcementWrites[2], .acknowledgeAnnouncement, unrelated: .openAnnouncement),
    HostRuleCase(announcementWrites[3], .pinAnnouncement, unrelated: .setAnnouncementExpiry),
    HostRuleCase(announcementWrites[4], .setAnnouncementExpiry, unrelated: .pinAnnouncement),
]

@Suite struct AnnouncementHostRuleTests {
    @Test("the list covers every write of the desk")
    func coversEveryWrite() {
        #expect(announcementRules.map(\.write.testDescription) == announcementWrites.map(\.testDescription))
    }

    @Test("a host rule denying the write's action refuses it (forbidden), and nothing is written",
        arguments: announcementRules)
    func refused(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.refusedByHostRule(test)
    }

    @Test("a host rule denying another action lets the write pass", arguments: announcementRules)
    func passes(_ test: HostRuleCase) async throws {
        try await HostRuleChecks.passesWhenAnotherActionIsRefused(test)
    }
}

@Suite struct AnnouncementHostRuleReadTests {
    @Test("a host rule refusing view_reach hides the reach and the published list, word for word as a missing id")
    func reachIsHidden() async throws {
        let w = try await HostRuleChecks.workplace(refusing: .viewAnnouncementReach)
        let published = try await w.engine.announcements.publish(
            AnnouncementDraft(title: "Notice", body: "Text", audience: .organization), by: Workplace.admin)
        let hidden = await expectFailure(.notFound) {
            _ = try await w.engine.announcements.reach(of: published.id, as: Workplace.admin)
        }
        let missing = await expectFailure(.notFound) {
            _ = try await w.engine.announcements.reach(of: "no-such-announcement", as: Workplace.admin)
        }
        #expect(hidden?.message.replacingOccurrences(of: published.id.rawValue, with: "…")
            == missing?.message.replacingOccurrences(of: "no-such-announcement", with: "…"))
        #expect(try await w.engine.announcements.published(as: Workplace.admin).items.isEmpty)
        // Visibility is not the host's to refuse: recipients still read it.
        #expect(try await w.engine.announcements.announcement(published.id, as: Workplace.assignee) == published)
    }
}
