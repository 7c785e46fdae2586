import Foundation

/// How a condition compares a form field with a value.
public enum ApprovalComparison: String, Hashable, Sendable, Codable, CaseIterable {
    /// The field's value equals the value.
    case equals
    /// The field has a value and it differs from the value.
    case notEquals
    /// Numbers and dates only: the field's value is smaller (earlier).
    case lessThan
    /// Numbers and dates only: smaller or equal.
    case atMost
    /// Numbers and dates only: greater (later).
    case greaterThan
    /// Numbers and dates only: greater or equal.
    case atLeast

    /// Whether the comparison orders values (applies to number and date fields only).
    public var isOrdering: Bool {
        switch self {
        case .equals, .notEquals: false
        case .lessThan, .atMost, .greaterThan, .atLeast: true
        }
    }
}

/// A condition on a request's form values, deciding a route or a skip.
///
/// A comparison with a field the request left empty is false, whatever the comparison (`notEquals`
/// included): write `.not(.field("x", .equals, v))` for "not v, or empty".
///
/// In JSON: `{"field": "amount", "is": "atLeast", "value": {"number": "10000"}}`,
/// `{"field": "kind", "isOneOf": [{"choice": "it"}, {"choice": "office"}]}`, `{"all": [...]}`,
/// `{"any": [...]}`, `{"not": {...}}`.
public indirect enum ApprovalCondition: Hashable, Sendable, Codable {
    /// Compares a field with a value.
    case field(String, ApprovalComparison, ApprovalFieldValue)
    /// The field's value is one of the values.
    case isOneOf(String, [ApprovalFieldValue])
    /// Every condition holds (true when empty).
    case all([ApprovalCondition])
    /// At least one condition holds (false when empty).
    case any([ApprovalCondition])
    /// The condition does not hold.
    case not(ApprovalCondition)

    /// Whether the condition holds for `values`.
    public func matches(_ values: ApprovalFormValues) -> Bool {
        switch self {
        case .field(let key, let comparison, let value):
            guard let given = values[key] else { return false }
            switch comparison {
            case .equals: return given == value
            case .notEquals: return given != value
            case .lessThan: return given.ordered(against: value) == .orderedAscending
            case .atMost: return given.ordered(against: value).map { $0 != .orderedDescending } ?? false
            case .greaterThan: return given.ordered(against: value) == .orderedDescending
            case .atLeast: return given.ordered(against: value).map { $0 != .orderedAscending } ?? false
            }
        case .isOneOf(let key, let options):
            guard let given = values[key] else { return false }
            return options.contains(given)
        case .all(let conditions): return conditions.allSatisfy { $0.matches(values) }
        case .any(let conditions): return conditions.contains { $0.matches(values) }
        case .not(let condition): return !condition.matches(values)
        }
    }

    /// Every problem of the condition against the flow's fields: unknown fields, values of another kind, an
    /// ordering comparison on a field that has no order, choices outside the options, nesting deeper than 16.
    func check(fields: [String: ApprovalField], path: String, depth: Int = 0, into report: inout ValidationReport) {
        if depth > 16 {
            report.add(path, .tooLong, "conditions nest more than 16 levels deep")
            return
        }
        func checkValue(_ value: ApprovalFieldValue, of field: ApprovalField, at path: String) {
            if value.kind != field.kind {
                report.add(path, .mismatchedType, "field '\(field.key)' holds a \(field.kind.rawValue), not a \(value)")
            } else if case .choice(let choice) = value, !field.options.contains(choice) {
                report.add(path, .unknownChoice, "'\(choice.clipped())' is not one of the options of field '\(field.key)'")
            }
        }
        switch self {
        case .field(let key, let comparison, let value):
            guard let field = fields[key] else {
                report.add(path, .unknownField, "names the field '\(key.clipped())', which the flow does not have")
                return
            }
            if comparison.isOrdering && field.kind != .number && field.kind != .date {
                report.add(path, .mismatchedType,
                    "'\(comparison.rawValue)' applies to number and date fields, '\(key)' is a \(field.kind.rawValue) field")
            }
            checkValue(value, of: field, at: path)
        case .isOneOf(let key, let options):
            guard let field = fields[key] else {
                report.add(path, .unknownField, "names the field '\(key.clipped())', which the flow does not have")
                return
            }
            if options.isEmpty { report.add(path, .empty, "isOneOf on '\(key)' lists no value") }
            for (index, option) in options.enumerated() { checkValue(option, of: field, at: "\(path).isOneOf[\(index)]") }
        case .all(let conditions):
            for (index, condition) in conditions.enumerated() {
                condition.check(fields: fields, path: "\(path).all[\(index)]", depth: depth + 1, into: &report)
            }
        case .any(let conditions):
            for (index, condition) in conditions.enumerated() {
                condition.check(fields: fields, path: "\(path).any[\(index)]", depth: depth + 1, into: &report)
            }
        case .not(let condition):
            condition.check(fields: fields, path: "\(path).not", depth: depth + 1, into: &report)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case field, `is`, value, isOneOf, all, any, not
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let conditions = try container.decodeIfPresent([ApprovalCondition].self, forKey: .all) {
            self = .all(conditions)
        } else if let conditions = try container.decodeIfPresent([ApprovalCondition].self, forKey: .any) {
            self = .any(conditions)
        } else if let condition = try container.decodeIfPresent(ApprovalCondition.self, forKey: .not) {
            self = .not(condition)
        } else {
            let key = try container.decode(String.self, forKey: .field)
            if let options = try container.decodeIfPresent([ApprovalFieldValue].self, forKey: .isOneOf) {
                self = .isOneOf(key, options)
            } else {
                self = .field(
                    key, try container.decode(ApprovalComparison.self, forKey: .is),
                    try container.decode(ApprovalFieldValue.self, forKey: .value))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .field(let key, let comparison, let value):
            try container.encode(key, forKey: .field)
            try container.encode(comparison, forKey: .is)
            try container.encode(value, forKey: .value)
        case .isOneOf(let key, let options):
            try container.encode(key, forKey: .field)
            try container.encode(options, forKey: .isOneOf)
        case .all(let conditions): try container.encode(conditions, forKey: .all)
        case .any(let conditions): try container.encode(conditions, forKey: .any)
        case .not(let condition): try container.encode(condition, forKey: .not)
        }
    }
}
