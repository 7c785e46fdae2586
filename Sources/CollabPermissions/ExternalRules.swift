import CollabModel

/// Who may see and do what with purchase orders, the customer archive and tickets: the records a company
/// shares with outside organizations.
///
/// An outside member sees only records of their own organization — a supplier its orders, a customer its
/// tickets — and only while their organization's external collaboration is enabled. Inside the company, the
/// records are seen by the people who work on them, administrators and auditors. A record the viewer may
/// not see is reported as not found.
public enum ExternalRules {
    private static func isOverseer(_ subject: Subject, of organizationID: Organization.ID) -> Bool {
        subject.organizationID == organizationID && !subject.isExternal && subject.isActive
            && (subject.isAdministrator || subject.roles.contains(.auditor))
    }

    private static func isInDepartment(_ subject: Subject, _ department: Department.ID?) -> Bool {
        guard let department else { return false }
        return subject.departmentIDs.contains(department) || subject.headedDepartmentIDs.contains(department)
    }

    /// Whether `subject` speaks for the outside organization `organizationID`: an active member of it whose
    /// organization's external collaboration is enabled.
    public static func speaksFor(_ subject: Subject, _ organizationID: Organization.ID) -> Bool {
        subject.isExternal && subject.organizationID == organizationID && subject.externalCollaborationEnabled
            && subject.isActive
    }

    // MARK: Partners

    /// Whether `subject` may invite partner organizations for `organizationID`: its active administrators.
    public static func canInvitePartners(_ subject: Subject, for organizationID: Organization.ID) -> Bool {
        subject.organizationID == organizationID && !subject.isExternal && subject.isActive && subject.isAdministrator
    }

    // MARK: Purchase orders

    /// Whether `subject` may share orders of their own organization on behalf of `department`: active
    /// administrators, and active members of that (purchasing) department.
    public static func canShareOrders(_ subject: Subject, department: Department.ID?) -> Bool {
        !subject.isExternal && subject.isActive && (subject.isAdministrator || isInDepartment(subject, department))
    }

    /// Whether `subject` sees `order`: its buyer, members of its purchasing department, administrators and
    /// auditors of the company; members of its supplier.
    public static func canSee(_ subject: Subject, _ order: PurchaseOrder) -> Bool {
        if speaksFor(subject, order.supplierID) { return true }
        guard subject.organizationID == order.organizationID, !subject.isExternal, subject.isActive else { return false }
        return isOverseer(subject, of: order.organizationID) || subject.memberID == order.buyerID
            || isInDepartment(subject, order.departmentID)
    }

    /// Whether `subject` acts for the buying side of `order` (changes requirements, counter-proposes,
    /// confirms the supplier's dates, cancels): its buyer, members of its purchasing department, administrators,
    /// while active.
    public static func actsForBuyer(_ subject: Subject, _ order: PurchaseOrder) -> Bool {
        guard subject.organizationID == order.organizationID, !subject.isExternal, subject.isActive else { return false }
        return subject.isAdministrator || subject.memberID == order.buyerID || isInDepartment(subject, order.departmentID)
    }

    /// Whether `subject` acts for the supplier of `order` (proposes dates, confirms a counter-proposal).
    public static func actsForSupplier(_ subject: Subject, _ order: PurchaseOrder) -> Bool {
        speaksFor(subject, order.supplierID)
    }

    // MARK: Customers

    /// Whether `subject` may record signed contracts for `organizationID`: its active members (sales, or the
    /// service account of the host's contract system). A contract of a customer already in the archive
    /// also needs ``canAddContracts(_:to:)``.
    public static func canRecordContracts(_ subject: Subject, for organizationID: Organization.ID) -> Bool {
        subject.organizationID == organizationID && !subject.isExternal && subject.isActive
    }

    /// Whether `subject` may add contracts and contacts to `customer`, already in the archive: its sales
    /// owner and the company's administrators (auditors see it, read-only).
    public static func canAddContracts(_ subject: Subject, to customer: CustomerRecord) -> Bool {
        guard subject.organizationID == customer.organizationID, !subject.isExternal, subject.isActive else { return false }
        return subject.isAdministrator || subject.memberID == customer.salesOwnerID
    }

    /// Whether `subject` sees `customer` in the archive: its sales owner, administrators and auditors.
    /// Customers never see the archive.
    public static func canSee(_ subject: Subject, _ customer: CustomerRecord) -> Bool {
        guard subject.organizationID == customer.organizationID, !subject.isExternal, subject.isActive else { return false }
        return isOverseer(subject, of: customer.organizationID) || subject.memberID == customer.salesOwnerID
    }

    /// Whether `subject` sees the whole archive of `organizationID`: administrators and auditors.
    public static func canSeeArchive(_ subject: Subject, of organizationID: Organization.ID) -> Bool {
        isOverseer(subject, of: organizationID)
    }

    // MARK: Tickets

    /// Whether `subject` sees `ticket`: the customer's members (replies only, see ``isCustomer(_:_:)``);
    /// members of every department that handled it, administrators and auditors.
    public static func canSee(_ subject: Subject, _ ticket: Ticket) -> Bool {
        if isCustomer(subject, ticket) { return true }
        guard subject.organizationID == ticket.organizationID, !subject.isExternal, subject.isActive else { return false }
        return isOverseer(subject, of: ticket.organizationID) || ticket.handledBy.contains { isInDepartment(subject, $0) }
    }

    /// Whether `subject` may open tickets in `organizationID`: a contact of that customer organization (who
    /// speaks for it), or an active member of the company itself, on a contact's behalf.
    public static func canOpenTickets(_ subject: Subject, in organizationID: Organization.ID) -> Bool {
        guard subject.organizationID == organizationID, subject.isActive else { return false }
        return !subject.isExternal || speaksFor(subject, organizationID)
    }

    /// Whether `subject` speaks for the customer of `ticket`.
    public static func isCustomer(_ subject: Subject, _ ticket: Ticket) -> Bool {
        speaksFor(subject, ticket.customerID)
    }

    /// Whether `subject` handles `ticket` now (replies, notes, forwards, waits for the customer, resolves):
    /// members of the department handling it, and administrators.
    public static func canHandle(_ subject: Subject, _ ticket: Ticket) -> Bool {
        guard subject.organizationID == ticket.organizationID, !subject.isExternal, subject.isActive else { return false }
        return subject.isAdministrator || isInDepartment(subject, ticket.departmentID)
    }
}
