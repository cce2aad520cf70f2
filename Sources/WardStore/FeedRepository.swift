import Foundation
import PQ
import WardCore

/// What the HTTP feeds read: comparisons, series and the monthly report, from `aggregates`.
public struct FeedRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// The children of `parent` (default: the one top-level area) as the tree stood in `month`
    /// (default: the indicator's latest month), ranked, with the parent's total. Throws
    /// `.notFound` naming the indicator or area that is unknown, or the parent that did not exist
    /// in that month.
    public func compare(indicator: String, month: Month?, parent: String?) async throws -> Comparison {
        let month = if let month { month } else { try await latestMonth(indicator: indicator) }
        let parent = if let parent { parent } else { try await root(in: month) }
        // One query answers; only when it finds nothing do the lookups say what is unknown.
        if let comparison = try await compareRows(indicator: indicator, month: month, parent: parent) { return comparison }
        _ = try await names.indicator(indicator)
        _ = try await names.area(parent, in: month)
        throw StoreError(.notFound, "nothing to compare for '\(indicator)' under '\(parent)' in \(month)")
    }

    /// Every child of `parent` as the tree stood in `month`, ranked, with nulls for those without
    /// a value, and the parent's own total: one query. `nil` when the indicator is unknown or the
    /// parent did not exist in `month`.
    func compareRows(indicator: String, month: Month, parent: String) async throws -> Comparison? {
        let rows = try await database.replica.query("""
            SELECT a.code = \(parent), a.code, a.name, g.value, g.previous, g.change, round(g.change_pct, 2), round(g.yoy_change_pct, 2),
                   g.ytd, g.target, round(g.target_pct, 2), g.rank, round(g.share_pct, 2), g.worsened, g.reporting, g.expected,
                   EXISTS (SELECT 1 FROM indicators WHERE code = \(indicator)),
                   -- The parent's review counts, looked up once (not a join per child).
                   CASE WHEN a.code = \(parent) THEN (
                     SELECT ARRAY[r.expected, r.reported, r.on_time, r.late,
                                  CASE WHEN r.deadline <= wb_now() THEN r.expected - r.reported ELSE 0 END,
                                  CASE WHEN r.deadline > wb_now() THEN r.expected - r.reported ELSE 0 END, r.revised]
                     FROM review_counts r WHERE r.indicator_code = \(indicator) AND r.area_code = \(parent) AND r.month = \(month.sqlDate)) END,
                   g.outlier_score, wb_is_outlier(g.outlier_score)
            FROM areas a
            LEFT JOIN aggregates g ON g.indicator_code = \(indicator) AND g.area_code = a.code AND g.month = \(month.sqlDate)
            WHERE (a.parent_code = \(parent) OR a.code = \(parent)) AND wb_counts_in(a.valid_from, a.valid_to, \(month.sqlDate))
            ORDER BY a.code = \(parent) DESC, g.rank NULLS LAST, g.value IS NULL, a.name, a.code
            """)
        guard let first = rows.first, try first.decode(0, as: Bool.self), try first.decode(16, as: Bool.self) else { return nil }
        let compareRows = try rows.dropFirst().map { row in
            CompareRow(
                area: try row.decode(1), name: try row.decode(2), value: try row.decode(3), previous: try row.decode(4),
                change: try row.decode(5), changePct: try row.decode(6), yoyChangePct: try row.decode(7),
                ytd: try row.decode(8), target: try row.decode(9), targetPct: try row.decode(10),
                rank: try row.decode(11, as: Int32?.self).map(Int.init), sharePct: try row.decode(12), worsened: try row.decode(13),
                outlier: OutlierMark(score: try row.decode(18), isOutlier: try row.decode(19)))
        }
        var total: CompareTotal
        if let value = try first.decode(3, as: ExactDecimal?.self) {
            total = CompareTotal(value: value, previous: try first.decode(4), change: try first.decode(5), changePct: try first.decode(6),
                                 reporting: try first.decode(14, as: Int32?.self).map(Int.init), expected: try first.decode(15, as: Int32?.self).map(Int.init))
        } else {
            total = CompareTotal(value: nil, previous: nil, change: nil, changePct: nil, reporting: 0, expected: compareRows.count)
        }
        // Who reported the indicator, over every leaf below the parent (not for ratios).
        if let counts = try first.decode(17, as: [Int32]?.self), counts.count == 7 {
            let count = counts.map(Int.init)
            total.completeness = CompletenessCounts(expected: count[0], reported: count[1], onTime: count[2], late: count[3],
                                                    missing: count[4], pending: count[5], revisedAfterDeadline: count[6])
        }
        return Comparison(indicator: indicator, parent: parent, month: month, total: total, rows: compareRows)
    }

    /// The single root area in `month`, when there is exactly one (the default parent of /compare).
    /// The default parent: the one top-level area in `month`. `.notFound` when no area existed
    /// then; `.invalidInput` naming `parent` when several did (the request must choose).
    func root(in month: Month) async throws -> String {
        let roots = try await database.replica.query("""
            SELECT code FROM areas WHERE parent_code IS NULL AND wb_counts_in(valid_from, valid_to, \(month.sqlDate)) ORDER BY code LIMIT 2
            """).map { try $0.decode(0, as: String.self) }
        switch roots.count {
        case 0: throw StoreError(.notFound, "no area existed in \(month)")
        case 1: return roots[0]
        default:
            throw StoreError(.invalidInput, "more than one top-level area exists in \(month)",
                             problems: [InputProblem(field: "parent", message: "is required: more than one top-level area exists in \(month)")])
        }
    }

    /// The latest month with aggregates for `indicator`; `.notFound` when it has none (or is unknown).
    func latestMonth(indicator: String) async throws -> Month {
        if let month = try await database.replica.scalar("SELECT max(month) FROM aggregates WHERE indicator_code = \(indicator)", as: SQLDate?.self)?.map(Month.init) {
            return month
        }
        _ = try await names.indicator(indicator)
        throw StoreError(.notFound, "indicator '\(indicator)' has no data yet")
    }

    /// The latest month with aggregates for `area`; `.notFound` when it has none (or is unknown).
    func latestMonth(area: String) async throws -> Month {
        if let month = try await database.replica.scalar("SELECT max(month) FROM aggregates WHERE area_code = \(area)", as: SQLDate?.self)?.map(Month.init) {
            return month
        }
        _ = try await names.area(area)
        throw StoreError(.notFound, "area '\(area)' has no figures yet")
    }

    var names: NameLookup { NameLookup(database: database) }

    /// A series of `indicator` for `areas` from `from` (default: 11 months before `to`) to `to`
    /// (default: the indicator's latest month), in long form. `reported`: each area's own rows
    /// while it existed; `comparable`: each month's figure on the area's territory as of `to`
    /// (predecessors back-filled, DATA.md). Throws `.notFound` naming an unknown indicator or
    /// area; a known area without figures in the range simply has no rows.
    public func series(indicator: String, areas: [String], from: Month?, to: Month?, lineage: Lineage) async throws -> Series {
        let (from, to) = try await range(indicator: indicator, from: from, to: to)
        let series = switch lineage {
        case .reported: try await reportedSeries(indicator: indicator, areas: areas, from: from, to: to)
        case .comparable: try await comparableSeries(indicator: indicator, areas: areas, from: from, to: to)
        }
        let answered = Set(series.rows.map(\.area))
        if areas.contains(where: { !answered.contains($0) }) { try await names.check(indicator: indicator, areas: areas) }
        return series
    }

    /// The same series with one row per month and one value per area (every month of the range,
    /// with its period's dates, values null where an area has none).
    public func wideSeries(indicator: String, areas: [String], from: Month?, to: Month?, lineage: Lineage) async throws -> WideSeries {
        let long = try await series(indicator: indicator, areas: areas, from: from, to: to, lineage: lineage)
        var values = [String: ExactDecimal]()
        for row in long.rows { if let value = row.value { values["\(row.area)|\(row.month)"] = value } }
        let periods = try await database.replica.query("""
            SELECT m::date, wb_period_start(m::date, c.cutoff), wb_period_end(m::date, c.cutoff)
            FROM (SELECT coalesce((SELECT cutoff_day FROM indicators WHERE code = \(indicator)), wb_setting('cutoff_day')::int) AS cutoff) c,
                 generate_series(\(long.from.sqlDate)::date, \(long.to.sqlDate)::date, interval '1 month') m
            ORDER BY 1
            """)
        let rows = try periods.map { row in
            let (month, start, end) = try row.decode((SQLDate, SQLDate, SQLDate).self)
            return WideSeries.Row(month: Month(month), periodStart: LocalDate(start), periodEnd: LocalDate(end),
                                  values: areas.map { values["\($0)|\(Month(month))"] })
        }
        return WideSeries(indicator: indicator, areas: areas, rows: rows)
    }

    /// `from` and `to` with their defaults, checked: in order, at most ``FeedLimits/maxMonths``.
    func range(indicator: String, from: Month?, to: Month?) async throws -> (Month, Month) {
        let to = if let to { to } else { try await latestMonth(indicator: indicator) }
        let from = from ?? to.adding(months: -11)
        do throws(RuleViolation) {
            try FeedLimits.checkRange(from: from, to: to)
        } catch {
            throw StoreError(.invalidInput, error.message, problems: [InputProblem(field: error.field, message: error.message)])
        }
        return (from, to)
    }

    /// `comparable` lineage: each month's figure on the area's territory as of `to`, as the
    /// worker computed it: the rows of the area's last epoch at or before `to`
    /// (`comparable_series`), then its aggregate rows from that epoch on. One query.
    func comparableSeries(indicator: String, areas: [String], from: Month, to: Month) async throws -> Series {
        let rows = try await database.replica.query("""
            WITH req AS (
              SELECT a.code, a.n, (SELECT max(e.as_of) FROM area_epochs e WHERE e.area_code = a.code AND e.as_of <= \(to.sqlDate)) AS epoch
              FROM unnest(\(areas)::text[]) WITH ORDINALITY a(code, n)),
            picked AS (
              SELECT r.n, s.area_code, s.month, s.value, s.previous, s.change, s.change_pct, s.yoy_change_pct, s.ytd, s.target, s.target_pct
              FROM req r JOIN comparable_series s
                ON s.indicator_code = \(indicator) AND s.area_code = r.code AND s.as_of = r.epoch AND s.month BETWEEN \(from.sqlDate) AND \(to.sqlDate)
              UNION ALL
              SELECT r.n, g.area_code, g.month, g.value, g.previous, g.change, g.change_pct, g.yoy_change_pct, g.ytd, g.target, g.target_pct
              FROM req r JOIN aggregates g
                ON g.indicator_code = \(indicator) AND g.area_code = r.code AND g.month BETWEEN \(from.sqlDate) AND \(to.sqlDate)
               AND (r.epoch IS NULL OR g.month >= r.epoch))
            SELECT p.area_code, p.month,
                   wb_period_start(p.month, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int)),
                   wb_period_end(p.month, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int)),
                   p.value, p.previous, p.change, round(p.change_pct, 2), round(p.yoy_change_pct, 2), p.ytd, p.target, round(p.target_pct, 2),
                   NULL::numeric, NULL::boolean
            FROM picked p JOIN indicators i ON i.code = \(indicator)
            ORDER BY p.n, p.month
            """)
        return try Self.series(indicator: indicator, from: from, to: to, lineage: .comparable, rows)
    }

    /// `reported` lineage, in one query that reads the indicator's cut-off day itself: an
    /// unknown indicator or area simply has no rows (the caller asks why only then).
    func reportedSeries(indicator: String, areas: [String], from: Month, to: Month) async throws -> Series {
        let rows = try await database.replica.query("""
            SELECT g.area_code, g.month,
                   wb_period_start(g.month, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int)),
                   wb_period_end(g.month, coalesce(i.cutoff_day, wb_setting('cutoff_day')::int)),
                   g.value, g.previous, g.change, round(g.change_pct, 2), round(g.yoy_change_pct, 2), g.ytd, g.target, round(g.target_pct, 2),
                   g.outlier_score, wb_is_outlier(g.outlier_score)
            FROM aggregates g JOIN indicators i ON i.code = g.indicator_code
            WHERE g.indicator_code = \(indicator) AND g.area_code = ANY(\(areas)) AND g.month BETWEEN \(from.sqlDate) AND \(to.sqlDate)
            ORDER BY array_position(\(areas), g.area_code::text), g.month
            """)
        return try Self.series(indicator: indicator, from: from, to: to, lineage: .reported, rows)
    }

    private static func series(indicator: String, from: Month, to: Month, lineage: Lineage, _ rows: QueryResult) throws -> Series {
        let seriesRows = try rows.map { row in
            SeriesRow(
                area: try row.decode(0), month: Month(try row.decode(1, as: SQLDate.self)),
                periodStart: LocalDate(try row.decode(2, as: SQLDate.self)), periodEnd: LocalDate(try row.decode(3, as: SQLDate.self)),
                value: try row.decode(4), previous: try row.decode(5), change: try row.decode(6),
                changePct: try row.decode(7), yoyChangePct: try row.decode(8), ytd: try row.decode(9),
                target: try row.decode(10), targetPct: try row.decode(11),
                outlier: OutlierMark(score: try row.decode(12), isOutlier: try row.decode(13)))
        }
        return Series(indicator: indicator, from: from, to: to, lineage: lineage, rows: seriesRows)
    }

    /// Every indicator for one area and month (default: the area's latest month with figures):
    /// the sheet of the monthly review meeting.
    public func report(area code: String, month: Month?) async throws -> Report {
        let month = if let month { month } else { try await latestMonth(area: code) }
        return try await report(area: try await names.area(code, in: month), month: month)
    }

    func report(area: Area, month: Month) async throws -> Report {
        let rows = try await database.replica.query("""
            SELECT i.code, i.name_vi, i.name_en, i.unit, i.category, i.direction,
                   g.value, g.previous, g.change, round(g.change_pct, 2), round(g.yoy_change_pct, 2), g.ytd, g.target, round(g.target_pct, 2),
                   g.rank, (SELECT count(*) FROM areas s JOIN aggregates sg ON sg.area_code = s.code AND sg.indicator_code = i.code AND sg.month = \(month.sqlDate)
                            WHERE s.parent_code = \(area.parentCode) AND wb_counts_in(s.valid_from, s.valid_to, \(month.sqlDate))),
                   round(g.share_pct, 2), g.worsened,
                   CASE WHEN rc.expected > 0 AND \(area.kind.reports) THEN wb_report_status(rc.reported > 0, ka.arrived_at, rc.deadline, wb_now()) END,
                   CASE WHEN rc.reported > 0 AND \(area.kind.reports) THEN wb_local_time(ka.arrived_at) END,
                   CASE WHEN rc.reported > 0 AND \(area.kind.reports) THEN wb_days_late(ka.arrived_at, rc.deadline) END,
                   wb_local_time(rc.deadline), g.outlier_score, wb_is_outlier(g.outlier_score)
            FROM indicators i
            LEFT JOIN aggregates g ON g.indicator_code = i.code AND g.area_code = \(area.code) AND g.month = \(month.sqlDate)
            LEFT JOIN review_counts rc ON rc.indicator_code = i.code AND rc.area_code = \(area.code) AND rc.month = \(month.sqlDate)
            LEFT JOIN key_arrivals ka ON ka.indicator_code = i.code AND ka.area_code = \(area.code) AND ka.month = \(month.sqlDate)
            ORDER BY i.category, i.code
            """)
        let reportRows = try rows.map { row in
            ReportRow(
                indicator: try row.decode(0), nameVi: try row.decode(1), nameEn: try row.decode(2), unit: try row.decode(3),
                category: try row.decode(4), direction: try row.decode(5), value: try row.decode(6),
                previous: try row.decode(7), change: try row.decode(8), changePct: try row.decode(9),
                yoyChangePct: try row.decode(10), ytd: try row.decode(11), target: try row.decode(12),
                targetPct: try row.decode(13), rank: try row.decode(14, as: Int32?.self).map(Int.init),
                ranked: try row.decode(15, as: Int64?.self).flatMap { $0 > 0 ? Int($0) : nil },
                sharePct: try row.decode(16), worsened: try row.decode(17), status: try row.decode(18), arrivedAt: try row.decode(19),
                daysLate: try row.decode(20, as: Int32?.self).map(Int.init), deadline: try row.decode(21),
                outlier: OutlierMark(score: try row.decode(22), isOutlier: try row.decode(23)))
        }
        return Report(area: area.code, name: area.name, parent: area.parentCode, month: month, rows: reportRows)
    }
}
