import CollabModel
import Foundation
import GRDB

// Partnerships, purchase orders and proposals, the customer archive and tickets.

extension SQLiteStore {
    // MARK: Writing

    static func applyExternal(_ changes: ExternalChanges, _ db: Database) throws {
        for organization in changes.organizations {
            try upsert(organization, db)
        }
        for member in changes.members {
            try writeMember(member, db)
        }
        for partnership in changes.partnerships {
            try db.run("""
                INSERT INTO partnerships (organization_id, partner_id, role, invited_by, invited_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (organization_id, partner_id) DO UPDATE SET role = excluded.role
                """, [
                    partnership.organizationID.rawValue, partnership.partnerID.rawValue, partnership.role.rawValue,
                    partnership.invitedBy.rawValue, partnership.invitedAt.storedMilliseconds,
                ])
        }
        for order in changes.purchaseOrders {
            do {
                try writeVersioned(
                    "purchase_orders", id: order.id.rawValue, version: order.version,
                    columns: ["organization_id", "supplier_id", "number", "state", "created_at", "body"],
                    values: [
                        order.organizationID.rawValue, order.supplierID.rawValue, order.number, order.state.rawValue,
                        order.createdAt.storedMilliseconds, try StoredJSON.encode(order),
                    ], db)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw CollabError(.alreadyExists, "purchase order number '\(order.number.clipped())' is already used")
            }
        }
        for proposal in changes.deliveryProposals {
            do {
                try db.run("""
                    INSERT INTO delivery_proposals (id, order_id, number, status, body) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body
                    """, [
                        proposal.id.rawValue, proposal.orderID.rawValue, proposal.number, proposal.status.rawValue,
                        try StoredJSON.encode(proposal),
                    ])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw CollabError(.conflict,
                    "order '\(proposal.orderID)' already has a proposal \(proposal.number): another came first")
            }
        }
        for customer in changes.customers {
            do {
                try writeVersioned(
                    "customers", id: customer.id.rawValue, version: customer.version,
                    columns: ["organization_id", "customer_key", "name", "body"],
                    values: [
                        customer.organizationID.rawValue, customer.customerKey, customer.name,
                        try StoredJSON.encode(customer),
                    ], db)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw CollabError(.conflict,
                    "customer key '\(customer.customerKey.clipped())' was registered by another event first")
            }
        }
        for contract in changes.contracts {
            do {
                try db.run("INSERT INTO customer_contracts (organization_id, contract_id, customer_id) VALUES (?, ?, ?)",
                    [contract.organizationID.rawValue, contract.contractID, contract.customerID.rawValue])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw CollabError(.conflict, "contract '\(contract.contractID.clipped())' was recorded by another event first")
            }
        }
        for ticket in changes.tickets {
            try writeVersioned(
                "tickets", id: ticket.id.rawValue, version: ticket.version,
                columns: ["organization_id", "customer_id", "state", "created_at", "body"],
                values: [
                    ticket.organizationID.rawValue, ticket.customerID.rawValue, ticket.state.rawValue,
                    ticket.createdAt.storedMilliseconds, try StoredJSON.encode(ticket),
                ], db)
            for department in Set(ticket.handledBy) {
                try db.run("INSERT OR IGNORE INTO ticket_departments (department_id, ticket_id) VALUES (?, ?)",
                    [department.rawValue, ticket.id.rawValue])
            }
        }
        for message in changes.ticketMessages {
            try db.run("INSERT INTO ticket_messages (id, ticket_id, audience, created_at, body) VALUES (?, ?, ?, ?, ?)", [
                message.id.rawValue, message.ticketID.rawValue, message.audience.rawValue,
                message.createdAt.storedMilliseconds, try StoredJSON.encode(message),
            ])
        }
    }

    // MARK: Reading

    private static func partnership(from row: Row) throws -> Partnership {
        guard let role = Partnership.Role(rawValue: row["role"]) else {
            throw CollabError(.storageCorrupt, "partnership with '\(row["partner_id"] as String)' has an unknown role")
        }
        return Partnership(
            organizationID: Organization.ID(row["organization_id"]), partnerID: Organization.ID(row["partner_id"]),
            role: role, invitedBy: Member.ID(row["invited_by"]), invitedAt: Date(storedMilliseconds: row["invited_at"]))
    }

    public func partnership(of organizationID: Organization.ID, with partnerID: Organization.ID)
        async throws(CollabError) -> Partnership?
    {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT * FROM partnerships WHERE organization_id = ? AND partner_id = ?
                """), arguments: [organizationID.rawValue, partnerID.rawValue]).map(Self.partnership(from:))
        }
    }

    public func partnerships(of organizationID: Organization.ID, asPartner: Bool) async throws(CollabError)
        -> [Partnership]
    {
        let column = asPartner ? "partner_id" : "organization_id"
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM partnerships WHERE \(column) = ? ORDER BY organization_id, partner_id
                """), arguments: [organizationID.rawValue]).map(Self.partnership(from:))
        }
    }

    public func purchaseOrder(_ id: PurchaseOrder.ID) async throws(CollabError) -> PurchaseOrder? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM purchase_orders WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(PurchaseOrder.self, $0, "purchase order") }
        }
    }

    public func purchaseOrder(number: String, in organizationID: Organization.ID) async throws(CollabError)
        -> PurchaseOrder?
    {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, body FROM purchase_orders WHERE organization_id = ? AND number = ?
                """), arguments: [organizationID.rawValue, number])
                .map { try Self.decodeBody(PurchaseOrder.self, $0, "purchase order") }
        }
    }

    public func purchaseOrders(in organizationID: Organization.ID?, supplierID: Organization.ID?, page: PageRequest)
        async throws(CollabError) -> Page<PurchaseOrder>
    {
        guard organizationID != nil || supplierID != nil else {
            throw CollabError.invalid([ValidationProblem(field: "organizationID", kind: .missing,
                message: "a company or a supplier is needed to list purchase orders")])
        }
        let cursor = try Self.newestCursor(page.cursor, of: "purchase orders")
        let limit = page.limit
        // Read from the index of the side given; the other side, if given too, filters.
        let sql = organizationID != nil
            ? """
                SELECT id, body, created_at FROM purchase_orders
                WHERE organization_id = ? AND (? IS NULL OR supplier_id = ?)
                    AND (? IS NULL OR (created_at, id) < (?, ?))
                ORDER BY created_at DESC, id DESC LIMIT ?
                """
            : """
                SELECT id, body, created_at FROM purchase_orders
                WHERE supplier_id = ? AND (? IS NULL OR organization_id = ?)
                    AND (? IS NULL OR (created_at, id) < (?, ?))
                ORDER BY created_at DESC, id DESC LIMIT ?
                """
        let first = (organizationID ?? supplierID)?.rawValue
        let second = organizationID != nil ? supplierID?.rawValue : nil
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [
                first, second, second, cursor?.0, cursor?.0, cursor?.1, limit + 1,
            ])
            return try Self.newestPage(rows, limit: limit, key: "created_at") {
                try Self.decodeBody(PurchaseOrder.self, $0, "purchase order")
            }
        }
    }

    public func deliveryProposals(of orderID: PurchaseOrder.ID) async throws(CollabError) -> [DeliveryProposal] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, body FROM delivery_proposals WHERE order_id = ? ORDER BY number"),
                arguments: [orderID.rawValue]).map { try Self.decodeBody(DeliveryProposal.self, $0, "delivery proposal") }
        }
    }

    public func customer(_ id: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM customers WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(CustomerRecord.self, $0, "customer") }
        }
    }

    public func customer(key: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT id, body FROM customers WHERE organization_id = ? AND customer_key = ?
                """), arguments: [organizationID.rawValue, key])
                .map { try Self.decodeBody(CustomerRecord.self, $0, "customer") }
        }
    }

    public func customer(contractID: String, in organizationID: Organization.ID) async throws(CollabError)
        -> CustomerRecord?
    {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT c.id, c.body FROM customer_contracts k JOIN customers c ON c.id = k.customer_id
                WHERE k.organization_id = ? AND k.contract_id = ?
                """), arguments: [organizationID.rawValue, contractID])
                .map { try Self.decodeBody(CustomerRecord.self, $0, "customer") }
        }
    }

    public func customers(in organizationID: Organization.ID, page: PageRequest) async throws(CollabError)
        -> Page<CustomerRecord>
    {
        // Cursor: the last name and id.
        var after: (String, String)?
        if let cursor = page.cursor {
            let parts = cursor.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                    message: "'\(cursor.clipped())' is not a cursor of the customer list")])
            }
            after = (String(parts[0]), String(parts[1]))
        }
        let limit = page.limit
        let (afterName, afterID) = (after?.0, after?.1)
        return try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, name, body FROM customers WHERE organization_id = ?
                    AND (? IS NULL OR (name, id) > (?, ?))
                ORDER BY name, id LIMIT ?
                """), arguments: [organizationID.rawValue, afterName, afterName, afterID, limit + 1])
            let items = try rows.prefix(limit).map { try Self.decodeBody(CustomerRecord.self, $0, "customer") }
            var next: String?
            if rows.count > limit, let last = rows.prefix(limit).last {
                next = "\(last["name"] as String)\u{1F}\(last["id"] as String)"
            }
            return Page(items: items, nextCursor: next)
        }
    }

    public func ticket(_ id: Ticket.ID) async throws(CollabError) -> Ticket? {
        try await read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, body FROM tickets WHERE id = ?"),
                arguments: [id.rawValue]).map { try Self.decodeBody(Ticket.self, $0, "ticket") }
        }
    }

    public func tickets(
        in organizationID: Organization.ID?, customerID: Organization.ID?, handledBy departmentIDs: Set<Department.ID>?,
        page: PageRequest
    ) async throws(CollabError) -> Page<Ticket> {
        guard organizationID != nil || customerID != nil else {
            throw CollabError.invalid([ValidationProblem(field: "organizationID", kind: .missing,
                message: "a company or a customer is needed to list tickets")])
        }
        let cursor = try Self.newestCursor(page.cursor, of: "tickets")
        let limit = page.limit
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let organizationID {
            conditions.append("t.organization_id = ?")
            arguments.append(organizationID.rawValue)
        }
        if let customerID {
            conditions.append("t.customer_id = ?")
            arguments.append(customerID.rawValue)
        }
        if let departmentIDs {
            let ids = departmentIDs.map(\.rawValue).sorted()
            if ids.isEmpty { return Page(items: [], nextCursor: nil) }
            conditions.append("t.id IN (SELECT ticket_id FROM ticket_departments WHERE department_id IN (\(Self.marks(ids.count))))")
            arguments += ids.map { $0 }
        }
        if let cursor {
            conditions.append("(t.created_at, t.id) < (?, ?)")
            arguments += [cursor.0, cursor.1]
        }
        let sql = """
            SELECT t.id, t.body, t.created_at FROM tickets t WHERE \(conditions.joined(separator: " AND "))
            ORDER BY t.created_at DESC, t.id DESC LIMIT ?
            """
        arguments.append(limit + 1)
        let bound = StatementArguments(arguments)
        return try await read { db in
            let rows = try Row.fetchAll(db, sql: sql, arguments: bound)
            return try Self.newestPage(rows, limit: limit, key: "created_at") { try Self.decodeBody(Ticket.self, $0, "ticket") }
        }
    }

    public func ticketMessages(of ticketID: Ticket.ID) async throws(CollabError) -> [TicketMessage] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT id, body FROM ticket_messages WHERE ticket_id = ? ORDER BY sequence"),
                arguments: [ticketID.rawValue]).map { try Self.decodeBody(TicketMessage.self, $0, "ticket message") }
        }
    }
}
