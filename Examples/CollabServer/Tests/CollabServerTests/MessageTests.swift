import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The message center, the to-do and the live stream.
@Suite("Messages")
struct MessageTests {
    @Test("Notices: newest first, the unread filter, marking some and then all read")
    func notices() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let first = try await createItem(client, as: zhao, title: "Notice one", assignees: ["li.wei"])
            let second = try await createItem(client, as: zhao, title: "Notice two", assignees: ["li.wei"])
            // The message center is written with the command; allow the dispatcher a moment if it is not.
            var page = try await client.json(NoticePageBody.self, .get, "/api/notices", as: li)
            for _ in 0..<40 where !Set([first.id, second.id]).isSubset(of: Set(page.items.compactMap(\.recordID))) {
                try await Task.sleep(for: .milliseconds(100))
                page = try await client.json(NoticePageBody.self, .get, "/api/notices", as: li)
            }
            let records = page.items.compactMap(\.recordID)
            #expect(Set([first.id, second.id]).isSubset(of: Set(records)), "\(page.items)")
            #expect(page.unreadCount >= 2)
            #expect(page.unreadCount == page.items.filter { !$0.read }.count || page.nextCursor != nil)
            let dates = page.items.map { instant($0.createdAt) }
            #expect(dates == dates.sorted(by: >), "newest first: \(page.items.map(\.createdAt))")
            #expect(page.items.allSatisfy { !$0.title.isEmpty && !$0.kind.isEmpty })

            let unread = try await client.json(NoticePageBody.self, .get, "/api/notices?unread=true", as: li)
            #expect(unread.items.allSatisfy { !$0.read })
            let one = try #require(unread.items.first)
            let marked = try await client.json(CountBody.self, .post, "/api/notices/read", as: li, body: #"{"ids":["\#(one.id)"]}"#)
            #expect(marked.count == 1)
            let afterOne = try await client.json(NoticePageBody.self, .get, "/api/notices", as: li)
            #expect(afterOne.unreadCount == page.unreadCount - 1)
            #expect(afterOne.items.first { $0.id == one.id }?.read == true)
            let markedAgain = try await client.json(CountBody.self, .post, "/api/notices/read", as: li, body: #"{"ids":["\#(one.id)"]}"#)
            #expect(markedAgain.count == 0, "already read")

            let all = try await client.json(CountBody.self, .post, "/api/notices/read", as: li, body: #"{"all":true}"#)
            #expect(all.count == afterOne.unreadCount)
            let afterAll = try await client.json(NoticePageBody.self, .get, "/api/notices?unread=true", as: li)
            #expect(afterAll.unreadCount == 0)
            #expect(afterAll.items.isEmpty)

            // Another member's notice ids mark nothing for li.wei's colleague.
            let wang = try await client.signIn("wang.fang")
            let foreign = try await client.send(.post, "/api/notices/read", as: wang, json: #"{"ids":["\#(one.id)"]}"#)
            if foreign.status == .ok {
                #expect(try decode(CountBody.self, foreign).count == 0)
            } else {
                #expect(foreign.status == .notFound, "\(foreign.status.code) \(foreign.text)")
            }

            // Pages.
            let small = try await client.json(NoticePageBody.self, .get, "/api/notices?limit=1", as: li)
            #expect(small.items.count == 1)
            let next = try #require(small.nextCursor)
            let encoded = next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? next
            let following = try await client.json(NoticePageBody.self, .get, "/api/notices?limit=1&cursor=\(encoded)", as: li)
            #expect(following.items.first?.id != small.items.first?.id)
        }
    }

    @Test("To-do: what waits for li.wei (to accept) and for the reviewer (to review), with reasons")
    func todo() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let wang = try await client.signIn("wang.fang")
            let item = try await createItem(client, as: zhao, title: "Todo", assignees: ["li.wei"], reviewer: "wang.fang")
            let todo = try await client.json(TodoPageBody.self, .get, "/api/todo", as: li)
            let entry = try #require(todo.items.first { $0.item.id == item.id }, "\(todo.items.map(\.item.title))")
            #expect(!entry.reasons.isEmpty)
            #expect(entry.item.state == "assigned")

            _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/accept", as: li)
            _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/submit", as: li)
            let review = try await client.json(TodoPageBody.self, .get, "/api/todo", as: wang)
            #expect(review.items.contains { $0.item.id == item.id && !$0.reasons.isEmpty }, "\(review.items.map(\.item.title))")
            let limited = try await client.json(TodoPageBody.self, .get, "/api/todo?limit=1", as: wang)
            #expect(limited.items.count <= 1)
        }
    }

    @Test("GET /api/events streams li.wei's notice about a new item as an event 'notice' (live server)")
    func eventStream() async throws {
        try await TestServer.run(.live) { client in
            let port = try #require(client.port)
            let li = try await client.signIn("li.wei")
            let zhao = try await client.signIn("zhao.lei")

            let connection = try RawConnection(port: port)
            try connection.write(
                "GET /api/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\nAuthorization: Bearer \(li)\r\n\r\n")
            // The head, then the first event ("ready") says the stream is subscribed.
            let opening = await connection.read(upTo: 20) { $0.contains("\r\n\r\n") && $0.contains("event: ready") }
            #expect(opening.hasPrefix("HTTP/1.1 200"), "\(opening)")
            #expect(opening.lowercased().contains("content-type: text/event-stream"), "\(opening)")
            #expect(opening.contains("event: ready"), "\(opening)")

            let item = try await createItem(client, as: zhao, title: "Streamed", assignees: ["li.wei"])
            // Bounded by a number of reads (each waits at most a second), not by a wall-clock assertion.
            let streamed = await connection.read(upTo: 30) { $0.contains("event: notice") && $0.contains(item.id) }
            #expect(streamed.contains("event: notice"), "\(streamed)")
            #expect(streamed.contains(item.id), "\(streamed)")
            // The event's data is the notice as JSON (the Notice schema).
            let dataLine = streamed.split(separator: "\n").first { $0.hasPrefix("data:") && $0.contains(item.id) }
            let json = try #require(dataLine.map { $0.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines) })
            let notice = try JSONDecoder().decode(NoticeBody.self, from: Data(json.utf8))
            #expect(notice.recordID == item.id)
            #expect(notice.read == false)

            // Another member's stream gets nothing about it: zhao.lei's own stream stays quiet.
            let other = try RawConnection(port: port)
            try other.write("GET /api/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(zhao)\r\n\r\n")
            let otherOpening = await other.read(upTo: 20) { $0.contains("event: ready") }
            #expect(otherOpening.contains("event: ready"))
            _ = try await createItem(client, as: zhao, title: "Also streamed", assignees: ["li.wei"])
            let quiet = await other.read(upTo: 3) { $0.contains("event: notice") }
            #expect(!quiet.contains("event: notice"), "\(quiet)")

            // An outside member may open their own stream; no token: 401.
            let anonymous = try RawConnection(port: port)
            try anonymous.write("GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let refused = await anonymous.read(upTo: 5) { $0.contains("\r\n\r\n") }
            #expect(refused.hasPrefix("HTTP/1.1 401"), "\(refused)")
        }
    }
}
