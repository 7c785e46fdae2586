import Foundation

/// Makes the identifiers of new values (items, comments, notifications, audit events).
///
/// Injected so that tests and simulations get reproducible identifiers.
public protocol IdentifierGenerator: Sendable {
    /// Returns a new identifier text, unique within the store.
    func next() -> String
}

/// Random identifiers: lower-case UUIDs of version 7 (RFC 9562), which begin with the time they were made.
///
/// Each identifier carries 62 random bits, so identifiers cannot be guessed from one another; the
/// leading millisecond time stamp and a per-process counter make identifiers made one after the other
/// sort one after the other, so a database inserts them at the end of its indexes instead of at random
/// places (fewer pages written per command). The random bits come from the system's generator
/// (`getrandom`), without opening a device file per identifier as `UUID()` does on Linux.
public struct RandomIdentifierGenerator: IdentifierGenerator {
    private final class State: Sendable {
        let value = Locked<(millisecond: UInt64, counter: UInt64)>((0, 0))
    }

    private let state = State()
    private let clock: any CollabClock

    /// Creates a generator; its time stamps come from `clock` (the system clock by default).
    public init(clock: any CollabClock = SystemClock()) {
        self.clock = clock
    }

    public func next() -> String {
        var random = SystemRandomNumberGenerator()
        let now = UInt64(max(0, clock.now().timeIntervalSince1970 * 1000))
        // 12 bits of counter after the time stamp: strictly increasing within a process, even within a
        // millisecond or when the clock steps back.
        let (millisecond, counter) = state.value.withLock { state -> (UInt64, UInt64) in
            if now > state.millisecond {
                state = (now, random.next() & 0x3FF)  // start low, leave room to count
            } else if state.counter < 0xFFF {
                state.counter += 1
            } else {
                state = (state.millisecond + 1, random.next() & 0x3FF)
            }
            return state
        }
        let high = (millisecond & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | counter
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return Self.format(high, low)
    }

    private static let digits = Array("0123456789abcdef".utf8)

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` of the 128 bits `high` then `low`.
    static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int) {
                for shift in stride(from: (nibbles - 1) * 4, through: 0, by: -4) {
                    buffer[position] = digits[Int((value >> UInt64(shift)) & 0xF)]
                    position += 1
                }
            }
            func dash() { buffer[position] = UInt8(ascii: "-"); position += 1 }
            put(high >> 32, nibbles: 8)
            dash()
            put((high >> 16) & 0xFFFF, nibbles: 4)
            dash()
            put(high & 0xFFFF, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return position
        }
    }
}
