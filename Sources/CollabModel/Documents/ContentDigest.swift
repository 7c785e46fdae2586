import Foundation

/// The SHA-256 digest that names stored bytes: 64 lower-case hex digits.
///
/// A ``ContentDigest`` is only ever made from well-formed text, so a digest read from a request, a file
/// name or a database row can be trusted to be a digest and nothing else (no path parts, no wildcards).
public struct ContentDigest: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The digest as 64 lower-case hex digits.
    public let hex: String

    /// A digest from its 64 hex digits (either case; stored lower-case); `nil` for anything else.
    public init?(hex: String) {
        let lowered = hex.lowercased()
        guard lowered.utf8.count == 64,
            lowered.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { return nil }
        self.hex = lowered
    }

    /// A digest from its 32 bytes; `nil` when `bytes` is not 32 bytes long.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        hex = String(decoding: text, as: UTF8.self)
    }

    /// The digest of 32 copies of `byte` (`0xaa` → `aaaa…`): a well-formed digest for fixtures, which cannot fail.
    package init(repeating byte: UInt8) {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        let pair = [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        hex = String(decoding: (0..<32).flatMap { _ in pair }, as: UTF8.self)
    }

    public var description: String { hex }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = ContentDigest(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text.prefix(16))…' is not a SHA-256 digest (64 hex digits)")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
