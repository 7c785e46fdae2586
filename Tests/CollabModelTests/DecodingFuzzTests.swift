import CollabModel
import CollabPermissions
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// Randomized hostile input for every public decoding entry point: JSON of drafts, attachment metadata,
// deadlines, dates, business calendars, recurrence rules, identifiers, limits, access policies, rules and
// scopes, list filters, page requests and commands. Valid samples are mutated structurally (hostile
// strings and numbers, wrong types, missing and unknown keys, nesting 10,000+ levels deep) and as bytes
// (flips, truncation, invalid UTF-8). Each input must end in a `DecodingError` or a value; a value's
// validation in problems or a pass; a value must survive a round trip. The same checks replay the libFuzzer
// corpus and fail cases under `Fuzz/`. `COLLAB_SEED` picks the seed, `COLLAB_LONG=1` runs 20 times more.

/// A broken invariant, with what broke.
private struct Finding: Error, CustomStringConvertible {
    var description: String
}

/// What became of one input.
private enum Outcome: Equatable {
    /// Decoding threw a `DecodingError` (or the text is not a date).
    case refused
    /// Decoded; validation reported problems.
    case invalid
    /// Decoded, valid, and round-tripped.
    case valid
}

/// One public decoding entry point and the checks applied to what it decodes.
private struct EntryPoint: Sendable {
    var name: String
    var check: @Sendable (Data) throws -> Outcome
}

private let now = Date(timeIntervalSince1970: 1_780_272_000)  // 2026-06-01T00:00:00Z

private func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw Finding(description: message()) }
}

/// A value, or `nil` for a `DecodingError`; any other error is a finding.
private func decode<T: Decodable>(_: T.Type, _ data: Data) throws -> T? {
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch is DecodingError {
        return nil
    } catch {
        throw Finding(description: "decoding \(T.self) threw \(type(of: error)), not a DecodingError: \(error)")
    }
}

private func roundTrip<T: Codable & Equatable>(_ value: T) throws {
    let data = try JSONEncoder().encode(value)
    let again: T
    do {
        again = try JSONDecoder().decode(T.self, from: data)
    } catch {
        throw Finding(description: "\(T.self) does not decode its own encoding: \(error)")
    }
    try require(again == value, "\(T.self) changed in a round trip: \(String(describing: value).clipped(300))")
}

/// Decodes, validates if the type has a validation, round-trips every decoded value.
private func entry<T: Codable & Equatable & Sendable>(
    _ type: T.Type, _ name: String? = nil, validate: @escaping @Sendable (T) throws -> Bool = { _ in true }
) -> EntryPoint {
    EntryPoint(name: name ?? "\(T.self)") { data in
        guard let value = try decode(T.self, data) else { return .refused }
        try roundTrip(value)
        return try validate(value) ? .valid : .invalid
    }
}

private func validDraft(_ draft: WorkItemDraft) throws -> Bool {
    // A context that knows every member, department and partner named: only the draft's content decides.
    var partners: [Organization.ID: Organization] = [:]
    for id in draft.partnerOrganizationIDs {
        partners[id] = Organization(id: id, name: "Partner", kind: .partner, externalCollaborationEnabled: true)
    }
    let zone = try #require(TimeZone(identifier: "Asia/Shanghai"))
    _ = draft.validate(in: ValidationContext(timeZone: nil), now: now)
    let report = draft.validate(
        in: ValidationContext(
            timeZone: zone, activeMemberIDs: Set(draft.assigneeIDs + draft.watcherIDs + [draft.reviewerID].compactMap { $0 }),
            departmentIDs: Set(draft.departmentIDs), outsideOrganizations: partners),
        now: now)
    for problem in report.problems {
        try require(!problem.field.isEmpty && !problem.message.isEmpty, "a problem without field or message: \(problem)")
    }
    _ = String(describing: draft.deadline)
    guard report.problems.isEmpty else { return false }
    let due = draft.deadline.dueInstant(in: zone)
    try require(due.map { $0 > (draft.start ?? now) } ?? false, "a valid draft is due \(String(describing: due))")
    return true
}

private func validAttachment(_ attachment: FileAttachment) -> Bool {
    attachment.validate(policy: .default).problems.isEmpty
}

/// A calendar, a rule and a start day together, as the `FuzzCalendar` target reads them.
private struct CalendarCase: Codable, Equatable {
    var calendar: BusinessCalendar?
    var rule: RecurrenceRule?
    var after: CalendarDate?
}

/// 2026-03-05 is before the American and European DST changes.
private func validCalendar(_ calendar: BusinessCalendar, anchor: CalendarDate = CalendarDate(year: 2026, month: 3, day: 5))
    throws -> Bool
{
    guard calendar.validate().problems.isEmpty else { return false }
    let start = try #require(anchor.startOfDay(in: calendar.timeZone))
    if let next = calendar.nextWorkingDay(after: anchor) {
        try require(next > anchor && calendar.isWorkingDay(next), "next working day after \(anchor) is \(next)")
    }
    let worked = calendar.workingTime(from: start, to: start.addingTimeInterval(28 * 86_400))
    try require(worked >= .zero && worked <= .seconds(28 * 86_400 + 3_600), "worked \(worked) in four weeks")
    let eightHours = Duration.seconds(8 * 3_600)
    if let end = calendar.addingWorkingTime(eightHours, to: start) {
        let measured = calendar.workingTime(from: start, to: end)
        try require(
            end > start && abs((measured - eightHours) / .milliseconds(1)) <= 1_000,
            "eight working hours after \(start) end at \(end), which measures \(measured)")
    }
    return true
}

private func validRule(
    _ rule: RecurrenceRule, calendar: BusinessCalendar = .standard(timeZoneIdentifier: "Europe/Berlin"),
    after start: CalendarDate = CalendarDate(year: 2026, month: 1, day: 31)
) throws -> Bool {
    let valid = rule.validate().problems.isEmpty
    var date = start
    for _ in 0..<12 {
        guard let next = rule.nextOccurrence(after: date, calendar: calendar) else { break }
        try require(valid, "the invalid rule \(rule) has an occurrence")
        try require(next.isValid && next > date, "\(rule) after \(date) gives \(next)")
        date = next
    }
    return valid
}

private func validCommand(_ command: WorkItemCommand) throws -> Bool {
    try require(!command.name.isEmpty, "a command without a name")
    switch command {
    case .create(let draft, _): return try validDraft(draft)
    case .reportProgress(_, _, _, let attachments): return attachments.allSatisfy(validAttachment)
    default: return true
    }
}

private func validPolicy(_ policy: AccessPolicy) throws -> Bool {
    let rebuilt = AccessPolicy(rules: policy.rules)
    for action in WorkItemAction.allCases {
        try require(
            policy.relationships(allowedTo: action) == rebuilt.relationships(allowedTo: action),
            "a decoded policy grants \(action) to \(policy.relationships(allowedTo: action)), its rules to \(rebuilt.relationships(allowedTo: action))")
    }
    try require(policy == rebuilt, "a decoded policy differs from the policy of its rules")
    return true
}

private let entryPoints: [EntryPoint] = [
    entry(WorkItemDraft.self, validate: validDraft),
    entry(FileAttachment.self, validate: validAttachment),
    entry([FileAttachment].self, "[FileAttachment]") { $0.allSatisfy(validAttachment) },
    entry(Deadline.self) { deadline in
        if case .endOfDay(let date) = deadline {
            try require(date.isValid, "a decoded deadline names no real day: \(date)")
            let zone = try #require(TimeZone(identifier: "America/New_York"))
            try require(deadline.dueInstant(in: zone) != nil, "\(deadline) has no due instant")
        }
        return true
    },
    entry(CalendarDate.self) { date in
        try require(date.isValid && CalendarDate(iso: date.description) == date, "decoded \(date), not a real day")
        return true
    },
    EntryPoint(name: "CalendarDate(iso:)") { data in
        let text = String(decoding: data, as: UTF8.self)
        guard let date = CalendarDate(iso: text) else { return .refused }
        try require(date.isValid && date.description == text, "'\(text.clipped())' parses as \(date)")
        try require(CalendarDate(dayNumber: date.dayNumber) == date, "\(date) does not survive its day number")
        return .valid
    },
    entry(BusinessCalendar.self) { try validCalendar($0) },
    entry(RecurrenceRule.self) { try validRule($0) },
    entry(CalendarCase.self, "BusinessCalendar and RecurrenceRule") { both in
        var valid = true
        if let calendar = both.calendar { valid = try validCalendar(calendar, anchor: both.after ?? CalendarDate(year: 2026, month: 3, day: 5)) }
        if let rule = both.rule {
            valid = try validRule(rule, calendar: both.calendar ?? .alwaysOpen(), after: both.after ?? CalendarDate(year: 2026, month: 1, day: 31)) && valid
        }
        return valid
    },
    entry(Member.ID.self, "Identifier"),
    entry(ValidationLimits.self),
    entry(AccessPolicy.self, validate: validPolicy),
    entry(AccessRule.self),
    entry(VisibilityScope.self),
    entry(WorkItemFilter.self),
    entry(PageRequest.self) { page in
        try require((1...500).contains(page.limit), "a decoded page request asks for \(page.limit) rows")
        return true
    },
    entry(WorkItemCommand.self, validate: validCommand),
]

// MARK: - Samples

private func day(_ text: String) -> CalendarDate { CalendarDate(iso: text) ?? CalendarDate(year: 2026, month: 1, day: 1) }

private let digest = String(repeating: "e3b0c442", count: 8)

private let attachment = FileAttachment(
    fileName: "plan.pdf", mediaType: "application/pdf", size: 2_048, sha256: digest, storageKey: "files/plan.pdf",
    visibility: .external)

private let fullDraft = WorkItemDraft(
    title: "季度计划", description: "Line one\nLine two", priority: .high, assigneeIDs: ["m1", "m2"], reviewerID: "boss",
    watcherIDs: ["m3"], departmentIDs: ["sales"], partnerOrganizationIDs: ["supplier"],
    start: Date(timeIntervalSince1970: 1_790_000_000), deadline: .instant(Date(timeIntervalSince1970: 1_800_000_000)),
    attachments: [attachment], tags: ["q4"], recurrence: RecurrenceRule(.weekly([.monday, .thursday]), interval: 2))

/// The JSON of `value`, with keys and the elements of sets in a fixed order: both come in hash order, which
/// changes from process to process, and the inputs must depend on the seed alone.
private func json<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    guard let data = try? encoder.encode(value), let tree = JSON.parse(Array(data)) else { return [] }
    var out: [UInt8] = []
    tree.sortingSets().write(into: &out)
    return out
}

/// Valid encodings of each entry point, by entry point name.
private let samples: [String: [[UInt8]]] = {
    var calendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
    calendar.holidays = [day("2026-10-01")]
    calendar.extraWorkingDays = [day("2026-09-27")]
    let night = BusinessCalendar(
        timeZoneIdentifier: "America/New_York", workingDays: [.sunday, .monday],
        periods: [BusinessCalendar.Period(start: 0, end: 180), BusinessCalendar.Period(start: 1_380, end: 1_440)])
    let policy = AccessPolicy(rules: [
        AccessRule("assignee-may-view", action: .view, relationship: .assignee),
        AccessRule("reviewer-may-review", action: .review, relationship: .reviewer),
    ])
    return [
        "WorkItemDraft": [
            json(WorkItemDraft(title: "Quarterly plan", assigneeIDs: ["m1"], deadline: .endOfDay(day("2026-11-30")))),
            json(fullDraft),
        ],
        "FileAttachment": [json(attachment)],
        "[FileAttachment]": [json([attachment, attachment])],
        "Deadline": [json(Deadline.endOfDay(day("2028-02-29"))), json(Deadline.instant(now))],
        "CalendarDate": [json(day("2026-03-08"))],
        "CalendarDate(iso:)": [Array("2026-03-08".utf8), Array("9999-12-31".utf8)],
        "BusinessCalendar": [json(calendar), json(night), json(BusinessCalendar.alwaysOpen())],
        "RecurrenceRule": [
            json(RecurrenceRule(.daily, interval: 3)), json(RecurrenceRule(.weekly([.monday, .sunday]))),
            json(RecurrenceRule(.monthly(.day(31)))), json(RecurrenceRule(.monthly(.lastWorkingDay), interval: 2)),
        ],
        "BusinessCalendar and RecurrenceRule": [
            json(CalendarCase(calendar: calendar, rule: RecurrenceRule(.monthly(.lastWorkingDay)), after: day("2026-09-30"))),
            json(CalendarCase(calendar: night, rule: RecurrenceRule(.weekly([.sunday])), after: day("1582-10-01"))),
        ],
        "Identifier": [json(Member.ID("m1"))],
        "ValidationLimits": [json(ValidationLimits.default)],
        // The last one names grants that no rule gives: decoding must derive grants from the rules alone.
        "AccessPolicy": [
            json(policy), json(AccessPolicy.standard), Array(#"{"grants":["view",1023,"cancel",1023],"rules":[]}"#.utf8),
        ],
        "AccessRule": [json(AccessRule("admin-may-cancel", action: .cancel, relationship: .administrator))],
        "VisibilityScope": [
            json(VisibilityScope(
                wholeOrganization: nil, grants: [.init(.assignee, "m1"), .init(.sharedOrganization, "supplier")],
                organizationID: "acme", isExternal: false))
        ],
        "WorkItemFilter": [
            json(WorkItemFilter(
                states: [.assigned, .inProgress], priorities: [.high], assigneeID: "m1", departmentID: "sales", tag: "q4",
                dueFrom: now, dueBefore: now.addingTimeInterval(86_400)))
        ],
        "PageRequest": [json(PageRequest(limit: 50, cursor: "eyJpZCI6Iml0ZW0tNDIifQ=="))],
        "WorkItemCommand": [
            json(WorkItemCommand.create(fullDraft, submit: true)),
            json(WorkItemCommand.reportProgress("item-1", text: "half", percent: 50, attachments: [attachment])),
            json(WorkItemCommand.requestAdjustment(
                "item-1", change: AdjustmentRequest.Change(deadline: .endOfDay(day("2027-01-15"))), reason: "parts")),
            json(WorkItemCommand.reassign("item-1", from: "m1", to: "m2", reason: nil)),
            json(WorkItemCommand.comment("item-1", body: "=cmd|' /C calc'!A0", visibility: .external)),
        ],
    ]
}()

// MARK: - A small JSON tree, to mutate structurally and write numbers JSONSerialization cannot

private indirect enum JSON {
    case null
    case bool(Bool)
    case number(String)  // the literal text, so that 1e999 and 9223372036854775808 survive
    case string(String)
    case raw([UInt8])  // written as is (invalid UTF-8, broken escapes)
    case array([JSON])
    case object([(String, JSON)])

    /// Keys whose value is a set (for `weekly`, under `_0`).
    private static let setKeys: Set<String> = [
        "workingDays", "holidays", "extraWorkingDays", "states", "priorities", "grants", "weekly",
    ]

    /// The same value with the elements of sets sorted by their JSON.
    func sortingSets(inSet: Bool = false) -> JSON {
        switch self {
        case .array(let elements):
            let sorted = elements.map { $0.sortingSets() }
            guard inSet else { return .array(sorted) }
            return .array(sorted.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) })
        case .object(let members):
            return .object(members.map { key, value in
                (key, value.sortingSets(inSet: JSON.setKeys.contains(key) || (inSet && key == "_0")))
            })
        default:
            return self
        }
    }

    var bytes: [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let text): JSON.writeString(text, into: &out)
        case .raw(let bytes): out += bytes
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSON.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("\\\"".utf8)
            case UInt8(ascii: "\\"): out += Array("\\\\".utf8)
            case 0..<0x20: out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Parses the output of `JSONEncoder` (valid JSON); `nil` otherwise.
    static func parse(_ bytes: [UInt8]) -> JSON? {
        var parser = Parser(bytes: bytes)
        guard let value = parser.value(), parser.atEnd else { return nil }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return index == bytes.count
            }
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        mutating func literal(_ word: String) -> Bool {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected
            else { return false }
            index += expected.count
            return true
        }

        mutating func value() -> JSON? {
            skipSpace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            case UInt8(ascii: "\""): return string().map(JSON.string)
            case UInt8(ascii: "["):
                index += 1
                var elements: [JSON] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                }
                while true {
                    guard let element = value() else { return nil }
                    elements.append(element)
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "]") { return .array(elements) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
                }
            case UInt8(ascii: "{"):
                index += 1
                var members: [(String, JSON)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                while true {
                    skipSpace()
                    guard let key = string() else { return nil }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                    index += 1
                    guard let element = value() else { return nil }
                    members.append((key, element))
                    skipSpace()
                    guard index < bytes.count else { return nil }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { return nil }
                }
            default:
                let start = index
                while index < bytes.count, Array("+-0123456789.eE".utf8).contains(bytes[index]) { index += 1 }
                return index > start ? .number(String(decoding: bytes[start..<index], as: UTF8.self)) : nil
            }
        }

        mutating func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            var scalars: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: scalars, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard bytes.count - index >= 4,
                            let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
                        else { return nil }
                        index += 4
                        // JSONEncoder escapes only control characters, never surrogates.
                        scalars += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
                    default: scalars.append(escaped)
                    }
                default: scalars.append(byte)
                }
            }
            return nil
        }
    }
}

// MARK: - Mutations

/// Hostile strings, shared with `HostileInputTests` in spirit.
private let hostileStrings: [String] = [
    "", " ", "\u{0}", "a\u{0}b", "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "'; DROP TABLE work_items; --",
    "\u{202E}gnp.exe", "../../etc/passwd", ".", "..", "\u{FEFF}", "\r\n", "👩‍👩‍👧‍👦", "季度计划",
    String(repeating: "x", count: 300_000), String(repeating: "\u{301}", count: 3_000), String(repeating: "长", count: 20_000),
    "2026-02-29", "2028-02-29", "0000-01-01", "9999-12-31", "10000-01-01", "2026-1-1", "-001-01-01", "2026-13-01",
    "2026-00-10", "2026-01-32", "0001-01-01", "1013-10-30", "1582-10-14", "1582-10-15", "1900-02-29", "２０２６-０１-０１", "2026-01-01T00:00:00Z", "Asia/Shanghai", "America/New_York",
    "Invalid/Zone", "UTC", "GMT+25", "../../../../etc/localtime", String(repeating: "Europe/", count: 500),
    "in_progress", "assigned", "view", "cancel", "administrator", "shared_organization", "internal", "external",
    "high", "application/pdf", "IMAGE/PNG", String(repeating: "0", count: 64), String(repeating: "F", count: 64),
]

/// Hostile number literals, written as is.
private let hostileNumbers: [String] = [
    "1e999", "-1e999", "-0", "0", "-0.0", "1e-400", "0.5", "-1", "1", "7", "8", "31", "32", "1000", "1001", "1439", "1440",
    "1441", "500", "501", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "1.7976931348623157e308", "4.9e-324", "100000000000000000000000000000", "1E2", "1e+2", "01", "+1", ".5", "1.",
    "0x10", "NaN", "Infinity", "-", "1e", "63113904000", "-63113904000", "253402300800",
]

/// Raw byte sequences to insert anywhere.
private let hostileBytes: [[UInt8]] = [
    [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00], Array("\"\\ud800\"".utf8),
    Array("\"\\udc00\\ud800\"".utf8), Array("\\u0000".utf8), Array("\\uZZZZ".utf8), Array("1e999".utf8),
    Array("]]]]".utf8), Array("{{{{".utf8), Array("\"".utf8), Array(",".utf8), Array(":".utf8), Array("null".utf8),
    Array("{\"_0\":".utf8), Array("\u{FEFF}".utf8),
]

private func deeplyNested(_ depth: Int, around inner: [UInt8], objects: Bool) -> [UInt8] {
    let open = objects ? Array("{\"_0\":".utf8) : [UInt8(ascii: "[")]
    let close = objects ? [UInt8(ascii: "}")] : [UInt8(ascii: "]")]
    var out: [UInt8] = []
    out.reserveCapacity(depth * (open.count + 1) + inner.count)
    for _ in 0..<depth { out += open }
    out += inner
    for _ in 0..<depth { out += close }
    return out
}

private struct Mutator {
    var rng: SeededRandomNumberGenerator

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &rng)] }

    /// A value plausible enough to reach validation (small integers, real days, known keys) or hostile.
    mutating func replacement() -> JSON {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1: return .string(pick(hostileStrings))
        case 2, 3: return .number(pick(hostileNumbers))
        case 4: return .number(String(Int.random(in: -2_000...2_000, using: &rng)))
        case 5:
            let date = CalendarDate(year: 2026, month: 1, day: 1).adding(days: Int.random(in: -400...800, using: &rng))
            return .string(date.description)
        case 6: return pick([.null, .bool(true), .bool(false), .array([]), .object([])])
        case 7: return .raw(pick(hostileBytes))
        case 8: return .raw(deeplyNested(Int.random(in: 10_000...12_000, using: &rng), around: Array("1".utf8), objects: false))
        default: return .object([(pick(["_0", "daily", "weekly", "monthly", "day", "lastWorkingDay", "endOfDay", "instant"]), .object([]))])
        }
    }

    /// Applies one structural change at a random node.
    mutating func mutate(_ value: JSON, depth: Int = 0) -> JSON {
        let descend = Int.random(in: 0..<4, using: &rng) != 0
        switch value {
        case .array(var elements) where descend && !elements.isEmpty:
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: elements.remove(at: Int.random(in: 0..<elements.count, using: &rng))
            case 1: elements.append(pick(elements))
            case 2: elements += Array(repeating: pick(elements), count: Int.random(in: 1...200, using: &rng))
            default:
                let index = Int.random(in: 0..<elements.count, using: &rng)
                elements[index] = mutate(elements[index], depth: depth + 1)
            }
            return .array(elements)
        case .object(var members) where descend && !members.isEmpty:
            let index = Int.random(in: 0..<members.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: members.remove(at: index)
            case 1: members.append((members[index].0, replacement()))  // a duplicate key
            case 2: members.append((pick(hostileStrings).clipped(60), replacement()))  // an unknown key
            case 3: members[index].0 = pick(["_0", "_1", "", "grants", "rules", "limit", "title", "\u{0}"])
            default: members[index].1 = mutate(members[index].1, depth: depth + 1)
            }
            return .object(members)
        case .string where Int.random(in: 0..<10, using: &rng) < 7:
            return .string(pick(hostileStrings))  // the same type, hostile content: gets past decoding
        case .number where Int.random(in: 0..<10, using: &rng) < 7:
            return .number(
                Bool.random(using: &rng) ? pick(hostileNumbers) : String(Int.random(in: -2_000...2_000, using: &rng)))
        default:
            return replacement()
        }
    }

    /// Applies one change to the bytes.
    mutating func mutateBytes(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            }
        case 1: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)))
        case 2: bytes.insert(contentsOf: pick(hostileBytes), at: Int.random(in: 0...bytes.count, using: &rng))
        case 3:
            bytes = deeplyNested(
                Int.random(in: 10_000...12_000, using: &rng), around: bytes, objects: Bool.random(using: &rng))
        default:
            bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return bytes
    }

    /// One hostile input from a valid sample.
    mutating func input(from sample: [UInt8]) -> [UInt8] {
        guard Int.random(in: 0..<4, using: &rng) != 0, let tree = JSON.parse(sample) else { return mutateBytes(sample) }
        var mutated = tree
        for _ in 0..<Int.random(in: 1...2, using: &rng) { mutated = mutate(mutated) }
        var out: [UInt8] = []
        mutated.write(into: &out)
        return Int.random(in: 0..<8, using: &rng) == 0 ? mutateBytes(out) : out
    }
}

// MARK: - Tests

@Suite struct DecodingFuzzTests {
    /// The folder of the libFuzzer package, found from this file.
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    @Test("every decoding entry point ends hostile input in a DecodingError or a value that validates and round-trips")
    func randomizedHostileInput() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["COLLAB_SEED"].flatMap { UInt64($0) } ?? 20_261_206
        let count = 3_000 * (environment["COLLAB_LONG"] == "1" ? 20 : 1)
        var mutator = Mutator(rng: SeededRandomNumberGenerator(seed: seed))
        var decoded = 0
        var valid = 0
        var findings: [String] = []
        var slowest: (Duration, String) = (.zero, "")
        let clock = ContinuousClock()
        for n in 0..<count {
            let point = entryPoints[n % entryPoints.count]
            let sample = mutator.pick(samples[point.name] ?? [[]])
            let input = mutator.input(from: sample)
            let started = clock.now
            do {
                switch try point.check(Data(input)) {
                case .refused: break
                case .invalid: decoded += 1
                case .valid:
                    decoded += 1
                    valid += 1
                }
            } catch {
                findings.append("\(point.name), input #\(n) (seed \(seed)): \(error)\n  \(String(decoding: input.prefix(400), as: UTF8.self))")
            }
            let took = clock.now - started
            if took > slowest.0 { slowest = (took, point.name) }
        }
        print(
            "decoding: \(count) inputs over \(entryPoints.count) entry points, \(decoded) decoded, \(valid) valid and round-tripped, \(findings.count) crashes, seed \(seed) (slowest \(slowest.1) \(slowest.0))"
        )
        #expect(findings.isEmpty, "\(findings.prefix(5).joined(separator: "\n"))")
        #expect(slowest.0 < .seconds(10), "the slowest input (\(slowest.1)) took \(slowest.0)")
        #expect(decoded > count / 10 && valid > count / 50, "too few inputs decode (\(decoded)) or validate (\(valid))")
    }

    @Test("the fuzz corpus and every recorded fail case pass the same checks")
    func corpusAndFailCases() throws {
        let files = try ["Corpus", "FailCases"].flatMap { folder -> [URL] in
            let root = Self.fuzzFolder.appendingPathComponent(folder)
            let enumerator = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
            return enumerator.compactMap { $0 as? URL }.filter {
                !$0.hasDirectoryPath && $0.pathExtension != "md" && !$0.lastPathComponent.hasPrefix(".")
            }
        }.sorted { $0.path < $1.path }
        #expect(files.count >= 15, "found only \(files.count) corpus files under \(Self.fuzzFolder.path)")
        var decoded = 0
        var failures = 0
        for file in files {
            let data = try Data(contentsOf: file)
            var outcomes: [Outcome] = []
            for point in entryPoints {
                do {
                    outcomes.append(try point.check(data))
                } catch {
                    failures += 1
                    Issue.record("\(file.lastPathComponent) as \(point.name): \(error)")
                }
            }
            if outcomes.contains(where: { $0 != .refused }) { decoded += 1 }
            if file.path.contains("/Corpus/") {
                #expect(outcomes.contains { $0 != .refused }, "the seed \(file.lastPathComponent) decodes as no entry point")
            }
        }
        print("decoding corpus: \(files.count) files over \(entryPoints.count) entry points, \(decoded) decoded, \(failures) crashes")
    }
}
