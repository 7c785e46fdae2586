import CollabModel
import CollabStore
import Foundation
import Logging
import PostgresNIO

// Partnerships, purchase orders and proposals, the customer archive and tickets, as SQLiteStore keeps them.

extension PostgresStore {
    // MARK: Writing

    /// Writes the outside-world records of a change set, inside the commit's transaction; a unique
    /// violation becomes the error SQLiteStore gives (the commit then rolls back with nothing written).
    static func applyExternal(_ changes: ExternalChanges, _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        for organization in changes.organizations {
            try await upsert(organization, connection, logger)
        }
        for member in changes.members {
            try await writeMember(member, connection, logger)
        }
        for partnership in changes.partnerships {
            try await connection.execute("""
                INSERT INTO partnerships (organization_id, partner_id, role, invited_by, invited_at)
                VALUES (\(partnership.organizationID.rawValue), \(partnership.partnerID.rawValue),
                    \(partnership.role.rawValue), \(partnership.invitedBy.rawValue),
                    \(partnership.invitedAt.millisecondsSince1970))
                ON CONFLICT (organization_id, partner_id) DO UPDATE SET role = excluded.role
                """, logger)
        }
        for order in changes.purchaseOrders {
            try await uniquely(CollabError(.alreadyExists, "purchase order number '\(order.number.clipped())' is already used")) {
                try await writeVersioned(
                    "purchase_orders", id: order.id.rawValue, version: order.version,
                    columns: ["organization_id", "supplier_id", "number", "state", "created_at", "body"],
                    values: { query in
                        query.bind(order.organizationID.rawValue)
                        query.add(", ")
                        query.bind(order.supplierID.rawValue)
                        query.add(", ")
                        query.bind(order.number)
                        query.add(", ")
                        query.bind(order.state.rawValue)
                        query.add(", ")
                        query.bind(order.createdAt.millisecondsSince1970)
                        query.add(", ")
                        query.bind(try StoredJSON.encode(order))
                    }, connection, logger)
            }
        }
        for proposal in changes.deliveryProposals {
            try await uniquely(CollabError(.conflict,
                "order '\(proposal.orderID)' already has a proposal \(proposal.number): another came first"))
            {
                try await connection.execute("""
                    INSERT INTO delivery_proposals (id, order_id, number, status, body)
                    VALUES (\(proposal.id.rawValue), \(proposal.orderID.rawValue), \(proposal.number),
                        \(proposal.status.rawValue), \(try StoredJSON.encode(proposal)))
                    ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body
                    """, logger)
            }
        }
        for customer in changes.customers {
            try await uniquely(CollabError(.conflict,
                "customer key '\(customer.customerKey.clipped())' was registered by another event first"))
            {
                try await writeVersioned(
                    "customers", id: customer.id.rawValue, version: customer.version,
                    columns: ["organization_id", "customer_key", "name", "body"],
                    values: { query in
                        query.bind(customer.organizationID.rawValue)
                        query.add(", ")
                        query.bind(customer.customerKey)
                        query.add(", ")
                        query.bind(customer.name)
                        query.add(", ")
                        query.bind(try StoredJSON.encode(customer))
                    }, connection, logger)
            }
        }
        for contract in changes.contracts {
            let inserted = try await connection.execute("""
                INSERT INTO customer_contracts (organization_id, contract_id, customer_id)
                VALUES (\(contract.organizationID.rawValue), \(contract.contractID), \(contract.customerID.rawValue))
                ON CONFLICT DO NOTHING
                """, logger)
            if inserted == 0 {
                throw CollabError(.conflict, "contract '\(contract.contractID.clipped())' was recorded by another event first")
            }
        }
        for ticket in changes.tickets {
            try await writeVersioned(
                "tickets", id: ticket.id.rawValue, version: ticket.version,
                columns: ["organization_id", "customer_id", "state", "created_at", "body"],
                values: { query in
                    query.bind(ticket.organizationID.rawValue)
                    query.add(", ")
                    query.bind(ticket.customerID.rawValue)
                    query.add(", ")
                    query.bind(ticket.state.rawValue)
                    query.add(", ")
                    query.bind(ticket.createdAt.millisecondsSince1970)
                    query.add(", ")
                    query.bind(try StoredJSON.encode(ticket))
                }, connection, logger)
            let departments = Set(ticket.handledBy.map(\.rawValue)).sorted()
            if !departments.isEmpty {
                try await connection.execute("""
                    INSERT INTO ticket_departments (department_id, ticket_id)
                    SELECT department, \(ticket.id.rawValue) FROM unnest(\(departments)::text[]) AS department
                    ON CONFLICT DO NOTHING
                    """, logger)
            }
        }
        for message in changes.ticketMessages {
            try await connection.execute("""
                INSERT INTO ticket_messages (id, ticket_id, audience, created_at, body)
                VALUES (\(message.id.rawValue), \(message.ticketID.rawValue), \(message.audience.rawValue),
                    \(message.createdAt.millisecondsSince1970), \(try StoredJSON.encode(message)))
                """, logger)
        }
    }
}

extension PostgresStore: ExternalStore {
    // MARK: Reading

    private static func partnership(from row: PostgresRandomAccessRow) throws -> Partnership {
        let partner = try row.value("partner_id", as: String.self)
        guard let role = Partnership.Role(rawValue: try row.value("role", as: String.self)) else {
            throw CollabError(.storageCorrupt, "partnership with '\(partner.clipped())' has an unknown role")
        }
        return Partnership(
            organizationID: Organization.ID(try row.value("organization_id", as: String.self)),
            partnerID: Organization.ID(partner), role: role,
            invitedBy: Member.ID(try row.value("invited_by", as: String.self)),
            invitedAt: Date(storedMilliseconds: try row.value("invited_at", as: Int64.self)))
    }

    public func partnership(of organizationID: Organization.ID, with partnerID: Organization.ID)
        async throws(CollabError) -> Partnership?
    {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT * FROM partnerships WHERE organization_id = \(organizationID.rawValue)
                    AND partner_id = \(partnerID.rawValue)
                """, logger).first.map(Self.partnership(from:))
        }
    }

    public func partnerships(of organizationID: Organization.ID, asPartner: Bool) async throws(CollabError)
        -> [Partnership]
    {
        var query = QueryText("SELECT * FROM partnerships WHERE \(asPartner ? "partner_id" : "organization_id") = ")
        query.bind(organizationID.rawValue)
        query.add(" ORDER BY organization_id, partner_id")
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try await connection.rows(statement, logger).map(Self.partnership(from:))
        }
    }

    public func purchaseOrder(_ id: PurchaseOrder.ID) async throws(CollabError) -> PurchaseOrder? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM purchase_orders WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(PurchaseOrder.self, $0, "purchase order") }
        }
    }

    public func purchaseOrder(number: String, in organizationID: Organization.ID) async throws(CollabError)
        -> PurchaseOrder?
    {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT id, body FROM purchase_orders WHERE organization_id = \(organizationID.rawValue)
                    AND number = \(number)
                """, logger).first.map { try Self.body(PurchaseOrder.self, $0, "purchase order") }
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
        var query = QueryText("SELECT id, body, created_at FROM purchase_orders WHERE TRUE")
        if let organizationID {
            query.add(" AND organization_id = ")
            query.bind(organizationID.rawValue)
        }
        if let supplierID {
            query.add(" AND supplier_id = ")
            query.bind(supplierID.rawValue)
        }
        if let cursor {
            query.add(" AND (created_at, id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY created_at DESC, id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "created_at") {
                try Self.body(PurchaseOrder.self, $0, "purchase order")
            }
        }
    }

    public func deliveryProposals(of orderID: PurchaseOrder.ID) async throws(CollabError) -> [DeliveryProposal] {
        let logger = logger
        return try await read { connection in
            try await connection.rows(
                "SELECT id, body FROM delivery_proposals WHERE order_id = \(orderID.rawValue) ORDER BY number", logger)
                .map { try Self.body(DeliveryProposal.self, $0, "delivery proposal") }
        }
    }

    public func customer(_ id: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM customers WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(CustomerRecord.self, $0, "customer") }
        }
    }

    public func customer(key: String, in organizationID: Organization.ID) async throws(CollabError) -> CustomerRecord? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT id, body FROM customers WHERE organization_id = \(organizationID.rawValue) AND customer_key = \(key)
                """, logger).first.map { try Self.body(CustomerRecord.self, $0, "customer") }
        }
    }

    public func customer(contractID: String, in organizationID: Organization.ID) async throws(CollabError)
        -> CustomerRecord?
    {
        let logger = logger
        return try await read { connection in
            try await connection.rows("""
                SELECT c.id, c.body FROM customer_contracts k JOIN customers c ON c.id = k.customer_id
                WHERE k.organization_id = \(organizationID.rawValue) AND k.contract_id = \(contractID)
                """, logger).first.map { try Self.body(CustomerRecord.self, $0, "customer") }
        }
    }

    public func customers(in organizationID: Organization.ID, page: PageRequest) async throws(CollabError)
        -> Page<CustomerRecord>
    {
        // Cursor: the last name and id.
        var query = QueryText("SELECT id, name, body FROM customers WHERE organization_id = ")
        query.bind(organizationID.rawValue)
        if let cursor = page.cursor {
            let parts = cursor.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw CollabError.invalid([ValidationProblem(field: "cursor", kind: .malformed,
                    message: "'\(cursor.clipped())' is not a cursor of the customer list")])
            }
            query.add(" AND (name, id) > (")
            query.bind(String(parts[0]))
            query.add(", ")
            query.bind(String(parts[1]))
            query.add(")")
        }
        let limit = page.limit
        query.add(" ORDER BY name, id LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            let rows = try await connection.rows(statement, logger)
            let kept = rows.prefix(limit)
            let items = try kept.map { try Self.body(CustomerRecord.self, $0, "customer") }
            var next: String?
            if rows.count > limit, let last = kept.last {
                next = "\(try last.value("name", as: String.self))\u{1F}\(try last.value("id", as: String.self))"
            }
            return Page(items: items, nextCursor: next)
        }
    }

    public func ticket(_ id: Ticket.ID) async throws(CollabError) -> Ticket? {
        let logger = logger
        return try await read { connection in
            try await connection.rows("SELECT id, body FROM tickets WHERE id = \(id.rawValue)", logger)
                .first.map { try Self.body(Ticket.self, $0, "ticket") }
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
        var query = QueryText("SELECT t.id, t.body, t.created_at FROM tickets t WHERE TRUE")
        if let organizationID {
            query.add(" AND t.organization_id = ")
            query.bind(organizationID.rawValue)
        }
        if let customerID {
            query.add(" AND t.customer_id = ")
            query.bind(customerID.rawValue)
        }
        if let departmentIDs {
            if departmentIDs.isEmpty { return Page(items: [], nextCursor: nil) }
            query.add(" AND t.id IN (SELECT ticket_id FROM ticket_departments WHERE department_id = ANY(")
            query.bind(departmentIDs.map(\.rawValue).sorted())
            query.add("::text[]))")
        }
        if let cursor {
            query.add(" AND (t.created_at, t.id) < (")
            query.bind(cursor.0)
            query.add(", ")
            query.bind(cursor.1)
            query.add(")")
        }
        query.add(" ORDER BY t.created_at DESC, t.id DESC LIMIT ")
        query.bind(limit + 1)
        let statement = query.query
        let logger = logger
        return try await read { connection in
            try Self.newestPage(try await connection.rows(statement, logger), limit: limit, key: "created_at") {
                try Self.body(Ticket.self, $0, "ticket")
            }
        }
    }

    public func ticketMessages(of ticketID: Ticket.ID) async throws(CollabError) -> [TicketMessage] {
        let logger = logger
        return try await read { connection in
            try await connection.rows(
                "SELECT id, body FROM ticket_messages WHERE ticket_id = \(ticketID.rawValue) ORDER BY sequence", logger)
                .map { try Self.body(TicketMessage.self, $0, "ticket message") }
        }
    }
}
