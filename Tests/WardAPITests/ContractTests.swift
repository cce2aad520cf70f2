import WardTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PQ
import Testing
import WardAPI
import WardCore
@_spi(Testing) import WardStore

/// What a fuzzer and bad input found (issue 13): every answer is one the OpenAPI document
/// describes, as problem+json, and nothing reaches SQL that it cannot hold.
@Suite struct ContractTests {
    func problem(_ response: TestResponse) throws -> [String: Any] {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try #require(try response.json() as? [String: Any])
    }

    @Test func aMethodAPathDoesNotServeIs405WithAllow() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                for (method, uri, allow) in [(HTTPRequest.Method.put, "/api/v1/compare?indicator=thefts", "GET, HEAD"),
                                             (.post, "/api/v1/series", "GET, HEAD"), (.delete, "/api/v1/observations", "POST"),
                                             (.patch, "/api/v1/areas/long-xuyen", "GET, HEAD"), (.delete, "/api/v1/areas", "GET, HEAD, POST"),
                                             (.options, "/healthz", "GET, HEAD")] {
                    try await client.execute(uri: uri, method: method, headers: bearer(world.admin)) { response in
                        #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                        #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                        let body = try problem(response)
                        #expect(body["status"] as? Int == 405)
                    }
                }
                try await client.execute(uri: "/api/v1/nothing-here", method: .get, headers: bearer(world.admin)) { response in
                    let body = try problem(response)
                    #expect(response.status == .notFound && body["status"] as? Int == 404)
                }
            }
        }
    }

    @Test func oversizedRequestsAreProblems() async throws {
        try await withWorld { world in
            let codes = (0..<10_000).map { "ward-\($0)" }.joined(separator: ",")
            try await world.app().test(.router) { client in
                try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=\(codes)", method: .get, headers: bearer(world.viewer)) { response in
                    #expect(response.status == .uriTooLong)
                    let detail = try problem(response)["detail"] as? String
                    #expect(detail?.contains("more than the limit of 16384") == true)
                }
                var headers = bearer(world.viewer)
                headers[HTTPField.Name("X-Padding")!] = String(repeating: "x", count: 40_000)
                try await client.execute(uri: "/api/v1/indicators", method: .get, headers: headers) { response in
                    #expect(response.status == .requestHeaderFieldsTooLarge)
                    _ = try problem(response)
                }
            }
            // Through the real HTTP parser: a head beyond its limit is answered too, not dropped.
            try await Application(router: WardAPI(database: world.database, configuration: .init(publicRead: true)).buildRouter(),
                                  server: HTTPLimits.server).test(.live) { client in
                let huge = (0..<40_000).map { "ward-\($0)" }.joined(separator: ",")
                try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=\(huge)", method: .get) { response in
                    #expect(response.status == .requestHeaderFieldsTooLarge)
                    _ = try problem(response)
                }
            }
        }
    }

    @Test func aNulByteNeverReachesSQL() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                for (uri, parameter) in [("/api/v1/series?indicator=thefts&areas=my-binh%00x&from=2024-12&to=2026-10", "areas"),
                                         ("/api/v1/compare?indicator=thefts&parent=%00", "parent"),
                                         ("/api/v1/compare?indicator=the%00fts", "indicator"),
                                         ("/api/v1/areas?kind=ward%00", "kind"),
                                         ("/api/v1/areas/long%00xuyen/report", "code"),
                                         ("/api/v1/compare?indicator=thefts&month=2025-0%001", "month")] {
                    try await client.execute(uri: uri, method: .get, headers: bearer(world.viewer)) { response in
                        #expect(response.status == .badRequest, "\(uri)")
                        let detail = try problem(response)["detail"] as? String
                        #expect(detail?.hasPrefix("parameter '\(parameter)'") == true, "\(uri): \(detail ?? "")")
                    }
                }
                let rows: [[String: Any]] = [["area_code": "long-xuyen", "indicator_code": "thefts", "month": "2026-09", "value": 3],
                                             ["area_code": "long\u{0}xuyen", "indicator_code": "thefts", "month": "2026-09", "value": 3]]
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "application/json"],
                                         body: try jsonBody(rows)) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = try #require(try problem(response)["errors"] as? [[String: Any]])
                    #expect(errors.first?["index"] as? Int == 1 && errors.first?["field"] as? String == "area_code")
                }
                let names = "code,name_vi,name_en,unit,kind,direction,category,numerator,denominator,cutoff_day\nfires,Cháy\u{0}nổ,Fires,cases,count,lower_is_better,safety,,,\n"
                try await client.execute(uri: "/api/v1/indicators", method: .put, headers: [.authorization: "Bearer \(world.admin)", .contentType: "text/csv"],
                                         body: ByteBuffer(string: names)) { response in
                    #expect(response.status == .unprocessableContent)
                    _ = try problem(response)
                }
            }
        }
    }

    @Test func countsAndStocksAreWholeNumbers() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                for (indicator, value) in [("thefts", "2.5"), ("party_members", "100.2")] {
                    try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "application/json"],
                                             body: try jsonBody([["area_code": "long-xuyen", "indicator_code": indicator, "month": "2026-09", "value": value]])) { response in
                        #expect(response.status == .unprocessableContent)
                        let error = try #require((try problem(response)["errors"] as? [[String: Any]])?.first)
                        #expect(error["index"] as? Int == 0 && error["field"] as? String == "value")
                        #expect((error["message"] as? String)?.contains("is a whole number") == true)
                    }
                }
                // Amounts may have decimals.
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "long-xuyen", "indicator_code": "budget_revenue", "month": "2026-09", "value": "1500000.5"]])) {
                    #expect($0.status == .ok)
                }
            }
        }
    }

    /// A comparable series carries the target moved with the territory, in JSON and CSV.
    @Test func comparableSeriesCarryTheirTarget() async throws {
        try await withWorld { world in
            // Long Xuyên ward was formed in July 2025 from six wards (one of which had absorbed Đông
            // Xuyên in January 2025): its 2024 target is the sum of theirs.
            let predecessors = try await world.database.pool.scalar("""
                SELECT sum(target) FROM targets WHERE indicator_code = 'budget_revenue' AND year = 2024
                  AND area_code IN ('my-binh', 'my-long', 'my-xuyen', 'my-phuoc', 'my-quy', 'my-hoa', 'dong-xuyen')
                """, as: ExactDecimal.self)
            let own2025 = try await world.database.pool.scalar("SELECT target FROM targets WHERE indicator_code = 'budget_revenue' AND year = 2025 AND area_code = 'long-xuyen'", as: ExactDecimal.self)
            try await world.app().test(.router) { client in
                let uri = "/api/v1/series?indicator=budget_revenue&areas=long-xuyen&from=2024-11&to=2025-08&lineage=comparable"
                try await client.execute(uri: uri, method: .get, headers: bearer(world.viewer)) { response in
                    let rows = try #require((try response.json() as? [String: Any])?["rows"] as? [[String: Any]])
                    #expect(rows.count == 10)
                    #expect((rows.first?["target"] as? NSNumber)?.stringValue == predecessors?.text)
                    #expect(rows.first?["target_pct"] is NSNumber)
                    let june = try #require(rows.first { $0["month"] as? String == "2025-06" })
                    #expect((june["target"] as? NSNumber)?.stringValue == own2025?.text, "in 2025, the year of the merger, its own plan")
                }
                try await client.execute(uri: uri + "&format=csv", method: .get, headers: bearer(world.viewer)) { response in
                    let lines = response.text.split(separator: "\n")
                    #expect(lines.first?.contains(",target,target_pct") == true)
                    #expect(lines.dropFirst().first?.contains(",\(predecessors?.text ?? "?"),") == true)
                }
            }
        }
    }
}
