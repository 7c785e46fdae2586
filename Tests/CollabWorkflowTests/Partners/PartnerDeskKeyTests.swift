import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Every write of the partner desk under an idempotency key: replayed, reused with another payload, and run
/// by a deactivated actor (``KeyedWriteChecks``).
@Suite struct PartnerDeskKeyTests {
    static func invitation(_ name: String) -> PartnerInvitation {
        PartnerInvitation(partnerID: "supplier-k", name: name, contacts: [
            ExternalContact(memberID: "kim", displayName: "Kim Berg", email: "kim@supplier-k.example"),
        ])
    }

    static let writes: [KeyedWrite] = [
        KeyedWrite("partners.invite") {
            let w = try await Workplace(storage: .underTest)
            return KeyedWriteSetup(h: w.h, actor: Workplace.admin,
                write: { key in
                    try resultJSON(try await w.engine.partners.invite(invitation("Supplier K"), by: Workplace.admin,
                        idempotencyKey: key))
                },
                other: { key in
                    try resultJSON(try await w.engine.partners.invite(invitation("Supplier K GmbH"), by: Workplace.admin,
                        idempotencyKey: key))
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
