import CollabModel
import Foundation

// The checks every fuzz target applies. A broken invariant traps with `fatalError`: that is how a
// libFuzzer harness reports a finding (libFuzzer saves the input as `crash-<sha1>`).

/// Checks shared by the fuzz targets.
public enum FuzzCheck {
    /// The instant drafts are validated at (2026-06-01T00:00:00Z).
    public static let now = Date(timeIntervalSince1970: 1_780_272_000)

    /// Decodes `type` from `data`: a value, or `nil` when decoding threw a `DecodingError`.
    /// Any other error is a finding: hostile input must end in a typed decoding error.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) -> T? {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch is DecodingError {
            return nil
        } catch {
            fatalError("decoding \(T.self) threw an error that is not a DecodingError: \(error)")
        }
    }

    /// Encodes `value` and decodes it again: the result must equal `value`.
    public static func roundTrip<T: Codable & Equatable>(_ value: T) {
        let data: Data
        do {
            data = try JSONEncoder().encode(value)
        } catch {
            fatalError("encoding a decoded \(T.self) failed: \(error)")
        }
        let again: T
        do {
            again = try JSONDecoder().decode(T.self, from: data)
        } catch {
            fatalError("\(T.self) does not decode its own encoding: \(error)\n\(String(decoding: data, as: UTF8.self))")
        }
        require(again == value, "\(T.self) changed in a round trip:\n\(value)\n\(again)")
    }

    /// Traps with `message` unless `condition` holds.
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError(message()) }
    }

    /// Validates a decoded draft in a context that knows every member, department and partner it names
    /// (so that only the draft's own content decides), and round-trips a valid one.
    /// - Returns: whether the draft is valid.
    @discardableResult
    public static func check(_ draft: WorkItemDraft) -> Bool {
        let members = Set(draft.assigneeIDs + draft.watcherIDs + (draft.reviewerID.map { [$0] } ?? []))
        var partners: [Organization.ID: Organization] = [:]
        for id in draft.partnerOrganizationIDs {
            partners[id] = Organization(id: id, name: "Partner", kind: .partner, externalCollaborationEnabled: true)
        }
        let shanghai = TimeZone(identifier: "Asia/Shanghai")
        // Without a zone the deadline is not checked; with one it is.
        _ = draft.validate(in: ValidationContext(timeZone: nil), now: now)
        let report = draft.validate(
            in: ValidationContext(
                timeZone: shanghai, activeMemberIDs: members, departmentIDs: Set(draft.departmentIDs),
                outsideOrganizations: partners),
            now: now)
        for problem in report.problems {
            require(!problem.field.isEmpty && !problem.message.isEmpty, "a problem without field or message: \(problem)")
        }
        _ = String(describing: draft.deadline)
        roundTrip(draft)
        guard report.problems.isEmpty else { return false }
        if let zone = shanghai {
            let due = draft.deadline.dueInstant(in: zone)
            require(due.map { $0 > (draft.start ?? now) } ?? false, "a valid draft is due \(String(describing: due)), not after its start")
        }
        return true
    }

    /// Validates a decoded attachment under the default policy and round-trips it.
    /// - Returns: whether the attachment is accepted.
    @discardableResult
    public static func check(_ attachment: FileAttachment) -> Bool {
        let report = attachment.validate(policy: .default)
        roundTrip(attachment)
        if report.problems.isEmpty {
            require(attachment.size >= 0 && attachment.sha256.utf8.count == 64, "an accepted attachment is malformed: \(attachment)")
        }
        return report.problems.isEmpty
    }
}
