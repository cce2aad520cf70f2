import WardTestSupport
import Foundation
import Logging
import PQ
import Testing
import WardCore
@_spi(Testing) import WardStore
@testable import WardWorker

func worker(_ database: Database, batch: Int = 5000, name: String = "test") -> AggregationWorker {
    AggregationWorker(database: database, listens: false, configuration: .init(batchSize: batch, rebuildAt: nil, name: name), logger: TestStore.logger)
}

@Suite struct AggregationTests {
    func rebuilt(_ body: (Database) async throws -> Void) async throws {
        try await TestStore.withDatabase { database, _ in
            try await Fixture.load(database)
            _ = try await worker(database).rebuild(from: nil, reason: "test")
            try await body(database)
        }
    }

    @Test func countsChangeRankTiesShareAndWorsened() async throws {
        try await rebuilt { db in
            let w1 = try #require(try await db.aggregate("thefts", "w1", "2024-03"))
            #expect(w1.value == 2 && w1.previous == 4 && w1.change == -2 && w1.changePct == Numeric("-50.00"))
            #expect(w1.ytd == 7 && w1.rank == 1 && w1.sharePct == Numeric("12.50") && !w1.worsened)
            let w2 = try #require(try await db.aggregate("thefts", "w2", "2024-03"))
            #expect(w2.previous == nil && w2.change == nil && w2.changePct == nil, "a missing month is null, never 0")
            #expect(w2.ytd == 5 && w2.rank == 2)
            #expect(try await db.aggregate("thefts", "w3", "2024-03")?.rank == 2)
            let w4 = try #require(try await db.aggregate("thefts", "w4", "2024-03"))
            #expect(w4.rank == 4 && w4.change == 2 && w4.changePct == Numeric("33.33") && w4.worsened)
            #expect(try await db.aggregate("thefts", "w2", "2024-02") == nil, "no row for a month without a value")
            let city = try #require(try await db.aggregate("thefts", "c", "2024-03"))
            #expect(city.value == 16 && city.previous == 13 && city.reporting == 4 && city.expected == 5)
            #expect(try await db.aggregate("thefts", "p", "2024-03")?.value == 16)
        }
    }

    @Test func expectedFollowsWardsCreatedAndDissolved() async throws {
        try await rebuilt { db in
            let april = try #require(try await db.aggregate("thefts", "c", "2024-04"))
            #expect(april.value == 3 && april.expected == 6 && april.reporting == 2, "w5 counts from April")
            let august = try #require(try await db.aggregate("thefts", "c", "2024-08"))
            #expect(august.expected == 6 && august.reporting == 1)
            let september = try #require(try await db.aggregate("thefts", "c", "2024-09"))
            #expect(september.expected == 5 && september.reporting == 2, "w6 is gone in September")
        }
    }

    /// A ward's first report of 0 leaves its parent's sum where it was and moves its reporting;
    /// taking it back moves it again (the counts are part of the parent's value row).
    @Test func aZeroReportMovesReportingButNotTheSum() async throws {
        try await rebuilt { db in
            let march = try #require(Month("2024-03"))
            try await ObservationRepository(db).upsert(Observation(areaCode: "w6", indicatorCode: "thefts", month: march, value: "0"), by: "test")
            _ = try await worker(db).drain()
            let city = try #require(try await db.aggregate("thefts", "c", "2024-03"))
            #expect(city.value == 16 && city.reporting == 5 && city.expected == 5)
            #expect(try await db.aggregate("thefts", "w6", "2024-03")?.rank == 1, "0 cases: the best")
            #expect(try await db.aggregate("thefts", "w1", "2024-03")?.rank == 2, "its siblings' ranks move")
            try await db.pool.execute("DELETE FROM observations WHERE area_code = 'w6' AND indicator_code = 'thefts' AND month = '2024-03-01'")
            _ = try await worker(db).drain()
            let after = try #require(try await db.aggregate("thefts", "c", "2024-03"))
            #expect(after.value == 16 && after.reporting == 4 && after.expected == 5)
            #expect(try await db.aggregate("thefts", "w1", "2024-03")?.rank == 1)
        }
    }

    @Test func neutralIndicatorsHaveNoRank() async throws {
        try await rebuilt { db in
            let w1 = try #require(try await db.aggregate("sessions", "w1", "2024-03"))
            #expect(w1.rank == nil && w1.sharePct == Numeric("40.00") && !w1.worsened)
        }
    }

    @Test func ratiosAreRatiosOfSumsNotAveragesOfPercentages() async throws {
        try await rebuilt { db in
            #expect(try await db.aggregate("ontime_pct", "w1", "2024-03")?.value == 90)
            #expect(try await db.aggregate("ontime_pct", "w2", "2024-03")?.value == 50)
            let city = try #require(try await db.aggregate("ontime_pct", "c", "2024-03"))
            // (9 + 45) / (10 + 90) = 54 %, where the mean of 90 % and 50 % would be 70 %;
            // w3 received 50 records but reported no on-time figure, so it is left out.
            #expect(city.value == 54)
            #expect(city.sharePct == nil)
            #expect(try await db.aggregate("ontime_pct", "w3", "2024-03") == nil)
        }
    }

    @Test func amountsStocksYearToDateAndTargets() async throws {
        try await rebuilt { db in
            let revenue = try #require(try await db.aggregate("revenue", "w1", "2024-03"))
            #expect(revenue.ytd == 600 && revenue.target == 1200 && revenue.targetPct == Numeric("50.00"))
            let members = try #require(try await db.aggregate("members", "w1", "2024-04"))
            #expect(members.ytd == 120, "a stock's YTD is its latest value, not a sum")
            #expect(members.previous == nil, "March is missing")
            #expect(try await db.aggregate("members", "w1", "2024-02")?.ytd == 110)
            #expect(try await db.aggregate("members", "c", "2024-04")?.value == 170)
        }
    }

    @Test func cutOffDayFifteenBesideCalendarMonths() async throws {
        try await rebuilt { db in
            // 14 March 23:59:59 is period March; 15 March 00:00 is period April (cut-off 15).
            let march15 = try await db.aggregate("incidents15", "w3", "2024-03")
            let april15 = try await db.aggregate("incidents15", "w3", "2024-04")
            #expect(march15?.value == Numeric(1) && april15?.value == Numeric(1))
            // Calendar months: 14th, 15th and 31st 23:30 are March; 31st 17:30Z is 1 April 00:30 local.
            let march1 = try await db.aggregate("incidents1", "w3", "2024-03")
            let april1 = try await db.aggregate("incidents1", "w3", "2024-04")
            #expect(march1?.value == Numeric(3) && april1?.value == Numeric(1))
        }
    }

    @Test func splitsAndMergersCompareLikeWithLike() async throws {
        try await rebuilt { db in
            let w8 = try #require(try await db.aggregate("thefts", "w8", "2024-06"))
            #expect(w8.previous == 6 && w8.change == 1, "60 % of w7's May 10")
            #expect(try await db.aggregate("thefts", "w9", "2024-06")?.previous == 4)
            let w12 = try #require(try await db.aggregate("thefts", "w12", "2024-06"))
            #expect(w12.previous == 5, "w11 had no May figure: left out, not counted as 0")
            #expect(w12.ytd == 9, "June's 4 plus w10's May 5 on today's territory")
        }
    }
}

@Suite struct DemoReorganisationTests {
    @Test func longXuyenBinhDucAndAnGiangAcrossJuly2025() async throws {
        try await TestStore.withDatabase { db, _ in
            _ = try await TestStore.importer(db).importDirectory(TestStore.demoFolder)
            _ = try await worker(db).rebuild(from: nil, reason: "test")
            func sum(_ indicator: String, _ month: String, _ areas: [String]) async throws -> Numeric? {
                try await db.pool.scalar("SELECT sum(value) FROM area_values WHERE indicator_code = \(indicator) AND month = to_date(\(month), 'YYYY-MM') AND area_code = ANY(\(areas))", as: Numeric?.self) ?? nil
            }
            let six = ["my-binh", "my-long", "my-xuyen", "my-phuoc", "my-quy", "my-hoa"]
            for indicator in ["thefts", "budget_revenue", "public_disorder"] {
                let july = try #require(try await db.aggregate(indicator, "long-xuyen", "2025-07"))
                #expect(july.previous == (try await sum(indicator, "2025-06", six)), "\(indicator): July's previous is the six wards' June")
                let november = try #require(try await db.aggregate(indicator, "long-xuyen", "2025-11"))
                #expect(november.yoy == (try await sum(indicator, "2024-11", six + ["dong-xuyen"])), "\(indicator): YoY follows Đông Xuyên through Mỹ Xuyên")
                let binhDuc = try #require(try await db.aggregate(indicator, "binh-duc", "2025-07"))
                #expect(binhDuc.previous == (try await sum(indicator, "2025-06", ["binh-duc", "binh-khanh", "my-khanh"])))
                let province = try #require(try await db.aggregate(indicator, "an-giang", "2025-07"))
                let june = try #require(try await db.aggregate(indicator, "an-giang", "2025-06"))
                #expect(province.previous == june.value, "\(indicator): An Giang continues across the change")
                #expect(province.expected == 4 && june.expected == 1)
            }
            // The ratio: summed numerators and denominators of the six.
            let ratio = try #require(try await db.aggregate("admin_on_time_pct", "long-xuyen", "2025-07"))
            let num = try #require(try await sum("admin_on_time", "2025-06", six)), den = try #require(try await sum("admin_received", "2025-06", six))
            let expected = try await db.pool.scalar("SELECT 100 * \(num)::numeric / \(den)::numeric", as: Numeric.self)
            #expect(ratio.previous == expected)
        }
    }
}
