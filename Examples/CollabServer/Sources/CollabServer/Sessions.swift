import CollabModel
import CollabStore
import Crypto
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Who sent a request: the member a bearer token maps to.
public struct Caller: Sendable, Hashable {
    public var memberID: Member.ID
    public var organizationID: Organization.ID
    /// A member of a supplier or customer: only the portal's routes answer them.
    public var isOutside: Bool
    public var token: String

    /// The caller of the request being handled, set by ``AuthenticationMiddleware``.
    @TaskLocal public static var current: Caller?
}

/// The server's sessions: bearer tokens mapped to members, in memory, each for a limited time.
///
/// An example's sign-in: every seeded member has the same passcode. A host with its own identity provider
/// keeps this mapping (token → member) and replaces ``signIn(member:passcode:)``.
public actor SessionBook {
    struct Session { var caller: Caller; var expiresAt: Date }
    private var sessions: [String: Session] = [:]
    private let store: any CollabStorage
    private let passcode: String
    private let lifetime: Duration
    private let now: @Sendable () -> Date

    init(store: any CollabStorage, passcode: String, lifetime: Duration, now: @escaping @Sendable () -> Date) {
        self.store = store
        self.passcode = passcode
        self.lifetime = lifetime
        self.now = now
    }

    /// A new session for an active member whose passcode matches; `nil` otherwise (an unknown member, a
    /// deactivated one and a wrong passcode answer alike).
    func signIn(member: String, passcode given: String) async throws -> (Caller, Date)? {
        // Compared as digests, in constant time over the digest, so the answer's time does not tell the passcode.
        let matches = SHA256.hash(data: Data(given.utf8)) == SHA256.hash(data: Data(passcode.utf8))
        guard matches, let id = Member.ID(validating: member), let record = try await store.member(id), record.isActive,
            let organization = try await store.organization(record.organizationID)
        else { return nil }
        var bytes = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(format: "%016llx", bytes.next() as UInt64) }.joined()
        let caller = Caller(
            memberID: record.id, organizationID: record.organizationID, isOutside: organization.kind != .internal,
            token: token)
        let expiresAt = now().addingTimeInterval(Double(lifetime.components.seconds))
        purgeExpired()
        sessions[token] = Session(caller: caller, expiresAt: expiresAt)
        return (caller, expiresAt)
    }

    /// The caller of an unexpired token.
    func caller(for token: String) -> Caller? {
        guard let session = sessions[token] else { return nil }
        guard session.expiresAt > now() else {
            sessions[token] = nil
            return nil
        }
        return session.caller
    }

    func signOut(_ token: String) { sessions[token] = nil }

    private func purgeExpired() {
        let now = now()
        sessions = sessions.filter { $0.value.expiresAt > now }
    }
}

extension Identifier {
    /// An identifier from a request, if it is one (non-empty, at most 200 characters).
    init?(validating text: String) {
        guard !text.isEmpty, text.count <= 200 else { return nil }
        self.init(rawValue: text)
    }
}

/// Maps the bearer token of every request to its ``Caller`` (401 without one), and answers a member of an
/// outside organization 404 on every route outside the portal, as for a missing record.
struct AuthenticationMiddleware: ServerMiddleware {
    let sessions: SessionBook
    /// Operations that need no token.
    static let open: Set<String> = ["health", "signIn"]
    /// The operations a supplier's or a customer's member may call.
    static let portal: Set<String> = [
        "signOut", "getMe", "listNotices", "markNoticesRead", "streamEvents", "listOrders", "getOrder",
        "proposeDeliveryDates", "confirmProposal", "listTickets", "openTicket", "getTicket", "replyToTicket",
    ]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        if Self.open.contains(operationID) { return try await next(request, body, metadata) }
        guard let header = request.headerFields[.authorization], header.lowercased().hasPrefix("bearer "),
            case let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces), !token.isEmpty,
            let caller = await sessions.caller(for: token)
        else {
            return APIFailure.unauthenticated.response
        }
        if caller.isOutside && !Self.portal.contains(operationID) {
            return APIFailure.notFound(path: request.path ?? "").response
        }
        return try await Caller.$current.withValue(caller) {
            try await next(request, body, metadata)
        }
    }
}
