import Foundation

/// A typed field of an approval request's form ("amount", "supplier", "needed by").
///
/// A flow's conditions compare these fields; ``ApprovalFormValues`` hold what an applicant entered.
public struct ApprovalField: Hashable, Sendable, Codable {
    /// What a field holds.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Free text.
        case text
        /// A decimal number (an amount of money, a quantity).
        case number
        /// A calendar day.
        case date
        /// One of the field's ``ApprovalField/options``.
        case choice
        /// A member of the organization.
        case member
        /// A department of the organization.
        case department
        /// Yes or no.
        case boolean
    }

    /// The stable key conditions and values name the field by: a letter, then letters, digits, `_` or `-`.
    public var key: String
    /// What the form shows ("金额").
    public var label: String
    /// What the field holds.
    public var kind: Kind
    /// Whether a request must give a value.
    public var required: Bool
    /// The choices of a ``Kind/choice`` field (empty for every other kind).
    public var options: [String]

    /// Creates a field.
    public init(key: String, label: String, kind: Kind, required: Bool = false, options: [String] = []) {
        self.key = key
        self.label = label
        self.kind = kind
        self.required = required
        self.options = options
    }
}

/// One value of an approval request's form.
///
/// In JSON a value is an object with one key naming its kind: `{"number": "10000"}`, `{"text": "A4 paper"}`,
/// `{"date": "2026-12-01"}`, `{"choice": "urgent"}`, `{"member": "m-li"}`, `{"department": "d-fin"}`,
/// `{"boolean": true}`. Numbers are written as strings, so no amount passes through binary floating point.
public enum ApprovalFieldValue: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Free text.
    case text(String)
    /// A decimal number.
    case number(Decimal)
    /// A calendar day.
    case date(CalendarDate)
    /// One of a choice field's options.
    case choice(String)
    /// A member.
    case member(Member.ID)
    /// A department.
    case department(Department.ID)
    /// Yes or no.
    case boolean(Bool)

    /// The kind of field this value fits.
    public var kind: ApprovalField.Kind {
        switch self {
        case .text: .text
        case .number: .number
        case .date: .date
        case .choice: .choice
        case .member: .member
        case .department: .department
        case .boolean: .boolean
        }
    }

    public var description: String {
        switch self {
        case .text(let text): "text '\(text.clipped())'"
        case .number(let number): "number \(number)"
        case .date(let date): "date \(date)"
        case .choice(let choice): "choice '\(choice.clipped())'"
        case .member(let id): "member '\(id.rawValue.clipped())'"
        case .department(let id): "department '\(id.rawValue.clipped())'"
        case .boolean(let flag): "boolean \(flag)"
        }
    }

    /// The two values in order, when both are numbers or both are dates; `nil` otherwise.
    func ordered(against other: ApprovalFieldValue) -> ComparisonResult? {
        switch (self, other) {
        case (.number(let a), .number(let b)): a < b ? .orderedAscending : (a == b ? .orderedSame : .orderedDescending)
        case (.date(let a), .date(let b)): a < b ? .orderedAscending : (a == b ? .orderedSame : .orderedDescending)
        default: nil
        }
    }

    private enum CodingKeys: String, CodingKey {
        case text, number, date, choice, member, department, boolean
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a field value is an object with exactly one of the keys text, number, date, choice, member, department, boolean"))
        }
        switch key {
        case .text: self = .text(try container.decode(String.self, forKey: key))
        case .number:
            let text = try container.decode(String.self, forKey: key)
            guard let number = Self.decimal(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "'\(text.clipped())' is not a decimal number like 10000 or -2.50")
            }
            self = .number(number)
        case .date: self = .date(try container.decode(CalendarDate.self, forKey: key))
        case .choice: self = .choice(try container.decode(String.self, forKey: key))
        case .member: self = .member(try container.decode(Member.ID.self, forKey: key))
        case .department: self = .department(try container.decode(Department.ID.self, forKey: key))
        case .boolean: self = .boolean(try container.decode(Bool.self, forKey: key))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .text(let text): try container.encode(text, forKey: .text)
        case .number(let number): try container.encode("\(number)", forKey: .number)
        case .date(let date): try container.encode(date, forKey: .date)
        case .choice(let choice): try container.encode(choice, forKey: .choice)
        case .member(let id): try container.encode(id, forKey: .member)
        case .department(let id): try container.encode(id, forKey: .department)
        case .boolean(let flag): try container.encode(flag, forKey: .boolean)
        }
    }

    /// A plain decimal (`-12.50`): an optional minus, digits, optionally a point and digits; at most 38
    /// digits (what `Decimal` holds exactly). `Decimal(string:)` alone accepts a prefix ("12abc" is 12).
    static func decimal(_ text: String) -> Decimal? {
        var digits = 0, points = 0, sawDigitAfterPoint = false
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            switch scalar {
            case "-" where offset == 0: continue
            case ".": points += 1; if points > 1 || digits == 0 { return nil }
            case "0"..."9": digits += 1; if points == 1 { sawDigitAfterPoint = true }
            default: return nil
            }
        }
        guard digits > 0, digits <= 38, points == 0 || sawDigitAfterPoint else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }
}

/// What an applicant entered in a request's form, by field key.
///
/// In JSON, an object from field keys to ``ApprovalFieldValue``s. Check it against the flow with
/// ``ApprovalFlow/validate(values:limits:)``.
public struct ApprovalFormValues: Hashable, Sendable, Codable, ExpressibleByDictionaryLiteral {
    /// The values by field key.
    public var values: [String: ApprovalFieldValue]

    /// Creates values.
    public init(_ values: [String: ApprovalFieldValue] = [:]) { self.values = values }

    /// Creates values from a literal.
    public init(dictionaryLiteral elements: (String, ApprovalFieldValue)...) {
        self.values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// The value of a field, if given.
    public subscript(key: String) -> ApprovalFieldValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public init(from decoder: any Decoder) throws {
        self.values = try decoder.singleValueContainer().decode([String: ApprovalFieldValue].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}

extension ApprovalFlow {
    /// Checks a request's form values against the flow's fields: every required field given, no unknown
    /// key, each value of its field's kind, a choice among the field's options, texts within the limits.
    /// Problems name the value (`values[amount]`).
    public func validate(values: ApprovalFormValues, limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        let byKey = Dictionary(fields.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for field in fields where field.required && values[field.key] == nil {
            report.add("values[\(field.key)]", .missing, "the required field '\(field.label.clipped())' has no value")
        }
        for key in values.values.keys.sorted() {
            guard let value = values[key] else { continue }
            let path = "values[\(key.clipped())]"
            guard let field = byKey[key] else {
                report.add(path, .unknownField, "the flow has no field '\(key.clipped())'")
                continue
            }
            guard value.kind == field.kind else {
                report.add(path, .mismatchedType, "field '\(key)' holds a \(field.kind.rawValue), not a \(value)")
                continue
            }
            switch value {
            case .text(let text):
                report.checkText(text, field: path, maxLength: limits.textLength, required: field.required,
                    allowNewlines: true)
            case .choice(let choice) where !field.options.contains(choice):
                report.add(path, .unknownChoice, "'\(choice.clipped())' is not one of the options of field '\(key)'")
            case .member(let id):
                report.checkText(id.rawValue, field: path, maxLength: limits.identifierLength)
            case .department(let id):
                report.checkText(id.rawValue, field: path, maxLength: limits.identifierLength)
            case .date(let date) where !date.isValid:
                report.add(path, .malformed, "\(date) is not a real day")
            default: break
            }
        }
        return report
    }
}
