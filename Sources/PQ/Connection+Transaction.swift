import Logging
import CLibPQ
import NIOConcurrencyHelpers
import NIOPosix
/// The isolation levels of `BEGIN ISOLATION LEVEL …`.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension Connection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws
    /// (also when the task was cancelled), and rethrows the body's error.
    @discardableResult
    public func withTransaction<T>(
        level: IsolationLevel = .readCommitted,
        readOnly: Bool = false,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        try await execute(unsafeSQL: "BEGIN ISOLATION LEVEL \(level.rawValue)\(readOnly ? " READ ONLY" : "")")
        let value: T
        do {
            value = try await body(self)
        } catch {
            await rollback()
            throw error
        }
        do {
            _ = try await run(cancellable: false) { handle, _ in try handle.exec("COMMIT") }
        } catch {
            await rollback()
            throw error
        }
        return value
    }

    /// Rolls back whatever transaction is open; a broken connection is left for the pool to drop.
    func rollback() async {
        guard isInTransaction else { return }
        do {
            _ = try await run(cancellable: false) { handle, _ in try handle.exec("ROLLBACK") }
        } catch {
            logger.debug("rollback failed", metadata: ["pq.error": "\(error)"])
        }
    }
}
