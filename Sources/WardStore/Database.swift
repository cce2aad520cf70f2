import Logging
import PQ
import WardCore

/// Where a Wardboard process finds its database: a primary for writes, and optionally a replica
/// for the API's reads (`DATABASE_READ_URL`).
public struct DatabaseConfiguration: Sendable {
    /// A `postgres://` URL or a libpq `key=value` string.
    public var url: String
    public var readURL: String?
    public var maxConnections: Int
    public var minConnections: Int
    /// Shown in `pg_stat_activity`.
    public var applicationName: String

    public init(url: String, readURL: String? = nil, maxConnections: Int = 10, minConnections: Int = 1, applicationName: String = "wardboard") {
        self.url = url
        self.readURL = readURL
        self.maxConnections = maxConnections
        self.minConnections = minConnections
        self.applicationName = applicationName
    }

    /// The URL without its password, for logs.
    public var redactedURL: String { ConnectionConfiguration(url).redacted }
}

/// The database a Wardboard process talks to, behind the repositories: one pool for writes, and
/// one for reads that may point at a replica; without a replica both are the same pool.
/// Every error leaves the store as a ``StoreError``.
public struct Database: Sendable {
    public let configuration: DatabaseConfiguration
    /// The primary. Tests reach it through `@_spi(Testing)`; the HTTP layer never does.
    @_spi(Testing) public let pool: ConnectionPool
    @_spi(Testing) public let readPool: ConnectionPool
    let logger: Logger

    public init(_ configuration: DatabaseConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let poolConfiguration = ConnectionPoolConfiguration(minConnections: configuration.minConnections, maxConnections: configuration.maxConnections)
        pool = ConnectionPool(configuration: poolConfiguration,
                              connection: .init(configuration.url, applicationName: configuration.applicationName), logger: logger)
        readPool = configuration.readURL.map {
            ConnectionPool(configuration: poolConfiguration, connection: .init($0, applicationName: configuration.applicationName + "-read"), logger: logger)
        } ?? pool
    }

    public func close() async {
        await pool.close()
        if readPool !== pool { await readPool.close() }
    }

    /// Whether the database that serves reads answers within `timeout` (readiness).
    public func isReachable(timeout: Duration = .seconds(2)) async -> Bool {
        let pool = readPool
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await pool.scalar("SELECT true", as: Bool.self)) == true }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// The primary, for writes and for reads that must see them.
    var primary: StorePool { StorePool(pool: pool) }
    /// The replica when there is one, else the primary: for the feeds' reads.
    var replica: StorePool { StorePool(pool: readPool) }

    func transaction<T>(_ body: (Connection) async throws -> T) async throws -> T {
        try await primary.withTransaction(body)
    }
}

/// A pool as the repositories use it: every PQ error leaves as a ``StoreError``.
struct StorePool: Sendable {
    let pool: ConnectionPool

    func query(_ query: Query) async throws -> QueryResult {
        do { return try await pool.query(query) } catch let error as PQError { throw StoreError(error) }
    }

    @discardableResult
    func execute(_ query: Query) async throws -> Int {
        do { return try await pool.execute(query) } catch let error as PQError { throw StoreError(error) }
    }

    func scalar<T: SQLDecodable>(_ query: Query, as type: T.Type = T.self) async throws -> T? {
        do { return try await pool.scalar(query, as: type) } catch let error as PQError { throw StoreError(error) }
    }

    func withTransaction<T>(_ body: (Connection) async throws -> T) async throws -> T {
        do { return try await pool.withTransaction(body) } catch let error as PQError { throw StoreError(error) }
    }

    func withConnection<T>(_ body: (Connection) async throws -> T) async throws -> T {
        do { return try await pool.withConnection(body) } catch let error as PQError { throw StoreError(error) }
    }
}

// WardCore's dates and months as PQ's `date`.
extension LocalDate {
    var sqlDate: SQLDate { SQLDate(year: year, month: month, day: day) }
    init(_ date: SQLDate) { self.init(year: date.year, month: date.month, day: date.day) }
}

extension Month {
    var sqlDate: SQLDate { SQLDate(year: year, month: month, day: 1) }
    init(_ date: SQLDate) { self = Month(year: date.year, month: date.month) ?? Month(index: 0) }
}

// WardCore's exact numbers, read from and bound as `numeric`.
extension ExactDecimal: SQLDecodable, SQLEncodable {
    public static func decode(_ bytes: UnsafeRawBufferPointer, type: OID) throws -> ExactDecimal {
        let value = try Numeric.decode(bytes, type: type)
        guard value.isFinite else { throw SQLDecodingFailure("\(value) is not a finite number") }
        return ExactDecimal(canonical: value.normalized.description)
    }

    public static var sqlType: OID { .numeric }
    public static var bindsAsText: Bool { true }
    public func encodeBinary(into buffer: inout [UInt8]) {
        (Numeric(text) ?? Numeric(0)).encodeBinary(into: &buffer)
    }
    public func encodeText(into buffer: inout [UInt8]) { buffer.append(contentsOf: text.utf8) }
}
