import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the customer desk under an idempotency key: replayed, reused with another payload, and run
/// by a deactivated actor (``KeyedWriteChecks``).
@Suite struct CustomerDeskKeyTests {
    /// A contract of Lotus Foods, owned by the head of sales.
    static func contract(_ id: String) -> SignedContract {
        SignedContract(
            contractID: id, customerKey: "CUST-1", customerName: "Lotus Foods", timeZoneIdentifier: "Europe/Berlin",
            contacts: [ExternalContact(displayName: "Anna Lotus", email: "anna@lotus.example")],
            signedAt: Date(timeIntervalSince1970: 1_767_000_000), salesOwnerID: Workplace.salesHead)
    }

    static let writes: [KeyedWrite] = [
        KeyedWrite("customers.recordSignedContract") {
            let w = try await Workplace(storage: .underTest)
            return KeyedWriteSetup(h: w.h, actor: Workplace.salesHead,
                write: { key in
                    try resultJSON(try await w.engine.customers.recordSignedContract(contract("K-1"),
                        by: Workplace.salesHead, idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.customers.recordSignedContract(contract("K-2"),
                        by: Workplace.salesHead, idempotencyKey: key))
                })
        }
    ]

    @Test("a replay with the same key returns the first result and writes nothing", arguments: writes)
    func replay(_ write: KeyedWrite) async throws { try await expectReplayWritesNothing(write) }

    @Test("the same key with another payload is idempotency_key_reused and writes nothing", arguments: writes)
    func otherPayload(_ write: KeyedWrite) async throws { try await expectOtherPayloadRefused(write) }

    @Test("a deactivated actor is refused (forbidden) and nothing is written", arguments: writes)
    func deactivated(_ write: KeyedWrite) async throws { try await expectDeactivatedActorRefused(write) }
}
