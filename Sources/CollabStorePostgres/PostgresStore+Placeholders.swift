import CollabModel
import CollabStore
import Logging
import PostgresNIO

// Placeholders for the writers of scenario and external records, until their port (helper hp2) replaces
// this file with the real ones.

extension PostgresStore {
    static func applyScenario(_ changes: ScenarioChanges, _ connection: PostgresConnection, _ logger: Logger) async throws {
        throw CollabError(.storageFailure, "not ported yet")
    }

    static func applyExternal(_ changes: ExternalChanges, _ connection: PostgresConnection, _ logger: Logger) async throws {
        throw CollabError(.storageFailure, "not ported yet")
    }
}
