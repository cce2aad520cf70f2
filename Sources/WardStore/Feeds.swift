import Foundation
import WardCore

/// The rows the feeds serve. Numbers are exact decimals (PostgreSQL's numeric, never a binary
/// floating point); percentages rounded to 2 places. The HTTP layer writes them as JSON or CSV.
public struct CompareTotal: Sendable, Equatable, FeedRow {
    public var value: ExactDecimal?
    public var previous: ExactDecimal?
    public var change: ExactDecimal?
    public var changePct: ExactDecimal?
    public var reporting: Int?
    public var expected: Int?
    /// Who reported the indicator among every leaf below the parent (DATA.md "Completeness and
    /// timeliness"); nil for a ratio. `reporting` and `expected` count direct children only.
    public var completeness: CompletenessCounts?

    public static let columns = ["value", "previous", "change", "change_pct", "reporting", "expected"]
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.number(value); visitor.number(previous); visitor.number(change); visitor.number(changePct)
        visitor.integer(reporting); visitor.integer(expected)
    }
}

public struct CompareRow: Sendable, Equatable, FeedRow {
    public var area: String
    public var name: String
    public var value: ExactDecimal?
    public var previous: ExactDecimal?
    public var change: ExactDecimal?
    public var changePct: ExactDecimal?
    public var yoyChangePct: ExactDecimal?
    public var ytd: ExactDecimal?
    public var target: ExactDecimal?
    public var targetPct: ExactDecimal?
    public var rank: Int?
    public var sharePct: ExactDecimal?
    public var worsened: Bool?
    public var outlier = OutlierMark()

    public static let columns = ["area", "name", "value", "previous", "change", "change_pct", "yoy_change_pct", "ytd", "target", "target_pct", "rank", "share_pct", "worsened"]
        + OutlierMark.columns
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(area); visitor.text(name); visitor.number(value); visitor.number(previous); visitor.number(change)
        visitor.number(changePct); visitor.number(yoyChangePct); visitor.number(ytd); visitor.number(target); visitor.number(targetPct)
        visitor.integer(rank); visitor.number(sharePct); visitor.bool(worsened)
        outlier.visitCells(&visitor)
    }
}

public struct Comparison: Sendable, Equatable {
    public var indicator: String
    public var parent: String
    public var month: Month
    public var total: CompareTotal
    public var rows: [CompareRow]
}

public struct SeriesRow: Sendable, Equatable, FeedRow {
    public var area: String
    public var month: Month
    public var periodStart: LocalDate
    public var periodEnd: LocalDate
    public var value: ExactDecimal?
    public var previous: ExactDecimal?
    public var change: ExactDecimal?
    public var changePct: ExactDecimal?
    public var yoyChangePct: ExactDecimal?
    public var ytd: ExactDecimal?
    /// The annual target; in a comparable series, moved with the territory (DATA.md).
    public var target: ExactDecimal?
    public var targetPct: ExactDecimal?
    /// Reported rows of a leaf only: comparable rows and parents carry no score.
    public var outlier = OutlierMark()

    public static let columns = ["area", "month", "period_start", "period_end", "value", "previous", "change", "change_pct", "yoy_change_pct", "ytd",
                                 "target", "target_pct"] + OutlierMark.columns
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(area); visitor.text(month.description); visitor.text(periodStart.description); visitor.text(periodEnd.description)
        visitor.number(value); visitor.number(previous); visitor.number(change); visitor.number(changePct); visitor.number(yoyChangePct)
        visitor.number(ytd); visitor.number(target); visitor.number(targetPct)
        outlier.visitCells(&visitor)
    }
}

/// Which figures a series gives (DATA.md "Mergers and splits").
public enum Lineage: String, Sendable, CaseIterable {
    /// Each area's own values while it existed.
    case reported
    /// Each month's figure on the area's territory as of the series' last month.
    case comparable
}

public struct Series: Sendable, Equatable {
    public var indicator: String
    public var from: Month
    public var to: Month
    public var lineage: Lineage
    public var rows: [SeriesRow]
}

/// A series with one row per month and one value per area, for spreadsheets and Chart.js.
public struct WideSeries: Sendable, Equatable {
    public struct Row: Sendable, Equatable, FeedRow {
        public var month: Month
        public var periodStart: LocalDate
        public var periodEnd: LocalDate
        public var values: [ExactDecimal?]

        public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
            visitor.text(month.description); visitor.text(periodStart.description); visitor.text(periodEnd.description)
            for value in values { visitor.number(value) }
        }
    }

    public var indicator: String
    public var areas: [String]
    public var rows: [Row]
    public var columns: [String] { ["month", "period_start", "period_end"] + areas }
}

public struct ReportRow: Sendable, Equatable, FeedRow {
    public var indicator: String
    public var nameVi: String
    public var nameEn: String
    public var unit: String
    public var category: String
    public var direction: String
    public var value: ExactDecimal?
    public var previous: ExactDecimal?
    public var change: ExactDecimal?
    public var changePct: ExactDecimal?
    public var yoyChangePct: ExactDecimal?
    public var ytd: ExactDecimal?
    public var target: ExactDecimal?
    public var targetPct: ExactDecimal?
    public var rank: Int?
    public var ranked: Int?
    public var sharePct: ExactDecimal?
    public var worsened: Bool?
    /// For a leaf: on_time, late, missing or pending (null where the indicator is not expected).
    public var status: String?
    public var arrivedAt: String?
    public var daysLate: Int?
    public var deadline: String?
    public var outlier = OutlierMark()

    public static let columns = ["indicator", "name_vi", "name_en", "unit", "category", "direction", "value", "previous", "change",
                                 "change_pct", "yoy_change_pct", "ytd", "target", "target_pct", "rank", "ranked_among", "share_pct", "worsened",
                                 "status", "arrived_at", "days_late", "deadline"] + OutlierMark.columns
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.text(indicator); visitor.text(nameVi); visitor.text(nameEn); visitor.text(unit); visitor.text(category)
        visitor.text(direction); visitor.number(value); visitor.number(previous); visitor.number(change); visitor.number(changePct)
        visitor.number(yoyChangePct); visitor.number(ytd); visitor.number(target); visitor.number(targetPct); visitor.integer(rank)
        visitor.integer(ranked); visitor.number(sharePct); visitor.bool(worsened)
        visitor.text(status); visitor.text(arrivedAt); visitor.integer(daysLate); visitor.text(deadline)
        outlier.visitCells(&visitor)
    }
}

/// A leaf value's outlier score (DATA.md "Data quality: rules and outliers"): `outlier` is null
/// where the value has no score (fewer than 8 earlier values, MAD 0, a ratio, a parent).
public struct OutlierMark: Sendable, Equatable {
    public var score: ExactDecimal?
    public var isOutlier: Bool?

    public init(score: ExactDecimal? = nil, isOutlier: Bool? = nil) {
        self.score = score
        self.isOutlier = isOutlier
    }

    public static let columns = ["outlier", "outlier_score"]
    public func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor) {
        visitor.bool(isOutlier); visitor.number(score)
    }
}

public struct Report: Sendable, Equatable {
    public var area: String
    public var name: String
    public var parent: String?
    public var month: Month
    public var rows: [ReportRow]
}

/// Receives a feed row's values, typed, in the order of the row type's `columns`: the JSON
/// writer writes each as it comes; ``FeedRow/cells`` collects them (CSV).
public protocol FeedCellVisitor {
    mutating func text(_ value: String?)
    mutating func number(_ value: ExactDecimal?)
    mutating func integer(_ value: Int?)
    mutating func bool(_ value: Bool?)
}

/// A row of a feed: one list of typed values gives both its CSV fields and its JSON members.
public protocol FeedRow {
    func visitCells<Visitor: FeedCellVisitor>(_ visitor: inout Visitor)
}

extension FeedRow {
    /// The row's values as a list.
    public var cells: [FeedCell] {
        var collector = FeedCellCollector()
        visitCells(&collector)
        return collector.cells
    }
}

struct FeedCellCollector: FeedCellVisitor {
    var cells: [FeedCell] = []
    mutating func text(_ value: String?) { cells.append(.text(value)) }
    mutating func number(_ value: ExactDecimal?) { cells.append(.number(value)) }
    mutating func integer(_ value: Int?) { cells.append(.integer(value)) }
    mutating func bool(_ value: Bool?) { cells.append(.bool(value)) }
}

/// One value of a feed row, typed.
public enum FeedCell: Sendable, Equatable {
    case text(String?)
    case number(ExactDecimal?)
    case integer(Int?)
    case bool(Bool?)

    /// CSV text: numbers as exact digits without trailing fractional zeros; empty for null.
    public var csv: String {
        switch self {
        case .text(let value): value ?? ""
        case .number(let value): value?.text ?? ""
        case .integer(let value): value.map(String.init) ?? ""
        case .bool(let value): value.map { $0 ? "true" : "false" } ?? ""
        }
    }
}
