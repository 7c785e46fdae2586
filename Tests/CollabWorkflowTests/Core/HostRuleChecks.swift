import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// One write of a desk for the host-rule tests: the desk's key-test case, the ``RecordAction`` the access
/// control decides it by, and another action of the desk it does not need.
struct HostRuleCase: Sendable, CustomTestStringConvertible {
    /// The write, as the desk's key tests list it (its preparation and its run).
    let write: ScenarioKeyCase
    /// The action that decides the write.
    let action: RecordAction
    /// An action the write (and its preparation) does not need.
    let unrelated: RecordAction

    init(_ write: ScenarioKeyCase, _ action: RecordAction, unrelated: RecordAction) {
        self.write = write
        self.action = action
        self.unrelated = unrelated
    }

    var testDescription: String { "\(write.testDescription) (\(action))" }
}

/// The checks every write of a desk passes against a host rule (issue 16, (d)): a host
/// ``AccessRuleExtension`` that denies exactly the write's action, given to the engine through
/// `Configuration.accessControl`, refuses it with `forbidden` — the rule sets allow it, so the record is
/// visible and the refusal says so — and every row of every table is unchanged; with a host rule that denies
/// another action, the same write passes.
enum HostRuleChecks {
    /// A host rule that denies one action and abstains on every other.
    struct Refuse: AccessRuleExtension {
        let name = "host-refuses-one-action"
        let action: RecordAction
        func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
            request.recordAction == action ? .deny("the host refuses \(action)") : .abstain
        }
    }

    /// A workplace whose engine has a host rule denying `action`.
    static func workplace(refusing action: RecordAction) async throws -> Workplace {
        var configuration = WorkflowEngine.Configuration()
        configuration.accessControl = AccessControl(rules: [Refuse(action: action)])
        return try await Workplace(storage: .underTest, configuration: configuration)
    }

    static func refusedByHostRule(_ test: HostRuleCase) async throws {
        let w = try await workplace(refusing: test.action)
        let ids = try await test.write.prepare(w)
        let before = try await w.h.tableSnapshot()
        for key in [nil, "host-rule-1"] as [String?] {
            let error = await expectFailure(.forbidden, "\(test.testDescription), key \(key ?? "none")") {
                _ = try await test.write.write(w, ids, key, 0)
            }
            #expect(error?.message.contains("host-refuses-one-action") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("\(test.action)") == true, "\(error?.message ?? "")")
        }
        let after = try await w.h.tableSnapshot()
        #expect(after.differences(from: before).isEmpty, "\(after.differences(from: before))")
    }

    static func passesWhenAnotherActionIsRefused(_ test: HostRuleCase) async throws {
        #expect(test.unrelated != test.action)
        let w = try await workplace(refusing: test.unrelated)
        let ids = try await test.write.prepare(w)
        let before = try await w.h.tableSnapshot()
        _ = try await test.write.write(w, ids, "host-rule-1", 0)
        #expect(try await w.h.tableSnapshot() != before, "the write wrote nothing")
    }
}
