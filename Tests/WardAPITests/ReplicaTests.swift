import WardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQ
import Testing
import WardCore
import WardAPI
@_spi(Testing) import WardStore

/// Against a real streaming replica of the test cluster (`scripts/postgres replica start`, which
/// `make test` runs and passes as `WARDBOARD_TEST_REPLICA_URL`). Stops the replica, so it runs in
/// the disruptive pass.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["WARDBOARD_TEST_DISRUPTIVE"] == "1"
                                && ProcessInfo.processInfo.environment["WARDBOARD_TEST_REPLICA_URL"] != nil))
struct ReplicaTests {
    static func replica(_ argument: String) throws {
        let status = try runAndWait(TestStore.repositoryRoot.appendingPathComponent("scripts/postgres").path, ["replica", argument])
        guard status == 0 else { throw PQError(.connectionFailed, "scripts/postgres replica \(argument) exited with \(status)") }
    }

    /// The test database's URL on the replica.
    static func replicaURL(of url: String) throws -> String {
        let server = try #require(ProcessInfo.processInfo.environment["WARDBOARD_TEST_REPLICA_URL"])
        var components = try #require(URLComponents(string: server))
        components.path = try #require(URLComponents(string: url)).path
        return try #require(components.string)
    }

    /// The test database's URL on the replica, once the replica has it (it was made on the
    /// primary a moment ago).
    static func replicaCopy(of url: String) async throws -> String {
        let replicaURL = try replicaURL(of: url)
        #expect(try await eventually {
            guard let probe = try? await Connection.connect(.init(replicaURL), logger: TestStore.logger) else { return false }
            await probe.close()
            return true
        }, "the replica has the test database")
        return replicaURL
    }

    /// Polls `condition` every 100 ms for up to `seconds`.
    static func eventually(_ seconds: Int = 30, _ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 10) {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    static func thefts(_ client: some TestClientProtocol, _ token: String) async throws -> Int? {
        try await client.execute(uri: "/api/v1/compare?indicator=thefts&month=2026-10&parent=an-giang", method: .get, headers: bearer(token)) { response in
            #expect(response.status == .ok)
            let rows = (try response.json() as? [String: Any])?["rows"] as? [[String: Any]]
            return (rows?.first { $0["area"] as? String == "long-xuyen" }?["value"] as? NSNumber)?.intValue
        }
    }

    static func status(_ client: some TestClientProtocol) async throws -> [String: Any] {
        try await client.execute(uri: "/api/v1/status", method: .get) { response in
            #expect(response.status == .ok)
            return ((try response.json() as? [String: Any])?["replica"] as? [String: Any]) ?? [:]
        }
    }

    @Test func feedsReadTheReplicaReportItsLagAndFallBackToThePrimary() async throws {
        try Self.replica("start")
        try await withWorld { world in
            let replicaURL = try await Self.replicaCopy(of: world.url)
            let database = Database(.init(url: world.url, readURL: replicaURL, maxConnections: 4), logger: TestStore.logger, replicaRetryInterval: .seconds(1))
            defer { Task { await database.close() } }
            #expect(try await database.readPool.scalar("SELECT pg_is_in_recovery()", as: Bool.self) == true)
            let app = Application(router: WardAPI(database: database, configuration: .init(publicRead: true)).buildRouter())
            try await app.test(.router) { client in
                #expect(try await Self.eventually { try await Self.status(client)["state"] as? String == "caught_up" })
                let before = try await Self.thefts(client, world.viewer)
                #expect(before != nil && before != 777)

                // Replay paused: the write lands on the primary, the feed (read on the replica) does not show it yet.
                try await database.readPool.execute("SELECT pg_wal_replay_pause()")
                do {
                    try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.editor)", .contentType: "application/json"],
                                             body: try jsonBody([["area_code": "long-xuyen", "indicator_code": "thefts", "month": "2026-10", "value": 777]])) {
                        #expect($0.status == .ok)
                    }
                    try await world.drain()
                    #expect(try await database.pool.scalar("SELECT value::int FROM aggregates WHERE area_code = 'long-xuyen' AND indicator_code = 'thefts' AND month = '2026-10-01'", as: Int.self) == 777)
                    #expect(try await Self.thefts(client, world.viewer) == before, "the feed reads the replica")
                    let lagging = try await Self.status(client)
                    #expect(lagging["state"] as? String == "lagging")
                    #expect(lagging["replay_paused"] as? Bool == true)
                    #expect((lagging["lag_bytes"] as? Int ?? 0) > 0)
                    #expect(lagging["reads_from"] as? String == "replica")
                    try await client.execute(uri: "/readyz", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(response.text.contains("replica: lagging"))
                    }
                } catch {
                    _ = try? await database.readPool.execute("SELECT pg_wal_replay_resume()")
                    throw error
                }
                try await database.readPool.execute("SELECT pg_wal_replay_resume()")
                #expect(try await Self.eventually { try await Self.thefts(client, world.viewer) == 777 })
                #expect(try await Self.eventually { try await Self.status(client)["state"] as? String == "caught_up" })

                // The replica stops: reads go to the primary at once, readiness stays.
                try Self.replica("stop")
                do {
                    #expect(try await Self.thefts(client, world.viewer) == 777)
                    let gone = try await Self.status(client)
                    #expect(gone["state"] as? String == "unreachable")
                    #expect(gone["reads_from"] as? String == "primary")
                    #expect(gone["error"] is String)
                    try await client.execute(uri: "/readyz", method: .get) { response in
                        #expect(response.status == .ok)
                        #expect(response.text.contains("replica: unreachable; reads go to the primary"))
                    }
                    try await client.execute(uri: "/api/v1/indicators", method: .get) { #expect($0.status == .ok) }
                } catch {
                    try? Self.replica("start")
                    throw error
                }
                // Back: reads return to the replica after the retry interval.
                try Self.replica("start")
                #expect(try await Self.eventually {
                    let status = try await Self.status(client)
                    return status["state"] as? String == "caught_up" && status["reads_from"] as? String == "replica"
                })
                #expect(try await Self.thefts(client, world.viewer) == 777)
                #expect(try await database.readPool.scalar("SELECT pg_is_in_recovery()", as: Bool.self) == true)
            }
        }
    }

    /// Reads on the replica while rebuilds on the primary swap their tables in. Replay takes the
    /// swap's locks one by one, in the order the feeds' queries name the tables, so a read never
    /// holds one that replay waits for while it waits for one replay holds (a deadlock, after which
    /// the read fails; the API would then ask the primary). The feeds here read the replica alone,
    /// without the fallback: no read fails.
    @Test func readsOnTheReplicaWhileSwapsReplayDoNotFail() async throws {
        try Self.replica("start")
        try await withWorld { world in
            let replicaURL = try await Self.replicaCopy(of: world.url)
            let replica = TestStore.database(replicaURL, max: 4)
            defer { Task { await replica.close() } }
            #expect(try await replica.pool.scalar("SELECT pg_is_in_recovery()", as: Bool.self) == true)
            let feeds = FeedRepository(replica)
            let month = try #require(Month("2026-10"))
            let (swaps, reads) = try await whileReading(readers: 4, { reader in
                if reader % 2 == 0 {
                    _ = try await feeds.compare(indicator: "thefts", month: month, parent: "an-giang")
                } else {
                    _ = try await feeds.series(indicator: "thefts", areas: ["long-xuyen", "an-giang"], from: nil, to: month, lineage: .comparable)
                    _ = try await feeds.report(area: "an-giang", month: month)
                }
            }, during: {
                var swaps = 0
                for _ in 0..<12 where try await AggregateRepository(world.database).rebuild(from: nil) != nil { swaps += 1 }
                return swaps
            })
            #expect(swaps == 12)
            #expect(reads > 100, "the feeds were read throughout (\(reads) reads)")
        }
    }
}
