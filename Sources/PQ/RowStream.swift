import CLibPQ
import NIOConcurrencyHelpers
import NIOPosix

/// Rows of a large result, read with libpq's single-row mode: memory stays constant whatever
/// the result's size. The connection stays busy until the stream ends; a stream dropped early
/// is cancelled and drained before the connection's next statement.
public struct RowStream: AsyncSequence, Sendable {
    public typealias Element = Row
    let connection: Connection
    let sql: String

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(cursor: Cursor(connection: connection, sql: sql)) }

    public struct AsyncIterator: AsyncIteratorProtocol {
        @usableFromInline let cursor: Cursor
        init(cursor: Cursor) { self.cursor = cursor }

        /// Runs on the caller's executor: only a batch fetch leaves it, not every row. Inlined
        /// into the caller's loop, a row already fetched costs a plain call, not an async one.
        @inlinable
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Row? {
            if let row = cursor.nextFetched() { return row }
            return try await cursor.next()
        }

        @inlinable
        public mutating func next() async throws -> Row? {
            if let row = cursor.nextFetched() { return row }
            return try await cursor.next()
        }
    }

    /// Iterator state, a class so that an abandoned stream can tell its connection.
    ///
    /// Batches are read ahead: while the caller works through one batch, the connection's thread
    /// already reads the next from the socket, so libpq's parsing and the caller's decoding
    /// overlap instead of taking turns.
    @usableFromInline
    final class Cursor: @unchecked Sendable {
        // @unchecked: only the iterating task touches the mutable state (AsyncIterator is not
        // shared); a fetch in flight owns nothing of it; the connection's state is locked. For
        // the same reason the per-row state skips Swift's run-time exclusivity checks (they were
        // about 5 % of a 1,000,000-row stream).
        let connection: Connection
        let sql: String
        @exclusivity(unchecked) var batch: PackedRows?
        @exclusivity(unchecked) var position = 0
        @exclusivity(unchecked) var finished = false
        /// The next batch, being fetched on the connection's thread.
        @exclusivity(unchecked) var ahead: Task<Fetched, any Error>?
        /// Set when the stream is dropped: a fetch that reaches the thread after that must not
        /// read the connection, whose next statement may already be running.
        let abandoned = NIOLockedValueBox(false)

        init(connection: Connection, sql: String) {
            self.connection = connection
            self.sql = sql
        }

        deinit {
            if !finished {
                // The fetch in flight is not cancelled: its cancel request would reach the server
                // from another thread, possibly while the connection's next statement runs. The
                // next statement's job drains what is left first, cancelling synchronously.
                abandoned.withLockedValue { $0 = true }
                connection.abandonStream()
            }
        }

        /// The next row of the batch in hand, if any: no suspension, no allocation.
        @usableFromInline
        func nextFetched() -> Row? {
            guard let batch, position < batch.count else { return nil }
            defer { position += 1 }
            return Row(packed: batch, rowIndex: position)
        }

        @usableFromInline
        nonisolated(nonsending) func next() async throws -> Row? {
            if let row = nextFetched() { return row }
            if finished { return nil }
            let fetch = ahead ?? fetchBatch(columns: batch?.columns)
            ahead = nil
            let fetched: Fetched
            do {
                fetched = try await withTaskCancellationHandler {
                    try await fetch.value
                } onCancel: {
                    fetch.cancel()
                }
            } catch {
                finished = true
                connection.finishStream()
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                throw error
            }
            if fetched.done {
                finished = true
                connection.finishStream()
            } else {
                ahead = fetchBatch(columns: fetched.rows?.columns)
            }
            batch = fetched.rows
            guard let rows = fetched.rows, rows.count > 0 else { return nil }
            position = 1
            return Row(packed: rows, rowIndex: 0)
        }

        private func fetchBatch(columns: Columns?) -> Task<Fetched, any Error> {
            let connection = self.connection
            let sql = self.sql
            let abandoned = self.abandoned
            return Task {
                try await connection.runStreaming { handle in
                    if abandoned.withLockedValue({ $0 }) { return Fetched(rows: nil, done: true) }
                    return try handle.fetchSingleRows(limit: RowStream.batchSize, columns: columns, sql: sql)
                }
            }
        }
    }

    /// Rows fetched per trip to the connection's thread (about 50 bytes each in the benchmark).
    static let batchSize = 2048

    struct Fetched: Sendable {
        let rows: PackedRows?
        let done: Bool
    }
}

/// A batch of streamed rows, copied out of libpq's single-row results as they arrive: each
/// `PGresult` is cleared at once on the connection's thread (as a C loop over libpq would do,
/// so malloc reuses the same warm blocks), and the batch is two allocations (the byte buffer
/// grows only when rows carry more than 16 bytes per value on average).
/// Immutable once built; rows keep it alive for as long as they are kept.
final class PackedRows: @unchecked Sendable {
    // @unchecked: `bytes` and `cells` are written only while the fetching job builds the batch,
    // before it is shared; afterwards they are only read, and freed in deinit.
    let columns: Columns
    private(set) var count = 0
    /// Every non-NULL value's bytes, one after another.
    private var bytes: UnsafeMutableRawPointer
    private var byteCount = 0
    private var byteCapacity: Int
    /// Per row and column: the value's offset in `bytes` and its length, -1 for NULL.
    private var cells: UnsafeMutablePointer<Int32>
    private let cellCapacity: Int

    init(columns: Columns, rows: Int) {
        self.columns = columns
        byteCapacity = max(64, rows * 16 * max(columns.count, 1))
        bytes = UnsafeMutableRawPointer.allocate(byteCount: byteCapacity, alignment: 8)
        cellCapacity = 2 * rows * columns.count
        cells = UnsafeMutablePointer<Int32>.allocate(capacity: max(cellCapacity, 1))
    }

    deinit {
        bytes.deallocate()
        cells.deallocate()
    }

    /// Room for one more row (the batch is made for a fixed number of rows).
    var isFull: Bool { 2 * (count + 1) * columns.count > cellCapacity }
    /// Bytes held: offsets are 32-bit, so a batch is handed over long before they could overflow.
    var isLarge: Bool { byteCount > 1 << 30 }

    /// Copies row 0 of a single-row result.
    func append(from result: OpaquePointer) {
        var cell = 2 * count * columns.count
        for column in 0..<Int32(columns.count) {
            defer { cell += 2 }
            if PQgetisnull(result, 0, column) == 1 {
                cells[cell] = 0
                cells[cell + 1] = -1
                continue
            }
            let length = Int(PQgetlength(result, 0, column))
            if byteCount + length > byteCapacity {
                let grown = UnsafeMutableRawPointer.allocate(byteCount: max(2 * byteCapacity, byteCount + length), alignment: 8)
                grown.copyMemory(from: bytes, byteCount: byteCount)
                bytes.deallocate()
                bytes = grown
                byteCapacity = max(2 * byteCapacity, byteCount + length)
            }
            if length > 0, let value = PQgetvalue(result, 0, column) {
                (bytes + byteCount).copyMemory(from: value, byteCount: length)
            }
            cells[cell] = Int32(truncatingIfNeeded: byteCount)
            cells[cell + 1] = Int32(length)
            byteCount += length
        }
        count += 1
    }

    func isNull(row: Int, column: Int) -> Bool { cells[2 * (row * columns.count + column) + 1] < 0 }

    @inline(__always)
    func decode<T: SQLDecodable>(row: Int, column: Int, as type: T.Type) throws -> T {
        let cell = 2 * (row * columns.count + column)
        let length = Int(cells[cell + 1])
        if length < 0 { return try T.decodeNull() }
        return try T.decode(UnsafeRawBufferPointer(start: bytes + Int(cells[cell]), count: length), type: columns.types[column])
    }
}

extension Connection {
    /// Starts a statement whose rows arrive one by one as the caller iterates.
    ///
    /// ```swift
    /// for try await row in try await connection.stream("SELECT id, name FROM big") { … }
    /// ```
    public func stream(_ query: Query) async throws -> RowStream {
        let parameters = EncodedParameters(query.bindings)
        let sql = query.sql
        let drain = try beginOperation()
        do {
            try await withTaskCancellationHandler {
                try await threadPool.runIfActive { [self] in
                    if drain { drainPendingResults() }
                    let name = try prepareIfNeeded(handle, sql: sql, parameters: parameters)
                    let sent = parameters.withPointers { values, lengths, formats in
                        PQsendQueryPrepared(handle.pointer, name.name, parameters.count, values, lengths, formats, 1)
                    }
                    guard sent == 1 else { throw handle.connectionError(sql: sql) }
                    guard PQsetSingleRowMode(handle.pointer) == 1 else {
                        throw PQError(.protocolViolation, "libpq refused single-row mode")
                    }
                }
            } onCancel: {
                self.requestCancel()
            }
        } catch {
            state.withLockedValue { $0.needsDrain = true }
            endOperation()
            throw error
        }
        // The connection stays busy until the stream finishes or is abandoned.
        return RowStream(connection: self, sql: sql)
    }

    /// Fetches one batch while a stream owns the connection (it is already marked busy).
    func runStreaming<T: Sendable>(_ body: @escaping @Sendable (ConnectionHandle) throws -> T) async throws -> T {
        let handle = self.handle
        do {
            return try await withTaskCancellationHandler {
                try await threadPool.runIfActive { try body(handle) }
            } onCancel: {
                self.requestCancel()
            }
        } catch let error as PQError where error.isQueryCanceled && Task.isCancelled {
            throw CancellationError()
        }
    }

    func finishStream() {
        endOperation()
    }

    func abandonStream() {
        state.withLockedValue { state in
            state.needsDrain = true
            state.busy = false
        }
    }
}

extension ConnectionHandle {
    /// Reads up to `limit` single-row results into one packed batch. Runs on the thread pool.
    func fetchSingleRows(limit: Int, columns known: Columns?, sql: String) throws -> RowStream.Fetched {
        var rows = known.map { PackedRows(columns: $0, rows: limit) }
        var failure: PQError?
        // After an error, keep reading until libpq has no more results, then throw.
        while failure != nil || !(rows?.isFull ?? false) && !(rows?.isLarge ?? false) {
            guard let raw = PQgetResult(pointer) else {
                if let failure { throw failure }
                return RowStream.Fetched(rows: rows, done: true)
            }
            switch PQresultStatus(raw) {
            case PGRES_SINGLE_TUPLE:
                if failure == nil {
                    let batch = rows ?? PackedRows(columns: Columns(pointer: raw), rows: limit)
                    rows = batch
                    batch.append(from: raw)
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                break // the end-of-rows marker; the next call returns NULL
            default:
                var error = ResultHandle(raw).error(sql: sql)
                if !isOK { error.code = .connectionClosed }
                failure = failure ?? error
                continue // ResultHandle owns and clears it
            }
            PQclear(raw)
        }
        return RowStream.Fetched(rows: rows, done: false)
    }
}
