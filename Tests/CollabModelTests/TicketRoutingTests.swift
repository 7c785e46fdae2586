import CollabModel
import Foundation
import Testing

@Suite struct TicketServiceTargetsTests {
    static let medium = TicketServiceTargets.Targets(firstResponse: .seconds(3600), resolution: .seconds(4 * 3600))
    static let high = TicketServiceTargets.Targets(firstResponse: .seconds(900), resolution: .seconds(2 * 3600))
    static let low = TicketServiceTargets.Targets(firstResponse: .seconds(8 * 3600), resolution: .seconds(40 * 3600))

    @Test("targets given for one priority are refused, not silently applied to the others")
    func onePriorityIsRefused() {
        #expect(throws: CollabError.self) {
            try TicketServiceTargets(byPriority: [.medium: Self.medium])
        }
        do {
            _ = try TicketServiceTargets(byPriority: [.medium: Self.medium])
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.problems.map(\.field) == ["byPriority.high", "byPriority.low"])
            #expect(error.problems.allSatisfy { $0.kind == .missing })
        }
    }

    @Test("each priority has its own targets; one for all is said explicitly")
    func eachPriorityItsOwn() throws {
        let targets = try TicketServiceTargets(byPriority: [.high: Self.high, .medium: Self.medium, .low: Self.low])
        #expect(targets == TicketServiceTargets(high: Self.high, medium: Self.medium, low: Self.low))
        #expect(targets.targets(for: .high) == Self.high && targets.targets(for: .medium) == Self.medium
            && targets.targets(for: .low) == Self.low)
        #expect(targets.byPriority == [.high: Self.high, .medium: Self.medium, .low: Self.low])
        let same = TicketServiceTargets(all: Self.medium)
        #expect(Priority.allCases.allSatisfy { same.targets(for: $0) == Self.medium })
        var changed = TicketServiceTargets()
        changed[.low] = Self.low
        #expect(changed.low == Self.low && changed.high == TicketServiceTargets().high)
    }

    @Test("a configuration decoded from JSON must name every priority")
    func decodingNamesEveryPriority() throws {
        let full = try JSONEncoder().encode(TicketServiceTargets(high: Self.high, medium: Self.medium, low: Self.low))
        let decoded = try JSONDecoder().decode(TicketServiceTargets.self, from: full)
        #expect(decoded == TicketServiceTargets(high: Self.high, medium: Self.medium, low: Self.low))
        let onlyMedium = try JSONEncoder().encode(["medium": Self.medium])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TicketServiceTargets.self, from: onlyMedium) }
    }
}
