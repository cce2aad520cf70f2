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
    public var fields: [String] {
        [area, name, value.text, previous.text, change.text, changePct.text, yoyChangePct.text, ytd.text, target.text, targetPct.text,
         rank.map(String.init) ?? "", sharePct.text, worsened.map { $0 ? "true" : "false" } ?? ""]
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
    public var fields: [String] {
        [area, month.description, periodStart.description, periodEnd.description, value.text, previous.text, change.text,
         changePct.text, yoyChangePct.text, ytd.text, targetPct.text]
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
    public var fields: [String] {
        [indicator, nameVi, nameEn, unit, category, direction, value.text, previous.text, change.text, changePct.text, yoyChangePct.text,
         ytd.text, target.text, targetPct.text, rank.map(String.init) ?? "", ranked.map(String.init) ?? "", sharePct.text,
         worsened.map { $0 ? "true" : "false" } ?? ""]
    }
}

public struct Report: Sendable, Equatable {
    public var area: String
    public var name: String
    public var parent: String?
    public var month: Month
    public var rows: [ReportRow]
}

extension Optional where Wrapped == Numeric {
    /// CSV and JSON text: exact digits without trailing fractional zeros, empty for null.
    public var text: String { self.map { $0.normalized.description } ?? "" }
}
