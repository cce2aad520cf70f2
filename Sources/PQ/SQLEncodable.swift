import Foundation

/// A Swift value that can be bound as a statement parameter or written by COPY.
///
/// Parameters are sent in binary with their type OID, except text-like values (strings and
/// `Numeric`), which go as text so the server can take them as whatever type the statement needs
/// (`$1::date`, a numeric column) and so that `numeric` stays exact.
public protocol SQLEncodable: Sendable {
    /// The type the server should take the parameter as (`.unspecified` lets it infer).
    static var sqlType: OID { get }
    /// Whether parameters of this type travel as text instead of binary.
    static var bindsAsText: Bool { get }
    /// PostgreSQL's binary form (used for parameters and binary COPY).
    func encodeBinary(into buffer: inout [UInt8])
    /// PostgreSQL's text form, unescaped (used for text parameters and text COPY).
    func encodeText(into buffer: inout [UInt8])
    /// True only for `Optional.none`: SQL NULL.
    var isNull: Bool { get }
}

extension SQLEncodable {
    public static var bindsAsText: Bool { false }
    public var isNull: Bool { false }
}

extension Array where Element == UInt8 {
    @inline(__always) mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
    @inline(__always) mutating func appendDecimal<T: BinaryInteger>(_ value: T) {
        append(contentsOf: String(value).utf8)
    }
}

extension Int64: SQLEncodable {
    public static var sqlType: OID { .int8 }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }
    public func encodeText(into buffer: inout [UInt8]) { buffer.appendDecimal(self) }
}

extension Int: SQLEncodable {
    public static var sqlType: OID { .int8 }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.appendBigEndian(Int64(self)) }
    public func encodeText(into buffer: inout [UInt8]) { buffer.appendDecimal(self) }
}

extension Int32: SQLEncodable {
    public static var sqlType: OID { .int4 }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }
    public func encodeText(into buffer: inout [UInt8]) { buffer.appendDecimal(self) }
}

extension Int16: SQLEncodable {
    public static var sqlType: OID { .int2 }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.appendBigEndian(self) }
    public func encodeText(into buffer: inout [UInt8]) { buffer.appendDecimal(self) }
}

extension Bool: SQLEncodable {
    public static var sqlType: OID { .bool }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.append(self ? 1 : 0) }
    public func encodeText(into buffer: inout [UInt8]) { buffer.append(self ? UInt8(ascii: "t") : UInt8(ascii: "f")) }
}

extension Double: SQLEncodable {
    public static var sqlType: OID { .float8 }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.appendBigEndian(bitPattern) }
    public func encodeText(into buffer: inout [UInt8]) {
        if isNaN { buffer.append(contentsOf: "NaN".utf8) }
        else if isInfinite { buffer.append(contentsOf: (self < 0 ? "-Infinity" : "Infinity").utf8) }
        else { buffer.append(contentsOf: description.utf8) }
    }
}

extension String: SQLEncodable {
    public static var sqlType: OID { .unspecified }
    public static var bindsAsText: Bool { true }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
    public func encodeText(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Substring: SQLEncodable {
    public static var sqlType: OID { .unspecified }
    public static var bindsAsText: Bool { true }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
    public func encodeText(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Numeric: SQLEncodable {
    public static var sqlType: OID { .numeric }
    public static var bindsAsText: Bool { true }
    public func encodeText(into buffer: inout [UInt8]) { buffer.append(contentsOf: description.utf8) }
}

extension SQLDate: SQLEncodable {
    public static var sqlType: OID { .date }
    public func encodeBinary(into buffer: inout [UInt8]) {
        buffer.appendBigEndian(Int32(daysSinceUnixEpoch - SQLDate.postgresEpochDays))
    }
    public func encodeText(into buffer: inout [UInt8]) { buffer.append(contentsOf: description.utf8) }
}

extension Date: SQLEncodable {
    public static var sqlType: OID { .timestamptz }
    var postgresMicroseconds: Int64 {
        Int64((timeIntervalSince1970 * 1_000_000).rounded()) - postgresEpochMicroseconds
    }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.appendBigEndian(postgresMicroseconds) }
    public func encodeText(into buffer: inout [UInt8]) {
        // ISO 8601 in UTC with microseconds, which the server reads whatever its DateStyle.
        let micros = postgresMicroseconds + postgresEpochMicroseconds
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = SQLDate(daysSinceUnixEpoch: Int(days))
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(date) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        let f = String(fraction)
        text += "." + String(repeating: "0", count: 6 - f.count) + f + "+00"
        buffer.append(contentsOf: text.utf8)
    }
}

extension SQLTimestamp: SQLEncodable {
    public static var sqlType: OID { .timestamptz }
    public func encodeBinary(into buffer: inout [UInt8]) {
        switch self {
        case .finite(let date): date.encodeBinary(into: &buffer)
        case .infinity: buffer.appendBigEndian(Int64.max)
        case .negativeInfinity: buffer.appendBigEndian(Int64.min)
        }
    }
    public func encodeText(into buffer: inout [UInt8]) {
        switch self {
        case .finite(let date): date.encodeText(into: &buffer)
        case .infinity: buffer.append(contentsOf: "infinity".utf8)
        case .negativeInfinity: buffer.append(contentsOf: "-infinity".utf8)
        }
    }
}

extension UUID: SQLEncodable {
    public static var sqlType: OID { .uuid }
    public func encodeBinary(into buffer: inout [UInt8]) { withUnsafeBytes(of: uuid) { buffer.append(contentsOf: $0) } }
    public func encodeText(into buffer: inout [UInt8]) { buffer.append(contentsOf: uuidString.lowercased().utf8) }
}

/// Raw bytes bound as `bytea`.
public struct Bytea: SQLEncodable, SQLDecodable, Hashable {
    public var bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public static var sqlType: OID { .bytea }
    public func encodeBinary(into buffer: inout [UInt8]) { buffer.append(contentsOf: bytes) }
    public func encodeText(into buffer: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        buffer.append(contentsOf: "\\x".utf8)
        for byte in bytes { buffer.append(hex[Int(byte >> 4)]); buffer.append(hex[Int(byte & 0xF)]) }
    }
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> Bytea {
        guard type == .bytea else { throw SQLDecodingFailure.wrongType(type, Bytea.self) }
        return Bytea(Array(bytes))
    }
}

/// A JSON document bound as `jsonb` or read from `json`/`jsonb`, through Codable.
public struct JSONValue<Value: Codable & Sendable>: SQLEncodable, SQLDecodable {
    public var value: Value
    public init(_ value: Value) { self.value = value }
    public static var sqlType: OID { .jsonb }
    public static var bindsAsText: Bool { true }
    public func encodeBinary(into buffer: inout [UInt8]) {
        buffer.append(1)
        encodeText(into: &buffer)
    }
    public func encodeText(into buffer: inout [UInt8]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        buffer.append(contentsOf: (try? encoder.encode(value)) ?? Data("null".utf8))
    }
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> JSONValue {
        let text = try String.decode(bytes, type: type)
        guard type == .json || type == .jsonb else { throw SQLDecodingFailure.wrongType(type, JSONValue.self) }
        do { return JSONValue(try JSONDecoder().decode(Value.self, from: Data(text.utf8))) }
        catch { throw SQLDecodingFailure("JSON does not match \(Value.self): \(error)") }
    }
}

extension Optional: SQLEncodable where Wrapped: SQLEncodable {
    public static var sqlType: OID { Wrapped.sqlType }
    public static var bindsAsText: Bool { Wrapped.bindsAsText }
    public var isNull: Bool { self == nil }
    public func encodeBinary(into buffer: inout [UInt8]) { self?.encodeBinary(into: &buffer) }
    public func encodeText(into buffer: inout [UInt8]) { self?.encodeText(into: &buffer) }
}

/// An element type that can go in a one-dimensional array parameter.
public protocol SQLArrayElement: SQLEncodable {
    static var arrayType: OID { get }
}
extension Int64: SQLArrayElement { public static var arrayType: OID { .int8Array } }
extension Int: SQLArrayElement { public static var arrayType: OID { .int8Array } }
extension Int32: SQLArrayElement { public static var arrayType: OID { .int4Array } }
extension String: SQLArrayElement { public static var arrayType: OID { .textArray } }

extension Array: SQLEncodable where Element: SQLArrayElement {
    public static var sqlType: OID { Element.arrayType }
    public func encodeBinary(into buffer: inout [UInt8]) {
        let elementType = Element.sqlType == .unspecified ? OID.text : Element.sqlType
        buffer.appendBigEndian(Int32(1))             // dimensions
        buffer.appendBigEndian(Int32(0))             // has nulls
        buffer.appendBigEndian(elementType.rawValue) // element type
        buffer.appendBigEndian(Int32(count))
        buffer.appendBigEndian(Int32(1))             // lower bound
        var element = [UInt8]()
        for value in self {
            element.removeAll(keepingCapacity: true)
            value.encodeBinary(into: &element)
            buffer.appendBigEndian(Int32(element.count))
            buffer.append(contentsOf: element)
        }
    }
    public func encodeText(into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        var element = [UInt8]()
        for (index, value) in enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            element.removeAll(keepingCapacity: true)
            value.encodeText(into: &element)
            buffer.append(UInt8(ascii: "\""))
            for byte in element {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { buffer.append(UInt8(ascii: "\\")) }
                buffer.append(byte)
            }
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(UInt8(ascii: "}"))
    }
}
