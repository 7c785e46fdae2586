// `--postgres URL`: the same create and transition workloads on a PostgresStore, beside postgres-nio's own
// limit on one connection; the to-do read at 100,000 items; create throughput with 2 and 4 engine processes
// on one database (the bench re-launches itself with `--pg-worker`).

import CollabModel
import CollabStore
import CollabStorePostgres
import CollabWorkflow
import Foundation
import Logging
import PostgresNIO

/// The organization of ``World`` (2,000 members in 50 departments, a partner) on a PostgreSQL schema.
struct PostgresWorld {
    let store: PostgresStore
    let engine: WorkflowEngine
    let schema: String
    static let memberCount = 2000

    /// The draft with this index: the same assignees, departments and deadlines as ``Bench/draft(_:index:shared:)``.
    static func draft(index: Int, shared: Bool = false) -> WorkItemDraft {
        let member = (index * 7919) % memberCount
        return WorkItemDraft(
            title: "Work item \(index)", description: "Benchmark item number \(index)",
            assigneeIDs: [Member.ID("m\(member)")], departmentIDs: [Department.ID("d\(member % 50)")],
            partnerOrganizationIDs: shared ? ["supplier-a"] : [],
            deadline: .endOfDay(CalendarDate(year: 2030, month: 1 + index % 12, day: 1 + index % 28)))
    }

    /// The assignee, department and due time (milliseconds) of the draft with this index, for the raw workload.
    static func placement(index: Int) -> (assignee: String, department: String, due: Int64) {
        let draft = draft(index: index)
        let due = TimeZone(identifier: "Asia/Shanghai").flatMap { draft.deadline.dueInstant(in: $0) }
        return (draft.assigneeIDs.first?.rawValue ?? "m1", draft.departmentIDs.first?.rawValue ?? "d0",
                Int64(((due?.timeIntervalSince1970 ?? 0) * 1000).rounded()))
    }

    static func configuration(_ url: String, schema: String, logger: Logger) throws -> PostgresStore.Configuration {
        var configuration = try PostgresStore.Configuration(url: url)
        configuration.schema = schema
        configuration.logger = logger
        return configuration
    }

    static func engine(_ store: PostgresStore, logger: Logger) -> WorkflowEngine {
        var configuration = WorkflowEngine.Configuration()
        configuration.logger = logger
        return WorkflowEngine(store: store, configuration: configuration)
    }

    /// A migrated schema with the directory of ``Bench/makeWorld(_:walAutocheckpoint:at:)``.
    static func make(url: String, schema: String, logger: Logger) async throws -> PostgresWorld {
        let store = try await PostgresStore.start(configuration(url, schema: schema, logger: logger))
        let engine = engine(store, logger: logger)
        do {
            try await store.save(Organization(id: "acme", name: "Acme", kind: .internal, timeZoneIdentifier: "Asia/Shanghai"))
            for (id, kind) in [("supplier-b", Organization.Kind.partner), ("customer-c", .customer)] {
                try await store.save(Organization(id: Organization.ID(id), name: id, kind: kind))
            }
            var departments: [Department.ID] = []
            for d in 0..<50 {
                let id = Department.ID("d\(d)")
                try await store.save(Department(id: id, organizationID: "acme", name: "Department \(d)",
                    parentID: d == 0 ? nil : departments[(d - 1) / 3]))
                departments.append(id)
            }
            for m in 0..<memberCount {
                try await store.save(Member(
                    id: Member.ID("m\(m)"), organizationID: "acme", displayName: "Member \(m)", handle: "m\(m)",
                    roles: m == 0 ? [.administrator] : [],
                    departments: [DepartmentMembership(departments[m % 50], role: m < 50 ? .head : .member)]))
            }
            try await engine.partners.invite(PartnerInvitation(partnerID: "supplier-a", name: "supplier-a",
                contacts: [ExternalContact(memberID: "p0", displayName: "Supplier rep")]), by: "m0")
        } catch {
            await store.shutdown()
            throw error
        }
        return PostgresWorld(store: store, engine: engine, schema: schema)
    }
}

extension Bench {
    /// Runs every PostgreSQL measurement in schemas of their own, dropped at the end whatever happens.
    func measurePostgres(_ url: String, into results: inout [String: Double]) async throws {
        let client = try PostgresStore.Configuration(url: url).client
        let prefix = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let schemas = ["", "_raw", "_big"].map { prefix + $0 }
        let admin = try await RawPostgresWorkload.connect(client, schema: nil, logger: quiet)
        do {
            try await measurePostgres(url, client: client, schemas: schemas, into: &results)
        } catch {
            await dropSchemas(schemas, admin)
            throw error
        }
        await dropSchemas(schemas, admin)
    }

    private func dropSchemas(_ schemas: [String], _ admin: PostgresConnection) async {
        for schema in schemas {
            _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: quiet).get()
        }
        try? await admin.close()
    }

    private func measurePostgres(_ url: String, client: PostgresClient.Configuration, schemas: [String],
        into results: inout [String: Double]) async throws
    {
        log("postgres:    \(client.host ?? "?"):\(client.port ?? 5432)/\(client.database ?? "") in schemas \(schemas[0])*")
        let world = try await PostgresWorld.make(url: url, schema: schemas[0], logger: quiet)
        // The raw twin writes into a schema migrated by the store (the same tables and indexes).
        await (try PostgresStore.start(PostgresWorld.configuration(url, schema: schemas[1], logger: quiet))).shutdown()
        let connection = try await RawPostgresWorkload.connect(client, schema: schemas[1], logger: quiet)
        let raw = RawPostgresWorkload(connection: connection, logger: quiet)
        do {
            let (create, createRaw) = try await measurePostgresCreates(world, raw: raw)
            results["pg_create_per_s"] = create
            results["pg_create_raw_per_s"] = createRaw
            results["pg_create_ratio"] = create / createRaw
            log(String(format: "pg create:   %8.0f/s   raw %8.0f/s   ratio %.2f", create, createRaw, create / createRaw))
            let (transition, transitionRaw) = try await measurePostgresTransitions(world, raw: raw)
            results["pg_transition_per_s"] = transition
            results["pg_transition_raw_per_s"] = transitionRaw
            results["pg_transition_ratio"] = transition / transitionRaw
            log(String(format: "pg transition: %6.0f/s   raw %8.0f/s   ratio %.2f", transition, transitionRaw,
                transition / transitionRaw))
            let approvalSteps = try await measureApprovalSteps(world.engine)
            results["pg_approval_step_per_s"] = approvalSteps
            log(String(format: "pg approval step: %6.0f/s   (one approve per transaction, 3-step flow)", approvalSteps))
            try await comparePostgresRows(raw, engineSchema: schemas[0], rawSchema: schemas[1])
        } catch {
            try? await connection.close()
            await world.store.shutdown()
            throw error
        }
        try? await connection.close()
        await world.store.shutdown()

        try await measurePostgresScaling(url, schema: schemas[0], into: &results)
        try await measurePostgresTodo(url, schema: schemas[2], into: &results)
    }

    // MARK: Create and transition, beside the raw limit

    func measurePostgresCreates(_ world: PostgresWorld, raw: RawPostgresWorkload) async throws -> (Double, Double) {
        var collabRates: [Double] = []
        var rawRates: [Double] = []
        var transactions: [Double] = []
        for round in 0..<options.rounds {
            let base = round * options.creates
            if round == 0 { transactions.append(try await raw.transactionCount()) }
            let started = clock.now
            for n in 0..<options.creates {
                try await world.engine.workItems.create(PostgresWorld.draft(index: base + n), by: "m1")
            }
            collabRates.append(Double(options.creates) / seconds(clock.now - started))
            if round == 0 { transactions.append(try await raw.transactionCount()) }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let placements = (0..<options.creates).map { PostgresWorld.placement(index: base + $0) }
            let rawStarted = clock.now
            for (n, placement) in placements.enumerated() {
                try await raw.create("raw-\(base + n)", assignee: placement.assignee, department: placement.department,
                    due: placement.due, now: now)
            }
            rawRates.append(Double(options.creates) / seconds(clock.now - rawStarted))
            if round == 0 { transactions.append(try await raw.transactionCount()) }
        }
        log(String(format: "pg transactions per create: store %.2f, raw %.2f",
            (transactions[1] - transactions[0] - 1) / Double(options.creates),
            (transactions[2] - transactions[1] - 1) / Double(options.creates)))
        return (median(collabRates), median(rawRates))
    }

    func measurePostgresTransitions(_ world: PostgresWorld, raw: RawPostgresWorkload) async throws -> (Double, Double) {
        let count = options.creates / 4
        let offset = 1_000_000
        var transactions: [Double] = []
        var collabRates: [Double] = []
        var rawRates: [Double] = []
        for round in 0..<options.rounds {
            var items: [(WorkItem.ID, Member.ID)] = []
            for n in 0..<count {
                let item = try await world.engine.workItems.create(
                    PostgresWorld.draft(index: offset + round * count + n), by: "m1")
                try await world.engine.workItems.accept(item.id, by: item.assigneeIDs[0])
                items.append((item.id, item.assigneeIDs[0]))
            }
            if round == 0 { transactions.append(try await raw.transactionCount()) }
            let started = clock.now
            for (id, worker) in items {
                try await world.engine.workItems.start(id, by: worker)
                try await world.engine.workItems.reportProgress(id, by: worker, text: "Half way", percent: 50)
                try await world.engine.workItems.submitForReview(id, by: worker)
                try await world.engine.workItems.approve(id, by: "m1")
            }
            collabRates.append(Double(count * 4) / seconds(clock.now - started))
            if round == 0 { transactions.append(try await raw.transactionCount()) }

            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var rawItems: [(String, (assignee: String, department: String, due: Int64))] = []
            for n in 0..<count {
                let id = "raw-t-\(round)-\(n)"
                let placement = PostgresWorld.placement(index: offset + round * count + n)
                try await raw.create(id, assignee: placement.assignee, department: placement.department,
                    due: placement.due, now: now)
                try await raw.accept(id, assignee: placement.assignee, department: placement.department,
                    due: placement.due, now: now)
                rawItems.append((id, placement))
            }
            let rawStarted = clock.now
            for (id, placement) in rawItems {
                try await raw.lifecycle(id, assignee: placement.assignee, department: placement.department,
                    due: placement.due, now: now)
            }
            rawRates.append(Double(count * 4) / seconds(clock.now - rawStarted))
        }
        log(String(format: "pg transactions per transition: store %.2f (raw 1)",
            (transactions[1] - transactions[0] - 1) / Double(count * 4)))
        return (median(collabRates), median(rawRates))
    }

    /// Prints the rows per item the engine and the raw twin wrote, table by table, for the created items (still
    /// assigned) and the completed ones. The engine's accept (the set-up of a lifecycle) writes an audit event,
    /// a notification and a timer plan the raw set-up does not.
    func comparePostgresRows(_ raw: RawPostgresWorkload, engineSchema: String, rawSchema: String) async throws {
        let tables = ["work_item_access", "search_entries", "search_access", "timers", "audit_events",
            "notifications", "progress_updates", "review_decisions"]
        for state in ["assigned", "completed"] {
            var lines: [String] = []
            for table in tables {
                var perItem: [Double] = []
                for schema in [engineSchema, rawSchema] {
                    let items = "SELECT id FROM \(schema).work_items WHERE state = '\(state)'"
                    // Timers and search keys belong to a record ("work_item:<id>"); a search entry names its
                    // record's id; the other tables name the item.
                    let byRecord = table == "timers" || table == "search_access"
                    let owner = byRecord ? "record" : table == "search_entries" ? "record_id" : "item_id"
                    let owners = byRecord
                        ? "SELECT 'work_item:' || id FROM \(schema).work_items WHERE state = '\(state)'" : items
                    let rows = try await raw.connection.query(PostgresQuery(unsafeSQL: """
                        SELECT (SELECT count(*) FROM \(schema).\(table) WHERE \(owner) IN (\(owners)))::float8
                            / greatest(1, (SELECT count(*) FROM (\(items)) AS i))::float8
                        """), logger: quiet).get().rows
                    perItem.append(try rows.first?.decode(Double.self) ?? 0)
                }
                lines.append(String(format: "%@ %.2f/%.2f", table, perItem[0], perItem[1]))
            }
            log("pg rows per \(state) item (store/raw): " + lines.joined(separator: ", "))
        }
    }

    // MARK: To-do at scale

    func measurePostgresTodo(_ url: String, schema: String, into results: inout [String: Double]) async throws {
        let world = try await PostgresWorld.make(url: url, schema: schema, logger: quiet)
        do {
            // 100,000 items take about 7 minutes to import on a loaded 2-core machine (about 240 items/s):
            // --quick reads among 20,000.
            let target = options.quick ? 20_000 : 100_000
            let chunk = 1_000
            let started = clock.now
            // One importer: each chunk is one serializable transaction; two at once abort each other (their
            // predicate locks on the timers' index are promoted to the whole relation) and redo whole chunks.
            var start = 0
            while start < target {
                let drafts = (start..<min(start + chunk, target)).map {
                    PostgresWorld.draft(index: 50_000_000 + $0, shared: $0 % 10 == 0)
                }
                _ = try await world.engine.workItems.importItems(drafts, by: "m1")
                start += chunk
            }
            let rate = Double(target) / seconds(clock.now - started)
            results["pg_bulk_per_s"] = rate
            results["pg_todo_items"] = Double(target)
            log(String(format: "pg bulk:     %8.0f items/s (%d items imported in %.0f s)", rate, target,
                Double(target) / rate))
            let samples = options.quick ? 200 : 1_000
            var todo: [Double] = []
            for n in 0..<samples {
                let member = Member.ID("m\((n * 31) % PostgresWorld.memberCount)")
                let before = clock.now
                _ = try await world.engine.inbox.todo(of: member, page: PageRequest(limit: 50))
                todo.append(seconds(clock.now - before) * 1e6)
            }
            results["pg_todo_p50_us"] = percentile(todo, 0.5)
            results["pg_todo_p99_us"] = percentile(todo, 0.99)
            log(String(format: "pg to-do:    p50 %6.0f µs   p99 %6.0f µs   (page of 50, %d items)",
                results["pg_todo_p50_us"] ?? 0, results["pg_todo_p99_us"] ?? 0, target))
        } catch {
            await world.store.shutdown()
            throw error
        }
        await world.store.shutdown()
    }

    // MARK: Several engine processes on one database

    func measurePostgresScaling(_ url: String, schema: String, into results: inout [String: Double]) async throws {
        let count = options.quick ? 400 : 2_000
        let connection = try await RawPostgresWorkload.connect(PostgresStore.Configuration(url: url).client,
            schema: schema, logger: quiet)
        let statistics = RawPostgresWorkload(connection: connection, logger: quiet)
        var rates: [Int: Double] = [:]
        do {
            for processes in [1, 2, 4] {
                let workers = try (0..<processes).map { index in
                    try WorkerProcess(arguments: ["--pg-worker", url, schema, "\(count)", "\(processes * 10 + index)"])
                }
                do {
                    rates[processes] = try await measureWorkers(workers, count: count, statistics: statistics,
                        into: &results)
                } catch {
                    for worker in workers { worker.stop() }
                    throw error
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        results["pg_scale_2"] = (rates[2] ?? 0) / max(rates[1] ?? 1, 1e-9)
        results["pg_scale_4"] = (rates[4] ?? 0) / max(rates[1] ?? 1, 1e-9)
        log(String(format: "pg scale:    2 processes %.2f×, 4 processes %.2f× of one (%d cores)",
            results["pg_scale_2"] ?? 0, results["pg_scale_4"] ?? 0, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Starts the ready `workers` at once and returns their summed creates per second, with where the CPU went.
    private func measureWorkers(_ workers: [WorkerProcess], count: Int, statistics: RawPostgresWorkload,
        into results: inout [String: Double]) async throws -> Double
    {
        for worker in workers {
            let line = await worker.line()
            guard line == "ready" else { throw BenchError("a worker did not start: \(line ?? "(no output)")") }
        }
        let rollbacksBefore = try await statistics.rollbackCount()
        let machineBefore = CPUSample.machine(), postgresBefore = CPUSample.postgres()
        for worker in workers { worker.send("go") }
        var rate = 0.0, workerCPU = 0.0, slowest = 0.0, givenUp = 0.0
        for worker in workers {
            let line = await worker.line() ?? ""
            let fields = line.split(separator: " ")
            guard fields.count == 4, fields[0] == "done", let elapsed = Double(fields[1]), let cpu = Double(fields[2]),
                let failed = Double(fields[3])
            else { throw BenchError("a worker failed: \(line)") }
            rate += Double(count) / elapsed
            workerCPU += cpu
            slowest = max(slowest, elapsed)
            givenUp += failed
        }
        let machineAfter = CPUSample.machine(), postgresAfter = CPUSample.postgres()
        for worker in workers { worker.send("exit") }
        for worker in workers { worker.wait() }
        let rollbacks = try await statistics.rollbackCount() - rollbacksBefore
        let processes = workers.count
        let busy = (machineAfter.busy - machineBefore.busy) / max(machineAfter.total - machineBefore.total, 1e-9)
        let postgres = postgresAfter - postgresBefore
        results["pg_scale_\(processes)_per_s"] = rate
        results["pg_scale_\(processes)_cpu_busy"] = busy
        results["pg_scale_\(processes)_rollbacks"] = rollbacks
        results["pg_scale_\(processes)_given_up"] = givenUp
        let machineSeconds: Double = machineAfter.busy - machineBefore.busy
        let rest: Double = max(0, machineSeconds - workerCPU - postgres)
        let percent: Double = busy * 100
        let counts = "\(Int(rollbacks)) transactions rolled back, \(Int(givenUp)) creates given up after retries (run again)"
        log(String(format: "pg %d proc:   %8.0f creates/s   CPU %.0f%% busy over %.1f s (engines %.1f s, postgres %.1f s, rest %.1f s); ",
            processes, rate, percent, slowest, workerCPU, postgres, rest) + counts)
        return rate
    }
}

// MARK: The worker process

/// `collab-bench --pg-worker URL SCHEMA COUNT SEED`: opens a PostgresStore and an engine on SCHEMA (made by
/// the parent), warms up, prints `ready`, waits for a line on standard input, runs COUNT creates and prints
/// `done ELAPSED CPU GIVEN_UP` (seconds of wall time and of this process's CPU time, creates the store gave
/// up on after its retries and that were run again), then waits for another line
/// before it closes its connections.
enum PostgresWorker {
    static func run(_ arguments: [String]) async throws {
        guard arguments.count == 6, let count = Int(arguments[4]), let seed = Int(arguments[5]) else {
            throw BenchError("usage: collab-bench --pg-worker URL SCHEMA COUNT SEED")
        }
        let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let store = try await PostgresStore.start(PostgresWorld.configuration(arguments[2], schema: arguments[3], logger: quiet))
        let engine = PostgresWorld.engine(store, logger: quiet)
        do {
            let base = 100_000_000 + seed * 1_000_000
            for n in 0..<20 { try await engine.workItems.create(PostgresWorld.draft(index: base + 900_000 + n), by: "m1") }
            say("ready")
            guard await readStandardInput() != nil else { throw BenchError("no start signal") }
            let clock = ContinuousClock()
            let cpuBefore = CPUSample.ownSeconds()
            let started = clock.now
            // A create the store gives up on after its retries of serialization failures is counted and run
            // again, so every process makes COUNT items.
            var givenUp = 0
            for n in 0..<count {
                while try await !create(engine, index: base + n) { givenUp += 1 }
            }
            let elapsed = seconds(clock.now - started)
            say(String(format: "done %.6f %.6f %d", elapsed, CPUSample.ownSeconds() - cpuBefore, givenUp))
            _ = await readStandardInput()
        } catch {
            say("error \(error)")
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    /// Creates the draft with this index; false when the store gave up on it (`storageUnavailable`).
    static func create(_ engine: WorkflowEngine, index: Int) async throws -> Bool {
        do {
            try await engine.workItems.create(PostgresWorld.draft(index: index), by: "m1")
            return true
        } catch {
            if error.code == .storageUnavailable { return false }
            throw error
        }
    }

    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// One line of standard input, read on a thread of its own (never blocking the concurrency pool).
    static func readStandardInput() async -> String? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: readLine()) }.start()
        }
    }
}

/// A worker launched by the parent, talked to through its standard input and output.
final class WorkerProcess: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    init(arguments: [String]) throws {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    func send(_ line: String) {
        try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The next line the worker prints, or nil at its end; read on a thread of its own.
    func line() async -> String? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.readLineBlocking()) }.start()
        }
    }

    private func readLineBlocking() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }

    func wait() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Ends this worker (after a failure elsewhere).
    func stop() {
        if process.isRunning { process.terminate() }
        wait()
    }
}

/// CPU time from /proc: the machine's, this process's, and the PostgreSQL server's processes'.
enum CPUSample {
    static let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Busy and total jiffies of the whole machine, in seconds.
    static func machine() -> (busy: Double, total: Double) {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let first = stat.split(separator: "\n").first
        else { return (0, 0) }
        let values = first.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard values.count >= 5 else { return (0, 0) }
        let total = values.prefix(8).reduce(0, +)
        return ((total - values[3] - values[4]) / ticks, total / ticks)
    }

    /// User and system CPU seconds of every process named `postgres` (the server and its backends).
    static func postgres() -> Double {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var seconds = 0.0
        for entry in entries where entry.allSatisfy(\.isNumber) {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
                stat[stat.index(after: open)..<close] == "postgres"
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            seconds += (user + system) / ticks
        }
        return seconds
    }

    /// This process's user and system CPU seconds.
    static func ownSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
