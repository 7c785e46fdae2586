import Foundation

/// Starts child processes one at a time.
///
/// Foundation's `Process.run()` on Linux is not safe to call from several threads at once (it was seen to
/// crash copying the arguments while another launch ran), and Swift Testing runs tests in parallel: tests
/// that start worker processes (crash tests, several-instance tests) start them through ``launch(_:)``.
public enum ChildProcesses {
    private static let lock = NSLock()

    /// Runs `process`, after any launch in progress in this process finished.
    ///
    /// - Throws: what `Process.run()` throws (an executable that cannot be started).
    public static func launch(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
