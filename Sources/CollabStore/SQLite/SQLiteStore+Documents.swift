import CollabModel
import Foundation
import GRDB

// Documents as records: JSON bodies with the columns their lists, quotas and collections read.

extension SQLiteStore {
    // MARK: Writing

    static func applyDocuments(_ changes: DocumentChanges, _ db: Database) throws {
        for document in changes.documents {
            try writeVersioned(
                "documents", id: document.id.rawValue, version: document.version,
                columns: ["organization_id", "record", "updated_at", "deleted_at", "stored_size", "body"],
                values: [
                    document.organizationID.rawValue, document.owner.record.stored, document.updatedAt.storedMilliseconds,
                    document.deletedAt?.storedMilliseconds, document.storedSize, try StoredJSON.encode(document),
                ], db)
            try db.run("DELETE FROM document_digests WHERE document_id = ?", [document.id.rawValue])
            let named = Set(document.versions.filter { $0.scan != .rejected }.map(\.digest.hex))
            for digest in named.sorted() {
                try db.run("INSERT INTO document_digests (digest, document_id) VALUES (?, ?)",
                    [digest, document.id.rawValue])
            }
        }
        for text in changes.texts {
            try db.run("""
                INSERT INTO document_texts (document_id, version_number, text) VALUES (?, ?, ?)
                ON CONFLICT (document_id) DO UPDATE SET version_number = excluded.version_number, text = excluded.text
                """, [text.documentID.rawValue, text.versionNumber, text.text])
        }
        for id in changes.purged {
            // Only a deleted document is purged.
            guard try Bool.fetchOne(db, sql: "SELECT deleted_at IS NOT NULL FROM documents WHERE id = ?",
                arguments: [id.rawValue]) == true
            else { continue }
            try db.run("DELETE FROM document_texts WHERE document_id = ?", [id.rawValue])
            try db.run("DELETE FROM document_digests WHERE document_id = ?", [id.rawValue])
            try db.run("DELETE FROM documents WHERE id = ?", [id.rawValue])
        }
        if let quota = changes.quota {
            let used = try Int64.fetchOne(db, sql: """
                SELECT coalesce(sum(stored_size), 0) FROM documents WHERE organization_id = ? AND deleted_at IS NULL
                """, arguments: [quota.organizationID.rawValue]) ?? 0
            if used > quota.maximumBytes {
                throw CollabError(.quotaExceeded,
                    "organization '\(quota.organizationID)' would hold \(used) bytes of documents, "
                        + "over its quota of \(quota.maximumBytes)")
            }
        }
    }

    // MARK: Reading

    public func document(_ id: Document.ID) async throws(CollabError) -> Document? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM documents WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(Document.self, $0, "document") }
        }
    }

    public func documents(of record: RecordReference, page: PageRequest) async throws(CollabError) -> Page<Document> {
        let cursor = try Self.newestCursor(page.cursor, of: "documents")
        let limit = page.limit
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT d.id, d.body, d.updated_at FROM documents d
                WHERE d.record = ? AND d.deleted_at IS NULL
                    AND (? IS NULL OR (d.updated_at, d.id) < (?, ?))
                ORDER BY d.updated_at DESC, d.id DESC LIMIT ?
                """), arguments: [record.stored, cursor?.0, cursor?.0, cursor?.1, limit + 1])
            return try Self.newestPage(rows, limit: limit, key: "updated_at") {
                try Self.decodeBody(Document.self, $0, "document")
            }
        }
    }

    public func documentUsage(of organizationID: Organization.ID) async throws(CollabError) -> Int64 {
        try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT coalesce(sum(stored_size), 0) FROM documents WHERE organization_id = ? AND deleted_at IS NULL
                """), arguments: [organizationID.rawValue]) ?? 0
        }
    }

    public func referencedDigests(among digests: [ContentDigest]) async throws(CollabError) -> Set<ContentDigest> {
        guard !digests.isEmpty else { return [] }
        let hexes = Array(Set(digests.map(\.hex))).sorted()
        return try await read { db in
            var found = Set<ContentDigest>()
            for start in stride(from: 0, to: hexes.count, by: 500) {
                let chunk = Array(hexes[start..<min(start + 500, hexes.count)])
                let rows = try String.fetchAll(db, sql: """
                    SELECT DISTINCT digest FROM document_digests WHERE digest IN (\(Self.marks(chunk.count)))
                    """, arguments: StatementArguments(chunk))
                found.formUnion(rows.compactMap(ContentDigest.init(hex:)))
            }
            return found
        }
    }

    public func documentsDeleted(before date: Date, limit: Int) async throws(CollabError) -> [Document.ID] {
        try await read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM documents WHERE deleted_at IS NOT NULL AND deleted_at < ?
                ORDER BY deleted_at, id LIMIT ?
                """), arguments: [date.storedMilliseconds, max(0, limit)]).map(Document.ID.init(rawValue:))
        }
    }

    public func documentText(_ id: Document.ID) async throws(CollabError) -> DocumentText? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT version_number, text FROM document_texts WHERE document_id = ?
                """), arguments: [id.rawValue]).map {
                DocumentText(documentID: id, versionNumber: $0["version_number"], text: $0["text"])
            }
        }
    }
}
