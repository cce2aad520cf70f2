import Foundation
import PQ
import WardCore

/// One finding of the quality feed: a broken rule, or an outlier (DATA.md "Data quality: rules
/// and outliers").
public struct QualityRow: Sendable, Equatable, FeedRow {
    public enum Check: String, Sendable { case rule, outlier }

    public var area: String
    public var name: String
    public var check: Check
    /// `error` or `warning` for a rule; an outlier is a `warning` (shown, never refused).
    public var severity: String
    /// The rule's left indicator (its right when the left is a number), or the outlier's.
    public var indicator: String
    public var value: ExactDecimal?
    /// The other side of a rule: an indicator, or nil for a number.
    public var otherIndicator: String?
    public var otherValue: ExactDecimal?
    public var median: ExactDecimal?
    public var mad: ExactDecimal?
    public var score: ExactDecimal?
    public var rule: String?
    public var message: String

    public static let columns = ["area", "name", "check", "severity", "indicator", "value", "other_indicator", "other_value",
                                 "median", "mad", "score", "rule", "message"]
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(area); visitor.text(name); visitor.text(check.rawValue); visitor.text(severity); visitor.text(indicator)
        visitor.number(value); visitor.text(otherIndicator); visitor.number(otherValue); visitor.number(median); visitor.number(mad)
        visitor.number(score); visitor.text(rule); visitor.text(message)
    }
}

/// `GET /api/v1/quality`: what is wrong below a parent in a month.
public struct Quality: Sendable, Equatable {
    public var month: Month
    public var parent: String
    public var indicator: String?
    public var rows: [QualityRow]
}

/// Broken rules (judged at the time of asking on the leaves' values, facts included) and
/// outliers (scored by the worker) below a parent.
public struct QualityRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    var names: NameLookup { NameLookup(database: database) }

    /// Errors first, then warnings, then outliers by how far out they are.
    public func quality(month: Month, parent: String?, indicator: String?) async throws -> Quality {
        let parent = if let parent { try await names.area(parent, in: month).code } else { try await FeedRepository(database).root(in: month) }
        if let indicator { _ = try await names.indicator(indicator) }
        let rows = try await database.replica.query("""
            SELECT b.area_code, a.name, 'rule', b.severity,
                   coalesce(b.left_indicator, b.right_indicator), CASE WHEN b.left_indicator IS NOT NULL THEN b.left_value ELSE b.right_value END,
                   CASE WHEN b.left_indicator IS NOT NULL THEN b.right_indicator END,
                   CASE WHEN b.left_indicator IS NOT NULL THEN b.right_value ELSE b.left_value END,
                   NULL::numeric, NULL::numeric, NULL::numeric, b.rule_code, b.message,
                   CASE b.severity WHEN 'error' THEN 0 ELSE 1 END AS section, 0::numeric AS distance
            FROM wb_rule_breaks_below(\(parent), \(month.sqlDate), \(indicator)) b
            JOIN areas a ON a.code = b.area_code AND wb_counts_in(a.valid_from, a.valid_to, \(month.sqlDate))
            UNION ALL
            SELECT s.area_code, a.name, 'outlier', 'warning', s.indicator_code, s.value, NULL, NULL, s.median, s.mad, s.score, NULL,
                   format('modified z-score %s: %s against the median %s (MAD %s) of its %s values in the 24 months before',
                          s.score, s.value, s.median, s.mad, s.window_values),
                   2, abs(s.score)
            FROM wb_leaves_below(\(parent), \(month.sqlDate)) l(code)
            CROSS JOIN indicators i
            JOIN outlier_scores s ON (s.indicator_code, s.area_code, s.month) = (i.code, l.code, \(month.sqlDate))
            JOIN areas a ON a.code = s.area_code AND wb_counts_in(a.valid_from, a.valid_to, \(month.sqlDate))
            WHERE wb_is_outlier(s.score) AND (\(indicator)::text IS NULL OR s.indicator_code = \(indicator)::text)
            ORDER BY section, distance DESC, 1, 5, 12
            """)
        let findings = try rows.map { row in
            QualityRow(area: try row.decode(0), name: try row.decode(1), check: QualityRow.Check(rawValue: try row.decode(2)) ?? .rule,
                       severity: try row.decode(3), indicator: try row.decode(4), value: try row.decode(5), otherIndicator: try row.decode(6),
                       otherValue: try row.decode(7), median: try row.decode(8), mad: try row.decode(9), score: try row.decode(10),
                       rule: try row.decode(11), message: try row.decode(12))
        }
        return Quality(month: month, parent: parent, indicator: indicator, rows: findings)
    }
}
