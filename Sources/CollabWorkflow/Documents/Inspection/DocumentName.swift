import CollabModel
import Foundation

/// Turns the file name an uploader gives into one that is safe to store, show and offer for download.
///
/// ```swift
/// try DocumentName.normalize("../../reports/Q3 report.pdf")   // "Q3 report.pdf"
/// try DocumentName.normalize("invoice\u{202E}fdp.exe")        // "invoicefdp.exe": the real extension shows
/// try DocumentName.normalize("CON.txt")                       // throws: a reserved name on Windows
/// ```
public enum DocumentName {
    /// The longest normalized name, in bytes of UTF-8 (the limit of most file systems).
    public static let maximumUTF8Bytes = 255
    /// The longest name accepted before normalization, in bytes of UTF-8; longer input is refused
    /// outright rather than cut.
    public static let maximumRawUTF8Bytes = 16 * 1024

    /// The folder separators of every system and the characters that look like them: U+2215 division
    /// slash, U+2044 fraction slash, U+29F8 big solidus, U+FF0F fullwidth solidus, U+2216 set minus, U+29F5
    /// reverse solidus operator, U+29F9 big reverse solidus, U+FE68 small reverse solidus, U+FF3C fullwidth
    /// reverse solidus — and `:` (drive letters and macOS's old separator).
    static let separators: Set<Unicode.Scalar> = [
        "/", "\\", ":", "\u{2215}", "\u{2044}", "\u{29F8}", "\u{FF0F}", "\u{2216}", "\u{29F5}", "\u{29F9}",
        "\u{FE68}", "\u{FF3C}",
    ]

    /// The device names Windows reserves whatever the extension (`CON`, `con.txt`, `LPT1.tar.gz`).
    static let reservedNames: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
        for digit in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"] {
            names.insert("COM" + digit)
            names.insert("LPT" + digit)
        }
        return names
    }()

    /// The name to keep for an upload called `raw`.
    ///
    /// In order:
    /// 1. the name is put in Unicode normalization form C (composed), so the same name typed on macOS and
    ///    on Windows is the same string;
    /// 2. control and format characters (general categories Cc and Cf: bidirectional overrides and
    ///    isolates such as U+202E, zero-width characters, the byte-order mark) and the line and paragraph
    ///    separators are removed, so the name shown is the name stored and `invoice\u{202E}fdp.exe` shows as
    ///    the `.exe` it is;
    /// 3. only the text after the last folder separator is kept (`/`, `\`, `:` and their look-alikes,
    ///    see `separators`), so `../../etc/passwd` becomes `passwd`;
    /// 4. leading and trailing white space and dots are removed (`.htaccess` → `htaccess`, `a.pdf.` →
    ///    `a.pdf`);
    /// 5. a name longer than ``maximumUTF8Bytes`` bytes of UTF-8 is shortened, keeping its extension and
    ///    whole characters.
    ///
    /// - Throws: `CollabError.Code.invalidInput` with a problem on the field `fileName`:
    ///   `ValidationProblem.Kind.empty` when nothing is left, `ValidationProblem.Kind.malformed` for a
    ///   name holding a NUL character, a name reserved by Windows (`CON`, `PRN`, `AUX`, `NUL`, `COM1`–`COM9`,
    ///   `LPT1`–`LPT9`, with any extension) or too many combining marks in a row,
    ///   `ValidationProblem.Kind.tooLong` for input beyond ``maximumRawUTF8Bytes`` bytes.
    public static func normalize(_ raw: String) throws(CollabError) -> String {
        guard raw.utf8.count <= maximumRawUTF8Bytes else {
            throw problem(.tooLong, "is \(raw.utf8.count) bytes in UTF-8, at most \(maximumRawUTF8Bytes) are accepted")
        }
        if raw.unicodeScalars.contains("\u{0}") {
            throw problem(.malformed, "'\(visible(raw))' contains a NUL character")
        }
        var scalars = String.UnicodeScalarView()
        for scalar in raw.precomposedStringWithCanonicalMapping.unicodeScalars where !isRemoved(scalar) {
            if separators.contains(scalar) {
                scalars.removeAll()
            } else {
                scalars.append(scalar)
            }
        }
        var name = trimmed(String(scalars))
        guard !name.isEmpty else {
            throw problem(.empty,
                "'\(visible(raw))' leaves no name once folders, control characters, spaces and dots are removed")
        }
        name = try shortened(name)

        let stem = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? name
        let device = stem.trimmingCharacters(in: .whitespaces).uppercased()
        if reservedNames.contains(device) {
            throw problem(.malformed, "'\(name.clipped())' is a device name reserved by Windows")
        }
        var report = ValidationReport()
        report.checkText(name, field: "fileName", maxLength: maximumUTF8Bytes)
        try report.throwIfInvalid()
        return name
    }

    /// The extension of a normalized name, lower-cased and without its dot (`pdf`), or `nil`.
    public static func fileExtension(of name: String) -> String? {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let ext = name[name.index(after: dot)...]
        return ext.isEmpty ? nil : ext.lowercased()
    }

    static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    private static func trimmed(_ name: String) -> String {
        var scalars = Substring(name).unicodeScalars
        while let first = scalars.first, first == "." || first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last == "." || last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    /// `name` cut to ``maximumUTF8Bytes`` bytes, keeping an extension of up to 32 bytes and whole characters.
    private static func shortened(_ name: String) throws(CollabError) -> String {
        guard name.utf8.count > maximumUTF8Bytes else { return name }
        var stem = name
        var ext = ""
        if let dot = name.lastIndex(of: "."), dot != name.startIndex, name.utf8[dot...].count <= 33 {
            stem = String(name[..<dot])
            ext = String(name[dot...])
        }
        let budget = maximumUTF8Bytes - ext.utf8.count
        var kept = ""
        var bytes = 0
        for character in stem {
            let size = character.utf8.count
            if bytes + size > budget { break }
            kept.append(character)
            bytes += size
        }
        let cut = trimmed(kept)
        guard !cut.isEmpty else {
            throw problem(.malformed, "'\(visible(name))' starts with a character of more than \(budget) bytes")
        }
        return cut + ext
    }

    /// The name for messages, with control characters shown as `?`.
    private static func visible(_ raw: String) -> String {
        String(String.UnicodeScalarView(raw.unicodeScalars.prefix(200).map { isRemoved($0) ? "?" : $0 })).clipped()
    }

    private static func problem(_ kind: ValidationProblem.Kind, _ message: String) -> CollabError {
        CollabError.invalid([ValidationProblem(field: "fileName", kind: kind, message: message)])
    }
}
