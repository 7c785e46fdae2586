import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension WorkflowEngine {
    /// The engine's document store; `storageUnavailable` when the host configured none.
    func documentStore() throws(CollabError) -> any DocumentStore {
        guard let store = configuration.documents.store else {
            throw CollabError(.storageUnavailable,
                "no document store is configured (WorkflowEngine.Configuration.documents.store)")
        }
        return store
    }

    // MARK: Owners and visibility

    /// The target of what `owner` names, whoever asks (the rules then decide), with its organization; `nil`
    /// when it does not exist.
    func ownerTarget(_ owner: DocumentOwner) async throws(CollabError) -> (AccessTarget, Organization.ID)? {
        switch owner {
        case .workItem(let id):
            return try await store.workItem(id).map { (.workItem($0), $0.organizationID) }
        case .progressUpdate(let update, of: let id):
            guard let item = try await store.workItem(id),
                try await store.progressUpdates(on: id).contains(where: { $0.id == update })
            else { return nil }
            return (.workItem(item), item.organizationID)
        case .ticket(let id):
            return try await store.ticket(id).map { (.ticket($0), $0.organizationID) }
        case .purchaseOrder(let id):
            return try await store.purchaseOrder(id).map { (.purchaseOrder($0), $0.organizationID) }
        case .incident(let id):
            return try await store.incident(id).map { (.incident($0), $0.organizationID) }
        case .meeting(let id):
            return try await store.meeting(id).map { (.meeting($0), $0.organizationID) }
        case .departmentFolder(let id):
            return try await store.department(id).map { (.department($0.id, in: $0.organizationID), $0.organizationID) }
        }
    }

    /// The document and its owner's target, if `subject` may see it; `not_found` (as for an unknown id)
    /// otherwise — deleted documents included.
    func visibleDocument(_ id: Document.ID, to subject: Subject) async throws(CollabError) -> (Document, AccessTarget) {
        let unknown = CollabError.notFound("document", id.rawValue)
        guard let document = try await store.document(id), let (owner, _) = try await ownerTarget(document.owner),
            isAllowed(subject, .viewDocument, on: .document(document, in: owner))
        else { throw unknown }
        return (document, owner)
    }

    /// Whether `subject` sees what `owner` names, decided by the one access control: an external document of
    /// it, which every viewer of the owner sees, is visible.
    func ownerVisible(_ owner: DocumentOwner, _ target: AccessTarget, _ organization: Organization.ID, to subject: Subject)
        -> Bool
    {
        let probe = Document(
            id: "owner-probe", organizationID: organization, owner: owner, name: "", visibility: .external,
            versions: [], creatorID: subject.memberID, createdAt: .distantPast, updatedAt: .distantPast)
        return isAllowed(subject, .viewDocument, on: .document(probe, in: target))
    }

    /// A replay's check: `not_found` unless `subject` may still see the document.
    func documentVisible(_ subject: Subject, _ document: Document) async throws(CollabError) {
        _ = try await visibleDocument(document.id, to: subject)
    }

    // MARK: Intake

    /// What an upload became once staged, inspected, scanned and stored: the engine's plan commits it.
    struct AcceptedUpload: Sendable {
        var fileName: String
        var mediaType: String
        var content: StoredContent
        var scan: DocumentVersion.Scan
        var scanNote: String?
        var text: String?
    }

    /// Stages `bytes`, inspects them (type from the bytes, against the name and the policy; archive limits),
    /// asks the host's scanner, and stores the accepted bytes. Nothing is stored when anything refuses it.
    func acceptUpload(_ bytes: some AsyncSequence<[UInt8], any Error>, named name: String)
        async throws(CollabError) -> AcceptedUpload
    {
        let documents = configuration.documents
        let destination = try documentStore()
        let staged = try await StagedUpload.stage(
            bytes, in: documents.stagingDirectory, maximumSize: documents.policy.maximumFileSize)
        let inspector = DocumentInspector(policy: documents.policy, extractors: documents.extractors)
        let inspection = try await inspector.inspect(fileAt: staged.url, name: name)
        var scan = DocumentVersion.Scan.clean
        var note: String?
        if let scanner = documents.scanner {
            switch await scanner.scan(staged.url, fileName: inspection.fileName, mediaType: inspection.mediaType) {
            case .clean: break
            case .quarantine(let reason):
                scan = .quarantined
                note = String(reason.prefix(500))
            case .refuse(let reason):
                throw CollabError.invalid([ValidationProblem(field: "content", kind: .refusedAttachmentType,
                    message: "the scanner refused '\(inspection.fileName.clipped())': \(reason.clipped(200))")])
            }
        }
        let content = try await destination.put(staged.chunks, maximumSize: documents.policy.maximumFileSize)
        guard content.size == staged.size else {
            throw CollabError(.storageFailure,
                "the document store kept \(content.size) bytes of a \(staged.size)-byte upload")
        }
        return AcceptedUpload(
            fileName: inspection.fileName, mediaType: inspection.mediaType, content: content, scan: scan,
            scanNote: note, text: inspection.extractedText)
    }

    /// Checks tags against the limits.
    func checkDocumentTags(_ tags: [String], _ report: inout ValidationReport) {
        let limits = configuration.limits
        if tags.count > limits.tagCount {
            report.add("tags", .tooLong, "has \(tags.count) tags, at most \(limits.tagCount)")
        }
        for (index, tag) in tags.enumerated() {
            report.checkText(tag, field: "tags[\(index)]", maxLength: limits.tagLength)
        }
    }

    func documentEvent(_ document: Document, actor: Member.ID, action: String, details: [String: String], at now: Date)
        -> AuditEvent
    {
        var item: WorkItem.ID?
        if case .workItem(let id) = document.owner { item = id }
        if case .progressUpdate(_, of: let id) = document.owner { item = id }
        return recordEvent(.document(document.id), organization: document.organizationID, actor: actor, action: action,
            item: item, details: details.merging(["owner": document.owner.record.stored]) { first, _ in first }, at: now)
    }

    // MARK: Plans

    func planUploadDocument(
        _ upload: AcceptedUpload, to owner: DocumentOwner, tags: [String], visibility: Visibility, _ planning: Planning
    ) async throws(CollabError) -> Planned<Document> {
        let subject = planning.subject
        let unknown = CollabError.notFound(owner.record.kind.rawValue, owner.record.id)
        guard let (target, organization) = try await ownerTarget(owner) else { throw unknown }
        let version = DocumentVersion(
            number: 1, fileName: upload.fileName, digest: upload.content.digest, size: upload.content.size,
            mediaType: upload.mediaType, uploaderID: subject.memberID, uploadedAt: planning.now, scan: upload.scan,
            scanNote: upload.scanNote)
        let document = Document(
            id: Document.ID(identifiers.next()), organizationID: organization, owner: owner, name: upload.fileName,
            tags: tags, visibility: visibility, versions: [version], creatorID: subject.memberID,
            createdAt: planning.now, updatedAt: planning.now)
        // Who may not see the owner learns nothing of it: the same error as an unknown record.
        guard ownerVisible(owner, target, organization, to: subject) else { throw unknown }
        try authorize(subject, .uploadDocument, on: .document(document, in: target),
            otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not add documents to \(owner)"))
        var report = ValidationReport()
        checkDocumentTags(tags, &report)
        try report.throwIfInvalid()
        var change = ChangeSet()
        change.documents.documents = [document]
        if let text = upload.text, !text.isEmpty {
            change.documents.texts = [DocumentText(documentID: document.id, versionNumber: 1, text: text)]
        }
        change.documents.quota = DocumentQuota(
            organizationID: organization, maximumBytes: configuration.documents.quotaPerOrganization)
        change.auditEvents = [documentEvent(document, actor: subject.memberID, action: "upload_document", details: [
            "file_name": version.fileName, "digest": version.digest.hex, "size": String(version.size),
            "media_type": version.mediaType, "version": "1", "scan": version.scan.rawValue,
        ], at: planning.now)]
        return Planned(change, document)
    }

    func planUploadDocumentVersion(
        _ upload: AcceptedUpload, of id: Document.ID, expectedVersion: Int?, _ planning: Planning
    ) async throws(CollabError) -> Planned<Document> {
        let subject = planning.subject
        var (document, target) = try await visibleDocument(id, to: subject)
        try authorize(subject, .uploadDocument, on: .document(document, in: target),
            otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not add versions to document '\(id)'"))
        try checkExpected(document, expectedVersion)
        let number = (document.versions.map(\.number).max() ?? 0) + 1
        let version = DocumentVersion(
            number: number, fileName: upload.fileName, digest: upload.content.digest, size: upload.content.size,
            mediaType: upload.mediaType, uploaderID: subject.memberID, uploadedAt: planning.now, scan: upload.scan,
            scanNote: upload.scanNote)
        document.versions.append(version)
        document.name = upload.fileName
        document.updatedAt = planning.now
        document.version += 1
        var change = ChangeSet()
        change.documents.documents = [document]
        if let text = upload.text, !text.isEmpty {
            change.documents.texts = [DocumentText(documentID: document.id, versionNumber: number, text: text)]
        }
        change.documents.quota = DocumentQuota(
            organizationID: document.organizationID, maximumBytes: configuration.documents.quotaPerOrganization)
        change.auditEvents = [documentEvent(document, actor: subject.memberID, action: "upload_document_version",
            details: [
                "file_name": version.fileName, "digest": version.digest.hex, "size": String(version.size),
                "media_type": version.mediaType, "version": String(number), "scan": version.scan.rawValue,
            ], at: planning.now)]
        return Planned(change, document)
    }

    func planDeleteDocument(_ id: Document.ID, reason: String?, expectedVersion: Int?, _ planning: Planning)
        async throws(CollabError) -> Planned<Document>
    {
        let subject = planning.subject
        var (document, target) = try await visibleDocument(id, to: subject)
        try authorize(subject, .deleteDocument, on: .document(document, in: target),
            otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not delete document '\(id)'"))
        try checkExpected(document, expectedVersion)
        var report = ValidationReport()
        if let reason { report.checkText(reason, field: "reason", maxLength: configuration.limits.textLength) }
        try report.throwIfInvalid()
        document.deletedAt = planning.now
        document.deletedBy = subject.memberID
        document.updatedAt = planning.now
        document.version += 1
        var change = ChangeSet()
        change.documents.documents = [document]
        let purgeAt = planning.now.addingTimeInterval(configuration.documents.deletedRetention.timeInterval)
        change.auditEvents = [documentEvent(document, actor: subject.memberID, action: "delete_document", details: [
            "versions": String(document.versions.count), "size": String(document.storedSize),
            "purge_after": ISO8601DateFormatter().string(from: purgeAt), "reason": reason ?? "",
        ], at: planning.now)]
        return Planned(change, document)
    }

    func planDecideQuarantine(
        _ id: Document.ID, version number: Int, clear: Bool, note: String?, expectedVersion: Int?, _ planning: Planning
    ) async throws(CollabError) -> Planned<Document> {
        let subject = planning.subject
        var (document, target) = try await visibleDocument(id, to: subject)
        try authorize(subject, .decideQuarantine, on: .document(document, in: target),
            otherwise: CollabError(.forbidden, "member '\(subject.memberID)' may not decide quarantined versions"))
        try checkExpected(document, expectedVersion)
        guard let index = document.versions.firstIndex(where: { $0.number == number }) else {
            throw CollabError.notFound("version of document '\(id)'", String(number))
        }
        guard document.versions[index].scan == .quarantined else {
            throw CollabError(.invalidTransition,
                "version \(number) of document '\(id)' is \(document.versions[index].scan.rawValue), not quarantined")
        }
        document.versions[index].scan = clear ? .clean : .rejected
        if let note { document.versions[index].scanNote = String(note.prefix(500)) }
        document.updatedAt = planning.now
        document.version += 1
        var change = ChangeSet()
        change.documents.documents = [document]
        change.auditEvents = [documentEvent(document, actor: subject.memberID,
            action: clear ? "clear_document_version" : "reject_document_version",
            details: ["version": String(number), "note": note ?? ""], at: planning.now)]
        return Planned(change, document)
    }

    private func checkExpected(_ document: Document, _ expected: Int?) throws(CollabError) {
        if let expected, expected != document.version {
            throw CollabError(.conflict,
                "document '\(document.id)' is at version \(document.version), the change was based on version \(expected)")
        }
    }

    // MARK: Attachments

    /// `attachments` with the metadata of the documents they name, as `subject` may attach them: each names a
    /// document `subject` sees and a cleared version of it (its newest by default); an internal document is
    /// attached as internal. Problems go to `report` (`attachments[i].documentID`), so a caller sees them with
    /// the input's other problems.
    func resolveAttachments(_ attachments: [FileAttachment], for subject: Subject, report: inout ValidationReport)
        async throws(CollabError) -> [FileAttachment]
    {
        var resolved: [FileAttachment] = []
        for (index, attachment) in attachments.enumerated() {
            let field = "attachments[\(index)].documentID"
            guard let id = attachment.documentID else {
                report.add(field, .missing,
                    "an attachment names a stored document (upload it with the document desk first); metadata alone is not accepted")
                continue
            }
            let document: Document
            do {
                document = try await visibleDocument(id, to: subject).0
            } catch where error.code == .notFound {
                report.add(field, .unknownDocument, "no document with id '\(id.rawValue.clipped())'")
                continue
            }
            let version = attachment.documentVersion.flatMap(document.version(numbered:)) ?? (
                attachment.documentVersion == nil ? document.current : nil)
            guard let version, version.scan == .clean else {
                report.add(field, .unknownDocument, attachment.documentVersion.map {
                    "document '\(id)' has no version \($0) that may be attached"
                } ?? "document '\(id)' has no version cleared by the scanner")
                continue
            }
            resolved.append(FileAttachment(
                fileName: version.fileName, mediaType: version.mediaType, size: version.size, sha256: version.digest.hex,
                storageKey: "document:\(id.rawValue)@\(version.number)",
                visibility: document.visibility == .external ? attachment.visibility : .internal,
                documentID: id, documentVersion: version.number))
        }
        return resolved
    }

    // MARK: Reads

    func documentsVisible(of owner: DocumentOwner, as viewer: Member.ID, page: PageRequest)
        async throws(CollabError) -> Page<Document>
    {
        let subject = try await subject(viewer)
        let unknown = CollabError.notFound(owner.record.kind.rawValue, owner.record.id)
        guard let (target, organization) = try await ownerTarget(owner),
            ownerVisible(owner, target, organization, to: subject)
        else { throw unknown }
        let listed = try await store.documents(of: owner.record, page: page)
        let items = listed.items.filter { document in
            if case .workItem = owner {} else if document.owner != owner { return false }
            return isAllowed(subject, .viewDocument, on: .document(document, in: target))
        }
        return Page(items: items, nextCursor: listed.nextCursor)
    }
}
