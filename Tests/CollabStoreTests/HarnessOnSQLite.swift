import CollabStore
import CollabTesting
import Testing

// These tests exercise SQLiteStore itself: their harnesses are SQLite harnesses (`TestHarness()`), and these
// accessors read the SQLite side of the harness, failing the test if it is not there.
extension TestHarness {
    /// The harness's SQLite file.
    var sqlitePath: String {
        get throws { try #require(databasePath, "the harness runs on SQLite") }
    }

    /// The harness's SQLite store.
    var sqlite: SQLiteStore {
        get throws { try #require(sqliteStore, "the harness runs on SQLite") }
    }
}
