import CollabModel

/// A bounded decoder of raw DEFLATE streams (RFC 1951: stored, fixed-Huffman and dynamic-Huffman blocks),
/// the compression of ZIP entries.
///
/// Written for hostile input: every read is bounds-checked, a malformed stream throws
/// `CollabError.Code.invalidInput` (field `content`, `ValidationProblem.Kind.malformed`) instead of
/// trapping, and the output is limited — the decoder throws as soon as the stream would produce more than
/// `maximumOutput` bytes (a ZIP entry that inflates beyond its declared size). Input is pulled in chunks
/// and output pushed in chunks, keeping only the 32 KiB window the format refers back into, so an entry
/// of any size is decoded in bounded memory. The Huffman decoding follows zlib's `puff.c` (canonical codes
/// checked and decoded from per-length counts), with a 9-bit lookup table for the short codes that make up
/// most of a stream.
struct Inflater {
    /// Pulls the next chunk of compressed bytes; an empty chunk means the input has ended.
    typealias Source = () throws(CollabError) -> [UInt8]
    /// Receives decoded bytes in order; returns `false` to stop decoding early.
    typealias Sink = (ArraySlice<UInt8>) -> Bool

    /// How decoding ended.
    enum Ending: Equatable {
        /// The final block ended.
        case finished
        /// The sink asked to stop.
        case stopped
    }

    private let source: Source
    private let sink: Sink
    private let maximumOutput: Int64
    /// Names the stream in messages (`the entry 'word/document.xml'`).
    private let context: String

    private var chunk: [UInt8] = []
    private var position = 0
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0

    private var window: [UInt8] = []
    /// Bytes of `window` not yet handed to the sink.
    private var pendingStart = 0
    /// All bytes produced so far.
    private(set) var produced: Int64 = 0
    private var stopped = false

    static let windowSize = 32 * 1024
    static let flushSize = 64 * 1024

    init(context: String, maximumOutput: Int64, source: @escaping Source, sink: @escaping Sink) {
        self.context = context
        self.maximumOutput = maximumOutput
        self.source = source
        self.sink = sink
        window.reserveCapacity(Self.windowSize + Self.flushSize + 300)
    }

    /// Decodes the whole stream, or until the sink asks to stop.
    mutating func run() throws(CollabError) -> Ending {
        var last = false
        while !last {
            last = try bits(1) == 1
            let type = try bits(2)
            switch type {
            case 0: try storedBlock()
            case 1: try codesBlock(Self.fixedTables.lengths, Self.fixedTables.distances)
            case 2:
                let tables = try dynamicTables()
                try codesBlock(tables.lengths, tables.distances)
            default: throw malformed("uses the reserved block type 3")
            }
            if stopped { return .stopped }
        }
        flush(all: true)
        return stopped ? .stopped : .finished
    }

    // MARK: Bits

    private mutating func bits(_ need: Int) throws(CollabError) -> Int {
        while bitCount < need {
            if position >= chunk.count {
                chunk = try source()
                position = 0
                guard !chunk.isEmpty else { throw malformed("ends in the middle of a block") }
            }
            bitBuffer |= UInt64(chunk[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt64(need)) - 1))
        bitBuffer >>= UInt64(need)
        bitCount -= need
        return value
    }

    // MARK: Output

    private mutating func emit(_ byte: UInt8) throws(CollabError) {
        guard produced < maximumOutput else { throw tooLarge() }
        window.append(byte)
        produced += 1
        if window.count - pendingStart >= Self.flushSize { flush(all: false) }
    }

    /// Hands the pending bytes to the sink and trims the window to the last 32 KiB.
    private mutating func flush(all: Bool) {
        if pendingStart < window.count, !stopped {
            if !sink(window[pendingStart...]) { stopped = true }
        }
        pendingStart = window.count
        if window.count > Self.windowSize {
            window.removeFirst(window.count - Self.windowSize)
            pendingStart = window.count
        }
    }

    private func malformed(_ what: String) -> CollabError {
        InspectionFailure.malformed("the compressed data of \(context) is malformed: it \(what)")
    }

    private func tooLarge() -> CollabError {
        InspectionFailure.tooLarge(
            "\(context) inflates to more than the \(maximumOutput) bytes it declares: the archive lies about its sizes (a ZIP bomb?)")
    }

    // MARK: Blocks

    private mutating func storedBlock() throws(CollabError) {
        // Skip to the byte boundary; whole bytes already buffered are the block's first bytes.
        let partial = bitCount % 8
        bitBuffer >>= UInt64(partial)
        bitCount -= partial
        let length = try bits(16)
        let complement = try bits(16)
        guard length == (~complement & 0xFFFF) else { throw malformed("has a stored block whose length check fails") }
        for _ in 0..<length {
            try emit(UInt8(try bits(8)))
            if stopped { return }
        }
    }

    /// Loads bytes until `need` bits are buffered or the input ends (which is not an error here: the bits
    /// buffered may still hold a short code).
    private mutating func fill(_ need: Int) throws(CollabError) {
        while bitCount < need {
            if position >= chunk.count {
                chunk = try source()
                position = 0
                if chunk.isEmpty { return }
            }
            bitBuffer |= UInt64(chunk[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    /// The next symbol: looked up by its first ``Huffman/lookupBits`` bits when its code is that short,
    /// else decoded a bit at a time.
    private mutating func decode(_ huffman: Huffman) throws(CollabError) -> Int {
        try fill(Huffman.lookupBits)
        let entry = huffman.fast[Int(bitBuffer & UInt64(Huffman.lookupSize - 1))]
        let length = Int(entry & 0xF)
        if entry != 0 && length <= bitCount {
            bitBuffer >>= UInt64(length)
            bitCount -= length
            return Int(entry >> 4)
        }
        return try slowDecode(huffman)
    }

    private mutating func slowDecode(_ huffman: Huffman) throws(CollabError) -> Int {
        var code = 0
        var first = 0
        var index = 0
        for length in 1...Huffman.maximumBits {
            code |= try bits(1)
            let count = huffman.counts[length]
            if code - count < first {
                let at = index + (code - first)
                guard at >= 0, at < huffman.symbols.count else { break }
                return huffman.symbols[at]
            }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw malformed("holds a code that is not in its Huffman table")
    }

    private static let lengthBase: [Int] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtra: [Int] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase: [Int] = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
        4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra: [Int] = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    private mutating func codesBlock(_ lengths: Huffman, _ distances: Huffman) throws(CollabError) {
        while true {
            let symbol = try decode(lengths)
            if symbol < 256 {
                try emit(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let lengthIndex = symbol - 257
                guard lengthIndex < Self.lengthBase.count else { throw malformed("uses the invalid length code \(symbol)") }
                let length = Self.lengthBase[lengthIndex] + (try bits(Self.lengthExtra[lengthIndex]))
                let distanceCode = try decode(distances)
                guard distanceCode < Self.distanceBase.count else {
                    throw malformed("uses the invalid distance code \(distanceCode)")
                }
                let distance = Self.distanceBase[distanceCode] + (try bits(Self.distanceExtra[distanceCode]))
                guard distance <= window.count else {
                    throw malformed("refers \(distance) bytes back, before the start of its output")
                }
                for _ in 0..<length {
                    try emit(window[window.count - distance])
                }
            }
            if stopped { return }
        }
    }

    private static let fixedTables: (lengths: Huffman, distances: Huffman) = {
        var lengths = [Int](repeating: 8, count: 288)
        for symbol in 144..<256 { lengths[symbol] = 9 }
        for symbol in 256..<280 { lengths[symbol] = 7 }
        // Both tables are complete by construction, so building them cannot fail.
        let literal = Huffman(lengths: lengths).table ?? Huffman.empty
        let distance = Huffman(lengths: [Int](repeating: 5, count: 30)).table ?? Huffman.empty
        return (literal, distance)
    }()

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private mutating func dynamicTables() throws(CollabError) -> (lengths: Huffman, distances: Huffman) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw malformed("declares \(literalCount) literal and \(distanceCount) distance codes, more than allowed")
        }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount {
            codeLengthLengths[Self.codeLengthOrder[index]] = try bits(3)
        }
        let codeLengths = Huffman(lengths: codeLengthLengths)
        guard let codeLengthTable = codeLengths.table, codeLengths.isComplete else {
            throw malformed("has an incomplete or over-subscribed code-length table")
        }
        var lengths = [Int](repeating: 0, count: literalCount + distanceCount)
        var index = 0
        while index < lengths.count {
            let symbol = try decode(codeLengthTable)
            if symbol < 16 {
                lengths[index] = symbol
                index += 1
                continue
            }
            var value = 0
            var repeats: Int
            switch symbol {
            case 16:
                guard index > 0 else { throw malformed("repeats a code length before the first one") }
                value = lengths[index - 1]
                repeats = 3 + (try bits(2))
            case 17: repeats = 3 + (try bits(3))
            default: repeats = 11 + (try bits(7))
            }
            guard index + repeats <= lengths.count else { throw malformed("repeats code lengths past the end of its tables") }
            for _ in 0..<repeats {
                lengths[index] = value
                index += 1
            }
        }
        guard lengths[256] != 0 else { throw malformed("has no end-of-block code") }
        let literal = Huffman(lengths: Array(lengths[0..<literalCount]))
        guard let literalTable = literal.table,
            literal.isComplete || literal.usedCodes == literal.counts[1]
        else { throw malformed("has an incomplete or over-subscribed literal/length table") }
        let distance = Huffman(lengths: Array(lengths[literalCount...]))
        guard let distanceTable = distance.table,
            distance.isComplete || distance.usedCodes == distance.counts[1]
        else { throw malformed("has an incomplete or over-subscribed distance table") }
        return (literalTable, distanceTable)
    }
}

/// A canonical Huffman code as `puff.c` keeps it: how many codes have each length, and the symbols
/// ordered by code.
struct Huffman {
    static let maximumBits = 15
    /// Codes of up to this many bits are decoded by one table lookup.
    static let lookupBits = 9
    static let lookupSize = 1 << lookupBits
    static let empty = Huffman(
        counts: [Int](repeating: 0, count: maximumBits + 1), symbols: [], fast: [UInt16](repeating: 0, count: lookupSize))

    /// `counts[n]`: how many symbols have a code of `n` bits (`counts[0]`: unused symbols).
    let counts: [Int]
    /// The symbols in code order.
    let symbols: [Int]
    /// Codes left unassigned: 0 for a complete code, negative when over-subscribed.
    private var left = 0

    /// `symbol << 4 | length` for each ``lookupBits``-bit index starting with a short code, 0 elsewhere.
    let fast: [UInt16]

    private init(counts: [Int], symbols: [Int], fast: [UInt16]) {
        self.counts = counts
        self.symbols = symbols
        self.fast = fast
    }

    /// Builds the code for symbols of the given code lengths (0: unused).
    init(lengths: [Int]) {
        var counts = [Int](repeating: 0, count: Self.maximumBits + 1)
        for length in lengths where length >= 0 && length <= Self.maximumBits { counts[length] += 1 }
        var left = 1
        for length in 1...Self.maximumBits {
            left <<= 1
            left -= counts[length]
            if left < 0 { break }
        }
        var offsets = [Int](repeating: 0, count: Self.maximumBits + 1)
        for length in 1..<Self.maximumBits { offsets[length + 1] = offsets[length] + counts[length] }
        var symbols = [Int](repeating: 0, count: lengths.count)
        if left >= 0 {
            for (symbol, length) in lengths.enumerated() where length > 0 && length <= Self.maximumBits {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
        // The lookup table: every code of up to `lookupBits` bits, under each index whose low bits are
        // the code as it arrives (least significant bit first), holds `symbol << 4 | length`.
        var fast = [UInt16](repeating: 0, count: Self.lookupSize)
        if left >= 0 {
            var next = [Int](repeating: 0, count: Self.maximumBits + 1)
            var code = 0
            for length in 1...Self.maximumBits {
                code = (code + counts[length - 1] * (length == 1 ? 0 : 1)) << 1
                next[length] = code
            }
            for (symbol, length) in lengths.enumerated() where length > 0 && length <= Self.maximumBits {
                let assigned = next[length]
                next[length] += 1
                guard length <= Self.lookupBits, symbol < 4096 else { continue }
                var reversed = 0
                for bit in 0..<length where assigned & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
                for index in stride(from: reversed, to: Self.lookupSize, by: 1 << length) {
                    fast[index] = UInt16(symbol << 4 | length)
                }
            }
        }
        self.counts = counts
        self.symbols = symbols
        self.left = left
        self.fast = fast
    }

    /// The code, or `nil` when over-subscribed.
    var table: Huffman? { left < 0 ? nil : self }
    /// Whether every code of the lengths used is assigned. An incomplete code is accepted only when it
    /// holds a single one-bit code (``usedCodes`` equal to `counts[1]`), as zlib does.
    var isComplete: Bool { left == 0 }
    /// How many symbols have a code.
    var usedCodes: Int { counts.reduce(0, +) - counts[0] }
}
