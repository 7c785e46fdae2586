import CollabModel

extension CollabError.Code {
    /// Thrown by ``requireFailure(_:_:_:)`` when a call did not fail as the test required; never thrown by
    /// Collab itself.
    public static let expectationFailed = CollabError.Code(rawValue: "expectation_failed")
}

/// Runs `body`, which must fail with a ``CollabModel/CollabError`` of `code`, and returns that error for
/// further checks (its message, its problems).
///
/// The helper does not depend on a test framework: it throws when the expectation is not met, so it works
/// in Swift Testing (a thrown error fails the test) and in XCTest alike.
///
/// ```swift
/// let error = try await requireFailure(.invalidInput) {
///     try await engine.create(draftWithoutTitle, by: "boss")
/// }
/// #expect(error.problems.map(\.field) == ["title"])
/// ```
///
/// - Parameters:
///   - code: The code the call must fail with.
///   - comment: Words added to the message of a failed expectation, to tell the cases of a test apart.
///   - body: The call.
/// - Returns: The error `body` threw.
/// - Throws: A `CollabError` of code ``CollabModel/CollabError/Code/expectationFailed`` saying what happened
///   instead — the call succeeded, failed with another code (its error is quoted), or threw an error that is
///   not a `CollabError`.
@discardableResult
public func requireFailure(
    _ code: CollabError.Code, _ comment: String? = nil, _ body: () async throws -> Void
) async throws(CollabError) -> CollabError {
    let context = comment.map { " (\($0))" } ?? ""
    do {
        try await body()
    } catch let error as CollabError {
        guard error.code == code else {
            throw CollabError(.expectationFailed, "expected \(code)\(context), got \(error)")
        }
        return error
    } catch {
        throw CollabError(.expectationFailed, "expected \(code)\(context), got an error that is not a CollabError: \(error)")
    }
    throw CollabError(.expectationFailed, "expected \(code)\(context), but the call succeeded")
}
