import CollabModel
import CollabStore
import Foundation

/// Where a ``TestHarness`` keeps its data: an SQLite file in the harness's folder (``sqlite``), or a store
/// the host opens (PostgreSQL, or its own conformer of `CollabStorage`), so one test runs on every store.
///
/// ```swift
/// extension HarnessStorage {
///     static let postgres = HarnessStorage { clock, _ in
///         let store = try await PostgresStore.start(configurationWithAFreshSchema())
///         return HarnessStorage.Opening(store: store, close: { await store.shutdown() })
///     }
/// }
/// let harness = try await TestHarness(storage: .postgres)
/// ```
///
/// A store other than SQLite keeps its own clock for leases (PostgreSQL's `clock_timestamp()`), while the
/// engine's business time is the harness's ``ManualClock``; tests that move leases with the manual clock
/// belong to the store conformance suite (``StoreConformance``), which knows each store's clock.
public struct HarnessStorage: Sendable {
    /// What a storage opened for one harness.
    public struct Opening: Sendable {
        /// The store the harness's engine runs on.
        public var store: any CollabStorage
        /// The SQLite file, when the store is an `SQLiteStore` on a file (``TestHarness/databasePath``).
        public var databasePath: String?
        /// Reads every row of every table of the store (``TestHarness/tableSnapshot()``); `nil` when the
        /// storage cannot.
        public var snapshot: (@Sendable () async throws(CollabError) -> TableSnapshot)?
        /// Opens another instance of the store on the same database, as another process or machine would
        /// (``TestHarness/openPeerStore()``); `nil` when the storage cannot. The storage closes what it
        /// opened in ``close``.
        public var openPeer: (@Sendable () async throws -> any CollabStorage)?
        /// Closes the store when the harness is released (called once, from a task of its own).
        public var close: (@Sendable () async -> Void)?

        /// Creates an opening.
        public init(
            store: any CollabStorage, databasePath: String? = nil,
            snapshot: (@Sendable () async throws(CollabError) -> TableSnapshot)? = nil,
            openPeer: (@Sendable () async throws -> any CollabStorage)? = nil,
            close: (@Sendable () async -> Void)? = nil
        ) {
            self.store = store
            self.databasePath = databasePath
            self.snapshot = snapshot
            self.openPeer = openPeer
            self.close = close
        }
    }

    /// Opens a store for a new harness, given the harness's clock and its temporary folder (deleted with
    /// the harness).
    let open: @Sendable (ManualClock, URL) async throws -> Opening

    /// A storage that opens its store with `open`, given the harness's clock and temporary folder.
    public init(_ open: @escaping @Sendable (_ clock: ManualClock, _ folder: URL) async throws -> Opening) {
        self.open = open
    }

    /// An SQLite file in the harness's folder, at `synchronous=NORMAL` (see
    /// ``TestHarness/init(durability:engineConfiguration:now:)``): the default.
    public static var sqlite: HarnessStorage { sqlite(durability: .normal) }

    /// An SQLite file in the harness's folder at `durability`, whose leases run on the harness's clock.
    public static func sqlite(durability: SQLiteStore.Configuration.Durability) -> HarnessStorage {
        HarnessStorage { clock, folder in
            let opened = try openSQLite(in: folder, clock: clock, durability: durability)
            return Opening(store: opened.store, databasePath: opened.path)
        }
    }

    /// Opens `collab.sqlite` in `folder`, leases on `clock`.
    static func openSQLite(
        in folder: URL, clock: ManualClock, durability: SQLiteStore.Configuration.Durability
    ) throws -> (store: SQLiteStore, path: String) {
        let path = folder.appendingPathComponent("collab.sqlite").path
        var configuration = SQLiteStore.Configuration()
        configuration.durability = durability
        // One time for the whole world: timer claims run out on the same virtual clock the engine plans on.
        configuration.clock = clock
        return (try SQLiteStore(path: path, configuration: configuration), path)
    }
}
