import WardTestSupport
import Foundation
import PQ
import Testing

/// Stops and starts the server, so it runs alone: `make test` runs it in a second pass with
/// `WARDBOARD_TEST_DISRUPTIVE=1`, after every other suite has finished.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["WARDBOARD_TEST_DISRUPTIVE"] == "1"))
struct ServerRestartTests {
    @Test func poolRecoversAfterTheServerRestarts() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(
                configuration: .init(minConnections: 4, maxConnections: 4, healthCheckAfterIdle: .milliseconds(100)),
                connection: .init(url), logger: TestDatabase.logger
            )
            try await pool.prewarm()
            #expect(try await pool.scalar("SELECT 1", as: Int.self) == 1)
            try TestDatabase.runScript("scripts/postgres", "restart")
            // Every pooled connection is dead now; the pool must notice and replace them.
            let results = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<16 { group.addTask { try await pool.scalar("SELECT \(index)::int8", as: Int.self) ?? -1 } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(results.sorted() == Array(0..<16))
            await pool.close()
        }
    }
}

extension TestDatabase {
    /// Runs a script of the repository and fails when it does.
    static func runScript(_ path: String, _ arguments: String...) throws {
        let status = try runAndWait(repositoryRoot.appendingPathComponent(path).path, arguments)
        guard status == 0 else { throw ScriptFailed(path: path, status: status) }
    }
}

struct ScriptFailed: Error { let path: String; let status: Int32 }
