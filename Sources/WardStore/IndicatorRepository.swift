import PQ
import WardCore

public struct IndicatorRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    static func decode(_ row: Row) throws -> Indicator {
        let (code, nameVi, nameEn, unit, kind, direction, category, numerator, denominator, cutoff) =
            try row.decode((String, String, String, String, String, String, String, String?, String?, Int16?).self)
        return Indicator(code: code, nameVi: nameVi, nameEn: nameEn, unit: unit, kind: IndicatorKind(rawValue: kind) ?? .count,
                         direction: Direction(rawValue: direction) ?? .neutral, category: category,
                         numeratorCode: numerator, denominatorCode: denominator, cutoffDay: cutoff.map(Int.init),
                         dueDays: try row.decode(10, as: Int16?.self).map(Int.init), required: try row.decode(11),
                         expectedFrom: try row.decode(12, as: SQLDate?.self).map(Month.init))
    }

    static let columns = "code, name_vi, name_en, unit, kind, direction, category, numerator_code, denominator_code, cutoff_day, due_days, required, expected_from"

    public func all() async throws -> [Indicator] {
        try await database.replica.query("SELECT \(unsafeSQL: Self.columns) FROM indicators ORDER BY category, code").map(Self.decode)
    }

    public func find(_ code: String) async throws -> Indicator? {
        try await database.replica.query("SELECT \(unsafeSQL: Self.columns) FROM indicators WHERE code = \(code)").first.map(Self.decode)
    }

    /// Creates or updates one indicator (admin).
    public func save(_ indicator: Indicator) async throws {
        try await database.primary.execute("""
            INSERT INTO indicators (code, name_vi, name_en, unit, kind, direction, category, numerator_code, denominator_code, cutoff_day,
                                    due_days, required, expected_from)
            VALUES (\(indicator.code), \(indicator.nameVi), \(indicator.nameEn), \(indicator.unit), \(indicator.kind.rawValue),
                    \(indicator.direction.rawValue), \(indicator.category), \(indicator.numeratorCode), \(indicator.denominatorCode),
                    \(indicator.cutoffDay.map { Int32($0) })::int2, \(indicator.dueDays.map { Int32($0) })::int2, \(indicator.required),
                    \(indicator.expectedFrom?.sqlDate)::date)
            ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, unit = excluded.unit,
              kind = excluded.kind, direction = excluded.direction, category = excluded.category,
              numerator_code = excluded.numerator_code, denominator_code = excluded.denominator_code, cutoff_day = excluded.cutoff_day,
              due_days = excluded.due_days, required = excluded.required, expected_from = excluded.expected_from
            """)
    }
}
