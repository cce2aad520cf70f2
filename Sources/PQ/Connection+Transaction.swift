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

/// A transaction's snapshot exported with `pg_export_snapshot()`: other transactions that import
/// it (``Connection/withTransaction(level:readOnly:snapshot:isolation:_:)``) see the same data,
/// as pg_dump's parallel jobs do. It can be imported while the exporting transaction is open.
public struct ExportedSnapshot: Sendable, Hashable, CustomStringConvertible {
    public let id: String

    /// nil unless `id` has the server's form (`0000000A-0000001B-1`): the id is sent as a
    /// literal, `SET TRANSACTION SNAPSHOT` takes no parameter.
    public init?(id: String) {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        self.id = id
    }

    public var description: String { id }
}

extension Connection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws
    /// (also when the task was cancelled), and rethrows the body's error. With `snapshot`, the
    /// transaction (REPEATABLE READ or SERIALIZABLE) reads that exported snapshot.
    @discardableResult
    public func withTransaction<T>(
        level: IsolationLevel = .readCommitted,
        readOnly: Bool = false,
        snapshot: ExportedSnapshot? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        try await execute(unsafeSQL: "BEGIN ISOLATION LEVEL \(level.rawValue)\(readOnly ? " READ ONLY" : "")")
        if let snapshot {
            do {
                try await execute(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot.id)'")
            } catch {
                await rollback()
                throw error
            }
        }
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

    /// Exports the snapshot of the open transaction, for other connections to read the same data
    /// while it stays open.
    public func exportSnapshot() async throws -> ExportedSnapshot {
        let id = try await scalar("SELECT pg_export_snapshot()", as: String.self) ?? ""
        guard let snapshot = ExportedSnapshot(id: id) else {
            throw PQError(.protocolViolation, "pg_export_snapshot() returned \(id.debugDescription)")
        }
        return snapshot
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
