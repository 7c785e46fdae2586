import CollabModel
import CollabPermissions
import Foundation
import Testing

// The people of the decision tables. `acme` is the company that owns every record; `globex` another
// company; `partnerco` a partner and `custco` a customer whose external collaboration acme's administrators
// enabled; `partneroff` a partner whose collaboration is disabled. acme's department `eng` contains
// `eng-mobile`; `sales` stands apart.

/// A subject with a readable name, as a test argument.
struct Profile: Sendable, CustomTestStringConvertible {
    var name: String
    var subject: Subject
    var testDescription: String { name }
}

enum People {
    static func insider(
        _ id: Member.ID, roles: Set<Member.OrganizationRole> = [], departments: Set<Department.ID> = [],
        heads: Set<Department.ID> = [], active: Bool = true, organization: Organization.ID = "acme"
    ) -> Subject {
        Subject(memberID: id, organizationID: organization, organizationKind: .internal, roles: roles,
            departmentIDs: departments, headedDepartmentIDs: heads, isActive: active)
    }

    static func outsider(
        _ id: Member.ID, of organization: Organization.ID, kind: Organization.Kind, enabled: Bool = true,
        active: Bool = true, roles: Set<Member.OrganizationRole> = []
    ) -> Subject {
        Subject(memberID: id, organizationID: organization, organizationKind: kind, roles: roles, isActive: active,
            externalCollaborationEnabled: enabled)
    }

    static let administrator = insider("admin", roles: [.administrator])
    static let auditor = insider("auditor", roles: [.auditor])
    /// Heads `eng`, and so every department below it (the store expands the tree).
    static let engHead = insider("eng-head", departments: ["eng"], heads: ["eng", "eng-mobile"])
    /// Heads `sales`, unrelated to the records.
    static let salesHead = insider("sales-head", departments: ["sales"], heads: ["sales"])
    static let mobileMember = insider("mobile-member", departments: ["eng-mobile"])
    static let salesMember = insider("sales-member", departments: ["sales"])
    static let bystander = insider("bystander")
    static let partner = outsider("partner-amy", of: "partnerco", kind: .partner)
    static let partnerAdministrator = outsider("partner-boss", of: "partnerco", kind: .partner, roles: [.administrator])
    static let partnerDisabled = outsider("partner-off", of: "partneroff", kind: .partner, enabled: false)
    static let customer = outsider("customer-cat", of: "custco", kind: .customer)
    static let deactivatedAdministrator = insider("former-admin", roles: [.administrator], active: false)
    static let deactivatedPartner = outsider("former-amy", of: "partnerco", kind: .partner, active: false)
    /// An administrator of the other company.
    static let strangerAdministrator = insider("globex-admin", roles: [.administrator], organization: "globex")

    static let instant = Date(timeIntervalSince1970: 1_767_225_600)
}
