import CollabModel
import CollabPermissions
import CollabStore
import Foundation

// The plans of the approval desk: every command reads the request and its flow version, resolves the
// approvers against the directory, applies one pure operation of `ApprovalRun`, and commits the request with
// its timeline, audit event, notices and timeout timer in one change.

extension WorkflowEngine {
    // MARK: Reading

    /// The request, if `subject` may see it; otherwise `CollabError.Code.notFound`, as for a request that does
    /// not exist.
    func visibleApprovalRequest(_ id: ApprovalRequest.ID, to subject: Subject) async throws(CollabError) -> ApprovalRequest {
        guard let request = try await store.approvalRequest(id), isAllowed(subject, .viewApproval, on: .approvalRequest(request))
        else { throw CollabError.notFound("approval request", id.rawValue) }
        return request
    }

    /// The flow version a request runs on.
    func flowVersion(of request: ApprovalRequest) async throws(CollabError) -> ApprovalFlow {
        guard let flow = try await store.approvalFlow(request.flowID, version: request.flowVersion) else {
            throw CollabError(.storageCorrupt,
                "approval request '\(request.id)' runs on flow '\(request.flowID)' version \(request.flowVersion), which is not stored")
        }
        return flow
    }

    // MARK: Resolving approvers

    /// The active members of `organizationID` among `ids`, in the order given, each once: read through the
    /// engine's directory cache (at the revision the command is planned on).
    func activeMembers(_ ids: [Member.ID], of organizationID: Organization.ID) async throws(CollabError) -> [Member.ID] {
        guard !ids.isEmpty else { return [] }
        let found = try await directory.members(Set(ids))
        let active = Set(found.filter { $0.isActive && $0.organizationID == organizationID }.map(\.id))
        var seen = Set<Member.ID>()
        return ids.filter { active.contains($0) && seen.insert($0).inserted }
    }

    /// The display names of `ids` (their ids when unknown).
    func displayNames(_ ids: [Member.ID]) async throws(CollabError) -> [Member.ID: String] {
        Dictionary(try await directory.members(Set(ids)).map { ($0.id, $0.displayName) }, uniquingKeysWith: { first, _ in first })
    }

    /// The active heads of `department` in `organizationID`, by id.
    private func activeHeads(of department: Department.ID, in organizationID: Organization.ID) async throws(CollabError)
        -> [Member.ID]
    {
        try await activeMembers(try await directory.heads(of: [department]).sorted(), of: organizationID)
    }

    /// The department above `department`, if any.
    private func parent(of department: Department.ID) async throws(CollabError) -> Department.ID? {
        try await directory.departments([department]).first?.parentID
    }

    /// The first active head of `member`'s first department other than `member`, or of the nearest department
    /// above it that has one: who takes an applicant's place (`pass_to_head`) or an escalated one.
    func head(of member: Member.ID, in organizationID: Organization.ID) async throws(CollabError) -> Member.ID? {
        guard let found = try await directory.member(member), let first = found.departments.first else { return nil }
        var department: Department.ID? = first.departmentID
        var steps = 0
        while let current = department, steps < 64 {
            if let head = try await activeHeads(of: current, in: organizationID).first(where: { $0 != member }) {
                return head
            }
            department = try await parent(of: current)
            steps += 1
        }
        return nil
    }

    /// The active administrators of `organizationID`, by id (reads the organization's members: only when a step
    /// resolved to nobody, or a place is given again).
    func administrators(of organizationID: Organization.ID) async throws(CollabError) -> [Member.ID] {
        try await store.members(in: organizationID).filter { $0.isActive && $0.isAdministrator }.map(\.id).sorted()
    }

    /// Resolves `sources` for a request of `applicant`: their union, in order, without repeats, active members
    /// of the organization only. Named members, heads and the decider are read through the directory cache;
    /// a role in a department reads the organization's members.
    func resolve(
        _ sources: [ApproverSource], applicant: Member.ID, decider: Member.ID?, organizationID: Organization.ID
    ) async throws(CollabError) -> [Member.ID] {
        var result: [Member.ID] = []
        var seen = Set<Member.ID>()
        func add(_ ids: [Member.ID]) {
            for id in ids where seen.insert(id).inserted { result.append(id) }
        }
        for source in sources {
            switch source {
            case .members(let ids):
                add(try await activeMembers(ids, of: organizationID))
            case .role(let role, let department):
                add(try await store.members(in: organizationID).filter { member in
                    member.isActive && member.departments.contains { $0.departmentID == department && $0.role == role }
                }.map(\.id).sorted())
            case .departmentHeads(let department):
                add(try await activeHeads(of: department, in: organizationID))
            case .applicantHeads(let levels):
                guard let membership = try await directory.member(applicant)?.departments.first else { continue }
                var department: Department.ID? = membership.departmentID
                var level = 0
                while let current = department, level < levels {
                    add(try await activeHeads(of: current, in: organizationID))
                    department = try await parent(of: current)
                    level += 1
                }
            case .decider:
                if let decider { add(try await activeMembers([decider], of: organizationID)) }
            case .group(let name):
                guard let groups = configuration.approvals.groups else { continue }
                let members: [Member.ID]
                do {
                    members = try await groups.members(of: name, in: organizationID)
                } catch {
                    throw CollabError(.storageUnavailable, "the approver group '\(name.clipped())' could not be resolved: \(error)")
                }
                add(try await activeMembers(members, of: organizationID))
            }
        }
        return result
    }

    /// The approvers of every step of `flow` for `applicant`, with the heads and administrators the flow's
    /// policies may need — an ``ApproverResolver`` made of data, read from the directory for one command.
    /// Heads are read when the applicant's place may pass to their head or a timeout may escalate;
    /// administrators when a step resolved to nobody or `forReplacement`.
    func approverResolver(
        for flow: ApprovalFlow, applicant: Member.ID, subject: ApprovalRequest.Subject, extra: [Member.ID] = [],
        forReplacement: Bool = false
    ) async throws(CollabError) -> ResolvedApprovers {
        let organizationID = flow.organizationID
        let decider = try await decider(of: subject)
        var byStep: [String: [Member.ID]] = [:]
        for step in flow.steps {
            byStep[step.key] = try await resolve(step.approvers, applicant: applicant, decider: decider,
                organizationID: organizationID)
        }
        var heads: [Member.ID: Member.ID] = [:]
        let escalates = flow.steps.contains { flow.timeout(of: $0)?.action == .escalate }
        if flow.policies.applicantIsApprover == .passToHead || escalates {
            for member in Set(extra + [applicant] + (escalates ? byStep.values.flatMap { $0 } : [])) {
                if let head = try await head(of: member, in: organizationID) { heads[member] = head }
            }
        }
        let needsAdministrators = forReplacement
            || (flow.policies.nobodyToApprove == .passToAdministrator && byStep.values.contains { $0.isEmpty })
        let administrators = needsAdministrators ? try await administrators(of: organizationID) : []
        return ResolvedApprovers(byStep: byStep, heads: heads, administratorIDs: administrators)
    }

    /// Who decides `subject` alone when no flow is bound (``ApproverSource/decider``): a work item's reviewer
    /// for its review, its initiator for an adjustment; nobody for a standalone request.
    func decider(of subject: ApprovalRequest.Subject) async throws(CollabError) -> Member.ID? {
        switch subject {
        case .standalone: return nil
        case .workItemReview(let itemID): return try await store.workItem(itemID)?.effectiveReviewerID
        case .adjustment(_, let itemID): return try await store.workItem(itemID)?.initiatorID
        }
    }

    // MARK: Planning an operation

    /// Plans one operation on a request: reads it as `planning`'s subject sees it (not found otherwise), refuses
    /// a stale `expectedVersion` (conflict), checks `action` through the access control, applies `operate` to the request's run, and builds the change.
    func planApprovalOperation(
        _ id: ApprovalRequest.ID, _ action: RecordAction, command: String, expectedVersion: Int?,
        details: [String: String] = [:], _ planning: Planning,
        operate: (inout ApprovalRequest, ApprovalFlow, ResolvedApprovers) async throws(CollabError) -> Void
    ) async throws(CollabError) -> Planned<ApprovalRequest> {
        let subject = planning.subject
        let before = try await visibleApprovalRequest(id, to: subject)
        // A decision on a version someone moved on from is stale, whoever may decide now.
        if let expectedVersion, expectedVersion != before.run.version {
            throw CollabError(.conflict,
                "approval request '\(id)' is at version \(before.run.version), not \(expectedVersion): someone acted first; reload and decide again")
        }
        try authorize(subject, action, on: .approvalRequest(before),
            otherwise: Self.approvalRefusal(action, subject.memberID, before))
        let flow = try await flowVersion(of: before)
        let resolver = try await approverResolver(for: flow, applicant: before.applicantID, subject: before.subject,
            extra: before.run.current?.signers ?? [])
        var request = before
        try await operate(&request, flow, resolver)
        var change = ChangeSet()
        try await settleApproval(from: before, to: &request, flow: flow, actor: subject.memberID, command: command,
            details: details, into: &change, now: planning.now)
        return Planned(change, request)
    }

    /// Why `action` was refused on `request` to `member` (who may see it).
    static func approvalRefusal(_ action: RecordAction, _ member: Member.ID, _ request: ApprovalRequest) -> CollabError {
        switch action {
        case .decideApproval:
            request.status == .pending
                ? CollabError(.forbidden, "member '\(member)' holds no place on the step under way of approval request '\(request.id)'")
                : CollabError(.invalidTransition, "approval request '\(request.id)' is \(request.status.rawValue); no step waits")
        case .remindApproval:
            request.status == .pending
                ? CollabError(.forbidden, "only the applicant and administrators remind the approvers of '\(request.id)'")
                : CollabError(.invalidTransition, "approval request '\(request.id)' is \(request.status.rawValue); nobody waits")
        case .copyApproval:
            CollabError(.forbidden, "only the applicant and the approvers of the step under way copy others on '\(request.id)'")
        default:
            CollabError(.forbidden, "only the applicant withdraws or resubmits approval request '\(request.id)'")
        }
    }

    /// Completes a change of a request from `before` to `request`: its timeline (steps started and finished,
    /// the end), the copies of steps that approved, its notices (whose turn came, the applicant and those
    /// copied when it ends or comes back), its audit event, its version and its timeout timer — and, when it
    /// finished and `applyOutcome`, the decision of the work item it is about.
    func settleApproval(
        from before: ApprovalRequest?, to request: inout ApprovalRequest, flow: ApprovalFlow, actor: Member.ID?,
        command: String, details: [String: String], into change: inout ChangeSet, now: Date, applyOutcome: Bool = true
    ) async throws(CollabError) {
        let record = RecordReference.approvalRequest(request.id)
        let oldRun = before?.run
        // Steps started and finished by this change, in order.
        let oldHistory = oldRun?.history.count ?? 0
        let oldCurrent = oldRun?.current.map { ($0.stepKey, $0.attempt) }
        var copiedNow: [Member.ID] = []
        for attempt in request.run.history.dropFirst(oldHistory) {
            if oldCurrent.map({ $0 != (attempt.stepKey, attempt.attempt) }) ?? true {
                request.events.append(.init(at: now, actorID: nil, action: .stepStarted, stepKey: attempt.stepKey,
                    attempt: attempt.attempt))
            }
            request.events.append(.init(at: now, actorID: nil, action: .stepFinished, stepKey: attempt.stepKey,
                attempt: attempt.attempt, outcome: attempt.outcome.rawValue))
            // 抄送 of a step: told once it approved.
            if attempt.outcome == .approved, let step = flow.step(attempt.stepKey), !step.cc.isEmpty {
                let cc = try await resolve(step.cc, applicant: request.applicantID,
                    decider: try await decider(of: request.subject), organizationID: request.organizationID)
                let fresh = cc.filter { !request.ccIDs.contains($0) }
                request.ccIDs += fresh
                copiedNow += fresh
            }
        }
        if let current = request.run.current, oldCurrent.map({ $0 != (current.stepKey, current.attempt) }) ?? true {
            request.events.append(.init(at: now, actorID: nil, action: .stepStarted, stepKey: current.stepKey,
                attempt: current.attempt))
        }
        if !copiedNow.isEmpty {
            request.events.append(.init(at: now, actorID: nil, action: .copied, memberIDs: copiedNow))
        }
        let finished = !request.isOpen && (before?.isOpen ?? true)
        if finished {
            request.finishedAt = now
            request.events.append(.init(at: now, actorID: actor, action: .finished, outcome: request.status.rawValue))
        }
        if let before { request.version = before.version + 1 }
        request.updatedAt = now
        let written = request
        change.approvals.requests.removeAll { $0.id == written.id }
        change.approvals.requests.append(written)
        // The work item it decides is decided in the same change.
        if finished && applyOutcome {
            try await applyApprovalOutcome(request, actor: actor, into: &change, now: now)
        }

        // Notices.
        let names = try await displayNames([request.applicantID] + (actor.map { [$0] } ?? []))
        func name(_ member: Member.ID?) -> MessageArgument {
            .text(member.map { names[$0] ?? $0.rawValue } ?? "Collab")
        }
        let stepName: (String?) -> MessageArgument = { key in
            .text(key.flatMap { flow.step($0)?.name } ?? key ?? "")
        }
        func notify(_ recipients: [Member.ID], _ kind: Notice.Kind, _ key: String, _ extra: [String: MessageArgument] = [:],
            urgency: Notice.Urgency = .normal)
        {
            var arguments: [String: MessageArgument] = [
                "title": .text(request.title), "flow": .text(request.flowName), "applicant": name(request.applicantID),
                "actor": name(actor),
            ]
            arguments.merge(extra) { _, new in new }
            var seen = Set<Member.ID>()
            for recipient in recipients where recipient != actor && seen.insert(recipient).inserted {
                change.notifications.append(recordNotice(record, organization: request.organizationID, to: recipient,
                    kind: kind, urgency: urgency, actor: actor, message: LocalizedMessage(key, arguments), at: now))
            }
        }
        let oldAwaiting = Set(before?.status == .pending ? before?.awaiting ?? [] : [])
        if request.status == .pending {
            let newlyAwaiting = request.awaiting.filter { !oldAwaiting.contains($0) }
            notify(newlyAwaiting, .approvalRequested, "notice.approval_waiting", ["step": stepName(request.run.current?.stepKey)])
        }
        let oldCC = Set(before?.ccIDs ?? [])
        notify(request.ccIDs.filter { !oldCC.contains($0) }, .approvalCopied, "notice.approval_copied")
        for event in request.events.dropFirst(before?.events.count ?? 0)
        where event.action == .reminded && event.actorID != nil {
            notify(event.memberIDs, .decisionReminder, "notice.approval_reminder", ["step": stepName(event.stepKey)],
                urgency: .urgent)
        }
        if finished || (request.status == .returned && before?.status != .returned) {
            let last = request.run.history.last
            switch request.status {
            case .approved:
                notify([request.applicantID] + request.ccIDs, .approvalResult, "notice.approval_approved")
            case .rejected:
                var reason: MessageArgument = .term("approval.reason.timeout")
                let rejection = last?.seats.lazy.flatMap(\.signers).compactMap { signer -> String? in
                    if case .rejected(let reason) = signer.decision { reason } else { nil }
                }.first
                if let rejection { reason = .text(rejection.clipped(300)) } else if last?.timeoutAction != .reject {
                    reason = .term("approval.reason.no_approver")
                }
                notify([request.applicantID] + request.ccIDs, .approvalResult, "notice.approval_rejected",
                    ["step": stepName(last?.stepKey), "reason": reason])
            case .withdrawn:
                notify(request.participantIDs.sorted() + request.ccIDs, .approvalResult, "notice.approval_withdrawn")
            case .returned:
                let reason = request.events.last { $0.action == .sentBack }?.reason ?? ""
                notify([request.applicantID], .approvalResult, "notice.approval_returned",
                    ["step": stepName(last?.stepKey), "reason": .text(reason.clipped(300))])
            case .pending:
                break
            }
        }

        // The audit event.
        var auditDetails = details
        auditDetails["status"] = request.status.rawValue
        auditDetails["run_version"] = String(request.run.version)
        if let current = request.run.current {
            auditDetails["step"] = current.stepKey
            auditDetails["attempt"] = String(current.attempt)
        }
        change.auditEvents.append(AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: request.organizationID, itemID: nil,
            actorID: actor ?? AuditEvent.systemActor, action: command, fromState: nil, toState: nil,
            details: auditDetails, occurredAt: now, record: record))

        // The timeout of the attempt under way: one pending timer per request, the others cancelled.
        change.timerPlans.append(TimerPlan(record: record, organizationID: request.organizationID,
            timers: try await approvalTimeoutTimer(of: request, flow: flow).map { [$0] } ?? []))
    }

    /// The timer of the attempt under way, when its step (or the flow) has a timeout: due after the timeout's
    /// business time from the attempt's start, under the calendar of the applicant's department (or the
    /// organization's); a `remind` timeout falls due again after each further period.
    func approvalTimeoutTimer(of request: ApprovalRequest, flow: ApprovalFlow) async throws(CollabError) -> ScheduledTimer? {
        guard request.status == .pending, let current = request.run.current, let step = flow.step(current.stepKey),
            let timeout = flow.timeout(of: step)
        else { return nil }
        let started = request.events.last {
            $0.action == .stepStarted && $0.stepKey == current.stepKey && $0.attempt == current.attempt
        }?.at ?? request.updatedAt
        // Reminders already sent by this timeout: the next falls due one period later.
        let periods = request.events.count {
            $0.action == .timedOut && $0.stepKey == current.stepKey && $0.attempt == current.attempt
        } + 1
        let span = timeout.after * periods
        let calendar = try await directory.calendar(for: request.organizationID, department: request.departmentID)
        let due = calendar?.addingWorkingTime(span, to: started)
            ?? started.addingTimeInterval(span.timeInterval)
        let record = RecordReference.approvalRequest(request.id)
        return ScheduledTimer(
            id: "\(record)|timeout|\(current.stepKey)|\(current.attempt)|\(periods)", record: record,
            organizationID: request.organizationID, kind: .approvalTimeout, detail: "\(current.attempt)|\(current.stepKey)",
            fireAt: due)
    }

    /// A step's timeout fell due: applies its action to the attempt it was set for (nothing when that attempt
    /// ended meanwhile). Returns who was told.
    func fireApprovalTimeout(_ timer: ScheduledTimer, into change: inout ChangeSet, now: Date) async throws(CollabError)
        -> [Member.ID]
    {
        guard let before = try await store.approvalRequest(ApprovalRequest.ID(timer.record.id)), before.status == .pending,
            let current = before.run.current
        else { return [] }
        let parts = timer.detail.split(separator: "|", maxSplits: 1).map(String.init)
        guard parts.count == 2, let attempt = Int(parts[0]), parts[1] == current.stepKey, attempt == current.attempt
        else { return [] }
        let flow = try await flowVersion(of: before)
        guard let step = flow.step(current.stepKey), let timeout = flow.timeout(of: step) else { return [] }
        let resolver = try await approverResolver(for: flow, applicant: before.applicantID, subject: before.subject,
            extra: current.signers)
        var request = before
        let waiting = current.awaiting
        try request.run.timeOut(stepKey: current.stepKey, attempt: current.attempt, action: timeout.action,
            expectedVersion: request.run.version, flow: flow, resolver: resolver)
        // The event names whom it concerns: the new holders of an escalation (their wait starts now), else those
        // who were waiting.
        let concerned = timeout.action == .escalate
            ? (request.run.attempts.last { $0.stepKey == current.stepKey && $0.attempt == current.attempt }?.awaiting ?? [])
                .filter { !waiting.contains($0) }
            : waiting
        request.events.append(.init(at: now, actorID: nil, action: .timedOut, stepKey: current.stepKey,
            attempt: current.attempt, memberIDs: concerned, detail: timeout.action.rawValue))
        if timeout.action == .remind {
            request.events.append(.init(at: now, actorID: nil, action: .reminded, stepKey: current.stepKey,
                attempt: current.attempt, memberIDs: waiting))
        }
        try await settleApproval(from: before, to: &request, flow: flow, actor: nil, command: "approval_timeout",
            details: ["timeout": timeout.action.rawValue, "timer": timer.id], into: &change, now: now)
        // A reminder tells those whose turn it is that the step is overdue; an escalation's new holders were
        // told the request waits for them.
        if timeout.action == .remind {
            for member in request.awaiting {
                change.notifications.append(recordNotice(.approvalRequest(request.id), organization: request.organizationID,
                    to: member, kind: .decisionReminder, urgency: .urgent, actor: nil,
                    message: LocalizedMessage("notice.approval_overdue", [
                        "title": .text(request.title), "step": .text(step.name),
                    ]), at: now))
            }
        }
        return Array(Set(change.notifications.map(\.recipientID))).sorted()
    }
}

extension WorkflowEngine {
    // MARK: Flows

    /// Plans ``ApprovalDesk/saveFlow(_:id:by:expectedVersion:idempotencyKey:)``.
    func planSaveFlow(_ draft: ApprovalFlowDraft, id: ApprovalFlow.ID?, expectedVersion: Int?, _ planning: Planning)
        async throws(CollabError) -> Planned<ApprovalFlow>
    {
        let subject = planning.subject
        let organizationID = subject.organizationID
        try authorize(subject, .defineApprovalFlow, on: .organization(organizationID),
            otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not save approval flows: administrators do"))
        var version = 1
        var flowID = ApprovalFlow.ID(identifiers.next())
        if let id {
            guard let latest = try await store.approvalFlow(id, version: nil), latest.organizationID == organizationID else {
                throw CollabError.notFound("approval flow", id.rawValue)
            }
            if let expectedVersion, expectedVersion != latest.version {
                throw CollabError(.conflict,
                    "approval flow '\(id)' is at version \(latest.version), not \(expectedVersion): someone saved it first")
            }
            version = latest.version + 1
            flowID = id
        }
        var report = draft.validate(limits: configuration.limits)
        // The members and departments the flow names must exist in the organization.
        var named: [Member.ID] = []
        var departments: Set<Department.ID> = []
        for source in draft.steps.flatMap({ $0.approvers + $0.cc }) {
            switch source {
            case .members(let ids): named += ids
            case .role(_, let department), .departmentHeads(let department): departments.insert(department)
            case .applicantHeads, .group, .decider: break
            }
        }
        let known = Set(try await activeMembers(named, of: organizationID))
        let knownDepartments = Set(try await directory.departments(departments)
            .filter { $0.organizationID == organizationID }.map(\.id))
        for (index, step) in draft.steps.enumerated() {
            let key = step.key.isEmpty ? String(index) : step.key.clipped()
            for (list, sources) in [("approvers", step.approvers), ("cc", step.cc)] {
                for (position, source) in sources.enumerated() {
                    let field = "steps[\(key)].\(list)[\(position)]"
                    switch source {
                    case .members(let ids):
                        for member in ids where !known.contains(member) {
                            report.add(field, .unknownMember,
                                "'\(member.rawValue.clipped())' is not an active member of the organization")
                        }
                    case .role(_, let department), .departmentHeads(let department):
                        if !knownDepartments.contains(department) {
                            report.add(field, .unknownDepartment,
                                "'\(department.rawValue.clipped())' is not a department of the organization")
                        }
                    case .applicantHeads, .group, .decider:
                        break
                    }
                }
            }
        }
        try report.throwIfInvalid()
        let flow = try ApprovalFlow(id: flowID, organizationID: organizationID, version: version, draft: draft,
            savedBy: subject.memberID, savedAt: planning.now, limits: configuration.limits)
        var change = ChangeSet()
        change.approvals.flows = [flow]
        change.auditEvents = [AuditEvent(
            id: AuditEvent.ID(identifiers.next()), organizationID: organizationID, itemID: nil, actorID: subject.memberID,
            action: "save_approval_flow", fromState: nil, toState: nil,
            details: ["version": String(version), "name": flow.name, "steps": flow.steps.map(\.key).joined(separator: ",")],
            occurredAt: planning.now, record: .approvalFlow(flowID))]
        return Planned(change, flow)
    }

    // MARK: Submitting

    /// Plans ``ApprovalDesk/submit(_:values:title:cc:by:idempotencyKey:)``.
    func planSubmitApproval(
        _ flowID: ApprovalFlow.ID, values: ApprovalFormValues, title: String?, cc: [Member.ID], _ planning: Planning
    ) async throws(CollabError) -> Planned<ApprovalRequest> {
        let subject = planning.subject
        // A flow of another organization reads as one that does not exist; a member of the organization who
        // may not submit (a host rule) is refused.
        guard let flow = try await store.approvalFlow(flowID, version: nil), flow.organizationID == subject.organizationID,
            !subject.isExternal
        else { throw CollabError.notFound("approval flow", flowID.rawValue) }
        try authorize(subject, .submitApproval, on: .organization(subject.organizationID),
            otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not submit approval requests"))
        var change = ChangeSet()
        let request = try await submitApproval(flow, values: values, title: title, cc: cc, by: subject, about: .standalone,
            into: &change, now: planning.now)
        return Planned(change, request)
    }

    /// Starts a request of `applicant` on `flow` about `requestSubject`, in `change`: checks the title, the
    /// copies and the values, resolves the approvers and enters the first step.
    func submitApproval(
        _ flow: ApprovalFlow, values: ApprovalFormValues, title: String?, cc: [Member.ID], by applicant: Subject,
        about requestSubject: ApprovalRequest.Subject, into change: inout ChangeSet,
        now: Date, applyOutcome: Bool = true
    ) async throws(CollabError) -> ApprovalRequest {
        let applicantID = applicant.memberID
        var report = ValidationReport()
        let applicantMember = try await directory.member(applicantID)
        let displayName = applicantMember?.displayName ?? applicantID.rawValue
        let knownCC = Set(try await activeMembers(cc, of: flow.organizationID))
        let title = title ?? "\(flow.name) · \(displayName)".clipped(configuration.limits.titleLength)
        report.checkText(title, field: "title", maxLength: configuration.limits.titleLength)
        if cc.count > configuration.approvals.copyLimit {
            report.add("cc", .tooLong, "copies \(cc.count) members, at most \(configuration.approvals.copyLimit)")
        }
        for (index, copied) in cc.enumerated() where !knownCC.contains(copied) {
            report.add("cc[\(index)]", .unknownMember, "'\(copied.rawValue.clipped())' is not an active member of the organization")
        }
        report.merge(flow.validate(values: values, limits: configuration.limits))
        try report.throwIfInvalid()
        let resolver = try await approverResolver(for: flow, applicant: applicantID, subject: requestSubject)
        let run = try ApprovalRun.start(flow: flow, applicant: applicantID, values: values, resolver: resolver,
            limits: configuration.limits)
        var copied: [Member.ID] = []
        for member in cc where !copied.contains(member) { copied.append(member) }
        var events: [ApprovalRequest.Event] = [.init(at: now, actorID: applicantID, action: .submitted)]
        if !copied.isEmpty { events.append(.init(at: now, actorID: applicantID, action: .copied, memberIDs: copied)) }
        var request = ApprovalRequest(
            id: ApprovalRequest.ID(identifiers.next()), organizationID: flow.organizationID, title: title,
            flowName: flow.name, subject: requestSubject,
            departmentID: applicantMember?.departments.first?.departmentID, run: run, ccIDs: copied,
            events: events, createdAt: now)
        try await settleApproval(from: nil, to: &request, flow: flow, actor: applicantID, command: "submit_approval",
            details: ["flow": flow.id.rawValue, "flow_version": String(flow.version), "subject": requestSubject.stored],
            into: &change, now: now, applyOutcome: applyOutcome)
        return request
    }

    // MARK: Deactivated approvers

    /// See ``ApprovalDesk/replaceDeactivatedApprovers(in:)``.
    func replaceDeactivatedApprovers(in organizationID: Organization.ID) async throws(CollabError) -> Int {
        var changed = 0
        var cursor: String?
        repeat {
            let page = try await store.approvalRequests(in: organizationID,
                matching: ApprovalRequestFilter(status: .pending), page: PageRequest(limit: 200, cursor: cursor))
            cursor = page.nextCursor
            let undecided = Set(page.items.flatMap { request in
                request.run.current?.seats.flatMap { $0.signers.filter { $0.decision == nil }.map(\.memberID) } ?? []
            })
            guard !undecided.isEmpty else { continue }
            let active = Set(try await store.members(undecided).filter(\.isActive).map(\.id))
            for request in page.items {
                let gone = request.run.current?.seats.flatMap { $0.signers.filter { $0.decision == nil }.map(\.memberID) }
                    .filter { !active.contains($0) } ?? []
                guard !gone.isEmpty else { continue }
                do {
                    _ = try await runEffect("replace_approver") { now throws(CollabError) in
                        try await self.planReplaceApprovers(request.id, now: now)
                    }
                    changed += 1
                } catch where error.code == .conflict {
                    // Someone acted on the request meanwhile: the next sweep looks again.
                    logger.debug("approval request changed while its approvers were replaced", metadata: [
                        "request": "\(request.id)",
                    ])
                }
            }
        } while cursor != nil
        return changed
    }

    /// Plans the replacement of every deactivated undecided signer of a request's step under way.
    private func planReplaceApprovers(_ id: ApprovalRequest.ID, now: Date) async throws(CollabError) -> Planned<Bool> {
        guard let before = try await store.approvalRequest(id), before.status == .pending, let current = before.run.current
        else { return Planned(ChangeSet(), false) }
        let flow = try await flowVersion(of: before)
        let undecided = current.seats.flatMap { $0.signers.filter { $0.decision == nil }.map(\.memberID) }
        let active = Set(try await activeMembers(undecided, of: before.organizationID))
        let gone = undecided.filter { !active.contains($0) }
        guard !gone.isEmpty else { return Planned(ChangeSet(), false) }
        let resolver = try await approverResolver(for: flow, applicant: before.applicantID, subject: before.subject,
            extra: current.signers, forReplacement: true)
        var request = before
        for member in gone where request.status == .pending && request.run.current?.stepKey == current.stepKey
            && request.run.current?.attempt == current.attempt
        {
            let taken = try request.run.replaceApprover(member, expectedVersion: request.run.version, flow: flow,
                resolver: resolver)
            request.events.append(.init(at: now, actorID: nil, action: .replaced, stepKey: current.stepKey,
                attempt: current.attempt, memberIDs: taken, detail: member.rawValue))
        }
        var change = ChangeSet()
        try await settleApproval(from: before, to: &request, flow: flow, actor: nil, command: "replace_approver",
            details: ["deactivated": gone.map(\.rawValue).joined(separator: ",")], into: &change,
            now: now)
        return Planned(change, true)
    }
}
