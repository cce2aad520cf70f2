import WardTestSupport
import Foundation
import PQ
import Testing
import WardCore
@_spi(Testing) import WardStore
@testable import WardWorker

/// Comparable series are computed by the worker and only read by the feed (DATA.md "Mergers and
/// splits"): checked against hand-computed figures, against an independent reference query, and
/// against the aggregate rows they share a month with.
@Suite struct ComparableSeriesTests {
    /// Revenue and targets around the Fixture's June 2024 split (w7 into w8 60 % and w9 40 %) and
    /// merger (w10 and w11 into w12).
    static let revenue = """
        INSERT INTO observations (area_code, indicator_code, month, value) VALUES
          ('w7', 'revenue', '2023-12-01', 50), ('w7', 'revenue', '2024-05-01', 100),
          ('w8', 'revenue', '2024-06-01', 70), ('w9', 'revenue', '2024-06-01', 30),
          ('w10', 'revenue', '2023-12-01', 10), ('w10', 'revenue', '2024-05-01', 20),
          ('w11', 'revenue', '2023-12-01', 30), ('w11', 'revenue', '2024-05-01', 40),
          ('w12', 'revenue', '2024-06-01', 65);
        INSERT INTO targets (area_code, indicator_code, year, target) VALUES
          ('w7', 'revenue', 2023, 900), ('w7', 'revenue', 2024, 1000), ('w8', 'revenue', 2024, 800),
          ('w10', 'revenue', 2023, 100), ('w11', 'revenue', 2023, 200), ('w10', 'revenue', 2024, 150), ('w12', 'revenue', 2024, 500);
        """

    func series(_ db: Database, _ area: String, to: String, lineage: Lineage = .comparable) async throws -> [String: SeriesRow] {
        let series = try await FeedRepository(db).series(indicator: "revenue", areas: [area], from: Month("2023-12"), to: Month(to), lineage: lineage)
        return Dictionary(uniqueKeysWithValues: series.rows.map { ($0.month.description, $0) })
    }

    @Test func targetsMoveWithTheTerritory() async throws {
        try await TestStore.withDatabase { db, _ in
            try await Fixture.load(db)
            try await db.pool.withConnection { try await $0.execute(unsafeSQL: Self.revenue) }
            _ = try await worker(db).rebuild(from: nil, reason: "test")

            // Merger into the new w12: 2023 is the sum of the predecessors' 2023 targets; in 2024,
            // the year of the merger, w12's own 2024 plan alone (not w10's 150 on top).
            let merged = try await series(db, "w12", to: "2024-06")
            #expect(merged["2023-12"]?.value == 40 && merged["2023-12"]?.target == 300 && merged["2023-12"]?.targetPct == ExactDecimal("13.33"))
            #expect(merged["2024-05"]?.value == 60 && merged["2024-05"]?.target == 500 && merged["2024-05"]?.ytd == 60)
            #expect(merged["2024-06"]?.target == 500 && merged["2024-06"]?.previous == 60 && merged["2024-06"]?.ytd == 125)
            // Split with shares: w9 (no plan of its own) carries 40 % of w7's plan, in 2024 too;
            // w8 has its own 2024 plan, which alone counts in 2024.
            let w9 = try await series(db, "w9", to: "2024-06")
            #expect(w9["2023-12"]?.value == 20 && w9["2023-12"]?.target == 360)
            #expect(w9["2024-05"]?.value == 40 && w9["2024-05"]?.target == 400 && w9["2024-05"]?.targetPct == 10)
            #expect(w9["2024-06"]?.target == nil, "from the split on, the area's own target, and w9 has none")
            let w8 = try await series(db, "w8", to: "2024-06")
            #expect(w8["2023-12"]?.target == 540 && w8["2024-05"]?.target == 800 && w8["2024-05"]?.value == 60)
            // As of a month before the split, the series is w7's own (it still existed).
            let before = try await series(db, "w9", to: "2024-05")
            #expect(before.isEmpty, "w9 did not exist yet")
            // A ward that never changed: its comparable series is its aggregate rows.
            let w1 = try await FeedRepository(db).series(indicator: "revenue", areas: ["w1"], from: Month("2024-01"), to: Month("2024-03"), lineage: .comparable)
            let reported = try await FeedRepository(db).series(indicator: "revenue", areas: ["w1"], from: Month("2024-01"), to: Month("2024-03"), lineage: .reported)
            #expect(w1.rows == reported.rows && w1.rows.last?.target == 1200 && w1.rows.last?.targetPct == 50)
        }
    }

    /// The stored rows against the comparable series computed directly from area_values and the
    /// lineage (the query the feed ran before the worker stored them), for every area of the
    /// demo, every indicator and several last months.
    @Test func storedSeriesEqualTheDirectComputation() async throws {
        try await TestStore.withDatabase { db, _ in
            _ = try await TestStore.importer(db).importDirectory(TestStore.demoFolder)
            _ = try await worker(db).rebuild(from: nil, reason: "test")
            let areas = try await db.pool.query("SELECT DISTINCT code FROM areas ORDER BY 1").map { try $0.decode(0, as: String.self) }
            let indicators = try await db.pool.query("SELECT code FROM indicators ORDER BY 1").map { try $0.decode(0, as: String.self) }
            var compared = 0
            for to in ["2024-12", "2025-01", "2025-06", "2025-07", "2025-12", "2026-10"] {
                for indicator in indicators {
                    let feed = try await FeedRepository(db).series(indicator: indicator, areas: areas, from: Month("2023-01"), to: Month(to), lineage: .comparable)
                    let stored = feed.rows.map { row in
                        [row.area, row.month.description, row.value?.text, row.previous?.text, row.change?.text, row.changePct?.text,
                         row.yoyChangePct?.text, row.ytd?.text].map { $0 ?? "-" }.joined(separator: "|")
                    }
                    let direct = try await Self.direct(db, indicator: indicator, areas: areas, from: "2023-01", to: to)
                    #expect(firstDifference(stored, direct) == nil, "\(indicator) to \(to)")
                    compared += stored.count
                    // The last month of every series is the aggregate row of that month.
                    for row in feed.rows where row.month.description == to {
                        let aggregate = try await db.pool.query("""
                            SELECT value, previous, ytd, target, round(target_pct, 2) FROM aggregates
                            WHERE indicator_code = \(indicator) AND area_code = \(row.area) AND month = to_date(\(to), 'YYYY-MM')
                            """).first.map { try $0.decode((ExactDecimal, ExactDecimal?, ExactDecimal?, ExactDecimal?, ExactDecimal?).self) }
                        #expect(aggregate?.0 == row.value && aggregate?.1 == row.previous && aggregate?.2 == row.ytd
                                && aggregate?.3 == row.target && aggregate?.4 == row.targetPct, "\(indicator) \(row.area) \(to)")
                    }
                }
            }
            #expect(compared > 5_000)
        }
    }

    /// The comparable series straight from area_values and area_lineage, windowed.
    static func direct(_ db: Database, indicator: String, areas: [String], from: String, to: String) async throws -> [String] {
        try await db.pool.query("""
            WITH months AS (
              SELECT generate_series(date_trunc('year', to_date(\(from), 'YYYY-MM')) - interval '12 months', to_date(\(to), 'YYYY-MM'), interval '1 month')::date AS month),
            parts AS (
              SELECT a.code AS area, m.month, sum(l.factor * v.value) AS value, sum(l.factor * v.num) AS num,
                     sum(l.factor * v.den) AS den, count(v.num) AS ratio_parts
              FROM unnest(\(areas)::text[]) a(code)
              JOIN area_lineage l ON l.area_code = a.code AND l.last_eff <= to_date(\(to), 'YYYY-MM')
              CROSS JOIN months m
              JOIN area_values v ON v.indicator_code = \(indicator) AND v.area_code = l.pred_code AND v.month = m.month
              WHERE l.first_eff > m.month
              GROUP BY a.code, m.month),
            grid AS (
              SELECT a.code AS area, m.month, p.num, p.den,
                     CASE WHEN p.ratio_parts > 0 THEN CASE WHEN p.den <> 0 THEN 100 * p.num / p.den END ELSE p.value END AS figure
              FROM unnest(\(areas)::text[]) a(code) CROSS JOIN months m LEFT JOIN parts p ON p.area = a.code AND p.month = m.month),
            windowed AS (
              SELECT g.*, lag(figure) OVER w AS previous, lag(figure, 12) OVER w AS yoy,
                     sum(figure) OVER y AS ytd_sum, sum(num) OVER y AS ytd_num, sum(den) OVER y AS ytd_den,
                     (array_remove(array_agg(figure) OVER y, NULL))[cardinality(array_remove(array_agg(figure) OVER y, NULL))] AS ytd_latest
              FROM grid g
              WINDOW w AS (PARTITION BY area ORDER BY month), y AS (PARTITION BY area, date_trunc('year', month) ORDER BY month))
            SELECT concat_ws('|', w.area, to_char(w.month, 'YYYY-MM'), coalesce(trim_scale(w.figure)::text, '-'), coalesce(trim_scale(w.previous)::text, '-'),
                   coalesce(trim_scale(w.figure - w.previous)::text, '-'),
                   coalesce(trim_scale(round(CASE WHEN w.previous <> 0 THEN 100 * (w.figure - w.previous) / abs(w.previous) END, 2))::text, '-'),
                   coalesce(trim_scale(round(CASE WHEN w.yoy <> 0 THEN 100 * (w.figure - w.yoy) / abs(w.yoy) END, 2))::text, '-'),
                   coalesce(trim_scale(CASE i.kind WHEN 'ratio' THEN CASE WHEN w.ytd_den <> 0 THEN 100 * w.ytd_num / w.ytd_den END
                                       WHEN 'stock' THEN w.ytd_latest ELSE w.ytd_sum END)::text, '-'))
            FROM windowed w JOIN indicators i ON i.code = \(indicator)
            WHERE w.month BETWEEN to_date(\(from), 'YYYY-MM') AND to_date(\(to), 'YYYY-MM') AND w.figure IS NOT NULL
            ORDER BY 1
            """).map { try $0.decode(0, as: String.self) }
    }
}
