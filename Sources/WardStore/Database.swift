import Logging
import PQ
import Synchronization
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
///
/// Reads meant for the replica go to the primary while the replica cannot be reached (refused,
/// broken or shut down connections): for ``ReplicaRouting/retryInterval`` after each failure, then
/// the replica is tried again. A read the replica cancels because of recovery (a conflict with
/// replay) is retried once on the primary.
public struct Database: Sendable {
    public let configuration: DatabaseConfiguration
    /// The primary. Tests reach it through `@_spi(Testing)`; the HTTP layer never does.
    @_spi(Testing) public let pool: ConnectionPool
    @_spi(Testing) public let readPool: ConnectionPool
    let routing: ReplicaRouting?
    let logger: Logger

    public init(_ configuration: DatabaseConfiguration, logger: Logger, replicaRetryInterval: Duration = .seconds(5)) {
        self.configuration = configuration
        self.logger = logger
        let poolConfiguration = ConnectionPoolConfiguration(minConnections: configuration.minConnections, maxConnections: configuration.maxConnections)
        pool = ConnectionPool(configuration: poolConfiguration,
                              connection: .init(configuration.url, applicationName: configuration.applicationName), logger: logger)
        let replica = configuration.readURL.map {
            ConnectionPool(configuration: poolConfiguration, connection: .init($0, applicationName: configuration.applicationName + "-read"), logger: logger)
        }
        readPool = replica ?? pool
        routing = replica == nil ? nil : ReplicaRouting(retryInterval: replicaRetryInterval, logger: logger)
    }

    public func close() async {
        await pool.close()
        if readPool !== pool { await readPool.close() }
    }

    /// Whether reads can be answered within `timeout` (readiness): by the replica, or by the
    /// primary while the replica is away.
    public func isReachable(timeout: Duration = .seconds(2)) async -> Bool {
        let reads = replica
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await reads.scalar("SELECT true", as: Bool.self)) == true }
            group.addTask { try? await Task.sleep(for: timeout); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// The primary, for writes and for reads that must see them.
    var primary: StorePool { StorePool(pool: pool) }
    /// The replica when there is one (the primary while it is unreachable), else the primary:
    /// for the feeds' reads.
    var replica: StorePool {
        guard let routing else { return StorePool(pool: pool) }
        return StorePool(pool: readPool, fallback: pool, routing: routing)
    }

    func transaction<T>(_ body: (Connection) async throws -> T) async throws -> T {
        try await primary.withTransaction(body)
    }
}

/// Whether reads meant for the replica go there, shared by every copy of a ``Database``.
final class ReplicaRouting: Sendable {
    let retryInterval: Duration
    let logger: Logger
    /// Until when reads go to the primary; nil while the replica serves them.
    private let unreachableUntil = Mutex<ContinuousClock.Instant?>(nil)
    /// The last failure that sent reads to the primary, for `/api/v1/status`.
    private let lastFailure = Mutex<String?>(nil)

    init(retryInterval: Duration, logger: Logger) {
        self.retryInterval = retryInterval
        self.logger = logger
    }

    /// True while reads should skip the replica.
    var isAvoided: Bool {
        unreachableUntil.withLock { until in
            guard let deadline = until else { return false }
            if ContinuousClock.now < deadline { return true }
            return false
        }
    }

    /// Whether the replica answered its last read (false once it failed and until a read succeeds).
    var isUp: Bool { unreachableUntil.withLock { $0 == nil } }

    var failure: String? { lastFailure.withLock { $0 } }

    func markUnreachable(_ error: PQError) {
        let first = unreachableUntil.withLock { until in
            defer { until = .now + retryInterval }
            return until == nil
        }
        lastFailure.withLock { $0 = error.description }
        if first {
            logger.warning("replica unreachable: reads go to the primary", metadata: [
                "ward.error": "\(error)", "ward.retry_after_s": "\(retryInterval.components.seconds)"])
        }
    }

    func markReachable() {
        let wasDown = unreachableUntil.withLock { until in
            defer { until = nil }
            return until != nil
        }
        if wasDown {
            lastFailure.withLock { $0 = nil }
            logger.notice("replica reachable again: reads go to the replica")
        }
    }

    /// Errors that say the replica cannot serve at all (not that the read was wrong): a refused or
    /// broken connection, or a server shutting down or starting up (SQLSTATE class 57P).
    static func isUnreachable(_ error: PQError) -> Bool {
        switch error.code {
        case .connectionFailed, .connectionClosed: return true
        case .server: return error.sqlState?.rawValue.hasPrefix("57P") == true
        default: return false
        }
    }

    /// A read the standby cancelled because replay needed what it held (SQLSTATE 40001 on a
    /// hot standby), or because replay held a table the read waited for while it waited for one
    /// the read held (40P01: reads take no lock another read waits for, so on a standby a
    /// deadlock is always with replay, of a rebuild's swap, say): the primary answers it instead.
    static func isRecoveryConflict(_ error: PQError) -> Bool {
        error.sqlState == .serializationFailure || error.sqlState == .deadlockDetected
    }
}

/// A pool as the repositories use it: every PQ error leaves as a ``StoreError``. A pool for
/// replica reads also has the primary as `fallback` (see ``Database``).
struct StorePool: Sendable {
    let pool: ConnectionPool
    var fallback: ConnectionPool? = nil
    var routing: ReplicaRouting? = nil

    /// Runs `body` on the replica, or on the primary when the replica is (or just turned out to be)
    /// unreachable; on the only pool when there is no replica.
    private func run<T>(_ body: (ConnectionPool) async throws -> T) async throws -> T {
        guard let fallback, let routing else {
            do { return try await body(pool) } catch let error as PQError { throw StoreError(error) }
        }
        if routing.isAvoided {
            do { return try await body(fallback) } catch let error as PQError { throw StoreError(error) }
        }
        do {
            let value = try await body(pool)
            if !routing.isUp { routing.markReachable() }
            return value
        } catch let error as PQError where ReplicaRouting.isUnreachable(error) || ReplicaRouting.isRecoveryConflict(error) {
            if ReplicaRouting.isUnreachable(error) { routing.markUnreachable(error) }
            do { return try await body(fallback) } catch let error as PQError { throw StoreError(error) }
        } catch let error as PQError {
            throw StoreError(error)
        }
    }

    func query(_ query: Query) async throws -> QueryResult {
        try await run { try await $0.query(query) }
    }

    @discardableResult
    func execute(_ query: Query) async throws -> Int {
        try await run { try await $0.execute(query) }
    }

    func scalar<T: SQLDecodable>(_ query: Query, as type: T.Type = T.self) async throws -> T? {
        try await run { try await $0.scalar(query, as: type) }
    }

    func withTransaction<T>(_ body: (Connection) async throws -> T) async throws -> T {
        try await run { try await $0.withTransaction(body) }
    }

    func withConnection<T>(_ body: (Connection) async throws -> T) async throws -> T {
        try await run { try await $0.withConnection(body) }
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
