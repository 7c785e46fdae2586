import CollabModel
import CollabPermissions
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Issue 16: one write pipeline and one authorization seam, checked on the package's own sources and through
/// the public API.
@Suite struct WritePipelineTests {
    /// The package's root, from this file's path (Tests/CollabWorkflowTests/Core/).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Every `.swift` file under `Sources/` with its text, relative path first.
    static func sources() throws -> [(path: String, text: String)] {
        let sources = root.appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        var files: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            files.append((String(url.path.dropFirst(root.path.count + 1)), try String(contentsOf: url, encoding: .utf8)))
        }
        return files
    }

    @Test("the store's commit is called in one place outside the store: the command runner")
    func oneCallOfCommit() throws {
        var sites: [String] = []
        // The store conformance suite (CollabTesting/Conformance) tests the storage seam itself, so it commits
        // change sets directly; it is no write path of the engine.
        for (path, text) in try Self.sources()
        where !path.hasPrefix("Sources/CollabStore/") && !path.hasPrefix("Sources/CollabTesting/Conformance/") {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("store.commit(") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                sites.append("\(path):\(number + 1)")
            }
        }
        #expect(sites.count == 1, "call sites of store.commit: \(sites)")
        #expect(sites.allSatisfy { $0.hasPrefix("Sources/CollabWorkflow/Core/CommandRunner.swift:") },
            "store.commit outside the runner: \(sites)")
    }

    @Test("no desk decides a right by calling a rule set directly: every decision goes through AccessControl")
    func oneAuthorizationSeam() throws {
        var sites: [String] = []
        for (path, text) in try Self.sources() where path.hasPrefix("Sources/CollabWorkflow/") {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where (line.contains("ScenarioRules.") || line.contains("ExternalRules."))
                && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//")
            {
                sites.append("\(path):\(number + 1)")
            }
        }
        #expect(sites == [], "direct rule-set calls in the engine: \(sites)")
    }

    @Test("explain answers for any record a member may see, through the host's rules, and not_found otherwise")
    func explainEveryRecord() async throws {
        struct NoTriggers: AccessRuleExtension {
            let name = "crisis-team-only"
            func evaluate(_ request: AccessRequest) -> ExtensionVerdict {
                request.recordAction == .triggerPlan ? .deny("only the crisis team triggers plans") : .abstain
            }
        }
        var configuration = WorkflowEngine.Configuration()
        configuration.accessControl = AccessControl(rules: [NoTriggers()])
        let w = try await Workplace(storage: .underTest, configuration: configuration)
        let plan = try await w.engine.incidents.savePlan(EmergencyPlanDraft(
            name: "Crash on start", severity: .major,
            departments: [
                EmergencyPlan.DepartmentResponse("eng-mobile", roles: [.departmentHeads, .departmentMembers],
                    checklist: [EmergencyPlan.ChecklistTask("Roll back the release", dueAfter: .seconds(4 * 3600))]),
            ],
            alert: EmergencyPlan.Message(title: "{severity}: {plan}", body: "{incident} — {department} responds.")),
            by: Workplace.admin)
        let allowed = try await w.engine.explain(.viewPlan, on: .emergencyPlan(plan.id), for: Workplace.admin)
        #expect(allowed.isAllowed)
        let refused = try await w.engine.explain(.triggerPlan, on: .emergencyPlan(plan.id), for: Workplace.admin)
        #expect(!refused.isAllowed)
        #expect(refused.extensionName == "crisis-team-only")
        // Another organization's member, and an unknown id, read the same: not found.
        let stranger = await expectFailure(.notFound) {
            _ = try await w.engine.explain(.viewPlan, on: .emergencyPlan(plan.id), for: Workplace.stranger)
        }
        let unknown = await expectFailure(.notFound) {
            _ = try await w.engine.explain(.viewPlan, on: .emergencyPlan("no-such-plan"), for: Workplace.stranger)
        }
        #expect(stranger?.message.replacingOccurrences(of: plan.id.rawValue, with: "ID")
            == unknown?.message.replacingOccurrences(of: "no-such-plan", with: "ID"))
    }
}
