import CollabModel
import CollabTesting
import Testing

// The workflow tests build their worlds with CollabTesting's `Workplace`, `Footprint`, `TableSnapshot` and
// `requireFailure`, as a host's tests do. This file only adapts them to Swift Testing's shorthand.

extension Workplace {
    /// The harness (test shorthand for ``Workplace/harness``).
    var h: TestHarness { harness }
}

/// Runs `body`, which must fail with a `CollabError` of `code`; records a test issue at the caller's line
/// otherwise (through CollabTesting's `requireFailure`) and returns the error for further checks.
@discardableResult
func expectFailure(
    _ code: CollabError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> CollabError? {
    do {
        return try await requireFailure(code, comment.map { "\($0)" }, body)
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The table snapshot of the database at `path` (CollabTesting's `TableSnapshot`).
func tableSnapshot(_ path: String) async throws -> TableSnapshot {
    try await TableSnapshot(databasePath: path)
}
