import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

extension Bench {
    /// How many callers write at once in the concurrent figures.
    static let concurrentCallers = 64

    /// A second store on a copy of `world`'s file (checkpointed first), opened at the store's default
    /// durability (`synchronous=FULL`) whatever `--full-durability` says, with its own engine.
    func fullDurabilityWorld(copying world: World, name: String) async throws -> World {
        try await world.store.checkpoint()
        let path = folder.appendingPathComponent("\(name).sqlite").path
        try FileManager.default.copyItem(atPath: world.path, toPath: path)
        var configuration = SQLiteStore.Configuration()
        configuration.durability = .full
        configuration.logger = quiet
        let store = try SQLiteStore(path: path, configuration: configuration)
        var engineConfiguration = WorkflowEngine.Configuration()
        engineConfiguration.logger = quiet
        let engine = WorkflowEngine(store: store, configuration: engineConfiguration)
        return World(store: store, engine: engine, path: path, members: world.members, departmentOf: world.departmentOf,
            partnerMember: world.partnerMember)
    }

    /// 64 callers at once (`concurrent_*` keys), at `synchronous=FULL`: each caller a task of one task group
    /// calling the engine in a loop, so the figure is whatever the store does with concurrent commands (one
    /// transaction each, or commands sharing a commit). Beside it, in interleaved rounds, the lean limit at
    /// FULL with 64 commands per transaction: what a perfect group commit of the lean schema would reach.
    func measureConcurrent(_ world: World, into results: inout [String: Double]) async throws {
        let callers = Self.concurrentCallers
        let createsPerCaller = options.quick ? 17 : 40
        let itemsPerCaller = options.quick ? 4 : 10
        let lean = try LeanWorkload.open(folder.appendingPathComponent("concurrent-lean.sqlite").path, synchronous: "FULL")
        var createRates: [Double] = [], leanCreateRates: [Double] = []
        var transitionRates: [Double] = [], leanTransitionRates: [Double] = []
        let bench = self
        for round in 0..<options.rounds {
            // Creates: caller c creates items c, c + 64, c + 128, … of the round.
            let base = 40_000_000 + round * callers * createsPerCaller
            // Each window pays for the search index of its own commands (see measureCreates).
            try await world.store.updateSearchIndex()
            var started = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<callers {
                    group.addTask {
                        for n in 0..<createsPerCaller {
                            _ = try await world.engine.workItems.create(
                                bench.draft(world, index: base + n * callers + caller), by: "m1")
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await world.store.updateSearchIndex()
            createRates.append(Double(callers * createsPerCaller) / seconds(clock.now - started))

            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let placements = (0..<(callers * createsPerCaller)).map { n in
                let placement = rawPlacement(world, index: base + n)
                return (id: "lean-c-\(base + n)", assignee: placement.assignee, department: placement.department,
                    due: placement.due)
            }
            started = clock.now
            try lean.createBatched(placements, batch: callers, now: now)
            leanCreateRates.append(Double(placements.count) / seconds(clock.now - started))

            // Transitions: each caller takes its own items through start, progress, submit and approve.
            let tbase = 50_000_000 + round * callers * itemsPerCaller
            let owned: [[(WorkItem.ID, Member.ID)]] = try await withThrowingTaskGroup(of: [(WorkItem.ID, Member.ID)].self) { group in
                for caller in 0..<callers {
                    group.addTask {
                        var items: [(WorkItem.ID, Member.ID)] = []
                        for n in 0..<itemsPerCaller {
                            let item = try await world.engine.workItems.create(
                                bench.draft(world, index: tbase + n * callers + caller), by: "m1")
                            try await world.engine.workItems.accept(item.id, by: item.assigneeIDs[0])
                            items.append((item.id, item.assigneeIDs[0]))
                        }
                        return items
                    }
                }
                var all: [[(WorkItem.ID, Member.ID)]] = []
                for try await items in group { all.append(items) }
                return all
            }
            try await world.store.updateSearchIndex()
            started = clock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for items in owned {
                    group.addTask {
                        for (id, worker) in items {
                            try await world.engine.workItems.start(id, by: worker)
                            try await world.engine.workItems.reportProgress(id, by: worker, text: "Half way", percent: 50)
                            try await world.engine.workItems.submitForReview(id, by: worker)
                            try await world.engine.workItems.approve(id, by: "m1")
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await world.store.updateSearchIndex()
            transitionRates.append(Double(callers * itemsPerCaller * 4) / seconds(clock.now - started))

            let leanItems = (0..<(callers * itemsPerCaller)).map { n in
                let placement = rawPlacement(world, index: tbase + n)
                return (id: "lean-ct-\(tbase + n)", assignee: placement.assignee, department: placement.department,
                    due: placement.due)
            }
            try lean.createBatched(leanItems, batch: callers, now: now)
            try lean.accept(leanItems.map { $0.id }, batch: callers, now: now)
            started = clock.now
            try lean.lifecycleBatched(leanItems.map { (id: $0.id, assignee: $0.assignee) }, batch: callers, now: now)
            leanTransitionRates.append(Double(leanItems.count * 4) / seconds(clock.now - started))
        }
        results["concurrent_create_per_s"] = median(createRates)
        results["concurrent_create_lean_raw_per_s"] = median(leanCreateRates)
        results["concurrent_create_lean_ratio"] = median(createRates) / median(leanCreateRates)
        results["concurrent_transition_per_s"] = median(transitionRates)
        results["concurrent_transition_lean_raw_per_s"] = median(leanTransitionRates)
        results["concurrent_transition_lean_ratio"] = median(transitionRates) / median(leanTransitionRates)
        log(String(format: "concurrent:  create %6.0f/s   lean %6.0f/s (64 per transaction)   ratio %.2f   (%d callers, FULL)",
            median(createRates), median(leanCreateRates), median(createRates) / median(leanCreateRates), callers))
        log(String(format: "concurrent:  transition %6.0f/s   lean %6.0f/s   ratio %.2f",
            median(transitionRates), median(leanTransitionRates), median(transitionRates) / median(leanTransitionRates)))
    }
}
