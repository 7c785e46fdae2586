import CollabModel
import Foundation
import Testing

@Suite struct ApprovalConditionTests {
    let values: ApprovalFormValues = [
        "amount": .number(10_000), "category": .choice("it"), "neededBy": .date(CalendarDate(year: 2026, month: 12, day: 1)),
        "urgent": .boolean(true),
    ]

    @Test("comparisons on numbers and dates order them; equality compares values of the same kind")
    func comparisons() {
        let table: [(ApprovalCondition, Bool)] = [
            (.field("amount", .equals, .number(10_000)), true),
            (.field("amount", .equals, .number(Decimal(1_000_000) / 100)), true),
            (.field("amount", .notEquals, .number(10_000)), false),
            (.field("amount", .atLeast, .number(10_000)), true),
            (.field("amount", .greaterThan, .number(10_000)), false),
            (.field("amount", .atMost, .number(10_000)), true),
            (.field("amount", .lessThan, .number(Decimal(1_000_001) / 100)), true),
            (.field("neededBy", .lessThan, .date(CalendarDate(year: 2027, month: 1, day: 1))), true),
            (.field("neededBy", .greaterThan, .date(CalendarDate(year: 2026, month: 12, day: 1))), false),
            (.field("urgent", .equals, .boolean(true)), true),
            (.field("amount", .equals, .text("10000")), false),
            (.isOneOf("category", [.choice("office"), .choice("it")]), true),
            (.isOneOf("category", [.choice("travel")]), false),
        ]
        for (condition, expected) in table {
            #expect(condition.matches(values) == expected, "\(condition)")
        }
    }

    @Test("a comparison with an empty field is false, notEquals included; not() says 'or empty'")
    func emptyFields() {
        #expect(!ApprovalCondition.field("note", .equals, .text("x")).matches(values))
        #expect(!ApprovalCondition.field("note", .notEquals, .text("x")).matches(values))
        #expect(ApprovalCondition.not(.field("note", .equals, .text("x"))).matches(values))
        #expect(!ApprovalCondition.isOneOf("note", [.text("x")]).matches(values))
    }

    @Test("all, any and not combine; all of nothing holds, any of nothing does not")
    func combinations() throws {
        let large = ApprovalCondition.field("amount", .atLeast, .number(5_000))
        let travel = ApprovalCondition.isOneOf("category", [.choice("travel")])
        #expect(ApprovalCondition.all([large, .not(travel)]).matches(values))
        #expect(!ApprovalCondition.all([large, travel]).matches(values))
        #expect(ApprovalCondition.any([travel, large]).matches(values))
        #expect(ApprovalCondition.all([]).matches(values))
        #expect(!ApprovalCondition.any([]).matches(values))
        let nested = ApprovalCondition.any([.all([large, .not(travel)]), .field("urgent", .equals, .boolean(false))])
        let json = try JSONEncoder().encode(nested)
        #expect(try JSONDecoder().decode(ApprovalCondition.self, from: json) == nested)
        let documented = try JSONDecoder().decode(
            ApprovalCondition.self, from: Data(#"{"field": "amount", "is": "atLeast", "value": {"number": "10000"}}"#.utf8))
        #expect(documented == .field("amount", .atLeast, .number(10_000)))
    }
}
