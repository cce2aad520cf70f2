import Logging
import CLibPQ
import NIOConcurrencyHelpers
import NIOPosix

/// Parameters encoded once, in one buffer, ready for libpq.
struct EncodedParameters: Sendable {
    var types: [UInt32] = []
    var formats: [Int32] = []
    var lengths: [Int32] = []
    var offsets: [Int] = []
    var storage: [UInt8] = []

    init(_ bindings: [any SQLEncodable]) {
        let count = bindings.count
        types.reserveCapacity(count)
        formats.reserveCapacity(count)
        lengths.reserveCapacity(count)
        offsets.reserveCapacity(count)
        for value in bindings {
            let type = Swift.type(of: value)
            types.append(type.sqlType.rawValue)
            let text = type.bindsAsText
            formats.append(text ? 0 : 1)
            offsets.append(storage.count)
            if value.isNull {
                lengths.append(-1)
                continue
            }
            let start = storage.count
            if text { value.encodeText(into: &storage) } else { value.encodeBinary(into: &storage) }
            lengths.append(Int32(storage.count - start))
            if text { storage.append(0) } // text parameters are C strings
        }
    }

    var count: Int32 { Int32(types.count) }

    /// Calls `body` with the pointer arrays libpq wants.
    func withPointers<T>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) throws -> T) rethrows -> T {
        try storage.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            let values: [UnsafePointer<CChar>?] = offsets.indices.map { index in
                lengths[index] < 0 ? nil : base.map { $0 + offsets[index] }
            }
            return try values.withUnsafeBufferPointer { values in
                try lengths.withUnsafeBufferPointer { lengths in
                    try formats.withUnsafeBufferPointer { formats in
                        try body(values.baseAddress, lengths.baseAddress, formats.baseAddress)
                    }
                }
            }
        }
    }
}

extension Connection {
    /// Runs a statement and returns all its rows, decoded on demand.
    @discardableResult
    public func query(_ query: Query) async throws -> QueryResult {
        let parameters = EncodedParameters(query.bindings)
        let sql = query.sql
        let result = try await run { handle, connection in
            try connection.executePrepared(handle, sql: sql, parameters: parameters)
        }
        return QueryResult(result)
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: Query) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Runs trusted SQL text with the simple protocol: several statements, no parameters
    /// (migrations, `BEGIN`, `SET`…). Never pass text that contains user input.
    public func execute(unsafeSQL sql: String) async throws {
        _ = try await run { handle, _ in try handle.exec(sql) }
    }

    /// First column of the first row, or nil when there is no row.
    public func scalar<T: SQLDecodable>(_ query: Query, as type: T.Type = T.self) async throws -> T? {
        let result = try await self.query(query)
        guard let row = result.first else { return nil }
        return try row.decode(0, as: T.self)
    }

    /// Prepares (or reuses) the statement and executes it. Runs on the thread pool.
    func executePrepared(_ handle: ConnectionHandle, sql: String, parameters: EncodedParameters) throws -> ResultHandle {
        let name = try prepareIfNeeded(handle, sql: sql, parameters: parameters)
        let result = try handle.execPrepared(name: name.name, sql: sql, parameters: parameters)
        if let error = result.failure, name.reused, error.sqlState == .featureNotSupported || error.sqlState == .invalidSQLStatementName {
            // The server invalidated the cached plan. Prepare again; retry only outside a
            // transaction, where the failed attempt left nothing behind.
            state.withLockedValue { $0.statements.remove(name.key) }
            _ = try? handle.exec("DEALLOCATE \(name.name)")
            if handle.transactionStatus == PQTRANS_IDLE {
                logger.debug("statement invalidated by the server, preparing again", metadata: ["pq.statement": "\(name.name)"])
                let again = try prepareIfNeeded(handle, sql: sql, parameters: parameters)
                return try handle.execPrepared(name: again.name, sql: sql, parameters: parameters).checked(sql: sql, handle: handle)
            }
        }
        return try result.checked(sql: sql, handle: handle)
    }

    func prepareIfNeeded(_ handle: ConnectionHandle, sql: String, parameters: EncodedParameters) throws -> (name: String, key: String, reused: Bool) {
        let key = StatementCache.key(sql: sql, types: parameters.types)
        if let name = state.withLockedValue({ $0.statements.name(for: key) }) { return (name, key, true) }
        let (name, evicted) = state.withLockedValue { $0.statements.insert(key) }
        if let evicted { _ = try? handle.exec("DEALLOCATE \(evicted)") }
        do {
            let result = parameters.types.withUnsafeBufferPointer { types in
                PQprepare(handle.pointer, name, sql, parameters.count, types.baseAddress).map(ResultHandle.init)
            }
            _ = try handle.check(result, sql: sql)
        } catch {
            state.withLockedValue { $0.statements.remove(key) }
            throw error
        }
        return (name, key, false)
    }

    /// Statements currently prepared on this connection.
    public var preparedStatementCount: Int { state.withLockedValue { $0.statements.count } }
}

extension ConnectionHandle {
    func execPrepared(name: String, sql: String, parameters: EncodedParameters) throws -> ResultHandle {
        let result = parameters.withPointers { values, lengths, formats in
            PQexecPrepared(pointer, name, parameters.count, values, lengths, formats, 1)
        }
        guard let result else { throw connectionError(sql: sql) }
        return ResultHandle(result)
    }

    /// Simple-protocol execution of trusted SQL; returns the last result.
    func exec(_ sql: String) throws -> ResultHandle {
        try check(PQexec(pointer, sql).map(ResultHandle.init), sql: sql)
    }

    func check(_ result: ResultHandle?, sql: String?) throws -> ResultHandle {
        guard let result else { throw connectionError(sql: sql) }
        return try result.checked(sql: sql, handle: self)
    }

    func connectionError(sql: String?) -> PQError {
        var error = PQError(isOK ? .protocolViolation : .connectionClosed, errorMessage.isEmpty ? "the connection to the server was lost" : errorMessage)
        error.sql = sql
        return error
    }
}

extension ResultHandle {
    /// The server's error when the statement failed.
    var failure: PQError? {
        switch status {
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE: error(sql: nil)
        default: nil
        }
    }

    func checked(sql: String?, handle: ConnectionHandle) throws -> ResultHandle {
        switch status {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_SINGLE_TUPLE:
            return self
        default:
            var error = error(sql: sql)
            if !handle.isOK { error.code = .connectionClosed }
            throw error
        }
    }
}
