import CollabModel
import CollabTesting
import Foundation
import Testing

@testable import CollabWorkflow

// The bounded DEFLATE decoder against streams from Python's zlib (raw DEFLATE, wbits -15), produced once
// with `python3 -c 'import zlib; c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy); ...'` and
// kept here as hex, and against the test encoder's fixed-Huffman streams.

@Suite struct DocumentsInflateTests {
    /// Inflates `stream` whole, at most `limit` bytes.
    static func inflate(_ stream: [UInt8], limit: Int64 = 1 << 24, chunk: Int = 7) throws(CollabError) -> [UInt8] {
        var offset = 0
        var output: [UInt8] = []
        var inflater = Inflater(
            context: "the test stream", maximumOutput: limit,
            source: { () throws(CollabError) -> [UInt8] in
                let end = min(stream.count, offset + chunk)
                defer { offset = end }
                return Array(stream[offset..<end])
            },
            sink: { bytes in
                output.append(contentsOf: bytes)
                return true
            })
        _ = try inflater.run()
        return output
    }

    static let hello = Array("Hello, Collab! Hello, Collab!".utf8)

    @Test("a stored block (zlib level 0)")
    func stored() throws {
        let stream = DocFixtures.bytes(hex: "011d00e2ff48656c6c6f2c20436f6c6c6162212048656c6c6f2c20436f6c6c616221")
        #expect(try Self.inflate(stream) == Self.hello)
    }

    @Test("a fixed-Huffman block with a back reference (zlib Z_FIXED)")
    func fixed() throws {
        let stream = DocFixtures.bytes(hex: "f348cdc9c9d75170cecfc9494c5254f040e10200")
        #expect(try Self.inflate(stream) == Self.hello)
    }

    @Test("a dynamic-Huffman block of 3,783 bytes of UTF-8 text (zlib level 9)")
    func dynamic() throws {
        let text = (0..<60).map { "Line \($0): the quick brown fox jumps over the lazy dog; 任务 \($0 * 7 % 13)\n" }.joined()
        let stream = DocFixtures.bytes(hex: """
            a5d7d951c3301440d17faa50097e9b1668214db004084b0c81b0954017d49176a00f06e40a74bf3d773ca3f7ced85a6db6eb\
            341da7e7eb757adc6fce6fd3d96e7edda6cbf92dddecef1f9ed2fcb2defd3fbe3bfd784f17f3d549fa3e1c7e3ebfd274b4fa\
            ab65ac2ebdd6b15a7a6d6375edb58fd5daeb18ab5baff3586dbd2e83a7b68cac8ee5deeb36f8f2656632b86eb1e483fb26cb\
            d86470e3f2921bc3e2488b04e22219799182c0484562a421323a31332a088d2a53a386d4a833351a488d66a4460bfbc654a4\
            461b526313526382d4982235664c8d395263c1d458466aac303556911a6b488d4f488d0b52e3cafecd0ca971476a3c901acf\
            4c8d17a4c62b53e30da98989a909416a42919a30a4261ca989406a22b32b4d416aa22235d186d5fc02
            """)
        let output = try Self.inflate(stream)
        #expect(output.count == 3783)
        #expect(output == Array(text.utf8))
    }

    @Test("blocks of every type in one stream: sync flushes (empty stored blocks) and a stored block of random bytes")
    func mixedBlocks() throws {
        let stream = DocFixtures.bytes(hex: """
            0aaecc4b5648cb292dce5028492d2eb152484c4a261e01000000ffff00c80037ffa54dca182530bb1d6d132cded6237b2ed91e3f\
            721fcb1971174494d6493c9d5c3460be31201e69fedaa0eee8b9997f5c7c2999fdafe593253cd654af4dfad71427a0aeb3fee923\
            2f8af2211f9ee491c5b10becb5563bfc1e6f93427ecbc8fe2955e5cd8e46dc8ed4b7c2764d2a5a4d767706f85d8690024ad6bda3\
            401be9c8cbccc935f6cd1f61226ae15338ae1a34004d33ba0d246ac04c81b1baf23e3bf9eef5f79f2b4934af87f5520b69b94b0d\
            982e85bb55b672a872637acd7466fcb60e0e8ff18463b0e4b2000000ffff0ba6281400
            """)
        let text = Array("Sync flush test: ".utf8) + Array(repeating: Array("abcabcabc".utf8), count: 5).flatMap { $0 }
        let random = DocFixtures.bytes(hex: """
            a54dca182530bb1d6d132cded6237b2ed91e3f721fcb1971174494d6493c9d5c3460be31201e69fedaa0eee8b9997f5c7c2999fd\
            afe593253cd654af4dfad71427a0aeb3fee9232f8af2211f9ee491c5b10becb5563bfc1e6f93427ecbc8fe2955e5cd8e46dc8ed4\
            b7c2764d2a5a4d767706f85d8690024ad6bda3401be9c8cbccc935f6cd1f61226ae15338ae1a34004d33ba0d246ac04c81b1baf2\
            3e3bf9eef5f79f2b4934af87f5520b69b94b0d982e85bb55b672a872637acd7466fcb60e0e8ff18463b0e4b2
            """)
        #expect(random.count == 200)
        for chunk in [1, 5, 4096] {
            #expect(try Self.inflate(stream, chunk: chunk) == text + random + text)
        }
    }

    @Test("a dynamic block of one-bit codes, then a stored block: the bytes buffered past the end-of-block code are kept")
    func shortCodesThenStored() throws {
        let stored = Array("stored after a dynamic block".utf8)
        for count in 0..<24 {
            var writer = DocFixtures.BitWriter()
            writer.write(0, bits: 1)  // not final
            writer.write(2, bits: 2)  // dynamic
            writer.write(0, bits: 5)  // 257 literal/length codes
            writer.write(0, bits: 5)  // 1 distance code
            writer.write(14, bits: 4)  // 18 code-length codes, in the order 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1
            // Code lengths: 18 → 2 bits, 0 → 2 bits, 1 → 1 bit, all others unused. Codes: 1 → `0`, 0 → `10`,
            // 18 → `11`.
            let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]
            for symbol in order { writer.write(symbol == 18 || symbol == 0 ? 2 : symbol == 1 ? 1 : 0, bits: 3) }
            writer.writeCode(3, length: 2)  // 18: 65 zeros
            writer.write(65 - 11, bits: 7)
            writer.writeCode(0, length: 1)  // 'A' has a one-bit code
            writer.writeCode(3, length: 2)  // 18: 138 zeros
            writer.write(138 - 11, bits: 7)
            writer.writeCode(3, length: 2)  // 18: 52 zeros (up to 255)
            writer.write(52 - 11, bits: 7)
            writer.writeCode(0, length: 1)  // end of block has a one-bit code
            writer.writeCode(2, length: 2)  // the distance code is unused
            for _ in 0..<count { writer.writeCode(0, length: 1) }  // 'A' → 0
            writer.writeCode(1, length: 1)  // end of block → 1
            writer.write(1, bits: 1)  // final
            writer.write(0, bits: 2)  // stored
            writer.alignToByte()
            writer.write(stored.count, bits: 16)
            writer.write(~stored.count & 0xFFFF, bits: 16)
            for byte in stored { writer.write(Int(byte), bits: 8) }
            let output = try Self.inflate(writer.finish())
            #expect(output == Array(repeating: UInt8(ascii: "A"), count: count) + stored, "\(count) A's")
        }
    }

    @Test("4,000 bytes of 'a' (zlib level 9) inflate whole, and are refused past a 100-byte limit")
    func limit() throws {
        let stream = DocFixtures.bytes(hex: "edc13101000000c2a0aceb5fc2183e40010000006f03")
        #expect(try Self.inflate(stream) == [UInt8](repeating: UInt8(ascii: "a"), count: 4000))
        let error = #expect(throws: CollabError.self) { try Self.inflate(stream, limit: 100) }
        #expect(error?.problems.first?.kind == .outOfRange)
        #expect(error?.problems.first?.message.contains("more than the 100 bytes") == true)
    }

    @Test("round trip through the test encoder: long runs and seeded random bytes, read in odd chunks")
    func roundTrip() throws {
        var rng = SeededRandomNumberGenerator(seed: 18_003)
        var input = [UInt8](repeating: 0, count: 200_000)
        for index in 100_000..<input.count { input[index] = UInt8.random(in: 0...3, using: &rng) }
        for chunk in [1, 13, 65_536] {
            #expect(try Self.inflate(DocFixtures.deflate(input), chunk: chunk) == input)
        }
    }

    @Test("truncated, reserved-type and far-back streams throw typed errors")
    func malformed() throws {
        let fixed = DocFixtures.bytes(hex: "f348cdc9c9d75170cecfc9494c5254f040e10200")
        for cut in 0..<fixed.count {
            let error = #expect(throws: CollabError.self) { try Self.inflate(Array(fixed[..<cut])) }
            #expect(error?.code == .invalidInput)
        }
        // Final block of the reserved type 3.
        let reserved = #expect(throws: CollabError.self) { try Self.inflate([0x07]) }
        #expect(reserved?.problems.first?.message.contains("reserved block type") == true)
        // A fixed block that starts with a match at distance 1 (nothing written yet).
        var writer = DocFixtures.BitWriter()
        writer.write(1, bits: 1)
        writer.write(1, bits: 2)
        writer.writeLength(3)
        writer.writeCode(0, length: 5)
        writer.writeLiteral(256)
        let farBack = #expect(throws: CollabError.self) { try Self.inflate(writer.finish()) }
        #expect(farBack?.problems.first?.message.contains("before the start") == true)
        // A stored block whose length check fails.
        let badStored = #expect(throws: CollabError.self) { try Self.inflate([0x01, 0x05, 0x00, 0x00, 0x00]) }
        #expect(badStored?.problems.first?.kind == .malformed)
    }

    @Test("seeded random streams never crash: each inflates within its limit or throws CollabError")
    func randomStreams() {
        var rng = SeededRandomNumberGenerator(seed: 18_004)
        var outcomes = (ok: 0, refused: 0)
        for _ in 0..<500 {
            let length = Int.random(in: 0...64, using: &rng)
            let stream = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            do {
                let output = try Self.inflate(stream, limit: 4096)
                #expect(output.count <= 4096)
                outcomes.ok += 1
            } catch {
                #expect(error.code == .invalidInput)
                outcomes.refused += 1
            }
        }
        #expect(outcomes.ok + outcomes.refused == 500)
    }
}
