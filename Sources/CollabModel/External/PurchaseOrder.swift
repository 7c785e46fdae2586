import Foundation

/// A purchase order shared with a supplier: lines with quantities and required dates, and the supplier's
/// and purchasing's delivery-date proposals until one is confirmed.
///
/// Every proposal is kept, numbered 1, 2, 3, …; ``confirmedProposal`` names the one in force, so there is
/// never a doubt about which dates were agreed.
public struct PurchaseOrder: Identifiable, Hashable, Sendable, Codable {
    /// An order's identifier.
    public typealias ID = Identifier<PurchaseOrder>

    /// A line of the order.
    public struct Line: Hashable, Sendable, Codable {
        /// The line's number (1, 2, …), unique in the order.
        public var number: Int
        /// What is ordered.
        public var description: String
        /// The supplier's or the company's article number, if any.
        public var sku: String?
        /// How many.
        public var quantity: Int
        /// In which unit ("pcs", "kg").
        public var unit: String
        /// When the company needs it.
        public var requiredDate: CalendarDate
        /// The delivery date of the confirmed proposal, once there is one.
        public var confirmedDate: CalendarDate?

        /// Creates a line.
        public init(
            number: Int, description: String, sku: String? = nil, quantity: Int, unit: String = "pcs",
            requiredDate: CalendarDate, confirmedDate: CalendarDate? = nil
        ) {
            self.number = number
            self.description = description
            self.sku = sku
            self.quantity = quantity
            self.unit = unit
            self.requiredDate = requiredDate
            self.confirmedDate = confirmedDate
        }
    }

    /// Where the order stands.
    public enum State: String, Hashable, Sendable, Codable, CaseIterable {
        /// Waiting for the supplier's delivery dates.
        case awaitingProposal = "awaiting_proposal"
        /// The supplier proposed dates; purchasing confirms or counter-proposes.
        case proposed
        /// Purchasing counter-proposed; the supplier confirms or proposes again.
        case countered
        /// Both sides agreed on ``PurchaseOrder/confirmedProposal``.
        case confirmed
        /// Cancelled by purchasing.
        case cancelled
    }

    /// The identifier.
    public var id: ID
    /// The buying company.
    public var organizationID: Organization.ID
    /// The supplier it is shared with.
    public var supplierID: Organization.ID
    /// The company's order number ("PO-2026-0042").
    public var number: String
    /// What the order is for.
    public var title: String
    /// The lines.
    public var lines: [Line]
    /// The buyer in charge.
    public var buyerID: Member.ID
    /// The purchasing department, whose members follow the order.
    public var departmentID: Department.ID?
    /// Where it stands.
    public var state: State
    /// Moves each time purchasing changes the lines; proposals name the requirements they answer.
    public var requirementsVersion: Int
    /// The number of the confirmed proposal, while one is in force.
    public var confirmedProposal: Int?
    /// How many proposals were made.
    public var proposalCount: Int
    /// When it was shared.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// Moves on every change.
    public var version: Int

    /// Creates an order.
    public init(
        id: ID, organizationID: Organization.ID, supplierID: Organization.ID, number: String, title: String,
        lines: [Line], buyerID: Member.ID, departmentID: Department.ID?, state: State = .awaitingProposal,
        requirementsVersion: Int = 1, confirmedProposal: Int? = nil, proposalCount: Int = 0, createdAt: Date,
        updatedAt: Date, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.supplierID = supplierID
        self.number = number
        self.title = title
        self.lines = lines
        self.buyerID = buyerID
        self.departmentID = departmentID
        self.state = state
        self.requirementsVersion = requirementsVersion
        self.confirmedProposal = confirmedProposal
        self.proposalCount = proposalCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// What purchasing shares with a supplier.
public struct PurchaseOrderDraft: Hashable, Sendable, Codable {
    /// The order number.
    public var number: String
    /// What it is for.
    public var title: String
    /// The lines (numbered by the draft; numbers must be unique and positive).
    public var lines: [PurchaseOrder.Line]
    /// The purchasing department that follows it.
    public var departmentID: Department.ID?

    /// Creates a draft.
    public init(number: String, title: String, lines: [PurchaseOrder.Line], departmentID: Department.ID? = nil) {
        self.number = number
        self.title = title
        self.lines = lines
        self.departmentID = departmentID
    }

    /// Checks the lines: present, numbered uniquely, positive quantities, bounded texts.
    public static func validate(lines: [PurchaseOrder.Line], limits: ValidationLimits) -> ValidationReport {
        var report = ValidationReport()
        if lines.isEmpty { report.add("lines", .empty, "an order needs at least one line") }
        if lines.count > limits.memberListLength {
            report.add("lines", .tooLong, "has \(lines.count) lines, at most \(limits.memberListLength)")
        }
        var numbers = Set<Int>()
        for (index, line) in lines.enumerated() {
            let field = "lines[\(index)]"
            if line.number < 1 { report.add("\(field).number", .outOfRange, "\(line.number) is not positive") }
            if !numbers.insert(line.number).inserted {
                report.add("\(field).number", .duplicate, "line \(line.number) is listed twice")
            }
            report.checkText(line.description, field: "\(field).description", maxLength: limits.titleLength)
            if let sku = line.sku { report.checkText(sku, field: "\(field).sku", maxLength: limits.nameLength) }
            report.checkText(line.unit, field: "\(field).unit", maxLength: 20)
            if !(1...1_000_000_000).contains(line.quantity) {
                report.add("\(field).quantity", .outOfRange, "\(line.quantity) is not between 1 and 1000000000")
            }
        }
        return report
    }

    /// Checks the draft's own values.
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(number, field: "number", maxLength: 64)
        report.checkText(title, field: "title", maxLength: limits.titleLength)
        report.merge(Self.validate(lines: lines, limits: limits))
        return report
    }
}

/// One version of the delivery dates of an order: proposed by the supplier, or counter-proposed by purchasing.
public struct DeliveryProposal: Identifiable, Hashable, Sendable, Codable {
    /// A proposal's identifier.
    public typealias ID = Identifier<DeliveryProposal>

    /// Which side made it.
    public enum Side: String, Hashable, Sendable, Codable, CaseIterable {
        /// The supplier.
        case supplier
        /// The buying company's purchasing.
        case buyer
    }

    /// Where it stands.
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// Waiting for the other side.
        case open
        /// The other side answered with a counter-proposal.
        case countered
        /// Replaced by a newer proposal of the same side, or voided by changed requirements.
        case superseded
        /// Agreed by both sides: the order's dates.
        case confirmed
    }

    /// The date proposed for one line.
    public struct LineDate: Hashable, Sendable, Codable {
        /// The line's number.
        public var line: Int
        /// The delivery date.
        public var date: CalendarDate
        /// How many by that date, when only part of the line can be delivered then (`nil`: all of it).
        public var quantity: Int?

        /// Creates a line date.
        public init(line: Int, date: CalendarDate, quantity: Int? = nil) {
            self.line = line
            self.date = date
            self.quantity = quantity
        }
    }

    /// The identifier.
    public var id: ID
    /// The order.
    public var orderID: PurchaseOrder.ID
    /// The proposal's number in the order: 1, 2, 3, …
    public var number: Int
    /// Which side made it.
    public var side: Side
    /// Who made it.
    public var authorID: Member.ID
    /// The dates, one per line.
    public var lines: [LineDate]
    /// A note to the other side.
    public var note: String?
    /// The order's requirements version it answers.
    public var requirementsVersion: Int
    /// Where it stands.
    public var status: Status
    /// When it was made.
    public var createdAt: Date
    /// When its status last changed.
    public var decidedAt: Date?
    /// Who confirmed it.
    public var confirmedBy: Member.ID?

    /// Creates a proposal.
    public init(
        id: ID, orderID: PurchaseOrder.ID, number: Int, side: Side, authorID: Member.ID, lines: [LineDate],
        note: String?, requirementsVersion: Int, status: Status = .open, createdAt: Date, decidedAt: Date? = nil,
        confirmedBy: Member.ID? = nil
    ) {
        self.id = id
        self.orderID = orderID
        self.number = number
        self.side = side
        self.authorID = authorID
        self.lines = lines
        self.note = note
        self.requirementsVersion = requirementsVersion
        self.status = status
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.confirmedBy = confirmedBy
    }
}
