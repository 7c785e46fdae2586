import CollabModel
import CollabStore
import CollabWorkflow
import Foundation

/// The demo company `collab-server` seeds into an empty database: Acme Appliances (艾克美电器) with its
/// departments and people (the same IDs as `collab-demo`), another company, two suppliers, a customer, and a
/// few records so that every page of the dashboard has something to show.
public enum DemoCompany {
    public static let organization: Organization.ID = "acme"
    public static let otherCompany: Organization.ID = "globex"
    public static let supplier: Organization.ID = "ningbo-precision"
    public static let otherSupplier: Organization.ID = "suzhou-thermal"
    public static let customerKey = "91330200-HZHOME"

    /// Every member of the demo, with their organization, departments and roles.
    struct Person {
        var id: Member.ID
        var organization: Organization.ID
        var department: Department.ID?
        var head = false
        var administrator = false
        var active = true
    }

    /// The engine's settings for the demo: tickets about installations go from sales to technology to
    /// after-sales, the rest from sales to after-sales; service targets by priority.
    public static func configure(_ configuration: inout WorkflowEngine.Configuration) {
        configuration.defaultSettings.ticketRouting = TicketRouting(routes: [
            .init("installation", categories: ["installation"], departments: ["sales", "technology", "after_sales"]),
            .init("general", departments: ["sales", "after_sales"]),
        ])
        configuration.defaultSettings.ticketServiceTargets = TicketServiceTargets(
            high: .init(firstResponse: .seconds(30 * 60), resolution: .seconds(4 * 3600)),
            medium: .init(firstResponse: .seconds(3600), resolution: .seconds(8 * 3600)),
            low: .init(firstResponse: .seconds(4 * 3600), resolution: .seconds(24 * 3600)))
    }

    static let departments: [Department.ID] = ["marketing", "technology", "production", "purchasing", "sales", "after_sales"]

    static let people: [Person] = [
        Person(id: "zhao.lei", organization: organization, department: "marketing", head: true),
        Person(id: "chen.jing", organization: organization, department: "marketing"),
        Person(id: "wang.fang", organization: organization, department: "technology", head: true),
        Person(id: "li.wei", organization: organization, department: "technology"),
        Person(id: "liu.yang", organization: organization, department: "production", head: true),
        Person(id: "sun.hao", organization: organization, department: "production"),
        Person(id: "gao.min", organization: organization, department: "purchasing", head: true),
        Person(id: "qian.yu", organization: organization, department: "sales", head: true),
        Person(id: "song.jia", organization: organization, department: "after_sales", head: true),
        Person(id: "he.ping", organization: organization, department: nil, administrator: true),
        Person(id: "wu.old", organization: organization, department: "technology", active: false),
        Person(id: "eve.li", organization: otherCompany, department: nil),
    ]

    /// Names in English and Chinese.
    static let names: [String: (en: String, zh: String)] = [
        "acme": ("Acme Appliances", "艾克美电器"), "globex": ("Globex Trading", "环球贸易"),
        "marketing": ("Marketing", "市场部"), "technology": ("Technology", "技术部"), "production": ("Production", "生产部"),
        "purchasing": ("Purchasing", "采购部"), "sales": ("Sales", "销售部"), "after_sales": ("After-sales", "售后服务部"),
        "zhao.lei": ("Zhao Lei", "赵磊"), "chen.jing": ("Chen Jing", "陈静"), "wang.fang": ("Wang Fang", "王芳"),
        "li.wei": ("Li Wei", "李伟"), "liu.yang": ("Liu Yang", "刘洋"), "sun.hao": ("Sun Hao", "孙浩"),
        "gao.min": ("Gao Min", "高敏"), "qian.yu": ("Qian Yu", "钱宇"), "song.jia": ("Song Jia", "宋佳"),
        "he.ping": ("He Ping", "何平"), "wu.old": ("Wu Jun (left)", "吴军（已离职）"), "eve.li": ("Eve Li", "李娃"),
        "ma.lin": ("Ma Lin", "马林"), "he.tao": ("He Tao", "何涛"), "zhu.lan": ("Zhu Lan", "朱兰"),
        "ningbo-precision": ("Ningbo Precision Parts", "宁波精密零件"), "suzhou-thermal": ("Suzhou Thermal", "苏州热能"),
        "hz-home": ("Hangzhou Home Appliances", "杭州家电"),
    ]

    static func name(_ key: String, _ locale: CollabLocale) -> String {
        guard let pair = names[key] else { return key }
        return locale.rawValue.hasPrefix("zh") ? pair.zh : pair.en
    }

    /// Seeds the company unless a seed finished before (its last step, the plant director's announcement,
    /// is there); returns whether it seeded. Every step is an upsert or a command with an idempotency key, so
    /// a seed interrupted half-way is finished by the next start, never doubled.
    @discardableResult
    static func seedIfEmpty(_ engine: WorkflowEngine, locale: CollabLocale) async throws -> Bool {
        let store = engine.store
        if try await store.organization(organization) != nil,
            try await !engine.announcements.published(as: "he.ping").items.isEmpty
        {
            return false
        }
        let zh = locale.rawValue.hasPrefix("zh")
        for id in [organization, otherCompany] {
            try await store.save(Organization(
                id: id, name: name(id.rawValue, locale), kind: .internal, timeZoneIdentifier: "Asia/Shanghai",
                externalCollaborationEnabled: id == organization, locale: locale))
        }
        for id in departments {
            try await store.save(Department(id: id, organizationID: organization, name: name(id.rawValue, locale)))
            try await store.save(.standard(timeZoneIdentifier: "Asia/Shanghai"), for: organization, department: id)
        }
        for person in people {
            try await store.save(Member(
                id: person.id, organizationID: person.organization, displayName: name(person.id.rawValue, locale),
                handle: person.id.rawValue, roles: person.administrator ? [.administrator] : [],
                departments: person.department.map { [DepartmentMembership($0, role: person.head ? .head : .member)] } ?? [],
                isActive: person.active))
        }

        // The suppliers and the customer, through the engine's desks, as the plant director and sales would.
        try await engine.partners.invite(
            PartnerInvitation(
                partnerID: supplier, name: name(supplier.rawValue, locale), role: .supplier,
                timeZoneIdentifier: "Asia/Shanghai",
                contacts: [ExternalContact(memberID: "ma.lin", displayName: name("ma.lin", locale),
                    email: "ma.lin@ningbo-precision.example")]),
            by: "he.ping", idempotencyKey: "seed-supplier")
        try await engine.partners.invite(
            PartnerInvitation(
                partnerID: otherSupplier, name: name(otherSupplier.rawValue, locale), role: .supplier,
                timeZoneIdentifier: "Asia/Shanghai",
                contacts: [ExternalContact(memberID: "he.tao", displayName: name("he.tao", locale),
                    email: "he.tao@suzhou-thermal.example")]),
            by: "he.ping", idempotencyKey: "seed-other-supplier")
        let now = engine.clock.now()
        let zone = TimeZone(identifier: "Asia/Shanghai") ?? .gmt
        let today = CalendarDate(now, in: zone)
        _ = try await engine.orders.share(
            PurchaseOrderDraft(
                number: "PO-1001", title: zh ? "X1 智能水壶试产零件" : "Parts for the X1 smart kettle pilot run",
                lines: [
                    .init(number: 1, description: zh ? "加热元件 1.8 kW" : "Heating element 1.8 kW", sku: "HE-1800",
                        quantity: 500, requiredDate: today.adding(days: 21)),
                    .init(number: 2, description: zh ? "NTC 温度传感器 100k" : "Temperature sensor NTC 100k",
                        sku: "TS-100K", quantity: 1000, requiredDate: today.adding(days: 14)),
                    .init(number: 3, description: zh ? "不锈钢壶盖" : "Stainless steel lid", sku: "LID-X1", quantity: 500,
                        requiredDate: today.adding(days: 28)),
                ],
                departmentID: "purchasing"),
            with: supplier, by: "gao.min", idempotencyKey: "seed-order")
        let registration = try await engine.customers.recordSignedContract(
            SignedContract(
                contractID: "HT-1001", customerKey: customerKey, customerName: name("hz-home", locale),
                timeZoneIdentifier: "Asia/Shanghai",
                contacts: [ExternalContact(memberID: "zhu.lan", displayName: name("zhu.lan", locale),
                    email: "zhu.lan@hz-home.example")],
                signedAt: Date(timeIntervalSince1970: 1_767_225_600), salesOwnerID: "qian.yu"),  // 2026-01-01
            by: "qian.yu", idempotencyKey: "seed-customer")
        if let contact = registration.customer.contacts.first?.memberID {
            _ = try await engine.tickets.open(
                TicketDraft(
                    subject: zh ? "在杭州工厂安装 X1 测试台" : "Install the X1 test bench",
                    description: zh ? "测试台已到货，需要安装并接入 380 V 电源。"
                        : "The test bench arrived. We need it installed and connected to the 380 V supply.",
                    category: "installation"),
                by: contact, idempotencyKey: "seed-ticket")
        }

        // A few items across departments, two of them completed, so the board has figures.
        let items: [(String, String, Member.ID, Member.ID, Department.ID, Int, Bool)] = [
            ("Market survey for the X1 kettle", "X1 水壶市场调研", "zhao.lei", "chen.jing", "marketing", 5, true),
            ("Circuit design review", "电路设计评审", "wang.fang", "li.wei", "technology", 3, true),
            ("Pilot run schedule", "试产排程", "liu.yang", "sun.hao", "production", 7, false),
            ("Supplier audit checklist", "供应商审核清单", "gao.min", "gao.min", "purchasing", 10, false),
            ("Installation manual draft", "安装手册初稿", "song.jia", "song.jia", "after_sales", 6, false),
        ]
        for (index, (english, chinese, initiator, assignee, department, days, complete)) in items.enumerated() {
            let item = try await engine.workItems.create(
                WorkItemDraft(
                    title: zh ? chinese : english, description: "", priority: .medium, assigneeIDs: [assignee],
                    departmentIDs: [department], deadline: .endOfDay(today.adding(days: days))),
                by: initiator, idempotencyKey: "seed-item-\(index)")
            guard complete, item.state != .completed else { continue }
            try await engine.workItems.accept(item.id, by: assignee, idempotencyKey: "seed-item-\(index)-accept")
            try await engine.workItems.start(item.id, by: assignee, idempotencyKey: "seed-item-\(index)-start")
            try await engine.workItems.submitForReview(item.id, by: assignee, idempotencyKey: "seed-item-\(index)-submit")
            try await engine.workItems.approve(item.id, by: initiator, idempotencyKey: "seed-item-\(index)-approve")
        }
        try await engine.announcements.publish(
            AnnouncementDraft(
                title: zh ? "安全生产月" : "Safety month",
                body: zh ? "本月每周五下午进行安全检查，请各部门负责人确认。"
                    : "Every Friday afternoon this month the workshops are inspected. Please acknowledge.",
                audience: .organization,
                acknowledgement: AcknowledgementRequirement(deadline: now.addingTimeInterval(7 * 86_400)),
                isPinned: true),
            by: "he.ping", idempotencyKey: "seed-announcement")
        return true
    }
}
