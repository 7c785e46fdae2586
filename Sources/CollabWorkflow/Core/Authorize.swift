import CollabModel
import CollabPermissions

extension WorkflowEngine {
    /// Decides `action` on `target` for `subject` through the engine's one ``AccessControl`` (its rule sets and
    /// the host's rules) and throws `error` when it is denied: the one way a desk decides a right.
    func authorize(
        _ subject: Subject, _ action: RecordAction, on target: AccessTarget, otherwise error: @autoclosure () -> CollabError
    ) throws(CollabError) {
        let decision = configuration.accessControl.decide(subject, action, on: target)
        guard decision.isAllowed else {
            logger.debug("access denied", metadata: ["action": "\(action)", "decision": "\(decision)"])
            throw error()
        }
    }

    /// Whether `subject` may perform `action` on `target` (the engine's one ``AccessControl``).
    func isAllowed(_ subject: Subject, _ action: RecordAction, on target: AccessTarget) -> Bool {
        configuration.accessControl.isAllowed(subject, action, on: target)
    }
}
