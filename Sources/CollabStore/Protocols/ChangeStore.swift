import CollabModel
import Foundation

/// The one write of a command: commits a ``ChangeSet`` atomically, and reads back what an idempotency key
/// recorded.
///
/// Used by the engine's command core (`WorkflowEngine` in CollabWorkflow), through which every desk's
/// commands commit, the effects of fired timers included (`TimerDesk`). Every change of
/// work items, scenario and external records, notifications, read marks, settings and idempotency keys
/// goes through ``commit(_:)``; the other protocols of ``CollabStorage`` only read (apart from the
/// directory's saves, the inbox's read marks, the outbox's delivery bookkeeping and retention).
public protocol ChangeStore: Sendable {
    /// Commits a command's whole effect in one transaction: the item's new state (checked against its
    /// expected version), its activity, audit events, notifications (the outbox) and the idempotency
    /// record. All or nothing.
    ///
    /// When the change carries an idempotency key that is already recorded, nothing is checked and nothing
    /// is written: the first result is returned. Otherwise every precondition of the change is checked
    /// inside the same transaction, so a change that fails any of them writes nothing.
    ///
    /// - Returns: ``CommitOutcome/committed``, or ``CommitOutcome/replayed(_:)`` with the first result when
    ///   the change's idempotency key was already recorded (nothing is written then).
    /// - Throws: `CollabError.Code.conflict` when the item's version is not the expected one
    ///   (``ChangeSet/item``, ``ChangeSet/unchangedItem``), a fired timer is no longer pending
    ///   or no longer held by the claim it is fired under (``ChangeSet/firedTimer``), a versioned scenario or external record or
    ///   the settings are not at the version before, or a contract was already recorded;
    ///   `CollabError.Code.notFound` when an item to update (or ``ChangeSet/unchangedItem``) or the
    ///   organization of ``ChangeSet/externalCollaboration`` does not exist;
    ///   `CollabError.Code.staleDirectory` / `CollabError.Code.staleSettings` when
    ///   ``ChangeSet/directoryRevision`` / ``ChangeSet/settingsRevision`` no longer match;
    ///   `CollabError.Code.alreadyExists` when a new record's identity (or a purchase order's number) is
    ///   taken; storage codes (`storageUnavailable`, `storageFull`, `storageInterrupted`, `storageFailure`)
    ///   when the database fails. In every case nothing is written.
    func commit(_ change: ChangeSet) async throws(CollabError) -> CommitOutcome

    /// The result recorded for an idempotency key, or `nil` when the key was never recorded (or retention
    /// deleted it). One read; keys are scoped to their actor, so another member's key is never returned.
    ///
    /// - Throws: storage codes only.
    func recordedResult(for key: IdempotencyKey) async throws(CollabError) -> RecordedResult?
}
