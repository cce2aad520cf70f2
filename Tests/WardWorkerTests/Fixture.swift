import WardTestSupport
import Foundation
import PQ
import WardCore
@_spi(Testing) import WardStore

/// A small, hand-computed world (all figures below are checked by hand in the tests).
///
/// Province `p` > city `c` > wards w1–w4 (2020 on), w5 (created April 2024), w6 (gone from
/// September 2024), w7 (split on 1 June 2024 into w8 60 % and w9 40 %), w10 and w11 (merged on
/// 1 June 2024 into the new w12).
enum Fixture {
    static let sql = """
        INSERT INTO area_codes VALUES ('p'),('c'),('w1'),('w2'),('w3'),('w4'),('w5'),('w6'),('w7'),('w8'),('w9'),('w10'),('w11'),('w12');
        INSERT INTO areas (code, name, kind, parent_code, valid_from, valid_to) VALUES
          ('p', 'Tỉnh P', 'province', NULL, '2020-01-01', NULL),
          ('c', 'Thành phố C', 'city', 'p', '2020-01-01', NULL),
          ('w1', 'Phường 1', 'ward', 'c', '2020-01-01', NULL),
          ('w2', 'Phường 2', 'ward', 'c', '2020-01-01', NULL),
          ('w3', 'Phường 3', 'ward', 'c', '2020-01-01', NULL),
          ('w4', 'Phường 4', 'ward', 'c', '2020-01-01', NULL),
          ('w5', 'Phường 5', 'ward', 'c', '2024-04-01', NULL),
          ('w6', 'Phường 6', 'ward', 'c', '2020-01-01', '2024-08-31'),
          ('w7', 'Phường 7', 'ward', 'p', '2020-01-01', '2024-05-31'),
          ('w8', 'Phường 8', 'ward', 'p', '2024-06-01', NULL),
          ('w9', 'Phường 9', 'ward', 'p', '2024-06-01', NULL),
          ('w10', 'Phường 10', 'ward', 'p', '2020-01-01', '2024-05-31'),
          ('w11', 'Phường 11', 'ward', 'p', '2020-01-01', '2024-05-31'),
          ('w12', 'Phường 12', 'ward', 'p', '2024-06-01', NULL);
        INSERT INTO successions VALUES ('w7', 'w8', '2024-06-01', 0.6), ('w7', 'w9', '2024-06-01', 0.4),
          ('w10', 'w12', '2024-06-01', 1), ('w11', 'w12', '2024-06-01', 1);
        INSERT INTO indicators (code, name_vi, name_en, unit, kind, direction, category, numerator_code, denominator_code, cutoff_day) VALUES
          ('thefts', 'Trộm cắp', 'Thefts', 'cases', 'count', 'lower_is_better', 'order', NULL, NULL, NULL),
          ('revenue', 'Thu ngân sách', 'Revenue', 'VND', 'amount', 'higher_is_better', 'budget', NULL, NULL, NULL),
          ('members', 'Đảng viên', 'Members', 'people', 'stock', 'higher_is_better', 'party', NULL, NULL, NULL),
          ('sessions', 'Tiếp công dân', 'Sessions', 'sessions', 'count', 'neutral', 'citizens', NULL, NULL, NULL),
          ('recv', 'Hồ sơ nhận', 'Received', 'records', 'count', 'neutral', 'admin', NULL, NULL, NULL),
          ('ontime', 'Đúng hạn', 'On time', 'records', 'count', 'higher_is_better', 'admin', NULL, NULL, NULL),
          ('incidents15', 'Sự cố (kỳ 15)', 'Incidents, 15th', 'cases', 'count', 'lower_is_better', 'order', NULL, NULL, 15),
          ('incidents1', 'Sự cố (tháng)', 'Incidents, calendar', 'cases', 'count', 'lower_is_better', 'order', NULL, NULL, NULL);
        INSERT INTO indicators (code, name_vi, name_en, unit, kind, direction, category, numerator_code, denominator_code) VALUES
          ('ontime_pct', 'Tỷ lệ đúng hạn', 'On-time share', 'percent', 'ratio', 'higher_is_better', 'admin', 'ontime', 'recv');
        INSERT INTO observations (area_code, indicator_code, month, value) VALUES
          ('w1', 'thefts', '2024-01-01', 1), ('w1', 'thefts', '2024-02-01', 4), ('w1', 'thefts', '2024-03-01', 2),
          ('w2', 'thefts', '2024-01-01', 2),                                    ('w2', 'thefts', '2024-03-01', 3),
          ('w3', 'thefts', '2024-02-01', 3), ('w3', 'thefts', '2024-03-01', 3),
          ('w4', 'thefts', '2024-02-01', 6), ('w4', 'thefts', '2024-03-01', 8),
          ('w1', 'thefts', '2024-04-01', 1), ('w5', 'thefts', '2024-04-01', 2), ('w6', 'thefts', '2024-08-01', 1),
          ('w1', 'thefts', '2024-09-01', 1), ('w2', 'thefts', '2024-09-01', 1),
          ('w7', 'thefts', '2024-05-01', 10), ('w8', 'thefts', '2024-06-01', 7), ('w9', 'thefts', '2024-06-01', 3),
          ('w10', 'thefts', '2024-05-01', 5), ('w12', 'thefts', '2024-06-01', 4),
          ('w1', 'revenue', '2024-01-01', 100), ('w1', 'revenue', '2024-02-01', 200), ('w1', 'revenue', '2024-03-01', 300),
          ('w1', 'members', '2024-01-01', 100), ('w1', 'members', '2024-02-01', 110), ('w1', 'members', '2024-04-01', 120),
          ('w2', 'members', '2024-04-01', 50),
          ('w1', 'sessions', '2024-03-01', 4), ('w2', 'sessions', '2024-03-01', 6),
          ('w1', 'recv', '2024-03-01', 10), ('w1', 'ontime', '2024-03-01', 9),
          ('w2', 'recv', '2024-03-01', 90), ('w2', 'ontime', '2024-03-01', 45),
          ('w3', 'recv', '2024-03-01', 50);
        INSERT INTO targets (area_code, indicator_code, year, target) VALUES ('w1', 'revenue', 2024, 1200);
        INSERT INTO facts (area_code, indicator_code, occurred_at) VALUES
          ('w3', 'incidents15', '2024-03-14T23:59:59+07:00'), ('w3', 'incidents15', '2024-03-15T00:00:00+07:00'),
          ('w3', 'incidents1', '2024-03-14T23:59:59+07:00'), ('w3', 'incidents1', '2024-03-15T00:00:00+07:00'),
          ('w3', 'incidents1', '2024-03-31T23:30:00+07:00'), ('w3', 'incidents1', '2024-03-31T17:30:00Z');
        """

    static func load(_ database: Database) async throws {
        try await database.pool.withConnection { try await $0.execute(unsafeSQL: sql) }
    }
}

/// One aggregate row, as the tests read it.
struct AggregateRow: Equatable, CustomStringConvertible {
    var value: Numeric
    var previous: Numeric?
    var change: Numeric?
    var changePct: Numeric?
    var yoy: Numeric?
    var ytd: Numeric?
    var target: Numeric?
    var targetPct: Numeric?
    var rank: Int?
    var sharePct: Numeric?
    var worsened: Bool
    var reporting: Int?
    var expected: Int?

    var description: String { "value \(value) previous \(previous?.description ?? "-") ytd \(ytd?.description ?? "-") rank \(rank.map(String.init) ?? "-")" }
}

extension Database {
    func aggregate(_ indicator: String, _ area: String, _ month: String) async throws -> AggregateRow? {
        let rows = try await readPool.query("""
            SELECT value, previous, change, round(change_pct, 2), yoy_value, ytd, target, round(target_pct, 2), rank, round(share_pct, 2),
                   worsened, reporting, expected
            FROM aggregates WHERE indicator_code = \(indicator) AND area_code = \(area) AND month = to_date(\(month), 'YYYY-MM')
            """)
        guard let row = rows.first else { return nil }
        return AggregateRow(
            value: try row.decode(0), previous: try row.decode(1), change: try row.decode(2), changePct: try row.decode(3),
            yoy: try row.decode(4), ytd: try row.decode(5), target: try row.decode(6), targetPct: try row.decode(7),
            rank: try row.decode(8, as: Int32?.self).map(Int.init), sharePct: try row.decode(9), worsened: try row.decode(10),
            reporting: try row.decode(11, as: Int64?.self).map(Int.init), expected: try row.decode(12, as: Int64?.self).map(Int.init))
    }
}
