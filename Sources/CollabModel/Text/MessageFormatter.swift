import Foundation

/// Writes messages, dates, numbers, percentages and durations for one reader: a catalog, a locale and a time
/// zone.
///
/// ```swift
/// let text = MessageFormatter(locale: .simplifiedChinese, timeZone: shanghai)
/// text.string("notice.assigned.title", ["title": "季度计划"])   // 新任务：季度计划
/// text.date(CalendarDate(year: 2026, month: 12, day: 3))       // 2026年12月3日 周四
/// text.percent(0.457)                                          // 45.7%
/// ```
public struct MessageFormatter: Sendable {
    /// The texts (the standard catalog with the host's layered over it).
    public var catalog: MessageCatalog
    /// The reader's locale.
    public var locale: CollabLocale {
        didSet { resolved = Resolved(locale) }
    }
    /// The time zone dates and times are written in.
    public var timeZone: TimeZone
    /// What the locale resolves to, worked out once: a formatter writes every notice of a command.
    private var resolved: Resolved

    private struct Resolved: Sendable {
        let languages: [String]
        let foundationLocale: Locale

        init(_ locale: CollabLocale) {
            languages = locale.languageCandidates
            foundationLocale = locale.foundationLocale
        }
    }

    /// Creates a formatter. `catalog` is layered over ``MessageCatalog/standard``; pass none for the standard texts.
    public init(catalog: MessageCatalog? = nil, locale: CollabLocale, timeZone: TimeZone = .gmt) {
        self.catalog = catalog.map { MessageCatalog.standard.merging($0) } ?? .standard
        self.locale = locale
        self.timeZone = timeZone
        resolved = Resolved(locale)
    }

    /// Creates a formatter on a catalog used as it is (already layered).
    public init(layered catalog: MessageCatalog, locale: CollabLocale, timeZone: TimeZone = .gmt) {
        self.catalog = catalog
        self.locale = locale
        self.timeZone = timeZone
        resolved = Resolved(locale)
    }

    /// The message's text.
    public func string(_ message: LocalizedMessage) -> String {
        string(message.key, message.arguments)
    }

    /// The text of `key` with `arguments` filled in; the key itself when no language has it.
    public func string(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> String {
        guard let template = catalog.template(key, languages: resolved.languages) else { return key }
        var text = ""
        for piece in TemplatePiece.parse(template) {
            switch piece {
            case .literal(let literal): text += literal
            case .placeholder(let name):
                if let argument = arguments[name] { text += format(argument) } else { text += "{\(name)}" }
            }
        }
        return text
    }

    /// One argument as text.
    public func format(_ argument: MessageArgument) -> String {
        switch argument {
        case .text(let text): return text
        case .integer(let value): return integer(value)
        case .decimal(let value, let digits): return decimal(value, fractionDigits: digits)
        case .percent(let value): return percent(value)
        case .date(let date): return self.date(date)
        case .dateTime(let date): return dateTime(date)
        case .deadline(.endOfDay(let date)): return self.date(date)
        case .deadline(.instant(let date)): return dateTime(date)
        case .duration(let duration): return self.duration(duration)
        case .term(let key): return string(key)
        case .message(let message): return string(message)
        case .list(let values): return list(values.map(format))
        }
    }

    /// Texts joined as the language joins a list: `a, b and c`, `a、b和c`.
    public func list(_ texts: [String]) -> String {
        switch texts.count {
        case 0: return ""
        case 1: return texts[0]
        default:
            return string("list.and", [
                "items": .text(texts.dropLast().joined(separator: string("list.separator"))),
                "last": .text(texts[texts.count - 1]),
            ])
        }
    }

    /// A whole number with the locale's grouping (`1,234`).
    public func integer(_ value: Int) -> String {
        value.formatted(.number.locale(locale.foundationLocale))
    }

    /// A number with `fractionDigits` decimals; NaN and infinity as `–`.
    public func decimal(_ value: Double, fractionDigits: Int) -> String {
        guard value.isFinite else { return "–" }
        let digits = min(max(fractionDigits, 0), 6)
        return value.formatted(.number.precision(.fractionLength(digits)).locale(locale.foundationLocale))
    }

    /// A fraction 0...1 as a percentage with one decimal (`45.7%`); NaN and infinity as `–`.
    public func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "–" }
        return fraction.formatted(.percent.precision(.fractionLength(1)).locale(locale.foundationLocale))
    }

    /// A day with its weekday: `2026年12月3日 周四`, `Thu, Dec 3, 2026`, `Thu, 3 Dec 2026` (`en-GB`).
    public func date(_ date: CalendarDate) -> String {
        guard let start = date.startOfDay(in: .gmt) else { return date.description }
        return start.formatted(dayStyle(in: .gmt))
    }

    /// An instant's day (with weekday) and time in ``timeZone``: `2026年12月3日 周四 16:00`.
    public func dateTime(_ date: Date) -> String {
        date.formatted(dayStyle(in: timeZone).hour().minute())
    }

    /// A length of time: under an hour in whole minutes, under two days in hours, else in days, with one
    /// decimal (`45 分钟`, `2.5 hours`, `3.0 天`).
    public func duration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let total = Double(seconds) + Double(attoseconds) / 1e18
        if abs(total) < 3600 {
            return string("unit.minutes", ["value": .integer(Int((total / 60).rounded()))])
        }
        if abs(total) < 48 * 3600 {
            return string("unit.hours", ["value": .decimal(total / 3600, fractionDigits: 1)])
        }
        return string("unit.days", ["value": .decimal(total / 86_400, fractionDigits: 1)])
    }

    private func dayStyle(in zone: TimeZone) -> Date.FormatStyle {
        Date.FormatStyle(locale: resolved.foundationLocale, timeZone: zone)
            .year().month(.abbreviated).day().weekday(.abbreviated)
    }
}
