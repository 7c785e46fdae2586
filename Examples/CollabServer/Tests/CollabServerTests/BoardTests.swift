import CollabServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The department board, the exports and the Prometheus metrics.
@Suite("Board and exports")
struct BoardTests {
    @Test("GET /api/board: the organization's figures, per department, a trend and two SVG charts")
    func board() async throws {
        try await TestServer.run { client in
            let admin = try await client.signIn("he.ping")
            let board = try await client.json(BoardBody.self, .get, "/api/board", as: admin)
            #expect(!board.title.isEmpty)
            #expect(board.figures.created >= 5, "the seeded items: \(board.figures)")
            #expect(board.figures.completed >= 2, "two seeded items are completed: \(board.figures)")
            #expect(board.figures.open + board.figures.completed <= board.figures.created)
            #expect(board.departments.count >= 5, "\(board.departments.map(\.label))")
            #expect(!board.trend.isEmpty)
            #expect(board.departmentChartSVG.contains("<svg"))
            #expect(board.trendChartSVG.contains("<svg"))

            let technology = try await client.json(BoardBody.self, .get, "/api/board?department=technology&weeks=4", as: admin)
            #expect(technology.trend.count == 4, "\(technology.trend.map(\.label))")
            #expect(technology.figures.created >= 1)
            #expect(technology.figures.created <= board.figures.created)

            // A head sees their department's board.
            let wang = try await client.signIn("wang.fang")
            let own = try await client.json(BoardBody.self, .get, "/api/board?department=technology", as: wang)
            #expect(own.figures.created == technology.figures.created)

            let bad = try await client.send(.get, "/api/board?weeks=0", as: admin)
            #expect([400, 422].contains(bad.status.code), "\(bad.status.code) \(bad.text)")
            let unknown = try await client.send(.get, "/api/board?department=no-such-department", as: admin)
            #expect([404, 422].contains(unknown.status.code), "\(unknown.status.code) \(unknown.text)")
        }
    }

    @Test("GET /api/exports/report.xlsx is a valid zip workbook (PK…, central directory, xl/workbook.xml)")
    func workbook() async throws {
        try await TestServer.run { client in
            let admin = try await client.signIn("he.ping")
            let response = try await client.send(.get, "/api/exports/report.xlsx?weeks=8", as: admin)
            #expect(response.status == .ok, "\(response.status.code) \(response.text.prefix(300))")
            #expect(response.headers[.contentType]?.contains("spreadsheetml") == true, "\(response.headers)")
            let bytes = Array(response.body.readableBytesView)
            #expect(bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]), "starts with PK\\3\\4")
            let names = try zipEntryNames(bytes)
            #expect(names.contains("[Content_Types].xml"), "\(names)")
            #expect(names.contains("xl/workbook.xml"), "\(names)")
            #expect(names.filter { $0.hasPrefix("xl/worksheets/") }.count >= 4, "overview, departments, weeks, items: \(names)")

            let plain = try await client.send(.get, "/api/exports/report.xlsx", as: try await client.signIn("li.wei"))
            #expect(plain.status == .ok || plain.status == .forbidden, "\(plain.status.code) \(plain.text.prefix(300))")
        }
    }

    /// `weeks` is `minimum: 1, maximum: 104` in openapi.yaml. Found by Schemathesis: `weeks=-1` made the server
    /// build `today.adding(days: -7 * weeks)...today`, a range whose lower bound is above its upper one, and the
    /// process died ("Fatal error: Range requires lowerBound <= upperBound"): any signed-in member could stop it.
    /// Each value runs in a child process (an exit test) so that a crash fails this test only: exit code 2, the
    /// workbook answered something else than 400/422; 3, the board did; a signal, the server crashed.
    @Test(
        "GET /api/exports/report.xlsx and /api/board with weeks out of 1...104 answer 400 or 422; the server lives on",
        arguments: ["-1", "0", "105", "-6413836", "9223372036854775807"])
    func weeksOutOfRange(weeks: String) async {
        await #expect(processExitsWith: .success, "weeks=\(weeks)") { [weeks] in
            try await TestServer.run { client in
                let admin = try await client.signIn("he.ping")
                for path in ["/api/exports/report.xlsx", "/api/board"] {
                    let response = try await client.send(.get, "\(path)?weeks=\(weeks)", as: admin)
                    guard [400, 422].contains(response.status.code) else {
                        print("\(path)?weeks=\(weeks): \(response.status.code) \(response.text.prefix(200))")
                        exit(path == "/api/board" ? 3 : 2)
                    }
                }
                guard try await client.send(.get, "/api/health", as: nil).status == .ok else { exit(4) }
            }
        }
    }

    @Test("GET /api/exports/items.csv: a header line, then the items the member may see")
    func csv() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let item = try await createItem(client, as: zhao, title: "CSV row", assignees: ["li.wei"])
            let li = try await client.signIn("li.wei")
            let response = try await client.send(.get, "/api/exports/items.csv", as: li)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true, "\(response.headers)")
            var text = response.text
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            let lines = text.split(whereSeparator: \.isNewline)
            let header = try #require(lines.first)
            #expect(header.contains(","), "a header line: \(header)")
            #expect(!header.contains(item.id))
            #expect(lines.count >= 2)
            #expect(lines.contains { $0.contains("CSV row") }, "\(text)")
            #expect(text.contains(item.id) || lines.contains { $0.contains("CSV row") })

            // eve.li's export holds nothing of acme's.
            let eve = try await client.signIn("eve.li")
            let foreign = try await client.send(.get, "/api/exports/items.csv", as: eve)
            #expect(foreign.status == .ok)
            #expect(!foreign.text.contains("CSV row"))
        }
    }

    @Test("GET /metrics after a few commands: Collab's metrics in Prometheus text format")
    func metrics() async throws {
        try await TestServer.run { client in
            let zhao = try await client.signIn("zhao.lei")
            let li = try await client.signIn("li.wei")
            let item = try await createItem(client, as: zhao, title: "Measured", assignees: ["li.wei"])
            _ = try await client.json(ItemBody.self, .post, "/api/items/\(item.id)/accept", as: li)
            _ = try await client.send(.post, "/api/items/\(item.id)/accept", as: li)  // refused: already accepted
            let response = try await client.send(.get, "/metrics", as: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true, "\(response.headers)")
            let text = response.text
            for name in ["collab_commands_total", "collab_command_duration_seconds", "collab_commits_total"] {
                #expect(text.contains("# TYPE \(name)"), "\(name) missing")
            }
            let commands = text.split(separator: "\n").filter { $0.hasPrefix("collab_commands_total{") }
            #expect(commands.contains { $0.contains(#"command="create""#) && $0.contains(#"outcome="committed""#) }, "\(commands)")
            #expect(commands.contains { $0.contains(#"command="accept""#) && $0.contains(#"outcome="committed""#) }, "\(commands)")
            #expect(commands.contains { $0.contains(#"command="accept""#) && !$0.contains(#"outcome="committed""#) }, "\(commands)")
            // Every sample line is `name{labels} value` or `name value`, the value a number.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
                let value = line.split(separator: " ").last.map(String.init) ?? ""
                #expect(Double(value) != nil || ["+Inf", "-Inf", "NaN"].contains(value), "not a sample: \(line)")
            }
        }
    }
}

/// The names of a zip archive's entries, read from its central directory (each entry's local header checked).
func zipEntryNames(_ bytes: [UInt8]) throws -> [String] {
    struct NotAZip: Error, CustomStringConvertible { var description: String }
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    guard bytes.count >= 22 else { throw NotAZip(description: "too short") }
    var end = -1
    var index = bytes.count - 22
    while index >= max(0, bytes.count - 22 - 65_535) {
        if bytes[index] == 0x50 && bytes[index + 1] == 0x4B && bytes[index + 2] == 0x05 && bytes[index + 3] == 0x06 { end = index; break }
        index -= 1
    }
    guard end >= 0 else { throw NotAZip(description: "no end of central directory") }
    let count = u16(end + 10)
    let size = u32(end + 12)
    var offset = u32(end + 16)
    guard offset + size <= end else { throw NotAZip(description: "central directory out of bounds") }
    var names: [String] = []
    for _ in 0..<count {
        guard offset + 46 <= bytes.count, u32(offset) == 0x0201_4B50 else { throw NotAZip(description: "bad central header at \(offset)") }
        let nameLength = u16(offset + 28)
        let extraLength = u16(offset + 30)
        let commentLength = u16(offset + 32)
        let local = u32(offset + 42)
        guard local + 30 <= bytes.count, u32(local) == 0x0403_4B50 else { throw NotAZip(description: "bad local header at \(local)") }
        names.append(String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self))
        offset += 46 + nameLength + extraLength + commentLength
    }
    return names
}
