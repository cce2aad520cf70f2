import WardTestSupport
import Foundation
import PQ
import Testing
@_spi(Testing) import WardStore
@testable import WardWorker

/// A swap meeting an autovacuum of a live table (sql/functions/rebuild.sql, wb_cancel_autovacuum).
/// PostgreSQL cancels an autovacuum that blocks a lock waiter once it has waited
/// deadlock_timeout; the swap's tries of 100 ms never waited that long, so it waited for the
/// autovacuum to end, however long. Sets autovacuum_naptime for the whole server, so it runs alone
/// in `make test`'s second pass (`WARDBOARD_TEST_DISRUPTIVE=1`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["WARDBOARD_TEST_DISRUPTIVE"] == "1"))
struct AutovacuumSwapTests {
    /// Fills the live `aggregates` with rows far in the future and deletes them: an autovacuum
    /// that sleeps 100 ms a page (minutes for these) then starts within a second.
    func slowAutovacuum(_ db: Database) async throws {
        try await db.pool.execute("""
            ALTER TABLE aggregates SET (autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0,
              autovacuum_vacuum_insert_threshold = 0, autovacuum_vacuum_insert_scale_factor = 0,
              autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1)
            """)
        try await db.pool.execute("""
            INSERT INTO aggregates (indicator_code, area_code, month, value, worsened)
            SELECT indicator_code, area_code, (month + make_interval(years => g))::date, value, worsened
            FROM aggregates, generate_series(1000, 1000 + 20000 / (SELECT count(*) FROM aggregates)::int) g
            """)
        try await db.pool.execute("DELETE FROM aggregates WHERE month >= '3000-01-01'")
    }

    /// The pid of the autovacuum worker on `aggregates`, once one runs (nil after 60 s).
    func autovacuum(_ db: Database) async throws -> Int? {
        for _ in 0..<600 {
            if let pid = try await db.pool.scalar("""
                SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                  AND backend_type = 'autovacuum worker' AND query LIKE 'autovacuum: VACUUM%public.aggregates%'
                """, as: Int.self) { return pid }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test func aSwapDoesNotWaitForALiveTablesAutovacuum() async throws {
        let admin = try await Connection.connect(.init(TestStore.serverURL), logger: TestStore.logger)
        let role = "wb_swap_test_\(UInt32.random(in: 0...UInt32.max))"
        for sql in ["ALTER SYSTEM SET autovacuum_naptime = '1s'", "SELECT pg_reload_conf()", "CREATE ROLE \(role) NOLOGIN"] {
            try await admin.execute(unsafeSQL: sql)
        }
        func restore() async throws {
            for sql in ["ALTER SYSTEM RESET autovacuum_naptime", "SELECT pg_reload_conf()", "DROP ROLE IF EXISTS \(role)"] {
                try await admin.execute(unsafeSQL: sql)
            }
        }
        do {
            try await TestStore.withDatabase { db, _ in
                try await Fixture.load(db)
                _ = try await worker(db).rebuild(from: nil, reason: "test")
                let expected = try await db.aggregateSnapshot()
                try await slowAutovacuum(db)

                // A role that may lock the tables but not cancel an autovacuum (not a superuser):
                // it waits for the autovacuum's table alone, and PostgreSQL cancels it after deadlock_timeout.
                let first = try #require(try await autovacuum(db), "an autovacuum of aggregates started")
                try await db.pool.withConnection { try await $0.execute(unsafeSQL: "GRANT USAGE ON SCHEMA public TO \(role); GRANT UPDATE ON ALL TABLES IN SCHEMA public TO \(role)") }
                let locked = try await ContinuousClock().measure {
                    try await db.pool.withTransaction { connection in
                        try await connection.execute(unsafeSQL: "SET LOCAL ROLE \(role)")
                        _ = try await connection.query("SELECT wb_lock_rebuilt('public')")
                    }
                }
                #expect(locked < .seconds(10), "the role locked the tables in \(locked) beside an autovacuum (pid \(first))")

                // The rebuild's own role may cancel it: the swap goes on at once.
                let second = try #require(try await autovacuum(db), "an autovacuum of aggregates started again")
                let rebuilt = try await ContinuousClock().measure { _ = try await worker(db).rebuild(from: nil, reason: "test") }
                #expect(rebuilt < .seconds(10), "the rebuild swapped in \(rebuilt) beside an autovacuum (pid \(second))")
                #expect(firstDifference(expected, try await db.aggregateSnapshot()) == nil)
            }
            try await restore()
        } catch {
            try? await restore()
            throw error
        }
        await admin.close()
    }
}
