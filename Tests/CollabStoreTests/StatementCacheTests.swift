@testable import CollabStore
import CollabModel
import CollabPermissions
import Foundation
import Testing

/// Lists whose length comes from input (ids, handles) must not leave one prepared statement per length
/// behind: GRDB's statement cache never evicts, so 1 … 1,400 distinct list sizes once grew a process by
/// 252 MB.
@Suite struct StatementCacheTests {
    /// The most statements the store may hold prepared after the workload, whatever the list sizes were:
    /// the directory reads use a handful of fixed statements.
    static let statementCeiling = 40
    /// The most the resident memory may grow over the workload (Linux only). Before the fix it grew by far
    /// more than this; after it, by the members read back.
    static let residentGrowthCeiling = 96 * 1024 * 1024

    @Test("reading members by 1 … 1,400 distinct ids and handles keeps the prepared statements bounded")
    func listSizesDoNotGrowTheStatementCache() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = SQLiteStore.Configuration()
        configuration.durability = .normal
        configuration.maximumReaderCount = 1
        let store = try SQLiteStore(path: folder.appendingPathComponent("cache.sqlite").path, configuration: configuration)
        try await store.save(Organization(id: "acme", name: "Acme", kind: .internal))
        try await store.save(Department(id: "eng", organizationID: "acme", name: "Engineering"))
        // 1,400 distinct ids, one in ten of a real member: the lists' lengths are what matters, and reading
        // back every member of every list (a million rows) would only make the test slow.
        let count = 1_400
        let ids = (0..<count).map { Member.ID("m\($0)") }
        let real = Set(ids.enumerated().filter { $0.offset % 10 == 0 }.map(\.element))
        for id in real.sorted() {
            try await store.save(Member(
                id: id, organizationID: "acme", displayName: id.rawValue, handle: id.rawValue,
                departments: [DepartmentMembership("eng")]))
        }
        let baseline = try await store.preparedStatementCount()
        let residentBefore = Self.residentBytes()
        for size in 1...count {
            let members = try await store.members(Set(ids.prefix(size)))
            #expect(members.count == real.intersection(ids.prefix(size)).count)
            // Every seventh size by handle: 200 lengths, each of which left a statement behind before.
            if size % 7 == 0 {
                let byHandle = try await store.members(handles: Set(ids.suffix(size).map(\.rawValue)), in: "acme")
                #expect(byHandle.count == real.intersection(ids.suffix(size)).count)
            }
            if size % 100 == 0 {
                let departments = try await store.departments(Set(["eng", "nowhere"]))
                #expect(departments.map(\.id) == ["eng"])
            }
        }
        let prepared = try await store.preparedStatementCount()
        #expect(prepared <= Self.statementCeiling,
            "\(prepared) statements prepared after the workload (\(baseline) before), at most \(Self.statementCeiling)")
        if let before = residentBefore, let after = Self.residentBytes() {
            print("statement cache: 1 … \(count) ids, \(prepared) statements prepared, resident memory grew by "
                + "\((after - before) / 1_048_576) MiB")
            #expect(after - before <= Self.residentGrowthCeiling,
                "resident memory grew by \((after - before) / 1_048_576) MiB, at most \(Self.residentGrowthCeiling / 1_048_576)")
        } else {
            print("StatementCacheTests: /proc/self/status is not readable here; the resident-memory ceiling is skipped")
        }
    }

    @Test("lists, counts and reports over scopes of up to 400 grants and 400 periods keep the prepared statements bounded")
    func scopeShapesDoNotGrowTheStatementCache() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("collab-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = SQLiteStore.Configuration()
        configuration.durability = .normal
        configuration.maximumReaderCount = 1
        let store = try SQLiteStore(path: folder.appendingPathComponent("cache.sqlite").path, configuration: configuration)
        try await store.save(Organization(id: "acme", name: "Acme", kind: .internal))
        let start = Date(timeIntervalSince1970: 1_767_225_600)
        // Every fifth size up to 400 (past the 200 grants beyond which a scope is filtered per row): 80
        // shapes of three statements each, every one of which stayed prepared before.
        for size in stride(from: 1, through: 400, by: 5) {
            let grants = Set((0..<size).map { VisibilityScope.Grant(.department, "d\($0)") })
            let scope = VisibilityScope(wholeOrganization: nil, grants: grants, organizationID: "acme", isExternal: false)
            #expect(try await store.workItems(in: scope, matching: .all, page: .first).items.isEmpty)
            #expect(try await store.countWorkItems(in: scope, matching: .all) == 0)
            let periods = (0..<size).map { DateInterval(start: start.addingTimeInterval(Double($0) * 86_400), duration: 86_400) }
            let departments = Set((0..<size).map { Department.ID("d\($0)") })
            _ = try await store.report(
                ReportQuery(periods: periods, leadDepartments: departments, grouping: .period), in: scope, now: start)
        }
        let prepared = try await store.preparedStatementCount()
        #expect(prepared <= Self.statementCeiling, "\(prepared) statements prepared, at most \(Self.statementCeiling)")
    }

    /// The resident set size from /proc/self/status (`VmRSS`), in bytes; `nil` where it cannot be read.
    static func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
            return digits.map { $0 * 1024 }
        }
        return nil
    }
}
