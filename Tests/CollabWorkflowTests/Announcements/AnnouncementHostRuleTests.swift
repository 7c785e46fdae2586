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
