import Foundation

/// An approval flow (审批流程): the form a request fills in, the steps it goes through and the policies for
/// the edge cases — a definition as data.
///
/// Flows are versioned like ``EmergencyPlan``s: saving an ``ApprovalFlowDraft`` creates the next version,
/// every version is kept, and a running request (``ApprovalRun``) stays on the version it started on.
/// A flow is checked whenever it is made or loaded (``validate(limits:)``): one that could not finish is
/// refused with problems naming the step (`steps[finance].mode`).
public struct ApprovalFlow: Identifiable, Hashable, Sendable, Codable {
    /// A flow's identifier (the same across its versions).
    public typealias ID = Identifier<ApprovalFlow>

    /// The identifier.
    public var id: ID
    /// The organization.
    public var organizationID: Organization.ID
    /// The version: 1 for the first save, one more for each save after.
    public var version: Int
    /// The name ("采购申请").
    public var name: String
    /// The form's fields.
    public var fields: [ApprovalField]
    /// The steps; a request starts at the first.
    public var steps: [ApprovalStep]
    /// The edge-case policies.
    public var policies: ApprovalPolicies
    /// Who saved this version.
    public var savedBy: Member.ID
    /// When this version was saved.
    public var savedAt: Date

    /// Creates a flow version from a draft, refusing one that fails ``validate(limits:)``.
    public init(
        id: ID, organizationID: Organization.ID, version: Int, draft: ApprovalFlowDraft, savedBy: Member.ID,
        savedAt: Date, limits: ValidationLimits = .default
    ) throws(CollabError) {
        self.id = id
        self.organizationID = organizationID
        self.version = version
        self.name = draft.name
        self.fields = draft.fields
        self.steps = draft.steps
        self.policies = draft.policies
        self.savedBy = savedBy
        self.savedAt = savedAt
        try validate(limits: limits).throwIfInvalid()
    }

    /// The flow's definition, to edit into the next version.
    public var draft: ApprovalFlowDraft {
        ApprovalFlowDraft(name: name, fields: fields, steps: steps, policies: policies)
    }

    /// Decodes a stored flow version and checks it: a version that does not decode or fails
    /// ``validate(limits:)`` is refused with ``CollabError/Code/invalidInput``.
    public static func load(json: Data, limits: ValidationLimits = .default) throws(CollabError) -> ApprovalFlow {
        let flow: ApprovalFlow
        do {
            flow = try JSONDecoder().decode(ApprovalFlow.self, from: json)
        } catch {
            throw CollabError.invalid([ValidationProblem(
                field: ApprovalFlowDraft.codingPath(of: error), kind: .malformed,
                message: "is not an approval flow: \(ApprovalFlowDraft.reason(of: error))")])
        }
        try flow.validate(limits: limits).throwIfInvalid()
        return flow
    }

    /// Every problem of the definition (see ``ApprovalFlowDraft/validate(limits:)``), and a version below 1.
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(id.rawValue, field: "id", maxLength: limits.identifierLength)
        if version < 1 { report.add("version", .outOfRange, "\(version) is not 1 or more") }
        report.merge(draft.validate(limits: limits))
        return report
    }

    /// The step with `key`, if the flow has it.
    public func step(_ key: String) -> ApprovalStep? { steps.first { $0.key == key } }

    /// The timeout that applies to a step: its own, else the policies'.
    public func timeout(of step: ApprovalStep) -> ApprovalTimeout? { step.timeout ?? policies.timeout }

    /// Where a request goes after `stepKey` approved: the target of its first route whose condition holds
    /// (the following step when it has no route). Does not skip; see ``nextStep(after:values:)``.
    public func route(after stepKey: String, values: ApprovalFormValues) throws(CollabError) -> ApprovalRoute.Target {
        guard let index = steps.firstIndex(where: { $0.key == stepKey }) else {
            throw CollabError.notFound("approval step", stepKey)
        }
        let step = steps[index]
        if step.next.isEmpty { return index + 1 < steps.count ? .step(steps[index + 1].key) : .finish }
        for route in step.next where route.when?.matches(values) ?? true { return route.to }
        // Validation makes the last route unconditional; a definition loaded without it finishes here.
        return .finish
    }

    /// The first step a request with `values` waits on: the flow's first step, or the first one reached
    /// from it by passing through the steps whose ``ApprovalStep/skipWhen`` holds; ``ApprovalRoute/Target/finish``
    /// when every step on the way is skipped.
    public func firstStep(values: ApprovalFormValues) throws(CollabError) -> ApprovalRoute.Target {
        guard let first = steps.first else { return .finish }
        return try passingSkipped(from: .step(first.key), values: values)
    }

    /// The step a request waits on after `stepKey` approved: its route's target, passing through skipped steps.
    public func nextStep(after stepKey: String, values: ApprovalFormValues) throws(CollabError) -> ApprovalRoute.Target {
        try passingSkipped(from: route(after: stepKey, values: values), values: values)
    }

    private func passingSkipped(from target: ApprovalRoute.Target, values: ApprovalFormValues) throws(CollabError)
        -> ApprovalRoute.Target
    {
        var target = target
        // Routes only go forward, so this visits each step at most once; the bound guards an unchecked flow.
        for _ in 0...steps.count {
            guard case .step(let key) = target else { return target }
            guard let step = step(key) else { throw CollabError.notFound("approval step", key) }
            guard step.skipWhen?.matches(values) ?? false else { return target }
            target = try route(after: key, values: values)
        }
        throw CollabError(.invalidInput, "the routes of approval flow '\(id)' go round in a circle")
    }
}

/// What an administrator saves as an approval flow's next version.
public struct ApprovalFlowDraft: Hashable, Sendable, Codable {
    /// The name.
    public var name: String
    /// The form's fields.
    public var fields: [ApprovalField]
    /// The steps.
    public var steps: [ApprovalStep]
    /// The edge-case policies (the defaults unless given).
    public var policies: ApprovalPolicies

    /// Creates a draft.
    public init(name: String, fields: [ApprovalField] = [], steps: [ApprovalStep], policies: ApprovalPolicies = .default) {
        self.name = name
        self.fields = fields
        self.steps = steps
        self.policies = policies
    }

    private enum CodingKeys: String, CodingKey { case name, fields, steps, policies }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try container.decode(String.self, forKey: .name)
        self.fields = try container.decodeIfPresent([ApprovalField].self, forKey: .fields) ?? []
        self.steps = try container.decode([ApprovalStep].self, forKey: .steps)
        self.policies = try container.decodeIfPresent(ApprovalPolicies.self, forKey: .policies) ?? .default
    }

    /// The draft, if ``validate(limits:)`` finds no problem.
    public func validated(limits: ValidationLimits = .default) throws(CollabError) -> ApprovalFlowDraft {
        try validate(limits: limits).throwIfInvalid()
        return self
    }

    /// Every problem that would keep the flow from running or finishing, named by step
    /// (`steps[finance].next[0].to`) or field (`fields[amount].options`):
    ///
    /// - the name and every label, name and text within the limits; field and step keys well formed and unique;
    /// - a choice field with options (distinct), any other without;
    /// - at least one step; each with at least one approver source; `levels` of at least 1; named members
    ///   and group names well formed;
    /// - a quorum count from 1 to the number of distinct named members when the step names members only
    ///   (other sources are counted when the step starts); a share above 0 and at most 1;
    /// - `sequential` order not with `any` mode;
    /// - routes to steps of the flow, later than their own (routes go forward; going back is a send-back),
    ///   the last route of a step without condition; every step reachable from the first;
    /// - conditions on fields of the form, with values of the field's kind (and a choice among its options),
    ///   ordering comparisons on number and date fields only;
    /// - timeouts positive and at most ten years.
    ///
    /// Because routes go forward and every step has a default route, every request reaches
    /// ``ApprovalRoute/Target/finish`` or a rejection: no step can be stuck in a cycle.
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(name, field: "name", maxLength: limits.titleLength)

        // Fields.
        var fieldsByKey: [String: ApprovalField] = [:]
        if fields.count > limits.memberListLength {
            report.add("fields", .tooLong, "has \(fields.count) fields, at most \(limits.memberListLength)")
        }
        for (index, field) in fields.enumerated() {
            let wellFormed = Self.isKey(field.key, limits: limits)
            let path = wellFormed && fieldsByKey[field.key] == nil ? "fields[\(field.key)]" : "fields[\(index)]"
            if !wellFormed {
                report.add("\(path).key", field.key.isEmpty ? .empty : .malformed,
                    "'\(field.key.clipped())' is not a key: a letter, then letters, digits, '_' or '-'")
            } else if fieldsByKey[field.key] != nil {
                report.add("\(path).key", .duplicate, "the field key '\(field.key)' is used twice")
            } else {
                fieldsByKey[field.key] = field
            }
            report.checkText(field.label, field: "\(path).label", maxLength: limits.nameLength)
            if field.kind == .choice {
                if field.options.isEmpty { report.add("\(path).options", .empty, "a choice field needs options") }
                var seen = Set<String>()
                for (optionIndex, option) in field.options.enumerated() {
                    report.checkText(option, field: "\(path).options[\(optionIndex)]", maxLength: limits.nameLength)
                    if !seen.insert(option).inserted {
                        report.add("\(path).options[\(optionIndex)]", .duplicate, "the option '\(option.clipped())' is listed twice")
                    }
                }
            } else if !field.options.isEmpty {
                report.add("\(path).options", .malformed, "only a choice field has options, '\(field.key.clipped())' is a \(field.kind.rawValue) field")
            }
        }

        // Step keys.
        if steps.isEmpty { report.add("steps", .empty, "a flow needs at least one step") }
        if steps.count > limits.memberListLength {
            report.add("steps", .tooLong, "has \(steps.count) steps, at most \(limits.memberListLength)")
        }
        var indexByKey: [String: Int] = [:]
        var paths: [String] = []
        for (index, step) in steps.enumerated() {
            let wellFormed = Self.isKey(step.key, limits: limits)
            let unique = indexByKey[step.key] == nil
            paths.append(wellFormed && unique ? "steps[\(step.key)]" : "steps[\(index)]")
            if !wellFormed {
                report.add("\(paths[index]).key", step.key.isEmpty ? .empty : .malformed,
                    "'\(step.key.clipped())' is not a key: a letter, then letters, digits, '_' or '-'")
            } else if !unique {
                report.add("\(paths[index]).key", .duplicate, "the step key '\(step.key)' is used twice")
            } else {
                indexByKey[step.key] = index
            }
        }

        // Each step.
        for (index, step) in steps.enumerated() {
            let path = paths[index]
            report.checkText(step.name, field: "\(path).name", maxLength: limits.nameLength)
            if step.approvers.isEmpty { report.add("\(path).approvers", .empty, "the step names no approver") }
            checkSources(step.approvers, path: "\(path).approvers", limits: limits, into: &report)
            checkSources(step.cc, path: "\(path).cc", limits: limits, into: &report)
            switch step.mode {
            case .all: break
            case .any:
                if step.order == .sequential {
                    report.add("\(path).order", .malformed,
                        "sequential order with 'any' mode lets only the first approver decide; use parallel order, or 'all'")
                }
            case .quorum(.count(let count)):
                if count < 1 {
                    report.add("\(path).mode", .outOfRange, "a quorum of \(count) is not 1 or more")
                } else if let known = Self.staticApproverCount(step.approvers), count > known {
                    report.add("\(path).mode", .outOfRange,
                        "a quorum of \(count) can never be reached by the step's \(known) named approver\(known == 1 ? "" : "s")")
                }
            case .quorum(.share(let numerator, let denominator)):
                if denominator < 1 || numerator < 1 || numerator > denominator || denominator > 1_000 {
                    report.add("\(path).mode", .outOfRange,
                        "a share of \(numerator)/\(denominator) is not above 0 and at most 1 (with a denominator up to 1000)")
                }
            }
            if let condition = step.skipWhen {
                condition.check(fields: fieldsByKey, path: "\(path).skipWhen", into: &report)
            }
            for (routeIndex, route) in step.next.enumerated() {
                let routePath = "\(path).next[\(routeIndex)]"
                if let condition = route.when {
                    condition.check(fields: fieldsByKey, path: "\(routePath).when", into: &report)
                    if routeIndex == step.next.count - 1 {
                        report.add("\(routePath).when", .missing,
                            "the last route of step '\(step.key.clipped())' has a condition: add a route without one, taken when no other applies")
                    }
                }
                if case .step(let target) = route.to {
                    if let targetIndex = indexByKey[target] {
                        if targetIndex <= index {
                            report.add("\(routePath).to", .unknownStep,
                                "goes back to step '\(target)': routes only go forward; going back is a send-back")
                        }
                    } else {
                        report.add("\(routePath).to", .unknownStep, "the flow has no step '\(target.clipped())'")
                    }
                }
            }
            if let timeout = step.timeout { report.checkDelay(timeout.after, field: "\(path).timeout.after") }
        }
        if let timeout = policies.timeout { report.checkDelay(timeout.after, field: "policies.timeout.after") }

        // Reachability from the first step, taking every route (any condition may hold).
        if !steps.isEmpty {
            var reached = Set([0])
            var pending = [0]
            while let index = pending.popLast() {
                let step = steps[index]
                var targets: [Int] = []
                if step.next.isEmpty {
                    if index + 1 < steps.count { targets.append(index + 1) }
                } else {
                    for route in step.next {
                        if case .step(let key) = route.to, let target = indexByKey[key], target > index { targets.append(target) }
                    }
                }
                for target in targets where reached.insert(target).inserted { pending.append(target) }
            }
            for index in steps.indices where !reached.contains(index) {
                report.add(paths[index], .unreachable,
                    "no route from the first step leads to step '\(steps[index].key.clipped())'")
            }
        }
        return report
    }

    private func checkSources(_ sources: [ApproverSource], path: String, limits: ValidationLimits,
        into report: inout ValidationReport)
    {
        if sources.count > limits.memberListLength {
            report.add(path, .tooLong, "has \(sources.count) sources, at most \(limits.memberListLength)")
        }
        for (index, source) in sources.enumerated() {
            let sourcePath = "\(path)[\(index)]"
            switch source {
            case .members(let ids):
                if ids.isEmpty { report.add(sourcePath, .empty, "names no member") }
                if ids.count > limits.memberListLength {
                    report.add(sourcePath, .tooLong, "names \(ids.count) members, at most \(limits.memberListLength)")
                }
                for (idIndex, id) in ids.enumerated() {
                    report.checkText(id.rawValue, field: "\(sourcePath).ids[\(idIndex)]", maxLength: limits.identifierLength)
                }
            case .role(_, let department), .departmentHeads(let department):
                report.checkText(department.rawValue, field: "\(sourcePath).department", maxLength: limits.identifierLength)
            case .applicantHeads(let levels):
                if levels < 1 || levels > 32 {
                    report.add("\(sourcePath).levels", .outOfRange, "\(levels) levels is not from 1 to 32")
                }
            case .group(let name):
                report.checkText(name, field: "\(sourcePath).name", maxLength: limits.nameLength)
            case .decider:
                break
            }
        }
    }

    /// The number of distinct approvers when every source names members; `nil` when a source resolves later.
    static func staticApproverCount(_ sources: [ApproverSource]) -> Int? {
        var ids = Set<Member.ID>()
        for source in sources {
            guard case .members(let named) = source else { return nil }
            ids.formUnion(named)
        }
        return ids.count
    }

    /// Whether `key` is a letter, then letters, digits, `_` or `-`, within the identifier limit.
    static func isKey(_ key: String, limits: ValidationLimits) -> Bool {
        guard let first = key.unicodeScalars.first, first.properties.isAlphabetic,
            key.count <= limits.identifierLength
        else { return false }
        return key.unicodeScalars.allSatisfy {
            $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }

    static func codingPath(of error: any Error) -> String {
        let path: [any CodingKey]
        switch error as? DecodingError {
        case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            path = context.codingPath
        default: return "json"
        }
        if path.isEmpty { return "json" }
        return path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    static func reason(of error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context): context.debugDescription
        case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): context.debugDescription
        default: "not JSON"
        }
    }
}
