/// Work items and their activity, the commit of a ``ChangeSet``, item audit trails and item timers.
///
/// Kept for compatibility: new code takes the narrower ``ChangeStore``, ``WorkItemReads``, ``AuditStore``
/// or ``ItemTimerReads``.
public typealias WorkItemStore = ChangeStore & WorkItemReads & AuditStore & ItemTimerReads
