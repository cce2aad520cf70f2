import CLibPQ

/// Names and types of a result's columns, shared by all its rows.
public final class Columns: Sendable {
    public let names: [String]
    public let types: [OID]
    let indexByName: [String: Int]

    convenience init(_ result: ResultHandle) { self.init(pointer: result.pointer) }

    init(pointer: OpaquePointer) {
        let count = Int(PQnfields(pointer))
        var names = [String]()
        var types = [OID]()
        names.reserveCapacity(count)
        types.reserveCapacity(count)
        for index in 0..<count {
            names.append(String(cString: PQfname(pointer, Int32(index))))
            types.append(OID(rawValue: PQftype(pointer, Int32(index))))
        }
        self.names = names
        self.types = types
        var indexByName = [String: Int]()
        for (index, name) in names.enumerated() where indexByName[name] == nil { indexByName[name] = index }
        self.indexByName = indexByName
    }

    public var count: Int { names.count }
}

/// One row of a result. Values are decoded on demand from libpq's binary result, or, for a
/// streamed row, from the copy of it that ``RowStream`` packed into its batch.
public struct Row: @unchecked Sendable {
    // @unchecked: `pointer` is a PGresult kept alive by `owner` and only read (see ResultHandle);
    // a streamed row's `owner` is its immutable ``PackedRows`` batch and `pointer` is nil.
    let owner: AnyObject
    let pointer: OpaquePointer?
    let rowIndex: Int32
    public let columns: Columns

    init(result: ResultHandle, rowIndex: Int, columns: Columns) {
        self.owner = result
        self.pointer = result.pointer
        self.rowIndex = Int32(rowIndex)
        self.columns = columns
    }

    init(packed: PackedRows, rowIndex: Int) {
        self.owner = packed
        self.pointer = nil
        self.rowIndex = Int32(rowIndex)
        self.columns = packed.columns
    }

    public func isNull(_ column: Int) -> Bool {
        guard let pointer else { return unsafeDowncast(owner, to: PackedRows.self).isNull(row: Int(rowIndex), column: column) }
        return PQgetisnull(pointer, rowIndex, Int32(column)) == 1
    }

    /// Decodes column `column` (0-based) as `T`. SQL NULL decodes only into an Optional.
    public func decode<T: SQLDecodable>(_ column: Int, as type: T.Type = T.self) throws -> T {
        guard column >= 0, column < columns.count else {
            throw PQError(.decoding, "column index \(column) is out of range: the result has \(columns.count) columns")
        }
        do {
            guard let pointer else {
                return try unsafeDowncast(owner, to: PackedRows.self).decode(row: Int(rowIndex), column: column, as: T.self)
            }
            let col = Int32(column)
            if PQgetisnull(pointer, rowIndex, col) == 1 { return try T.decodeNull() }
            let length = Int(PQgetlength(pointer, rowIndex, col))
            guard let value = PQgetvalue(pointer, rowIndex, col) else { return try T.decodeNull() }
            return try T.decode(UnsafeRawBufferPointer(start: value, count: length), type: columns.types[column])
        } catch let failure as SQLDecodingFailure {
            throw PQError(
                .decoding,
                "column \"\(columns.names[column])\" (\(columns.types[column])) cannot be decoded as \(T.self): \(failure.reason)"
            )
        }
    }

    /// Decodes the column named `name` as `T`.
    public func decode<T: SQLDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.indexByName[name] else {
            throw PQError(.decoding, "the result has no column named \"\(name)\" (it has \(columns.names.joined(separator: ", ")))")
        }
        return try decode(index, as: T.self)
    }

    /// Decodes the leading columns as a tuple: `let (code, name) = try row.decode((String, String).self)`.
    public func decode<each T: SQLDecodable>(_ types: (repeat each T).Type) throws -> (repeat each T) {
        // An inout counter rather than one captured by a nested function: a captured variable
        // is boxed and checked for exclusive access at run time on every column.
        var column = 0
        return (repeat try decode(next: (each T).self, column: &column))
    }

    @inline(__always)
    private func decode<U: SQLDecodable>(next type: U.Type, column: inout Int) throws -> U {
        defer { column += 1 }
        return try decode(column, as: U.self)
    }
}

/// A result held in memory: fine for small results; use ``Connection/stream(_:)`` for large ones.
public struct QueryResult: Sendable, RandomAccessCollection {
    let result: ResultHandle
    public let columns: Columns
    /// Rows inserted, updated, deleted, copied… as the command tag reports.
    public let affectedRows: Int

    init(_ result: ResultHandle) {
        self.result = result
        self.columns = Columns(result)
        self.affectedRows = result.affectedRows
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { result.rowCount }
    public subscript(position: Int) -> Row { Row(result: result, rowIndex: position, columns: columns) }

    /// Decodes every row's leading columns as tuples.
    public func decode<each T: SQLDecodable>(_ types: (repeat each T).Type) throws -> [(repeat each T)] {
        try map { try $0.decode(types) }
    }
}
