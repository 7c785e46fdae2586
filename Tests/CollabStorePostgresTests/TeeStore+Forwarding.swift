import CollabModel
import CollabPermissions
import CollabStore
import CollabStorePostgres
import Foundation

// Generated from CollabStore's protocols (every requirement of `CollabStorage`): reads go to the primary
// store; `commit` and the directory's `save`s go to the primary and then, unchanged, to the PostgreSQL
// mirror (see `TeeStore.swift`).
extension TeeStore: CollabStorage {
    func save(_ organization: Organization) async throws(CollabError) {
        try await mirrorSave({ (store: any DirectoryStore) async throws(CollabError) -> Void in try await store.save(organization) })
    }

    func save(_ department: Department) async throws(CollabError) {
        try await mirrorSave({ (store: any DirectoryStore) async throws(CollabError) -> Void in try await store.save(department) })
    }

    func save(_ member: Member) async throws(CollabError) {
        try await mirrorSave({ (store: any DirectoryStore) async throws(CollabError) -> Void in try await store.save(member) })
    }

    func organization(_ id: Organization.ID) async throws(CollabError) -> Organization? {
        try await primary.organization(id)
    }

    func organizations() async throws(CollabError) -> [Organization] {
        try await primary.organizations()
    }

    func department(_ id: Department.ID) async throws(CollabError) -> Department? {
        try await primary.department(id)
    }

    func departments(_ ids: Set<Department.ID>) async throws(CollabError) -> [Department] {
        try await primary.departments(ids)
    }

    func departments(in organizationID: Organization.ID) async throws(CollabError) -> [Department] {
        try await primary.departments(in: organizationID)
    }

    func member(_ id: Member.ID) async throws(CollabError) -> Member? {
        try await primary.member(id)
    }

    func members(_ ids: Set<Member.ID>) async throws(CollabError) -> [Member] {
        try await primary.members(ids)
    }

    func members(handles: Set<String>, in organizationID: Organization.ID) async throws(CollabError) -> [Member] {
        try await primary.members(handles: handles, in: organizationID)
    }

    func members(in organizationID: Organization.ID) async throws(CollabError) -> [Member] {
        try await primary.members(in: organizationID)
    }

    func save(_ calendar: BusinessCalendar, for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError) {
        try await mirrorSave({ (store: any DirectoryStore) async throws(CollabError) -> Void in try await store.save(calendar, for: organizationID, department: department) })
    }

    func calendar(for organizationID: Organization.ID, department: Department.ID?) async throws(CollabError) -> BusinessCalendar? {
        try await primary.calendar(for: organizationID, department: department)
    }

    func heads(of departmentIDs: Set<Department.ID>) async throws(CollabError) -> [Member.ID] {
        try await primary.heads(of: departmentIDs)
    }

    func directoryRevision() async throws(CollabError) -> Int64 {
        try await primary.directoryRevision()
    }

    func subject(for memberID: Member.ID) async throws(CollabError) -> Subject? {
        try await primary.subject(for: memberID)
    }

    func partnership(of organizationID: Organization.ID, with partnerID: Organization.ID) async throws(CollabError) -> Partnership? {
        try await primary.partnership(of: organizationID, with: partnerID)
    }

    func partnerships(of organizationID: Organization.ID, asPartner: Bool) async throws(CollabError) -> [Partnership] {
        try await primary.partnerships(of: organizationID, asPartner: asPartner)
    }

    func purchaseOrder(_ id: PurchaseOrder.ID) async throws(CollabError) -> PurchaseOrder? {
        try await primary.purchaseOrder(id)
    }

    func purchaseOrder(number: String, in organizationID: Organization.ID) async throws(CollabError) -> PurchaseOrder? {
        try await primary.purchaseOrder(number: number, in: organizationID)
    }

    func purchaseOrders(in organizationID: Organization.ID?, supplierID: Organization.ID?, page: PageRequest) async throws(CollabError) -> Page<PurchaseOrder> {
        try await primary.purchaseOrders(in: organizationID, supplierID: supplierID, page: page)
    }

    func deliveryProposals(of orderID: PurchaseOrder.ID) async throws(CollabError) -> [DeliveryProposal] {
        try await primary.deliveryProposals(of: orderID)
    }

    func customer(_ id: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await primary.customer(id)
    }

    func customer(key: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await primary.customer(key: key, in: organizationID)
    }

    func customer(contractID: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await primary.customer(contractID: contractID, in: organizationID)
    }

    func customers(in organizationID: Organization.ID, page: PageRequest) async throws(CollabError) -> Page<CustomerRecord> {
        try await primary.customers(in: organizationID, page: page)
    }

    func ticket(_ id: Ticket.ID) async throws(CollabError) -> Ticket? {
        try await primary.ticket(id)
    }

    func tickets(in organizationID: Organization.ID?, customerID: Organization.ID?, handledBy departmentIDs: Set<Department.ID>?, page: PageRequest ) async throws(CollabError) -> Page<Ticket> {
        try await primary.tickets(in: organizationID, customerID: customerID, handledBy: departmentIDs, page: page)
    }

    func ticketMessages(of ticketID: Ticket.ID) async throws(CollabError) -> [TicketMessage] {
        try await primary.ticketMessages(of: ticketID)
    }

    func inbox(for memberID: Member.ID, visibleIn scope: VisibilityScope, unreadOnly: Bool, page: PageRequest) async throws(CollabError) -> Page<Notice> {
        try await primary.inbox(for: memberID, visibleIn: scope, unreadOnly: unreadOnly, page: page)
    }

    func unreadCount(for memberID: Member.ID, visibleIn scope: VisibilityScope) async throws(CollabError) -> Int {
        try await primary.unreadCount(for: memberID, visibleIn: scope)
    }

    func unreadRecordNotices(for memberID: Member.ID) async throws(CollabError) -> [Notice] {
        try await primary.unreadRecordNotices(for: memberID)
    }

    func storedNotices(of memberID: Member.ID) async throws(CollabError) -> [Notice] {
        try await primary.storedNotices(of: memberID)
    }

    func unreadNoticeIDs(_ ids: [Notice.ID]?, of memberID: Member.ID) async throws(CollabError) -> [Notice.ID] {
        try await primary.unreadNoticeIDs(ids, of: memberID)
    }

    func markRead(_ ids: [Notice.ID], of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        try await primary.markRead(ids, of: memberID, at: date)
    }

    func markAllRead(of memberID: Member.ID, at date: Date) async throws(CollabError) -> Int {
        try await primary.markAllRead(of: memberID, at: date)
    }

    func claimDeliveries(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError) -> [OutboxEntry] {
        try await primary.claimDeliveries(now: now, limit: limit, lease: lease, owner: owner)
    }

    func renewLease(_ id: Notice.ID, _ lease: OutboxLease, for duration: Duration) async throws(CollabError) -> OutboxLease? {
        try await primary.renewLease(id, lease, for: duration)
    }

    func recordDelivery(_ outcome: DeliveryOutcome, lease: OutboxLease) async throws(CollabError) -> Bool {
        try await primary.recordDelivery(outcome, lease: lease)
    }

    func deliveryState(of id: Notice.ID) async throws(CollabError) -> NotificationDeliveryState? {
        try await primary.deliveryState(of: id)
    }

    func nextDeliveryDue() async throws(CollabError) -> Date? {
        try await primary.nextDeliveryDue()
    }

    func outboxCounts() async throws(CollabError) -> OutboxCounts {
        try await primary.outboxCounts()
    }

    func parkedDeliveries(limit: Int) async throws(CollabError) -> [OutboxEntry] {
        try await primary.parkedDeliveries(limit: limit)
    }

    func requeueParked(_ ids: [Notice.ID], now: Date) async throws(CollabError) -> Int {
        try await primary.requeueParked(ids, now: now)
    }

    func assignmentCounts(for memberID: Member.ID, createdIn: DateInterval?, now: Date) async throws(CollabError) -> WorkItemCounts {
        try await primary.assignmentCounts(for: memberID, createdIn: createdIn, now: now)
    }

    func workItemCounts(in scope: VisibilityScope, matching filter: WorkItemFilter, now: Date) async throws(CollabError) -> WorkItemCounts {
        try await primary.workItemCounts(in: scope, matching: filter, now: now)
    }

    func report(_ query: ReportQuery, in scope: VisibilityScope, now: Date) async throws(CollabError) -> [ReportRow] {
        try await primary.report(query, in: scope, now: now)
    }

    func deleteExpired(_ kind: RetainedRecords, before cutoff: Date, now: Date, limit: Int) async throws(CollabError) -> RetentionBatch {
        try await primary.deleteExpired(kind, before: cutoff, now: now, limit: limit)
    }

    func announcement(_ id: Announcement.ID) async throws(CollabError) -> Announcement? {
        try await primary.announcement(id)
    }

    func announcements(receivedBy memberID: Member.ID, now: Date, includeExpired: Bool, page: PageRequest) async throws(CollabError) -> Page<Announcement> {
        try await primary.announcements(receivedBy: memberID, now: now, includeExpired: includeExpired, page: page)
    }

    func announcements(in organizationID: Organization.ID, authorID: Member.ID?, page: PageRequest) async throws(CollabError) -> Page<Announcement> {
        try await primary.announcements(in: organizationID, authorID: authorID, page: page)
    }

    func receipt(of announcementID: Announcement.ID, for memberID: Member.ID) async throws(CollabError) -> AnnouncementReceipt? {
        try await primary.receipt(of: announcementID, for: memberID)
    }

    func receipts(of announcementID: Announcement.ID) async throws(CollabError) -> [(receipt: AnnouncementReceipt, delivered: Bool)] {
        try await primary.receipts(of: announcementID)
    }

    func meeting(_ id: Meeting.ID) async throws(CollabError) -> Meeting? {
        try await primary.meeting(id)
    }

    func meetings(in organizationID: Organization.ID, involving memberID: Member.ID?, page: PageRequest) async throws(CollabError) -> Page<Meeting> {
        try await primary.meetings(in: organizationID, involving: memberID, page: page)
    }

    func emergencyPlan(_ id: EmergencyPlan.ID, version: Int?) async throws(CollabError) -> EmergencyPlan? {
        try await primary.emergencyPlan(id, version: version)
    }

    func emergencyPlans(in organizationID: Organization.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await primary.emergencyPlans(in: organizationID)
    }

    func emergencyPlanVersions(_ id: EmergencyPlan.ID) async throws(CollabError) -> [EmergencyPlan] {
        try await primary.emergencyPlanVersions(id)
    }

    func incident(_ id: Incident.ID) async throws(CollabError) -> Incident? {
        try await primary.incident(id)
    }

    func incident(triggerKey: String, in organizationID: Organization.ID) async throws(CollabError) -> Incident? {
        try await primary.incident(triggerKey: triggerKey, in: organizationID)
    }

    func incidents(in organizationID: Organization.ID, state: Incident.State?, page: PageRequest) async throws(CollabError) -> Page<Incident> {
        try await primary.incidents(in: organizationID, state: state, page: page)
    }

    func incidentUpdates(of incidentID: Incident.ID) async throws(CollabError) -> [IncidentUpdate] {
        try await primary.incidentUpdates(of: incidentID)
    }

    func resourceRequest(_ id: ResourceRequest.ID) async throws(CollabError) -> ResourceRequest? {
        try await primary.resourceRequest(id)
    }

    func resourceRequests(of incidentID: Incident.ID) async throws(CollabError) -> [ResourceRequest] {
        try await primary.resourceRequests(of: incidentID)
    }

    func auditTrail(of record: RecordReference) async throws(CollabError) -> [AuditEvent] {
        try await primary.auditTrail(of: record)
    }

    func settings(of organizationID: Organization.ID) async throws(CollabError) -> StoredSettings? {
        try await primary.settings(of: organizationID)
    }

    func settingsRevision() async throws(CollabError) -> Int64 {
        try await primary.settingsRevision()
    }

    func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome {
        try await mirrorCommit(change)
    }

    func recordedResult(for key: IdempotencyKey) async throws(CollabError) -> RecordedResult? {
        try await primary.recordedResult(for: key)
    }

    func workItem(_ id: WorkItem.ID) async throws(CollabError) -> WorkItem? {
        try await primary.workItem(id)
    }

    func comments(on itemID: WorkItem.ID) async throws(CollabError) -> [ItemComment] {
        try await primary.comments(on: itemID)
    }

    func progressUpdates(on itemID: WorkItem.ID) async throws(CollabError) -> [ProgressUpdate] {
        try await primary.progressUpdates(on: itemID)
    }

    func reviewDecisions(on itemID: WorkItem.ID) async throws(CollabError) -> [ReviewDecision] {
        try await primary.reviewDecisions(on: itemID)
    }

    func adjustmentRequests(on itemID: WorkItem.ID) async throws(CollabError) -> [AdjustmentRequest] {
        try await primary.adjustmentRequests(on: itemID)
    }

    func adjustmentRequest(_ id: AdjustmentRequest.ID) async throws(CollabError) -> AdjustmentRequest? {
        try await primary.adjustmentRequest(id)
    }

    func auditTrail(of itemID: WorkItem.ID) async throws(CollabError) -> [AuditEvent] {
        try await primary.auditTrail(of: itemID)
    }

    func todo(for memberID: Member.ID, page: PageRequest) async throws(CollabError) -> Page<TodoEntry> {
        try await primary.todo(for: memberID, page: page)
    }

    func claimDueTimers(now: Date, limit: Int, lease: Duration, owner: String) async throws(CollabError) -> [TimerClaim] {
        try await mirrorClaim(now: now, limit: limit, lease: lease, owner: owner)
    }

    func releaseTimerClaims(_ claims: [TimerClaim]) async throws(CollabError) {
        try await mirrorRelease(claims)
    }

    func nextTimerDue() async throws(CollabError) -> Date? {
        try await primary.nextTimerDue()
    }

    func pendingTimers(of record: RecordReference) async throws(CollabError) -> [ScheduledTimer] {
        try await primary.pendingTimers(of: record)
    }

    func openItemIDs(in organizationID: Organization.ID, after: WorkItem.ID?, limit: Int) async throws(CollabError) -> [WorkItem.ID] {
        try await primary.openItemIDs(in: organizationID, after: after, limit: limit)
    }

    func workItems(in scope: VisibilityScope, matching filter: WorkItemFilter, page: PageRequest) async throws(CollabError) -> Page<WorkItem> {
        try await primary.workItems(in: scope, matching: filter, page: page)
    }

    func countWorkItems(in scope: VisibilityScope, matching filter: WorkItemFilter) async throws(CollabError) -> Int {
        try await primary.countWorkItems(in: scope, matching: filter)
    }

    func searchWorkItems(_ text: String, in scope: VisibilityScope, page: PageRequest) async throws(CollabError) -> Page<WorkItem> {
        try await primary.searchWorkItems(text, in: scope, page: page)
    }
}
