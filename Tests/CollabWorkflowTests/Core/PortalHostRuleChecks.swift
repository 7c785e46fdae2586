import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

// The host-rule check every write of the partner, order, customer and ticket desks passes (issue 16, (d)): a
// host `AccessRuleExtension` given to the engine through `Configuration.accessControl` refuses the write's
// `RecordAction` with every table unchanged, and lets the same write pass when it denies another action.

/// A host rule whose denied action the test switches: none while the test builds its world, then one action.
struct SwitchedHostRule: AccessRuleExtension {
    let name = "test-denies-one-action"
    private let denied = Locked<RecordAction?>(nil)

    /// From now on, denies `action` (and nothing else).
    func deny(_ action: RecordAction) { denied.withLock { $0 = action } }

    func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
        denied.withLock { $0 } == request.recordAction ? .deny("the test denies \(request.recordAction)") : .abstain
    }
}

/// One write of a desk, prepared on a fresh workplace whose engine has `rule` among its host rules.
struct PortalHostRuleSetup {
    let h: TestHarness
    /// Runs the write.
    let write: () async throws -> Void
}

/// A write of a desk and the action the access control decides for it, named for the test report.
struct PortalHostRuleWrite: Sendable, CustomTestStringConvertible {
    let name: String
    /// The action the write asks the access control for (the one the host rule denies).
    let action: RecordAction
    /// What the refusal reads as: `forbidden` for every write of these desks (their actions are not
    /// visibility, so the rule sets answer a denial as forbidden once the record is visible).
    let refusal: CollabError.Code
    let prepare: @Sendable (SwitchedHostRule) async throws -> PortalHostRuleSetup

    var testDescription: String { "\(name) (\(action))" }

    init(
        _ name: String, _ action: RecordAction, refusal: CollabError.Code = .forbidden,
        prepare: @escaping @Sendable (SwitchedHostRule) async throws -> PortalHostRuleSetup
    ) {
        self.name = name
        self.action = action
        self.refusal = refusal
        self.prepare = prepare
    }

    /// Another action of the same kind a host rule may refuse: denying it leaves this write alone.
    var otherAction: RecordAction {
        RecordAction.all.first { $0.kind == action.kind && $0 != action && !$0.isVisibility } ?? .exportReport
    }
}

/// (d) A host rule denying the write's action refuses it with every table unchanged; one denying another
/// action lets it pass (it writes).
func expectHostRuleRefuses(_ write: PortalHostRuleWrite, sourceLocation: SourceLocation = #_sourceLocation)
    async throws
{
    let rule = SwitchedHostRule()
    let s = try await write.prepare(rule)
    rule.deny(write.action)
    let before = try await s.h.tableSnapshot()
    let error = await expectFailure(write.refusal, "\(write.name) with \(write.action) denied by the host",
        sourceLocation: sourceLocation) { try await s.write() }
    #expect(error?.message.contains("test-denies-one-action") == false,
        "the refusal reads as the desk's own, not the host rule's reason", sourceLocation: sourceLocation)
    #expect(try await s.h.tableSnapshot() == before, "a refused write changes nothing",
        sourceLocation: sourceLocation)

    let otherRule = SwitchedHostRule()
    let passing = try await write.prepare(otherRule)
    otherRule.deny(write.otherAction)
    let unchanged = try await passing.h.tableSnapshot()
    try await passing.write()
    #expect(try await passing.h.tableSnapshot() != unchanged,
        "\(write.name) passes while the host rule denies \(write.otherAction)", sourceLocation: sourceLocation)
}
