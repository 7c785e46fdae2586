import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

@Suite struct BackupTests {
    @Test("an online backup taken while the store writes holds every commit acknowledged before it, and opens as a store")
    func backupWhileWriting() async throws {
        let workplace = try await Workplace()
        let engine = workplace.engine
        var before: [WorkItem.ID] = []
        for n in 0..<20 {
            before.append(try await engine.workItems.create(
                workplace.draft("Before the backup \(n)"), by: Workplace.initiator).id)
        }
        let writer = Task {
            var written = 0
            for n in 0..<40 {
                _ = try await engine.workItems.create(
                    workplace.draft("During the backup \(n)"), by: Workplace.initiator)
                written += 1
            }
            return written
        }
        let path = workplace.harness.folder.appendingPathComponent("backup.sqlite").path
        try await workplace.harness.sqlite.backup(to: path, pagesPerStep: 1)
        #expect(try await writer.value == 40)

        let copy = try SQLiteStore(path: path)
        for id in before {
            #expect(try await copy.workItem(id) != nil, "\(id), committed before the backup, is not in it")
        }
        #expect(try await copy.organization("acme") != nil)

        // A backup never overwrites.
        let error = await #expect(throws: CollabError.self) { try await workplace.harness.sqlite.backup(to: path) }
        #expect(error?.code == .alreadyExists)
    }

    @Test("a backup to a folder that does not exist fails typed and leaves no file")
    func failedBackupLeavesNothing() async throws {
        let store = try SQLiteStore(inMemoryWith: .init())
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("collab-missing-\(UUID().uuidString)/backup.sqlite").path
        let error = await #expect(throws: CollabError.self) { try await store.backup(to: path) }
        #expect(error?.code == .storageUnavailable)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
