import CollabModel
import CollabStore
import CollabTesting
import Foundation
import Testing

/// Makes SQLite file stores in temporary folders; a peer is a second `SQLiteStore` on the same file, as another
/// process would open it.
final class SQLiteStoreFactory: StoreConformanceFactory, @unchecked Sendable {
    /// Wraps each store made (the mutants); identity by default.
    let wrap: @Sendable (any CollabStorage) -> any CollabStorage
    /// The clock of every store made (`SQLiteStore.Configuration.clock`); the system clock by default.
    let clock: (any CollabClock)?
    private let lock = NSLock()
    private var paths: [ObjectIdentifier: URL] = [:]

    init(clock: (any CollabClock)? = nil, wrap: @escaping @Sendable (any CollabStorage) -> any CollabStorage = { $0 }) {
        self.clock = clock
        self.wrap = wrap
    }

    var capabilities: StoreCapabilities { [.sharedDatabase, .concurrentWriters] }

    private func open(_ folder: URL) throws -> any CollabStorage {
        var configuration = SQLiteStore.Configuration()
        configuration.durability = .normal
        if let clock { configuration.clock = clock }
        let store = wrap(try SQLiteStore(path: folder.appendingPathComponent("collab.sqlite").path,
            configuration: configuration))
        lock.withLock { paths[ObjectIdentifier(store as AnyObject)] = folder }
        return store
    }

    func makeStore() async throws -> any CollabStorage {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try open(folder)
    }

    func makePeer(of store: any CollabStorage) async throws -> any CollabStorage {
        guard let folder = lock.withLock({ paths[ObjectIdentifier(store as AnyObject)] }) else {
            throw CollabError(.notFound, "no database for this store")
        }
        return try open(folder)
    }

    func release(_ store: any CollabStorage) async {
        let folder = lock.withLock { paths.removeValue(forKey: ObjectIdentifier(store as AnyObject)) }
        // The folder goes with the last store on it.
        if let folder, !lock.withLock({ paths.values.contains(folder) }) {
            try? FileManager.default.removeItem(at: folder)
        }
    }
}

@Suite struct SQLiteStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: StoreConformance.Check) async throws {
        let outcome = try await check.run(on: SQLiteStoreFactory())
        #expect(outcome == .passed, "\(check.name) was skipped on SQLite")
    }

    @Test("the suite has at least 110 checks with unique names, and every area has some")
    func catalog() {
        let checks = StoreConformance.checks
        #expect(checks.count >= 110, "\(checks.count) checks")
        #expect(Set(checks.map(\.name)).count == checks.count, "duplicate names")
        #expect(Set(checks).count == checks.count)
        for area in StoreConformance.Area.allCases {
            #expect(!StoreConformance.checks(in: area).isEmpty, "no check in \(area)")
        }
        for check in checks {
            #expect(check.name.hasPrefix("\(check.area.rawValue)."), "\(check.name)")
            #expect(!check.contract.isEmpty && check.description == check.name)
        }
    }

    /// A factory offering no capability.
    struct Solitary: StoreConformanceFactory {
        var capabilities: StoreCapabilities { [] }
        func makeStore() async throws -> any CollabStorage { try SQLiteStore(inMemoryWith: .init()) }
    }

    @Test("a check needing a capability the factory lacks is skipped, naming it, and runs nothing")
    func skips() async throws {
        let needing = StoreConformance.checks.filter { !$0.requires.isEmpty }
        #expect(!needing.isEmpty)
        for check in needing {
            let outcome = try await check.run(on: Solitary())
            guard case .skipped(let reason) = outcome else {
                Issue.record("\(check.name) ran without its capabilities")
                continue
            }
            #expect(reason.contains(check.name))
        }
        #expect(StoreConformance.checks(runnableWith: []).count == StoreConformance.checks.count - needing.count)
    }
}
