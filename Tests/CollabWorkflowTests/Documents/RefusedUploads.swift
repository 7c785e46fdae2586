import CollabModel
import CollabTesting
import CollabWorkflow
import Testing

/// The start of an ELF executable (a 64-bit header): refused by the inspector whatever the file is named.
let elfExecutable: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00]
    + [UInt8](repeating: 0, count: 8) + [0x02, 0x00, 0x3E, 0x00, 0x01, 0x00, 0x00, 0x00]
    + [UInt8](repeating: 0, count: 40)

/// A shell script: not an accepted type.
let shellScript: [UInt8] = Array("#!/bin/sh\necho installing\nrm -rf \"$HOME/.cache\"\n".utf8)

/// Expects the upload of `bytes` named `name` to `owner` by `member` to be refused as `invalidInput`, with
/// nothing recorded: the owner lists no new document and the document store holds no new bytes.
@discardableResult
func expectUploadRefused(
    _ h: TestHarness, _ bytes: [UInt8], named name: String, to owner: DocumentOwner, by member: Member.ID,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> CollabError? {
    let listed = try await h.engine.documents.list(of: owner, as: member).items
    let stored = try await h.documentStore.contents(after: nil, limit: 1000).count
    let error = await expectFailure(.invalidInput, "uploading '\(name)'", sourceLocation: sourceLocation) {
        try await h.upload(bytes, named: name, to: owner, by: member)
    }
    #expect(try await h.engine.documents.list(of: owner, as: member).items == listed, "no document is recorded",
        sourceLocation: sourceLocation)
    #expect(try await h.documentStore.contents(after: nil, limit: 1000).count == stored, "no bytes are kept",
        sourceLocation: sourceLocation)
    return error
}
