extension PostgresStore {
    /// Version 3: the bytes of documents (``PostgresDocumentStore``).
    ///
    /// - `document_chunks`: the bytes, in chunks numbered from 0, under the id of the upload that wrote them.
    ///   A put writes its chunks first, each in a short transaction of its own; until the content row names
    ///   the upload, nobody reads them.
    /// - `document_contents`: one row per stored content, naming the upload whose chunks hold its bytes. The
    ///   row is written in one transaction once every chunk is; a second upload of the same bytes only moves
    ///   `stored_at` on and deletes its own chunks. `stored_at` is milliseconds since 1970, like every instant.
    ///
    /// Chunks no content names (a put that failed and could not clean up, a crash mid-put) are collected once
    /// their `created_at` is an hour old.
    static let schemaVersion3 = Migration(version: 3, name: "documents", statements: [
        """
        CREATE TABLE document_chunks (
            upload_id UUID NOT NULL,
            seq INTEGER NOT NULL,
            bytes BYTEA NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (upload_id, seq))
        """,
        "CREATE INDEX document_chunks_created ON document_chunks (created_at)",
        """
        CREATE TABLE document_contents (
            digest TEXT COLLATE "C" PRIMARY KEY,
            size BIGINT NOT NULL,
            chunk_count INTEGER NOT NULL,
            upload_id UUID NOT NULL UNIQUE,
            stored_at BIGINT NOT NULL)
        """,
    ])
}
