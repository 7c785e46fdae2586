import CollabModel
import CollabPermissions
import CollabReports
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Approval reports over crafted requests whose every figure is known, run with the real `ApprovalRun` and
/// timelines written as the engine writes them, stored in SQLite (Documentation/Approvals.md, "Approval
/// reports").
///
/// acme (Asia/Shanghai) has departments ops ⊃ {prod, equip}, and sales. Flow 采购申请 (`purchase`): step
/// `mgr` (主管审批, wang), then `fin` (财务审批, zhao). Created from t0 = 2026-01-01T00:00Z; hours after t0:
///
/// | req | dept  | applicant | timeline                                                                  | end            |
/// |-----|-------|-----------|---------------------------------------------------------------------------|----------------|
/// | R1  | prod  | li        | 0 mgr; 2 wang ✓, fin; 5 zhao ✓                                            | approved at 5  |
/// | R2  | prod  | li        | 1 mgr; 2 wang ✓, fin; 10 fin times out (remind); 12 zhao sends back to mgr; 13 wang transfers to boss; 15 boss ✓, fin #2; 20 zhao ✗ | rejected at 20 |
/// | R3  | equip | qian      | 2 mgr; 3 wang ✓, fin; 11 fin times out (escalate to boss)                 | open (boss)    |
/// | R4  | sales | qian      | 4 mgr; 6 withdrawn                                                        | withdrawn at 6 |
/// | R5  | prod  | li        | 5 mgr                                                                     | open (wang)    |
/// | R6  | sales | li        | 6 mgr; 8 wang sends back to the applicant                                 | returned       |
///
/// globex, another organization, has a request of its own. Read at t0 + 24 h.
@Suite struct ApprovalReportTests {
    static let hour: TimeInterval = 3_600

    struct World {
        let h: TestHarness
        let t0: Date
        var generator: ReportGenerator { ReportGenerator(store: h.store, clock: h.clock, accessControl: h.engine.accessControl) }
    }

    /// A request being written as the engine writes it: the run's operations and the timeline's events.
    struct Writer {
        let flow: ApprovalFlow
        let resolver: ResolvedApprovers
        let t0: Date
        var request: ApprovalRequest

        init(
            _ id: ApprovalRequest.ID, flow: ApprovalFlow, applicant: Member.ID, department: Department.ID?, at hours: Double,
            resolver: ResolvedApprovers, t0: Date
        ) throws {
            self.flow = flow
            self.resolver = resolver
            self.t0 = t0
            let run = try ApprovalRun.start(flow: flow, applicant: applicant, values: [:], resolver: resolver)
            let at = t0.addingTimeInterval(hours * ApprovalReportTests.hour)
            request = ApprovalRequest(
                id: id, organizationID: flow.organizationID, title: "\(flow.name) \(id)", flowName: flow.name,
                subject: .standalone, departmentID: department, run: run, createdAt: at)
            event(hours, .submitted, actor: applicant)
            event(hours, .stepStarted, step: "mgr", attempt: 1)
        }

        func date(_ hours: Double) -> Date { t0.addingTimeInterval(hours * ApprovalReportTests.hour) }

        mutating func event(
            _ hours: Double, _ action: ApprovalRequest.Event.Action, actor: Member.ID? = nil, step: String? = nil,
            attempt: Int? = nil, members: [Member.ID] = [], outcome: String? = nil, reason: String? = nil,
            detail: String? = nil
        ) {
            request.events.append(ApprovalRequest.Event(
                at: date(hours), actorID: actor, action: action, stepKey: step, attempt: attempt, memberIDs: members,
                outcome: outcome, reason: reason, detail: detail))
            request.updatedAt = date(hours)
        }

        /// `member` approves the current attempt at `hours`; when it ends, the next one starts.
        mutating func approve(_ member: Member.ID, at hours: Double) throws {
            let current = try #require(request.run.current)
            try request.run.approve(by: member, expectedVersion: request.run.version, flow: flow, resolver: resolver)
            event(hours, .approved, actor: member, step: current.stepKey, attempt: current.attempt)
            settle(after: current, at: hours)
        }

        mutating func reject(_ member: Member.ID, at hours: Double) throws {
            let current = try #require(request.run.current)
            try request.run.reject(by: member, reason: "too expensive", expectedVersion: request.run.version, flow: flow,
                resolver: resolver)
            event(hours, .rejected, actor: member, step: current.stepKey, attempt: current.attempt, reason: "too expensive")
            settle(after: current, at: hours)
        }

        mutating func sendBack(_ member: Member.ID, to target: ApprovalRun.SendBackTarget, at hours: Double) throws {
            let current = try #require(request.run.current)
            try request.run.sendBack(to: target, by: member, reason: "incomplete", expectedVersion: request.run.version,
                flow: flow, resolver: resolver)
            let detail = if case .step(let key) = target { key } else { "applicant" }
            event(hours, .sentBack, actor: member, step: current.stepKey, attempt: current.attempt, reason: "incomplete",
                detail: detail)
            settle(after: current, at: hours)
        }

        mutating func transfer(_ member: Member.ID, to other: Member.ID, at hours: Double) throws {
            let current = try #require(request.run.current)
            try request.run.transfer(from: member, to: other, expectedVersion: request.run.version, flow: flow)
            event(hours, .transferred, actor: member, step: current.stepKey, attempt: current.attempt, members: [other])
        }

        mutating func timeOut(_ action: ApprovalTimeout.Action, at hours: Double) throws {
            let current = try #require(request.run.current)
            try request.run.timeOut(stepKey: current.stepKey, attempt: current.attempt, action: action,
                expectedVersion: request.run.version, flow: flow, resolver: resolver)
            let taken = action == .escalate ? request.run.current?.awaiting ?? [] : []
            event(hours, .timedOut, step: current.stepKey, attempt: current.attempt, members: taken, detail: action.rawValue)
            if action == .remind { event(hours, .reminded, members: current.awaiting) }
        }

        mutating func withdraw(at hours: Double) throws {
            let current = request.run.current
            try request.run.withdraw(by: request.applicantID, expectedVersion: request.run.version)
            event(hours, .withdrawn, actor: request.applicantID)
            if let current {
                event(hours, .stepFinished, step: current.stepKey, attempt: current.attempt,
                    outcome: ApprovalStepState.Outcome.withdrawn.rawValue)
            }
            finish(at: hours)
        }

        /// After an operation on `previous`: its end, the next attempt's start, the request's end.
        private mutating func settle(after previous: ApprovalStepState, at hours: Double) {
            guard let ended = request.run.history.last(where: {
                $0.stepKey == previous.stepKey && $0.attempt == previous.attempt
            }) else { return }
            event(hours, .stepFinished, step: ended.stepKey, attempt: ended.attempt, outcome: ended.outcome.rawValue)
            if let next = request.run.current {
                event(hours, .stepStarted, step: next.stepKey, attempt: next.attempt)
            } else if !request.isOpen {
                finish(at: hours)
            }
        }

        private mutating func finish(at hours: Double) {
            request.finishedAt = date(hours)
            event(hours, .finished, outcome: request.status.rawValue)
        }
    }

    static func purchase(in organization: Organization.ID, id: ApprovalFlow.ID, savedAt: Date) throws -> ApprovalFlow {
        try ApprovalFlow(
            id: id, organizationID: organization, version: 1,
            draft: ApprovalFlowDraft(name: "采购申请", steps: [
                ApprovalStep(key: "mgr", name: "主管审批", approvers: [.members(ids: ["wang"])]),
                ApprovalStep(key: "fin", name: "财务审批", approvers: [.members(ids: ["zhao"])]),
            ]),
            savedBy: "boss", savedAt: savedAt)
    }

    func world(configuration: WorkflowEngine.Configuration = WorkflowEngine.Configuration()) async throws -> World {
        let h = try TestHarness(engineConfiguration: configuration)
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai")
        try await h.addDepartment("ops", in: "acme", name: "运营中心")
        try await h.addDepartment("prod", in: "acme", parent: "ops", name: "生产部")
        try await h.addDepartment("equip", in: "acme", parent: "ops", name: "设备部")
        try await h.addDepartment("sales", in: "acme", name: "销售部")
        try await h.addMember("boss", in: "acme", administrator: true, name: "老板")
        try await h.addMember("li", in: "acme", departments: [DepartmentMembership("prod")], name: "李伟")
        try await h.addMember("wang", in: "acme", departments: [DepartmentMembership("equip")], name: "王芳")
        try await h.addMember("zhao", in: "acme", name: "赵敏")
        try await h.addMember("opshead", in: "acme", departments: [DepartmentMembership("ops", role: .head)])
        try await h.addMember("qian", in: "acme")
        try await h.addOrganization("partnerco", kind: .partner, externalCollaboration: true, partnerOf: "acme")
        try await h.addMember("amy", in: "partnerco")
        try await h.addOrganization("globex")
        try await h.addMember("gus", in: "globex", administrator: true)

        let t0 = h.clock.now()
        let flow = try Self.purchase(in: "acme", id: "purchase", savedAt: t0)
        let resolver = ResolvedApprovers(byStep: ["mgr": ["wang"], "fin": ["zhao"]], heads: ["zhao": "boss"])
        func writer(_ id: ApprovalRequest.ID, _ applicant: Member.ID, _ department: Department.ID, at hours: Double) throws -> Writer {
            try Writer(id, flow: flow, applicant: applicant, department: department, at: hours, resolver: resolver, t0: t0)
        }

        var r1 = try writer("R1", "li", "prod", at: 0)
        try r1.approve("wang", at: 2)
        try r1.approve("zhao", at: 5)

        var r2 = try writer("R2", "li", "prod", at: 1)
        try r2.approve("wang", at: 2)
        try r2.timeOut(.remind, at: 10)
        try r2.sendBack("zhao", to: .step("mgr"), at: 12)
        try r2.transfer("wang", to: "boss", at: 13)
        try r2.approve("boss", at: 15)
        try r2.reject("zhao", at: 20)

        var r3 = try writer("R3", "qian", "equip", at: 2)
        try r3.approve("wang", at: 3)
        try r3.timeOut(.escalate, at: 11)

        var r4 = try writer("R4", "qian", "sales", at: 4)
        try r4.withdraw(at: 6)

        let r5 = try writer("R5", "li", "prod", at: 5)

        var r6 = try writer("R6", "li", "sales", at: 6)
        try r6.sendBack("wang", to: .applicant, at: 8)

        // globex's own request, through the same flow shape.
        let globexFlow = try Self.purchase(in: "globex", id: "g-purchase", savedAt: t0)
        var g1 = try Writer("G1", flow: globexFlow, applicant: "gus", department: nil, at: 1, resolver: resolver, t0: t0)
        try g1.approve("wang", at: 30)

        var change = ChangeSet()
        change.approvals.flows = [flow, globexFlow]
        change.approvals.requests = [r1, r2, r3, r4, r5, r6, g1].map(\.request)
        _ = try await h.store.commit(change)
        h.clock.advance(to: t0.addingTimeInterval(24 * Self.hour))
        return World(h: h, t0: t0)
    }

    /// A column's letter, A...Z.
    static func letter(_ number: Int) -> String { String(Character(UnicodeScalar(UInt8(64 + number)))) }

    static func hours(_ value: Double) -> Duration { .milliseconds(Int64(value * hour * 1000)) }

    @Test("the engine's run and timeline come out as written: statuses, awaiting, transfers")
    func worldIsAsDescribed() async throws {
        let w = try await world()
        let r2 = try #require(try await w.h.store.approvalRequest("R2"))
        #expect(r2.status == .rejected && r2.run.attempts.map { "\($0.stepKey)#\($0.attempt):\($0.outcome.rawValue)" }
            == ["mgr#1:approved", "fin#1:sent_back", "mgr#2:approved", "fin#2:rejected"])
        #expect(try await w.h.store.approvalRequest("R3")?.awaiting == ["boss"], "escalated from zhao to boss")
        #expect(try await w.h.store.approvalRequest("R6")?.status == .returned)
        #expect(try await w.h.store.approvalRequest("R4")?.status == .withdrawn)
    }

    @Test("per flow, per step and per approver: each figure with its known answer")
    func knownAnswers() async throws {
        let w = try await world()
        let statistics = try await w.generator.approvalStatistics(of: nil, as: "boss")
        #expect(statistics.generatedAt == w.t0.addingTimeInterval(24 * Self.hour))

        let total = statistics.total
        #expect(total.requests == 6 && total.open == 3 && total.approved == 1 && total.rejected == 1 && total.withdrawn == 1)
        #expect(total.finished == 3)
        #expect(total.cycleTimeMean == .seconds(31_200), "(5 h + 19 h + 2 h) / 3")
        #expect(total.cycleTimeMedian == Self.hours(5), "nearest rank: the 2nd of 2 h, 5 h, 19 h")
        #expect(total.sentBack == 2 && total.sentBackShare == 2.0 / 6, "R2 to a step, R6 to the applicant")

        #expect(statistics.flows.count == 1)
        let flow = try #require(statistics.flows.first)
        #expect(flow.flowID == "purchase" && flow.flowName == "采购申请" && flow.figures == total)
        #expect(flow.steps.map(\.stepKey) == ["mgr", "fin"] && flow.steps.map(\.stepName) == ["主管审批", "财务审批"])
        let mgr = flow.steps[0], fin = flow.steps[1]
        #expect(mgr.attempts == 7 && mgr.finishedAttempts == 6 && mgr.sentBack == 1 && mgr.timeouts == 0)
        #expect(mgr.sentBackShare == 1.0 / 7)
        #expect(mgr.attemptDurationMean == .seconds(6_600), "(2 + 1 + 3 + 1 + 2 + 2) h / 6")
        #expect(fin.attempts == 4 && fin.finishedAttempts == 3 && fin.sentBack == 1 && fin.timeouts == 2)
        #expect(fin.sentBackShare == 0.25)
        #expect(fin.attemptDurationMean == Self.hours(6), "(3 + 10 + 5) h / 3")

        let approvers = Dictionary(uniqueKeysWithValues: statistics.approvers.map { ($0.memberID, $0) })
        #expect(statistics.approvers.map(\.memberID) == ["boss", "wang", "zhao"])
        let wang = try #require(approvers["wang"])
        #expect(wang.name == "王芳" && wang.decisions == 3 && wang.approvals == 3 && wang.rejections == 0)
        #expect(wang.waitingMean == .seconds(4_800) && wang.waitingLongest == Self.hours(2), "2 h, 1 h, 1 h")
        #expect(wang.openWaits == 1 && wang.oldestOpenWaitSince == w.t0.addingTimeInterval(5 * Self.hour))
        #expect(wang.oldestOpenWait == Self.hours(19), "R5 since 5 h, read at 24 h")
        let zhao = try #require(approvers["zhao"])
        #expect(zhao.decisions == 2 && zhao.approvals == 1 && zhao.rejections == 1)
        #expect(zhao.waitingMean == Self.hours(4) && zhao.waitingLongest == Self.hours(5), "R1 3 h, R2 #2 5 h")
        #expect(zhao.openWaits == 0 && zhao.oldestOpenWaitSince == nil && zhao.oldestOpenWait == nil,
            "R3's place went to boss")
        let boss = try #require(approvers["boss"])
        #expect(boss.decisions == 1 && boss.waitingMean == Self.hours(2) && boss.waitingLongest == Self.hours(2),
            "R2's mgr #2 started at 12 h, boss got the place at 13 h, approved at 15 h")
        #expect(boss.openWaits == 1 && boss.oldestOpenWait == Self.hours(13), "R3, escalated to boss at 11 h")
    }

    @Test("a department counts its applicants' requests with those below it; a period; other organizations never count")
    func scoping() async throws {
        let w = try await world()
        let ops = try await w.generator.approvalStatistics(of: "ops", as: "boss")
        #expect(ops.total.requests == 4 && ops.total.open == 2 && ops.total.sentBack == 1, "R1, R2, R3, R5")
        #expect(ops.approvers.first { $0.memberID == "wang" }?.decisions == 3)
        let prod = try await w.generator.approvalStatistics(of: "prod", as: "boss")
        #expect(prod.total.requests == 3 && prod.total.cycleTimeMean == Self.hours(12), "R1 5 h and R2 19 h")
        let sales = try await w.generator.approvalStatistics(of: "sales", as: "boss")
        #expect(sales.total.requests == 2 && sales.total.withdrawn == 1 && sales.total.sentBackShare == 0.5)

        // Shanghai days: every acme request was created on 2026-01-01 local time.
        let newYear = CalendarDate(year: 2026, month: 1, day: 1)
        let day = try await w.generator.approvalStatistics(of: nil, period: newYear...newYear, as: "boss")
        #expect(day.total.requests == 6)
        let next = newYear.adding(days: 1)
        let empty = try await w.generator.approvalStatistics(of: nil, period: next...next, as: "boss")
        #expect(empty.total == ApprovalStatistics.Figures() && empty.flows.isEmpty && empty.approvers.isEmpty)
        #expect(empty.total.sentBackShare == nil && empty.total.cycleTimeMean == nil, "no data is not 0")

        let globex = try await w.generator.approvalStatistics(of: nil, as: "gus")
        #expect(globex.total.requests == 1 && globex.flows.map(\.flowID) == ["g-purchase"])
        #expect(globex.approvers.map(\.memberID) == ["wang", "zhao"] && globex.approvers.allSatisfy { $0.name == nil },
            "G1 names acme's members; acme's directory is not read for globex's reader")
        await #expect(throws: CollabError.notFound("department", "ops")) {
            try await w.generator.approvalStatistics(of: "ops", as: "gus")
        }
        await #expect(throws: CollabError.notFound("department", "nowhere")) {
            try await w.generator.approvalStatistics(of: "nowhere", as: "boss")
        }
    }

    @Test("readers: outsiders and a host rule refusing boards are refused; others count what they see")
    func readers() async throws {
        let w = try await world()
        await expectForbidden { try await w.generator.approvalStatistics(of: nil, as: "amy") }
        await #expect(throws: CollabError.notFound("member", "ghost")) {
            try await w.generator.approvalStatistics(of: nil, as: "ghost")
        }
        let head = try await w.generator.approvalStatistics(of: nil, as: "opshead")
        #expect(head.total.requests == 4, "the head of ops sees ops, prod and equip: R1, R2, R3, R5")
        let qian = try await w.generator.approvalStatistics(of: nil, as: "qian")
        #expect(qian.total.requests == 2, "a member in no department counts the requests they are on: R3, R4")

        var configuration = WorkflowEngine.Configuration()
        configuration.accessExtensions = [ReportAccessControlTests.RefuseReports(refused: [.readDashboard])]
        let refused = try await world(configuration: configuration)
        await expectForbidden(containing: "by host rule no-reports") {
            try await refused.generator.approvalStatistics(of: nil, as: "boss")
        }
        await expectForbidden(containing: "by host rule no-reports") {
            try await refused.generator.dashboard(of: nil, as: "boss")
        }
        let folder = try ExportFolder()
        defer { folder.remove() }
        await expectForbidden(containing: "by host rule no-reports") {
            try await refused.generator.exportApprovals(.flows, of: nil, as: "boss", to: folder.file("a.csv"),
                format: .csv(.excel))
        }
        #expect(try folder.contents().isEmpty)
    }

    func expectForbidden(
        containing text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ attempt: () async throws -> Any
    ) async {
        do {
            _ = try await attempt()
            Issue.record("allowed", sourceLocation: sourceLocation)
        } catch let error as CollabError {
            #expect(error.code == .forbidden, "\(error)", sourceLocation: sourceLocation)
            if let text { #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("the department board carries the approval figures; a board encoded before them decodes")
    func dashboard() async throws {
        let w = try await world()
        let board = try await w.generator.dashboard(of: "ops", as: "opshead")
        #expect(board.approvals == (try await w.generator.approvalStatistics(of: "ops", as: "opshead")))
        #expect(board.approvals.total.requests == 4 && board.approvals.generatedAt == board.generatedAt)
        #expect(board.approvals.flows.first?.steps.first { $0.stepKey == "fin" }?.timeouts == 2)

        let encoded = try JSONEncoder().encode(board)
        #expect(try JSONDecoder().decode(Dashboard.self, from: encoded) == board)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(object.removeValue(forKey: "approvals") != nil)
        let old = try JSONDecoder().decode(Dashboard.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.approvals == .empty && old.figures == board.figures && old.title == board.title)
    }

    @Test("the workbook's approval sheets in Chinese; one table as CSV and as a sheet in English")
    func exports() async throws {
        let w = try await world()
        let folder = try ExportFolder()
        defer { folder.remove() }
        let url = folder.file("approvals.xlsx")
        let summary = try await w.generator.exportReport(
            ReportWorkbook(sections: [.init(ReportSpec())], overview: .standard, locale: .simplifiedChinese,
                approvals: .init(of: "ops")),
            as: "boss", to: url)
        #expect(summary.sheets.map(\.name) == ["概览", "汇总", "审批流程", "审批节点", "审批人"])
        #expect(summary.sheets.map(\.rows) == [9, 1, 2, 2, 3])
        let book = try XLSXBook(url)
        #expect(book.sheetNames == ["概览", "汇总", "审批流程", "审批节点", "审批人"])

        let overview = try book.sheet(1)
        #expect(overview.cells["A6"]?.text == "审批流程" && overview.cells["B6"]?.text == "部门 运营中心（含下级部门）；全部时间")
        #expect(overview.cells["A9"]?.text == "说明" && overview.cells["A10"]?.text == "审批时长" && overview.lastRow == 10)

        let flows = try book.sheet(3)
        #expect((1...10).compactMap { flows.cells["\(Self.letter($0))1"]?.text } == [
            "审批流程", "申请数", "审批中", "已通过", "已驳回", "已撤回", "平均审批时长（小时）", "审批时长中位数（小时）",
            "被退回申请数", "退回率",
        ])
        #expect(flows.cells["A2"]?.text == "采购申请" && flows.cells["B2"]?.value == "4" && flows.cells["C2"]?.value == "2")
        #expect(flows.cells["G2"]?.value == "12" && flows.cells["H2"]?.value == "5", "R1 5 h, R2 19 h: mean 12 h, median 5 h")
        #expect(flows.cells["J2"]?.value == "0.25")
        #expect(flows.cells["A3"]?.text == "合计" && flows.lastRow == 3)

        let steps = try book.sheet(4)
        #expect((1...9).compactMap { steps.cells["\(Self.letter($0))1"]?.text } == [
            "审批流程", "审批节点", "节点标识", "审批轮次", "已结束轮次", "退回轮次", "轮次退回率", "超时次数", "平均节点耗时（小时）",
        ])
        #expect(steps.cells["B2"]?.text == "主管审批" && steps.cells["C2"]?.text == "mgr" && steps.cells["D2"]?.value == "5")
        #expect(steps.cells["B3"]?.text == "财务审批" && steps.cells["H3"]?.value == "2" && steps.cells["I3"]?.value == "6")

        let approvers = try book.sheet(5)
        #expect((1...9).compactMap { approvers.cells["\(Self.letter($0))1"]?.text } == [
            "审批人", "审批次数", "同意次数", "驳回次数", "平均等待时长（小时）", "最长等待时长（小时）", "当前待审批数",
            "最早待审起始时间", "最久待审时长（小时）",
        ])
        let rows = approvers.rowsByLabel()
        #expect(rows["王芳"]?["B"]?.value == "3" && rows["王芳"]?["G"]?.value == "1" && rows["王芳"]?["I"]?.value == "19")
        #expect(rows["王芳"]?["H"]?.style == 3, "the oldest wait's start: a date-time cell")
        #expect(rows["老板"]?["E"]?.value == "2" && rows["赵敏"]?["F"]?.value == "5")
        #expect(rows["赵敏"]?["H"] == nil, "nothing waits for zhao: an empty cell")

        let csv = folder.file("approvers.csv")
        let written = try await w.generator.exportApprovals(
            .approvers, of: nil, as: "boss", to: csv, format: .csv(CSVWriter.Options()), locale: .english)
        #expect(written.sheets.map(\.rows) == [3])
        let lines = try String(contentsOf: csv, encoding: .utf8).components(separatedBy: .newlines).filter { !$0.isEmpty }
        #expect(lines.first == "Approver,Decisions,Approvals,Rejections,Average waiting time (hours),"
            + "Longest waiting time (hours),Waiting now,Oldest wait since,Oldest wait (hours)")
        #expect(lines.dropFirst().first?.hasPrefix("老板,1,1,0,2,2,1,") == true)

        let steps2 = folder.file("steps.xlsx")
        let sheet = try await w.generator.exportApprovals(.steps, of: nil, as: "boss", to: steps2, locale: .english)
        #expect(sheet.sheets.map(\.name) == ["Approval steps"])
        let english = try XLSXBook(steps2).sheet(1)
        #expect(english.cells["A1"]?.text == "Flow" && english.cells["G1"]?.text == "Share of attempts sent back")
        #expect(english.cells["D2"]?.value == "7" && english.cells["I2"]?.value.flatMap(Double.init).map { abs($0 - 11.0 / 6) < 1e-9 } == true)
        await expectForbidden { try await w.generator.exportApprovals(.flows, of: nil, as: "amy", to: folder.file("x.csv")) }
    }

    @Test("pure: no request is empty figures; a request counted twice counts once; a decision before its attempt's start waits 0")
    func pure() throws {
        let t0 = Date(timeIntervalSince1970: 1_767_225_600)
        let none = ApprovalStatistics(requests: [], now: t0)
        #expect(none.total == ApprovalStatistics.Figures() && none.flows.isEmpty && none.generatedAt == t0)
        let flow = try Self.purchase(in: "acme", id: "purchase", savedAt: t0)
        let resolver = ResolvedApprovers(byStep: ["mgr": ["wang"], "fin": ["zhao"]])
        var writer = try Writer("R1", flow: flow, applicant: "li", department: nil, at: 0, resolver: resolver, t0: t0)
        try writer.approve("wang", at: -1)
        let once = ApprovalStatistics(requests: [writer.request, writer.request], now: t0.addingTimeInterval(Self.hour))
        #expect(once.total.requests == 1 && once.total.open == 1)
        #expect(once.approvers.first { $0.memberID == "wang" }?.waitingMean == .zero)
        #expect(once.approvers.first { $0.memberID == "zhao" }?.oldestOpenWait == Self.hours(2),
            "fin started at -1 h, read at +1 h")
        let decoded = try JSONDecoder().decode(ApprovalStatistics.self, from: JSONEncoder().encode(once))
        #expect(decoded == once)
    }
}
