import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// An announcement to the whole of acme by its administrator (asking an acknowledgement within a day when
/// `acknowledged`); returns its id.
private func published(_ w: Workplace, _ title: String, acknowledged: Bool = false) async throws -> String {
    try await w.engine.announcements.publish(AnnouncementDraft(
        title: title, body: "Please read.", audience: .organization,
        acknowledgement: acknowledged ? AcknowledgementRequirement(deadline: w.now.addingTimeInterval(86_400)) : nil),
        by: Workplace.admin).id.rawValue
}

/// Every write of the announcement desk.
let announcementWrites: [ScenarioKeyCase] = [
    ScenarioKeyCase("publish", by: Workplace.admin) { w, _, key, variant in
        "\(try await w.engine.announcements.publish(AnnouncementDraft(title: "Notice \(variant)", body: "Text", audience: .organization), by: Workplace.admin, idempotencyKey: key))"
    },
    ScenarioKeyCase("open", by: Workplace.assignee, prepare: { w in
        [try await published(w, "First"), try await published(w, "Second")]
    }) { w, ids, key, variant in
        "\(try await w.engine.announcements.open(Announcement.ID(ids[variant]), by: Workplace.assignee, idempotencyKey: key))"
    },
    ScenarioKeyCase("acknowledge", by: Workplace.assignee, prepare: { w in
        [try await published(w, "First", acknowledged: true), try await published(w, "Second", acknowledged: true)]
    }) { w, ids, key, variant in
        "\(try await w.engine.announcements.acknowledge(Announcement.ID(ids[variant]), by: Workplace.assignee, idempotencyKey: key))"
    },
    ScenarioKeyCase("setPinned", by: Workplace.admin, prepare: { w in [try await published(w, "Pinned")] }) {
        w, ids, key, variant in
        "\(try await w.engine.announcements.setPinned(variant == 0, on: Announcement.ID(ids[0]), by: Workplace.admin, idempotencyKey: key))"
    },
    ScenarioKeyCase("setExpiry", by: Workplace.admin, prepare: { w in [try await published(w, "Expiring")] }) {
        w, ids, key, variant in
        let expiry = w.now.addingTimeInterval(Double(variant + 1) * 86_400)
        return "\(try await w.engine.announcements.setExpiry(expiry, on: Announcement.ID(ids[0]), by: Workplace.admin, idempotencyKey: key))"
    },
]

@Suite struct AnnouncementDeskKeyTests {
    @Test("a replay under the same key returns the first result and writes nothing", arguments: announcementWrites)
    func replay(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.replayWritesNothing(write)
    }

    @Test("the same key with another payload is idempotency_key_reused, and nothing is written",
        arguments: announcementWrites)
    func otherPayload(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.otherPayloadIsRefused(write)
    }

    @Test("a deactivated actor is refused, and nothing is written", arguments: announcementWrites)
    func deactivated(_ write: ScenarioKeyCase) async throws {
        try await ScenarioKeyChecks.deactivatedActorIsRefused(write)
    }

    @Test("two acknowledgements of one member at the same time commit one: one audit event, the same receipt")
    func concurrentAcknowledgements() async throws {
        let w = try await Workplace(storage: .underTest)
        var ids: [Announcement.ID] = []
        for n in 0..<20 { ids.append(Announcement.ID(try await published(w, "Policy \(n)", acknowledged: true))) }
        let engine = w.engine
        let answers = try await withThrowingTaskGroup(of: (Announcement.ID, ReceivedAnnouncement).self) { group in
            for id in ids {
                for _ in 0..<2 {
                    group.addTask { (id, try await engine.announcements.acknowledge(id, by: Workplace.assignee)) }
                }
            }
            var answers: [Announcement.ID: [ReceivedAnnouncement]] = [:]
            for try await (id, received) in group { answers[id, default: []].append(received) }
            return answers
        }
        for id in ids {
            let both = try #require(answers[id])
            #expect(both.count == 2 && both[0] == both[1], "\(id)")
            let stored = try #require(try await w.h.store.receipt(of: id, for: Workplace.assignee))
            #expect(both.first?.receipt == stored, "\(id)")
            let acknowledgements = try await w.h.store.auditTrail(of: .announcement(id)).filter { $0.action == "acknowledge" }
            #expect(acknowledgements.count == 1, "\(id)")
        }
    }
}
