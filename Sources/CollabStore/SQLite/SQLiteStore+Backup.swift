import CollabModel
import Foundation
import GRDB

extension SQLiteStore {
    /// Copies the database into a new file at `path` through SQLite's online backup API, while the store
    /// goes on serving reads and writes.
    ///
    /// The copy is one consistent snapshot: every commit acknowledged before the backup finished is in it,
    /// or none that came after its snapshot. Open it with ``init(path:configuration:)`` like any database.
    /// A file copy of a database in WAL mode is not safe while the store runs; this is.
    ///
    /// - Parameter path: where the copy is written: a new file (the backup never overwrites one).
    /// - Parameter pagesPerStep: how many pages are copied between two looks at concurrent writes; `-1`
    ///   copies the whole database in one step, holding the write lock meanwhile.
    /// - Throws: `CollabError.Code.alreadyExists` when a file exists at `path` (a backup never overwrites),
    ///   `CollabError.Code.storageUnavailable` when it cannot be written; a failed backup leaves no file.
    public func backup(to path: String, pagesPerStep: Int32 = 256) async throws(CollabError) {
        if FileManager.default.fileExists(atPath: path) {
            throw CollabError(.alreadyExists, "a file exists at '\(path)'; a backup never overwrites one")
        }
        let writer = self.writer
        let logger = self.logger
        let result: Result<Void, CollabError> = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                do {
                    let destination = try DatabaseQueue(path: path)
                    try writer.backup(to: destination, pagesPerStep: pagesPerStep)
                    try destination.close()
                    continuation.resume(returning: .success(()))
                } catch {
                    for suffix in ["", "-wal", "-shm", "-journal"] {
                        try? FileManager.default.removeItem(atPath: path + suffix)
                    }
                    continuation.resume(returning: .failure(Self.map(error, logger: logger)))
                }
            }
        }
        try result.get()
        logger.info("backed up the database", metadata: ["to": "\(path)"])
    }
}
