import CollabModel
import Foundation
import Testing

@Suite struct AttachmentPolicyTests {
    @Test("a policy decoded from JSON lower-cases its media types, as the initializer does")
    func decodedMediaTypesAreLowerCased() throws {
        let json = #"{"acceptedMediaTypes": ["Application/PDF", "IMAGE/png"], "maximumSize": 2048}"#
        let policy = try JSONDecoder().decode(AttachmentPolicy.self, from: Data(json.utf8))
        #expect(policy == AttachmentPolicy(acceptedMediaTypes: ["application/pdf", "image/png"], maximumSize: 2048))
        let attachment = FileAttachment(
            fileName: "plan.pdf", mediaType: "application/pdf", size: 1024,
            sha256: String(repeating: "ab", count: 32), storageKey: "files/plan.pdf")
        #expect(attachment.validate(policy: policy).problems.isEmpty)
        let again = try JSONDecoder().decode(AttachmentPolicy.self, from: JSONEncoder().encode(policy))
        #expect(again == policy)
    }
}
