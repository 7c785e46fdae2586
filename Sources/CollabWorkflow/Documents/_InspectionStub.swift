import CollabModel
import Foundation
public struct DocumentPolicy: Hashable, Sendable, Codable { public var maximumFileSize: Int64 = 100 << 20; public static let `default` = DocumentPolicy() }
public protocol DocumentTextExtractor: Sendable {}
public struct DocumentInspection: Sendable { public var fileName: String; public var mediaType: String; public var extractedText: String? }
public struct DocumentInspector: Sendable {
    public init(policy: DocumentPolicy, extractors: [any DocumentTextExtractor] = []) {}
    public func inspect(fileAt url: URL, name: String) async throws(CollabError) -> DocumentInspection { DocumentInspection(fileName: name, mediaType: "application/pdf", extractedText: nil) }
}
