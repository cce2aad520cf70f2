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

@Suite struct ReadTests {
    @Test func everyReadEndpointAnswersWithData() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                let auth = bearer(world.viewer)
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }

                try await client.execute(uri: "/api/v1/areas?parent=tp-long-xuyen&month=2024-06", method: .get, headers: auth) { response in
                    #expect(response.status == .ok)
                    let names = try #require(try response.json() as? [[String: Any]]).compactMap { $0["name"] as? String }
                    #expect(names.count == 13, "Đông Xuyên merges only in January 2025")
                    let dong = try #require(names.firstIndex(of: "Phường Đông Xuyên")), myBinh = try #require(names.firstIndex(of: "Phường Mỹ Bình"))
                    #expect(dong < myBinh, "Vietnamese order")
                }
                try await client.execute(uri: "/api/v1/areas/binh-duc", method: .get, headers: auth) { response in
                    let rows = try #require(try response.json() as? [[String: Any]])
                    #expect(rows.map { $0["parent"] as? String } == ["tp-long-xuyen", "an-giang"])
                }
                try await client.execute(uri: "/api/v1/areas/long-xuyen/party-cells", method: .get, headers: auth) { response in
                    let answer = try #require(try response.json() as? [String: Any])
                    let cells = try #require(answer["cells"] as? [[String: Any]])
                    #expect((6...14).contains(cells.count))
                    #expect(answer["members_total"] as? Int == cells.compactMap { $0["members"] as? Int }.reduce(0, +))
                }
                try await client.execute(uri: "/api/v1/indicators", method: .get, headers: auth) { response in
                    let rows = try #require(try response.json() as? [[String: Any]])
                    #expect(rows.contains { $0["code"] as? String == "admin_on_time_pct" && $0["kind"] as? String == "ratio" && $0["cutoff_day"] as? Int == 15 })
                }
                try await client.execute(uri: "/api/v1/compare?indicator=thefts&month=2025-07&parent=an-giang", method: .get, headers: auth) { response in
                    let body = try #require(try response.json() as? [String: Any])
                    let rows = try #require(body["rows"] as? [[String: Any]])
                    #expect(Set(rows.compactMap { $0["area"] as? String }) == ["binh-duc", "long-xuyen", "my-thoi", "my-hoa-hung"])
                    #expect(rows.compactMap { $0["rank"] as? Int }.sorted().first == 1)
                    let total = try #require(body["total"] as? [String: Any])
                    #expect(total["expected"] as? Int == 4 && total["reporting"] as? Int == 4)
                }
                // A month where a ward has no figure still lists it, with nulls.
                try await world.database.pool.execute("DELETE FROM aggregates WHERE area_code = 'my-thoi' AND indicator_code = 'thefts' AND month = '2025-08-01'")
                try await client.execute(uri: "/api/v1/compare?indicator=thefts&month=2025-08&parent=an-giang", method: .get, headers: auth) { response in
                    let rows = try #require((try response.json() as? [String: Any])?["rows"] as? [[String: Any]])
                    let myThoi = try #require(rows.first { $0["area"] as? String == "my-thoi" })
                    #expect(myThoi["value"] is NSNull && myThoi["rank"] is NSNull)
                    #expect(rows.last?["area"] as? String == "my-thoi")
                }
                try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=long-xuyen&from=2025-01&to=2025-12&lineage=comparable", method: .get, headers: auth) { response in
                    let rows = try #require((try response.json() as? [String: Any])?["rows"] as? [[String: Any]])
                    #expect(rows.count == 12, "comparable back-fills the months before the ward existed")
                    #expect(rows.first?["period_start"] as? String == "2025-01-01")
                }
                try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=long-xuyen&from=2025-01&to=2025-12", method: .get, headers: auth) { response in
                    let rows = try #require((try response.json() as? [String: Any])?["rows"] as? [[String: Any]])
                    #expect(rows.count == 6, "reported: only while it existed")
                }
                try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=long-xuyen,my-long&from=2025-01&to=2025-03", method: .get, headers: auth) { response in
                    #expect(response.status == .ok, "a known area without figures in the range is no error")
                    let rows = try #require((try response.json() as? [String: Any])?["rows"] as? [[String: Any]])
                    #expect(rows.count == 3 && rows.allSatisfy { $0["area"] as? String == "my-long" })
                }
                try await client.execute(uri: "/api/v1/series?indicator=admin_on_time_pct&areas=long-xuyen&from=2025-11&to=2025-11", method: .get, headers: auth) { response in
                    let row = try #require(((try response.json() as? [String: Any])?["rows"] as? [[String: Any]])?.first)
                    #expect(row["period_start"] as? String == "2025-10-15" && row["period_end"] as? String == "2025-11-14", "cut-off 15 labels")
                }
                try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=long-xuyen,binh-duc&from=2025-07&to=2025-09&layout=wide", method: .get, headers: auth) { response in
                    let rows = try #require(try response.json() as? [[String: Any]])
                    #expect(rows.count == 3 && rows[0]["long-xuyen"] is NSNumber && rows[0]["binh-duc"] is NSNumber)
                }
                try await client.execute(uri: "/api/v1/areas/long-xuyen/report?month=2025-11", method: .get, headers: auth) { response in
                    let body = try #require(try response.json() as? [String: Any])
                    let rows = try #require(body["rows"] as? [[String: Any]])
                    #expect(rows.count == DemoIndicators.all.count)
                    #expect(rows.contains { $0["indicator"] as? String == "budget_revenue" && $0["target_pct"] is NSNumber })
                }
                try await client.execute(uri: "/api/v1/status", method: .get, headers: auth) { response in
                    let body = try #require(try response.json() as? [String: Any])
                    #expect(body["queue_depth"] as? Int == 0)
                    #expect(body["fact_batches_waiting"] as? Int == 0)
                    #expect(body["last_full_rebuild_at"] is String)
                }
            }
        }
    }

    @Test func csvAnswersParseBackToTheSameRowsAsJSON() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                for uri in ["/api/v1/compare?indicator=budget_revenue&month=2025-12&parent=an-giang",
                            "/api/v1/series?indicator=admin_on_time_pct&areas=long-xuyen,binh-duc&from=2025-01&to=2025-12&lineage=comparable"] {
                    let json = try await client.execute(uri: uri, method: .get, headers: bearer(world.viewer)) { try $0.json() as? [String: Any] }
                    let jsonRows = try #require(json?["rows"] as? [[String: Any]])
                    let csv = try await client.execute(uri: uri + "&format=csv", method: .get, headers: bearer(world.viewer)) { response in
                        #expect(response.headers[.contentType]?.hasPrefix("text/csv") == true)
                        return response.text
                    }
                    let viaAccept = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(world.viewer)", .accept: "text/csv"]) { $0.text }
                    #expect(viaAccept == csv)
                    var records = [[String]]()
                    var parser = CSVParser()
                    try parser.feed(Array(csv.utf8)) { records.append($0.fields) }
                    try parser.finish { records.append($0.fields) }
                    let header = records.removeFirst()
                    #expect(records.count == jsonRows.count)
                    for (record, row) in zip(records, jsonRows) {
                        for (column, text) in zip(header, record) {
                            switch row[column] {
                            case let flag as NSNumber where text == "true" || text == "false":
                                #expect(flag.boolValue == (text == "true"), "\(column)")
                            case let number as NSNumber where !(row[column] is String):
                                // JSONSerialization reads numbers as Double: compare within its precision.
                                let csvValue = try #require(Double(text), "\(column): '\(text)'")
                                #expect(abs(csvValue - number.doubleValue) <= 1e-9 * max(1, abs(csvValue)), "\(column)")
                            case let string as String: #expect(text == string, "\(column)")
                            default: #expect(text.isEmpty, "\(column) is null in JSON")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func etagsAndNotModified() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                let uri = "/api/v1/compare?indicator=public_disorder&month=2026-10&parent=an-giang"
                let etag = try await client.execute(uri: uri, method: .get, headers: bearer(world.viewer)) { response in
                    #expect(response.headers[.cacheControl] != nil)
                    return try #require(response.headers[.eTag])
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(world.viewer)", .ifNoneMatch: etag]) { response in
                    #expect(response.status == .notModified)
                }
                // HEAD: the same validator, no body.
                try await client.execute(uri: uri, method: .head, headers: bearer(world.viewer)) { response in
                    #expect(response.status == .ok && response.headers[.eTag] == etag && response.body.readableBytes == 0)
                }
                // New data behind the feed: a new ETag.
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.editor)", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "long-xuyen", "indicator_code": "public_disorder", "month": "2026-10", "value": 777]])) { response in
                    #expect(response.status == .ok)
                }
                try await world.drain()
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(world.viewer)", .ifNoneMatch: etag]) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.eTag] != etag)
                    #expect(response.text.contains("777"))
                }
            }
        }
    }

    @Test func badParametersAreExplained() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                let auth = bearer(world.viewer)
                let cases: [(String, HTTPResponse.Status, String)] = [
                    ("/api/v1/compare?indicator=burglary", .notFound, "unknown indicator 'burglary'"),
                    ("/api/v1/compare?indicator=thefts&parent=nowhere", .notFound, "unknown area 'nowhere'"),
                    ("/api/v1/compare?indicator=thefts&month=2025-13", .badRequest, "parameter 'month': '2025-13' is not a month"),
                    ("/api/v1/compare", .badRequest, "parameter 'indicator': is required"),
                    ("/api/v1/compare?indicator=thefts&parent=tp-long-xuyen&month=2025-08", .notFound, "did not exist in 2025-08"),
                    ("/api/v1/series?indicator=thefts&areas=long-xuyen&lineage=guess", .badRequest, "'guess' is not one of reported, comparable"),
                    ("/api/v1/series?indicator=thefts&areas=long-xuyen,atlantis", .notFound, "unknown area 'atlantis'"),
                    ("/api/v1/series?indicator=burglary&areas=long-xuyen&from=2025-01&to=2025-03", .notFound, "unknown indicator 'burglary'"),
                    ("/api/v1/series?indicator=burglary&areas=long-xuyen", .notFound, "unknown indicator 'burglary'"),
                    ("/api/v1/series?indicator=thefts&areas=long-xuyen&from=2026-01&to=2025-01", .badRequest, "is after to"),
                    ("/api/v1/areas?kind=village", .badRequest, "'village' is not one of"),
                    ("/api/v1/compare?indicator=thefts&format=xml", .badRequest, "'xml' is not one of json, csv"),
                ]
                for (uri, status, detail) in cases {
                    try await client.execute(uri: uri, method: .get, headers: auth) { response in
                        #expect(response.status == status, "\(uri)")
                        #expect(response.headers[.contentType] == "application/problem+json")
                        let body = try #require(try response.json() as? [String: Any])
                        #expect((body["detail"] as? String)?.contains(detail) == true, "\(uri): \(body["detail"] ?? "")")
                        #expect(body["status"] as? Int == Int(status.code))
                        #expect(body["request_id"] as? String == response.headers[requestIDField], "the problem names the response's request id")
                    }
                }
                // Every response has a request id: the client's when it sends a sane one, else one of
                // the server's own, different for each request.
                var ids = Set<String>()
                for _ in 0..<3 {
                    try await client.execute(uri: "/api/v1/indicators", method: .get, headers: auth) { response in
                        let id = try #require(response.headers[requestIDField])
                        #expect(id.count >= 16 && id.allSatisfy(\.isHexDigit))
                        ids.insert(id)
                    }
                }
                #expect(ids.count == 3)
                var traced = auth
                traced[requestIDField] = "chart-refresh-42"
                try await client.execute(uri: "/api/v1/indicators", method: .get, headers: traced) { response in
                    #expect(response.headers[requestIDField] == "chart-refresh-42")
                }
                traced[requestIDField] = "not sane; <script>"
                try await client.execute(uri: "/api/v1/indicators", method: .get, headers: traced) { response in
                    #expect(response.headers[requestIDField] != "not sane; <script>")
                }
            }
        }
    }
}

private let requestIDField = HTTPField.Name("X-Request-Id")!
