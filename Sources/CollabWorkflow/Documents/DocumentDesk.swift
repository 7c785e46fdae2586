import CollabModel
import CollabPermissions
import CollabStore
import Foundation

/// The document desk: files kept with work items, progress updates, tickets, orders, incidents and meetings,
/// or in a department's shared folder — uploaded, versioned, downloaded, deleted.
///
/// An upload is streamed into a staging file (never held in memory), inspected — its media type detected
/// from the bytes and checked against its name and the accepted list, archives checked against the limits
/// of ``DocumentPolicy`` — asked about by the host's ``DocumentScanner``, stored in the configured
/// `DocumentStore` under its SHA-256 digest, and then committed as a record through the engine's one write
/// pipeline: the rights re-checked at commit, the organization's quota checked in the same transaction, an
/// audit event, an optional idempotency key. Anything refused leaves no record; bytes stored for an upload
/// whose record did not commit are collected by ``collectOrphans(limit:)`` after the grace period.
///
/// Seeing a document takes the right to see what it belongs to (`RecordAction.viewDocument`, decided by the
/// engine's one `AccessControl`): a document of a work item is seen by whoever sees the item; a member of an
/// outside organization sees only `Visibility.external` documents of records shared with them. To anyone
/// else a document does not exist: the same `CollabError.Code.notFound` as an unknown id.
///
/// ```swift
/// // `body`: any AsyncSequence of [UInt8] chunks (a request body, a file read in pieces)
/// let document = try await engine.documents.upload(
///     body, named: "Q4 budget.xlsx", to: .workItem(itemID), tags: ["budget"], by: "li.wei")
/// let download = try await engine.documents.download(document.id, as: "zhang.min")
/// for try await chunk in download.bytes { try output.write(contentsOf: chunk) }
/// ```
public struct DocumentDesk: Sendable {
    let engine: WorkflowEngine

    /// Uploads a new document to `owner`.
    ///
    /// - Parameters:
    ///   - owner: the record the document belongs to.
    ///   - tags: labels that search and lists can filter by.
    ///   - member: the uploader.
    ///   - bytes: the file's bytes, in chunks of any size.
    ///   - name: the file name the uploader gave; it is normalized (no folders, no control characters) and its
    ///     extension must agree with the type detected from the bytes.
    ///   - visibility: `Visibility.external` lets the outside organizations that see the owner see it too.
    ///   - idempotencyKey: a retry with the same key, name, owner and bytes returns the first document and adds
    ///     nothing; the same key with other input is `CollabError.Code.idempotencyKeyReused`.
    /// - Throws: `CollabError.Code.notFound` when the owner does not exist or `member` may not see it;
    ///   `forbidden` when `member` may see it but not add to it, or is deactivated; `invalidInput` for a file
    ///   over the size limit, a refused or mismatched type, a hostile archive, a bad name or a scanner's refusal
    ///   (nothing is kept); `quotaExceeded` past the organization's quota; `storageUnavailable` without a
    ///   configured document store.
    @discardableResult
    public func upload(
        _ bytes: some AsyncSequence<[UInt8], any Error>, named name: String, to owner: DocumentOwner,
        tags: [String] = [], visibility: Visibility = .internal, by member: Member.ID, idempotencyKey: String? = nil
    ) async throws(CollabError) -> Document {
        let engine = engine
        try await engine.precheckUpload(to: owner, by: member)
        let upload = try await engine.acceptUpload(bytes, named: name)
        return try await engine.run(Command("upload_document", by: member, inputs: [
            "owner": owner, "name": upload.fileName, "digest": upload.content.digest, "tags": tags,
            "visibility": visibility,
        ], idempotencyKey: idempotencyKey, visible: engine.documentVisible)) { planning throws(CollabError) in
            try await engine.planUploadDocument(upload, to: owner, tags: tags, visibility: visibility, planning)
        }
    }

    /// Uploads a new version of a document; the earlier versions are kept.
    ///
    /// - Throws: as ``upload(_:named:to:tags:visibility:by:idempotencyKey:)``; `conflict` when
    ///   `expectedVersion` is not the document's `Document.version`.
    @discardableResult
    public func uploadVersion(
        _ bytes: some AsyncSequence<[UInt8], any Error>, named name: String, of id: Document.ID, by member: Member.ID,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> Document {
        let engine = engine
        let subject = try await engine.activeSubject(member)
        let (document, target) = try await engine.visibleDocument(id, to: subject)
        try engine.authorize(subject, .uploadDocument, on: .document(document, in: target),
            otherwise: CollabError(.forbidden, "member '\(member)' may not add versions to document '\(id)'"))
        let upload = try await engine.acceptUpload(bytes, named: name)
        return try await engine.run(Command("upload_document_version", by: member, inputs: [
            "id": id, "name": upload.fileName, "digest": upload.content.digest, "expectedVersion": expectedVersion,
        ], idempotencyKey: idempotencyKey, visible: engine.documentVisible)) { planning throws(CollabError) in
            try await engine.planUploadDocumentVersion(upload, of: id, expectedVersion: expectedVersion, planning)
        }
    }

    /// The document, if `viewer` may see it.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown, deleted or invisible document.
    public func document(_ id: Document.ID, as viewer: Member.ID) async throws(CollabError) -> Document {
        try await engine.visibleDocument(id, to: try await engine.subject(viewer)).0
    }

    /// The documents of `owner` that `viewer` sees, most recently changed first. A work item's list includes
    /// the documents of its progress updates. A page may hold fewer entries than its limit when some are
    /// hidden from `viewer`; follow `Page.nextCursor` to the end.
    ///
    /// - Throws: `CollabError.Code.notFound` when the owner does not exist or `viewer` may not see it.
    public func list(of owner: DocumentOwner, as viewer: Member.ID, page: PageRequest = .first)
        async throws(CollabError) -> Page<Document>
    {
        try await engine.documentsVisible(of: owner, as: viewer, page: page)
    }

    /// The bytes of a version (the newest cleared one by default), streamed and checked against their digest
    /// as they stream: the last chunk comes only after every byte matched (else `storageCorrupt`).
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown, deleted or invisible document or version;
    ///   `forbidden` for a version held in quarantine or refused by the scanner.
    public func download(_ id: Document.ID, version: Int? = nil, as viewer: Member.ID)
        async throws(CollabError) -> DocumentDownload
    {
        let subject = try await engine.subject(viewer)
        let (document, _) = try await engine.visibleDocument(id, to: subject)
        let chosen: DocumentVersion
        if let version {
            guard let found = document.version(numbered: version) else {
                throw CollabError.notFound("version of document '\(id)'", String(version))
            }
            chosen = found
        } else {
            guard let current = document.current ?? document.versions.last else {
                throw CollabError.notFound("document", id.rawValue)
            }
            chosen = current
        }
        guard chosen.scan == .clean else {
            throw CollabError(.forbidden,
                "version \(chosen.number) of document '\(id)' is \(chosen.scan.rawValue) by the scanner and cannot be downloaded")
        }
        let bytes = try await engine.documentStore().get(chosen.digest)
        return DocumentDownload(document: document, version: chosen, bytes: bytes)
    }

    /// The document's audit trail (uploads, versions, scanner decisions, deletion), oldest first.
    ///
    /// - Throws: `CollabError.Code.notFound` for an unknown, deleted or invisible document.
    public func history(_ id: Document.ID, as viewer: Member.ID) async throws(CollabError) -> [AuditEvent] {
        _ = try await engine.visibleDocument(id, to: try await engine.subject(viewer))
        return try await engine.store.auditTrail(of: .document(id))
    }

    /// Deletes a document (every version) for everyone at once; the audit trail stays, and its bytes are
    /// purged after ``DocumentConfiguration/deletedRetention`` by ``purgeDeleted(limit:)``.
    ///
    /// - Throws: `notFound` as for ``document(_:as:)``; `forbidden` unless `member` uploaded its first version or
    ///   administers its organization; `conflict` on a stale `expectedVersion`.
    @discardableResult
    public func delete(
        _ id: Document.ID, reason: String? = nil, by member: Member.ID, expectedVersion: Int? = nil,
        idempotencyKey: String? = nil
    ) async throws(CollabError) -> Document {
        let engine = engine
        return try await engine.run(Command("delete_document", by: member, inputs: [
            "id": id, "reason": reason, "expectedVersion": expectedVersion,
        ], idempotencyKey: idempotencyKey, visible: { subject, document throws(CollabError) in
            // A deleted document is seen by no one; its deleter's retry gets the recorded result.
            guard subject.memberID == document.deletedBy else { throw CollabError.notFound("document", id.rawValue) }
        })) { planning throws(CollabError) in
            try await engine.planDeleteDocument(id, reason: reason, expectedVersion: expectedVersion, planning)
        }
    }

    /// Clears (`clear: true`) or refuses a version the scanner held in quarantine: administrators of the
    /// document's organization (`RecordAction.decideQuarantine`).
    ///
    /// - Throws: `notFound`; `forbidden` for others; `invalidTransition` for a version not in quarantine.
    @discardableResult
    public func decideQuarantine(
        _ id: Document.ID, version: Int, clear: Bool, note: String? = nil, by member: Member.ID,
        expectedVersion: Int? = nil, idempotencyKey: String? = nil
    ) async throws(CollabError) -> Document {
        let engine = engine
        return try await engine.run(Command("decide_document_quarantine", by: member, inputs: [
            "id": id, "version": version, "clear": clear, "note": note, "expectedVersion": expectedVersion,
        ], idempotencyKey: idempotencyKey, visible: engine.documentVisible)) { planning throws(CollabError) in
            try await engine.planDecideQuarantine(
                id, version: version, clear: clear, note: note, expectedVersion: expectedVersion, planning)
        }
    }

    /// Removes stored bytes no document version names and that were stored longer ago than
    /// ``DocumentConfiguration/orphanGracePeriod`` (an upload whose record never committed, a purged document, a
    /// refused version). Walks at most `limit` stored contents; returns how many were removed. Run it
    /// periodically (a host's scheduled job, or a maintenance loop).
    @discardableResult
    public func collectOrphans(limit: Int = 10_000) async throws(CollabError) -> Int {
        try await engine.collectDocumentOrphans(limit: limit)
    }

    /// Purges up to `limit` documents deleted longer ago than ``DocumentConfiguration/deletedRetention``: their
    /// rows go (each with an audit event `purge_document`), and their bytes become orphans for
    /// ``collectOrphans(limit:)``. Returns how many were purged.
    @discardableResult
    public func purgeDeleted(limit: Int = 500) async throws(CollabError) -> Int {
        try await engine.purgeDeletedDocuments(limit: limit)
    }
}

/// A version's bytes with what they are: ``DocumentDesk/download(_:version:as:)``.
public struct DocumentDownload: Sendable {
    /// The document.
    public var document: Document
    /// The version being downloaded.
    public var version: DocumentVersion
    /// Its bytes, streamed and checked against `DocumentVersion.digest`.
    public var bytes: DocumentBytes
}

extension WorkflowEngine {
    /// The document desk: upload, version, download and delete documents.
    public var documents: DocumentDesk { DocumentDesk(engine: self) }

    /// Refuses an upload before its bytes are read when the member may not add to `owner` (the commit checks
    /// again).
    func precheckUpload(to owner: DocumentOwner, by member: Member.ID) async throws(CollabError) {
        let subject = try await activeSubject(member)
        let unknown = CollabError.notFound(owner.record.kind.rawValue, owner.record.id)
        guard let (target, organization) = try await ownerTarget(owner),
            ownerVisible(owner, target, organization, to: subject)
        else { throw unknown }
        let probe = Document(
            id: "upload-probe", organizationID: organization, owner: owner, name: "",
            visibility: subject.organizationID == organization ? .internal : .external, versions: [],
            creatorID: member, createdAt: .distantPast, updatedAt: .distantPast)
        try authorize(subject, .uploadDocument, on: .document(probe, in: target),
            otherwise: CollabError(.forbidden, "member '\(member)' may not add documents to \(owner)"))
    }
}
