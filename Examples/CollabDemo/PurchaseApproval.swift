// The `approval` subcommand: a purchase request through a multi-step approval flow (审批, issue 21). The plant
// director, an administrator, saves the purchase flow — the applicant's department head, then finance (any
// one of two named members, 或签), then the general manager from 10,000 on. Li Wei asks for IT equipment
// worth 12,500, copying (抄送) Zhang Peng; his head approves; a finance member transfers (转交) the request
// to a colleague, who approves; the general manager sends it back (退回) to finance with a reason; finance
// approves again (attempt 2) and the general manager approves. It prints each step, the request's timeline,
// the notices people received and the request's audit trail, in the demo's language (`--locale`).
//
// On a virtual clock from 09:00 today (Asia/Shanghai). Played again on the same database it finds the flow
// it saved (a new version only when the flow's text changed, e.g. another `--locale`) and submits a new
// request under this round's idempotency key.

import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

let finance: Department.ID = "finance"
let qinYue: Member.ID = "qin.yue"  // finance, transfers the request to Xu Lan
let tangLi: Member.ID = "tang.li"  // finance, decides the second attempt
let xuLan: Member.ID = "xu.lan"  // finance, takes Qin Yue's place
let guJun: Member.ID = "gu.jun"  // the general manager

/// Adds finance and the general manager to the company (the plant director, an administrator, saves flows).
func seedApprovals(_ store: any CollabStorage, _ text: DemoText) async throws {
    try await seedPlant(store, text)
    try await store.save(Department(id: finance, organizationID: company, name: text.name(of: finance.rawValue)))
    for id in [qinYue, tangLi, xuLan] {
        try await store.save(Member(
            id: id, organizationID: company, displayName: text.name(of: id.rawValue), handle: id.rawValue,
            departments: [DepartmentMembership(finance, role: .member)]))
    }
    try await store.save(Member(
        id: guJun, organizationID: company, displayName: text.name(of: guJun.rawValue), handle: guJun.rawValue))
}

/// The purchase flow in `text`'s language: the applicant's head → finance (any one of Qin Yue and Tang Li) →
/// the general manager when the amount is 10,000 or more.
func purchaseFlowDraft(_ text: DemoText) -> ApprovalFlowDraft {
    ApprovalFlowDraft(
        name: text.pick("Purchase request", "采购申请"),
        fields: [
            ApprovalField(key: "amount", label: text.pick("Amount (CNY)", "金额（元）"), kind: .number, required: true),
            ApprovalField(key: "category", label: text.pick("Category", "类别"), kind: .choice, required: true,
                options: ["office", "it"]),
            ApprovalField(key: "note", label: text.pick("Note", "说明"), kind: .text),
        ],
        steps: [
            ApprovalStep(key: "head", name: text.pick("Department head", "部门负责人审批"),
                approvers: [.applicantHeads(levels: 1)]),
            ApprovalStep(
                key: "finance", name: text.pick("Finance review", "财务审核"), approvers: [.members(ids: [qinYue, tangLi])],
                mode: .any,
                next: [
                    ApprovalRoute(when: .field("amount", .atLeast, .number(10_000)), to: .step("manager")),
                    ApprovalRoute(to: .finish),
                ]),
            ApprovalStep(key: "manager", name: text.pick("General manager", "总经理审批"), approvers: [.members(ids: [guJun])]),
        ],
        policies: ApprovalPolicies(timeout: nil))
}

func playPurchaseApproval(_ store: any CollabStorage, round: String, text: DemoText) async throws {
    try await seedApprovals(store, text)
    let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    let midnight = calendar.startOfDay(for: SystemClock().now())
    func at(_ hour: Int, _ minute: Int) -> Date { midnight.addingTimeInterval(Double(hour * 3600 + minute * 60)) }
    let clock = DemoClock(at(9, 0))
    var configuration = WorkflowEngine.Configuration()
    configuration.logger.logLevel = .warning  // the scenario prints what happens
    let engine = WorkflowEngine(store: store, clock: clock, configuration: configuration)
    let desk = engine.approvals
    func name(_ id: Member.ID?) -> String { id.map { text.name(of: $0.rawValue) } ?? text("system") }
    func names(_ ids: [Member.ID]) -> String { text.formatter.list(ids.map { name($0) }) }
    func time(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        return String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
    }
    let draft = purchaseFlowDraft(text)
    func stepName(_ key: String?) -> String { draft.steps.first { $0.key == key }?.name ?? key ?? "" }
    func statusName(_ status: ApprovalRun.Status) -> String {
        switch status {
        case .pending: text.pick("pending", "审批中")
        case .returned: text.pick("returned to the applicant", "已退回发起人")
        case .approved: text.pick("approved", "已通过")
        case .rejected: text.pick("rejected", "已驳回")
        case .withdrawn: text.pick("withdrawn", "已撤回")
        }
    }

    func outcomeName(_ outcome: String?) -> String {
        switch outcome {
        case "approved": "通过"
        case "rejected": "驳回"
        case "sent_back": "退回"
        case "withdrawn": "撤回"
        default: outcome ?? ""
        }
    }

    /// Where the request stands: the step under way and its attempt, and whose turn it is.
    func standing(_ request: ApprovalRequest) -> String {
        guard let current = request.run.current else {
            return text.pick("request \(request.status.rawValue)", "申请\(statusName(request.status))")
        }
        return text.pick(
            "now at \"\(stepName(current.stepKey))\" (attempt \(current.attempt)), waiting for \(names(request.awaiting))",
            "当前：「\(stepName(current.stepKey))」（第 \(current.attempt) 次），待 \(names(request.awaiting)) 审批")
    }
    print(text.pick("Purchase approval, \(text.day(CalendarDate(at(9, 0), in: zone))) (Asia/Shanghai, virtual clock from 09:00), round \(round)",
        "采购审批，\(text.day(CalendarDate(at(9, 0), in: zone)))（Asia/Shanghai，虚拟时钟自 09:00 起），第 \(round) 轮"))

    // 1. The flow, saved once: found again on a later run, a new version only when its text changed.
    print("\n1. " + text.pick("\(time(clock.now())) \(name(hePing)) saves the purchase flow",
        "\(time(clock.now())) \(name(hePing)) 保存采购审批流程"))
    let flowNames = [purchaseFlowDraft(DemoText(.english, timeZone: zone)).name,
        purchaseFlowDraft(DemoText(.simplifiedChinese, timeZone: zone)).name]
    let existing = try await desk.flows(as: hePing).first { flowNames.contains($0.name) }
    let flow: ApprovalFlow
    if let existing, existing.draft == draft {
        flow = existing
        print(text.pick("   \"\(flow.name)\" is already saved (version \(flow.version)): unchanged",
            "   「\(flow.name)」已保存（版本 \(flow.version)），无需修改"))
    } else {
        flow = try await desk.saveFlow(draft, id: existing?.id, by: hePing, expectedVersion: existing?.version)
        print(text.pick("   \"\(flow.name)\" saved, version \(flow.version)", "   「\(flow.name)」已保存，版本 \(flow.version)"))
    }
    print(text.pick("   steps: ", "   步骤：") + flow.steps.map(\.name).joined(separator: " → ")
        + text.pick(" (the general manager from 10,000 on; finance: any one of \(names([qinYue, tangLi])))",
            "（金额 ≥ 10,000 时总经理审批；财务：\(names([qinYue, tangLi])) 任一人或签）"))

    // 2. The request.
    clock.move(to: at(9, 10))
    let amount = text.formatter.integer(12_500)
    print("\n2. " + text.pick("\(time(clock.now())) \(name(liWei)) asks for IT equipment worth \(amount), copying \(name(zhangPeng))",
        "\(time(clock.now())) \(name(liWei)) 申请采购 IT 设备 \(amount) 元，抄送 \(name(zhangPeng))"))
    let values: ApprovalFormValues = [
        "amount": .number(12_500), "category": .choice("it"),
        "note": .text(text.pick("Two laptops and a docking station for the X1 test bench", "X1 测试台用笔记本电脑两台、扩展坞一个")),
    ]
    let title = text.pick("IT equipment for the X1 test bench (\(round))", "X1 测试台 IT 设备（\(round)）")
    let key = "\(round)-purchase"
    var request = try await desk.submit(flow.id, values: values, title: title, cc: [zhangPeng], by: liWei, idempotencyKey: key)
    let again = try await desk.submit(flow.id, values: values, title: title, cc: [zhangPeng], by: liWei, idempotencyKey: key)
    print(text.pick("   submitted (\(standing(request))); sent again with the same key: \(again.id == request.id ? "the same request" : "another request!")",
        "   已提交（\(standing(request))）；用同一幂等键重发：\(again.id == request.id ? "仍是同一申请" : "出现了第二个申请！")"))

    /// One decision, at `hour:minute`, on the version the decider read.
    func decide(_ hour: Int, _ minute: Int, _ line: String,
        _ act: (ApprovalRequest.ID, Int) async throws -> ApprovalRequest) async throws
    {
        clock.move(to: at(hour, minute))
        let read = try await desk.request(request.id, as: hePing)
        request = try await act(request.id, read.run.version)
        print("   \(time(clock.now())) \(line) → \(standing(request))")
    }

    // 3. The head, finance with a transfer, the general manager's send-back, finance again, the general manager.
    print("\n3. " + text.pick("The approvers decide", "审批人处理"))
    try await decide(9, 40, text.pick("\(name(wangFang)) (head of \(name(liWei))) approves", "\(name(wangFang))（\(name(liWei)) 的部门负责人）同意")) {
        try await desk.approve($0, by: wangFang, expectedVersion: $1)
    }
    try await decide(10, 15, text.pick("\(name(qinYue)) is out this week and transfers it to \(name(xuLan))",
        "\(name(qinYue)) 本周外出，转交给 \(name(xuLan))")) {
        try await desk.transfer($0, to: xuLan, by: qinYue, expectedVersion: $1)
    }
    try await decide(10, 50, text.pick("\(name(xuLan)) approves", "\(name(xuLan)) 同意")) {
        try await desk.approve($0, by: xuLan, expectedVersion: $1)
    }
    let reason = text.pick("The quote is a month old; ask for a current one", "报价已过一个月，请重新询价")
    try await decide(14, 0, text.pick("\(name(guJun)) sends it back to finance: \(reason)", "\(name(guJun)) 退回财务：\(reason)")) {
        try await desk.sendBack($0, to: .step("finance"), reason: reason, by: guJun, expectedVersion: $1)
    }
    try await decide(15, 10, text.pick("\(name(tangLi)) checks the new quote and approves", "\(name(tangLi)) 核对新报价后同意")) {
        try await desk.approve($0, by: tangLi, expectedVersion: $1)
    }
    try await decide(16, 30, text.pick("\(name(guJun)) approves", "\(name(guJun)) 同意")) {
        try await desk.approve($0, by: guJun, expectedVersion: $1)
    }

    // 4. The timeline.
    print("\n4. " + text.pick("The request's timeline (\(statusName(request.status)), \(request.run.attempts.count) attempts):",
        "申请时间线（\(statusName(request.status))，共 \(request.run.attempts.count) 个审批环节）："))
    for event in request.events {
        let step = event.stepKey.map { text.pick("\"\(stepName($0))\"", "「\(stepName($0))」") + "#\(event.attempt ?? 1)" } ?? ""
        let what: String = switch event.action {
        case .submitted: text.pick("submits", "提交申请")
        case .stepStarted: text.pick("step \(step) starts", "环节 \(step) 开始")
        case .stepFinished:
            text.pick("step \(step) ends: \((event.outcome ?? "").replacingOccurrences(of: "_", with: " "))", "环节 \(step) 结束：\(outcomeName(event.outcome))")
        case .approved: text.pick("approves \(step)", "同意 \(step)")
        case .rejected: text.pick("rejects \(step): \(event.reason ?? "")", "驳回 \(step)：\(event.reason ?? "")")
        case .transferred: text.pick("transfers \(step) to \(names(event.memberIDs))", "将 \(step) 转交给 \(names(event.memberIDs))")
        case .signerAdded: text.pick("adds \(names(event.memberIDs)) to \(step)", "为 \(step) 加签 \(names(event.memberIDs))")
        case .sentBack:
            text.pick("sends \(step) back to \"\(stepName(event.detail))\": \(event.reason ?? "")",
                "将 \(step) 退回至「\(stepName(event.detail))」：\(event.reason ?? "")")
        case .resubmitted: text.pick("resubmits", "重新提交")
        case .withdrawn: text.pick("withdraws", "撤回")
        case .reminded: text.pick("reminds \(names(event.memberIDs))", "催办 \(names(event.memberIDs))")
        case .copied: text.pick("copies \(names(event.memberIDs))", "抄送 \(names(event.memberIDs))")
        case .timedOut: text.pick("step \(step) timed out", "环节 \(step) 超时")
        case .replaced: text.pick("replaces an approver on \(step)", "替换 \(step) 的审批人")
        case .finished: text.pick("finished: \(event.outcome ?? "")", "流程结束：\(outcomeName(event.outcome))")
        }
        let actor = event.actorID.map { name($0) + " " } ?? ""
        print("   \(time(event.at))  \(actor)\(what)")
    }
    // 5. The notices of this request, per person.
    print("\n5. " + text.pick("The notices people received about it:", "各人收到的相关通知："))
    for member in [liWei, zhangPeng, wangFang, qinYue, tangLi, xuLan, guJun] {
        let notices = try await engine.inbox.notices(of: member, page: PageRequest(limit: 100)).items
            .filter { $0.record == .approvalRequest(request.id) }.reversed()
        print("   \(name(member))" + (notices.isEmpty ? text.pick(": none", "：无") : text.pick(":", "：")))
        for notice in notices { print("      [\(notice.kind)] \(notice.title) — \(notice.body)") }
    }

    // 6. The audit trail.
    print("\n6. " + text.pick("The request's audit trail (as \(name(hePing)) sees it):", "申请的审计记录（\(name(hePing)) 的视角）："))
    for event in try await desk.trail(of: request.id, as: hePing) {
        let step = event.details["step"].map {
            " " + text.pick("\"\(stepName($0))\"", "「\(stepName($0))」") + "#\(event.details["attempt"] ?? "1")"
        } ?? ""
        print("   \(time(event.occurredAt))  \(name(event.actorID))  \(text.action(event.action))  "
            + "\(statusName(ApprovalRun.Status(rawValue: event.details["status"] ?? "") ?? .pending))\(step)")
    }
}
