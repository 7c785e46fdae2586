import CollabModel
import CollabTesting
import Foundation
import Synchronization
import Testing

/// A clock a test sets to any time, backwards too.
private final class SettableClock: CollabClock {
    private let time: Mutex<Date>
    init(_ date: Date) { time = Mutex(date) }
    func now() -> Date { time.withLock { $0 } }
    func set(_ date: Date) { time.withLock { $0 = date } }
    func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

@Suite struct IdentifierGeneratorTests {
    @Test("random identifiers are lower-case version-7 UUIDs that carry their time and sort in the order made")
    func versionSevenUUIDs() throws {
        let clock = SettableClock(Date(timeIntervalSince1970: 1_764_547_200.123))
        let generator = RandomIdentifierGenerator(clock: clock)
        var previous = ""
        var seen = Set<String>()
        for n in 0..<20_000 {
            // Many identifiers within one millisecond, and a clock that steps back once.
            if n == 10_000 { clock.set(Date(timeIntervalSince1970: 1_764_547_100)) }
            let id = generator.next()
            let uuid = try #require(UUID(uuidString: id), "\(id) is not a UUID")
            #expect(id == uuid.uuidString.lowercased())
            #expect(Array(id)[14] == "7", "\(id) is not version 7")
            #expect("89ab".contains(Array(id)[19]), "\(id) has the wrong variant")
            #expect(id > previous, "\(id) does not sort after \(previous)")
            #expect(seen.insert(id).inserted)
            previous = id
        }
        // The first 48 bits are the clock's milliseconds.
        let first = RandomIdentifierGenerator(clock: ManualClock(now: Date(timeIntervalSince1970: 1_764_547_200.123))).next()
        let stamp = UInt64(first.prefix(8) + first.dropFirst(9).prefix(4), radix: 16)
        #expect(stamp == 1_764_547_200_123)
    }

    @Test("two generators never make the same identifier")
    func independentGenerators() {
        let a = RandomIdentifierGenerator(), b = RandomIdentifierGenerator()
        let ids = (0..<5_000).flatMap { _ in [a.next(), b.next()] }
        #expect(Set(ids).count == ids.count)
    }
}
