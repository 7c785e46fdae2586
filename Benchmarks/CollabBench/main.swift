// collab-bench: Collab's throughput and latency, each beside what SQLite's C API does with the same
// writes in the same process and run.
//
//     swift run -c release collab-bench [--quick] [--json] [--scale N] [--full-durability] [--postgres URL] [--documents-only]

import CollabModel
import CollabPermissions
import CollabStore
import CollabWorkflow
import Foundation
import Logging

// MARK: Options

struct Options {
    var quick = false
    var json = false
    var scale = 1_000_000
    var durability: SQLiteStore.Configuration.Durability = .normal
    /// `--postgres URL`: the PostgreSQL figures too (Postgres.swift), in schemas made and dropped by the run.
    var postgres: String?
    /// `--postgres-only`: with `--postgres`, only the PostgreSQL figures.
    var postgresOnly = false
    /// `--documents-only`: only the document figures (Documents.swift), with `--postgres` the PostgreSQL ones too.
    var documentsOnly = false

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": quick = true
            case "--json": json = true
            case "--full-durability": durability = .full
            case "--breakdown", "--profile", "--search-only", "--write-parts": break
            case "--reads-at": _ = rest.popFirst()
            case "--postgres":
                guard let url = rest.popFirst() else { throw BenchError("--postgres needs a postgres:// URL") }
                postgres = url
            case "--postgres-only": postgresOnly = true
            case "--documents-only": documentsOnly = true
            case "--scale":
                guard let value = rest.popFirst().flatMap(Int.init), value >= 1000 else {
                    throw BenchError("--scale needs a number of items, at least 1000")
                }
                scale = value
            case "--help", "-h":
                print("usage: collab-bench [--quick] [--json] [--scale N] [--full-durability] [--breakdown] [--profile] [--search-only] [--write-parts] [--reads-at PATH] [--postgres URL [--postgres-only]] [--documents-only]")
                exit(0)
            default: throw BenchError("unknown argument '\(argument)'")
            }
        }
        if quick && !arguments.contains("--scale") { scale = 20_000 }
    }

    var creates: Int { quick ? 600 : 5_000 }
    var rounds: Int { quick ? 3 : 5 }
    var synchronous: String { durability == .full ? "FULL" : "NORMAL" }
}

do {
    if CommandLine.arguments.dropFirst().first == "--pg-worker" {
        try await PostgresWorker.run(CommandLine.arguments)
        exit(0)
    }
    let options = try Options(CommandLine.arguments)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    // COLLAB_BENCH_KEEP=1 keeps the databases for inspection (their folder is logged).
    let keep = ProcessInfo.processInfo.environment["COLLAB_BENCH_KEEP"] == "1"
    if keep { FileHandle.standardError.write(Data("collab-bench: keeping \(folder.path)\n".utf8)) }
    defer { if !keep { try? FileManager.default.removeItem(at: folder) } }
    try await Task.detached { try await Bench(options: options, folder: folder).run() }.value
} catch {
    FileHandle.standardError.write(Data("collab-bench: \(error)\n".utf8))
    exit(1)
}
