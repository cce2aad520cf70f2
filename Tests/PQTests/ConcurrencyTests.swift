import Foundation
import PQ
import Testing

@Suite struct ConcurrencyTests {
    @Test func cancellingATaskCancelsTheStatementOnTheServer() async throws {
        try await TestDatabase.withConnection { db in
            let start = ContinuousClock.now
            let task = Task { try await db.query("SELECT pg_sleep(30)") }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(ContinuousClock.now - start < .seconds(1.5))
            // The connection is usable after the cancel.
            #expect(try await db.scalar("SELECT 1", as: Int.self) == 1)
        }
    }

    @Test func twoHundredTasksOnAPoolOfEight() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(minConnections: 2, maxConnections: 8), connection: .init(url), logger: TestDatabase.logger)
            try await pool.prewarm()
            #expect(pool.stats.open == 2)
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await pool.scalar("SELECT \(index)::int8 FROM pg_sleep(0.005)", as: Int.self) ?? -1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(total == (0..<200).reduce(0, +))
            let stats = pool.stats
            #expect(stats.open <= 8 && stats.inUse == 0 && stats.waiting == 0)
            await pool.close()
        }
    }

    @Test func acquireTimesOutWithAClearError() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(maxConnections: 1, acquireTimeout: .milliseconds(200)), connection: .init(url), logger: TestDatabase.logger)
            try await pool.withConnection { _ in
                let error = await #expect(throws: PQError.self) { try await pool.query("SELECT 1") }
                #expect(error?.code == .poolTimeout)
                #expect(error?.message.contains("no database connection became free") == true)
                // Several waiters, queued at different times, each time out after its own wait;
                // one served in time is not timed out.
                let start = ContinuousClock.now
                let waits = try await withThrowingTaskGroup(of: Duration?.self) { group in
                    for index in 0..<3 {
                        group.addTask {
                            try await Task.sleep(for: .milliseconds(60 * index))
                            let queued = ContinuousClock.now
                            do { _ = try await pool.query("SELECT 1") } catch let error as PQError where error.code == .poolTimeout {
                                return ContinuousClock.now - queued
                            }
                            return nil
                        }
                    }
                    return try await group.reduce(into: [Duration?]()) { $0.append($1) }
                }
                #expect(waits.count == 3 && waits.allSatisfy { $0.map { $0 >= .milliseconds(190) && $0 < .milliseconds(1500) } ?? false })
                #expect(ContinuousClock.now - start < .seconds(2))
                #expect(pool.stats.waiting == 0)
            }
            #expect(try await pool.scalar("SELECT 2", as: Int.self) == 2)
            // A waiter that gets a connection before its deadline is served, not failed.
            async let held: Void = pool.withConnection { _ in try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(10))
            #expect(try await pool.scalar("SELECT 3", as: Int.self) == 3)
            try await held
            await pool.close()
        }
    }

    @Test func connectionReturnedInsideATransactionIsDiscarded() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let pool = ConnectionPool(configuration: .init(maxConnections: 2), connection: .init(url), logger: TestDatabase.logger)
            let pid = try await pool.withConnection { db in
                try await db.execute(unsafeSQL: "BEGIN")
                return db.backendPID
            }
            #expect(pool.stats.open == 0)
            let next = try await pool.withConnection { $0.backendPID }
            #expect(next != pid)
            await pool.close()
        }
    }

    @Test func listenDeliversNotificationsAndReportsReconnects() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let listener = NotificationListener(configuration: .init(url, applicationName: "listener-test"), channels: ["ward changes"])
            let events = EventLog()
            let consumer = Task { for try await event in listener { await events.append(event) } }
            defer { consumer.cancel() }
            let sender = try await Connection.connect(.init(url))
            // LISTEN is registered once the listener's thread has connected: send until it hears.
            try await eventually { try await sender.notify(channel: "ward changes", payload: "phuong-my-long"); return await !events.all.isEmpty }
            #expect(await events.all.first == .notification(Notification(channel: "ward changes", payload: "phuong-my-long", senderPID: sender.backendPID)))
            // Kill the listener's backend: it must reconnect, say so, and listen again.
            try await sender.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'listener-test'")
            try await eventually { await events.all.contains(.reconnected) }
            try await eventually {
                try await sender.notify(channel: "ward changes", payload: "after")
                return await events.all.contains { if case .notification(let n) = $0 { n.payload == "after" } else { false } }
            }
        }
    }
}

actor EventLog {
    private(set) var all: [ListenerEvent] = []
    func append(_ event: ListenerEvent) { all.append(event) }
}

struct TimedOut: Error {}

/// Retries `check` every 100 ms until it holds, for at most `limit`.
func eventually(within limit: Duration = .seconds(10), _ check: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await check() { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw TimedOut()
}
