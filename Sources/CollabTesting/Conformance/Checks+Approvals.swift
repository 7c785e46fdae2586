import CollabModel
import CollabStore
import Foundation

/// A small approval world: flows of three steps (`head` → `finance`, any one of two → `manager`) whose
/// approvers are resolved from data, and requests built and moved on with the model's own operations.
enum ApprovalWorld {
    /// The default seed of the generated requests.
    static let seed: UInt64 = 0xA9_9120_7A1

    static let head: Member.ID = "ap-head"
    static let finance: [Member.ID] = ["ap-fin1", "ap-fin2"]
    static let manager: Member.ID = "ap-gm"
    /// Whom a finance approver transfers their place to.
    static let deputy: Member.ID = "ap-deputy"
    static let copied: Member.ID = "ap-cc"
    static let applicants: [Member.ID] = ["ap-zhang", "ap-chen", "ap-sun"]
    /// Every member a filter may name, and one who is on nothing.
    static let members: [Member.ID] = applicants + [head] + finance + [manager, deputy, copied, "ap-nobody"]

    static let resolver = ResolvedApprovers(byStep: ["head": [head], "finance": finance, "manager": [manager]])

    static func draft(_ name: String) -> ApprovalFlowDraft {
        ApprovalFlowDraft(name: name, steps: [
            ApprovalStep(key: "head", name: "Head", approvers: [.members(ids: [head])]),
            ApprovalStep(key: "finance", name: "Finance", approvers: [.members(ids: finance)], mode: .any),
            ApprovalStep(key: "manager", name: "Manager", approvers: [.members(ids: [manager])]),
        ])
    }

    static func flow(
        _ id: ApprovalFlow.ID, version: Int = 1, name: String, in organization: Organization.ID = "acme",
        savedAt: Date = ConformanceContext.t0
    ) throws -> ApprovalFlow {
        try ApprovalFlow(id: id, organizationID: organization, version: version, draft: draft(name), savedBy: "boss",
            savedAt: savedAt)
    }

    /// A new request (version 1) on `flow`, waiting for the first step.
    static func request(
        _ id: String, flow: ApprovalFlow, applicant: Member.ID = "ap-zhang", subject: ApprovalRequest.Subject = .standalone,
        cc: [Member.ID] = [], created: Date
    ) throws -> ApprovalRequest {
        let run = try ApprovalRun.start(flow: flow, applicant: applicant, values: [:], resolver: resolver)
        return ApprovalRequest(
            id: ApprovalRequest.ID(id), organizationID: flow.organizationID, title: "Request \(id)", flowName: flow.name,
            subject: subject, departmentID: nil, run: run, ccIDs: cc,
            events: [
                .init(at: created, actorID: applicant, action: .submitted),
                .init(at: created, actorID: nil, action: .stepStarted, stepKey: run.current?.stepKey, attempt: 1),
            ],
            createdAt: created)
    }

    /// The next version of `request` after `change` moved its run, with an event of `action` by `actor`.
    static func next(
        _ request: ApprovalRequest, _ action: ApprovalRequest.Event.Action, by actor: Member.ID?,
        _ change: (inout ApprovalRun) throws -> Void
    ) throws -> ApprovalRequest {
        var next = request
        try change(&next.run)
        next.version = request.version + 1
        next.updatedAt = request.updatedAt.addingTimeInterval(60)
        next.events.append(.init(at: next.updatedAt, actorID: actor, action: action,
            stepKey: request.run.current?.stepKey, attempt: request.run.current?.attempt))
        if !next.isOpen { next.finishedAt = next.updatedAt }
        return next
    }

    /// `request` approved by the first member whose turn it is.
    static func approved(_ request: ApprovalRequest, flow: ApprovalFlow) throws -> ApprovalRequest {
        guard let member = request.awaiting.first else {
            throw CollabError(.conflict, "nobody to approve \(request.id)")
        }
        return try next(request, .approved, by: member) {
            try $0.approve(by: member, expectedVersion: $0.version, flow: flow, resolver: resolver)
        }
    }

    /// Newest first: by creation time, then by id, descending.
    static func newestFirst(_ requests: [ApprovalRequest]) -> [ApprovalRequest.ID] {
        requests.sorted { a, b in
            a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id.rawValue > b.id.rawValue
        }.map(\.id)
    }
}

extension ConformanceContext {
    /// Commits approval flows and requests with nothing else.
    func commitApprovals(flows: [ApprovalFlow] = [], requests: [ApprovalRequest] = []) async throws {
        var change = ChangeSet()
        change.approvals.flows = flows
        change.approvals.requests = requests
        _ = try await store.commit(change)
    }

    /// The ids of an organization's requests matching `filter`, in one page of 500.
    func approvalIDs(_ filter: ApprovalRequestFilter, in organization: Organization.ID = "acme") async throws
        -> [ApprovalRequest.ID]
    {
        let page = try await store.approvalRequests(in: organization, matching: filter, page: PageRequest(limit: 500))
        try equal(page.nextCursor, nil, "the cursor after one page of every request matching \(filter)")
        return page.items.map(\.id)
    }
}

extension StoreConformance {
    static let approvalChecks: [Check] = [
        Check(.approvals, "flow-versions",
            "approvalFlow(_:version:) reads the latest version when nil and any saved one by number (nil for an unknown version or flow); approvalFlows(in:) lists the latest version of each of the organization's flows by name then id; approvalFlowVersions lists every version oldest first.") { ctx in
            let purchase1 = try ApprovalWorld.flow("fl-purchase", name: "Alpha purchase")
            let leaveZ = try ApprovalWorld.flow("fl-z-leave", name: "Leave")
            let leaveA = try ApprovalWorld.flow("fl-a-leave", name: "Leave")
            let other = try ApprovalWorld.flow("fl-other", name: "Aaa other", in: "globex")
            try await ctx.commitApprovals(flows: [purchase1, leaveZ, other])
            let purchase2 = try ApprovalWorld.flow("fl-purchase", version: 2, name: "Zeta purchase", savedAt: ctx.at(3600))
            try await ctx.commitApprovals(flows: [purchase2, leaveA])

            try ctx.equal(try await ctx.store.approvalFlow("fl-purchase", version: nil), purchase2, "the latest purchase flow")
            try ctx.equal(try await ctx.store.approvalFlow("fl-purchase", version: 1), purchase1, "purchase flow version 1")
            try ctx.equal(try await ctx.store.approvalFlow("fl-purchase", version: 2), purchase2, "purchase flow version 2")
            try ctx.equal(try await ctx.store.approvalFlow("fl-purchase", version: 3), nil, "a version never saved")
            try ctx.equal(try await ctx.store.approvalFlow("fl-ghost", version: nil), nil, "an unknown flow")
            try ctx.equal(try await ctx.store.approvalFlow("fl-ghost", version: 1), nil, "version 1 of an unknown flow")
            try ctx.equal(try await ctx.store.approvalFlows(in: "acme"), [leaveA, leaveZ, purchase2],
                "acme's flows, latest versions by name then id")
            try ctx.equal(try await ctx.store.approvalFlows(in: "globex"), [other], "globex's flows")
            try ctx.equal(try await ctx.store.approvalFlows(in: "initech"), [], "the flows of an organization with none")
            try ctx.equal(try await ctx.store.approvalFlowVersions("fl-purchase"), [purchase1, purchase2],
                "the purchase flow's versions, oldest first")
            try ctx.equal(try await ctx.store.approvalFlowVersions("fl-ghost"), [], "the versions of an unknown flow")
        },
        Check(.approvals, "flow-version-conflict",
            "Saving a flow version that exists fails with conflict and writes nothing of the change: not the flow's new text, not another flow version, request or audit event in the same change.") { ctx in
            try await ctx.basicWorld()
            let item = try await ctx.item()
            let v1 = try ApprovalWorld.flow("fl-purchase", name: "Purchase")
            try await ctx.commitApprovals(flows: [v1])
            var again = try ApprovalWorld.flow("fl-purchase", name: "Purchase, saved twice", savedAt: ctx.at(60))
            again.savedBy = "rev"
            let v2 = try ApprovalWorld.flow("fl-purchase", version: 2, name: "Purchase 2", savedAt: ctx.at(60))
            let request = try ApprovalWorld.request("ar-1", flow: v1, created: ctx.at(60))
            for flows in [[again], [v2, again]] {
                var change = ChangeSet()
                change.approvals.flows = flows
                change.approvals.requests = [request]
                change.auditEvents = [ctx.audit(item, action: "flow-saved")]
                try await ctx.expectError(.conflict, "saving version 1 again (with \(flows.map(\.version)))") {
                    try await ctx.store.commit(change)
                }
                try ctx.equal(try await ctx.store.approvalFlowVersions("fl-purchase"), [v1], "the flow's versions")
                try ctx.equal(try await ctx.store.approvalRequest("ar-1"), nil, "the request of the refused change")
                try ctx.equal(try await ctx.store.auditTrail(of: item.id).count, 0, "audit events of the refused change")
            }
            try await ctx.commitApprovals(flows: [v2], requests: [request])
            try ctx.equal(try await ctx.store.approvalFlow("fl-purchase", version: nil), v2, "the latest flow after saving version 2")
        },
        Check(.approvals, "request-versions",
            "A request inserts at version 1 and updates only from the version before: a stale or skipped version, version 1 again, or an update of a request never stored fails with conflict and writes nothing of the change (another request in it stays absent).") { ctx in
            let flow = try ApprovalWorld.flow("fl-purchase", name: "Purchase")
            try await ctx.commitApprovals(flows: [flow])
            let v1 = try ApprovalWorld.request("ar-1", flow: flow, created: ctx.at(60))
            try await ctx.commitApprovals(requests: [v1])
            try ctx.equal(try await ctx.store.approvalRequest("ar-1"), v1, "the inserted request")
            let v2 = try ApprovalWorld.approved(v1, flow: flow)
            try await ctx.commitApprovals(requests: [v2])
            try ctx.equal(try await ctx.store.approvalRequest("ar-1"), v2, "the request at version 2")

            let bystander = try ApprovalWorld.request("ar-bystander", flow: flow, created: ctx.at(120))
            var stale = v1
            stale.title = "planned on version 1"
            stale.version = 2
            var skipped = v2
            skipped.title = "skips version 3"
            skipped.version = 4
            var twice = v1
            twice.title = "inserted twice"
            for (what, request) in [("an update from stale version 1", stale), ("an update to version 4", skipped),
                ("version 1 inserted again", twice)]
            {
                try await ctx.expectError(.conflict, what) {
                    try await ctx.store.commit({
                        var change = ChangeSet()
                        change.approvals.requests = [bystander, request]
                        return change
                    }())
                }
                try ctx.equal(try await ctx.store.approvalRequest("ar-1"), v2, "the request after \(what)")
                try ctx.equal(try await ctx.store.approvalRequest("ar-bystander"), nil,
                    "the other request of the change refused for \(what)")
            }
            try ctx.equal(try await ctx.approvalIDs(.init(awaiting: ApprovalWorld.finance[0])), ["ar-1"],
                "the requests awaiting finance after the refused changes")
            // An update of a request never stored: none is stored at the version before, so conflict.
            var unknown = v2
            unknown.id = "ar-ghost"
            try await ctx.expectError(.conflict, "an update of a request never stored") {
                try await ctx.store.commit({
                    var change = ChangeSet()
                    change.approvals.requests = [bystander, unknown]
                    return change
                }())
            }
            try ctx.equal(try await ctx.store.approvalRequest("ar-ghost"), nil, "the request never stored")
            try ctx.equal(try await ctx.store.approvalRequest("ar-bystander"), nil, "the other request of that change")
            let v3 = try ApprovalWorld.approved(v2, flow: flow)
            try await ctx.commitApprovals(requests: [bystander, v3])
            try ctx.equal(try await ctx.store.approvalRequest("ar-1"), v3, "the request at version 3")
            try ctx.equal(try await ctx.store.approvalRequest("ar-bystander"), bystander, "the other request")
            try ctx.equal(try await ctx.store.approvalRequest("ar-ghost-2"), nil, "an unknown request")
        },
        Check(.approvals, "request-round-trip",
            "A request reads back equal to what was committed, by id and in a list: its run with history, a transfer and an added signer, its copies, its timeline with every field, its times and its subject.") { ctx in
            let flow = try ApprovalWorld.flow("fl-purchase", name: "采购申请 · IT")
            try await ctx.commitApprovals(flows: [flow])
            var request = try ApprovalWorld.request("ar-rich", flow: flow, applicant: "ap-chen",
                subject: .adjustment("adj-1", item: "item-1"), cc: [ApprovalWorld.copied, "ap-sun"], created: ctx.at(30))
            request.departmentID = "eng"
            try await ctx.commitApprovals(requests: [request])
            request = try ApprovalWorld.approved(request, flow: flow)
            try await ctx.commitApprovals(requests: [request])
            request = try ApprovalWorld.next(request, .transferred, by: ApprovalWorld.finance[0]) {
                try $0.transfer(from: ApprovalWorld.finance[0], to: ApprovalWorld.deputy, expectedVersion: $0.version, flow: flow)
            }
            try await ctx.commitApprovals(requests: [request])
            request = try ApprovalWorld.next(request, .signerAdded, by: ApprovalWorld.deputy) {
                try $0.addSigner("ap-extra", .after, by: ApprovalWorld.deputy, expectedVersion: $0.version, flow: flow)
            }
            try await ctx.commitApprovals(requests: [request])
            request.events.append(.init(at: ctx.at(500), actorID: "ap-chen", action: .reminded, stepKey: "finance",
                attempt: 1, memberIDs: [ApprovalWorld.deputy, ApprovalWorld.finance[1]], outcome: "none",
                reason: "请尽快 — «urgent»", detail: "manual\nsecond line"))
            request.remindedAt = ctx.at(500)
            request.updatedAt = ctx.at(500)
            request.title = "采购申请 · 12,500 · IT \"quoted\" 'single' \\ back"
            request.version += 1
            try await ctx.commitApprovals(requests: [request])
            try ctx.expect(request.run.history.count == 1 && request.run.current?.stepKey == "finance",
                "a run with one finished attempt and finance under way", found: "\(request.run.attempts.map(\.stepKey))")
            try ctx.equal(try await ctx.store.approvalRequest("ar-rich"), request, "the stored request")
            try ctx.equal(try await ctx.store.approvalRequests(in: "acme", matching: .all, page: .first).items, [request],
                "acme's requests")

            var finished = try ApprovalWorld.request("ar-done", flow: flow, created: ctx.at(40))
            try await ctx.commitApprovals(requests: [finished])
            for _ in 0..<3 {
                finished = try ApprovalWorld.approved(finished, flow: flow)
                try await ctx.commitApprovals(requests: [finished])
            }
            try ctx.equal(finished.status, .approved, "the finished request's status")
            try ctx.expect(finished.finishedAt != nil, "a finish time", found: "nil")
            try ctx.equal(try await ctx.store.approvalRequest("ar-done"), finished, "the stored finished request")
        },
        Check(.approvals, "filter-involving-awaiting",
            "involving finds the applicant, the signers, those copied and whoever transferred their place; awaiting follows the run: after an approval the next step's approvers are awaiting and the former are not, after a transfer the new holder is, and nobody once it finished.") { ctx in
            let flow = try ApprovalWorld.flow("fl-purchase", name: "Purchase")
            try await ctx.commitApprovals(flows: [flow])
            var request = try ApprovalWorld.request("ar-1", flow: flow, cc: [ApprovalWorld.copied], created: ctx.at(60))
            let quiet = try ApprovalWorld.request("ar-quiet", flow: flow, applicant: "ap-sun", created: ctx.at(30))
            try await ctx.commitApprovals(requests: [request, quiet])
            let fin1 = ApprovalWorld.finance[0], fin2 = ApprovalWorld.finance[1]

            func expectMembers(_ stage: String, involving: [Member.ID], awaiting: [Member.ID]) async throws {
                for member in ApprovalWorld.members {
                    let involved = try await ctx.approvalIDs(.init(involving: member)).contains("ar-1")
                    try ctx.equal(involved, involving.contains(member), "\(stage): whether ar-1 involves \(member)")
                    try ctx.equal(involved, request.involvedMemberIDs.contains(member),
                        "\(stage): the store and involvedMemberIDs agreeing on \(member)")
                    let waiting = try await ctx.approvalIDs(.init(awaiting: member)).contains("ar-1")
                    try ctx.equal(waiting, awaiting.contains(member), "\(stage): whether ar-1 awaits \(member)")
                    try ctx.equal(waiting, request.awaiting.contains(member),
                        "\(stage): the store and awaiting agreeing on \(member)")
                }
            }

            try await expectMembers("submitted", involving: ["ap-zhang", ApprovalWorld.copied, ApprovalWorld.head],
                awaiting: [ApprovalWorld.head])
            try ctx.equal(try await ctx.approvalIDs(.init(involving: ApprovalWorld.head)), ["ar-1", "ar-quiet"],
                "the requests involving the head")
            request = try ApprovalWorld.approved(request, flow: flow)
            try await ctx.commitApprovals(requests: [request])
            try await expectMembers("after the head approved",
                involving: ["ap-zhang", ApprovalWorld.copied, ApprovalWorld.head, fin1, fin2], awaiting: [fin1, fin2])
            request = try ApprovalWorld.next(request, .transferred, by: fin1) {
                try $0.transfer(from: fin1, to: ApprovalWorld.deputy, expectedVersion: $0.version, flow: flow)
            }
            try await ctx.commitApprovals(requests: [request])
            try await expectMembers("after finance 1 transferred their place",
                involving: ["ap-zhang", ApprovalWorld.copied, ApprovalWorld.head, fin1, fin2, ApprovalWorld.deputy],
                awaiting: [ApprovalWorld.deputy, fin2])
            request = try ApprovalWorld.approved(request, flow: flow)
            try await ctx.commitApprovals(requests: [request])
            let all: [Member.ID] = ["ap-zhang", ApprovalWorld.copied, ApprovalWorld.head, fin1, fin2, ApprovalWorld.deputy,
                ApprovalWorld.manager]
            try await expectMembers("after finance approved", involving: all, awaiting: [ApprovalWorld.manager])
            request = try ApprovalWorld.next(request, .rejected, by: ApprovalWorld.manager) {
                try $0.reject(by: ApprovalWorld.manager, reason: "No budget", expectedVersion: $0.version, flow: flow,
                    resolver: ApprovalWorld.resolver)
            }
            try await ctx.commitApprovals(requests: [request])
            try await expectMembers("after the manager rejected", involving: all, awaiting: [])
            try ctx.equal(try await ctx.approvalIDs(.init(awaiting: ApprovalWorld.head)), ["ar-quiet"],
                "the requests awaiting the head at the end")
        },
        Check(.approvals, "filter-fields",
            "applicant, status, flowID, subject (standalone, a work item's review, an adjustment of the same item), createdFrom (inclusive) and createdBefore (exclusive) each keep exactly the matching requests; another organization's requests are never returned.") { ctx in
            let purchase = try ApprovalWorld.flow("fl-purchase", name: "Purchase")
            let leave = try ApprovalWorld.flow("fl-leave", name: "Leave")
            let foreign = try ApprovalWorld.flow("fl-foreign", name: "Foreign", in: "globex")
            try await ctx.commitApprovals(flows: [purchase, leave, foreign])
            let a = try ApprovalWorld.request("ar-a", flow: purchase, applicant: "ap-zhang", created: ctx.at(0))
            let b = try ApprovalWorld.request("ar-b", flow: leave, applicant: "ap-chen",
                subject: .workItemReview("item-1"), created: ctx.at(3600))
            var c = try ApprovalWorld.request("ar-c", flow: purchase, applicant: "ap-chen",
                subject: .adjustment("adj-1", item: "item-1"), created: ctx.at(7200))
            let d = try ApprovalWorld.request("ar-d", flow: purchase, applicant: "ap-zhang",
                subject: .workItemReview("item-2"), created: ctx.at(7200))
            // globex's requests match every filter below but their organization.
            let g1 = try ApprovalWorld.request("ar-g1", flow: foreign, applicant: "ap-zhang", cc: [ApprovalWorld.copied],
                created: ctx.at(3600))
            let g2 = try ApprovalWorld.request("ar-g2", flow: foreign, applicant: "ap-chen",
                subject: .workItemReview("item-1"), created: ctx.at(7200))
            try await ctx.commitApprovals(requests: [a, b, c, d, g1, g2])
            c = try ApprovalWorld.next(c, .withdrawn, by: "ap-chen") { try $0.withdraw(by: "ap-chen", expectedVersion: $0.version) }
            try await ctx.commitApprovals(requests: [c])
            let acme = [a, b, c, d]
            let filters: [(String, ApprovalRequestFilter, [ApprovalRequest.ID])] = [
                ("every request", .all, ["ar-d", "ar-c", "ar-b", "ar-a"]),
                ("applicant ap-chen", .init(applicant: "ap-chen"), ["ar-c", "ar-b"]),
                ("applicant ap-nobody", .init(applicant: "ap-nobody"), []),
                ("status pending", .init(status: .pending), ["ar-d", "ar-b", "ar-a"]),
                ("status withdrawn", .init(status: .withdrawn), ["ar-c"]),
                ("status approved", .init(status: .approved), []),
                ("flow fl-leave", .init(flowID: "fl-leave"), ["ar-b"]),
                ("flow fl-purchase", .init(flowID: "fl-purchase"), ["ar-d", "ar-c", "ar-a"]),
                ("flow fl-foreign", .init(flowID: "fl-foreign"), []),
                ("standalone", .init(subject: .standalone), ["ar-a"]),
                ("the review of item-1", .init(subject: .workItemReview("item-1")), ["ar-b"]),
                ("the adjustment adj-1", .init(subject: .adjustment("adj-1", item: "item-1")), ["ar-c"]),
                ("the review of item-9", .init(subject: .workItemReview("item-9")), []),
                ("created from 1 h", .init(createdFrom: ctx.at(3600)), ["ar-d", "ar-c", "ar-b"]),
                ("created before 2 h", .init(createdBefore: ctx.at(7200)), ["ar-b", "ar-a"]),
                ("created in [1 h, 2 h)", .init(createdFrom: ctx.at(3600), createdBefore: ctx.at(7200)), ["ar-b"]),
                ("created in [2 h, 2 h)", .init(createdFrom: ctx.at(7200), createdBefore: ctx.at(7200)), []),
                ("ap-chen's pending", .init(applicant: "ap-chen", status: .pending), ["ar-b"]),
                ("copied to ap-cc", .init(involving: ApprovalWorld.copied), []),
            ]
            for (name, filter, expected) in filters {
                try ctx.equal(try await ctx.approvalIDs(filter), expected, "acme's requests: \(name)")
                try ctx.equal(ApprovalWorld.newestFirst(acme.filter(filter.matches)), expected,
                    "ApprovalRequestFilter.matches agreeing with the check on \(name)")
            }
            try ctx.equal(try await ctx.approvalIDs(.all, in: "globex"), ["ar-g2", "ar-g1"], "globex's requests")
            try ctx.equal(try await ctx.approvalIDs(.init(involving: ApprovalWorld.copied), in: "globex"), ["ar-g1"],
                "globex's requests copied to ap-cc")
            try ctx.equal(try await ctx.approvalIDs(.all, in: "initech"), [], "the requests of an organization with none")
        },
        Check(.approvals, "filters-match-reference",
            "For generated requests moved on by approvals, transfers, rejections, send-backs and withdrawals (seed 0xA991207A1), approvalRequests(in:matching:page:) returns exactly what ApprovalRequestFilter.matches keeps of the organization's requests, newest first, for every single condition and some combinations; walking in pages gives the same.") { ctx in
            let generated = try await generatedRequests(ctx)
            let reference = generated.requests
            let acme = reference.filter { $0.organizationID == "acme" }
            for status in [ApprovalRun.Status.pending, .approved, .rejected, .returned, .withdrawn] {
                try ctx.expect(acme.contains { $0.status == status }, "a generated request \(status.rawValue)",
                    found: "none among \(acme.count)")
            }
            var filters: [ApprovalRequestFilter] = [.all]
            for member in ApprovalWorld.members {
                filters += [.init(involving: member), .init(awaiting: member), .init(applicant: member)]
            }
            filters += ApprovalRun.Status.allCases.map { .init(status: $0) }
            filters += generated.flows.map { .init(flowID: $0.id) }
            filters += generated.subjects.map { .init(subject: $0) }
            filters += [
                .init(createdFrom: ctx.at(4 * 3600)), .init(createdBefore: ctx.at(4 * 3600)),
                .init(createdFrom: ctx.at(2 * 3600), createdBefore: ctx.at(7 * 3600)),
                .init(involving: "ap-zhang", status: .pending),
                .init(awaiting: ApprovalWorld.finance[0], flowID: generated.flows[0].id),
                .init(involving: ApprovalWorld.copied, applicant: "ap-chen", subject: .standalone),
                .init(applicant: "ap-sun", status: .returned, createdFrom: ctx.at(3600)),
                .init(involving: ApprovalWorld.deputy, awaiting: ApprovalWorld.deputy),
            ]
            for filter in filters {
                let expected = ApprovalWorld.newestFirst(acme.filter(filter.matches))
                try ctx.equal(try await ctx.approvalIDs(filter), expected, "acme's requests matching \(filter)")
            }
            for filter in filters.prefix(4) {
                _ = try await pagesAgree(ctx, "acme's requests matching \(filter)", limits: [1, 4],
                    key: \ApprovalRequest.id) {
                    try await ctx.store.approvalRequests(in: "acme", matching: filter, page: $0)
                }
            }
            let globex = reference.filter { $0.organizationID == "globex" }
            try ctx.equal(try await ctx.approvalIDs(.all, in: "globex"), ApprovalWorld.newestFirst(globex), "globex's requests")
            for request in reference {
                try ctx.equal(try await ctx.store.approvalRequest(request.id), request, "the stored \(request.id)")
            }
        },
        Check(.approvals, "newest-first-paging",
            "approvalRequests pages newest first by creation time then id descending; walking with a cursor returns each request exactly once, the last page has no cursor, and a malformed cursor fails with invalid_input naming the field cursor.") { ctx in
            let flow = try ApprovalWorld.flow("fl-purchase", name: "Purchase")
            try await ctx.commitApprovals(flows: [flow])
            var requests: [ApprovalRequest] = []
            for (n, hour) in [3, 1, 3, 2, 3, 0, 1, 2, 3, 1, 0].enumerated() {
                requests.append(try ApprovalWorld.request("ar-\(["k", "b", "z", "a", "m", "c", "q", "e", "d", "x", "y"][n])",
                    flow: flow, created: ctx.at(Double(hour * 3600))))
            }
            try await ctx.commitApprovals(requests: requests)
            let expected = ApprovalWorld.newestFirst(requests)
            try ctx.equal(expected.prefix(4).map(\.rawValue), ["ar-z", "ar-m", "ar-k", "ar-d"], "the reference's order")
            let walked = try await pagesAgree(ctx, "acme's requests", limits: [1, 2, 3, 5, 11], key: \ApprovalRequest.id) {
                try await ctx.store.approvalRequests(in: "acme", matching: .all, page: $0)
            }
            try ctx.equal(walked, expected, "acme's requests, newest first then by id descending")
            try ctx.equal(Set(walked).count, requests.count, "distinct requests walked")
            let first = try await ctx.store.approvalRequests(in: "acme", matching: .all, page: PageRequest(limit: 4))
            try ctx.equal(first.items.count, 4, "the first page's size")
            try ctx.expect(first.nextCursor != nil, "a cursor after the first of several pages", found: "nil")
            let exact = try await ctx.store.approvalRequests(in: "acme", matching: .all, page: PageRequest(limit: requests.count))
            try ctx.equal(exact.nextCursor, nil, "the cursor of a page holding every request")
            for cursor in ["nonsense", "", "%%%", "12:"] {
                do {
                    let page = try await ctx.store.approvalRequests(in: "acme", matching: .all,
                        page: PageRequest(limit: 3, cursor: cursor))
                    throw ctx.failure("the cursor '\(cursor)' to fail with invalid_input", "a page of \(page.items.map(\.id))")
                } catch let error as CollabError {
                    try ctx.equal(error.code, .invalidInput, "the code for the cursor '\(cursor)'")
                    try ctx.expect(error.problems.contains { $0.field == "cursor" },
                        "a problem naming the field cursor for '\(cursor)'", found: "\(error.problems)")
                }
            }
        },
        Check(.approvals, "racing-request-updates", requires: .concurrentWriters,
            "Racing updates of one request from the same version (on two instances when the store offers them): exactly one commits, every other gets conflict, and the request and its awaiting members are the winner's.") { ctx in
            let flow = try ApprovalWorld.flow("fl-purchase", name: "Purchase")
            let request = try ApprovalWorld.request("ar-race", flow: flow, created: ctx.at(60))
            try await ctx.commitApprovals(flows: [flow], requests: [request])
            let stores = ctx.factory.capabilities.contains(.sharedDatabase) ? [ctx.store, try await ctx.peer()] : [ctx.store]
            let approved = try ApprovalWorld.approved(request, flow: flow)
            let results = await withTaskGroup(of: String.self) { group in
                for n in 0..<8 {
                    let store = stores[n % stores.count]
                    var update = n % 2 == 0 ? approved : request
                    update.title = "by \(n)"
                    if n % 2 == 1 { update.version = 2 }
                    let change = { () -> ChangeSet in
                        var change = ChangeSet()
                        change.approvals.requests = [update]
                        return change
                    }()
                    group.addTask {
                        do {
                            _ = try await store.commit(change)
                            return "committed \(n)"
                        } catch let error as CollabError {
                            return error.code.rawValue
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            let winners = results.filter { $0.hasPrefix("committed") }
            try ctx.equal(winners.count, 1, "commits among \(results)")
            try ctx.equal(results.filter { $0 == CollabError.Code.conflict.rawValue }.count, 7, "conflicts among \(results)")
            let stored = try ctx.some(try await stores[stores.count - 1].approvalRequest("ar-race"), "the raced request")
            try ctx.equal(stored.version, 2, "the raced request's version")
            try ctx.equal("committed \(stored.title.dropFirst(3))", winners[0], "the stored title against the winner")
            let awaiting = stored.awaiting
            for member in ApprovalWorld.members {
                try ctx.equal(try await ctx.approvalIDs(.init(awaiting: member)).contains("ar-race"), awaiting.contains(member),
                    "whether the raced request awaits \(member)")
            }
        },
    ]

    /// Generated approval requests on the check's store: two flows of acme and one of globex, 48 requests
    /// (about one in eight of globex), each inserted and then moved on by up to five random operations,
    /// committed one version at a time. Returns the requests as last committed.
    static func generatedRequests(_ ctx: ConformanceContext, seed: UInt64 = ApprovalWorld.seed) async throws
        -> (flows: [ApprovalFlow], subjects: [ApprovalRequest.Subject], requests: [ApprovalRequest])
    {
        var rng = SeededRandomNumberGenerator(seed: seed)
        func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }
        let flows = [try ApprovalWorld.flow("fl-purchase", name: "Purchase"), try ApprovalWorld.flow("fl-leave", name: "Leave")]
        let foreign = try ApprovalWorld.flow("fl-foreign", name: "Foreign", in: "globex")
        try await ctx.commitApprovals(flows: flows + [foreign])
        let subjects: [ApprovalRequest.Subject] = [.standalone, .workItemReview("item-1"), .workItemReview("item-2"),
            .adjustment("adj-1", item: "item-1"), .adjustment("adj-2", item: "item-1")]
        var requests: [ApprovalRequest] = []
        for n in 0..<48 {
            let flow = Int.random(in: 0..<8, using: &rng) == 0 ? foreign : pick(flows)
            let applicant = pick(ApprovalWorld.applicants)
            var cc: [Member.ID] = []
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                let member = pick([ApprovalWorld.copied, ApprovalWorld.manager, "ap-zhang", "ap-sun"])
                if !cc.contains(member) { cc.append(member) }
            }
            var request = try ApprovalWorld.request(String(format: "ar-%02d", n), flow: flow, applicant: applicant,
                subject: pick(subjects), cc: cc, created: ctx.at(Double(Int.random(in: 0..<9, using: &rng) * 3600)))
            try await ctx.commitApprovals(requests: [request])
            for _ in 0..<Int.random(in: 0...5, using: &rng) {
                guard request.isOpen else { break }
                let next: ApprovalRequest?
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<5:
                    next = try? ApprovalWorld.approved(request, flow: flow)
                case 5:
                    let from = request.awaiting.first ?? ApprovalWorld.head
                    next = try? ApprovalWorld.next(request, .transferred, by: from) {
                        try $0.transfer(from: from, to: ApprovalWorld.deputy, expectedVersion: $0.version, flow: flow)
                    }
                case 6:
                    let by = request.awaiting.first ?? ApprovalWorld.head
                    next = try? ApprovalWorld.next(request, .rejected, by: by) {
                        try $0.reject(by: by, reason: "no", expectedVersion: $0.version, flow: flow,
                            resolver: ApprovalWorld.resolver)
                    }
                case 7:
                    let by = request.awaiting.first ?? ApprovalWorld.head
                    next = try? ApprovalWorld.next(request, .sentBack, by: by) {
                        try $0.sendBack(to: .applicant, by: by, reason: "more", expectedVersion: $0.version, flow: flow,
                            resolver: ApprovalWorld.resolver)
                    }
                case 8:
                    next = try? ApprovalWorld.next(request, .withdrawn, by: applicant) {
                        try $0.withdraw(by: applicant, expectedVersion: $0.version)
                    }
                default:
                    var copied = request
                    copied.ccIDs.append(Member.ID("ap-late-\(n)"))
                    copied.version += 1
                    next = copied
                }
                guard let next else { continue }
                request = next
                try await ctx.commitApprovals(requests: [request])
            }
            requests.append(request)
        }
        return (flows, subjects, requests)
    }
}
