import CollabModel
import CollabStore
import Foundation
import GRDBSQLite

extension Bench {
    /// Search across records at scale (`search_*` keys): 1,000,000 indexed records (100,000 with `--quick`,
    /// reported as `search_records`), bulk-loaded straight into the index tables with raw SQL in batched
    /// transactions — the rows `SearchIndex` derives for a work item, with the same CJK grams — not through
    /// engine commands. Then queries mixing Chinese two-character terms (grams), Chinese terms of three
    /// characters or more and English terms (trigrams), as an internal member (assignee keys and two
    /// departments) and as a partner (the shared items).
    func measureSearch(into results: inout [String: Double]) async throws {
        let count = options.quick ? 100_000 : 1_000_000
        let path = folder.appendingPathComponent("search.sqlite").path
        do { _ = try SQLiteStore(path: path) }  // creates the schema, then closes
        let raw = try RawSQLite(path: path, synchronous: "OFF")
        let english = ["budget", "rollout", "invoice", "supplier", "review", "launch", "contract", "quarterly", "safety",
            "delivery", "report", "hiring", "migration", "audit", "training", "warehouse"]
        let chinese = ["会议", "预算", "合同", "交付", "安全", "培训", "仓库", "审计", "季度预算", "会议纪要", "供应商", "项目进度",
            "年度总结", "采购订单"]
        var random = SplitMix(state: 42)
        func words(_ n: Int) -> String {
            (0..<n).map { index in
                index % 2 == 0 ? english[Int.random(in: 0..<english.count, using: &random)]
                    : chinese[Int.random(in: 0..<chinese.count, using: &random)]
            }.joined(separator: " ")
        }
        let started = ContinuousClock.now
        let batch = 20_000
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for start in stride(from: 0, to: count, by: batch) {
            try raw.exec("BEGIN")
            for index in start..<min(start + batch, count) {
                let entry = "work_item:s\(index)"
                let member = "m\(index % 5_000)", department = "d\(index % 200)"
                let title = words(5), body = words(12), tags = words(1)
                try raw.run("""
                    INSERT INTO search_entries (rowid, entry, kind, record_id, organization_id, access_record,
                        outside_visible, title, status, people, departments, tags, occurred_at)
                    VALUES (?, ?, 'work_item', ?, 'acme', ?, 1, ?, 'assigned', ?, ?, ?, ?)
                    """, [.int(Int64(index + 1)), .text(entry), .text("s\(index)"), .text(entry), .text(title),
                        .text(SearchIndex.joined([member])), .text(SearchIndex.joined([department])),
                        .text(SearchIndex.joined([tags])), .int(now - Int64(index) * 1000)])
                try raw.run("INSERT INTO search_text (rowid, title, labels, body, internal) VALUES (?, ?, '', ?, ?)",
                    [.int(Int64(index + 1)), .text(title), .text(body), .text(tags)])
                try raw.run("INSERT INTO search_grams (rowid, grams, internal_grams) VALUES (?, ?, ?)", [
                    .int(Int64(index + 1)), .text(SearchTerms.grams(of: title + "\n\n" + body).joined(separator: " ")),
                    .text(SearchTerms.grams(of: tags).joined(separator: " ")),
                ])
                var keys = ["wi.all:acme", "wi.assignee:acme:\(member)", "wi.department:acme:\(department)",
                    "wi.initiator:acme:m\((index * 7) % 5_000)"]
                if index % 20 == 0 { keys.append("wi.shared_organization:partner\(index % 40 / 20 + index % 10)") }
                for key in keys {
                    try raw.run("INSERT INTO search_access (record, key) VALUES (?, ?)", [.text(entry), .text(key)])
                }
            }
            try raw.exec("COMMIT")
        }
        try raw.exec("ANALYZE")
        log(String(format: "search load: %d records in %.0f s (raw SQL, batches of %d)", count,
            seconds(ContinuousClock.now - started), batch))
        let store = try SQLiteStore(path: path)
        let internalReader = SearchReader(
            keys: ["member:acme:m17", "wi.assignee:acme:m17", "wi.initiator:acme:m17", "wi.department:acme:d3",
                "wi.department:acme:d4", "department:acme:d3"],
            organizationID: "acme", isExternal: false)
        let partnerReader = SearchReader(
            keys: ["outside:partner0", "wi.shared_organization:partner0"], organizationID: "partner0", isExternal: true)
        // An administrator may see every record: the search starts from the text.
        let administrator = SearchReader(keys: ["member:acme:m1", "wi.all:acme"], organizationID: "acme", isExternal: false)
        let queries = ["会议", "预算", "季度预算", "供应商", "budget", "quarterly", "budget 合同", "会议纪要 review", "安全",
            "delivery"]
        for (label, reader) in [("internal", internalReader), ("partner", partnerReader), ("administrator", administrator)] {
            var latencies: [Double] = []
            var found = 0
            for round in 0..<(options.quick ? 3 : 5) {
                for query in queries {
                    let begin = ContinuousClock.now
                    let page = try await store.search(SearchQuery(query), for: reader, page: PageRequest(limit: 20))
                    let elapsed = seconds(ContinuousClock.now - begin) * 1_000_000
                    if round > 0 { latencies.append(elapsed) }
                    if ProcessInfo.processInfo.environment["COLLAB_BENCH_TRACE"] == "1" {
                        log(String(format: "  %@ %@: %.0f µs, %d hits", label, query, elapsed, page.items.count))
                    }  // the first round warms the cache
                    found += page.items.count
                }
            }
            results["search_p50_us_\(label)"] = percentile(latencies, 0.5)
            results["search_p99_us_\(label)"] = percentile(latencies, 0.99)
            log(String(format: "search:      p50 %6.0f µs   p99 %6.0f µs   %@ (%d records%@, %d hits)",
                percentile(latencies, 0.5), percentile(latencies, 0.99), label, count,
                options.quick ? ", --quick" : "", found))
        }
        results["search_records"] = Double(count)
    }
}

/// A small seeded generator, so every run indexes the same text.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
