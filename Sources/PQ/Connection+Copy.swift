import CLibPQ
import NIOConcurrencyHelpers
import NIOPosix

/// The formats of `COPY … FROM STDIN`.
public enum CopyFormat: Sendable {
    /// Tab-separated text, `\N` for NULL.
    case text
    /// PostgreSQL's binary COPY format (faster to parse; types must match the columns exactly).
    case binary
    /// CSV as `COPY … (FORMAT csv)` reads it: an empty unquoted field is NULL. For text that is
    /// already CSV, written with ``CopyWriter/write(encoded:rows:)``.
    case csv
}

/// Writes rows into a running `COPY … FROM STDIN`, in chunks of about 256 KiB.
public final class CopyWriter {
    let connection: Connection
    let format: CopyFormat
    var buffer: [UInt8] = []
    var field: [UInt8] = []
    public private(set) var rowCount = 0
    static let flushSize = 256 * 1024

    init(connection: Connection, format: CopyFormat) {
        self.connection = connection
        self.format = format
        buffer.reserveCapacity(Self.flushSize + 4096)
        if format == .binary {
            buffer.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
            buffer.appendBigEndian(Int32(0)) // flags
            buffer.appendBigEndian(Int32(0)) // header extension length
        }
    }

    /// Adds one row; its values must match the COPY's columns in number and order.
    nonisolated(nonsending) public func write(_ row: [any SQLEncodable]) async throws {
        switch format {
        case .binary:
            buffer.appendBigEndian(Int16(row.count))
            for value in row {
                if value.isNull { buffer.appendBigEndian(Int32(-1)); continue }
                let lengthAt = buffer.count
                buffer.appendBigEndian(Int32(0))
                value.encodeBinary(into: &buffer)
                let length = Int32(buffer.count - lengthAt - 4).bigEndian
                withUnsafeBytes(of: length) { bytes in
                    for index in 0..<4 { buffer[lengthAt + index] = bytes[index] }
                }
            }
        case .text, .csv:
            let separator: UInt8 = format == .csv ? 0x2C : 0x09
            for (index, value) in row.enumerated() {
                if index > 0 { buffer.append(separator) }
                if value.isNull {
                    if format == .text { buffer.append(contentsOf: [0x5C, 0x4E]) }
                    continue
                }
                field.removeAll(keepingCapacity: true)
                value.encodeText(into: &field)
                if format == .text { Self.appendEscaped(field, to: &buffer) } else { Self.appendQuoted(field, to: &buffer) }
            }
            buffer.append(0x0A)
        }
        rowCount += 1
        if buffer.count >= Self.flushSize { try await flush() }
    }

    /// Rows already encoded in the COPY's format (`rows` of them, for ``rowCount``): the fast
    /// lane of a loader that produces the wire text itself.
    nonisolated(nonsending) public func write(encoded bytes: some Collection<UInt8>, rows: Int) async throws {
        buffer.append(contentsOf: bytes)
        rowCount += rows
        if buffer.count >= Self.flushSize { try await flush() }
    }

    /// A CSV field, always quoted (so an empty string is not NULL), quotes doubled.
    static func appendQuoted(_ bytes: [UInt8], to buffer: inout [UInt8]) {
        buffer.append(0x22)
        for byte in bytes {
            if byte == 0x22 { buffer.append(0x22) }
            buffer.append(byte)
        }
        buffer.append(0x22)
    }

    /// COPY text escaping: backslash, tab, newline and carriage return.
    static func appendEscaped(_ bytes: [UInt8], to buffer: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
            case 0x09: buffer.append(0x5C); buffer.append(UInt8(ascii: "t"))
            case 0x0A: buffer.append(0x5C); buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(0x5C); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(byte)
            }
        }
    }

    /// The chunk being sent while the next one is encoded: encoding and the network overlap.
    var inFlight: Task<Void, any Error>?

    nonisolated(nonsending) func flush() async throws {
        guard !buffer.isEmpty else { return }
        try await waitForInFlight()
        let chunk = buffer
        buffer = []
        buffer.reserveCapacity(Self.flushSize + 4096)
        let connection = self.connection
        inFlight = Task { try await connection.runStreaming { handle in try handle.putCopyData(chunk) } }
    }

    nonisolated(nonsending) func waitForInFlight() async throws {
        guard let task = inFlight else { return }
        inFlight = nil
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    nonisolated(nonsending) func finish() async throws -> Int {
        if format == .binary { buffer.appendBigEndian(Int16(-1)) }
        try await flush()
        try await waitForInFlight()
        return try await connection.runStreaming { handle in try handle.endCopy(error: nil) }
    }
}

extension Connection {
    /// Bulk-loads rows with `COPY table (columns) FROM STDIN`, returning the row count.
    ///
    /// `body` writes the rows; when it throws, or a row is bad, the COPY is aborted and nothing
    /// is written. The table and column names are quoted with `PQescapeIdentifier`.
    @discardableResult
    public func copy(
        into table: String,
        columns: [String],
        format: CopyFormat = .binary,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (CopyWriter) async throws -> Void
    ) async throws -> Int {
        let target = try table.split(separator: ".").map { try escapeIdentifier(String($0)) }.joined(separator: ".")
        let columnList = try columns.map { try escapeIdentifier($0) }.joined(separator: ", ")
        let options = switch format {
        case .binary: "FORMAT binary"
        case .text: "FORMAT text"
        case .csv: "FORMAT csv"
        }
        let sql = "COPY \(target) (\(columnList)) FROM STDIN (\(options))"
        let drain = try beginOperation()
        defer { endOperation() }
        try await runStreaming { [self] handle in
            if drain { drainPendingResults() }
            let result = try handle.exec(sql)
            guard result.status == PGRES_COPY_IN else {
                throw PQError(.protocolViolation, "the server did not enter COPY IN mode")
            }
        }
        let writer = CopyWriter(connection: self, format: format)
        do {
            try await body(writer)
            return try await writer.finish()
        } catch {
            // Let a chunk still being sent finish, then abort the COPY (nothing is written).
            try? await writer.waitForInFlight()
            _ = try? await threadPool.runIfActive { [handle] in try handle.endCopy(error: "aborted by the client: \(error)") }
            throw error
        }
    }

    /// Bulk-loads an async sequence of rows; see ``copy(into:columns:format:_:)``.
    @discardableResult
    public func copy<Rows: AsyncSequence>(
        into table: String,
        columns: [String],
        format: CopyFormat = .binary,
        rows: Rows
    ) async throws -> Int where Rows.Element == [any SQLEncodable] {
        try await copy(into: table, columns: columns, format: format) { writer in
            for try await row in rows { try await writer.write(row) }
        }
    }
}

extension ConnectionHandle {
    func putCopyData(_ chunk: [UInt8]) throws {
        let status = chunk.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(pointer, $0.baseAddress, Int32($0.count)) }
        }
        if status != 1 { throw connectionError(sql: nil) }
    }

    /// Ends COPY IN (or aborts it with `error`) and returns the rows copied.
    func endCopy(error: String?) throws -> Int {
        guard PQputCopyEnd(pointer, error) == 1 else { throw connectionError(sql: nil) }
        var failure: PQError?
        var count = 0
        while let raw = PQgetResult(pointer) {
            let result = ResultHandle(raw)
            if let error = result.failure, failure == nil { failure = error }
            else if result.status == PGRES_COMMAND_OK { count = result.affectedRows }
        }
        if let failure, error == nil { throw failure }
        return count
    }
}
