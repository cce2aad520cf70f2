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
        let cursor: Cursor
        /// Runs on the caller's executor: only a batch fetch leaves it, not every row.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Row? { try await cursor.next() }
        public mutating func next() async throws -> Row? { try await cursor.next() }
    }

    /// Iterator state, a class so that an abandoned stream can tell its connection.
    final class Cursor: @unchecked Sendable {
        // @unchecked: only the iterating task touches `batch`, `position`, `finished`, `columns`
        // (AsyncIterator is not shared); the connection's own state is lock-protected.
        let connection: Connection
        let sql: String
        var batch = Batch(rows: [], done: false)
        var position = 0
        var finished = false
        var columns: Columns?

        init(connection: Connection, sql: String) {
            self.connection = connection
            self.sql = sql
        }

        deinit {
            if !finished { connection.abandonStream() }
        }

        nonisolated(nonsending) func next() async throws -> Row? {
            if position < batch.rows.count {
                defer { position += 1 }
                return row(batch.rows[position])
            }
            if finished { return nil }
            let sql = self.sql
            // Hand the spent batch to the fetching job so its results are freed on the
            // connection's thread, where libpq allocated them.
            let spent = batch
            batch = Batch(rows: [], done: false)
            do {
                batch = try await connection.runStreaming { handle in
                    spent.release()
                    return try handle.fetchSingleRows(limit: 512, sql: sql)
                }
            } catch {
                finished = true
                connection.finishStream()
                throw error
            }
            position = 0
            if batch.done {
                finished = true
                connection.finishStream()
            }
            guard !batch.rows.isEmpty else { return nil }
            position = 1
            return row(batch.rows[0])
        }

        private func row(_ pointer: OpaquePointer) -> Row {
            let columns = self.columns ?? Columns(pointer: pointer)
            self.columns = columns
            return Row(owner: batch, pointer: pointer, columns: columns)
        }
    }

    /// Up to 512 single-row results, cleared together when the batch is released: one object
    /// per batch instead of one per row.
    final class Batch: @unchecked Sendable {
        // @unchecked: filled by one job, then only read; `release` runs once the iterator let go.
        private(set) var rows: [OpaquePointer]
        let done: Bool
        init(rows: [OpaquePointer], done: Bool) {
            self.rows = rows
            self.done = done
        }
        func release() {
            for pointer in rows { PQclear(pointer) }
            rows = []
        }
        deinit { for pointer in rows { PQclear(pointer) } }
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
    /// Reads up to `limit` single-row results. Runs on the thread pool.
    func fetchSingleRows(limit: Int, sql: String) throws -> RowStream.Batch {
        var rows = [OpaquePointer]()
        rows.reserveCapacity(limit)
        var failure: PQError?
        // After an error, keep reading until libpq has no more results, then throw.
        while rows.count < limit || failure != nil {
            guard let raw = PQgetResult(pointer) else {
                guard let failure else { return RowStream.Batch(rows: rows, done: true) }
                RowStream.Batch(rows: rows, done: true).release()
                throw failure
            }
            switch PQresultStatus(raw) {
            case PGRES_SINGLE_TUPLE:
                rows.append(raw)
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                PQclear(raw) // the end-of-rows marker; the next call returns NULL
            default:
                var error = ResultHandle(raw).error(sql: sql)
                if !isOK { error.code = .connectionClosed }
                failure = failure ?? error
            }
        }
        return RowStream.Batch(rows: rows, done: false)
    }
}
