import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

/// A part of Collab's create and transition transactions that the raw twin can leave out (`--write-parts`).
enum RawPart: String, CaseIterable, Hashable {
    /// The search index: the entry, its trigram text row (FTS5 with its content copy) and its access keys.
    case search
    /// Of the search index, only the trigram text row (FTS5 and its content copy).
    case searchText = "search_text"
    /// Of the search index, only the access keys (`search_access` and its key index).
    case searchKeys = "search_keys"
    /// The four timer rows of an open item (fewer as it moves on, deleted when it closes).
    case timers
    /// The `work_item_access` rows (initiator, reviewer, assignee, department).
    case access
    /// The activity rows of a transition: the progress update, the review decision.
    case activity
    /// The audit event's JSON details (written as `{}`, as Collab writes an event without details).
    case auditDetails = "audit_details"
    /// The notification (outbox) row.
    case notification
}

extension Bench {
    /// `--write-parts`: what each part of Collab's create and transition transactions costs, in WAL pages and
    /// µs, measured on the own-schema raw twin with one part left out at a time (the difference to the whole
    /// twin). The audit details written are the ones Collab wrote for the same commands.
    func measureWriteParts(into results: inout [String: Double]) async throws {
        let world = try await makeWorld("parts")
        // Collab's own audit details for a create and each step, read back from its database.
        let item = try await world.engine.workItems.create(draft(world, index: 1), by: "m1")
        let worker = item.assigneeIDs[0]
        try await world.engine.workItems.accept(item.id, by: worker)
        try await world.engine.workItems.start(item.id, by: worker)
        try await world.engine.workItems.reportProgress(item.id, by: worker, text: "Half way", percent: 50)
        try await world.engine.workItems.submitForReview(item.id, by: worker)
        try await world.engine.workItems.approve(item.id, by: "m1")
        let reader = try RawSQLite(path: world.path, synchronous: options.synchronous)
        let rows = try reader.rows("SELECT action, details FROM audit_events WHERE item_id = ? ORDER BY occurred_at, rowid",
            [.text(item.id.rawValue)])
        var details: [String: String] = [:]
        let actions = ["create", "accept", "start", "report_progress", "submit_for_review", "approve"]
        for (index, row) in rows.enumerated() where index < actions.count {
            if row.count > 1, case .text(let text) = row[1] { details[actions[index]] = text }
        }
        log("Collab's audit details: " + actions.map { "\($0) \(details[$0]?.utf8.count ?? 0) B" }.joined(separator: ", "))

        let variants: [RawPart?] = [nil] + RawPart.allCases.map { $0 }
        func name(_ part: RawPart?) -> String { part?.rawValue ?? "all" }
        func workload(_ db: RawWorkload, _ part: RawPart?) -> RawWorkload {
            var workload = db
            workload.skip = part.map { [$0] } ?? []
            workload.auditDetails = details
            return workload
        }

        // WAL pages (deterministic): 100 creates, then 100 items through start, progress, submit, approve.
        var createPages: [String: Double] = [:], transitionPages: [String: Double] = [:]
        let count = 100
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for part in variants {
            let (db, path) = try await rawDatabase("parts-wal-\(name(part))", walAutocheckpoint: 0)
            let raw = workload(db, part)
            let placements = (0..<count).map { rawPlacement(world, index: 5_000_000 + $0) }
            for (n, placement) in placements.enumerated() {
                try raw.create("w-\(n)", assignee: placement.assignee, department: placement.department, due: placement.due, now: now)
            }
            createPages[name(part)] = walPages(path) / Double(count)
            for (n, placement) in placements.enumerated() {
                try raw.accept("w-\(n)", assignee: placement.assignee, due: placement.due, now: now)
            }
            try raw.db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
            for (n, placement) in placements.enumerated() {
                try raw.lifecycle("w-\(n)", assignee: placement.assignee, due: placement.due, now: now)
            }
            transitionPages[name(part)] = walPages(path) / Double(count * 4)
        }

        // µs per command: many short rounds, each running every variant in turn on its own database (chunks
        // of 100 creates and 25 lifecycles), so that the load of the machine falls on all variants alike;
        // "control" is a second whole twin, whose difference to "all" shows the noise.
        let timed: [(String, RawPart?)] = [("all", nil), ("control", nil)] + RawPart.allCases.map { ($0.rawValue, $0) }
        var raws: [String: RawWorkload] = [:]
        for (label, part) in timed {
            let (db, _) = try await rawDatabase("parts-\(label)")
            raws[label] = workload(db, part)
        }
        var createMicros: [String: [Double]] = [:], transitionMicros: [String: [Double]] = [:]
        var createCPU: [String: [Double]] = [:], transitionCPU: [String: [Double]] = [:]
        let creates = 100
        let lifecycles = 25
        for round in 0..<(options.quick ? 30 : 100) {
            let base = 1_000 * round
            let placements = (0..<creates).map { rawPlacement(world, index: base + $0) }
            for (label, _) in timed {
                guard let raw = raws[label] else { continue }
                var started = clock.now
                var cpu = threadCPUMicros()
                for (n, placement) in placements.enumerated() {
                    try raw.create("c-\(base + n)", assignee: placement.assignee, department: placement.department,
                        due: placement.due, now: now)
                }
                createMicros[label, default: []].append(seconds(clock.now - started) * 1e6 / Double(creates))
                createCPU[label, default: []].append((threadCPUMicros() - cpu) / Double(creates))
                for (n, placement) in placements.prefix(lifecycles).enumerated() {
                    try raw.create("t-\(base + n)", assignee: placement.assignee, department: placement.department,
                        due: placement.due, now: now)
                    try raw.accept("t-\(base + n)", assignee: placement.assignee, due: placement.due, now: now)
                }
                started = clock.now
                cpu = threadCPUMicros()
                for (n, placement) in placements.prefix(lifecycles).enumerated() {
                    try raw.lifecycle("t-\(base + n)", assignee: placement.assignee, due: placement.due, now: now)
                }
                transitionMicros[label, default: []].append(seconds(clock.now - started) * 1e6 / Double(lifecycles * 4))
                transitionCPU[label, default: []].append((threadCPUMicros() - cpu) / Double(lifecycles * 4))
            }
        }

        let all = "all"
        let createAll = median(createMicros[all] ?? []), transitionAll = median(transitionMicros[all] ?? [])
        let createAllCPU = median(createCPU[all] ?? []), transitionAllCPU = median(transitionCPU[all] ?? [])
        results["part_all_create_wal_pages"] = createPages[all]
        results["part_all_transition_wal_pages"] = transitionPages[all]
        results["part_all_create_us"] = createAll
        results["part_all_transition_us"] = transitionAll
        results["part_all_create_cpu_us"] = createAllCPU
        results["part_all_transition_cpu_us"] = transitionAllCPU
        log(String(format: "raw twin, every part: create %.1f WAL pages, %.0f µs (%.0f µs CPU); transition %.1f WAL pages, %.0f µs (%.0f µs CPU)",
            createPages[all] ?? 0, createAll, createAllCPU, transitionPages[all] ?? 0, transitionAll, transitionAllCPU))
        log("what each part costs (the whole twin minus the twin without it; medians of chunks of 100 creates, 25 lifecycles)")
        log("part               create: pages     µs  CPU µs    transition: pages     µs  CPU µs")
        createPages["control"] = createPages[all]
        transitionPages["control"] = transitionPages[all]
        for key in ["control"] + RawPart.allCases.map(\.rawValue) {
            let values = [
                (createPages[all] ?? 0) - (createPages[key] ?? 0), createAll - median(createMicros[key] ?? []),
                createAllCPU - median(createCPU[key] ?? []),
                (transitionPages[all] ?? 0) - (transitionPages[key] ?? 0), transitionAll - median(transitionMicros[key] ?? []),
                transitionAllCPU - median(transitionCPU[key] ?? []),
            ]
            results["part_\(key)_create_wal_pages"] = values[0]
            results["part_\(key)_create_us"] = values[1]
            results["part_\(key)_create_cpu_us"] = values[2]
            results["part_\(key)_transition_wal_pages"] = values[3]
            results["part_\(key)_transition_us"] = values[4]
            results["part_\(key)_transition_cpu_us"] = values[5]
            log(key.padding(toLength: 18, withPad: " ", startingAt: 0)
                + String(format: "        %5.1f  %5.0f  %6.0f               %5.1f  %5.0f  %6.0f", values[0], values[1], values[2],
                    values[3], values[4], values[5]))
        }
    }
}

/// CPU time of the calling thread, in µs (user and system).
func threadCPUMicros() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e6 + Double(time.tv_nsec) / 1e3
}
