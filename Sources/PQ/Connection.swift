import CLibPQ
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOPosix

/// One connection to PostgreSQL over libpq.
///
/// A connection runs one statement at a time; a second concurrent call fails with
/// `connectionBusy` instead of interleaving on the wire. Share work across tasks with a
/// ``ConnectionPool``. Blocking libpq calls run on a thread of the connection's own (see
/// ``PQThreadPool`` for why threads at all), and
/// cancelling the calling task sends `PQcancel` to the server, so the statement stops there too.
public final class Connection: Sendable {
    struct State: Sendable {
        var busy = false
        var closed = false
        /// A row stream was abandoned before its end: its results must be drained first.
        var needsDrain = false
        /// A cancel request was sent; a late one may hit the next statement, so pools drop us.
        var cancelRequested = false
        var statements = StatementCache()
    }

    let handle: ConnectionHandle
    let threadPool: NIOThreadPool
    public let logger: Logger
    let state = NIOLockedValueBox(State())
    /// Where the connection points, without the password.
    public let endpoint: String

    init(handle: ConnectionHandle, threadPool: NIOThreadPool, logger: Logger, endpoint: String) {
        self.handle = handle
        self.threadPool = threadPool
        self.logger = logger
        self.endpoint = endpoint
    }

    /// Opens a connection. A failure names the host and port and libpq's reason, never the password.
    public static func connect(
        _ configuration: ConnectionConfiguration,
        logger: Logger = Logger(label: "pq")
    ) async throws -> Connection {
        // Each connection runs its libpq calls on one thread of its own: calls are serialized
        // anyway, and libpq's results are then allocated and freed in one malloc arena.
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        do {
            let (handle, endpoint) = try await thread.runIfActive { try ConnectionHandle.open(configuration, logger: logger) }
            var logger = logger
            logger[metadataKey: "pq.server"] = "\(endpoint)"
            logger.debug("connected")
            return Connection(handle: handle, threadPool: thread, logger: logger, endpoint: endpoint)
        } catch {
            thread.shutdownGracefully { _ in }
            throw error
        }
    }

    deinit {
        threadPool.shutdownGracefully { _ in }
    }

    /// True while libpq considers the connection usable.
    public var isConnected: Bool { !state.withLockedValue { $0.closed } && handle.isOK }

    /// Whether a pool may hand this connection out again: open, idle, outside any transaction.
    public var isReusable: Bool {
        let state = state.withLockedValue { $0 }
        return !state.closed && !state.busy && !state.needsDrain && !state.cancelRequested
            && handle.isOK && handle.transactionStatus == PQTRANS_IDLE
    }

    /// True inside a transaction block (also when it failed and awaits ROLLBACK).
    public var isInTransaction: Bool {
        let status = handle.transactionStatus
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// The server's process id for this connection (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(handle.pointer) }

    /// Closes the connection. Safe to call more than once.
    public func close() async {
        let wasOpen = state.withLockedValue { state in
            defer { state.closed = true }
            return !state.closed
        }
        if wasOpen { logger.debug("closing connection") }
        // PQfinish runs when the handle is released (deinit), after any running job has ended.
    }

    /// Quotes an identifier (a table or channel name) with libpq's `PQescapeIdentifier`.
    public func escapeIdentifier(_ identifier: String) throws -> String {
        let utf8 = Array(identifier.utf8)
        guard let escaped = utf8.withUnsafeBufferPointer({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQescapeIdentifier(handle.pointer, $0.baseAddress, buffer.count) }
        }) else {
            throw PQError(.encoding, "cannot quote identifier: \(handle.errorMessage)")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    // MARK: - Running blocking work

    /// Runs `body` on the thread pool with exclusive use of the libpq handle.
    ///
    /// Cancelling the calling task sends a cancel request to the server; the statement then
    /// fails with `query_canceled`, which is rethrown as `CancellationError`.
    func run<T: Sendable>(
        cancellable: Bool = true,
        _ body: @escaping @Sendable (ConnectionHandle, Connection) throws -> T
    ) async throws -> T {
        if cancellable { try Task.checkCancellation() }
        let drain = try beginOperation()
        defer { endOperation() }
        let handle = self.handle
        do {
            return try await withTaskCancellationHandler {
                try await threadPool.runIfActive { [self] in
                    if drain { self.drainPendingResults() }
                    return try body(handle, self)
                }
            } onCancel: {
                if cancellable { self.requestCancel() }
            }
        } catch let error as PQError where error.isQueryCanceled && Task.isCancelled {
            throw CancellationError()
        }
    }

    func beginOperation() throws -> Bool {
        try state.withLockedValue { state in
            if state.closed { throw PQError(.connectionClosed, "the connection is closed") }
            if state.busy {
                throw PQError(.connectionBusy, "the connection is already running a statement; use one connection per task or a ConnectionPool")
            }
            state.busy = true
            defer { state.needsDrain = false }
            return state.needsDrain
        }
    }

    func endOperation() {
        state.withLockedValue { $0.busy = false }
    }

    /// Sends `PQcancel` from a thread of its own: it blocks on a new socket to the server, and the
    /// thread pool may be full of the very statements being cancelled.
    func requestCancel() {
        state.withLockedValue { $0.cancelRequested = true }
        logger.debug("cancelling statement")
        let handle = self.handle
        Thread.detachNewThread { handle.cancel() }
    }

    /// Reads and drops what an abandoned stream left on the wire. Runs on the thread pool.
    func drainPendingResults() {
        handle.cancel()
        while let result = PQgetResult(handle.pointer) { PQclear(result) }
    }
}

extension ConnectionHandle {
    static func open(_ configuration: ConnectionConfiguration, logger: Logger) throws -> (ConnectionHandle, String) {
        var pairs: [(String, String)] = [("dbname", configuration.conninfo)]
        if let name = configuration.applicationName { pairs.append(("application_name", name)) }
        pairs.append(("connect_timeout", String(max(2, configuration.connectTimeout))))
        pairs.append(("client_encoding", "UTF8"))
        let keys = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        var keyPointers = keys.map { UnsafePointer($0) } + [nil]
        var valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let pointer = PQconnectdbParams(&keyPointers, &valuePointers, 1) else {
            throw PQError(.connectionFailed, "could not connect: libpq is out of memory")
        }
        let host = PQhost(pointer).map { String(cString: $0) } ?? "?"
        let port = PQport(pointer).map { String(cString: $0) } ?? "?"
        let endpoint = host.hasPrefix("/") ? "\(host) (socket), port \(port)" : "\(host):\(port)"
        guard PQstatus(pointer) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(pointer)).trimmingTrailingNewlines()
            PQfinish(pointer)
            throw PQError(.connectionFailed, "could not connect to \(endpoint): \(message)")
        }
        let handle = ConnectionHandle(pointer, noticeContext: NoticeContext(logger: logger))
        return (handle, endpoint)
    }
}
