import CollabModel
import CollabPermissions
import Foundation

/// One indexed record, as every backend stores it.
package struct SearchIndexEntry: Sendable, Hashable {
    /// `<kind>:<id>`, unique.
    package var entry: String
    package var kind: SearchKind
    package var recordID: String
    package var organizationID: Organization.ID
    /// The record whose access keys decide who finds this one (itself, or a document's owner).
    package var accessRecord: String
    /// Whether members of other organizations may find it (false for internal documents).
    package var outsideVisible: Bool
    package var title: String
    /// Public tags searched as text (documents' tags).
    package var labels: String
    package var body: String
    /// Text only members of the organization itself search (work items' tags).
    package var internalText: String
    package var status: String?
    package var people: [String]
    package var departments: [String]
    package var tags: [String]
    package var date: Date
    /// For a document: the body is the stored extracted text (`document_texts`), read by the store.
    package var bodyIsDocumentText: Bool
    /// The searched text is what the index already holds (a work item's state changed, not its text): the
    /// store rewrites the filter columns only.
    package var textUnchanged = false
}

/// Who may find the records indexed under one access record.
package struct SearchAccessWrite: Sendable, Hashable {
    package var record: String
    package var keys: [String]
    /// Replace the record's keys (else only add these).
    package var replace: Bool

    package init(record: String, keys: [String], replace: Bool) {
        self.record = record
        self.keys = keys
        self.replace = replace
    }
}

/// The index rows one committed change produces: the one derivation every backend applies in the commit's
/// transaction.
package struct SearchIndexChanges: Sendable {
    package var entries: [SearchIndexEntry] = []
    package var removed: [String] = []
    package var access: [SearchAccessWrite] = []
    /// Documents whose extracted text changed (entry, text): their body is replaced if they are indexed.
    package var documentTexts: [(entry: String, text: String)] = []

    package init() {}

    package var isEmpty: Bool { entries.isEmpty && removed.isEmpty && access.isEmpty && documentTexts.isEmpty }
}

/// The derivation of search index rows from records and committed changes, shared by every backend.
package enum SearchIndex {
    package static let separator = "\u{1F}"

    package static func entry(_ kind: String, _ id: String) -> String { "\(kind):\(id)" }

    /// The index rows of `change`.
    package static func changes(of change: ChangeSet) -> SearchIndexChanges {
        var result = SearchIndexChanges()
        for item in change.additionalItems { add(item, to: &result) }
        switch change.item {
        case .insert(let item): add(item, to: &result)
        case .update(let item, let previous): add(item, previous: previous, to: &result)
        case nil: break
        }
        var recipients: [Announcement.ID: [Member.ID]] = [:]
        for receipt in change.scenario.receipts { recipients[receipt.announcementID, default: []].append(receipt.memberID) }
        for announcement in change.scenario.announcements {
            add(announcement, recipients: recipients[announcement.id], to: &result)
        }
        for meeting in change.scenario.meetings { add(meeting, to: &result) }
        for incident in change.scenario.incidents {
            result.access.append(SearchAccessWrite(record: entry("incident", incident.id.rawValue),
                keys: AccessControl.searchKeys(for: .incident(incident)), replace: true))
        }
        for ticket in change.external.tickets { add(ticket, to: &result) }
        for order in change.external.purchaseOrders { add(order, to: &result) }
        for document in change.documents.documents { add(document, to: &result) }
        for id in change.documents.purged { result.removed.append(entry("document", id.rawValue)) }
        for text in change.documents.texts {
            result.documentTexts.append((entry("document", text.documentID.rawValue), text.text))
        }
        return result
    }

    /// The entries (`<kind>:<id>`) whose index rows `change` makes stale: a backend that brings its index up
    /// to date after the commit re-derives each of them from the stored record, with ``add(_:previous:to:)``
    /// and its kin (a record no longer stored, or deleted, leaves the index). A work item whose indexed
    /// fields and access keys are as they were (progress, attachments, a reminder) makes nothing stale.
    package static func staleEntries(of change: ChangeSet) -> [String] {
        var stale: [String] = []
        for item in change.additionalItems { stale.append(entry("work_item", item.id.rawValue)) }
        switch change.item {
        case .insert(let item):
            stale.append(entry("work_item", item.id.rawValue))
        case .update(let item, let previous):
            if !sameEntry(previous, item) { stale.append(entry("work_item", item.id.rawValue)) }
        case nil:
            break
        }
        for announcement in change.scenario.announcements { stale.append(entry("announcement", announcement.id.rawValue)) }
        for meeting in change.scenario.meetings { stale.append(entry("meeting", meeting.id.rawValue)) }
        for incident in change.scenario.incidents { stale.append(entry("incident", incident.id.rawValue)) }
        for ticket in change.external.tickets { stale.append(entry("ticket", ticket.id.rawValue)) }
        for order in change.external.purchaseOrders { stale.append(entry("purchase_order", order.id.rawValue)) }
        for document in change.documents.documents { stale.append(entry("document", document.id.rawValue)) }
        for id in change.documents.purged { stale.append(entry("document", id.rawValue)) }
        for text in change.documents.texts { stale.append(entry("document", text.documentID.rawValue)) }
        return unique(stale)
    }

    /// Whether two versions of a work item have the same index entry: the same text, state, people,
    /// departments, date and access keys.
    package static func sameEntry(_ previous: WorkItem, _ item: WorkItem) -> Bool {
        previous.title == item.title && previous.description == item.description && previous.tags == item.tags
            && previous.state == item.state && previous.organizationID == item.organizationID
            && previous.initiatorID == item.initiatorID && previous.effectiveReviewerID == item.effectiveReviewerID
            && previous.assigneeIDs == item.assigneeIDs && previous.watcherIDs == item.watcherIDs
            && previous.departmentIDs == item.departmentIDs && previous.createdAt == item.createdAt
            && AccessControl.sameSearchKeys(previous, item)
    }

    /// A work item; with its `previous` version, only what moved is rewritten (its keys when a relation
    /// changed, its text when the title, description or tags did).
    package static func add(_ item: WorkItem, previous: WorkItem? = nil, to result: inout SearchIndexChanges) {
        let id = entry("work_item", item.id.rawValue)
        if let previous, AccessControl.sameSearchKeys(previous, item) {
            // Its keys are as they were: nothing to write.
        } else {
            let keys = AccessControl.searchKeys(for: .workItem(item))
            if previous.map({ AccessControl.searchKeys(for: .workItem($0)) }) != keys {
                result.access.append(SearchAccessWrite(record: id, keys: keys, replace: true))
            }
        }
        let people = [item.initiatorID, item.effectiveReviewerID] + item.assigneeIDs + item.watcherIDs
        result.entries.append(SearchIndexEntry(
            entry: id, kind: .workItem, recordID: item.id.rawValue, organizationID: item.organizationID,
            accessRecord: id, outsideVisible: true, title: item.title, labels: "", body: item.description,
            internalText: item.tags.joined(separator: " "), status: item.state.rawValue,
            people: unique(people.map(\.rawValue)), departments: unique(item.departmentIDs.map(\.rawValue)),
            tags: unique(item.tags), date: item.createdAt, bodyIsDocumentText: false,
            textUnchanged: previous.map {
                $0.title == item.title && $0.description == item.description && $0.tags == item.tags
            } ?? false))
    }

    /// An announcement; its recipients are known when it is published (the receipts travel with it), and
    /// only then are its keys replaced. A later change of it (pinning, expiry) adds the other keys only.
    package static func add(_ announcement: Announcement, recipients: [Member.ID]?, to result: inout SearchIndexChanges) {
        let id = entry("announcement", announcement.id.rawValue)
        result.access.append(SearchAccessWrite(record: id,
            keys: AccessControl.searchKeys(for: .announcement(announcement, isRecipient: false), recipients: recipients ?? []),
            replace: recipients != nil))
        result.entries.append(SearchIndexEntry(
            entry: id, kind: .announcement, recordID: announcement.id.rawValue,
            organizationID: announcement.organizationID, accessRecord: id, outsideVisible: true,
            title: announcement.title, labels: "", body: announcement.body, internalText: "", status: nil,
            people: [announcement.authorID.rawValue],
            departments: announcement.publisherDepartmentID.map { [$0.rawValue] } ?? [], tags: [],
            date: announcement.publishedAt, bodyIsDocumentText: false))
    }

    package static func add(_ meeting: Meeting, to result: inout SearchIndexChanges) {
        let id = entry("meeting", meeting.id.rawValue)
        result.access.append(SearchAccessWrite(record: id, keys: AccessControl.searchKeys(for: .meeting(meeting)), replace: true))
        let body = ([meeting.minutes] + meeting.decisions.map(\.text)).filter { !$0.isEmpty }.joined(separator: "\n")
        result.entries.append(SearchIndexEntry(
            entry: id, kind: .meeting, recordID: meeting.id.rawValue, organizationID: meeting.organizationID,
            accessRecord: id, outsideVisible: true, title: meeting.title, labels: "", body: body, internalText: "",
            status: nil, people: unique(([meeting.organizerID] + meeting.attendeeIDs).map(\.rawValue)), departments: [],
            tags: [], date: meeting.startsAt, bodyIsDocumentText: false))
    }

    package static func add(_ ticket: Ticket, to result: inout SearchIndexChanges) {
        let id = entry("ticket", ticket.id.rawValue)
        result.access.append(SearchAccessWrite(record: id, keys: AccessControl.searchKeys(for: .ticket(ticket)), replace: true))
        result.entries.append(SearchIndexEntry(
            entry: id, kind: .ticket, recordID: ticket.id.rawValue, organizationID: ticket.organizationID,
            accessRecord: id, outsideVisible: true, title: ticket.subject, labels: "", body: ticket.description,
            internalText: "", status: ticket.state.rawValue,
            people: unique([ticket.requesterID.rawValue] + (ticket.handlerID.map { [$0.rawValue] } ?? [])),
            departments: unique(([ticket.departmentID] + ticket.handledBy).map(\.rawValue)), tags: [],
            date: ticket.createdAt, bodyIsDocumentText: false))
    }

    package static func add(_ order: PurchaseOrder, to result: inout SearchIndexChanges) {
        let id = entry("purchase_order", order.id.rawValue)
        result.access.append(SearchAccessWrite(record: id, keys: AccessControl.searchKeys(for: .purchaseOrder(order)),
            replace: true))
        result.entries.append(SearchIndexEntry(
            entry: id, kind: .purchaseOrder, recordID: order.id.rawValue, organizationID: order.organizationID,
            accessRecord: id, outsideVisible: true, title: "\(order.number) \(order.title)", labels: "",
            body: order.lines.map(\.description).joined(separator: "\n"), internalText: "",
            status: order.state.rawValue, people: [order.buyerID.rawValue],
            departments: order.departmentID.map { [$0.rawValue] } ?? [], tags: [], date: order.createdAt,
            bodyIsDocumentText: false))
    }

    /// A document: found through its owner's keys (a department folder's keys are written here, as the
    /// folder has no record of its own); a deleted one is removed.
    package static func add(_ document: Document, to result: inout SearchIndexChanges) {
        let id = entry("document", document.id.rawValue)
        guard !document.isDeleted else {
            result.removed.append(id)
            return
        }
        let owner = document.owner.record
        let access = entry(owner.kind.rawValue, owner.id)
        if case .departmentFolder(let department) = document.owner {
            result.access.append(SearchAccessWrite(record: access,
                keys: AccessControl.searchKeys(for: .department(department, in: document.organizationID)), replace: true))
        }
        let uploaders = document.versions.map(\.uploaderID.rawValue)
        var departments: [String] = []
        if case .departmentFolder(let department) = document.owner { departments = [department.rawValue] }
        result.entries.append(SearchIndexEntry(
            entry: id, kind: .document, recordID: document.id.rawValue, organizationID: document.organizationID,
            accessRecord: access, outsideVisible: document.visibility == .external, title: document.name,
            labels: document.tags.joined(separator: " "), body: "", internalText: "", status: nil,
            people: unique([document.creatorID.rawValue] + uploaders), departments: departments,
            tags: unique(document.tags), date: document.updatedAt, bodyIsDocumentText: true))
    }

    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    /// `a␟b␟c` with the separator at both ends, for `instr` look-ups of one whole value.
    package static func joined(_ values: [String]) -> String {
        values.isEmpty ? "" : separator + values.joined(separator: separator) + separator
    }
}

// MARK: Text

/// Terms of a query and the CJK grams of indexed text.
package enum SearchTerms {
    /// Whether `scalar` is a CJK character (Han, kana, Hangul), matched by grams when a term is short.
    package static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF, 0xF900...0xFAFF,
            0x20000...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// A term: matched by trigrams (three characters or more), by grams (one or two CJK characters), or, one
    /// or two other characters (`X1`, `QA`), compared within the records the other terms found.
    package enum Term: Hashable, Sendable {
        case trigram(String)
        case gram(String)
        case short(String)

        package var text: String {
            switch self {
            case .trigram(let text), .gram(let text), .short(let text): text
            }
        }

        /// Whether an index finds the records holding the term.
        package var isIndexed: Bool {
            if case .short = self { return false }
            return true
        }
    }

    /// The longest query text, in characters.
    package static let maximumLength = 200
    /// The most terms in a query.
    package static let maximumTerms = 8

    /// The terms of `text`.
    ///
    /// - Throws: `invalid_input` (field `text`) when every term is one or two characters that are not all CJK
    ///   (no index can find them), and for too long a text or too many terms.
    package static func terms(of text: String) throws(CollabError) -> [Term] {
        if text.count > maximumLength {
            throw CollabError.invalid([ValidationProblem(field: "text", kind: .tooLong,
                message: "search text is \(text.count) characters long; at most \(maximumLength)")])
        }
        let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        if words.count > maximumTerms {
            throw CollabError.invalid([ValidationProblem(field: "text", kind: .outOfRange,
                message: "search text has \(words.count) words; at most \(maximumTerms)")])
        }
        var terms: [Term] = []
        for word in words {
            let term: Term
            if word.count >= 3 {
                term = .trigram(word)
            } else if word.unicodeScalars.allSatisfy(isCJK) {
                term = .gram(word)
            } else {
                term = .short(word)
            }
            if !terms.contains(term) { terms.append(term) }
        }
        if let short = terms.first, !terms.contains(where: \.isIndexed) {
            throw CollabError.invalid([ValidationProblem(field: "text", kind: .malformed,
                message: "'\(short.text)' is too short: a search needs one term of at least 3 letters (or 1 to 2 CJK characters); shorter ones then narrow it")])
        }
        return terms
    }

    /// The `LIKE` pattern (escape character `\`) of the text containing `text`: `%text%`, with `\`, `%` and
    /// `_` escaped, so nothing in the text is interpreted.
    package static func likePattern(containing text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    /// The CJK grams of `text`: every CJK character, and every pair of adjacent CJK characters.
    package static func grams(of text: String) -> [String] {
        var grams: [String] = []
        var seen = Set<String>()
        func add(_ gram: String) { if seen.insert(gram).inserted { grams.append(gram) } }
        var previous: Character?
        for character in text {
            let isCJK = character.unicodeScalars.count == 1 && character.unicodeScalars.allSatisfy(isCJK)
            guard isCJK else {
                previous = nil
                continue
            }
            add(String(character))
            if let previous { add(String(previous) + String(character)) }
            previous = character
        }
        return grams
    }

    /// At most ``SearchHit/snippetLength`` characters of `body` (else `title`) around the first term found.
    package static func snippet(_ body: String, title: String, terms: [Term]) -> String {
        let limit = SearchHit.snippetLength
        let source = body.isEmpty ? title : body
        var start = source.startIndex
        for term in terms {
            if let range = source.range(of: term.text, options: [.caseInsensitive]) {
                start = source.index(range.lowerBound, offsetBy: -40, limitedBy: source.startIndex) ?? source.startIndex
                break
            }
        }
        let end = source.index(start, offsetBy: limit, limitedBy: source.endIndex) ?? source.endIndex
        let text = source[start..<end].split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        return (start > source.startIndex ? "…" : "") + text + (end < source.endIndex ? "…" : "")
    }

    /// The offset a cursor names.
    package static func offset(of cursor: String?) throws(CollabError) -> Int {
        guard let cursor else { return 0 }
        guard let data = Data(base64Encoded: cursor), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("search:"), let offset = Int(text.dropFirst(7)), offset >= 0,
            offset <= SearchPaging.maximumOffset
        else {
            throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                message: "'\(cursor.prefix(40))' is not a search cursor")])
        }
        return offset
    }

    /// The cursor of the page after `offset + count` hits, or `nil` when the bound is reached.
    package static func cursor(after offset: Int) -> String? {
        offset > SearchPaging.maximumOffset ? nil : Data("search:\(offset)".utf8).base64EncodedString()
    }
}

/// A checked query: its terms, paging and reader (shared by every backend).
package struct SearchPlan: Sendable {
    package var query: SearchQuery
    package var reader: SearchReader
    package var terms: [SearchTerms.Term]
    package var offset: Int
    package var limit: Int

    /// Checks `query` and `page`.
    ///
    /// - Throws: `invalid_input` for a malformed text or cursor, a query with neither text nor filter, or an
    ///   outside reader's filter by internal fields.
    package init(_ query: SearchQuery, reader: SearchReader, page: PageRequest) throws(CollabError) {
        self.query = query
        self.reader = reader
        self.terms = try SearchTerms.terms(of: query.text)
        if terms.isEmpty && !query.hasFilters {
            throw CollabError.invalid([ValidationProblem(field: "text", kind: .empty,
                message: "give search text or at least one filter")])
        }
        if reader.isExternal && query.usesInternalFields {
            throw CollabError.invalid([ValidationProblem(field: "filter", kind: .malformed,
                message: "members of outside organizations may filter by kind, status and date only")])
        }
        if query.tags.count > 20 || query.people.count > 100 || query.departments.count > 100 || query.statuses.count > 50 {
            throw CollabError.invalid([ValidationProblem(field: "filter", kind: .outOfRange,
                message: "at most 20 tags, 100 people, 100 departments and 50 states per search")])
        }
        self.offset = try SearchTerms.offset(of: page.cursor)
        self.limit = min(page.limit, SearchPaging.maximumLimit)
    }
}
