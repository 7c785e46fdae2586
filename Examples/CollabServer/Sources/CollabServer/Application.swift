import CollabModel
import CollabReports
import CollabStore
import CollabStorePostgres
import CollabWorkflow
import Foundation
import Hummingbird
import Logging
import Metrics
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// Builds the server: the store, the engine with its runner (timers, notification delivery, retention), the
/// API generated from `openapi.yaml`, the dashboard's files, `/metrics` and the live notification stream.
///
/// `try await buildApplication(options).runService()` runs it until SIGINT or SIGTERM, then shuts down in
/// order: the HTTP server stops taking requests and finishes those under way (open notification streams
/// end), the runner finishes the delivery under way, the store closes last.
public func buildApplication(_ options: ServerOptions) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "collab.server")
    logger.logLevel = options.logLevel

    // Metrics: one Prometheus registry per server, shared by Collab's engine and the HTTP middleware.
    let registry = PrometheusCollectorRegistry()
    let metrics = PrometheusMetricsFactory(registry: registry)

    // The store: PostgreSQL when given a URL, the embedded SQLite file otherwise.
    let store: any CollabStorage
    var services: [any Service] = []
    let documentsFolder: URL
    if let url = options.postgresURL {
        var configuration = try PostgresStore.Configuration(url: url)
        configuration.logger = logger
        configuration.logger.logLevel = max(options.logLevel, .notice)
        let postgres = try await PostgresStore.start(configuration)
        store = postgres
        services.append(StoreService(store: postgres))
        documentsFolder = URL(fileURLWithPath: options.documentsPath ?? "collab-server-documents", isDirectory: true)
    } else {
        let path = options.databasePath ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("collab-server-\(UUID().uuidString).sqlite").path
        store = try SQLiteStore(path: path)
        documentsFolder = URL(fileURLWithPath: options.documentsPath ?? URL(fileURLWithPath: path)
            .deletingLastPathComponent().appendingPathComponent("collab-server-documents").path, isDirectory: true)
    }

    var configuration = WorkflowEngine.Configuration()
    configuration.logger = logger
    configuration.logger.logLevel = max(options.logLevel, .notice)
    configuration.metricsFactory = metrics
    DemoCompany.configure(&configuration)
    configuration.documents.store = try FileSystemDocumentStore(directory: documentsFolder)
    let engine = WorkflowEngine(store: store, configuration: configuration)
    if options.seedDemo, try await DemoCompany.seedIfEmpty(engine, locale: options.locale) {
        logger.info("seeded the demo company", metadata: ["organization": "\(DemoCompany.organization)"])
    }

    let stream = NotificationStream()
    let runner = try CollabRunner(engine: engine, hooks: [stream], pollInterval: options.runnerPollInterval)
    services.append(runner)
    services.append(stream)

    let sessions = SessionBook(
        store: store, passcode: options.passcode, lifetime: options.sessionLifetime, now: { engine.clock.now() })
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("collab-server-exports", isDirectory: true)
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    let api = CollabAPI(
        engine: engine, reports: ReportGenerator(store: store, clock: engine.clock, messages: configuration.messages),
        sessions: sessions, stream: stream, scratch: scratch)

    let router = Router()
    router.add(middleware: RequestMetricsMiddleware(factory: metrics))
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: FileMiddleware(
        options.publicDirectory ?? Bundle.module.resourceURL?.appendingPathComponent("Public").path ?? "Public",
        searchForIndexHtml: true, logger: logger))
    router.get("/metrics") { _, _ -> Response in
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
    router.get("/openapi.yaml") { _, _ -> Response in
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
            let data = try? Data(contentsOf: url)
        else { return Response(status: .notFound) }
        var headers = HTTPFields()
        headers[.contentType] = "application/yaml"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    try api.registerHandlers(
        on: router, configuration: Configuration(dateTranscoder: LenientISO8601DateTranscoder()),
        middlewares: [RequestErrorMiddleware(), AuthenticationMiddleware(sessions: sessions)])

    let serverLogger = logger
    return Application(
        router: router,
        configuration: .init(address: .hostname(options.host, port: options.port), serverName: "collab-server"),
        services: services,
        onServerRunning: { channel in
            serverLogger.notice("collab-server listening on http://\(options.host):\(channel.localAddress?.port ?? options.port)")
        },
        logger: serverLogger)
}

/// Stops a PostgreSQL store started with `PostgresStore.start` when the service group shuts down (it is
/// the first service, so the last to stop: the runner and the HTTP server are done with it by then).
struct StoreService: Service {
    let store: PostgresStore
    func run() async throws {
        try? await gracefulShutdown()
        await store.shutdown()
    }
}

/// ISO 8601 instants with or without fractional seconds (`2026-12-31T18:00:00Z`,
/// `2026-12-31T18:00:00.250Z`); written with milliseconds.
struct LenientISO8601DateTranscoder: DateTranscoder {
    func encode(_ date: Date) throws -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    func decode(_ text: String) throws -> Date {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "'\(text)' is not an ISO 8601 date-time"))
    }
}

/// Counts the HTTP requests by method and status (`collab_server_http_requests_total`) and times them
/// (`collab_server_http_request_duration_seconds`).
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            record(method, response.status.code, since: start)
            return response
        } catch let error as HTTPResponseError {
            record(method, error.status.code, since: start)
            throw error
        } catch {
            record(method, 500, since: start)
            throw error
        }
    }

    private func record(_ method: String, _ status: Int, since start: ContinuousClock.Instant) {
        let dimensions = [("method", method), ("status", String(status))]
        Counter(label: "collab_server_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "collab_server_http_request_duration_seconds", dimensions: [("method", method)], factory: factory)
            .record(duration: ContinuousClock.now - start)
    }
}
