import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// One search across records: work items, documents (name, tags and extracted text), announcements,
/// meetings, tickets and purchase orders, filtered in the store's query by what the reader may see.
///
/// The reader's search keys come from the engine's one `AccessControl` (`searchKeys(of:)`), the records' keys
/// were written by the store in the transaction of every change, and the store returns only records whose
/// keys meet the reader's. Every hit is then checked again here with the record's own `view` rule; a hit that
/// fails it is dropped and logged at error level (it would mean the keys and the rules disagree).
///
/// What a reader may not see is simply not found: no hit, and never an error that depends on it. An outside
/// reader finds only what is shared with them (never a work item's tags or an internal document) and may
/// not filter by tags, people or departments.
///
/// ```swift
/// let page = try await engine.search.find(SearchQuery("预算", kinds: [.document, .workItem]), as: "li.wei")
/// for hit in page.items { print(hit.kind, hit.title, hit.snippet) }
/// ```
public struct SearchDesk: Sendable {
    let engine: WorkflowEngine

    /// One page of the records `viewer` may see that match `query`, best first (then newest).
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown viewer; `forbidden` for a deactivated one;
    ///   `invalidInput` for a malformed query (a term shorter than 3 characters that is not 1–2 CJK
    ///   characters, no text and no filter, more than 8 terms or 200 characters, an outside reader's filter
    ///   by tags, people or departments) or cursor.
    public func find(_ query: SearchQuery, as viewer: Member.ID, page: PageRequest = .first) async throws(CollabError)
        -> Page<SearchHit>
    {
        for value in [query.text] + query.tags.sorted() + query.statuses.sorted()
        where value.unicodeScalars.contains("\u{0}") {
            throw CollabError.invalid([ValidationProblem(field: "query", kind: .malformed,
                message: "the query contains the control character U+0")])
        }
        let subject = try await engine.activeSubject(viewer)
        let reader = SearchReader(
            keys: engine.accessControl.searchKeys(of: subject), organizationID: subject.organizationID,
            isExternal: subject.isExternal)
        var page = try await engine.store.search(query, for: reader, page: page)
        var kept: [SearchHit] = []
        for hit in page.items {
            if try await visible(hit, to: subject) {
                kept.append(hit)
            } else {
                engine.logger.error("search returned a record its reader may not see: the search keys disagree with the rules",
                    metadata: ["member": "\(viewer)", "record": "\(hit.record)"])
            }
        }
        page.items = kept
        return page
    }

    /// Indexes every stored record again (for a database restored from elsewhere; a database created by an
    /// earlier version is indexed by its migration). Returns how many records were indexed.
    public func rebuildIndex() async throws(CollabError) -> Int {
        try await engine.store.rebuildSearchIndex()
    }

    /// Whether `subject` may see the record of `hit`, decided by its own `view` rule.
    func visible(_ hit: SearchHit, to subject: Subject) async throws(CollabError) -> Bool {
        let store = engine.store
        let id = hit.record.id
        switch hit.kind {
        case .workItem:
            guard let item = try await store.workItem(WorkItem.ID(id)) else { return false }
            return engine.isAllowed(subject, .viewWorkItem, on: .workItem(item))
        case .document:
            guard let document = try await store.document(Document.ID(id)),
                let (owner, _) = try await engine.ownerTarget(document.owner)
            else { return false }
            return engine.isAllowed(subject, .viewDocument, on: .document(document, in: owner))
        case .announcement:
            guard let announcement = try await store.announcement(Announcement.ID(id)) else { return false }
            let isRecipient = try await store.receipt(of: announcement.id, for: subject.memberID) != nil
            return engine.isAllowed(subject, .viewAnnouncement, on: .announcement(announcement, isRecipient: isRecipient))
        case .meeting:
            guard let meeting = try await store.meeting(Meeting.ID(id)) else { return false }
            return engine.isAllowed(subject, .viewMeeting, on: .meeting(meeting))
        case .ticket:
            guard let ticket = try await store.ticket(Ticket.ID(id)) else { return false }
            return engine.isAllowed(subject, .viewTicket, on: .ticket(ticket))
        case .purchaseOrder:
            guard let order = try await store.purchaseOrder(PurchaseOrder.ID(id)) else { return false }
            return engine.isAllowed(subject, .viewOrder, on: .purchaseOrder(order))
        }
    }
}

extension WorkflowEngine {
    /// Search across records: work items, documents, announcements, meetings, tickets and orders.
    public var search: SearchDesk { SearchDesk(engine: self) }
}
