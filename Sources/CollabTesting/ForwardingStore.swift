import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// A store that forwards every requirement of `CollabStorage` to another store: subclass it and override
/// the requirements you want to observe or break, in your own tests.
///
/// ```swift
/// /// Commits that lose their audit events: a check that audits every write must catch it.
/// final class AuditDropping: ForwardingStore, @unchecked Sendable {
///     override func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
///         var change = change
///         change.auditEvents = []
///         return try await base.commit(change)
///     }
/// }
/// let store = AuditDropping(try SQLiteStore(path: path))
/// ```
///
/// Collab's own conformance mutants and its SQLite-to-PostgreSQL differential store are built this way.
/// A subclass that adds mutable state keeps it behind a lock (it stays `Sendable`).
open class ForwardingStore: CollabStorage, @unchecked Sendable {
    /// The store every requirement is forwarded to.
    public let base: any CollabStorage

    /// A store forwarding every requirement to `base`.
    public init(_ base: any CollabStorage) {
        self.base = base
    }

    // DirectoryStore
    open func save(_ organization: Organization) async throws(CollabError) {
        try await base.save(organization)
    }
    // DirectoryStore
    open func save(_ department: Department) async throws(CollabError) {
        try await base.save(department)
    }
    // DirectoryStore
    open func save(_ member: Member) async throws(CollabError) {
        try await base.save(member)
    }
    // DirectoryStore
    open func organization(_ id: Organization.ID) async throws(CollabError) -> Organization? {
        try await base.organization(id)
    }
    // DirectoryStore
    open func organizations() async throws(CollabError) -> [Organization] {
        try await base.organizations()
    }
    // DirectoryStore
    open func department(_ id: Department.ID) async throws(CollabError) -> Department? {
        try await base.department(id)
    }
    // DirectoryStore
    open func departments(_ ids: Set<Department.ID>) async throws(CollabError) -> [Department] {
        try await base.departments(ids)
    }
    // DirectoryStore
    open func departments(in organizationID: Organization.ID) async throws(CollabError) -> [Department] {
        try await base.departments(in: organizationID)
    }
    // DirectoryStore
    open func member(_ id: Member.ID) async throws(CollabError) -> Member? {
        try await base.member(id)
    }
    // DirectoryStore
    open func members(_ ids: Set<Member.ID>) async throws(CollabError) -> [Member] {
        try await base.members(ids)
    }
    // DirectoryStore
    open func members(handles: Set<String>, in organizationID: Organization.ID) async throws(CollabError) -> [Member] {
        try await base.members(handles: handles, in: organizationID)
    }
    // DirectoryStore
    open func members(in organizationID: Organization.ID) async throws(CollabError) -> [Member] {
        try await base.members(in: organizationID)
    }
    // DirectoryStore
    open func save(_ calendar: BusinessCalendar, for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError) {
        try await base.save(calendar, for: organizationID, department: department)
    }
    // DirectoryStore
    open func calendar(for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError) -> BusinessCalendar? {
        try await base.calendar(for: organizationID, department: department)
    }
    // DirectoryStore
    open func heads(of departmentIDs: Set<Department.ID>) async throws(CollabError) -> [Member.ID] {
        try await base.heads(of: departmentIDs)
    }
    // DirectoryStore
    open func directoryRevision() async throws(CollabError) -> Int64 {
        try await base.directoryRevision()
    }
    // DirectoryStore
    open func subject(for memberID: Member.ID) async throws(CollabError) -> Subject? {
        try await base.subject(for: memberID)
    }
    // ExternalStore
    open func partnership(of organizationID: Organization.ID, with partnerID: Organization.ID) async throws(CollabError) -> Partnership? {
        try await base.partnership(of: organizationID, with: partnerID)
    }
    // ExternalStore
    open func partnerships(of organizationID: Organization.ID, asPartner: Bool) async throws(CollabError) -> [Partnership] {
        try await base.partnerships(of: organizationID, asPartner: asPartner)
    }
    // ExternalStore
    open func purchaseOrder(_ id: PurchaseOrder.ID) async throws(CollabError) -> PurchaseOrder? {
        try await base.purchaseOrder(id)
    }
    // ExternalStore
    open func purchaseOrder(number: String, in organizationID: Organization.ID) async throws(CollabError) -> PurchaseOrder? {
        try await base.purchaseOrder(number: number, in: organizationID)
    }
    // ExternalStore
    open func purchaseOrders(in organizationID: Organization.ID?, supplierID: Organization.ID?, page: PageRequest) async throws(CollabError) -> Page<PurchaseOrder> {
        try await base.purchaseOrders(in: organizationID, supplierID: supplierID, page: page)
    }
    // ExternalStore
    open func deliveryProposals(of orderID: PurchaseOrder.ID) async throws(CollabError) -> [DeliveryProposal] {
        try await base.deliveryProposals(of: orderID)
    }
    // ExternalStore
    open func customer(_ id: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await base.customer(id)
    }
    // ExternalStore
    open func customer(key: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await base.customer(key: key, in: organizationID)
    }
    // ExternalStore
    open func customer(contractID: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await base.customer(contractID: contractID, in: organizationID)
    }
    // ExternalStore
    open func customers(in organizationID: Organization.ID, page: PageRequest) async throws(CollabError) -> Page<CustomerRecord> {
        try await base.customers(in: organizationID, page: page)
    }
    // ExternalStore
    open func ticket(_ id: Ticket.ID) async throws(CollabError) -> Ticket? {
        try await base.ticket(id)
    }
    // ExternalStore
    open func tickets( in organizationID: Organization.ID?, customerID: Organization.ID?, handledBy departmentIDs: Set<Department.ID>?, page: PageRequest ) async throws(CollabError) -> Page<Ticket> {
        try await base.tickets(in: organizationID, customerID: customerID, handledBy: departmentIDs, page: page)
    }
    // ExternalStore
    open func ticketMessages(of ticketID: Ticket.ID) async throws(CollabError) -> [TicketMessage] {
        try await base.ticketMessages(of: ticketID)
    }
    // MessageStore
    open func inbox(for memberID: Member.ID, visibleIn scope: VisibilityScope, unreadOnly: Bool, page: PageRequest) async throws(CollabError) -> Page<Notice> {
        try await base.inbox(for: memberID, visibleIn: scope, unreadOnly: unreadOnly, page: page)
    }
    // MessageStore
    open func unreadCount(for memberID: Member.ID, visibleIn scope: VisibilityScope) async throws(CollabError) -> Int {
        try await base.unreadCount(for: memberID, visibleIn: scope)
    }
    // MessageStore
    open func unreadRecordNotices(for memberID: Member.ID) async throws(CollabError) -> [Notice] {
        try await base.unreadRecordNotices(for: memberID)
    }

    open func storedNotices(of memberID: Member.ID) async throws(CollabError) -> [Notice] {
        try await base.storedNotices(of: memberID)
    }
    // MessageStore
    open func unreadNoticeIDs(_ ids: [Notice.ID]?, of memberID: Member.ID) async throws(CollabError) -> [Notice.ID] {
        try await base.unreadNoticeIDs(ids, of: memberID)
    }
    // MessageStore
    open func markRead(_ ids: [Notice.ID], of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        try await base.markRead(ids, of: memberID, at: date)
    }
    // MessageStore
    open func markAllRead(of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        try await base.markAllRead(of: memberID, at: date)
    }
    // MessageStore
    open func claimDeliveries(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError) -> [OutboxEntry] {
        try await base.claimDeliveries(now: now, limit: limit, lease: lease, owner: owner)
    }
    // MessageStore
    open func renewLease(_ id: Notice.ID, _ lease: OutboxLease, for duration: Duration) async throws(CollabError) -> OutboxLease? {
        try await base.renewLease(id, lease, for: duration)
    }
    // MessageStore
    @discardableResult
    open func recordDelivery(_ outcome: DeliveryOutcome, lease: OutboxLease) async throws(CollabError) -> Bool {
        try await base.recordDelivery(outcome, lease: lease)
    }
    // MessageStore
    open func deliveryState(of id: Notice.ID) async throws(CollabError) -> NotificationDeliveryState? {
        try await base.deliveryState(of: id)
    }
    // MessageStore
    open func nextDeliveryDue() async throws(CollabError) -> Date? {
        try await base.nextDeliveryDue()
    }
    // MessageStore
    open func outboxCounts() async throws(CollabError) -> OutboxCounts {
        try await base.outboxCounts()
    }
    // MessageStore
    open func parkedDeliveries(limit: Int) async throws(CollabError) -> [OutboxEntry] {
        try await base.parkedDeliveries(limit: limit)
    }
    // MessageStore
    open func requeueParked(_ ids: [Notice.ID], now: Date) async throws(CollabError) -> Int {
        try await base.requeueParked(ids, now: now)
    }
    // ReportStore
    open func assignmentCounts(for memberID: Member.ID, createdIn: DateInterval?, now: Date) async throws(CollabError) -> WorkItemCounts {
        try await base.assignmentCounts(for: memberID, createdIn: createdIn, now: now)
    }
    // ReportStore
    open func workItemCounts(in scope: VisibilityScope, matching filter: WorkItemFilter, now: Date) async throws(CollabError) -> WorkItemCounts {
        try await base.workItemCounts(in: scope, matching: filter, now: now)
    }
    // ReportStore
    open func report(_ query: ReportQuery, in scope: VisibilityScope, now: Date) async throws(CollabError) -> [ReportRow] {
        try await base.report(query, in: scope, now: now)
    }
    // RetentionStore
    open func deleteExpired(_ kind: RetainedRecords, before cutoff: Date, now: Date, limit: Int) async throws(CollabError) -> RetentionBatch {
        try await base.deleteExpired(kind, before: cutoff, now: now, limit: limit)
    }
    // ScenarioStore
    open func announcement(_ id: Announcement.ID) async throws(CollabError) -> Announcement? {
        try await base.announcement(id)
    }
    // ScenarioStore
    open func announcements(receivedBy memberID: Member.ID, now: Date, includeExpired: Bool, page: PageRequest) async throws(CollabError) -> Page<Announcement> {
        try await base.announcements(receivedBy: memberID, now: now, includeExpired: includeExpired, page: page)
    }
    // ScenarioStore
    open func announcements(in organizationID: Organization.ID, authorID: Member.ID?, page: PageRequest) async throws(CollabError) -> Page<Announcement> {
        try await base.announcements(in: organizationID, authorID: authorID, page: page)
    }
    // ScenarioStore
    open func receipt(of announcementID: Announcement.ID, for memberID: Member.ID) async throws(CollabError) -> AnnouncementReceipt? {
        try await base.receipt(of: announcementID, for: memberID)
    }
    // ScenarioStore
    open func receipts(of announcementID: Announcement.ID) async throws(CollabError) -> [(receipt: AnnouncementReceipt, delivered: Bool)] {
        try await base.receipts(of: announcementID)
    }
    // ScenarioStore
    open func meeting(_ id: Meeting.ID) async throws(CollabError) -> Meeting? {
        try await base.meeting(id)
    }
    // ScenarioStore
    open func meetings(in organizationID: Organization.ID, involving memberID: Member.ID?, page: PageRequest) async throws(CollabError) -> Page<Meeting> {
        try await base.meetings(in: organizationID, involving: memberID, page: page)
    }
    // ApprovalStore
    open func approvalFlow(_ id: ApprovalFlow.ID, version: Int?) async throws(CollabError) -> ApprovalFlow? {
        try await base.approvalFlow(id, version: version)
    }
    // ApprovalStore
    open func approvalFlows(in organizationID: Organization.ID) async throws(CollabError) -> [ApprovalFlow] {
        try await base.approvalFlows(in: organizationID)
    }
    // ApprovalStore
    open func approvalFlowVersions(_ id: ApprovalFlow.ID) async throws(CollabError) -> [ApprovalFlow] {
        try await base.approvalFlowVersions(id)
    }
    // ApprovalStore
    open func approvalRequest(_ id: ApprovalRequest.ID) async throws(CollabError) -> ApprovalRequest? {
        try await base.approvalRequest(id)
    }
    // ApprovalStore
    open func approvalRequests(
        in organizationID: Organization.ID, matching filter: ApprovalRequestFilter, page: PageRequest
    ) async throws(CollabError) -> Page<ApprovalRequest> {
        try await base.approvalRequests(in: organizationID, matching: filter, page: page)
    }
    // ScenarioStore
    open func emergencyPlan(_ id: EmergencyPlan.ID, version: Int?) async throws(CollabError) -> EmergencyPlan? {
        try await base.emergencyPlan(id, version: version)
    }
    // ScenarioStore
    open func emergencyPlans(in organizationID: Organization.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await base.emergencyPlans(in: organizationID)
    }
    // ScenarioStore
    open func emergencyPlanVersions(_ id: EmergencyPlan.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await base.emergencyPlanVersions(id)
    }
    // ScenarioStore
    open func incident(_ id: Incident.ID) async throws(CollabError) -> Incident? {
        try await base.incident(id)
    }
    // ScenarioStore
    open func incident(triggerKey: String, in organizationID: Organization.ID) async throws(CollabError) -> Incident? {
        try await base.incident(triggerKey: triggerKey, in: organizationID)
    }
    // ScenarioStore
    open func incidents(in organizationID: Organization.ID, state: Incident.State?, page: PageRequest) async throws(CollabError) -> Page<Incident> {
        try await base.incidents(in: organizationID, state: state, page: page)
    }
    // ScenarioStore
    open func incidentUpdates(of incidentID: Incident.ID) async throws(CollabError) -> [IncidentUpdate] {
        try await base.incidentUpdates(of: incidentID)
    }
    // ScenarioStore
    open func resourceRequest(_ id: ResourceRequest.ID) async throws(CollabError) -> ResourceRequest? {
        try await base.resourceRequest(id)
    }
    // ScenarioStore
    open func resourceRequests(of incidentID: Incident.ID) async throws(CollabError) -> [ResourceRequest] {
        try await base.resourceRequests(of: incidentID)
    }
    // ScenarioStore
    open func auditTrail(of record: RecordReference) async throws(CollabError) -> [AuditEvent] {
        try await base.auditTrail(of: record)
    }
    // SettingsStore
    open func settings(of organizationID: Organization.ID) async throws(CollabError) -> StoredSettings? {
        try await base.settings(of: organizationID)
    }
    // SettingsStore
    open func settingsRevision() async throws(CollabError) -> Int64 {
        try await base.settingsRevision()
    }
    // WorkItemStore
    open func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        try await base.commit(change)
    }
    // WorkItemStore
    open func recordedResult(for key: IdempotencyKey) async throws(CollabError) -> RecordedResult? {
        try await base.recordedResult(for: key)
    }
    // WorkItemStore
    open func workItem(_ id: WorkItem.ID) async throws(CollabError) -> WorkItem? {
        try await base.workItem(id)
    }
    // WorkItemStore
    open func comments(on itemID: WorkItem.ID) async throws(CollabError) -> [ItemComment] {
        try await base.comments(on: itemID)
    }
    // WorkItemStore
    open func progressUpdates(on itemID: WorkItem.ID) async throws(CollabError) -> [ProgressUpdate] {
        try await base.progressUpdates(on: itemID)
    }
    // WorkItemStore
    open func reviewDecisions(on itemID: WorkItem.ID) async throws(CollabError) -> [ReviewDecision] {
        try await base.reviewDecisions(on: itemID)
    }
    // WorkItemStore
    open func adjustmentRequests(on itemID: WorkItem.ID) async throws(CollabError) -> [AdjustmentRequest] {
        try await base.adjustmentRequests(on: itemID)
    }
    // WorkItemStore
    open func adjustmentRequest(_ id: AdjustmentRequest.ID) async throws(CollabError) -> AdjustmentRequest? {
        try await base.adjustmentRequest(id)
    }
    // WorkItemStore
    open func auditTrail(of itemID: WorkItem.ID) async throws(CollabError) -> [AuditEvent] {
        try await base.auditTrail(of: itemID)
    }
    // WorkItemStore
    open func todo(for memberID: Member.ID, page: PageRequest) async throws(CollabError) -> Page<TodoEntry> {
        try await base.todo(for: memberID, page: page)
    }
    // WorkItemStore
    open func claimDueTimers(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError) -> [TimerClaim] {
        try await base.claimDueTimers(now: now, limit: limit, lease: lease, owner: owner)
    }

    open func releaseTimerClaims(_ claims: [TimerClaim]) async throws(CollabError) {
        try await base.releaseTimerClaims(claims)
    }
    // WorkItemStore
    open func nextTimerDue() async throws(CollabError) -> Date? {
        try await base.nextTimerDue()
    }
    // WorkItemStore
    open func pendingTimers(of record: RecordReference) async throws(CollabError) -> [ScheduledTimer] {
        try await base.pendingTimers(of: record)
    }
    // WorkItemStore
    open func openItemIDs(in organizationID: Organization.ID, after: WorkItem.ID?, limit: Int) async throws(CollabError) -> [WorkItem.ID] {
        try await base.openItemIDs(in: organizationID, after: after, limit: limit)
    }
    // WorkItemStore
    open func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page: PageRequest) async throws(CollabError) -> Page<WorkItem> {
        try await base.workItems(in: scope, matching: filter, page: page)
    }
    // WorkItemStore
    open func countWorkItems(in scope: VisibilityScope, matching filter: WorkItemFilter) async throws(CollabError) -> Int {
        try await base.countWorkItems(in: scope, matching: filter)
    }
    // WorkItemStore
    open func searchWorkItems(_ text: String, in scope: VisibilityScope, page: PageRequest) async throws(CollabError) -> Page<WorkItem> {
        try await base.searchWorkItems(text, in: scope, page: page)
    }
    // DocumentRecordStore
    open func document(_ id: Document.ID) async throws(CollabError) -> Document? {
        try await base.document(id)
    }
    // DocumentRecordStore
    open func documents(of record: RecordReference, page: PageRequest) async throws(CollabError) -> Page<Document> {
        try await base.documents(of: record, page: page)
    }
    // DocumentRecordStore
    open func documentUsage(of organizationID: Organization.ID) async throws(CollabError) -> Int64 {
        try await base.documentUsage(of: organizationID)
    }
    // DocumentRecordStore
    open func referencedDigests(among digests: [ContentDigest]) async throws(CollabError) -> Set<ContentDigest> {
        try await base.referencedDigests(among: digests)
    }
    // DocumentRecordStore
    open func documentsDeleted(before date: Date, limit: Int) async throws(CollabError) -> [Document.ID] {
        try await base.documentsDeleted(before: date, limit: limit)
    }
    // DocumentRecordStore
    open func documentText(_ id: Document.ID) async throws(CollabError) -> DocumentText? {
        try await base.documentText(id)
    }
    // SearchStore
    open func search(_ query: SearchQuery, for reader: SearchReader, page: PageRequest) async throws(CollabError)
        -> Page<SearchHit>
    {
        try await base.search(query, for: reader, page: page)
    }
    // SearchStore
    open func rebuildSearchIndex() async throws(CollabError) -> Int {
        try await base.rebuildSearchIndex()
    }
    // SearchStore
    @discardableResult
    open func updateSearchIndex() async throws(CollabError) -> Int {
        try await base.updateSearchIndex()
    }
}
