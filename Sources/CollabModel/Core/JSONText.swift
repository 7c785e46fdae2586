/// JSON written by hand where `JSONEncoder` costs more than the work around it (every notice's message and
/// every audit event's details are encoded inside a command).
package enum JSONText {
    /// `value` as a JSON string literal. `/` is escaped only when `escapingSlashes` is set.
    package static func quoted(_ value: String, escapingSlashes: Bool = false) -> String {
        var text = "\""
        text.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "/" where escapingSlashes: text += "\\/"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }

    /// A finite number as JSON (the shortest text that reads back as the same `Double`); `nil` for NaN and
    /// the infinities, which JSON cannot hold.
    package static func number(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(describing: value)
    }
}
