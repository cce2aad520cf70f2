import PQ

/// Why a store operation failed, in words for the person who asked. The only error type that
/// leaves WardStore: the HTTP layer maps ``code`` to a status, the command line prints
/// ``description``. Database detail (SQLSTATE, statement) stays in ``debugDescription``.
public struct StoreError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Code: Sendable, Hashable {
        /// A released migration has been edited since it was applied or released.
        case migrationChanged
        /// A migration or function file could not be read or applied.
        case migrationFailed
        /// An area, indicator or other thing named in a request does not exist.
        case notFound
        /// Input broke a rule; ``problems`` lists where when it can.
        case invalidInput
        /// The caller may not do this.
        case forbidden
        /// The write conflicts with the state of the data (a locked month, say).
        case conflict
        /// The database cannot be reached now; try again shortly.
        case unavailable
        /// Anything else: a fault of the program or of the database.
        case failed
    }

    public let code: Code
    public let message: String
    /// Every bad row or field, for all-or-nothing writes.
    public var problems: [InputProblem]
    /// The database's own words, for logs.
    public var underlying: String?
    /// The SQLSTATE, when the database refused the statement.
    public var sqlState: String?

    public init(_ code: Code, _ message: String, problems: [InputProblem] = []) {
        self.code = code
        self.message = message
        self.problems = problems
    }

    /// Translates a database error: the person asking learns whether to fix the input or try
    /// again; the server's own words stay in ``underlying`` for the log.
    init(_ error: PQError) {
        switch error.code {
        case .connectionFailed, .connectionClosed, .poolTimeout, .poolClosed:
            self.init(.unavailable, "the database is not reachable; try again shortly")
        case .server:
            let state = error.sqlState?.rawValue ?? ""
            if state == "P0002" {
                // Something the statement names does not exist (no_data_found).
                self.init(.notFound, error.message)
            } else if state.hasPrefix("22") || state.hasPrefix("23") {
                // A data exception or a broken rule: the server's sentence names the value.
                self.init(.invalidInput, error.message)
            } else if state == "WB409" {
                // A closed month, or a month action its state does not allow (sql/functions/months.sql).
                self.init(.conflict, error.message)
            } else if state == "42501" {
                self.init(.forbidden, error.message)
            } else if state == "57014" || state.hasPrefix("08") || state == "57P01" {
                self.init(.unavailable, "the database did not complete the statement; try again")
            } else {
                self.init(.failed, "the database could not complete the request")
            }
        default:
            self.init(.failed, "the database could not complete the request")
        }
        sqlState = error.sqlState?.rawValue
        underlying = error.debugDescription
    }

    public var description: String { message }
    public var debugDescription: String { underlying.map { "\(message) (\($0))" } ?? message }
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
