import Foundation

/// One problem found while validating input.
///
/// Validation collects every problem before failing, so a form can show them all at once.
public struct ValidationProblem: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The kind of problem.
    public struct Kind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A required text is empty or only white space.
        public static let empty = Kind(rawValue: "empty")
        /// A text or list is longer than allowed.
        public static let tooLong = Kind(rawValue: "too_long")
        /// A number is outside its allowed range.
        public static let outOfRange = Kind(rawValue: "out_of_range")
        /// The deadline lies before the start.
        public static let deadlineBeforeStart = Kind(rawValue: "deadline_before_start")
        /// A member id names nobody in the organization.
        public static let unknownMember = Kind(rawValue: "unknown_member")
        /// A department id names no department of the organization.
        public static let unknownDepartment = Kind(rawValue: "unknown_department")
        /// An organization id names no organization, or one of the wrong kind.
        public static let unknownOrganization = Kind(rawValue: "unknown_organization")
        /// A document id names no document the actor may see, or a version it does not have, or one held back
        /// by the scanner.
        public static let unknownDocument = Kind(rawValue: "unknown_document")
        /// An outside organization has not been enabled for external collaboration by an administrator.
        public static let externalCollaborationDisabled = Kind(rawValue: "external_collaboration_disabled")
        /// The attachment's media type is not accepted.
        public static let refusedAttachmentType = Kind(rawValue: "refused_attachment_type")
        /// A value is malformed (an invalid time zone, a digest that is not hex, a control character...).
        public static let malformed = Kind(rawValue: "malformed")
        /// The same value is listed twice, or clashes with an existing one.
        public static let duplicate = Kind(rawValue: "duplicate")
        /// A required value is missing.
        public static let missing = Kind(rawValue: "missing")
        /// A saved member or department names another organization than the one it belongs to: a member
        /// or department never moves across organizations (someone who joins another company is a new
        /// member there).
        public static let organizationChange = Kind(rawValue: "organization_change")
        /// A condition or form value names a field the approval flow does not have.
        public static let unknownField = Kind(rawValue: "unknown_field")
        /// A value is of another kind than its field (a text compared with a number field), or a comparison
        /// does not apply to the field's kind (`lessThan` on a text).
        public static let mismatchedType = Kind(rawValue: "mismatched_type")
        /// A choice is not among its field's options.
        public static let unknownChoice = Kind(rawValue: "unknown_choice")
        /// A route names a step the approval flow does not have, or goes back to an earlier step.
        public static let unknownStep = Kind(rawValue: "unknown_step")
        /// An approval step can never be reached from the flow's first step.
        public static let unreachable = Kind(rawValue: "unreachable")
    }

    /// The field that is wrong, as a path (`title`, `attachments[2].mediaType`).
    public var field: String
    /// The kind of problem.
    public var kind: Kind
    /// What is wrong, with the offending value (shortened when long).
    public var message: String

    /// Creates a problem.
    public init(field: String, kind: Kind, message: String) {
        self.field = field
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Collects ``ValidationProblem``s and fails once with all of them.
public struct ValidationReport: Sendable {
    /// The problems found so far.
    public private(set) var problems: [ValidationProblem] = []

    /// Creates an empty report.
    public init() {}

    /// Records a problem.
    public mutating func add(_ field: String, _ kind: ValidationProblem.Kind, _ message: String) {
        problems.append(ValidationProblem(field: field, kind: kind, message: message))
    }

    /// Appends the problems of another report, with their fields prefixed by `prefix`.
    public mutating func merge(_ other: ValidationReport, prefix: String = "") {
        for problem in other.problems {
            var copy = problem
            if !prefix.isEmpty { copy.field = prefix + "." + copy.field }
            problems.append(copy)
        }
    }

    /// Checks a bounded text: the one check every text a caller supplies goes through.
    ///
    /// A text fails when it is
    /// - required and empty or only white space (``ValidationProblem/Kind/empty``);
    /// - longer than `maxLength` characters (grapheme clusters, what a reader counts), or larger than
    ///   `maxLength` × ``ValidationLimits/maximumUTF8BytesPerCharacter`` bytes of UTF-8
    ///   (``ValidationProblem/Kind/tooLong``): a character may hold any number of code points, so the
    ///   character count alone does not bound the size;
    /// - holding more than ``ValidationLimits/maximumCombiningMarkRun`` combining marks in a row, or a
    ///   control, direction-changing or line-separating character other than line breaks and tabs where
    ///   `allowNewlines` (``ValidationProblem/Kind/malformed``).
    ///
    /// The size in bytes is checked first, so a text far too large is refused before its characters are
    /// counted.
    public mutating func checkText(
        _ value: String, field: String, maxLength: Int, required: Bool = true, allowNewlines: Bool = false
    ) {
        let bytes = value.utf8.count
        let (product, overflow) = maxLength.multipliedReportingOverflow(by: ValidationLimits.maximumUTF8BytesPerCharacter)
        let maxBytes = overflow ? Int.max : product
        if bytes > maxBytes {
            add(field, .tooLong, "is \(bytes) bytes in UTF-8, at most \(maxBytes) are allowed")
        } else if required && value.allSatisfy(\.isWhitespace) {
            add(field, .empty, "must not be empty")
            return
        } else {
            let count = value.count
            if count > maxLength {
                add(field, .tooLong, "has \(count) characters, at most \(maxLength) are allowed")
            }
        }
        var forbidden: Unicode.Scalar?
        var run = 0
        var longestRun = 0
        for scalar in value.unicodeScalars {
            if forbidden == nil && Self.isForbiddenControl(scalar, allowNewlines: allowNewlines) { forbidden = scalar }
            if Self.isCombiningMark(scalar) {
                run += 1
                if run > longestRun { longestRun = run }
            } else {
                run = 0
            }
        }
        if let bad = forbidden {
            add(field, .malformed, "contains the control character U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        if longestRun > ValidationLimits.maximumCombiningMarkRun {
            add(field, .malformed,
                "has a run of \(longestRun) combining marks, at most \(ValidationLimits.maximumCombiningMarkRun) in a row are allowed")
        }
    }

    /// Checks an instant a caller supplies: within the years 1 to 9999, the range Collab stores.
    public mutating func checkInstant(_ value: Date?, field: String) {
        guard let value else { return }
        if !value.isWithinCollabRange {
            add(field, .outOfRange, "\(value.timeIntervalSince1970) seconds since 1970 is outside the years 1 to 9999")
        }
    }

    /// Checks a delay a caller supplies: positive (or zero when `allowsZero`) and at most ten years.
    public mutating func checkDelay(_ value: Duration?, field: String, allowsZero: Bool = false) {
        guard let value else { return }
        if value < .zero || (!allowsZero && value == .zero) {
            add(field, .outOfRange, "\(value) is not \(allowsZero ? "zero or more" : "positive")")
        } else if value > .seconds(10 * 366 * 86_400) {
            add(field, .outOfRange, "\(value) is more than ten years")
        }
    }

    /// Throws ``CollabError/Code/invalidInput`` listing every problem, if there is any.
    public func throwIfInvalid() throws(CollabError) {
        if !problems.isEmpty { throw CollabError.invalid(problems) }
    }

    static func isForbiddenControl(_ scalar: Unicode.Scalar, allowNewlines: Bool) -> Bool {
        if allowNewlines && (scalar == "\n" || scalar == "\r" || scalar == "\t") { return false }
        switch scalar.value {
        case 0x00...0x1F, 0x7F, 0x80...0x9F: return true
        // Bidirectional overrides, isolates and marks (U+200E/F, U+061C): they make a file name or title
        // display as something else.
        case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        // The line and paragraph separators: line breaks that some readers show and others ignore (and
        // that end a JavaScript string); `\n` is the line break Collab accepts.
        case 0x2028, 0x2029: return true
        default: return false
        }
    }
}

extension ValidationReport {
    /// Whether `scalar` is a combining mark (general category Mn, Mc or Me), counted in runs by
    /// ``checkText(_:field:maxLength:required:allowNewlines:)``.
    static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value >= 0x300 else { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }
}

extension String {
    /// The string shortened to `limit` characters for messages, with an ellipsis; never more than
    /// `limit` × ``ValidationLimits/maximumUTF8BytesPerCharacter`` bytes of UTF-8, however many code points
    /// its characters hold (a character is cut between code points if it must be).
    package func clipped(_ limit: Int = 40) -> String {
        let limit = max(0, limit)
        let maxBytes = limit.multipliedReportingOverflow(by: ValidationLimits.maximumUTF8BytesPerCharacter).overflow
            ? Int.max : limit * ValidationLimits.maximumUTF8BytesPerCharacter
        var end = startIndex
        var characters = 0
        while end < endIndex, characters < limit {
            let next = index(after: end)
            guard utf8.distance(from: startIndex, to: next) <= maxBytes else { break }
            end = next
            characters += 1
        }
        if end == endIndex { return self }
        if characters < limit {
            // The next character alone would pass the byte budget: keep its first code points that fit.
            var scalarEnd = end
            while scalarEnd < endIndex {
                let next = unicodeScalars.index(after: scalarEnd)
                guard utf8.distance(from: startIndex, to: next) <= maxBytes else { break }
                scalarEnd = next
            }
            end = scalarEnd
        }
        return String(self[..<end]) + "…"
    }
}

extension Date {
    /// Whether the instant lies within the years 1 to 9999 (UTC), the range Collab validates and stores.
    public var isWithinCollabRange: Bool {
        let seconds = timeIntervalSince1970
        return seconds.isFinite && seconds >= -62_135_596_800 && seconds < 253_402_300_800
    }

    /// Whole milliseconds since 1970, as Collab stores instants and keys timers; saturates beyond the range
    /// validation lets through rather than trap.
    package var millisecondsSince1970: Int64 {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite else { return milliseconds > 0 ? .max : .min }
        return Int64(max(min(milliseconds, 9.2e18), -9.2e18))
    }
}
