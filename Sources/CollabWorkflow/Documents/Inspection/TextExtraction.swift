import CollabModel

/// Collects text up to a limit in bytes of UTF-8, shared by every part of one document.
struct TextCollector {
    let limit: Int
    private(set) var bytes: [UInt8] = []

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Whether the limit is reached: nothing more is wanted.
    var isFull: Bool { bytes.count >= limit }

    mutating func append(_ byte: UInt8) {
        if bytes.count < limit { bytes.append(byte) }
    }

    mutating func append(_ more: some Collection<UInt8>) {
        for byte in more {
            guard bytes.count < limit else { return }
            bytes.append(byte)
        }
    }

    /// A line break, unless the text is empty or already ends with one.
    mutating func lineBreak() {
        if let last = bytes.last, last != 0x0A { append(0x0A) }
    }

    /// The text, cut back to a whole UTF-8 sequence, invalid sequences replaced and NUL characters removed.
    var text: String { TextCollector.clean(bytes) }

    static func clean(_ bytes: [UInt8]) -> String {
        var end = bytes.count
        // Drop a sequence cut by the limit: back up over continuation bytes to its lead byte, and drop the
        // lead byte too when the sequence it starts is not whole.
        var back = end
        while back > 0, back > end - 4, bytes[back - 1] & 0xC0 == 0x80 { back -= 1 }
        if back > 0 {
            let lead = bytes[back - 1]
            let needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if end - (back - 1) < needed { end = back - 1 }
        }
        let decoded = String(decoding: bytes[..<end], as: UTF8.self)
        guard decoded.utf8.contains(0) else { return decoded }
        return String(String.UnicodeScalarView(decoded.unicodeScalars.filter { $0 != "\u{0}" }))
    }
}

/// Keeps the character data of chosen XML elements, reading the document a chunk at a time.
///
/// Not an XML parser: it tells tags, comments, CDATA sections and character references apart and tracks
/// which elements it is inside by their local names — enough for the text of Office Open XML parts, and
/// with nothing to exploit (no DTD, no external or custom entities, no nesting limit to blow: only
/// counters).
struct XMLTextScanner {
    /// Which elements hold text, which break lines, and which hide what they hold.
    struct Vocabulary {
        /// Local names of the elements whose character data is kept (`t`: `w:t`, `a:t`, SpreadsheetML `t`).
        var textElements: Set<[UInt8]>
        /// Local names after whose end a line break is added (`p`, `si`).
        var lineBreakAfter: Set<[UInt8]>
        /// Local names of empty elements that stand for a character (`tab` → tab, `br` → line break).
        var emptyElementText: [[UInt8]: UInt8]
        /// Local names of elements whose content is never kept (phonetic guides, paragraph properties).
        var hidden: Set<[UInt8]>

        static func names(_ list: [String]) -> Set<[UInt8]> { Set(list.map { Array($0.utf8) }) }

        /// WordprocessingML (`word/document.xml`).
        static let word = Vocabulary(
            textElements: names(["t"]), lineBreakAfter: names(["p", "tr"]),
            emptyElementText: [Array("tab".utf8): 0x09, Array("br".utf8): 0x0A, Array("cr".utf8): 0x0A],
            hidden: names(["pPr", "rPr", "instrText", "delText"]))
        /// SpreadsheetML shared strings and worksheets (inline strings).
        static let sheet = Vocabulary(
            textElements: names(["t"]), lineBreakAfter: names(["si", "is"]), emptyElementText: [:],
            hidden: names(["rPh", "rPr"]))
        /// PresentationML slides (DrawingML text).
        static let slide = Vocabulary(
            textElements: names(["t"]), lineBreakAfter: names(["p"]),
            emptyElementText: [Array("br".utf8): 0x0A], hidden: names(["rPr", "pPr"]))
    }

    private enum State {
        case text
        case markup
        case comment
        case cdata
        case reference
    }

    let vocabulary: Vocabulary
    private var state = State.text
    private var markup: [UInt8] = []
    private var quote: UInt8 = 0
    private var textDepth = 0
    private var hiddenDepth = 0
    private var reference: [UInt8] = []
    /// The last two bytes of a comment, to spot its end.
    private var tail: (UInt8, UInt8) = (0, 0)
    /// The `]` bytes of a CDATA section held back until it is clear they do not end it.
    private var pendingBrackets = 0

    static let maximumMarkup = 512
    static let commentStart = Array("!--".utf8)
    static let cdataStart = Array("![CDATA[".utf8)

    init(_ vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
    }

    private var keeping: Bool { textDepth > 0 && hiddenDepth == 0 }

    /// Scans `bytes`, appending kept text to `output`.
    mutating func scan(_ bytes: ArraySlice<UInt8>, into output: inout TextCollector) {
        for byte in bytes {
            if output.isFull { return }
            switch state {
            case .text:
                if byte == UInt8(ascii: "<") {
                    state = .markup
                    markup.removeAll(keepingCapacity: true)
                    quote = 0
                } else if byte == UInt8(ascii: "&") {
                    state = .reference
                    reference.removeAll(keepingCapacity: true)
                } else if keeping {
                    output.append(byte)
                }
            case .markup:
                if quote != 0 {
                    if byte == quote { quote = 0 }
                    if markup.count < Self.maximumMarkup { markup.append(byte) }
                    continue
                }
                if byte == UInt8(ascii: ">") {
                    endMarkup(into: &output)
                    state = .text
                    continue
                }
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { quote = byte }
                if markup.count < Self.maximumMarkup { markup.append(byte) }
                if markup == Self.commentStart {
                    state = .comment
                    tail = (0, 0)
                } else if markup == Self.cdataStart {
                    state = .cdata
                    pendingBrackets = 0
                }
            case .comment:
                if byte == UInt8(ascii: ">") && tail == (UInt8(ascii: "-"), UInt8(ascii: "-")) { state = .text }
                tail = (tail.1, byte)
            case .cdata:
                if byte == UInt8(ascii: "]") {
                    pendingBrackets += 1
                } else if byte == UInt8(ascii: ">") && pendingBrackets >= 2 {
                    if keeping { output.append(repeatElement(UInt8(ascii: "]"), count: pendingBrackets - 2)) }
                    pendingBrackets = 0
                    state = .text
                } else {
                    if keeping {
                        output.append(repeatElement(UInt8(ascii: "]"), count: pendingBrackets))
                        output.append(byte)
                    }
                    pendingBrackets = 0
                }
            case .reference:
                if byte == UInt8(ascii: ";") {
                    if keeping { output.append(Self.resolve(reference)) }
                    state = .text
                } else if reference.count >= 10 || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") {
                    // Not a reference: keep what was read as it stood.
                    if keeping {
                        output.append(UInt8(ascii: "&"))
                        output.append(reference)
                    }
                    state = .text
                    if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") {
                        scan([byte][...], into: &output)
                    } else if keeping {
                        output.append(byte)
                    }
                } else {
                    reference.append(byte)
                }
            }
        }
    }

    private mutating func endMarkup(into output: inout TextCollector) {
        guard let first = markup.first, first != UInt8(ascii: "?"), first != UInt8(ascii: "!") else { return }
        let closing = first == UInt8(ascii: "/")
        let empty = markup.last == UInt8(ascii: "/")
        var name = closing ? markup.dropFirst() : markup[...]
        if let end = name.firstIndex(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == UInt8(ascii: "/") }) {
            name = name[..<end]
        }
        if let colon = name.lastIndex(of: UInt8(ascii: ":")) { name = name[(colon + 1)...] }
        let local = Array(name)
        if closing {
            if vocabulary.textElements.contains(local), textDepth > 0 { textDepth -= 1 }
            if vocabulary.hidden.contains(local), hiddenDepth > 0 { hiddenDepth -= 1 }
            if hiddenDepth == 0, vocabulary.lineBreakAfter.contains(local) { output.lineBreak() }
        } else if empty {
            if hiddenDepth == 0, let character = vocabulary.emptyElementText[local] {
                if character == 0x0A { output.lineBreak() } else { output.append(character) }
            }
        } else {
            if vocabulary.textElements.contains(local) { textDepth += 1 }
            if vocabulary.hidden.contains(local) { hiddenDepth += 1 }
        }
    }

    /// The UTF-8 of a character or entity reference (`amp`, `#20013`, `#x4E2D`); unknown names and invalid
    /// code points are kept as written.
    static func resolve(_ name: [UInt8]) -> [UInt8] {
        switch name {
        case Array("lt".utf8): return [UInt8(ascii: "<")]
        case Array("gt".utf8): return [UInt8(ascii: ">")]
        case Array("amp".utf8): return [UInt8(ascii: "&")]
        case Array("quot".utf8): return [UInt8(ascii: "\"")]
        case Array("apos".utf8): return [UInt8(ascii: "'")]
        default: break
        }
        let literal = [UInt8(ascii: "&")] + name + [UInt8(ascii: ";")]
        guard name.first == UInt8(ascii: "#") else { return literal }
        var digits = name.dropFirst()
        var radix: UInt32 = 10
        if digits.first == UInt8(ascii: "x") || digits.first == UInt8(ascii: "X") {
            radix = 16
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, let value = UInt32(String(decoding: digits, as: UTF8.self), radix: Int(radix)),
            value != 0, let scalar = Unicode.Scalar(value)
        else { return literal }
        return Array(String(Character(scalar)).utf8)
    }
}

/// Decodes the start of a plain-text file: UTF-8 with or without a byte-order mark, or UTF-16 with one.
enum PlainText {
    enum Encoding {
        case utf8(bomLength: Int)
        case utf16(bigEndian: Bool)
    }

    /// The encoding of a text file starting with `head`, or `nil` when it is not text: UTF-16 needs its
    /// byte-order mark; otherwise the head must be valid UTF-8 (a sequence cut by the end of the head
    /// excepted when the file goes on) without NUL bytes.
    static func encoding(of head: [UInt8], fileGoesOn: Bool) -> Encoding? {
        if head.hasPrefix([0xEF, 0xBB, 0xBF]) {
            return isUTF8(Array(head.dropFirst(3)), fileGoesOn: fileGoesOn) ? .utf8(bomLength: 3) : nil
        }
        if head.hasPrefix([0xFF, 0xFE]) && !head.hasPrefix([0xFF, 0xFE, 0x00, 0x00]) {
            return isUTF16(head, bigEndian: false, fileGoesOn: fileGoesOn) ? .utf16(bigEndian: false) : nil
        }
        if head.hasPrefix([0xFE, 0xFF]) {
            return isUTF16(head, bigEndian: true, fileGoesOn: fileGoesOn) ? .utf16(bigEndian: true) : nil
        }
        return isUTF8(head, fileGoesOn: fileGoesOn) ? .utf8(bomLength: 0) : nil
    }

    /// Whether `head` (with its byte-order mark) holds UTF-16 without NUL characters or unpaired
    /// surrogates, a pair or a unit cut by the end of the head excepted when the file goes on.
    private static func isUTF16(_ head: [UInt8], bigEndian: Bool, fileGoesOn: Bool) -> Bool {
        var units: [UInt16] = []
        units.reserveCapacity(head.count / 2)
        var at = 2
        while at + 1 < head.count {
            units.append(bigEndian ? UInt16(head[at]) << 8 | UInt16(head[at + 1]) : UInt16(head[at + 1]) << 8 | UInt16(head[at]))
            at += 2
        }
        if at < head.count && !fileGoesOn { return false }
        if fileGoesOn, let last = units.last, (0xD800...0xDBFF).contains(last) { units.removeLast() }
        var iterator = units.makeIterator()
        var decoder = UTF16()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): if scalar == "\u{0}" { return false }
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private static func isUTF8(_ bytes: [UInt8], fileGoesOn: Bool) -> Bool {
        guard !bytes.contains(0) else { return false }
        var end = bytes.count
        if fileGoesOn {
            var back = end
            while back > 0, back > end - 4, bytes[back - 1] & 0xC0 == 0x80 { back -= 1 }
            if back > 0, bytes[back - 1] >= 0xC0 { end = back - 1 }
        }
        var iterator = bytes[..<end].makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// At most `limit` bytes of UTF-8 of the text of `file`, invalid sequences replaced.
    static func extract(_ file: StagedFile, encoding: Encoding, limit: Int) throws(CollabError) -> String {
        let limit = max(0, limit)
        switch encoding {
        case .utf8(let bomLength):
            let bytes = try file.read(at: UInt64(bomLength), upTo: limit)
            return TextCollector.clean(bytes)
        case .utf16(let bigEndian):
            // Every UTF-16 code unit gives at least one byte of UTF-8: 2 × limit bytes of input suffice.
            let (wanted, overflow) = limit.multipliedReportingOverflow(by: 2)
            var bytes = try file.read(at: 2, upTo: overflow ? Int.max / 2 : wanted)
            if bytes.count % 2 == 1 { bytes.removeLast() }
            var units: [UInt16] = []
            units.reserveCapacity(bytes.count / 2)
            var at = 0
            while at + 1 < bytes.count {
                let unit = bigEndian ? UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) : UInt16(bytes[at + 1]) << 8 | UInt16(bytes[at])
                units.append(unit)
                at += 2
            }
            if let last = units.last, (0xD800...0xDBFF).contains(last) { units.removeLast() }
            var collector = TextCollector(limit: limit)
            collector.append(String(decoding: units, as: UTF16.self).utf8)
            return collector.text
        }
    }
}
