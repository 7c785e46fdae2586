import Foundation

/// The language and conventions in which Collab writes what a person reads — notices, report headers, chart
/// labels — and formats dates, numbers and percentages: a BCP 47 identifier such as `zh-Hans-CN`, `en` or
/// `en-GB`.
///
/// An organization has one (``Organization/locale``), and a member may override it (``Member/locale``).
/// The language part chooses the messages (``MessageCatalog``: `zh-Hans-CN` reads the `zh-Hans` texts, `en-GB`
/// the `en` ones); the whole identifier chooses the formats (`2026年12月3日 周四`, `Thu, Dec 3, 2026`,
/// `Thu, 3 Dec 2026`). Collab ships Simplified Chinese and English; a host adds a language by passing a
/// catalog with its texts.
public struct CollabLocale: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The BCP 47 identifier, as given (`zh-Hans-CN`; an underscore form such as `zh_CN` is accepted too).
    public let rawValue: String

    /// Creates a locale from a BCP 47 identifier.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// Creates a locale from a BCP 47 identifier.
    public init(_ identifier: String) { self.rawValue = identifier }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// English (`en`): US date formats (`Thu, Dec 3, 2026`). Use `en-GB` for `Thu, 3 Dec 2026`.
    public static let english = CollabLocale("en")
    /// Simplified Chinese as written in mainland China (`zh-Hans-CN`): `2026年12月3日 周四`.
    public static let simplifiedChinese = CollabLocale("zh-Hans-CN")

    public var description: String { rawValue }

    /// Foundation's locale for formatting dates, numbers and percentages.
    public var foundationLocale: Locale { Locale(identifier: rawValue) }

    /// The catalog languages to try, most specific first: `zh-Hans-CN` → `zh-Hans-CN`, `zh-Hans`, `zh`;
    /// a Chinese identifier without a script (`zh-CN`, `zh_SG`) reads `zh-Hans`, and one of Taiwan, Hong Kong
    /// or Macau (`zh-TW`) reads `zh-Hant` before `zh`.
    public var languageCandidates: [String] {
        let parts = rawValue.replacingOccurrences(of: "_", with: "-").split(separator: "-").map(String.init)
        guard let first = parts.first, !first.isEmpty else { return [] }
        let language = first.lowercased()
        var candidates: [String] = []
        func add(_ tag: String) { if !candidates.contains(tag) { candidates.append(tag) } }
        var normalized = [language]
        for part in parts.dropFirst() {
            if part.count == 4 { normalized.append(part.prefix(1).uppercased() + part.dropFirst().lowercased()) }
            else if part.count == 2 || part.count == 3 { normalized.append(part.uppercased()) }
            else { normalized.append(part) }
        }
        var length = normalized.count
        while length > 0 {
            add(normalized.prefix(length).joined(separator: "-"))
            length -= 1
        }
        if language == "zh", !normalized.contains(where: { $0 == "Hans" || $0 == "Hant" }) {
            let traditional = normalized.contains { ["TW", "HK", "MO"].contains($0) }
            let script = traditional ? "zh-Hant" : "zh-Hans"
            candidates.insert(script, at: max(candidates.count - 1, 0))
        }
        return candidates
    }

    /// Lists what is wrong with the identifier: it must be a non-empty BCP 47 tag of letters, digits and `-`
    /// (or `_`), at most 35 characters, starting with a 2 or 3 letter language code.
    public func validate(field: String = "locale") -> ValidationReport {
        var report = ValidationReport()
        let parts = rawValue.replacingOccurrences(of: "_", with: "-").split(separator: "-", omittingEmptySubsequences: false)
        let valid = !rawValue.isEmpty && rawValue.count <= 35
            && rawValue.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }
            && parts.allSatisfy { !$0.isEmpty && $0.count <= 8 }
            && parts.first.map { (2...3).contains($0.count) && $0.allSatisfy(\.isLetter) } == true
        if !valid {
            report.add(field, .malformed, "'\(rawValue.clipped())' is not a BCP 47 locale identifier (such as zh-Hans-CN or en)")
        }
        return report
    }
}
