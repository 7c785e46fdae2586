import CollabModel
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// An answer other than success: an HTTP status and the API's `Error` body.
///
/// Collab's errors map by code: `not_found` 404 (a record the caller may not see reads exactly like one that
/// does not exist: the engine answers both alike), `forbidden` 403, `invalid_input` 422,
/// `invalid_transition`, `conflict`, `idempotency_key_reused`, `already_exists`, `stale_directory` and
/// `stale_settings` 409, `rate_limited` and `quota_exceeded` 429, `storage_full` 507, the other storage codes
/// 503.
struct APIFailure: Error {
    var status: Int
    var body: Components.Schemas._Error

    static let unauthenticated = APIFailure(
        status: 401, body: .init(code: "unauthenticated", message: "sign in first: no valid bearer token was sent"))
    static let badCredentials = APIFailure(
        status: 401, body: .init(code: "unauthenticated", message: "unknown member or wrong passcode"))

    /// A missing record, worded as the engine words it (`no work item with id '…'`).
    static func notFound(_ kind: String, _ id: String) -> APIFailure {
        APIFailure(CollabError.notFound(kind, id))
    }

    /// The answer to a member of an outside organization on an internal route: what a missing record (or, for
    /// a route that names none, a missing resource) answers.
    static func notFound(path: String) -> APIFailure {
        let segments = path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        let kinds = ["items": "work item", "adjustments": "adjustment request", "announcements": "announcement",
            "documents": "document"]
        if segments.count >= 3, segments[0] == "api", let kind = kinds[segments[1]] {
            return notFound(kind, segments[2].removingPercentEncoding ?? segments[2])
        }
        return APIFailure(status: 404, body: .init(
            code: CollabError.Code.notFound.rawValue, message: "no resource at '\(segments.joined(separator: "/"))'"))
    }

    /// Invalid input found by the server before the engine (a malformed date, an unknown enum value).
    static func invalid(_ field: String, _ message: String) -> APIFailure {
        APIFailure(status: 422, body: .init(
            code: CollabError.Code.invalidInput.rawValue, message: "\(field): \(message)",
            problems: [.init(field: field, message: message)]))
    }

    init(status: Int, body: Components.Schemas._Error) {
        self.status = status
        self.body = body
    }

    init(_ error: any Error) {
        switch error {
        case let failure as APIFailure:
            self = failure
        case let error as CollabError:
            self.init(status: Self.status(of: error.code), body: .init(
                code: error.code.rawValue, message: error.message,
                problems: error.problems.isEmpty ? nil : error.problems.map { .init(field: $0.field, message: $0.message) }))
        default:
            self.init(status: 500, body: .init(code: "internal", message: "the server failed: \(type(of: error))"))
        }
    }

    static func status(of code: CollabError.Code) -> Int {
        switch code {
        case .notFound: 404
        case .forbidden: 403
        case .invalidInput: 422
        case .invalidTransition, .conflict, .idempotencyKeyReused, .alreadyExists, .staleDirectory, .staleSettings: 409
        case .rateLimited, .quotaExceeded: 429
        case .storageFull: 507
        case .storageUnavailable, .storageInterrupted, .storageCorrupt, .storageFailure: 503
        default: 500
        }
    }

    /// The answer as raw HTTP, for middlewares that answer before any handler.
    var response: (HTTPResponse, HTTPBody?) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(body)) ?? Data(#"{"code":"internal","message":"encoding failed"}"#.utf8)
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        return (HTTPResponse(status: .init(code: status), headerFields: fields), HTTPBody(data))
    }
}

/// Turns what the generated code throws before a handler runs (a body that does not decode, a missing
/// parameter) into a 400 with the API's `Error` body, instead of a 500.
struct RequestErrorMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        // A POST without a Content-Type carries no JSON: an optional body is then absent (curl -X POST), not
        // an empty document that fails to decode.
        let body = request.headerFields[.contentType] == nil && request.method != .get ? nil : body
        // The document bounds the Idempotency-Key header (1 to 200 characters); the generated code does not.
        if let key = request.headerFields[HTTPField.Name("Idempotency-Key")!], key.isEmpty || key.count > 200 {
            return APIFailure.invalid("Idempotency-Key", "must be 1 to 200 characters, not \(key.count)").response
        }
        do {
            return try await next(request, body, metadata)
        } catch let error as ServerError {
            if let failure = error.underlyingError as? APIFailure { return failure.response }
            return APIFailure(status: 400, body: .init(
                code: CollabError.Code.invalidInput.rawValue,
                message: "malformed request to \(operationID): \(error.causeDescription)")).response
        }
    }
}
