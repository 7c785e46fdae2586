import CollabModel
import CollabPermissions

extension WorkflowEngine {
    /// The error for a denied `action` on `target`: `ruleSetError` (the desk's own message) when the rule sets
    /// refuse it, and — when they allow it but a host ``AccessRuleExtension`` refuses it — a `forbidden` error
    /// naming the action and the host rule with its reason. A `notFound` error is returned unchanged in both
    /// cases, so a record the subject may not see still reads exactly like one that does not exist.
    ///
    /// Meant for ``authorize(_:_:on:otherwise:)``'s autoclosure: the decision is computed again only on the
    /// refusal path.
    func refusal(_ subject: Subject, _ action: RecordAction, on target: AccessTarget, _ ruleSetError: CollabError)
        -> CollabError
    {
        guard ruleSetError.code == .forbidden else { return ruleSetError }
        let decision = configuration.accessControl.decide(subject, action, on: target)
        guard decision.denial == .deniedByExtension else { return ruleSetError }
        return CollabError(.forbidden, "member '\(subject.memberID)' may not \(action): \(decision)")
    }
}
