/// Why a store operation failed, in words for the person who asked.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// A migration file that was applied has been edited since.
        case migrationChanged
        /// A migration could not be read or applied.
        case migrationFailed
        /// An area, indicator or other thing named in a request does not exist.
        case notFound
        /// Input broke a rule; ``problems`` lists where.
        case invalidInput
        /// The caller may not do this.
        case forbidden
    }

    public let code: Code
    public let message: String
    /// Every bad row or field, for all-or-nothing writes.
    public var problems: [InputProblem]

    public init(_ code: Code, _ message: String, problems: [InputProblem] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    public var description: String { message }
}

/// One bad value: where it is (file line, array index or JSON field) and what is wrong.
public struct InputProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 1-based line of a CSV file, or 0-based index in a JSON array.
    public var line: Int?
    public var index: Int?
    public var field: String
    public var message: String

    public init(line: Int? = nil, index: Int? = nil, field: String, message: String) {
        self.line = line
        self.index = index
        self.field = field
        self.message = message
    }

    public var description: String {
        if let line { return "\(line): \(field): \(message)" }
        if let index { return "[\(index)] \(field): \(message)" }
        return "\(field): \(message)"
    }
}
