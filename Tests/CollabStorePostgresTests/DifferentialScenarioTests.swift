import CollabModel
import CollabPermissions
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// The same scripts through engines on SQLiteStore and on PostgresStore: every read must answer the same
/// (same ids, same order, same errors).
@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct DifferentialScenarioTests {
    typealias W = DifferentialWorld

    /// Reads every member's inbox (paged by 2), unread counts and unread lists through the store.
    static func inboxes(_ w: W, into answers: inout Answers) async {
        for member in W.everyone {
            await answers.add("inbox \(member)") {
                let scope = try await w.engine.visibilityScope(of: member)
                var notices: [Notice] = []
                var cursor: String?
                repeat {
                    let page = try await w.store.inbox(for: member, visibleIn: scope, unreadOnly: false,
                        page: PageRequest(limit: 2, cursor: cursor))
                    notices += page.items
                    cursor = page.nextCursor
                } while cursor != nil
                let unread = try await w.store.inbox(for: member, visibleIn: scope, unreadOnly: true, page: .first)
                return [
                    "\(notices)", "\(unread.items.map(\.id))",
                    "\(try await w.store.unreadCount(for: member, visibleIn: scope))",
                    "\(try await w.store.unreadRecordNotices(for: member).map(\.id))",
                    "\(try await w.store.unreadNoticeIDs(nil, of: member))",
                ]
            }
        }
        await answers.add("outbox") { try await w.store.outboxCounts() }
        await answers.add("next delivery") { try await w.store.nextDeliveryDue() as Any }
    }

    @Test("announcements, receipts, meetings, plans, incidents and record timers read the same on both stores")
    func announcementsMeetingsIncidents() async throws {
        try await differential { w in
            var answers = Answers()
            try await w.populate()
            let e = w.engine
            let now = w.clock.now()
            let freeze = try await e.announcements.publish(AnnouncementDraft(
                title: "Release freeze", body: "No deploys.", audience: .organization,
                acknowledgement: AcknowledgementRequirement(deadline: now.addingTimeInterval(86_400))), by: W.admin)
            w.clock.advance(by: .seconds(60))
            let move = try await e.announcements.publish(AnnouncementDraft(
                title: "Office move", body: "Floor 3.", audience: .department("eng")), by: W.admin)
            w.clock.advance(by: .seconds(60))
            let sales = try await e.announcements.publish(AnnouncementDraft(
                title: "Targets", body: "Q1.", audience: .department("sales"), expiresAt: now.addingTimeInterval(3 * 86_400)),
                by: W.admin)
            try await e.announcements.setPinned(true, on: move.id, by: W.admin)
            try await e.announcements.open(freeze.id, by: W.li)
            try await e.announcements.acknowledge(freeze.id, by: W.zhang)
            await answers.add("ack twice") { try await e.announcements.acknowledge(freeze.id, by: W.zhang) }
            await answers.add("reach") { try await e.announcements.reach(of: freeze.id, as: W.admin) }

            let weekly = try await e.meetings.record(MeetingDraft(
                title: "Weekly", startsAt: now.addingTimeInterval(-3600), endsAt: now, attendeeIDs: [W.li, W.wang],
                minutes: "Agreed.", decisions: [MeetingDraft.Decision("Ship it", owner: W.chen, due: .instant(now.addingTimeInterval(3 * 86_400)))]), by: W.zhang)
            w.clock.advance(by: .seconds(60))
            _ = try await e.meetings.record(MeetingDraft(
                title: "Retro", startsAt: now.addingTimeInterval(-1800), attendeeIDs: [W.sun]), by: W.admin)

            let plan = EmergencyPlanDraft(
                name: "Crash on start", severity: .major,
                departments: [
                    EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentHeads, .departmentMembers],
                        checklist: [EmergencyPlan.ChecklistTask("Roll back", dueAfter: .seconds(4 * 3600))]),
                ],
                alert: EmergencyPlan.Message(title: "{severity}: {plan}", body: "{incident} — {department} responds."))
            let saved = try await e.incidents.savePlan(plan, by: W.admin)
            var second = plan
            second.name = "Crash on start (v2)"
            _ = try await e.incidents.savePlan(second, as: saved.id, by: W.admin)
            _ = try await e.incidents.savePlan(EmergencyPlanDraft(
                name: "Data loss", severity: .critical, departments: plan.departments, alert: plan.alert), by: W.admin)
            await answers.add("stale plan save") {
                try await e.incidents.savePlan(plan, as: saved.id, by: W.admin, expectedVersion: 1)
            }
            let incident = try await e.incidents.trigger(saved.id, by: W.admin, triggerKey: "button-1", details: "Build 7")
            await answers.add("trigger again") {
                try await e.incidents.trigger(saved.id, by: W.admin, triggerKey: "button-1", details: "Build 8").id
            }
            try await e.incidents.postUpdate(to: incident.id, text: "Rolled back", by: W.li)
            let phones = try await e.incidents.requestResource(for: incident.id, from: "sales", resource: "Phones", by: W.li)
            let chargers = try await e.incidents.requestResource(for: incident.id, from: "sales", resource: "Chargers", by: W.li)
            try await e.incidents.fulfil(phones.id, note: "On the way", by: W.wu)
            try await e.incidents.decline(chargers.id, reason: "None left", by: W.wu)
            await answers.add("incident timers") { try await w.store.pendingTimers(of: .incident(incident.id)) }
            await answers.add("next timer") { try await w.store.nextTimerDue() as Any }
            w.clock.advance(by: .seconds(2 * 86_400))
            await answers.add("fired") { try await e.timers.fireDue() }
            await answers.add("fired again") { try await e.timers.fireDue() }
            let second2 = try await e.incidents.trigger(saved.id, by: W.admin, triggerKey: "button-2")
            try await e.incidents.close(incident.id, resolution: "Fixed", by: W.admin)

            // Reads, straight from the store.
            let s = w.store
            for id in [freeze.id, move.id, sales.id, "none"] as [Announcement.ID] {
                await answers.add("announcement \(id)") { try await s.announcement(id) as Any }
                await answers.add("receipts \(id)") { try await s.receipts(of: id).map { "\($0.receipt) \($0.delivered)" } }
                for member in [W.li, W.zhang, W.wu] {
                    await answers.add("receipt \(id) \(member)") { try await s.receipt(of: id, for: member) as Any }
                }
                await answers.add("trail \(id)") { try await s.auditTrail(of: .announcement(id)) }
            }
            for member in W.everyone {
                for expired in [false, true] {
                    await answers.add("received \(member) \(expired)") {
                        var all: [Announcement.ID] = []
                        var cursor: String?
                        repeat {
                            let page = try await s.announcements(receivedBy: member, now: w.clock.now(), includeExpired: expired,
                                page: PageRequest(limit: 1, cursor: cursor))
                            all += page.items.map(\.id)
                            cursor = page.nextCursor
                        } while cursor != nil
                        return all
                    }
                }
                await answers.add("meetings \(member)") { try await s.meetings(in: "acme", involving: member, page: .first).items.map(\.id) }
            }
            await answers.add("published") { try await s.announcements(in: "acme", authorID: nil, page: PageRequest(limit: 2)) }
            await answers.add("published by admin") { try await s.announcements(in: "acme", authorID: W.admin, page: .first).items.map(\.id) }
            await answers.add("bad cursor") { try await s.announcements(in: "acme", authorID: nil, page: PageRequest(cursor: "x")) }
            await answers.add("meeting") { try await s.meeting(weekly.id) as Any }
            await answers.add("meetings") { try await s.meetings(in: "acme", involving: nil, page: PageRequest(limit: 1)) }
            await answers.add("plan") { try await s.emergencyPlan(saved.id, version: nil) as Any }
            await answers.add("plan v1") { try await s.emergencyPlan(saved.id, version: 1) as Any }
            await answers.add("plan v9") { try await s.emergencyPlan(saved.id, version: 9) as Any }
            await answers.add("plans") { try await s.emergencyPlans(in: "acme") }
            await answers.add("plan versions") { try await s.emergencyPlanVersions(saved.id) }
            for id in [incident.id, second2.id] {
                await answers.add("incident \(id)") { try await s.incident(id) as Any }
                await answers.add("updates \(id)") { try await s.incidentUpdates(of: id) }
                await answers.add("requests \(id)") { try await s.resourceRequests(of: id) }
                await answers.add("trail \(id)") { try await s.auditTrail(of: .incident(id)) }
            }
            await answers.add("by key") { try await s.incident(triggerKey: "button-1", in: "acme")?.id as Any }
            await answers.add("by key elsewhere") { try await s.incident(triggerKey: "button-1", in: "globex") as Any }
            for state in [nil, Incident.State.open, .closed] {
                await answers.add("incidents \(String(describing: state))") {
                    try await s.incidents(in: "acme", state: state, page: PageRequest(limit: 1))
                }
            }
            await answers.add("request") { try await s.resourceRequest(phones.id) as Any }
            for id in [incident.id, second2.id] {
                await answers.add("timers \(id)") { try await s.pendingTimers(of: .incident(id)) }
            }
            await Self.inboxes(w, into: &answers)
            return answers
        }
    }

    @Test("partners, purchase orders, proposals, customers and tickets read the same on both stores")
    func partnersOrdersCustomersTickets() async throws {
        try await differential { w in
            var answers = Answers()
            try await w.populate()
            let e = w.engine
            let alice: Member.ID = "alice"
            try await e.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A", role: .supplier,
                contacts: [ExternalContact(memberID: alice, displayName: "Alice")]), by: W.admin)
            await answers.add("invite again") {
                try await e.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A", role: .supplier,
                    contacts: []), by: W.admin)
            }
            func order(_ number: String) -> PurchaseOrderDraft {
                PurchaseOrderDraft(number: number, title: "Parts for \(number)", lines: [
                    PurchaseOrder.Line(number: 1, description: "Ball bearings", quantity: 500,
                        requiredDate: CalendarDate(year: 2026, month: 2, day: 10)),
                ])
            }
            let a = try await e.orders.share(order("PO-1"), with: "supplier-a", by: W.admin)
            w.clock.advance(by: .seconds(60))
            let b = try await e.orders.share(order("PO-2"), with: "supplier-a", by: W.admin)
            await answers.add("same number") { try await e.orders.share(order("PO-1"), with: "supplier-a", by: W.admin) }
            let dates = { (day: Int) in [DeliveryProposal.LineDate(line: 1, date: CalendarDate(year: 2026, month: 2, day: day))] }
            try await e.orders.proposeDeliveryDates(for: a.id, lines: dates(14), by: alice)
            try await e.orders.counterPropose(for: a.id, lines: dates(12), by: W.admin)
            try await e.orders.proposeDeliveryDates(for: b.id, lines: dates(15), by: alice)
            try await e.orders.confirmProposal(1, of: b.id, by: W.admin)
            try await e.orders.changeRequirements(of: a.id, lines: [PurchaseOrder.Line(number: 1, description: "Ball bearings",
                quantity: 600, requiredDate: CalendarDate(year: 2026, month: 2, day: 10))], reason: "More", by: W.admin)

            let registration = try await e.customers.recordSignedContract(SignedContract(
                contractID: "K-1", customerKey: "CUST-1", customerName: "Lotus Foods",
                contacts: [ExternalContact(displayName: "Anna", email: "anna@lotus.example")],
                signedAt: Date(timeIntervalSince1970: 1_767_000_000), salesOwnerID: W.wu), by: W.wu)
            _ = try await e.customers.recordSignedContract(SignedContract(
                contractID: "K-2", customerKey: "CUST-1", customerName: "Lotus Foods",
                contacts: [ExternalContact(displayName: "Carl", email: "carl@lotus.example")],
                signedAt: Date(timeIntervalSince1970: 1_767_100_000), salesOwnerID: W.wu), by: W.wu)
            _ = try await e.customers.recordSignedContract(SignedContract(
                contractID: "K-3", customerKey: "CUST-2", customerName: "Alder Mills",
                contacts: [ExternalContact(displayName: "Dora", email: "dora@alder.example")],
                signedAt: Date(timeIntervalSince1970: 1_767_200_000), salesOwnerID: W.wu), by: W.wu)
            guard let anna = registration.newContactIDs.first else {
                throw CollabError(.storageCorrupt, "no contact registered")
            }
            let cold = try await e.tickets.open(TicketDraft(subject: "Install the cold room", description: "Hall 2.",
                category: "installation"), by: anna)
            w.clock.advance(by: .seconds(60))
            let freezer = try await e.tickets.open(TicketDraft(subject: "Freezer noise", description: "Loud.",
                category: "general"), by: anna)
            try await e.tickets.reply(to: cold.id, "An engineer comes Tuesday.", by: W.wu)
            try await e.tickets.reply(to: cold.id, "Internal: check stock.", audience: .internal, by: W.wu)
            try await e.tickets.forward(cold.id, note: "Needs an assessment", by: W.wu)
            try await e.tickets.waitForCustomer(freezer.id, question: "Which hall?", by: W.wu)
            try await e.tickets.resolve(freezer.id, resolution: "Fixed.", by: W.wu)
            try await e.tickets.close(freezer.id, by: anna)
            try await e.tickets.rate(freezer.id, score: 5, by: anna)
            w.clock.advance(by: .seconds(3 * 86_400))
            await answers.add("fired") { try await e.timers.fireDue() }

            let s = w.store
            let customerID = registration.customer.id
            await answers.add("partnership") { try await s.partnership(of: "acme", with: "supplier-a") as Any }
            await answers.add("partnerships") { try await s.partnerships(of: "acme", asPartner: false) }
            await answers.add("as partner") { try await s.partnerships(of: "supplier-a", asPartner: true) }
            for id in [a.id, b.id, "none"] as [PurchaseOrder.ID] {
                await answers.add("order \(id)") { try await s.purchaseOrder(id) as Any }
                await answers.add("proposals \(id)") { try await s.deliveryProposals(of: id) }
            }
            await answers.add("order by number") { try await s.purchaseOrder(number: "PO-2", in: "acme")?.id as Any }
            await answers.add("orders") { try await s.purchaseOrders(in: "acme", supplierID: nil, page: PageRequest(limit: 1)) }
            await answers.add("orders 2") {
                let first = try await s.purchaseOrders(in: "acme", supplierID: nil, page: PageRequest(limit: 1))
                return try await s.purchaseOrders(in: "acme", supplierID: nil, page: PageRequest(limit: 1, cursor: first.nextCursor))
            }
            await answers.add("orders of supplier") { try await s.purchaseOrders(in: nil, supplierID: "supplier-a", page: .first).items.map(\.id) }
            await answers.add("orders of both") { try await s.purchaseOrders(in: "acme", supplierID: "supplier-a", page: .first).items.map(\.id) }
            await answers.add("orders of none") { try await s.purchaseOrders(in: nil, supplierID: nil, page: .first) }
            await answers.add("customer") { try await s.customer(customerID) as Any }
            await answers.add("customer by key") { try await s.customer(key: "CUST-1", in: "acme")?.id as Any }
            await answers.add("customer by contract") { try await s.customer(contractID: "K-2", in: "acme")?.id as Any }
            await answers.add("customer by contract elsewhere") { try await s.customer(contractID: "K-2", in: "globex") as Any }
            await answers.add("customers") {
                let first = try await s.customers(in: "acme", page: PageRequest(limit: 1))
                let second = try await s.customers(in: "acme", page: PageRequest(limit: 1, cursor: first.nextCursor))
                return "\(first) \(second)"
            }
            for id in [cold.id, freezer.id] {
                await answers.add("ticket \(id)") { try await s.ticket(id) as Any }
                await answers.add("messages \(id)") { try await s.ticketMessages(of: id) }
                await answers.add("trail \(id)") { try await s.auditTrail(of: .ticket(id)) }
            }
            await answers.add("tickets") { try await s.tickets(in: "acme", customerID: nil, handledBy: nil, page: PageRequest(limit: 1)) }
            await answers.add("tickets of customer") { try await s.tickets(in: nil, customerID: customerID, handledBy: nil, page: .first).items.map(\.id) }
            await answers.add("tickets of eng") { try await s.tickets(in: "acme", customerID: nil, handledBy: ["eng"], page: .first).items.map(\.id) }
            await answers.add("tickets of sales") { try await s.tickets(in: "acme", customerID: nil, handledBy: ["sales", "eng"], page: .first).items.map(\.id) }
            await answers.add("tickets of nobody") { try await s.tickets(in: "acme", customerID: nil, handledBy: [], page: .first) }
            await answers.add("tickets of none") { try await s.tickets(in: nil, customerID: nil, handledBy: nil, page: .first) }
            await answers.add("desk list") { try await e.tickets.list(as: W.wu).items.map(\.id) }
            await answers.add("customer list") { try await e.tickets.customerTickets(as: anna).items.map(\.id) }
            await answers.add("order list") { try await e.orders.list(as: alice).items.map(\.id) }
            await Self.inboxes(w, into: &answers)
            return answers
        }
    }
}
