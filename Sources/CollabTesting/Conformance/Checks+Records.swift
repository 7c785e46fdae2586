import CollabModel
import CollabPermissions
import CollabStore
import CollabWorkflow
import Foundation

/// A workflow engine on a check's store, with a manual clock and sequential ids, over a small company: `acme`
/// with `eng` ⊃ `mobile` and `sales`; `admin` (administrator), `head` (head of `mobile`), `worker` (in `mobile`),
/// `seller` (in `sales`), `saleshead` (head of `sales`), `buyer` (in `sales`). Tickets route to `sales`.
struct EngineWorld {
    let ctx: ConformanceContext
    let engine: WorkflowEngine
    let clock: ManualClock
    var store: any CollabStorage { ctx.store }

    static func build(_ ctx: ConformanceContext) async throws -> EngineWorld {
        var configuration = WorkflowEngine.Configuration()
        configuration.defaultSettings.ticketRouting = TicketRouting(routes: [TicketRouting.Route("general", departments: ["sales"])])
        let clock = ManualClock(now: ConformanceContext.t0)
        let engine = WorkflowEngine(store: ctx.store, clock: clock, identifiers: SequentialIdentifierGenerator(prefix: "e"),
            configuration: configuration)
        try await ctx.organization("acme")
        try await ctx.department("eng")
        try await ctx.department("mobile", parent: "eng")
        try await ctx.department("sales")
        try await ctx.member("admin", administrator: true)
        try await ctx.member("head", departments: [DepartmentMembership("mobile", role: .head)])
        try await ctx.member("worker", departments: [DepartmentMembership("mobile")])
        try await ctx.member("seller", departments: [DepartmentMembership("sales")])
        try await ctx.member("saleshead", departments: [DepartmentMembership("sales", role: .head)])
        try await ctx.member("buyer", departments: [DepartmentMembership("sales")])
        return EngineWorld(ctx: ctx, engine: engine, clock: clock)
    }

    func tick(_ seconds: Int = 60) { clock.advance(by: .seconds(seconds)) }

    func plan(_ name: String) -> EmergencyPlanDraft {
        EmergencyPlanDraft(name: name, severity: .major,
            departments: [EmergencyPlan.DepartmentResponse("mobile", roles: [.departmentMembers],
                checklist: [EmergencyPlan.ChecklistTask("Roll back", dueAfter: .seconds(3600))], acknowledgeWithin: .seconds(600))],
            alert: EmergencyPlan.Message(title: "{severity}: {plan}", body: "{incident}"))
    }

    func inviteSupplier(_ id: Organization.ID, contact: Member.ID) async throws {
        try await engine.partners.invite(PartnerInvitation(partnerID: id, name: "Supplier \(id.rawValue)",
            contacts: [ExternalContact(memberID: contact, displayName: "Contact \(contact.rawValue)")]), by: "admin")
    }

    func order(_ number: String, with supplier: Organization.ID) async throws -> PurchaseOrder {
        let order = try await engine.orders.share(PurchaseOrderDraft(number: number, title: "Parts \(number)", lines: [
            PurchaseOrder.Line(number: 1, description: "Bearings", quantity: 10,
                requiredDate: CalendarDate(year: 2026, month: 2, day: 10)),
        ], departmentID: "sales"), with: supplier, by: "buyer")
        tick()
        return order
    }

    func contract(_ id: String, key: String, name: String) -> SignedContract {
        SignedContract(contractID: id, customerKey: key, customerName: name,
            contacts: [ExternalContact(displayName: "Anna \(name)", email: "anna@\(key.lowercased()).example")],
            signedAt: ConformanceContext.t0, salesOwnerID: "seller")
    }
}

extension StoreConformance {
    static func engineWorld(_ body: @escaping @Sendable (ConformanceContext, EngineWorld) async throws -> Void)
        -> @Sendable (ConformanceContext) async throws -> Void
    {
        { ctx in try await body(ctx, try await EngineWorld.build(ctx)) }
    }

    static let scenarioChecks: [Check] = [
        Check(.scenarios, "announcement-round-trip",
            "An announcement committed through the engine reads back by id as the engine returned it; an unknown id is nil.", engineWorld { ctx, w in
                let a = try await w.engine.announcements.publish(AnnouncementDraft(title: "Hello", body: "World",
                    audience: .organization), by: "admin")
                try ctx.equal(try await w.store.announcement(a.id), a, "the stored announcement")
                try ctx.equal(try await w.store.announcement("ghost"), nil, "an unknown announcement")
            }),
        Check(.scenarios, "announcements-received-order",
            "announcements(receivedBy:) lists pinned first, then newest first, leaving out expired ones unless includeExpired.", engineWorld { ctx, w in
                let a1 = try await w.engine.announcements.publish(AnnouncementDraft(title: "One", body: "b",
                    audience: .organization), by: "admin")
                w.tick()
                let a2 = try await w.engine.announcements.publish(AnnouncementDraft(title: "Two", body: "b",
                    audience: .organization, isPinned: true), by: "admin")
                w.tick()
                let a3 = try await w.engine.announcements.publish(AnnouncementDraft(title: "Three", body: "b",
                    audience: .organization, expiresAt: w.clock.now().addingTimeInterval(600)), by: "admin")
                w.tick(3600)
                let now = w.clock.now()
                let live = try await w.store.announcements(receivedBy: "worker", now: now, includeExpired: false, page: .first)
                try ctx.equal(live.items.map(\.id), [a2.id, a1.id], "the live announcements")
                let all = try await pagesAgree(ctx, "every received announcement", limits: [1, 2], key: \Announcement.id) {
                    try await w.store.announcements(receivedBy: "worker", now: now, includeExpired: true, page: $0)
                }
                try ctx.equal(all, [a2.id, a3.id, a1.id], "every announcement received")
            }),
        Check(.scenarios, "announcements-by-organization",
            "announcements(in:authorID:) lists an organization's announcements newest first, of one author when asked, in pages that agree.", engineWorld { ctx, w in
                var ids: [Announcement.ID] = []
                for n in 0..<5 {
                    ids.append(try await w.engine.announcements.publish(AnnouncementDraft(title: "N\(n)", body: "b",
                        audience: .organization), by: "admin").id)
                    w.tick()
                }
                let all = try await pagesAgree(ctx, "acme's announcements", limits: [2], key: \Announcement.id) {
                    try await w.store.announcements(in: "acme", authorID: nil, page: $0)
                }
                try ctx.equal(all, ids.reversed(), "acme's announcements, newest first")
                try ctx.equal(try await w.store.announcements(in: "acme", authorID: "worker", page: .first).items, [],
                    "worker's announcements")
            }),
        Check(.scenarios, "receipts-and-delivery",
            "receipt(of:for:) and receipts(of:) (by member id) read each recipient's receipt; delivered is true once the receipt's notification is delivered.", engineWorld { ctx, w in
                let a = try await w.engine.announcements.publish(AnnouncementDraft(title: "Ack", body: "b",
                    audience: .department("mobile"),
                    acknowledgement: AcknowledgementRequirement(deadline: ctx.at(86_400))), by: "admin")
                let receipts = try await w.store.receipts(of: a.id)
                try ctx.equal(receipts.map(\.receipt.memberID), ["head", "worker"], "the receipts' members")
                try ctx.equal(receipts.map(\.delivered), [false, false], "delivered before any delivery")
                let mine = try ctx.some(try await w.store.receipt(of: a.id, for: "worker"), "worker's receipt")
                try ctx.equal(try await w.store.receipt(of: a.id, for: "seller"), nil, "seller's receipt")
                let claimed = try await w.store.claimDeliveries(now: ctx.at(10_000), limit: 50, lease: longLease,
                    owner: "A")
                let entry = try ctx.some(claimed.first { $0.notification.id == mine.noticeID }, "worker's notification claimed")
                try await w.store.recordDelivery(outcome(mine.noticeID, .delivered(at: ctx.at(10_001))), lease: try ctx.lease(entry))
                try ctx.equal(try await w.store.receipts(of: a.id).map(\.delivered), [false, true], "delivered after delivery")
                _ = try await w.engine.announcements.acknowledge(a.id, by: "worker")
                try ctx.expect(try await w.store.receipt(of: a.id, for: "worker")?.acknowledgedAt != nil,
                    "an acknowledgement time", found: "none")
            }),
        Check(.scenarios, "meetings-involving",
            "meeting(_:) reads a recorded meeting; meetings(in:involving:) includes it for its organizer, attendees and decision owners only.", engineWorld { ctx, w in
                let meeting = try await w.engine.meetings.record(MeetingDraft(title: "Sync", startsAt: ctx.t0,
                    attendeeIDs: ["worker"], decisions: [.init("Ship", owner: "seller", due: .instant(ctx.at(86_400)))]), by: "head")
                try ctx.equal(try await w.store.meeting(meeting.id), meeting, "the stored meeting")
                for member: Member.ID in ["head", "worker", "seller"] {
                    try ctx.equal(try await w.store.meetings(in: "acme", involving: member, page: .first).items.map(\.id),
                        [meeting.id], "\(member)'s meetings")
                }
                try ctx.equal(try await w.store.meetings(in: "acme", involving: "saleshead", page: .first).items, [],
                    "saleshead's meetings")
                try ctx.equal(try await w.store.meeting("ghost"), nil, "an unknown meeting")
            }),
        Check(.scenarios, "plan-versions",
            "Every version of an emergency plan is kept: emergencyPlan(_:version:) reads any (latest when nil), emergencyPlanVersions oldest first, emergencyPlans(in:) the latest of each by name.", engineWorld { ctx, w in
                let v1 = try await w.engine.incidents.savePlan(w.plan("Zeta outage"), by: "admin")
                let v2 = try await w.engine.incidents.savePlan(w.plan("Zeta outage, rev. 2"), as: v1.id, by: "admin")
                let other = try await w.engine.incidents.savePlan(w.plan("Alpha fire"), by: "admin")
                try ctx.equal(try await w.store.emergencyPlan(v1.id, version: nil)?.version, 2, "the latest version")
                try ctx.equal(try await w.store.emergencyPlan(v1.id, version: 1)?.name, v1.name, "version 1's name")
                try ctx.equal(try await w.store.emergencyPlanVersions(v1.id).map(\.version), [1, 2], "the versions")
                try ctx.equal(try await w.store.emergencyPlans(in: "acme").map(\.name), [other.name, v2.name],
                    "the latest plans by name")
                try ctx.equal(try await w.store.emergencyPlan(v1.id, version: 3), nil, "a version never saved")
            }),
        Check(.scenarios, "incident-lookups",
            "incident(_:), incident(triggerKey:in:) and incidents(in:state:) find a triggered incident; the state filter and newest-first order hold.", engineWorld { ctx, w in
                let plan = try await w.engine.incidents.savePlan(w.plan("Outage"), by: "admin")
                let first = try await w.engine.incidents.trigger(plan.id, by: "head", triggerKey: "k1")
                w.tick()
                let second = try await w.engine.incidents.trigger(plan.id, by: "head", triggerKey: "k2")
                w.tick()
                _ = try await w.engine.incidents.close(first.id, resolution: "fixed", by: "head")
                try ctx.equal(try await w.store.incident(second.id), second, "the stored incident")
                try ctx.equal(try await w.store.incident(triggerKey: "k1", in: "acme")?.id, first.id, "by trigger key")
                try ctx.equal(try await w.store.incident(triggerKey: "k9", in: "acme"), nil, "an unknown trigger key")
                try ctx.equal(try await w.store.incidents(in: "acme", state: nil, page: .first).items.map(\.id),
                    [second.id, first.id], "every incident, newest first")
                try ctx.equal(try await w.store.incidents(in: "acme", state: .open, page: .first).items.map(\.id),
                    [second.id], "open incidents")
                try ctx.equal(try await w.store.incidents(in: "acme", state: .closed, page: .first).items.map(\.id),
                    [first.id], "closed incidents")
            }),
        Check(.scenarios, "incident-trigger-key-unique",
            "A new incident whose trigger key is taken in its organization fails with conflict.", engineWorld { ctx, w in
                let plan = try await w.engine.incidents.savePlan(w.plan("Outage"), by: "admin")
                let incident = try await w.engine.incidents.trigger(plan.id, by: "head", triggerKey: "k1")
                var copy = incident
                copy.id = "copy"
                var change = ChangeSet()
                change.scenario.incidents = [copy]
                try await ctx.expectError(.conflict, "a second incident with trigger key k1") { try await w.store.commit(change) }
                try ctx.equal(try await w.store.incident("copy"), nil, "the copy")
            }),
        Check(.scenarios, "incident-updates-and-requests",
            "incidentUpdates(of:) and resourceRequests(of:) list oldest first; resourceRequest(_:) reads one by id.", engineWorld { ctx, w in
                let plan = try await w.engine.incidents.savePlan(w.plan("Outage"), by: "admin")
                let incident = try await w.engine.incidents.trigger(plan.id, by: "head", triggerKey: "k1")
                var updates: [IncidentUpdate.ID] = [], requests: [ResourceRequest.ID] = []
                for n in 0..<3 {
                    w.tick()
                    updates.append(try await w.engine.incidents.postUpdate(to: incident.id, text: "Update \(n)", by: "head").id)
                    requests.append(try await w.engine.incidents.requestResource(for: incident.id, from: "sales",
                        resource: "Laptops \(n)", by: "head").id)
                }
                try ctx.equal(try await w.store.incidentUpdates(of: incident.id).map(\.id), updates, "the updates")
                try ctx.equal(try await w.store.resourceRequests(of: incident.id).map(\.id), requests, "the requests")
                try ctx.equal(try await w.store.resourceRequest(requests[1])?.resource, "Laptops 1", "request 1")
                try ctx.equal(try await w.store.resourceRequest("ghost"), nil, "an unknown request")
            }),
        Check(.scenarios, "record-audit-trail",
            "auditTrail(of: record) returns the events naming that record, in commit order, and no other record's.") { ctx in
            try await ctx.basicWorld()
            var expected: [AuditEvent] = []
            for (n, seconds) in [50.0, 10, 30].enumerated() {
                let event = ctx.audit(nil, action: "step-\(n)", at: ctx.at(seconds), record: .meeting("m-1"))
                var change = ChangeSet()
                change.auditEvents = [event, ctx.audit(nil, action: "noise", record: .meeting("m-2"))]
                _ = try await ctx.store.commit(change)
                expected.append(event)
            }
            try ctx.equal(try await ctx.store.auditTrail(of: .meeting("m-1")), expected, "m-1's trail")
        },
    ]

    static let externalChecks: [Check] = [
        Check(.external, "partnerships",
            "partnership(of:with:) and partnerships(of:asPartner:) read a recorded partnership from both sides; the invitation's organization and contact are in the directory.", engineWorld { ctx, w in
                try await w.inviteSupplier("sup-a", contact: "alice")
                try await w.inviteSupplier("sup-b", contact: "bert")
                let p = try ctx.some(try await w.store.partnership(of: "acme", with: "sup-a"), "acme–sup-a")
                try ctx.equal(p.partnerID, "sup-a", "the partner")
                try ctx.equal(try await w.store.partnership(of: "acme", with: "nobody"), nil, "an unknown partner")
                try ctx.equal(Set(try await w.store.partnerships(of: "acme", asPartner: false).map(\.partnerID)),
                    ["sup-a", "sup-b"], "acme's partners")
                try ctx.equal(try await w.store.partnerships(of: "sup-a", asPartner: true).map(\.organizationID), ["acme"],
                    "sup-a's companies")
                try ctx.equal(try await w.store.organization("sup-a")?.kind, .partner, "sup-a's kind")
                try ctx.equal(try await w.store.member("alice")?.organizationID, "sup-a", "alice's organization")
            }),
        Check(.external, "purchase-orders",
            "purchaseOrder(_:), purchaseOrder(number:in:) and purchaseOrders(in:supplierID:page:) (newest first, by company, supplier or both) read shared orders.", engineWorld { ctx, w in
                try await w.inviteSupplier("sup-a", contact: "alice")
                try await w.inviteSupplier("sup-b", contact: "bert")
                var a: [PurchaseOrder.ID] = [], all: [PurchaseOrder.ID] = []
                for n in 0..<5 {
                    let order = try await w.order("PO-\(n)", with: n % 2 == 0 ? "sup-a" : "sup-b")
                    if n % 2 == 0 { a.append(order.id) }
                    all.append(order.id)
                }
                let first = try ctx.some(try await w.store.purchaseOrder(all[0]), "PO-0")
                try ctx.equal(first.number, "PO-0", "PO-0's number")
                try ctx.equal(try await w.store.purchaseOrder(number: "PO-3", in: "acme")?.id, all[3], "PO-3 by number")
                try ctx.equal(try await w.store.purchaseOrder(number: "PO-3", in: "sup-a"), nil, "PO-3 in another organization")
                let company = try await pagesAgree(ctx, "acme's orders", limits: [2], key: \PurchaseOrder.id) {
                    try await w.store.purchaseOrders(in: "acme", supplierID: nil, page: $0)
                }
                try ctx.equal(company, all.reversed(), "acme's orders, newest first")
                try ctx.equal(try await w.store.purchaseOrders(in: nil, supplierID: "sup-a", page: .first).items.map(\.id),
                    a.reversed(), "sup-a's orders")
                try ctx.equal(try await w.store.purchaseOrders(in: "acme", supplierID: "sup-b", page: .first).items.count, 2,
                    "acme's orders with sup-b")
            }),
        Check(.external, "purchase-order-number-unique",
            "A second order of a company with a taken number is refused (already_exists or conflict) with nothing written.", engineWorld { ctx, w in
                try await w.inviteSupplier("sup-a", contact: "alice")
                let order = try await w.order("PO-1", with: "sup-a")
                var copy = order
                copy.id = "copy"
                var change = ChangeSet()
                change.external.purchaseOrders = [copy]
                try await ctx.expectError(oneOf: [.alreadyExists, .conflict], "a second PO-1") { try await w.store.commit(change) }
                try ctx.equal(try await w.store.purchaseOrder("copy"), nil, "the copy")
            }),
        Check(.external, "delivery-proposals",
            "deliveryProposals(of:) lists an order's proposals by number.", engineWorld { ctx, w in
                try await w.inviteSupplier("sup-a", contact: "alice")
                let order = try await w.order("PO-1", with: "sup-a")
                let p1 = try await w.engine.orders.proposeDeliveryDates(for: order.id,
                    lines: [DeliveryProposal.LineDate(line: 1, date: CalendarDate(year: 2026, month: 2, day: 12))], by: "alice")
                w.tick()
                let p2 = try await w.engine.orders.counterPropose(for: order.id,
                    lines: [DeliveryProposal.LineDate(line: 1, date: CalendarDate(year: 2026, month: 2, day: 11))], by: "buyer")
                try ctx.equal(try await w.store.deliveryProposals(of: order.id).map(\.id), [p1.id, p2.id], "the proposals")
                try ctx.equal(try await w.store.deliveryProposals(of: "ghost"), [], "an unknown order's proposals")
            }),
        Check(.external, "customers",
            "customer(_:), customer(key:in:), customer(contractID:in:) find a registered customer; customers(in:page:) pages by name.", engineWorld { ctx, w in
                var ids: [String: Organization.ID] = [:]
                for (n, name) in ["Lotus", "Beech", "Maple"].enumerated() {
                    ids[name] = try await w.engine.customers.recordSignedContract(w.contract("K-\(n)", key: "C\(n)", name: name),
                        by: "seller").customer.id
                }
                let lotus = try ctx.some(ids["Lotus"], "Lotus's id")
                try ctx.equal(try await w.store.customer(lotus)?.name, "Lotus", "Lotus by id")
                try ctx.equal(try await w.store.customer(key: "C0", in: "acme")?.id, lotus, "Lotus by key")
                try ctx.equal(try await w.store.customer(contractID: "K-0", in: "acme")?.id, lotus, "Lotus by contract")
                try ctx.equal(try await w.store.customer(contractID: "K-9", in: "acme"), nil, "an unknown contract")
                try ctx.equal(try await w.store.customer(key: "C0", in: "globex"), nil, "the key in another company")
                let names = try await pagesAgree(ctx, "acme's customers", limits: [1, 2], key: \CustomerRecord.name) {
                    try await w.store.customers(in: "acme", page: $0)
                }
                try ctx.equal(names, ["Beech", "Lotus", "Maple"], "the customers by name")
            }),
        Check(.external, "contract-recorded-once",
            "Recording a contract id a second time for a company fails the commit with conflict, writing nothing.", engineWorld { ctx, w in
                let registration = try await w.engine.customers.recordSignedContract(w.contract("K-1", key: "C1", name: "Lotus"),
                    by: "seller")
                var change = ChangeSet()
                change.external.contracts = [("acme", "K-1", registration.customer.id)]
                change.auditEvents = [ctx.audit(nil, action: "again", record: .customer(registration.customer.id))]
                try await ctx.expectError(.conflict, "K-1 recorded again") { try await w.store.commit(change) }
                try ctx.equal(try await w.store.auditTrail(of: .customer(registration.customer.id)).filter { $0.action == "again" },
                    [], "the refused change's audit event")
            }),
        Check(.external, "tickets-and-messages",
            "ticket(_:), tickets(in:customerID:handledBy:page:) (newest first; by company, by customer, by handling department) and ticketMessages(of:) (oldest first, internal notes too) read tickets.", engineWorld { ctx, w in
                let registration = try await w.engine.customers.recordSignedContract(w.contract("K-1", key: "C1", name: "Lotus"),
                    by: "seller")
                let contact = try ctx.some(registration.newContactIDs.first, "the contact")
                var tickets: [Ticket.ID] = []
                for n in 0..<3 {
                    tickets.append(try await w.engine.tickets.open(TicketDraft(subject: "Help \(n)", description: "Broken",
                        category: "general"), by: contact).id)
                    w.tick()
                }
                let reply = try await w.engine.tickets.reply(to: tickets[0], "On it", by: "seller")
                w.tick()
                let note = try await w.engine.tickets.reply(to: tickets[0], "Internal", audience: .internal, by: "seller")
                try ctx.equal(try await w.store.ticket(tickets[1])?.subject, "Help 1", "ticket 1")
                try ctx.equal(try await w.store.ticket("ghost"), nil, "an unknown ticket")
                let all = try await pagesAgree(ctx, "acme's tickets", limits: [1, 2], key: \Ticket.id) {
                    try await w.store.tickets(in: "acme", customerID: nil, handledBy: nil, page: $0)
                }
                try ctx.equal(all, tickets.reversed(), "acme's tickets, newest first")
                try ctx.equal(try await w.store.tickets(in: nil, customerID: registration.customer.id, handledBy: nil,
                    page: .first).items.count, 3, "the customer's tickets")
                try ctx.equal(try await w.store.tickets(in: "acme", customerID: nil, handledBy: ["sales"], page: .first).items.count,
                    3, "tickets sales handled")
                try ctx.equal(try await w.store.tickets(in: "acme", customerID: nil, handledBy: ["eng"], page: .first).items,
                    [], "tickets eng handled")
                let messages = try await w.store.ticketMessages(of: tickets[0]).map(\.id)
                try ctx.equal(Array(messages.suffix(2)), [reply.id, note.id], "the last messages, oldest first")
            }),
    ]

    static let sharedDatabaseChecks: [Check] = [
        Check(.sharedDatabase, "commit-visible-to-peer", requires: .sharedDatabase,
            "A commit through one instance is read by another instance on the same database, with the directory.") { ctx in
            try await ctx.basicWorld()
            let peer = try await ctx.peer()
            let item = try await ctx.item()
            try ctx.equal(try await peer.workItem(item.id), item, "the item read by the peer")
            try ctx.equal(try await peer.member("worker")?.id, "worker", "a member read by the peer")
        },
        Check(.sharedDatabase, "revisions-shared", requires: .sharedDatabase,
            "A directory or settings change through one instance moves the revision the other reads, and a change planned at the old revision on the other fails.") { ctx in
            try await ctx.basicWorld()
            let peer = try await ctx.peer()
            let before = try await peer.directoryRevision()
            try await ctx.member("newcomer")
            try ctx.expect(try await peer.directoryRevision() != before, "a new directory revision on the peer", found: "\(before)")
            var change = ChangeSet(item: .insert(ctx.makeItem("planned")))
            change.directoryRevision = before
            try await ctx.expectError(.staleDirectory, "a change on the peer planned before the save") {
                try await peer.commit(change)
            }
            let settingsBefore = try await ctx.store.settingsRevision()
            var save = ChangeSet()
            save.settings = StoredSettings(organizationID: "acme", settings: OrganizationSettings(), version: 1,
                updatedAt: ctx.t0, updatedBy: "boss")
            _ = try await peer.commit(save)
            try ctx.expect(try await ctx.store.settingsRevision() != settingsBefore, "a new settings revision",
                found: "\(settingsBefore)")
        },
        Check(.sharedDatabase, "conflicting-commits", requires: [.sharedDatabase, .concurrentWriters],
            "Racing updates of one item at the same version from two instances: exactly one commits, every other gets conflict.") { ctx in
            try await ctx.basicWorld()
            let peer = try await ctx.peer()
            let item = try await ctx.item()
            let stores = [ctx.store, peer]
            let results = await withTaskGroup(of: String.self) { group in
                for n in 0..<8 {
                    let store = stores[n % 2]
                    group.addTask {
                        var change = ChangeSet(item: .update(ctx.next(item) { $0.title = "by \(n)" }, previous: item))
                        change.auditEvents = [ctx.audit(item, action: "edit-\(n)")]
                        do {
                            _ = try await store.commit(change)
                            return "committed"
                        } catch let error as CollabError {
                            return error.code.rawValue
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            try ctx.equal(results.filter { $0 == "committed" }.count, 1, "commits among \(results)")
            try ctx.equal(results.filter { $0 == "conflict" }.count, 7, "conflicts among \(results)")
            try ctx.equal(try await peer.auditTrail(of: item.id).count, 1, "audit events")
        },
        Check(.sharedDatabase, "racing-claimers-two-instances", requires: [.sharedDatabase, .concurrentWriters],
            "Claimers racing on two instances never get the same notification, and together get every one.") { ctx in
            let notices = try await outbox(ctx, 30)
            let peer = try await ctx.peer()
            let claims = try await racingClaims(ctx, stores: [ctx.store, peer], tasks: 6)
            try ctx.equal(claims.count, Set(claims).count, "distinct claims among \(claims.count)")
            try ctx.equal(Set(claims), Set(notices.map(\.id)), "the claimed notifications")
        },
        Check(.sharedDatabase, "timer-fires-once-two-instances", requires: [.sharedDatabase, .concurrentWriters],
            "A claimed timer fired from racing tasks on two instances commits exactly once.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(1), id: "t")])
            let peer = try await ctx.peer()
            let claim = try await ctx.claim("t", now: ctx.at(1), on: peer)
            let results = await racingFires(ctx, [ctx.store, peer], count: 8, claim: claim, item: item)
            try ctx.equal(results.filter { $0 == "committed" }.count, 1, "commits among \(results)")
            try ctx.equal(try await ctx.store.outboxCounts().pending, 1, "notifications of the firing")
        },
        Check(.sharedDatabase, "timer-claims-two-instances", requires: [.sharedDatabase, .concurrentWriters],
            "Timer claimers racing on two instances never get the same timer, and together get every due one.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, (0..<24).map { ctx.timer(item, at: ctx.at(Double($0)), id: "t\($0)") })
            let peer = try await ctx.peer()
            let claimed = try await racingTimerClaims(ctx, stores: [ctx.store, peer], tasks: 6)
            try ctx.equal(claimed.count, Set(claimed).count, "distinct claims among \(claimed.count)")
            try ctx.equal(Set(claimed), Set((0..<24).map { "t\($0)" }), "the claimed timers")
        },
        Check(.sharedDatabase, "timer-lease-clock-skew", requires: .sharedDatabase,
            "Leases follow the store's clock, not the claimers': an instance whose clock runs an hour ahead (it claims with now + 1 h) cannot take a timer another instance holds, and the holder's acknowledgement commits.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            try await ctx.plan(item, [ctx.timer(item, at: ctx.at(1), id: "t"), ctx.timer(item, at: ctx.at(1_800), id: "later")])
            let peer = try await ctx.peer()
            let holder = try await ctx.claim("t", now: ctx.at(1), lease: .seconds(30))
            let ahead = try await peer.claimDueTimers(now: ctx.at(1 + 3_600), limit: 10, lease: .seconds(30), owner: "ahead")
            try ctx.equal(ahead.map(\.timer.id), ["later"], "what the instance an hour ahead claims")
            _ = try await ctx.store.commit(ctx.firing(holder, item))
            try ctx.equal(try await ctx.store.pendingTimers(of: item.id).map(\.id), ["later"], "pending timers")
        },
        Check(.sharedDatabase, "idempotency-key-once-two-instances", requires: [.sharedDatabase, .concurrentWriters],
            "The same idempotency key committed from racing tasks on two instances is recorded once; the others replay the first result and write nothing.") { ctx in
            try await ctx.basicWorld()
            let peer = try await ctx.peer()
            let stores = [ctx.store, peer]
            let key = IdempotencyKey(actorID: "boss", key: "race")
            let outcomes = try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
                for n in 0..<6 {
                    let store = stores[n % 2]
                    group.addTask {
                        var change = ChangeSet(idempotency: IdempotencyRecord(key: key,
                            result: RecordedResult(command: "c", fingerprint: "f", payload: Data("\(n)".utf8))))
                        change.notifications = [ctx.notice(nil, id: "race-\(n)")]
                        return try await store.commit(change)
                    }
                }
                return try await group.reduce(into: [CommitOutcome]()) { $0.append($1) }
            }
            try ctx.equal(outcomes.filter { $0 == .committed }.count, 1, "commits among \(outcomes)")
            try ctx.equal(try await ctx.store.outboxCounts().pending, 1, "notifications written")
        },
    ]
}
