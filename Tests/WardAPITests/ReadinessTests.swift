import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQ
import Testing
import WardAPI
import WardStore

/// Stops the server, so it runs alone in `make test`'s second pass (`WARDBOARD_TEST_DISRUPTIVE=1`).
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["WARDBOARD_TEST_DISRUPTIVE"] == "1"))
struct ReadinessTests {
    static func script(_ argument: String) throws {
        _ = try runAndWait(TestStore.repositoryRoot.appendingPathComponent("scripts/postgres").path, [argument])
    }

    @Test func readyzFollowsTheDatabaseWithoutARestart() async throws {
        try await TestStore.withDatabase { database, _ in
            let app = Application(router: WardAPI(database: database, configuration: .init(publicRead: true)).buildRouter())
            try await app.test(.router) { client in
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
                try Self.script("stop")
                do {
                    try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
                    try await client.execute(uri: "/api/v1/indicators", method: .get) { response in
                        #expect(response.status == .serviceUnavailable)
                        #expect(response.headers[.contentType] == "application/problem+json")
                    }
                    try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                } catch {
                    try Self.script("start")
                    throw error
                }
                try Self.script("start")
                var status = HTTPResponse.Status.serviceUnavailable
                for _ in 0..<50 where status != .ok {
                    status = try await client.execute(uri: "/readyz", method: .get) { $0.status }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(status == .ok)
            }
        }
    }
}

/// Runs a program and waits for it with `waitpid`: unlike Foundation's `Process`, this does not
/// hang when the program leaves a daemon behind (pg_ctl's postmaster inherits Process's pipe).
/// `DATABASE_URL` is removed: the scripts then manage the private cluster.
func runAndWait(_ path: String, _ arguments: [String]) throws -> Int32 {
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment
        .filter { $0.key != "DATABASE_URL" }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard spawned == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status >> 8) & 0xFF
}
