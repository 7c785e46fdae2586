/// Members' inboxes, and the outbox that delivers the same notifications to the host's hooks.
///
/// Kept for compatibility: new code takes the narrower ``InboxStore`` or ``OutboxStore``.
public typealias MessageStore = InboxStore & OutboxStore
