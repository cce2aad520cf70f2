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

/// The monthly review (DATA.md "Completeness and timeliness", "Closing a month"), on a small
/// hand-computed world: city c with wards w1 and w2, `new` (from April 2024) and `gone` (until
/// August 2024); city c2 with x1; all under province p.
@Suite(.serialized) struct ReviewTests {
    static let files: [String: String] = [
        "areas.csv": """
            code,name,kind,parent_code,valid_from,valid_to
            p,Tỉnh P,province,,2000-01-01,
            c,Thành phố C,city,p,2000-01-01,
            c2,Thành phố C2,city,p,2000-01-01,
            w1,Phường 1,ward,c,2000-01-01,
            w2,Phường 2,ward,c,2000-01-01,
            new,Phường Mới,ward,c,2024-04-01,
            gone,Phường Cũ,ward,c,2000-01-01,2024-08-31
            x1,Phường X1,ward,c2,2000-01-01,

            """,
        "indicators.csv": """
            code,name_vi,name_en,unit,kind,direction,category,numerator,denominator,cutoff_day,due_days,required,expected_from
            thefts,Trộm cắp,Thefts,cases,count,lower_is_better,order,,,,,true,
            recv,Hồ sơ nhận,Received,records,count,neutral,admin,,,15,5,true,
            ontime,Đúng hạn,On time,records,count,higher_is_better,admin,,,15,,false,
            pct,Tỷ lệ,Share,percent,ratio,higher_is_better,admin,ontime,recv,15,,true,

            """,
        // Around the deadlines: thefts 2024-03 is due before 2024-04-06 00:00 +07 (the period ends
        // 1 April, 5 days); recv 2024-03 (cut-off 15) before 2024-03-20 00:00 +07.
        "observations.csv": """
            area_code,indicator_code,month,value,reported_at
            w1,thefts,2024-03,3,2024-04-05T23:59:59+07:00
            w2,thefts,2024-03,4,2024-04-06T00:00:00+07:00
            gone,thefts,2024-03,1,2024-04-06T00:00:01+07:00
            w1,recv,2024-03,10,2024-03-19T23:59:59+07:00
            w2,recv,2024-03,20,2024-03-21T00:00:01+07:00
            w1,ontime,2024-03,9,2024-03-19T23:59:59+07:00
            w1,thefts,2024-04,2,2024-05-01T10:00:00+07:00
            new,thefts,2024-04,5,2024-05-02T10:00:00+07:00
            w1,thefts,2024-09,1,2024-10-02T10:00:00+07:00

            """,
    ]

    struct World {
        let database: Database
        let url: String
        let tokens: [String: String]
        func app() -> some ApplicationProtocol { Application(router: WardAPI(database: database, configuration: .init()).buildRouter()) }
        func drain() async throws {
            _ = try await AggregationWorker(database: database, listens: false, configuration: .init(rebuildAt: nil), logger: TestStore.logger).drain()
        }
    }

    func withReviewWorld(_ body: (World) async throws -> Void) async throws {
        try await TestStore.withDatabase { database, url in
            _ = try await Importer(database: database, acceptsArrivalTimes: true, logger: TestStore.logger).importDirectory(try TestStore.folder(Self.files))
            let repository = TokenRepository(database)
            var tokens = [String: String]()
            for (name, role, area) in [("w1", Role.editor, "w1"), ("w2", .editor, "w2"), ("c", .editor, "c"), ("c2", .editor, "c2"),
                                       ("p", .editor, "p"), ("admin", .admin, nil), ("viewer", .viewer, nil)] as [(String, Role, String?)] {
                tokens[name] = try await repository.create(name: name, role: role, area: area).token
            }
            let world = World(database: database, url: url, tokens: tokens)
            try await world.drain()
            try await body(world)
        }
    }

    func get(_ client: some TestClientProtocol, _ uri: String, _ token: String) async throws -> [String: Any] {
        try await client.execute(uri: uri, method: .get, headers: bearer(token)) { response in
            #expect(response.status == .ok, "\(uri): \(response.text)")
            return try #require(try response.json() as? [String: Any])
        }
    }

    func counts(_ row: [String: Any]?) -> [Int] {
        ["expected", "reported", "on_time", "late", "missing", "pending", "revised_after_deadline"].map { row?[$0] as? Int ?? -1 }
    }

    @Test func statusesAroundTheDeadlineAndRatesThatNeverPass100() async throws {
        try await withReviewWorld { world in
            try await world.app().test(.router) { client in
                let viewer = world.tokens["viewer"] ?? ""
                // One second before the deadline: on time; at it: late by one day; a second after: late by one day.
                let report = try await get(client, "/api/v1/areas/w1/report?month=2024-03", viewer)
                let rows = try #require(report["rows"] as? [[String: Any]])
                let thefts = try #require(rows.first { $0["indicator"] as? String == "thefts" })
                #expect(thefts["status"] as? String == "on_time" && thefts["days_late"] is NSNull)
                #expect(thefts["arrived_at"] as? String == "2024-04-05T23:59:59+07:00")
                #expect(thefts["deadline"] as? String == "2024-04-06T00:00:00+07:00")
                #expect(rows.first { $0["indicator"] as? String == "pct" }?["status"] is NSNull, "a ratio is never expected")
                #expect(rows.first { $0["indicator"] as? String == "ontime" }?["status"] is NSNull, "an indicator that is not required")
                let w2 = try #require((try await get(client, "/api/v1/areas/w2/report?month=2024-03", viewer)["rows"] as? [[String: Any]]))
                #expect(w2.first { $0["indicator"] as? String == "thefts" }?["status"] as? String == "late")
                #expect(w2.first { $0["indicator"] as? String == "thefts" }?["days_late"] as? Int == 1)
                // Cut-off 15, due 5 days: report 2024-03 is due before 20 March; a day and a second late is 2 days late.
                #expect(w2.first { $0["indicator"] as? String == "recv" }?["deadline"] as? String == "2024-03-20T00:00:00+07:00")
                #expect(w2.first { $0["indicator"] as? String == "recv" }?["days_late"] as? Int == 2)
                let gone = try #require((try await get(client, "/api/v1/areas/gone/report?month=2024-03", viewer)["rows"] as? [[String: Any]]))
                #expect(gone.first { $0["indicator"] as? String == "thefts" }?["days_late"] as? Int == 1)

                // March: c expects thefts and recv of w1, w2 and gone (new exists from April).
                let march = try await get(client, "/api/v1/completeness?month=2024-03&parent=c", viewer)
                #expect(counts(march["total"] as? [String: Any]) == [6, 5, 2, 3, 1, 0, 0], "gone never sent recv")
                let marchRows = try #require(march["rows"] as? [[String: Any]])
                #expect(marchRows.map { $0["area"] as? String } == ["w1", "w2", "gone"], "Vietnamese order of names; new did not exist yet")
                #expect(counts(marchRows.first { $0["area"] as? String == "gone" }) == [2, 1, 0, 1, 1, 0, 0])
                #expect((march["total"] as? [String: Any])?["completeness_pct"] as? Double == 83.33)
                // April: new counts, gone still does; September: gone no longer expected.
                let april = try await get(client, "/api/v1/completeness?month=2024-04&parent=c&indicator=thefts", viewer)
                #expect(counts(april["total"] as? [String: Any]) == [4, 2, 2, 0, 2, 0, 0])
                let september = try await get(client, "/api/v1/completeness?month=2024-09&parent=c&indicator=thefts", viewer)
                #expect(counts(september["total"] as? [String: Any]) == [3, 1, 1, 0, 2, 0, 0])
                // Rates never pass 100 %, per indicator too; the province counts every leaf below it.
                let byIndicator = try await get(client, "/api/v1/completeness?month=2024-04&parent=p&by=indicator", viewer)
                for row in try #require(byIndicator["rows"] as? [[String: Any]]) {
                    #expect((row["completeness_pct"] as? Double ?? 0) <= 100 && (row["timeliness_pct"] as? Double ?? 0) <= 100)
                }
                #expect(counts(byIndicator["total"] as? [String: Any]).first == 10, "five leaves in April, thefts and recv")
                // /compare's total carries the same counts for its indicator; its reporting/expected stay direct children.
                let compare = try await get(client, "/api/v1/compare?indicator=thefts&month=2024-04&parent=c", viewer)
                let total = try #require(compare["total"] as? [String: Any])
                #expect(counts(total["completeness"] as? [String: Any]) == [4, 2, 2, 0, 2, 0, 0])
                // CSV too.
                try await client.execute(uri: "/api/v1/completeness?month=2024-03&parent=c&format=csv", method: .get, headers: bearer(viewer)) { response in
                    #expect(response.text.hasPrefix("area,name,expected,reported,on_time,late,missing,pending,revised_after_deadline,completeness_pct,timeliness_pct\n"))
                }
            }
        }
    }

    @Test func theClockTurnsPendingIntoMissingWithoutAnyWrite() async throws {
        try await withReviewWorld { world in
            // thefts 2024-05 was reported by nobody; its deadline is 2024-06-06 00:00 +07.
            func missingAndPending(at instant: String) async throws -> [Int] {
                let name = try #require(URLComponents(string: world.url)?.path.dropFirst())
                try await world.database.pool.withConnection { try await $0.execute(unsafeSQL: "ALTER DATABASE \(name) SET wardboard.now = '\(instant)'") }
                let reader = TestStore.database(world.url, max: 1)
                let answer = try await ReviewRepository(reader).completeness(month: try #require(Month("2024-05")), parent: "c", indicator: "thefts", byIndicator: false)
                await reader.close()
                return [answer.total.counts.missing, answer.total.counts.pending]
            }
            let before = try await missingAndPending(at: "2024-06-05T23:59:59+07:00")
            let at = try await missingAndPending(at: "2024-06-06T00:00:00+07:00")
            let after = try await missingAndPending(at: "2024-06-07T00:00:00+07:00")
            #expect(before == [0, 4] && at == [4, 0] && after == [4, 0])
        }
    }

    @Test func aMonthThatBeginsIsCountedByTheNextPassOfTheWorker() async throws {
        try await withReviewWorld { world in
            // As on the last day of the month before: the current month is not counted yet.
            let current: Query = "SELECT concat_ws('|', indicator_code, area_code, month, expected, reported) FROM review_counts WHERE month = (SELECT max(month) FROM review_counts) ORDER BY 1"
            let counted = try await world.database.pool.query(current).map { try $0.decode(0, as: String.self) }
            #expect(counted.count == 14, "thefts and recv in each of p, c, c2, w1, w2, new and x1, but not ontime (not required) and pct (a ratio): \(counted)")
            try await world.database.pool.execute("DELETE FROM review_counts WHERE month = (SELECT max(month) FROM review_counts)")
            try await world.database.pool.execute("UPDATE review_extent SET last_month = (SELECT max(month) FROM review_counts)")
            let pass = try await AggregationWorker(database: world.database, listens: false, configuration: .init(rebuildAt: nil), logger: TestStore.logger).drain()
            #expect(pass.reviewRows == 14 && !pass.rebuilt)
            #expect(try await world.database.pool.query(current).map { try $0.decode(0, as: String.self) } == counted)
            #expect(try await AggregationWorker(database: world.database, listens: false, configuration: .init(rebuildAt: nil), logger: TestStore.logger).drain().reviewRows == 0,
                    "the next pass finds it done")
        }
    }

    @Test func correctionsAfterTheDeadlineAreRevisionsAndFactsArriveWhenLoaded() async throws {
        try await withReviewWorld { world in
            try await world.app().test(.router) { client in
                let w1 = world.tokens["w1"] ?? ""
                let arrival = try await world.database.pool.scalar("SELECT arrived_at::text FROM key_arrivals WHERE area_code = 'w1' AND indicator_code = 'thefts' AND month = '2024-03-01'", as: String.self)
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(w1)", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "w1", "indicator_code": "thefts", "month": "2024-03", "value": 4]])) { #expect($0.status == .ok) }
                // The API refuses arrival times: writes arrive when they are made.
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(w1)", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "w1", "indicator_code": "thefts", "month": "2024-06", "value": 4, "reported_at": "2024-07-01T00:00:00+07:00"]])) { response in
                    #expect(response.status == .unprocessableContent)
                    let errors = (try response.json() as? [String: Any])?["errors"] as? [[String: Any]]
                    #expect(errors?.first?["field"] as? String == "reported_at")
                }
                // A key fed by facts only arrives when its batch is loaded (now: years late).
                try await client.execute(uri: "/api/v1/facts", method: .post, headers: [.authorization: "Bearer \(w1)", .contentType: "application/x-ndjson"],
                                         body: ByteBuffer(string: "{\"area_code\": \"w1\", \"indicator_code\": \"thefts\", \"occurred_at\": \"2024-06-03T10:00:00+07:00\"}\n")) {
                    #expect($0.status == .ok)
                }
                try await world.drain()
                #expect(try await world.database.pool.scalar("SELECT arrived_at::text FROM key_arrivals WHERE area_code = 'w1' AND indicator_code = 'thefts' AND month = '2024-03-01'", as: String.self) == arrival,
                        "a correction never moves the arrival")
                let march = try await get(client, "/api/v1/completeness?month=2024-03&parent=c&indicator=thefts", world.tokens["viewer"] ?? "")
                #expect(counts(march["total"] as? [String: Any]) == [3, 3, 1, 2, 0, 0, 1], "one revision after the deadline")
                let june = try #require((try await get(client, "/api/v1/areas/w1/report?month=2024-06", world.tokens["viewer"] ?? "")["rows"] as? [[String: Any]]))
                let thefts = try #require(june.first { $0["indicator"] as? String == "thefts" })
                #expect(thefts["status"] as? String == "late" && (thefts["days_late"] as? Int ?? 0) > 365)
            }
        }
    }

    @Test func closingAMonthFollowsTheRights() async throws {
        try await withReviewWorld { world in
            let t = world.tokens
            try await world.app().test(.router) { client in
                func act(_ action: String, _ area: String, _ token: String?, reason: String? = nil, month: String = "2024-03") async throws -> (HTTPResponse.Status, [String: Any]) {
                    var body: [String: Any] = ["area": area]
                    if let reason { body["reason"] = reason }
                    return try await client.execute(uri: "/api/v1/months/\(month)/\(action)", method: .post,
                                                    headers: [.authorization: "Bearer \(token ?? "")", .contentType: "application/json"], body: try jsonBody(body)) {
                        ($0.status, (try? $0.json() as? [String: Any]) ?? [:])
                    }
                }
                // Submit: the ward's own editor (or an admin); not a sibling, not a viewer, not the city.
                #expect(try await act("submit", "w1", t["w2"]).0 == .forbidden)
                #expect(try await act("submit", "w1", t["viewer"]).0 == .forbidden)
                #expect(try await act("submit", "w1", t["c"]).0 == .forbidden)
                let submitted = try await act("submit", "w1", t["w1"])
                #expect(submitted.0 == .ok && submitted.1["state"] as? String == "submitted")
                #expect(try await act("submit", "w1", t["w1"]).0 == .conflict, "submitted already")
                // Approve: an editor of an area above; never the ward itself, a sibling or another city.
                #expect(try await act("approve", "w1", t["w1"]).0 == .forbidden)
                #expect(try await act("approve", "w1", t["w2"]).0 == .forbidden)
                #expect(try await act("approve", "w1", t["c2"]).0 == .forbidden)
                // The admin submits w2, then cannot approve its own submission; the city approves what it may.
                #expect(try await act("submit", "w2", t["admin"]).0 == .ok)
                let byAdmin = try await act("approve", "c", t["admin"])
                #expect(byAdmin.0 == .ok && byAdmin.1["approved"] as? [String] == ["w1"] && byAdmin.1["submitted_by_you"] as? [String] == ["w2"])
                #expect(byAdmin.1["not_submitted"] as? [String] == ["gone"])
                let byCity = try await act("approve", "c", t["c"])
                #expect(byCity.0 == .ok && byCity.1["approved"] as? [String] == ["w2"] && byCity.1["approved_already"] as? [String] == ["w1"])
                // The states, with who and when.
                let states = try await get(client, "/api/v1/months/2024-03?parent=c", t["viewer"] ?? "")
                let rows = try #require(states["rows"] as? [[String: Any]])
                #expect(rows.first { $0["area"] as? String == "w1" }?["state"] as? String == "approved")
                #expect((rows.first { $0["area"] as? String == "w1" }?["approved_by"] as? String)?.hasSuffix(":admin") == true)
                #expect(rows.first { $0["area"] as? String == "w1" }?["closed"] as? Bool == true)
                #expect(rows.first { $0["area"] as? String == "gone" }?["state"] as? String == "open")

                // Writes into an approved month are refused: API 409 naming area and month…
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(t["w1"] ?? "")", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "w1", "indicator_code": "thefts", "month": "2024-03", "value": 8]])) { response in
                    #expect(response.status == .conflict)
                    let error = try #require(((try response.json() as? [String: Any])?["errors"] as? [[String: Any]])?.first)
                    #expect((error["message"] as? String)?.contains("the month 2024-03 of 'w1' is closed") == true)
                }
                // …an import file is refused whole, naming the line…
                let file = "area_code,indicator_code,month,value\nw2,thefts,2024-04,1\nw1,thefts,2024-03,9\n"
                let refused = await #expect(throws: ImportError.self) {
                    _ = try await Importer(database: world.database, logger: TestStore.logger).importFile(try TestStore.folder(["observations.csv": file]).appendingPathComponent("observations.csv"))
                }
                #expect(refused?.closedMonths == true && refused?.description.contains("observations.csv:3: month: the month 2024-03 of 'w1' is closed") == true)
                #expect(try await world.database.pool.scalar("SELECT count(*) FROM observations WHERE area_code = 'w2' AND month = '2024-04-01'", as: Int.self) == 0)
                // …and the database refuses any other path.
                let direct = await #expect(throws: PQError.self) { try await world.database.pool.execute("DELETE FROM observations WHERE area_code = 'w1' AND month = '2024-03-01'") }
                #expect(direct?.sqlState?.rawValue == "WB409")
                // An admin writes with a reason; the editor may not give one.
                try await client.execute(uri: "/api/v1/observations", method: .post,
                                         headers: [.authorization: "Bearer \(t["w1"] ?? "")", .contentType: "application/json", HTTPField.Name("X-Wardboard-Reason")!: "typo"],
                                         body: try jsonBody([["area_code": "w1", "indicator_code": "thefts", "month": "2024-03", "value": 8]])) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/api/v1/observations", method: .post,
                                         headers: [.authorization: "Bearer \(t["admin"] ?? "")", .contentType: "application/json", HTTPField.Name("X-Wardboard-Reason")!: "ward corrected a typo at the meeting"],
                                         body: try jsonBody([["area_code": "w1", "indicator_code": "thefts", "month": "2024-03", "value": 8]])) { #expect($0.status == .ok) }
                // Reopen: whoever may approve, with a reason.
                #expect(try await act("reopen", "w1", t["w1"], reason: "mine").0 == .forbidden)
                #expect(try await act("reopen", "w1", t["p"]).0 == .unprocessableContent, "a reopening needs a reason")
                #expect(try await act("reopen", "w1", t["p"], reason: "new figures from the police").1["state"] as? String == "open")
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer \(t["w1"] ?? "")", .contentType: "application/json"],
                                         body: try jsonBody([["area_code": "w1", "indicator_code": "thefts", "month": "2024-03", "value": 7]])) { #expect($0.status == .ok) }
                // The audit history, for admins only.
                try await client.execute(uri: "/api/v1/audit?area=w1&month=2024-03", method: .get, headers: bearer(t["c"] ?? "")) { #expect($0.status == .forbidden) }
                let audit = try await client.execute(uri: "/api/v1/audit?area=w1&month=2024-03", method: .get, headers: bearer(t["admin"] ?? "")) {
                    try #require(try $0.json() as? [[String: Any]])
                }
                #expect(audit.map { $0["action"] as? String } == ["reopen", "write", "approve", "submit"])
                #expect(audit.first { $0["action"] as? String == "write" }?["reason"] as? String == "ward corrected a typo at the meeting")
                #expect(audit.first?["reason"] as? String == "new figures from the police")
            }
        }
    }

    @Test func monthsLockByAgeAndAReopenRestartsTheCount() async throws {
        try await withReviewWorld { world in
            try await SettingsRepository(world.database).set("lock_after_days", to: "30")
            // Every month of 2024 is long past its deadline plus 30 days: locked.
            let locked = await #expect(throws: StoreError.self) {
                try await ObservationRepository(world.database).upsert(Observation(areaCode: "w2", indicatorCode: "thefts", month: try #require(Month("2024-09")), value: "2"), by: "test")
            }
            #expect(locked?.code == .conflict)
            let admin = try await TokenRepository(world.database).create(name: "admin2", role: .admin, area: nil).info
            _ = try await ReviewRepository(world.database).reopen(area: "w2", month: try #require(Month("2024-09")), reason: "late police report", by: admin)
            try await ObservationRepository(world.database).upsert(Observation(areaCode: "w2", indicatorCode: "thefts", month: try #require(Month("2024-09")), value: "2"), by: "test")
            let bad = await #expect(throws: StoreError.self) { try await SettingsRepository(world.database).set("lock_after_days", to: "never") }
            #expect(bad?.message.contains("lock_after_days") == true)
        }
    }
}
