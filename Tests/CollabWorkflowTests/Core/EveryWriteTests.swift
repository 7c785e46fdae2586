import CollabModel
import CollabPermissions
import CollabTesting
@testable import CollabWorkflow
import Testing

/// The guarantees every write of the engine gives, checked over the whole `WriteCatalog`: a replay under the
/// same idempotency key returns the recorded result and writes nothing; the same key with another payload is
/// refused and writes nothing; a deactivated actor is refused and writes nothing; an actor deactivated between
/// the write's plan and its commit is refused and nothing is written (the runner's condition at commit).
///
/// Writes that take no idempotency key yet (`supportsKey` false) skip the checks that need one.
@Suite(.timeLimit(.minutes(10))) struct EveryWriteTests {
    @Test("the catalog lists each write once, in the order of its list of names")
    func catalogNames() {
        #expect(WriteCatalog.all.map(\.name) == WriteCatalog.names)
        #expect(Set(WriteCatalog.names).count == WriteCatalog.names.count, "each name once")
    }

    @Test("a replay with the same idempotency key returns the same result and writes nothing",
        arguments: WriteCatalog.all)
    func replay(_ write: WriteCase) async throws {
        guard write.supportsKey else { return }  // key: pending runner
        let staged = try await write.setup()
        let h = staged.workplace.harness
        let first = try await staged.run("key-\(write.name)")
        let before = try await h.tableSnapshot()
        h.clock.advance(by: .seconds(60))
        let again = try await staged.run("key-\(write.name)")
        #expect(again == first, "\(write.name): the recorded result")
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote on replay")
    }

    @Test("the same idempotency key with another payload is refused and writes nothing", arguments: WriteCatalog.all)
    func keyReused(_ write: WriteCase) async throws {
        guard write.supportsKey else { return }  // key: pending runner
        let staged = try await write.setup()
        let h = staged.workplace.harness
        _ = try await staged.run("key-\(write.name)")
        let before = try await h.tableSnapshot()
        h.clock.advance(by: .seconds(60))
        await expectFailure(.idempotencyKeyReused, "\(write.name)") {
            _ = try await staged.runOther("key-\(write.name)")
        }
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote")
    }

    @Test("a deactivated actor is refused and nothing is written", arguments: WriteCatalog.all)
    func deactivatedActor(_ write: WriteCase) async throws {
        let staged = try await write.setup()
        let h = staged.workplace.harness
        try await staged.workplace.deactivate(staged.actor)
        let before = try await h.tableSnapshot()
        await expectFailure(.forbidden, "\(write.name) by deactivated '\(staged.actor)'") {
            _ = try await staged.run(nil)
        }
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote")
    }
}

extension EveryWriteTests {
    @Test("a deactivated actor replaying their own recorded key is refused, not handed the recorded result",
        arguments: WriteCatalog.all)
    func deactivatedReplay(_ write: WriteCase) async throws {
        guard write.supportsKey else { return }  // key: pending runner
        let staged = try await write.setup()
        let h = staged.workplace.harness
        _ = try await staged.run("key-\(write.name)")
        try await staged.workplace.deactivate(staged.actor)
        let before = try await h.tableSnapshot()
        await expectFailure(.forbidden, "\(write.name) replayed by deactivated '\(staged.actor)'") {
            _ = try await staged.run("key-\(write.name)")
        }
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote")
    }
}

extension EveryWriteTests {
    /// Writes no host rule decides: read marks are a member's own view of their own notifications (the store
    /// marks only the actor's). They run through the command runner like every write.
    static let ownInbox: Set<String> = ["inbox.markRead", "inbox.markAllRead"]

    @Test("an actor deactivated between the write's plan and its commit is refused, and nothing is written",
        arguments: WriteCatalog.all)
    func rightRevokedBeforeCommit(_ write: WriteCase) async throws {
        let staged = try await write.setup()
        let workplace = staged.workplace
        let h = workplace.harness
        let actor = staged.actor
        let revocations = Locked(0)
        // Another process deactivates the actor after the write was planned (its rights checked) and before it
        // commits: the commit must fail its directory condition, and the plan made again must refuse.
        var configuration = workplace.engine.configuration
        configuration.beforeCommit = { _, attempt in
            guard attempt == 1 else { return }
            do {
                try await workplace.deactivate(actor)
                revocations.withLock { $0 += 1 }
            } catch {
                Issue.record("could not deactivate '\(actor)': \(error)")
            }
        }
        let engine = WorkflowEngine(store: h.store, clock: h.clock, identifiers: h.identifiers, configuration: configuration)
        let before = try await h.tableSnapshot()
        await expectFailure(.forbidden, "\(write.name) by '\(actor)', deactivated before its commit") {
            _ = try await staged.runOn(engine, nil)
        }
        #expect(revocations.withLock { $0 } == 1, "\(write.name): planned, then revoked once")
        // Only the deactivation itself was written: the member's row and the directory revision.
        let written = try await h.tableSnapshot().differences(from: before)
            .filter { !$0.hasPrefix("- members ") && !$0.hasPrefix("+ members ") && !$0.contains(" directory_revision ") }
        #expect(written == [], "\(write.name) committed on rights revoked before its commit")
    }
}

extension EveryWriteTests {
    /// The actions a host rule refuses to refuse each write (a write decided by one of several actions, as a
    /// confirmation by the buyer or by the supplier, lists them all).
    static let actions: [String: [RecordAction]] = [
        "workItems.create": [.createWorkItem], "workItems.submit": [.workItem(.submit)],
        "workItems.accept": [.workItem(.accept)], "workItems.start": [.workItem(.start)],
        "workItems.reportProgress": [.workItem(.reportProgress)],
        "workItems.submitForReview": [.workItem(.submitForReview)], "workItems.approve": [.workItem(.review)],
        "workItems.reject": [.workItem(.review)], "workItems.requestAdjustment": [.workItem(.requestAdjustment)],
        "workItems.approveAdjustment": [.workItem(.decideAdjustment)],
        "workItems.rejectAdjustment": [.workItem(.decideAdjustment)], "workItems.reassign": [.workItem(.reassign)],
        "workItems.cancel": [.workItem(.cancel)], "workItems.comment": [.workItem(.comment)],
        "workItems.share": [.workItem(.share)], "workItems.unshare": [.workItem(.share)],
        "workItems.watch": [.workItem(.watch)], "workItems.unwatch": [.workItem(.watch)],
        "workItems.importItems": [.importWorkItems],
        "settings.setExternalCollaboration": [.switchExternalCollaboration], "settings.save": [.changeSettings],
        "announcements.publish": [.publishAnnouncement], "announcements.openAnnouncement": [.openAnnouncement],
        "announcements.acknowledge": [.acknowledgeAnnouncement], "announcements.setPinned": [.pinAnnouncement],
        "announcements.setExpiry": [.setAnnouncementExpiry],
        "meetings.recordMeeting": [.recordMeeting],
        "incidents.savePlan": [.savePlan], "incidents.trigger": [.triggerPlan],
        "incidents.postUpdate": [.postIncidentUpdate], "incidents.requestResource": [.requestResource],
        "incidents.fulfil": [.decideResourceRequest], "incidents.decline": [.decideResourceRequest],
        "incidents.closeIncident": [.closeIncident],
        "partners.invitePartner": [.invitePartner], "orders.shareOrder": [.shareOrder],
        "orders.changeRequirements": [.changeRequirements], "orders.proposeDeliveryDates": [.proposeDeliveryDates],
        "orders.counterPropose": [.counterPropose], "orders.confirmProposal": [.confirmProposal, .confirmCounterProposal],
        "orders.cancelOrder": [.cancelOrder],
        "customers.recordSignedContract": [.recordContract],
        "tickets.openTicket": [.openTicket], "tickets.reply": [.replyToTicket], "tickets.forwardTicket": [.forwardTicket],
        "tickets.waitForCustomer": [.waitForCustomer], "tickets.resolveTicket": [.resolveTicket],
        "tickets.closeTicket": [.closeTicket], "tickets.rateTicket": [.rateTicket],
        "approvals.saveFlow": [.defineApprovalFlow], "approvals.submit": [.submitApproval],
        "approvals.approve": [.decideApproval], "approvals.reject": [.decideApproval],
        "approvals.transfer": [.decideApproval], "approvals.addSigner": [.decideApproval],
        "approvals.sendBack": [.decideApproval], "approvals.resubmit": [.withdrawApproval],
        "approvals.withdraw": [.withdrawApproval], "approvals.remind": [.remindApproval],
        "approvals.copy": [.copyApproval],
    ]

    /// A host rule that refuses the actions it is given.
    struct Refuse: AccessRuleExtension {
        let name = "refuse-in-test"
        let actions: Set<RecordAction>
        func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
            actions.contains(request.recordAction) ? .deny("refused by the test") : .abstain
        }
    }

    @Test("every write names the actions it is decided by", arguments: WriteCatalog.all)
    func everyWriteHasItsAction(_ write: WriteCase) {
        #expect(Self.ownInbox.contains(write.name) || Self.actions[write.name] != nil, "\(write.name) has no action")
    }

    @Test("a host rule refusing a write's action refuses it, and nothing is written", arguments: WriteCatalog.all)
    func hostRuleRefuses(_ write: WriteCase) async throws {
        guard let actions = Self.actions[write.name] else { return }
        let staged = try await write.setup()
        let workplace = staged.workplace
        let h = workplace.harness
        var configuration = workplace.engine.configuration
        configuration.accessControl.rules.append(Refuse(actions: Set(actions)))
        let engine = WorkflowEngine(store: h.store, clock: h.clock, identifiers: h.identifiers, configuration: configuration)
        let before = try await h.tableSnapshot()
        do {
            _ = try await staged.runOn(engine, nil)
            Issue.record("\(write.name) passed a host rule refusing \(actions)")
        } catch let error as CollabError {
            // `forbidden`; `not_found` where the desk answers a refusal of its record as if it did not exist.
            #expect([.forbidden, .notFound].contains(error.code), "\(write.name): \(error)")
        }
        #expect(try await h.tableSnapshot().differences(from: before) == [], "\(write.name) wrote")
        // The same write passes when the host rule refuses something else.
        var other = workplace.engine.configuration
        other.accessControl.rules.append(Refuse(actions: [.exportReport]))
        let allowed = WorkflowEngine(store: h.store, clock: h.clock, identifiers: h.identifiers, configuration: other)
        _ = try await staged.runOn(allowed, nil)
    }
}
