import CollabModel
import CollabStore
import Foundation

/// What a store under test can offer, so that ``StoreConformance`` runs only the checks it can.
public struct StoreCapabilities: OptionSet, Sendable, Hashable {
    /// The bits of the set.
    public let rawValue: Int

    /// Creates a set from its raw bits.
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Several store instances can open one database (two processes, two machines):
    /// ``StoreConformanceFactory/makePeer(of:)`` returns another instance on the database of a store.
    public static let sharedDatabase = StoreCapabilities(rawValue: 1 << 0)
    /// Writes from several instances (or several tasks on one instance) really interleave, so the checks that
    /// race writers against each other exercise the store's concurrency control.
    public static let concurrentWriters = StoreCapabilities(rawValue: 1 << 1)

    /// Every capability.
    public static let all: StoreCapabilities = [.sharedDatabase, .concurrentWriters]
}


/// Makes the stores ``StoreConformance`` checks run on.
///
/// ```swift
/// struct MyStoreFactory: StoreConformanceFactory {
///     var capabilities: StoreCapabilities { [.sharedDatabase, .concurrentWriters] }
///     func makeStore() async throws -> any CollabStorage { try await MyStore.openFreshDatabase() }
///     func makePeer(of store: any CollabStorage) async throws -> any CollabStorage {
///         guard let mine = store as? MyStore else { throw MyStoreError.notMine }
///         return try await MyStore.open(mine.databaseURL)
///     }
/// }
/// ```
public protocol StoreConformanceFactory: Sendable {
    /// What the stores this factory makes can offer; checks that need more are skipped (and say so).
    var capabilities: StoreCapabilities { get }

    /// A new, empty, migrated store on a database of its own.
    func makeStore() async throws -> any CollabStorage

    /// Another store instance on the same database as `store` (as another process would open it).
    ///
    /// Called only when ``capabilities`` contains ``StoreCapabilities/sharedDatabase``. The default
    /// implementation throws.
    func makePeer(of store: any CollabStorage) async throws -> any CollabStorage

    /// Called once a check is done with a store it made (peers first): drop its database or schema here.
    /// The default does nothing.
    func release(_ store: any CollabStorage) async
}

extension StoreConformanceFactory {
    /// Throws: this factory cannot open a second instance on a store's database.
    public func makePeer(of store: any CollabStorage) async throws -> any CollabStorage {
        throw StoreConformanceFailure(
            check: "factory", expected: "makePeer(of:) implemented (the factory offers .sharedDatabase)",
            found: "the default implementation, which opens no peer")
    }

    /// Does nothing.
    public func release(_ store: any CollabStorage) async {}
}

/// A failed conformance check: which check, what its contract expected and what the store did instead.
public struct StoreConformanceFailure: Error, CustomStringConvertible, Sendable {
    /// The check's name (`commit.atomic-with-audit-outbox-timers`).
    public var check: String
    /// What the contract expected, with the values.
    public var expected: String
    /// What the store returned or did, with the values.
    public var found: String

    /// Creates a failure.
    public init(check: String, expected: String, found: String) {
        self.check = check
        self.expected = expected
        self.found = found
    }

    /// `check: expected …; found …`.
    public var description: String { "\(check): expected \(expected); found \(found)" }
}

/// The conformance suite of `CollabStore.CollabStorage`: every requirement of every protocol it is made of,
/// each as one or more ``Check``s a host runs on its own store from its own Swift Testing target.
///
/// ```swift
/// import CollabTesting
/// import Testing
///
/// struct MyStoreFactory: StoreConformanceFactory { ... }
///
/// @Test(arguments: StoreConformance.checks)
/// func conformance(_ check: StoreConformance.Check) async throws {
///     try await check.run(on: MyStoreFactory())
/// }
/// ```
///
/// Each check builds a small world of its own on a fresh store from ``StoreConformanceFactory/makeStore()``,
/// with fixed instants and (where it generates one) a fixed seed, so a failure replays. A failure throws a
/// ``StoreConformanceFailure``. A check that needs a capability the factory lacks does not run and does not
/// fail: ``Check/run(on:)`` returns ``Outcome/skipped(_:)`` naming the capability, so a host that wants to
/// see skips reads the outcome (`#expect(try await check.run(on: factory) == .passed)` makes a skip fail).
public enum StoreConformance {
    /// What a check covers.
    public enum Area: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// `CollabStore.ChangeStore.commit(_:)`: atomicity, versions, revisions, keys, timers fired once.
        case commit
        /// `CollabStore.DirectoryStore`.
        case directory
        /// `CollabStore.WorkItemReads`: the reads of work items and their activity.
        case workItems = "work-items"
        /// `CollabStore.AnnouncementStore`, `CollabStore.MeetingStore`, `CollabStore.IncidentStore`; record timers.
        case scenarios
        /// `CollabStore.PartnerStore` and `CollabStore.CustomerStore`.
        case external
        /// Reads under a `CollabPermissions.VisibilityScope` against an in-memory reference.
        case visibility
        /// Paged reads: stable order, no overlap, no gap, limits honoured.
        case paging
        /// `CollabStore.OutboxStore`: claims, leases on the store's clock, outcomes, parking.
        case outbox
        /// `CollabStore.InboxStore`: read marks and unread counts.
        case inbox
        /// `CollabStore.TimerStore`: claims, leases on the store's clock, rescue, late acknowledgements.
        case timers
        /// `CollabStore.ReportStore` against a reference count.
        case reports
        /// `CollabStore.RetentionStore`.
        case retention
        /// `CollabStore.SettingsStore`.
        case settings
        /// Two instances on one database.
        case sharedDatabase = "shared-database"
        /// `CollabStore.DocumentRecordStore`: documents as records, their quota, digests, texts and purges.
        case documents
        /// `CollabStore.ApprovalStore`: approval flows by version, requests by version, filter and page.
        case approvals

        /// The raw value (`work-items`).
        public var description: String { rawValue }
    }

    /// What running a check came to.
    public enum Outcome: Sendable, Hashable {
        /// The store kept the contract.
        case passed
        /// The check did not run: the factory lacks a capability it needs (named in the reason).
        case skipped(String)
    }

    /// One contract a store must keep, runnable on any ``StoreConformanceFactory``.
    public struct Check: Sendable, CustomStringConvertible, Hashable {
        /// What it covers.
        public let area: Area
        /// A stable, unique name (`commit.atomic-with-audit-outbox-timers`).
        public let name: String
        /// The contract, in one sentence.
        public let contract: String
        /// What the factory must offer for the check to run.
        public let requires: StoreCapabilities
        let body: @Sendable (ConformanceContext) async throws -> Void

        init(
            _ area: Area, _ name: String, requires: StoreCapabilities = [], _ contract: String,
            _ body: @escaping @Sendable (ConformanceContext) async throws -> Void
        ) {
            self.area = area
            self.name = "\(area.rawValue).\(name)"
            self.contract = contract
            self.requires = requires
            self.body = body
        }

        /// The check's name: Swift Testing shows it as the test case's argument.
        public var description: String { name }

        /// Checks are equal when their names are (names are unique in the suite).
        public static func == (lhs: Check, rhs: Check) -> Bool { lhs.name == rhs.name }

        /// Hashes the name.
        public func hash(into hasher: inout Hasher) { hasher.combine(name) }

        /// Runs the check on a fresh store of `factory`, then releases every store it made.
        ///
        /// - Returns: ``Outcome/passed``, or ``Outcome/skipped(_:)`` when the factory lacks a capability in
        ///   ``requires`` (nothing runs then).
        /// - Throws: ``StoreConformanceFailure`` when the store breaks the contract (an unexpected error of the
        ///   store is reported as one too, naming the error); whatever the factory throws.
        @discardableResult
        public func run(on factory: some StoreConformanceFactory) async throws -> Outcome {
            let missing = requires.subtracting(factory.capabilities)
            if !missing.isEmpty {
                var names: [String] = []
                if missing.contains(.sharedDatabase) { names.append("sharedDatabase") }
                if missing.contains(.concurrentWriters) { names.append("concurrentWriters") }
                return .skipped("\(name) needs the capabilities \(names.joined(separator: ", "))")
            }
            let context = try await ConformanceContext(check: name, factory: factory)
            do {
                try await body(context)
            } catch let failure as StoreConformanceFailure {
                await context.releaseAll()
                throw failure
            } catch {
                await context.releaseAll()
                throw StoreConformanceFailure(check: name, expected: "no error", found: "the store threw \(error)")
            }
            await context.releaseAll()
            return .passed
        }
    }

    /// Every check, in a stable order (by area, then as written).
    public static let checks: [Check] =
        commitChecks + directoryChecks + workItemChecks + scenarioChecks + externalChecks + visibilityChecks
        + pagingChecks + outboxChecks + inboxChecks + timerChecks + reportChecks + retentionChecks
        + settingsChecks + documentChecks + approvalChecks + sharedDatabaseChecks + outboxSharedDatabaseChecks

    /// The checks of one area.
    public static func checks(in area: Area) -> [Check] { checks.filter { $0.area == area } }

    /// The checks a factory with `capabilities` can run.
    public static func checks(runnableWith capabilities: StoreCapabilities) -> [Check] {
        checks.filter { capabilities.isSuperset(of: $0.requires) }
    }
}
