/// One text of the standard catalog in both languages Collab ships, side by side so neither can be left out.
struct StandardMessage: Sendable {
    let key: String
    let english: String
    let chinese: String

    init(_ key: String, _ english: String, _ chinese: String) {
        self.key = key
        self.english = english
        self.chinese = chinese
    }
}

/// Every text of ``MessageCatalog/standard``, gathered from the domains' lists.
enum StandardMessages {
    static var all: [StandardMessage] { common + notices + reports }

    /// Units, states, priorities, weekdays, the separator of a list: terms other texts name.
    static let common: [StandardMessage] = [
        .init("list.separator", ", ", "、"),
        .init("list.and", "{items} and {last}", "{items}和{last}"),
        .init("unit.minutes", "{value} min", "{value} 分钟"),
        .init("unit.hours", "{value} h", "{value} 小时"),
        .init("unit.days", "{value} days", "{value} 天"),
        .init("state.draft", "draft", "草稿"),
        .init("state.assigned", "assigned", "已指派"),
        .init("state.accepted", "accepted", "已接受"),
        .init("state.in_progress", "in progress", "进行中"),
        .init("state.in_review", "in review", "待审核"),
        .init("state.completed", "completed", "已完成"),
        .init("state.cancelled", "cancelled", "已取消"),
        .init("priority.high", "high", "高"),
        .init("priority.medium", "medium", "中"),
        .init("priority.low", "low", "低"),
        .init("weekday.short.monday", "Mon", "周一"),
        .init("weekday.short.tuesday", "Tue", "周二"),
        .init("weekday.short.wednesday", "Wed", "周三"),
        .init("weekday.short.thursday", "Thu", "周四"),
        .init("weekday.short.friday", "Fri", "周五"),
        .init("weekday.short.saturday", "Sat", "周六"),
        .init("weekday.short.sunday", "Sun", "周日"),
    ]
}
