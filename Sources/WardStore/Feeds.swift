import Foundation
import PQ
import WardCore

/// The rows the feeds serve. Numbers are exact decimals (PostgreSQL's numeric, never a binary
/// floating point); percentages rounded to 2 places. The HTTP layer writes them as JSON or CSV.
public struct CompareTotal: Sendable, Equatable {
    public var value: Numeric?
    public var previous: Numeric?
    public var change: Numeric?
    public var changePct: Numeric?
    public var reporting: Int?
    public var expected: Int?

    public static let columns = ["value", "previous", "change", "change_pct", "reporting", "expected"]
    public var cells: [FeedCell] {
        [.number(value), .number(previous), .number(change), .number(changePct), .integer(reporting), .integer(expected)]
    }
}

public struct CompareRow: Sendable, Equatable {
    public var area: String
    public var name: String
    public var value: Numeric?
    public var previous: Numeric?
    public var change: Numeric?
    public var changePct: Numeric?
    public var yoyChangePct: Numeric?
    public var ytd: Numeric?
    public var target: Numeric?
    public var targetPct: Numeric?
    public var rank: Int?
    public var sharePct: Numeric?
    public var worsened: Bool?

    public static let columns = ["area", "name", "value", "previous", "change", "change_pct", "yoy_change_pct", "ytd", "target", "target_pct", "rank", "share_pct", "worsened"]
    public var cells: [FeedCell] {
        [.text(area), .text(name), .number(value), .number(previous), .number(change), .number(changePct), .number(yoyChangePct),
         .number(ytd), .number(target), .number(targetPct), .integer(rank), .number(sharePct), .bool(worsened)]
    }
}

public struct Comparison: Sendable, Equatable {
    public var indicator: String
    public var parent: String
    public var month: Month
    public var total: CompareTotal
    public var rows: [CompareRow]
}

public struct SeriesRow: Sendable, Equatable {
    public var area: String
    public var month: Month
    public var periodStart: LocalDate
    public var periodEnd: LocalDate
    public var value: Numeric?
    public var previous: Numeric?
    public var change: Numeric?
    public var changePct: Numeric?
    public var yoyChangePct: Numeric?
    public var ytd: Numeric?
    public var targetPct: Numeric?

    public static let columns = ["area", "month", "period_start", "period_end", "value", "previous", "change", "change_pct", "yoy_change_pct", "ytd", "target_pct"]
    public var cells: [FeedCell] {
        [.text(area), .text(month.description), .text(periodStart.description), .text(periodEnd.description), .number(value),
         .number(previous), .number(change), .number(changePct), .number(yoyChangePct), .number(ytd), .number(targetPct)]
    }
}

public struct Series: Sendable, Equatable {
    public var indicator: String
    public var from: Month
    public var to: Month
    public var lineage: String
    public var rows: [SeriesRow]
}

public struct ReportRow: Sendable, Equatable {
    public var indicator: String
    public var nameVi: String
    public var nameEn: String
    public var unit: String
    public var category: String
    public var direction: String
    public var value: Numeric?
    public var previous: Numeric?
    public var change: Numeric?
    public var changePct: Numeric?
    public var yoyChangePct: Numeric?
    public var ytd: Numeric?
    public var target: Numeric?
    public var targetPct: Numeric?
    public var rank: Int?
    public var ranked: Int?
    public var sharePct: Numeric?
    public var worsened: Bool?

    public static let columns = ["indicator", "name_vi", "name_en", "unit", "category", "direction", "value", "previous", "change",
                                 "change_pct", "yoy_change_pct", "ytd", "target", "target_pct", "rank", "ranked_among", "share_pct", "worsened"]
    public var cells: [FeedCell] {
        [.text(indicator), .text(nameVi), .text(nameEn), .text(unit), .text(category), .text(direction), .number(value), .number(previous),
         .number(change), .number(changePct), .number(yoyChangePct), .number(ytd), .number(target), .number(targetPct), .integer(rank),
         .integer(ranked), .number(sharePct), .bool(worsened)]
    }
}

public struct Report: Sendable, Equatable {
    public var area: String
    public var name: String
    public var parent: String?
    public var month: Month
    public var rows: [ReportRow]
}

/// One value of a feed row, typed, so that one list per row gives both its CSV fields and its
/// JSON members (in the order of the row type's `columns`).
public enum FeedCell: Sendable, Equatable {
    case text(String?)
    case number(Numeric?)
    case integer(Int?)
    case bool(Bool?)

    /// CSV text: numbers as exact digits without trailing fractional zeros; empty for null.
    public var csv: String {
        switch self {
        case .text(let value): value ?? ""
        case .number(let value): value.map { $0.normalized.description } ?? ""
        case .integer(let value): value.map(String.init) ?? ""
        case .bool(let value): value.map { $0 ? "true" : "false" } ?? ""
        }
    }
}
