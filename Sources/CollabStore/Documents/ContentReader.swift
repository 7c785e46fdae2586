import CollabModel

/// Reads a document's content chunk by chunk, counting its bytes and refusing more than a maximum: what
/// every ``DocumentStore/put(_:maximumSize:)`` and the engine's staging of an upload do with the sequence
/// they are given, in one place.
package struct ContentReader<Chunks: AsyncSequence<[UInt8], any Error>> {
    private var iterator: Chunks.AsyncIterator
    /// The most bytes accepted.
    package let maximumSize: Int64
    /// The bytes read so far.
    package private(set) var size: Int64 = 0
    private let tooLarge: (_ size: Int64) -> CollabError
    private let sourceFailed: (_ error: any Error, _ size: Int64) -> CollabError

    /// A reader of `chunks`; by default its errors are those of a document store's put.
    ///
    /// - Throws: `invalid_input` for a negative `maximumSize`.
    package init(
        _ chunks: Chunks, maximumSize: Int64,
        tooLarge: ((_ size: Int64) -> CollabError)? = nil,
        sourceFailed: ((_ error: any Error, _ size: Int64) -> CollabError)? = nil
    ) throws(CollabError) {
        guard maximumSize >= 0 else {
            throw CollabError(.invalidInput, "the maximum size \(maximumSize) must not be negative")
        }
        self.iterator = chunks.makeAsyncIterator()
        self.maximumSize = maximumSize
        self.tooLarge = tooLarge ?? { size in
            CollabError(.invalidInput,
                "the content is larger than the limit of \(maximumSize) bytes (\(size) bytes reached); nothing was stored")
        }
        self.sourceFailed = sourceFailed ?? { error, size in
            if let error = error as? CollabError { return error }
            if error is CancellationError {
                return CollabError(.storageInterrupted, "the put was cancelled after \(size) bytes; nothing was stored")
            }
            return CollabError(.storageInterrupted, "reading the content failed after \(size) bytes (\(error)); nothing was stored")
        }
    }

    /// The next chunk, or `nil` at the end of the content.
    ///
    /// - Throws: the `tooLarge` error once more than ``maximumSize`` bytes were read (the chunk that crossed
    ///   it is not returned), the `sourceFailed` error when the task is cancelled or the sequence throws.
    package mutating func next() async throws(CollabError) -> [UInt8]? {
        let chunk: [UInt8]?
        do {
            try Task.checkCancellation()
            chunk = try await iterator.next()
        } catch {
            throw sourceFailed(error, size)
        }
        guard let chunk else { return nil }
        size += Int64(chunk.count)
        if size > maximumSize { throw tooLarge(size) }
        return chunk
    }
}
