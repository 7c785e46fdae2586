import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Helpers shared by the router tests: one server per test on its own temporary SQLite file, sign-in, requests
// with a bearer token, and the API's JSON bodies decoded into small local structs (dates kept as strings).

/// A server built by `buildApplication` on a fresh temporary SQLite file, seeded with the demo company.
enum TestServer {
    /// Runs `body` against a new server; `.router` sends requests straight to the router, `.live` listens on a
    /// free port (needed to read the event stream as it arrives).
    static func run<Value: Sendable>(
        _ setup: TestingSetup = .router, configure: (inout ServerOptions) -> Void = { _ in },
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("collab-server-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = ServerOptions()
        options.databasePath = folder.appendingPathComponent("collab.sqlite").path
        options.documentsPath = folder.appendingPathComponent("documents", isDirectory: true).path
        options.port = 0
        options.logLevel = .warning
        configure(&options)
        let app = try await buildApplication(options)
        return try await app.test(setup, body)
    }
}

/// A JSON header and a bearer token, ready to send.
func headers(_ token: String?, json: Bool = false, idempotencyKey: String? = nil) -> HTTPFields {
    var fields = HTTPFields()
    if let token { fields[.authorization] = "Bearer \(token)" }
    if json { fields[.contentType] = "application/json" }
    if let idempotencyKey { fields[.init("Idempotency-Key")!] = idempotencyKey }
    return fields
}

extension TestClientProtocol {
    /// Sends a request as the member of `token` (none: anonymous) with an optional JSON body.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, as token: String?, json: String? = nil, idempotencyKey: String? = nil
    ) async throws -> TestResponse {
        try await execute(
            uri: uri, method: method, headers: headers(token, json: json != nil, idempotencyKey: idempotencyKey),
            body: json.map { ByteBuffer(string: $0) })
    }

    /// Signs `member` in and answers the bearer token.
    func signIn(_ member: String, passcode: String = "collab", sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> String
    {
        let response = try await send(.post, "/api/sessions", as: nil, json: #"{"member":"\#(member)","passcode":"\#(passcode)"}"#)
        try #require(response.status == .created, "sign-in of \(member): \(response.text)", sourceLocation: sourceLocation)
        let session = try decode(SessionBody.self, response, sourceLocation: sourceLocation)
        #expect(session.member.id == member, sourceLocation: sourceLocation)
        return session.token
    }

    /// Sends and decodes a success answer of the expected status.
    func json<T: Decodable>(
        _ type: T.Type, _ method: HTTPRequest.Method, _ uri: String, as token: String?, body: String? = nil,
        idempotencyKey: String? = nil, expect status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> T {
        let response = try await send(method, uri, as: token, json: body, idempotencyKey: idempotencyKey)
        try #require(
            response.status == status, "\(method) \(uri): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
        return try decode(T.self, response, sourceLocation: sourceLocation)
    }

    /// Sends and answers the API error of the expected status.
    func failure(
        _ method: HTTPRequest.Method, _ uri: String, as token: String?, body: String? = nil, idempotencyKey: String? = nil,
        expect status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIErrorBody {
        let response = try await send(method, uri, as: token, json: body, idempotencyKey: idempotencyKey)
        #expect(
            response.status == status, "\(method) \(uri): \(response.status.code) \(response.text)", sourceLocation: sourceLocation)
        #expect(
            response.headers[.contentType]?.hasPrefix("application/json") == true, "\(method) \(uri): not JSON",
            sourceLocation: sourceLocation)
        return try decode(APIErrorBody.self, response, sourceLocation: sourceLocation)
    }

    /// Expects `method path` answered for `realID` exactly as for an identifier that does not exist: 404
    /// `not_found`, the same JSON keys, and the same message once each identifier is replaced by a placeholder.
    func expectHidden(
        _ method: HTTPRequest.Method, _ path: String, id realID: String, as token: String, body: String? = nil,
        placeholder: String = "{id}", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let madeUpID = "zz-made-up-record-0"
        let real = try await send(method, path.replacingOccurrences(of: placeholder, with: realID), as: token, json: body)
        let missing = try await send(method, path.replacingOccurrences(of: placeholder, with: madeUpID), as: token, json: body)
        #expect(real.status == .notFound, "\(method) \(path) [\(realID)]: \(real.status.code) \(real.text)", sourceLocation: sourceLocation)
        #expect(missing.status == .notFound, "\(method) \(path) [made up]: \(missing.status.code) \(missing.text)",
            sourceLocation: sourceLocation)
        guard let realError = try? JSONDecoder().decode(APIErrorBody.self, from: real.data),
            let missingError = try? JSONDecoder().decode(APIErrorBody.self, from: missing.data)
        else {
            Issue.record("\(method) \(path): not an Error body: \(real.text) / \(missing.text)", sourceLocation: sourceLocation)
            return
        }
        #expect(realError.code == "not_found", "\(method) \(path): \(real.text)", sourceLocation: sourceLocation)
        #expect(missingError.code == "not_found", sourceLocation: sourceLocation)
        #expect(real.jsonKeys == missing.jsonKeys, "\(method) \(path): \(real.text) / \(missing.text)", sourceLocation: sourceLocation)
        #expect(
            realError.message.replacingOccurrences(of: realID, with: "<id>")
                == missingError.message.replacingOccurrences(of: madeUpID, with: "<id>"),
            "\(method) \(path): '\(realError.message)' vs '\(missingError.message)'", sourceLocation: sourceLocation)
        #expect(realError.problems == missingError.problems, sourceLocation: sourceLocation)
    }
}

extension TestResponse {
    var data: Data { Data(body.readableBytesView) }
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }
    /// The top-level keys of a JSON object body.
    var jsonKeys: Set<String> {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]).map { Set($0.keys) } ?? []
    }
}

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    do {
        return try JSONDecoder().decode(T.self, from: response.data)
    } catch {
        Issue.record("cannot decode \(T.self) from \(response.text): \(error)", sourceLocation: sourceLocation)
        throw error
    }
}

/// An ISO 8601 date-time of the API (with or without fractional seconds) as an instant, for ordering.
func instant(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> Date {
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = fractional.date(from: text) ?? ISO8601DateFormatter().date(from: text) { return date }
    Issue.record("not an ISO 8601 date-time: '\(text)'", sourceLocation: sourceLocation)
    return .distantPast
}

/// Base64 of a UTF-8 text (a file attached to a progress report).
func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

// MARK: - The API's bodies

struct APIErrorBody: Decodable, Equatable, Sendable {
    struct Problem: Decodable, Equatable, Sendable { var field: String; var message: String }
    var code: String
    var message: String
    var problems: [Problem]?
}

struct DepartmentRole: Decodable, Sendable { var id: String; var name: String; var head: Bool }

struct MeBody: Decodable, Sendable {
    var id: String
    var name: String
    var organizationID: String
    var organizationName: String
    var outside: Bool
    var administrator: Bool
    var locale: String
    var departments: [DepartmentRole]
}

struct SessionBody: Decodable, Sendable { var token: String; var expiresAt: String?; var member: MeBody }
struct HealthBody: Decodable, Sendable { var status: String }
struct MemberSummaryBody: Decodable, Sendable { var id: String; var name: String; var departments: [String] }

struct ItemSummaryBody: Decodable, Sendable {
    var id: String
    var title: String
    var state: String
    var priority: String
    var dueAt: String
    var overdue: Bool?
    var assignees: [String]
    var initiator: String
    var version: Int
}

struct AttachmentBody: Decodable, Sendable { var fileName: String; var mediaType: String; var size: Int; var documentID: String? }

struct ItemBody: Decodable, Sendable {
    var id: String
    var title: String
    var description: String
    var state: String
    var priority: String
    var dueAt: String
    var assignees: [String]
    var initiator: String
    var reviewer: String
    var departments: [String]
    var tags: [String]?
    var progressPercent: Int?
    var pendingAdjustment: String?
    var attachments: [AttachmentBody]
    var version: Int
    var createdAt: String
    var updatedAt: String
    var closedAt: String?
}

struct ProgressBody: Decodable, Sendable {
    var author: String
    var text: String
    var percent: Int?
    var at: String
    var attachments: [AttachmentBody]?
}

struct AdjustmentBody: Decodable, Sendable {
    var id: String
    var item: String
    var requester: String
    var status: String
    var reason: String
    var newDueAt: String?
    var createdAt: String
}

struct ItemDetailBody: Decodable, Sendable {
    var item: ItemBody
    var actions: [String]
    var progress: [ProgressBody]
    var adjustments: [AdjustmentBody]
    var names: [String: String]
}

struct ItemPageBody: Decodable, Sendable { var items: [ItemSummaryBody]; var nextCursor: String? }
struct AuditEntryBody: Decodable, Sendable { var at: String; var actor: String; var actorName: String?; var action: String; var detail: String? }

struct NoticeBody: Decodable, Sendable {
    var id: String
    var kind: String
    var title: String
    var body: String
    var recordKind: String?
    var recordID: String?
    var createdAt: String
    var read: Bool
}

struct NoticePageBody: Decodable, Sendable { var items: [NoticeBody]; var unreadCount: Int; var nextCursor: String? }
struct CountBody: Decodable, Sendable { var count: Int }
struct TodoEntryBody: Decodable, Sendable { var item: ItemSummaryBody; var reasons: [String] }
struct TodoPageBody: Decodable, Sendable { var items: [TodoEntryBody]; var nextCursor: String? }

struct AnnouncementBody: Decodable, Sendable {
    var id: String
    var title: String
    var body: String
    var author: String
    var publishedAt: String
    var requiresAcknowledgement: Bool
    var acknowledgeBy: String?
    var acknowledged: Bool
    var pinned: Bool
}

struct AnnouncementPageBody: Decodable, Sendable { var items: [AnnouncementBody]; var nextCursor: String? }

struct ReachBody: Decodable, Sendable {
    struct Department: Decodable, Sendable { var department: String; var recipients: Int; var read: Int; var acknowledged: Int }
    var recipients: Int
    var delivered: Int
    var read: Int
    var acknowledged: Int
    var departments: [Department]
}

struct FiguresBody: Decodable, Sendable {
    var label: String
    var created: Int
    var open: Int
    var completed: Int
    var completedOnTime: Int?
    var overdueOpen: Int
    var completionRate: Double?
    var onTimeRate: Double?
}

struct BoardBody: Decodable, Sendable {
    var title: String
    var generatedAt: String
    var figures: FiguresBody
    var departments: [FiguresBody]
    var trend: [FiguresBody]
    var topOverdue: [ItemSummaryBody]
    var departmentChartSVG: String
    var trendChartSVG: String
}

struct OrderLineBody: Decodable, Sendable {
    var number: Int
    var description: String
    var quantity: Double
    var unit: String?
    var requiredDate: String
    var confirmedDate: String?
}

struct OrderBody: Decodable, Sendable {
    var id: String
    var number: String
    var title: String
    var buyer: String
    var supplier: String
    var status: String
    var lines: [OrderLineBody]
    var version: Int
}

struct ProposalBody: Decodable, Sendable {
    struct Line: Decodable, Sendable { var line: Int; var date: String }
    var number: Int
    var side: String
    var author: String
    var status: String
    var note: String?
    var lines: [Line]
}

struct OrderDetailBody: Decodable, Sendable { var order: OrderBody; var proposals: [ProposalBody] }
struct OrderPageBody: Decodable, Sendable { var items: [OrderBody]; var nextCursor: String? }

struct TicketBody: Decodable, Sendable {
    var id: String
    var title: String
    var status: String
    var priority: String?
    var category: String?
    var customer: String
    var department: String?
    var openedAt: String
    var version: Int?
}

struct TicketMessageBody: Decodable, Sendable { var author: String; var authorName: String?; var body: String; var at: String; var `internal`: Bool }
struct TicketDetailBody: Decodable, Sendable { var ticket: TicketBody; var messages: [TicketMessageBody] }
struct TicketPageBody: Decodable, Sendable { var items: [TicketBody]; var nextCursor: String? }

// MARK: - Scenario helpers

/// A new item created by `initiator` (201), assigned to `assignees`.
func createItem(
    _ client: some TestClientProtocol, as token: String, title: String, assignees: [String], reviewer: String? = nil,
    departments: [String]? = nil, dueDate: String = "2030-01-15", idempotencyKey: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> ItemBody {
    var fields = [
        #""title":"\#(title)""#, #""description":"Created by a router test.""#, #""priority":"high""#,
        #""assignees":[\#(assignees.map { "\"\($0)\"" }.joined(separator: ","))]"#, #""dueDate":"\#(dueDate)""#,
    ]
    if let reviewer { fields.append(#""reviewer":"\#(reviewer)""#) }
    if let departments { fields.append(#""departments":[\#(departments.map { "\"\($0)\"" }.joined(separator: ","))]"#) }
    return try await client.json(
        ItemBody.self, .post, "/api/items", as: token, body: "{\(fields.joined(separator: ","))}",
        idempotencyKey: idempotencyKey, expect: .created, sourceLocation: sourceLocation)
}

/// The documents attached to an item, on the item itself or on its progress reports, by file name.
func attachedDocuments(
    _ client: some TestClientProtocol, item id: String, as token: String, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [String: String] {
    let detail = try await client.json(ItemDetailBody.self, .get, "/api/items/\(id)", as: token, sourceLocation: sourceLocation)
    var documents: [String: String] = [:]
    for attachment in detail.item.attachments + detail.progress.flatMap({ $0.attachments ?? [] }) {
        if let document = attachment.documentID { documents[attachment.fileName] = document }
    }
    return documents
}

// MARK: - A raw HTTP connection (the event stream, read as it arrives)

/// A blocking TCP connection to the live test server, read chunk by chunk (each read waits at most one second),
/// for `GET /api/events`, whose body never ends.
final class RawConnection: @unchecked Sendable {
    enum ReadResult: Sendable { case data(String), timedOut, closed }
    private let descriptor: Int32

    init(port: Int) throws {
        var connected: Int32 = -1
        // The live test server listens on "localhost": IPv4 first, then IPv6.
        let v4 = socket(AF_INET, Self.streamType, 0)
        if v4 >= 0 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(v4, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if rc == 0 { connected = v4 } else { _ = close(v4) }
        }
        if connected < 0 {
            let v6 = socket(AF_INET6, Self.streamType, 0)
            if v6 >= 0 {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = in_port_t(UInt16(port).bigEndian)
                address.sin6_addr = in6addr_loopback
                let rc = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(v6, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                }
                if rc == 0 { connected = v6 } else { _ = close(v6) }
            }
        }
        guard connected >= 0 else { throw ConnectionError(message: "cannot connect to port \(port)") }
        descriptor = connected
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    #if canImport(Glibc)
    private static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    private static let streamType = SOCK_STREAM
    #endif

    struct ConnectionError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    func write(_ text: String) throws {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, 0)
            }
            guard written > 0 else { throw ConnectionError(message: "write failed") }
            offset += written
        }
        bytes.removeAll()
    }

    /// One read, off the cooperative thread pool (it blocks for up to a second).
    func read() async -> ReadResult {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var buffer = [UInt8](repeating: 0, count: 16_384)
                let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress!, $0.count, 0) }
                if count > 0 {
                    continuation.resume(returning: .data(String(decoding: buffer[0..<count], as: UTF8.self)))
                } else if count == 0 {
                    continuation.resume(returning: .closed)
                } else {
                    continuation.resume(returning: .timedOut)
                }
            }
        }
    }

    /// Reads until `done` holds for everything read so far, at most `maxReads` reads; answers what was read.
    func read(upTo maxReads: Int, until done: (String) -> Bool) async -> String {
        var text = ""
        for _ in 0..<maxReads {
            switch await read() {
            case .data(let chunk): text += chunk
            case .timedOut: break
            case .closed: return text
            }
            if done(text) { break }
        }
        return text
    }

    deinit { _ = close(descriptor) }
}
