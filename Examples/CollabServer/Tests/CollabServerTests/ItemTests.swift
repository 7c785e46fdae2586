import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The task center as its users go through it: the platform guide's first scenario, deadline adjustments,
/// reassignment, lists, the audit trail, documents and idempotent creation.
@Suite("Items")
struct ItemTests {
    @Test("The guide's scenario: create, accept, report progress with a file, submit, reject with a reason, submit again, approve")
    func guideScenario() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let wang = try await client.signIn("wang.fang")

            // zhao.lei creates the item.
            let created = try await createItem(
                client, as: zhao, title: "X1 launch brochure", assignees: ["li.wei"], reviewer: "wang.fang",
                dueDate: "2030-01-15")
            #expect(created.state == "assigned")
            #expect(created.assignees == ["li.wei"])
            #expect(created.initiator == "zhao.lei")
            #expect(created.reviewer == "wang.fang")
            #expect(created.priority == "high")
            #expect(created.title == "X1 launch brochure")
            #expect(created.description == "Created by a router test.")
            #expect(created.dueAt.hasPrefix("2030-01-15"), "the end of the day in Asia/Shanghai: \(created.dueAt)")
            #expect(created.attachments.isEmpty)
            #expect(created.closedAt == nil)
            let id = created.id

            // li.wei sees it with "accept" among his actions; accepts.
            var detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(id)", as: li)
            #expect(detail.item.id == id)
            #expect(detail.actions.contains("accept"), "\(detail.actions)")
            #expect(!detail.actions.contains("approve"))
            #expect(detail.names["li.wei"] != nil && detail.names["zhao.lei"] != nil && detail.names["wang.fang"] != nil)
            let accepted = try await client.json(
                ItemBody.self, .post, "/api/items/\(id)/accept", as: li, body: #"{"note":"On it","expectedVersion":\#(created.version)}"#)
            #expect(accepted.state == "accepted")
            #expect(accepted.version > created.version)

            // Progress with a file.
            let fileText = "Draft of the X1 brochure, page 1.\n"
            let progressed = try await client.json(
                ItemBody.self, .post, "/api/items/\(id)/progress", as: li,
                body: #"{"text":"First draft ready","percent":60,"attachments":[{"fileName":"draft.txt","contentBase64":"\#(base64(fileText))"}]}"#)
            #expect(["accepted", "in_progress"].contains(progressed.state), "\(progressed.state)")
            #expect(progressed.progressPercent == 60)
            detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(id)", as: zhao)
            let report = try #require(detail.progress.last)
            #expect(report.author == "li.wei")
            #expect(report.text == "First draft ready")
            #expect(report.percent == 60)
            #expect(report.attachments?.map(\.fileName) == ["draft.txt"])
            let attachment = try #require(report.attachments?.first)
            #expect(attachment.size == fileText.utf8.count)
            #expect(attachment.mediaType.hasPrefix("text/plain"), "\(attachment.mediaType)")
            let documentID = try #require(attachment.documentID)

            // The file downloads as sent, for the initiator and the reviewer.
            for token in [li, zhao, wang] {
                let download = try await client.send(.get, "/api/documents/\(documentID)", as: token)
                #expect(download.status == .ok)
                #expect(download.text == fileText)
            }

            // Submit; the reviewer rejects with a reason.
            let submitted = try await client.json(ItemBody.self, .post, "/api/items/\(id)/submit", as: li, body: #"{"note":"Please review"}"#)
            #expect(submitted.state == "in_review")
            detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(id)", as: wang)
            #expect(detail.actions.contains("approve") && detail.actions.contains("reject"), "\(detail.actions)")
            let reason = "The price table is missing"
            let rejected = try await client.json(
                ItemBody.self, .post, "/api/items/\(id)/reject", as: wang, body: #"{"reason":"\#(reason)","expectedVersion":\#(submitted.version)}"#)
            #expect(["accepted", "in_progress"].contains(rejected.state), "back to work: \(rejected.state)")
            #expect(rejected.closedAt == nil)
            let trail = try await client.json([AuditEntryBody].self, .get, "/api/items/\(id)/audit", as: zhao)
            #expect(trail.contains { $0.actor == "wang.fang" && ($0.detail ?? "").contains(reason) }, "\(trail)")
            #expect(trail.first?.actor == "zhao.lei", "oldest first: the creation")
            #expect(zip(trail, trail.dropFirst()).allSatisfy { instant($0.at) <= instant($1.at) }, "oldest first")

            // li.wei's message center tells him.
            let notices = try await client.json(NoticePageBody.self, .get, "/api/notices", as: li)
            #expect(notices.items.contains { $0.recordID == id }, "\(notices.items.map(\.title))")

            // Submit again; approve; completed.
            _ = try await client.json(ItemBody.self, .post, "/api/items/\(id)/submit", as: li)
            let approved = try await client.json(ItemBody.self, .post, "/api/items/\(id)/approve", as: wang, body: #"{"note":"Good"}"#)
            #expect(approved.state == "completed")
            #expect(approved.closedAt != nil)
            detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(id)", as: li)
            #expect(detail.item.state == "completed")
            #expect(detail.actions.isEmpty, "nothing left to do on a completed item: \(detail.actions)")

            // The actions are recorded in order.
            let actions = try await client.json([AuditEntryBody].self, .get, "/api/items/\(id)/audit", as: li).map(\.action)
            #expect(actions.count >= 7, "\(actions)")
        }
    }

    @Test("A stale expectedVersion answers 409 conflict and changes nothing")
    func staleVersion() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let item = try await createItem(client, as: zhao, title: "Stale", assignees: ["li.wei"])
            _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/accept", as: li)
            let error = try await client.failure(
                .post, "/api/items/\(item.id)/progress", as: li, body: #"{"text":"late","expectedVersion":\#(item.version)}"#,
                expect: .conflict)
            #expect(error.code == "conflict")
            let detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: li)
            #expect(detail.progress.isEmpty)
        }
    }

    @Test("A transition the state does not allow is refused (approving an item not in review)")
    func invalidTransition() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let wang = try await client.signIn("wang.fang")
            let item = try await createItem(client, as: zhao, title: "Too early", assignees: ["li.wei"], reviewer: "wang.fang")
            let response = try await client.send(.post, "/api/items/\(item.id)/approve", as: wang, json: "{}")
            #expect([403, 409].contains(response.status.code), "\(response.status.code) \(response.text)")
            let error = try decode(APIErrorBody.self, response)
            #expect(["invalid_transition", "forbidden"].contains(error.code), "\(error)")
            let after = try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: zhao)
            #expect(after.item.state == "assigned")
        }
    }

    @Test("Invalid input answers 422 invalid_input naming each problem")
    func invalidInput() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let error = try await client.failure(
                .post, "/api/items", as: zhao, body: #"{"title":"x","assignees":["no.such.member"],"dueDate":"2030-13-45"}"#,
                expect: .unprocessableContent)
            #expect(error.code == "invalid_input")
            #expect(!(error.problems ?? []).isEmpty, "\(error)")
            let empty = try await client.failure(.post, "/api/items", as: zhao, body: #"{"title":"","assignees":[]}"#, expect: .unprocessableContent)
            #expect(empty.code == "invalid_input")
            #expect((empty.problems ?? []).count >= 2, "each problem named: \(empty)")
        }
    }

    @Test("Deadline adjustments: the assignee asks, the initiator approves one (new deadline) and rejects another (with a reason)")
    func adjustments() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let item = try await createItem(client, as: zhao, title: "Adjust me", assignees: ["li.wei"], dueDate: "2030-01-15")
            _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/accept", as: li)
            var detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: li)
            #expect(detail.actions.contains("request_adjustment"), "\(detail.actions)")

            let first = try await client.json(
                AdjustmentBody.self, .post, "/api/items/\(item.id)/adjustments", as: li,
                body: #"{"dueDate":"2030-02-01","reason":"The supplier ships late"}"#, expect: .created)
            #expect(first.item == item.id)
            #expect(first.requester == "li.wei")
            #expect(first.reason == "The supplier ships late")
            #expect(first.status == "pending")
            #expect(first.newDueAt?.hasPrefix("2030-02-01") == true, "\(first.newDueAt ?? "nil")")
            detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: zhao)
            #expect(detail.item.pendingAdjustment == first.id)
            #expect(detail.actions.contains("decide_adjustment"), "\(detail.actions)")
            #expect(detail.adjustments.map(\.id) == [first.id])

            let approved = try await client.json(
                ItemBody.self, .post, "/api/adjustments/\(first.id)/approve", as: zhao, body: #"{"note":"Fine"}"#)
            #expect(approved.dueAt.hasPrefix("2030-02-01"), "the new deadline: \(approved.dueAt)")
            #expect(approved.pendingAdjustment == nil)

            let second = try await client.json(
                AdjustmentBody.self, .post, "/api/items/\(item.id)/adjustments", as: li,
                body: #"{"dueAt":"2030-03-01T10:00:00Z","reason":"More tests"}"#, expect: .created)
            let rejected = try await client.json(
                ItemBody.self, .post, "/api/adjustments/\(second.id)/reject", as: zhao, body: #"{"reason":"The launch cannot wait"}"#)
            #expect(rejected.dueAt == approved.dueAt, "the deadline stays")
            #expect(rejected.pendingAdjustment == nil)
            detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: li)
            let decided = try #require(detail.adjustments.first { $0.id == second.id })
            #expect(decided.status != "pending", "\(decided.status)")
            #expect(detail.adjustments.first { $0.id == first.id }?.status != "pending")
            let trail = try await client.json([AuditEntryBody].self, .get, "/api/items/\(item.id)/audit", as: li)
            #expect(trail.contains { ($0.detail ?? "").contains("The launch cannot wait") }, "\(trail)")

            // The assignee may not decide their own request.
            let third = try await client.json(
                AdjustmentBody.self, .post, "/api/items/\(item.id)/adjustments", as: li,
                body: #"{"dueDate":"2030-04-01","reason":"Once more"}"#, expect: .created)
            let own = try await client.failure(.post, "/api/adjustments/\(third.id)/approve", as: li, body: "{}", expect: .forbidden)
            #expect(own.code == "forbidden")
        }
    }

    @Test("The department head reassigns li.wei's part to sun.hao; the new assignee may accept")
    func reassign() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let wang = try await client.signIn("wang.fang")
            let item = try await createItem(
                client, as: zhao, title: "Reassign me", assignees: ["li.wei"], reviewer: "wang.fang", departments: ["technology"])
            #expect(item.departments == ["technology"])
            let detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: wang)
            #expect(detail.actions.contains("reassign"), "\(detail.actions)")
            let reassigned = try await client.json(
                ItemBody.self, .post, "/api/items/\(item.id)/reassign", as: wang,
                body: #"{"from":"li.wei","to":"sun.hao","reason":"li.wei is on leave","expectedVersion":\#(item.version)}"#)
            #expect(reassigned.assignees == ["sun.hao"])
            let sun = try await client.signIn("sun.hao")
            let theirs = try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: sun)
            #expect(theirs.actions.contains("accept"), "\(theirs.actions)")
            let trail = try await client.json([AuditEntryBody].self, .get, "/api/items/\(item.id)/audit", as: wang)
            #expect(trail.contains { $0.actor == "wang.fang" }, "\(trail)")

            // A plain member may not reassign: the item is visible to li.wei's colleague, the action forbidden.
            let li = try await client.signIn("li.wei")
            let refused = try await client.send(
                .post, "/api/items/\(item.id)/reassign", as: li, json: #"{"from":"sun.hao","to":"li.wei"}"#)
            #expect(refused.status == .forbidden, "\(refused.status.code) \(refused.text)")
        }
    }

    @Test("GET /api/items filters by scope and state and pages with nextCursor")
    func listItems() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let wang = try await client.signIn("wang.fang")
            var created: [String] = []
            for index in 1...3 {
                created.append(try await createItem(
                    client, as: zhao, title: "List \(index)", assignees: ["li.wei"], reviewer: "wang.fang",
                    dueDate: "2030-01-1\(index)").id)
            }
            let assigned = try await client.json(ItemPageBody.self, .get, "/api/items?scope=assigned", as: li)
            #expect(Set(created).isSubset(of: Set(assigned.items.map(\.id))))
            #expect(assigned.items.allSatisfy { $0.assignees.contains("li.wei") })
            let dues = assigned.items.map { instant($0.dueAt) }
            #expect(dues == dues.sorted(), "soonest deadline first: \(assigned.items.map(\.dueAt))")
            let initiated = try await client.json(ItemPageBody.self, .get, "/api/items?scope=all", as: zhao)
            #expect(Set(created).isSubset(of: Set(initiated.items.map(\.id))))
            let review = try await client.json(ItemPageBody.self, .get, "/api/items", as: wang)
            #expect(Set(created).isSubset(of: Set(review.items.map(\.id))), "the reviewer sees them")
            // zhao.lei is assigned none of them.
            let zhaoAssigned = try await client.json(ItemPageBody.self, .get, "/api/items?scope=assigned", as: zhao)
            #expect(Set(created).isDisjoint(with: Set(zhaoAssigned.items.map(\.id))))
            let completed = try await client.json(ItemPageBody.self, .get, "/api/items?state=completed", as: li)
            #expect(completed.items.allSatisfy { $0.state == "completed" })
            #expect(!completed.items.isEmpty, "the seeded circuit design review is completed")
            let all = try await client.json(ItemPageBody.self, .get, "/api/items?scope=all&state=assigned", as: li)
            #expect(Set(created).isSubset(of: Set(all.items.map(\.id))))

            // Pages of one, following nextCursor, visit every assigned item once.
            var seen: [String] = []
            var cursor: String? = nil
            for _ in 0..<20 {
                let query = cursor.map { "&cursor=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
                let page = try await client.json(ItemPageBody.self, .get, "/api/items?scope=assigned&limit=1\(query)", as: li)
                #expect(page.items.count <= 1)
                seen += page.items.map(\.id)
                guard let next = page.nextCursor else { break }
                cursor = next
            }
            #expect(seen == assigned.items.map(\.id), "paging visits the same items in the same order")

            let bad = try await client.send(.get, "/api/items?scope=initiated", as: li)
            #expect([400, 422].contains(bad.status.code), "\(bad.status.code) \(bad.text)")
        }
    }

    @Test("POST /api/items with the same Idempotency-Key returns the first item; another body under that key is refused")
    func idempotentCreate() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let before = try await client.json(ItemPageBody.self, .get, "/api/items?scope=all&limit=200", as: zhao).items.count
            let first = try await createItem(client, as: zhao, title: "Once", assignees: ["li.wei"], idempotencyKey: "create-once-1")
            let again = try await createItem(client, as: zhao, title: "Once", assignees: ["li.wei"], idempotencyKey: "create-once-1")
            #expect(again.id == first.id)
            #expect(again.version == first.version)
            let after = try await client.json(ItemPageBody.self, .get, "/api/items?scope=all&limit=200", as: zhao).items
            #expect(after.count == before + 1, "one item created")
            #expect(after.filter { $0.title == "Once" }.count == 1)

            let reused = try await client.failure(
                .post, "/api/items", as: zhao, body: #"{"title":"Something else","assignees":["li.wei"]}"#,
                idempotencyKey: "create-once-1", expect: .conflict)
            #expect(reused.code == "idempotency_key_reused", "\(reused)")
            let last = try await client.json(ItemPageBody.self, .get, "/api/items?scope=all&limit=200", as: zhao).items
            #expect(last.count == before + 1)

            // Keys are the member's own: chen.jing's identical request under the same key creates her own item
            // (neither zhao.lei's item replayed to her nor a refusal that tells her the key was used).
            let chen = try await client.signIn("chen.jing")
            let hers = try await createItem(client, as: chen, title: "Once", assignees: ["li.wei"], idempotencyKey: "create-once-1")
            #expect(hers.id != first.id)
            #expect(hers.initiator == "chen.jing")

            // A replayed accept answers the same item.
            let li = try await client.signIn("li.wei")
            let accepted = try await client.json(ItemBody.self, .post, "/api/items/\(first.id)/accept", as: li, idempotencyKey: "accept-1")
            let replayed = try await client.json(ItemBody.self, .post, "/api/items/\(first.id)/accept", as: li, idempotencyKey: "accept-1")
            #expect(replayed.version == accepted.version)
            #expect(replayed.state == "accepted")
        }
    }

    @Test("GET /api/documents answers the bytes of a document only to who may see its item")
    func documents() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let item = try await createItem(client, as: zhao, title: "With a file", assignees: ["li.wei"], departments: ["technology"])
            _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/accept", as: li)
            // A 1×1 PNG: binary content of a type Collab recognizes.
            let encoded = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
            let bytes = [UInt8](try #require(Data(base64Encoded: encoded)))
            _ = try await client.json(
                ItemBody.self, .post, "/api/items/\(item.id)/progress", as: li,
                body: #"{"text":"Image attached","attachments":[{"fileName":"dot.png","contentBase64":"\#(encoded)"}]}"#)
            let documentID = try #require(try await attachedDocuments(client, item: item.id, as: li)["dot.png"])
            let download = try await client.send(.get, "/api/documents/\(documentID)", as: zhao)
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == bytes)
            #expect(download.headers[.contentType] != nil)
            let missing = try await client.failure(.get, "/api/documents/no-such-document", as: zhao, expect: .notFound)
            #expect(missing.code == "not_found")
            // Content of no type Collab recognizes is refused, the file named.
            let unknown = try await client.failure(
                .post, "/api/items/\(item.id)/progress", as: li,
                body: #"{"text":"Odd file","attachments":[{"fileName":"blob.bin","contentBase64":"\#(Data((0..<64).map { UInt8($0) }).base64EncodedString())"}]}"#,
                expect: .unprocessableContent)
            #expect(unknown.code == "invalid_input")
            let garbage = try await client.failure(
                .post, "/api/items/\(item.id)/progress", as: li,
                body: #"{"text":"Bad base64","attachments":[{"fileName":"x.txt","contentBase64":"***"}]}"#, expect: .unprocessableContent)
            #expect(garbage.code == "invalid_input")
            #expect(try await client.json(ItemDetailBody.self, .get, "/api/items/\(item.id)", as: li).progress.count == 1)
        }
    }
}
