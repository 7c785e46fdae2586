// collab-server: Collab's engine behind an HTTP API, a web dashboard, live notifications and Prometheus
// metrics. `swift run collab-server` (see `--help`), then open http://127.0.0.1:8080 and sign in as one of
// the demo company's members with the passcode `collab`.
import CollabServer
import Foundation
import Hummingbird
import Logging

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .info
    return handler
}

do {
    let options = try ServerOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    let app = try await buildApplication(options)
    try await app.runService()
} catch let error as UsageError {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("collab-server: \(error)\n".utf8))
    exit(1)
}
