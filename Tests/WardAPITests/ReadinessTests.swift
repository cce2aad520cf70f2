import WardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PQ
import Testing
import WardAPI
@_spi(Testing) import WardStore

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
