import CollabModel
import Foundation

/// Byte-level formatting shared by the writers: numbers, dates, XML text, column letters and widths.
enum ExportEncoding {
    // MARK: Numbers

    /// Appends the decimal digits of `value`.
    static func appendInteger(_ value: Int, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        if magnitude < 10 {
            out.append(0x30 &+ UInt8(magnitude))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var end = raw.count
            while magnitude > 0 {
                end -= 1
                raw[end] = 0x30 &+ UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: raw[end...])
        }
    }

    /// Appends a finite double: whole values below 10¹⁵ as integers, others in Swift's shortest form that
    /// reads back to the same double (`0.1`, `1e-07`, `1.5e+20`).
    static func appendNumber(_ value: Double, to out: inout [UInt8]) {
        if value.rounded(.towardZero) == value, value.magnitude < 1e15 {
            appendInteger(Int(value), to: &out)
        } else {
            out.append(contentsOf: value.description.utf8)
        }
    }

    static func checkFinite(_ value: Double, _ field: () -> String) throws(CollabError) {
        guard value.isFinite else {
            throw CollabError.invalid([ValidationProblem(field: field(), kind: .outOfRange,
                message: "a number must be finite, not \(value)")])
        }
    }

    // MARK: Dates

    /// Seconds since 1970-01-01 00:00 on the wall clock of `timeZone`.
    static func localSeconds(_ date: Date, _ timeZone: TimeZone) -> Double {
        date.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: date))
    }

    /// Days from 1970-01-01 to 1900-03-01 and to 10000-01-01, the range of dates an export accepts.
    static let firstDay: Double = -25_508
    static let endDay: Double = 2_932_897

    /// The Excel serial number (1900 date system) of `date` in `timeZone`: whole days since 1899-12-30,
    /// plus the fraction of the day unless `dateOnly`. Only 1900-03-01 through 9999-12-31 is accepted
    /// (before March 1900 Excel counts the non-existent 1900-02-29).
    static func excelSerial(_ date: Date, _ timeZone: TimeZone, dateOnly: Bool, field: () -> String)
        throws(CollabError) -> Double
    {
        let days = try localDays(date, timeZone, field: field)
        return (dateOnly ? days.rounded(.down) : days) + 25_569
    }

    /// Local days since 1970-01-01 (with the fraction of the day), checked against the accepted range.
    static func localDays(_ date: Date, _ timeZone: TimeZone, field: () -> String) throws(CollabError) -> Double {
        let days = date.timeIntervalSince1970.isFinite ? localSeconds(date, timeZone) / 86_400 : .nan
        guard days >= firstDay, days < endDay else {
            throw CollabError.invalid([ValidationProblem(field: field(), kind: .outOfRange,
                message: "an exported date must lie in 1900-03-01...9999-12-31")])
        }
        return days
    }

    /// Appends `yyyy-MM-dd` (and ` HH:mm:ss` when `withTime`) for local days since 1970 `days`.
    static func appendCivil(days: Double, withTime: Bool, to out: inout [UInt8]) {
        let seconds = Int64((days * 86_400).rounded(.down))
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - day * 86_400)
        // Howard Hinnant's civil_from_days.
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        let y = Int(yoe + era * 400 + (m <= 2 ? 1 : 0))
        appendPadded(y, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(m, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(d, width: 2, to: &out)
        if withTime {
            out.append(UInt8(ascii: " "))
            appendPadded(secondOfDay / 3600, width: 2, to: &out)
            out.append(UInt8(ascii: ":"))
            appendPadded(secondOfDay / 60 % 60, width: 2, to: &out)
            out.append(UInt8(ascii: ":"))
            appendPadded(secondOfDay % 60, width: 2, to: &out)
        }
    }

    private static func appendPadded(_ value: Int, width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(0x30 &+ UInt8(rest / divisor % 10))
            rest %= divisor
            divisor /= 10
        }
    }

    // MARK: XML

    /// Excel's limit of characters (UTF-16 code units) in a cell.
    static let maxCellLength = 32_767

    /// `text` cut to Excel's cell limit without splitting a character's surrogate pair.
    static func truncatedForCell(_ text: String) -> String {
        guard text.utf8.count > maxCellLength, text.utf16.count > maxCellLength else { return text }
        var length = 0
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            length += scalar.utf16.count
            if length > maxCellLength { break }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    /// Appends `text` as XML character data: `&`, `<`, `>` escaped, CR as `&#13;` (so XML parsing keeps
    /// it), characters XML 1.0 forbids left out, and `_` escaped as `_x005F_` where it would start one of
    /// the `_xHHHH_` escapes that Excel decodes in cell text.
    static func appendXMLText(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { buffer in
            let count = buffer.count
            var runStart = 0
            var index = 0
            @inline(__always) func flushRun(_ end: Int) {
                if end > runStart {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<end]))
                }
            }
            while index < count {
                let byte = buffer[index]
                switch byte {
                case 0x26:
                    flushRun(index)
                    out.append(contentsOf: "&amp;".utf8)
                    runStart = index + 1
                case 0x3C:
                    flushRun(index)
                    out.append(contentsOf: "&lt;".utf8)
                    runStart = index + 1
                case 0x3E:
                    flushRun(index)
                    out.append(contentsOf: "&gt;".utf8)
                    runStart = index + 1
                case 0x0D:
                    flushRun(index)
                    out.append(contentsOf: "&#13;".utf8)
                    runStart = index + 1
                case 0x09, 0x0A:
                    break
                case 0x00...0x1F:
                    flushRun(index)
                    runStart = index + 1
                case 0x5F:
                    if index + 6 < count, buffer[index + 1] == 0x78, buffer[index + 6] == 0x5F,
                        isHex(buffer[index + 2]), isHex(buffer[index + 3]), isHex(buffer[index + 4]),
                        isHex(buffer[index + 5])
                    {
                        flushRun(index)
                        out.append(contentsOf: "_x005F_".utf8)
                        runStart = index + 1
                    }
                case 0xEF:
                    // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
                    if index + 2 < count, buffer[index + 1] == 0xBF, buffer[index + 2] >= 0xBE {
                        flushRun(index)
                        index += 2
                        runStart = index + 1
                    }
                default:
                    break
                }
                index += 1
            }
            flushRun(count)
        }
    }

    @inline(__always) private static func isHex(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// `text` escaped for an XML attribute in double quotes, without the characters XML 1.0 forbids.
    static func xmlAttribute(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\t": result += "&#9;"
            case "\n": result += "&#10;"
            case "\r": result += "&#13;"
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Whether `text` starts or ends with white space that XML parsing would otherwise be free to drop.
    static func needsSpacePreserve(_ text: String) -> Bool {
        guard let first = text.utf8.first, let last = text.utf8.last else { return false }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        return isSpace(first) || isSpace(last)
    }

    // MARK: Cells

    /// The column letters of the 1-based column `number`: 1 → `A`, 27 → `AA`.
    static func columnLetters(_ number: Int) -> String {
        var n = number
        var letters: [UInt8] = []
        while n > 0 {
            let rest = (n - 1) % 26
            letters.insert(UInt8(ascii: "A") + UInt8(rest), at: 0)
            n = (n - 1) / 26
        }
        return String(decoding: letters, as: UTF8.self)
    }

    /// Roughly how many character widths `text` takes: East Asian wide characters count two, and of
    /// several lines the longest counts.
    static func displayWidth(_ text: String) -> Int {
        var widest = 0
        var width = 0
        var seen = 0
        for scalar in text.unicodeScalars {
            seen += 1
            if seen > 200 { break }
            if scalar == "\n" {
                widest = max(widest, width)
                width = 0
                continue
            }
            width += isWide(scalar.value) ? 2 : 1
        }
        return max(widest, width)
    }

    private static func isWide(_ v: UInt32) -> Bool {
        (v >= 0x1100 && v <= 0x115F) || (v >= 0x2E80 && v <= 0xA4CF) || (v >= 0xAC00 && v <= 0xD7A3)
            || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0xFE30 && v <= 0xFE4F) || (v >= 0xFF00 && v <= 0xFF60)
            || (v >= 0xFFE0 && v <= 0xFFE6) || (v >= 0x1F300 && v <= 0x1FAFF) || (v >= 0x20000 && v <= 0x3FFFD)
    }
}
