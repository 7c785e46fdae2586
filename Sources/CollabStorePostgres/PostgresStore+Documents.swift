import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

// Documents as records, as SQLiteStore keeps them: JSON bodies with the columns lists, quotas, retention and
// the orphan collection read.

extension PostgresStore {
    /// The document records (the bytes' tables are version 3's).
    static let schemaVersion4 = Migration(version: 4, name: "document records", statements: [
        """
        CREATE TABLE documents (
            id TEXT COLLATE "C" PRIMARY KEY,
            organization_id TEXT COLLATE "C" NOT NULL,
            record TEXT COLLATE "C" NOT NULL,
            updated_at BIGINT NOT NULL,
            deleted_at BIGINT,
            stored_size BIGINT NOT NULL,
            version BIGINT NOT NULL,
            body TEXT COLLATE "C" NOT NULL
        )
        """,
        "CREATE INDEX documents_by_record ON documents(record, updated_at, id) WHERE deleted_at IS NULL",
        "CREATE INDEX documents_by_organization ON documents(organization_id, stored_size) WHERE deleted_at IS NULL",
        "CREATE INDEX documents_deleted ON documents(deleted_at, id) WHERE deleted_at IS NOT NULL",
        """
        CREATE TABLE document_digests (
            digest TEXT COLLATE "C" NOT NULL,
            document_id TEXT COLLATE "C" NOT NULL REFERENCES documents(id),
            PRIMARY KEY (digest, document_id)
        )
        """,
        "CREATE INDEX document_digests_by_document ON document_digests(document_id)",
        """
        CREATE TABLE document_texts (
            document_id TEXT COLLATE "C" PRIMARY KEY REFERENCES documents(id),
            version_number BIGINT NOT NULL,
            text TEXT NOT NULL
        )
        """,
    ])

    // MARK: Writing

    static func applyDocuments(_ changes: DocumentChanges, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        for document in changes.documents {
            try await writeVersioned(
                "documents", id: document.id.rawValue, version: document.version,
                columns: ["organization_id", "record", "updated_at", "deleted_at", "stored_size", "body"],
                values: { query in
                    query.bind(document.organizationID.rawValue)
                    query.add(", ")
                    query.bind(document.owner.record.stored)
                    query.add(", ")
                    query.bind(document.updatedAt.millisecondsSince1970)
                    query.add(", ")
                    query.bind(document.deletedAt?.millisecondsSince1970)
                    query.add(", ")
                    query.bind(document.storedSize)
                    query.add(", ")
                    query.bind(try StoredJSON.encode(document))
                }, connection, logger)
            let named = Set(document.versions.filter { $0.scan != .rejected }.map(\.digest.hex)).sorted()
            try await connection.execute(
                "DELETE FROM document_digests WHERE document_id = \(document.id.rawValue)", logger)
            if !named.isEmpty {
                try await connection.execute("""
                    INSERT INTO document_digests (digest, document_id)
                    SELECT d, \(document.id.rawValue) FROM unnest(\(named)::text[]) AS d
                    """, logger)
            }
        }
        for text in changes.texts {
            try await connection.execute("""
                INSERT INTO document_texts (document_id, version_number, text)
                VALUES (\(text.documentID.rawValue), \(text.versionNumber), \(text.text))
                ON CONFLICT (document_id) DO UPDATE SET version_number = excluded.version_number, text = excluded.text
                """, logger)
        }
        for id in changes.purged {
            // Only a deleted document is purged.
            let deleted = try await connection.rows(
                "SELECT 1 AS one FROM documents WHERE id = \(id.rawValue) AND deleted_at IS NOT NULL FOR UPDATE", logger)
            guard !deleted.isEmpty else { continue }
            try await connection.execute("DELETE FROM document_texts WHERE document_id = \(id.rawValue)", logger)
            try await connection.execute("DELETE FROM document_digests WHERE document_id = \(id.rawValue)", logger)
            try await connection.execute("DELETE FROM documents WHERE id = \(id.rawValue)", logger)
        }
        if let quota = changes.quota {
            let used = try await connection.rows("""
                SELECT coalesce(sum(stored_size), 0)::bigint AS used FROM documents
                WHERE organization_id = \(quota.organizationID.rawValue) AND deleted_at IS NULL
                """, logger).first?.value("used", as: Int64.self) ?? 0
            if used > quota.maximumBytes {
                throw CollabError(.quotaExceeded,
                    "organization '\(quota.organizationID)' would hold \(used) bytes of documents, "
                        + "over its quota of \(quota.maximumBytes)")
            }
        }
    }
}

extension PostgresStore: DocumentRecordStore {
    public func document(_ id: Document.ID) async throws(CollabError) -> Document? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM documents WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(Document.self, $0, "document") }
        }
    }

    public func documents(of record: RecordReference, page: PageRequest) async throws(CollabError) -> Page<Document> {
        let cursor = try Self.newestCursor(page.cursor, of: "documents")
        let limit = page.limit
        var query = QueryText("SELECT d.id, d.body, d.updated_at FROM documents d WHERE d.record = ")
        query.bind(record.stored)
        query.add(" AND d.deleted_at IS NULL")
        if let cursor {
            query.add(" AND (d.updated_at, d.id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY d.updated_at DESC, d.id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "updated_at") {
                try Self.body(Document.self, $0, "document")
            }
        }
    }

    public func documentUsage(of organizationID: Organization.ID) async throws(CollabError) -> Int64 {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT coalesce(sum(stored_size), 0)::bigint AS used FROM documents
                WHERE organization_id = \(organizationID.rawValue) AND deleted_at IS NULL
                """, logger).first?.value("used", as: Int64.self) ?? 0
        }
    }

    public func referencedDigests(among digests: [ContentDigest]) async throws(CollabError) -> Set<ContentDigest> {
        guard !digests.isEmpty else { return [] }
        let hexes = Array(Set(digests.map(\.hex))).sorted()
        let logger = logger
        return try await read { connection in
            let rows = try await connection.rows("""
                SELECT DISTINCT digest FROM document_digests WHERE digest = ANY(\(hexes)::text[])
                """, logger)
            return Set(try rows.compactMap { ContentDigest(hex: try $0.value("digest", as: String.self)) })
        }
    }

    public func documentsDeleted(before date: Date, limit: Int) async throws(CollabError) -> [Document.ID] {
        let logger = logger
        let limit = max(0, limit)
        return try await read { connection in
            try await connection.rows("""
                SELECT id FROM documents WHERE deleted_at IS NOT NULL AND deleted_at < \(date.millisecondsSince1970)
                ORDER BY deleted_at, id LIMIT \(limit)
                """, logger).map { Document.ID(rawValue: try $0.value("id", as: String.self)) }
        }
    }

    public func documentText(_ id: Document.ID) async throws(CollabError) -> DocumentText? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT version_number, text FROM document_texts WHERE document_id = \(id.rawValue)
                """, logger).first.map {
                DocumentText(documentID: id, versionNumber: Int(try $0.value("version_number", as: Int64.self)),
                    text: try $0.value("text", as: String.self))
            }
        }
    }
}
