import CollabModel
import CollabWorkflow
import Foundation
import Logging
import OpenAPIRuntime
import ServiceLifecycle
import Synchronization

/// The notification hook behind `GET /api/events`: every notice the runner delivers goes to the open
/// streams of its recipient, as a server-sent event `notice` whose data is the notice as JSON.
///
/// A notice delivered while its recipient has no stream open is not lost: it stays in the message center
/// (`GET /api/notices`); the stream only tells a signed-in page that something arrived. On graceful shutdown
/// every stream ends, so the HTTP server can drain.
public final class NotificationStream: NotificationHook, Service {
    public let name = "server-sent-events"
    private struct Subscribers: ~Copyable {
        var byMember: [Member.ID: [UUID: AsyncStream<ServerSentEvent>.Continuation]] = [:]
        var closed = false
    }
    private let subscribers = Mutex(Subscribers())
    private let heartbeat: Duration

    init(heartbeat: Duration = .seconds(15)) {
        self.heartbeat = heartbeat
    }

    /// The events for `member` from now on, ending on shutdown or when the client goes away.
    func events(for member: Member.ID) -> AsyncStream<ServerSentEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ServerSentEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let accepted = subscribers.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.byMember[member, default: [:]][id] = continuation
            return true
        }
        guard accepted else {
            continuation.finish()
            return stream
        }
        // The first event says the stream is open; a `ping` every `heartbeat` keeps proxies from closing it.
        continuation.yield(ServerSentEvent(event: "ready", data: #"{"member":"\#(member.rawValue)"}"#))
        let heartbeat = heartbeat
        // Made inside the handler, the task inherits the server's graceful shutdown: the stream ends when the
        // server begins to drain its connections (an open stream would otherwise hold the drain).
        let pinger = Task {
            await withGracefulShutdownHandler {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await Task.sleep(for: heartbeat)
                    if Task.isCancelled { break }
                    continuation.yield(ServerSentEvent(event: "ping", data: "{}"))
                }
            } onGracefulShutdown: {
                continuation.finish()
            }
        }
        continuation.onTermination = { [weak self] _ in
            pinger.cancel()
            self?.subscribers.withLock { state in
                state.byMember[member]?[id] = nil
                if state.byMember[member]?.isEmpty == true { state.byMember[member] = nil }
            }
        }
        return stream
    }

    /// How many streams are open (for the metrics and the tests).
    var openStreams: Int { subscribers.withLock { $0.byMember.values.reduce(0) { $0 + $1.count } } }

    public func deliver(_ delivery: NoticeDelivery) async throws {
        let notice = delivery.notice
        let continuations = subscribers.withLock { Array(($0.byMember[notice.recipientID] ?? [:]).values) }
        guard !continuations.isEmpty else { return }
        let payload = Components.Schemas.Notice(notice)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let data = String(decoding: try encoder.encode(payload), as: UTF8.self)
        for continuation in continuations {
            continuation.yield(ServerSentEvent(id: notice.id.rawValue, event: "notice", data: data))
        }
    }

    /// Ends every stream and refuses new ones.
    func close() {
        let all = subscribers.withLock { state in
            state.closed = true
            defer { state.byMember = [:] }
            return state.byMember.values.flatMap(\.values)
        }
        for continuation in all { continuation.finish() }
    }

    /// Waits for the graceful shutdown, then ends the streams.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }
}
