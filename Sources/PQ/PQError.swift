/// An error from PostgreSQL or from this library.
///
/// `description` never contains SQL text or bound values; `debugDescription` adds the SQL.
/// Server errors carry the fields libpq reports (SQLSTATE, severity, detail, hint, constraint…),
/// so callers recognise a unique or foreign-key violation by ``sqlState`` and never by message.
public struct PQError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The connection could not be opened.
        case connectionFailed
        /// The connection broke while in use.
        case connectionClosed
        /// The server reported an error for a statement.
        case server
        /// A value in a result could not be decoded as the Swift type asked for.
        case decoding
        /// A value could not be encoded for the server.
        case encoding
        /// A connection pool had no connection for the caller within its acquire timeout.
        case poolTimeout
        /// The connection pool was closed.
        case poolClosed
        /// The connection is already running a statement (one statement at a time per connection).
        case connectionBusy
        /// The server answered with something this library did not expect.
        case protocolViolation
    }

    public internal(set) var code: Code
    /// The main sentence: the server's message, or ours.
    public let message: String
    public var sqlState: SQLState?
    public var severity: String?
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    public var schema: String?
    /// 1-based character position in the statement, as the server reports it.
    public var position: Int?
    /// The statement that failed, kept out of `description`.
    public var sql: String?

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var isUniqueViolation: Bool { sqlState == .uniqueViolation }
    public var isForeignKeyViolation: Bool { sqlState == .foreignKeyViolation }
    public var isCheckViolation: Bool { sqlState == .checkViolation }
    public var isQueryCanceled: Bool { sqlState == .queryCanceled }

    public var description: String {
        var text = ""
        if let severity { text += "\(severity): " }
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState.rawValue))" }
        if let detail { text += "; detail: \(detail)" }
        if let hint { text += "; hint: \(hint)" }
        if let constraint { text += "; constraint: \(constraint)" }
        return text
    }

    public var debugDescription: String {
        guard let sql else { return description }
        return description + "; statement: \(sql)"
    }
}
