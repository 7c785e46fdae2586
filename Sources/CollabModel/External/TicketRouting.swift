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

/// The service targets of tickets, in working time of the handling company's calendar.
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

    /// The targets by priority.
    public var byPriority: [Priority: Targets]

    /// Creates service targets; the defaults are 1 h / 8 h (high), 4 h / 24 h (medium), 8 h / 40 h (low)
    /// of working time.
    public init(byPriority: [Priority: Targets] = [
        .high: Targets(firstResponse: .seconds(3600), resolution: .seconds(8 * 3600)),
        .medium: Targets(firstResponse: .seconds(4 * 3600), resolution: .seconds(24 * 3600)),
        .low: Targets(firstResponse: .seconds(8 * 3600), resolution: .seconds(40 * 3600)),
    ]) {
        self.byPriority = byPriority
    }

    /// The targets of a priority (the medium ones when none is set).
    public func targets(for priority: Priority) -> Targets {
        byPriority[priority] ?? byPriority[.medium]
            ?? Targets(firstResponse: .seconds(4 * 3600), resolution: .seconds(24 * 3600))
    }
}
