import Foundation

/// How tickets route between departments: the host's rules, set in the engine's configuration.
///
/// A ticket takes the first route whose categories include its category (a route without categories
/// takes every category), starts at the route's first department, and moves to the next one when the
/// department handling it forwards it.
public struct TicketRouting: Hashable, Sendable, Codable {
    /// A route.
    public struct Route: Hashable, Sendable, Codable {
        /// The route's name ("installation").
        public var name: String
        /// The ticket categories it takes (empty: all).
        public var categories: Set<String>
        /// The departments in order (sales, technology, after-sales).
        public var departmentIDs: [Department.ID]

        /// Creates a route.
        public init(_ name: String, categories: Set<String> = [], departments: [Department.ID]) {
            self.name = name
            self.categories = categories
            self.departmentIDs = departments
        }
    }

    /// The routes, tried in order.
    public var routes: [Route]

    /// Creates routing rules.
    public init(routes: [Route] = []) {
        self.routes = routes
    }

    /// The route a ticket of `category` takes, if any.
    public func route(for category: String) -> Route? {
        routes.first { !$0.departmentIDs.isEmpty && ($0.categories.isEmpty || $0.categories.contains(category)) }
    }
}

/// The service targets of tickets, in working time of the handling company's calendar: one pair of
/// targets for **each** priority.
///
/// Every priority has its own targets, and nothing falls back to another priority's: the initializers
/// take all three (``init(high:medium:low:)``), ``init(byPriority:)`` refuses a dictionary that leaves
/// one out, and decoding refuses JSON that leaves one out. To give every priority the same targets, say so:
/// ``init(all:)``.
public struct TicketServiceTargets: Hashable, Sendable, Codable {
    /// The targets for one priority.
    public struct Targets: Hashable, Sendable, Codable {
        /// Until the first reply to the customer.
        public var firstResponse: Duration
        /// Until the ticket is resolved.
        public var resolution: Duration

        /// Creates targets.
        public init(firstResponse: Duration, resolution: Duration) {
            self.firstResponse = firstResponse
            self.resolution = resolution
        }
    }

    /// The targets of high-priority tickets.
    public var high: Targets
    /// The targets of medium-priority tickets.
    public var medium: Targets
    /// The targets of low-priority tickets.
    public var low: Targets

    /// The default targets: 1 h / 8 h (high), 4 h / 24 h (medium), 8 h / 40 h (low) of working time.
    public init() {
        self.init(
            high: Targets(firstResponse: .seconds(3600), resolution: .seconds(8 * 3600)),
            medium: Targets(firstResponse: .seconds(4 * 3600), resolution: .seconds(24 * 3600)),
            low: Targets(firstResponse: .seconds(8 * 3600), resolution: .seconds(40 * 3600)))
    }

    /// Creates service targets, one pair per priority.
    public init(high: Targets, medium: Targets, low: Targets) {
        self.high = high
        self.medium = medium
        self.low = low
    }

    /// The same targets for every priority, chosen explicitly.
    public init(all targets: Targets) {
        self.init(high: targets, medium: targets, low: targets)
    }

    /// Creates service targets from a dictionary that names every priority (a host's configuration file).
    ///
    /// - Throws: `CollabError.Code.invalidInput` naming each priority left out (`byPriority.high`, …):
    ///   targets given for one priority are never applied to another.
    public init(byPriority: [Priority: Targets]) throws(CollabError) {
        var report = ValidationReport()
        for priority in Priority.allCases where byPriority[priority] == nil {
            report.add("byPriority.\(priority.rawValue)", .missing,
                "no service targets for \(priority.rawValue) priority; give every priority its own, or use init(all:)")
        }
        try report.throwIfInvalid()
        guard let high = byPriority[.high], let medium = byPriority[.medium], let low = byPriority[.low] else {
            throw CollabError(.invalidInput, "service targets must name every priority")
        }
        self.init(high: high, medium: medium, low: low)
    }

    /// The targets by priority: every priority, each with its own.
    public var byPriority: [Priority: Targets] { [.high: high, .medium: medium, .low: low] }

    /// The targets of `priority`.
    public subscript(priority: Priority) -> Targets {
        get {
            switch priority {
            case .high: high
            case .medium: medium
            case .low: low
            }
        }
        set {
            switch priority {
            case .high: high = newValue
            case .medium: medium = newValue
            case .low: low = newValue
            }
        }
    }

    /// The targets of a priority.
    public func targets(for priority: Priority) -> Targets { self[priority] }
}
