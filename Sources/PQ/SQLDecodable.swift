import Foundation

/// A Swift type that can be read from a column in PostgreSQL's binary format.
public protocol SQLDecodable: Sendable {
    /// Reads a non-NULL value of server type `type`.
    static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Self
    /// What SQL NULL becomes; throws for non-optional types.
    static func decodeNull() throws -> Self
}

extension SQLDecodable {
    public static func decodeNull() throws -> Self { throw SQLDecodingFailure("unexpected NULL (decode as Optional to accept NULL)") }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Self {
        try Wrapped.decode(bytes, type: type)
    }
    public static func decodeNull() throws -> Self { nil }
}

/// Why a value could not be decoded; ``Row`` adds the column, its type and the Swift type.
public struct SQLDecodingFailure: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    static func wrongType<T>(_ type: OID, _: T.Type) -> SQLDecodingFailure {
        SQLDecodingFailure("a \(type) column cannot be read as \(T.self)")
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func readUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) func readUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    @inline(__always) func readUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

extension Int64: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Int64 {
        switch (type, bytes.count) {
        case (.int8, 8): Int64(bitPattern: bytes.readUInt64(at: 0))
        case (.int4, 4): Int64(Int32(bitPattern: bytes.readUInt32(at: 0)))
        case (.int2, 2): Int64(Int16(bitPattern: bytes.readUInt16(at: 0)))
        case (.oid, 4): Int64(bytes.readUInt32(at: 0))
        default: throw SQLDecodingFailure.wrongType(type, Int64.self)
        }
    }
}

extension Int: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Int {
        Int(try Int64.decode(bytes, type: type))
    }
}

extension Int32: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Int32 {
        switch (type, bytes.count) {
        case (.int4, 4): return Int32(bitPattern: bytes.readUInt32(at: 0))
        case (.int2, 2): return Int32(Int16(bitPattern: bytes.readUInt16(at: 0)))
        case (.int8, 8):
            guard let value = Int32(exactly: Int64(bitPattern: bytes.readUInt64(at: 0))) else {
                throw SQLDecodingFailure("bigint value does not fit in Int32")
            }
            return value
        default: throw SQLDecodingFailure.wrongType(type, Int32.self)
        }
    }
}

extension Int16: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Int16 {
        guard type == .int2, bytes.count == 2 else { throw SQLDecodingFailure.wrongType(type, Int16.self) }
        return Int16(bitPattern: bytes.readUInt16(at: 0))
    }
}

extension Bool: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Bool {
        guard type == .bool, bytes.count == 1 else { throw SQLDecodingFailure.wrongType(type, Bool.self) }
        return bytes[0] != 0
    }
}

extension Double: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Double {
        switch (type, bytes.count) {
        case (.float8, 8): Double(bitPattern: bytes.readUInt64(at: 0))
        case (.float4, 4): Double(Float(bitPattern: bytes.readUInt32(at: 0)))
        case (.numeric, _): try Numeric(binary: bytes).doubleValue
        default: throw SQLDecodingFailure.wrongType(type, Double.self)
        }
    }
}

extension Float: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Float {
        guard type == .float4, bytes.count == 4 else { throw SQLDecodingFailure.wrongType(type, Float.self) }
        return Float(bitPattern: bytes.readUInt32(at: 0))
    }
}

extension String: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> String {
        switch type {
        case .text, .varchar, .name, .bpchar, .unknown, .json:
            return String(decoding: bytes, as: UTF8.self)
        case .jsonb:
            guard bytes.first == 1 else { throw SQLDecodingFailure("unknown jsonb format version") }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
        case .numeric:
            return try Numeric(binary: bytes).description
        default:
            // Enum types and others arrive as their text form in binary too; only accept the ones
            // whose binary form is text.
            if type.rawValue >= 16384 { return String(decoding: bytes, as: UTF8.self) }
            throw SQLDecodingFailure.wrongType(type, String.self)
        }
    }
}

extension Numeric: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Numeric {
        switch type {
        case .numeric: return try Numeric(binary: bytes)
        case .int2, .int4, .int8: return Numeric(try Int64.decode(bytes, type: type))
        default: throw SQLDecodingFailure.wrongType(type, Numeric.self)
        }
    }
}

extension SQLDate: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> SQLDate {
        guard type == .date, bytes.count == 4 else { throw SQLDecodingFailure.wrongType(type, SQLDate.self) }
        let days = Int32(bitPattern: bytes.readUInt32(at: 0))
        if days == .max || days == .min { throw SQLDecodingFailure("date is \(days == .max ? "" : "-")infinity, which SQLDate cannot hold") }
        return SQLDate(daysSinceUnixEpoch: Int(days) + SQLDate.postgresEpochDays)
    }
}

extension SQLTimestamp: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> SQLTimestamp {
        guard type == .timestamptz || type == .timestamp, bytes.count == 8 else {
            throw SQLDecodingFailure.wrongType(type, SQLTimestamp.self)
        }
        let micros = Int64(bitPattern: bytes.readUInt64(at: 0))
        if micros == .max { return .infinity }
        if micros == .min { return .negativeInfinity }
        let unixMicros = micros + postgresEpochMicroseconds
        return .finite(Date(timeIntervalSince1970: Double(unixMicros) / 1_000_000))
    }
}

extension Date: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Date {
        switch try SQLTimestamp.decode(bytes, type: type) {
        case .finite(let date): return date
        case .infinity: throw SQLDecodingFailure("timestamp is infinity, which Date cannot hold (decode as SQLTimestamp)")
        case .negativeInfinity: throw SQLDecodingFailure("timestamp is -infinity, which Date cannot hold (decode as SQLTimestamp)")
        }
    }
}

extension UUID: SQLDecodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> UUID {
        guard type == .uuid, bytes.count == 16 else { throw SQLDecodingFailure.wrongType(type, UUID.self) }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        return UUID(uuid: raw)
    }
}

extension Array: SQLDecodable where Element: SQLDecodable {
    /// One-dimensional arrays of any decodable element (`bigint[]`, `text[]`…); `bytea` is ``Bytea``.
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> [Element] {
        guard bytes.count >= 12 else { throw SQLDecodingFailure.wrongType(type, [Element].self) }
        let dimensions = Int(bytes.readUInt32(at: 0))
        let elementType = OID(rawValue: bytes.readUInt32(at: 8))
        if dimensions == 0 { return [] }
        guard dimensions == 1, bytes.count >= 20 else { throw SQLDecodingFailure("only one-dimensional arrays are supported") }
        let count = Int(bytes.readUInt32(at: 12))
        var offset = 20
        var result = [Element]()
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard offset + 4 <= bytes.count else { throw SQLDecodingFailure("array value is truncated") }
            let length = Int(Int32(bitPattern: bytes.readUInt32(at: offset)))
            offset += 4
            if length < 0 {
                result.append(try Element.decodeNull())
            } else {
                guard offset + length <= bytes.count else { throw SQLDecodingFailure("array value is truncated") }
                result.append(try Element.decode(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]), type: elementType))
                offset += length
            }
        }
        return result
    }
}

