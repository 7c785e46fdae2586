import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The partner portal: purchase orders with delivery-date proposals, and customers' tickets.
@Suite("Portal")
struct PortalTests {
    @Test("PO-1001: the supplier proposes dates, the buyer confirms them; they become the lines' confirmed dates")
    func orderProposal() async throws {
        try await TestServer.run { client in
            let ma = try await client.signIn("ma.lin")
            let gao = try await client.signIn("gao.min")
            let page = try await client.json(OrderPageBody.self, .get, "/api/orders", as: ma)
            let order = try #require(page.items.first { $0.number == "PO-1001" }, "\(page.items.map(\.number))")
            #expect(page.items.count == 1)
            #expect(order.lines.map(\.number) == [1, 2, 3])
            #expect(order.buyer == "gao.min")
            #expect(order.supplier == "ningbo-precision")
            #expect(order.lines.allSatisfy { $0.confirmedDate == nil && $0.quantity > 0 })
            let buyers = try await client.json(OrderPageBody.self, .get, "/api/orders", as: gao)
            #expect(buyers.items.contains { $0.id == order.id })

            var detail = try await client.json(OrderDetailBody.self, .get, "/api/orders/\(order.id)", as: ma)
            #expect(detail.order.id == order.id)
            #expect(detail.proposals.isEmpty)

            let proposal = try await client.json(
                ProposalBody.self, .post, "/api/orders/\(order.id)/proposals", as: ma,
                body: #"{"lines":[{"line":1,"date":"2030-03-01"},{"line":2,"date":"2030-03-02"},{"line":3,"date":"2030-03-03"}],"note":"Two days of margin","expectedVersion":\#(order.version)}"#,
                expect: .created)
            #expect(proposal.author == "ma.lin")
            #expect(proposal.lines.map(\.date) == ["2030-03-01", "2030-03-02", "2030-03-03"])
            #expect(proposal.note == "Two days of margin")
            #expect(proposal.number >= 1)

            detail = try await client.json(OrderDetailBody.self, .get, "/api/orders/\(order.id)", as: gao)
            #expect(detail.proposals.map(\.number) == [proposal.number])

            // The supplier may not confirm their own proposal.
            let own = try await client.send(.post, "/api/orders/\(order.id)/proposals/\(proposal.number)/confirm", as: ma)
            #expect([403, 409].contains(own.status.code), "\(own.status.code) \(own.text)")

            let confirmed = try await client.json(
                OrderDetailBody.self, .post, "/api/orders/\(order.id)/proposals/\(proposal.number)/confirm", as: gao)
            #expect(confirmed.order.lines.map(\.confirmedDate) == ["2030-03-01", "2030-03-02", "2030-03-03"])
            #expect(confirmed.order.version > order.version)
            #expect(confirmed.proposals.first?.status != proposal.status, "\(confirmed.proposals)")
            let seen = try await client.json(OrderDetailBody.self, .get, "/api/orders/\(order.id)", as: ma)
            #expect(seen.order.lines.map(\.confirmedDate) == ["2030-03-01", "2030-03-02", "2030-03-03"])

            let missing = try await client.failure(
                .post, "/api/orders/\(order.id)/proposals/999/confirm", as: gao, expect: .notFound)
            #expect(missing.code == "not_found")
        }
    }

    @Test("The buyer counter-proposes; the supplier confirms the counter-proposal")
    func counterProposal() async throws {
        try await TestServer.run { client in
            let ma = try await client.signIn("ma.lin")
            let gao = try await client.signIn("gao.min")
            let order = try #require(try await client.json(OrderPageBody.self, .get, "/api/orders", as: gao).items.first { $0.number == "PO-1001" })
            let proposal = try await client.json(
                ProposalBody.self, .post, "/api/orders/\(order.id)/proposals", as: ma,
                body: #"{"lines":[{"line":1,"date":"2030-05-20"},{"line":2,"date":"2030-05-20"},{"line":3,"date":"2030-05-20"}]}"#,
                expect: .created)
            #expect(proposal.side == "supplier")
            let invalid = try await client.failure(
                .post, "/api/orders/\(order.id)/proposals", as: ma, body: #"{"lines":[{"line":99,"date":"2030-05-20"}]}"#,
                expect: .unprocessableContent)
            #expect(invalid.code == "invalid_input")
            let badDate = try await client.failure(
                .post, "/api/orders/\(order.id)/proposals", as: ma, body: #"{"lines":[{"line":1,"date":"next week"}]}"#,
                expect: .unprocessableContent)
            #expect(badDate.problems?.first?.field == "lines[0].date", "\(badDate)")
            // A proposal names a date for every line: one for line 2 alone is refused, each missing line named.
            let partial = try await client.failure(
                .post, "/api/orders/\(order.id)/proposals", as: gao, body: #"{"lines":[{"line":2,"date":"2030-05-10"}]}"#,
                expect: .unprocessableContent)
            #expect(partial.code == "invalid_input")
            #expect((partial.problems ?? []).count == 2, "\(partial)")
            let counter = try await client.json(
                ProposalBody.self, .post, "/api/orders/\(order.id)/proposals", as: gao,
                body: #"{"lines":[{"line":1,"date":"2030-05-20"},{"line":2,"date":"2030-05-10"},{"line":3,"date":"2030-05-20"}],"note":"We need them earlier"}"#,
                expect: .created)
            #expect(counter.side == "buyer")
            #expect(counter.number > proposal.number)
            #expect(counter.side != proposal.side, "\(proposal.side) / \(counter.side)")
            let confirmed = try await client.json(
                OrderDetailBody.self, .post, "/api/orders/\(order.id)/proposals/\(counter.number)/confirm", as: ma)
            #expect(confirmed.order.lines.first { $0.number == 2 }?.confirmedDate == "2030-05-10")

            // Once confirmed, no more proposals.
            let late = try await client.failure(
                .post, "/api/orders/\(order.id)/proposals", as: ma,
                body: #"{"lines":[{"line":1,"date":"2030-06-01"},{"line":2,"date":"2030-06-01"},{"line":3,"date":"2030-06-01"}]}"#,
                expect: .conflict)
            #expect(late.code == "invalid_transition")
        }
    }

    @Test("Tickets: the customer opens one, after-sales replies and notes internally; the customer never sees the note")
    func tickets() async throws {
        try await TestServer.run { client in
            let zhu = try await client.signIn("zhu.lan")
            let seededPage = try await client.json(TicketPageBody.self, .get, "/api/tickets", as: zhu)
            #expect(seededPage.items.count == 1, "the seeded ticket: \(seededPage.items)")
            let opened = try await client.json(
                TicketDetailBody.self, .post, "/api/tickets", as: zhu,
                body: #"{"title":"The X1 fan is loud","body":"Since Monday the fan of the X1 bench is very loud.","category":"repair","priority":"high"}"#,
                expect: .created)
            #expect(opened.ticket.title == "The X1 fan is loud")
            #expect(opened.ticket.category == "repair")
            #expect(opened.messages.first?.body == "Since Monday the fan of the X1 bench is very loud.")
            #expect(opened.messages.allSatisfy { !$0.internal })
            let id = opened.ticket.id
            let listed = try await client.json(TicketPageBody.self, .get, "/api/tickets", as: zhu)
            #expect(Set(listed.items.map(\.id)) == Set(seededPage.items.map(\.id) + [id]))

            let admin = try await client.signIn("he.ping")
            let internalList = try await client.json(TicketPageBody.self, .get, "/api/tickets", as: admin)
            #expect(internalList.items.contains { $0.id == id })
            // The customer's view carries no priority (CustomerTicketView has none); the internal one does.
            #expect(internalList.items.first { $0.id == id }?.priority == "high")
            let replied = try await client.json(
                TicketDetailBody.self, .post, "/api/tickets/\(id)/replies", as: admin,
                body: #"{"body":"A technician comes on Thursday."}"#)
            #expect(replied.messages.contains { $0.body == "A technician comes on Thursday." && !$0.internal })
            let noted = try await client.json(
                TicketDetailBody.self, .post, "/api/tickets/\(id)/replies", as: admin,
                body: #"{"body":"Check the warranty first.","internal":true}"#)
            #expect(noted.messages.contains { $0.body == "Check the warranty first." && $0.internal })

            let customerView = try await client.json(TicketDetailBody.self, .get, "/api/tickets/\(id)", as: zhu)
            #expect(customerView.messages.contains { $0.body == "A technician comes on Thursday." })
            #expect(!customerView.messages.contains { $0.body == "Check the warranty first." }, "the internal note stays inside")
            #expect(customerView.messages.allSatisfy { !$0.internal })
            let internalView = try await client.json(TicketDetailBody.self, .get, "/api/tickets/\(id)", as: admin)
            #expect(internalView.messages.contains { $0.body == "Check the warranty first." && $0.internal })

            let answer = try await client.json(
                TicketDetailBody.self, .post, "/api/tickets/\(id)/replies", as: zhu, body: #"{"body":"Thursday is fine."}"#)
            #expect(answer.messages.contains { $0.body == "Thursday is fine." && $0.author == "zhu.lan" })
            // A customer's "internal" flag does not hide their reply from themselves nor make a note.
            let sneaky = try await client.send(
                .post, "/api/tickets/\(id)/replies", as: zhu, json: #"{"body":"Secret?","internal":true}"#)
            if sneaky.status == .ok {
                let view = try decode(TicketDetailBody.self, sneaky)
                #expect(view.messages.allSatisfy { !$0.internal })
            } else {
                #expect([403, 422].contains(sneaky.status.code), "\(sneaky.status.code) \(sneaky.text)")
            }
        }
    }
}
