import CollabModel
import CollabStore
import CollabTesting
import CollabWorkflow
import Crypto
import Foundation
import Testing

/// The bytes of a small, valid PDF.
let smallPDF: [UInt8] = Array("""
    %PDF-1.4
    1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
    2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
    3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj
    trailer << /Root 1 0 R >>
    %%EOF

    """.utf8)

/// `bytes` as an upload's chunks, `size` bytes each.
func chunks(_ bytes: [UInt8], size: Int = 7) -> AsyncThrowingStream<[UInt8], any Error> {
    AsyncThrowingStream { continuation in
        var start = 0
        while start < bytes.count {
            continuation.yield(Array(bytes[start..<min(start + size, bytes.count)]))
            start += size
        }
        continuation.finish()
    }
}

/// Everything a download streams.
func collect(_ download: DocumentDownload) async throws -> [UInt8] {
    var all: [UInt8] = []
    for try await chunk in download.bytes { all += chunk }
    return all
}

/// A scanner that answers what it is told.
struct FixedScanner: DocumentScanner {
    let verdict: DocumentScanVerdict
    func scan(_ file: URL, fileName: String, mediaType: String) async -> DocumentScanVerdict { verdict }
}

/// A workplace whose engine keeps documents in a folder of the harness.
func documentWorkplace(
    storage: HarnessStorage = .underTest, adjust: (inout DocumentConfiguration) -> Void = { _ in }
) async throws -> Workplace {
    var configuration = WorkflowEngine.Configuration()
    adjust(&configuration.documents)
    return try await Workplace(storage: storage, configuration: configuration)
}

/// How many contents the engine's document store holds.
func storedContents(_ w: Workplace) async throws -> Int {
    try await w.harness.documentStore.contents(after: nil, limit: 1000).count
}

@Suite struct DocumentDeskTests {
    @Test("an upload round-trips: detected type, digest, size, audit; the item's viewers download it")
    func roundTrip() async throws {
        let w = try await documentWorkplace()
        let item = try await w.item(.inProgress)
        let document = try await w.engine.documents.upload(
            chunks(smallPDF), named: "plan.pdf", to: .workItem(item.id), tags: ["plan"], by: Workplace.assignee)
        let version = try #require(document.versions.first)
        #expect(document.name == "plan.pdf")
        #expect(document.organizationID == "acme")
        #expect(version.mediaType == "application/pdf")
        #expect(version.size == Int64(smallPDF.count))
        #expect(version.digest.hex == SHA256.hash(data: smallPDF).map { String(format: "%02x", $0) }.joined())
        #expect(version.uploaderID == Workplace.assignee)

        let download = try await w.engine.documents.download(document.id, as: Workplace.initiator)
        #expect(try await collect(download) == smallPDF)
        let listed = try await w.engine.documents.list(of: .workItem(item.id), as: Workplace.mobileHead)
        #expect(listed.items.map(\.id) == [document.id])
        let trail = try await w.engine.documents.history(document.id, as: Workplace.initiator)
        #expect(trail.map(\.action) == ["upload_document"])
        #expect(trail.first?.details["digest"] == version.digest.hex)
        #expect(trail.first?.itemID == item.id)
    }

    @Test("another organization, a partner without a share and a deactivated member get not_found, as for an unknown id")
    func isolation() async throws {
        let w = try await documentWorkplace()
        let item = try await w.item(.inProgress)
        let document = try await w.engine.documents.upload(
            chunks(smallPDF), named: "plan.pdf", to: .workItem(item.id), by: Workplace.assignee)
        let unknown = try await requireFailure(.notFound) {
            _ = try await w.engine.documents.document("no-such-document", as: Workplace.assignee)
        }
        for outsider in [Workplace.stranger, Workplace.partner, Workplace.bystander] {
            let error = try await requireFailure(.notFound, "\(outsider) reads") {
                _ = try await w.engine.documents.document(document.id, as: outsider)
            }
            #expect(error.message == unknown.message.replacingOccurrences(of: "no-such-document", with: document.id.rawValue))
            try await requireFailure(.notFound, "\(outsider) downloads") {
                _ = try await w.engine.documents.download(document.id, as: outsider)
            }
            try await requireFailure(.notFound, "\(outsider) lists") {
                _ = try await w.engine.documents.list(of: .workItem(item.id), as: outsider)
            }
            try await requireFailure(.notFound, "\(outsider) uploads") {
                _ = try await w.engine.documents.upload(
                    chunks(smallPDF), named: "x.pdf", to: .workItem(item.id), by: outsider)
            }
            try await requireFailure(.notFound, "\(outsider) deletes") {
                _ = try await w.engine.documents.delete(document.id, by: outsider)
            }
        }
        try await w.deactivate(Workplace.initiator)
        try await requireFailure(.notFound, "a deactivated member reads") {
            _ = try await w.engine.documents.download(document.id, as: Workplace.initiator)
        }
    }

    @Test("a partner sees the external documents of an item shared with it, never the internal ones")
    func partnerSeesExternalOnly() async throws {
        let w = try await documentWorkplace()
        let item = try await w.item(.inProgress)
        _ = try await w.engine.workItems.share(item.id, with: "partnerco", by: Workplace.initiator)
        let internalDocument = try await w.engine.documents.upload(
            chunks(smallPDF), named: "internal.pdf", to: .workItem(item.id), by: Workplace.assignee)
        let external = try await w.engine.documents.upload(
            chunks(Array("shared notes\n".utf8)), named: "notes.txt", to: .workItem(item.id), visibility: .external,
            by: Workplace.assignee)
        let listed = try await w.engine.documents.list(of: .workItem(item.id), as: Workplace.partner)
        #expect(listed.items.map(\.id) == [external.id])
        #expect(try await collect(try await w.engine.documents.download(external.id, as: Workplace.partner))
            == Array("shared notes\n".utf8))
        try await requireFailure(.notFound) {
            _ = try await w.engine.documents.download(internalDocument.id, as: Workplace.partner)
        }
        _ = try await w.engine.workItems.unshare(item.id, from: "partnerco", by: Workplace.initiator)
        try await requireFailure(.notFound, "after the unshare") {
            _ = try await w.engine.documents.download(external.id, as: Workplace.partner)
        }
    }

    @Test("a new version keeps the old one; each downloads its own bytes")
    func versions() async throws {
        let w = try await documentWorkplace()
        let item = try await w.item(.inProgress)
        let first = try await w.engine.documents.upload(
            chunks(Array("version one\n".utf8)), named: "notes.txt", to: .workItem(item.id), by: Workplace.assignee)
        let second = try await w.engine.documents.uploadVersion(
            chunks(Array("version two\n".utf8)), named: "notes-v2.txt", of: first.id, by: Workplace.initiator,
            expectedVersion: first.version)
        #expect(second.versions.map(\.number) == [1, 2])
        #expect(second.name == "notes-v2.txt")
        #expect(try await collect(try await w.engine.documents.download(first.id, as: Workplace.assignee))
            == Array("version two\n".utf8))
        #expect(try await collect(try await w.engine.documents.download(first.id, version: 1, as: Workplace.assignee))
            == Array("version one\n".utf8))
        try await requireFailure(.conflict, "a stale expected version") {
            _ = try await w.engine.documents.uploadVersion(
                chunks(Array("version three\n".utf8)), named: "notes.txt", of: first.id, by: Workplace.initiator,
                expectedVersion: first.version)
        }
    }

    @Test("deletion: only the uploader or an administrator; gone for everyone; purged after retention; bytes collected after grace")
    func deletionRetentionAndOrphans() async throws {
        let w = try await documentWorkplace { $0.deletedRetention = .seconds(7 * 86_400); $0.orphanGracePeriod = .seconds(3600) }
        let item = try await w.item(.inProgress)
        let document = try await w.engine.documents.upload(
            chunks(smallPDF), named: "plan.pdf", to: .workItem(item.id), by: Workplace.assignee)
        try await requireFailure(.forbidden, "the initiator sees it but did not upload it") {
            _ = try await w.engine.documents.delete(document.id, by: Workplace.initiator)
        }
        let deleted = try await w.engine.documents.delete(document.id, reason: "wrong file", by: Workplace.assignee)
        #expect(deleted.deletedBy == Workplace.assignee)
        try await requireFailure(.notFound) { _ = try await w.engine.documents.download(document.id, as: Workplace.assignee) }
        #expect(try await w.engine.documents.list(of: .workItem(item.id), as: Workplace.initiator).items.isEmpty)

        #expect(try await w.engine.documents.purgeDeleted() == 0, "inside the retention period")
        #expect(try await w.engine.documents.collectOrphans() == 0, "still named by the deleted document")
        w.harness.clock.advance(by: .seconds(8 * 86_400))
        #expect(try await w.engine.documents.purgeDeleted() == 1)
        #expect(try await w.harness.store.document(document.id) == nil)
        let trail = try await w.harness.store.auditTrail(of: .document(document.id))
        #expect(trail.map(\.action) == ["upload_document", "delete_document", "purge_document"])
        #expect(try await storedContents(w) == 1)
        #expect(try await w.engine.documents.collectOrphans() == 1)
        #expect(try await storedContents(w) == 0)
    }

    @Test("an upload past the organization's quota is refused at commit, and nothing is recorded")
    func quota() async throws {
        let w = try await documentWorkplace { $0.quotaPerOrganization = Int64(smallPDF.count) + 10 }
        let item = try await w.item(.inProgress)
        _ = try await w.engine.documents.upload(chunks(smallPDF), named: "a.pdf", to: .workItem(item.id), by: Workplace.assignee)
        try await requireFailure(.quotaExceeded) {
            _ = try await w.engine.documents.upload(
                chunks(Array("more than ten bytes of text\n".utf8)), named: "b.txt", to: .workItem(item.id),
                by: Workplace.assignee)
        }
        #expect(try await w.engine.documents.list(of: .workItem(item.id), as: Workplace.assignee).items.count == 1)
        #expect(try await w.harness.store.documentUsage(of: "acme") == Int64(smallPDF.count))
    }

    @Test("a scanner's quarantine holds a version until an administrator clears it; a refusal keeps nothing")
    func scanner() async throws {
        let held = try await documentWorkplace { $0.scanner = FixedScanner(verdict: .quarantine("queued for scanning")) }
        let item = try await held.item(.inProgress)
        let document = try await held.engine.documents.upload(
            chunks(smallPDF), named: "plan.pdf", to: .workItem(item.id), by: Workplace.assignee)
        #expect(document.versions.first?.scan == .quarantined)
        try await requireFailure(.forbidden) { _ = try await held.engine.documents.download(document.id, as: Workplace.assignee) }
        try await requireFailure(.forbidden, "only administrators decide") {
            _ = try await held.engine.documents.decideQuarantine(document.id, version: 1, clear: true, by: Workplace.assignee)
        }
        _ = try await held.engine.documents.decideQuarantine(document.id, version: 1, clear: true, note: "clean", by: Workplace.admin)
        #expect(try await collect(try await held.engine.documents.download(document.id, as: Workplace.assignee)) == smallPDF)

        let refused = try await documentWorkplace { $0.scanner = FixedScanner(verdict: .refuse("EICAR test signature")) }
        let other = try await refused.item(.inProgress)
        let error = try await requireFailure(.invalidInput) {
            _ = try await refused.engine.documents.upload(
                chunks(smallPDF), named: "plan.pdf", to: .workItem(other.id), by: Workplace.assignee)
        }
        #expect(error.description.contains("EICAR"))
        #expect(try await storedContents(refused) == 0)
        #expect(try await refused.engine.documents.list(of: .workItem(other.id), as: Workplace.assignee).items.isEmpty)
    }

    @Test("a department's folder: its members and heads above it see it; others do not")
    func departmentFolder() async throws {
        let w = try await documentWorkplace()
        let document = try await w.engine.documents.upload(
            chunks(smallPDF), named: "handbook.pdf", to: .departmentFolder("eng-mobile"), by: Workplace.peer)
        for reader in [Workplace.assignee, Workplace.mobileHead, Workplace.engHead, Workplace.admin, Workplace.auditor] {
            #expect(try await w.engine.documents.document(document.id, as: reader).id == document.id, "\(reader)")
        }
        for outsider in [Workplace.salesHead, Workplace.bystander, Workplace.stranger, Workplace.partner] {
            try await requireFailure(.notFound, "\(outsider)") { _ = try await w.engine.documents.document(document.id, as: outsider) }
        }
        try await requireFailure(.notFound, "a folder of another department the member cannot see") {
            _ = try await w.engine.documents.upload(chunks(smallPDF), named: "x.pdf", to: .departmentFolder("sales"), by: Workplace.peer)
        }
    }

    @Test("hostile files are refused with typed errors, and nothing is stored")
    func hostileFiles() async throws {
        let staging = FileManager.default.temporaryDirectory.appending(path: "collab-staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        let w = try await documentWorkplace {
            $0.policy.maximumFileSize = 4096
            $0.stagingDirectory = staging
        }
        let item = try await w.item(.inProgress)
        let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 120)
        let cases: [(String, [UInt8])] = [
            ("invoice.pdf", elf),                                           // an executable renamed .pdf
            ("plan.docx", smallPDF),                                        // a PDF named .docx
            ("big.pdf", smallPDF + [UInt8](repeating: 0x20, count: 5000)),  // over the size limit
            ("../../etc/passwd", Array("root:x:0:0\n".utf8)),               // no such extension once normalized
        ]
        for (name, bytes) in cases {
            try await requireFailure(.invalidInput, name) {
                _ = try await w.engine.documents.upload(chunks(bytes, size: 1000), named: name, to: .workItem(item.id), by: Workplace.assignee)
            }
        }
        #expect(try await storedContents(w) == 0)
        #expect(try await w.engine.documents.list(of: .workItem(item.id), as: Workplace.assignee).items.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).isEmpty,
            "no staged upload is left behind")
    }
}
