import CollabModel
import Foundation
import Testing

@Suite struct ApprovalFlowTests {
    /// The problems of the purchase flow's draft after `mutate`.
    func problems(
        _ mutate: (inout [ApprovalStep]) -> Void = { _ in }, policies: ApprovalPolicies = .default,
        fields: (inout [ApprovalField]) -> Void = { _ in }
    ) -> [ValidationProblem] {
        var draft = PurchaseFlow.draft(policies: policies, mutate: mutate)
        fields(&draft.fields)
        return draft.validate().problems
    }

    func step(_ key: String, next: [ApprovalRoute] = []) -> ApprovalStep {
        ApprovalStep(key: key, name: key, approvers: [.members(ids: ["m-a"])], next: next)
    }

    @Test("the purchase flow is valid, and a version made from it keeps its definition")
    func purchaseFlowIsValid() throws {
        #expect(problems().isEmpty)
        let flow = try PurchaseFlow.flow(version: 3)
        #expect(flow.version == 3 && flow.steps.map(\.key) == ["head", "finance", "manager"])
        #expect(flow.draft == PurchaseFlow.draft())
        #expect(try PurchaseFlow.draft().validated() == PurchaseFlow.draft())
    }

    @Test("a flow without steps, or with a duplicate or malformed step key, is refused naming the step")
    func stepKeys() {
        var draft = PurchaseFlow.draft()
        draft.steps = []
        #expect(draft.validate().problems.map(\.field) == ["steps"])
        let duplicate = problems { $0[2].key = "finance"; $0[1].next = [] }
        #expect(duplicate.contains { $0.field == "steps[2].key" && $0.kind == .duplicate })
        let malformed = problems { $0[0].key = "1st step" }
        #expect(malformed.contains { $0.field == "steps[0].key" && $0.kind == .malformed })
    }

    @Test("a route to an unknown step, or back to an earlier one, is refused naming the route")
    func routesToUnknownOrEarlierSteps() {
        let unknown = problems { $0[1].next[0].to = .step("director") }
        #expect(unknown.contains { $0.field == "steps[finance].next[0].to" && $0.kind == .unknownStep })
        #expect(unknown.first { $0.field == "steps[finance].next[0].to" }?.message.contains("director") == true)
        let backwards = problems { $0[2].next = [ApprovalRoute(to: .step("head"))] }
        #expect(backwards.map(\.field) == ["steps[manager].next[0].to"])
        #expect(backwards[0].kind == .unknownStep)
        let itself = problems { $0[2].next = [ApprovalRoute(to: .step("manager"))] }
        #expect(itself.map(\.field) == ["steps[manager].next[0].to"])
    }

    @Test("a step no route reaches is refused naming it")
    func unreachableStep() {
        let found = problems { $0[1].next = [ApprovalRoute(to: .finish)] }
        #expect(found.map(\.field) == ["steps[manager]"])
        #expect(found[0].kind == .unreachable)
        // Without routes a step goes on to the next in the list, so a linear flow needs none.
        #expect(problems { $0[1].next = [] }.isEmpty)
    }

    @Test("a conditional last route (no default) is refused naming the route")
    func conditionalLastRoute() {
        let found = problems { $0[1].next.removeLast() }
        #expect(found.map(\.field) == ["steps[finance].next[0].when"])
        #expect(found[0].kind == .missing)
    }

    @Test("conditions on unknown fields, of the wrong kind, with unknown choices or orderings on texts are refused")
    func conditionsAgainstTheForm() {
        let unknown = problems { $0[1].next[0].when = .field("total", .atLeast, .number(1)) }
        #expect(unknown.map(\.field) == ["steps[finance].next[0].when"])
        #expect(unknown[0].kind == .unknownField && unknown[0].message.contains("total"))
        let wrongKind = problems { $0[1].next[0].when = .field("amount", .atLeast, .text("10000")) }
        #expect(wrongKind.map(\.kind) == [.mismatchedType])
        let choice = problems { $0[0].skipWhen = .isOneOf("category", [.choice("it"), .choice("food")]) }
        #expect(choice.map(\.field) == ["steps[head].skipWhen.isOneOf[1]"])
        #expect(choice[0].kind == .unknownChoice && choice[0].message.contains("food"))
        let ordering = problems { $0[0].skipWhen = .all([.not(.field("note", .lessThan, .text("a")))]) }
        #expect(ordering.map(\.field) == ["steps[head].skipWhen.all[0].not"])
        #expect(ordering[0].kind == .mismatchedType)
    }

    @Test("a quorum larger than the named approvers, below 1, or a share outside (0, 1] is refused")
    func quorums() {
        let tooLarge = problems { $0[1].mode = .quorum(.count(3)) }
        #expect(tooLarge.map(\.field) == ["steps[finance].mode"])
        #expect(tooLarge[0].kind == .outOfRange && tooLarge[0].message.contains("2 named approvers"))
        // Repeats count once.
        let repeated = problems { $0[1].approvers = [.members(ids: ["m-li", "m-li"])]; $0[1].mode = .quorum(.count(2)) }
        #expect(repeated.map(\.field) == ["steps[finance].mode"])
        #expect(problems { $0[1].mode = .quorum(.count(2)) }.isEmpty)
        #expect(problems { $0[1].mode = .quorum(.count(0)) }.map(\.field) == ["steps[finance].mode"])
        // A source resolved later cannot be counted at load: the count is checked when the step starts.
        #expect(problems { $0[0].mode = .quorum(.count(5)) }.isEmpty)
        for (numerator, denominator) in [(0, 3), (4, 3), (1, 0), (-1, 2)] {
            #expect(problems { $0[1].mode = .quorum(.share(numerator: numerator, denominator: denominator)) }
                .map(\.field) == ["steps[finance].mode"])
        }
        #expect(problems { $0[1].mode = .quorum(.share(numerator: 1, denominator: 1)) }.isEmpty)
    }

    @Test("empty approver lists, levels below 1, any-mode in sequence and non-positive timeouts are refused")
    func approversAndTimeouts() {
        #expect(problems { $0[2].approvers = [] }.map(\.field) == ["steps[manager].approvers"])
        #expect(problems { $0[2].approvers = [.members(ids: [])] }.map(\.field) == ["steps[manager].approvers[0]"])
        #expect(problems { $0[0].approvers = [.applicantHeads(levels: 0)] }.map(\.field)
            == ["steps[head].approvers[0].levels"])
        #expect(problems { $0[0].cc = [.group(name: " ")] }.map(\.field) == ["steps[head].cc[0].name"])
        #expect(problems { $0[1].order = .sequential }.map(\.field) == ["steps[finance].order"])
        #expect(problems { $0[0].timeout = ApprovalTimeout(after: .zero, action: .remind) }.map(\.field)
            == ["steps[head].timeout.after"])
        let policies = ApprovalPolicies(timeout: ApprovalTimeout(after: .seconds(-1), action: .reject))
        #expect(problems(policies: policies).map(\.field) == ["policies.timeout.after"])
    }

    @Test("field keys must be unique and well formed, choice fields need options and only they have some")
    func fields() {
        #expect(problems(fields: { $0[1].key = "amount" }).map(\.field) == ["fields[1].key"])
        #expect(problems(fields: { $0[0].key = "" }).map(\.field).contains("fields[0].key"))
        #expect(problems(fields: { $0[1].options = [] }).map(\.field) == ["fields[category].options"])
        #expect(problems(fields: { $0[0].options = ["x"] }).map(\.field) == ["fields[amount].options"])
        #expect(problems(fields: { $0[1].options = ["it", "it"] }).map(\.field) == ["fields[category].options[1]"])
        #expect(problems(fields: { $0[3].label = String(repeating: "字", count: 201) }).map(\.field) == ["fields[note].label"])
    }

    @Test("every problem is reported at once, and a flow version is not made from a refused draft")
    func allAtOnce() {
        var draft = PurchaseFlow.draft { steps in
            steps[1].mode = .quorum(.count(9))
            steps[1].next = [ApprovalRoute(when: .field("ghost", .equals, .boolean(true)), to: .step("nowhere"))]
        }
        draft.name = ""
        do {
            _ = try ApprovalFlow(id: "f", organizationID: "o", version: 1, draft: draft, savedBy: "m", savedAt: Date())
            Issue.record("a refused draft made a flow")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(Set(error.fields) == [
                "name", "steps[finance].mode", "steps[finance].next[0].when", "steps[finance].next[0].to",
                "steps[manager]",
            ])
        }
    }

    @Test("a stored version round-trips through JSON, and loading checks it again")
    func loadChecks() throws {
        let flow = try PurchaseFlow.flow()
        let json = try JSONEncoder().encode(flow)
        #expect(try ApprovalFlow.load(json: json) == flow)
        var broken = flow
        broken.steps[1].next[0].to = .step("director")
        let brokenJSON = try JSONEncoder().encode(broken)
        #expect(throws: CollabError.self) { try ApprovalFlow.load(json: brokenJSON) }
        do {
            _ = try ApprovalFlow.load(json: brokenJSON)
        } catch {
            #expect(error.fields == ["steps[finance].next[0].to", "steps[manager]"])
        }
        do {
            _ = try ApprovalFlow.load(json: Data(#"{"id":"f"}"#.utf8))
            Issue.record("a broken document loaded")
        } catch {
            #expect(error.code == .invalidInput && error.problems.first?.kind == .malformed)
        }
    }

    @Test("the documented JSON definition decodes to the purchase flow")
    func documentedJSON() throws {
        let json = #"""
            {
              "name": "采购申请",
              "fields": [
                {"key": "amount", "label": "金额", "kind": "number", "required": true, "options": []},
                {"key": "category", "label": "类别", "kind": "choice", "required": true, "options": ["office", "it", "travel"]},
                {"key": "neededBy", "label": "需要日期", "kind": "date", "required": false, "options": []},
                {"key": "note", "label": "说明", "kind": "text", "required": false, "options": []}
              ],
              "steps": [
                {"key": "head", "name": "部门负责人审批", "approvers": [{"applicantHeads": {"levels": 1}}]},
                {"key": "finance", "name": "财务审核", "approvers": [{"members": {"ids": ["m-li", "m-zhao"]}}],
                 "mode": "any",
                 "next": [
                   {"when": {"field": "amount", "is": "atLeast", "value": {"number": "10000"}}, "to": {"step": "manager"}},
                   {"to": "finish"}
                 ]},
                {"key": "manager", "name": "总经理审批", "approvers": [{"members": {"ids": ["m-liu"]}}]}
              ]
            }
            """#
        let draft = try JSONDecoder().decode(ApprovalFlowDraft.self, from: Data(json.utf8))
        #expect(draft == PurchaseFlow.draft())
        let again = try JSONDecoder().decode(ApprovalFlowDraft.self, from: JSONEncoder().encode(draft))
        #expect(again == draft)
        let quorum = try JSONDecoder().decode(ApprovalMode.self, from: Data(#"{"quorum": {"numerator": 2, "denominator": 3}}"#.utf8))
        #expect(quorum == .quorum(.share(numerator: 2, denominator: 3)))
        let policies = try JSONDecoder().decode(ApprovalPolicies.self, from: Data(#"{"nobodyToApprove": "reject", "timeout": null}"#.utf8))
        #expect(policies == ApprovalPolicies(nobodyToApprove: .reject, timeout: nil))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ApprovalFieldValue.self, from: Data(#"{"number": "12abc"}"#.utf8))
        }
    }

    @Test("routing: the first matching route wins, skipped steps are passed through, unknown steps are not found")
    func routing() throws {
        let flow = try PurchaseFlow.flow()
        #expect(try flow.route(after: "finance", values: PurchaseFlow.values(10_000)) == .step("manager"))
        #expect(try flow.route(after: "finance", values: PurchaseFlow.values(9_999.99)) == .finish)
        #expect(try flow.route(after: "head", values: PurchaseFlow.values(1)) == .step("finance"))
        #expect(try flow.route(after: "manager", values: PurchaseFlow.values(1)) == .finish)
        #expect(try flow.firstStep(values: PurchaseFlow.values(1)) == .step("head"))
        #expect(throws: CollabError.self) { try flow.route(after: "ghost", values: [:]) }

        let draft = PurchaseFlow.draft { steps in
            steps[0].skipWhen = .field("amount", .lessThan, .number(500))
            steps[1].skipWhen = .isOneOf("category", [.choice("travel")])
        }
        let skipping = try ApprovalFlow(id: "p", organizationID: "o", version: 1, draft: draft, savedBy: "m", savedAt: Date())
        #expect(try skipping.firstStep(values: PurchaseFlow.values(100)) == .step("finance"))
        #expect(try skipping.firstStep(values: PurchaseFlow.values(100, category: "travel")) == .finish)
        #expect(try skipping.firstStep(values: PurchaseFlow.values(20_000, category: "travel")) == .step("head"))
        #expect(try skipping.nextStep(after: "head", values: PurchaseFlow.values(20_000, category: "travel")) == .step("manager"))
        #expect(skipping.timeout(of: skipping.steps[0]) == ApprovalPolicies.default.timeout)
    }

    @Test("form values: required present, known keys, kinds that match, choices among the options")
    func formValues() throws {
        let flow = try PurchaseFlow.flow()
        #expect(flow.validate(values: PurchaseFlow.values(12)).problems.isEmpty)
        let missing = flow.validate(values: ["amount": .number(1)]).problems
        #expect(missing.map(\.field) == ["values[category]"] && missing[0].kind == .missing)
        let wrong = flow.validate(values: [
            "amount": .text("12"), "category": .choice("food"), "extra": .boolean(true),
            "neededBy": .date(CalendarDate(year: 2026, month: 2, day: 30)),
        ]).problems
        #expect(wrong.map(\.field) == ["values[amount]", "values[category]", "values[extra]", "values[neededBy]"])
        #expect(wrong.map(\.kind) == [.mismatchedType, .unknownChoice, .unknownField, .malformed])
        let values: ApprovalFormValues = ["amount": .number(Decimal(1_234_567) / 100), "note": .text("打印纸")]
        let decoded = try JSONDecoder().decode(ApprovalFormValues.self, from: JSONEncoder().encode(values))
        #expect(decoded == values)
    }
}
