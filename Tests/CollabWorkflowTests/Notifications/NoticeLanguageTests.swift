import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Foundation
import Testing

/// Notices in their recipient's language: the organization's locale, a member's own choice, the host's words.
@Suite struct NoticeLanguageTests {
    /// A Chinese company (Shanghai) with an initiator, an assignee and an English-reading colleague.
    static func company(_ configuration: WorkflowEngine.Configuration = WorkflowEngine.Configuration()) async throws
        -> TestHarness
    {
        let h = try await TestHarness(storage: .underTest, engineConfiguration: configuration)
        try await h.addOrganization("acme", timeZone: "Asia/Shanghai", locale: .simplifiedChinese)
        try await h.addMember("zhao", in: "acme", name: "赵磊")
        try await h.addMember("li", in: "acme", name: "李伟")
        try await h.addMember("sam", in: "acme", name: "Sam", locale: "en-GB")
        return h
    }

    @Test("a Chinese organization's members get Chinese notices, with dates as Chinese readers write them")
    func chineseNotices() async throws {
        let h = try await Self.company()
        let item = try await h.engine.workItems.create(
            h.draft(title: "季度计划", assignees: ["li"], deadline: .endOfDay(CalendarDate(year: 2026, month: 12, day: 3))),
            by: "zhao")
        let notice = try #require(try await h.engine.inbox.notices(of: "li", page: PageRequest(limit: 5)).items.first)
        #expect(notice.title == "新任务：季度计划")
        #expect(notice.body == "赵磊给你指派了“季度计划”，截止时间 2026年12月3日 周四。")
        #expect(notice.kind == .assigned)
        #expect(notice.message?.key == "notice.assigned")
        #expect(notice.message?.arguments["deadline"] == .deadline(.endOfDay(CalendarDate(year: 2026, month: 12, day: 3))))

        try await h.engine.workItems.accept(item.id, by: "li")
        try await h.engine.workItems.start(item.id, by: "li")
        try await h.engine.workItems.submitForReview(item.id, by: "li")
        try await h.engine.workItems.reject(item.id, by: "zhao", reason: "缺少预算表")
        let rejected = try #require(try await h.engine.inbox.notices(of: "li", page: PageRequest(limit: 1)).items.first)
        #expect(rejected.title == "已驳回：季度计划")
        #expect(rejected.body == "赵磊驳回了你的成果：缺少预算表")
        // Stored and read back: the message survives the store, so a host can render it again.
        #expect(rejected.message == LocalizedMessage("notice.rejected", [
            "title": "季度计划", "actor": "赵磊", "reason": "缺少预算表",
        ]))
    }

    @Test("a member's own locale wins over the organization's")
    func memberOverride() async throws {
        let h = try await Self.company()
        try await h.engine.workItems.create(
            h.draft(title: "Budget", assignees: ["sam", "li"], deadline: .endOfDay(CalendarDate(year: 2026, month: 12, day: 3))),
            by: "zhao")
        let sam = try #require(try await h.engine.inbox.notices(of: "sam", page: PageRequest(limit: 1)).items.first)
        #expect(sam.title == "New assignment: Budget")
        #expect(sam.body == "赵磊 assigned you \"Budget\", due Thu, 3 Dec 2026.")
        let li = try #require(try await h.engine.inbox.notices(of: "li", page: PageRequest(limit: 1)).items.first)
        #expect(li.title == "新任务：Budget")
    }

    @Test("the host's catalog replaces one text and adds a language; the rest stays Collab's")
    func hostCatalog() async throws {
        var configuration = WorkflowEngine.Configuration()
        configuration.messages = MessageCatalog([
            "zh-Hans": ["notice.assigned.title": "【待办】{title}"],
            "ja": ["notice.assigned.title": "新しいタスク：{title}"],
        ])
        let h = try await Self.company(configuration)
        try await h.addMember("kenji", in: "acme", locale: "ja-JP")
        try await h.engine.workItems.create(h.draft(title: "計画", assignees: ["li", "kenji"]), by: "zhao")
        let li = try #require(try await h.engine.inbox.notices(of: "li", page: PageRequest(limit: 1)).items.first)
        #expect(li.title == "【待办】計画")
        #expect(li.body.hasPrefix("赵磊给你指派了"), "a key the host left alone keeps Collab's text")
        let kenji = try #require(try await h.engine.inbox.notices(of: "kenji", page: PageRequest(limit: 1)).items.first)
        #expect(kenji.title == "新しいタスク：計画")
        #expect(kenji.body.hasPrefix("赵磊 assigned you"), "a text the host's language lacks falls back to English")
    }

    @Test("timer notices, adjustments and lists read in Chinese too; no text is left as a key or a placeholder")
    func timersAndPhrases() async throws {
        let h = try await Self.company()
        let item = try await h.engine.workItems.create(
            h.draft(title: "周报", assignees: ["li"], deadline: .endOfDay(CalendarDate(year: 2026, month: 1, day: 2))),
            by: "zhao")
        try await h.engine.workItems.accept(item.id, by: "li")
        let request = try await h.engine.workItems.requestAdjustment(item.id, by: "li",
            change: .init(deadline: .endOfDay(CalendarDate(year: 2026, month: 1, day: 9)), title: "周报（修订）"),
            reason: "数据未到")
        try await h.engine.workItems.rejectAdjustment(request.id, by: "zhao", reason: "按原计划")
        h.clock.advance(by: .seconds(10 * 86_400))
        _ = try await h.engine.timers.fireDue()
        let all = try await h.engine.inbox.notices(of: "zhao", page: PageRequest(limit: 50)).items
            + h.engine.inbox.notices(of: "li", page: PageRequest(limit: 50)).items
        let requested = try #require(all.first { $0.kind == .adjustmentRequested })
        #expect(requested.body == "李伟申请将截止时间改为 2026年1月9日 周五和将标题改为“周报（修订）”：数据未到")
        let overdue = try #require(all.first { $0.kind == .overdue })
        #expect(overdue.title == "已逾期：周报")
        #expect(overdue.body == "“周报”已超过截止时间（2026年1月2日 周五）。")
        for notice in all {
            #expect(!notice.title.contains("{") && !notice.body.contains("{") && !notice.title.hasPrefix("notice."),
                "\(notice.kind): \(notice.title) / \(notice.body)")
            #expect(notice.message != nil)
        }
    }
}
