import Foundation

/// A company, or an outside party it works with.
///
/// One organization is the host's own (``Kind/internal``); partners (suppliers, distributors) and
/// customers are organizations of their own, strictly isolated from each other.
public struct Organization: Identifiable, Hashable, Sendable, Codable {
    /// An organization's identifier.
    public typealias ID = Identifier<Organization>

    /// What an organization is to the host.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// The host's own company.
        case `internal`
        /// A supplier, distributor or other business partner.
        case partner
        /// A customer.
        case customer
    }

    /// The organization's identifier.
    public var id: ID
    /// The display name.
    public var name: String
    /// Internal, partner or customer.
    public var kind: Kind
    /// The IANA time zone identifier (`Asia/Shanghai`) in which dates and "today" are reckoned.
    public var timeZoneIdentifier: String
    /// For a partner or customer: whether an administrator has enabled external collaboration, so that
    /// work items may be shared with it. Always `false` for the internal organization.
    public var externalCollaborationEnabled: Bool
    /// The language and formats of what its members read — notices, reports, charts — unless a member
    /// chooses their own (``Member/locale``). ``CollabLocale/english`` unless set; a Chinese company sets
    /// ``CollabLocale/simplifiedChinese``.
    public var locale: CollabLocale

    /// Creates an organization.
    public init(
        id: ID, name: String, kind: Kind, timeZoneIdentifier: String = "UTC",
        externalCollaborationEnabled: Bool = false, locale: CollabLocale = .english
    ) {
        self.locale = locale
        self.id = id
        self.name = name
        self.kind = kind
        self.timeZoneIdentifier = timeZoneIdentifier
        self.externalCollaborationEnabled = externalCollaborationEnabled
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, kind, timeZoneIdentifier, externalCollaborationEnabled, locale
    }

    /// Decodes an organization; one encoded before organizations had a locale reads as English.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(ID.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(Kind.self, forKey: .kind)
        timeZoneIdentifier = try container.decode(String.self, forKey: .timeZoneIdentifier)
        externalCollaborationEnabled = try container.decode(Bool.self, forKey: .externalCollaborationEnabled)
        locale = try container.decodeIfPresent(CollabLocale.self, forKey: .locale) ?? .english
    }

    /// The organization's time zone, or `nil` when ``timeZoneIdentifier`` is not a known zone.
    public var timeZone: TimeZone? { TimeZone(identifier: timeZoneIdentifier) }

    /// Lists every problem with this organization's fields.
    public func validate(limits: ValidationLimits = .default) -> ValidationReport {
        var report = ValidationReport()
        report.checkText(id.rawValue, field: "id", maxLength: limits.identifierLength)
        report.checkText(name, field: "name", maxLength: limits.nameLength)
        if TimeZone(identifier: timeZoneIdentifier) == nil {
            report.add("timeZoneIdentifier", .malformed, "'\(timeZoneIdentifier.clipped())' is not a known time zone")
        }
        report.merge(locale.validate(field: "locale"))
        return report
    }
}
