import Foundation

/// The one error type of Collab: every failure a caller can see is a `CollabError`.
///
/// Switch on ``code`` to react; ``message`` says what was wrong and with which value, in words a support
/// engineer can act on. Errors never carry row contents or secrets.
///
/// ```swift
/// do {
///     try await engine.approve(itemID, by: reviewer)
/// } catch let error where error.code == .conflict {
///     // reload and retry
/// }
/// ```
public struct CollabError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// What kind of failure this is.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input failed validation; ``CollabError/problems`` lists every problem found.
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// The named value does not exist, or the actor may not see it (the two are never told apart).
        public static let notFound = Code(rawValue: "not_found")
        /// The actor may see the value but may not perform the action.
        public static let forbidden = Code(rawValue: "forbidden")
        /// The action is not allowed in the item's current state.
        public static let invalidTransition = Code(rawValue: "invalid_transition")
        /// Someone else changed the value first (optimistic concurrency): reload and decide again.
        public static let conflict = Code(rawValue: "conflict")
        /// The directory (organizations, departments, members, calendars) changed after the command read
        /// it, so its authorization and validation may be out of date; nothing was written. The engine plans
        /// such a command again by itself.
        public static let staleDirectory = Code(rawValue: "stale_directory")
        /// An organization's run-time settings (ticket routing, service targets, timer defaults) changed
        /// after the command read them, so what it planned may follow the old settings; nothing was written.
        /// The engine plans such a command again by itself.
        public static let staleSettings = Code(rawValue: "stale_settings")
        /// The idempotency key was already used for a different command.
        public static let idempotencyKeyReused = Code(rawValue: "idempotency_key_reused")
        /// The same request came again too soon (a reminder within the reminder interval); nothing was
        /// written. The message says when it may be asked again.
        public static let rateLimited = Code(rawValue: "rate_limited")
        /// A value with the same identity already exists.
        public static let alreadyExists = Code(rawValue: "already_exists")
        /// An organization's documents would hold more bytes than its quota allows; nothing was written.
        public static let quotaExceeded = Code(rawValue: "quota_exceeded")
        /// The database or its disk is full.
        public static let storageFull = Code(rawValue: "storage_full")
        /// The database stayed busy or locked beyond the retry budget, or could not be opened.
        public static let storageUnavailable = Code(rawValue: "storage_unavailable")
        /// The operation was interrupted before it committed; nothing was written.
        public static let storageInterrupted = Code(rawValue: "storage_interrupted")
        /// The database file is damaged or is not a Collab database.
        public static let storageCorrupt = Code(rawValue: "storage_corrupt")
        /// Any other storage failure; nothing was written.
        public static let storageFailure = Code(rawValue: "storage_failure")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong, with the offending value where that is safe to show.
    public var message: String
    /// For ``Code/invalidInput``: every problem found, all at once.
    public var problems: [ValidationProblem]

    /// Creates an error.
    public init(_ code: Code, _ message: String, problems: [ValidationProblem] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    public var description: String {
        if problems.isEmpty { return "\(code): \(message)" }
        return "\(code): \(message) [" + problems.map(\.description).joined(separator: "; ") + "]"
    }

    public var errorDescription: String? { description }

    /// An ``Code/invalidInput`` error listing `problems`.
    public static func invalid(_ problems: [ValidationProblem]) -> CollabError {
        CollabError(
            .invalidInput,
            problems.count == 1 ? "1 problem in the input" : "\(problems.count) problems in the input",
            problems: problems)
    }

    /// A ``Code/notFound`` error for a value of `kind` with `id`.
    public static func notFound(_ kind: String, _ id: String) -> CollabError {
        CollabError(.notFound, "no \(kind) with id '\(id)'")
    }
}
