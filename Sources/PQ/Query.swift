import Foundation
/// A statement with its parameters bound as `$1`, `$2`…, never spliced into the text.
///
/// String interpolation turns every interpolated value into a bound parameter:
///
/// ```swift
/// let rows = try await connection.query("SELECT name FROM areas WHERE code = \(code) AND kind = \(kind)")
/// // sent as: SELECT name FROM areas WHERE code = $1 AND kind = $2
/// ```
///
/// Trusted SQL fragments (never user input) go in with `\(unsafeSQL: fragment)`.
public struct Query: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var sql: String
    public private(set) var bindings: [any SQLEncodable]

    public init(unsafeSQL sql: String, bindings: [any SQLEncodable] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    public init(stringLiteral value: String) {
        self.sql = value
        self.bindings = []
    }

    public init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.bindings = stringInterpolation.bindings
    }

    /// Appends a bound value and returns its placeholder (`$n`).
    public mutating func bind(_ value: some SQLEncodable) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    /// Appends trusted SQL text.
    public mutating func append(unsafeSQL fragment: String) { sql += fragment }

    /// Appends another query, renumbering its placeholders.
    public mutating func append(_ other: Query) {
        var text = other.sql
        if !other.bindings.isEmpty {
            // Renumber from the highest so that $1 does not clobber $10.
            for index in stride(from: other.bindings.count, through: 1, by: -1) {
                text = text.replacingPlaceholder(index, with: "$\(bindings.count + index)")
            }
        }
        sql += text
        bindings += other.bindings
    }

    /// The SQL text only; values stay out of descriptions.
    public var description: String { sql }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var bindings: [any SQLEncodable] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            bindings.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) { sql += literal }

        public mutating func appendInterpolation(_ value: some SQLEncodable) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        /// An optional value: `nil` binds SQL NULL.
        public mutating func appendInterpolation<Value: SQLEncodable>(_ value: Value?) {
            bindings.append(value)
            sql += "$\(bindings.count)"
        }

        public mutating func appendInterpolation(unsafeSQL fragment: String) { sql += fragment }
    }
}

extension String {
    fileprivate func replacingPlaceholder(_ index: Int, with replacement: String) -> String {
        let token = "$\(index)"
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: token) {
            let after = rest[range.upperBound...].first
            result += rest[..<range.lowerBound]
            if let after, after.isNumber {
                result += token
            } else {
                result += replacement
            }
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
