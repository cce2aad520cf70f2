/// Sizing and timing of a ``ConnectionPool``.
public struct ConnectionPoolConfiguration: Sendable {
    /// Connections opened by ``ConnectionPool/prewarm()`` and kept open when idle.
    public var minConnections: Int
    /// The most connections open at once.
    public var maxConnections: Int
    /// How long ``ConnectionPool/withConnection(_:)`` waits for a free connection.
    public var acquireTimeout: Duration
    /// A connection idle longer than this is checked with a round trip before it is handed out,
    /// so one that a server restart broke is replaced instead of failing the caller (as pgxpool does).
    public var healthCheckAfterIdle: Duration
    /// Idle connections above `minConnections` are closed after this long.
    public var idleTimeout: Duration

    public init(
        minConnections: Int = 1,
        maxConnections: Int = 10,
        acquireTimeout: Duration = .seconds(10),
        healthCheckAfterIdle: Duration = .seconds(1),
        idleTimeout: Duration = .seconds(300)
    ) {
        self.minConnections = max(0, minConnections)
        self.maxConnections = max(1, maxConnections)
        self.acquireTimeout = acquireTimeout
        self.healthCheckAfterIdle = healthCheckAfterIdle
        self.idleTimeout = idleTimeout
    }
}

/// A snapshot of a pool's connections.
public struct ConnectionPoolStats: Sendable, Equatable {
    /// Connections open (idle + in use + opening).
    public var open: Int
    public var idle: Int
    public var inUse: Int
    /// Callers waiting for a connection.
    public var waiting: Int
}
