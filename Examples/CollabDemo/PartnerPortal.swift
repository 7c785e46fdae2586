// The `portal` subcommand: the platform guide's two outward-facing scenarios. (a) The partner portal
// (外部协作端口): a supplier (供应商) sees the purchase orders (采购订单) shared with it and agrees delivery
// dates (交期) with purchasing, proposal by proposal. (b) Customer follow-up: a signed contract registers
// the customer in the archive (客户档案), the customer's request becomes a ticket (工单) routed sales →
// technology → after-sales under service targets, and the customer rates it when it is closed (评价).
// Like `emergency`, it runs on a virtual clock (Asia/Shanghai): the order on the working day before the last
// one, the ticket on the last working day (Monday to Friday, up to today), so the times and working-time
// figures printed are the same on every run.

import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

let purchasing: Department.ID = "purchasing"
let sales: Department.ID = "sales"
let afterSales: Department.ID = "after_sales"

let gaoMin: Member.ID = "gao.min"  // purchasing head, the buyer
let linNa: Member.ID = "lin.na"  // purchasing assistant
let qianYu: Member.ID = "qian.yu"  // sales head, owns the customer
let songJia: Member.ID = "song.jia"  // after-sales head

let ningbo: Organization.ID = "ningbo-precision"  // the supplier of the order
let suzhou: Organization.ID = "suzhou-thermal"  // another supplier, who must see nothing of it
let maLin: Member.ID = "ma.lin"  // Ningbo's sales manager
let xuQing: Member.ID = "xu.qing"  // Ningbo's planner
let heTao: Member.ID = "he.tao"  // Suzhou's contact

/// Adds purchasing, sales and after-sales to the company, with the same working hours for the three
/// departments that handle tickets (the service targets count working time of the handling department).
func seedPortal(_ store: any CollabStorage, _ text: DemoText) async throws {
    try await seedPlant(store, text)  // the plant director, an administrator, invites the suppliers
    for id in [purchasing, sales, afterSales] {
        try await store.save(Department(id: id, organizationID: company, name: text.name(of: id.rawValue)))
    }
    let people: [(Member.ID, Department.ID, DepartmentMembership.Role)] = [
        (gaoMin, purchasing, .head), (linNa, purchasing, .member), (qianYu, sales, .head), (songJia, afterSales, .head),
    ]
    for (id, department, role) in people {
        try await store.save(Member(
            id: id, organizationID: company, displayName: text.name(of: id.rawValue), handle: id.rawValue,
            departments: [DepartmentMembership(department, role: role)]))
    }
    for department in [sales, technology, afterSales] {
        try await store.save(.standard(timeZoneIdentifier: "Asia/Shanghai"), for: company, department: department)
    }
}

func playPartnerPortal(_ store: any CollabStorage, round: String, text: DemoText) async throws {
    try await seedPortal(store, text)
    let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = zone
    // Working days (Monday to Friday), so that the service targets' working time shows.
    func workingDay(onOrBefore date: CalendarDate) -> CalendarDate {
        var day = date
        while !Weekday.weekdays.contains(day.weekday) { day = day.adding(days: -1) }
        return day
    }
    let ticketDay = workingDay(onOrBefore: CalendarDate(SystemClock().now(), in: zone))
    let orderDay = workingDay(onOrBefore: ticketDay.adding(days: -1))
    var day = orderDay
    func at(_ hour: Int, _ minute: Int) -> Date {
        let midnight = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))
            ?? SystemClock().now()
        return midnight.addingTimeInterval(Double(hour * 3600 + minute * 60))
    }
    let clock = DemoClock(at(8, 30))

    var configuration = WorkflowEngine.Configuration()
    configuration.logger.logLevel = .warning
    // The host's routing rules: installations go through sales, technology's assessment, then after-sales;
    // anything else from sales straight to after-sales.
    configuration.defaultSettings.ticketRouting = TicketRouting(routes: [
        .init("installation", categories: ["installation"], departments: [sales, technology, afterSales]),
        .init("general", departments: [sales, afterSales]),
    ])
    // One working hour to the first reply, one working day (8 h) to the resolution, for medium priority.
    configuration.defaultSettings.ticketServiceTargets = TicketServiceTargets(
        high: .init(firstResponse: .seconds(30 * 60), resolution: .seconds(4 * 3600)),
        medium: .init(firstResponse: .seconds(3600), resolution: .seconds(8 * 3600)),
        low: .init(firstResponse: .seconds(4 * 3600), resolution: .seconds(24 * 3600)))
    let engine = WorkflowEngine(store: store, clock: clock, configuration: configuration)

    var displayNames: [Member.ID: String] = [:]
    func name(_ id: Member.ID) -> String { displayNames[id] ?? id.rawValue }
    func refreshNames(_ organizations: [Organization.ID]) async throws {
        for organization in organizations {
            for member in try await store.members(in: organization) { displayNames[member.id] = member.displayName }
        }
    }
    func time(_ date: Date) -> String {
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let hourMinute = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        let date = CalendarDate(date, in: zone)
        return date == day ? hourMinute : "\(date) \(hourMinute)"
    }
    /// Moves the clock and fires the timers that fell due, printing the ticket timers that told someone.
    func move(to hour: Int, _ minute: Int) async throws {
        clock.move(to: at(hour, minute))
        for fired in try await engine.timers.fireDue()
        where fired.timer.record.kind == .ticket && !fired.notified.isEmpty {
            let told = fired.notified.map(name).joined(separator: ", ")
            print("   \(time(fired.firedAt)) timer \(fired.timer.kind.rawValue): told \(told)")
        }
    }
    /// The notices of `member`'s inbox about `record`, oldest first.
    func notices(of member: Member.ID, about record: RecordReference) async throws -> [Notice] {
        try await engine.inbox.notices(of: member, page: PageRequest(limit: 100)).items.filter { $0.record == record }.reversed()
    }

    print("Partner portal and customer tickets in Asia/Shanghai, on a virtual clock")

    // (a) The supplier portal.
    print("\n(a) A supplier confirms delivery dates, \(orderDay)")
    print("\n1. \(time(clock.now())) He Ping (administrator) invites two suppliers")
    try await engine.partners.invite(
        PartnerInvitation(
            partnerID: ningbo, name: "Ningbo Precision Parts", role: .supplier, timeZoneIdentifier: "Asia/Shanghai",
            contacts: [
                ExternalContact(memberID: maLin, displayName: "Ma Lin", email: "ma.lin@ningbo-precision.example"),
                ExternalContact(memberID: xuQing, displayName: "Xu Qing", email: "xu.qing@ningbo-precision.example",
                    phone: "+86 574 5555 0102"),
            ]),
        by: hePing)
    try await engine.partners.invite(
        PartnerInvitation(partnerID: suzhou, name: "Suzhou Thermal", contacts: [
            ExternalContact(memberID: heTao, displayName: "He Tao", email: "he.tao@suzhou-thermal.example"),
        ]),
        by: hePing)
    try await refreshNames([company, ningbo, suzhou])
    print("   Ningbo Precision Parts (Ma Lin, Xu Qing) and Suzhou Thermal (He Tao), each its own organization")

    try await move(to: 9, 0)
    let today = CalendarDate(clock.now(), in: zone)
    let order = try await engine.orders.share(
        PurchaseOrderDraft(
            number: "PO-\(round)", title: "Parts for the X1 smart kettle pilot run",
            lines: [
                .init(number: 1, description: "Heating element 1.8 kW", sku: "HE-1800", quantity: 500,
                    requiredDate: today.adding(days: 21)),
                .init(number: 2, description: "Temperature sensor NTC 100k", sku: "TS-100K", quantity: 1000,
                    requiredDate: today.adding(days: 14)),
                .init(number: 3, description: "Stainless steel lid", sku: "LID-X1", quantity: 500,
                    requiredDate: today.adding(days: 28)),
            ],
            departmentID: purchasing),
        with: ningbo, by: gaoMin)
    print("\n2. \(time(order.createdAt)) Gao Min (purchasing) shares \(order.number) with Ningbo: "
        + "\(order.lines.count) lines")
    for line in order.lines {
        print("   line \(line.number): \(line.quantity) \(line.unit) \(line.description), required \(line.requiredDate)")
    }
    let ningboOrders = try await engine.orders.list(as: maLin).items.filter { $0.id == order.id }.count
    let suzhouOrders = try await engine.orders.list(as: heTao).items.count
    var suzhouReads = "refused"
    do { _ = try await engine.orders.order(order.id, as: heTao); suzhouReads = "read it!" } catch {
        suzhouReads = "\(error.code)"
    }
    print("   Ma Lin's portal lists it (\(ningboOrders)); Suzhou Thermal lists \(suzhouOrders) orders, "
        + "and reading it by id gives \(suzhouReads)")

    try await move(to: 10, 15)
    let first = try await engine.orders.proposeDeliveryDates(
        for: order.id,
        lines: [
            .init(line: 1, date: today.adding(days: 21)),
            .init(line: 2, date: today.adding(days: 20)),
            .init(line: 3, date: today.adding(days: 28)),
        ],
        note: "Sensors come from our sub-supplier: 20 days.", by: maLin)
    print("\n3. \(time(first.createdAt)) Ma Lin proposes dates (proposal \(first.number)); line 2 is 6 days late")

    try await move(to: 11, 0)
    let counter = try await engine.orders.counterPropose(
        for: order.id,
        lines: [
            .init(line: 1, date: today.adding(days: 21)),
            .init(line: 2, date: today.adding(days: 16)),
            .init(line: 3, date: today.adding(days: 28)),
        ],
        note: "The pilot run cannot wait: 16 days for the sensors, please.", by: gaoMin)
    print("4. \(time(counter.createdAt)) Gao Min counter-proposes line 2 (proposal \(counter.number))")

    try await move(to: 11, 30)
    var confirmed = try await engine.orders.confirmProposal(counter.number, of: order.id, by: xuQing)
    print("5. \(time(confirmed.updatedAt)) Xu Qing confirms proposal \(counter.number) for Ningbo")

    func printHistory(_ title: String) async throws {
        print("   \(title)")
        for proposal in try await engine.orders.proposals(of: order.id, as: gaoMin) {
            let dates = proposal.lines.map { "\($0.line): \($0.date)" }.joined(separator: ", ")
            let side = proposal.side == .supplier ? "supplier" : "purchasing"
            print("   #\(proposal.number) \(side.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                + "\(name(proposal.authorID).padding(toLength: 8, withPad: " ", startingAt: 0)) "
                + "\(proposal.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) "
                + "requirements v\(proposal.requirementsVersion)  \(dates)")
        }
    }
    print("\n   The order as purchasing reads it: \(confirmed.state.rawValue), confirmed proposal "
        + "\(confirmed.confirmedProposal.map(String.init) ?? "none")")
    try await printHistory("Proposal history:")
    for line in confirmed.lines {
        print("   line \(line.number) \(line.description): required \(line.requiredDate), "
            + "confirmed \(line.confirmedDate.map { "\($0)" } ?? "—")")
    }

    try await move(to: 14, 0)
    confirmed = try await engine.orders.changeRequirements(
        of: order.id,
        lines: confirmed.lines.map { line in
            var line = line
            if line.number == 1 { line.quantity = 800 }
            return line
        },
        reason: "Marketing raised the pilot run to 800 kettles", by: gaoMin, expectedVersion: confirmed.version)
    print("\n6. \(time(confirmed.updatedAt)) Gao Min raises line 1 to 800 pieces")
    print("   the order is \(confirmed.state.rawValue) again (requirements v\(confirmed.requirementsVersion)), "
        + "confirmed proposal \(confirmed.confirmedProposal.map(String.init) ?? "none"), confirmed dates "
        + confirmed.lines.map { $0.confirmedDate.map { "\($0)" } ?? "—" }.joined(separator: " / "))
    try await printHistory("Proposal history:")
    print("   what Ningbo's contacts were told about \(order.number):")
    for contact in [maLin, xuQing] {
        for notice in try await notices(of: contact, about: .purchaseOrder(order.id)) {
            print("   \(time(notice.createdAt)) \(name(contact)) [\(notice.kind)] \(notice.title)")
        }
    }
    if let last = try await notices(of: maLin, about: .purchaseOrder(order.id)).last { print("     \"\(last.body)\"") }

    // (b) The customer ticket.
    day = ticketDay
    print("\n(b) A customer ticket from request to rating, \(ticketDay)")
    try await move(to: 8, 45)
    let contract = SignedContract(
        contractID: "HT-\(round)", customerKey: "91330200-\(round)", customerName: "Hangzhou Home Appliances \(round)",
        timeZoneIdentifier: "Asia/Shanghai",
        contacts: [
            ExternalContact(displayName: "Zhu Lan", email: "zhu.lan@hz-home.example", phone: "+86 571 5555 0188"),
            ExternalContact(displayName: "Pan Wei", email: "pan.wei@hz-home.example"),
        ],
        signedAt: at(8, 40), salesOwnerID: qianYu)
    let registration = try await engine.customers.recordSignedContract(contract, by: qianYu)
    let again = try await engine.customers.recordSignedContract(contract, by: qianYu)
    let customer = again.customer
    try await refreshNames([customer.id])
    print("1. \(time(clock.now())) Qian Yu's contract event registers \(customer.name): changed \(registration.changed), "
        + "\(registration.newContactIDs.count) contacts (\(customer.contacts.map(\.displayName).joined(separator: ", ")))")
    print("   the same event again: changed \(again.changed), \(again.newContactIDs.count) new contacts, "
        + "\(again.customer.contracts.count) contract in the archive")
    guard let zhuLan = customer.contacts.first?.memberID else { return }

    try await move(to: 9, 30)
    let opened = try await engine.tickets.open(
        TicketDraft(
            subject: "Install the X1 test bench in our Hangzhou plant",
            description: "The test bench arrived. We need it installed and connected to the 380 V supply.",
            category: "installation"),
        by: zhuLan)
    let departmentNames = Dictionary(
        uniqueKeysWithValues: try await store.departments(in: company).map { ($0.id, $0.name) })
    let stages = opened.routeDepartmentIDs.map { departmentNames[$0] ?? $0.rawValue }.joined(separator: " → ")
    print("2. \(time(opened.createdAt)) Zhu Lan opens an installation ticket: route '\(opened.route)' (\(stages))")

    try await move(to: 10, 0)
    try await engine.tickets.reply(to: opened.id, "Thank you, Ms Zhu. Our engineers will check the site requirements today.",
        by: qianYu)
    try await engine.tickets.reply(to: opened.id,
        "3-year maintenance contract. Technology: check the site's power supply before we send anyone.",
        audience: .internal, by: qianYu)
    print("3. 10:00 Qian Yu (sales) replies to the customer and leaves an internal note")
    try await move(to: 10, 30)
    try await engine.tickets.forward(opened.id, note: "Please assess the power supply.", by: qianYu)
    print("   10:30 Qian Yu forwards it to technology")

    try await move(to: 11, 0)
    try await engine.tickets.waitForCustomer(opened.id,
        question: "Is the 380 V socket within 5 m of the bench, and what is its fuse rating?", by: liWei)
    let waiting = try await engine.tickets.serviceStatus(of: opened.id, as: wangFang)
    print("4. 11:00 Li Wei (technology) asks the customer a question: the clocks "
        + (waiting.isPaused ? "pause" : "run!") + " (resolution used \(hours(waiting.resolution.used)), "
        + "due \(waiting.resolution.dueAt.map(time) ?? "— while waiting"))")
    try await move(to: 14, 30)
    try await engine.tickets.reply(to: opened.id, "Yes, 3 m away, 32 A fuse.", by: zhuLan)
    let resumed = try await engine.tickets.serviceStatus(of: opened.id, as: wangFang)
    print("   14:30 Zhu Lan answers: the clocks run again, resolution now due "
        + "\(resumed.resolution.dueAt.map(time) ?? "—")")
    try await move(to: 15, 0)
    try await engine.tickets.forward(opened.id, note: "Power supply fine; after-sales can schedule the installation.",
        by: liWei)
    print("   15:00 Li Wei forwards it to after-sales")

    try await move(to: 16, 30)
    try await engine.tickets.resolve(opened.id,
        resolution: "Installed and tested by our engineer this afternoon; the test report is in your portal.",
        by: songJia)
    print("5. 16:30 Song Jia (after-sales) resolves it")
    try await move(to: 17, 0)
    try await engine.tickets.close(opened.id, by: zhuLan)
    let rated = try await engine.tickets.rate(opened.id, score: 5, comment: "Fast and clear, thank you.", by: zhuLan)
    print("6. 17:00 Zhu Lan closes it and rates it \(rated.rating?.score ?? 0)/5")

    let view = try await engine.tickets.customerTicket(opened.id, as: zhuLan)
    print("\n   What the customer sees: \(view.state.rawValue), step \(view.step) of \(view.steps) (\(view.stage)), "
        + "rating \(view.rating.map { "\($0.score)/5" } ?? "—")")
    for message in view.replies {
        print("   \(time(message.createdAt)) \(name(message.authorID).padding(toLength: 8, withPad: " ", startingAt: 0)) "
            + message.body)
    }
    print("   What the company sees (Qian Yu):")
    for message in try await engine.tickets.messages(of: opened.id, as: qianYu) {
        let audience = message.audience == .internal ? "internal" : "customer"
        print("   \(time(message.createdAt)) \(name(message.authorID).padding(toLength: 8, withPad: " ", startingAt: 0)) "
            + "[\(audience)] \(message.body)")
    }

    let ticket = try await engine.tickets.ticket(opened.id, as: songJia)
    let status = try await engine.tickets.serviceStatus(of: opened.id, as: songJia)
    let workingHours = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
    let waited = ticket.pauses.reduce(Duration.zero) { $0 + .seconds($1.duration) }
    let waitedWorking = ticket.pauses.reduce(Duration.zero) { $0 + workingHours.workingTime(from: $1.start, to: $1.end) }
    print("   Service targets, in working time (Mon–Fri 09:00–12:00 and 13:00–18:00), "
        + "opened \(time(ticket.createdAt)):")
    for (label, target) in [("first response", status.firstResponse), ("resolution", status.resolution)] {
        print("   \(label.padding(toLength: 15, withPad: " ", startingAt: 0))used \(hours(target.used)) "
            + "of \(hours(target.allowed)), met \(target.metAt.map(time) ?? "—"), "
            + (target.isBreached ? "missed" : "kept"))
    }
    let waits = ticket.pauses.map { "\(time($0.start))–\(time($0.end))" }.joined(separator: ", ")
    print("   left out: waiting for the customer \(waits), \(hours(waited)) elapsed of which "
        + "\(hours(waitedWorking)) working time")

    // What the portal sent, by kind.
    let tally = TallyHook()
    _ = try await engine.makeDispatcher(hooks: [tally]).deliverDue()
    let portal = tally.notices.filter { $0.record == .purchaseOrder(order.id) || $0.record == .ticket(opened.id) }
    print("\nNotifications delivered for the order and the ticket: \(portal.count)")
    for (kind, notices) in Dictionary(grouping: portal, by: \.kind.rawValue).sorted(by: { $0.key < $1.key }) {
        let recipients = Set(notices.map(\.recipientID)).map(name).sorted().joined(separator: ", ")
        print("   \(kind.padding(toLength: 20, withPad: " ", startingAt: 0))\(notices.count)  → \(recipients)")
    }
}

/// "30 min", "1 h", "3 h 30 min".
func hours(_ duration: Duration) -> String {
    let total = Int((duration.timeInterval / 60).rounded())
    switch (total / 60, total % 60) {
    case (0, let minutes): return "\(minutes) min"
    case (let hours, 0): return "\(hours) h"
    case (let hours, let minutes): return "\(hours) h \(minutes) min"
    }
}
