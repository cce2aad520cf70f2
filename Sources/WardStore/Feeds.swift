import Foundation
import WardCore

/// The rows the feeds serve. Numbers are exact decimals; percentages rounded to 2 places.
public struct CompareTotal: Sendable, Codable, Equatable {
    public var value: Decimal?
    public var previous: Decimal?
    public var change: Decimal?
    public var changePct: Decimal?
    public var reporting: Int?
    public var expected: Int?

    enum CodingKeys: String, CodingKey {
        case value, previous, change, changePct = "change_pct", reporting, expected
    }

    /// Nulls are written out (`"value": null`), not left out: charts and spreadsheets expect every column.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(previous, forKey: .previous)
        try c.encode(change, forKey: .change)
        try c.encode(changePct, forKey: .changePct)
        try c.encode(reporting, forKey: .reporting)
        try c.encode(expected, forKey: .expected)
    }
}

public struct CompareRow: Sendable, Codable, Equatable {
    public var area: String
    public var name: String
    public var value: Decimal?
    public var previous: Decimal?
    public var change: Decimal?
    public var changePct: Decimal?
    public var yoyChangePct: Decimal?
    public var ytd: Decimal?
    public var target: Decimal?
    public var targetPct: Decimal?
    public var rank: Int?
    public var sharePct: Decimal?
    public var worsened: Bool?

    enum CodingKeys: String, CodingKey {
        case area, name, value, previous, change, changePct = "change_pct", yoyChangePct = "yoy_change_pct", ytd, target
        case targetPct = "target_pct", rank, sharePct = "share_pct", worsened
    }

    /// Nulls are written out (`"value": null`), not left out: charts and spreadsheets expect every column.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(area, forKey: .area)
        try c.encode(name, forKey: .name)
        try c.encode(value, forKey: .value)
        try c.encode(previous, forKey: .previous)
        try c.encode(change, forKey: .change)
        try c.encode(changePct, forKey: .changePct)
        try c.encode(yoyChangePct, forKey: .yoyChangePct)
        try c.encode(ytd, forKey: .ytd)
        try c.encode(target, forKey: .target)
        try c.encode(targetPct, forKey: .targetPct)
        try c.encode(rank, forKey: .rank)
        try c.encode(sharePct, forKey: .sharePct)
        try c.encode(worsened, forKey: .worsened)
    }

    public static let columns = ["area", "name", "value", "previous", "change", "change_pct", "yoy_change_pct", "ytd", "target", "target_pct", "rank", "share_pct", "worsened"]
    public var fields: [String] {
        [area, name, value.text, previous.text, change.text, changePct.text, yoyChangePct.text, ytd.text, target.text, targetPct.text,
         rank.map(String.init) ?? "", sharePct.text, worsened.map { $0 ? "true" : "false" } ?? ""]
    }
}

public struct Comparison: Sendable, Codable, Equatable {
    public var indicator: String
    public var parent: String
    public var month: Month
    public var total: CompareTotal
    public var rows: [CompareRow]
}

public struct SeriesRow: Sendable, Codable, Equatable {
    public var area: String
    public var month: Month
    public var periodStart: LocalDate
    public var periodEnd: LocalDate
    public var value: Decimal?
    public var previous: Decimal?
    public var change: Decimal?
    public var changePct: Decimal?
    public var yoyChangePct: Decimal?
    public var ytd: Decimal?
    public var targetPct: Decimal?

    enum CodingKeys: String, CodingKey {
        case area, month, periodStart = "period_start", periodEnd = "period_end", value, previous, change, changePct = "change_pct"
        case yoyChangePct = "yoy_change_pct", ytd, targetPct = "target_pct"
    }

    /// Nulls are written out (`"value": null`), not left out: charts and spreadsheets expect every column.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(area, forKey: .area)
        try c.encode(month, forKey: .month)
        try c.encode(periodStart, forKey: .periodStart)
        try c.encode(periodEnd, forKey: .periodEnd)
        try c.encode(value, forKey: .value)
        try c.encode(previous, forKey: .previous)
        try c.encode(change, forKey: .change)
        try c.encode(changePct, forKey: .changePct)
        try c.encode(yoyChangePct, forKey: .yoyChangePct)
        try c.encode(ytd, forKey: .ytd)
        try c.encode(targetPct, forKey: .targetPct)
    }

    public static let columns = ["area", "month", "period_start", "period_end", "value", "previous", "change", "change_pct", "yoy_change_pct", "ytd", "target_pct"]
    public var fields: [String] {
        [area, month.description, periodStart.description, periodEnd.description, value.text, previous.text, change.text,
         changePct.text, yoyChangePct.text, ytd.text, targetPct.text]
    }
}

public struct Series: Sendable, Codable, Equatable {
    public var indicator: String
    public var from: Month
    public var to: Month
    public var lineage: String
    public var rows: [SeriesRow]
}

public struct ReportRow: Sendable, Codable, Equatable {
    public var indicator: String
    public var nameVi: String
    public var nameEn: String
    public var unit: String
    public var category: String
    public var direction: String
    public var value: Decimal?
    public var previous: Decimal?
    public var change: Decimal?
    public var changePct: Decimal?
    public var yoyChangePct: Decimal?
    public var ytd: Decimal?
    public var target: Decimal?
    public var targetPct: Decimal?
    public var rank: Int?
    public var ranked: Int?
    public var sharePct: Decimal?
    public var worsened: Bool?

    enum CodingKeys: String, CodingKey {
        case indicator, nameVi = "name_vi", nameEn = "name_en", unit, category, direction, value, previous, change
        case changePct = "change_pct", yoyChangePct = "yoy_change_pct", ytd, target, targetPct = "target_pct", rank
        case ranked = "ranked_among", sharePct = "share_pct", worsened
    }

    /// Nulls are written out (`"value": null`), not left out: charts and spreadsheets expect every column.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(indicator, forKey: .indicator)
        try c.encode(nameVi, forKey: .nameVi)
        try c.encode(nameEn, forKey: .nameEn)
        try c.encode(unit, forKey: .unit)
        try c.encode(category, forKey: .category)
        try c.encode(direction, forKey: .direction)
        try c.encode(value, forKey: .value)
        try c.encode(previous, forKey: .previous)
        try c.encode(change, forKey: .change)
        try c.encode(changePct, forKey: .changePct)
        try c.encode(yoyChangePct, forKey: .yoyChangePct)
        try c.encode(ytd, forKey: .ytd)
        try c.encode(target, forKey: .target)
        try c.encode(targetPct, forKey: .targetPct)
        try c.encode(rank, forKey: .rank)
        try c.encode(ranked, forKey: .ranked)
        try c.encode(sharePct, forKey: .sharePct)
        try c.encode(worsened, forKey: .worsened)
    }

    public static let columns = ["indicator", "name_vi", "name_en", "unit", "category", "direction", "value", "previous", "change",
                                 "change_pct", "yoy_change_pct", "ytd", "target", "target_pct", "rank", "ranked_among", "share_pct", "worsened"]
    public var fields: [String] {
        [indicator, nameVi, nameEn, unit, category, direction, value.text, previous.text, change.text, changePct.text, yoyChangePct.text,
         ytd.text, target.text, targetPct.text, rank.map(String.init) ?? "", ranked.map(String.init) ?? "", sharePct.text,
         worsened.map { $0 ? "true" : "false" } ?? ""]
    }
}

public struct Report: Sendable, Codable, Equatable {
    public var area: String
    public var name: String
    public var parent: String?
    public var month: Month
    public var rows: [ReportRow]
}

extension Optional where Wrapped == Decimal {
    /// CSV text: exact digits, empty for null.
    public var text: String { self.map { "\($0)" } ?? "" }
}
