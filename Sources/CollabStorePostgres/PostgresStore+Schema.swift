extension PostgresStore {
    /// The first schema: the tables of SQLiteStore's schema (same tables, same columns), in PostgreSQL's types.
    static let schemaVersion1 = Migration(version: 1, name: "initial schema", statements: [
        // Filled in by the schema port.
    ])
}
