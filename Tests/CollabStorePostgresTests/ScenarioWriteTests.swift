import CollabModel
import CollabPermissions
import CollabStore
@testable import CollabStorePostgres
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Scenario and external records written through `commit` straight to each store: versions, uniqueness and
/// the errors they give must be the same on both stores, and nothing of a refused change is written.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "COLLAB_POSTGRES_URL is not set"), .timeLimit(.minutes(10)))
struct ScenarioWriteTests {
    typealias W = DifferentialWorld

    @Test("stale versions, taken trigger keys, order numbers, customer keys and contracts are refused alike, with nothing written")
    func conflictsAreRefusedAlike() async throws {
        try await differential { w in
            var answers = Answers()
            try await w.populate()
            let e = w.engine, s = w.store
            let now = w.clock.now()
            let published = try await e.announcements.publish(AnnouncementDraft(
                title: "Freeze", body: "No deploys.", audience: .organization), by: W.admin)
            guard let stored = try await s.announcement(published.id) else { return answers }
            func commit(_ label: String, _ build: (inout ChangeSet) -> Void) async {
                var change = ChangeSet()
                build(&change)
                let frozen = change
                await answers.add(label) { try await s.commit(frozen) }
            }
            var again = stored
            again.title = "Freeze (again)"
            await commit("announcement v1 again") { $0.scenario.announcements = [again] }
            var skipped = stored
            skipped.version = 3
            await commit("announcement v3 over v1") { $0.scenario.announcements = [skipped] }
            var missing = stored
            missing.id = "no-such-announcement"
            missing.version = 2
            await commit("announcement v2 of nothing") { $0.scenario.announcements = [missing] }
            var next = stored
            next.version = 2
            next.isPinned = true
            // The refused half of a change writes nothing: the good announcement goes with the bad one.
            await commit("good with bad") { $0.scenario.announcements = [next, missing] }
            await answers.add("after refusals") { try await s.announcement(stored.id) as Any }
            await commit("announcement v2") { $0.scenario.announcements = [next] }
            await answers.add("after v2") { try await s.announcement(stored.id) as Any }

            let plan = try await e.incidents.savePlan(EmergencyPlanDraft(
                name: "Outage", severity: .major,
                departments: [EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentHeads], checklist: [EmergencyPlan.ChecklistTask("Roll back", dueAfter: .seconds(3600))])],
                alert: EmergencyPlan.Message(title: "{plan}", body: "{incident}")), by: W.admin)
            await commit("plan version again") { $0.scenario.emergencyPlans = [plan] }
            let incident = try await e.incidents.trigger(plan.id, by: W.admin, triggerKey: "key-1")
            var copy = incident
            copy.id = "another-incident"
            await commit("taken trigger key") { $0.scenario.incidents = [copy] }
            await answers.add("incident by key") { try await s.incident(triggerKey: "key-1", in: "acme")?.id as Any }
            var timer = ScheduledTimer(id: "t-1", record: .incident(incident.id), organizationID: "acme",
                kind: .incidentAcknowledgement, detail: "eng", fireAt: now.addingTimeInterval(60))
            await commit("timer") { $0.scenario.timers = [timer] }
            timer.fireAt = now.addingTimeInterval(600)
            await commit("same timer again") { $0.scenario.timers = [timer] }
            await answers.add("timers") { try await s.pendingTimers(of: .incident(incident.id)) }

            try await e.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "Supplier A", role: .supplier,
                contacts: []), by: W.admin)
            let order = try await e.orders.share(PurchaseOrderDraft(number: "PO-1", title: "Parts", lines: [
                PurchaseOrder.Line(number: 1, description: "Bearings", quantity: 5,
                    requiredDate: CalendarDate(year: 2026, month: 2, day: 10)),
            ]), with: "supplier-a", by: W.admin)
            var sameNumber = order
            sameNumber.id = "another-order"
            await commit("taken order number") { $0.external.purchaseOrders = [sameNumber] }
            let registration = try await e.customers.recordSignedContract(SignedContract(
                contractID: "K-1", customerKey: "CUST-1", customerName: "Lotus Foods",
                contacts: [ExternalContact(displayName: "Anna", email: "anna@lotus.example")],
                signedAt: Date(timeIntervalSince1970: 1_767_000_000), salesOwnerID: W.wu), by: W.wu)
            await commit("contract again") {
                $0.external.contracts = [(organizationID: "acme", contractID: "K-1", customerID: registration.customer.id)]
            }
            var organizationChange = Organization(id: "acme", name: "Acme", kind: .partner)
            organizationChange.name = "Acme (outside)"
            await commit("internal becomes partner") { $0.external.organizations = [organizationChange] }
            await commit("member moves") {
                $0.external.members = [Member(id: W.bob, organizationID: "acme", displayName: "Bob", handle: "bob2")]
            }
            await commit("handle taken") {
                $0.external.members = [Member(id: "newcomer", organizationID: "acme", displayName: "New", handle: "li")]
            }
            await answers.add("orders") { try await s.purchaseOrders(in: "acme", supplierID: nil, page: .first).items.map(\.id) }
            await answers.add("customers") { try await s.customers(in: "acme", page: .first).items.map(\.id) }
            await answers.add("acme") { try await s.organization("acme") as Any }
            await answers.add("bob") { try await s.member(W.bob) as Any }
            return answers
        }
    }

    @Test("engines on two store instances triggering one incident key at once open one incident")
    func concurrentTriggersOpenOneIncident() async throws {
        let store = try await PostgresTestServer.makeStore()
        let peer = try await PostgresTestServer.makePeer(of: store)
        do {
            let first = DifferentialWorld(store: store)
            try await first.populate()
            let plan = try await first.engine.incidents.savePlan(EmergencyPlanDraft(
                name: "Outage", severity: .major,
                departments: [EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentHeads, .departmentMembers], checklist: [EmergencyPlan.ChecklistTask("Roll back", dueAfter: .seconds(3600))])],
                alert: EmergencyPlan.Message(title: "{plan}", body: "{incident}")), by: W.admin)
            let engines = (0..<6).map { index in
                WorkflowEngine(store: index.isMultiple(of: 2) ? store : peer, clock: first.clock,
                    identifiers: SequentialIdentifierGenerator(prefix: "e\(index)"))
            }
            let ids = try await withThrowingTaskGroup(of: Incident.ID.self) { group in
                for engine in engines {
                    group.addTask { try await engine.incidents.trigger(plan.id, by: W.admin, triggerKey: "big-red-button").id }
                }
                var ids: [Incident.ID] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            let distinct = Set(ids)
            #expect(distinct.count == 1, "triggers opened \(distinct.count) incidents: \(ids)")
            let open = try await peer.incidents(in: "acme", state: nil, page: .first).items
            #expect(open.map(\.id) == Array(distinct))
            #expect(try await store.auditTrail(of: .incident(ids[0])).filter { $0.action == "trigger" }.count == 1)
        } catch {
            await peer.shutdown()
            await PostgresTestServer.release(store)
            throw error
        }
        await peer.shutdown()
        await PostgresTestServer.release(store)
    }
}
