import CollabModel
import Foundation
import Logging

/// How `collab-server` runs: where its records live, where it listens, and the demo company it seeds.
public struct ServerOptions: Sendable {
    /// The SQLite file; `nil` (and no ``postgresURL``): a new file in a temporary folder. The command line's
    /// default is `collab-server.sqlite` in the current folder.
    public var databasePath: String?
    /// A PostgreSQL URL (`postgres://user:password@host:port/db`); when set, the records live there instead.
    public var postgresURL: String?
    /// Where the documents' bytes are kept; `nil`: `collab-server-documents` beside the SQLite file (or in
    /// the current folder on PostgreSQL).
    public var documentsPath: String?
    /// The address to listen on.
    public var host = "127.0.0.1"
    /// The port to listen on (0: any free port).
    public var port = 8080
    /// The language of the seeded company: its names, and the texts of its members' notices.
    public var locale: CollabLocale = .simplifiedChinese
    /// The passcode every seeded member signs in with. An example's sign-in: a real host maps its own
    /// identity provider's sessions to members instead (``SessionBook``).
    public var passcode = "collab"
    /// Serve the dashboard's files from this folder instead of the bundled ones (for editing them live).
    public var publicDirectory: String?
    /// Seed the demo company into an empty database on start.
    public var seedDemo = true
    /// How long a session lasts.
    public var sessionLifetime: Duration = .seconds(12 * 3600)
    /// How often the runner looks for due timers and notifications.
    public var runnerPollInterval: Duration = .milliseconds(250)
    /// The server's log level.
    public var logLevel: Logger.Level = .info

    public init() {}

    /// The options of a command line: `--database PATH`, `--postgres URL`, `--documents DIR`, `--host HOST`,
    /// `--port N`, `--locale LOCALE`, `--passcode TEXT`, `--public DIR`, `--no-seed`, `--log-level LEVEL`.
    public init(arguments: [String]) throws {
        databasePath = "collab-server.sqlite"
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let value = rest.popFirst(), !value.isEmpty else { throw UsageError("\(flag) needs a value") }
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--database": databasePath = try value(argument)
            case "--postgres": postgresURL = try value(argument)
            case "--documents": documentsPath = try value(argument)
            case "--host": host = try value(argument)
            case "--port":
                let text = try value(argument)
                guard let port = Int(text), (0...65535).contains(port) else {
                    throw UsageError("--port: '\(text)' is not a port number (0...65535)")
                }
                self.port = port
            case "--locale":
                let text = try value(argument)
                let locale = CollabLocale(text)
                guard locale.validate().problems.isEmpty else {
                    throw UsageError("--locale: '\(text)' is not a locale such as zh-Hans-CN or en")
                }
                self.locale = locale
            case "--passcode": passcode = try value(argument)
            case "--public": publicDirectory = try value(argument)
            case "--no-seed": seedDemo = false
            case "--log-level":
                let text = try value(argument)
                guard let level = Logger.Level(rawValue: text) else {
                    throw UsageError("--log-level: '\(text)' is not one of trace, debug, info, notice, warning, error, critical")
                }
                logLevel = level
            case "--help", "-h": throw UsageError(Self.usage)
            default: throw UsageError("unknown argument '\(argument)'\n\(Self.usage)")
            }
        }
    }

    public static let usage = """
        usage: collab-server [--database PATH | --postgres URL] [--documents DIR] [--host HOST] [--port N]
                             [--locale zh-Hans-CN|en] [--passcode TEXT] [--public DIR] [--no-seed] [--log-level LEVEL]
          --database PATH   the SQLite file (default: ./collab-server.sqlite)
          --postgres URL    keep the records in PostgreSQL instead (postgres://USER[:PASSWORD]@HOST[:PORT]/DB)
          --documents DIR   where uploaded files are kept (default: collab-server-documents beside the database)
          --host HOST       the address to listen on (default 127.0.0.1)
          --port N          the port (default 8080; 0 picks a free one)
          --locale LOCALE   the demo company's language: zh-Hans-CN (default) or en
          --passcode TEXT   the passcode of every demo member (default: collab)
          --public DIR      serve the dashboard from DIR instead of the bundled files
          --no-seed         do not seed the demo company into an empty database
        """
}

/// A command line the server cannot run with.
public struct UsageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
