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

@Suite struct WriteAndAuthTests {
    @Test func theAuthMatrix() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                let read = "/api/v1/compare?indicator=thefts"
                // Reads: no token 401; any valid token 200; a viewer token may ride in the URL, a writer's may not.
                try await client.execute(uri: read, method: .get) { #expect($0.status == .unauthorized && $0.headers[.wwwAuthenticate] != nil) }
                try await client.execute(uri: read, method: .get, headers: bearer("wb_not-a-token")) { #expect($0.status == .unauthorized) }
                for token in [world.viewer, world.editor, world.admin] {
                    try await client.execute(uri: read, method: .get, headers: bearer(token)) { #expect($0.status == .ok) }
                }
                try await client.execute(uri: read + "&token=\(world.viewer)", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: read + "&token=\(world.editor)", method: .get) { #expect($0.status == .forbidden) }

                // Writes: (token, area) → status.
                let matrix: [(String?, String, HTTPResponse.Status)] = [
                    (nil, "long-xuyen", .unauthorized),
                    (world.viewer, "long-xuyen", .forbidden),
                    (world.editor, "long-xuyen", .ok),
                    (world.editor, "binh-duc", .forbidden),
                    (world.otherEditor, "long-xuyen", .forbidden),
                    (world.otherEditor, "binh-duc", .ok),
                    (world.admin, "my-thoi", .ok),
                ]
                for (token, area, status) in matrix {
                    var headers: HTTPFields = [.contentType: "application/json"]
                    if let token { headers[.authorization] = "Bearer \(token)" }
                    let body = try jsonBody([["area_code": area, "indicator_code": "thefts", "month": "2026-10", "value": 5]])
                    try await client.execute(uri: "/api/v1/observations", method: .post, headers: headers, body: body) { response in
                        #expect(response.status == status, "\(area) with \(token.map { String($0.prefix(6)) } ?? "no token")")
                    }
                }
                // A writer token in the URL is refused even for writes.
                try await client.execute(uri: "/api/v1/observations?token=\(world.editor)", method: .post, headers: [.contentType: "application/json"],
                                         body: try jsonBody([["area_code": "long-xuyen", "indicator_code": "thefts", "month": "2026-10", "value": 3]])) {
                    #expect($0.status == .forbidden || $0.status == .unauthorized)
                }
                // Admin-only: indicators.
                let indicator = "code,name_vi,name_en,unit,kind,direction,category,numerator,denominator,cutoff_day\nfires,Cháy nổ,Fires,cases,count,lower_is_better,safety,,,\n"
                try await client.execute(uri: "/api/v1/indicators", method: .put, headers: [.authorization: "Bearer \(world.editor)", .contentType: "text/csv"],
                                         body: ByteBuffer(string: indicator)) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/api/v1/indicators", method: .put, headers: [.authorization: "Bearer \(world.admin)", .contentType: "text/csv"],
                                         body: ByteBuffer(string: indicator)) { #expect($0.status == .ok) }
            }
            // An editor's refused batch wrote nothing, not even its in-scope rows.
            let mixed = try await world.database.pool.scalar("SELECT value FROM observations WHERE area_code = 'binh-duc' AND indicator_code = 'thefts' AND month = '2026-10-01'", as: Numeric.self)
            #expect(mixed == Numeric(5), "written only by the Bình Đức editor")
        }
    }

    @Test func aBadBatchIsRefusedWholeWithEveryBadRow() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                let before = try await world.database.pool.scalar("SELECT count(*) FROM observations", as: Int.self)
                let rows: [[String: Any]] = [
                    ["area_code": "long-xuyen", "indicator_code": "thefts", "month": "2026-09", "value": 4],
                    ["area_code": "long-xuyen", "indicator_code": "thefts", "month": "2026/09", "value": 4],
                    ["area_code": "long-xuyen", "indicator_code": "admin_on_time_pct", "month": "2026-09", "value": 95],
                    ["area_code": "long-xuyen", "indicator_code": "thefts", "month": "2026-08", "value": -1],
                ]
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "application/json"],
                                         body: try jsonBody(rows)) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = try #require((try response.json() as? [String: Any])?["errors"] as? [[String: Any]])
                    #expect(errors.compactMap { $0["index"] as? Int } == [1, 2, 3])
                    #expect(errors.compactMap { $0["field"] as? String } == ["month", "indicator_code", "value"])
                }
                #expect(try await world.database.pool.scalar("SELECT count(*) FROM observations", as: Int.self) == before)
                // Missing fields and unknown keys are named too.
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "long-xuyen", "month": "2026-09", "value": 1, "colour": "red"]])) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = try #require((try response.json() as? [String: Any])?["errors"] as? [[String: Any]])
                    #expect(Set(errors.compactMap { $0["field"] as? String }) == ["colour", "indicator_code"])
                }
                // CSV bodies are told by line.
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "text/csv"],
                                         body: ByteBuffer(string: "area_code,indicator_code,month,value\nlong-xuyen,thefts,2026-09,x\n")) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = try #require((try response.json() as? [String: Any])?["errors"] as? [[String: Any]])
                    #expect(errors.first?["line"] as? Int == 2 && errors.first?["field"] as? String == "value")
                }
            }
        }
    }

    @Test func sizeAndTypeLimits() async throws {
        try await withWorld { world in
            try await world.app(.init(bodyLimit: 1000)).test(.router) { client in
                let big = ByteBuffer(string: "area_code,indicator_code,month,value\n" + String(repeating: "long-xuyen,thefts,2026-09,1\n", count: 100))
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "text/csv"], body: big) {
                    #expect($0.status == .contentTooLarge)
                }
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(world.admin)", .contentType: "application/xml"],
                                         body: ByteBuffer(string: "<x/>")) { #expect($0.status == .unsupportedMediaType) }
            }
        }
    }

    @Test func factsAsNDJSONAndTargetsThenFreshAggregates() async throws {
        try await withWorld { world in
            func value(_ area: String) async throws -> Int64? {
                try await world.database.pool.scalar("SELECT value FROM area_values WHERE area_code = \(area) AND indicator_code = 'thefts' AND month = '2026-10-01'", as: Numeric.self)?.int64Value
            }
            try await world.app().test(.router) { client in
                // Bình Đức reports thefts as facts; Long Xuyên as a month value, which facts do not override.
                for (area, token) in [("binh-duc", world.otherEditor), ("long-xuyen", world.editor)] {
                    let ndjson = """
                        {"area_code": "\(area)", "indicator_code": "thefts", "occurred_at": "2026-10-31T23:30:00+07:00"}
                        {"area_code": "\(area)", "indicator_code": "thefts", "occurred_at": "2026-10-31T23:30:00+07:00", "amount": 1}

                        """
                    try await client.execute(uri: "/api/v1/facts", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/x-ndjson"],
                                             body: ByteBuffer(string: ndjson)) { response in
                        #expect(response.status == .ok)
                        let answer = try response.json() as? [String: Any]
                        #expect(answer?["written"] as? Int == 2)
                    }
                }
            }
            let binhDuc = try await value("binh-duc"), longXuyen = try await value("long-xuyen")
            try await world.drain()
            #expect(try await value("binh-duc") == (binhDuc ?? 0) + 2, "two events in the same minute are two events")
            #expect(try await value("long-xuyen") == longXuyen, "a reported month value wins over facts")
            try await world.app().test(.router) { client in
                try await client.execute(uri: "/api/v1/targets", method: .put, headers: [.authorization: "Bearer \(world.editor)", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "long-xuyen", "indicator_code": "budget_revenue", "year": 2026, "target": 200_000_000_000]])) { response in
                    #expect(response.status == .ok)
                }
                try await world.drain()
                try await client.execute(uri: "/api/v1/areas/long-xuyen/report?month=2026-10", method: .get, headers: bearer(world.viewer)) { response in
                    let rows = try #require((try response.json() as? [String: Any])?["rows"] as? [[String: Any]])
                    let revenue = try #require(rows.first { $0["indicator"] as? String == "budget_revenue" })
                    #expect((revenue["target"] as? NSNumber)?.int64Value == 200_000_000_000)
                }
            }
        }
    }

    @Test func theOpenAPIDocumentDescribesTheRoutesAndFields() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                let document = try await client.execute(uri: "/openapi.yaml", method: .get) { $0.text }
                #expect(document.hasPrefix("openapi: 3.1.0"))
                for path in ["/healthz", "/readyz", "/metrics", "/api/v1/areas", "/api/v1/areas/{code}", "/api/v1/areas/{code}/party-cells",
                             "/api/v1/areas/{code}/report", "/api/v1/indicators", "/api/v1/compare", "/api/v1/series", "/api/v1/status",
                             "/api/v1/observations", "/api/v1/facts", "/api/v1/targets"] {
                    #expect(document.contains("\n  \(path):"), "\(path) is documented")
                }
                // The fields the server sends are the fields the document declares.
                let compare = try await client.execute(uri: "/api/v1/compare?indicator=thefts&month=2025-11&parent=an-giang", method: .get, headers: bearer(world.viewer)) {
                    try $0.json() as? [String: Any]
                }
                let row = try #require((compare?["rows"] as? [[String: Any]])?.first)
                let schema = try #require(document.range(of: "    CompareRow:")).upperBound
                let section = document[schema...].prefix(1200)
                for key in row.keys { #expect(section.contains("        \(key):"), "CompareRow.\(key) is declared") }
                let comparisonSection = document[try #require(document.range(of: "    Comparison:")).upperBound...].prefix(900)
                for key in (compare?.keys).map(Array.init) ?? [] { #expect(comparisonSection.contains("        \(key):"), "Comparison.\(key) is declared") }
                let series = try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=long-xuyen", method: .get, headers: bearer(world.viewer)) {
                    try $0.json() as? [String: Any]
                }
                let seriesRow = try #require((series?["rows"] as? [[String: Any]])?.first)
                let seriesSection = document[try #require(document.range(of: "    SeriesRow:")).upperBound...].prefix(1400)
                for key in seriesRow.keys { #expect(seriesSection.contains("        \(key):"), "SeriesRow.\(key) is declared") }
            }
        }
    }
}
