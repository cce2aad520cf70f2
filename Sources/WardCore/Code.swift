/// The format of codes (DATA.md "Areas", "Indicators"): lowercase ASCII letters, digits and one
/// separator, 1 to 64 bytes. The one implementation on the Swift side: the importer, the facts
/// fast lane, JSON writes and every query parameter call it. (The database's `area_code` and
/// `indicator_code` domains guard what is stored; a test holds the two to the same strings.)
public enum Code {
    public enum Kind: Sendable {
        /// Areas and party cells: `[a-z0-9-]`.
        case area
        /// Indicators and rules: `[a-z0-9_]`.
        case indicator

        public var separator: UInt8 { self == .area ? UInt8(ascii: "-") : UInt8(ascii: "_") }
        public var allowed: String { self == .area ? "lowercase a–z, digits and '-'" : "lowercase a–z, digits and '_'" }
        /// What ``Code/isValid(_:_:)`` accepts, as a regular expression (for the OpenAPI document).
        public var pattern: String { self == .area ? "^[a-z0-9-]{1,\(Code.maxLength)}$" : "^[a-z0-9_]{1,\(Code.maxLength)}$" }
    }

    public static let maxLength = 64

    /// Whether `bytes` are a code of `kind`.
    @inlinable
    public static func isValid<Bytes: Collection>(_ bytes: Bytes, _ kind: Kind) -> Bool where Bytes.Element == UInt8 {
        guard !bytes.isEmpty, bytes.count <= maxLength else { return false }
        let separator = kind.separator
        for byte in bytes where !((byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == separator) {
            return false
        }
        return true
    }

    /// `text` when it is a code of `kind`; otherwise a violation naming `field`.
    public static func check(_ text: String, _ kind: Kind, field: String) throws(RuleViolation) -> String {
        guard !text.isEmpty else { throw RuleViolation(field: field, "is empty") }
        guard text.utf8.count <= maxLength else { throw RuleViolation(field: field, "is longer than \(maxLength) characters") }
        guard isValid(text.utf8, kind) else {
            throw RuleViolation(field: field, "'\(Printable.excerpt(text))' may only contain \(kind.allowed)")
        }
        return text
    }
}

/// Text from outside shown back in a message: control characters escaped, long text cut.
public enum Printable {
    public static func excerpt(_ text: String, limit: Int = 80) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
        }
        return text.unicodeScalars.count > limit ? out + "…" : out
    }
}
