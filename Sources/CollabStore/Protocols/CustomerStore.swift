import CollabModel
import Foundation

/// The customer archive, and tickets with their messages.
///
/// Used by `CustomerDesk` (the customer archive) and `TicketDesk` (tickets and their messages, for the
/// company's departments and for the customer's own members), and by the engine's record rules.
///
/// Reads run in one read transaction and write nothing; changes are committed with ``ChangeStore/commit(_:)``
/// (``ChangeSet/external``). Point reads return `nil` for an unknown record and do not check who may see it:
/// the engine applies the external rules. A malformed page cursor throws `CollabError.Code.invalidInput`
/// (problem `cursor`, kind `malformed`); otherwise only storage codes are thrown (`storageCorrupt` for a
/// record that cannot be read back).
public protocol CustomerStore: Sendable {
    /// The customer record whose organization is `id`, or `nil` when there is none.
    func customer(_ id: Organization.ID) async throws(CollabError) -> CustomerRecord?

    /// The customer of a company with the host's `customerKey`, or `nil` when there is none.
    func customer(key: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord?

    /// The customer of a company a contract was recorded for, or `nil` when the contract was not recorded.
    func customer(contractID: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord?

    /// A company's customer archive, by name (then by id), paged by the last name and id.
    func customers(in organizationID: Organization.ID, page: PageRequest) async throws(CollabError)
        -> Page<CustomerRecord>

    /// The ticket with `id`, or `nil` when there is none.
    func ticket(_ id: Ticket.ID) async throws(CollabError) -> Ticket?

    /// Tickets newest first (by creation time, then by id, descending), paged, of a company
    /// (`organizationID`) or of a customer (`customerID`); with `departmentIDs`, only those any of these
    /// departments handled.
    ///
    /// - Throws: `CollabError.Code.invalidInput` (problem `organizationID`, kind `missing`) when neither
    ///   `organizationID` nor `customerID` is set.
    func tickets(
        in organizationID: Organization.ID?, customerID: Organization.ID?, handledBy departmentIDs: Set<Department.ID>?,
        page: PageRequest
    ) async throws(CollabError) -> Page<Ticket>

    /// The messages of a ticket, oldest first (in commit order), internal notes included (the engine filters
    /// them); empty for an unknown ticket. Not paged.
    func ticketMessages(of ticketID: Ticket.ID) async throws(CollabError) -> [TicketMessage]
}
