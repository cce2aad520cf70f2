import PQ
import WardCore

/// Annual targets (plans) of an area for an indicator.
public struct TargetRepository: Sendable {
    let database: Database
    public init(_ database: Database) { self.database = database }

    /// Upserts targets in one statement: all or none. Returns rows inserted or changed.
    @discardableResult
    public func upsert(_ targets: [Target]) async throws -> Int {
        guard !targets.isEmpty else { return 0 }
        let query: Query = """
            INSERT INTO targets AS t (area_code, indicator_code, year, target)
            SELECT a, i, y::int, v::numeric
            FROM unnest(\(targets.map(\.areaCode))::text[], \(targets.map(\.indicatorCode))::text[],
                        \(targets.map { Int64($0.year) })::int8[], \(targets.map(\.target))::text[]) AS x(a, i, y, v)
            ON CONFLICT (indicator_code, area_code, year) DO UPDATE SET target = excluded.target, updated_at = now()
              WHERE t.target IS DISTINCT FROM excluded.target
            """
        return try await database.primary.execute(query)
    }

    public func target(area: String, indicator: String, year: Int) async throws -> ExactDecimal? {
        try await database.replica.scalar("SELECT target FROM targets WHERE area_code = \(area) AND indicator_code = \(indicator) AND year = \(Int32(year))", as: ExactDecimal.self)
    }
}
