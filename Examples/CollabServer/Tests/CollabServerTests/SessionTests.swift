import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Health, signing in and out, the signed-in member and the organization's members; who is refused with 401.
@Suite("Sessions")
struct SessionTests {
    @Test("GET /api/health answers without a token")
    func health() async throws {
        try await TestServer.run { client in
            let health = try await client.json(HealthBody.self, .get, "/api/health", as: nil)
            #expect(health.status == "ok")
        }
    }

    @Test("Signing in answers a token and the member; GET /api/me answers the same member")
    func signInAndMe() async throws {
        try await TestServer.run { client in
            let session = try await client.json(
                SessionBody.self, .post, "/api/sessions", as: nil, body: #"{"member":"li.wei","passcode":"collab"}"#,
                expect: .created)
            #expect(!session.token.isEmpty)
            #expect(session.member.id == "li.wei")
            #expect(session.member.organizationID == "acme")
            #expect(session.member.outside == false)
            #expect(session.member.administrator == false)
            #expect(session.member.departments.map(\.id) == ["technology"])
            #expect(session.member.departments.first?.head == false)

            let me = try await client.json(MeBody.self, .get, "/api/me", as: session.token)
            #expect(me.id == "li.wei")
            #expect(me.name == session.member.name)
            #expect(me.organizationName == session.member.organizationName)

            let admin = try await client.json(MeBody.self, .get, "/api/me", as: try await client.signIn("he.ping"))
            #expect(admin.administrator)
            let head = try await client.json(MeBody.self, .get, "/api/me", as: try await client.signIn("wang.fang"))
            #expect(head.departments.map(\.id) == ["technology"])
            #expect(head.departments.first?.head == true)
            let supplier = try await client.json(MeBody.self, .get, "/api/me", as: try await client.signIn("ma.lin"))
            #expect(supplier.outside)
            #expect(supplier.organizationID == "ningbo-precision")
        }
    }

    @Test("GET /api/members lists the organization's active internal members, not the other company's nor the outside ones")
    func members() async throws {
        try await TestServer.run { client in
            let token = try await client.signIn("zhao.lei")
            let members = try await client.json([MemberSummaryBody].self, .get, "/api/members", as: token)
            let ids = Set(members.map(\.id))
            #expect(ids.isSuperset(of: ["zhao.lei", "chen.jing", "wang.fang", "li.wei", "he.ping", "gao.min", "song.jia"]))
            #expect(!ids.contains("wu.old"), "a deactivated member is not listed")
            #expect(!ids.contains("eve.li"), "another company's member is not listed")
            #expect(ids.isDisjoint(with: ["ma.lin", "he.tao", "zhu.lan"]), "outside members are not listed")
            #expect(members.first { $0.id == "li.wei" }?.departments == ["technology"])

            let other = try await client.json([MemberSummaryBody].self, .get, "/api/members", as: try await client.signIn("eve.li"))
            #expect(other.map(\.id) == ["eve.li"])
        }
    }

    @Test("Signing out ends the token: it answers 401 afterwards, and signing out twice too")
    func signOut() async throws {
        try await TestServer.run { client in
            let token = try await client.signIn("li.wei")
            let other = try await client.signIn("li.wei")
            let out = try await client.send(.delete, "/api/sessions/current", as: token)
            #expect(out.status == .noContent, "\(out.text)")
            let after = try await client.failure(.get, "/api/me", as: token, expect: .unauthorized)
            let again = try await client.failure(.delete, "/api/sessions/current", as: token, expect: .unauthorized)
            #expect(after == again)
            // The member's other session is untouched.
            #expect(try await client.json(MeBody.self, .get, "/api/me", as: other).id == "li.wei")
        }
    }

    @Test("No token, a made-up token, a signed-out token: 401 with the same Error body on every protected route")
    func unauthenticated() async throws {
        try await TestServer.run { client in
            let token = try await client.signIn("li.wei")
            _ = try await client.send(.delete, "/api/sessions/current", as: token)
            let routes: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/me", nil), (.get, "/api/members", nil), (.get, "/api/items", nil),
                (.post, "/api/items", #"{"title":"x","assignees":["li.wei"]}"#), (.get, "/api/items/any", nil),
                (.post, "/api/items/any/accept", "{}"), (.get, "/api/notices", nil), (.get, "/api/todo", nil),
                (.get, "/api/events", nil), (.get, "/api/announcements", nil), (.get, "/api/board", nil),
                (.get, "/api/exports/report.xlsx", nil), (.get, "/api/exports/items.csv", nil), (.get, "/api/orders", nil),
                (.get, "/api/tickets", nil), (.get, "/api/documents/any", nil), (.delete, "/api/sessions/current", nil),
            ]
            var bodies: [APIErrorBody] = []
            for (method, uri, body) in routes {
                bodies.append(try await client.failure(method, uri, as: nil, body: body, expect: .unauthorized))
                bodies.append(try await client.failure(method, uri, as: "made-up-token-0123456789", body: body, expect: .unauthorized))
                bodies.append(try await client.failure(method, uri, as: token, body: body, expect: .unauthorized))
            }
            #expect(Set(bodies.map(\.code)).count == 1, "\(Set(bodies.map(\.code)))")
            #expect(Set(bodies.map(\.message)).count == 1, "\(Set(bodies.map(\.message)))")
            // A malformed Authorization header reads the same.
            let basic = try await client.execute(uri: "/api/me", method: .get, headers: [.authorization: "Basic bGk6Y29sbGFi"])
            #expect(basic.status == .unauthorized)
            #expect(try decode(APIErrorBody.self, basic) == bodies[0])
        }
    }

    @Test("A wrong passcode, an unknown member and a deactivated member (wu.old) are refused alike with 401")
    func refusedSignIns() async throws {
        try await TestServer.run { client in
            let wrong = try await client.send(.post, "/api/sessions", as: nil, json: #"{"member":"li.wei","passcode":"wrong"}"#)
            let unknown = try await client.send(.post, "/api/sessions", as: nil, json: #"{"member":"nobody.here","passcode":"collab"}"#)
            let deactivated = try await client.send(.post, "/api/sessions", as: nil, json: #"{"member":"wu.old","passcode":"collab"}"#)
            let deactivatedWrong = try await client.send(.post, "/api/sessions", as: nil, json: #"{"member":"wu.old","passcode":"x"}"#)
            for response in [wrong, unknown, deactivated, deactivatedWrong] {
                #expect(response.status == .unauthorized, "\(response.text)")
                #expect(response.text == wrong.text, "the answers must not tell which part was wrong")
            }
            let error = try decode(APIErrorBody.self, wrong)
            #expect(!error.message.contains("li.wei"))
            #expect(!error.message.contains("deactivated"))
        }
    }

    @Test("A sign-in body that is not the schema answers 400 or 422 with an Error body, never 500")
    func malformedSignIn() async throws {
        try await TestServer.run { client in
            for body in ["not json", #"{"member":"li.wei"}"#, #"{"member":1,"passcode":2}"#, "{}"] {
                let response = try await client.send(.post, "/api/sessions", as: nil, json: body)
                #expect([400, 401, 422].contains(response.status.code), "\(body): \(response.status.code) \(response.text)")
                #expect(response.status != .created)
                #expect((try? JSONDecoder().decode(APIErrorBody.self, from: response.data)) != nil, "\(body): \(response.text)")
            }
        }
    }
}
