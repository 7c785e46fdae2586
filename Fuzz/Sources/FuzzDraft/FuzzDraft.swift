import CollabModel
import Foundation
import FuzzSupport

// Drafts and what they carry: the input is read as a WorkItemDraft, a FileAttachment, a list of
// attachments, a Deadline, a CalendarDate and ValidationLimits. Every decoded value is validated and
// round-tripped; a valid draft must be due after its start.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    if let draft = FuzzCheck.decode(WorkItemDraft.self, from: bytes) {
        FuzzCheck.check(draft)
    }
    if let attachment = FuzzCheck.decode(FileAttachment.self, from: bytes) {
        FuzzCheck.check(attachment)
    }
    if let attachments = FuzzCheck.decode([FileAttachment].self, from: bytes) {
        for attachment in attachments { FuzzCheck.check(attachment) }
    }
    if let deadline = FuzzCheck.decode(Deadline.self, from: bytes) {
        FuzzCheck.roundTrip(deadline)
        _ = String(describing: deadline)
        if case .endOfDay(let date) = deadline, let zone = TimeZone(identifier: "America/New_York") {
            FuzzCheck.require(date.isValid, "a decoded date-only deadline names no real day: \(date)")
            let due = deadline.dueInstant(in: zone)
            let start = date.startOfDay(in: zone)
            FuzzCheck.require(
                due != nil && start != nil && due! > start!, "\(deadline) is due \(String(describing: due)), start \(String(describing: start))")
        }
    }
    if let date = FuzzCheck.decode(CalendarDate.self, from: bytes) {
        FuzzCheck.require(date.isValid, "a decoded CalendarDate is not a real day: \(date)")
        FuzzCheck.roundTrip(date)
    }
    if let limits = FuzzCheck.decode(ValidationLimits.self, from: bytes) {
        FuzzCheck.roundTrip(limits)
    }
    if let id = FuzzCheck.decode(Member.ID.self, from: bytes) {
        FuzzCheck.roundTrip(id)
    }
    return 0
}
