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
import WardWorker

/// Data quality (DATA.md "Data quality: rules and outliers") on a small hand-computed world:
/// city c with wards w1–w4. Rule `on_time_within_received` (error): ontime <= recv; rule
/// `four_sessions` (warning): sessions >= 4.
@Suite(.serialized) struct QualityTests {
    static let files: [String: String] = [
        "areas.csv": """
            code,name,kind,parent_code,valid_from,valid_to
            c,Thành phố C,city,,2000-01-01,
            w1,Phường 1,ward,c,2000-01-01,
            w2,Phường 2,ward,c,2000-01-01,
            w3,Phường 3,ward,c,2000-01-01,
            w4,Phường 4,ward,c,2000-01-01,

            """,
        "indicators.csv": """
            code,name_vi,name_en,unit,kind,direction,category,numerator,denominator,cutoff_day
            thefts,Trộm cắp,Thefts,cases,count,lower_is_better,order,,,
            recv,Hồ sơ nhận,Received,records,count,neutral,admin,,,
            ontime,Đúng hạn,On time,records,count,higher_is_better,admin,,,
            pct,Tỷ lệ,Share,percent,ratio,higher_is_better,admin,ontime,recv,
            sessions,Tiếp công dân,Sessions,sessions,count,neutral,citizens,,,

            """,
        "rules.csv": """
            code,left,operator,right,severity,message_vi
            on_time_within_received,ontime,<=,recv,error,Hồ sơ đúng hạn không vượt quá hồ sơ nhận
            four_sessions,sessions,>=,4,warning,Ít nhất 4 buổi tiếp công dân

            """,
    ]

    /// w1: thefts alternating 4 and 6 over the 24 months of 2023 and 2024, then 40 in January
    /// 2025: median 5, MAD 1, score 0.6745 × 35 = 23.61. w2: nine months (April–December 2024)
    /// 2, 3, 3, 4, 5, 5, 6, 8, 9, then 12: median 5, MAD 2, score 0.6745 × 7 ÷ 2 = 2.36. w3: seven
    /// months, too few. w4: ten months of 5, MAD 0.
    static var thefts: String {
        var lines = ["area_code,indicator_code,month,value"]
        for index in 0..<24 { lines.append("w1,thefts,\(Month(index: 2023 * 12 + index)),\(index % 2 == 0 ? 4 : 6)") }
        lines.append("w1,thefts,2025-01,40")
        for (value, month) in zip([2, 3, 3, 4, 5, 5, 6, 8, 9], 4...12) { lines.append("w2,thefts,2024-\(month < 10 ? "0" : "")\(month),\(value)") }
        lines.append("w2,thefts,2025-01,12")
        for month in 6...12 { lines.append("w3,thefts,2024-\(month < 10 ? "0" : "")\(month),3") }
        lines.append("w3,thefts,2025-01,30")
        for month in 3...12 { lines.append("w4,thefts,2024-\(month < 10 ? "0" : "")\(month),5") }
        lines.append("w4,thefts,2025-01,6")
        return lines.joined(separator: "\n") + "\n"
    }

    struct World {
        let database: Database
        let url: String
        let admin: String
        let editor: String
        func app() -> some ApplicationProtocol { Application(router: WardAPI(database: database, configuration: .init()).buildRouter()) }
        func worker() -> AggregationWorker { AggregationWorker(database: database, listens: false, configuration: .init(rebuildAt: nil), logger: TestStore.logger) }
        func score(_ area: String, _ month: String) async throws -> String? {
            try await database.pool.scalar("""
                SELECT concat_ws('|', median, mad, score) FROM outlier_scores WHERE indicator_code = 'thefts' AND area_code = \(area) AND month = to_date(\(month), 'YYYY-MM')
                """, as: String.self)
        }
    }

    func withWorld(_ body: (World) async throws -> Void) async throws {
        try await TestStore.withDatabase { database, url in
            var files = Self.files
            files["observations.csv"] = Self.thefts
            _ = try await TestStore.importer(database).importDirectory(try TestStore.folder(files))
            let tokens = TokenRepository(database)
            let world = World(database: database, url: url, admin: try await tokens.create(name: "admin", role: .admin, area: nil).token,
                              editor: try await tokens.create(name: "c", role: .editor, area: "c").token)
            _ = try await world.worker().drain()
            try await body(world)
        }
    }

    func post(_ client: some TestClientProtocol, _ token: String, _ rows: [[String: Any]]) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/api/v1/observations", method: .post,
                                 headers: [.authorization: "Bearer \(token)", .contentType: "application/json"], body: try jsonBody(rows)) {
            ($0.status, (try? $0.json() as? [String: Any]) ?? [:])
        }
    }

    @Test func operatorsAndMissingSides() async throws {
        try await TestStore.withDatabase { database, _ in
            let holds = try await database.pool.query("""
                SELECT op, wb_rule_holds(1, op, 2), wb_rule_holds(2, op, 2), wb_rule_holds(3, op, 2)
                FROM unnest(ARRAY['<=', '<', '>=', '>', '==', '!=']) op
                """).map { try $0.decode((String, Bool, Bool, Bool).self) }
            #expect(holds.map { "\($0.0) \($0.1) \($0.2) \($0.3)" } == [
                "<= true true false", "< true false false", ">= false true true", "> false false true", "== false true false", "!= true false true",
            ])
        }
        try await withWorld { world in
            try await world.app().test(.router) { client in
                // recv is missing in March: the rule is skipped, the write accepted.
                let skipped = try await post(client, world.editor, [["area_code": "w1", "indicator_code": "ontime", "month": "2025-03", "value": 80]])
                #expect(skipped.0 == .ok && (skipped.1["warnings"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func anErrorRuleRefusesTheWriteAndTheSameRequestMayFixIt() async throws {
        try await withWorld { world in
            try await world.app().test(.router) { client in
                let refused = try await post(client, world.editor, [
                    ["area_code": "w1", "indicator_code": "recv", "month": "2025-02", "value": 10],
                    ["area_code": "w1", "indicator_code": "ontime", "month": "2025-02", "value": 12],
                ])
                #expect(refused.0 == .unprocessableContent)
                let error = try #require((refused.1["errors"] as? [[String: Any]])?.first)
                #expect(error["index"] as? Int == 0 && error["field"] as? String == "value")
                #expect((error["message"] as? String)?.contains("breaks rule on_time_within_received") == true)
                #expect((error["message"] as? String)?.contains("ontime 12 <= recv 10") == true)
                #expect(try await world.database.pool.scalar("SELECT count(*) FROM observations WHERE month = '2025-02-01'", as: Int.self) == 0,
                        "nothing was written")
                // The same request raising recv passes; then lowering recv alone is refused.
                let fixed = try await post(client, world.editor, [
                    ["area_code": "w1", "indicator_code": "recv", "month": "2025-02", "value": 15],
                    ["area_code": "w1", "indicator_code": "ontime", "month": "2025-02", "value": 12],
                ])
                #expect(fixed.0 == .ok)
                #expect(try await post(client, world.editor, [["area_code": "w1", "indicator_code": "recv", "month": "2025-02", "value": 11]]).0 == .unprocessableContent)
                // A warning never blocks; the answer lists it.
                let warned = try await post(client, world.editor, [["area_code": "w2", "indicator_code": "sessions", "month": "2025-02", "value": 2]])
                #expect(warned.0 == .ok)
                let warning = try #require((warned.1["warnings"] as? [[String: Any]])?.first)
                #expect((warning["message"] as? String)?.contains("breaks rule four_sessions") == true && warning["index"] as? Int == 0)
            }
            // An import file is refused whole, naming the line.
            let file = "area_code,indicator_code,month,value\nw3,recv,2025-02,5\nw3,ontime,2025-02,9\n"
            let refused = await #expect(throws: ImportError.self) {
                _ = try await TestStore.importer(world.database).importFile(try TestStore.folder(["observations.csv": file]).appendingPathComponent("observations.csv"))
            }
            #expect(refused?.description.contains("observations.csv:2: value: breaks rule on_time_within_received") == true)
            // Any other path is checked when its transaction commits: a later statement may fix it.
            let direct = await #expect(throws: PQError.self) {
                try await world.database.pool.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('w4', 'recv', '2025-02-01', 5), ('w4', 'ontime', '2025-02-01', 7)")
            }
            #expect(direct?.sqlState?.rawValue == "23514")
            try await world.database.pool.withTransaction { db in
                try await db.execute("INSERT INTO observations (area_code, indicator_code, month, value) VALUES ('w4', 'recv', '2025-02-01', 5), ('w4', 'ontime', '2025-02-01', 7)")
                try await db.execute("UPDATE observations SET value = 8 WHERE area_code = 'w4' AND indicator_code = 'recv' AND month = '2025-02-01'")
            }
            #expect(try await world.database.pool.scalar("SELECT count(*) FROM rule_check_requests", as: Int.self) == 0)
        }
    }

    @Test func badRulesAreRefusedByLine() async throws {
        try await withWorld { world in
            let file = """
                code,left,operator,right,severity,message_vi
                a,nothing,<=,recv,error,x
                b,ontime,=>,recv,error,x
                c,pct,<=,100,warning,x
                d,1,<,2,warning,x
                four_sessions,sessions,>=,5,warning,y
                four_sessions,sessions,>=,3,warning,y

                """
            let refused = await #expect(throws: ImportError.self) {
                _ = try await TestStore.importer(world.database).importFile(try TestStore.folder(["rules.csv": file]).appendingPathComponent("rules.csv"))
            }
            let text = refused?.description ?? ""
            for expected in ["rules.csv:3: operator: '=>' is not one of", "rules.csv:5: right: one side of a rule must be an indicator",
                             "rules.csv:2: left: unknown indicator 'nothing'", "rules.csv:4: left: 'pct' is a ratio",
                             "rules.csv:7: code: rule 'four_sessions' is also on line 6"] {
                #expect(text.contains(expected), "\(expected) in \(text)")
            }
            let rules = try await world.database.pool.scalar("SELECT count(*) FROM rules", as: Int.self)
            #expect(rules == 2, "nothing was written")
        }
    }

    @Test func scoresAgainstHandComputedMediansAndMADs() async throws {
        try await withWorld { world in
            #expect(try await world.score("w1", "2025-01") == "5|1|23.61", "even window of 24: median 5, MAD 1")
            #expect(try await world.score("w2", "2025-01") == "5|2|2.36", "odd window of 9: median 5, MAD 2")
            #expect(try await world.score("w3", "2025-01") == nil, "7 values are too few")
            #expect(try await world.score("w4", "2025-01") == nil, "MAD 0 gives no score")
            #expect(try await world.score("w1", "2023-06") == nil, "5 earlier values")

            try await world.app().test(.router) { client in
                let quality = try await client.execute(uri: "/api/v1/quality?month=2025-01&parent=c", method: .get, headers: bearer(world.admin)) {
                    #expect($0.status == .ok)
                    return try #require(try $0.json() as? [String: Any])
                }
                let rows = try #require(quality["rows"] as? [[String: Any]])
                #expect(rows.count == 1)
                #expect(rows.first?["area"] as? String == "w1" && rows.first?["check"] as? String == "outlier" && rows.first?["score"] as? Double == 23.61)
                #expect(rows.first?["median"] as? Int == 5 && rows.first?["mad"] as? Int == 1)
                let compare = try await client.execute(uri: "/api/v1/compare?indicator=thefts&month=2025-01&parent=c", method: .get, headers: bearer(world.admin)) {
                    try #require(try $0.json() as? [String: Any])
                }
                let compared = try #require(compare["rows"] as? [[String: Any]])
                #expect(compared.first { $0["area"] as? String == "w1" }?["outlier"] as? Bool == true)
                #expect(compared.first { $0["area"] as? String == "w2" }?["outlier"] as? Bool == false)
                #expect(compared.first { $0["area"] as? String == "w3" }?["outlier"] is NSNull)
                let series = try await client.execute(uri: "/api/v1/series?indicator=thefts&areas=w1&from=2024-12&to=2025-01", method: .get, headers: bearer(world.admin)) {
                    try #require(try $0.json() as? [String: Any])
                }
                #expect((series["rows"] as? [[String: Any]])?.last?["outlier_score"] as? Double == 23.61)
            }

            // A value inside the window of a later month rescores it: one 6 of 2024 made a 4 leaves
            // thirteen 4s and eleven 6s, median 4, MAD 0: no score any more.
            try await ObservationRepository(world.database).upsert(Observation(areaCode: "w1", indicatorCode: "thefts", month: try #require(Month("2024-06")), value: "4"), by: "test")
            #expect(try await world.worker().drain().rebuilt == false)
            #expect(try await world.score("w1", "2025-01") == nil)
            let incremental = try await world.database.aggregateSnapshot()
            _ = try await world.worker().rebuild(from: nil, reason: "test")
            #expect(firstDifference(incremental, try await world.database.aggregateSnapshot()) == nil)
        }
    }

    @Test func theDemoShowsItsPlantedOutlierAndWarnings() async throws {
        try await TestStore.withDatabase { database, _ in
            _ = try await TestStore.importer(database).importDirectory(TestStore.demoFolder)
            _ = try await AggregationWorker(database: database, listens: false, configuration: .init(rebuildAt: nil), logger: TestStore.logger).drain()
            let quality = try await QualityRepository(database).quality(month: try #require(Month("2026-10")), parent: "an-giang", indicator: nil)
            #expect(quality.rows.contains { $0.check == .outlier && $0.area == DemoAreas.theftSurge && $0.indicator == "thefts" })
            #expect(try await database.pool.scalar("SELECT count(*) FROM rules", as: Int.self) == DemoRules.all.count)
            let warnings = try await database.pool.scalar("""
                SELECT count(*) FROM observations WHERE indicator_code = 'citizen_receptions' AND value < 4
                """, as: Int.self) ?? 0
            #expect(warnings > 0, "the generator plants a few sessions below 4")
            #expect(!quality.rows.contains { $0.severity == "error" }, "the demo breaks no error rule")
        }
    }
}
