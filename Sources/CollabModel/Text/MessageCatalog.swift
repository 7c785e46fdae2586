import Foundation

/// The texts Collab writes for people, by language and key, with the host's own words layered over them.
///
/// ``standard`` holds every text Collab writes, in English (`en`) and Simplified Chinese (`zh-Hans`). A host
/// overrides any of them, or adds a language, by passing a catalog of its own — the engine's
/// `WorkflowEngine.Configuration.messages`, the report generator's `messages` — which is layered over the
/// standard one: a key the host's catalog has wins, a key it lacks comes from the standard texts.
///
/// ```swift
/// let ours = MessageCatalog([
///     "zh-Hans": ["notice.assigned.title": "【新任务】{title}"],
///     "ja": ["notice.assigned.title": "新しいタスク: {title}", "notice.assigned.body": "…"],
/// ])
/// ```
///
/// A template names its values in braces (`{title}`, `{actor}`); a brace that does not enclose a name of
/// letters, digits and `_` is written as it is. A key is looked up in the reader's languages from the most
/// specific (``CollabLocale/languageCandidates``), then in English; a key no language has is written as the
/// key itself, so a missing text shows rather than disappears.
public struct MessageCatalog: Hashable, Sendable {
    /// Templates by language tag (`zh-Hans`, `en`, `ja`) and key.
    public private(set) var tables: [String: [String: String]]

    /// The language every lookup falls back to.
    public static let fallbackLanguage = "en"

    /// Creates a catalog from templates by language tag and key.
    public init(_ tables: [String: [String: String]] = [:]) {
        self.tables = tables
    }

    /// Every text Collab writes, in English and Simplified Chinese.
    public static let standard: MessageCatalog = {
        var english: [String: String] = [:]
        var chinese: [String: String] = [:]
        for entry in StandardMessages.all {
            english[entry.key] = entry.english
            chinese[entry.key] = entry.chinese
        }
        return MessageCatalog(["en": english, "zh-Hans": chinese])
    }()

    /// This catalog with `other`'s templates layered over it: where both have a key in a language, `other`'s wins.
    public func merging(_ other: MessageCatalog) -> MessageCatalog {
        var merged = tables
        for (language, table) in other.tables {
            merged[language, default: [:]].merge(table) { _, new in new }
        }
        return MessageCatalog(merged)
    }

    /// The languages the catalog has texts in.
    public var languages: [String] { tables.keys.sorted() }

    /// The template of `key` for `locale`: from its most specific language that has it, else English; `nil`
    /// when no language has it.
    public func template(_ key: String, for locale: CollabLocale) -> String? {
        template(key, languages: locale.languageCandidates)
    }

    /// The template of `key` in the first of `languages` that has it, else in English.
    package func template(_ key: String, languages: [String]) -> String? {
        for language in languages {
            if let template = tables[language]?[key] { return template }
        }
        return tables[Self.fallbackLanguage]?[key]
    }

    /// The keys `reference` has and `language` lacks, sorted: what a host's translation still misses.
    public func missingKeys(in language: String, comparedWith reference: String = fallbackLanguage) -> [String] {
        let have = tables[language] ?? [:]
        return (tables[reference] ?? [:]).keys.filter { have[$0] == nil }.sorted()
    }

    /// The placeholders a template names (`{title}` → `title`).
    public static func placeholders(in template: String) -> Set<String> {
        var names = Set<String>()
        for piece in TemplatePiece.parse(template) {
            if case .placeholder(let name) = piece { names.insert(name) }
        }
        return names
    }
}

/// A template split into literal text and placeholders.
enum TemplatePiece: Equatable {
    case literal(Substring)
    case placeholder(String)

    static func parse(_ template: String) -> [TemplatePiece] {
        var pieces: [TemplatePiece] = []
        var literalStart = template.startIndex
        var index = template.startIndex
        while index < template.endIndex {
            guard template[index] == "{" else {
                index = template.index(after: index)
                continue
            }
            var end = template.index(after: index)
            while end < template.endIndex, template[end].isASCII, template[end].isLetter || template[end].isNumber || template[end] == "_" {
                end = template.index(after: end)
            }
            if end < template.endIndex, template[end] == "}", end > template.index(after: index) {
                if literalStart < index { pieces.append(.literal(template[literalStart..<index])) }
                pieces.append(.placeholder(String(template[template.index(after: index)..<end])))
                index = template.index(after: end)
                literalStart = index
            } else {
                index = template.index(after: index)
            }
        }
        if literalStart < template.endIndex { pieces.append(.literal(template[literalStart...])) }
        return pieces
    }
}
