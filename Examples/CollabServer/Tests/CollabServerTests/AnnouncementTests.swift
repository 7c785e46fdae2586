import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Announcements: the seeded one to everyone, publishing to a department, reading, acknowledging, the reach.
@Suite("Announcements")
struct AnnouncementTests {
    @Test("The seeded announcement: listed pinned, opened, acknowledged; its reach counts the acknowledgement")
    func seededAnnouncement() async throws {
        try await TestServer.run { client in
            let chen = try await client.signIn("chen.jing")
            let admin = try await client.signIn("he.ping")
            let page = try await client.json(AnnouncementPageBody.self, .get, "/api/announcements", as: chen)
            let seeded = try #require(page.items.first { $0.author == "he.ping" }, "\(page.items)")
            #expect(seeded.requiresAcknowledgement)
            #expect(!seeded.acknowledged)
            #expect(seeded.pinned)
            #expect(seeded.acknowledgeBy != nil)

            let before = try await client.json(ReachBody.self, .get, "/api/announcements/\(seeded.id)/reach", as: admin)
            #expect(before.recipients >= 8, "everyone in acme: \(before.recipients)")
            #expect(before.acknowledged == 0)

            let opened = try await client.json(AnnouncementBody.self, .get, "/api/announcements/\(seeded.id)", as: chen)
            #expect(opened.id == seeded.id)
            #expect(opened.title == seeded.title)
            #expect(opened.body == seeded.body)
            let acknowledged = try await client.json(AnnouncementBody.self, .post, "/api/announcements/\(seeded.id)/acknowledge", as: chen)
            #expect(acknowledged.acknowledged)
            let again = try await client.json(AnnouncementBody.self, .post, "/api/announcements/\(seeded.id)/acknowledge", as: chen)
            #expect(again.acknowledged, "acknowledging twice is harmless")

            let after = try await client.json(ReachBody.self, .get, "/api/announcements/\(seeded.id)/reach", as: admin)
            #expect(after.acknowledged == 1)
            #expect(after.read >= 1)
            #expect(after.recipients == before.recipients)
            #expect(after.departments.reduce(0) { $0 + $1.acknowledged } >= 1, "\(after.departments)")
            let listed = try await client.json(AnnouncementPageBody.self, .get, "/api/announcements", as: chen)
            #expect(listed.items.first { $0.id == seeded.id }?.acknowledged == true)

            // A member who is neither the author, an administrator nor a head of its department: no reach.
            let li = try await client.signIn("li.wei")
            try await client.expectHidden(.get, "/api/announcements/{id}/reach", id: seeded.id, as: li)
        }
    }

    @Test("Publishing to production reaches production only; pinned first; the author sees the reach")
    func publishToDepartment() async throws {
        try await TestServer.run { client in
            let admin = try await client.signIn("he.ping")
            let published = try await client.json(
                AnnouncementBody.self, .post, "/api/announcements", as: admin,
                body: #"{"title":"Fire drill","body":"Friday at 15:00, workshop 2.","departments":["production"],"acknowledgeBy":"2030-01-01T00:00:00Z","pinned":true}"#,
                expect: .created)
            #expect(published.title == "Fire drill")
            #expect(published.body == "Friday at 15:00, workshop 2.")
            #expect(published.author == "he.ping")
            #expect(published.pinned)
            #expect(published.requiresAcknowledgement)
            #expect(published.acknowledgeBy?.hasPrefix("2030-01-01") == true)

            let sun = try await client.signIn("sun.hao")
            let page = try await client.json(AnnouncementPageBody.self, .get, "/api/announcements", as: sun)
            #expect(page.items.contains { $0.id == published.id })
            let pins = page.items.map(\.pinned)
            #expect(pins == pins.sorted { $0 && !$1 }, "pinned first: \(pins)")
            _ = try await client.json(AnnouncementBody.self, .get, "/api/announcements/\(published.id)", as: sun)

            let chen = try await client.signIn("chen.jing")
            let others = try await client.json(AnnouncementPageBody.self, .get, "/api/announcements", as: chen)
            #expect(!others.items.contains { $0.id == published.id }, "marketing did not receive it")
            try await client.expectHidden(.get, "/api/announcements/{id}", id: published.id, as: chen)
            try await client.expectHidden(.post, "/api/announcements/{id}/acknowledge", id: published.id, as: chen)

            let reach = try await client.json(ReachBody.self, .get, "/api/announcements/\(published.id)/reach", as: admin)
            #expect(reach.recipients == 2, "liu.yang and sun.hao: \(reach)")
            #expect(reach.read == 1, "sun.hao opened it: \(reach)")
            #expect(reach.acknowledged == 0)
            // A recipient who is not its author, an administrator nor a head of the department it was published
            // *for* (the publisher's department, none here) gets no reach: the engine answers 404 as for a missing one.
            let liu = try await client.signIn("liu.yang")
            try await client.expectHidden(.get, "/api/announcements/{id}/reach", id: published.id, as: liu)
        }
    }

    @Test("A department head publishes to their department; a plain member may not publish")
    func publishRights() async throws {
        try await TestServer.run { client in
            let wang = try await client.signIn("wang.fang")
            let own = try await client.json(
                AnnouncementBody.self, .post, "/api/announcements", as: wang,
                body: #"{"title":"Lab closed","body":"The lab is closed on Monday.","departments":["technology"]}"#, expect: .created)
            #expect(!own.requiresAcknowledgement)
            #expect(!own.pinned)
            let li = try await client.signIn("li.wei")
            #expect(try await client.json(AnnouncementPageBody.self, .get, "/api/announcements", as: li).items.contains { $0.id == own.id })
            let reach = try await client.json(ReachBody.self, .get, "/api/announcements/\(own.id)/reach", as: wang)
            #expect(reach.recipients == 1, "li.wei (wu.old is deactivated): \(reach)")
            // For a department the head does not head: refused.
            let foreign = try await client.send(
                .post, "/api/announcements", as: wang,
                json: #"{"title":"Overtime","body":"Saturday shift.","departments":["production"],"publisherDepartment":"production"}"#)
            #expect(foreign.status == .forbidden, "\(foreign.status.code) \(foreign.text)")
            let refused = try await client.send(
                .post, "/api/announcements", as: li, json: #"{"title":"Party","body":"Cake at 4."}"#)
            #expect(refused.status == .forbidden, "\(refused.status.code) \(refused.text)")
            #expect(try decode(APIErrorBody.self, refused).code == "forbidden")
            let invalid = try await client.failure(
                .post, "/api/announcements", as: wang, body: #"{"title":"","body":""}"#, expect: .unprocessableContent)
            #expect(invalid.code == "invalid_input")
        }
    }
}
