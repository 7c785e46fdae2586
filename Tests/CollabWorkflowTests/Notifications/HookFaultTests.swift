import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// Notification delivery under hook faults, all in one run: a hook that throws on 30% of its attempts (and
// always for a few poisoned notifications), a slow one, and one that hangs past the attempt timeout and
// ignores cancellation; the dispatcher itself is stopped at random moments, mid-delivery, and started again.
// Every notification must reach every hook (at least once, under its own idempotency key), poisoned ones must
// be parked with their error after the last attempt and be delivered once replayed, and the others keep
// flowing meanwhile.

/// A receiver that counts effects by idempotency key, as a host's hook should.
final class FaultyHook: NotificationHook {
    enum Fault: Sendable {
        /// Throws on `percent`% of attempts, and on every attempt at a poisoned notification.
        case flaky(percent: UInt64)
        /// Takes 0–3 ms.
        case slow
        /// On `percent`% of first attempts, does not return for `hang` and ignores cancellation.
        case hanging(percent: UInt64, hang: Duration)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private struct State {
        var effects: [String: Int] = [:]
        var keys: [Notice.ID: Set<String>] = [:]
        var attempts = 0
        var injected = 0
        var healed = false
    }

    let name: String
    let fault: Fault
    let seed: UInt64
    let poisoned: @Sendable (Notice) -> Bool
    private let state = Locked(State())

    init(_ name: String, _ fault: Fault, seed: UInt64, poisoned: @escaping @Sendable (Notice) -> Bool = { _ in false }) {
        self.name = name
        self.fault = fault
        self.seed = seed
        self.poisoned = poisoned
    }

    /// Whether this attempt draws a fault: the same for a notification and attempt in every run of a seed.
    private func draws(_ percent: UInt64, _ delivery: NoticeDelivery) -> Bool {
        var hash = seed ^ 0xcbf2_9ce4_8422_2325
        for byte in "\(name)/\(delivery.notice.id)/\(delivery.attempt)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash % 100 < percent
    }

    func deliver(_ delivery: NoticeDelivery) async throws {
        let healed = state.withLock { state in
            state.attempts += 1
            state.keys[delivery.notice.id, default: []].insert(delivery.idempotencyKey)
            return state.healed
        }
        switch fault {
        case .flaky(let percent):
            if poisoned(delivery.notice) && !healed {
                state.withLock { $0.injected += 1 }
                throw Failure(description: "poisoned notification \(delivery.notice.id)")
            }
            if draws(percent, delivery) {
                state.withLock { $0.injected += 1 }
                throw Failure(description: "injected failure")
            }
        case .slow:
            try await Task.sleep(for: .microseconds(Int.random(in: 0...3_000)))
        case .hanging(let percent, let hang):
            if delivery.attempt == 1 && draws(percent, delivery) {
                state.withLock { $0.injected += 1 }
                // A stuck call that ignores cancellation and returns long after the attempt timed out.
                // Its effect happens all the same, as a late reply's would: the redelivery is a duplicate.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + hang.timeInterval) { continuation.resume() }
                }
            }
        }
        state.withLock { $0.effects[delivery.idempotencyKey, default: 0] += 1 }
    }

    /// The poisoned notifications succeed from now on.
    func heal() { state.withLock { $0.healed = true } }
    /// The notifications this hook acted on, each once however often it was delivered.
    var effects: Set<String> { state.withLock { Set($0.effects.keys) } }
    /// Deliveries beyond the first of the same notification.
    var duplicateDeliveries: Int { state.withLock { $0.effects.values.reduce(0) { $0 + $1 - 1 } } }
    /// Notifications whose attempts did not all carry one idempotency key.
    var keyChanges: Int { state.withLock { $0.keys.values.filter { $0.count != 1 }.count } }
    var attempts: Int { state.withLock { $0.attempts } }
    var injectedFaults: Int { state.withLock { $0.injected } }
}

@Suite(.timeLimit(.minutes(15))) struct HookFaultTests {
    @Test("throwing, slow and hanging hooks and a dispatcher stopped mid-delivery: nothing lost, poison parked and replayed")
    func deliveryUnderHookFaults() async throws {
        let seed = ProcessInfo.processInfo.environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_261_201
        let items = ProcessInfo.processInfo.environment["COLLAB_LONG"] == "1" ? 5_000 : 500
        var rng = SeededRandomNumberGenerator(seed: seed)
        let h = try await TestHarness(storage: .underTest)
        try await h.addOrganization("acme")
        try await h.addMember("boss", in: "acme")
        try await h.addMember("li", in: "acme")
        try await h.addMember("wang", in: "acme")
        var ids: [WorkItem.ID] = []
        for n in 0..<items {
            // Every 100th item is poisoned: the flaky hook fails on its notifications until healed.
            let title = n % 100 == 7 ? "Poisoned \(n)" : "Task \(n)"
            ids.append(try await h.engine.workItems.create(h.draft(title: title, assignees: ["li", "wang"]), by: "boss").id)
        }
        let total = try await h.store.outboxCounts().pending
        #expect(total == 2 * items)

        let flaky = FaultyHook("flaky", .flaky(percent: 30), seed: seed) { $0.title.contains("Poisoned") }
        let slow = FaultyHook("slow", .slow, seed: seed)
        let hanging = FaultyHook("hanging", .hanging(percent: 3, hang: .milliseconds(600)), seed: seed)
        let hooks = [flaky, slow, hanging]
        let maximumAttempts = 10
        var configuration = NotificationDispatcher.Configuration.quiet {
            $0.retry = .init(initialDelay: .milliseconds(2), maximumDelay: .milliseconds(40), maximumAttempts: maximumAttempts)
            $0.attemptTimeout = .milliseconds(150)
            $0.leaseDuration = .milliseconds(400)
            $0.batchSize = 50
        }
        configuration.concurrency = 8
        // The dispatchers run in real time, and leases run on the store's clock: they deliver through a second
        // store on the file whose clock is the system clock (the harness's own store keeps its manual clock,
        // which stands still here, so a lease taken by a spell stopped mid-claim would never run out on it).
        // (A store other than SQLite keeps its own, real clock already.)
        let deliveryStore: any CollabStorage
        if let path = h.databasePath {
            var realTime = SQLiteStore.Configuration()
            realTime.durability = .normal
            deliveryStore = try SQLiteStore(path: path, configuration: realTime)
        } else {
            deliveryStore = h.store
        }

        // Run the dispatcher in spells of 50–400 ms, each stopped wherever it is, until nothing is pending.
        // Progress is counted, not timed: every few spells must take some notification out of pending (a
        // spell outlasts the longest backoff, 40 ms, so one without progress is rare). The watchdog below
        // only stops a hang, so its bound is generous and says nothing about speed.
        let watchdog = ContinuousClock.now
        var restarts = 0
        var spellsWithoutProgress = 0
        var pendingBefore = try await h.store.outboxCounts().pending
        while pendingBefore > 0 {
            #expect(spellsWithoutProgress < 20, "20 dispatcher spells in a row delivered nothing")
            if spellsWithoutProgress >= 20 { return }
            if ContinuousClock.now - watchdog > .seconds(600) {
                Issue.record("watchdog: delivery hung")
                return
            }
            let dispatcher = try NotificationDispatcher(
                store: deliveryStore, hooks: hooks, clock: SystemClock(), configuration: configuration)
            let spell = Task { await dispatcher.run(pollInterval: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...400, using: &rng)))
            spell.cancel()
            await spell.value
            restarts += 1
            let pending = try await h.store.outboxCounts().pending
            spellsWithoutProgress = pending < pendingBefore ? 0 : spellsWithoutProgress + 1
            pendingBefore = pending
        }
        let parked = try await h.store.parkedDeliveries(limit: 10_000)
        #expect(parked.count == 2 * (items / 100), "the poisoned notifications, and only they, are parked")
        for entry in parked {
            #expect(entry.notification.title.contains("Poisoned"), "\(entry.notification.id) was parked")
            #expect(entry.attempts == maximumAttempts)
            #expect(entry.lastError?.contains("poisoned notification \(entry.notification.id)") == true)
            #expect(!entry.deliveredHooks.contains("flaky") && entry.deliveredHooks.contains("slow"))
        }
        // Everything else reached every hook while the poisoned ones kept failing.
        for hook in hooks {
            let expected = hook === flaky ? total - parked.count : total
            #expect(hook.effects.count == expected, "\(hook.name): \(hook.effects.count) of \(expected)")
        }

        // Replay the parked ones once the cause is fixed.
        flaky.heal()
        #expect(try await h.store.requeueParked(parked.map(\.notification.id), now: Date()) == parked.count)
        let dispatcher = try NotificationDispatcher(
            store: deliveryStore, hooks: hooks, clock: SystemClock(), configuration: configuration)
        // Every round delivers what is due; the retries' backoff is at most 40 ms, so a few rounds suffice.
        var rounds = 0
        while try await h.store.outboxCounts().pending > 0 && rounds < 200 {
            try await dispatcher.deliverDue()
            try await Task.sleep(for: .milliseconds(20))
            rounds += 1
        }
        #expect(rounds < 200, "the replay took \(rounds) rounds")
        let counts = try await h.store.outboxCounts()
        #expect(counts == OutboxCounts(pending: 0, delivered: total, parked: 0))
        for hook in hooks {
            #expect(hook.effects.count == total, "\(hook.name) missed notifications")
            #expect(hook.keyChanges == 0, "\(hook.name) saw a notification under two keys")
        }
        #expect(Set(parked.map(\.notification.id.rawValue)).isSubset(of: flaky.effects))
        let attempts = hooks.map(\.attempts).reduce(0, +)
        let faults = hooks.map(\.injectedFaults).reduce(0, +)
        let duplicates = hooks.map(\.duplicateDeliveries).reduce(0, +)
        print("hooks: \(total) notifications × 3 hooks, \(attempts) attempts, \(faults) injected faults, "
            + "\(restarts) dispatcher stops, \(duplicates) duplicate deliveries (same key), "
            + "0 lost, \(parked.count) parked → replayed, seed \(seed)")
    }
}
