import CollabModel
import CollabStore
import Foundation

extension WorkflowEngine {
    /// ``DocumentDesk/collectOrphans(limit:)``.
    func collectDocumentOrphans(limit: Int) async throws(CollabError) -> Int {
        let bytes = try documentStore()
        let cutoff = now().addingTimeInterval(-configuration.documents.orphanGracePeriod.timeInterval)
        var after: ContentDigest?
        var walked = 0, removed = 0
        while walked < limit {
            let contents = try await bytes.contents(after: after, limit: min(500, limit - walked))
            guard let last = contents.last else { break }
            walked += contents.count
            after = last.digest
            let old = contents.filter { $0.storedAt < cutoff }
            let named = try await store.referencedDigests(among: old.map(\.digest))
            for content in old where !named.contains(content.digest) {
                // Checked again just before: an upload of the same bytes may have named them meanwhile (it
                // refreshes the stored time first, so it is never older than the grace period).
                if let fresh = try await bytes.content(content.digest), fresh.storedAt < cutoff,
                    try await store.referencedDigests(among: [content.digest]).isEmpty
                {
                    try await bytes.remove(content.digest)
                    removed += 1
                    logger.info("collected orphaned document bytes",
                        metadata: ["digest": "\(content.digest)", "size": "\(content.size)"])
                }
            }
        }
        return removed
    }

    /// ``DocumentDesk/purgeDeleted(limit:)``.
    func purgeDeletedDocuments(limit: Int) async throws(CollabError) -> Int {
        let cutoff = now().addingTimeInterval(-configuration.documents.deletedRetention.timeInterval)
        let ids = try await store.documentsDeleted(before: cutoff, limit: limit)
        var purged = 0
        for id in ids {
            let done: Bool = try await runEffect("purge_document") { now throws(CollabError) in
                guard let document = try await store.document(id), let deletedAt = document.deletedAt,
                    deletedAt < now.addingTimeInterval(-configuration.documents.deletedRetention.timeInterval)
                else { return Planned(ChangeSet(), false) }
                var change = ChangeSet()
                change.documents.purged = [id]
                change.auditEvents = [documentEvent(document, actor: AuditEvent.systemActor, action: "purge_document",
                    details: ["versions": String(document.versions.count), "size": String(document.storedSize)], at: now)]
                return Planned(change, true)
            }
            if done { purged += 1 }
        }
        return purged
    }
}
