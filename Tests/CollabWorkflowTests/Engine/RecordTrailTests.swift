import CollabModel
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// The audit trail of records other than work items, read through the engine: as the record's own reads
// decide, internal to the company, not found for everyone else.

@Suite struct RecordTrailTests {
    @Test("announcement, incident, order, partner and customer trails are read by those who may, and by nobody else")
    func trails() async throws {
        let w = try await Workplace(storage: .underTest)
        let h = w.h

        let announcement = try await w.engine.announcements.publish(AnnouncementDraft(title: "Town hall", body: "Friday 3 pm",
            audience: .department("eng-mobile"), acknowledgement: AcknowledgementRequirement(
                deadline: w.now.addingTimeInterval(7200))), by: Workplace.admin)
        try await w.engine.announcements.acknowledge(announcement.id, by: Workplace.assignee)
        let record = RecordReference.announcement(announcement.id)
        #expect(try await w.engine.auditTrail(of: record, as: Workplace.admin).map(\.action) == ["publish", "acknowledge"])
        #expect(try await w.engine.auditTrail(of: record, as: Workplace.auditor).count == 2)
        for outsider in [Workplace.assignee, Workplace.bystander, Workplace.stranger, Workplace.partner] {
            await expectFailure(.notFound, "\(outsider) reading the announcement's trail") {
                _ = try await w.engine.auditTrail(of: record, as: outsider)
            }
        }

        let plan = try await w.engine.incidents.savePlan(EmergencyPlanDraft(name: "Outage", severity: .major,
            departments: [EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentHeads],
                checklist: [EmergencyPlan.ChecklistTask("Restore", dueAfter: .seconds(3600))])],
            alert: EmergencyPlan.Message(title: "{plan}", body: "Now.")), by: Workplace.admin)
        let incident = try await w.engine.incidents.trigger(plan.id, by: Workplace.mobileHead, triggerKey: "outage-1")
        #expect(try await w.engine.auditTrail(of: .incident(incident.id), as: Workplace.mobileHead).map(\.action)
            == ["trigger"])
        #expect(try await w.engine.auditTrail(of: .emergencyPlan(plan.id), as: Workplace.admin).map(\.action)
            == ["save_plan"])
        for outsider in [Workplace.bystander, Workplace.salesHead, Workplace.stranger, Workplace.partner] {
            await expectFailure(.notFound, "\(outsider) reading the incident's trail") {
                _ = try await w.engine.auditTrail(of: .incident(incident.id), as: outsider)
            }
        }

        try await h.addDepartment("purchasing", in: "acme")
        try await h.addMember("buyer", in: "acme", departments: [DepartmentMembership("purchasing")])
        try await w.engine.partners.invite(PartnerInvitation(partnerID: "bearings", name: "Bearings Ltd",
            contacts: [ExternalContact(memberID: "bea", displayName: "Bea")]), by: Workplace.admin)
        let order = try await w.engine.orders.share(PurchaseOrderDraft(number: "PO-1", title: "Bearings",
            lines: [PurchaseOrder.Line(number: 1, description: "6205-2RS", quantity: 4,
                requiredDate: CalendarDate(year: 2027, month: 1, day: 15))], departmentID: "purchasing"),
            with: "bearings", by: "buyer")
        #expect(try await w.engine.auditTrail(of: .purchaseOrder(order.id), as: "buyer").map(\.action) == ["share_order"])
        #expect(try await w.engine.auditTrail(of: .purchaseOrder(order.id), as: "bea").isEmpty,
            "the supplier sees the order, not the company's trail")
        await expectFailure(.notFound, "a member outside purchasing") {
            _ = try await w.engine.auditTrail(of: .purchaseOrder(order.id), as: Workplace.bystander)
        }
        #expect(try await w.engine.auditTrail(of: .partner("bearings"), as: Workplace.admin).map(\.action)
            == ["invite_partner"])
        for outsider in ["buyer", "bea", Workplace.stranger] as [Member.ID] {
            await expectFailure(.notFound, "\(outsider) reading the partner's trail") {
                _ = try await w.engine.auditTrail(of: .partner("bearings"), as: outsider)
            }
        }

        let customer = try await w.engine.customers.recordSignedContract(SignedContract(contractID: "C-1", customerKey: "K-1",
            customerName: "Dalian Motors", contacts: [ExternalContact(displayName: "Dai", email: "dai@dalian.example")],
            signedAt: w.now, salesOwnerID: Workplace.salesHead), by: Workplace.salesHead)
        let customerRecord = RecordReference.customer(customer.customer.id)
        #expect(try await w.engine.auditTrail(of: customerRecord, as: Workplace.salesHead).map(\.action)
            == ["register_customer"])
        for outsider in [Workplace.assignee, customer.newContactIDs[0], Workplace.stranger] {
            await expectFailure(.notFound, "\(outsider) reading the customer's trail") {
                _ = try await w.engine.auditTrail(of: customerRecord, as: outsider)
            }
        }
        await expectFailure(.notFound, "an unknown record") {
            _ = try await w.engine.auditTrail(of: RecordReference(.meeting, "nope"), as: Workplace.admin)
        }
    }

    @Test("a member deactivated after an announcement, a meeting and an incident reads none of them")
    func deactivatedMembers() async throws {
        let w = try await Workplace(storage: .underTest)
        let announcement = try await w.engine.announcements.publish(AnnouncementDraft(title: "Town hall", body: "Friday",
            audience: .department("eng-mobile")), by: Workplace.admin)
        let meeting = try await w.engine.meetings.record(MeetingDraft(title: "Weekly", startsAt: w.now,
            attendeeIDs: [Workplace.assignee]), by: Workplace.initiator)
        let plan = try await w.engine.incidents.savePlan(EmergencyPlanDraft(name: "Outage", severity: .minor,
            departments: [EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentMembers],
                checklist: [EmergencyPlan.ChecklistTask("Restore", dueAfter: .seconds(3600))])],
            alert: EmergencyPlan.Message(title: "{plan}", body: "Now.")), by: Workplace.admin)
        let incident = try await w.engine.incidents.trigger(plan.id, by: Workplace.admin, triggerKey: "outage")
        #expect(try await w.engine.announcements.received(for: Workplace.assignee).items.count == 1)
        #expect(try await w.engine.meetings.list(as: Workplace.assignee).items.count == 1)
        #expect(try await w.engine.incidents.incident(incident.id, as: Workplace.assignee).id == incident.id)

        var member = try #require(try await w.h.store.member(Workplace.assignee))
        member.isActive = false
        try await w.h.store.save(member)
        #expect(try await w.engine.announcements.received(for: Workplace.assignee).items.isEmpty)
        #expect(try await w.engine.meetings.list(as: Workplace.assignee).items.isEmpty)
        #expect(try await w.engine.incidents.plans(as: Workplace.assignee).isEmpty)
        #expect(try await w.engine.incidents.list(as: Workplace.assignee).items.isEmpty)
        await expectFailure(.notFound, "the announcement") {
            _ = try await w.engine.announcements.announcement(announcement.id, as: Workplace.assignee)
        }
        await expectFailure(.notFound, "the meeting") {
            _ = try await w.engine.meetings.followUp(meeting.id, as: Workplace.assignee)
        }
        await expectFailure(.notFound, "the incident") {
            _ = try await w.engine.incidents.incident(incident.id, as: Workplace.assignee)
        }
    }
}
