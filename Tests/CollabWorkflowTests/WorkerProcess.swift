import CollabModel
import Foundation

/// The worker executable of the crash and two-process tests (`CollabCrashWorker`), built next to the tests.
func workerExecutable() throws -> URL {
    let candidates = [
        Bundle.main.executableURL?.deletingLastPathComponent(),
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        Bundle(for: WorkerMarker.self).bundleURL.deletingLastPathComponent(),
    ].compactMap { $0?.appendingPathComponent("CollabCrashWorker") }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw CollabError(.notFound, "CollabCrashWorker is not built next to the tests (looked in \(candidates))")
    }
    return found
}

private final class WorkerMarker {}
