import CollabModel
import Foundation

extension WorkflowEngine {
    /// Writes the title and body of every notice that carries a message, in its recipient's language (their
    /// `Member.locale`, else their organization's) and with dates in their organization's time zone: the one
    /// place notices get their text, just before the change commits. A recipient the directory no longer knows
    /// reads the notice's organization's language; an unknown organization, English in UTC.
    func writeNoticeTexts(_ notices: inout [Notice]) async throws(CollabError) {
        guard notices.contains(where: { $0.message != nil }) else { return }
        // One read of the recipients a cold cache lacks (an announcement may tell thousands), then look-ups.
        let recipients = try await directory.members(Set(notices.filter { $0.message != nil }.map(\.recipientID)))
        let byID = Dictionary(recipients.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var organizations: [Organization.ID: Organization?] = [:]
        var formatters: [String: MessageFormatter] = [:]
        for index in notices.indices {
            guard let message = notices[index].message else { continue }
            let recipient = byID[notices[index].recipientID]
            let organizationID = recipient?.organizationID ?? notices[index].organizationID
            if organizations[organizationID] == nil {
                organizations[organizationID] = .some(try await directory.organization(organizationID))
            }
            let organization = organizations[organizationID] ?? nil
            let locale = organization.map { recipient?.readingLocale(in: $0) ?? $0.locale }
                ?? recipient?.locale ?? .english
            let zone = organization?.timeZone ?? .gmt
            let cacheKey = locale.rawValue + "\u{1}" + zone.identifier
            let formatter = formatters[cacheKey] ?? MessageFormatter(layered: messages, locale: locale, timeZone: zone)
            formatters[cacheKey] = formatter
            notices[index].title = formatter.string(Notice.titleKey(of: message), message.arguments)
            notices[index].body = formatter.string(Notice.bodyKey(of: message), message.arguments)
        }
    }

    /// The text of `key` in English, for logs and errors meant for developers.
    func englishText(_ key: String, _ arguments: [String: MessageArgument] = [:]) -> String {
        MessageFormatter(layered: messages, locale: .english).string(key, arguments)
    }
}
