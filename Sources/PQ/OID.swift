/// A PostgreSQL type OID, with names for the types this library knows.
public struct OID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let unspecified = OID(rawValue: 0)
    public static let bool = OID(rawValue: 16)
    public static let bytea = OID(rawValue: 17)
    public static let name = OID(rawValue: 19)
    public static let int8 = OID(rawValue: 20)
    public static let int2 = OID(rawValue: 21)
    public static let int4 = OID(rawValue: 23)
    public static let text = OID(rawValue: 25)
    public static let oid = OID(rawValue: 26)
    public static let json = OID(rawValue: 114)
    public static let float4 = OID(rawValue: 700)
    public static let float8 = OID(rawValue: 701)
    public static let unknown = OID(rawValue: 705)
    public static let bpchar = OID(rawValue: 1042)
    public static let varchar = OID(rawValue: 1043)
    public static let date = OID(rawValue: 1082)
    public static let timestamp = OID(rawValue: 1114)
    public static let timestamptz = OID(rawValue: 1184)
    public static let numeric = OID(rawValue: 1700)
    public static let uuid = OID(rawValue: 2950)
    public static let jsonb = OID(rawValue: 3802)
    public static let int2Array = OID(rawValue: 1005)
    public static let int4Array = OID(rawValue: 1007)
    public static let textArray = OID(rawValue: 1009)
    public static let varcharArray = OID(rawValue: 1015)
    public static let int8Array = OID(rawValue: 1016)

    public var description: String {
        switch self {
        case .bool: "boolean"
        case .bytea: "bytea"
        case .name: "name"
        case .int8: "bigint"
        case .int2: "smallint"
        case .int4: "integer"
        case .text: "text"
        case .oid: "oid"
        case .json: "json"
        case .float4: "real"
        case .float8: "double precision"
        case .unknown: "unknown"
        case .bpchar: "character"
        case .varchar: "character varying"
        case .date: "date"
        case .timestamp: "timestamp without time zone"
        case .timestamptz: "timestamp with time zone"
        case .numeric: "numeric"
        case .uuid: "uuid"
        case .jsonb: "jsonb"
        case .int2Array: "smallint[]"
        case .int4Array: "integer[]"
        case .textArray: "text[]"
        case .varcharArray: "character varying[]"
        case .int8Array: "bigint[]"
        default: "type oid \(rawValue)"
        }
    }

    var isText: Bool { self == .text || self == .varchar || self == .name || self == .bpchar || self == .unknown }
}
