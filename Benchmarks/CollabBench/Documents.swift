// Document bytes: a 64 MB file through FileSystemDocumentStore (put: read, hash, write, fsync, rename; get:
// read, verify, write to a file) beside `/bin/cp` of the same file, the limit; the peak memory of a put
// streaming 1 GB (256 MB with --quick); with --postgres, the same 64 MB through PostgresDocumentStore.

import CollabModel
import CollabStore
import CollabStorePostgres
import Foundation
import PostgresNIO

/// A file read in chunks of 1 MiB, as an `AsyncSequence`.
struct FileChunks: AsyncSequence {
    typealias Element = [UInt8]
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        mutating func next() async throws -> [UInt8]? {
            guard let handle, let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try handle?.close()
                return nil
            }
            return [UInt8](data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: path)) }
}

/// `total` bytes generated in chunks of 1 MiB (each chunk a little different), never all in memory.
struct GeneratedChunks: AsyncSequence {
    typealias Element = [UInt8]
    let total: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        let total: Int
        var produced = 0
        var chunk: [UInt8] = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        mutating func next() async throws -> [UInt8]? {
            guard produced < total else { return nil }
            let count = Swift.min(chunk.count, total - produced)
            withUnsafeBytes(of: UInt64(produced)) { counter in
                for (index, byte) in counter.enumerated() { chunk[index] = byte }
            }
            produced += count
            return count == chunk.count ? chunk : Array(chunk[0..<count])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(total: total) }
}

extension Bench {
    static let documentBytes = 64 << 20

    /// A 64 MB file of random bytes in `folder`.
    func documentSource() throws -> String {
        let path = folder.appendingPathComponent("document-source.bin").path
        if FileManager.default.fileExists(atPath: path) { return path }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<(Self.documentBytes >> 20) {
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            for index in stride(from: 0, to: chunk.count, by: 8) {
                withUnsafeBytes(of: generator.next()) { random in
                    for offset in 0..<8 { chunk[index + offset] = random[offset] }
                }
            }
            try handle.write(contentsOf: Data(chunk))
        }
        try handle.close()
        return path
    }

    /// Reads every byte of `document` into a file at `path` (as `cp` writes its copy).
    func readDocument(_ document: DocumentBytes, to path: String) async throws -> Int {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchError("cannot write \(path)") }
        var total = 0
        for try await chunk in document {
            try handle.write(contentsOf: Data(chunk))
            total += chunk.count
        }
        try handle.close()
        return total
    }

    func measureDocuments(into results: inout [String: Double]) async throws {
        let source = try documentSource()
        let megabytes = Double(Self.documentBytes) / 1_048_576
        let rounds = options.quick ? 1 : 3
        var cp: [Double] = [], put: [Double] = [], get: [Double] = []
        for round in 0..<rounds {
            let copy = folder.appendingPathComponent("document-cp-\(round).bin").path
            var started = clock.now
            let process = try Process.run(URL(fileURLWithPath: "/bin/cp"), arguments: [source, copy])
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw BenchError("/bin/cp failed") }
            cp.append(megabytes / seconds(clock.now - started))
            try? FileManager.default.removeItem(atPath: copy)

            let directory = folder.appendingPathComponent("documents-\(round)")
            let store = try FileSystemDocumentStore(directory: directory, logger: quiet)
            started = clock.now
            let stored = try await store.put(FileChunks(path: source), maximumSize: Int64(Self.documentBytes))
            put.append(megabytes / seconds(clock.now - started))
            let out = folder.appendingPathComponent("document-get-\(round).bin").path
            started = clock.now
            let read = try await readDocument(try await store.get(stored.digest), to: out)
            get.append(megabytes / seconds(clock.now - started))
            guard read == Self.documentBytes else { throw BenchError("get read \(read) bytes") }
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(at: directory)
        }
        results["document_cp_mb_s"] = percentile(cp, 0.5)
        results["document_put_mb_s"] = percentile(put, 0.5)
        results["document_get_mb_s"] = percentile(get, 0.5)
        results["document_put_ratio"] = percentile(put, 0.5) / max(percentile(cp, 0.5), 1e-9)
        results["document_get_ratio"] = percentile(get, 0.5) / max(percentile(cp, 0.5), 1e-9)
        log(String(format: "documents:   put %6.0f MB/s   get %6.0f MB/s   cp %6.0f MB/s   ratios %.2f / %.2f (64 MB, median of %d)",
            results["document_put_mb_s"] ?? 0, results["document_get_mb_s"] ?? 0, results["document_cp_mb_s"] ?? 0,
            results["document_put_ratio"] ?? 0, results["document_get_ratio"] ?? 0, rounds))

        // The peak resident memory a put of a large stream adds: VmHWM reset first where Linux allows it.
        let total = options.quick ? 256 << 20 : 1 << 30
        let directory = folder.appendingPathComponent("documents-peak")
        let store = try FileSystemDocumentStore(directory: directory, logger: quiet)
        let reset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
        let before = Self.memory("VmRSS")
        var sampled = before
        let sampler = Task {
            var highest = Self.memory("VmRSS")
            while !Task.isCancelled {
                highest = max(highest, Self.memory("VmRSS"))
                try? await Task.sleep(for: .milliseconds(20))
            }
            return highest
        }
        let started = clock.now
        let stored = try await store.put(GeneratedChunks(total: total), maximumSize: Int64(total))
        let elapsed = seconds(clock.now - started)
        sampler.cancel()
        sampled = max(sampled, await sampler.value)
        let peak = reset ? max(Self.memory("VmHWM"), sampled) : sampled
        try await store.remove(stored.digest)
        try? FileManager.default.removeItem(at: directory)
        results["document_put_peak_mb"] = peak - before
        log(String(format: "documents:   a put of %d MB (%@) raised the resident memory by %.1f MB (%@) at %.0f MB/s",
            total >> 20, options.quick ? "256 MB in --quick, 1 GB in a full run" : "1 GB",
            peak - before, reset ? "VmHWM after clear_refs" : "VmRSS sampled", Double(total >> 20) / elapsed))
    }

    func measurePostgresDocuments(_ url: String, into results: inout [String: Double]) async throws {
        let source = try documentSource()
        let megabytes = Double(Self.documentBytes) / 1_048_576
        let schema = "bench_doc_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let store = try await PostgresStore.start(PostgresWorld.configuration(url, schema: String(schema), logger: quiet))
        do {
            let documents = PostgresDocumentStore(store: store)
            var started = clock.now
            let stored = try await documents.put(FileChunks(path: source), maximumSize: Int64(Self.documentBytes))
            results["pg_document_put_mb_s"] = megabytes / seconds(clock.now - started)
            let out = folder.appendingPathComponent("pg-document-get.bin").path
            started = clock.now
            let read = try await readDocument(try await documents.get(stored.digest), to: out)
            results["pg_document_get_mb_s"] = megabytes / seconds(clock.now - started)
            try? FileManager.default.removeItem(atPath: out)
            guard read == Self.documentBytes else { throw BenchError("get read \(read) bytes") }
            log(String(format: "pg documents: put %6.0f MB/s   get %6.0f MB/s (64 MB in 1 MiB chunks)",
                results["pg_document_put_mb_s"] ?? 0, results["pg_document_get_mb_s"] ?? 0))
        } catch {
            await store.shutdown()
            await dropDocumentSchema(String(schema), url)
            throw error
        }
        await store.shutdown()
        await dropDocumentSchema(String(schema), url)
    }

    private func dropDocumentSchema(_ schema: String, _ url: String) async {
        guard let client = try? PostgresStore.Configuration(url: url).client,
            let admin = try? await RawPostgresWorkload.connect(client, schema: nil, logger: quiet)
        else { return }
        _ = try? await admin.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: quiet).get()
        try? await admin.close()
    }
}
