/// Everything Collab stores: the composition of the small storage protocols.
///
/// ``SQLiteStore`` is the default implementation; a host can implement its own (see the article
/// "Implementing a storage backend"). The engine, the dispatcher and the runner take `any CollabStorage`;
/// a component that needs less takes the narrow protocol it uses:
///
/// - ``ChangeStore``: the one write of a command (the engine's command core).
/// - ``DirectoryStore``: organizations, departments, members, calendars (every desk, authorization).
/// - ``WorkItemReads``: work items and their activity, per desk (item desk, to-do, timers, reports).
/// - ``AuditStore``: the audit trails of items and records (history views).
/// - ``InboxStore``: members' inboxes (the inbox desk).
/// - ``OutboxStore``: delivery to the host's hooks (the notification dispatcher, operators).
/// - ``AnnouncementStore``, ``MeetingStore``, ``IncidentStore``: the scenario desks.
/// - ``PartnerStore``, ``CustomerStore``: the partner, order, customer and ticket desks.
/// - ``ReportStore``: aggregates (CollabReports).
/// - ``SettingsStore``: organizations' run-time settings (the settings cache and desk).
/// - ``RetentionStore``: bounded deletion of expired rows (the runner).
/// - ``TimerStore``: the durable timers of every record, claimed and fired (the timer desk, the runner).
/// - ``DocumentRecordStore``: documents as records (the document desk, orphan collection, retention).
/// - ``ApprovalStore``: approval flows and requests (the approval desk, timers, reports).
public protocol CollabStorage: ChangeStore, DirectoryStore, WorkItemReads, AuditStore, InboxStore, OutboxStore,
    AnnouncementStore, MeetingStore, IncidentStore, PartnerStore, CustomerStore, ReportStore, RetentionStore,
    SettingsStore, TimerStore, DocumentRecordStore, SearchStore, ApprovalStore {}
