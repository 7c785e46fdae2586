import CollabModel
import CollabStore
import Foundation

extension StoreConformance {
    /// A digest made of one repeated hex digit (`a` → `aaaa…`; a character that is not a hex digit gives `0000…`).
    static func digest(_ digit: Character) -> ContentDigest {
        ContentDigest(repeating: UInt8(digit.hexDigitValue ?? 0) * 0x11)
    }

    /// A document of `acme` on `record` with one version per digest (sizes 100, 200, …).
    static func document(
        _ id: Document.ID, on owner: DocumentOwner = .workItem("item-1"), updated: Date, digests: [Character] = ["a"],
        rejected: Set<Int> = [], organization: Organization.ID = "acme"
    ) -> Document {
        let versions = digests.enumerated().map { index, digit in
            DocumentVersion(
                number: index + 1, fileName: "file-\(index + 1).pdf", digest: digest(digit), size: Int64(100 * (index + 1)),
                mediaType: "application/pdf", uploaderID: "worker", uploadedAt: updated,
                scan: rejected.contains(index + 1) ? .rejected : .clean)
        }
        return Document(
            id: id, organizationID: organization, owner: owner, name: "file.pdf", tags: ["plan"], visibility: .internal,
            versions: versions, creatorID: "worker", createdAt: updated, updatedAt: updated)
    }

    /// Commits `documents` (and `texts`, `purged`, `quota`) in one change.
    static func commitDocuments(
        _ ctx: ConformanceContext, _ documents: [Document], texts: [DocumentText] = [], purged: [Document.ID] = [],
        quota: DocumentQuota? = nil
    ) async throws {
        var change = ChangeSet()
        change.documents.documents = documents
        change.documents.texts = texts
        change.documents.purged = purged
        change.documents.quota = quota
        _ = try await ctx.store.commit(change)
    }

    static let documentChecks: [Check] = [
        Check(.documents, "document-round-trip",
            "A committed document reads back by id as written (versions, owner, tags); an unknown id is nil.") { ctx in
            let written = document("d1", on: .progressUpdate("pu-1", of: "item-1"), updated: ctx.at(10), digests: ["a", "b"])
            try await commitDocuments(ctx, [written])
            try ctx.equal(try await ctx.store.document("d1"), written, "the stored document")
            try ctx.equal(try await ctx.store.document("ghost"), nil, "an unknown document")
        },
        Check(.documents, "document-versions",
            "A document is written only over the version one less: a second version 1 and a skipped version are conflicts, and nothing is written.") { ctx in
            let first = document("d1", updated: ctx.at(10))
            try await commitDocuments(ctx, [first])
            try await ctx.expectError(.conflict, "a second version 1") { try await commitDocuments(ctx, [first]) }
            var skipped = first
            skipped.version = 3
            skipped.name = "skipped.pdf"
            try await ctx.expectError(.conflict, "version 3 over version 1") { try await commitDocuments(ctx, [skipped]) }
            try ctx.equal(try await ctx.store.document("d1"), first, "the document after the refused writes")
            var second = first
            second.version = 2
            second.deletedAt = ctx.at(20)
            try await commitDocuments(ctx, [second])
            try ctx.equal(try await ctx.store.document("d1"), second, "version 2")
        },
        Check(.documents, "documents-of-record",
            "documents(of:) lists the record's documents that are not deleted, most recently changed first, paged without gap or overlap; a malformed cursor is invalid_input.") { ctx in
            var deleted = document("d4", updated: ctx.at(40))
            deleted.deletedAt = ctx.at(41)
            try await commitDocuments(ctx, [
                document("d1", updated: ctx.at(10)), document("d2", updated: ctx.at(30)),
                document("d3", on: .progressUpdate("pu-1", of: "item-1"), updated: ctx.at(20)), deleted,
                document("d5", on: .workItem("item-2"), updated: ctx.at(50)),
            ])
            var seen: [Document.ID] = []
            var page = PageRequest(limit: 1)
            while true {
                let listed = try await ctx.store.documents(of: .workItem("item-1"), page: page)
                try ctx.expect(listed.items.count <= 1, "at most 1 per page", found: "\(listed.items.count)")
                seen += listed.items.map(\.id)
                guard let next = listed.nextCursor else { break }
                page = PageRequest(limit: 1, cursor: next)
            }
            try ctx.equal(seen, ["d2", "d3", "d1"], "the item's documents, newest first")
            try await ctx.expectError(.invalidInput, "a malformed cursor") {
                _ = try await ctx.store.documents(of: .workItem("item-1"), page: PageRequest(limit: 5, cursor: "nonsense"))
            }
        },
        Check(.documents, "document-usage-and-quota",
            "documentUsage sums every version of the organization's documents that are not deleted; a change past its quota is quota_exceeded and writes nothing.") { ctx in
            try await commitDocuments(ctx, [
                document("d1", updated: ctx.at(10), digests: ["a", "b"]),               // 300 bytes
                document("d2", updated: ctx.at(20), organization: "globex"),            // another organization
            ])
            try ctx.equal(try await ctx.store.documentUsage(of: "acme"), 300, "acme's usage")
            try await ctx.expectError(.quotaExceeded, "a document past the quota") {
                try await commitDocuments(ctx, [document("d3", updated: ctx.at(30), digests: ["c"])],
                    quota: DocumentQuota(organizationID: "acme", maximumBytes: 350))
            }
            try ctx.equal(try await ctx.store.document("d3"), nil, "the refused document")
            try await commitDocuments(ctx, [document("d3", updated: ctx.at(30), digests: ["c"])],
                quota: DocumentQuota(organizationID: "acme", maximumBytes: 400))
            try ctx.equal(try await ctx.store.documentUsage(of: "acme"), 400, "acme's usage at its quota")
            var gone = document("d1", updated: ctx.at(40), digests: ["a", "b"])
            gone.version = 2
            gone.deletedAt = ctx.at(40)
            try await commitDocuments(ctx, [gone])
            try ctx.equal(try await ctx.store.documentUsage(of: "acme"), 100, "acme's usage after a deletion")
        },
        Check(.documents, "referenced-digests-and-purge",
            "referencedDigests names the digests of versions that are not rejected, deleted documents included until they are purged; a purge removes the document and its text, and only a deleted one.") { ctx in
            var deleted = document("d1", updated: ctx.at(10), digests: ["a"])
            deleted.deletedAt = ctx.at(11)
            try await commitDocuments(ctx, [
                deleted, document("d2", updated: ctx.at(20), digests: ["b", "c"], rejected: [2]),
            ], texts: [DocumentText(documentID: "d1", versionNumber: 1, text: "budget 预算")])
            let all = [digest("a"), digest("b"), digest("c"), digest("d")]
            try ctx.equal(try await ctx.store.referencedDigests(among: all), [digest("a"), digest("b")], "named digests")
            try ctx.equal(try await ctx.store.documentText("d1")?.text, "budget 预算", "the kept text")
            try ctx.equal(try await ctx.store.documentsDeleted(before: ctx.at(12), limit: 10), ["d1"], "deleted before t+12")
            try ctx.equal(try await ctx.store.documentsDeleted(before: ctx.at(11), limit: 10), [], "deleted before t+11")
            try await commitDocuments(ctx, [], purged: ["d1", "d2"])
            try ctx.equal(try await ctx.store.document("d1"), nil, "the purged document")
            try ctx.equal(try await ctx.store.documentText("d1"), nil, "the purged document's text")
            try ctx.expect(try await ctx.store.document("d2") != nil, "a document that is not deleted survives a purge",
                found: "it was purged")
            try ctx.equal(try await ctx.store.referencedDigests(among: all), [digest("b")], "named digests after the purge")
        },
        Check(.documents, "document-text-replaced",
            "A document's text is replaced by a later version's text.") { ctx in
            try await commitDocuments(ctx, [document("d1", updated: ctx.at(10))],
                texts: [DocumentText(documentID: "d1", versionNumber: 1, text: "first")])
            var second = document("d1", updated: ctx.at(20), digests: ["a", "b"])
            second.version = 2
            try await commitDocuments(ctx, [second], texts: [DocumentText(documentID: "d1", versionNumber: 2, text: "second")])
            try ctx.equal(try await ctx.store.documentText("d1"),
                DocumentText(documentID: "d1", versionNumber: 2, text: "second"), "the newest text")
        },
    ]
}
