import Logging
import NIOConcurrencyHelpers

/// A bounded pool of connections shared by many tasks.
///
/// A connection returned inside a transaction, with an abandoned stream, after a cancel request
/// or broken is closed instead of reused. Idle connections are checked before reuse (see
/// ``ConnectionPoolConfiguration/healthCheckAfterIdle``), so the pool recovers by itself when
/// the server restarts.
public final class ConnectionPool: Sendable {
    struct Idle: Sendable {
        let connection: Connection
        let since: ContinuousClock.Instant
    }

    struct Waiter: Sendable {
        let id: Int
        let continuation: CheckedContinuation<Connection?, any Error>
        /// Every waiter has the same acquire timeout and the queue is first in, first out, so
        /// the first waiter's deadline is always the earliest.
        let deadline: ContinuousClock.Instant
    }

    struct State: Sendable {
        var idle: [Idle] = []
        var open = 0
        var inUse = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
        /// Whether a task is timing out waiters (one for the whole queue, not one per waiter).
        var reaping = false
    }

    public let configuration: ConnectionPoolConfiguration
    public let connectionConfiguration: ConnectionConfiguration
    let logger: Logger
    let state = NIOLockedValueBox(State())

    public init(
        configuration: ConnectionPoolConfiguration = .init(),
        connection: ConnectionConfiguration,
        logger: Logger = Logger(label: "pq.pool")
    ) {
        self.configuration = configuration
        self.connectionConfiguration = connection
        self.logger = logger
    }

    public var stats: ConnectionPoolStats {
        state.withLockedValue { ConnectionPoolStats(open: $0.open, idle: $0.idle.count, inUse: $0.inUse, waiting: $0.waiters.count) }
    }

    /// Opens `minConnections` connections now instead of on first use.
    public func prewarm() async throws {
        var opened = [Connection]()
        while stats.open < configuration.minConnections {
            guard reserveSlot() else { break }
            do { opened.append(try await openConnection()) } catch { releaseSlot(); throw error }
        }
        for connection in opened { release(connection) }
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    @discardableResult
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a pooled connection.
    @discardableResult
    public func withTransaction<T>(
        level: IsolationLevel = .readCommitted,
        readOnly: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        try await withConnection { try await $0.withTransaction(level: level, readOnly: readOnly, body) }
    }

    @discardableResult
    public func query(_ query: Query) async throws -> QueryResult {
        try await withConnection { try await $0.query(query) }
    }

    @discardableResult
    public func execute(_ query: Query) async throws -> Int {
        try await withConnection { try await $0.execute(query) }
    }

    public func scalar<T: SQLDecodable>(_ query: Query, as type: T.Type = T.self) async throws -> T? {
        try await withConnection { try await $0.scalar(query, as: T.self) }
    }

    /// Closes idle connections and refuses new work; connections in use close when returned.
    public func close() async {
        let (idle, waiters) = state.withLockedValue { state in
            state.closed = true
            defer { state.idle = []; state.waiters = [] }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: PQError(.poolClosed, "the connection pool is closed")) }
        for item in idle { await item.connection.close() }
    }

    // MARK: - Acquire and release

    func acquire() async throws -> Connection {
        while true {
            try Task.checkCancellation()
            switch takeIdleOrReserve() {
            case .idle(let item):
                if ContinuousClock.now - item.since > configuration.healthCheckAfterIdle, !(await isHealthy(item.connection)) {
                    logger.debug("discarding a broken idle connection")
                    discard(item.connection, wasInUse: true)
                    continue
                }
                return item.connection
            case .reserved:
                do {
                    return try await openConnection()
                } catch {
                    releaseSlot()
                    throw error
                }
            case .wait:
                // Handed over straight from release(), which checked it; nil: a slot freed up.
                if let connection = try await waitForConnection() { return connection }
            case .closed:
                throw PQError(.poolClosed, "the connection pool is closed")
            }
        }
    }

    enum Acquisition {
        case idle(Idle)
        case reserved
        case wait
        case closed
    }

    func takeIdleOrReserve() -> Acquisition {
        state.withLockedValue { state in
            if state.closed { return .closed }
            if let item = state.idle.popLast() {
                state.inUse += 1
                return .idle(item)
            }
            if state.open < configuration.maxConnections {
                state.open += 1
                state.inUse += 1
                return .reserved
            }
            return .wait
        }
    }

    func reserveSlot() -> Bool {
        state.withLockedValue { state in
            guard !state.closed, state.open < configuration.maxConnections else { return false }
            state.open += 1
            state.inUse += 1
            return true
        }
    }

    /// Gives a slot back after a failed open, waking a waiter so it can try.
    func releaseSlot() {
        let waiter = state.withLockedValue { state -> Waiter? in
            state.open -= 1
            state.inUse -= 1
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: nil)
    }

    func openConnection() async throws -> Connection {
        try await Connection.connect(connectionConfiguration, logger: logger)
    }

    func isHealthy(_ connection: Connection) async -> Bool {
        guard connection.isReusable else { return false }
        do {
            try await connection.execute(unsafeSQL: "")
            return connection.isReusable
        } catch {
            return false
        }
    }

    /// Waits for a released connection (or a freed slot: nil) until the acquire timeout.
    func waitForConnection() async throws -> Connection? {
        let id = state.withLockedValue { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        let deadline = ContinuousClock.now + configuration.acquireTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let (enqueued, startReaper) = state.withLockedValue { state -> (Bool, Bool) in
                    if state.closed { return (false, false) }
                    // A connection may have come back between our check and now.
                    if let item = state.idle.popLast() {
                        state.inUse += 1
                        continuation.resume(returning: item.connection)
                        return (true, false)
                    }
                    if state.open < configuration.maxConnections {
                        continuation.resume(returning: nil)
                        return (true, false)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, deadline: deadline))
                    defer { state.reaping = true }
                    return (true, !state.reaping)
                }
                if !enqueued { continuation.resume(throwing: PQError(.poolClosed, "the connection pool is closed")) }
                if startReaper { Task { await self.timeOutWaiters() } }
            }
        } onCancel: {
            self.failWaiter(id, with: CancellationError())
        }
    }

    /// Fails waiters whose acquire timeout passed, sleeping until the first one's deadline, and
    /// ends when no one waits. (A timer task per waiter cost two task switches per request on
    /// a busy pool, where most requests wait.)
    func timeOutWaiters() async {
        while true {
            let now = ContinuousClock.now
            let (expired, next) = state.withLockedValue { state -> ([Waiter], ContinuousClock.Instant?) in
                var expired = [Waiter]()
                while let first = state.waiters.first, first.deadline <= now { expired.append(state.waiters.removeFirst()) }
                guard let next = state.waiters.first?.deadline else {
                    state.reaping = false
                    return (expired, nil)
                }
                return (expired, next)
            }
            let timeout = configuration.acquireTimeout
            for waiter in expired {
                waiter.continuation.resume(throwing: PQError(
                    .poolTimeout,
                    "no database connection became free within \(timeout) (all \(configuration.maxConnections) in use); raise maxConnections or shorten transactions"
                ))
            }
            guard let next else { return }
            try? await Task.sleep(until: next, clock: .continuous)
        }
    }

    func failWaiter(_ id: Int, with error: any Error) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    /// Takes a connection back: to a waiter, to the idle list, or closed when not reusable.
    func release(_ connection: Connection) {
        guard connection.isReusable else {
            logger.debug("discarding a connection returned in a bad state", metadata: [
                "pq.in_transaction": "\(connection.isInTransaction)", "pq.connected": "\(connection.isConnected)",
            ])
            discard(connection, wasInUse: true)
            return
        }
        let now = ContinuousClock.now
        let (waiter, expired) = state.withLockedValue { state -> (Waiter?, [Connection]) in
            if state.closed {
                state.open -= 1
                state.inUse -= 1
                return (nil, [connection])
            }
            if !state.waiters.isEmpty {
                return (state.waiters.removeFirst(), [])
            }
            state.inUse -= 1
            state.idle.append(Idle(connection: connection, since: now))
            // Close connections idle too long, beyond the minimum.
            var expired = [Connection]()
            while state.open > configuration.minConnections, let oldest = state.idle.first,
                  now - oldest.since > configuration.idleTimeout {
                state.idle.removeFirst()
                state.open -= 1
                expired.append(oldest.connection)
            }
            return (nil, expired)
        }
        if let waiter { waiter.continuation.resume(returning: connection) }
        for connection in expired { Task { await connection.close() } }
    }

    func discard(_ connection: Connection, wasInUse: Bool) {
        let waiter = state.withLockedValue { state -> Waiter? in
            state.open -= 1
            if wasInUse { state.inUse -= 1 }
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        // A slot is free: let the first waiter open a new connection.
        waiter?.continuation.resume(returning: nil)
        Task { await connection.close() }
    }
}
