import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The attacker's view: every record a member may not see answers exactly as one that does not exist
/// (404 `not_found`, the same body), whichever route they try.
@Suite("Access")
struct AccessTests {
    /// acme's records of every kind, for the attackers to try.
    struct Records: Sendable {
        var item: String
        var adjustment: String
        var document: String
        var announcement: String
        var order: String
        var ticket: String
    }

    static func acmeRecords(_ client: any TestClientProtocol) async throws -> Records {
        let zhao = try await client.signIn("zhao.lei")
        let li = try await client.signIn("li.wei")
        let admin = try await client.signIn("he.ping")
        let gao = try await client.signIn("gao.min")
        let item = try await createItem(client, as: zhao, title: "Secret plan", assignees: ["li.wei"], reviewer: "wang.fang")
        _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/accept", as: li)
        _ = try await client.json(
            ItemBody.self, .post, "/api/items/\(item.id)/progress", as: li,
            body: #"{"text":"Secret file","attachments":[{"fileName":"secret.txt","contentBase64":"\#(base64("secret"))"}]}"#)
        let document = try #require(try await attachedDocuments(client, item: item.id, as: li)["secret.txt"])
        let adjustment = try await client.json(
            AdjustmentBody.self, .post, "/api/items/\(item.id)/adjustments", as: li,
            body: #"{"dueDate":"2030-02-01","reason":"More time"}"#, expect: .created)
        // The seeded announcement, as one of its recipients lists it (its author receives none).
        let chen = try await client.signIn("chen.jing")
        let announcement = try #require(
            try await client.json(AnnouncementPageBody.self, .get, "/api/announcements", as: chen).items.first)
        let order = try #require(try await client.json(OrderPageBody.self, .get, "/api/orders", as: gao).items.first)
        let ticket = try #require(try await client.json(TicketPageBody.self, .get, "/api/tickets", as: admin).items.first)
        return Records(
            item: item.id, adjustment: adjustment.id, document: document,
            announcement: announcement.id, order: order.id, ticket: ticket.id)
    }

    /// Every route that names a record, with a valid body, as (method, path with {id}, which record, body).
    static func recordRoutes(_ records: Records) -> [(HTTPRequest.Method, String, String, String?)] {
        [
            (.get, "/api/items/{id}", records.item, nil),
            (.get, "/api/items/{id}/audit", records.item, nil),
            (.post, "/api/items/{id}/accept", records.item, "{}"),
            (.post, "/api/items/{id}/progress", records.item, #"{"text":"hello"}"#),
            (.post, "/api/items/{id}/submit", records.item, "{}"),
            (.post, "/api/items/{id}/approve", records.item, "{}"),
            (.post, "/api/items/{id}/reject", records.item, #"{"reason":"no"}"#),
            (.post, "/api/items/{id}/adjustments", records.item, #"{"dueDate":"2030-05-01","reason":"later"}"#),
            (.post, "/api/items/{id}/reassign", records.item, #"{"from":"li.wei","to":"chen.jing"}"#),
            (.post, "/api/adjustments/{id}/approve", records.adjustment, "{}"),
            (.post, "/api/adjustments/{id}/reject", records.adjustment, #"{"reason":"no"}"#),
            (.get, "/api/documents/{id}", records.document, nil),
            (.get, "/api/announcements/{id}", records.announcement, nil),
            (.post, "/api/announcements/{id}/acknowledge", records.announcement, nil),
            (.get, "/api/announcements/{id}/reach", records.announcement, nil),
            (.get, "/api/orders/{id}", records.order, nil),
            (.post, "/api/orders/{id}/proposals", records.order, #"{"lines":[{"line":1,"date":"2030-03-01"}]}"#),
            (.post, "/api/orders/{id}/proposals/1/confirm", records.order, nil),
            (.get, "/api/tickets/{id}", records.ticket, nil),
            (.post, "/api/tickets/{id}/replies", records.ticket, #"{"body":"hello"}"#),
        ]
    }

    @Test("eve.li (another company) on acme's item, adjustment, document, announcement, order and ticket: as missing")
    func otherCompany() async throws {
        try await TestServer.run { client in
            let records = try await Self.acmeRecords(client)
            let eve = try await client.signIn("eve.li")
            for (method, path, id, body) in Self.recordRoutes(records) {
                try await client.expectHidden(method, path, id: id, as: eve, body: body)
            }
            // Nothing of acme's in her lists either.
            let items = try await client.json(ItemPageBody.self, .get, "/api/items?scope=all", as: eve)
            #expect(!items.items.contains { $0.id == records.item })
            #expect(try await client.json(OrderPageBody.self, .get, "/api/orders", as: eve).items.isEmpty)
            #expect(try await client.json(TicketPageBody.self, .get, "/api/tickets", as: eve).items.isEmpty)
            #expect(!(try await client.json(AnnouncementPageBody.self, .get, "/api/announcements", as: eve).items
                .contains { $0.id == records.announcement }))
            #expect(!(try await client.json(TodoPageBody.self, .get, "/api/todo", as: eve).items.contains { $0.item.id == records.item }))
            // She may not assign acme's members either: an unknown member to her.
            let assign = try await client.send(.post, "/api/items", as: eve, json: #"{"title":"Hi","assignees":["li.wei"]}"#)
            #expect([404, 422].contains(assign.status.code), "\(assign.status.code) \(assign.text)")
            // Nothing changed for acme.
            let zhao = try await client.signIn("zhao.lei")
            let detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(records.item)", as: zhao)
            #expect(detail.item.state == "in_progress" || detail.item.state == "accepted")
            #expect(detail.progress.count == 1)
            #expect(detail.adjustments.allSatisfy { $0.status == "pending" })
        }
    }

    @Test("chen.jing (marketing, not involved) on li.wei's technology item: as missing; on a visible one, forbidden")
    func sameCompanyNotInvolved() async throws {
        try await TestServer.run { client in
            let wang = try await client.signIn("wang.fang")
            let li = try await client.signIn("li.wei")
            let chen = try await client.signIn("chen.jing")
            // An item of technology, between wang.fang and li.wei: marketing has no part in it (policy: view is
            // initiator, assignee, reviewer, watcher, department member or head, administrator): hidden.
            let item = try await createItem(
                client, as: wang, title: "Firmware", assignees: ["li.wei"], reviewer: "wang.fang", departments: ["technology"])
            _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/accept", as: li)
            _ = try await client.json(
                ItemBody.self, .post, "/api/items/\(item.id)/progress", as: li,
                body: #"{"text":"Build 7","attachments":[{"fileName":"build.txt","contentBase64":"\#(base64("build 7"))"}]}"#)
            let document = try #require(try await attachedDocuments(client, item: item.id, as: li)["build.txt"])
            try await client.expectHidden(.get, "/api/items/{id}", id: item.id, as: chen)
            try await client.expectHidden(.get, "/api/items/{id}/audit", id: item.id, as: chen)
            try await client.expectHidden(.post, "/api/items/{id}/submit", id: item.id, as: chen, body: "{}")
            try await client.expectHidden(.post, "/api/items/{id}/reject", id: item.id, as: chen, body: #"{"reason":"x"}"#)
            try await client.expectHidden(.get, "/api/documents/{id}", id: document, as: chen)
            let list = try await client.json(ItemPageBody.self, .get, "/api/items?scope=all&limit=200", as: chen)
            #expect(!list.items.contains { $0.id == item.id })
            let csv = try await client.send(.get, "/api/exports/items.csv", as: chen)
            #expect(!csv.text.contains("Firmware"))

            // An item of marketing (zhao.lei's, for li.wei): chen.jing sees it as a member of marketing, but may not
            // act on it: 403 forbidden for a visible record.
            let zhao = try await client.signIn("zhao.lei")
            let visible = try await createItem(
                client, as: zhao, title: "Brochure", assignees: ["li.wei"], reviewer: "zhao.lei", departments: ["marketing"])
            let detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(visible.id)", as: chen)
            #expect(detail.actions.isEmpty, "\(detail.actions)")
            let accept = try await client.failure(.post, "/api/items/\(visible.id)/accept", as: chen, body: "{}", expect: .forbidden)
            #expect(accept.code == "forbidden")
            let reassign = try await client.failure(
                .post, "/api/items/\(visible.id)/reassign", as: chen, body: #"{"from":"li.wei","to":"chen.jing"}"#, expect: .forbidden)
            #expect(reassign.code == "forbidden")
        }
    }

    @Test("Outside members (ma.lin, he.tao, zhu.lan) get 404 on every internal route, as for a missing record")
    func outsideMembers() async throws {
        try await TestServer.run { client in
            let records = try await Self.acmeRecords(client)
            let internalRoutes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/items", nil), (.post, "/api/items", #"{"title":"x","assignees":["li.wei"]}"#),
                (.get, "/api/members", nil), (.get, "/api/announcements", nil),
                (.post, "/api/announcements", #"{"title":"x","body":"y"}"#), (.get, "/api/board", nil),
                (.get, "/api/exports/report.xlsx", nil), (.get, "/api/exports/items.csv", nil), (.get, "/api/todo", nil),
            ]
            for member in ["ma.lin", "he.tao", "zhu.lan"] {
                let token = try await client.signIn(member)
                for (method, uri, body) in internalRoutes {
                    let error = try await client.failure(method, uri, as: token, body: body, expect: .notFound)
                    #expect(error.code == "not_found", "\(member) \(method) \(uri)")
                }
                // Internal records, real or made up, read alike.
                for (method, path, id, body) in Self.recordRoutes(records)
                where path.hasPrefix("/api/items") || path.hasPrefix("/api/adjustments") || path.hasPrefix("/api/documents")
                    || path.hasPrefix("/api/announcements")
                {
                    try await client.expectHidden(method, path, id: id, as: token, body: body)
                }
                // What they may reach answers.
                #expect(try await client.json(MeBody.self, .get, "/api/me", as: token).outside)
                _ = try await client.json(NoticePageBody.self, .get, "/api/notices", as: token)
                _ = try await client.json(OrderPageBody.self, .get, "/api/orders", as: token)
                _ = try await client.json(TicketPageBody.self, .get, "/api/tickets", as: token)
            }
        }
    }

    @Test("he.tao (suzhou-thermal) on ningbo's PO-1001: as missing; zhu.lan (a customer) on it too")
    func otherSupplier() async throws {
        try await TestServer.run { client in
            let gao = try await client.signIn("gao.min")
            let order = try #require(try await client.json(OrderPageBody.self, .get, "/api/orders", as: gao).items.first { $0.number == "PO-1001" })
            for member in ["he.tao", "zhu.lan"] {
                let token = try await client.signIn(member)
                #expect(try await client.json(OrderPageBody.self, .get, "/api/orders", as: token).items.isEmpty)
                try await client.expectHidden(.get, "/api/orders/{id}", id: order.id, as: token)
                try await client.expectHidden(
                    .post, "/api/orders/{id}/proposals", id: order.id, as: token, body: #"{"lines":[{"line":1,"date":"2030-03-01"}]}"#)
                try await client.expectHidden(.post, "/api/orders/{id}/proposals/1/confirm", id: order.id, as: token)
            }
            // Nor may a supplier read the customer's ticket.
            let admin = try await client.signIn("he.ping")
            let ticket = try #require(try await client.json(TicketPageBody.self, .get, "/api/tickets", as: admin).items.first)
            let ma = try await client.signIn("ma.lin")
            #expect(try await client.json(TicketPageBody.self, .get, "/api/tickets", as: ma).items.isEmpty)
            try await client.expectHidden(.get, "/api/tickets/{id}", id: ticket.id, as: ma)
            try await client.expectHidden(.post, "/api/tickets/{id}/replies", id: ticket.id, as: ma, body: #"{"body":"hi"}"#)
        }
    }

    @Test("An internal member outside purchasing and after-sales sees neither PO-1001 nor the customer's ticket")
    func internalOutsiderOnPortal() async throws {
        try await TestServer.run { client in
            let gao = try await client.signIn("gao.min")
            let admin = try await client.signIn("he.ping")
            let order = try #require(try await client.json(OrderPageBody.self, .get, "/api/orders", as: gao).items.first)
            let ticket = try #require(try await client.json(TicketPageBody.self, .get, "/api/tickets", as: admin).items.first)
            let chen = try await client.signIn("chen.jing")
            #expect(try await client.json(OrderPageBody.self, .get, "/api/orders", as: chen).items.isEmpty)
            try await client.expectHidden(.get, "/api/orders/{id}", id: order.id, as: chen)
            #expect(!(try await client.json(TicketPageBody.self, .get, "/api/tickets", as: chen).items.contains { $0.id == ticket.id }))
            try await client.expectHidden(.get, "/api/tickets/{id}", id: ticket.id, as: chen)
        }
    }
}
