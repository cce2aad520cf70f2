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
        public mutating func next() async throws -> Row? { try await cursor.next() }
    }

    /// Iterator state, a class so that an abandoned stream can tell its connection.
    final class Cursor: @unchecked Sendable {
        // @unchecked: only the iterating task touches `buffer`, `position`, `finished`, `columns`
        // (AsyncIterator is not shared); the connection's own state is lock-protected.
        let connection: Connection
        let sql: String
        var buffer: [ResultHandle] = []
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

        func next() async throws -> Row? {
            if position < buffer.count {
                defer { position += 1 }
                return row(buffer[position])
            }
            if finished { return nil }
            let sql = self.sql
            let batch: Batch
            do {
                batch = try await connection.runStreaming { handle in try handle.fetchSingleRows(limit: 512, sql: sql) }
            } catch {
                finished = true
                connection.finishStream()
                throw error
            }
            buffer = batch.rows
            position = 0
            if batch.done {
                finished = true
                connection.finishStream()
            }
            guard !buffer.isEmpty else { return nil }
            position = 1
            return row(buffer[0])
        }

        private func row(_ result: ResultHandle) -> Row {
            let columns = self.columns ?? Columns(result)
            self.columns = columns
            return Row(result: result, rowIndex: 0, columns: columns)
        }
    }

    struct Batch: Sendable {
        var rows: [ResultHandle]
        var done: Bool
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
        var rows = [ResultHandle]()
        rows.reserveCapacity(limit)
        var failure: PQError?
        while rows.count < limit || failure != nil {
            guard let raw = PQgetResult(pointer) else {
                if let failure { throw failure }
                return RowStream.Batch(rows: rows, done: true)
            }
            let result = ResultHandle(raw)
            switch result.status {
            case PGRES_SINGLE_TUPLE:
                if failure == nil { rows.append(result) }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                continue // the end-of-rows marker; the next call returns NULL
            default:
                var error = result.error(sql: sql)
                if !isOK { error.code = .connectionClosed }
                failure = failure ?? error
            }
        }
        return RowStream.Batch(rows: rows, done: false)
    }
}
