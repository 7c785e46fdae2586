import CollabModel
import CollabPermissions
import CollabStore
import Foundation

extension StoreConformance {
    static let directoryChecks: [Check] = [
        Check(.directory, "organization-round-trip",
            "A saved organization reads back equal (its locale too); an unknown id is nil; a second save replaces it.") { ctx in
            var acme = try await ctx.organization("acme")
            try ctx.equal(try await ctx.store.organization("acme"), acme, "acme")
            try ctx.equal(try await ctx.store.organization("nobody"), nil, "an unknown organization")
            acme.name = "Acme Two"
            acme.timeZoneIdentifier = "Asia/Shanghai"
            acme.locale = .simplifiedChinese
            try await ctx.store.save(acme)
            try ctx.equal(try await ctx.store.organization("acme"), acme, "acme after the second save")
        },
        Check(.directory, "organizations-by-name", "organizations() lists every organization, by name.") { ctx in
            try await ctx.organization("c", name: "Cherry")
            try await ctx.organization("a", name: "Banana")
            try await ctx.organization("b", name: "Apple")
            try ctx.equal(try await ctx.store.organizations().map(\.id), ["b", "a", "c"], "the organizations")
        },
        Check(.directory, "organization-keeps-its-side",
            "Saving an internal organization as a partner (or the reverse) fails with invalid_input and changes nothing.") { ctx in
            try await ctx.organization("acme")
            try await ctx.organization("outside", kind: .partner)
            try await ctx.expectError(.invalidInput, "acme saved as a partner") {
                try await ctx.store.save(Organization(id: "acme", name: "Acme", kind: .partner))
            }
            try await ctx.expectError(.invalidInput, "a partner saved as internal") {
                try await ctx.store.save(Organization(id: "outside", name: "Outside", kind: .internal))
            }
            try ctx.equal(try await ctx.store.organization("acme")?.kind, .internal, "acme's kind")
        },
        Check(.directory, "department-round-trip",
            "A saved department reads back by id and in its organization's list by name; an unknown id is nil.") { ctx in
            try await ctx.organization("acme")
            let z = try await ctx.department("z", name: "Alpha")
            let y = try await ctx.department("y", parent: "z", name: "Beta")
            try ctx.equal(try await ctx.store.department("y"), y, "department y")
            try ctx.equal(try await ctx.store.department("none"), nil, "an unknown department")
            try ctx.equal(try await ctx.store.departments(in: "acme"), [z, y], "acme's departments by name")
            try ctx.equal(Set(try await ctx.store.departments(["y", "none"]).map(\.id)), ["y"], "departments by ids")
        },
        Check(.directory, "department-validation",
            "A department with an unknown organization or parent, or a cycle, is refused with invalid_input.") { ctx in
            try await ctx.organization("acme")
            try await ctx.department("a")
            try await ctx.department("b", parent: "a")
            try await ctx.expectError(.invalidInput, "an unknown organization") {
                try await ctx.store.save(Department(id: "x", organizationID: "nowhere", name: "X"))
            }
            try await ctx.expectError(.invalidInput, "an unknown parent") {
                try await ctx.store.save(Department(id: "x", organizationID: "acme", name: "X", parentID: "ghost"))
            }
            try await ctx.expectError(.invalidInput, "a cycle") {
                try await ctx.store.save(Department(id: "a", organizationID: "acme", name: "A", parentID: "b"))
            }
            try ctx.equal(try await ctx.store.department("a")?.parentID, nil, "a's parent")
        },
        Check(.directory, "department-stays-in-organization",
            "Saving an existing department under another organization is refused with invalid_input.") { ctx in
            try await ctx.organization("acme")
            try await ctx.organization("globex")
            try await ctx.department("eng")
            try await ctx.expectError(.invalidInput, "eng moved to globex") {
                try await ctx.store.save(Department(id: "eng", organizationID: "globex", name: "Eng"))
            }
            try ctx.equal(try await ctx.store.department("eng")?.organizationID, "acme", "eng's organization")
        },
        Check(.directory, "member-round-trip",
            "A saved member reads back equal (its own locale too) by id, by ids, by handle and in the organization's list by display name.") { ctx in
            try await ctx.organization("acme")
            try await ctx.department("eng")
            let b = try await ctx.member("m-b", departments: [DepartmentMembership("eng", role: .head)], name: "Anna",
                handle: "anna")
            let a = try await ctx.member("m-a", name: "Bert", handle: "bert")
            try ctx.equal(try await ctx.store.member("m-b"), b, "member m-b")
            try ctx.equal(try await ctx.store.member("ghost"), nil, "an unknown member")
            try ctx.equal(try await ctx.store.members(in: "acme"), [b, a], "acme's members by display name")
            try ctx.equal(Set(try await ctx.store.members(["m-a", "ghost"]).map(\.id)), ["m-a"], "members by ids")
            var reading = a
            reading.locale = "en-GB"
            try await ctx.store.save(reading)
            try ctx.equal(try await ctx.store.member("m-a"), reading, "member m-a reading in en-GB")
            reading.locale = nil
            try await ctx.store.save(reading)
            try ctx.equal(try await ctx.store.member("m-a")?.locale, nil, "member m-a back to the organization's locale")
            try ctx.equal(try await ctx.store.members(handles: ["anna", "nobody"], in: "acme").map(\.id), ["m-b"],
                "members by handle")
        },
        Check(.directory, "handles-per-organization",
            "A handle is unique within an organization (a second member with it is refused) and looked up only there.") { ctx in
            try await ctx.organization("acme")
            try await ctx.organization("globex")
            try await ctx.member("li", handle: "li")
            try await ctx.expectError(.invalidInput, "a second member with handle li") {
                try await ctx.member("li2", handle: "li")
            }
            try await ctx.member("li-g", in: "globex", handle: "li")
            try ctx.equal(try await ctx.store.members(handles: ["li"], in: "globex").map(\.id), ["li-g"], "li in globex")
        },
        Check(.directory, "member-validation",
            "A member naming an unknown organization or department is refused with invalid_input, and a member never moves organization.") { ctx in
            try await ctx.organization("acme")
            try await ctx.organization("globex")
            try await ctx.expectError(.invalidInput, "an unknown department") {
                try await ctx.member("x", departments: [DepartmentMembership("ghost")])
            }
            try await ctx.expectError(.invalidInput, "an unknown organization") { try await ctx.member("x", in: "nowhere") }
            try await ctx.member("li")
            try await ctx.expectError(.invalidInput, "li moved to globex") { try await ctx.member("li", in: "globex") }
            try ctx.equal(try await ctx.store.member("li")?.organizationID, "acme", "li's organization")
        },
        Check(.directory, "heads-direct-only",
            "heads(of:) returns the direct heads of the departments named, not heads of departments above.") { ctx in
            try await ctx.organization("acme")
            try await ctx.department("eng")
            try await ctx.department("mobile", parent: "eng")
            try await ctx.member("eng-head", departments: [DepartmentMembership("eng", role: .head)])
            try await ctx.member("mobile-head", departments: [DepartmentMembership("mobile", role: .head)])
            try await ctx.member("plain", departments: [DepartmentMembership("mobile")])
            try ctx.equal(Set(try await ctx.store.heads(of: ["mobile"])), ["mobile-head"], "heads of mobile")
            try ctx.equal(Set(try await ctx.store.heads(of: ["mobile", "eng"])), ["mobile-head", "eng-head"], "heads of both")
        },
        Check(.directory, "calendar-department-fallback",
            "calendar(for:department:) returns the department's calendar, else the organization's, else nil.") { ctx in
            try await ctx.organization("acme")
            try await ctx.department("eng")
            try await ctx.department("ops")
            try ctx.equal(try await ctx.store.calendar(for: "acme", department: "eng"), nil, "no calendar saved")
            let orgCalendar = BusinessCalendar.standard(timeZoneIdentifier: "UTC")
            let engCalendar = BusinessCalendar.standard(timeZoneIdentifier: "Asia/Shanghai")
            try await ctx.store.save(orgCalendar, for: "acme", department: nil)
            try await ctx.store.save(engCalendar, for: "acme", department: "eng")
            try ctx.equal(try await ctx.store.calendar(for: "acme", department: "eng"), engCalendar, "eng's calendar")
            try ctx.equal(try await ctx.store.calendar(for: "acme", department: "ops"), orgCalendar, "ops falls back")
            try ctx.equal(try await ctx.store.calendar(for: "acme", department: nil), orgCalendar, "the organization's")
        },
        Check(.directory, "revision-moves-on-every-change",
            "directoryRevision() changes after saving an organization, a department, a member and a calendar, and not after an item commit.") { ctx in
            var seen: [Int64] = [try await ctx.store.directoryRevision()]
            func moved(_ what: String) async throws {
                let now = try await ctx.store.directoryRevision()
                try ctx.expect(!seen.contains(now), "a new revision after \(what)", found: "\(now), seen \(seen)")
                seen.append(now)
            }
            try await ctx.organization("acme")
            try await moved("an organization save")
            try await ctx.department("eng")
            try await moved("a department save")
            try await ctx.member("boss", administrator: true)
            try await moved("a member save")
            try await ctx.member("boss", departments: [DepartmentMembership("eng")], administrator: true)
            try await moved("a membership change")
            try await ctx.store.save(BusinessCalendar.standard(timeZoneIdentifier: "UTC"), for: "acme", department: nil)
            try await moved("a calendar save")
            try await ctx.member("worker")
            let before = try await ctx.store.directoryRevision()
            try await ctx.item()
            try ctx.equal(try await ctx.store.directoryRevision(), before, "the revision after an item commit")
        },
        Check(.directory, "subject-expands-heads",
            "subject(for:) gives the member's organization, roles, departments, and headed departments expanded to every sub-department; nil for an unknown member.") { ctx in
            try await ctx.organization("acme")
            try await ctx.department("root")
            try await ctx.department("mid", parent: "root")
            try await ctx.department("leaf", parent: "mid")
            try await ctx.department("other")
            try await ctx.member("head", departments: [DepartmentMembership("mid", role: .head), DepartmentMembership("other")],
                administrator: true)
            let subject = try ctx.some(try await ctx.store.subject(for: "head"), "head's subject")
            try ctx.equal(subject.headedDepartmentIDs, ["mid", "leaf"], "headed departments")
            try ctx.equal(subject.departmentIDs, ["mid", "other"], "departments")
            try ctx.expect(subject.roles.contains(.administrator) && subject.isActive && subject.organizationID == "acme",
                "an active administrator of acme", found: "\(subject)")
            try ctx.equal(try await ctx.store.subject(for: "ghost"), nil, "an unknown member's subject")
        },
        Check(.directory, "subject-of-inactive",
            "The subject of a deactivated member says so, and a membership removed is gone from the subject.") { ctx in
            try await ctx.organization("acme")
            try await ctx.department("eng")
            try await ctx.member("li", departments: [DepartmentMembership("eng")])
            try await ctx.member("li", active: false)
            let subject = try ctx.some(try await ctx.store.subject(for: "li"), "li's subject")
            try ctx.expect(!subject.isActive && subject.departmentIDs.isEmpty, "inactive, in no department",
                found: "\(subject)")
        },
    ]
}
