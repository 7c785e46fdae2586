import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The approval desk (审批): administrators define flows as data; members submit requests on them, and the
/// approvers act — approve, reject, transfer (转交), add a signer (加签), send back (退回) — while the applicant
/// may remind (催办), copy (抄送), withdraw (撤回) and resubmit.
///
/// Every write runs through the engine's one write pipeline: an optional idempotency key, the actor checked
/// against fresh data, the rights re-checked at commit, and one atomic commit of the request with its
/// timeline, audit event, notices and timeout timer. Every operation on a request names the version of the
/// request's steps it was decided on (`ApprovalRun.version`, `expectedVersion`): a double click, or two
/// instances deciding from the same state, decide once — the second gets `CollabError.Code.conflict`.
///
/// ```swift
/// let flow = try await engine.approvals.saveFlow(purchaseDraft, by: "admin")
/// let request = try await engine.approvals.submit(flow.id, values: ["amount": .number(12_500)], by: "zhang.min")
/// let waiting = try await engine.approvals.request(request.id, as: "li.na")
/// try await engine.approvals.approve(request.id, by: "li.na", expectedVersion: waiting.run.version)
/// ```
///
/// A request someone may not see reads as one that does not exist (`CollabError.Code.notFound`): outside
/// members, deactivated members, and members not on it (administrators and auditors excepted). Every write
/// takes an optional `idempotencyKey`; a retry with the same key and input returns the first result to an
/// actor who may still see the request. A deactivated actor is refused with `CollabError.Code.forbidden`;
/// nothing is written when a write throws.
public struct ApprovalDesk: Sendable {
    let engine: WorkflowEngine

    /// A replay's check: `CollabError.Code.notFound` unless `subject` may still see the request.
    private static func visible(_ engine: WorkflowEngine) -> (Subject, ApprovalRequest) async throws(CollabError) -> Void {
        { subject, request throws(CollabError) in _ = try await engine.visibleApprovalRequest(request.id, to: subject) }
    }

    // MARK: Flows

    /// Saves an approval flow: a new one (`id` `nil`), or the next version of `id`. The draft is checked
    /// (`ApprovalFlowDraft.validate(limits:)`: a flow that could not finish is refused, each problem naming
    /// its step), and so are the members and departments its approver and copy sources name, which must be
    /// active members and departments of the organization. Requests already running stay on their version.
    ///
    /// - Parameter draft: the flow: its form, steps, routes and policies.
    /// - Parameter id: the flow of which this is the next version; `nil` for a new flow.
    /// - Parameter member: the administrator saving it.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and saves
    ///   nothing; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Parameter expectedVersion: the version the administrator edited (`CollabError.Code.conflict` when
    ///   another was saved since); ignored for a new flow.
    /// - Throws: `CollabError.Code.forbidden` for anyone but an administrator; `CollabError.Code.invalidInput`
    ///   for a draft that fails its checks; `CollabError.Code.notFound` for an unknown `id`.
    @discardableResult
    public func saveFlow(
        _ draft: ApprovalFlowDraft, id: ApprovalFlow.ID? = nil, by member: Member.ID, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalFlow {
        let engine = engine
        return try await engine.run(Command("save_approval_flow", by: member,
            inputs: ["draft": draft, "id": id, "expectedVersion": expectedVersion], idempotencyKey: idempotencyKey,
            visible: { subject, flow throws(CollabError) in
                guard engine.isAllowed(subject, .submitApproval, on: .organization(flow.organizationID)) else {
                    throw CollabError.notFound("approval flow", flow.id.rawValue)
                }
            })) { planning throws(CollabError) in
            try await engine.planSaveFlow(draft, id: id, expectedVersion: expectedVersion, planning)
        }
    }

    /// The latest version of each flow of `viewer`'s organization, by name: what a member may submit on.
    public func flows(as viewer: Member.ID) async throws(CollabError) -> [ApprovalFlow] {
        let subject = try await engine.subject(viewer)
        guard engine.isAllowed(subject, .submitApproval, on: .organization(subject.organizationID)) else { return [] }
        return try await engine.store.approvalFlows(in: subject.organizationID)
    }

    /// A version of a flow (the latest when `version` is `nil`), for a member of its organization.
    ///
    /// - Throws: `CollabError.Code.notFound` when it does not exist or the viewer is not an active member of
    ///   its organization.
    public func flow(_ id: ApprovalFlow.ID, version: Int? = nil, as viewer: Member.ID) async throws(CollabError)
        -> ApprovalFlow
    {
        let subject = try await engine.subject(viewer)
        guard let flow = try await engine.store.approvalFlow(id, version: version),
            engine.isAllowed(subject, .submitApproval, on: .organization(flow.organizationID))
        else { throw CollabError.notFound("approval flow", id.rawValue) }
        return flow
    }

    /// Every version of a flow, oldest first, for a member of its organization.
    public func flowVersions(_ id: ApprovalFlow.ID, as viewer: Member.ID) async throws(CollabError) -> [ApprovalFlow] {
        _ = try await flow(id, as: viewer)
        return try await engine.store.approvalFlowVersions(id)
    }

    // MARK: Submitting

    /// Submits a request on the latest version of a flow, with the form's values: the request enters its
    /// first step that is not skipped (the approvers are resolved from the directory now, and told), or is
    /// approved at once when no step needs anyone. `cc` are copied (抄送) from the start.
    ///
    /// - Parameter flowID: the flow, whose latest version the request runs on.
    /// - Parameter values: the form's values, checked against the flow's fields.
    /// - Parameter cc: members copied (抄送) from the start.
    /// - Parameter member: the applicant.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first request and submits
    ///   nothing; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Parameter title: what lists and notices show; `"<flow name> · <applicant>"` when `nil`.
    /// - Throws: `CollabError.Code.notFound` for a flow of another organization or none;
    ///   `CollabError.Code.invalidInput` for values that fail the form (every problem at once), an unknown
    ///   member in `cc`, a title beyond the limits.
    @discardableResult
    public func submit(
        _ flowID: ApprovalFlow.ID, values: ApprovalFormValues, title: String? = nil, cc: [Member.ID] = [],
        by member: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        let engine = engine
        return try await engine.run(Command("submit_approval", by: member,
            inputs: ["flow": flowID, "values": values, "title": title, "cc": cc], idempotencyKey: idempotencyKey,
            visible: Self.visible(engine))) { planning throws(CollabError) in
            try await engine.planSubmitApproval(flowID, values: values, title: title, cc: cc, planning)
        }
    }

    // MARK: Deciding

    /// Approves the actor's place on the step under way; when the step approves (by its mode), the request
    /// moves on by the flow's routes in the same commit — to the next step, whose approvers are told, or to
    /// its end, of which the applicant and those copied are told.
    ///
    /// - Parameter id: the request.
    /// - Parameter member: the approver, who holds a place on the step under way.
    /// - Parameter idempotencyKey: a retry with the same key and input returns the first result and decides
    ///   nothing again; the same key with another input is `CollabError.Code.idempotencyKeyReused`.
    /// - Parameter expectedVersion: the `ApprovalRun.version` the approver saw.
    /// - Throws: `CollabError.Code.conflict` for a stale version, a step already decided, a second decision;
    ///   `CollabError.Code.invalidTransition` when it is not yet the actor's turn (in order, or behind a signer
    ///   added before them); `CollabError.Code.forbidden` for a member who holds no place on the step;
    ///   `CollabError.Code.notFound` for a request they may not see.
    @discardableResult
    public func approve(
        _ id: ApprovalRequest.ID, by member: Member.ID, expectedVersion: Int, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        try await operate("approve_request", id, .decideApproval, by: member, expectedVersion: expectedVersion,
            inputs: [:], idempotencyKey: idempotencyKey) { request, flow, resolver, now throws(CollabError) in
            let step = request.run.current
            try request.run.approve(by: member, expectedVersion: expectedVersion, flow: flow, resolver: resolver)
            request.events.append(.init(at: now, actorID: member, action: .approved, stepKey: step?.stepKey,
                attempt: step?.attempt))
        }
    }

    /// Rejects on the step under way, with a reason (required); the request is rejected when the step rejects
    /// (by its mode: at once for all and any, when the quorum can no longer be reached for a quorum).
    @discardableResult
    public func reject(
        _ id: ApprovalRequest.ID, reason: String, by member: Member.ID, expectedVersion: Int,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        let limits = engine.configuration.limits
        return try await operate("reject_request", id, .decideApproval, by: member, expectedVersion: expectedVersion,
            inputs: ["reason": reason], idempotencyKey: idempotencyKey) { request, flow, resolver, now throws(CollabError) in
            let step = request.run.current
            var report = ValidationReport()
            report.checkText(reason, field: "reason", maxLength: limits.textLength, allowNewlines: true)
            try report.throwIfInvalid()
            try request.run.reject(by: member, reason: reason, expectedVersion: expectedVersion, flow: flow,
                resolver: resolver)
            request.events.append(.init(at: now, actorID: member, action: .rejected, stepKey: step?.stepKey,
                attempt: step?.attempt, reason: reason))
        }
    }

    /// 转交: gives the actor's place on the step under way to `newMember` (an active member of the
    /// organization not already on the step), who decides instead and is told.
    @discardableResult
    public func transfer(
        _ id: ApprovalRequest.ID, to newMember: Member.ID, by member: Member.ID, expectedVersion: Int,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        try await operate("transfer_approval", id, .decideApproval, by: member, expectedVersion: expectedVersion,
            inputs: ["to": newMember], idempotencyKey: idempotencyKey) { request, flow, _, now throws(CollabError) in
            try await engine.requireActiveMember(newMember, field: "to", of: request.organizationID)
            let step = request.run.current
            try request.run.transfer(from: member, to: newMember, expectedVersion: expectedVersion, flow: flow)
            request.events.append(.init(at: now, actorID: member, action: .transferred, stepKey: step?.stepKey,
                attempt: step?.attempt, memberIDs: [newMember]))
        }
    }

    /// 加签: adds `newMember` to the actor's seat, deciding before the actor (前加签: the actor decides after
    /// they approved) or after (后加签: they decide after the actor approved). The seat still counts once in
    /// the step's mode.
    @discardableResult
    public func addSigner(
        _ id: ApprovalRequest.ID, _ newMember: Member.ID, _ position: SignerPosition, by member: Member.ID,
        expectedVersion: Int, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        try await operate("add_signer", id, .decideApproval, by: member, expectedVersion: expectedVersion,
            inputs: ["signer": newMember, "position": position], idempotencyKey: idempotencyKey) {
            request, flow, _, now throws(CollabError) in
            try await engine.requireActiveMember(newMember, field: "signer", of: request.organizationID)
            let step = request.run.current
            try request.run.addSigner(newMember, position, by: member, expectedVersion: expectedVersion, flow: flow)
            request.events.append(.init(at: now, actorID: member, action: .signerAdded, stepKey: step?.stepKey,
                attempt: step?.attempt, memberIDs: [newMember], detail: position.rawValue))
        }
    }

    /// 退回: an approver whose turn it is sends the request back, with a reason — to a step it passed earlier,
    /// which runs again as a new attempt (no automatic passes apply to it), or to the applicant, who may
    /// resubmit or withdraw.
    @discardableResult
    public func sendBack(
        _ id: ApprovalRequest.ID, to target: ApprovalRun.SendBackTarget, reason: String, by member: Member.ID,
        expectedVersion: Int, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        let limits = engine.configuration.limits
        return try await operate("send_back_approval", id, .decideApproval, by: member, expectedVersion: expectedVersion,
            inputs: ["to": target, "reason": reason], idempotencyKey: idempotencyKey) {
            request, flow, resolver, now throws(CollabError) in
            let step = request.run.current
            try request.run.sendBack(to: target, by: member, reason: reason, expectedVersion: expectedVersion, flow: flow,
                resolver: resolver, limits: limits)
            let detail: String = switch target {
            case .applicant: "applicant"
            case .step(let key): key
            }
            request.events.append(.init(at: now, actorID: member, action: .sentBack, stepKey: step?.stepKey,
                attempt: step?.attempt, reason: reason, detail: detail))
        }
    }

    // MARK: The applicant

    /// Resubmits a request sent back to the applicant, with its values as they are now: it starts over at the
    /// flow's first step, as a new request would.
    @discardableResult
    public func resubmit(
        _ id: ApprovalRequest.ID, values: ApprovalFormValues, by member: Member.ID, expectedVersion: Int,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        let limits = engine.configuration.limits
        return try await operate("resubmit_approval", id, .withdrawApproval, by: member, expectedVersion: expectedVersion,
            inputs: ["values": values], idempotencyKey: idempotencyKey) { request, flow, resolver, now throws(CollabError) in
            try request.run.resubmit(values: values, by: member, expectedVersion: expectedVersion, flow: flow,
                resolver: resolver, limits: limits)
            request.events.append(.init(at: now, actorID: member, action: .resubmitted))
        }
    }

    /// 撤回: the applicant withdraws the request, while it waits and no step after its first has decided (or
    /// while it is returned to them). Those who held places and those copied are told.
    @discardableResult
    public func withdraw(
        _ id: ApprovalRequest.ID, by member: Member.ID, expectedVersion: Int, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        try await operate("withdraw_approval", id, .withdrawApproval, by: member, expectedVersion: expectedVersion,
            inputs: [:], idempotencyKey: idempotencyKey) { request, _, _, now throws(CollabError) in
            try request.run.withdraw(by: member, expectedVersion: expectedVersion)
            request.events.append(.init(at: now, actorID: member, action: .withdrawn))
        }
    }

    /// 催办: reminds the approvers whose turn it is, at most once per
    /// ``ApprovalConfiguration/reminderInterval`` per request. The applicant and administrators remind.
    ///
    /// - Throws: `CollabError.Code.rateLimited` within the interval of the last reminder (the message says
    ///   when the next is possible); `CollabError.Code.invalidTransition` for a request that no longer waits.
    @discardableResult
    public func remind(_ id: ApprovalRequest.ID, by member: Member.ID, idempotencyKey: String? = nil)
        async throws(CollabError) -> ApprovalRequest
    {
        let interval = engine.configuration.approvals.reminderInterval
        return try await operate("remind_approval", id, .remindApproval, by: member, expectedVersion: nil,
            inputs: [:], idempotencyKey: idempotencyKey) { request, _, _, now throws(CollabError) in
            let seconds = interval.timeInterval
            if let last = request.remindedAt, now < last.addingTimeInterval(seconds) {
                throw CollabError(.rateLimited,
                    "approval request '\(request.id)' was reminded at \(last.ISO8601Format()); the next reminder is possible from \(last.addingTimeInterval(seconds).ISO8601Format())")
            }
            request.remindedAt = now
            let step = request.run.current
            request.events.append(.init(at: now, actorID: member, action: .reminded, stepKey: step?.stepKey,
                attempt: step?.attempt, memberIDs: request.awaiting))
        }
    }

    /// 抄送: copies `members` (active members of the organization) on the request: they may read it and are
    /// told how it ends; they never decide. The applicant and the approvers of the step under way copy.
    @discardableResult
    public func copy(
        _ id: ApprovalRequest.ID, to members: [Member.ID], by member: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> ApprovalRequest {
        let limit = engine.configuration.approvals.copyLimit
        return try await operate("copy_approval", id, .copyApproval, by: member, expectedVersion: nil,
            inputs: ["members": members], idempotencyKey: idempotencyKey) { request, _, _, now throws(CollabError) in
            var report = ValidationReport()
            if members.isEmpty { report.add("members", .empty, "name at least one member to copy") }
            if members.count > limit { report.add("members", .tooLong, "copies \(members.count) members, at most \(limit)") }
            let known = Set(try await engine.activeMembers(members, of: request.organizationID))
            for (index, copied) in members.enumerated() where !known.contains(copied) {
                report.add("members[\(index)]", .unknownMember,
                    "'\(copied.rawValue.clipped())' is not an active member of the organization")
            }
            try report.throwIfInvalid()
            let fresh = members.filter { !request.ccIDs.contains($0) }
            request.ccIDs += fresh.reduce(into: [Member.ID]()) { if !$0.contains($1) { $0.append($1) } }
            request.events.append(.init(at: now, actorID: member, action: .copied, memberIDs: fresh))
        }
    }

    // MARK: Reading

    /// The request, for who may see it: its applicant, who holds or held a place on it, those copied,
    /// administrators and auditors.
    ///
    /// - Throws: `CollabError.Code.notFound` when it does not exist *or* the viewer may not see it.
    public func request(_ id: ApprovalRequest.ID, as viewer: Member.ID) async throws(CollabError) -> ApprovalRequest {
        let subject = try await engine.subject(viewer)
        return try await engine.visibleApprovalRequest(id, to: subject)
    }

    /// Which requests ``ApprovalDesk/requests(_:as:status:page:)`` lists.
    public enum Listing: String, Hashable, Sendable, Codable, CaseIterable {
        /// Those waiting for the viewer's decision now (待我审批), or returned to them as applicant.
        case awaitingMe = "awaiting_me"
        /// Those the viewer submitted (我发起的).
        case submittedByMe = "submitted_by_me"
        /// Every request the viewer is on: submitted, decided, copied (我参与的 and 抄送我的).
        case involvingMe = "involving_me"
        /// Every request of the organization: administrators and auditors only (others get their own).
        case all
    }

    /// Requests of `viewer`'s organization, newest first, paged: the approval to-do (``Listing/awaitingMe``)
    /// and the lists of a approvals screen.
    public func requests(_ listing: Listing, as viewer: Member.ID, status: ApprovalRun.Status? = nil,
        page: PageRequest = .first) async throws(CollabError) -> Page<ApprovalRequest>
    {
        let subject = try await engine.subject(viewer)
        guard !subject.isExternal, subject.isActive else { return Page(items: [], nextCursor: nil) }
        var filter = ApprovalRequestFilter(status: status)
        switch listing {
        case .awaitingMe: filter.awaiting = viewer
        case .submittedByMe: filter.applicant = viewer
        case .involvingMe: filter.involving = viewer
        case .all:
            if !(subject.isAdministrator || subject.roles.contains(.auditor)) { filter.involving = viewer }
        }
        var found = try await engine.store.approvalRequests(in: subject.organizationID, matching: filter, page: page)
        // The query narrows by the same rule; each request is still decided by the access control.
        found.items = found.items.filter { engine.isAllowed(subject, .viewApproval, on: .approvalRequest($0)) }
        return found
    }

    /// The audit trail of a request, oldest first, for who may see it.
    public func trail(of id: ApprovalRequest.ID, as viewer: Member.ID) async throws(CollabError) -> [AuditEvent] {
        try await engine.auditTrail(of: .approvalRequest(id), as: viewer)
    }

    // MARK: Maintenance

    /// Gives the places of deactivated approvers on the steps under way of `organizationID`'s pending
    /// requests to others: the step's sources are resolved again (the flow's
    /// `ApprovalPolicies.nobodyToApprove` applies when that yields nobody), and the new holders are told.
    /// ``CollabRunner`` runs it whenever the directory changed; a host may call it after a directory sync.
    /// Returns how many requests changed.
    @discardableResult
    public func replaceDeactivatedApprovers(in organizationID: Organization.ID) async throws(CollabError) -> Int {
        try await engine.replaceDeactivatedApprovers(in: organizationID)
    }

    /// Runs one operation through the pipeline.
    private func operate(
        _ name: String, _ id: ApprovalRequest.ID, _ action: RecordAction, by member: Member.ID, expectedVersion: Int?,
        inputs: KeyValuePairs<String, (any Encodable & Sendable)?>, idempotencyKey: String?,
        _ body: @escaping @Sendable (inout ApprovalRequest, ApprovalFlow, ResolvedApprovers, Date)
            async throws(CollabError) -> Void
    ) async throws(CollabError) -> ApprovalRequest {
        let engine = engine
        var all: [(String, (any Encodable & Sendable)?)] = [("id", id), ("expectedVersion", expectedVersion)]
        for (label, value) in inputs { all.append((label, value)) }
        let fingerprint = idempotencyKey == nil ? "" : WorkflowEngine.fingerprint(all)
        return try await engine.run(Command(name, by: member, fingerprint: fingerprint,
            idempotencyKey: idempotencyKey, visible: Self.visible(engine))) { planning throws(CollabError) in
            try await engine.planApprovalOperation(id, action, command: name, expectedVersion: expectedVersion, planning) {
                request, flow, resolver throws(CollabError) in
                try await body(&request, flow, resolver, planning.now)
            }
        }
    }
}

extension WorkflowEngine {
    /// The approval desk: flows, requests and their operations.
    public var approvals: ApprovalDesk { ApprovalDesk(engine: self) }

    /// Throws `CollabError.Code.invalidInput` (problem `field`, kind `unknown_member`) unless `member` is an
    /// active member of `organizationID`.
    func requireActiveMember(_ member: Member.ID, field: String, of organizationID: Organization.ID)
        async throws(CollabError)
    {
        guard try await activeMembers([member], of: organizationID).isEmpty == false else {
            throw CollabError.invalid([ValidationProblem(field: field, kind: .unknownMember,
                message: "'\(member.rawValue.clipped())' is not an active member of the organization")])
        }
    }
}
