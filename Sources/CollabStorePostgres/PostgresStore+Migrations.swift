import CollabModel
import Logging
import PostgresNIO

extension PostgresStore {
    /// One step of the schema; steps run in order, each once, each in its own transaction.
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
        /// Runs after the statements, in the same transaction (for example to fill a new table from the rows
        /// already stored).
        var after: (@Sendable (PostgresConnection, Logger) async throws -> Void)? = nil
    }

    /// Every step of the schema, oldest first. A released step is never edited: a change is a new step.
    static let migrations: [Migration] = [schemaVersion1, schemaVersion2, schemaVersion3, schemaVersion4, schemaVersion5, schemaVersion6, schemaVersion7, schemaVersion8, schemaVersion9]

    /// Who reads in which language, and what each notice says as a catalog key with its values.
    static let schemaVersion8 = Migration(version: 8, name: "locales and notices as data", statements: [
        "ALTER TABLE organizations ADD COLUMN IF NOT EXISTS locale TEXT COLLATE \"C\" NOT NULL DEFAULT 'en'",
        "ALTER TABLE members ADD COLUMN IF NOT EXISTS locale TEXT COLLATE \"C\"",
        "ALTER TABLE notifications ADD COLUMN IF NOT EXISTS message TEXT COLLATE \"C\"",
    ])

    /// The newest schema version this build knows.
    public static var schemaVersion: Int { migrations.last?.version ?? 0 }

    /// Brings the schema up to date. Several instances starting at once take turns on an advisory lock, so
    /// each step runs once; an instance finding a schema newer than it knows refuses to start.
    func migrate() async throws {
        let logger = self.logger
        let lockName = "collab.migrations." + (configuration.schema ?? "(search_path)")
        try await client.withConnection { connection in
            // One session lock per schema, taken before anything is created: instances starting at once on a
            // new schema would otherwise race on `CREATE SCHEMA` and `CREATE TABLE` and one would fail. Other
            // deployments, in other schemas, don't wait.
            try await connection.execute("SELECT pg_advisory_lock(hashtext(\(lockName)))", logger)
            do {
                try await migrateLocked(connection, logger)
                try await connection.execute("SELECT pg_advisory_unlock(hashtext(\(lockName)))", logger)
            } catch {
                // Closing the session would release it too; a failed unlock leaves nothing worse.
                _ = try? await connection.execute("SELECT pg_advisory_unlock(hashtext(\(lockName)))", logger)
                throw error
            }
        }
    }

    private func migrateLocked(_ connection: PostgresConnection, _ logger: Logger) async throws {
        if let schema = configuration.schema {
            try await connection.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"), logger)
        }
        try await connection.execute("""
            CREATE TABLE IF NOT EXISTS collab_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """, logger)
        for migration in Self.migrations {
            // A store stopped while it migrates stops between steps (a step under way runs to its end).
            try Task.checkCancellation()
            try await connection.execute("BEGIN", logger)
            do {
                let newest = try await connection.rows("SELECT max(version) AS v FROM collab_migrations", logger)
                    .first?.value("v", as: Int?.self) ?? 0
                if newest > Self.schemaVersion {
                    throw CollabError(.storageUnavailable,
                        "the database's schema is version \(newest), newer than this build's \(Self.schemaVersion); update Collab")
                }
                if newest < migration.version {
                    for statement in migration.statements {
                        try await connection.execute(PostgresQuery(unsafeSQL: statement), logger)
                    }
                    try await migration.after?(connection, logger)
                    try await connection.execute(
                        "INSERT INTO collab_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger)
                    logger.info("migrated the schema", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                }
                try await connection.execute("COMMIT", logger)
            } catch {
                _ = try? await connection.execute("ROLLBACK", logger)
                throw error
            }
        }
    }
}
