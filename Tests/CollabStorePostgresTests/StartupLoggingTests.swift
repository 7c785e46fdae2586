@testable import CollabStorePostgres
import Logging
import Synchronization
import Testing

/// The pool's logger: PostgresNIO's warning about a lease asked for before the client ran is expected at every
/// start (the migration asks a moment before the client's task begins) and is logged at debug level; every
/// other message passes unchanged.
@Suite struct StartupLoggingTests {
    final class Records: Sendable {
        let all = Mutex<[(Logger.Level, String)]>([])
    }

    struct Recording: LogHandler {
        let records: Records
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            records.all.withLock { $0.append((event.level, event.message.description)) }
        }
    }

    static let leaseNotice: Logger.Message =
        "Trying to lease connection from `PostgresClient`, but `PostgresClient.run()` hasn't been called yet."

    @Test("the early-lease notice is logged at debug level, and only it", arguments: [Logger.Level.trace, .debug, .info])
    func earlyLeaseIsDebug(level: Logger.Level) {
        let records = Records()
        var logger = Logger(label: "test") { _ in
            StartupNoticeHandler(wrapping: Recording(records: records, logLevel: level))
        }
        logger.logLevel = level
        logger.warning(Self.leaseNotice)
        logger.warning("Connection closed unexpectedly")
        logger.info("pool started")
        let seen = records.all.withLock { $0 }
        var expected: [(Logger.Level, String)] = []
        if level <= .debug { expected.append((.debug, Self.leaseNotice.description)) }
        expected.append((.warning, "Connection closed unexpectedly"))
        expected.append((.info, "pool started"))
        #expect(seen.map(\.0) == expected.map(\.0))
        #expect(seen.map(\.1) == expected.map(\.1))
    }
}
