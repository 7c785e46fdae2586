/// Work items and their activity, the commit of a ``ChangeSet``, audit trails and timers.
///
/// Kept for compatibility: new code takes the narrower ``ChangeStore``, ``WorkItemReads``, ``AuditStore``
/// or ``TimerStore``.
public typealias WorkItemStore = ChangeStore & WorkItemReads & AuditStore & TimerStore
